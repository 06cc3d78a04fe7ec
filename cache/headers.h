/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HTTP response headers pam_pkix keeps (seed 003: ETag, Last-Modified,
 * Cache-Control max-age, Date, Via), parsed at the border, once: what does
 * not parse is dropped, a number out of range is clamped.  The same limits
 * apply where a value is stored (cache metadata) and where it is sent
 * again (If-None-Match, If-Modified-Since).
 */
#ifndef PX_HEADERS_H
#define PX_HEADERS_H

#include <time.h>

#include "../http/http.h"

/* The largest max-age kept: RFC 9111 1.2.2 caps delta-seconds at 2^31. */
#define PX_MAX_AGE_MAX 2147483647L

/*
 * The max-age directive of a Cache-Control value ("max-age=86400", also
 * "max-age = 86400" as seed 003 shows, or quoted).  Returns the seconds,
 * clamped to PX_MAX_AGE_MAX, or -1 when absent, malformed or given twice.
 */
long px_hdr_max_age(const char *cc);

/* Whether v is an entity tag (RFC 9110 8.8.3: "x" or W/"x") of at most
 * PX_HTTP_HEADER_MAX bytes. */
int px_hdr_etag_ok(const char *v);

/*
 * Parses an HTTP date in the IMF-fixdate form ("Sun, 06 Nov 1994 08:49:37
 * GMT", the one form senders must use).  Returns 0 and sets *t, or
 * PX_ERR_BAD_FORMAT.
 */
int px_hdr_date(const char *v, time_t *t) PX_WUR;

/* Whether v is one line of printable ASCII of at most PX_HTTP_HEADER_MAX
 * bytes (Via). */
int px_hdr_text_ok(const char *v);

#endif
