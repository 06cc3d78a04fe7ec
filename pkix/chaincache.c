/* SPDX-License-Identifier: BSD-2-Clause */
/* The process-wide cache of validated paths (chaincache.h). */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "chaincache.h"

#define NBUCKETS (2 * PX_CHAIN_CACHE_MAX) /* a power of two */

struct slot {
	struct px_chain_key key;
	time_t not_before, not_after; /* the window of the result */
	time_t made;                  /* when it was validated */
	struct slot *next;            /* in its bucket */
	int index;                    /* in slots[] */
	char policies[];              /* the valid policy set, "" for none */
};

/* Allocated as used: a process that validates one path touches one. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot *slots[PX_CHAIN_CACHE_MAX];
static struct slot *buckets[NBUCKETS];
static int victim; /* the next slot to reuse, oldest first */
static size_t nused;
static unsigned char store_id[32];
static int have_store;

static unsigned int
bucket_of(const struct px_chain_key *key)
{
	/* The key is a SHA-256: any 32 bits of it are as good as a hash. */
	return ((unsigned int)key->md[0] | (unsigned int)key->md[1] << 8 |
	           (unsigned int)key->md[2] << 16) &
	    (NBUCKETS - 1);
}

/* Lock held.  Unlinks s from its bucket and frees it. */
static void
drop(struct slot *s)
{
	struct slot **pp = &buckets[bucket_of(&s->key)];

	while (*pp != NULL && *pp != s)
		pp = &(*pp)->next;
	if (*pp == s)
		*pp = s->next;
	slots[s->index] = NULL;
	free(s);
	nused--;
}

/* Lock held. */
static void
reset(void)
{
	int i;

	for (i = 0; i < PX_CHAIN_CACHE_MAX; i++)
		if (slots[i] != NULL)
			drop(slots[i]);
	victim = 0;
}

/* Lock held.  Returns the slot of key, or NULL. */
static struct slot *
find(const struct px_chain_key *key)
{
	struct slot *s;

	for (s = buckets[bucket_of(key)]; s != NULL; s = s->next)
		if (memcmp(s->key.md, key->md, sizeof(key->md)) == 0)
			return s;
	return NULL;
}

void
px_chain_key(const unsigned char (*fps)[PX_FP_LEN], int n,
    const unsigned char rules[32], struct px_chain_key *key)
{
	unsigned char buf[4 + 32 + (PX_MAX_DEPTH + 2) * PX_FP_LEN];

	/* Version 2 of the key, the path's length, the rules' digest, the
	 * fingerprints: no two different inputs hash the same bytes. */
	buf[0] = 2;
	buf[1] = (unsigned char)n;
	buf[2] = 0;
	buf[3] = 0;
	if (n < 0 || n > PX_MAX_DEPTH + 2) {
		n = 0; /* not a path chain building makes */
		buf[2] = 1;
	}
	memcpy(buf + 4, rules, 32);
	memcpy(buf + 36, fps, (size_t)n * PX_FP_LEN);
	SHA256(buf, 36 + (size_t)n * PX_FP_LEN, key->md);
}

int
px_chain_cache_valid(const struct px_chain_key *key, time_t now, time_t resync,
    char policies[PX_CHAIN_POLICIES_MAX])
{
	struct slot *s;
	int ok = 0;

	pthread_mutex_lock(&lock);
	if ((s = find(key)) != NULL) {
		if (resync != 0 && s->made < resync)
			drop(s); /* pkixctl resync: everything again */
		else if (now >= s->not_before && now <= s->not_after) {
			snprintf(
			    policies, PX_CHAIN_POLICIES_MAX, "%s", s->policies);
			ok = 1;
		}
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

void
px_chain_cache_add(const struct px_chain_key *key, time_t not_before,
    time_t not_after, time_t now, const char *policies)
{
	size_t plen = strlen(policies);
	struct slot *s;
	unsigned int b;

	if (not_before > not_after || plen >= PX_CHAIN_POLICIES_MAX ||
	    (s = calloc(1, sizeof(*s) + plen + 1)) == NULL)
		return;
	s->key = *key;
	s->not_before = not_before;
	s->not_after = not_after;
	s->made = now;
	memcpy(s->policies, policies, plen + 1);
	pthread_mutex_lock(&lock);
	if (find(key) != NULL)
		drop(find(key)); /* validated again: the new window */
	if (slots[victim] != NULL)
		drop(slots[victim]);
	s->index = victim;
	slots[victim] = s;
	victim = (victim + 1) % PX_CHAIN_CACHE_MAX;
	b = bucket_of(key);
	s->next = buckets[b];
	buckets[b] = s;
	nused++;
	pthread_mutex_unlock(&lock);
}

void
px_chain_cache_store(const unsigned char id[32])
{
	pthread_mutex_lock(&lock);
	if (have_store && memcmp(store_id, id, sizeof(store_id)) != 0)
		reset();
	memcpy(store_id, id, sizeof(store_id));
	have_store = 1;
	pthread_mutex_unlock(&lock);
}

void
px_chain_cache_flush(void)
{
	pthread_mutex_lock(&lock);
	reset();
	have_store = 0;
	pthread_mutex_unlock(&lock);
}

size_t
px_chain_cache_count(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = nused;
	pthread_mutex_unlock(&lock);
	return n;
}
