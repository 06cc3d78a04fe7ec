/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The compiled CRL index (DESIGN.md section 5): written once when a CRL is
 * validated, then read with pread() and searched without parsing the CRL.
 *
 * Layout (integers little-endian unless said; never leaves the machine):
 *   0  magic "PXCRLIX3"          8  u32 header length (multiple of 8)
 *  12  u32 serial width W (1-32) 16  u64 entry count
 *  24  i64 thisUpdate            32  i64 nextUpdate (0: none)
 *  40  32 SHA-256 of the CRL     72  32 SHA-256 of the signer's SPKI
 * 104  u8 flags (1 freshestCRL, 2 sign byte)
 * 105  u8 number length, 106 number[32]
 * 138  u8 base length (delta), 139 base[32]
 * 172  u32 issuer name length    176 u32 IDP length
 * 180  u8 time width T (0-8)     181 zero byte
 * 182  u16 freshestCRL length (0: none, or not kept)
 * 184  i64 time base (the revocation time of the CRL's first entry)
 * 192  u32 length of the certificate issuers after the records
 * 196  u32 zero
 * 200  issuer name DER, IDP DER, freshestCRL value DER, zero padding
 * then count records of S + W + 1 + T bytes (S 1 with flag 2, else 0),
 * sorted by S then serial (negative ones first), no serial twice for one
 * certificate issuer:
 *   [u8 2 x certificate issuer + (0 negative, 1 positive),] serial
 *   magnitude[W] (big-endian, right-aligned, zero-padded), u8 reason (255:
 *   none), revocation time minus the time base in T bytes (big-endian,
 *   two's complement).
 * then the certificate issuers of an indirect CRL (the certificateIssuer
 * entry extensions, RFC 5280 5.3.3), Name DER back to back: issuer i + 1
 * of a record; 0 is the CRL's issuer.
 * W, S and T are as small as the CRL's entries allow: 1M entries with
 * 16-byte serials take 21 MB, 17 MB when they share one revocation time
 * (PXCRLIX1, of fixed fields, took 27 MB); an index of the old format is
 * refused by px_crl_from_index(), so the cache rebuilds it from the object.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/sha.h>

#include "../common/log.h"
#include "pkix_int.h"

#define MAGIC "PXCRLIX3"
#define FIXED 200
#define TRAILER_MAX (64 * 1024)
#define W_MAX 32
#define T_MAX 8
#define REC_MAX (1 + W_MAX + 1 + T_MAX)
#define NO_REASON 255
#define F_FRESHEST 1
#define F_SIGN 2

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

/* One record, decoded: the magnitude right-aligned in mag[W_MAX]. */
struct rec {
	int neg;
	unsigned int idx; /* certificate issuer: 0 the CRL's */
	unsigned char mag[W_MAX];
	int reason; /* 0-255 as stored */
	int64_t d;  /* revocation time - base */
};

static size_t
rec_len(size_t w, int neg, size_t tw)
{
	return (neg ? 1 : 0) + w + 1 + tw;
}

static void
rec_put(unsigned char *p, size_t w, int neg, size_t tw, const struct rec *e)
{
	size_t i;

	if (neg)
		*p++ = (unsigned char)(2 * e->idx + (e->neg ? 0 : 1));
	memcpy(p, e->mag + W_MAX - w, w);
	p += w;
	*p++ = (unsigned char)e->reason;
	for (i = 0; i < tw; i++)
		p[i] = (unsigned char)((uint64_t)e->d >> (8 * (tw - 1 - i)));
}

static void
rec_get(const unsigned char *p, size_t w, int neg, size_t tw, struct rec *e)
{
	uint64_t v = 0;
	size_t i;

	e->neg = neg ? (*p & 1) == 0 : 0;
	e->idx = neg ? *p++ >> 1 : 0;
	memset(e->mag, 0, W_MAX - w);
	memcpy(e->mag + W_MAX - w, p, w);
	p += w;
	e->reason = *p++;
	for (i = 0; i < tw; i++)
		v = v << 8 | p[i];
	/* Sign-extended from tw bytes. */
	if (tw > 0 && tw < 8 && (v >> (8 * tw - 1)) != 0)
		v |= ~(uint64_t)0 << (8 * tw);
	e->d = (int64_t)v;
}

/* Bytes of two's complement that hold d (0 for 0). */
static size_t
time_width(int64_t d)
{
	size_t k;

	if (d == 0)
		return 0;
	for (k = 1; k < 8; k++)
		if (d >= -((int64_t)1 << (8 * k - 1)) &&
		    d < ((int64_t)1 << (8 * k - 1)))
			return k;
	return 8;
}

/* Orders two records of one layout: negative serials first, then by
 * value. */
static int
rec_cmp(const unsigned char *a, const unsigned char *b, size_t w, int neg)
{
	int r;

	if (!neg)
		return memcmp(a, b, w);
	if (a[0] != b[0])
		return a[0] < b[0] ? -1 : 1;
	r = memcmp(a + 1, b + 1, w);
	return (a[0] & 1) == 0 ? -r : r;
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

void
px_ixb_clear(struct px_ixb *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

int
px_ixb_init(struct px_ixb *b, const struct px_crl *c, size_t max)
{
	int isslen;

	memset(b, 0, sizeof(*b));
	if ((isslen = i2d_X509_NAME(c->issuer, NULL)) <= 0)
		return PX_ERR_NOMEM;
	b->hdr = (FIXED + (size_t)isslen + (size_t)c->idp_der_len +
	             (size_t)c->freshest_der_len + 7) &
	    ~(size_t)7;
	b->max = max;
	b->w = 1;
	/* Room for the narrowest records; widened on demand.  Pages that
	 * are never written are never resident. */
	if (max > (SIZE_MAX - b->hdr) / REC_MAX)
		return PX_ERR_NOMEM;
	b->cap = b->hdr + max * rec_len(b->w, 0, 0);
	if ((b->buf = malloc(b->cap)) == NULL)
		return PX_ERR_NOMEM;
	return 0;
}

/* Rewrites the records for a wider layout, from the last one (each moves
 * forward, over records already moved). */
static int
widen(struct px_ixb *b, size_t w, int neg, size_t tw)
{
	size_t i, olen = rec_len(b->w, b->neg, b->tw),
	          nlen = rec_len(w, neg, tw);
	unsigned char *nb, *recs;
	struct rec e;

	if (b->hdr + b->max * nlen > b->cap) {
		if ((nb = realloc(b->buf, b->hdr + b->max * nlen)) == NULL)
			return PX_ERR_NOMEM;
		b->buf = nb;
		b->cap = b->hdr + b->max * nlen;
	}
	recs = b->buf + b->hdr;
	for (i = b->n; i-- > 0;) {
		rec_get(recs + i * olen, b->w, b->neg, b->tw, &e);
		rec_put(recs + i * nlen, w, neg, tw, &e);
	}
	b->w = w;
	b->neg = neg;
	b->tw = tw;
	return 0;
}

int
px_ixb_add(struct px_ixb *b, int neg, const unsigned char *mag, size_t mlen,
    unsigned int idx, int reason, time_t t)
{
	struct rec e;
	size_t w = b->w, tw = b->tw;
	int64_t d;
	int r;

	if (mlen > W_MAX) {
		b->too_long = 1;
		return 0;
	}
	if (b->n >= b->max)
		return PX_ERR_INTERNAL;
	if (b->n == 0)
		b->base = (int64_t)t;
	/* Times come from a 4-digit year: no overflow. */
	d = (int64_t)t - b->base;
	if (mlen > w)
		w = mlen;
	if (time_width(d) > tw)
		tw = time_width(d);
	if (idx > PX_CRL_CISSUERS_MAX)
		return PX_ERR_INTERNAL;
	/* The S byte carries the sign and the certificate issuer. */
	if ((w != b->w || tw != b->tw || ((neg || idx > 0) && !b->neg)) &&
	    (r = widen(b, w, neg || idx > 0 || b->neg, tw)) != 0)
		return r;
	e.neg = neg;
	e.idx = idx;
	memset(e.mag, 0, W_MAX - mlen);
	memcpy(e.mag + W_MAX - mlen, mag, mlen);
	e.reason = reason >= 0 && reason < NO_REASON ? reason : NO_REASON;
	e.d = d;
	rec_put(b->buf + b->hdr + b->n * rec_len(b->w, b->neg, b->tw), b->w,
	    b->neg, b->tw, &e);
	b->n++;
	return 0;
}

static void
rec_swap(unsigned char *a, unsigned char *b, size_t len)
{
	unsigned char t[REC_MAX];

	memcpy(t, a, len);
	memcpy(a, b, len);
	memcpy(b, t, len);
}

/* Heapsort: in place, without the copy of the array qsort() may make. */
static void
sift(unsigned char *r, size_t len, size_t w, int neg, size_t i, size_t n)
{
	size_t c;

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n &&
		    rec_cmp(r + c * len, r + (c + 1) * len, w, neg) < 0)
			c++;
		if (rec_cmp(r + i * len, r + c * len, w, neg) >= 0)
			return;
		rec_swap(r + i * len, r + c * len, len);
		i = c;
	}
}

int
px_ixb_sort(struct px_ixb *b)
{
	size_t len = rec_len(b->w, b->neg, b->tw), i, n = b->n;
	unsigned char *r = b->buf + b->hdr;
	int c;

	/* CAs usually list entries in order: sort only when needed. */
	for (i = 1; i < n; i++) {
		if ((c = rec_cmp(
		         r + (i - 1) * len, r + i * len, b->w, b->neg)) > 0)
			break;
		if (c == 0)
			return 1;
	}
	if (i >= n)
		return 0;
	for (i = n / 2; i-- > 0;)
		sift(r, len, b->w, b->neg, i, n);
	for (i = n; i-- > 1;) {
		rec_swap(r, r + i * len, len);
		sift(r, len, b->w, b->neg, 0, i);
	}
	for (i = 1; i < n; i++)
		if (rec_cmp(r + (i - 1) * len, r + i * len, b->w, b->neg) == 0)
			return 1;
	return 0;
}

int
px_ixb_finish(struct px_ixb *b, const struct px_crl *c, X509 *signer,
    const unsigned char der_sha256[32], unsigned char **out, size_t *outlen)
{
	unsigned char *buf = b->buf, *iss = NULL, *nb, *p;
	size_t total, tlen = 0, i;
	int isslen, r, l;

	*out = NULL;
	*outlen = 0;
	if (b->too_long)
		return PX_ERR_UNSUPPORTED;
	for (i = 0; i < c->n_cissuers; i++) {
		if ((l = i2d_X509_NAME(c->cissuers[i], NULL)) <= 0)
			return PX_ERR_NOMEM;
		tlen += (size_t)l;
	}
	if (tlen > TRAILER_MAX)
		return PX_ERR_UNSUPPORTED;
	if ((isslen = i2d_X509_NAME(c->issuer, &iss)) <= 0)
		return PX_ERR_NOMEM;
	if ((size_t)isslen + (size_t)c->idp_der_len +
	        (size_t)c->freshest_der_len + FIXED >
	    b->hdr) {
		r = PX_ERR_INTERNAL;
		goto out;
	}
	total = b->hdr + b->n * rec_len(b->w, b->neg, b->tw);
	if (total + tlen > b->cap) {
		if ((nb = realloc(buf, total + tlen)) == NULL) {
			r = PX_ERR_NOMEM;
			goto out;
		}
		b->buf = buf = nb;
		b->cap = total + tlen;
	}
	for (i = 0, p = buf + total; i < c->n_cissuers; i++)
		(void)i2d_X509_NAME(c->cissuers[i], &p);
	total += tlen;
	memset(buf, 0, b->hdr);
	memcpy(buf, MAGIC, 8);
	put32(buf + 8, (uint32_t)b->hdr);
	put32(buf + 12, (uint32_t)b->w);
	put64(buf + 16, b->n);
	put64(buf + 24, (uint64_t)c->this_update);
	put64(buf + 32, (uint64_t)c->next_update);
	memcpy(buf + 40, der_sha256, 32);
	if ((r = px_spki_sha256(signer, buf + 72)) != 0)
		goto out;
	buf[104] = (c->has_freshest ? F_FRESHEST : 0) | (b->neg ? F_SIGN : 0);
	if ((r = put_integer(buf + 105, buf + 106, c->number)) != 0 ||
	    (r = put_integer(buf + 138, buf + 139, c->base)) != 0)
		goto out;
	put32(buf + 172, (uint32_t)isslen);
	put32(buf + 176, (uint32_t)c->idp_der_len);
	buf[180] = (unsigned char)b->tw;
	buf[182] = (unsigned char)c->freshest_der_len;
	buf[183] = (unsigned char)(c->freshest_der_len >> 8);
	put64(buf + 184, (uint64_t)b->base);
	put32(buf + 192, (uint32_t)tlen);
	memcpy(buf + FIXED, iss, (size_t)isslen);
	if (c->idp_der_len > 0)
		memcpy(
		    buf + FIXED + isslen, c->idp_der, (size_t)c->idp_der_len);
	if (c->freshest_der_len > 0)
		memcpy(buf + FIXED + isslen + c->idp_der_len, c->freshest_der,
		    (size_t)c->freshest_der_len);
	/* Give back the room reserved for wider records. */
	if (total < b->cap && (nb = realloc(buf, total)) != NULL)
		buf = nb;
	*out = buf;
	*outlen = total;
	memset(b, 0, sizeof(*b));
	r = 0;
out:
	OPENSSL_free(iss);
	ERR_clear_error();
	return r;
}

int
px_crl_index_build(const struct px_crl *c, X509 *signer,
    const unsigned char der_sha256[32], unsigned char **out, size_t *outlen)
{
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(c->crl);
	const ASN1_INTEGER *serial;
	X509_REVOKED *rev;
	ASN1_ENUMERATED *reason;
	struct px_ixb b;
	size_t n, i;
	long v;
	int r;
	time_t t;

	*out = NULL;
	*outlen = 0;
	n = (size_t)(revs != NULL ? sk_X509_REVOKED_num(revs) : 0);
	if ((r = px_ixb_init(&b, c, n)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		rev = sk_X509_REVOKED_value(revs, (int)i);
		serial = X509_REVOKED_get0_serialNumber(rev);
		v = -1;
		/* Which issuer each entry is of is OpenSSL's to know
		 * here: an indirect CRL is compiled from its DER only. */
		if (X509_REVOKED_get_ext_by_NID(
		        rev, NID_certificate_issuer, -1) >= 0) {
			r = PX_ERR_UNSUPPORTED;
			goto out;
		}
		reason =
		    X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL);
		if (reason != NULL) {
			v = ASN1_ENUMERATED_get(reason);
			ASN1_ENUMERATED_free(reason);
		}
		if (px_asn1_time(X509_REVOKED_get0_revocationDate(rev), &t) !=
		    0)
			t = 0;
		if ((r = px_ixb_add(&b,
		         ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER,
		         ASN1_STRING_get0_data(serial),
		         (size_t)ASN1_STRING_length(serial), 0,
		         v >= 0 && v < NO_REASON ? (int)v : -1, t)) != 0)
			goto out;
	}
	if (b.too_long) {
		r = PX_ERR_UNSUPPORTED;
		goto out;
	}
	/* A serial listed twice: the CRL is unusable (px_crl_parse()). */
	if (px_ixb_sort(&b) != 0) {
		r = PX_ERR_UNSUPPORTED;
		goto out;
	}
	r = px_ixb_finish(&b, c, signer, der_sha256, out, outlen);
out:
	px_ixb_clear(&b);
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

/* The certificate issuers after the records, into c->cissuers. */
static int
load_cissuers(
    const struct px_blob *b, size_t off, size_t tlen, struct px_crl *c)
{
	unsigned char *t;
	const unsigned char *p;
	X509_NAME **v, *nm;
	int r = PX_ERR_BAD_FORMAT;

	if ((t = malloc(tlen)) == NULL)
		return PX_ERR_NOMEM;
	if (px_blob_read(b, off, t, tlen) != 0)
		goto out;
	for (p = t; p < t + tlen;) {
		if (c->n_cissuers == PX_CRL_CISSUERS_MAX ||
		    (nm = d2i_X509_NAME(NULL, &p, (long)(t + tlen - p))) ==
		        NULL)
			goto out;
		if ((v = reallocarray(
		         c->cissuers, c->n_cissuers + 1, sizeof(*v))) == NULL) {
			X509_NAME_free(nm);
			r = PX_ERR_NOMEM;
			goto out;
		}
		c->cissuers = v;
		c->cissuers[c->n_cissuers++] = nm;
	}
	r = 0;
out:
	free(t);
	return r;
}

int
px_crl_from_index(const struct px_blob *b, const unsigned char der_sha256[32],
    const char *label, struct px_crl **out)
{
	struct px_crl *c = NULL;
	unsigned char fixed[FIXED], *var = NULL;
	const unsigned char *p;
	uint32_t hdr, w, isslen, idplen, frlen, tlen;
	uint64_t n;
	size_t rl;
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
	frlen = (uint32_t)fixed[182] | (uint32_t)fixed[183] << 8;
	tlen = get32(fixed + 192);
	rl = rec_len(w, (fixed[104] & F_SIGN) != 0, fixed[180]);
	if (hdr < FIXED || hdr > len || hdr % 8 != 0 || hdr > (1U << 20) ||
	    w < 1 || w > W_MAX || isslen == 0 || isslen > hdr - FIXED ||
	    idplen > hdr - FIXED - isslen ||
	    frlen > hdr - FIXED - isslen - idplen ||
	    (frlen > 0 && (fixed[104] & F_FRESHEST) == 0) || fixed[105] > 32 ||
	    fixed[138] > 32 || (fixed[104] & ~(F_FRESHEST | F_SIGN)) != 0 ||
	    fixed[180] > T_MAX || fixed[181] != 0 || get32(fixed + 196) != 0 ||
	    tlen > TRAILER_MAX || tlen > len - hdr ||
	    n > (len - hdr - tlen) / rl || hdr + n * rl + tlen != len ||
	    (tlen > 0 && (fixed[104] & F_SIGN) == 0))
		return PX_ERR_BAD_FORMAT;
	if (der_sha256 != NULL && memcmp(fixed + 40, der_sha256, 32) != 0)
		return PX_ERR_BAD_FORMAT;
	if ((var = malloc(isslen + idplen + frlen)) == NULL)
		return PX_ERR_NOMEM;
	if (px_blob_read(b, FIXED, var, isslen + idplen + frlen) != 0)
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
	if (frlen > 0) {
		if ((c->freshest_der = OPENSSL_memdup(
		         var + isslen + idplen, frlen)) == NULL) {
			r = PX_ERR_NOMEM;
			goto out;
		}
		c->freshest_der_len = (int)frlen;
	}
	c->this_update = (time_t)get64(fixed + 24);
	c->next_update = (time_t)get64(fixed + 32);
	memcpy(c->signer_sha256, fixed + 72, 32);
	c->has_signer = 1;
	c->has_freshest = fixed[104] & F_FRESHEST;
	c->negs = (fixed[104] & F_SIGN) != 0;
	c->twidth = fixed[180];
	c->tbase = (int64_t)get64(fixed + 184);
	c->number = get_integer(fixed + 105, fixed + 106);
	c->base = get_integer(fixed + 138, fixed + 139);
	c->blob = b;
	c->recs_off = hdr;
	c->nrecs = (size_t)n;
	c->entries = (long)n;
	c->width = w;
	if (tlen > 0 && (r = load_cissuers(b, hdr + n * rl, tlen, c)) != 0)
		goto out;
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
	return px_crl_index_lookup_of(c, 0, serial, e);
}

int
px_crl_index_lookup_of(const struct px_crl *c, unsigned int idx,
    const ASN1_INTEGER *serial, struct px_crl_entry *e)
{
	const unsigned char *s = ASN1_STRING_get0_data(serial);
	unsigned char key[1 + W_MAX], rec[REC_MAX], *k = key;
	size_t lo = 0, hi = c->nrecs, mid,
	       sl = (size_t)ASN1_STRING_length(serial),
	       rl = rec_len(c->width, c->negs, c->twidth);
	int neg = ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER, r;
	struct rec x;

	e->revoked_at = 0;
	e->reason = -1;
	/* Fail closed: an index that cannot be read says nothing. */
	if (c->blob == NULL || rl > sizeof(rec))
		return -1;
	while (sl > 0 && s[0] == 0) {
		s++;
		sl--;
	}
	if (sl > c->width || ((neg || idx > 0) && !c->negs))
		return 0;
	if (c->negs)
		*k++ = (unsigned char)(2 * idx + (neg ? 0 : 1));
	memset(k, 0, c->width - sl);
	memcpy(k + c->width - sl, s, sl);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		/* A few records per lookup: pread(), not a mapping. */
		if (px_blob_read(c->blob, c->recs_off + mid * rl, rec, rl) != 0)
			return -1;
		r = rec_cmp(key, rec, c->width, c->negs);
		if (r == 0) {
			rec_get(rec, c->width, c->negs, c->twidth, &x);
			e->reason = x.reason == NO_REASON ? -1 : x.reason;
			e->revoked_at =
			    (time_t)((uint64_t)c->tbase + (uint64_t)x.d);
			return 1;
		}
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}
