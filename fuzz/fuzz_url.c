/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the URL parser and the allowed_urls matcher.  The input
 * is "RULE\nURL".  Properties: a URL that parses has only the bytes the
 * parser allows, a host within its limit, a port 1-65535; the matcher never
 * lets a URL through a rule of another scheme, host or port, and a rule
 * always covers the URL it came from.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_url_check(const char *s, const struct px_url *u)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			abort();
	if (u->port == 0 || u->port > 65535 ||
	    strlen(u->host) > PX_URL_HOST_MAX ||
	    (px_url_is_http(u) && u->host[0] == '\0') ||
	    strchr(u->host, '@') != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_url rule, url;
	char *text, *nl;
	int rr, ur;

	if (size > 2 * PX_URL_MAX + 16 || (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if ((nl = strchr(text, '\n')) != NULL)
		*nl = '\0';
	rr = px_url_parse(text, &rule);
	if (rr == 0) {
		fuzz_url_check(text, &rule);
		if (!px_url_match(&rule, &rule))
			abort();
	}
	if (nl != NULL && (ur = px_url_parse(nl + 1, &url)) == 0) {
		fuzz_url_check(nl + 1, &url);
		if (rr == 0 && px_url_match(&rule, &url) &&
		    (rule.scheme != url.scheme || rule.port != url.port ||
		        strcmp(rule.host, url.host) != 0))
			abort();
	}
	free(text);
	return 0;
}
