/* The network step of a retrieval (seed 003): request, validate, store. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "../common/log.h"
#include "../http/http.h"
#include "cache_int.h"
#include "headers.h"
#include "net.h"
#include "offline.h"

/* Why a validated object is not taken over the cached one. */
enum refresh_older { REFRESH_NEWER = 0, REFRESH_OLDER_DATE, REFRESH_OLDER };

/* Stores a validated object as the new entry for url. */
static int
refresh_store(struct px_cache *c, const char *hex, struct entry *e)
{
	int r;

	e->meta.size = e->len; /* sha256 was set before validation */
	if (c->wdir == NULL)
		return 0;
	if ((r = px_disk_store(c->wdir, hex, &e->meta, e->der, e->len,
	         e->idx.mem, e->idx.len)) != 0) {
		/* (A full disk: the object still serves this time, from
		 * memory; the cache keeps what it had.) */
		px_warn("%s: not stored in the %s cache: %s", e->meta.url,
		    c->wdir->name, px_strerror(r));
		return 0;
	}
	e->dir = c->wdir;
	return 0;
}

/*
 * Seed 003: a response whose Date is older than the cached response's came
 * from a stale cache on the way (both Dates must parse, else the rule does
 * not apply); an object older than the cached one (CRL number, thisUpdate)
 * is not taken either.  The Date rule keeps only a cached object that can
 * still serve: a server whose clock went back must not lock its URL out
 * once the cached object has expired.
 */
static enum refresh_older
refresh_older(const struct px_cache *c, const struct entry *e,
    const struct px_http_response *resp, const struct px_obj_info *info,
    time_t now)
{
	time_t cached, got;

	if (!HAVE(e))
		return REFRESH_NEWER;
	if (px_info_compare(info, &e->meta.info) < 0)
		return REFRESH_OLDER;
	if (px_hdr_date(e->meta.date, &cached) == 0 &&
	    px_hdr_date(resp->date, &got) == 0 && got < cached &&
	    px_usable(c, &e->meta, now, 0))
		return REFRESH_OLDER_DATE;
	return REFRESH_NEWER;
}

/*
 * Remembers that the server was asked at now and had nothing newer than
 * the cached object: the entry counts as fetched now, so that it serves
 * for its max-age (or nextUpdate) again instead of every login asking the
 * same stale server twice.  Only an entry in the cache this process
 * writes can be updated.
 */
static void
refresh_keep(struct px_cache *c, const char *hex, struct entry *e, time_t now)
{
	e->meta.fetched_at = now;
	if (e->dir == c->wdir && c->wdir != NULL &&
	    px_disk_store_meta(c->wdir, hex, &e->meta) != 0)
		px_warn("%s: metadata not updated", e->meta.url);
}

/* A network trace line also names the time the URL was given. */
static void
refresh_trace_net(const char *url, long status, size_t bytes, long ms,
    long timeout_ms, const char *note)
{
	char buf[200];

	snprintf(buf, sizeof(buf), "timeout=%ldms%s%s", timeout_ms,
	    note[0] != '\0' ? " " : "", note);
	px_cache_trace(url, PX_SRC_NETWORK, status, bytes, ms, buf);
}

/*
 * The network part of px_cache_get(), under the entry's lock.  On success
 * *e holds the object to hand out and *srcp says where it came from.
 */
int
px_refresh(struct px_cache *c, const struct px_job *job, struct entry *e,
    enum px_source *srcp, char *note, size_t nlen)
{
	const char *url = job->url, *hex = job->hex;
	const struct px_url *pu = job->pu;
	const struct px_fetch *f = job->f;
	const struct px_validator *v = job->v;
	enum px_kind kind = job->kind;
	long timeout_ms = job->timeout_ms;
	struct px_http_response resp;
	struct px_obj_info info;
	struct entry n;
	enum refresh_older older;
	time_t now = c->now();
	long max_age = HAVE(e) ? e->meta.max_age : -1;
	long t0 = px_now_ms(), status = 0;
	size_t bytes = 0;
	int r, retried = 0, conditional = 1, ldap = !px_url_is_http(pu);
	char bind[24] = "";

	px_entry_init(&n);
	/* LDAP has no conditional request and no proxy to ask again; an OCSP
	 * request is never conditional. */
	if (ldap)
		retried = 1;
	if (f != NULL)
		conditional = 0;
again:
	memset(&resp, 0, sizeof(resp));
	if (ldap)
		r = px_req_ldap(
		    c, url, kind, timeout_ms, &resp, bind, sizeof(bind));
	else
		r = px_req_http(
		    c, url, f, e, max_age, conditional, timeout_ms, &resp);
	status = resp.status;
	bytes += resp.len;
	if (r != 0) {
		/* Only a server we cannot reach goes on the offline list. */
		if ((r == PX_ERR_TIMEOUT || r == PX_ERR_UNREACHABLE) &&
		    job->count_failure)
			px_cache_offline_failed(c, pu);
		snprintf(note, nlen, "error=\"%s\"", px_strerror(r));
		goto out;
	}
	px_cache_offline_succeeded(c, pu);
	if (resp.status == 304 && HAVE(e)) {
		px_req_take_headers(&e->meta, &resp, now);
		if (e->meta.info.next_update != 0 &&
		    e->meta.info.next_update < now && !retried) {
			/* Seed 003: an expired object from a proxy: ask again.
			 */
			retried = 1;
			conditional = 0;
			max_age = 0;
			px_http_response_clear(&resp);
			goto again;
		}
		if (e->dir == c->wdir && c->wdir != NULL &&
		    px_disk_store_meta(c->wdir, hex, &e->meta) != 0)
			px_warn("%s: metadata not updated", url);
		*srcp = PX_SRC_NETWORK;
		snprintf(note, nlen, "not-modified");
		r = 0;
		goto out;
	}
	if (resp.status != 200) {
		r = PX_ERR_NETWORK;
		snprintf(note, nlen, "error=\"HTTP status %ld\"", resp.status);
		px_warn("%s: HTTP status %ld", url, resp.status);
		goto out;
	}
	memset(&info, 0, sizeof(info));
	SHA256(resp.body, resp.len, n.meta.sha256);
	if ((r = v->validate(v->arg, resp.body, resp.len, n.meta.sha256, &info,
	         &n.idx.mem, &n.idx.len)) != 0) {
		px_warn("%s: the object fetched was rejected: %s; the cache "
		        "is left as it was",
		    url, px_strerror(r));
		snprintf(note, nlen, "rejected=\"%s\"", px_strerror(r));
		goto out;
	}
	if (info.next_update != 0 && info.next_update < now && !retried) {
		/* Seed 003: assume a proxy returned a stale copy: ask again. */
		px_blob_clear(&n.idx);
		retried = 1;
		conditional = 0;
		max_age = 0;
		px_http_response_clear(&resp);
		goto again;
	}
	if ((older = refresh_older(c, e, &resp, &info, now)) != REFRESH_NEWER) {
		if (!retried) {
			/* Seed 003: a proxy's stale copy: ask once more with
			 * max-age=0, so that the proxies revalidate.  The
			 * trace says so unless a later note replaces it. */
			snprintf(note, nlen, "asked-again=\"max-age=0: %s\"",
			    older == REFRESH_OLDER
			        ? "an older object than the cached one"
			        : "an older Date than the cached one");
			px_blob_clear(&n.idx);
			retried = 1;
			conditional = 0;
			max_age = 0;
			px_http_response_clear(&resp);
			goto again;
		}
		if (older == REFRESH_OLDER) {
			px_warn("%s: the server returned an older object than "
			        "the cached one; keeping the cached one",
			    url);
			snprintf(note, nlen, "older-than-cached");
		} else {
			px_warn("%s: the server returned a response with an "
			        "older Date than the cached one (a stale "
			        "proxy); keeping the cached one",
			    url);
			snprintf(note, nlen, "older-date-than-cached");
		}
		refresh_keep(c, hex, e, now);
		r = PX_ERR_BAD_FORMAT;
		goto out;
	}
	if ((n.meta.url = strdup(url)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	n.meta.kind = kind;
	n.meta.info = info;
	n.meta.max_age = -1;
	px_req_take_headers(&n.meta, &resp, now);
	if (bind[0] != '\0' && (n.meta.bind = strdup(bind)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	n.der = resp.body;
	n.len = resp.len;
	resp.body = NULL;
	if ((r = refresh_store(c, hex, &n)) != 0)
		goto out;
	px_entry_clear(e);
	*e = n;
	px_entry_init(&n);
	*srcp = PX_SRC_NETWORK;
	r = 0;
out:
	if (bind[0] != '\0') {
		char tmp[160];

		snprintf(tmp, sizeof(tmp), "bind=%s%s%.120s", bind,
		    note[0] != '\0' ? " " : "", note);
		snprintf(note, nlen, "%s", tmp);
	}
	refresh_trace_net(
	    url, status, bytes, px_now_ms() - t0, job->budget_ms, note);
	note[0] = '\0';
	px_http_response_clear(&resp);
	px_entry_clear(&n);
	return r;
}

void
px_cache_use_network(struct px_cache *c)
{
	c->net = px_refresh;
}

int
px_cache_fetch_now(struct px_cache *c, const char *key, enum px_kind kind,
    const struct px_fetch *f, long timeout_ms, long budget_ms,
    const struct px_validator *v, struct px_object **objp, int *storedp)
{
	char hex[PX_KEY_HEX], note[160] = "", why[160];
	struct px_url pu, asked;
	struct px_job job;
	struct entry e;
	enum px_source src = PX_SRC_NONE;
	int r;

	*objp = NULL;
	*storedp = 0;
	/* Checked again here: the request is input like any other. */
	if ((r = px_url_policy(c->cfg, f != NULL ? f->responder : key, &pu, why,
	         sizeof(why))) != 0) {
		px_warn("%s: %s", key, why);
		return r;
	}
	if (f != NULL && px_url_parse(f->url, &asked) != 0) {
		px_warn("%s: URL refused: %s", key, asked.why);
		return PX_ERR_BAD_URL;
	}
	px_cache_key(key, hex);
	px_entry_init(&e);
	px_entry_load(c, hex, key, kind, v, &e);
	job.url = key;
	job.pu = &pu;
	job.hex = hex;
	job.kind = kind;
	job.f = f;
	job.timeout_ms = timeout_ms;
	job.budget_ms = budget_ms;
	job.v = v;
	job.lockfd = -1;
	/* The caller counts this attempt's failure (it may have done so
	 * already, when its budget ended first). */
	job.count_failure = 0;
	if ((r = px_refresh(c, &job, &e, &src, note, sizeof(note))) != 0) {
		px_entry_clear(&e);
		return r;
	}
	/* In a cache directory (stored, or a 304 refreshed an entry there),
	 * or only in memory (no cache this process may write). */
	*storedp = e.dir != NULL;
	return px_entry_hand_out(&e, src, 0, objp);
}
