/*
 * The compiled trust store's file format: written by px_trust_build(), read
 * back by px_trust_parse() as strictly (every bound, every reserved byte,
 * the order of the records and of the certificates, a SHA-256 of it all).
 *
 * Layout (integers little-endian; this file never leaves the machine):
 *   0  magic "PXTRUST2"          8  u32 header length (multiple of 8)
 *  12  u32 record count N        16  u64 file length
 *  24  32 SHA-256 of bytes 56 to the end of the records
 *  56  u32 directory count (2)   60  u32 zero
 *  64  i64 compiled at
 *  72  per directory: u32 path length L, u32 file count, 32 listing digest,
 *      path[L], zero padding to 8
 * then N records of 88 bytes, sorted by name hash (stable):
 *   u32 subject-name hash, u8 kind (1 root, 2 intermediate), u8 SKID length,
 *   u16 zero, SKID[32] (zero padded), u64 DER offset, u32 DER length,
 *   u32 zero, 32 SHA-256 of the DER
 * then the certificates' DER, in record order, back to back to the end.
 * A process checks the header's checksum (header and records: a few KB for
 * a thousand anchors) when it opens the file, and a certificate's own
 * SHA-256 when it parses it: it hashes only what it uses.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/sha.h>

#include "pkix_int.h"
#include "trust.h"

#define MAGIC "PXTRUST2"
#define FIXED 72
#define DIRFIXED 40
#define REC 88
#define SUMFROM 56
#define KIND_ROOT 1
#define KIND_INT 2

struct px_trust_rec {
	uint32_t hash;
	unsigned char kind;
	unsigned char skid_len;
	unsigned char skid[PX_TRUST_SKID_MAX];
	size_t off, len;
	unsigned char md[32]; /* SHA-256 of the DER */
};

struct px_trust {
	unsigned char *buf;
	size_t len;
	time_t made;
	struct px_trust_dir dirs[PX_TRUST_NDIRS];
	char *paths[PX_TRUST_NDIRS]; /* dirs[i].path points here */
	struct px_trust_rec *recs;
	size_t n, nroots;
};

static void
trustfile_put32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void
trustfile_put64(unsigned char *p, uint64_t v)
{
	trustfile_put32(p, (uint32_t)v);
	trustfile_put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
trustfile_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
trustfile_get64(const unsigned char *p)
{
	return (uint64_t)trustfile_get32(p) |
	    (uint64_t)trustfile_get32(p + 4) << 32;
}

static size_t
trustfile_pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

uint32_t
px_trust_name_hash(const X509_NAME *name)
{
	int ok = 0;
	unsigned long h = X509_NAME_hash_ex(name, NULL, NULL, &ok);

	ERR_clear_error();
	/* An unhashable name gets key 0: still found, by a full compare. */
	return ok ? (uint32_t)h : 0;
}

struct trustfile_item {
	uint32_t hash;
	size_t seq; /* input order: roots, then intermediates */
	X509 *x;
	int root;
};

static int
trustfile_cmp_item(const void *a, const void *b)
{
	const struct trustfile_item *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
px_trust_build(STACK_OF(X509) *roots, STACK_OF(X509) *intermediates,
    const struct px_trust_dir dirs[PX_TRUST_NDIRS], time_t now,
    unsigned char **out, size_t *outlen)
{
	struct trustfile_item *items = NULL;
	unsigned char *buf = NULL, *p, *der = NULL;
	const ASN1_OCTET_STRING *skid;
	size_t nr = (size_t)sk_X509_num(roots), ni, n, i, hdr, total, off, l;
	int len, r;

	*out = NULL;
	*outlen = 0;
	ni = (size_t)sk_X509_num(intermediates);
	n = nr + ni;
	if (n > PX_TRUST_MAX_CERTS)
		return PX_ERR_TOO_BIG;
	if ((items = calloc(n > 0 ? n : 1, sizeof(*items))) == NULL)
		return PX_ERR_NOMEM;
	hdr = FIXED;
	for (i = 0; i < PX_TRUST_NDIRS; i++) {
		l = dirs[i].path != NULL ? strlen(dirs[i].path) : 0;
		if (l > PX_TRUST_MAX_PATH) {
			r = PX_ERR_TOO_BIG;
			goto out;
		}
		hdr += trustfile_pad8(DIRFIXED + l);
	}
	total = hdr + n * REC;
	for (i = 0; i < n; i++) {
		items[i].x = i < nr
		    ? sk_X509_value(roots, (int)i)
		    : sk_X509_value(intermediates, (int)(i - nr));
		items[i].root = i < nr;
		items[i].seq = i;
		items[i].hash =
		    px_trust_name_hash(X509_get_subject_name(items[i].x));
		if ((len = i2d_X509(items[i].x, NULL)) <= 0) {
			r = PX_ERR_CRYPTO;
			goto out;
		}
		total += (size_t)len;
		if (total > PX_TRUST_MAX_BYTES) {
			r = PX_ERR_TOO_BIG;
			goto out;
		}
	}
	qsort(items, n, sizeof(*items), trustfile_cmp_item);
	if ((buf = calloc(1, total)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	memcpy(buf, MAGIC, 8);
	trustfile_put32(buf + 8, (uint32_t)hdr);
	trustfile_put32(buf + 12, (uint32_t)n);
	trustfile_put64(buf + 16, total);
	trustfile_put32(buf + 56, PX_TRUST_NDIRS);
	trustfile_put64(buf + 64, (uint64_t)now);
	p = buf + FIXED;
	for (i = 0; i < PX_TRUST_NDIRS; i++) {
		l = dirs[i].path != NULL ? strlen(dirs[i].path) : 0;
		trustfile_put32(p, (uint32_t)l);
		trustfile_put32(p + 4, dirs[i].nfiles);
		memcpy(p + 8, dirs[i].md, 32);
		if (l > 0)
			memcpy(p + DIRFIXED, dirs[i].path, l);
		p += trustfile_pad8(DIRFIXED + l);
	}
	off = hdr + n * REC;
	for (i = 0; i < n; i++) {
		p = buf + hdr + i * REC;
		trustfile_put32(p, items[i].hash);
		p[4] = items[i].root ? KIND_ROOT : KIND_INT;
		skid = X509_get0_subject_key_id(items[i].x);
		if (skid != NULL && ASN1_STRING_length(skid) > 0 &&
		    ASN1_STRING_length(skid) <= PX_TRUST_SKID_MAX) {
			p[5] = (unsigned char)ASN1_STRING_length(skid);
			memcpy(p + 8, ASN1_STRING_get0_data(skid), p[5]);
		}
		der = buf + off;
		if ((len = i2d_X509(items[i].x, &der)) <= 0 ||
		    off + (size_t)len > total) {
			r = PX_ERR_CRYPTO;
			goto out;
		}
		trustfile_put64(p + 40, off);
		trustfile_put32(p + 48, (uint32_t)len);
		SHA256(buf + off, (size_t)len, p + 56);
		off += (size_t)len;
	}
	if (off != total) {
		r = PX_ERR_INTERNAL;
		goto out;
	}
	SHA256(buf + SUMFROM, hdr + n * REC - SUMFROM, buf + 24);
	*out = buf;
	*outlen = total;
	buf = NULL;
	r = 0;
out:
	free(buf);
	free(items);
	ERR_clear_error();
	return r;
}

void
px_trust_free(struct px_trust *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < PX_TRUST_NDIRS; i++)
		free(t->paths[i]);
	free(t->recs);
	free(t->buf);
	free(t);
}

static int
trustfile_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* The directory part of the header; sets *pos past it. */
static int
trustfile_parse_dirs(
    struct px_trust *t, size_t hdr, size_t *pos, const char **why)
{
	const unsigned char *p;
	size_t i, l, at = FIXED, step;

	for (i = 0; i < PX_TRUST_NDIRS; i++) {
		if (hdr - at < DIRFIXED) {
			*why = "directory list past the header";
			return PX_ERR_BAD_FORMAT;
		}
		p = t->buf + at;
		l = trustfile_get32(p);
		if (l > PX_TRUST_MAX_PATH ||
		    (step = trustfile_pad8(DIRFIXED + l)) > hdr - at) {
			*why = "directory name past the header";
			return PX_ERR_BAD_FORMAT;
		}
		if (memchr(p + DIRFIXED, '\0', l) != NULL ||
		    !trustfile_zero(p + DIRFIXED + l, step - DIRFIXED - l)) {
			*why = "bad directory name";
			return PX_ERR_BAD_FORMAT;
		}
		t->dirs[i].nfiles = trustfile_get32(p + 4);
		memcpy(t->dirs[i].md, p + 8, 32);
		if (l > 0) {
			if ((t->paths[i] = strndup(
			         (const char *)p + DIRFIXED, l)) == NULL)
				return PX_ERR_NOMEM;
			t->dirs[i].path = t->paths[i];
		}
		at += step;
	}
	*pos = at;
	return 0;
}

static int
trustfile_parse_recs(struct px_trust *t, size_t hdr, const char **why)
{
	const unsigned char *p;
	struct px_trust_rec *rc;
	size_t i, next = hdr + t->n * REC;

	for (i = 0; i < t->n; i++) {
		p = t->buf + hdr + i * REC;
		rc = &t->recs[i];
		rc->hash = trustfile_get32(p);
		rc->kind = p[4];
		rc->skid_len = p[5];
		memcpy(rc->skid, p + 8, PX_TRUST_SKID_MAX);
		rc->off = (size_t)trustfile_get64(p + 40);
		rc->len = trustfile_get32(p + 48);
		memcpy(rc->md, p + 56, 32);
		if ((rc->kind != KIND_ROOT && rc->kind != KIND_INT) ||
		    rc->skid_len > PX_TRUST_SKID_MAX ||
		    !trustfile_zero(p + 6, 2) ||
		    !trustfile_zero(p + 8 + rc->skid_len,
		        PX_TRUST_SKID_MAX - rc->skid_len) ||
		    !trustfile_zero(p + 52, 4)) {
			*why = "bad record";
			return PX_ERR_BAD_FORMAT;
		}
		if (i > 0 && rc->hash < t->recs[i - 1].hash) {
			*why = "records out of order";
			return PX_ERR_BAD_FORMAT;
		}
		/* Back to back: no byte of the file is unaccounted for. */
		if (rc->off != next || rc->len == 0 ||
		    rc->len > PX_CERT_FILE_MAX || rc->len > t->len - next) {
			*why = "certificate out of bounds";
			return PX_ERR_BAD_FORMAT;
		}
		next += rc->len;
		if (rc->kind == KIND_ROOT)
			t->nroots++;
	}
	if (next != t->len) {
		*why = "bytes after the last certificate";
		return PX_ERR_BAD_FORMAT;
	}
	return 0;
}

int
px_trust_parse(
    unsigned char *buf, size_t len, struct px_trust **out, const char **why)
{
	struct px_trust *t = NULL;
	unsigned char md[32];
	size_t hdr, pos;
	int r = PX_ERR_BAD_FORMAT;

	*out = NULL;
	*why = "truncated";
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		free(buf);
		return PX_ERR_NOMEM;
	}
	t->buf = buf;
	t->len = len;
	if (len < FIXED || len > PX_TRUST_MAX_BYTES)
		goto out;
	if (memcmp(buf, MAGIC, 8) != 0) {
		*why = "not a compiled trust store";
		goto out;
	}
	hdr = trustfile_get32(buf + 8);
	t->n = trustfile_get32(buf + 12);
	if (trustfile_get64(buf + 16) != len) {
		*why = "length differs from the header's";
		goto out;
	}
	if (hdr < FIXED || hdr % 8 != 0 || hdr > len ||
	    trustfile_get32(buf + 56) != PX_TRUST_NDIRS ||
	    trustfile_get32(buf + 60) != 0 || t->n > PX_TRUST_MAX_CERTS ||
	    t->n > (len - hdr) / REC) {
		*why = "bad header";
		goto out;
	}
	/* The certificates are checked one by one, as they are parsed. */
	SHA256(buf + SUMFROM, hdr + t->n * REC - SUMFROM, md);
	if (memcmp(md, buf + 24, 32) != 0) {
		*why = "checksum mismatch";
		goto out;
	}
	t->made = (time_t)trustfile_get64(buf + 64);
	if ((r = trustfile_parse_dirs(t, hdr, &pos, why)) != 0)
		goto out;
	r = PX_ERR_BAD_FORMAT;
	if (pos != hdr) {
		*why = "header length differs from its contents";
		goto out;
	}
	if ((t->recs = calloc(t->n > 0 ? t->n : 1, sizeof(*t->recs))) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	if ((r = trustfile_parse_recs(t, hdr, why)) != 0)
		goto out;
	*out = t;
	t = NULL;
	*why = NULL;
	r = 0;
out:
	px_trust_free(t);
	return r;
}

int
px_trust_matches(const struct px_trust *t,
    const struct px_trust_dir dirs[PX_TRUST_NDIRS], const char **why)
{
	static const char *const changed[PX_TRUST_NDIRS] = { "ca_dir changed",
		"intermediate_dir changed" };
	static const char *const moved[PX_TRUST_NDIRS] = { "another ca_dir",
		"another intermediate_dir" };
	const char *a, *b;
	size_t i;

	for (i = 0; i < PX_TRUST_NDIRS; i++) {
		a = t->dirs[i].path != NULL ? t->dirs[i].path : "";
		b = dirs[i].path != NULL ? dirs[i].path : "";
		if (strcmp(a, b) != 0) {
			*why = moved[i];
			return 0;
		}
		if (t->dirs[i].nfiles != dirs[i].nfiles ||
		    memcmp(t->dirs[i].md, dirs[i].md, 32) != 0) {
			*why = changed[i];
			return 0;
		}
	}
	*why = NULL;
	return 1;
}

const unsigned char *
px_trust_digest(const struct px_trust *t)
{
	return t->buf + 24;
}

size_t
px_trust_count(const struct px_trust *t, size_t *roots, time_t *made)
{
	if (roots != NULL)
		*roots = t->nroots;
	if (made != NULL)
		*made = t->made;
	return t->n;
}

void
px_trust_find(const struct px_trust *t, uint32_t hash, size_t *lo, size_t *hi)
{
	size_t a = 0, b = t->n, mid;

	while (a < b) {
		mid = a + (b - a) / 2;
		if (t->recs[mid].hash < hash)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	while (a < t->n && t->recs[a].hash == hash)
		a++;
	*hi = a;
}

int
px_trust_akid_fits(
    const struct px_trust *t, size_t i, const ASN1_OCTET_STRING *akid)
{
	const struct px_trust_rec *rc = &t->recs[i];

	/* X509_check_issued() refuses the same mismatch: no candidate of the
	 * directories is lost. */
	if (akid == NULL || rc->skid_len == 0)
		return 1;
	return (size_t)ASN1_STRING_length(akid) == rc->skid_len &&
	    memcmp(ASN1_STRING_get0_data(akid), rc->skid, rc->skid_len) == 0;
}

int
px_trust_cert(const struct px_trust *t, size_t i, X509 **xp, int *root)
{
	const struct px_trust_rec *rc = &t->recs[i];
	const unsigned char *p = t->buf + rc->off;
	unsigned char md[32];
	X509 *x;

	*xp = NULL;
	*root = rc->kind == KIND_ROOT;
	SHA256(p, rc->len, md);
	if (memcmp(md, rc->md, sizeof(md)) != 0)
		return PX_ERR_BAD_FORMAT;
	x = d2i_X509(NULL, &p, (long)rc->len);
	/* The record must describe its certificate: a root that is not even
	 * self-issued, or a wrong name hash, is a damaged file. */
	if (x == NULL || p != t->buf + rc->off + rc->len ||
	    px_trust_name_hash(X509_get_subject_name(x)) != rc->hash ||
	    (*root && X509_self_signed(x, 0) != 1)) {
		X509_free(x);
		ERR_clear_error();
		return PX_ERR_BAD_FORMAT;
	}
	*xp = x;
	return 0;
}
