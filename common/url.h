/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one URL parser.  Every URL that enters pam_pkix (a certificate's CDP,
 * AIA caIssuers, AIA OCSP and freshestCRL, the configuration, a redirect)
 * is parsed here, strictly, before anything is done with it, and the parts
 * are compared parsed: allowed_urls matches scheme, host, port and path
 * prefix, never a string prefix.
 *
 * Accepted: http, https, ldap, ldaps; printable ASCII only; no userinfo, no
 * fragment, no dot segments; a host name, an IPv4 address or a bracketed
 * IPv6 literal (empty only for a host-less LDAP URL); a port 1-65535.
 */
#ifndef PX_URL_H
#define PX_URL_H

#include <stddef.h>

#include "err.h"

#define PX_URL_MAX 2048     /* bytes of a URL */
#define PX_URL_HOST_MAX 253 /* bytes of a host name (RFC 1035) */
#define PX_URL_ERR_MAX 96   /* bytes of the reason a URL is refused */

enum px_scheme {
	PX_SCHEME_HTTP = 1,
	PX_SCHEME_HTTPS,
	PX_SCHEME_LDAP,
	PX_SCHEME_LDAPS
};

struct px_url {
	enum px_scheme scheme;
	char host[PX_URL_HOST_MAX + 1]; /* lower case, IPv6 without brackets;
	                                   "" for a host-less LDAP URL */
	unsigned int port;              /* given, or the scheme's default */
	const char *path;  /* into the parsed string: from the first '/' after
	                      the host up to '?' (or the end) */
	size_t path_len;   /* 0: the URL had no path (means "/") */
	const char *query; /* after '?', or NULL */
	char why[PX_URL_ERR_MAX]; /* the reason, when refused */
};

/*
 * Parses s into *u (which points into s: keep s alive).  Returns 0, or
 * PX_ERR_BAD_URL with the reason in u->why (no URL bytes in it, so that it
 * can be logged as it is).
 */
int px_url_parse(const char *s, struct px_url *u) PX_WUR;

/* Returns 1 when the scheme is http or https. */
int px_url_is_http(const struct px_url *u);

/*
 * Whether url falls under rule (an allowed_urls entry, parsed): same scheme,
 * same host (exact, case-insensitive), same port (defaults applied), and the
 * rule's path a prefix of the URL's path ending at a segment boundary
 * ("/crl" covers "/crl" and "/crl/x.crl", not "/crlx").  Returns 1 or 0.
 */
int px_url_match(const struct px_url *rule, const struct px_url *url);

/*
 * The transports' check of a URL they are about to use, with their own
 * library's parse of it (libcurl's URL API, ldap_url_parse): scheme, host
 * without brackets ("" when none), port with the scheme's default.
 * Returns 0 to go on, or a PX_ERR_* with the reason in why.
 */
typedef int (*px_url_hook_fn)(void *arg, const char *url, const char *scheme,
    const char *host, long port, char *why, size_t len);

/* The scheme's name ("http", ...). */
const char *px_scheme_name(enum px_scheme s);

#endif
