/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Chain building, path validation and the revocation decision.
 *
 * A struct px_pkix holds the trust stores of one configuration (trusted
 * roots, intermediates, disallowed certificates, local CRLs), loaded once and
 * then read-only, so one context may serve many verifications.
 */
#ifndef PX_PKIX_H
#define PX_PKIX_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "../common/conf.h"
#include "../common/err.h"
#include "pkix_limits.h"

struct px_pkix;

/* What the policy made of a verification. */
enum px_decision {
	PX_ACCEPTED = 0,
	PX_REJECTED = 1, /* a definite reason: revoked, expired, ... */
	PX_UNKNOWN = 2   /* revocation status unknown, and policy denies */
};

/* Revocation status of one certificate of the chosen chain. */
enum px_status {
	PX_STATUS_GOOD = 0,
	PX_STATUS_REVOKED,
	PX_STATUS_UNKNOWN,
	PX_STATUS_ANCHOR,     /* trusted root: not checked */
	PX_STATUS_NOT_CHECKED /* chain failed before revocation checks */
};

struct px_cert_report {
	char *subject; /* one line, RFC 2253 */
	char *issuer;
	char *serial; /* hex */
	enum px_status status;
	char *source;      /* where the status came from, or why unknown */
	time_t revoked_at; /* PX_STATUS_REVOKED only */
	int crl_reason;    /* CRL reason code, -1 when none given */
};

struct px_result {
	enum px_decision decision; /* after the revocation policy */
	int reason;                /* 0, or the PX_ERR_* behind the decision */
	char *detail;              /* one human sentence; never NULL */
	int revocation_unknown;    /* status was unknown (accepted or not) */
	time_t revoked_at;         /* when reason is PX_ERR_REVOKED */
	int crl_reason;            /* -1 when none given */
	size_t chains_tried;
	char
	    *policies; /* the valid policy set (dotted OIDs, spaces), or NULL */
	size_t n_chain; /* leaf first, trusted root last */
	struct px_cert_report *chain;
};

/*
 * Loads the trust stores named by cfg and opens its caches; cfg must outlive
 * the context.  Returns 0 and sets *pxp (caller
 * frees with px_pkix_free), or a PX_ERR_* (PX_ERR_INSECURE for a store
 * directory with a wrong owner or mode).  Unreadable or malformed files in
 * a store are skipped with a log line naming them.
 */
int px_pkix_new(const struct px_config *cfg, struct px_pkix **pxp) PX_WUR;
void px_pkix_free(struct px_pkix *px);

/*
 * Verifies leaf for login at time now: builds every chain from leaf through
 * untrusted (may be NULL), the intermediates and the trusted roots, checks
 * each chain that ends at a trusted root from the root down, and applies the
 * revocation policy.  stapled (may be NULL) is an OCSP response for leaf
 * that the caller received (a TLS server's, a domain controller's); it is
 * used, when time-valid and valid for leaf, before any retrieval.  Returns 0
 * and sets *resp (caller frees with px_result_free) whatever the decision; a
 * PX_ERR_* only when the check itself could not run (out of memory).
 */
int px_verify(struct px_pkix *px, X509 *leaf, STACK_OF(X509) *untrusted,
    const unsigned char *stapled, size_t stapled_len, time_t now,
    struct px_result **resp) PX_WUR;
void px_result_free(struct px_result *res);

/*
 * Like px_verify() without revocation checks (AIA still fetched): whether
 * leaf chains to a trusted root, is fit for login and not disallowed.  The
 * PAM module asks this before it gives a PIN to a token.  Returns as
 * px_verify(); the decision is PX_ACCEPTED when a path validates.
 */
int px_verify_path(struct px_pkix *px, X509 *leaf, STACK_OF(X509) *untrusted,
    time_t now, struct px_result **resp) PX_WUR;

struct px_object;
/*
 * Fetches the CRL at url through the caches (pkixctl fetch): it must be
 * signed by a CA certificate of the trust stores.  Returns 0 and sets *objp
 * (caller frees with px_object_free) or a PX_ERR_*.
 */
int px_pkix_fetch_crl(
    struct px_pkix *px, const char *url, struct px_object **objp) PX_WUR;

/*
 * Refreshes the cached CRLs that are stale or whose nextUpdate is closer
 * than window seconds (pkixctl prefetch, for a timer).  Calls report() for
 * each refreshed URL with the result.  Returns 0, or PX_ERR_NETWORK when a
 * refresh failed.
 */
int px_pkix_prefetch(struct px_pkix *px, time_t window,
    int (*report)(
        void *arg, const char *url, int r, const struct px_object *obj),
    void *arg) PX_WUR;

/*
 * Rebuilds a validator described as data (the retrieval helper): CRLs of
 * spec's issuer (or any CA of the stores), certificates of its subject,
 * OCSP responses for its certificate, judged at now.  Returns 0 with *statep
 * (free with px_pkix_validator_free()), PX_ERR_BAD_FORMAT or PX_ERR_NOMEM.
 */
struct px_vspec;
struct px_validator;
int px_pkix_validator(struct px_pkix *px, const struct px_vspec *spec,
    time_t now, struct px_validator *v, void **statep) PX_WUR;
void px_pkix_validator_free(void *state);
/* The caches of px (the retrieval helper's network step). */
struct px_cache *px_pkix_cache(struct px_pkix *px);

/* Sets the clock of the caches (pkixctl --time); NULL restores time(). */
void px_pkix_set_clock(struct px_pkix *px, time_t (*now)(void));

/*
 * Applies a revocation policy to a status found by verification:
 * known-good or rejected results pass through; an unknown status becomes
 * PX_UNKNOWN under require and PX_ACCEPTED otherwise.
 */
enum px_decision px_decide(enum px_decision found, int revocation_unknown,
    enum px_revocation_policy policy);

/*
 * Parses one or more certificates, PEM (several allowed) or DER (exactly
 * one, nothing after it).  Returns 0 and sets *certsp (caller frees with
 * sk_X509_pop_free), PX_ERR_BAD_FORMAT or PX_ERR_NOMEM.
 */
int px_certs_parse(
    const unsigned char *buf, size_t len, STACK_OF(X509) **certsp) PX_WUR;

/* Returns the RFC 5280 name of a CRL reason code ("keyCompromise"). */
const char *px_crl_reason_name(int reason);
/* Returns "good", "revoked", "unknown", "trusted root", "not checked". */
const char *px_status_name(enum px_status s);
/* Returns "accepted", "rejected" or "unknown". */
const char *px_decision_name(enum px_decision d);

#endif
