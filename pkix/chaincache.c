/* The process-wide cache of validated paths (chaincache.h). */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <openssl/sha.h>

#include "chaincache.h"

#define NBUCKETS (2 * PX_CHAIN_CACHE_MAX) /* a power of two */
#define NONE (-1)

struct slot {
	struct px_chain_key key;
	time_t not_before, not_after; /* the window of the result */
	time_t made;                  /* when it was validated */
	char policies[PX_CHAIN_POLICIES_MAX];
	int next; /* in its bucket, or NONE */
	int used;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[PX_CHAIN_CACHE_MAX];
static int buckets[NBUCKETS];
static int ready;  /* buckets initialised */
static int victim; /* the next slot to reuse, oldest first */
static size_t nused;
static unsigned char store_id[32];
static int have_store;

/* Lock held. */
static void
reset(void)
{
	int i;

	memset(slots, 0, sizeof(slots));
	for (i = 0; i < NBUCKETS; i++)
		buckets[i] = NONE;
	victim = 0;
	nused = 0;
	ready = 1;
}

static unsigned int
bucket_of(const struct px_chain_key *key)
{
	/* The key is a SHA-256: any 32 bits of it are as good as a hash. */
	return ((unsigned int)key->md[0] | (unsigned int)key->md[1] << 8 |
	           (unsigned int)key->md[2] << 16) &
	    (NBUCKETS - 1);
}

/* Lock held.  Unlinks slot i from its bucket and frees it. */
static void
drop(int i)
{
	int *pp = &buckets[bucket_of(&slots[i].key)];

	while (*pp != NONE && *pp != i)
		pp = &slots[*pp].next;
	if (*pp == i)
		*pp = slots[i].next;
	slots[i].used = 0;
	slots[i].next = NONE;
	nused--;
}

/* Lock held.  Returns the slot of key, or NONE. */
static int
find(const struct px_chain_key *key)
{
	int i;

	if (!ready)
		return NONE;
	for (i = buckets[bucket_of(key)]; i != NONE; i = slots[i].next)
		if (memcmp(slots[i].key.md, key->md, sizeof(key->md)) == 0)
			return i;
	return NONE;
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
	int i, ok = 0;

	pthread_mutex_lock(&lock);
	if ((i = find(key)) != NONE) {
		if (resync != 0 && slots[i].made < resync)
			drop(i); /* pkixctl resync: everything again */
		else
			ok = now >= slots[i].not_before &&
			    now <= slots[i].not_after;
		if (ok)
			memcpy(
			    policies, slots[i].policies, PX_CHAIN_POLICIES_MAX);
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

void
px_chain_cache_add(const struct px_chain_key *key, time_t not_before,
    time_t not_after, time_t now, const char *policies)
{
	struct slot *s;
	unsigned int b;
	int i;

	if (not_before > not_after || strlen(policies) >= PX_CHAIN_POLICIES_MAX)
		return;
	pthread_mutex_lock(&lock);
	if (!ready)
		reset();
	if ((i = find(key)) == NONE) {
		i = victim;
		victim = (victim + 1) % PX_CHAIN_CACHE_MAX;
		if (slots[i].used)
			drop(i);
		b = bucket_of(key);
		slots[i].key = *key;
		slots[i].next = buckets[b];
		slots[i].used = 1;
		buckets[b] = i;
		nused++;
	}
	s = &slots[i];
	s->not_before = not_before;
	s->not_after = not_after;
	s->made = now;
	memset(s->policies, 0, sizeof(s->policies));
	memcpy(s->policies, policies, strlen(policies));
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
