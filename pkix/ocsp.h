/* SPDX-License-Identifier: BSD-2-Clause */
/* OCSP inside pkix/: one query, one stapled response. */
#ifndef PX_OCSP_H
#define PX_OCSP_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pkix_int.h"

struct px_ocsp_ctx {
	struct px_cache *cache;
	struct px_budget *budget;
	time_t now;
	X509 *cert;
	X509 *issuer;
	const EVP_MD *md; /* CertID hash */
	int nonce;
	int post;          /* POST even when a GET would do */
	uint64_t lifetime; /* seconds, for responses without nextUpdate */
	uint64_t max_age;  /* seconds: oldest thisUpdate without nextUpdate */
	/* Checks a delegated responder without id-pkix-ocsp-nocheck: by CRL
	 * only.  Returns 0 when it is known good. */
	int (*check_signer)(void *arg, X509 *signer, X509 *issuer);
	/* Seed 003, Vista SP1: whether signer, with the certificates of the
	 * response (certs), chains to a trusted root with id-kp-OCSPSigning,
	 * its chain known good by CRL.  Returns 0, or a PX_ERR_* with the
	 * reason in why. */
	int (*trust_signer)(void *arg, X509 *signer,
	    const STACK_OF(X509) *certs, char *why, size_t len);
	void *arg;
};

struct px_ocsp_result {
	enum px_status status; /* GOOD, REVOKED, or UNKNOWN (see why) */
	int err; /* UNKNOWN: the PX_ERR_* of the responder's answer, 0 when
	          * the responder was not asked */
	time_t revoked_at;
	int reason;
	char source[400];
	char why[200];
};

/* Asks url for c->cert through the caches; validates by the signer rules. */
enum px_status px_ocsp_query(
    const struct px_ocsp_ctx *c, const char *url, struct px_ocsp_result *res);
/*
 * Checks a stapled response (time-valid, for this certificate).  Like every
 * response, cached or fetched: producedAt and thisUpdate not ahead of now by
 * more than the skew, nextUpdate not passed, and without nextUpdate a
 * thisUpdate at most max_age old.
 */
enum px_status px_ocsp_stapled(const struct px_ocsp_ctx *c,
    const unsigned char *der, size_t len, struct px_ocsp_result *res);
/* The cache key of an OCSP response: url#hex(CertID).  Caller frees. */
int px_ocsp_key(X509 *cert, X509 *issuer, const EVP_MD *md, const char *url,
    char **keyp) PX_WUR;

/*
 * The validator of px_ocsp_query() for a response to req (DER, or NULL
 * without a nonce), as the retrieval helper rebuilds it.  c must outlive
 * it.  Returns 0 with *statep (free with px_ocsp_validator_free()).
 */
int px_ocsp_validator(const struct px_ocsp_ctx *c, const unsigned char *req,
    size_t req_len, struct px_validator *v, void **statep) PX_WUR;
void px_ocsp_validator_free(void *state);

#endif
