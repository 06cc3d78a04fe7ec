/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * URL retrieval with caching (DESIGN.md sections 4 and 5): disk cache
 * (machine, then user) -> network, by the rules of seed 003: plain GET
 * first, fresh until min(nextUpdate, fetched_at + max-age), conditional GET
 * when stale, one more request with max-age=0 for an object that arrives
 * already expired or older than the cached one (its Date, its CRL number
 * or thisUpdate), the cached object when the network fails.
 *
 * Nothing enters a cache before the caller's validator accepted it.
 */
#ifndef PX_CACHE_H
#define PX_CACHE_H

#include <stddef.h>
#include <time.h>

#include "../common/conf.h"
#include "../common/err.h"

#define PX_NUMBER_MAX 32 /* bytes of a CRL number (RFC 5280: 20) */

enum px_kind { PX_KIND_CRL = 1, PX_KIND_CERT = 2, PX_KIND_OCSP = 3 };

enum px_source {
	PX_SRC_NONE = 0,
	PX_SRC_MEMORY,
	PX_SRC_DISK,
	PX_SRC_NETWORK,
	PX_SRC_OFFLINE
};

/* What the validator learnt of an object; drives freshness and ordering. */
struct px_obj_info {
	time_t this_update;
	time_t next_update;                  /* 0 when the object has none */
	unsigned char number[PX_NUMBER_MAX]; /* big-endian CRL number */
	size_t number_len;                   /* 0 when none */
	char issuer[256];                    /* one line, for listings */
	long entries;                        /* CRL entries, -1 unknown */
};

/*
 * An index as the cache hands it out: in memory (just built) or an open
 * file read with pread(), so that a binary search brings a few records into
 * the process and not the pages of a large mapping.
 */
struct px_blob {
	unsigned char *mem; /* or NULL */
	int fd;             /* or -1 */
	size_t len;
};

/* Reads n bytes at off.  Returns 0, or PX_ERR_BAD_FORMAT when the range
 * is outside the blob or the read comes up short. */
int px_blob_read(
    const struct px_blob *b, size_t off, void *buf, size_t n) PX_WUR;

/*
 * What the caller knows of the objects of a URL:
 * validate() checks an object fetched for it (well-formed, signed by whom
 * the caller expects; sha256 is the object's hash), fills *info and may compile
 * an index of it (*idx, malloc()ed, stored beside it).  It returns 0 or a
 * PX_ERR_* (the object is then dropped and the cache is left as it was).
 * check_index() says whether a stored index is sound for the entry whose
 * metadata is meta (0) or must be rebuilt from the object (a PX_ERR_*);
 * NULL when the kind has no index.
 */
struct px_vspec;
struct px_validator {
	int (*validate)(void *arg, const unsigned char *der, size_t len,
	    const unsigned char sha256[32], struct px_obj_info *info,
	    unsigned char **idx, size_t *idx_len);
	int (*check_index)(void *arg, const struct px_blob *idx,
	    const unsigned char sha256[32]);
	void *arg;
	/* Describes the same check as data (into spec, which then owns its
	 * buffers: px_vspec_clear()), so that the retrieval helper can
	 * rebuild it (px_pkix_validator()).  Called only on a miss. */
	int (*describe)(void *arg, struct px_vspec *spec);
	/* Where validate() writes why it refused an object (or NULL); the
	 * helper's reason is copied here too. */
	char *why;
	size_t why_len;
};

/*
 * What a validator checks, as data (DER of what it is given): a CRL of
 * issuer (NULL: of any CA certificate of the trust stores); a certificate
 * of subject (AIA); an OCSP response for cert by issuer, to request (its
 * nonce), with CertID hash md.
 */
struct px_vspec {
	enum px_kind kind;
	unsigned char *issuer;
	size_t issuer_len;
	unsigned char *subject;
	size_t subject_len;
	unsigned char *cert;
	size_t cert_len;
	unsigned char *request;
	size_t request_len;
	const char *md;  /* static: "sha1", "sha256" */
	const char *url; /* where the object comes from, for messages */
};

/* Frees the buffers a describe() call put into spec (OPENSSL_free). */
void px_vspec_clear(struct px_vspec *spec);

/* Everything the disk cache records of one URL (DESIGN.md section 5). */
struct px_meta {
	char *url;
	enum px_kind kind;
	char *etag;
	char *last_modified;
	char *date;
	char *via;
	char *bind;   /* LDAP: the bind used */
	long max_age; /* -1 when none */
	time_t fetched_at;
	struct px_obj_info info;
	size_t size;
	unsigned char sha256[32]; /* of the object */
};

/*
 * A cached or fetched object, as px_cache_get() returns it.  With an index
 * (a CRL found in the cache), der is NULL and idx is the compiled index:
 * the object itself is not read.
 */
struct px_object {
	unsigned char *der; /* NULL when answered from the index */
	size_t len;
	struct px_blob idx; /* mem NULL and fd -1 when none */
	struct px_meta meta;
	enum px_source source;
	int stale; /* served past its freshness because the network failed */
};

struct px_cache;

/*
 * The time allowed for the URLs of one verification (DESIGN.md section 4):
 * url_timeout per URL, or in cumulative mode half of what remains (the first
 * URL half of cumulative_timeout).
 */
struct px_budget {
	long url_ms;      /* per-URL timeout */
	long deadline_ms; /* monotonic end of the cumulative budget, or 0 */
};

/* Starts a budget for one verification from cfg. */
void px_budget_init(struct px_budget *b, const struct px_config *cfg);
/* Returns the milliseconds the next URL may take (0 when none are left). */
long px_budget_next(const struct px_budget *b);

/*
 * Opens the caches named by cfg for the calling user: the machine cache,
 * and for a user other than root the user's cache.  A cache directory with
 * a wrong owner or mode is not used (logged).  Returns 0 or PX_ERR_NOMEM.
 */
int px_cache_new(const struct px_config *cfg, struct px_cache **cachep) PX_WUR;
void px_cache_free(struct px_cache *cache);

/*
 * Returns the object at url, from the caches or the network, validated by
 * v before it is stored.  *objp is set (caller frees with
 * px_object_free) on success.  Errors: PX_ERR_OFFLINE (offline mode or the
 * URL is on the offline list), PX_ERR_NOT_ALLOWED (outside allowed_urls, or
 * a scheme we do not fetch), PX_ERR_TIMEOUT, PX_ERR_NETWORK, PX_ERR_TOO_BIG,
 * or the validator's error.  One trace line per call.
 */
int px_cache_get(struct px_cache *cache, const char *url, enum px_kind kind,
    struct px_budget *budget, const struct px_validator *v,
    struct px_object **objp) PX_WUR;
void px_object_free(struct px_object *obj);

/*
 * How to fetch an object whose cache key is not its URL (an OCSP response:
 * the key is the responder URL and the certificate ID).
 */
struct px_fetch {
	const char *responder;     /* server, for the offline list */
	const char *url;           /* what to GET (or POST to) */
	const unsigned char *post; /* POST body, or NULL for a GET */
	size_t post_len;
	const char *post_type;
};

/* Like px_cache_get() for the object cached under key, fetched as f says. */
int px_cache_get_by(struct px_cache *cache, const char *key, enum px_kind kind,
    const struct px_fetch *f, struct px_budget *budget,
    const struct px_validator *v, struct px_object **objp) PX_WUR;
/* Counts the cached OCSP responses (kind PX_KIND_OCSP) of one responder,
 * prefix "responder#", from the caches' count files, without walking
 * them.  Returns the count or PX_ERR_INVALID_ARG for another kind. */
int px_cache_count(
    struct px_cache *cache, enum px_kind kind, const char *prefix);

/* Like px_cache_get(), but revalidates with the server even when the
 * entry is fresh (pkixctl prefetch). */
int px_cache_refresh(struct px_cache *cache, const char *url, enum px_kind kind,
    struct px_budget *budget, const struct px_validator *v,
    struct px_object **objp) PX_WUR;
/* Returns 1 when an entry is stale or its nextUpdate is closer than
 * window seconds: prefetch should refresh it. */
int px_cache_due(
    struct px_cache *cache, const struct px_meta *meta, time_t window);

/* Sets the clock the cache uses (tests); NULL restores time(). */
void px_cache_set_clock(struct px_cache *cache, time_t (*now)(void));

/* Returns "memory", "disk", "network", "offline" or "none". */
const char *px_source_name(enum px_source s);
/* Returns "crl", "cert", "ocsp". */
const char *px_kind_name(enum px_kind k);

/* ---- administration (pkixctl urlcache) ---- */

/* Calls fn for each entry of the cache this process writes to. */
int px_cache_list(struct px_cache *cache,
    int (*fn)(void *arg, const char *dir, const struct px_meta *meta),
    void *arg) PX_WUR;
/* Deletes every entry of the given kind (0: all).  Returns the count or
 * a PX_ERR_*. */
int px_cache_delete(struct px_cache *cache, enum px_kind kind) PX_WUR;

/* The resync time (pkixctl resync): objects fetched, and memory-cache
 * entries loaded, before it count as stale once it has come.  get returns 0
 * or PX_ERR_NOT_FOUND (never set); set needs the machine cache writable. */
int px_cache_resync_get(struct px_cache *cache, time_t *t) PX_WUR;
/* The resync time in force at now (one that has come), or 0. */
time_t px_cache_resync_in_force(struct px_cache *cache, time_t now);
int px_cache_resync_set(struct px_cache *cache, time_t t) PX_WUR;

/*
 * mapping = ldap: with user, returns 0 when the user's entry (ldap_user_base,
 * ldap_user_filter) holds cert; with user NULL, finds the one user whose
 * entry holds cert and writes the name into out.  PX_ERR_NOT_FOUND when
 * not mapped; connection errors as px_cache_get().
 */
struct x509_st;
int px_ldap_map_user(const struct px_config *cfg, const char *user,
    struct x509_st *cert, char *out, size_t outlen) PX_WUR;
/*
 * The certificates of user's LDAP entry (userCertificate;binary, found by
 * ldap_user_base and ldap_user_filter), fetched by the retrieval helper;
 * values that are no certificate are left out.  Returns 0 with *certsp
 * (caller frees with sk_X509_pop_free; none is no error), PX_ERR_NOT_FOUND
 * (no such entry) or a retrieval error.
 */
#define PX_USER_CERTS_MAX 64         /* certificates of one entry */
#define PX_USER_CERT_MAX (64 * 1024) /* bytes of one */
struct stack_st_X509;
int px_ldap_certs_of_user(const struct px_config *cfg, const char *user,
    struct stack_st_X509 **certsp) PX_WUR;

/* Empties the process-wide memory cache (a module being unloaded). */
void px_mem_flush_all(void);

/* Lists the offline URLs (this process's and the machine's): servers
 * (kind "server") and OCSP responders left alone (kind "ocsp"). */
int px_cache_offline_list(struct px_cache *cache,
    int (*fn)(void *arg, const char *kind, const char *url, time_t retry_at,
        long interval),
    void *arg) PX_WUR;
/* Empties the offline list (both kinds).  Returns 0 or a PX_ERR_*. */
int px_cache_offline_clear(struct px_cache *cache) PX_WUR;

/*
 * OCSP responders without a usable answer (an HTTP error, "unknown", a
 * malformed or unauthorised response): not asked again for ocsp_retry, the
 * CRLs meanwhile.  Kept beside the offline list, in the cache this process
 * writes, so that short-lived processes share it.  held returns 1 (and
 * *until) while url is left alone; failed records it (logged, once: the
 * skipped verifications only trace it); answered takes it off.
 */
int px_cache_responder_held(
    struct px_cache *cache, const char *url, time_t *until);
void px_cache_responder_failed(
    struct px_cache *cache, const char *url, const char *why);
void px_cache_responder_answered(struct px_cache *cache, const char *url);

#endif
