/* SPDX-License-Identifier: BSD-2-Clause */
/* Administration of the caches (pkixctl urlcache, offline): listing,
 * counting, deleting. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "cache_int.h"
#include "offline.h"

int
px_cache_count(struct px_cache *c, enum px_kind kind, const char *prefix)
{
	char responder[PX_URL_MAX];
	unsigned long n, total = 0;
	size_t len = strlen(prefix);
	int i;

	/* The OCSP responses of one responder, from the count files: a
	 * decision never walks the cache (cache/ocspcount.c). */
	if (kind != PX_KIND_OCSP || len < 2 || prefix[len - 1] != '#' ||
	    len > sizeof(responder))
		return PX_ERR_INVALID_ARG;
	memcpy(responder, prefix, len - 1);
	responder[len - 1] = '\0';
	/* A directory whose counts cannot be read counts nothing. */
	for (i = 0; i < c->ndirs; i++)
		if (px_ocount_get(&c->dirs[i], responder, &n) == 0)
			total += n;
	return total > INT_MAX ? INT_MAX : (int)total;
}

struct walk {
	int (*fn)(void *, const char *, const struct px_meta *);
	void *arg;
	enum px_kind kind;
	int count;
	struct px_ocount kept; /* the OCSP responses left */
	int nomem;
};

static int
admin_list_one(void *arg, const struct px_cdir *d, const char *hex,
    const struct px_meta *meta)
{
	struct walk *w = arg;

	return w->fn(w->arg, d->name, meta);
}

int
px_cache_list(struct px_cache *c,
    int (*fn)(void *arg, const char *dir, const struct px_meta *meta),
    void *arg)
{
	struct walk w = { fn, arg, 0, 0, { NULL, 0 }, 0 };
	int i, r;

	for (i = 0; i < c->ndirs; i++)
		if ((r = px_disk_walk(&c->dirs[i], admin_list_one, &w)) != 0)
			return r;
	return 0;
}

static int
admin_delete_one(void *arg, const struct px_cdir *d, const char *hex,
    const struct px_meta *meta)
{
	struct walk *w = arg;

	int r;

	if (w->kind == 0 || meta->kind == w->kind) {
		px_disk_unlink(d, hex);
		w->count++;
	} else if (meta->kind == PX_KIND_OCSP &&
	    (r = px_ocount_add(&w->kept, meta->url, 1)) == PX_ERR_NOMEM)
		w->nomem = 1;
	return 0;
}

int
px_cache_delete(struct px_cache *c, enum px_kind kind)
{
	struct walk w = { NULL, NULL, kind, 0, { NULL, 0 }, 0 };
	int lk = -1, locked, r;

	if (c->wdir == NULL) {
		px_error("no cache this process may write to");
		return PX_ERR_INSECURE;
	}
	/* The walk that deletes also counts what stays: the counts are
	 * written once, exact, under the lock the stores take. */
	locked = px_ocount_lock(c->wdir, &lk) == 0;
	r = px_disk_walk(c->wdir, admin_delete_one, &w);
	if (!locked || r != 0 || w.nomem ||
	    px_ocount_save(c->wdir, &w.kept) != 0)
		px_ocount_invalidate(c->wdir); /* the next reader rebuilds */
	if (r == 0)
		r = w.count;
	px_disk_unlock(lk);
	px_ocount_clear(&w.kept);
	return r;
}

int
px_cache_offline_list(struct px_cache *c,
    int (*fn)(void *arg, const char *kind, const char *url, time_t retry_at,
        long interval),
    void *arg)
{
	return px_offline_list(c->offline, fn, arg);
}

int
px_cache_offline_clear(struct px_cache *c)
{
	return px_offline_clear(c->offline);
}
