/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which URLs may be fetched: parsed by the one URL parser, a scheme we
 * fetch, inside allowed_urls (compared parsed).  The same check runs before
 * the first request and at every redirect hop, and the transport's own
 * library must read the URL the same way.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cache_int.h"

int
px_url_allowed(const struct px_config *cfg, const struct px_url *u)
{
	struct px_url rule;
	size_t i;

	if (cfg->n_allowed_urls == 0)
		return 1;
	for (i = 0; i < cfg->n_allowed_urls; i++)
		if (px_url_parse(cfg->allowed_urls[i], &rule) == 0 &&
		    px_url_match(&rule, u))
			return 1;
	return 0;
}

int
px_url_policy(const struct px_config *cfg, const char *url, struct px_url *u,
    char *why, size_t len)
{
	if (px_url_parse(url, u) != 0) {
		snprintf(why, len, "malformed URL: %s", u->why);
		return PX_ERR_BAD_URL;
	}
	if (!px_url_allowed(cfg, u)) {
		snprintf(why, len, "not in allowed_urls");
		return PX_ERR_NOT_ALLOWED;
	}
	return 0;
}

/* Two spellings of one host: IPv6 literals compared as addresses. */
static int
same_host(const char *ours, const char *theirs)
{
	struct in6_addr a, b;

	if (strchr(ours, ':') != NULL)
		return inet_pton(AF_INET6, ours, &a) == 1 &&
		    inet_pton(AF_INET6, theirs, &b) == 1 &&
		    memcmp(&a, &b, sizeof(a)) == 0;
	return strcasecmp(ours, theirs) == 0;
}

int
px_url_hook(void *arg, const char *url, const char *scheme, const char *host,
    long port, char *why, size_t len)
{
	const struct px_config *cfg = arg;
	char msg[160];
	struct px_url u;
	int r;

	if ((r = px_url_policy(cfg, url, &u, msg, sizeof(msg))) != 0) {
		snprintf(why, len, "URL not allowed: %s", msg);
		return r;
	}
	/* A URL read one way here and another way by the library that
	 * connects is the classic way around an allow list. */
	if (strcasecmp(px_scheme_name(u.scheme), scheme) != 0 ||
	    !same_host(u.host, host) || (long)u.port != port) {
		snprintf(why, len,
		    "URL not allowed: the transport reads it differently");
		return PX_ERR_BAD_URL;
	}
	return 0;
}
