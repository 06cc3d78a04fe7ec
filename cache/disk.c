/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "../common/log.h"
#include "../common/util.h"
#include "cache_int.h"

long
px_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
px_cache_key(const char *key, char hex[PX_KEY_HEX])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	int i;

	static const char digits[] = "0123456789abcdef";

	SHA256((const unsigned char *)key, strlen(key), md);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * SHA256_DIGEST_LENGTH] = '\0';
}

/* mkdir -p for the last component only, with the given mode. */
static int
make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	px_error(
	    "cache directory %s: cannot create: %s", path, strerror(errno));
	return PX_ERR_IO;
}

int
px_cdir_open(const char *path, int user, struct px_cdir *d)
{
	struct stat st;
	uid_t me = geteuid();
	char parent[PATH_MAX], *slash;
	int r;

	memset(d, 0, sizeof(*d));
	d->name = user ? "user" : "machine";
	if (user) {
		/* ~/.cache may not exist yet on a fresh account. */
		snprintf(parent, sizeof(parent), "%s", path);
		if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
			*slash = '\0';
			if (stat(parent, &st) == -1 && errno == ENOENT &&
			    (r = make_dir(parent, 0700)) != 0)
				return r;
		}
		if ((r = make_dir(path, 0700)) != 0)
			return r;
	} else if (me == 0 && (r = make_dir(path, 0755)) != 0)
		return r;
	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return PX_ERR_NOT_FOUND;
		px_error("cache directory %s: %s", path, strerror(errno));
		return PX_ERR_IO;
	}
	if (!S_ISDIR(st.st_mode)) {
		px_error("cache directory %s: not a directory; not used", path);
		return PX_ERR_INSECURE;
	}
	if (user && (st.st_uid != me || (st.st_mode & 077) != 0)) {
		px_error(
		    "user cache directory %s: must be owned by uid %u with "
		    "mode 0700 (is uid %u, mode %04o); not used",
		    path, (unsigned)me, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
		return PX_ERR_INSECURE;
	}
	if (!user && (st.st_uid != 0 || (st.st_mode & 022) != 0)) {
		px_error(
		    "machine cache directory %s: must be owned by root and "
		    "not writable by group or others (is uid %u, mode "
		    "%04o); not used",
		    path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return PX_ERR_INSECURE;
	}
	if ((d->path = strdup(path)) == NULL)
		return PX_ERR_NOMEM;
	d->writable = user || me == 0;
	return 0;
}

void
px_cdir_close(struct px_cdir *d)
{
	free(d->path);
	d->path = NULL;
}

static void
entry_path(char *buf, size_t len, const struct px_cdir *d, const char *hex,
    const char *ext)
{
	snprintf(buf, len, "%s/%s.%s", d->path, hex, ext);
}

static void
discard(const struct px_cdir *d, const char *hex, const char *why)
{
	px_warn("%s cache entry %s: %s; discarded", d->name, hex, why);
	if (d->writable)
		px_disk_remove(d, hex);
}

int
px_disk_load_meta(
    const struct px_cdir *d, const char *hex, struct px_meta *meta)
{
	char path[PATH_MAX], *text = NULL;
	size_t len;

	memset(meta, 0, sizeof(*meta));
	entry_path(path, sizeof(path), d, hex, "meta");
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return PX_ERR_NOT_FOUND;
	/* Kept: the caller rebuilds the metadata from a valid object. */
	if (px_read_file(path, PX_META_MAX, PX_READ_NOFOLLOW, &text, &len) !=
	    0) {
		px_warn("%s cache entry %s: unreadable metadata", d->name, hex);
		return PX_ERR_BAD_FORMAT;
	}
	if (memchr(text, '\0', len) != NULL || px_meta_parse(text, meta) != 0) {
		free(text);
		px_warn("%s cache entry %s: damaged metadata", d->name, hex);
		return PX_ERR_BAD_FORMAT;
	}
	free(text);
	return 0;
}

int
px_disk_load_der(const struct px_cdir *d, const char *hex,
    const struct px_meta *meta, size_t max, unsigned char **derp, size_t *lenp)
{
	char path[PATH_MAX], *der = NULL;
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t len;
	int r;

	*derp = NULL;
	*lenp = 0;
	entry_path(path, sizeof(path), d, hex, "der");
	if ((r = px_read_file(path, max, PX_READ_NOFOLLOW, &der, &len)) != 0 ||
	    len != meta->size) {
		free(der);
		discard(d, hex,
		    r != 0 ? "unreadable object"
		           : "object size differs from metadata");
		return PX_ERR_BAD_FORMAT;
	}
	SHA256((unsigned char *)der, len, md);
	if (memcmp(md, meta->sha256, sizeof(md)) != 0) {
		free(der);
		discard(d, hex, "object does not match its metadata");
		return PX_ERR_BAD_FORMAT;
	}
	*derp = (unsigned char *)der;
	*lenp = len;
	return 0;
}

int
px_disk_read_der(const struct px_cdir *d, const char *hex, size_t max,
    unsigned char **derp, size_t *lenp, time_t *mtimep)
{
	char path[PATH_MAX], *der = NULL;
	struct stat st;
	size_t len;
	int r;

	*derp = NULL;
	*lenp = 0;
	entry_path(path, sizeof(path), d, hex, "der");
	if (lstat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return PX_ERR_NOT_FOUND;
	if ((r = px_read_file(path, max, PX_READ_NOFOLLOW, &der, &len)) != 0)
		return r;
	*derp = (unsigned char *)der;
	*lenp = len;
	*mtimep = st.st_mtime;
	return 0;
}

void
px_disk_discard(const struct px_cdir *d, const char *hex, const char *why)
{
	discard(d, hex, why);
}

int
px_disk_check_der(
    const struct px_cdir *d, const char *hex, const struct px_meta *meta)
{
	char path[PATH_MAX];
	struct stat st;

	entry_path(path, sizeof(path), d, hex, "der");
	if (lstat(path, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size != meta->size) {
		discard(d, hex, "object missing or not of the recorded size");
		return PX_ERR_BAD_FORMAT;
	}
	return 0;
}

int
px_disk_open_idx(const struct px_cdir *d, const char *hex, size_t max, int *fdp,
    size_t *lenp)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	*fdp = -1;
	*lenp = 0;
	entry_path(path, sizeof(path), d, hex, "idx");
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return errno == ENOENT ? PX_ERR_NOT_FOUND : PX_ERR_BAD_FORMAT;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > max) {
		close(fd);
		return PX_ERR_BAD_FORMAT;
	}
	*fdp = fd;
	*lenp = (size_t)st.st_size;
	return 0;
}

int
px_blob_read(const struct px_blob *b, size_t off, void *buf, size_t n)
{
	ssize_t got;
	size_t done = 0;

	if (off > b->len || n > b->len - off)
		return PX_ERR_BAD_FORMAT;
	if (b->mem != NULL) {
		memcpy(buf, b->mem + off, n);
		return 0;
	}
	while (done < n) {
		got = pread(
		    b->fd, (char *)buf + done, n - done, (off_t)(off + done));
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0)
			return PX_ERR_BAD_FORMAT;
		done += (size_t)got;
	}
	return 0;
}

int
px_disk_store_idx(const struct px_cdir *d, const char *hex,
    const unsigned char *idx, size_t len)
{
	char path[PATH_MAX];

	entry_path(path, sizeof(path), d, hex, "idx");
	return px_disk_write(d, path, idx, len);
}

int
px_disk_write(
    const struct px_cdir *d, const char *path, const void *data, size_t len)
{
	return px_write_atomic(d->path, path, data, len,
	    d->writable && geteuid() == 0 ? 0644 : 0600);
}

static void
sync_dir(const struct px_cdir *d)
{
	int fd;

	if ((fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(fd);
		close(fd);
	}
}

/* The metadata, written last: the write that makes an entry visible. */
static int
disk_write_meta(
    const struct px_cdir *d, const char *hex, const struct px_meta *meta)
{
	char path[PATH_MAX], *text;
	int r;

	if ((text = px_meta_format(meta)) == NULL)
		return PX_ERR_NOMEM;
	entry_path(path, sizeof(path), d, hex, "meta");
	r = px_disk_write(d, path, text, strlen(text));
	free(text);
	if (r == 0)
		sync_dir(d);
	return r;
}

/* What the OCSP counts know of an entry before it changes. */
enum disk_was {
	DISK_ABSENT,  /* no metadata: not counted */
	DISK_OCSP,    /* an OCSP response: counted under its key */
	DISK_OTHER,   /* another kind: not counted */
	DISK_DAMAGED, /* metadata that does not parse: unknown */
};

/* Under the count lock: the entry hex as it is now (*keyp: its key when
 * an OCSP response, malloc()ed). */
static enum disk_was
disk_was(const struct px_cdir *d, const char *hex, char **keyp)
{
	struct px_meta m;
	enum disk_was was;
	int r;

	*keyp = NULL;
	if ((r = px_disk_load_meta(d, hex, &m)) == PX_ERR_NOT_FOUND)
		return DISK_ABSENT;
	if (r != 0)
		return DISK_DAMAGED;
	was = m.kind == PX_KIND_OCSP ? DISK_OCSP : DISK_OTHER;
	if (was == DISK_OCSP && (*keyp = strdup(m.url)) == NULL)
		was = DISK_DAMAGED; /* as good as unknown: rebuilt */
	px_meta_clear(&m);
	return was;
}

/*
 * Under the count lock, after an entry changed from was (key) to now
 * (NULL: removed).  Only a new OCSP entry, or one removed, changes a
 * count; an entry whose metadata was damaged may or may not have been
 * counted, so the counts are rebuilt.
 */
static void
disk_count(const struct px_cdir *d, enum disk_was was, const char *key,
    const struct px_meta *now)
{
	const char *plus =
	    now != NULL && now->kind == PX_KIND_OCSP ? now->url : NULL;

	if (was == DISK_DAMAGED)
		px_ocount_invalidate(d);
	else
		px_ocount_update(d, was == DISK_OCSP ? key : NULL, plus);
}

int
px_disk_store_meta(
    const struct px_cdir *d, const char *hex, const struct px_meta *meta)
{
	enum disk_was was = DISK_ABSENT;
	char *key = NULL;
	int lk = -1, r;

	if (px_ocount_lock(d, &lk) == 0)
		was = disk_was(d, hex, &key);
	if ((r = disk_write_meta(d, hex, meta)) == 0 && lk != -1)
		disk_count(d, was, key, meta);
	else if (r == 0)
		px_ocount_invalidate(d); /* not locked: better rebuilt */
	px_disk_unlock(lk);
	free(key);
	return r;
}

int
px_disk_store(const struct px_cdir *d, const char *hex,
    const struct px_meta *meta, const unsigned char *der, size_t len,
    const unsigned char *idx, size_t idx_len)
{
	enum disk_was was = DISK_ABSENT;
	char path[PATH_MAX], *key = NULL;
	int lk = -1, r;

	if (!d->writable)
		return PX_ERR_INVALID_ARG;
	/* The entry as it was and the count change together, under the
	 * count lock: two processes storing the same new response count it
	 * once. */
	if (px_ocount_lock(d, &lk) == 0)
		was = disk_was(d, hex, &key);
	/*
	 * The object and its index first: the metadata naming the object's
	 * hash, written last, makes the new entry visible.  A reader between
	 * the renames sees a hash mismatch and treats the entry as absent.
	 */
	entry_path(path, sizeof(path), d, hex, "der");
	if ((r = px_disk_write(d, path, der, len)) != 0)
		goto out;
	entry_path(path, sizeof(path), d, hex, "idx");
	if (idx != NULL && (r = px_disk_write(d, path, idx, idx_len)) != 0)
		goto out;
	if (idx == NULL && unlink(path) == -1 && errno != ENOENT) {
		r = PX_ERR_IO;
		goto out;
	}
	if ((r = disk_write_meta(d, hex, meta)) != 0)
		goto out;
	if (lk != -1)
		disk_count(d, was, key, meta);
	else
		px_ocount_invalidate(d); /* not locked: better rebuilt */
out:
	px_disk_unlock(lk);
	free(key);
	return r;
}

int
px_disk_lock(
    const struct px_cdir *d, const char *hex, long deadline_ms, int *fdp)
{
	char path[PATH_MAX];
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int fd;

	*fdp = -1;
	entry_path(path, sizeof(path), d, hex, "lock");
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		px_error("%s: cannot open the lock: %s", path, strerror(errno));
		return PX_ERR_IO;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			px_error("%s: flock: %s", path, strerror(errno));
			close(fd);
			return PX_ERR_IO;
		}
		if (px_now_ms() >= deadline_ms) {
			close(fd);
			return PX_ERR_TIMEOUT;
		}
		nanosleep(&pause, NULL);
	}
	*fdp = fd;
	return 0;
}

void
px_disk_unlock(int fd)
{
	if (fd != -1)
		close(fd); /* releases the flock */
}

void
px_disk_unlink(const struct px_cdir *d, const char *hex)
{
	static const char *exts[] = { "meta", "der", "idx" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		entry_path(path, sizeof(path), d, hex, exts[i]);
		if (unlink(path) == -1 && errno != ENOENT)
			px_warn("%s: cannot remove: %s", path, strerror(errno));
	}
}

void
px_disk_remove(const struct px_cdir *d, const char *hex)
{
	enum disk_was was = DISK_ABSENT;
	char *key = NULL;
	int lk = -1;

	if (px_ocount_lock(d, &lk) == 0)
		was = disk_was(d, hex, &key);
	px_disk_unlink(d, hex);
	if (lk != -1)
		disk_count(d, was, key, NULL);
	else
		px_ocount_invalidate(d); /* not locked: better rebuilt */
	px_disk_unlock(lk);
	free(key);
}

/* Whether name is "<64 hex>.meta"; copies the stem into hex. */
static int
meta_name(const char *name, char hex[PX_KEY_HEX])
{
	size_t i;

	for (i = 0; i < PX_KEY_HEX - 1; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		        (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	if (strcmp(name + PX_KEY_HEX - 1, ".meta") != 0)
		return 0;
	memcpy(hex, name, PX_KEY_HEX - 1);
	hex[PX_KEY_HEX - 1] = '\0';
	return 1;
}

int
px_disk_walk(const struct px_cdir *d,
    int (*fn)(void *arg, const struct px_cdir *d, const char *hex,
        const struct px_meta *meta),
    void *arg)
{
	struct dirent **names = NULL;
	struct px_meta meta;
	char hex[PX_KEY_HEX], path[PATH_MAX], *text;
	size_t len;
	int i, n, r = 0;

	if ((n = scandir(d->path, &names, NULL, alphasort)) == -1) {
		px_error("%s: cannot list: %s", d->path, strerror(errno));
		return PX_ERR_IO;
	}
	for (i = 0; i < n; i++) {
		if (r != 0 || !meta_name(names[i]->d_name, hex))
			continue;
		entry_path(path, sizeof(path), d, hex, "meta");
		if (px_read_file(
		        path, PX_META_MAX, PX_READ_NOFOLLOW, &text, &len) != 0)
			continue;
		if (memchr(text, '\0', len) == NULL &&
		    px_meta_parse(text, &meta) == 0) {
			r = fn(arg, d, hex, &meta);
			px_meta_clear(&meta);
		} else
			px_warn("%s: damaged metadata; skipped", path);
		free(text);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}
