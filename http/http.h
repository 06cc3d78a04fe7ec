/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HTTP transport: one request, one response, no caching and no policy.
 *
 * Linked only into the retrieval helper (pkix-fetch), so that a login
 * process never maps libcurl.  It does not log: it returns a PX_ERR_* code
 * and a message that the caller logs.
 */
#ifndef PX_HTTP_H
#define PX_HTTP_H

#include <stddef.h>

#include "../common/err.h"
#include "../common/url.h"

#define PX_HTTP_MAX_REDIRECTS 3
#define PX_HTTP_ERRMSG 256
/* Bytes of a header value kept, stored and sent again (ETag, dates). */
#define PX_HTTP_HEADER_MAX 1024

struct px_http_request {
	const char *url;               /* http:// or https:// */
	const char *if_none_match;     /* ETag to send, or NULL */
	const char *if_modified_since; /* HTTP date to send, or NULL */
	long cache_max_age;            /* Cache-Control: max-age=N; -1: none */
	const char *post_type; /* POST with this Content-Type, or NULL */
	const unsigned char *post_body;
	size_t post_len;
	size_t max_size;   /* body cap: reading stops past it */
	long timeout_ms;   /* whole transfer, connect included */
	const char *proxy; /* NULL: the usual environment variables */
	const char *user_agent;
	/* Called with the URL before the first request and with every
	 * redirect target before it is followed, with libcurl's parse. */
	px_url_hook_fn check_url; /* required */
	void *check_arg;
};

struct px_http_response {
	long status;         /* HTTP status of the last response */
	unsigned char *body; /* malloc()ed, NUL-terminated; free() it */
	size_t len;
	char *etag; /* header values as received, malloc()ed, or NULL when */
	char *last_modified; /* absent or over PX_HTTP_HEADER_MAX bytes */
	char *date;
	char *via;
	char *cache_control;
	long redirects;
	long ms;                     /* wall time of the transfer */
	char errmsg[PX_HTTP_ERRMSG]; /* why, when the call fails */
};

/*
 * Performs the request, following at most PX_HTTP_MAX_REDIRECTS redirects of
 * a GET, each target checked by check_url first.  Returns 0 when an HTTP
 * response arrived (any status), else PX_ERR_TIMEOUT, PX_ERR_UNREACHABLE
 * (connect, resolve), PX_ERR_NETWORK (the server broke the protocol),
 * PX_ERR_TOO_BIG (body over max_size), PX_ERR_NOT_ALLOWED (a scheme or
 * redirect other than http/https, too many redirects, a redirected POST),
 * check_url's error, or PX_ERR_NOMEM, with
 * errmsg set.  resp is cleared first; free it with px_http_response_clear().
 */
int px_http_fetch(
    const struct px_http_request *req, struct px_http_response *resp) PX_WUR;

/* Frees what resp holds (the body and the header values). */
void px_http_response_clear(struct px_http_response *resp);

#endif
