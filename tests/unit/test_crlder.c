/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The DER walker of fetched CRLs (pkix/crlder.c): hand-made CRLs, valid
 * and malformed, and the index it compiles against the one built from
 * OpenSSL's X509_CRL (px_crl_index_build()), byte for byte.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "common/log.h"
#include "pkix/pkix_int.h"

#define NOW 1700000000L

static void
quiet(void *arg, int level, const char *msg)
{
}

/* ---- a small DER writer ---- */

struct buf {
	unsigned char *p;
	size_t n;
};

static void
add(struct buf *o, const void *d, size_t n)
{
	if (n == 0)
		return;
	o->p = realloc(o->p, o->n + n + 1);
	assert_non_null(o->p);
	memcpy(o->p + o->n, d, n);
	o->n += n;
}

static void
add1(struct buf *o, int c)
{
	unsigned char b = (unsigned char)c;

	add(o, &b, 1);
}

static void
add_len(struct buf *o, size_t n)
{
	if (n < 128)
		add1(o, (int)n);
	else if (n < 256) {
		add1(o, 0x81);
		add1(o, (int)n);
	} else if (n < 65536) {
		add1(o, 0x82);
		add1(o, (int)(n >> 8));
		add1(o, (int)(n & 255));
	} else {
		add1(o, 0x83);
		add1(o, (int)(n >> 16));
		add1(o, (int)((n >> 8) & 255));
		add1(o, (int)(n & 255));
	}
}

/* Appends tag, length, in (which is emptied). */
static void
wrap(struct buf *o, int tag, struct buf *in)
{
	add1(o, tag);
	add_len(o, in->n);
	add(o, in->p, in->n);
	free(in->p);
	in->p = NULL;
	in->n = 0;
}

/* Appends the bytes of hex (spaces ignored). */
static void
add_hex(struct buf *o, const char *hex)
{
	unsigned int v;
	char two[3] = { 0 };

	for (; *hex != '\0'; hex++) {
		if (*hex == ' ')
			continue;
		two[0] = hex[0];
		two[1] = hex[1];
		assert_int_equal(sscanf(two, "%2x", &v), 1);
		add1(o, (int)v);
		hex++;
	}
}

/* Hex strings of DER, for the hand-made entries (a pool of buffers). */
static char pool[64][2048];
static int pool_i;

static char *
pool_next(void)
{
	return pool[pool_i++ % 64];
}

static size_t
hex_bytes(const char *hex)
{
	size_t n = 0;

	for (; *hex != '\0'; hex++)
		n += *hex != ' ';
	return n / 2;
}

/* tag, the length of hex plus delta (in the long form when asked), hex */
static const char *
tlv_x(int tag, int delta, int longform, const char *hex)
{
	char *o = pool_next(), t[sizeof(pool[0])];
	size_t n = hex_bytes(hex) + (size_t)delta;

	if (longform || n >= 128)
		snprintf(t, sizeof(t), "%02x81%02zx%s", tag, n, hex);
	else
		snprintf(t, sizeof(t), "%02x%02zx%s", tag, n, hex);
	memcpy(o, t, sizeof(t));
	return o;
}

static const char *
tlv(int tag, const char *hex)
{
	return tlv_x(tag, 0, 0, hex);
}

static const char *
cat(const char *a, const char *b)
{
	char *o = pool_next(), t[sizeof(pool[0])];

	snprintf(t, sizeof(t), "%s%s", a, b);
	memcpy(o, t, sizeof(t));
	return o;
}

/* An INTEGER of n content bytes, the first one first, then 0x11s. */
static const char *
integer(int n, int first)
{
	char *o = pool_next(), *p = o;
	int i;

	p += sprintf(p, "02%02x%02x", n, first);
	for (i = 1; i < n; i++)
		p += sprintf(p, "11");
	return o;
}

static void
add_time(struct buf *o, time_t t, int gen)
{
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (!gen)
		memmove(s, s + 2, strlen(s + 2) + 1);
	add1(o, gen ? 0x18 : 0x17);
	add_len(o, strlen(s));
	add(o, s, strlen(s));
}

/* ---- signers ---- */

struct signer {
	EVP_PKEY *key;
	X509 *cert;
	const EVP_MD *md; /* NULL for EdDSA */
	int sig_nid;
	int null_params;
};

static struct signer ec, rsa, ed;

static int
make_signer(struct signer *s, EVP_PKEY *key, const EVP_MD *md, int nid,
    int null_params, const char *cn)
{
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	s->key = key;
	s->md = md;
	s->sig_nid = nid;
	s->null_params = null_params;
	if (key == NULL || n == NULL || (s->cert = X509_new()) == NULL)
		return -1;
	X509_NAME_add_entry_by_txt(
	    n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_version(s->cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(s->cert), 1);
	X509_set_subject_name(s->cert, n);
	X509_set_issuer_name(s->cert, n);
	X509_gmtime_adj(X509_getm_notBefore(s->cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(s->cert), 86400);
	X509_set_pubkey(s->cert, key);
	X509V3_set_ctx(&v3, s->cert, s->cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(
	    NULL, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
	X509_add_ext(s->cert, ext, -1);
	X509_EXTENSION_free(ext);
	X509_NAME_free(n);
	return X509_sign(s->cert, key, md) > 0 ? 0 : -1;
}

static int
setup(void **state)
{
	px_log_set_sink(quiet, NULL);
	if (make_signer(&ec, EVP_EC_gen("P-256"), EVP_sha256(),
	        NID_ecdsa_with_SHA256, 0, "Walker EC CA") != 0 ||
	    make_signer(&rsa, EVP_RSA_gen(2048), EVP_sha256(),
	        NID_sha256WithRSAEncryption, 1, "Walker RSA CA") != 0 ||
	    make_signer(&ed, EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), NULL,
	        NID_ED25519, 0, "Walker Ed25519 CA") != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	struct signer *s[] = { &ec, &rsa, &ed };
	size_t i;

	for (i = 0; i < 3; i++) {
		X509_free(s[i]->cert);
		EVP_PKEY_free(s[i]->key);
	}
	return 0;
}

/* ---- CRLs ---- */

struct opt {
	int version;     /* -1: absent, else the INTEGER (1: v2) */
	int inner_nid;   /* 0: the outer algorithm */
	int gen;         /* GeneralizedTime throughout */
	int no_next;     /* no nextUpdate */
	int revs;        /* 0: generated entries, 1: empty list, 2: absent */
	int n;           /* generated entries */
	int no_exts;     /* no crlExtensions */
	int unused;      /* the signature's unused bits */
	const char *raw; /* hex of entries appended to the list */
	const char *ext; /* hex of a CRL extension appended */
	int trailing;    /* a byte after the CRL */
	int no_number;   /* no cRLNumber */
	int empty_exts;  /* crlExtensions [0] { SEQUENCE {} } */
	const struct signer *s;
};

static void
add_alg(struct buf *o, const struct signer *s, int nid)
{
	X509_ALGOR *a = X509_ALGOR_new();
	unsigned char *der = NULL;
	int len;

	X509_ALGOR_set0(a, OBJ_nid2obj(nid),
	    s->null_params ? V_ASN1_NULL : V_ASN1_UNDEF, NULL);
	len = i2d_X509_ALGOR(a, &der);
	assert_true(len > 0);
	add(o, der, (size_t)len);
	OPENSSL_free(der);
	X509_ALGOR_free(a);
}

/* Entry i: serial 0x1000 + 7919 i mod 65521 (not in order), reason i % 11
 * on every other one, revoked at NOW - 60 i. */
static void
add_entry(struct buf *o, int i, int gen)
{
	struct buf e = { 0 }, x = { 0 }, xs = { 0 };
	long v = 0x1000 + (7919L * i) % 65521;

	/* Positive, in the shortest form. */
	if (v > 0x7fff) {
		add_hex(&e, "0203");
		add1(&e, (int)(v >> 16));
	} else
		add_hex(&e, "0202");
	add1(&e, (int)((v >> 8) & 255));
	add1(&e, (int)(v & 255));
	add_time(&e, NOW - 60 * i, gen);
	if (i % 2 == 0) {
		add_hex(&x, "0603551d15 0403 0a01");
		add1(&x, i % 11);
		wrap(&xs, 0x30, &x);
		wrap(&e, 0x30, &xs);
	}
	wrap(o, 0x30, &e);
}

static struct buf
make_crl(const struct opt *op)
{
	const struct signer *s = op->s != NULL ? op->s : &ec;
	struct buf tbs = { 0 }, t = { 0 }, l = { 0 }, x = { 0 }, out = { 0 },
	           sig = { 0 };
	unsigned char *der = NULL, sbuf[1024];
	size_t slen = sizeof(sbuf);
	EVP_MD_CTX *ctx;
	int i, len;

	if (op->version >= 0) {
		add_hex(&t, "0201");
		add1(&t, op->version);
	}
	add_alg(&t, s, op->inner_nid != 0 ? op->inner_nid : s->sig_nid);
	len = i2d_X509_NAME(X509_get_subject_name(s->cert), &der);
	add(&t, der, (size_t)len);
	OPENSSL_free(der);
	add_time(&t, NOW - 3600, op->gen);
	if (!op->no_next)
		add_time(&t, NOW + 86400, op->gen);
	if (op->revs != 2) {
		for (i = 0; op->revs == 0 && i < op->n; i++)
			add_entry(&l, i, op->gen);
		if (op->raw != NULL)
			add_hex(&l, op->raw);
		wrap(&t, 0x30, &l);
	}
	if (op->empty_exts)
		add_hex(&t, "a002 3000");
	if (!op->no_exts) {
		if (!op->no_number) /* cRLNumber 100 */
			add_hex(&x, "300a 0603551d14 0403 020164");
		if (op->ext != NULL)
			add_hex(&x, op->ext);
		wrap(&l, 0x30, &x);
		wrap(&t, 0xa0, &l);
	}
	wrap(&tbs, 0x30, &t);
	ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, s->md, NULL, s->key), 1);
	assert_int_equal(EVP_DigestSign(ctx, sbuf, &slen, tbs.p, tbs.n), 1);
	EVP_MD_CTX_free(ctx);
	add(&t, tbs.p, tbs.n);
	add_alg(&t, s, s->sig_nid);
	add1(&sig, op->unused);
	add(&sig, sbuf, slen);
	wrap(&t, 0x03, &sig);
	wrap(&out, 0x30, &t);
	if (op->trailing)
		add1(&out, 0);
	if (getenv("CRLDER_DUMP") != NULL) {
		FILE *f = fopen(getenv("CRLDER_DUMP"), "wb");

		if (f != NULL) {
			fwrite(out.p, 1, out.n, f);
			fclose(f);
		}
	}
	free(tbs.p);
	return out;
}

static struct opt
base_opt(void)
{
	struct opt o;

	memset(&o, 0, sizeof(o));
	o.version = 1;
	o.n = 5;
	return o;
}

/* Loads with the walker and checks the signature. */
static int
load(const struct buf *b, const struct signer *s, struct px_crl **cp)
{
	int r;

	*cp = NULL;
	if ((r = px_crl_load(b->p, b->n, "t", cp)) != 0)
		return r;
	return px_crl_check_issuer(*cp, s->cert);
}

static int
keep(void *arg, struct px_crl *c)
{
	struct px_crl **first = arg;

	if (*first == NULL)
		*first = c;
	else
		px_crl_free(c);
	return 0;
}

/* The index of the walker and the one of X509_CRL agree, byte for byte;
 * both paths agree on the facts and the rules. */
static void
same_index(const struct buf *b, const struct signer *s)
{
	struct px_crl *w = NULL, *o = NULL;
	unsigned char sha[32], *iw = NULL, *io = NULL;
	size_t lw = 0, lo = 0;
	int rw, ro;

	SHA256(b->p, b->n, sha);
	assert_int_equal(load(b, s, &w), 0);
	assert_non_null(w->ixb); /* walked, not parsed */
	assert_int_equal(px_crl_parse(b->p, b->n, "t", keep, &o), 0);
	assert_int_equal(px_crl_check_issuer(o, s->cert), 0);
	if (w->unusable != NULL || o->unusable != NULL) {
		assert_non_null(w->unusable);
		assert_non_null(o->unusable);
		assert_string_equal(w->unusable, o->unusable);
	}
	assert_int_equal(w->entries, o->entries);
	assert_int_equal(w->this_update, o->this_update);
	assert_int_equal(w->next_update, o->next_update);
	rw = px_crl_index_finish(w, s->cert, sha, &iw, &lw);
	ro = px_crl_index_finish(o, s->cert, sha, &io, &lo);
	assert_int_equal(rw, ro);
	if (rw == 0) {
		assert_int_equal(lw, lo);
		assert_memory_equal(iw, io, lw);
	}
	free(iw);
	free(io);
	px_crl_free(w);
	px_crl_free(o);
}

static void
test_valid(void **state)
{
	const struct signer *s[] = { &ec, &rsa, &ed };
	struct opt o = base_opt();
	struct buf b;
	size_t i;
	int n[] = { 0, 1, 5, 300 };
	size_t j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < sizeof(n) / sizeof(n[0]); j++) {
			o.s = s[i];
			o.n = n[j];
			o.gen = j == 2;
			b = make_crl(&o);
			same_index(&b, s[i]);
			free(b.p);
		}
}

static void
test_lookup(void **state)
{
	struct opt o = base_opt();
	struct buf b;
	struct px_crl *c, *ic;
	struct px_blob blob = { NULL, -1, 0 };
	struct px_crl_entry e;
	unsigned char sha[32];
	ASN1_INTEGER *s = ASN1_INTEGER_new();
	int i;

	o.n = 200;
	b = make_crl(&o);
	SHA256(b.p, b.n, sha);
	assert_int_equal(load(&b, &ec, &c), 0);
	assert_null(c->unusable);
	assert_int_equal(c->entries, 200);
	assert_int_equal(
	    px_crl_index_finish(c, ec.cert, sha, &blob.mem, &blob.len), 0);
	assert_int_equal(px_crl_from_index(&blob, sha, "idx", &ic), 0);
	for (i = 0; i < 200; i++) {
		ASN1_INTEGER_set(s, 0x1000 + (7919L * i) % 65521);
		assert_int_equal(px_crl_lookup(ic, s, &e), 1);
		assert_int_equal(e.revoked_at, NOW - 60 * i);
		assert_int_equal(e.reason, i % 2 == 0 ? i % 11 : -1);
	}
	ASN1_INTEGER_set(s, 0xfff);
	assert_int_equal(px_crl_lookup(ic, s, &e), 0);
	ASN1_INTEGER_set(s, -0x1000);
	assert_int_equal(px_crl_lookup(ic, s, &e), 0);
	ASN1_INTEGER_free(s);
	px_crl_free(ic);
	px_crl_free(c);
	free(blob.mem);
	free(b.p);
}

/* Every truncation of a small CRL fails cleanly (ASan watches). */
static void
test_truncations(void **state)
{
	struct opt o = base_opt();
	struct buf b = make_crl(&o);
	struct px_crl *c;
	unsigned char *cut;
	size_t n;

	for (n = 0; n < b.n; n++) {
		/* An exact-size copy, so that a read past it is seen. */
		cut = malloc(n > 0 ? n : 1);
		assert_non_null(cut);
		memcpy(cut, b.p, n);
		c = NULL;
		assert_int_not_equal(px_crl_load(cut, n, "t", &c), 0);
		assert_null(c);
		free(cut);
	}
	free(b.p);
}

/* A CRL with raw entries: what the walker says, signature included. */
static int
raw(const char *entries, const char **unusable)
{
	struct opt o = base_opt();
	struct buf b;
	struct px_crl *c = NULL;
	int r;

	o.n = 2;
	o.raw = entries;
	b = make_crl(&o);
	r = load(&b, &ec, &c);
	if (unusable != NULL)
		*unusable = c != NULL ? c->unusable : NULL;
	if (r == 0 && c->unusable == NULL) {
		/* What the walker accepts, OpenSSL reads the same way. */
		same_index(&b, &ec);
	}
	px_crl_free(c);
	free(b.p);
	return r;
}

#define T_ "170d 3233313131343232313332305a" /* UTCTime 231114221320Z */
#define SER "020200ff"

/* An entry of serial SER with extensions (one each) */
static const char *
entry_x(const char *ext1, const char *ext2)
{
	const char *exts = tlv(0x30, ext2 != NULL ? cat(ext1, ext2) : ext1);

	return tlv(0x30, cat(cat(SER, T_), exts));
}

static const char *
good_entry(void)
{
	return tlv(0x30, cat(SER, T_));
}

static void
test_entries(void **state)
{
	const char *why, *good = tlv(0x30, cat(SER, T_));

	/* Well-formed first: the baseline of each case. */
	assert_int_equal(raw(good, &why), 0);
	assert_null(why);
	/* A length beyond its container: the last entry claims one byte
	 * more than the list holds; a serial longer than its entry. */
	assert_int_equal(
	    raw(tlv_x(0x30, 1, 0, cat(SER, T_)), NULL), PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    raw(tlv(0x30, cat("021400ff", T_)), NULL), PX_ERR_BAD_FORMAT);
	/* Lengths not in their shortest form; an indefinite length. */
	assert_int_equal(
	    raw(tlv_x(0x30, 0, 1, cat(SER, T_)), NULL), PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    raw(tlv(0x30, cat("02810200ff", T_)), NULL), PX_ERR_BAD_FORMAT);
	assert_int_equal(raw(cat(cat("3080", cat(SER, T_)), "0000"), NULL),
	    PX_ERR_BAD_FORMAT);
	/* Wrong tags: a SET for the entry, an OCTET STRING for the serial,
	 * a GeneralString for the time. */
	assert_int_equal(raw(tlv(0x31, cat(SER, T_)), NULL), PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    raw(tlv(0x30, cat("040200ff", T_)), NULL), PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    raw(tlv(0x30, cat(SER, tlv(0x1b, "3233313131343232313332305a"))),
	        NULL),
	    PX_ERR_BAD_FORMAT);
	/* INTEGERs not in their shortest form, and an empty one. */
	assert_int_equal(
	    raw(tlv(0x30, cat("0202007f", T_)), NULL), PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    raw(tlv(0x30, cat("0202ff80", T_)), NULL), PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    raw(tlv(0x30, cat("0200", T_)), NULL), PX_ERR_BAD_FORMAT);
	/* Times that are not DER: an offset, fractions, no seconds. */
	assert_int_equal(
	    raw(tlv(0x30, cat(SER, tlv(0x17, "3233313131343232313332302b"))),
	        NULL),
	    PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    raw(tlv(0x30,
	            cat(SER, tlv(0x18, "3230323331313134323231333230 2e305a"))),
	        NULL),
	    PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    raw(tlv(0x30, cat(SER, tlv(0x17, "32333131313432323133 5a"))),
	        NULL),
	    PX_ERR_BAD_FORMAT);
	/* After the time, only extensions. */
	assert_int_equal(
	    raw(tlv(0x30, cat(cat(SER, T_), "0500")), NULL), PX_ERR_BAD_FORMAT);
	/* Extensions: an empty list, critical as FALSE, a bad OID. */
	assert_int_equal(
	    raw(tlv(0x30, cat(cat(SER, T_), "3000")), NULL), PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    raw(entry_x(tlv(0x30, "0603551d15 010100 0403 0a0101"), NULL),
	        NULL),
	    PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    raw(entry_x(tlv(0x30, "0603551d95 0403 0a0101"), NULL), NULL),
	    PX_ERR_BAD_FORMAT);
	/* reasonCode: well-formed, twice, not an ENUMERATED, trailing. */
	assert_int_equal(
	    raw(entry_x(tlv(0x30, "0603551d15 0403 0a0101"), NULL), &why), 0);
	assert_null(why);
	assert_int_equal(raw(entry_x(tlv(0x30, "0603551d15 0403 0a0101"),
	                         tlv(0x30, "0603551d15 0403 0a0101")),
	                     NULL),
	    PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    raw(entry_x(tlv(0x30, "0603551d15 0403 020101"), NULL), NULL),
	    PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    raw(entry_x(tlv(0x30, "0603551d15 0404 0a010100"), NULL), NULL),
	    PX_ERR_BAD_FORMAT);
	/* A critical invalidityDate is known; an unknown critical extension
	 * makes the CRL unusable (and says so), a non-critical one is
	 * ignored. */
	assert_int_equal(raw(entry_x(tlv(0x30,
	                                 cat("0603551d18 0101ff",
	                                     tlv(0x04,
	                                         tlv(0x18,
	                                             "3230323331313134"
	                                             "3232313332305a")))),
	                         NULL),
	                     &why),
	    0);
	assert_null(why);
	assert_int_equal(
	    raw(entry_x(tlv(0x30, "06052a03040506 0101ff 0402 0500"), NULL),
	        &why),
	    0);
	assert_non_null(why);
	assert_string_equal(why, "unknown critical CRL entry extension");
	assert_int_equal(
	    raw(entry_x(tlv(0x30, "06052a03040506 0402 0500"), NULL), &why), 0);
	assert_null(why);
}

static void
test_serials(void **state)
{
	const char *why;
	struct opt o = base_opt();
	struct buf b;
	struct px_crl *c;
	unsigned char sha[32], *idx = NULL;
	size_t len;

	/* Negative serials: read, indexed and found as OpenSSL has them. */
	assert_int_equal(raw(cat(tlv(0x30, cat("0202ff7f", T_)),
	                         cat(tlv(0x30, cat("0201ff", T_)),
	                             tlv(0x30, cat("020180", T_)))),
	                     &why),
	    0);
	assert_null(why);
	/* Zero; 32 bytes (33 with the sign byte); 32 negative ones. */
	assert_int_equal(raw(tlv(0x30, cat("020100", T_)), &why), 0);
	assert_int_equal(
	    raw(tlv(0x30, cat(cat("022100", integer(32, 0xff) + 4), T_)), &why),
	    0);
	assert_null(why);
	assert_int_equal(raw(tlv(0x30, cat(integer(32, 0x91), T_)), &why), 0);
	/* The same serial twice: the CRL is not used, by either path. */
	assert_int_equal(raw(cat(good_entry(), good_entry()), &why), 0);
	assert_non_null(why);
	assert_string_equal(why, "CRL lists a serial number twice");
	/* A 33-byte serial: unsupported, at the index, by either path. */
	o.n = 1;
	o.raw = tlv(0x30, cat(integer(33, 0x01), T_));
	b = make_crl(&o);
	SHA256(b.p, b.n, sha);
	assert_int_equal(load(&b, &ec, &c), 0);
	assert_int_equal(px_crl_index_finish(c, ec.cert, sha, &idx, &len),
	    PX_ERR_UNSUPPORTED);
	assert_null(idx);
	px_crl_free(c);
	same_index(&b, &ec);
	free(b.p);
}

static void
test_structure(void **state)
{
	struct opt o;
	struct buf b;
	struct px_crl *c = NULL;

	/* Trailing bytes. */
	o = base_opt();
	o.trailing = 1;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), PX_ERR_BAD_FORMAT);
	free(b.p);
	/* Inner and outer signature algorithms differ. */
	o = base_opt();
	o.inner_nid = NID_ecdsa_with_SHA384;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), PX_ERR_BAD_FORMAT);
	free(b.p);
	/* Version: v1 (absent) without extensions is fine, with them not;
	 * an explicit v1 (0) and v3 (2) are not. */
	o = base_opt();
	o.version = -1;
	o.no_exts = 1;
	o.n = 0;
	o.revs = 2;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), 0);
	assert_null(c->unusable);
	px_crl_free(c);
	same_index(&b, &ec);
	free(b.p);
	o.no_exts = 0;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), PX_ERR_BAD_FORMAT);
	free(b.p);
	o = base_opt();
	o.version = -1;
	o.no_exts = 1; /* but entries with reasonCode extensions */
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), PX_ERR_BAD_FORMAT);
	free(b.p);
	o = base_opt();
	o.version = 0;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), PX_ERR_BAD_FORMAT);
	free(b.p);
	o.version = 2;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), PX_ERR_BAD_FORMAT);
	free(b.p);
	/* The signature's unused bits. */
	o = base_opt();
	o.unused = 1;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), PX_ERR_BAD_FORMAT);
	free(b.p);
	/* An empty crlExtensions. */
	o = base_opt();
	o.no_exts = 1;
	o.empty_exts = 1;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), PX_ERR_BAD_FORMAT);
	free(b.p);
}

static void
test_signature(void **state)
{
	struct opt o = base_opt();
	struct buf b = make_crl(&o);
	struct px_crl *c;
	unsigned char *p;

	/* Signed by another CA's key: not verified; other name: untrusted. */
	assert_int_equal(px_crl_load(b.p, b.n, "t", &c), 0);
	assert_int_equal(px_crl_check_issuer(c, rsa.cert), PX_ERR_UNTRUSTED);
	assert_int_equal(px_crl_check_issuer(c, ec.cert), 0);
	px_crl_free(c);
	/* A flipped byte in the TBS (a digit of thisUpdate): read, but the
	 * signature fails. */
	p = memmem(b.p, b.n, "Z\x17\x0d", 3);
	assert_non_null(p);
	p[-2] ^= 0x01; /* a seconds digit: still a valid time */
	assert_int_equal(load(&b, &ec, &c), PX_ERR_BAD_SIGNATURE);
	px_crl_free(c);
	free(b.p);
	/* Each signer, each kind. */
	o.s = &rsa;
	b = make_crl(&o);
	assert_int_equal(load(&b, &rsa, &c), 0);
	px_crl_free(c);
	b.p[b.n - 1] ^= 1;
	assert_int_equal(load(&b, &rsa, &c), PX_ERR_BAD_SIGNATURE);
	px_crl_free(c);
	free(b.p);
	o.s = &ed;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ed, &c), 0);
	px_crl_free(c);
	b.p[b.n - 1] ^= 1;
	assert_int_equal(load(&b, &ed, &c), PX_ERR_BAD_SIGNATURE);
	px_crl_free(c);
	free(b.p);
}

static void
test_lists_and_times(void **state)
{
	struct opt o;
	struct buf b;
	struct px_crl *c;

	/* An empty revokedCertificates (SEQUENCE {}), and none. */
	o = base_opt();
	o.revs = 1;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), 0);
	assert_int_equal(c->entries, 0);
	px_crl_free(c);
	same_index(&b, &ec);
	free(b.p);
	o.revs = 2;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), 0);
	assert_int_equal(c->entries, 0);
	px_crl_free(c);
	same_index(&b, &ec);
	free(b.p);
	/* No nextUpdate. */
	o = base_opt();
	o.no_next = 1;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), 0);
	assert_int_equal(c->this_update, NOW - 3600);
	assert_int_equal(c->next_update, 0);
	px_crl_free(c);
	same_index(&b, &ec);
	free(b.p);
	/* GeneralizedTime throughout. */
	o = base_opt();
	o.gen = 1;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), 0);
	assert_int_equal(c->this_update, NOW - 3600);
	assert_int_equal(c->next_update, NOW + 86400);
	px_crl_free(c);
	same_index(&b, &ec);
	free(b.p);
}

static void
test_crl_extensions(void **state)
{
	struct opt o = base_opt();
	struct buf b;
	struct px_crl *c;
	const struct {
		const char *ext, *why;
	} cases[] = {
		/* an unknown critical CRL extension */
		{ "300d 06052a03040506 0101ff 0401 00",
		    "unknown critical CRL extension" },
		/* cRLNumber twice */
		{ "300a 0603551d14 0403 020165", "bad cRLNumber extension" },
		/* deltaCRLIndicator not an INTEGER */
		{ "300d 0603551d1b 0101ff 0403 040101",
		    "bad deltaCRLIndicator extension" },
		/* IDP: onlySomeReasons (keyCompromise: a partition, usable;
		 * only the unused bit: for no reason), indirectCRL,
		 * onlyContainsAttribute */
		{ "3010 0603551d1c 0101ff 0406 3004 8302 0640", NULL },
		{ "3010 0603551d1c 0101ff 0406 3004 8302 0780",
		    "CRL partitioned by reason, for no reason" },
		/* indirectCRL: usable (its entries may name their issuer) */
		{ "300f 0603551d1c 0101ff 0405 3003 8401ff", NULL },
		{ "300f 0603551d1c 0101ff 0405 3003 8501ff",
		    "CRL covers attribute certificates only" },
		{ "300c 0603551d1c 0101ff 0402 3000", NULL },
		/* freshestCRL, AKI: known */
		{ "3011 0603551d2e 040a 3008 3006 a004 a0028600", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o.ext = cases[i].ext;
		b = make_crl(&o);
		assert_int_equal(load(&b, &ec, &c), 0);
		if (cases[i].why == NULL)
			assert_null(c->unusable);
		else {
			assert_non_null(c->unusable);
			assert_string_equal(c->unusable, cases[i].why);
		}
		px_crl_free(c);
		same_index(&b, &ec);
		free(b.p);
	}
	/* certificateIssuer (an indirect CRL's entry extension): one
	 * directoryName names the entry's issuer; two are refused (which
	 * would the entry be of?). */
	o.ext = "300f 0603551d1c 0101ff 0405 3003 8401ff";
	o.raw = "3032 020105 170d3235303130313030303030305a"
	        " 301e 301c 0603551d1d 0101ff 0412 3010 a40e 300c 310a"
	        " 3008 0603550403 0c0141";
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), 0);
	assert_null(c->unusable);
	assert_int_equal(c->n_cissuers, 1);
	px_crl_free(c);
	free(b.p);
	o.raw = "3042 020105 170d3235303130313030303030305a"
	        " 302e 302c 0603551d1d 0101ff 0422 3020"
	        " a40e 300c 310a 3008 0603550403 0c0141"
	        " a40e 300c 310a 3008 0603550403 0c0142";
	b = make_crl(&o);
	assert_int_not_equal(px_crl_load(b.p, b.n, "t", &c), 0);
	free(b.p);
	o.raw = NULL;
	/* A delta without cRLNumber. */
	o.ext = "300d 0603551d1b 0101ff 0403 020105";
	o.no_number = 1;
	b = make_crl(&o);
	assert_int_equal(load(&b, &ec, &c), 0);
	assert_non_null(c->unusable);
	assert_string_equal(c->unusable, "delta CRL without a cRLNumber");
	px_crl_free(c);
	same_index(&b, &ec);
	free(b.p);
}

/* PEM: the first CRL of the text; RSA-PSS: OpenSSL's full decode. */
static void
test_pem_and_fallback(void **state)
{
	struct opt o = base_opt();
	struct buf b = make_crl(&o), b2, pem = { 0 };
	struct px_crl *c;
	X509_CRL *x;
	const unsigned char *p;
	BIO *bio = BIO_new(BIO_s_mem());
	char *text;
	long n;
	EVP_MD_CTX *ctx;
	EVP_PKEY_CTX *pctx;

	o.n = 7;
	b2 = make_crl(&o);
	PEM_write_bio(bio, "X509 CRL", "", b.p, (long)b.n);
	PEM_write_bio(bio, "X509 CRL", "", b2.p, (long)b2.n);
	n = BIO_get_mem_data(bio, &text);
	add(&pem, "junk\n", 5);
	add(&pem, text, (size_t)n);
	assert_int_equal(load(&pem, &ec, &c), 0);
	assert_non_null(c->ixb);
	assert_int_equal(c->entries, 5);
	px_crl_free(c);
	free(pem.p);
	BIO_free(bio);
	/* Re-signed with RSA-PSS: parsed by OpenSSL, verified the same. */
	p = b.p;
	x = d2i_X509_CRL(NULL, &p, (long)b.n);
	assert_non_null(x);
	X509_CRL_set_issuer_name(x, X509_get_subject_name(rsa.cert));
	ctx = EVP_MD_CTX_new();
	assert_int_equal(
	    EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, rsa.key), 1);
	EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
	assert_true(X509_CRL_sign_ctx(x, ctx) > 0);
	EVP_MD_CTX_free(ctx);
	free(b2.p);
	b2.p = NULL;
	b2.n = 0;
	{
		unsigned char *der = NULL;
		int len = i2d_X509_CRL(x, &der);

		add(&b2, der, (size_t)len);
		OPENSSL_free(der);
	}
	assert_int_equal(load(&b2, &rsa, &c), 0);
	assert_null(c->ixb);
	assert_non_null(c->crl);
	px_crl_free(c);
	X509_CRL_free(x);
	free(b.p);
	free(b2.p);
}

/* An index of the old format is refused: the cache rebuilds it. */
static void
test_old_index(void **state)
{
	struct opt o = base_opt();
	struct buf b = make_crl(&o);
	struct px_blob blob = { NULL, -1, 0 };
	struct px_crl *c;
	unsigned char sha[32];

	SHA256(b.p, b.n, sha);
	assert_int_equal(load(&b, &ec, &c), 0);
	assert_int_equal(
	    px_crl_index_finish(c, ec.cert, sha, &blob.mem, &blob.len), 0);
	px_crl_free(c);
	assert_memory_equal(blob.mem, "PXCRLIX3", 8);
	assert_int_equal(px_crl_from_index(&blob, sha, "idx", &c), 0);
	px_crl_free(c);
	memcpy(blob.mem, "PXCRLIX2", 8);
	assert_int_equal(
	    px_crl_from_index(&blob, sha, "idx", &c), PX_ERR_BAD_FORMAT);
	free(blob.mem);
	free(b.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_serials),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_lists_and_times),
		cmocka_unit_test(test_crl_extensions),
		cmocka_unit_test(test_pem_and_fallback),
		cmocka_unit_test(test_old_index),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
