/*
 * The list of unreachable URLs (seed 003, DESIGN.md section 4): a URL that
 * failed may be tried again after 15 s; each further failure doubles the
 * wait up to 30 min; a success resets it.  Kept per process and, so that
 * short-lived login processes share it, in the machine cache.
 */
#ifndef PX_OFFLINE_H
#define PX_OFFLINE_H

#include <stddef.h>
#include <time.h>

#include "cache_int.h"

#define PX_OFFLINE_FIRST 15
#define PX_OFFLINE_MAX 1800

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

/* machine may be NULL (no persistence).  Returns 0 or PX_ERR_NOMEM. */
int px_offline_new(
    const struct px_cdir *machine, struct px_offline **op) PX_WUR;
void px_offline_free(struct px_offline *o);
void px_offline_set_clock(struct px_offline *o, time_t (*now)(void));
/* Returns 1 (and a note) when url may not be tried yet, else 0. */
int px_offline_check(struct px_offline *o, const char *url, const char *hex,
    char *note, size_t len);
/* Records a failure of url: on the list with the next backoff. */
void px_offline_failed(struct px_offline *o, const char *url, const char *hex);
/* Records a success of url: off the list. */
void px_offline_succeeded(
    struct px_offline *o, const char *url, const char *hex);
int px_offline_list(struct px_offline *o,
    int (*fn)(void *arg, const char *url, time_t retry_at, long interval),
    void *arg) PX_WUR;
int px_offline_clear(struct px_offline *o) PX_WUR;

#endif
