#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "../common/log.h"
#include "pkix_int.h"

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long long
days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (long long)era * 146097 + doe - 719468;
}

static int
digits(const unsigned char *p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

int
px_asn1_time(const ASN1_TIME *t, time_t *out)
{
	const unsigned char *p;
	struct tm tm;
	int len, y, mo, d, h, mi, sec, off;

	*out = 0;
	if (t == NULL)
		return PX_ERR_BAD_FORMAT;
	/* The DER forms (RFC 5280 4.1.2.5) directly: a CRL has one per
	 * entry, and timegm() is slow. */
	p = ASN1_STRING_get0_data(t);
	len = ASN1_STRING_length(t);
	off = ASN1_STRING_type(t) == V_ASN1_UTCTIME ? 0 : 2;
	if ((ASN1_STRING_type(t) == V_ASN1_UTCTIME && len == 13) ||
	    (ASN1_STRING_type(t) == V_ASN1_GENERALIZEDTIME && len == 15)) {
		y = off == 0 ? digits(p, 2) : digits(p, 4);
		mo = digits(p + 2 + off, 2);
		d = digits(p + 4 + off, 2);
		h = digits(p + 6 + off, 2);
		mi = digits(p + 8 + off, 2);
		sec = digits(p + 10 + off, 2);
		if (p[12 + off] == 'Z' && y >= 0 && mo >= 1 && mo <= 12 &&
		    d >= 1 && d <= 31 && h >= 0 && h <= 23 && mi >= 0 &&
		    mi <= 59 && sec >= 0 && sec <= 60) {
			if (off == 0)
				y += y < 50 ? 2000 : 1900;
			*out = (time_t)(days_from_civil(y, mo, d) * 86400 +
			    h * 3600 + mi * 60 + sec);
			return 0;
		}
	}
	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return PX_ERR_BAD_FORMAT;
	*out = timegm(&tm);
	return 0;
}

void
px_crl_free(struct px_crl *c)
{
	if (c == NULL)
		return;
	X509_CRL_free(c->crl);
	if (c->own_issuer)
		X509_NAME_free(c->issuer);
	ASN1_INTEGER_free(c->number);
	ASN1_INTEGER_free(c->base);
	ISSUING_DIST_POINT_free(c->idp);
	OPENSSL_free(c->idp_der);
	free(c->label);
	px_object_free(c->owner);
	free(c);
}

/* CRL extensions we understand; a critical one not listed makes it unusable. */
static int
crl_ext_known(int nid)
{
	switch (nid) {
	case NID_authority_key_identifier:
	case NID_crl_number:
	case NID_delta_crl:
	case NID_issuing_distribution_point:
	case NID_freshest_crl:
	case NID_info_access: return 1;
	}
	return 0;
}

static int
entry_ext_known(int nid)
{
	switch (nid) {
	case NID_crl_reason:
	case NID_invalidity_date:
	case NID_hold_instruction_code: return 1;
	}
	return 0;
}

/* Sets c->unusable when the CRL holds something we may not ignore. */
static void
check_extensions(struct px_crl *c)
{
	const STACK_OF(X509_EXTENSION) *exts = X509_CRL_get0_extensions(c->crl);
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(c->crl);
	X509_EXTENSION *ext;
	X509_REVOKED *rev;
	int i, j;

	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		ext = sk_X509_EXTENSION_value(exts, i);
		if (X509_EXTENSION_get_critical(ext) &&
		    !crl_ext_known(
		        OBJ_obj2nid(X509_EXTENSION_get_object(ext)))) {
			c->unusable = "unknown critical CRL extension";
			return;
		}
	}
	for (i = 0; i < sk_X509_REVOKED_num(revs); i++) {
		rev = sk_X509_REVOKED_value(revs, i);
		exts = X509_REVOKED_get0_extensions(rev);
		for (j = 0; j < sk_X509_EXTENSION_num(exts); j++) {
			ext = sk_X509_EXTENSION_value(exts, j);
			if (X509_EXTENSION_get_critical(ext) &&
			    !entry_ext_known(
			        OBJ_obj2nid(X509_EXTENSION_get_object(ext)))) {
				c->unusable =
				    "unknown critical CRL entry extension";
				return;
			}
		}
	}
	if (c->idp != NULL) {
		if (c->idp->onlyattr > 0)
			c->unusable = "CRL covers attribute certificates only";
		else if (c->idp->onlysomereasons != NULL)
			c->unusable = "CRL partitioned by reason (unsupported)";
		else if (c->idp->indirectCRL > 0)
			c->unusable = "indirect CRL (unsupported)";
	}
}

/* Takes ownership of x and fills a new struct px_crl. */
static int
crl_wrap(X509_CRL *x, const char *label, struct px_crl **out)
{
	struct px_crl *c = NULL;
	int crit = 0, r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->label = strdup(label)) == NULL) {
		X509_CRL_free(x);
		r = PX_ERR_NOMEM;
		goto out;
	}
	c->crl = x;
	c->issuer = X509_CRL_get_issuer(x);
	if (px_asn1_time(X509_CRL_get0_lastUpdate(x), &c->this_update) != 0) {
		px_warn("%s: CRL has an unreadable thisUpdate", label);
		r = PX_ERR_BAD_FORMAT;
		goto out;
	}
	if (X509_CRL_get0_nextUpdate(x) != NULL &&
	    px_asn1_time(X509_CRL_get0_nextUpdate(x), &c->next_update) != 0) {
		px_warn("%s: CRL has an unreadable nextUpdate", label);
		r = PX_ERR_BAD_FORMAT;
		goto out;
	}
	/* A duplicated or undecodable extension yields NULL with crit -2/-1. */
	c->number = X509_CRL_get_ext_d2i(x, NID_crl_number, &crit, NULL);
	if (c->number == NULL && crit != -1)
		c->unusable = "bad cRLNumber extension";
	c->base = X509_CRL_get_ext_d2i(x, NID_delta_crl, &crit, NULL);
	if (c->base == NULL && crit != -1)
		c->unusable = "bad deltaCRLIndicator extension";
	c->idp = X509_CRL_get_ext_d2i(
	    x, NID_issuing_distribution_point, &crit, NULL);
	if (c->idp == NULL && crit != -1)
		c->unusable = "bad issuingDistributionPoint extension";
	if (c->idp != NULL) {
		if (c->idp->distpoint != NULL &&
		    !DIST_POINT_set_dpname(
		        c->idp->distpoint, X509_CRL_get_issuer(x))) {
			r = PX_ERR_NOMEM;
			goto out;
		}
		if ((c->idp_der_len =
		            i2d_ISSUING_DIST_POINT(c->idp, &c->idp_der)) <= 0) {
			r = PX_ERR_NOMEM;
			goto out;
		}
	}
	c->has_freshest = X509_CRL_get_ext_by_NID(x, NID_freshest_crl, -1) >= 0;
	if (c->base != NULL && c->number == NULL)
		c->unusable = "delta CRL without a cRLNumber";
	if (c->unusable == NULL)
		check_extensions(c);
	*out = c;
	c = NULL;
	r = 0;
out:
	px_crl_free(c);
	return r;
}

int
px_crl_parse(const unsigned char *buf, size_t len, const char *label,
    int (*add)(void *arg, struct px_crl *crl), void *arg)
{
	const unsigned char *p = buf;
	struct px_crl *c = NULL;
	X509_CRL *x = NULL;
	BIO *bio = NULL;
	int n = 0, r;

	if (len == 0)
		return PX_ERR_BAD_FORMAT;
	if (len > 10 && memmem(buf, len, "-----BEGIN", 10) != NULL) {
		if (len > INT_MAX ||
		    (bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
			return PX_ERR_NOMEM;
		while ((x = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) !=
		    NULL) {
			if ((r = crl_wrap(x, label, &c)) != 0)
				goto out;
			if ((r = add(arg, c)) != 0)
				goto out;
			c = NULL;
			n++;
		}
		r = n > 0 ? 0 : PX_ERR_BAD_FORMAT;
		goto out;
	}
	if (len > LONG_MAX || (x = d2i_X509_CRL(NULL, &p, (long)len)) == NULL ||
	    p != buf + len) {
		X509_CRL_free(x);
		r = PX_ERR_BAD_FORMAT;
		goto out;
	}
	if ((r = crl_wrap(x, label, &c)) != 0)
		goto out;
	r = add(arg, c);
	c = NULL;
out:
	px_crl_free(c);
	BIO_free(bio);
	ERR_clear_error();
	return r;
}

int
px_crl_check_issuer(const struct px_crl *c, X509 *issuer)
{
	unsigned char md[32];
	EVP_PKEY *key;
	uint32_t ku;

	if (X509_NAME_cmp(c->issuer, X509_get_subject_name(issuer)) != 0)
		return PX_ERR_UNTRUSTED;
	ku = X509_get_key_usage(issuer);
	if (ku != UINT32_MAX && (ku & KU_CRL_SIGN) == 0)
		return PX_ERR_WRONG_USAGE;
	if (c->crl == NULL) {
		/* Indexed: its signature was verified before it was stored. */
		if (!c->has_signer || px_spki_sha256(issuer, md) != 0 ||
		    memcmp(md, c->signer_sha256, sizeof(md)) != 0)
			return PX_ERR_BAD_SIGNATURE;
		return 0;
	}
	if ((key = X509_get0_pubkey(issuer)) == NULL ||
	    X509_CRL_verify(c->crl, key) != 1) {
		ERR_clear_error();
		return PX_ERR_BAD_SIGNATURE;
	}
	return 0;
}

/* Whether any name of one distribution point name equals one of the other. */
static int
dpn_match(const DIST_POINT_NAME *a, const DIST_POINT_NAME *b)
{
	const DIST_POINT_NAME *t;
	GENERAL_NAME *ga, *gb;
	int i, j;

	if (a->type == 1 && b->type == 1)
		return X509_NAME_cmp(a->dpname, b->dpname) == 0;
	if (a->type == 1) {
		t = a;
		a = b;
		b = t;
	}
	/* a is a full name now */
	for (i = 0; i < sk_GENERAL_NAME_num(a->name.fullname); i++) {
		ga = sk_GENERAL_NAME_value(a->name.fullname, i);
		if (b->type == 1) {
			if (ga->type == GEN_DIRNAME &&
			    X509_NAME_cmp(ga->d.directoryName, b->dpname) == 0)
				return 1;
			continue;
		}
		for (j = 0; j < sk_GENERAL_NAME_num(b->name.fullname); j++) {
			gb = sk_GENERAL_NAME_value(b->name.fullname, j);
			if (GENERAL_NAME_cmp(ga, gb) == 0)
				return 1;
		}
	}
	return 0;
}

int
px_crl_covers(const struct px_crl *c, X509 *cert, const char **why)
{
	STACK_OF(DIST_POINT) *cdp = NULL;
	DIST_POINT *dp;
	int is_ca, i, ok = 0;

	*why = NULL;
	if (c->idp == NULL)
		return 1;
	is_ca = (X509_get_extension_flags(cert) & EXFLAG_CA) != 0;
	if (c->idp->onlyuser > 0 && is_ca) {
		*why = "CRL covers end-entity certificates only";
		return 0;
	}
	if (c->idp->onlyCA > 0 && !is_ca) {
		*why = "CRL covers CA certificates only";
		return 0;
	}
	if (c->idp->distpoint == NULL)
		return 1;
	cdp = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
	for (i = 0; cdp != NULL && i < sk_DIST_POINT_num(cdp) && !ok; i++) {
		dp = sk_DIST_POINT_value(cdp, i);
		if (dp->distpoint == NULL)
			continue;
		if (!DIST_POINT_set_dpname(
		        dp->distpoint, X509_get_issuer_name(cert)))
			break;
		ok = dpn_match(dp->distpoint, c->idp->distpoint);
	}
	sk_DIST_POINT_pop_free(cdp, DIST_POINT_free);
	if (!ok)
		*why = "CRL distribution point does not match the certificate";
	return ok;
}

int
px_crl_check_time(const struct px_crl *c, time_t now, time_t grace)
{
	if (c->this_update > now + PX_CRL_SKEW)
		return PX_ERR_CRL_NOT_YET_VALID;
	if (c->next_update != 0 && now > c->next_update + grace)
		return PX_ERR_CRL_EXPIRED;
	return 0;
}

int
px_crl_delta_fits(const struct px_crl *base, const struct px_crl *delta)
{
	if (delta->base == NULL || base->base != NULL || base->number == NULL)
		return 0;
	if (X509_NAME_cmp(base->issuer, delta->issuer) != 0)
		return 0;
	/* Same scope: both without IDP, or the same IDP. */
	if (base->idp_der_len != delta->idp_der_len ||
	    (base->idp_der_len > 0 &&
	        memcmp(base->idp_der, delta->idp_der,
	            (size_t)base->idp_der_len) != 0))
		return 0;
	/* The delta must build on this base or an older one, and be newer. */
	return ASN1_INTEGER_cmp(delta->base, base->number) <= 0 &&
	    ASN1_INTEGER_cmp(delta->number, base->number) > 0;
}

int
px_crl_newer(const struct px_crl *a, const struct px_crl *b)
{
	int r;

	if (a->number != NULL && b->number != NULL &&
	    (r = ASN1_INTEGER_cmp(a->number, b->number)) != 0)
		return r;
	if (a->number != NULL && b->number == NULL)
		return 1;
	if (a->number == NULL && b->number != NULL)
		return -1;
	return (a->this_update > b->this_update) -
	    (a->this_update < b->this_update);
}

int
px_crl_lookup(
    const struct px_crl *c, const ASN1_INTEGER *serial, struct px_crl_entry *e)
{
	X509_REVOKED *rev = NULL;
	ASN1_ENUMERATED *reason;
	int crit;

	if (c->crl == NULL)
		return px_crl_index_lookup(c, serial, e);
	e->revoked_at = 0;
	e->reason = -1;
	/* Returns 1 when listed, 2 for removeFromCRL, 0 when absent. */
	if (X509_CRL_get0_by_serial(c->crl, &rev, serial) == 0 || rev == NULL)
		return 0;
	if (px_asn1_time(
	        X509_REVOKED_get0_revocationDate(rev), &e->revoked_at) != 0)
		e->revoked_at = 0;
	reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, NULL);
	if (reason != NULL) {
		e->reason = (int)ASN1_ENUMERATED_get(reason);
		ASN1_ENUMERATED_free(reason);
	}
	return 1;
}

const char *
px_crl_number_str(const struct px_crl *c, char *buf, size_t len)
{
	BIGNUM *bn;
	char *dec = NULL;

	if (c->number == NULL) {
		snprintf(buf, len, "without number");
		return buf;
	}
	if ((bn = ASN1_INTEGER_to_BN(c->number, NULL)) != NULL)
		dec = BN_bn2dec(bn);
	BN_free(bn);
	snprintf(buf, len, "#%s", dec != NULL ? dec : "?");
	OPENSSL_free(dec);
	return buf;
}
