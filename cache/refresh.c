/* SPDX-License-Identifier: BSD-2-Clause */
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

/* One network step as it goes: what was asked, what came back. */
struct refresh_state {
	const struct px_job *job;
	struct entry *e; /* the cached entry: validators, what a 304 keeps */
	struct entry n;  /* the new object */
	struct px_http_response resp;
	time_t now;
	long max_age; /* Cache-Control: max-age to send, -1 none */
	int conditional, retried, ldap;
	char bind[24];
	char *note;
	size_t nlen;
};

#define REFRESH_AGAIN 1 /* ask once more, with Cache-Control: max-age=0 */

/* Seed 003: a proxy on the way may have answered from a stale copy: the
 * next request asks every cache to revalidate.  Once. */
static int
refresh_again(struct refresh_state *st)
{
	if (st->retried)
		return 0;
	st->retried = 1;
	st->conditional = 0;
	st->max_age = 0;
	px_blob_clear(&st->n.idx);
	px_http_response_clear(&st->resp);
	return REFRESH_AGAIN;
}

/* Step 1: one request; an unreachable server goes on the offline list. */
static int
refresh_ask(struct px_cache *c, struct refresh_state *st)
{
	const struct px_job *job = st->job;
	int r;

	memset(&st->resp, 0, sizeof(st->resp));
	if (st->ldap)
		r = px_req_ldap(c, job->url, job->kind, job->timeout_ms,
		    &st->resp, st->bind, sizeof(st->bind));
	else
		r = px_req_http(c, job->url, job->f, st->e, st->max_age,
		    st->conditional, job->timeout_ms, &st->resp);
	if (r != 0) {
		if ((r == PX_ERR_TIMEOUT || r == PX_ERR_UNREACHABLE) &&
		    job->count_failure)
			px_cache_offline_failed(c, job->pu);
		snprintf(st->note, st->nlen, "error=\"%s\"", px_strerror(r));
		return r;
	}
	px_cache_offline_succeeded(c, job->pu);
	return 0;
}

/* Step 2a: 304, the cached object is current: its metadata refreshed
 * (an expired object from a proxy is asked for again). */
static int
refresh_not_modified(struct px_cache *c, struct refresh_state *st)
{
	struct entry *e = st->e;

	px_req_take_headers(&e->meta, &st->resp, st->now);
	if (e->meta.info.next_update != 0 &&
	    e->meta.info.next_update < st->now &&
	    refresh_again(st) == REFRESH_AGAIN)
		return REFRESH_AGAIN;
	if (e->dir == c->wdir && c->wdir != NULL &&
	    px_disk_store_meta(c->wdir, st->job->hex, &e->meta) != 0)
		px_warn("%s: metadata not updated", st->job->url);
	snprintf(st->note, st->nlen, "not-modified");
	return 0;
}

/* Step 2b: 200, a new object: validated, checked against what the cache
 * holds (seed 003: not expired, not older), stored. */
static int
refresh_take(struct px_cache *c, struct refresh_state *st)
{
	const struct px_job *job = st->job;
	struct px_obj_info info;
	enum refresh_older older;
	int r;

	memset(&info, 0, sizeof(info));
	SHA256(st->resp.body, st->resp.len, st->n.meta.sha256);
	if ((r = job->v->validate(job->v->arg, st->resp.body, st->resp.len,
	         st->n.meta.sha256, &info, &st->n.idx.mem, &st->n.idx.len)) !=
	    0) {
		px_warn("%s: the object fetched was rejected: %s; the cache "
		        "is left as it was",
		    job->url, px_strerror(r));
		snprintf(st->note, st->nlen, "rejected=\"%s\"", px_strerror(r));
		return r;
	}
	/* Already past its nextUpdate: a proxy's stale copy. */
	if (info.next_update != 0 && info.next_update < st->now &&
	    refresh_again(st) == REFRESH_AGAIN)
		return REFRESH_AGAIN;
	if ((older = refresh_older(c, st->e, &st->resp, &info, st->now)) !=
	    REFRESH_NEWER) {
		if (!st->retried) {
			/* The trace says so unless a later note replaces it. */
			snprintf(st->note, st->nlen,
			    "asked-again=\"max-age=0: %s\"",
			    older == REFRESH_OLDER
			        ? "an older object than the cached one"
			        : "an older Date than the cached one");
			return refresh_again(st);
		}
		if (older == REFRESH_OLDER) {
			px_warn("%s: the server returned an older object than "
			        "the cached one; keeping the cached one",
			    job->url);
			snprintf(st->note, st->nlen, "older-than-cached");
		} else {
			px_warn("%s: the server returned a response with an "
			        "older Date than the cached one (a stale "
			        "proxy); keeping the cached one",
			    job->url);
			snprintf(st->note, st->nlen, "older-date-than-cached");
		}
		refresh_keep(c, job->hex, st->e, st->now);
		return PX_ERR_BAD_FORMAT;
	}
	if ((st->n.meta.url = strdup(job->url)) == NULL ||
	    (st->bind[0] != '\0' &&
	        (st->n.meta.bind = strdup(st->bind)) == NULL))
		return PX_ERR_NOMEM;
	st->n.meta.kind = job->kind;
	st->n.meta.info = info;
	st->n.meta.max_age = -1;
	px_req_take_headers(&st->n.meta, &st->resp, st->now);
	st->n.der = st->resp.body;
	st->n.len = st->resp.len;
	st->resp.body = NULL;
	if ((r = refresh_store(c, job->hex, &st->n)) != 0)
		return r;
	px_entry_clear(st->e);
	*st->e = st->n;
	px_entry_init(&st->n);
	return 0;
}

/*
 * The network part of px_cache_get(), under the entry's lock: ask, then
 * keep the cached object (304) or take the new one (200), once more with
 * max-age=0 when a proxy seems to answer from a stale copy.  On success *e
 * holds the object to hand out and *srcp says where it came from.
 */
int
px_refresh(struct px_cache *c, const struct px_job *job, struct entry *e,
    enum px_source *srcp, char *note, size_t nlen)
{
	struct refresh_state st;
	long t0 = px_now_ms(), status = 0;
	size_t bytes = 0;
	int r;

	memset(&st, 0, sizeof(st));
	px_entry_init(&st.n);
	st.job = job;
	st.e = e;
	st.now = c->now();
	st.max_age = HAVE(e) ? e->meta.max_age : -1;
	st.ldap = !px_url_is_http(job->pu);
	st.note = note;
	st.nlen = nlen;
	/* LDAP has no conditional request and no proxy to ask again; an OCSP
	 * request is never conditional. */
	st.retried = st.ldap;
	st.conditional = job->f == NULL;
	do {
		r = refresh_ask(c, &st);
		status = st.resp.status;
		bytes += st.resp.len;
		if (r != 0)
			break;
		if (st.resp.status == 304 && HAVE(e))
			r = refresh_not_modified(c, &st);
		else if (st.resp.status == 200)
			r = refresh_take(c, &st);
		else {
			r = PX_ERR_NETWORK;
			snprintf(note, nlen, "error=\"HTTP status %ld\"",
			    st.resp.status);
			px_warn(
			    "%s: HTTP status %ld", job->url, st.resp.status);
		}
	} while (r == REFRESH_AGAIN);
	if (r == 0)
		*srcp = PX_SRC_NETWORK;
	if (st.bind[0] != '\0') {
		char tmp[160];

		snprintf(tmp, sizeof(tmp), "bind=%s%s%.120s", st.bind,
		    note[0] != '\0' ? " " : "", note);
		snprintf(note, nlen, "%s", tmp);
	}
	refresh_trace_net(
	    job->url, status, bytes, px_now_ms() - t0, job->budget_ms, note);
	note[0] = '\0';
	px_http_response_clear(&st.resp);
	px_entry_clear(&st.n);
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
