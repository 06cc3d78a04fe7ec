/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A retrieval (DESIGN.md sections 4 and 5): memory cache -> disk caches ->
 * the network step, under the URL policy, the offline list and the time
 * budget.  The steps live beside this file: entry.c (what is on disk),
 * fresh.c (when it serves), refresh.c and request.c (the network step),
 * offline.c, urlpolicy.c, admin.c (pkixctl's listings).
 */
#include "config.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "cache_int.h"
#include "offline.h"

const char *
px_source_name(enum px_source s)
{
	switch (s) {
	case PX_SRC_MEMORY: return "memory";
	case PX_SRC_DISK: return "disk";
	case PX_SRC_NETWORK: return "network";
	case PX_SRC_OFFLINE: return "offline";
	case PX_SRC_NONE: break;
	}
	return "none";
}

const char *
px_kind_name(enum px_kind k)
{
	switch (k) {
	case PX_KIND_CRL: return "crl";
	case PX_KIND_CERT: return "cert";
	case PX_KIND_OCSP: return "ocsp";
	}
	return "?";
}

void
px_cache_trace(const char *url, enum px_source src, long status, size_t bytes,
    long ms, const char *note)
{
	px_trace("%s source=%s status=%ld bytes=%zu ms=%ld%s%s", url,
	    px_source_name(src), status, bytes, ms, note[0] != '\0' ? " " : "",
	    note);
}

void
px_budget_init(struct px_budget *b, const struct px_config *cfg)
{
	b->url_ms = (long)cfg->url_timeout * 1000;
	b->deadline_ms = cfg->cumulative_timeout > 0
	    ? px_now_ms() + (long)cfg->cumulative_timeout * 1000
	    : 0;
}

long
px_budget_next(const struct px_budget *b)
{
	long left;

	if (b->deadline_ms == 0)
		return b->url_ms;
	/* Cumulative: each URL gets half of what remains (seed 003). */
	left = b->deadline_ms - px_now_ms();
	return left > 1 ? left / 2 : 0;
}

/* The user's cache directory: ~ from the password database, not $HOME. */
static int
cache_user_dir(const struct px_config *cfg, char *buf, size_t len)
{
	struct passwd *pw;
	const char *xdg;

	if (cfg->user_dir[0] == '/') {
		snprintf(buf, len, "%s", cfg->user_dir);
		return 0;
	}
	xdg = secure_getenv("XDG_CACHE_HOME");
	if (strcmp(cfg->user_dir, "~/.cache/pam_pkix") == 0 && xdg != NULL &&
	    xdg[0] == '/') {
		snprintf(buf, len, "%s/pam_pkix", xdg);
		return 0;
	}
	if ((pw = getpwuid(geteuid())) == NULL || pw->pw_dir == NULL ||
	    pw->pw_dir[0] != '/')
		return PX_ERR_NOT_FOUND;
	snprintf(buf, len, "%s%s", pw->pw_dir, cfg->user_dir + 1);
	return 0;
}

static time_t
cache_sys_now(void)
{
	return time(NULL);
}

int
px_cache_new(const struct px_config *cfg, struct px_cache **cachep)
{
	struct px_cache *c;
	char path[PATH_MAX];
	int r;

	*cachep = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return PX_ERR_NOMEM;
	c->cfg = cfg;
	c->now = cache_sys_now;
	c->net = px_spawn_fetch;
	if ((r = px_cdir_open(cfg->machine_dir, 0, &c->dirs[c->ndirs])) == 0)
		c->machine = &c->dirs[c->ndirs++];
	else if (r == PX_ERR_NOMEM)
		goto fail;
	/* Root never reads a user's cache (DESIGN.md section 5). */
	if (geteuid() != 0 && cache_user_dir(cfg, path, sizeof(path)) == 0) {
		if ((r = px_cdir_open(path, 1, &c->dirs[c->ndirs])) == 0)
			c->ndirs++;
		else if (r == PX_ERR_NOMEM)
			goto fail;
	}
	for (r = 0; r < c->ndirs; r++)
		if (c->dirs[r].writable)
			c->wdir = &c->dirs[r];
	if (px_offline_new(c->wdir, c->machine, &c->offline) != 0) {
		r = PX_ERR_NOMEM;
		goto fail;
	}
	*cachep = c;
	return 0;
fail:
	px_cache_free(c);
	return PX_ERR_NOMEM;
}

void
px_cache_free(struct px_cache *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ndirs; i++)
		px_cdir_close(&c->dirs[i]);
	px_offline_free(c->offline);
	free(c);
}

void
px_cache_set_clock(struct px_cache *c, time_t (*now)(void))
{
	c->now = now != NULL ? now : cache_sys_now;
	px_offline_set_clock(c->offline, c->now);
}

static int
cache_offline_check(
    struct px_cache *c, const struct px_url *pu, char *note, size_t len)
{
	char server[PX_URL_HOST_MAX + 32];

	px_server_name(pu, server, sizeof(server));
	return px_offline_check(c->offline, server, note, len);
}

void
px_cache_offline_failed(struct px_cache *c, const struct px_url *pu)
{
	char server[PX_URL_HOST_MAX + 32];

	px_server_name(pu, server, sizeof(server));
	px_offline_failed(c->offline, server);
}

void
px_cache_offline_succeeded(struct px_cache *c, const struct px_url *pu)
{
	char server[PX_URL_HOST_MAX + 32];

	px_server_name(pu, server, sizeof(server));
	px_offline_succeeded(c->offline, server);
}

/*
 * A refused URL as it may be shown: it can hold what no accepted URL does,
 * and its spaces and quotes would make fields of their own in a trace or
 * log line (a backslash is escaped too, so that the escapes are unambiguous;
 * control characters are left to px_sanitize()).
 */
static const char *
cache_url_shown(const char *url, char *buf, size_t len)
{
	size_t o = 0;

	for (; *url != '\0' && o + 5 < len; url++) {
		if (*url == ' ' || *url == '"' || *url == '\\') {
			o += (size_t)snprintf(
			    buf + o, len - o, "\\x%02x", (unsigned char)*url);
			continue;
		}
		buf[o++] = *url;
	}
	buf[o] = '\0';
	return buf;
}

/*
 * Parses the URL of a retrieval (for an object keyed otherwise, its server
 * and the URL asked) before anything is done with it.  Returns 0 with the
 * server's URL in *pu, or PX_ERR_BAD_URL (logged, traced).
 */
static int
cache_url_refused(const char *url, const struct px_fetch *f, struct px_url *pu)
{
	struct px_url asked;
	const char *why;
	char shown[512];

	if (px_url_parse(f != NULL ? f->responder : url, pu) != 0)
		why = pu->why;
	else if (f != NULL && px_url_parse(f->url, &asked) != 0)
		why = asked.why;
	else if (f != NULL && (!px_url_is_http(pu) || !px_url_is_http(&asked)))
		why = "OCSP is asked over HTTP only";
	else
		return 0;
	cache_url_shown(url, shown, sizeof(shown));
	px_warn("%s: URL refused: %s", shown, why);
	px_trace("%s source=none status=0 bytes=0 ms=0 error=\"URL refused: "
	         "%s\"",
	    shown, why);
	return PX_ERR_BAD_URL;
}

/*
 * Takes the entry's writer lock by deadline_ms.  While another process
 * holds it, the server's state is read again every few tenths of a second:
 * once it is offline (its retrieval outlived its caller), this one fails at
 * once instead of paying its own wait (seed 003).  After the lock, the
 * list is consulted again, unless this process holds the server's probe.
 * Returns 0 with *fdp, PX_ERR_OFFLINE or PX_ERR_TIMEOUT with a note.
 */
static int
cache_lock_wait(struct px_cache *c, const struct px_url *pu, const char *hex,
    long deadline_ms, int probing, int *fdp, char *note, size_t len)
{
	long slice;
	int r;

	for (;;) {
		slice = px_now_ms() + 200;
		r = px_disk_lock(c->wdir, hex,
		    slice < deadline_ms ? slice : deadline_ms, fdp);
		if (r == 0)
			break;
		if (r != PX_ERR_TIMEOUT || px_now_ms() >= deadline_ms) {
			snprintf(note, len,
			    "error=\"another process is still fetching\"");
			return PX_ERR_TIMEOUT;
		}
		/* Probing an offline server whose last retrieval still runs in
		 * the background: fail now (seed 003), the probe is that. */
		if (probing) {
			snprintf(note, len,
			    "error=\"offline; its retrieval still runs in the "
			    "background\"");
			return PX_ERR_OFFLINE;
		}
		if (cache_offline_check(c, pu, note, len) == 1)
			return PX_ERR_OFFLINE;
	}
	if (!probing && cache_offline_check(c, pu, note, len) == 1) {
		px_disk_unlock(*fdp);
		*fdp = -1;
		return PX_ERR_OFFLINE;
	}
	return 0;
}

static int get(struct px_cache *c, const char *url, enum px_kind kind,
    const struct px_fetch *f, struct px_budget *budget,
    const struct px_validator *v, int force, struct px_object **objp);

int
px_cache_get(struct px_cache *c, const char *url, enum px_kind kind,
    struct px_budget *budget, const struct px_validator *v,
    struct px_object **objp)
{
	return get(c, url, kind, NULL, budget, v, 0, objp);
}

int
px_cache_refresh(struct px_cache *c, const char *url, enum px_kind kind,
    struct px_budget *budget, const struct px_validator *v,
    struct px_object **objp)
{
	return get(c, url, kind, NULL, budget, v, 1, objp);
}

int
px_cache_get_by(struct px_cache *c, const char *key, enum px_kind kind,
    const struct px_fetch *f, struct px_budget *budget,
    const struct px_validator *v, struct px_object **objp)
{
	return get(c, key, kind, f, budget, v, 0, objp);
}

/* One retrieval as it goes through the steps of get(). */
struct get_state {
	const char *url; /* the cache key */
	enum px_kind kind;
	const struct px_fetch *f;
	const struct px_validator *v;
	int force; /* revalidate even a fresh entry */
	struct px_url pu;
	char hex[PX_KEY_HEX];
	struct entry e; /* what the caches hold, or the new object */
	time_t resync;
	long t0, timeout_ms;
	int probe;   /* this process holds the server's probe */
	int offline; /* the failure is the server's: crl_grace applies */
	char note[160];
};

/* Step 1: the memory cache, then the disk caches.  Returns where a fresh
 * entry came from (st->e holds it), or PX_SRC_NONE (st->e: what the disk
 * holds). */
static enum px_source
get_cached(struct px_cache *c, struct get_state *st)
{
	time_t now = c->now();

	if (!st->force && c->cfg->memory &&
	    px_mem_get(st->url, st->resync, &st->e) == 0) {
		if (px_fresh(&st->e.meta, now, st->resync)) {
			px_cache_trace(st->url, PX_SRC_MEMORY, 0,
			    st->e.meta.size, px_now_ms() - st->t0, "fresh");
			return PX_SRC_MEMORY;
		}
		px_entry_clear(&st->e);
	}
	px_entry_load(c, st->hex, st->url, st->kind, st->v, &st->e);
	if (st->force || !HAVE(&st->e) ||
	    !px_fresh(&st->e.meta, now, st->resync))
		return PX_SRC_NONE;
	px_cache_trace(st->url, PX_SRC_DISK, 0, st->e.meta.size,
	    px_now_ms() - st->t0, "fresh");
	px_entry_remember(c, st->url, &st->e, now);
	return PX_SRC_DISK;
}

/* Step 2: may the network be asked?  offline = yes, allowed_urls, the
 * offline list (which may give this process the server's probe), the
 * budget.  Returns 0 with st->timeout_ms, or a PX_ERR_* (traced). */
static int
get_may_fetch(
    struct px_cache *c, struct get_state *st, struct px_budget *budget)
{
	int r = 0;

	if (c->cfg->offline) {
		r = PX_ERR_OFFLINE;
		st->offline = 1;
		snprintf(st->note, sizeof(st->note), "error=\"offline = yes\"");
	} else if (!px_url_allowed(c->cfg, &st->pu)) {
		r = PX_ERR_NOT_ALLOWED;
		snprintf(st->note, sizeof(st->note),
		    "error=\"not in allowed_urls\"");
		px_warn("%s: not in allowed_urls; not fetched", st->url);
	} else if ((st->probe = cache_offline_check(
	                c, &st->pu, st->note, sizeof(st->note))) == 1) {
		r = PX_ERR_OFFLINE;
		st->offline = 1;
	} else if ((st->timeout_ms = px_budget_next(budget)) <= 0) {
		r = PX_ERR_TIMEOUT;
		snprintf(
		    st->note, sizeof(st->note), "error=\"time budget spent\"");
	}
	if (r != 0)
		px_cache_trace(st->url, PX_SRC_OFFLINE, 0, 0,
		    px_now_ms() - st->t0, st->note);
	return r;
}

/* Step 3: the entry's lock (one retrieval per URL), then the disk again:
 * another process may have stored it meanwhile.  Returns 0 with *lockfdp
 * (-1 without a cache to write), 1 when the entry is fresh now, or a
 * PX_ERR_* (traced). */
static int
get_lock(struct px_cache *c, struct get_state *st, int *lockfdp)
{
	time_t now;
	int r;

	*lockfdp = -1;
	if (c->wdir == NULL)
		return 0;
	if ((r = cache_lock_wait(c, &st->pu, st->hex,
	         px_now_ms() + st->timeout_ms, st->probe == 2, lockfdp,
	         st->note, sizeof(st->note))) != 0) {
		st->offline = r == PX_ERR_OFFLINE;
		px_cache_trace(st->url, PX_SRC_OFFLINE, 0, 0,
		    px_now_ms() - st->t0, st->note);
		return r;
	}
	px_entry_clear(&st->e);
	px_entry_load(c, st->hex, st->url, st->kind, st->v, &st->e);
	now = c->now();
	if (!st->force && HAVE(&st->e) &&
	    px_fresh(&st->e.meta, now, st->resync)) {
		px_disk_unlock(*lockfdp);
		*lockfdp = -1;
		px_entry_remember(c, st->url, &st->e, now);
		px_cache_trace(st->url, PX_SRC_DISK, 0, st->e.len,
		    px_now_ms() - st->t0,
		    "fresh after waiting for another process");
		return 1;
	}
	st->timeout_ms -= px_now_ms() - st->t0;
	return 0;
}

/* Step 4: the network step (the retrieval helper, in a login process),
 * under the lock.  Returns 0 with the object in st->e, or a PX_ERR_*. */
static int
get_network(
    struct px_cache *c, struct get_state *st, int lockfd, enum px_source *srcp)
{
	struct px_job job;
	int r;

	job.url = st->url;
	job.pu = &st->pu;
	job.hex = st->hex;
	job.kind = st->kind;
	job.f = st->f;
	job.timeout_ms = job.budget_ms = st->timeout_ms;
	job.v = st->v;
	job.lockfd = lockfd;
	job.count_failure = 1;
	r = c->net(c, &job, &st->e, srcp, st->note, sizeof(st->note));
	if (r == 0)
		px_entry_remember(c, st->url, &st->e, c->now());
	else
		st->offline = r == PX_ERR_TIMEOUT || r == PX_ERR_UNREACHABLE;
	return r;
}

/*
 * force: revalidate with the server even when the entry is fresh.  f: how to
 * fetch when the key is not the URL (OCSP), or NULL.
 */
static int
get(struct px_cache *c, const char *url, enum px_kind kind,
    const struct px_fetch *f, struct px_budget *budget,
    const struct px_validator *v, int force, struct px_object **objp)
{
	struct get_state st;
	enum px_source src = PX_SRC_NETWORK;
	int lockfd = -1, r;

	*objp = NULL;
	memset(&st, 0, sizeof(st));
	px_entry_init(&st.e);
	st.url = url;
	st.kind = kind;
	st.f = f;
	st.v = v;
	st.force = force;
	st.t0 = px_now_ms();
	if ((r = cache_url_refused(url, f, &st.pu)) != 0)
		return r;
	st.resync = px_resync_time(c, c->now());
	px_cache_key(url, st.hex);
	if ((src = get_cached(c, &st)) != PX_SRC_NONE)
		return px_entry_hand_out(&st.e, src, 0, objp);
	src = PX_SRC_NETWORK;
	if ((r = get_may_fetch(c, &st, budget)) != 0 ||
	    (r = get_lock(c, &st, &lockfd)) < 0)
		goto fallback;
	if (r == 1)
		return px_entry_hand_out(&st.e, PX_SRC_DISK, 0, objp);
	r = get_network(c, &st, lockfd, &src);
	px_disk_unlock(lockfd);
	if (r == 0)
		return px_entry_hand_out(&st.e, src, 0, objp);
fallback:
	/* The network failed: the cached object while it is still valid. */
	if (HAVE(&st.e) && px_usable(c, &st.e.meta, c->now(), st.offline)) {
		px_info("%s: using the cached copy (%s)", url, px_strerror(r));
		return px_entry_hand_out(&st.e, PX_SRC_DISK, 1, objp);
	}
	px_entry_clear(&st.e);
	return r;
}
