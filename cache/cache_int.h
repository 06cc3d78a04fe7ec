/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal interfaces of cache/: metadata files, cache directories. */
#ifndef PX_CACHE_INT_H
#define PX_CACHE_INT_H

#include "../common/url.h"
#include "cache.h"

#define PX_META_MAX (16 * 1024)
#define PX_KEY_HEX 65 /* SHA-256 in hex, NUL included */

/* One cache directory: the machine's or the user's. */
struct px_cdir {
	char *path;
	int writable;     /* this process may store here */
	const char *name; /* "machine" or "user" */
};

struct px_cache;
struct entry;

/* One retrieval's network step: what to fetch and how to check it. */
struct px_job {
	const char *url;         /* the cache key (OCSP: responder#CertID) */
	const struct px_url *pu; /* the server's URL, parsed */
	const char *hex;         /* px_cache_key(url) */
	enum px_kind kind;
	const struct px_fetch *f; /* how, when the key is not the URL */
	long timeout_ms;          /* the network's time */
	long budget_ms;           /* what the caller waits (for the trace) */
	const struct px_validator *v;
	int lockfd;        /* the entry's writer lock, held; -1: none */
	int count_failure; /* an unreachable server goes on the offline list */
};

/*
 * The network step: in a login process it starts the retrieval helper
 * (cache/spawn.c), in the helper it asks the server (cache/refresh.c).  On
 * success *e holds the object and *srcp where it came from.
 */
typedef int (*px_net_fn)(struct px_cache *c, const struct px_job *job,
    struct entry *e, enum px_source *srcp, char *note, size_t nlen);

/* A cache context: the directories of one configuration for the calling
 * user, the offline list, the clock. */
struct px_cache {
	const struct px_config *cfg;
	struct px_cdir dirs[2]; /* machine, user */
	int ndirs;
	struct px_cdir *wdir;    /* where this process stores, or NULL */
	struct px_cdir *machine; /* the machine cache, or NULL */
	time_t resync;           /* as last read from machine/resync */
	time_t resync_mtime;
	struct px_offline *offline;
	time_t (*now)(void);
	px_net_fn net;
};

/* A cache entry as loaded from a cache directory, the memory cache or the
 * network. */
struct entry {
	struct px_meta meta; /* meta.url is NULL when there is no entry */
	unsigned char *der;  /* NULL when answered from the index */
	size_t len;
	struct px_blob idx;
	struct px_cdir *dir;
};

#define HAVE(e) ((e)->meta.url != NULL)

/* ---- entries (cache/entry.c) ---- */
void px_blob_clear(struct px_blob *b);
void px_entry_init(struct entry *e);
void px_entry_clear(struct entry *e);
/* Loads the freshest copy of hex (the key of url) from the machine and
 * user caches into e (HAVE(e) false when none is usable). */
void px_entry_load(struct px_cache *c, const char *hex, const char *url,
    enum px_kind kind, const struct px_validator *v, struct entry *e);
/* Puts e into the memory cache (no-op when memory = no). */
void px_entry_remember(
    struct px_cache *c, const char *url, struct entry *e, time_t now);
/* Moves e into a new object for the caller.  Returns 0 or PX_ERR_NOMEM. */
int px_entry_hand_out(struct entry *e, enum px_source src, int stale,
    struct px_object **objp) PX_WUR;

/* ---- freshness (cache/fresh.c) ---- */
/* Whether m may serve without a request at now. */
int px_fresh(const struct px_meta *m, time_t now, time_t resync);
/* The resync time in force: 0, or a time that has come. */
time_t px_resync_time(struct px_cache *c, time_t now);
/* Whether a cached object may still serve when the network cannot. */
int px_usable(
    const struct px_cache *c, const struct px_meta *m, time_t now, int offline);
/* <0, 0, >0: a is older than, as old as, newer than b. */
int px_info_compare(const struct px_obj_info *a, const struct px_obj_info *b);

/* ---- requests (cache/request.c) ---- */
struct px_http_response;
/* One LDAP retrieval, its answer in resp as an HTTP 200, the bind used in
 * bind. */
int px_req_ldap(struct px_cache *c, const char *url, enum px_kind kind,
    long timeout_ms, struct px_http_response *resp, char *bind, size_t blen);
/* One HTTP request: conditional (on e's validators) when asked. */
int px_req_http(struct px_cache *c, const char *url, const struct px_fetch *f,
    const struct entry *e, long cache_max_age, int conditional, long timeout_ms,
    struct px_http_response *resp);
/* Takes the response headers into m (the response keeps nothing). */
void px_req_take_headers(
    struct px_meta *m, struct px_http_response *resp, time_t now);

/* ---- the network step (cache/refresh.c) ---- */
/* Under the entry's lock: asks the server, validates, stores.  On success
 * *e holds the object and *srcp where it came from. */
int px_refresh(struct px_cache *c, const struct px_job *job, struct entry *e,
    enum px_source *srcp, char *note, size_t nlen);

/* The offline list of pu's server: a failure, a success. */
void px_cache_offline_failed(struct px_cache *c, const struct px_url *pu);
void px_cache_offline_succeeded(struct px_cache *c, const struct px_url *pu);

/* ---- the retrieval helper (cache/spawn.c) ---- */
struct px_proto;
/* Runs the helper with request req, lockfd (or -1) as its descriptor 3,
 * and reads its answer into *reply until it ends or deadline_ms (monotonic).
 * Returns 0, PX_ERR_TIMEOUT (the helper goes on alone), or an error. */
int px_spawn_run(const struct px_config *cfg, const struct px_proto *req,
    int lockfd, long deadline_ms, struct px_proto *reply) PX_WUR;
/* The network step of a login process: through the helper. */
int px_spawn_fetch(struct px_cache *c, const struct px_job *job,
    struct entry *e, enum px_source *srcp, char *note, size_t nlen);
/* One trace line of a retrieval. */
void px_cache_trace(const char *url, enum px_source src, long status,
    size_t bytes, long ms, const char *note);

/* The process-wide memory cache (cache/memory.c), shared by every
 * context and thread.  Entries loaded before resync (when not 0) are
 * treated as absent.  px_mem_get() fills e with copies (the index file
 * descriptor dup()ed); returns 0 or PX_ERR_NOT_FOUND. */
int px_mem_get(const char *url, time_t resync, struct entry *e) PX_WUR;
/* Remembers e for url (copies; an index kept only in memory is not). */
void px_mem_put(const char *url, const struct entry *e, time_t now);
/* Forgets everything (pkixctl and tests). */
void px_mem_flush(void);

/* Frees what meta owns and zeroes it. */
void px_meta_clear(struct px_meta *meta);
/* Formats meta as the text of a .meta file.  Returns a malloc()ed string. */
char *px_meta_format(const struct px_meta *meta);
/* Parses a .meta file.  Returns 0 or PX_ERR_BAD_FORMAT (meta cleared). */
int px_meta_parse(const char *text, struct px_meta *meta) PX_WUR;
/* Copies src into dst (deep).  Returns 0 or PX_ERR_NOMEM. */
int px_meta_copy(struct px_meta *dst, const struct px_meta *src) PX_WUR;

/* Opens a cache directory, creating it when this process may write it.
 * Returns 0, or PX_ERR_INSECURE / PX_ERR_NOT_FOUND / PX_ERR_IO (logged). */
int px_cdir_open(const char *path, int user, struct px_cdir *d) PX_WUR;
void px_cdir_close(struct px_cdir *d);
/* The file name stem of a cache key: SHA-256 of key in hex. */
void px_cache_key(const char *key, char hex[PX_KEY_HEX]);
/* Loads an entry's metadata.  Returns 0, PX_ERR_NOT_FOUND, or
 * PX_ERR_BAD_FORMAT for damaged metadata (logged; the entry is kept, for
 * the caller to rebuild the metadata from the object or discard it). */
int px_disk_load_meta(
    const struct px_cdir *d, const char *hex, struct px_meta *meta) PX_WUR;
/* Reads the object of an entry and checks it against its metadata (size,
 * SHA-256).  Returns 0, or PX_ERR_BAD_FORMAT (logged, entry removed). */
int px_disk_load_der(const struct px_cdir *d, const char *hex,
    const struct px_meta *meta, size_t max, unsigned char **derp,
    size_t *lenp) PX_WUR;
/* Reads an entry's object without its metadata (at most max bytes), and
 * the time it was written.  Returns 0, PX_ERR_NOT_FOUND or an error of
 * px_read_file(). */
int px_disk_read_der(const struct px_cdir *d, const char *hex, size_t max,
    unsigned char **derp, size_t *lenp, time_t *mtimep) PX_WUR;
/* Removes an entry, saying why (logged). */
void px_disk_discard(const struct px_cdir *d, const char *hex, const char *why);
/* Checks that the object file is there with the recorded size, without
 * reading it (the warm path).  Returns 0 or PX_ERR_BAD_FORMAT (removed). */
int px_disk_check_der(const struct px_cdir *d, const char *hex,
    const struct px_meta *meta) PX_WUR;
/* Opens an entry's index read-only (close it).  Returns 0,
 * PX_ERR_NOT_FOUND or PX_ERR_BAD_FORMAT. */
int px_disk_open_idx(const struct px_cdir *d, const char *hex, size_t max,
    int *fdp, size_t *lenp) PX_WUR;
/* Stores an entry atomically: object, index (may be NULL), metadata. */
int px_disk_store(const struct px_cdir *d, const char *hex,
    const struct px_meta *meta, const unsigned char *der, size_t len,
    const unsigned char *idx, size_t idx_len) PX_WUR;
/* Replaces an entry's index. */
int px_disk_store_idx(const struct px_cdir *d, const char *hex,
    const unsigned char *idx, size_t len) PX_WUR;
/* Rewrites only the metadata of an entry. */
int px_disk_store_meta(const struct px_cdir *d, const char *hex,
    const struct px_meta *meta) PX_WUR;
/* Takes the per-entry writer lock, waiting at most until deadline_ms
 * (monotonic).  Returns 0 with *fdp set, PX_ERR_TIMEOUT or PX_ERR_IO. */
int px_disk_lock(const struct px_cdir *d, const char *hex, long deadline_ms,
    int *fdp) PX_WUR;
void px_disk_unlock(int fd);
/* Writes data to a temporary file in d, fsyncs it and renames it over
 * path (in d).  Returns 0 or PX_ERR_IO (logged). */
int px_disk_write(const struct px_cdir *d, const char *path, const void *data,
    size_t len) PX_WUR;
/* Calls fn for every entry of d whose metadata parses, in name order. */
int px_disk_walk(const struct px_cdir *d,
    int (*fn)(void *arg, const struct px_cdir *d, const char *hex,
        const struct px_meta *meta),
    void *arg) PX_WUR;
/* Removes an entry's files, and its count (cache/ocspcount.c). */
void px_disk_remove(const struct px_cdir *d, const char *hex);
/* Removes an entry's files only: the caller holds the count lock and
 * writes the counts itself (pkixctl urlcache delete). */
void px_disk_unlink(const struct px_cdir *d, const char *hex);

/* ---- OCSP responses per responder (cache/ocspcount.c) ---- */
#define PX_OCOUNT_RESPONDERS_MAX 4096 /* records of one count file */
#define PX_OCOUNT_MAX 10000000UL      /* responses of one responder */
#define PX_OCOUNT_FILE_MAX (1024 * 1024)

struct px_ocount_rec {
	char hex[PX_KEY_HEX]; /* px_cache_key(url) */
	char *url;            /* the responder */
	unsigned long n;      /* 1..PX_OCOUNT_MAX */
};
/* The counts of one directory, as its file holds them. */
struct px_ocount {
	struct px_ocount_rec *v;
	size_t n;
};

void px_ocount_clear(struct px_ocount *t);
/* The responder of an OCSP cache key "responder#CertID" into buf.
 * Returns 0, PX_ERR_INVALID_ARG (no responder in key) or PX_ERR_TOO_BIG. */
int px_ocount_responder(const char *key, char *buf, size_t len) PX_WUR;
/* Adds delta (+1, -1) to the count of key's responder; never below 0.
 * Returns 0, PX_ERR_INVALID_ARG (key names no responder), PX_ERR_TOO_BIG
 * (too many responders) or PX_ERR_NOMEM. */
int px_ocount_add(struct px_ocount *t, const char *key, int delta) PX_WUR;
/* The count of responder in t (0 when none). */
unsigned long px_ocount_lookup(
    const struct px_ocount *t, const char *responder);
/* Parses a count file (text is changed), strictly: the whole file or
 * nothing.  Returns 0 or PX_ERR_BAD_FORMAT (t empty); t owns its records. */
int px_ocount_parse(char *text, size_t len, struct px_ocount *t) PX_WUR;
/* Formats t as a count file.  Returns a malloc()ed string or NULL. */
char *px_ocount_format(const struct px_ocount *t);
/* Writes t as d's count file (atomically).  Returns 0 or an error. */
int px_ocount_save(const struct px_cdir *d, const struct px_ocount *t) PX_WUR;
/* Takes d's count lock (px_disk_unlock() it).  Returns 0 or an error
 * (logged). */
int px_ocount_lock(const struct px_cdir *d, int *fdp) PX_WUR;
/* Under the lock: one response of minus's responder gone, one of plus's
 * come (either NULL).  A missing or damaged file is rebuilt from the
 * directory instead; a failure removes the file (the next reader rebuilds
 * it). */
void px_ocount_update(
    const struct px_cdir *d, const char *minus, const char *plus);
/* Under the lock: the file no longer says what the directory holds. */
void px_ocount_invalidate(const struct px_cdir *d);
/* The cached OCSP responses of responder in d, from its count file
 * (rebuilt by one walk when missing or damaged).  Returns 0 or an error. */
int px_ocount_get(
    const struct px_cdir *d, const char *responder, unsigned long *np) PX_WUR;

/* Whether u falls under one of cfg's allowed_urls (all when none). */
int px_url_allowed(const struct px_config *cfg, const struct px_url *u);
/* Parses url with the one URL parser and checks it against allowed_urls.
 * Returns 0, PX_ERR_BAD_URL or PX_ERR_NOT_ALLOWED with the reason in why. */
int px_url_policy(const struct px_config *cfg, const char *url,
    struct px_url *u, char *why, size_t len) PX_WUR;
/* The transports' check_url hook (arg: the configuration): the policy
 * above, and the transport's parse must agree with ours. */
int px_url_hook(void *arg, const char *url, const char *scheme,
    const char *host, long port, char *why, size_t len);

/* Monotonic milliseconds. */
long px_now_ms(void);

#endif
