/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * OCSP (seed 003, "OCSP Specific Information"; RFC 6960): requests by GET
 * when small (RFC 5019) else POST, responses validated by the signer rules
 * before they are cached, keyed by responder URL and certificate ID.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "../common/log.h"
#include "../common/util.h"
#include "ocsp.h"

#define OCSP_SKEW 300 /* seconds of clock skew on thisUpdate / nextUpdate */
#define GET_MAX 255   /* RFC 5019: GET when the encoded request fits */

struct query {
	const struct px_ocsp_ctx *ctx;
	OCSP_CERTID *id;
	OCSP_REQUEST *req;
	struct px_ocsp_result *res;
};

/*
 * The times of a response, whatever brought it (network, cache, stapled):
 * nothing produced or valid from later than now (+ OCSP_SKEW), nextUpdate
 * not passed (+ OCSP_SKEW) and, without nextUpdate, a thisUpdate at most
 * max_age ago, so that an old "good" answer cannot be replayed for a
 * certificate revoked since.  Returns 0, or PX_ERR_CRL_NOT_YET_VALID /
 * PX_ERR_CRL_EXPIRED / PX_ERR_BAD_FORMAT with the reason in why.
 */
static int
ocsp_check_time(const struct px_ocsp_ctx *c, time_t pa, time_t tu, time_t nu,
    char *why, size_t len)
{
	char t[32];

	if (pa > c->now + OCSP_SKEW) {
		snprintf(why, len,
		    "the response is not current: producedAt %s is in the "
		    "future",
		    px_time_str(pa, t, sizeof(t)));
		return PX_ERR_CRL_NOT_YET_VALID;
	}
	if (tu > c->now + OCSP_SKEW) {
		snprintf(why, len,
		    "the response is not current: thisUpdate %s is in the "
		    "future",
		    px_time_str(tu, t, sizeof(t)));
		return PX_ERR_CRL_NOT_YET_VALID;
	}
	if (nu != 0 && nu < tu) {
		snprintf(why, len, "nextUpdate before thisUpdate");
		return PX_ERR_BAD_FORMAT;
	}
	if (nu != 0 && c->now > nu + OCSP_SKEW) {
		snprintf(why, len,
		    "the response is not current: nextUpdate %s has passed",
		    px_time_str(nu, t, sizeof(t)));
		return PX_ERR_CRL_EXPIRED;
	}
	if (nu == 0 && (c->max_age == 0 || c->now - tu > (time_t)c->max_age)) {
		snprintf(why, len,
		    "the response is not current: it has no nextUpdate and "
		    "thisUpdate %s is older than ocsp_max_age (%llu s)",
		    px_time_str(tu, t, sizeof(t)),
		    (unsigned long long)c->max_age);
		return PX_ERR_CRL_EXPIRED;
	}
	return 0;
}

/* Whether signer is a responder certificate the issuing CA issued, with
 * id-kp-OCSPSigning, valid now (Windows Vista's rule). */
static int
ocsp_delegated(const struct px_ocsp_ctx *c, X509 *signer)
{
	uint32_t xku = X509_get_extended_key_usage(signer);
	time_t now = c->now;

	return X509_check_issued(c->issuer, signer) == X509_V_OK &&
	    X509_verify(signer, X509_get0_pubkey(c->issuer)) == 1 &&
	    (X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) != 0 &&
	    (xku & XKU_OCSP_SIGN) != 0 &&
	    X509_cmp_time(X509_get0_notBefore(signer), &now) <= 0 &&
	    X509_cmp_time(X509_get0_notAfter(signer), &now) >= 0;
}

/* The result of one validated response, kept in q->res. */
static int
validate(void *arg, const unsigned char *der, size_t len,
    const unsigned char sha256[32], struct px_obj_info *info,
    unsigned char **idx, size_t *idx_len)
{
	struct query *q = arg;
	const struct px_ocsp_ctx *c = q->ctx;
	const unsigned char *p = der;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	STACK_OF(X509) *issuers = NULL;
	X509_STORE *store = NULL;
	X509 *signer = NULL;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	const ASN1_GENERALIZEDTIME *produced;
	time_t pa = 0, tu = 0, nu = 0, ra = 0;
	int status, reason = -1, st, r = PX_ERR_BAD_FORMAT;

	if (len > LONG_MAX ||
	    (resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		snprintf(
		    q->res->why, sizeof(q->res->why), "not an OCSP response");
		goto out;
	}
	if ((st = OCSP_response_status(resp)) !=
	    OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(q->res->why, sizeof(q->res->why),
		    "responder status %s", OCSP_response_status_str(st));
		goto out;
	}
	if ((bs = OCSP_response_get1_basic(resp)) == NULL)
		goto out;
	/* The response must answer for the certificate ID asked. */
	if (!OCSP_resp_find_status(
	        bs, q->id, &status, &reason, &rev, &thisupd, &nextupd)) {
		snprintf(q->res->why, sizeof(q->res->why),
		    "the response does not answer for this certificate");
		r = PX_ERR_NOT_FOUND;
		goto out;
	}
	/* The signature, by whichever certificate signed it. */
	if ((issuers = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(issuers, c->issuer) ||
	    (store = X509_STORE_new()) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	if (!OCSP_resp_get0_signer(bs, &signer, issuers) ||
	    OCSP_basic_verify(
	        bs, issuers, store, OCSP_NOVERIFY | OCSP_NOCHECKS) <= 0) {
		snprintf(q->res->why, sizeof(q->res->why),
		    "bad signature on the response");
		r = PX_ERR_BAD_SIGNATURE;
		goto out;
	}
	/* Seed 003: signed by the issuing CA, by a responder certificate the
	 * CA issued with id-kp-OCSPSigning, or (Vista SP1) by one that chains
	 * to any trusted root with id-kp-OCSPSigning. */
	if (X509_cmp(signer, c->issuer) != 0 && !ocsp_delegated(c, signer)) {
		char sp1[120] = "and no other rule applies";

		r = c->trust_signer != NULL
		    ? c->trust_signer(c->arg, signer, OCSP_resp_get0_certs(bs),
		          sp1, sizeof(sp1))
		    : PX_ERR_OCSP_SIGNER;
		if (r != 0) {
			snprintf(q->res->why, sizeof(q->res->why),
			    "the response is signed by a certificate that is "
			    "not an OCSP responder of the issuing CA (%.100s)",
			    sp1);
			/* Not known good by CRL keeps its own code. */
			if (r != PX_ERR_REVOKED &&
			    r != PX_ERR_REVOCATION_UNKNOWN)
				r = PX_ERR_OCSP_SIGNER;
			goto out;
		}
	} else if (X509_cmp(signer, c->issuer) != 0 &&
	    X509_get_ext_by_NID(signer, NID_id_pkix_OCSP_noCheck, -1) < 0 &&
	    (r = c->check_signer(c->arg, signer, c->issuer)) != 0) {
		/* A delegated responder without id-pkix-ocsp-nocheck: by CRL
		 * only (no circular OCSP checks). */
		snprintf(q->res->why, sizeof(q->res->why),
		    "the responder's certificate is not known good by "
		    "CRL (%s)",
		    px_strerror(r));
		goto out;
	}
	if (q->req != NULL && OCSP_check_nonce(q->req, bs) == 0) {
		snprintf(q->res->why, sizeof(q->res->why), "nonce mismatch");
		goto out;
	}
	if ((produced = OCSP_resp_get0_produced_at(bs)) == NULL ||
	    px_asn1_time(produced, &pa) != 0 ||
	    px_asn1_time(thisupd, &tu) != 0 ||
	    (nextupd != NULL && px_asn1_time(nextupd, &nu) != 0))
		goto out;
	if ((r = ocsp_check_time(
	         c, pa, tu, nu, q->res->why, sizeof(q->res->why))) != 0)
		goto out;
	r = PX_ERR_BAD_FORMAT;
	if (status == V_OCSP_CERTSTATUS_UNKNOWN) {
		/* "unknown" is no answer: try the next source. */
		snprintf(q->res->why, sizeof(q->res->why),
		    "the responder does not know the certificate");
		r = PX_ERR_REVOCATION_UNKNOWN;
		goto out;
	}
	if (status == V_OCSP_CERTSTATUS_REVOKED && px_asn1_time(rev, &ra) != 0)
		goto out;
	q->res->status = status == V_OCSP_CERTSTATUS_GOOD ? PX_STATUS_GOOD
	                                                  : PX_STATUS_REVOKED;
	q->res->revoked_at = ra;
	q->res->reason = reason;
	info->this_update = tu;
	/* Without nextUpdate: fresh in the caches for ocsp_lifetime, never
	 * past the age at which ocsp_check_time() refuses it. */
	info->next_update = nu != 0 ? nu
	                            : tu +
	        (time_t)(c->lifetime < c->max_age ? c->lifetime : c->max_age);
	info->number_len = 0;
	info->entries = -1;
	r = 0;
out:
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	sk_X509_free(issuers);
	X509_STORE_free(store);
	ERR_clear_error();
	return r;
}

/* The validator as data, for the retrieval helper. */
static int
ocsp_describe(void *arg, struct px_vspec *s)
{
	const struct query *q = arg;
	int n;

	s->kind = PX_KIND_OCSP;
	if ((n = i2d_X509(q->ctx->cert, &s->cert)) <= 0)
		return PX_ERR_NOMEM;
	s->cert_len = (size_t)n;
	if ((n = i2d_X509(q->ctx->issuer, &s->issuer)) <= 0)
		return PX_ERR_NOMEM;
	s->issuer_len = (size_t)n;
	if (q->req != NULL) {
		if ((n = i2d_OCSP_REQUEST(q->req, &s->request)) <= 0)
			return PX_ERR_NOMEM;
		s->request_len = (size_t)n;
	}
	s->md = OBJ_nid2sn(EVP_MD_get_type(q->ctx->md));
	return 0;
}

struct ocsp_vstate {
	struct query q;
	struct px_ocsp_result res;
};

int
px_ocsp_validator(const struct px_ocsp_ctx *c, const unsigned char *req,
    size_t req_len, struct px_validator *v, void **statep)
{
	struct ocsp_vstate *st;
	const unsigned char *p = req;

	*statep = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return PX_ERR_NOMEM;
	st->q.ctx = c;
	st->q.res = &st->res;
	if ((st->q.id = OCSP_cert_to_id(c->md, c->cert, c->issuer)) == NULL ||
	    (req != NULL &&
	        (req_len > LONG_MAX ||
	            (st->q.req = d2i_OCSP_REQUEST(NULL, &p, (long)req_len)) ==
	                NULL))) {
		px_ocsp_validator_free(st);
		ERR_clear_error();
		return PX_ERR_BAD_FORMAT;
	}
	memset(v, 0, sizeof(*v));
	v->validate = validate;
	v->arg = &st->q;
	v->describe = ocsp_describe;
	v->why = st->res.why;
	v->why_len = sizeof(st->res.why);
	*statep = st;
	return 0;
}

void
px_ocsp_validator_free(void *state)
{
	struct ocsp_vstate *st = state;

	if (st == NULL)
		return;
	OCSP_CERTID_free(st->q.id);
	OCSP_REQUEST_free(st->q.req);
	free(st);
}

/* Base64 then percent-encoding of the request, for a GET. */
static char *
get_url(const char *url, const unsigned char *der, int len)
{
	char *b64, *out;
	size_t n, i, o;
	int bl;

	if ((b64 = malloc(((size_t)len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	bl = EVP_EncodeBlock((unsigned char *)b64, der, len);
	n = strlen(url);
	if ((out = malloc(n + 1 + 3 * (size_t)bl + 1)) == NULL) {
		free(b64);
		return NULL;
	}
	memcpy(out, url, n);
	o = n;
	if (n == 0 || url[n - 1] != '/')
		out[o++] = '/';
	for (i = 0; i < (size_t)bl; i++) {
		if (b64[i] == '+' || b64[i] == '/' || b64[i] == '=')
			o += (size_t)sprintf(
			    out + o, "%%%02X", (unsigned char)b64[i]);
		else
			out[o++] = b64[i];
	}
	out[o] = '\0';
	free(b64);
	return out;
}

int
px_ocsp_key(
    X509 *cert, X509 *issuer, const EVP_MD *md, const char *url, char **keyp)
{
	OCSP_CERTID *id;
	unsigned char *der = NULL;
	char *key;
	int len, i;
	size_t n;

	*keyp = NULL;
	if ((id = OCSP_cert_to_id(md, cert, issuer)) == NULL ||
	    (len = i2d_OCSP_CERTID(id, &der)) <= 0) {
		OCSP_CERTID_free(id);
		return PX_ERR_NOMEM;
	}
	n = strlen(url);
	if ((key = malloc(n + 1 + 2 * (size_t)len + 1)) == NULL) {
		OPENSSL_free(der);
		OCSP_CERTID_free(id);
		return PX_ERR_NOMEM;
	}
	memcpy(key, url, n);
	key[n] = '#';
	for (i = 0; i < len; i++)
		snprintf(key + n + 1 + 2 * i, 3, "%02x", der[i]);
	OPENSSL_free(der);
	OCSP_CERTID_free(id);
	*keyp = key;
	return 0;
}

enum px_status
px_ocsp_query(
    const struct px_ocsp_ctx *c, const char *url, struct px_ocsp_result *res)
{
	struct query q = { c, NULL, NULL, res };
	struct px_validator val = { validate, NULL, &q, ocsp_describe, res->why,
		sizeof(res->why) };
	struct px_fetch f;
	struct px_obj_info info;
	struct px_object *obj = NULL;
	unsigned char *der = NULL;
	char *key = NULL, *gurl = NULL;
	OCSP_CERTID *id = NULL;
	int len, r;

	memset(res, 0, sizeof(*res));
	res->status = PX_STATUS_UNKNOWN;
	res->reason = -1;
	if ((r = px_ocsp_key(c->cert, c->issuer, c->md, url, &key)) != 0 ||
	    (q.id = OCSP_cert_to_id(c->md, c->cert, c->issuer)) == NULL ||
	    (q.req = OCSP_REQUEST_new()) == NULL ||
	    (id = OCSP_CERTID_dup(q.id)) == NULL ||
	    OCSP_request_add0_id(q.req, id) == NULL) {
		OCSP_CERTID_free(id);
		snprintf(res->why, sizeof(res->why), "out of memory");
		goto out;
	}
	if (c->nonce && OCSP_request_add1_nonce(q.req, NULL, -1) != 1)
		goto out;
	if ((len = i2d_OCSP_REQUEST(q.req, &der)) <= 0)
		goto out;
	memset(&f, 0, sizeof(f));
	f.responder = url;
	/* RFC 5019: GET when the base64 request is at most 255 bytes. */
	if (!c->post && ((size_t)len + 2) / 3 * 4 <= GET_MAX) {
		if ((gurl = get_url(url, der, len)) == NULL)
			goto out;
		f.url = gurl;
	} else {
		f.url = url;
		f.post = der;
		f.post_len = (size_t)len;
		f.post_type = "application/ocsp-request";
	}
	if (!c->nonce) {
		OCSP_REQUEST_free(q.req);
		q.req = NULL;
	}
	r = px_cache_get_by(
	    c->cache, key, PX_KIND_OCSP, &f, c->budget, &val, &obj);
	res->err = r;
	if (r == 0 &&
	    (obj->source != PX_SRC_NETWORK ||
	        res->status == PX_STATUS_UNKNOWN)) {
		/* From a cache, or validated by the retrieval helper: read its
		 * answer again here (checked for time again now; the nonce of
		 * a response older than this request is not ours). */
		res->status = PX_STATUS_UNKNOWN;
		if (obj->source != PX_SRC_NETWORK) {
			OCSP_REQUEST_free(q.req);
			q.req = NULL;
		}
		memset(&info, 0, sizeof(info));
		if (obj->der == NULL ||
		    (r = validate(&q, obj->der, obj->len, NULL, &info, NULL,
		         NULL)) != 0) {
			/* What the responder sent just now counts against it;
			 * a cached copy does not. */
			if (obj->source == PX_SRC_NETWORK)
				res->err = r != 0 ? r : PX_ERR_BAD_FORMAT;
			r = PX_ERR_BAD_FORMAT;
		}
	}
	if (r != 0) {
		if (res->why[0] == '\0')
			snprintf(
			    res->why, sizeof(res->why), "%s", px_strerror(r));
		res->status = PX_STATUS_UNKNOWN;
		goto out;
	}
	snprintf(res->source, sizeof(res->source), "OCSP %s (%s%s)", url,
	    px_source_name(obj->source), gurl != NULL ? ", GET" : ", POST");
out:
	px_object_free(obj);
	OPENSSL_free(der);
	free(gurl);
	free(key);
	OCSP_CERTID_free(q.id);
	OCSP_REQUEST_free(q.req);
	return res->status;
}

enum px_status
px_ocsp_stapled(const struct px_ocsp_ctx *c, const unsigned char *der,
    size_t len, struct px_ocsp_result *res)
{
	struct query q = { c, NULL, NULL, res };
	struct px_obj_info info;

	memset(res, 0, sizeof(*res));
	res->status = PX_STATUS_UNKNOWN;
	res->reason = -1;
	if ((q.id = OCSP_cert_to_id(c->md, c->cert, c->issuer)) == NULL)
		return PX_STATUS_UNKNOWN;
	memset(&info, 0, sizeof(info));
	if (validate(&q, der, len, NULL, &info, NULL, NULL) != 0)
		res->status = PX_STATUS_UNKNOWN;
	else
		snprintf(
		    res->source, sizeof(res->source), "stapled OCSP response");
	OCSP_CERTID_free(q.id);
	return res->status;
}
