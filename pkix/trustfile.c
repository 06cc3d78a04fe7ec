/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The compiled trust store's file format: written by px_trust_build(), read
 * back by px_trust_parse() as strictly (every bound, every reserved byte,
 * the order of the records and of the certificates, a SHA-256 of it all).
 *
 * Layout (integers little-endian; this file never leaves the machine):
 *   0  magic "PXTRUST2"          8  u32 header length (multiple of 8)
 *  12  u32 record count N        16  u64 file length
 *  24  32 SHA-256 of bytes 56 to the first certificate
 *  56  u32 directory count (2)   60  u32 file count F
 *  64  i64 compiled at
 *  72  per directory: u32 path length L, u32 file count, 32 listing digest,
 *      32 digest of the directory alone, path[L], zero padding to 8
 * then N records of 88 bytes, sorted by name hash (stable):
 *   u32 subject-name hash, u8 kind (1 root, 2 intermediate), u8 SKID length,
 *   u16 zero, SKID[32] (zero padded), u64 DER offset, u32 DER length,
 *   u32 file index (< F), 32 SHA-256 of the DER
 * then F files of 48 bytes: u8 directory (0 ca_dir, 1 intermediate_dir),
 *   three zero bytes, u32 name offset (in the names), u32 name length,
 *   u32 zero, 32 digest of the file's entry as a listing has it
 * then the names, back to back, zero padding to 8,
 * then the certificates' DER, in record order, back to back to the end.
 * A process checks the header's checksum (a few hundred KB for a thousand
 * anchors) and its directories alone when it opens the file, and a
 * certificate's SHA-256 and its file's entry when it parses it: it hashes
 * and stat()s only what it uses.
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
#define DIRFIXED 72
#define FILEREC 48
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
	uint32_t file;
	unsigned char md[32]; /* SHA-256 of the DER */
};

struct px_trust_frec {
	int dir;
	char *name;
	unsigned char md[32];
	int state; /* 0 not checked yet, 1 unchanged, 2 changed */
};

struct px_trust {
	unsigned char *buf;
	size_t len;
	time_t made;
	struct px_trust_dir dirs[PX_TRUST_NDIRS];
	char *paths[PX_TRUST_NDIRS]; /* dirs[i].path points here */
	struct px_trust_rec *recs;
	size_t n, nroots;
	struct px_trust_frec *files;
	size_t nfiles;
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
	uint32_t file;
};

static int
trustfile_cmp_item(const void *a, const void *b)
{
	const struct trustfile_item *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The listed file of an origin: its index in dirs[o->dir].files. */
static const struct px_trust_file *
trustfile_listed(
    const struct px_trust_dir dirs[PX_TRUST_NDIRS], const struct px_origin *o)
{
	const struct px_trust_dir *d;
	size_t lo = 0, hi, mid;
	int c;

	if (o->dir < 0 || o->dir >= PX_TRUST_NDIRS)
		return NULL;
	d = &dirs[o->dir];
	hi = d->nkept;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(d->files[mid].name, o->name)) == 0)
			return &d->files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
px_trust_build(STACK_OF(X509) *roots, STACK_OF(X509) *intermediates,
    const struct px_trust_dir dirs[PX_TRUST_NDIRS],
    const struct px_origin *origins, size_t norigins, time_t now,
    unsigned char **out, size_t *outlen)
{
	struct trustfile_item *items = NULL;
	unsigned char *buf = NULL, *p, *der = NULL;
	const ASN1_OCTET_STRING *skid;
	const struct px_trust_file *lf;
	uint32_t *ofile = NULL;
	size_t nr = (size_t)sk_X509_num(roots), ni, n, i, j, hdr, total, off, l,
	       nf = 0, names = 0, fstart, nstart, dstart;
	int len, r;

	*out = NULL;
	*outlen = 0;
	ni = (size_t)sk_X509_num(intermediates);
	n = nr + ni;
	if (n > PX_TRUST_MAX_CERTS || norigins > PX_TRUST_MAX_CERTS)
		return PX_ERR_TOO_BIG;
	if ((items = calloc(n > 0 ? n : 1, sizeof(*items))) == NULL ||
	    (ofile = calloc(norigins > 0 ? norigins : 1, sizeof(*ofile))) ==
	        NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	hdr = FIXED;
	for (i = 0; i < PX_TRUST_NDIRS; i++) {
		l = dirs[i].path != NULL ? strlen(dirs[i].path) : 0;
		if (l > PX_TRUST_MAX_PATH) {
			r = PX_ERR_TOO_BIG;
			goto out;
		}
		hdr += trustfile_pad8(DIRFIXED + l);
	}
	/* One file entry per run of origins of the same file (a file's
	 * certificates are read together). */
	for (i = 0; i < norigins; i++) {
		if (i > 0 && origins[i].dir == origins[i - 1].dir &&
		    strcmp(origins[i].name, origins[i - 1].name) == 0) {
			ofile[i] = ofile[i - 1];
			continue;
		}
		if (trustfile_listed(dirs, &origins[i]) == NULL) {
			r = PX_ERR_NOT_FOUND; /* read, but not listed */
			goto out;
		}
		ofile[i] = (uint32_t)nf++;
		names += strlen(origins[i].name);
	}
	fstart = hdr + n * REC;
	nstart = fstart + nf * FILEREC;
	dstart = nstart + trustfile_pad8(names);
	total = dstart;
	for (i = 0; i < n; i++) {
		items[i].x = i < nr
		    ? sk_X509_value(roots, (int)i)
		    : sk_X509_value(intermediates, (int)(i - nr));
		items[i].root = i < nr;
		items[i].seq = i;
		items[i].hash =
		    px_trust_name_hash(X509_get_subject_name(items[i].x));
		for (j = 0; j < norigins && origins[j].x != items[i].x; j++)
			;
		if (j == norigins) {
			r = PX_ERR_NOT_FOUND; /* a certificate of no file */
			goto out;
		}
		items[i].file = ofile[j];
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
	trustfile_put32(buf + 60, (uint32_t)nf);
	trustfile_put64(buf + 64, (uint64_t)now);
	p = buf + FIXED;
	for (i = 0; i < PX_TRUST_NDIRS; i++) {
		l = dirs[i].path != NULL ? strlen(dirs[i].path) : 0;
		trustfile_put32(p, (uint32_t)l);
		trustfile_put32(p + 4, dirs[i].nfiles);
		memcpy(p + 8, dirs[i].md, 32);
		memcpy(p + 40, dirs[i].dmd, 32);
		if (l > 0)
			memcpy(p + DIRFIXED, dirs[i].path, l);
		p += trustfile_pad8(DIRFIXED + l);
	}
	for (i = 0, names = 0; i < norigins; i++) {
		if (i > 0 && ofile[i] == ofile[i - 1])
			continue;
		lf = trustfile_listed(dirs, &origins[i]);
		l = strlen(origins[i].name);
		p = buf + fstart + (size_t)ofile[i] * FILEREC;
		p[0] = (unsigned char)origins[i].dir;
		trustfile_put32(p + 4, (uint32_t)names);
		trustfile_put32(p + 8, (uint32_t)l);
		memcpy(p + 16, lf->md, 32);
		memcpy(buf + nstart + names, origins[i].name, l);
		names += l;
	}
	off = dstart;
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
		trustfile_put32(p + 52, items[i].file);
		SHA256(buf + off, (size_t)len, p + 56);
		off += (size_t)len;
	}
	if (off != total) {
		r = PX_ERR_INTERNAL;
		goto out;
	}
	SHA256(buf + SUMFROM, dstart - SUMFROM, buf + 24);
	*out = buf;
	*outlen = total;
	buf = NULL;
	r = 0;
out:
	free(buf);
	free(items);
	free(ofile);
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
	for (i = 0; t->files != NULL && i < t->nfiles; i++)
		free(t->files[i].name);
	free(t->files);
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
		memcpy(t->dirs[i].dmd, p + 40, 32);
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

/* The file table and the names after the records; sets *dstart to the
 * first certificate. */
static int
trustfile_parse_files(
    struct px_trust *t, size_t hdr, size_t *dstart, const char **why)
{
	const unsigned char *p;
	size_t i, fstart = hdr + t->n * REC, nstart, names = 0, off, l;

	*why = "bad file table";
	if (t->nfiles > PX_TRUST_MAX_CERTS ||
	    t->nfiles > (t->len - fstart) / FILEREC)
		return PX_ERR_BAD_FORMAT;
	nstart = fstart + t->nfiles * FILEREC;
	if ((t->files = calloc(
	         t->nfiles > 0 ? t->nfiles : 1, sizeof(*t->files))) == NULL)
		return PX_ERR_NOMEM;
	for (i = 0; i < t->nfiles; i++) {
		p = t->buf + fstart + i * FILEREC;
		off = trustfile_get32(p + 4);
		l = trustfile_get32(p + 8);
		/* Back to back, in order, within the file, a name each. */
		if (p[0] >= PX_TRUST_NDIRS || !trustfile_zero(p + 1, 3) ||
		    !trustfile_zero(p + 12, 4) || off != names || l == 0 ||
		    l > 255 || l > t->len - nstart - names)
			return PX_ERR_BAD_FORMAT;
		if (memchr(t->buf + nstart + off, '\0', l) != NULL ||
		    memchr(t->buf + nstart + off, '/', l) != NULL)
			return PX_ERR_BAD_FORMAT;
		t->files[i].dir = p[0];
		memcpy(t->files[i].md, p + 16, 32);
		if ((t->files[i].name = strndup(
		         (const char *)t->buf + nstart + off, l)) == NULL)
			return PX_ERR_NOMEM;
		names += l;
	}
	if (trustfile_pad8(names) > t->len - nstart ||
	    !trustfile_zero(
	        t->buf + nstart + names, trustfile_pad8(names) - names))
		return PX_ERR_BAD_FORMAT;
	*dstart = nstart + trustfile_pad8(names);
	*why = NULL;
	return 0;
}

static int
trustfile_parse_recs(
    struct px_trust *t, size_t hdr, size_t dstart, const char **why)
{
	const unsigned char *p;
	struct px_trust_rec *rc;
	size_t i, next = dstart;

	for (i = 0; i < t->n; i++) {
		p = t->buf + hdr + i * REC;
		rc = &t->recs[i];
		rc->hash = trustfile_get32(p);
		rc->kind = p[4];
		rc->skid_len = p[5];
		memcpy(rc->skid, p + 8, PX_TRUST_SKID_MAX);
		rc->off = (size_t)trustfile_get64(p + 40);
		rc->len = trustfile_get32(p + 48);
		rc->file = trustfile_get32(p + 52);
		memcpy(rc->md, p + 56, 32);
		if ((rc->kind != KIND_ROOT && rc->kind != KIND_INT) ||
		    rc->skid_len > PX_TRUST_SKID_MAX ||
		    !trustfile_zero(p + 6, 2) ||
		    !trustfile_zero(p + 8 + rc->skid_len,
		        PX_TRUST_SKID_MAX - rc->skid_len) ||
		    rc->file >= t->nfiles) {
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
	size_t hdr, pos, dstart;
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
	t->nfiles = trustfile_get32(buf + 60);
	if (hdr < FIXED || hdr % 8 != 0 || hdr > len ||
	    trustfile_get32(buf + 56) != PX_TRUST_NDIRS ||
	    t->n > PX_TRUST_MAX_CERTS || t->n > (len - hdr) / REC) {
		*why = "bad header";
		t->nfiles = 0;
		goto out;
	}
	if ((r = trustfile_parse_files(t, hdr, &dstart, why)) != 0)
		goto out;
	r = PX_ERR_BAD_FORMAT;
	/* The certificates are checked one by one, as they are parsed. */
	SHA256(buf + SUMFROM, dstart - SUMFROM, md);
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
	if ((r = trustfile_parse_recs(t, hdr, dstart, why)) != 0)
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

int
px_trust_quick_match(const struct px_trust *t,
    const char *const paths[PX_TRUST_NDIRS], const char **why)
{
	static const char *const changed[PX_TRUST_NDIRS] = { "ca_dir changed",
		"intermediate_dir changed" };
	static const char *const moved[PX_TRUST_NDIRS] = { "another ca_dir",
		"another intermediate_dir" };
	unsigned char md[32];
	const char *a, *b;
	size_t i;

	for (i = 0; i < PX_TRUST_NDIRS; i++) {
		a = t->dirs[i].path != NULL ? t->dirs[i].path : "";
		b = paths[i] != NULL ? paths[i] : "";
		if (strcmp(a, b) != 0) {
			*why = moved[i];
			return 0;
		}
		if (px_trust_dir_id(paths[i], md) != 0 ||
		    memcmp(md, t->dirs[i].dmd, 32) != 0) {
			*why = changed[i];
			return 0;
		}
	}
	*why = NULL;
	return 1;
}

int
px_trust_cert_fresh(struct px_trust *t, size_t i, const char **file)
{
	struct px_trust_frec *f = &t->files[t->recs[i].file];
	unsigned char md[32];

	*file = f->name;
	if (f->state == 0)
		f->state =
		    px_trust_file_id(t->dirs[f->dir].path, f->name, md) == 0 &&
		        memcmp(md, f->md, 32) == 0
		    ? 1
		    : 2;
	return f->state == 1;
}

int
px_trust_rec_dir(const struct px_trust *t, size_t i)
{
	return t->files[t->recs[i].file].dir;
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
