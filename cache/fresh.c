/* SPDX-License-Identifier: BSD-2-Clause */
/* Freshness (DESIGN.md section 4, seed 003): when a cached object serves
 * without a request, when it must be revalidated, and the resync time. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/log.h"
#include "../common/util.h"
#include "cache_int.h"

/* Objects without nextUpdate or max-age are revalidated after a day. */
#define PX_DEFAULT_LIFETIME 86400

static time_t
fresh_until(const struct px_meta *m)
{
	time_t t = m->info.next_update;

	if (m->max_age >= 0 && (t == 0 || m->fetched_at + m->max_age < t))
		t = m->fetched_at + m->max_age;
	if (t == 0)
		t = m->fetched_at + PX_DEFAULT_LIFETIME;
	return t;
}

/* Fresh, and not fetched before a resync time that has come (pkixctl
 * resync invalidates what was fetched before it). */
int
px_fresh(const struct px_meta *m, time_t now, time_t resync)
{
	if (resync != 0 && m->fetched_at < resync)
		return 0;
	return now < fresh_until(m);
}

#define RESYNC_FILE "resync"

/* "SECONDS\n", as px_cache_resync_set() writes it, and nothing else. */
static int
resync_parse(char *text, size_t len, uint64_t *v)
{
	if (len < 2 || text[len - 1] != '\n')
		return PX_ERR_BAD_FORMAT;
	text[len - 1] = '\0';
	if (px_parse_uint(text, INT64_MAX, v) != 0 || *v == 0)
		return PX_ERR_BAD_FORMAT;
	return 0;
}

/* The resync time in force: 0, or a time that has come. */
time_t
px_resync_time(struct px_cache *c, time_t now)
{
	char path[PATH_MAX], *text = NULL;
	struct stat st;
	uint64_t v;
	size_t len;

	if (c->machine == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", c->machine->path, RESYNC_FILE);
	if (stat(path, &st) == -1) {
		c->resync = 0;
		c->resync_mtime = 0;
		return 0;
	}
	if (st.st_mtime != c->resync_mtime || c->resync_mtime == 0) {
		c->resync = 0;
		if (px_read_file(path, 64, PX_READ_NOFOLLOW, &text, &len) ==
		        0 &&
		    resync_parse(text, len, &v) == 0)
			c->resync = (time_t)v;
		else if (text != NULL)
			px_warn("%s: not a resync time; ignored", path);
		free(text);
		c->resync_mtime = st.st_mtime;
	}
	return c->resync <= now ? c->resync : 0;
}

time_t
px_cache_resync_in_force(struct px_cache *c, time_t now)
{
	return px_resync_time(c, now);
}

int
px_cache_resync_get(struct px_cache *c, time_t *t)
{
	*t = 0;
	if (c->machine == NULL)
		return PX_ERR_NOT_FOUND;
	px_resync_time(c, 0);
	*t = c->resync;
	return *t != 0 ? 0 : PX_ERR_NOT_FOUND;
}

int
px_cache_resync_set(struct px_cache *c, time_t t)
{
	char path[PATH_MAX], buf[32];

	if (c->machine == NULL || !c->machine->writable) {
		px_error("resync: the machine cache is not writable by this "
		         "process (run as root)");
		return PX_ERR_INSECURE;
	}
	snprintf(path, sizeof(path), "%s/%s", c->machine->path, RESYNC_FILE);
	snprintf(buf, sizeof(buf), "%lld\n", (long long)t);
	return px_disk_write(c->machine, path, buf, strlen(buf));
}

/* Whether a cached object may still serve when the network cannot. */
int
px_usable(
    const struct px_cache *c, const struct px_meta *m, time_t now, int offline)
{
	if (m->info.next_update == 0)
		return 1;
	return now <=
	    m->info.next_update + (offline ? (time_t)c->cfg->crl_grace : 0);
}

/* <0, 0, >0: a is older than, as old as, newer than b (number, then
 * thisUpdate). */
int
px_info_compare(const struct px_obj_info *a, const struct px_obj_info *b)
{
	int r;

	if (a->number_len > 0 && b->number_len > 0) {
		if (a->number_len != b->number_len)
			return a->number_len < b->number_len ? -1 : 1;
		if ((r = memcmp(a->number, b->number, a->number_len)) != 0)
			return r;
	}
	return (a->this_update > b->this_update) -
	    (a->this_update < b->this_update);
}

int
px_cache_due(struct px_cache *c, const struct px_meta *m, time_t window)
{
	time_t now = c->now();

	if (!px_fresh(m, now, px_resync_time(c, now)))
		return 1;
	return m->info.next_update != 0 && m->info.next_update - now < window;
}
