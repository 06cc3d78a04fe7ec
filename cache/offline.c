/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/escape.h"
#include "../common/log.h"
#include "../common/url.h"
#include "../common/util.h"
#include "offline.h"

#define OFFLINE_MAX_ENTRIES 4096
#define OFFLINE_FILE_MAX (1024 * 1024)

/*
 * The lists, one record file each in the same format: "HEX RETRY_AT
 * INTERVAL URL", the URL escaped (px_field_escape), HEX its cache key; a
 * file of another version is ignored and rewritten.  The OCSP responders
 * that gave no usable answer are a second list of this module rather than
 * an entry kind of the servers' file: the servers' file keeps its format
 * (and its readers), each list has its own interval range, and one object,
 * the cache context's, holds both, so that pkixctl offline lists and
 * clears both.
 */
struct off_kind {
	const char *file;
	const char *magic;
	const char *name; /* in listings */
	long min, max;    /* the range of an interval */
};

static const struct off_kind off_kinds[PX_OFF_NKINDS] = {
	{ "offline", "pam_pkix-offline 2", "server", PX_OFFLINE_FIRST,
	    PX_OFFLINE_MAX },
	{ "ocsp-responders", "pam_pkix-ocsp-responders 1", "ocsp", 1,
	    PX_OCSP_RETRY_MAX },
};

struct off_list {
	struct off_entry *v;
	size_t n;
};

struct px_offline {
	const struct px_cdir *own;     /* where this process keeps its list */
	const struct px_cdir *machine; /* also read */
	struct off_list l[PX_OFF_NKINDS];
	time_t (*now)(void);
};

static time_t
sys_now(void)
{
	return time(NULL);
}

int
px_offline_new(const struct px_cdir *own, const struct px_cdir *machine,
    struct px_offline **op)
{
	struct px_offline *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return PX_ERR_NOMEM;
	o->own = own;
	o->machine = machine;
	o->now = sys_now;
	*op = o;
	return 0;
}

void
px_offline_entries_free(struct off_entry *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].url);
	free(v);
}

void
px_offline_free(struct px_offline *o)
{
	int k;

	if (o == NULL)
		return;
	for (k = 0; k < PX_OFF_NKINDS; k++)
		px_offline_entries_free(o->l[k].v, o->l[k].n);
	free(o);
}

void
px_offline_set_clock(struct px_offline *o, time_t (*now)(void))
{
	o->now = now != NULL ? now : sys_now;
}

static struct off_entry *
find(struct off_entry *v, size_t n, const char *hex)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].hex, hex) == 0)
			return &v[i];
	return NULL;
}

/* Adds or updates an entry of a list.  Returns 0 or PX_ERR_NOMEM. */
static int
put(struct off_entry **vp, size_t *np, const char *hex, const char *url,
    time_t retry_at, long interval)
{
	struct off_entry *e, *v;
	char *u;

	if ((u = strdup(url)) == NULL)
		return PX_ERR_NOMEM;
	if ((e = find(*vp, *np, hex)) == NULL && *np >= OFFLINE_MAX_ENTRIES) {
		/* Full: the record that blocks least makes room, so that a
		 * list filled by URLs of self-made certificates still takes
		 * the next server found unreachable. */
		size_t i, k = 0;

		for (i = 1; i < *np; i++)
			if ((*vp)[i].retry_at < (*vp)[k].retry_at)
				k = i;
		e = &(*vp)[k];
		snprintf(e->hex, sizeof(e->hex), "%s", hex);
	} else if (e == NULL) {
		if ((v = reallocarray(*vp, *np + 1, sizeof(*v))) == NULL) {
			free(u);
			return PX_ERR_NOMEM;
		}
		*vp = v;
		e = &v[(*np)++];
		snprintf(e->hex, sizeof(e->hex), "%s", hex);
		e->url = NULL;
	}
	free(e->url);
	e->url = u;
	e->retry_at = retry_at;
	e->interval = interval;
	return 0;
}

static void
drop(struct off_entry *v, size_t *np, const char *hex)
{
	struct off_entry *e;

	if ((e = find(v, *np, hex)) == NULL)
		return;
	free(e->url);
	*e = v[--*np];
}

/*
 * One record of a list, read as strictly as it is written: four fields,
 * the key the hash of its URL, the URL one the parser takes, the interval
 * within the kind's range and retry_at no later than now + that interval.
 * Returns 0, 1 (a record whose wait ended longer ago than the kind's
 * longest interval: dropped quietly), or PX_ERR_BAD_FORMAT (dropped).
 */
static int
parse_record(const struct off_kind *k, char *line, time_t now, char *hex,
    char **urlp, time_t *retryp, long *intervalp)
{
	char *f[4], *save = NULL, want[PX_KEY_HEX];
	struct px_url u;
	uint64_t retry, interval;
	size_t n = 0;

	for (f[n] = strtok_r(line, " ", &save); f[n] != NULL && n < 4;
	     f[n] = strtok_r(NULL, " ", &save))
		if (++n == 4)
			break;
	if (n != 4 || strtok_r(NULL, " ", &save) != NULL ||
	    strlen(f[0]) != PX_KEY_HEX - 1 ||
	    px_parse_uint(
	        f[1], (uint64_t)now + (uint64_t)k->max + 86400, &retry) != 0 ||
	    px_parse_uint(f[2], (uint64_t)k->max, &interval) != 0 ||
	    (long)interval < k->min || px_field_unescape(f[3]) != 0 ||
	    px_url_parse(f[3], &u) != 0)
		return PX_ERR_BAD_FORMAT;
	px_cache_key(f[3], want);
	if (strcmp(want, f[0]) != 0)
		return PX_ERR_BAD_FORMAT;
	/* Its wait ended longer ago than the longest backoff: it blocks
	 * nothing and is forgotten (the list would otherwise only grow). */
	if ((time_t)retry + (time_t)k->max < now)
		return 1;
	/* A clock set back, or a hand-made file: never longer than the
	 * backoff says. */
	if ((time_t)retry > now + (time_t)interval)
		retry = (uint64_t)(now + (time_t)interval);
	memcpy(hex, f[0], PX_KEY_HEX);
	*urlp = f[3];
	*retryp = (time_t)retry;
	*intervalp = (long)interval;
	return 0;
}

static int
off_parse(const struct off_kind *k, char *text, size_t len, time_t now,
    struct off_entry **vp, size_t *np)
{
	char *line, *next, *url, hex[PX_KEY_HEX];
	size_t ml = strlen(k->magic);
	time_t retry;
	long interval;
	int bad = 0, r;

	*vp = NULL;
	*np = 0;
	if (memchr(text, '\0', len) != NULL ||
	    strncmp(text, k->magic, ml) != 0 || text[ml] != '\n')
		return PX_ERR_BAD_FORMAT;
	for (line = text + ml + 1; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL) {
			bad++; /* a torn last line */
			break;
		}
		*next++ = '\0';
		if ((r = parse_record(
		         k, line, now, hex, &url, &retry, &interval)) != 0) {
			if (r < 0)
				bad++;
			continue;
		}
		if (put(vp, np, hex, url, retry, interval) != 0)
			break;
	}
	return bad;
}

int
px_offline_parse(
    char *text, size_t len, time_t now, struct off_entry **vp, size_t *np)
{
	return off_parse(&off_kinds[PX_OFF_SERVER], text, len, now, vp, np);
}

/* Reads the list of d.  A list that cannot be read or parsed is empty
 * (and rewritten by the next update); bad records are dropped. */
static int
load(const struct px_offline *o, const struct off_kind *k,
    const struct px_cdir *d, struct off_entry **vp, size_t *np)
{
	char path[PATH_MAX], *text = NULL;
	size_t len;
	int r;

	*vp = NULL;
	*np = 0;
	if (d == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", d->path, k->file);
	if (access(path, F_OK) == -1)
		return 0;
	if ((r = px_read_file(
	         path, OFFLINE_FILE_MAX, PX_READ_NOFOLLOW, &text, &len)) != 0) {
		px_warn("%s: offline list ignored (%s)", path, px_strerror(r));
		return 0;
	}
	r = off_parse(k, text, len, o->now(), vp, np);
	if (r == PX_ERR_BAD_FORMAT)
		px_warn("%s: offline list ignored (not of this version)", path);
	else if (r > 0)
		px_warn("%s: %d malformed records dropped", path, r);
	free(text);
	return 0;
}

enum off_op { OFF_PUT, OFF_REMOVE, OFF_CLAIM };

/*
 * Changes this process's own list file (the machine's for root, the user's
 * cache for a user) under its lock.  OFF_CLAIM takes the probe of a server
 * whose retry time has come: it pushes retry_at on by the interval, so
 * that every other process fails fast until the probe's result is
 * recorded.  Returns 1 when claimed (or put/removed), 0 otherwise.
 */
static int
update(struct px_offline *o, enum px_off_kind kind, enum off_op op,
    const char *hex, const char *server, time_t retry_at, long interval)
{
	const struct off_kind *k = &off_kinds[kind];
	const struct px_cdir *d = o->own;
	char path[PATH_MAX], lockname[PX_KEY_HEX];
	struct off_entry *v = NULL, *e;
	size_t n = 0, i;
	char *buf = NULL;
	size_t blen = 0;
	time_t now = o->now();
	FILE *f;
	int fd = -1, done = 0;

	if (d == NULL || !d->writable)
		return op == OFF_CLAIM;
	snprintf(lockname, sizeof(lockname), "%s", k->file);
	if (px_disk_lock(d, lockname, px_now_ms() + 2000, &fd) != 0)
		return 0;
	if (load(o, k, d, &v, &n) != 0)
		goto out;
	e = find(v, n, hex);
	switch (op) {
	case OFF_REMOVE:
		if (e == NULL)
			goto out;
		drop(v, &n, hex);
		break;
	case OFF_CLAIM:
		if (e != NULL && e->retry_at > now)
			goto out; /* another process probes it */
		if (e != NULL)
			interval = e->interval;
		if (put(&v, &n, hex, server, now + interval, interval) != 0)
			goto out;
		break;
	case OFF_PUT:
		if (put(&v, &n, hex, server, retry_at, interval) != 0)
			goto out;
		break;
	}
	if ((f = open_memstream(&buf, &blen)) == NULL)
		goto out;
	fprintf(f, "%s\n", k->magic);
	for (i = 0; i < n; i++) {
		char *esc = px_field_escape(v[i].url);

		if (esc != NULL)
			fprintf(f, "%s %lld %ld %s\n", v[i].hex,
			    (long long)v[i].retry_at, v[i].interval, esc);
		free(esc);
	}
	if (fclose(f) == 0) {
		snprintf(path, sizeof(path), "%s/%s", d->path, k->file);
		if (px_disk_write(d, path, buf, blen) != 0)
			px_warn("%s: offline list not saved", path);
		else
			done = 1;
	}
out:
	free(buf);
	px_offline_entries_free(v, n);
	px_disk_unlock(fd);
	return done;
}

/* What is known of a server: this process's entry, the own list's and the
 * machine's; the latest retry time counts. */
static int
lookup(struct px_offline *o, enum px_off_kind kind, const char *hex,
    struct off_entry *out)
{
	const struct px_cdir *dirs[2] = { o->own, o->machine };
	struct off_list *l = &o->l[kind];
	struct off_entry *e, *v;
	size_t n;
	int i, found = 0;

	if ((e = find(l->v, l->n, hex)) != NULL) {
		*out = *e;
		found = 1;
	}
	for (i = 0; i < 2; i++) {
		if (dirs[i] == NULL || (i == 1 && dirs[1] == dirs[0]))
			continue;
		if (load(o, &off_kinds[kind], dirs[i], &v, &n) != 0)
			continue;
		if ((e = find(v, n, hex)) != NULL &&
		    (!found || e->retry_at > out->retry_at)) {
			out->retry_at = e->retry_at;
			out->interval = e->interval;
			found = 1;
		}
		px_offline_entries_free(v, n);
	}
	out->url = NULL;
	return found;
}

int
px_offline_check(
    struct px_offline *o, const char *server, char *note, size_t len)
{
	struct off_entry e;
	char hex[PX_KEY_HEX], t[32];
	time_t now = o->now();

	px_cache_key(server, hex);
	if (!lookup(o, PX_OFF_SERVER, hex, &e))
		return 0;
	if (now < e.retry_at) {
		snprintf(note, len, "error=\"offline until %s (backoff %lds)\"",
		    px_time_str(e.retry_at, t, sizeof(t)), e.interval);
		return 1;
	}
	/* Its retry time has come: one process probes, the others fail. */
	if (!update(o, PX_OFF_SERVER, OFF_CLAIM, hex, server, 0, e.interval)) {
		snprintf(note, len,
		    "error=\"offline; another process is probing it\"");
		return 1;
	}
	return 2;
}

void
px_offline_failed(struct px_offline *o, const char *server)
{
	struct off_entry e;
	char hex[PX_KEY_HEX];
	time_t now = o->now();
	long interval = PX_OFFLINE_FIRST;

	px_cache_key(server, hex);
	if (lookup(o, PX_OFF_SERVER, hex, &e)) {
		interval = e.interval * 2;
		if (interval > PX_OFFLINE_MAX)
			interval = PX_OFFLINE_MAX;
	}
	px_warn("%s: unreachable; marked offline for %ld s", server, interval);
	if (put(&o->l[PX_OFF_SERVER].v, &o->l[PX_OFF_SERVER].n, hex, server,
	        now + interval, interval) != 0)
		return;
	update(
	    o, PX_OFF_SERVER, OFF_PUT, hex, server, now + interval, interval);
}

void
px_offline_succeeded(struct px_offline *o, const char *server)
{
	struct off_list *l = &o->l[PX_OFF_SERVER];
	char hex[PX_KEY_HEX];
	int listed;

	px_cache_key(server, hex);
	listed = find(l->v, l->n, hex) != NULL;
	drop(l->v, &l->n, hex);
	/* Reading the shared list costs a stat when the server is not on it. */
	if (update(o, PX_OFF_SERVER, OFF_REMOVE, hex, server, 0, 0) || listed)
		px_info("%s: reachable again", server);
}

/* Lists one kind: the own list's entries, the machine's, this
 * process's. */
static int
off_list_kind(struct px_offline *o, enum px_off_kind kind,
    int (*fn)(void *arg, const char *kind, const char *url, time_t retry_at,
        long interval),
    void *arg)
{
	const struct px_cdir *dirs[2] = { o->own, o->machine };
	const struct off_list *l = &o->l[kind];
	struct off_entry *v = NULL, *w;
	size_t n = 0, m, i, j;
	int r = 0, k;

	for (k = 0; k < 2; k++) {
		if (dirs[k] == NULL || (k == 1 && dirs[1] == dirs[0]))
			continue;
		if ((r = load(o, &off_kinds[kind], dirs[k], &w, &m)) != 0)
			goto out;
		for (j = 0; j < m && r == 0; j++)
			if (find(v, n, w[j].hex) == NULL)
				r = put(&v, &n, w[j].hex, w[j].url,
				    w[j].retry_at, w[j].interval);
		px_offline_entries_free(w, m);
		if (r != 0)
			goto out;
	}
	for (i = 0; i < l->n; i++)
		if (find(v, n, l->v[i].hex) == NULL &&
		    (r = put(&v, &n, l->v[i].hex, l->v[i].url, l->v[i].retry_at,
		         l->v[i].interval)) != 0)
			goto out;
	for (i = 0; i < n && r == 0; i++)
		r = fn(arg, off_kinds[kind].name, v[i].url, v[i].retry_at,
		    v[i].interval);
out:
	px_offline_entries_free(v, n);
	return r;
}

int
px_offline_list(struct px_offline *o,
    int (*fn)(void *arg, const char *kind, const char *url, time_t retry_at,
        long interval),
    void *arg)
{
	int k, r;

	for (k = 0; k < PX_OFF_NKINDS; k++)
		if ((r = off_list_kind(o, (enum px_off_kind)k, fn, arg)) != 0)
			return r;
	return 0;
}

int
px_offline_clear(struct px_offline *o)
{
	char path[PATH_MAX];
	int k, r = 0;

	for (k = 0; k < PX_OFF_NKINDS; k++) {
		px_offline_entries_free(o->l[k].v, o->l[k].n);
		o->l[k].v = NULL;
		o->l[k].n = 0;
		if (o->own == NULL || !o->own->writable)
			continue;
		snprintf(path, sizeof(path), "%s/%s", o->own->path,
		    off_kinds[k].file);
		if (unlink(path) == -1 && errno != ENOENT) {
			px_error("%s: %s", path, strerror(errno));
			r = PX_ERR_IO;
		}
	}
	return r;
}

int
px_offline_held(struct px_offline *o, const char *url, time_t *until)
{
	struct off_entry e;
	char hex[PX_KEY_HEX];

	*until = 0;
	px_cache_key(url, hex);
	if (!lookup(o, PX_OFF_RESPONDER, hex, &e) || e.retry_at <= o->now())
		return 0;
	*until = e.retry_at;
	return 1;
}

void
px_offline_hold(struct px_offline *o, const char *url, long seconds)
{
	struct off_list *l = &o->l[PX_OFF_RESPONDER];
	char hex[PX_KEY_HEX];
	time_t until = o->now() + seconds;

	px_cache_key(url, hex);
	if (put(&l->v, &l->n, hex, url, until, seconds) != 0)
		return;
	update(o, PX_OFF_RESPONDER, OFF_PUT, hex, url, until, seconds);
}

void
px_offline_release(struct px_offline *o, const char *url)
{
	struct off_list *l = &o->l[PX_OFF_RESPONDER];
	struct off_entry e;
	char hex[PX_KEY_HEX];

	px_cache_key(url, hex);
	/* The common case, a responder never held, costs no lock. */
	if (!lookup(o, PX_OFF_RESPONDER, hex, &e))
		return;
	drop(l->v, &l->n, hex);
	update(o, PX_OFF_RESPONDER, OFF_REMOVE, hex, url, 0, 0);
}

/* ---- the cache context's view (cache.h) ---- */

int
px_cache_responder_held(struct px_cache *c, const char *url, time_t *until)
{
	return px_offline_held(c->offline, url, until);
}

void
px_cache_responder_failed(struct px_cache *c, const char *url, const char *why)
{
	char u[200], w[200];

	if (c->cfg->ocsp_retry == 0)
		return;
	px_warn("OCSP %s: no usable answer (%s); not asked again for %llu s, "
	        "CRLs meanwhile",
	    px_sanitize(url, u, sizeof(u)), px_sanitize(why, w, sizeof(w)),
	    (unsigned long long)c->cfg->ocsp_retry);
	px_offline_hold(c->offline, url, (long)c->cfg->ocsp_retry);
}

void
px_cache_responder_answered(struct px_cache *c, const char *url)
{
	px_offline_release(c->offline, url);
}

void
px_server_name(const struct px_url *u, char *buf, size_t len)
{
	snprintf(buf, len,
	    strchr(u->host, ':') != NULL ? "%s://[%s]:%u" : "%s://%s:%u",
	    px_scheme_name(u->scheme), u->host, u->port);
}
