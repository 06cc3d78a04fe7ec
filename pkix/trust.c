/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * When the compiled trust store is used, and when it is rebuilt.
 *
 * Each process lists ca_dir and intermediate_dir (names, sizes, times,
 * inode numbers: a few stat() calls, no file read) and compares the
 * listings with those the compiled file was made from.  Equal: the file is
 * used and only the certificates on a path are parsed.  Different, missing
 * or damaged: root reads the directories, as without a compiled store, and
 * writes a new one (temp file, fsync, rename); anyone else only reads the
 * directories.  A stale compiled store is never used.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "../common/log.h"
#include "../common/util.h"
#include "store.h"
#include "trust.h"

static void
trust_put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

#define TRUST_STAT_LEN 56

static int64_t
trust_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* A digest fed in large blocks: a listing is thousands of small fields,
 * and each EVP_DigestUpdate() call costs more than its bytes. */
struct trust_hb {
	EVP_MD_CTX *md;
	size_t n;
	unsigned char b[8192];
};

static int
trust_hb_flush(struct trust_hb *h)
{
	int ok = h->n == 0 || EVP_DigestUpdate(h->md, h->b, h->n) == 1;

	h->n = 0;
	return ok ? 0 : PX_ERR_CRYPTO;
}

static int
trust_hb_update(struct trust_hb *h, const void *p, size_t len)
{
	if (len > sizeof(h->b) - h->n && trust_hb_flush(h) != 0)
		return PX_ERR_CRYPTO;
	if (len > sizeof(h->b))
		return EVP_DigestUpdate(h->md, p, len) == 1 ? 0 : PX_ERR_CRYPTO;
	memcpy(h->b + h->n, p, len);
	h->n += len;
	return 0;
}

/* What identifies one file's version; notes a too recent change. */
static void
trust_stat_bytes(const struct stat *s, int64_t now, struct px_trust_dir *d,
    unsigned char b[TRUST_STAT_LEN])
{
	trust_put64(b, (uint64_t)s->st_dev);
	trust_put64(b + 8, (uint64_t)s->st_ino);
	trust_put64(b + 16, (uint64_t)s->st_mode);
	trust_put64(b + 24, (uint64_t)s->st_size);
	trust_put64(b + 32, (uint64_t)trust_ns(&s->st_mtim));
	trust_put64(b + 40, (uint64_t)trust_ns(&s->st_ctim));
	trust_put64(b + 48, (uint64_t)s->st_uid);
	/* Two writes in one clock tick leave the same times: such a listing
	 * could describe a file the compiler read before the second write. */
	if (d != NULL &&
	    (now - trust_ns(&s->st_ctim) < PX_TRUST_RACY_NS ||
	        now - trust_ns(&s->st_mtim) < PX_TRUST_RACY_NS))
		d->racy = 1;
}

/*
 * The bytes that describe one entry of a directory: its name, its lstat(),
 * and for a link what it points to (a link to a file that was replaced is a
 * change too).  The entry is at where (relative to dfd), named name
 * (at most NAME_MAX bytes).  Returns the length written to e.
 */
static size_t
trust_entry_bytes(int dfd, const char *where, const char *name, int64_t now,
    struct px_trust_dir *d, unsigned char *e)
{
	size_t n = strlen(name), at;
	struct stat s;

	trust_put64(e, n);
	memcpy(e + 8, name, n);
	at = 8 + n;
	if (fstatat(dfd, where, &s, AT_SYMLINK_NOFOLLOW) != 0) {
		e[at++] = 0xff;
		return at;
	}
	trust_stat_bytes(&s, now, d, e + at);
	at += TRUST_STAT_LEN;
	if (!S_ISLNK(s.st_mode))
		return at;
	e[at++] = 0x01;
	if (fstatat(dfd, where, &s, 0) != 0) {
		e[at++] = 0xff;
		return at;
	}
	trust_stat_bytes(&s, now, d, e + at);
	return at + TRUST_STAT_LEN;
}

static int
trust_cmp_names(const void *a, const void *b)
{
	const struct dirent *const *x = a, *const *y = b;

	return strcmp((*x)->d_name, (*y)->d_name);
}

static int64_t
trust_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return trust_ns(&ts);
}

/* The directory alone: lstat() and, for a link, stat() of its path. */
static int
trust_dir_digest(
    const char *dir, int64_t now, struct px_trust_dir *d, unsigned char md[32])
{
	unsigned char b[2 * TRUST_STAT_LEN + 1];
	struct stat s;
	size_t n = 0;

	if (dir == NULL || lstat(dir, &s) == -1) {
		b[n++] = 0xff;
	} else {
		trust_stat_bytes(&s, now, d, b);
		n = TRUST_STAT_LEN;
		if (stat(dir, &s) == 0) {
			trust_stat_bytes(&s, now, d, b + n);
			n += TRUST_STAT_LEN;
		}
	}
	SHA256(b, n, md);
	return 0;
}

void
px_trust_listing_clear(struct px_trust_dir *d)
{
	size_t i;

	for (i = 0; i < d->nkept; i++)
		free(d->files[i].name);
	free(d->files);
	d->files = NULL;
	d->nkept = 0;
}

static int
trust_list(const char *dir, struct px_trust_dir *d, int keep)
{
	unsigned char e[8 + NAME_MAX + 2 * TRUST_STAT_LEN + 4];
	struct dirent **names = NULL;
	struct trust_hb *md = NULL;
	struct stat s;
	unsigned char miss = 0xff;
	unsigned int mdlen = 0;
	int64_t now = trust_now();
	size_t el;
	int i, n = 0, dfd = -1, r = PX_ERR_CRYPTO;

	memset(d, 0, sizeof(*d));
	d->path = dir;
	(void)trust_dir_digest(dir, now, d, d->dmd);
	if ((md = calloc(1, sizeof(*md))) == NULL ||
	    (md->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md->md, EVP_sha256(), NULL) != 1)
		goto out;
	if (dir == NULL || lstat(dir, &s) == -1) {
		/* Not there (or not configured): an empty listing, which a
		 * directory created later will not match. */
		n = 0;
		if (trust_hb_update(md, &miss, 1) != 0)
			goto out;
		goto done;
	}
	trust_stat_bytes(&s, now, d, e);
	if ((r = trust_hb_update(md, e, TRUST_STAT_LEN)) != 0)
		goto out;
	/* A ca_dir that is a link: the directory it names counts too. */
	if (stat(dir, &s) == 0) {
		trust_stat_bytes(&s, now, d, e);
		if ((r = trust_hb_update(md, e, TRUST_STAT_LEN)) != 0)
			goto out;
	}
	r = PX_ERR_IO;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (n = scandir(dir, &names, NULL, NULL)) == -1) {
		n = 0;
		goto out;
	}
	/* In byte order: alphasort's strcoll() costs more than the stat()s
	 * of a thousand files, and the order must not depend on the locale. */
	qsort(names, (size_t)n, sizeof(*names), trust_cmp_names);
	r = PX_ERR_NOMEM;
	if (keep && n > 0 &&
	    (d->files = calloc((size_t)n, sizeof(*d->files))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] == '.')
			continue;
		d->nfiles++;
		/* Relative to the directory: one lookup per name. */
		el = trust_entry_bytes(
		    dfd, names[i]->d_name, names[i]->d_name, now, d, e);
		if ((r = trust_hb_update(md, e, el)) != 0)
			goto out;
		if (keep) {
			if ((d->files[d->nkept].name =
			            strdup(names[i]->d_name)) == NULL) {
				r = PX_ERR_NOMEM;
				goto out;
			}
			SHA256(e, el, d->files[d->nkept++].md);
		}
	}
done:
	r = trust_hb_flush(md) == 0 &&
	        EVP_DigestFinal_ex(md->md, d->md, &mdlen) == 1 && mdlen == 32
	    ? 0
	    : PX_ERR_CRYPTO;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (dfd != -1)
		close(dfd);
	if (md != NULL)
		EVP_MD_CTX_free(md->md);
	free(md);
	if (r != 0)
		px_trust_listing_clear(d);
	return r;
}

int
px_trust_listing(const char *dir, struct px_trust_dir *d)
{
	return trust_list(dir, d, 0);
}

int
px_trust_listing_files(const char *dir, struct px_trust_dir *d)
{
	return trust_list(dir, d, 1);
}

/* The digest one entry of dir had in a listing made now. */
int
px_trust_file_id(const char *dir, const char *name, unsigned char md[32])
{
	unsigned char e[8 + NAME_MAX + 2 * TRUST_STAT_LEN + 4];
	char path[PATH_MAX];
	size_t el;

	if (strlen(name) > NAME_MAX || strchr(name, '/') != NULL ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	        sizeof(path))
		return PX_ERR_BAD_FORMAT;
	/* The same bytes as the listing's. */
	el = trust_entry_bytes(AT_FDCWD, path, name, 0, NULL, e);
	SHA256(e, el, md);
	return 0;
}

/* The directory digests a process compares with a compiled file's. */
int
px_trust_dir_id(const char *dir, unsigned char md[32])
{
	return trust_dir_digest(dir, 0, NULL, md);
}

static void
trust_listings_clear(struct px_trust_dir d[2])
{
	px_trust_listing_clear(&d[0]);
	px_trust_listing_clear(&d[1]);
}

/* Both directories' listings; with files, each entry's digest too. */
static int
trust_listings(const struct px_config *cfg, struct px_trust_dir d[2], int files)
{
	int (*list)(const char *, struct px_trust_dir *) =
	    files ? px_trust_listing_files : px_trust_listing;
	int r;

	memset(d, 0, 2 * sizeof(*d));
	if ((r = list(cfg->ca_dir, &d[0])) != 0 ||
	    (r = list(cfg->intermediate_dir, &d[1])) != 0) {
		trust_listings_clear(d);
		return r;
	}
	return 0;
}

static int
trust_path(const struct px_config *cfg, char *path, size_t len)
{
	if (cfg->machine_dir == NULL ||
	    (size_t)snprintf(
	        path, len, "%s/%s", cfg->machine_dir, PX_TRUST_FILE) >= len)
		return PX_ERR_NOT_FOUND;
	return 0;
}

void
px_trust_discard(const struct px_config *cfg)
{
	char path[PATH_MAX];

	if (geteuid() == 0 && trust_path(cfg, path, sizeof(path)) == 0 &&
	    unlink(path) == 0)
		px_warn("%s: not usable; removed, to be compiled again", path);
}

/* The machine directory holds what every process trusts: root's alone. */
static int
trust_dir_ok(const char *dir)
{
	struct stat s;

	if (lstat(dir, &s) == -1)
		return PX_ERR_NOT_FOUND;
	if (!S_ISDIR(s.st_mode) || s.st_uid != 0 || (s.st_mode & 022) != 0)
		return PX_ERR_INSECURE;
	return 0;
}

/*
 * Reads and checks the compiled file.  Returns 0, PX_ERR_NOT_FOUND (none),
 * PX_ERR_INSECURE, PX_ERR_BAD_FORMAT (damaged: *why) or another PX_ERR_*.
 */
static int
trust_read(const struct px_config *cfg, const char *path, struct px_trust **tp,
    const char **why)
{
	struct stat s;
	char *buf = NULL;
	size_t len;
	int r;

	*tp = NULL;
	*why = NULL;
	if ((r = trust_dir_ok(cfg->machine_dir)) != 0)
		return r;
	if (lstat(path, &s) == -1)
		return errno == ENOENT ? PX_ERR_NOT_FOUND : PX_ERR_IO;
	if (!S_ISREG(s.st_mode) || s.st_uid != 0 || (s.st_mode & 022) != 0) {
		px_warn("%s: not a root-owned regular file that only root can "
		        "write; not used",
		    path);
		return PX_ERR_INSECURE;
	}
	if ((r = px_read_file(path, PX_TRUST_MAX_BYTES,
	         PX_READ_NOFOLLOW | PX_READ_TRUSTED, &buf, &len)) != 0)
		return r;
	return px_trust_parse((unsigned char *)buf, len, tp, why);
}

/* Written atomically, then the directory synced: the rename itself must
 * reach the disk before a later change is compared with it. */
static int
trust_write(
    const char *dir, const char *path, const unsigned char *buf, size_t len)
{
	int dfd, r;

	if ((r = px_write_atomic(dir, path, buf, len, 0644)) != 0)
		return r;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/*
 * Root, after reading the directories into st under the listings before:
 * compiles them, unless the directories changed meanwhile or too recently.
 * Returns 0 when written, else PX_ERR_* (nothing written; st still good).
 */
static int
trust_compile(const struct px_config *cfg, const char *path,
    const struct px_store *st, const struct px_trust_dir before[2])
{
	struct px_trust_dir after[2];
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	if (before[0].racy || before[1].racy) {
		px_debug("%s: the trust directories changed less than a second "
		         "ago; not compiled yet",
		    path);
		return PX_ERR_NOT_FOUND;
	}
	if ((r = trust_listings(cfg, after, 0)) != 0)
		return r;
	if (memcmp(before[0].md, after[0].md, 32) != 0 ||
	    memcmp(before[1].md, after[1].md, 32) != 0) {
		px_debug("%s: the trust directories changed while read; not "
		         "compiled",
		    path);
		return PX_ERR_NOT_FOUND;
	}
	if (mkdir(cfg->machine_dir, 0755) == -1 && errno != EEXIST)
		return PX_ERR_IO;
	if ((r = trust_dir_ok(cfg->machine_dir)) != 0) {
		px_debug("%s: not root's; the trust store is not compiled",
		    cfg->machine_dir);
		return r;
	}
	if ((r = px_trust_build(st->roots, st->intermediates, before,
	         st->origins, st->n_origins, time(NULL), &buf, &len)) != 0) {
		px_warn("%s: cannot compile the trust store: %s", path,
		    px_strerror(r));
		return r;
	}
	r = trust_write(cfg->machine_dir, path, buf, len);
	free(buf);
	if (r == 0)
		px_debug("%s: compiled trust store written: %d roots, %d "
		         "intermediates",
		    path, sk_X509_num(st->roots),
		    sk_X509_num(st->intermediates));
	return r;
}

/* The directories' owner and mode, as reading them would check: a
 * compiled store does not make a refused directory acceptable. */
static int
trust_dirs_ok(const struct px_config *cfg)
{
	const char *dirs[2] = { cfg->ca_dir, cfg->intermediate_dir };
	int i, r;

	for (i = 0; i < 2; i++)
		if (dirs[i] != NULL && (r = px_check_dir(dirs[i])) != 0 &&
		    r != PX_ERR_NOT_FOUND)
			return r;
	return 0;
}

int
px_trust_use(struct px_store *st, const struct px_config *cfg)
{
	const char *const paths[2] = { cfg->ca_dir, cfg->intermediate_dir };
	struct px_trust_dir dirs[2];
	struct px_trust *t = NULL;
	char path[PATH_MAX];
	const char *why = NULL, *state;
	int r, root = geteuid() == 0;

	if (trust_path(cfg, path, sizeof(path)) != 0 || trust_dirs_ok(cfg) != 0)
		return px_store_load_certs(st, cfg);
	/* The quick check: the directories alone (two stat()s each); each
	 * certificate's file is checked when it is parsed. */
	r = trust_read(cfg, path, &t, &why);
	if (r == 0 && px_trust_quick_match(t, paths, &why)) {
		st->trust = t;
		px_debug("%s: compiled trust store used: %zu certificates",
		    path, px_trust_count(t, NULL, NULL));
		return 0;
	}
	if (trust_listings(cfg, dirs, root) != 0) {
		px_trust_free(t);
		return px_store_load_certs(st, cfg);
	}
	/* Entries added and removed again change the directory, not the
	 * listing: the file is good, root compiles it again to match. */
	if (r == 0 && !root && px_trust_matches(t, dirs, &why)) {
		st->trust = t;
		px_debug("%s: compiled trust store used: %zu certificates "
		         "(the full listing matches)",
		    path, px_trust_count(t, NULL, NULL));
		trust_listings_clear(dirs);
		return 0;
	}
	px_trust_free(t);
	if (r == PX_ERR_BAD_FORMAT)
		px_warn("%s: damaged compiled trust store (%s); not used", path,
		    why);
	state = r == PX_ERR_NOT_FOUND ? "missing"
	    : r == PX_ERR_BAD_FORMAT  ? "damaged"
	    : r != 0                  ? "unusable"
	                              : why;
	if (!root) {
		px_debug("%s: compiled trust store %s; not root: reading the "
		         "directories",
		    path, state);
		trust_listings_clear(dirs);
		return px_store_load_certs(st, cfg);
	}
	px_debug("%s: compiled trust store %s; rebuilding", path, state);
	if ((r = px_store_load_certs(st, cfg)) == 0)
		(void)trust_compile(cfg, path, st, dirs);
	trust_listings_clear(dirs);
	return r;
}

int
px_trust_stale(
    const struct px_trust *t, const struct px_config *cfg, const char **why)
{
	struct px_trust_dir dirs[2];
	int stale;

	*why = NULL;
	if (trust_listings(cfg, dirs, 0) != 0) {
		*why = "the trust directories cannot be listed";
		return 1;
	}
	stale = !px_trust_matches(t, dirs, why);
	trust_listings_clear(dirs);
	return stale;
}

int
px_trust_rehash(const struct px_config *cfg, int show, FILE *out)
{
	struct px_trust_dir dirs[2];
	struct px_trust *t = NULL;
	struct px_store st;
	char path[PATH_MAX], when[32];
	const char *why = NULL;
	size_t n, roots;
	time_t made;
	int r;

	memset(&st, 0, sizeof(st));
	if ((r = trust_path(cfg, path, sizeof(path))) != 0) {
		px_error("no [cache] machine_dir: no compiled trust store");
		return PX_ERR_CONFIG;
	}
	if ((r = trust_listings(cfg, dirs, !show)) != 0)
		return r;
	if (show) {
		r = trust_read(cfg, path, &t, &why);
		fprintf(out, "file: %s\n", path);
		if (r == 0 && px_trust_matches(t, dirs, &why)) {
			n = px_trust_count(t, &roots, &made);
			fprintf(out,
			    "state: fresh\ncertificates: %zu\nroots: "
			    "%zu\ncompiled: %s\n",
			    n, roots, px_time_str(made, when, sizeof(when)));
		} else
			fprintf(out, "state: %s\n",
			    r == PX_ERR_NOT_FOUND        ? "missing"
			        : r == PX_ERR_BAD_FORMAT ? "damaged"
			        : r != 0                 ? "unusable"
			                                 : "stale");
		if (why != NULL)
			fprintf(out, "reason: %s\n", why);
		px_trust_free(t);
		return 0;
	}
	if (geteuid() != 0) {
		px_error("%s: only root compiles the trust store", path);
		trust_listings_clear(dirs);
		return PX_ERR_INSECURE;
	}
	if ((st.roots = sk_X509_new_null()) == NULL ||
	    (st.intermediates = sk_X509_new_null()) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	if ((r = px_store_load_certs(&st, cfg)) != 0)
		goto out;
	if (dirs[0].racy || dirs[1].racy) {
		/* An explicit rehash waits out the tick rather than fail. */
		sleep(1);
		trust_listings_clear(dirs);
		if ((r = trust_listings(cfg, dirs, 1)) != 0)
			goto out;
		px_store_clear(&st);
		if ((st.roots = sk_X509_new_null()) == NULL ||
		    (st.intermediates = sk_X509_new_null()) == NULL) {
			r = PX_ERR_NOMEM;
			goto out;
		}
		if ((r = px_store_load_certs(&st, cfg)) != 0)
			goto out;
	}
	if ((r = trust_compile(cfg, path, &st, dirs)) != 0) {
		px_error("%s: the trust store was not compiled", path);
		goto out;
	}
	fprintf(out, "%s: %d roots, %d intermediates\n", path,
	    sk_X509_num(st.roots), sk_X509_num(st.intermediates));
out:
	trust_listings_clear(dirs);
	px_store_clear(&st);
	return r;
}
