/* SPDX-License-Identifier: BSD-2-Clause */
/* AIA caIssuers retrieval and its validator. */
#include "config.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/pkcs7.h>

#include "../common/log.h"
#include "../common/util.h"
#include "verify_int.h"

/* ---- AIA caIssuers (seed 003: the last source of certificates) ---- */

/*
 * Parses a DER certificate or a PKCS#7 "certs-only" bundle of at most
 * PX_AIA_MAX_BYTES and PX_AIA_MAX_CERTS (label names it in messages).
 * Returns 0 and sets *out (caller frees), PX_ERR_TOO_BIG (bytes, checked
 * before parsing), PX_ERR_WORK_LIMIT (certificates) or PX_ERR_BAD_FORMAT.
 */
static int
parse_issuers(const char *label, const unsigned char *der, size_t len,
    STACK_OF(X509) **out)
{
	const unsigned char *p = der;
	STACK_OF(X509) *sk = NULL;
	PKCS7 *p7 = NULL;
	X509 *x = NULL;
	int i, n;

	*out = NULL;
	if (len > PX_AIA_MAX_BYTES) {
		px_warn("%s: AIA object of %zu bytes, more than %d bytes: "
		        "refused",
		    label, len, PX_AIA_MAX_BYTES);
		px_trace("aia %s: refused: %zu bytes, more than %d bytes",
		    label, len, PX_AIA_MAX_BYTES);
		return PX_ERR_TOO_BIG;
	}
	if (len == 0 || (sk = sk_X509_new_null()) == NULL)
		return PX_ERR_BAD_FORMAT;
	if ((x = d2i_X509(NULL, &p, (long)len)) != NULL && p == der + len) {
		if (!sk_X509_push(sk, x))
			goto fail;
		*out = sk;
		return 0;
	}
	X509_free(x);
	p = der;
	if ((p7 = d2i_PKCS7(NULL, &p, (long)len)) == NULL || p != der + len ||
	    !PKCS7_type_is_signed(p7) || p7->d.sign == NULL ||
	    p7->d.sign->cert == NULL)
		goto fail;
	if ((n = sk_X509_num(p7->d.sign->cert)) > PX_AIA_MAX_CERTS) {
		px_warn("%s: AIA object of %d certificates, more than %d: "
		        "refused",
		    label, n, PX_AIA_MAX_CERTS);
		px_trace("aia %s: refused: %d certificates, more than %d",
		    label, n, PX_AIA_MAX_CERTS);
		PKCS7_free(p7);
		sk_X509_free(sk);
		ERR_clear_error();
		return PX_ERR_WORK_LIMIT;
	}
	for (i = 0; i < n; i++) {
		x = sk_X509_value(p7->d.sign->cert, i);
		if (!X509_up_ref(x) || !sk_X509_push(sk, x))
			goto fail;
	}
	PKCS7_free(p7);
	if (sk_X509_num(sk) == 0)
		goto fail;
	*out = sk;
	return 0;
fail:
	PKCS7_free(p7);
	sk_X509_pop_free(sk, X509_free);
	ERR_clear_error();
	return PX_ERR_BAD_FORMAT;
}

/* The AIA validator as data, for the retrieval helper. */
int
px_describe_issuers(void *arg, struct px_vspec *s)
{
	const struct cert_check *cc = arg;
	int n;

	s->kind = PX_KIND_CERT;
	if ((n = i2d_X509_NAME(cc->want, &s->subject)) <= 0)
		return PX_ERR_NOMEM;
	s->subject_len = (size_t)n;
	return 0;
}

/* The validator for AIA objects: CA certificates of the name looked for. */
int
px_validate_issuers(void *arg, const unsigned char *der, size_t len,
    const unsigned char sha256[32], struct px_obj_info *info,
    unsigned char **idx, size_t *idx_len)
{
	struct cert_check *cc = arg;
	STACK_OF(X509) *sk;
	X509 *x;
	int i, found = 0, r;

	if ((r = parse_issuers(cc->url, der, len, &sk)) != 0)
		return r;
	for (i = 0; i < sk_X509_num(sk) && !found; i++) {
		x = sk_X509_value(sk, i);
		if (X509_check_ca(x) > 0 &&
		    X509_NAME_cmp(X509_get_subject_name(x), cc->want) == 0) {
			found = 1;
			if (px_asn1_time(X509_get0_notBefore(x),
			        &info->this_update) != 0 ||
			    px_asn1_time(
			        X509_get0_notAfter(x), &info->next_update) != 0)
				found = 0;
		}
	}
	sk_X509_pop_free(sk, X509_free);
	ERR_clear_error();
	info->entries = -1;
	return found ? 0 : PX_ERR_UNTRUSTED;
}

static int
issued_by_root(struct px_pkix *px, X509 *x)
{
	int i;

	px_store_want(&px->st, x);
	if (px_in_stack(px->st.roots, x))
		return 1;
	for (i = 0; i < sk_X509_num(px->st.roots); i++)
		if (X509_check_issued(sk_X509_value(px->st.roots, i), x) ==
		    X509_V_OK)
			return 1;
	return 0;
}

/*
 * Fetches the issuers named by the AIA caIssuers URLs of leaf, and of what
 * they bring, until a trusted root is in reach or PX_AIA_DEPTH levels.
 * Sets *out to the certificates fetched (caller frees), or NULL.
 */
int
px_fetch_issuers(
    struct rev *v, X509 *leaf, STACK_OF(X509) *untrusted, STACK_OF(X509) **out)
{
	STACK_OF(X509) *got = NULL, *sk;
	AUTHORITY_INFO_ACCESS *aia;
	ACCESS_DESCRIPTION *ad;
	struct px_object *obj;
	struct cert_check cc;
	struct px_validator val = { px_validate_issuers, NULL, &cc,
		px_describe_issuers, NULL, 0 };
	X509 *child = leaf, *x;
	const char *url;
	int depth, i, j, added, tried;

	*out = NULL;
	if ((got = sk_X509_new_null()) == NULL)
		return PX_ERR_NOMEM;
	for (depth = 0; depth < PX_AIA_DEPTH && child != NULL; depth++) {
		cc.want = X509_get_issuer_name(child);
		aia = X509_get_ext_d2i(child, NID_info_access, NULL, NULL);
		added = tried = 0;
		for (i = 0; aia != NULL && i < sk_ACCESS_DESCRIPTION_num(aia) &&
		     !added;
		     i++) {
			ad = sk_ACCESS_DESCRIPTION_value(aia, i);
			if (OBJ_obj2nid(ad->method) != NID_ad_ca_issuers ||
			    ad->location->type != GEN_URI)
				continue;
			if (++tried > PX_AIA_MAX_URLS) {
				px_warn("more than %d caIssuers URLs in one "
				        "certificate: the others are not tried",
				    PX_AIA_MAX_URLS);
				break;
			}
			url = (const char *)ASN1_STRING_get0_data(
			    ad->location->d.uniformResourceIdentifier);
			if ((size_t)ASN1_STRING_length(
			        ad->location->d.uniformResourceIdentifier) !=
			    strlen(url))
				continue;
			cc.url = url;
			if (px_cache_get(v->px->cache, url, PX_KIND_CERT,
			        &v->budget, &val, &obj) != 0)
				continue;
			if (obj->der != NULL &&
			    parse_issuers(url, obj->der, obj->len, &sk) == 0) {
				/* PX_AIA_MAX_CERTS for all levels together. */
				for (j = 0; j < sk_X509_num(sk); j++)
					if (sk_X509_num(got) >=
					        PX_AIA_MAX_CERTS ||
					    !sk_X509_push(
					        got, sk_X509_value(sk, j)))
						X509_free(sk_X509_value(sk, j));
					else
						added++;
				sk_X509_free(sk);
			}
			px_object_free(obj);
		}
		AUTHORITY_INFO_ACCESS_free(aia);
		if (!added)
			break;
		/* Up one level, unless a trusted root issued what came. */
		child = sk_X509_value(got, sk_X509_num(got) - added);
		if (issued_by_root(v->px, child))
			break;
	}
	if (sk_X509_num(got) == 0) {
		sk_X509_free(got);
		return 0;
	}
	/* The caller's certificates stay candidates too. */
	for (j = 0; untrusted != NULL && j < sk_X509_num(untrusted); j++) {
		x = sk_X509_value(untrusted, j);
		if (!X509_up_ref(x))
			break;
		if (!sk_X509_push(got, x)) {
			X509_free(x);
			break;
		}
	}
	*out = got;
	return 0;
}
