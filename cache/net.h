/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The network side of cache/, linked only into the retrieval helper
 * (pkix-fetch): the HTTP and LDAP transports, the network step and the
 * LDAP user lookup.  A login process never maps libcurl or libldap.
 */
#ifndef PX_NET_H
#define PX_NET_H

#include <stddef.h>

#include "cache.h"

/* Makes c's retrievals ask the servers in this process (the helper). */
void px_cache_use_network(struct px_cache *c);

/*
 * The network step of one retrieval, for the helper: its caller checked
 * the URL's state and holds the entry's lock.  Returns 0 with the object
 * in *objp (*storedp: whether it is in the cache now), or a PX_ERR_*.
 */
int px_cache_fetch_now(struct px_cache *c, const char *key, enum px_kind kind,
    const struct px_fetch *f, long timeout_ms, long budget_ms,
    const struct px_validator *v, struct px_object **objp, int *storedp) PX_WUR;

/* mapping = ldap in this process (see px_ldap_map_user()). */
struct x509_st;
int px_net_map_user(const struct px_config *cfg, const char *user,
    struct x509_st *cert, char *out, size_t outlen) PX_WUR;
/* The certificates of user's LDAP entry, each given to each() (see
 * px_ldap_user_certs()). */
int px_net_user_certs(const struct px_config *cfg, const char *user,
    int (*each)(void *arg, const unsigned char *der, size_t len),
    void *arg) PX_WUR;

#endif
