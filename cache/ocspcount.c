/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The number of cached OCSP responses of each responder (seed 003's
 * ocsp_to_crl_count rule), one record file per cache directory, so that
 * the rule reads one small file instead of every entry's metadata.  The
 * stores and removals of cache/disk.c keep it under its lock; a file that
 * is missing or does not read back as written is rebuilt once by walking
 * the directory, the only walk.  What it counts: the entries of the
 * directory whose metadata parses as an OCSP response.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/escape.h"
#include "../common/log.h"
#include "../common/util.h"
#include "cache_int.h"

#define OCOUNT_FILE "ocsp-counts"
#define OCOUNT_MAGIC "pam_pkix-ocsp-counts 1"
/* A rebuild walks the whole directory: give it time (100k entries). */
#define OCOUNT_LOCK_MS 10000

void
px_ocount_clear(struct px_ocount *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].url);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

int
px_ocount_responder(const char *key, char *buf, size_t len)
{
	const char *hash = strrchr(key, '#');
	size_t n;

	if (hash == NULL || hash == key || hash[1] == '\0')
		return PX_ERR_INVALID_ARG;
	n = (size_t)(hash - key);
	if (n >= len)
		return PX_ERR_TOO_BIG;
	memcpy(buf, key, n);
	buf[n] = '\0';
	return 0;
}

static struct px_ocount_rec *
ocount_find(const struct px_ocount *t, const char *hex)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].hex, hex) == 0)
			return &t->v[i];
	return NULL;
}

/* Adds delta to the record of responder (hex its key).  A count never goes
 * below zero (a record at zero is dropped) nor above PX_OCOUNT_MAX. */
static int
ocount_add_responder(
    struct px_ocount *t, const char *hex, const char *responder, int delta)
{
	struct px_ocount_rec *e, *v;

	if ((e = ocount_find(t, hex)) == NULL) {
		if (delta <= 0)
			return 0;
		if (t->n >= PX_OCOUNT_RESPONDERS_MAX)
			return PX_ERR_TOO_BIG;
		if ((v = reallocarray(t->v, t->n + 1, sizeof(*v))) == NULL)
			return PX_ERR_NOMEM;
		t->v = v;
		e = &v[t->n];
		if ((e->url = strdup(responder)) == NULL)
			return PX_ERR_NOMEM;
		memcpy(e->hex, hex, PX_KEY_HEX);
		e->n = 0;
		t->n++;
	}
	if (delta < 0 && (unsigned long)-delta >= e->n) {
		free(e->url);
		*e = t->v[--t->n];
		return 0;
	}
	if (delta > 0 && e->n + (unsigned long)delta > PX_OCOUNT_MAX)
		e->n = PX_OCOUNT_MAX;
	else
		e->n = (unsigned long)((long)e->n + delta);
	return 0;
}

int
px_ocount_add(struct px_ocount *t, const char *key, int delta)
{
	char responder[PX_URL_MAX], hex[PX_KEY_HEX];
	int r;

	if ((r = px_ocount_responder(key, responder, sizeof(responder))) != 0)
		return r;
	px_cache_key(responder, hex);
	return ocount_add_responder(t, hex, responder, delta);
}

unsigned long
px_ocount_lookup(const struct px_ocount *t, const char *responder)
{
	const struct px_ocount_rec *e;
	char hex[PX_KEY_HEX];

	px_cache_key(responder, hex);
	return (e = ocount_find(t, hex)) != NULL ? e->n : 0;
}

/* A number as px_ocount_format() writes it: digits, no leading zero. */
static int
ocount_number(const char *s, uint64_t max, uint64_t *v)
{
	if (s[0] == '0' && s[1] != '\0')
		return PX_ERR_BAD_FORMAT;
	return px_parse_uint(s, max, v);
}

/* One record "HEX COUNT URL", single spaces between the fields: the key
 * the hash of the URL, the count in 1..PX_OCOUNT_MAX, no record of the
 * same responder before it. */
static int
ocount_parse_record(struct px_ocount *t, char *line)
{
	char *f[3], *sp, want[PX_KEY_HEX];
	uint64_t n;
	size_t k;

	f[0] = line;
	for (k = 1; k < 3; k++) {
		if ((sp = strchr(f[k - 1], ' ')) == NULL)
			return PX_ERR_BAD_FORMAT;
		*sp = '\0';
		f[k] = sp + 1;
	}
	if (strlen(f[0]) != PX_KEY_HEX - 1 ||
	    ocount_number(f[1], PX_OCOUNT_MAX, &n) != 0 || n == 0 ||
	    px_field_unescape(f[2]) != 0 || f[2][0] == '\0' ||
	    strlen(f[2]) >= PX_URL_MAX)
		return PX_ERR_BAD_FORMAT;
	px_cache_key(f[2], want);
	if (strcmp(want, f[0]) != 0 || ocount_find(t, want) != NULL ||
	    t->n >= PX_OCOUNT_RESPONDERS_MAX)
		return PX_ERR_BAD_FORMAT;
	return ocount_add_responder(t, want, f[2], (int)n) == 0
	    ? 0
	    : PX_ERR_BAD_FORMAT;
}

int
px_ocount_parse(char *text, size_t len, struct px_ocount *t)
{
	char *line, *next, *end = NULL;
	size_t ml = strlen(OCOUNT_MAGIC);
	uint64_t total;
	int r = PX_ERR_BAD_FORMAT;

	memset(t, 0, sizeof(*t));
	/* The whole file or nothing: a count that is off by one record is
	 * a wrong decision, so a damaged file is rebuilt, never patched. */
	if (len == 0 || text[len - 1] != '\n' ||
	    memchr(text, '\0', len) != NULL ||
	    strncmp(text, OCOUNT_MAGIC, ml) != 0 || text[ml] != '\n')
		goto out;
	for (line = text + ml + 1; *line != '\0'; line = next) {
		next = strchr(line, '\n'); /* there: the text ends in one */
		*next++ = '\0';
		if (strncmp(line, "end ", 4) == 0) {
			end = line + 4;
			break;
		}
		if (ocount_parse_record(t, line) != 0)
			goto out;
	}
	/* "end N": the number of records, and nothing after it. */
	if (end == NULL || *next != '\0' ||
	    ocount_number(end, PX_OCOUNT_RESPONDERS_MAX, &total) != 0 ||
	    total != t->n)
		goto out;
	r = 0;
out:
	if (r != 0)
		px_ocount_clear(t);
	return r;
}

char *
px_ocount_format(const struct px_ocount *t)
{
	char *buf = NULL, *esc;
	size_t blen = 0, i;
	FILE *f;
	int ok = 1;

	if ((f = open_memstream(&buf, &blen)) == NULL)
		return NULL;
	fprintf(f, "%s\n", OCOUNT_MAGIC);
	for (i = 0; i < t->n && ok; i++) {
		if ((esc = px_field_escape(t->v[i].url)) == NULL)
			ok = 0;
		else
			fprintf(f, "%s %lu %s\n", t->v[i].hex, t->v[i].n, esc);
		free(esc);
	}
	fprintf(f, "end %zu\n", t->n);
	if (fclose(f) != 0 || !ok) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- the file of a cache directory ---- */

static void
ocount_path(const struct px_cdir *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", d->path, OCOUNT_FILE);
}

/* Reads d's file.  Returns 0, PX_ERR_NOT_FOUND, or PX_ERR_BAD_FORMAT
 * (logged). */
static int
ocount_load(const struct px_cdir *d, struct px_ocount *t)
{
	char path[PATH_MAX], *text = NULL;
	size_t len;
	int r;

	memset(t, 0, sizeof(*t));
	ocount_path(d, path, sizeof(path));
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return PX_ERR_NOT_FOUND;
	if ((r = px_read_file(
	         path, PX_OCOUNT_FILE_MAX, PX_READ_NOFOLLOW, &text, &len)) == 0)
		r = px_ocount_parse(text, len, t);
	free(text);
	if (r == PX_ERR_NOT_FOUND) /* gone meanwhile */
		return r;
	if (r != 0) {
		px_warn("%s: damaged OCSP response counts; rebuilt from the "
		        "entries",
		    path);
		return PX_ERR_BAD_FORMAT;
	}
	return 0;
}

static int
ocount_walk_one(void *arg, const struct px_cdir *d, const char *hex,
    const struct px_meta *meta)
{
	struct px_ocount *t = arg;
	int r;

	/* A key that names no responder is not counted, as before. */
	if (meta->kind == PX_KIND_OCSP &&
	    (r = px_ocount_add(t, meta->url, 1)) != 0 &&
	    r != PX_ERR_INVALID_ARG && r != PX_ERR_TOO_BIG)
		return r;
	return 0;
}

/* Counts d's entries by walking them. */
static int
ocount_rebuild(const struct px_cdir *d, struct px_ocount *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	if ((r = px_disk_walk(d, ocount_walk_one, t)) != 0)
		px_ocount_clear(t);
	else
		px_debug("%s: OCSP response counts rebuilt (%zu responders)",
		    d->path, t->n);
	return r;
}

int
px_ocount_save(const struct px_cdir *d, const struct px_ocount *t)
{
	char path[PATH_MAX], *text;
	int r;

	if ((text = px_ocount_format(t)) == NULL)
		return PX_ERR_NOMEM;
	ocount_path(d, path, sizeof(path));
	r = px_disk_write(d, path, text, strlen(text));
	free(text);
	return r;
}

int
px_ocount_lock(const struct px_cdir *d, int *fdp)
{
	int r;

	if ((r = px_disk_lock(
	         d, OCOUNT_FILE, px_now_ms() + OCOUNT_LOCK_MS, fdp)) != 0)
		px_warn("%s: OCSP response counts not locked: %s", d->path,
		    px_strerror(r));
	return r;
}

void
px_ocount_invalidate(const struct px_cdir *d)
{
	char path[PATH_MAX];

	ocount_path(d, path, sizeof(path));
	if (unlink(path) == -1 && errno != ENOENT)
		px_warn("%s: cannot remove: %s", path, strerror(errno));
}

void
px_ocount_update(const struct px_cdir *d, const char *minus, const char *plus)
{
	char a[PX_URL_MAX], b[PX_URL_MAX];
	struct px_ocount t;
	int r;

	/* A response replaced by one of the same responder changes nothing. */
	if (minus != NULL && plus != NULL &&
	    px_ocount_responder(minus, a, sizeof(a)) == 0 &&
	    px_ocount_responder(plus, b, sizeof(b)) == 0 && strcmp(a, b) == 0)
		return;
	if (minus == NULL && plus == NULL)
		return;
	if ((r = ocount_load(d, &t)) == 0) {
		if (minus != NULL && (r = px_ocount_add(&t, minus, -1)) != 0 &&
		    r != PX_ERR_INVALID_ARG)
			goto out;
		if (plus != NULL && (r = px_ocount_add(&t, plus, 1)) != 0 &&
		    r != PX_ERR_INVALID_ARG)
			goto out;
	} else if ((r = ocount_rebuild(d, &t)) != 0)
		goto out; /* the disk already says what changed */
	r = px_ocount_save(d, &t);
out:
	if (r != 0 && r != PX_ERR_INVALID_ARG) {
		/* Not counted: the next reader rebuilds it. */
		px_warn("%s: OCSP response counts not updated (%s)", d->path,
		    px_strerror(r));
		px_ocount_invalidate(d);
	}
	px_ocount_clear(&t);
}

int
px_ocount_get(const struct px_cdir *d, const char *responder, unsigned long *np)
{
	struct px_ocount t;
	int fd = -1, r;

	*np = 0;
	/* Written by rename: read without the lock. */
	if ((r = ocount_load(d, &t)) == 0)
		goto done;
	if (!d->writable) {
		/* Someone else's directory: counted here, every time, until
		 * its owner rebuilds the file. */
		if ((r = ocount_rebuild(d, &t)) != 0)
			goto out;
		goto done;
	}
	if ((r = px_ocount_lock(d, &fd)) != 0)
		goto out;
	/* Another process may have rebuilt it while we waited. */
	if ((r = ocount_load(d, &t)) != 0) {
		if ((r = ocount_rebuild(d, &t)) != 0)
			goto out;
		if (px_ocount_save(d, &t) != 0)
			px_warn("%s: rebuilt OCSP response counts not saved",
			    d->path);
	}
done:
	*np = px_ocount_lookup(&t, responder);
	r = 0;
out:
	px_disk_unlock(fd);
	px_ocount_clear(&t);
	return r;
}
