/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The memory cache (seed 003, DESIGN.md section 5): per process, shared by
 * every context and thread, filled from the disk cache and the network.
 * It keeps the metadata and an open descriptor of the compiled index, so a
 * long-lived process checks a certificate without reading a file.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache_int.h"

#define MEM_MAX_ENTRIES 1024

struct mem_entry {
	char *url;
	struct px_meta meta;
	unsigned char *der; /* kinds without an index */
	size_t len;
	int idx_fd;
	size_t idx_len;
	time_t loaded_at;
	struct mem_entry *next;
};

static pthread_mutex_t mem_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mem_entry *mem_head;
static size_t mem_count;

static void
mem_free(struct mem_entry *m)
{
	free(m->url);
	px_meta_clear(&m->meta);
	free(m->der);
	if (m->idx_fd != -1)
		close(m->idx_fd);
	free(m);
}

/* Unlinks and returns the entry for url, or NULL.  Lock held. */
static struct mem_entry *
unlink_entry(const char *url)
{
	struct mem_entry **pp, *m;

	for (pp = &mem_head; (m = *pp) != NULL; pp = &m->next)
		if (strcmp(m->url, url) == 0) {
			*pp = m->next;
			mem_count--;
			return m;
		}
	return NULL;
}

int
px_mem_get(const char *url, time_t resync, struct entry *e)
{
	struct mem_entry *m;
	int r = PX_ERR_NOT_FOUND;

	pthread_mutex_lock(&mem_lock);
	for (m = mem_head; m != NULL; m = m->next)
		if (strcmp(m->url, url) == 0)
			break;
	if (m == NULL)
		goto out;
	if (resync != 0 && m->loaded_at < resync) {
		/* Invalidated by pkixctl resync: absent from now on. */
		mem_free(unlink_entry(url));
		goto out;
	}
	if (px_meta_copy(&e->meta, &m->meta) != 0)
		goto out;
	if (m->der != NULL) {
		if ((e->der = malloc(m->len > 0 ? m->len : 1)) == NULL) {
			px_meta_clear(&e->meta);
			goto out;
		}
		memcpy(e->der, m->der, m->len);
		e->len = m->len;
	}
	if (m->idx_fd != -1) {
		if ((e->idx.fd = dup(m->idx_fd)) == -1) {
			free(e->der);
			e->der = NULL;
			px_meta_clear(&e->meta);
			goto out;
		}
		e->idx.len = m->idx_len;
	}
	e->dir = NULL;
	r = 0;
out:
	pthread_mutex_unlock(&mem_lock);
	return r;
}

void
px_mem_put(const char *url, const struct entry *e, time_t now)
{
	struct mem_entry *m, **pp, *old;

	/* An index that lives only in memory is not worth a copy here. */
	if (e->idx.mem != NULL || (e->der == NULL && e->idx.fd == -1))
		return;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return;
	m->idx_fd = -1;
	if ((m->url = strdup(url)) == NULL ||
	    px_meta_copy(&m->meta, &e->meta) != 0)
		goto fail;
	if (e->der != NULL && e->idx.fd == -1) {
		if ((m->der = malloc(e->len > 0 ? e->len : 1)) == NULL)
			goto fail;
		memcpy(m->der, e->der, e->len);
		m->len = e->len;
	}
	if (e->idx.fd != -1) {
		if ((m->idx_fd = dup(e->idx.fd)) == -1)
			goto fail;
		m->idx_len = e->idx.len;
	}
	m->loaded_at = now;
	pthread_mutex_lock(&mem_lock);
	if ((old = unlink_entry(url)) != NULL)
		mem_free(old);
	if (mem_count == MEM_MAX_ENTRIES) {
		/* Drop the oldest (the list's tail). */
		for (pp = &mem_head; (*pp)->next != NULL; pp = &(*pp)->next)
			;
		mem_free(*pp);
		*pp = NULL;
		mem_count--;
	}
	m->next = mem_head;
	mem_head = m;
	mem_count++;
	pthread_mutex_unlock(&mem_lock);
	return;
fail:
	mem_free(m);
}

void
px_mem_flush(void)
{
	struct mem_entry *m;

	pthread_mutex_lock(&mem_lock);
	while ((m = mem_head) != NULL) {
		mem_head = m->next;
		mem_free(m);
	}
	mem_count = 0;
	pthread_mutex_unlock(&mem_lock);
}

void
px_mem_flush_all(void)
{
	px_mem_flush();
}
