/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "url.h"

static const struct {
	const char *name;
	enum px_scheme scheme;
	unsigned int port;
} url_schemes[] = {
	{ "http", PX_SCHEME_HTTP, 80 },
	{ "https", PX_SCHEME_HTTPS, 443 },
	{ "ldap", PX_SCHEME_LDAP, 389 },
	{ "ldaps", PX_SCHEME_LDAPS, 636 },
};

#define N_SCHEMES (sizeof(url_schemes) / sizeof(url_schemes[0]))

const char *
px_scheme_name(enum px_scheme s)
{
	size_t i;

	for (i = 0; i < N_SCHEMES; i++)
		if (url_schemes[i].scheme == s)
			return url_schemes[i].name;
	return "?";
}

int
px_url_is_http(const struct px_url *u)
{
	return u->scheme == PX_SCHEME_HTTP || u->scheme == PX_SCHEME_HTTPS;
}

static int url_refuse(struct px_url *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
url_refuse(struct px_url *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->why, sizeof(u->why), fmt, ap);
	va_end(ap);
	return PX_ERR_BAD_URL;
}

static int
url_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 3986's characters: unreserved, reserved and '%'. */
static int
url_char_ok(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("-._~:/?#[]@!$&'()*+,;=%", c) != NULL;
}

/*
 * Every byte: printable ASCII of RFC 3986, percent-encodings well formed
 * and never of a control character.
 */
static int
url_check_bytes(const char *s, size_t len, struct px_url *u)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return url_refuse(
			    u, "control character at offset %zu", i);
		if (c == ' ')
			return url_refuse(u, "space at offset %zu", i);
		if (c > 0x7f)
			return url_refuse(u, "non-ASCII byte at offset %zu", i);
		if (!url_char_ok(c))
			return url_refuse(
			    u, "character '%c' at offset %zu", c, i);
		if (c != '%')
			continue;
		if (i + 2 >= len || (hi = url_hexval(s[i + 1])) < 0 ||
		    (lo = url_hexval(s[i + 2])) < 0)
			return url_refuse(
			    u, "malformed percent-encoding at offset %zu", i);
		if (hi * 16 + lo < 0x20 || hi * 16 + lo == 0x7f)
			return url_refuse(u,
			    "percent-encoded control character at offset %zu",
			    i);
	}
	return 0;
}

/* A host name: labels of letters, digits, '-' and '_', 1-63 bytes each. */
static int
url_reg_name(const char *h, size_t len, struct px_url *u)
{
	size_t i, label = 0;

	if (len > PX_URL_HOST_MAX)
		return url_refuse(
		    u, "host name longer than %d bytes", PX_URL_HOST_MAX);
	for (i = 0; i < len; i++) {
		char c = h[i];

		if (c == '.') {
			if (label == 0)
				return url_refuse(u, "empty label in host");
			label = 0;
			u->host[i] = '.';
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return url_refuse(u, "character '%c' in host", c);
		if (++label > 63)
			return url_refuse(u, "host label longer than 63 bytes");
		u->host[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	if (len > 0 && label == 0)
		return url_refuse(u, "empty label in host");
	u->host[len] = '\0';
	return 0;
}

/* [IPv6] with no zone: inet_pton() decides. */
static int
url_ipv6(const char *h, size_t len, struct px_url *u)
{
	struct in6_addr a;
	char buf[64];
	size_t i;

	if (len == 0 || len >= sizeof(buf))
		return url_refuse(u, "malformed IPv6 literal");
	for (i = 0; i < len; i++)
		buf[i] = (char)(h[i] >= 'A' && h[i] <= 'F' ? h[i] - 'A' + 'a'
		                                           : h[i]);
	buf[len] = '\0';
	/* Compared in the one canonical form (RFC 5952). */
	if (inet_pton(AF_INET6, buf, &a) != 1 ||
	    inet_ntop(AF_INET6, &a, u->host, sizeof(u->host)) == NULL)
		return url_refuse(u, "malformed IPv6 literal");
	return 0;
}

static int
url_port(const char *p, size_t len, struct px_url *u)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0)
		return url_refuse(u, "empty port");
	if (len > 5)
		return url_refuse(u, "port out of range");
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return url_refuse(u, "port is not a number");
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return url_refuse(u, "port out of range");
	u->port = (unsigned int)v;
	return 0;
}

/* Host and port of the authority a[0..len). */
static int
url_authority(const char *a, size_t len, struct px_url *u)
{
	const char *colon, *end = a + len;
	int r;

	if (memchr(a, '@', len) != NULL)
		return url_refuse(u, "userinfo (user@host) is not allowed");
	if (len > 0 && a[0] == '[') {
		const char *rb = memchr(a, ']', len);

		if (rb == NULL)
			return url_refuse(u, "malformed IPv6 literal");
		if ((r = url_ipv6(a + 1, (size_t)(rb - a - 1), u)) != 0)
			return r;
		if (rb + 1 == end)
			return 0;
		if (rb[1] != ':')
			return url_refuse(u, "junk after IPv6 literal");
		return url_port(rb + 2, (size_t)(end - rb - 2), u);
	}
	if (memchr(a, '[', len) != NULL || memchr(a, ']', len) != NULL)
		return url_refuse(u, "bracket in host");
	colon = memchr(a, ':', len);
	if ((r = url_reg_name(
	         a, colon != NULL ? (size_t)(colon - a) : len, u)) != 0)
		return r;
	if (colon == NULL)
		return 0;
	if (u->host[0] == '\0')
		return url_refuse(u, "port without a host");
	return url_port(colon + 1, (size_t)(end - colon - 1), u);
}

/* The length of the separator or dot at p (plain or percent-encoded), 0
 * when p is neither; *dot says which. */
static size_t
url_path_unit(const char *p, const char *end, int *dot)
{
	*dot = 0;
	if (*p == '/')
		return 1;
	if (*p == '.') {
		*dot = 1;
		return 1;
	}
	if (*p != '%' || end - p < 3)
		return 0;
	/* A server that decodes %2F or %5C before it resolves the path sees
	 * segments there too. */
	if ((p[1] == '2' && (p[2] == 'f' || p[2] == 'F')) ||
	    (p[1] == '5' && (p[2] == 'c' || p[2] == 'C')))
		return 3;
	if (p[1] == '2' && (p[2] == 'e' || p[2] == 'E')) {
		*dot = 1;
		return 3;
	}
	return 0;
}

/* No "." or ".." segment, plainly or percent-encoded. */
static int
url_path(struct px_url *u)
{
	const char *p = u->path, *end = u->path + u->path_len;
	size_t n;
	int dot, dots = 0, other = 0;

	for (;; p += n) {
		n = p < end ? url_path_unit(p, end, &dot) : 1;
		if (p >= end || (n > 0 && !dot)) {
			/* The end of a segment. */
			if (!other && (dots == 1 || dots == 2))
				return url_refuse(u, "dot segment in path");
			if (p >= end)
				return 0;
			dots = other = 0;
		} else if (n > 0)
			dots++;
		else {
			other = 1;
			n = 1;
		}
	}
}

int
px_url_parse(const char *s, struct px_url *u)
{
	const char *rest, *auth, *auth_end;
	size_t len, i, n;
	int r;

	memset(u, 0, sizeof(*u));
	if (s == NULL || (len = strlen(s)) == 0)
		return url_refuse(u, "empty URL");
	if (len > PX_URL_MAX)
		return url_refuse(u, "longer than %d bytes", PX_URL_MAX);
	if ((r = url_check_bytes(s, len, u)) != 0)
		return r;
	if (strchr(s, '#') != NULL)
		return url_refuse(u, "fragment (#) is not allowed");
	if ((rest = strstr(s, "://")) == NULL)
		return url_refuse(u, "no scheme");
	n = (size_t)(rest - s);
	for (i = 0; i < N_SCHEMES; i++)
		if (strlen(url_schemes[i].name) == n &&
		    strncasecmp(s, url_schemes[i].name, n) == 0)
			break;
	if (i == N_SCHEMES)
		return url_refuse(
		    u, "unknown scheme (http, https, ldap, ldaps)");
	u->scheme = url_schemes[i].scheme;
	u->port = url_schemes[i].port;
	auth = rest + 3;
	auth_end = auth + strcspn(auth, "/?");
	if ((r = url_authority(auth, (size_t)(auth_end - auth), u)) != 0)
		return r;
	if (u->host[0] == '\0' && px_url_is_http(u))
		return url_refuse(u, "empty host");
	u->path = auth_end;
	u->path_len = strcspn(auth_end, "?");
	if (u->path_len > 0 && u->path[0] != '/')
		return url_refuse(u, "path does not start with /");
	if (auth_end[u->path_len] == '?')
		u->query = auth_end + u->path_len + 1;
	return url_path(u);
}

int
px_url_match(const struct px_url *rule, const struct px_url *url)
{
	const char *rp = rule->path_len > 0 ? rule->path : "/";
	const char *up = url->path_len > 0 ? url->path : "/";
	size_t rn = rule->path_len > 0 ? rule->path_len : 1;
	size_t un = url->path_len > 0 ? url->path_len : 1;

	if (rule->scheme != url->scheme || rule->port != url->port ||
	    strcmp(rule->host, url->host) != 0)
		return 0;
	if (un < rn || memcmp(rp, up, rn) != 0)
		return 0;
	return rp[rn - 1] == '/' || un == rn || up[rn] == '/';
}
