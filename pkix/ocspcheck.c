/* SPDX-License-Identifier: BSD-2-Clause */
/* OCSP for the revocation checks: the responder rules of seed 003 and
 * the URLs asked in turn (pkix/ocsp.c speaks the protocol). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "../common/log.h"
#include "../common/util.h"
#include "verify_int.h"

/* A delegated OCSP responder without nocheck: known good by CRL only. */
static int
ocsp_signer_by_crl(void *arg, X509 *signer, X509 *issuer)
{
	struct rev *v = arg;
	struct px_cert_report rep;
	enum px_status s;

	memset(&rep, 0, sizeof(rep));
	rep.crl_reason = -1;
	rep.serial = px_serial_str(signer);
	s = px_check_crl(v, signer, issuer, 1, &rep);
	free(rep.serial);
	free(rep.source);
	return s == PX_STATUS_GOOD   ? 0
	    : s == PX_STATUS_REVOKED ? PX_ERR_REVOKED
	                             : PX_ERR_REVOCATION_UNKNOWN;
}

/*
 * Whether every certificate of a responder's chain below the root allows
 * OCSP signing: the responder with id-kp-OCSPSigning, a CA above it
 * without an EKU extension or with OCSPSigning or anyExtendedKeyUsage
 * (an EKU on a CA restricts what it issues for, as CryptoAPI reads it).
 */
static int
ocsp_chain_eku_ok(STACK_OF(X509) *chain, char *why, size_t len)
{
	X509 *x;
	int i, n = sk_X509_num(chain);

	for (i = 0; i < n - 1; i++) {
		x = sk_X509_value(chain, i);
		if ((X509_get_extension_flags(x) & EXFLAG_XKUSAGE) == 0 &&
		    i > 0)
			continue;
		if ((X509_get_extension_flags(x) & EXFLAG_XKUSAGE) == 0 ||
		    (X509_get_extended_key_usage(x) &
		        (XKU_OCSP_SIGN | (i > 0 ? XKU_ANYEKU : 0))) == 0) {
			snprintf(why, len,
			    i == 0 ? "it has no OCSPSigning EKU"
			           : "a CA of its chain has an EKU without "
			             "OCSPSigning");
			return 0;
		}
	}
	return 1;
}

/*
 * Seed 003, Vista SP1: an OCSP signing certificate may chain up to any
 * trusted root CA (the trust stores, not only the certificate's issuer) as
 * long as the chain has the OCSP Signing EKU.  Its chain is checked for
 * revocation by CRL only, never by OCSP (no independent signer on it, no
 * circular check); the signer itself not when it has id-pkix-ocsp-nocheck.
 */
static int
ocsp_signer_by_root(
    void *arg, X509 *signer, const STACK_OF(X509) *certs, char *why, size_t len)
{
	struct rev *v = arg;
	const struct px_store *st = &v->px->st;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL, *chain;
	struct px_cert_report rep;
	enum px_status s;
	int i, n, r = PX_ERR_NOMEM;

	if ((store = X509_STORE_new()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    (untrusted = sk_X509_new_null()) == NULL)
		goto out;
	px_store_want(&v->px->st, signer);
	for (i = 0; certs != NULL && i < sk_X509_num(certs); i++)
		px_store_want(&v->px->st, sk_X509_value(certs, i));
	for (i = 0; i < sk_X509_num(st->roots); i++)
		if (!X509_STORE_add_cert(store, sk_X509_value(st->roots, i)))
			goto out;
	for (i = 0; i < sk_X509_num(st->intermediates); i++)
		if (!sk_X509_push(
		        untrusted, sk_X509_value(st->intermediates, i)))
			goto out;
	for (i = 0; certs != NULL && i < sk_X509_num(certs); i++)
		if (!sk_X509_push(untrusted, sk_X509_value(certs, i)))
			goto out;
	if (!X509_STORE_CTX_init(ctx, store, signer, untrusted))
		goto out;
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), v->now);
	X509_VERIFY_PARAM_set_depth(
	    X509_STORE_CTX_get0_param(ctx), PX_MAX_DEPTH + 1);
	if (X509_verify_cert(ctx) != 1) {
		snprintf(why, len, "it chains to no trusted root: %s",
		    X509_verify_cert_error_string(
		        X509_STORE_CTX_get_error(ctx)));
		r = PX_ERR_UNTRUSTED;
		goto out;
	}
	chain = X509_STORE_CTX_get0_chain(ctx);
	n = sk_X509_num(chain);
	r = PX_ERR_OCSP_SIGNER;
	if (!ocsp_chain_eku_ok(chain, why, len))
		goto out;
	for (i = 0; i < n; i++)
		if (px_store_disallowed(st, sk_X509_value(chain, i))) {
			snprintf(why, len,
			    "its chain has a disallowed "
			    "certificate");
			goto out;
		}
	for (i = 0; i < n - 1; i++) {
		if (i == 0 &&
		    X509_get_ext_by_NID(signer, NID_id_pkix_OCSP_noCheck, -1) >=
		        0)
			continue;
		memset(&rep, 0, sizeof(rep));
		rep.crl_reason = -1;
		rep.serial = px_serial_str(sk_X509_value(chain, i));
		s = px_check_crl(v, sk_X509_value(chain, i),
		    sk_X509_value(chain, i + 1), 1, &rep);
		free(rep.serial);
		free(rep.source);
		if (s != PX_STATUS_GOOD) {
			snprintf(why, len,
			    "%s of its chain is not known good by CRL",
			    i == 0 ? "its certificate" : "a CA");
			r = s == PX_STATUS_REVOKED ? PX_ERR_REVOKED
			                           : PX_ERR_REVOCATION_UNKNOWN;
			goto out;
		}
	}
	px_trace("ocsp: responder certificate accepted by the trusted-root "
	         "rule (Vista SP1)");
	r = 0;
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(untrusted);
	ERR_clear_error();
	return r;
}

void
px_ocsp_setup(struct rev *v, X509 *cert, X509 *issuer, struct px_ocsp_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->cache = v->px->cache;
	c->budget = &v->budget;
	c->now = v->now;
	c->cert = cert;
	c->issuer = issuer;
	c->md = strcmp(v->px->cfg->ocsp_hash, "sha256") == 0 ? EVP_sha256()
	                                                     : EVP_sha1();
	c->nonce = v->px->cfg->ocsp_nonce;
	c->post = v->px->cfg->ocsp_post;
	c->lifetime = v->px->cfg->ocsp_lifetime;
	c->max_age = v->px->cfg->ocsp_max_age;
	c->check_signer = ocsp_signer_by_crl;
	c->trust_signer = ocsp_signer_by_root;
	c->arg = v;
}

/* Takes a definite OCSP answer into the report. */
enum px_status
px_ocsp_take(const struct px_ocsp_result *res, struct px_cert_report *rep)
{
	free(rep->source);
	rep->source = px_xasprintf("%s", res->source);
	if (res->status == PX_STATUS_REVOKED) {
		rep->revoked_at = res->revoked_at;
		rep->crl_reason = res->reason;
	}
	return res->status;
}

/*
 * Whether the responder's answer was no usable answer (ocsp_retry): an HTTP
 * error, "unknown", a malformed or unauthorised response.  A server we
 * cannot reach is the offline list's; a response out of date, or what
 * this process could not do, says nothing of the responder.
 */
static int
ocsp_unusable(int err)
{
	switch (err) {
	case PX_ERR_NETWORK:
	case PX_ERR_REVOCATION_UNKNOWN:
	case PX_ERR_BAD_FORMAT:
	case PX_ERR_NOT_FOUND:
	case PX_ERR_TOO_BIG:
	case PX_ERR_BAD_SIGNATURE:
	case PX_ERR_OCSP_SIGNER:
	case PX_ERR_REVOKED: return 1;
	default: return 0;
	}
}

/* Tries the OCSP URLs in order, but those that gave no usable answer
 * within ocsp_retry (*asked: how many were tried).  Returns GOOD/REVOKED,
 * or UNKNOWN. */
enum px_status
px_try_ocsp(struct rev *v, X509 *cert, X509 *issuer,
    STACK_OF(OPENSSL_STRING) *urls, struct px_cert_report *rep, char *why,
    size_t wlen, int *asked)
{
	struct px_ocsp_ctx c;
	struct px_ocsp_result res;
	const char *url;
	char msg[80], t[32];
	time_t until;
	int i;

	*asked = 0;
	px_ocsp_setup(v, cert, issuer, &c);
	for (i = 0; i < sk_OPENSSL_STRING_num(urls); i++) {
		url = sk_OPENSSL_STRING_value(urls, i);
		if (px_cache_responder_held(v->px->cache, url, &until)) {
			snprintf(msg, sizeof(msg),
			    "not asked: no usable answer before; not before %s",
			    px_time_str(until, t, sizeof(t)));
			px_trace("ocsp %s: %s", url, msg);
			px_note(why, wlen, url, msg);
			continue;
		}
		(*asked)++;
		if (px_ocsp_query(&c, url, &res) != PX_STATUS_UNKNOWN) {
			px_trace("ocsp %s: %s for serial %s", url,
			    px_status_name(res.status), rep->serial);
			if (res.err == 0)
				px_cache_responder_answered(v->px->cache, url);
			return px_ocsp_take(&res, rep);
		}
		px_trace("ocsp %s: no answer: %s", url, res.why);
		px_info("OCSP %s: no answer for serial %s: %s", url,
		    rep->serial, res.why);
		px_note(why, wlen, url, res.why);
		if (ocsp_unusable(res.err))
			px_cache_responder_failed(v->px->cache, url, res.why);
	}
	return PX_STATUS_UNKNOWN;
}

/* The OCSP URLs of cert: the policy's responder, then AIA in order. */
STACK_OF(OPENSSL_STRING) *
px_ocsp_urls(struct px_pkix *px, X509 *cert)
{
	STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(cert);
	char *u;

	if (urls == NULL && (urls = sk_OPENSSL_STRING_new_null()) == NULL)
		return NULL;
	if (px->cfg->ocsp_responder != NULL &&
	    ((u = OPENSSL_strdup(px->cfg->ocsp_responder)) == NULL ||
	        !sk_OPENSSL_STRING_insert(urls, u, 0)))
		OPENSSL_free(u);
	return urls;
}
