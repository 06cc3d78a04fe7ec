/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal interfaces of the verification (pkix/): the structures its
 * files share and the functions that cross them.  The data flow is
 * px_verify()'s (verify.c, DESIGN.md section 3): leaf checks, chain
 * building (chain.c, AIA retrieval in aia.c), for each chain path
 * validation and revocation root down (revplan.c: which sources in which
 * order; crlcheck.c and ocspcheck.c: the sources), the decision
 * (decision.c) and the report (report.c); context.c holds the context and
 * the validators rebuilt from data.
 */
#ifndef PX_VERIFY_INT_H
#define PX_VERIFY_INT_H

#include <stddef.h>
#include <time.h>

#include <openssl/safestack.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../common/log.h"
#include "certmemo.h"
#include "ocsp.h"
#include "pkix_int.h"
#include "store.h"

struct px_pkix {
	const struct px_config *cfg;
	struct px_store st;
	struct px_cache *cache;
	struct px_memo *memo; /* facts of the certificates seen */
	/* [policy]: the user-initial-policy-set ({anyPolicy} by default), the
	 * X509_V_FLAG_* that carry the other settings, their digest. */
	STACK_OF(ASN1_OBJECT) *policies;
	unsigned long vflags;
	unsigned char rules[32];
	enum px_revocation_policy policy;
	time_t crl_grace;
};

struct chain {
	X509 *c[PX_MAX_DEPTH + 2]; /* leaf first */
	int n;
};

/* What one candidate chain came to. */
struct outcome {
	int r;          /* 0 or the PX_ERR_* that rejects it */
	char *policies; /* the valid policy set, NULL when empty */
	int unknown;    /* some certificate's status is unknown */
	char *detail;
	time_t revoked_at;
	int crl_reason;
	struct px_cert_report *rep; /* n entries, leaf first */
	size_t n;
};

struct build {
	STACK_OF(X509) *pools[3]; /* roots, intermediates, caller's */
	struct px_store *st;      /* fills pools[0..1] on demand */
	struct chain chains[PX_MAX_CHAINS];
	int n;
	int checks;    /* X509_check_issued() calls, all steps together */
	X509 *crowded; /* had more than PX_MAX_ISSUER_CANDIDATES issuers */
};

/*
 * What a CRL or an OCSP response revokes: a serial under an issuer's name
 * and key.  Compared as that, not by encoding (an ECDSA signature can be
 * re-encoded without the key), and not as the whole issuer certificate: a
 * second certificate of the same CA (same name and key, other extensions)
 * is the same issuer.
 */
struct revoked_cert {
	X509 *cert;   /* borrowed: the leaf or a pool's certificate */
	X509 *issuer; /* borrowed: the certificate above it on that chain */
	time_t revoked_at;
	int crl_reason;
};

struct known_revoked {
	struct revoked_cert v[PX_MAX_CHAINS * (PX_MAX_DEPTH + 1)];
	size_t n;
};

/* One verification: the context, its clock and its time budget. */
struct rev {
	struct px_pkix *px;
	time_t now;
	struct px_budget budget;
	const unsigned char *stapled; /* the leaf's stapled OCSP response */
	size_t stapled_len;
	int path_only; /* px_verify_path(): no revocation checks */
	X509 *anchor;  /* of the chain whose revocation is being checked */
	/* px_check_crl(): the reasons no CRL answered yet (0: all). */
	unsigned int want_reasons;
	int signer_depth; /* CRL signers being checked (crl_other_signer) */
	/* CRL signers judged in this verification: each path validated and
	 * checked once. */
	struct {
		X509 *x, *anchor;
		int ok;
	} signers[PX_MAX_CRL_SIGNERS];
	int n_signers;
};

struct crl_check {
	X509 *issuer;       /* the expected issuer, or NULL: */
	struct px_pkix *px; /* any CA certificate of the stores */
};

struct cert_check {
	const X509_NAME *want; /* the subject looked for */
	const char *url;       /* where it came from, for messages */
};

/* ---- the revocation plan (revplan.c) ---- */

/* One step of the revocation check of a certificate. */
enum px_rev_step {
	PX_REV_STAPLED,       /* the leaf's stapled OCSP response */
	PX_REV_CRL_LOCAL,     /* a CRL of crl_dir only: nothing fetched */
	PX_REV_CRL,           /* CRLs: crl_dir, then the distribution points */
	PX_REV_CRL_PREFERRED, /* CRLs first: prefer_crl = yes */
	PX_REV_CRL_BUSY,      /* CRLs first: > ocsp_to_crl_count cached */
	PX_REV_OCSP,          /* the OCSP URLs: the policy's, then AIA */
	PX_REV_CRL_HELD,      /* CRLs: no OCSP URL may be asked (ocsp_retry) */
	PX_REV_CRL_FALLBACK,  /* CRLs: every OCSP URL asked failed */
	PX_REV_OCSP_FALLBACK  /* the OCSP URLs: the CRLs failed */
};

#define PX_REV_STEPS_MAX 3

/*
 * What the order of the sources depends on, as plain values.  A fact that
 * an earlier rule makes irrelevant is left 0 (each costs a lookup, some
 * trace): responders_held is learnt by the OCSP step itself.
 */
struct px_rev_facts {
	enum px_revocation_policy policy;
	int leaf;              /* the certificate is the leaf */
	int have_stapled;      /* the caller gave a stapled OCSP response */
	int have_local_crl;    /* crl_dir holds a usable CRL for it */
	int have_ocsp_urls;    /* the policy's responder or AIA names one */
	int prefer_crl;        /* prefer_crl = yes */
	int have_cdp;          /* it has CRL distribution points */
	int ocsp_cached;       /* responses of its first responder cached */
	int ocsp_to_crl_count; /* the setting */
	int responders_held;   /* the OCSP step asked no URL: every one is
	                        * held after a failure (ocsp_retry) */
};

/*
 * The sources of one certificate's status in the order they are tried
 * (seed 003, DESIGN.md section 3.4): writes the steps to out and returns
 * how many.  The first definite answer (good or revoked) is the status,
 * else the last step's.  Facts learnt while the steps run change only the
 * steps after the one that learnt them.
 */
size_t px_rev_plan(
    const struct px_rev_facts *facts, enum px_rev_step out[PX_REV_STEPS_MAX]);
enum px_status px_check_revocation(struct rev *v, X509 *cert, X509 *issuer,
    int leaf, struct px_cert_report *rep);

/* ---- the report (report.c) ---- */

char *px_xasprintf(const char *fmt, ...) PX_PRINTF(1, 2);
void px_reports_free(struct px_cert_report *rep, size_t n);
int px_reports_new(struct px_pkix *px, X509 *const *certs, size_t n,
    struct px_cert_report **repp);
void px_outcome_clear(struct outcome *o);
int px_result_new(struct px_pkix *px, X509 *leaf, struct px_result **resp);
void px_result_take(struct px_result *res, struct outcome *o);

/* ---- the decision (decision.c) ---- */

void px_known_revoked_add(
    struct known_revoked *kr, const struct chain *ch, const struct outcome *o);
int px_known_revoked_apply(
    const struct known_revoked *kr, const struct chain *ch, struct outcome *o);
int px_outcome_rank(const struct outcome *o);
void px_result_finish(struct px_result *res, enum px_revocation_policy policy);

/* ---- chain building and path validation (chain.c) ---- */

int px_in_stack(STACK_OF(X509) *sk, X509 *x);
int px_chain_extend(struct build *b, struct chain *path);
char *px_limit_detail(const struct build *b);
int px_leaf_usage_ok(X509 *leaf, char **detail);
int px_path_validate_cached(struct rev *v, struct chain *ch,
    const unsigned char (*fps)[PX_FP_LEN], struct outcome *o);

/* ---- one chain (verify.c) ---- */

int px_check_chain(struct rev *v, struct chain *ch, struct outcome *o);

/* ---- CRLs (crlcheck.c) ---- */

void px_note(char *buf, size_t len, const char *label, const char *why);
const struct px_crl *px_local_crl(struct rev *v, X509 *cert, X509 *issuer,
    const struct px_crl *base, char *why, size_t len);
enum px_status px_check_crl(struct rev *v, X509 *cert, X509 *issuer, int fetch,
    struct px_cert_report *rep);
int px_validate_crl(void *arg, const unsigned char *der, size_t len,
    const unsigned char sha256[32], struct px_obj_info *info,
    unsigned char **idx, size_t *idx_len);
int px_describe_crl(void *arg, struct px_vspec *s);
int px_check_crl_index(
    void *arg, const struct px_blob *idx, const unsigned char sha256[32]);

/* ---- OCSP (ocspcheck.c) ---- */

void px_ocsp_setup(
    struct rev *v, X509 *cert, X509 *issuer, struct px_ocsp_ctx *c);
enum px_status px_ocsp_take(
    const struct px_ocsp_result *res, struct px_cert_report *rep);
enum px_status px_try_ocsp(struct rev *v, X509 *cert, X509 *issuer,
    STACK_OF(OPENSSL_STRING) *urls, struct px_cert_report *rep, char *why,
    size_t wlen, int *asked);
STACK_OF(OPENSSL_STRING) *px_ocsp_urls(struct px_pkix *px, X509 *cert);

/* ---- AIA caIssuers (aia.c) ---- */

int px_describe_issuers(void *arg, struct px_vspec *s);
int px_validate_issuers(void *arg, const unsigned char *der, size_t len,
    const unsigned char sha256[32], struct px_obj_info *info,
    unsigned char **idx, size_t *idx_len);
int px_fetch_issuers(
    struct rev *v, X509 *leaf, STACK_OF(X509) *untrusted, STACK_OF(X509) **out);

#endif
