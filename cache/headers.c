/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "../common/err.h"
#include "../common/util.h"
#include "headers.h"

int
px_hdr_text_ok(const char *v)
{
	size_t n;

	if (v == NULL)
		return 0;
	for (n = 0; v[n] != '\0'; n++)
		if ((unsigned char)v[n] < 0x20 || (unsigned char)v[n] >= 0x7f ||
		    n >= PX_HTTP_HEADER_MAX)
			return 0;
	return 1;
}

static void
hdr_skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* A token's characters (RFC 9110 5.6.2). */
static int
hdr_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Digits of a delta-seconds value, through the one number parser. */
static long
hdr_seconds(const char *s, size_t n)
{
	char buf[32];
	uint64_t v;
	int r;

	if (n == 0)
		return -1;
	if (n >= sizeof(buf)) {
		/* Only digits may be that long; then it is out of range. */
		while (n-- > 0)
			if (s[n] < '0' || s[n] > '9')
				return -1;
		return PX_MAX_AGE_MAX;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	r = px_parse_uint(buf, (uint64_t)PX_MAX_AGE_MAX, &v);
	if (r == PX_ERR_TOO_BIG)
		return PX_MAX_AGE_MAX;
	return r == 0 ? (long)v : -1;
}

long
px_hdr_max_age(const char *cc)
{
	const char *p = cc, *name, *val;
	size_t nlen, vlen;
	long found = -1, v;
	int seen = 0;

	if (cc == NULL || !px_hdr_text_ok(cc))
		return -1;
	for (;;) {
		hdr_skip_ws(&p);
		if (*p == '\0')
			break;
		if (*p == ',') {
			p++;
			continue;
		}
		for (name = p; hdr_tchar(*p); p++)
			;
		if ((nlen = (size_t)(p - name)) == 0)
			return -1; /* not a directive: the value is malformed */
		hdr_skip_ws(&p);
		val = NULL;
		vlen = 0;
		if (*p == '=') {
			p++;
			hdr_skip_ws(&p);
			if (*p == '"') {
				val = ++p;
				while (*p != '"' && *p != '\0')
					p++;
				if (*p != '"')
					return -1;
				vlen = (size_t)(p++ - val);
			} else {
				for (val = p; hdr_tchar(*p); p++)
					;
				vlen = (size_t)(p - val);
			}
		}
		hdr_skip_ws(&p);
		if (*p != ',' && *p != '\0')
			return -1;
		if (nlen == 7 && strncasecmp(name, "max-age", 7) == 0) {
			/* Given twice: a proxy and the origin disagree. */
			if (seen++)
				return -1;
			v = val != NULL ? hdr_seconds(val, vlen) : -1;
			found = v;
		}
	}
	return found;
}

int
px_hdr_etag_ok(const char *v)
{
	size_t n;

	if (v == NULL || !px_hdr_text_ok(v))
		return 0;
	if (strncmp(v, "W/", 2) == 0)
		v += 2;
	n = strlen(v);
	if (n < 2 || v[0] != '"' || v[n - 1] != '"')
		return 0;
	return memchr(v + 1, '"', n - 2) == NULL;
}

static int
hdr_num(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
px_hdr_date(const char *v, time_t *t)
{
	static const char days[] = "MonTueWedThuFriSatSun";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm;
	int i, mon = -1, day, year, hh, mm, ss;
	time_t r;

	*t = 0;
	/* "Sun, 06 Nov 1994 08:49:37 GMT": exactly 29 bytes. */
	if (v == NULL || strlen(v) != 29 || v[3] != ',' || v[4] != ' ' ||
	    v[7] != ' ' || v[11] != ' ' || v[16] != ' ' || v[19] != ':' ||
	    v[22] != ':' || v[25] != ' ' || strcmp(v + 26, "GMT") != 0)
		return PX_ERR_BAD_FORMAT;
	for (i = 0; i < 7; i++)
		if (strncmp(v, days + 3 * i, 3) == 0)
			break;
	if (i == 7)
		return PX_ERR_BAD_FORMAT;
	for (i = 0; i < 12; i++)
		if (strncmp(v + 8, months + 3 * i, 3) == 0)
			mon = i;
	if (mon < 0 || hdr_num(v + 5, 2, &day) != 0 ||
	    hdr_num(v + 12, 4, &year) != 0 || hdr_num(v + 17, 2, &hh) != 0 ||
	    hdr_num(v + 20, 2, &mm) != 0 || hdr_num(v + 23, 2, &ss) != 0 ||
	    day < 1 || day > 31 || year < 1970 || hh > 23 || mm > 59 || ss > 60)
		return PX_ERR_BAD_FORMAT;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	if ((r = timegm(&tm)) == (time_t)-1 || tm.tm_mday != day)
		return PX_ERR_BAD_FORMAT; /* 31 Feb */
	*t = r;
	return 0;
}
