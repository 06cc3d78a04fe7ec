/*
 * The compiled CRL index (DESIGN.md section 5): written once when a CRL is
 * validated, then mapped read-only and searched without parsing the CRL.
 *
 * Layout (integers little-endian; this file never leaves the machine):
 *   0  magic "PXCRLIX1"          8  u32 header length (multiple of 8)
 *  12  u32 serial width W        16  u64 entry count
 *  24  i64 thisUpdate            32  i64 nextUpdate (0: none)
 *  40  32 SHA-256 of the CRL     72  32 SHA-256 of the signer's SPKI
 * 104  u8 flags (1 freshestCRL)  105 u8 number length, 106 number[32]
 * 138  u8 base length (delta), 139 base[32]
 * 172  u32 issuer name length    176 u32 IDP length
 * 180  issuer name DER, IDP DER, zero padding
 * then count records of W + 11 bytes, sorted by serial:
 *   u8 negative, u8 length, serial[W] (big-endian, left-aligned),
 *   u8 reason (255: none), i64 revocation time
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/sha.h>

#include "../common/log.h"
#include "pkix_int.h"

#define MAGIC "PXCRLIX1"
#define FIXED 180
#define W_MAX 32
#define REC(w) ((size_t)(w) + 11)
#define NO_REASON 255

static void
put32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Orders serials: negative ones first, then by magnitude. */
static int
cmp_serial(int an, size_t al, const unsigned char *a, int bn, size_t bl,
    const unsigned char *b)
{
	int r;

	if (an != bn)
		return an ? -1 : 1;
	if (al != bl)
		r = al < bl ? -1 : 1;
	else
		r = memcmp(a, b, al);
	return an ? -r : r;
}

static int
cmp_rec(const void *x, const void *y)
{
	const unsigned char *a = x, *b = y;

	return cmp_serial(a[0], a[1], a + 2, b[0], b[1], b + 2);
}

int
px_spki_sha256(X509 *x, unsigned char md[32])
{
	unsigned char *der = NULL;
	int len;

	if ((len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der)) <= 0)
		return PX_ERR_CRYPTO;
	SHA256(der, (size_t)len, md);
	OPENSSL_free(der);
	return 0;
}

static int
put_integer(unsigned char *lenp, unsigned char *out, const ASN1_INTEGER *v)
{
	BIGNUM *bn;
	int n;

	*lenp = 0;
	if (v == NULL)
		return 0;
	if ((bn = ASN1_INTEGER_to_BN(v, NULL)) == NULL)
		return PX_ERR_NOMEM;
	if ((n = BN_num_bytes(bn)) > 32 || BN_is_negative(bn)) {
		BN_free(bn);
		return PX_ERR_UNSUPPORTED;
	}
	*lenp = (unsigned char)BN_bn2bin(bn, out);
	if (*lenp == 0) { /* zero */
		out[0] = 0;
		*lenp = 1;
	}
	BN_free(bn);
	return 0;
}

int
px_crl_index_build(const struct px_crl *c, X509 *signer,
    const unsigned char der_sha256[32], unsigned char **out, size_t *outlen)
{
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(c->crl);
	unsigned char *buf = NULL, *iss = NULL, *rec;
	const ASN1_INTEGER *serial;
	X509_REVOKED *rev;
	ASN1_ENUMERATED *reason;
	size_t n, w = 1, hdr, i, total;
	int isslen, len, r;
	time_t t;

	*out = NULL;
	*outlen = 0;
	n = (size_t)(revs != NULL ? sk_X509_REVOKED_num(revs) : 0);
	for (i = 0; i < n; i++) {
		serial = X509_REVOKED_get0_serialNumber(
		    sk_X509_REVOKED_value(revs, (int)i));
		len = ASN1_STRING_length(serial);
		if (len > W_MAX)
			return PX_ERR_UNSUPPORTED;
		if ((size_t)len > w)
			w = (size_t)len;
	}
	if ((isslen = i2d_X509_NAME(X509_CRL_get_issuer(c->crl), &iss)) <= 0)
		return PX_ERR_NOMEM;
	hdr =
	    (FIXED + (size_t)isslen + (size_t)c->idp_der_len + 7) & ~(size_t)7;
	total = hdr + n * REC(w);
	if ((buf = calloc(1, total)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	memcpy(buf, MAGIC, 8);
	put32(buf + 8, (uint32_t)hdr);
	put32(buf + 12, (uint32_t)w);
	put64(buf + 16, n);
	put64(buf + 24, (uint64_t)c->this_update);
	put64(buf + 32, (uint64_t)c->next_update);
	memcpy(buf + 40, der_sha256, 32);
	if ((r = px_spki_sha256(signer, buf + 72)) != 0)
		goto out;
	buf[104] = c->has_freshest ? 1 : 0;
	if ((r = put_integer(buf + 105, buf + 106, c->number)) != 0 ||
	    (r = put_integer(buf + 138, buf + 139, c->base)) != 0)
		goto out;
	put32(buf + 172, (uint32_t)isslen);
	put32(buf + 176, (uint32_t)c->idp_der_len);
	memcpy(buf + FIXED, iss, (size_t)isslen);
	if (c->idp_der_len > 0)
		memcpy(
		    buf + FIXED + isslen, c->idp_der, (size_t)c->idp_der_len);
	for (i = 0; i < n; i++) {
		rev = sk_X509_REVOKED_value(revs, (int)i);
		serial = X509_REVOKED_get0_serialNumber(rev);
		rec = buf + hdr + i * REC(w);
		rec[0] = ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER;
		rec[1] = (unsigned char)ASN1_STRING_length(serial);
		memcpy(rec + 2, ASN1_STRING_get0_data(serial), rec[1]);
		rec[2 + w] = NO_REASON;
		reason =
		    X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL);
		if (reason != NULL) {
			long v = ASN1_ENUMERATED_get(reason);

			if (v >= 0 && v < NO_REASON)
				rec[2 + w] = (unsigned char)v;
			ASN1_ENUMERATED_free(reason);
		}
		if (px_asn1_time(X509_REVOKED_get0_revocationDate(rev), &t) !=
		    0)
			t = 0;
		put64(rec + 3 + w, (uint64_t)t);
	}
	/* CAs usually list entries in order: sort only when needed. */
	for (i = 1; i < n; i++)
		if (cmp_rec(buf + hdr + (i - 1) * REC(w),
		        buf + hdr + i * REC(w)) > 0)
			break;
	if (i < n)
		qsort(buf + hdr, n, REC(w), cmp_rec);
	*out = buf;
	*outlen = total;
	buf = NULL;
	r = 0;
out:
	free(buf);
	OPENSSL_free(iss);
	ERR_clear_error();
	return r;
}

static ASN1_INTEGER *
get_integer(const unsigned char *lenp, const unsigned char *p)
{
	BIGNUM *bn;
	ASN1_INTEGER *v;

	if (*lenp == 0)
		return NULL;
	if ((bn = BN_bin2bn(p, *lenp, NULL)) == NULL)
		return NULL;
	v = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	return v;
}

int
px_crl_from_index(const struct px_blob *b, const unsigned char der_sha256[32],
    const char *label, struct px_crl **out)
{
	struct px_crl *c = NULL;
	unsigned char fixed[FIXED], *var = NULL;
	const unsigned char *p;
	uint32_t hdr, w, isslen, idplen;
	uint64_t n;
	size_t len = b->len;
	int r = PX_ERR_BAD_FORMAT;

	*out = NULL;
	/* Every bound is checked before anything is read through it. */
	if (px_blob_read(b, 0, fixed, FIXED) != 0 ||
	    memcmp(fixed, MAGIC, 8) != 0)
		return PX_ERR_BAD_FORMAT;
	hdr = get32(fixed + 8);
	w = get32(fixed + 12);
	n = get64(fixed + 16);
	isslen = get32(fixed + 172);
	idplen = get32(fixed + 176);
	if (hdr < FIXED || hdr > len || hdr % 8 != 0 || hdr > (1U << 20) ||
	    w < 1 || w > W_MAX || isslen == 0 || isslen > hdr - FIXED ||
	    idplen > hdr - FIXED - isslen || fixed[105] > 32 ||
	    fixed[138] > 32 || n > (len - hdr) / REC(w) ||
	    hdr + n * REC(w) != len)
		return PX_ERR_BAD_FORMAT;
	if (der_sha256 != NULL && memcmp(fixed + 40, der_sha256, 32) != 0)
		return PX_ERR_BAD_FORMAT;
	if ((var = malloc(isslen + idplen)) == NULL)
		return PX_ERR_NOMEM;
	if (px_blob_read(b, FIXED, var, isslen + idplen) != 0)
		goto out;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->label = strdup(label)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	p = var;
	c->issuer = d2i_X509_NAME(NULL, &p, isslen);
	c->own_issuer = 1;
	if (c->issuer == NULL || p != var + isslen)
		goto out;
	if (idplen > 0) {
		p = var + isslen;
		if ((c->idp = d2i_ISSUING_DIST_POINT(NULL, &p, idplen)) ==
		        NULL ||
		    p != var + isslen + idplen)
			goto out;
		if ((c->idp_der = OPENSSL_memdup(var + isslen, idplen)) ==
		    NULL) {
			r = PX_ERR_NOMEM;
			goto out;
		}
		c->idp_der_len = (int)idplen;
		if (c->idp->distpoint != NULL &&
		    !DIST_POINT_set_dpname(c->idp->distpoint, c->issuer)) {
			r = PX_ERR_NOMEM;
			goto out;
		}
	}
	c->this_update = (time_t)get64(fixed + 24);
	c->next_update = (time_t)get64(fixed + 32);
	memcpy(c->signer_sha256, fixed + 72, 32);
	c->has_signer = 1;
	c->has_freshest = fixed[104] & 1;
	c->number = get_integer(fixed + 105, fixed + 106);
	c->base = get_integer(fixed + 138, fixed + 139);
	c->blob = b;
	c->recs_off = hdr;
	c->nrecs = (size_t)n;
	c->width = w;
	*out = c;
	c = NULL;
	r = 0;
out:
	free(var);
	px_crl_free(c);
	ERR_clear_error();
	return r;
}

int
px_crl_index_lookup(
    const struct px_crl *c, const ASN1_INTEGER *serial, struct px_crl_entry *e)
{
	const unsigned char *s = ASN1_STRING_get0_data(serial);
	unsigned char rec[W_MAX + 11];
	size_t lo = 0, hi = c->nrecs, mid,
	       sl = (size_t)ASN1_STRING_length(serial);
	int neg = ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER, r;

	e->revoked_at = 0;
	e->reason = -1;
	if (sl > c->width)
		return 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		/* A few records per lookup: pread(), not a mapping. */
		if (px_blob_read(c->blob, c->recs_off + mid * REC(c->width),
		        rec, REC(c->width)) != 0)
			return 0;
		/* A damaged length cannot read past its record. */
		r = cmp_serial(neg, sl, s, rec[0] != 0,
		    rec[1] <= c->width ? rec[1] : c->width, rec + 2);
		if (r == 0) {
			e->reason = rec[2 + c->width] == NO_REASON
			    ? -1
			    : rec[2 + c->width];
			e->revoked_at = (time_t)get64(rec + 3 + c->width);
			return 1;
		}
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}
