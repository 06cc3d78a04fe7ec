/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The chain cache: per process, shared by every context and thread, the
 * paths that passed path validation (RFC 5280 6.1, X509_verify_cert), so a
 * long-lived process (sshd, gdm, a screen locker with the module loaded,
 * pkixctl verify --repeat) checks no signature of a path twice.
 *
 * A path is named by the SHA-256 fingerprints of its certificates, leaf to
 * trusted root, and of the rules it was validated under.  Its validation is
 * a function of those certificates and the time alone (the anchor is the
 * path's last certificate, X509_verify_cert sees nothing else), so an entry
 * holds only the window [latest notBefore, earliest notAfter] in which the
 * result stands.  Revocation is not cached here: every check asks the
 * caches (memory, disk, network), which apply freshness and resync.
 *
 * It is consulted only for paths that chain building found in the current
 * context's stores: a root removed from ca_dir never starts a path of a
 * context loaded after it, whatever this cache holds.  On top of that,
 * every entry is dropped when a context loads a trust store other than the
 * one the entries were made under, and entries made before a resync time
 * that has come are not used.
 */
#ifndef PX_CHAINCACHE_H
#define PX_CHAINCACHE_H

#include <time.h>

#include "store.h"

#define PX_CHAIN_CACHE_MAX 1024   /* entries; the oldest goes first */
#define PX_CHAIN_POLICIES_MAX 512 /* a longer valid policy set: not kept */

/* The name of a path: chain fingerprints (leaf first) and rules. */
struct px_chain_key {
	unsigned char md[32];
};

/* Fills key from the n fingerprints of a path and a digest of the rules
 * it is validated under (the [policy] settings). */
void px_chain_key(const unsigned char (*fps)[PX_FP_LEN], int n,
    const unsigned char rules[32], struct px_chain_key *key);

/*
 * Returns 1 when key passed path validation at a time whose window holds
 * now, and not before resync (0: none in force), with the valid policy set
 * it had copied to policies (PX_CHAIN_POLICIES_MAX bytes); else 0.
 */
int px_chain_cache_valid(const struct px_chain_key *key, time_t now,
    time_t resync, char policies[PX_CHAIN_POLICIES_MAX]);

/* Records that key passed, for now in [not_before, not_after], with its
 * valid policy set ("" for none). */
void px_chain_cache_add(const struct px_chain_key *key, time_t not_before,
    time_t not_after, time_t now, const char *policies);

/* A context loaded trust store id: drops every entry made under another. */
void px_chain_cache_store(const unsigned char id[32]);

/* Drops every entry (module unload). */
void px_chain_cache_flush(void);

/* Number of entries (tests). */
size_t px_chain_cache_count(void);

#endif
