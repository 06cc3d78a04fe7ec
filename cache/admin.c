/* Administration of the caches (pkixctl urlcache, offline): listing,
 * counting, deleting. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "cache_int.h"
#include "offline.h"

struct count {
	enum px_kind kind;
	const char *prefix;
	int n;
};

static int
admin_count_one(void *arg, const struct px_cdir *d, const char *hex,
    const struct px_meta *meta)
{
	struct count *k = arg;

	if (meta->kind == k->kind &&
	    strncmp(meta->url, k->prefix, strlen(k->prefix)) == 0)
		k->n++;
	return 0;
}

int
px_cache_count(struct px_cache *c, enum px_kind kind, const char *prefix)
{
	struct count k = { kind, prefix, 0 };
	int i;

	/* A directory that cannot be listed counts nothing. */
	for (i = 0; i < c->ndirs; i++)
		if (px_disk_walk(&c->dirs[i], admin_count_one, &k) != 0)
			continue;
	return k.n;
}

struct walk {
	int (*fn)(void *, const char *, const struct px_meta *);
	void *arg;
	enum px_kind kind;
	int count;
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
	struct walk w = { fn, arg, 0, 0 };
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

	if (w->kind == 0 || meta->kind == w->kind) {
		px_disk_remove(d, hex);
		w->count++;
	}
	return 0;
}

int
px_cache_delete(struct px_cache *c, enum px_kind kind)
{
	struct walk w = { NULL, NULL, kind, 0 };
	int r;

	if (c->wdir == NULL) {
		px_error("no cache this process may write to");
		return PX_ERR_INSECURE;
	}
	if ((r = px_disk_walk(c->wdir, admin_delete_one, &w)) != 0)
		return r;
	return w.count;
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
