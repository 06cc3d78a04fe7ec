/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

static int
field_plain(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '%';
}

char *
px_field_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t n = 1;
	char *out, *o;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		n += field_plain(*p) ? 1 : 3;
	if ((out = malloc(n)) == NULL)
		return NULL;
	for (o = out, p = (const unsigned char *)s; *p != '\0'; p++) {
		if (field_plain(*p)) {
			*o++ = (char)*p;
			continue;
		}
		*o++ = '%';
		*o++ = hex[*p >> 4];
		*o++ = hex[*p & 0x0f];
	}
	*o = '\0';
	return out;
}

static int
field_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* px_field_escape() writes upper case only */
}

int
px_field_unescape(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = (unsigned char *)s;
	int hi, lo;

	for (; *r != '\0'; r++) {
		if (*r != '%') {
			if (!field_plain(*r))
				return PX_ERR_BAD_FORMAT;
			*w++ = *r;
			continue;
		}
		if ((hi = field_hex((char)r[1])) < 0 ||
		    (lo = field_hex((char)r[2])) < 0 || (hi | lo) == 0 ||
		    field_plain((unsigned char)(hi * 16 + lo)))
			return PX_ERR_BAD_FORMAT;
		*w++ = (unsigned char)(hi * 16 + lo);
		r += 2;
	}
	*w = '\0';
	return 0;
}

/* Bytes of the UTF-8 sequence at p (1-4), or 0 when it is not one: no
 * overlong form, no surrogate, no C1 control (U+0080-U+009F). */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n, i;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0xa0) || (n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

char *
px_sanitize(const char *s, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, n;

	if (len == 0)
		return out;
	for (; *p != '\0'; p += n > 0 ? n : 1) {
		n = *p >= 0x20 && *p != 0x7f ? utf8_len(p) : 0;
		if (o + (n > 0 ? n : 4) >= len)
			break;
		if (n > 0)
			memcpy(out + o, p, n);
		else
			snprintf(out + o, 5, "\\x%02x", *p);
		o += n > 0 ? n : 4;
	}
	if (*p != '\0' && len >= 4) {
		/* Cut short, at the start of a character. */
		if (o > len - 4) {
			o = len - 4;
			while (o > 0 && ((unsigned char)out[o] & 0xc0) == 0x80)
				o--;
		}
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}
