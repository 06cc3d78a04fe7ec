/* SPDX-License-Identifier: BSD-2-Clause */
/* A cache entry as found on disk: loaded, checked, rebuilt, handed out. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "../common/log.h"
#include "cache_int.h"

void
px_object_free(struct px_object *o)
{
	if (o == NULL)
		return;
	free(o->der);
	px_blob_clear(&o->idx);
	px_meta_clear(&o->meta);
	free(o);
}

void
px_blob_clear(struct px_blob *b)
{
	free(b->mem);
	if (b->fd != -1)
		close(b->fd);
	b->mem = NULL;
	b->fd = -1;
	b->len = 0;
}

void
px_entry_init(struct entry *e)
{
	memset(e, 0, sizeof(*e));
	e->idx.fd = -1;
}

void
px_entry_clear(struct entry *e)
{
	px_meta_clear(&e->meta);
	free(e->der);
	px_blob_clear(&e->idx);
	px_entry_init(e);
}

/*
 * Damaged metadata beside an object: the object is validated again for
 * url and the metadata rebuilt from it (what only the server's headers
 * said - ETag, max-age - is lost), so that a broken .meta file never
 * destroys a CRL that is still valid.  Returns 0 (t filled) or -1.
 */
static int
entry_rebuild_meta(struct px_cache *c, struct px_cdir *d, const char *hex,
    const char *url, enum px_kind kind, const struct px_validator *v,
    struct entry *t)
{
	struct px_obj_info info;
	unsigned char *idx = NULL;
	size_t il = 0;
	time_t mtime = 0;

	px_entry_init(t);
	if (px_disk_read_der(
	        d, hex, c->cfg->max_object_size, &t->der, &t->len, &mtime) != 0)
		goto fail;
	memset(&info, 0, sizeof(info));
	SHA256(t->der, t->len, t->meta.sha256);
	if (v->validate(v->arg, t->der, t->len, t->meta.sha256, &info, &idx,
	        &il) != 0 ||
	    (t->meta.url = strdup(url)) == NULL)
		goto fail;
	t->meta.kind = kind;
	t->meta.info = info;
	t->meta.max_age = -1;
	t->meta.fetched_at = mtime > 0 ? mtime : c->now();
	t->meta.size = t->len;
	t->dir = d;
	t->idx.mem = idx;
	t->idx.len = il;
	if (d->writable &&
	    (px_disk_store_meta(d, hex, &t->meta) != 0 ||
	        (idx != NULL && px_disk_store_idx(d, hex, idx, il) != 0)))
		px_warn("%s cache entry %s: rebuilt metadata not stored",
		    d->name, hex);
	px_warn("%s cache entry %s: metadata rebuilt from the object", d->name,
	    hex);
	return 0;
fail:
	free(idx);
	px_entry_clear(t);
	px_disk_discard(d, hex, "damaged metadata, and no valid object");
	return -1;
}

/*
 * Loads the entry hex of one directory.  With an index kind, the warm path
 * maps the index and never reads the object; a missing or damaged index is
 * rebuilt from the object (and stored again when the directory is ours).
 * Returns 0 or -1 (no usable entry).
 */
static int
entry_load_one(struct px_cache *c, struct px_cdir *d, const char *hex,
    const char *url, enum px_kind kind, const struct px_validator *v,
    struct entry *t)
{
	struct px_obj_info info;
	size_t max = c->cfg->max_object_size, il = 0;
	unsigned char *idx = NULL;
	struct px_blob b = { NULL, -1, 0 };

	px_entry_init(t);
	switch (px_disk_load_meta(d, hex, &t->meta)) {
	case 0: break;
	case PX_ERR_BAD_FORMAT:
		return entry_rebuild_meta(c, d, hex, url, kind, v, t);
	default: return -1;
	}
	if (strcmp(t->meta.url, url) != 0) /* a hash collision? */
		goto fail;
	t->dir = d;
	if (v->check_index != NULL &&
	    px_disk_open_idx(d, hex, 4 * max, &b.fd, &b.len) == 0) {
		if (v->check_index(v->arg, &b, t->meta.sha256) == 0) {
			if (px_disk_check_der(d, hex, &t->meta) != 0) {
				px_blob_clear(&b);
				goto fail;
			}
			t->idx = b;
			return 0;
		}
		px_blob_clear(&b);
		px_warn("%s cache entry %s: damaged index; rebuilt from the "
		        "object",
		    d->name, hex);
	}
	if (px_disk_load_der(d, hex, &t->meta, max, &t->der, &t->len) != 0)
		goto fail;
	if (v->check_index == NULL)
		return 0;
	/* Validated again, for the issuer the caller has in mind. */
	memset(&info, 0, sizeof(info));
	if (v->validate(
	        v->arg, t->der, t->len, t->meta.sha256, &info, &idx, &il) != 0)
		goto fail;
	if (idx != NULL && d->writable && px_disk_store_idx(d, hex, idx, il))
		px_warn("%s cache entry %s: index not stored", d->name, hex);
	t->idx.mem = idx;
	t->idx.len = il;
	return 0;
fail:
	px_entry_clear(t);
	return -1;
}

/* Loads the freshest copy of hex from the machine and user caches. */
void
px_entry_load(struct px_cache *c, const char *hex, const char *url,
    enum px_kind kind, const struct px_validator *v, struct entry *e)
{
	struct entry t;
	int i;

	px_entry_init(e);
	for (i = 0; i < c->ndirs; i++) {
		if (entry_load_one(c, &c->dirs[i], hex, url, kind, v, &t) != 0)
			continue;
		if (!HAVE(e) || t.meta.fetched_at > e->meta.fetched_at) {
			px_entry_clear(e);
			*e = t;
		} else
			px_entry_clear(&t);
	}
}

/* Into the memory cache; an entry just stored on disk is reopened there so
 * that the memory cache holds a descriptor, not a copy of the index. */
void
px_entry_remember(
    struct px_cache *c, const char *url, struct entry *e, time_t now)
{
	char hex[PX_KEY_HEX];
	struct px_blob b = { NULL, -1, 0 };

	if (!c->cfg->memory)
		return;
	if (e->idx.mem != NULL && e->dir != NULL) {
		px_cache_key(url, hex);
		if (px_disk_open_idx(e->dir, hex, e->idx.len, &b.fd, &b.len) ==
		        0 &&
		    b.len == e->idx.len) {
			free(e->idx.mem);
			e->idx = b;
		} else if (b.fd != -1)
			close(b.fd);
	}
	px_mem_put(url, e, now);
}

int
px_entry_hand_out(
    struct entry *e, enum px_source src, int stale, struct px_object **objp)
{
	struct px_object *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return PX_ERR_NOMEM;
	o->der = e->der;
	o->len = e->der != NULL ? e->len : e->meta.size;
	o->idx = e->idx;
	o->meta = e->meta;
	o->source = src;
	o->stale = stale;
	px_entry_init(e);
	*objp = o;
	return 0;
}
