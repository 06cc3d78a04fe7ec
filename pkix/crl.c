/* SPDX-License-Identifier: BSD-2-Clause */
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

int
px_asn1_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;
	int type;

	*out = 0;
	if (t == NULL)
		return PX_ERR_BAD_FORMAT;
	/* The DER forms directly (px_der_time(), as the DER walker reads
	 * them): a CRL has one per entry, and timegm() is slow. */
	type = ASN1_STRING_type(t);
	if ((type == V_ASN1_UTCTIME || type == V_ASN1_GENERALIZEDTIME) &&
	    px_der_time(type == V_ASN1_UTCTIME ? 0x17 : 0x18,
	        ASN1_STRING_get0_data(t), (size_t)ASN1_STRING_length(t),
	        out) == 0)
		return 0;
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
	if (c->ixb != NULL)
		px_ixb_clear(c->ixb);
	free(c->ixb);
	OPENSSL_free(c->pem);
	if (c->own_issuer)
		X509_NAME_free(c->issuer);
	ASN1_INTEGER_free(c->number);
	ASN1_INTEGER_free(c->base);
	ISSUING_DIST_POINT_free(c->idp);
	OPENSSL_free(c->idp_der);
	OPENSSL_free(c->freshest_der);
	while (c->n_cissuers > 0)
		X509_NAME_free(c->cissuers[--c->n_cissuers]);
	free(c->cissuers);
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
	case NID_hold_instruction_code:
	case NID_certificate_issuer: return 1; /* an indirect CRL's */
	}
	return 0;
}

/* Whether a serial is listed twice (1), not (0), or -1 (no memory). */
static int
rev_cmp(const X509_REVOKED *const *a, const X509_REVOKED *const *b)
{
	return ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(*a),
	    X509_REVOKED_get0_serialNumber(*b));
}

static int
listed_twice(STACK_OF(X509_REVOKED) *revs)
{
	STACK_OF(X509_REVOKED) *s;
	int i, dup = 0;

	if (sk_X509_REVOKED_num(revs) < 2)
		return 0;
	/* A sorted copy: the CRL's order is the index's (its time base). */
	if ((s = sk_X509_REVOKED_dup(revs)) == NULL)
		return -1;
	(void)sk_X509_REVOKED_set_cmp_func(s, rev_cmp);
	sk_X509_REVOKED_sort(s);
	for (i = 1; i < sk_X509_REVOKED_num(s) && !dup; i++)
		dup = ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(
		                           sk_X509_REVOKED_value(s, i - 1)),
		          X509_REVOKED_get0_serialNumber(
		              sk_X509_REVOKED_value(s, i))) == 0;
	sk_X509_REVOKED_free(s);
	return dup;
}

/* Whether an entry carries certificateIssuer (an indirect CRL's). */
static int
any_cissuer(STACK_OF(X509_REVOKED) *revs)
{
	int i;

	for (i = 0; i < sk_X509_REVOKED_num(revs); i++)
		if (X509_REVOKED_get_ext_by_NID(sk_X509_REVOKED_value(revs, i),
		        NID_certificate_issuer, -1) >= 0)
			return 1;
	return 0;
}

/* Whether an entry has a critical extension we do not know. */
static int
entry_critical(STACK_OF(X509_REVOKED) *revs)
{
	const STACK_OF(X509_EXTENSION) *exts;
	X509_EXTENSION *ext;
	int i, j;

	for (i = 0; i < sk_X509_REVOKED_num(revs); i++) {
		exts = X509_REVOKED_get0_extensions(
		    sk_X509_REVOKED_value(revs, i));
		for (j = 0; j < sk_X509_EXTENSION_num(exts); j++) {
			ext = sk_X509_EXTENSION_value(exts, j);
			if (X509_EXTENSION_get_critical(ext) &&
			    !entry_ext_known(
			        OBJ_obj2nid(X509_EXTENSION_get_object(ext))))
				return 1;
		}
	}
	return 0;
}

void
px_crl_rules(struct px_crl *c, const STACK_OF(X509_EXTENSION) *exts,
    int entry_crit, int twice)
{
	X509_EXTENSION *ext;
	int i;

	if (c->unusable != NULL)
		return;
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		ext = sk_X509_EXTENSION_value(exts, i);
		if (X509_EXTENSION_get_critical(ext) &&
		    !crl_ext_known(
		        OBJ_obj2nid(X509_EXTENSION_get_object(ext)))) {
			c->unusable = "unknown critical CRL extension";
			return;
		}
	}
	if (entry_crit) {
		c->unusable = "unknown critical CRL entry extension";
		return;
	}
	if (c->idp != NULL) {
		if (c->idp->onlyattr > 0)
			c->unusable = "CRL covers attribute certificates only";
		else if (c->idp->onlysomereasons != NULL &&
		    px_crl_reasons(c) == 0)
			c->unusable =
			    "CRL partitioned by reason, for no reason";
		if (c->unusable != NULL)
			return;
	}
	/* certificateIssuer belongs to indirect CRLs (RFC 5280 5.3.3). */
	if (c->cissuer_seen && (c->idp == NULL || c->idp->indirectCRL <= 0)) {
		c->unusable = "certificateIssuer entries in a CRL that is "
		              "not indirect";
		return;
	}
	/* Which entry would count?  Fail closed: not this CRL. */
	if (twice != 0)
		c->unusable = twice > 0 ? "CRL lists a serial number twice"
		                        : "out of memory reading the CRL";
}

int
px_crl_facts(struct px_crl *c, const STACK_OF(X509_EXTENSION) *exts)
{
	ASN1_OCTET_STRING *os;
	int crit = 0, i;

	/* A duplicated or undecodable extension yields NULL with crit -2/-1. */
	c->number = X509V3_get_d2i(exts, NID_crl_number, &crit, NULL);
	if (c->number == NULL && crit != -1)
		c->unusable = "bad cRLNumber extension";
	c->base = X509V3_get_d2i(exts, NID_delta_crl, &crit, NULL);
	if (c->base == NULL && crit != -1)
		c->unusable = "bad deltaCRLIndicator extension";
	c->idp =
	    X509V3_get_d2i(exts, NID_issuing_distribution_point, &crit, NULL);
	if (c->idp == NULL && crit != -1)
		c->unusable = "bad issuingDistributionPoint extension";
	if (c->idp != NULL) {
		if (c->idp->distpoint != NULL &&
		    !DIST_POINT_set_dpname(c->idp->distpoint, c->issuer))
			return PX_ERR_NOMEM;
		if ((c->idp_der_len =
		            i2d_ISSUING_DIST_POINT(c->idp, &c->idp_der)) <= 0)
			return PX_ERR_NOMEM;
	}
	if ((i = X509v3_get_ext_by_NID(exts, NID_freshest_crl, -1)) >= 0) {
		c->has_freshest = 1;
		os = X509_EXTENSION_get_data(X509v3_get_ext(exts, i));
		if (ASN1_STRING_length(os) > PX_CRL_FRESHEST_MAX)
			c->unusable = "freshestCRL extension too long";
		else if ((c->freshest_der =
		                 OPENSSL_memdup(ASN1_STRING_get0_data(os),
		                     (size_t)ASN1_STRING_length(os))) == NULL)
			return PX_ERR_NOMEM;
		else
			c->freshest_der_len = ASN1_STRING_length(os);
	}
	if (c->base != NULL && c->number == NULL)
		c->unusable = "delta CRL without a cRLNumber";
	ERR_clear_error();
	return 0;
}

/* Takes ownership of x and fills a new struct px_crl. */
static int
crl_wrap(X509_CRL *x, const char *label, struct px_crl **out)
{
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(x);
	struct px_crl *c = NULL;
	int r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->label = strdup(label)) == NULL) {
		X509_CRL_free(x);
		r = PX_ERR_NOMEM;
		goto out;
	}
	c->crl = x;
	c->issuer = X509_CRL_get_issuer(x);
	c->entries =
	    sk_X509_REVOKED_num(revs) > 0 ? sk_X509_REVOKED_num(revs) : 0;
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
	if ((r = px_crl_facts(c, X509_CRL_get0_extensions(x))) != 0)
		goto out;
	if (c->unusable == NULL)
		c->cissuer_seen = any_cissuer(revs);
	/* An indirect CRL may list one serial for two issuers: which
	 * entry is whose is OpenSSL's to tell there. */
	px_crl_rules(c, X509_CRL_get0_extensions(x), entry_critical(revs),
	    c->cissuer_seen ? 0 : listed_twice(revs));
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

static int
keep_first(void *arg, struct px_crl *crl)
{
	struct px_crl **first = arg;

	if (*first == NULL)
		*first = crl;
	else
		px_crl_free(crl);
	return 0;
}

int
px_crl_load(const unsigned char *buf, size_t len, const char *label,
    struct px_crl **out)
{
	unsigned char *der = NULL;
	long dlen = 0;
	BIO *bio = NULL;
	int r;

	*out = NULL;
	if (len == 0)
		return PX_ERR_BAD_FORMAT;
	if (len > 10 && memmem(buf, len, "-----BEGIN", 10) != NULL) {
		/* The first CRL block, as PEM_read_bio_X509_CRL() finds it. */
		if (len > INT_MAX ||
		    (bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
			return PX_ERR_NOMEM;
		r = PEM_bytes_read_bio(&der, &dlen, NULL, PEM_STRING_X509_CRL,
		        bio, NULL, NULL) == 1
		    ? px_crl_walk(der, (size_t)dlen, label, out)
		    : PX_ERR_BAD_FORMAT;
		if (r == 0) {
			(*out)->pem = der;
			der = NULL;
		}
	} else
		r = px_crl_walk(buf, len, label, out);
	OPENSSL_free(der);
	BIO_free(bio);
	ERR_clear_error();
	/* A signature the walker does not check: OpenSSL's full decode. */
	if (r == PX_ERR_NOT_FOUND &&
	    (r = px_crl_parse(buf, len, label, keep_first, out)) != 0) {
		px_crl_free(*out);
		*out = NULL;
	}
	return r;
}

int
px_crl_index_finish(struct px_crl *c, X509 *signer,
    const unsigned char der_sha256[32], unsigned char **out, size_t *outlen)
{
	if (c->ixb != NULL)
		return px_ixb_finish(
		    c->ixb, c, signer, der_sha256, out, outlen);
	return px_crl_index_build(c, signer, der_sha256, out, outlen);
}

int
px_crl_check_issuer(const struct px_crl *c, X509 *issuer)
{
	return px_crl_check_issuer_spki(c, issuer, NULL);
}

int
px_crl_check_issuer_spki(
    const struct px_crl *c, X509 *issuer, const unsigned char spki[32])
{
	unsigned char md[32];
	EVP_PKEY *key;
	uint32_t ku;

	if (X509_NAME_cmp(c->issuer, X509_get_subject_name(issuer)) != 0)
		return PX_ERR_UNTRUSTED;
	ku = X509_get_key_usage(issuer);
	if (ku != UINT32_MAX && (ku & KU_CRL_SIGN) == 0)
		return PX_ERR_WRONG_USAGE;
	if (c->crl == NULL && c->tbs == NULL) {
		/* Indexed: its signature was verified before it was stored. */
		if (spki != NULL)
			memcpy(md, spki, sizeof(md));
		if (!c->has_signer ||
		    (spki == NULL && px_spki_sha256(issuer, md) != 0) ||
		    memcmp(md, c->signer_sha256, sizeof(md)) != 0)
			return PX_ERR_BAD_SIGNATURE;
		return 0;
	}
	if ((key = X509_get0_pubkey(issuer)) == NULL ||
	    (c->crl != NULL ? X509_CRL_verify(c->crl, key) != 1
	                    : px_crl_walk_verify(c, key) != 0)) {
		ERR_clear_error();
		return PX_ERR_BAD_SIGNATURE;
	}
	return 0;
}

/* ReasonFlags as a mask of 1 << code; NULL: every reason. */
static unsigned int
reason_bits(const ASN1_BIT_STRING *bs)
{
	unsigned int m = 0;
	int i;

	if (bs == NULL)
		return PX_REASONS_ALL;
	for (i = 1; i <= 8; i++)
		if (ASN1_BIT_STRING_get_bit(bs, i))
			m |= 1u << i;
	return m & PX_REASONS_ALL;
}

unsigned int
px_crl_reasons(const struct px_crl *c)
{
	return c->idp != NULL ? reason_bits(c->idp->onlysomereasons)
	                      : PX_REASONS_ALL;
}

/* Whether a full name (a list) holds a name equal to g. */
static int
names_hold(const GENERAL_NAMES *names, const GENERAL_NAME *g)
{
	int i;

	for (i = 0; i < sk_GENERAL_NAME_num(names); i++)
		if (GENERAL_NAME_cmp(sk_GENERAL_NAME_value(names, i),
		        (GENERAL_NAME *)g) == 0)
			return 1;
	return 0;
}

/*
 * Whether a distribution point name (full, or relative: then dpname holds
 * it resolved) and another, or a list of names (cRLIssuer), share a name.
 */
static int
dpn_match(const DIST_POINT_NAME *a, const DIST_POINT_NAME *b)
{
	const DIST_POINT_NAME *t;
	GENERAL_NAME *ga;
	int i;

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
		if (names_hold(b->name.fullname, ga))
			return 1;
	}
	return 0;
}

/* RFC 5280 6.3.3 (b)(2)(ii): the IDP's names against a DP's cRLIssuer. */
static int
dpn_match_issuer(const DIST_POINT_NAME *idp, const GENERAL_NAMES *issuer)
{
	GENERAL_NAME *g;
	int i;

	if (idp->type == 1) {
		for (i = 0; i < sk_GENERAL_NAME_num(issuer); i++) {
			g = sk_GENERAL_NAME_value(issuer, i);
			if (g->type == GEN_DIRNAME &&
			    X509_NAME_cmp(g->d.directoryName, idp->dpname) == 0)
				return 1;
		}
		return 0;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(idp->name.fullname); i++)
		if (names_hold(
		        issuer, sk_GENERAL_NAME_value(idp->name.fullname, i)))
			return 1;
	return 0;
}

/* The first name of a distribution point name, for messages. */
static void
dpn_str(const DIST_POINT_NAME *d, char *buf, size_t len)
{
	const GENERAL_NAME *g;
	const X509_NAME *dn = NULL;
	const ASN1_STRING *s = NULL;

	snprintf(buf, len, "(none)");
	if (d == NULL)
		return;
	if (d->type == 1)
		dn = d->dpname;
	else if (sk_GENERAL_NAME_num(d->name.fullname) > 0) {
		g = sk_GENERAL_NAME_value(d->name.fullname, 0);
		if (g->type == GEN_URI)
			s = g->d.uniformResourceIdentifier;
		else if (g->type == GEN_DIRNAME)
			dn = g->d.directoryName;
	}
	if (s != NULL)
		snprintf(buf, len, "URI:%.*s", ASN1_STRING_length(s),
		    (const char *)ASN1_STRING_get0_data(s));
	else if (dn != NULL)
		X509_NAME_oneline(dn, buf, (int)len);
	else
		snprintf(buf, len, "(a name of another kind)");
	for (; *buf != '\0'; buf++)
		if ((unsigned char)*buf < 0x20 || (unsigned char)*buf >= 0x7f)
			*buf = '?';
}

int
px_crl_covers(const struct px_crl *c, X509 *cert, unsigned int *reasons,
    const char **why, char *buf, size_t len)
{
	STACK_OF(DIST_POINT) *cdp = NULL;
	DIST_POINT *dp;
	const X509_NAME *rel;
	GENERAL_NAME *g;
	char a[96], b[96];
	int is_ca, i, j, ok = 0, nodp = 1;

	*why = NULL;
	*reasons = px_crl_reasons(c);
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
	/* No IDP name: every distribution point of the issuer. */
	if (c->idp->distpoint == NULL)
		return *reasons != 0;
	cdp = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
	/* A distribution point that names this CRL, and its reasons. */
	for (i = 0; cdp != NULL && i < sk_DIST_POINT_num(cdp) && !ok; i++) {
		dp = sk_DIST_POINT_value(cdp, i);
		if (dp->distpoint != NULL) {
			/* A relative name is relative to the CRL issuer: the
			 * DP's cRLIssuer when it names one, else the
			 * certificate's issuer (5.2.5). */
			rel = X509_get_issuer_name(cert);
			for (j = 0; dp->CRLissuer != NULL &&
			     j < sk_GENERAL_NAME_num(dp->CRLissuer);
			     j++) {
				g = sk_GENERAL_NAME_value(dp->CRLissuer, j);
				if (g->type == GEN_DIRNAME) {
					rel = g->d.directoryName;
					break;
				}
			}
			if (!DIST_POINT_set_dpname(dp->distpoint, rel))
				break;
			nodp = 0;
			ok = dpn_match(dp->distpoint, c->idp->distpoint);
		} else if (dp->CRLissuer != NULL)
			ok = dpn_match_issuer(c->idp->distpoint, dp->CRLissuer);
		if (ok)
			*reasons &= reason_bits(dp->reasons);
	}
	if (!ok) {
		dpn_str(c->idp->distpoint, a, sizeof(a));
		dp = cdp != NULL && sk_DIST_POINT_num(cdp) > 0
		    ? sk_DIST_POINT_value(cdp, 0)
		    : NULL;
		dpn_str(
		    dp != NULL && !nodp ? dp->distpoint : NULL, b, sizeof(b));
		snprintf(buf, len,
		    "CRL distribution point %s is none of the certificate's "
		    "(%s%s)",
		    a, b,
		    cdp != NULL && sk_DIST_POINT_num(cdp) > 1 ? ", ..." : "");
		*why = buf;
	} else if (*reasons == 0) {
		*why = "the CRL covers none of the reasons the certificate's "
		       "distribution point is for";
		ok = 0;
	}
	sk_DIST_POINT_pop_free(cdp, DIST_POINT_free);
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

int
px_crl_lookup_cert(const struct px_crl *c, X509 *cert, struct px_crl_entry *e)
{
	const X509_NAME *iss = X509_get_issuer_name(cert);
	X509_REVOKED *rev = NULL;
	ASN1_ENUMERATED *reason;
	size_t i;

	if (c->crl == NULL) {
		e->revoked_at = 0;
		e->reason = -1;
		if (X509_NAME_cmp(iss, c->issuer) == 0)
			return px_crl_index_lookup_of(
			    c, 0, X509_get0_serialNumber(cert), e);
		for (i = 0; i < c->n_cissuers; i++)
			if (X509_NAME_cmp(iss, c->cissuers[i]) == 0)
				return px_crl_index_lookup_of(c,
				    (unsigned int)i + 1,
				    X509_get0_serialNumber(cert), e);
		return 0;
	}
	e->revoked_at = 0;
	e->reason = -1;
	/* OpenSSL matches the entry's certificate issuer (indirect CRLs)
	 * or the CRL's. */
	if (X509_CRL_get0_by_cert(c->crl, &rev, cert) == 0 || rev == NULL)
		return 0;
	if (px_asn1_time(
	        X509_REVOKED_get0_revocationDate(rev), &e->revoked_at) != 0)
		e->revoked_at = 0;
	reason = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL);
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
