/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The cold path of a fetched CRL: validated and compiled into its index by
 * walking its DER once, without an X509_CRL (whose decode and free were 70%
 * of the time, and most of the memory, of a CRL of a million entries).
 *
 * Strict DER (X.690 10, RFC 5280 5.1): definite lengths in their shortest
 * form, every length within its container, nothing after the CRL, the tags
 * of the profile, INTEGERs in their shortest form, critical only as TRUE,
 * the signature's unused bits 0, the inner signature algorithm equal (as
 * bytes) to the outer one, version absent (v1, then without any extension)
 * or v2, at least one extension in an extensions field.  The issuer Name
 * and the CRL extensions, small, are decoded with OpenSSL and the rules of
 * px_crl_facts() and px_crl_rules() (crl.c) applied to them; the entries
 * are read here and each written to the index as it is read.  The
 * signature is checked (px_crl_walk_verify()) over the TBS bytes with
 * EVP_DigestVerify() for RSA PKCS#1 v1.5, ECDSA, Ed25519 and Ed448; a CRL
 * signed otherwise (RSA-PSS, DSA, SM2...) is left to px_crl_parse().
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "../common/log.h"
#include "pkix_int.h"

#define T_BOOLEAN 0x01
#define T_INTEGER 0x02
#define T_BIT_STRING 0x03
#define T_OCTET_STRING 0x04
#define T_OID 0x06
#define T_ENUMERATED 0x0a
#define T_UTCTIME 0x17
#define T_GENTIME 0x18
#define T_SEQUENCE 0x30
#define T_EXPLICIT0 0xa0

/* The smallest entry: SEQUENCE { INTEGER (1 byte), UTCTime }. */
#define ENTRY_MIN (2 + 3 + 15)

/* The entry extensions that are read or may be critical. */
static const unsigned char oid_reason[] = { 0x55, 0x1d, 0x15 };
static const unsigned char oid_hold[] = { 0x55, 0x1d, 0x17 };
static const unsigned char oid_invalidity[] = { 0x55, 0x1d, 0x18 };
static const unsigned char oid_cissuer[] = { 0x55, 0x1d, 0x1d };

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
px_der_time(int tag, const unsigned char *p, size_t len, time_t *out)
{
	int y, mo, d, h, mi, sec, off;

	/* The DER forms (RFC 5280 4.1.2.5): YYMMDDHHMMSSZ, YYYYMMDDHHMMSSZ. */
	*out = 0;
	if (!(tag == T_UTCTIME && len == 13) &&
	    !(tag == T_GENTIME && len == 15))
		return PX_ERR_BAD_FORMAT;
	off = tag == T_UTCTIME ? 0 : 2;
	y = off == 0 ? digits(p, 2) : digits(p, 4);
	mo = digits(p + 2 + off, 2);
	d = digits(p + 4 + off, 2);
	h = digits(p + 6 + off, 2);
	mi = digits(p + 8 + off, 2);
	sec = digits(p + 10 + off, 2);
	if (p[12 + off] != 'Z' || y < 0 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
	    sec > 60)
		return PX_ERR_BAD_FORMAT;
	if (off == 0)
		y += y < 50 ? 2000 : 1900;
	*out = (time_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    sec);
	return 0;
}

/* Bytes still to read: [p, end). */
struct der {
	const unsigned char *p, *end;
};

/*
 * Reads the element at d->p, which must have tag: its contents into *v,
 * d advanced past it.  One-byte tags only (the profile has no other);
 * definite lengths in the shortest form, within d.
 */
static int
der_get(struct der *d, int tag, struct der *v)
{
	const unsigned char *p = d->p;
	size_t avail = (size_t)(d->end - p), len, n, i;

	if (avail < 2 || p[0] != tag)
		return PX_ERR_BAD_FORMAT;
	len = p[1];
	p += 2;
	avail -= 2;
	if (len & 0x80) {
		n = len & 0x7f;
		/* 0x80 is the indefinite form; a leading zero or a length
		 * under 128 is not the shortest. */
		if (n == 0 || n > sizeof(size_t) || n > avail || p[0] == 0)
			return PX_ERR_BAD_FORMAT;
		for (len = 0, i = 0; i < n; i++)
			len = len << 8 | p[i];
		if (len < 0x80)
			return PX_ERR_BAD_FORMAT;
		p += n;
		avail -= n;
	}
	if (len > avail)
		return PX_ERR_BAD_FORMAT;
	v->p = p;
	v->end = p + len;
	d->p = p + len;
	return 0;
}

static int
der_next_is(const struct der *d, int tag)
{
	return d->p < d->end && d->p[0] == tag;
}

static size_t
der_len(const struct der *v)
{
	return (size_t)(v->end - v->p);
}

/* An INTEGER's contents in the shortest form (X.690 8.3.2). */
static int
int_ok(const struct der *v)
{
	const unsigned char *p = v->p;

	if (der_len(v) == 0)
		return 0;
	return der_len(v) == 1 ||
	    !((p[0] == 0x00 && (p[1] & 0x80) == 0) ||
	        (p[0] == 0xff && (p[1] & 0x80) != 0));
}

/* An OBJECT IDENTIFIER's contents as OpenSSL's c2i_ASN1_OBJECT reads
 * them: each subidentifier in the shortest form, the last one complete. */
static int
oid_ok(const struct der *v)
{
	size_t i, n = der_len(v);

	if (n == 0 || (v->p[n - 1] & 0x80) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (v->p[i] == 0x80 && (i == 0 || (v->p[i - 1] & 0x80) == 0))
			return 0;
	return 1;
}

static int
oid_is(const struct der *oid, const unsigned char *want, size_t len)
{
	return der_len(oid) == len && memcmp(oid->p, want, len) == 0;
}

/* Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE,
 * extnValue OCTET STRING } */
static int
get_ext(struct der *d, struct der *oid, int *critical, struct der *val)
{
	struct der e, b;

	*critical = 0;
	if (der_get(d, T_SEQUENCE, &e) != 0 || der_get(&e, T_OID, oid) != 0 ||
	    !oid_ok(oid))
		return PX_ERR_BAD_FORMAT;
	if (der_next_is(&e, T_BOOLEAN)) {
		/* DER: TRUE is 0xff, and the default (FALSE) is omitted. */
		if (der_get(&e, T_BOOLEAN, &b) != 0 || der_len(&b) != 1 ||
		    b.p[0] != 0xff)
			return PX_ERR_BAD_FORMAT;
		*critical = 1;
	}
	if (der_get(&e, T_OCTET_STRING, val) != 0 || e.p != e.end)
		return PX_ERR_BAD_FORMAT;
	return 0;
}

/* reasonCode's value: one ENUMERATED.  Sets *reason (-1 when not a value
 * the index keeps, as ASN1_ENUMERATED_get() outside 0-254). */
static int
get_reason(const struct der *val, int *reason)
{
	struct der d = *val, e;
	size_t i;
	long v = 0;

	if (der_get(&d, T_ENUMERATED, &e) != 0 || d.p != d.end || !int_ok(&e))
		return PX_ERR_BAD_FORMAT;
	*reason = -1;
	if ((e.p[0] & 0x80) != 0 || der_len(&e) > 2)
		return 0;
	for (i = 0; i < der_len(&e); i++)
		v = v << 8 | e.p[i];
	if (v < 255)
		*reason = (int)v;
	return 0;
}

/* A serial's magnitude, as ASN1_INTEGER keeps it: into mag (33 bytes) for
 * a negative one, else pointing into the DER.  A length over 33 is only
 * reported (the serial is too long for the index anyway). */
static void
serial_mag(const struct der *v, unsigned char *buf, const unsigned char **mag,
    size_t *mlen, int *neg)
{
	size_t n = der_len(v), i;
	unsigned carry = 1;

	*neg = (v->p[0] & 0x80) != 0;
	if (!*neg) {
		*mag = v->p + (n > 1 && v->p[0] == 0);
		*mlen = n - (n > 1 && v->p[0] == 0);
		return;
	}
	*mag = buf;
	*mlen = n;
	if (n > 33)
		return;
	for (i = n; i-- > 0;) {
		carry += (unsigned char)~v->p[i];
		buf[i] = (unsigned char)carry;
		carry >>= 8;
	}
	while (*mlen > 1 && (*mag)[0] == 0) {
		(*mag)++;
		(*mlen)--;
	}
}

/*
 * Whether the signature algorithm alg (DER) is one px_crl_walk_verify()
 * checks: 1 (and the digest and key type), 0 (another one: the caller
 * parses the CRL with OpenSSL), -1 (one of those, with parameters it
 * must not have).
 */
static int
sig_alg(const unsigned char *der, size_t len, int *md, int *pk)
{
	const unsigned char *p = der;
	const ASN1_OBJECT *obj;
	const void *pval;
	X509_ALGOR *a;
	int ptype, r = 0;

	if (len > LONG_MAX || (a = d2i_X509_ALGOR(NULL, &p, (long)len)) == NULL)
		return -1;
	if (p != der + len) {
		X509_ALGOR_free(a);
		return -1;
	}
	X509_ALGOR_get0(&obj, &ptype, &pval, a);
	if (OBJ_find_sigid_algs(OBJ_obj2nid(obj), md, pk)) {
		switch (*pk) {
		case NID_rsaEncryption:
			/* RFC 4055 2.1: NULL; absent is seen too. */
			r = *md == NID_undef ? 0
			    : ptype == V_ASN1_NULL || ptype == V_ASN1_UNDEF
			    ? 1
			    : -1;
			break;
		case NID_X9_62_id_ecPublicKey:
			r = *md == NID_undef        ? 0
			    : ptype == V_ASN1_UNDEF ? 1
			                            : -1;
			break;
		case NID_ED25519:
		case NID_ED448:
			r = *md != NID_undef        ? 0
			    : ptype == V_ASN1_UNDEF ? 1
			                            : -1;
			break;
		}
	}
	X509_ALGOR_free(a);
	ERR_clear_error();
	return r;
}

int
px_crl_walk_verify(const struct px_crl *c, EVP_PKEY *key)
{
	EVP_MD_CTX *ctx = NULL;
	const EVP_MD *md = NULL;
	int mdn, pkn, r = PX_ERR_BAD_SIGNATURE;

	if (c->tbs == NULL || sig_alg(c->alg, c->alg_len, &mdn, &pkn) != 1 ||
	    EVP_PKEY_get_base_id(key) != EVP_PKEY_type(pkn))
		goto out;
	if (mdn != NID_undef && (md = EVP_get_digestbynid(mdn)) == NULL)
		goto out;
	/* One call for both kinds: a digest, or none (EdDSA, one-shot). */
	if ((ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
	    EVP_DigestVerify(ctx, c->sig, c->sig_len, c->tbs, c->tbs_len) == 1)
		r = 0;
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return r;
}

/*
 * certificateIssuer (5.3.3): the issuer of this entry and of the following
 * ones, by its directoryName; its number among the CRL's certificate
 * issuers (1 and up; 0 is the CRL's issuer itself) into *idx.
 */
static int
get_cissuer(struct px_crl *c, const struct der *val, unsigned int *idx)
{
	const unsigned char *p = val->p;
	GENERAL_NAMES *gns;
	GENERAL_NAME *g;
	X509_NAME *nm = NULL, **v;
	size_t i;
	int j, r = PX_ERR_BAD_FORMAT;

	if ((gns = d2i_GENERAL_NAMES(NULL, &p, (long)der_len(val))) == NULL ||
	    p != val->end)
		goto out;
	/* One directoryName, the name lookups compare: with none, or two
	 * (which would an entry be of?), the CRL is refused. */
	for (j = 0; j < sk_GENERAL_NAME_num(gns); j++) {
		g = sk_GENERAL_NAME_value(gns, j);
		if (g->type != GEN_DIRNAME)
			continue;
		if (nm != NULL)
			goto out;
		nm = g->d.directoryName;
	}
	if (nm == NULL)
		goto out;
	c->cissuer_seen = 1;
	if (X509_NAME_cmp(nm, c->issuer) == 0) {
		*idx = 0;
		r = 0;
		goto out;
	}
	for (i = 0; i < c->n_cissuers; i++)
		if (X509_NAME_cmp(nm, c->cissuers[i]) == 0) {
			*idx = (unsigned int)i + 1;
			r = 0;
			goto out;
		}
	if (c->n_cissuers == PX_CRL_CISSUERS_MAX)
		goto out;
	r = PX_ERR_NOMEM;
	if ((v = reallocarray(c->cissuers, c->n_cissuers + 1, sizeof(*v))) ==
	    NULL)
		goto out;
	c->cissuers = v;
	if ((v[c->n_cissuers] = X509_NAME_dup(nm)) == NULL)
		goto out;
	*idx = (unsigned int)++c->n_cissuers;
	r = 0;
out:
	GENERAL_NAMES_free(gns);
	ERR_clear_error();
	return r;
}

/* The revokedCertificates: each entry checked and added to the index. */
static int
walk_entries(struct px_crl *c, struct der *revs, int v2, int *entry_crit)
{
	struct der ent, ser, t, exts, oid, val;
	unsigned char buf[33];
	const unsigned char *mag;
	size_t mlen;
	int neg, tag, crit, reason, seen, r;
	unsigned int cur = 0; /* the certificate issuer in force */
	time_t when;

	while (revs->p < revs->end) {
		if (der_get(revs, T_SEQUENCE, &ent) != 0 ||
		    der_get(&ent, T_INTEGER, &ser) != 0 || !int_ok(&ser))
			return PX_ERR_BAD_FORMAT;
		tag = ent.p < ent.end ? ent.p[0] : 0;
		if ((tag != T_UTCTIME && tag != T_GENTIME) ||
		    der_get(&ent, tag, &t) != 0 ||
		    px_der_time(tag, t.p, der_len(&t), &when) != 0)
			return PX_ERR_BAD_FORMAT;
		reason = -1;
		if (ent.p < ent.end) {
			/* crlEntryExtensions: v2 only, at least one. */
			if (!v2 || der_get(&ent, T_SEQUENCE, &exts) != 0 ||
			    ent.p != ent.end || exts.p == exts.end)
				return PX_ERR_BAD_FORMAT;
			for (seen = 0; exts.p < exts.end;) {
				if (get_ext(&exts, &oid, &crit, &val) != 0)
					return PX_ERR_BAD_FORMAT;
				if (oid_is(&oid, oid_cissuer,
				        sizeof(oid_cissuer))) {
					if ((r = get_cissuer(c, &val, &cur)) !=
					    0)
						return r;
				} else if (oid_is(&oid, oid_reason,
				               sizeof(oid_reason))) {
					/* Twice: which one would count? */
					if (seen++ ||
					    get_reason(&val, &reason) != 0)
						return PX_ERR_BAD_FORMAT;
				} else if (crit &&
				    !oid_is(&oid, oid_hold, sizeof(oid_hold)) &&
				    !oid_is(&oid, oid_invalidity,
				        sizeof(oid_invalidity)))
					*entry_crit = 1;
			}
		}
		serial_mag(&ser, buf, &mag, &mlen, &neg);
		if ((r = px_ixb_add(
		         c->ixb, neg, mag, mlen, cur, reason, when)) != 0)
			return r;
		c->entries++;
	}
	return 0;
}

/* The TBSCertList's fields up to revokedCertificates, into c. */
static int
walk_head(
    struct px_crl *c, struct der *tbs, const struct der *outer_alg, int *v2)
{
	struct der v, t;
	const unsigned char *p0 = tbs->p, *p;
	int tag, i;
	time_t *when[2] = { &c->this_update, &c->next_update };
	static const char *what[2] = { "thisUpdate", "nextUpdate" };

	*v2 = 0;
	if (der_next_is(tbs, T_INTEGER)) {
		/* Version: v2 (1) when present; v1 is absent. */
		if (der_get(tbs, T_INTEGER, &v) != 0 || der_len(&v) != 1 ||
		    v.p[0] != 1)
			return PX_ERR_BAD_FORMAT;
		*v2 = 1;
	}
	p0 = tbs->p;
	if (der_get(tbs, T_SEQUENCE, &v) != 0 ||
	    (size_t)(tbs->p - p0) != der_len(outer_alg) ||
	    memcmp(p0, outer_alg->p, der_len(outer_alg)) != 0)
		return PX_ERR_BAD_FORMAT;
	p0 = p = tbs->p;
	if (der_get(tbs, T_SEQUENCE, &v) != 0 ||
	    (c->issuer = d2i_X509_NAME(NULL, &p, tbs->p - p0)) == NULL ||
	    p != tbs->p)
		return PX_ERR_BAD_FORMAT;
	c->own_issuer = 1;
	for (i = 0; i < 2; i++) {
		tag = tbs->p < tbs->end ? tbs->p[0] : 0;
		if (i == 1 && tag != T_UTCTIME && tag != T_GENTIME)
			break; /* nextUpdate is optional */
		if ((tag != T_UTCTIME && tag != T_GENTIME) ||
		    der_get(tbs, tag, &t) != 0 ||
		    px_der_time(tag, t.p, der_len(&t), when[i]) != 0) {
			px_warn(
			    "%s: CRL has an unreadable %s", c->label, what[i]);
			return PX_ERR_BAD_FORMAT;
		}
	}
	return 0;
}

/* crlExtensions, decoded with OpenSSL once their structure is checked. */
static int
walk_exts(struct der *tbs, int v2, STACK_OF(X509_EXTENSION) **out)
{
	struct der x, exts, all, oid, val;
	const unsigned char *p;
	int crit;

	*out = NULL;
	if (!der_next_is(tbs, T_EXPLICIT0))
		return 0;
	if (!v2 || der_get(tbs, T_EXPLICIT0, &x) != 0)
		return PX_ERR_BAD_FORMAT;
	all = x;
	if (der_get(&x, T_SEQUENCE, &exts) != 0 || x.p != x.end ||
	    exts.p == exts.end)
		return PX_ERR_BAD_FORMAT;
	while (exts.p < exts.end)
		if (get_ext(&exts, &oid, &crit, &val) != 0)
			return PX_ERR_BAD_FORMAT;
	p = all.p;
	if ((*out = d2i_X509_EXTENSIONS(NULL, &p, (long)der_len(&all))) ==
	        NULL ||
	    p != all.end) {
		ERR_clear_error();
		return PX_ERR_BAD_FORMAT;
	}
	return 0;
}

int
px_crl_walk(const unsigned char *der, size_t len, const char *label,
    struct px_crl **out)
{
	struct der all = { der, der + len }, crl, tbs, alg, a, sig,
	           revs = { 0 };
	STACK_OF(X509_EXTENSION) *exts = NULL;
	struct px_crl *c = NULL;
	const unsigned char *p0;
	int r = PX_ERR_BAD_FORMAT, v2, md, pk, have_revs = 0, entry_crit = 0;

	*out = NULL;
	/* CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm,
	 * signatureValue BIT STRING }, and nothing after it. */
	if (der_get(&all, T_SEQUENCE, &crl) != 0 || all.p != all.end)
		return PX_ERR_BAD_FORMAT;
	p0 = crl.p;
	if (der_get(&crl, T_SEQUENCE, &tbs) != 0)
		return PX_ERR_BAD_FORMAT;
	alg.p = crl.p;
	if (der_get(&crl, T_SEQUENCE, &a) != 0)
		return PX_ERR_BAD_FORMAT;
	alg.end = crl.p;
	if (der_get(&crl, T_BIT_STRING, &sig) != 0 || crl.p != crl.end ||
	    der_len(&sig) < 1 || sig.p[0] != 0)
		return PX_ERR_BAD_FORMAT;
	switch (sig_alg(alg.p, der_len(&alg), &md, &pk)) {
	case 0: return PX_ERR_NOT_FOUND;
	case 1: break;
	default: return PX_ERR_BAD_FORMAT;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->label = strdup(label)) == NULL ||
	    (c->ixb = calloc(1, sizeof(*c->ixb))) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	c->tbs = p0;
	c->tbs_len = (size_t)(tbs.end - p0);
	c->alg = alg.p;
	c->alg_len = der_len(&alg);
	c->sig = sig.p + 1;
	c->sig_len = der_len(&sig) - 1;
	if ((r = walk_head(c, &tbs, &alg, &v2)) != 0)
		goto out;
	if (der_next_is(&tbs, T_SEQUENCE)) {
		if ((r = der_get(&tbs, T_SEQUENCE, &revs)) != 0)
			goto out;
		have_revs = 1;
	}
	if ((r = walk_exts(&tbs, v2, &exts)) != 0)
		goto out;
	if (tbs.p != tbs.end) {
		r = PX_ERR_BAD_FORMAT;
		goto out;
	}
	if ((r = px_crl_facts(c, exts)) != 0 ||
	    (r = px_ixb_init(
	         c->ixb, c, have_revs ? der_len(&revs) / ENTRY_MIN : 0)) != 0)
		goto out;
	if (have_revs && (r = walk_entries(c, &revs, v2, &entry_crit)) != 0)
		goto out;
	px_crl_rules(c, exts, entry_crit, px_ixb_sort(c->ixb));
	*out = c;
	c = NULL;
	r = 0;
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	px_crl_free(c);
	ERR_clear_error();
	return r;
}
