/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The list of unreachable servers (seed 003, DESIGN.md sections 4 and 9): a
 * server (scheme, host, port) that failed may be tried again after 15 s;
 * each further failure doubles the wait up to 30 min; a success resets it.
 * Kept per process and, so that short-lived login processes share it, in
 * the cache this process writes (root: the machine's; a user: the user's,
 * who also reads the machine's).
 */
#ifndef PX_OFFLINE_H
#define PX_OFFLINE_H

#include <stddef.h>
#include <time.h>

#include "cache_int.h"

#define PX_OFFLINE_FIRST 15
#define PX_OFFLINE_MAX 1800

/* The lists: unreachable servers, and OCSP responders without a usable
 * answer (ocsp_retry; seed 003: CRLs meanwhile). */
enum px_off_kind { PX_OFF_SERVER = 0, PX_OFF_RESPONDER = 1, PX_OFF_NKINDS };

struct px_offline;

/* One record of the list. */
struct off_entry {
	char hex[PX_KEY_HEX]; /* the cache key of url */
	char *url;
	time_t retry_at;
	long interval;
};

/*
 * Parses the text of a list file (text[len] must be NUL; modified) at time
 * now into *vp (caller frees with px_offline_entries_free).  Returns the
 * number of malformed records dropped (>= 0), or PX_ERR_BAD_FORMAT for a
 * file that is not a list of this version (*vp empty).
 */
int px_offline_parse(
    char *text, size_t len, time_t now, struct off_entry **vp, size_t *np);
void px_offline_entries_free(struct off_entry *v, size_t n);

/*
 * own: the cache directory this process writes its list to (the machine's
 * for root, the user's cache for a user), machine: also read; either may
 * be NULL.  Returns 0 or PX_ERR_NOMEM.
 */
int px_offline_new(const struct px_cdir *own, const struct px_cdir *machine,
    struct px_offline **op) PX_WUR;
void px_offline_free(struct px_offline *o);
void px_offline_set_clock(struct px_offline *o, time_t (*now)(void));
/*
 * server: px_server_name() of a URL.  Returns 1 (and a note) when the
 * server may not be tried now: before its retry time, or when its retry
 * time has come and another process took the probe.  Returns 0 when it is
 * not on the list, 2 when its retry time has come and this process took
 * the probe (the others fail fast until its result is recorded).
 */
int px_offline_check(
    struct px_offline *o, const char *server, char *note, size_t len);
/* Records a failure of server: on the list with the next backoff. */
void px_offline_failed(struct px_offline *o, const char *server);
/* Records a success of server: off the list. */
void px_offline_succeeded(struct px_offline *o, const char *server);
/* "scheme://host:port" of u (defaults applied): the offline list's key. */
struct px_url;
void px_server_name(const struct px_url *u, char *buf, size_t len);
/* Calls fn for every entry of both lists (kind: "server", "ocsp"). */
int px_offline_list(struct px_offline *o,
    int (*fn)(void *arg, const char *kind, const char *url, time_t retry_at,
        long interval),
    void *arg) PX_WUR;
/* Empties both lists.  Returns 0 or PX_ERR_IO. */
int px_offline_clear(struct px_offline *o) PX_WUR;

/* Returns 1 (and *until) while the responder url is held: it gave no
 * usable answer and its retry time has not come; else 0. */
int px_offline_held(struct px_offline *o, const char *url, time_t *until);
/* Holds url for seconds (within 1 .. PX_OCSP_RETRY_MAX). */
void px_offline_hold(struct px_offline *o, const char *url, long seconds);
/* Takes url off the responders' list (it answered). */
void px_offline_release(struct px_offline *o, const char *url);

#endif
