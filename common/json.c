/* SPDX-License-Identifier: BSD-2-Clause */
/* The JSON writer (json.h): escaping, UTF-8 checking, commas. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "util.h"

/*
 * The length of the well-formed UTF-8 sequence at s (at most n bytes), or
 * 0 when it is ill-formed; then *skip is the length of its maximal subpart
 * (at least 1), replaced by one U+FFFD.  Table 3-7 of the Unicode
 * Standard: no overlong form, no surrogate, nothing beyond U+10FFFF.
 */
static size_t
utf8_len(const unsigned char *s, size_t n, size_t *skip)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	*skip = 1;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		if (s[0] == 0xe0)
			lo = 0xa0; /* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		if (s[0] == 0xf0)
			lo = 0x90; /* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f; /* beyond U+10FFFF */
	} else
		return 0; /* 80..C1 (continuation, overlong), F5..FF */
	for (i = 1; i < need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*skip = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

void
px_json_write_strn(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n, skip;
	unsigned int cp;

	putc('"', f);
	while (i < len) {
		if ((n = utf8_len(s + i, len - i, &skip)) == 0) {
			fputs("\\ufffd", f);
			i += skip;
			continue;
		}
		cp = s[i];
		if (n == 2)
			cp = ((s[i] & 0x1fU) << 6) | (s[i + 1] & 0x3fU);
		switch (cp) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			/* C0, DEL and C1: no terminal sees them raw. */
			if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
				fprintf(f, "\\u%04x", cp);
			else
				fwrite(s + i, 1, n, f);
		}
		i += n;
	}
	putc('"', f);
}

void
px_json_write_str(FILE *f, const char *s)
{
	if (s == NULL)
		fputs("null", f);
	else
		px_json_write_strn(f, s, strlen(s));
}

void
px_json_init(struct px_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

/* Before a value or a key: the comma that separates it from the last. */
static void
sep(struct px_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth > 0 && j->depth <= PX_JSON_DEPTH_MAX &&
	    j->count[j->depth - 1]++ > 0)
		putc(',', j->f);
}

static void
open_(struct px_json *j, int c)
{
	sep(j);
	putc(c, j->f);
	if (++j->depth <= PX_JSON_DEPTH_MAX)
		j->count[j->depth - 1] = 0;
}

static void
close_(struct px_json *j, int c)
{
	if (j->depth > 0)
		j->depth--;
	j->after_key = 0;
	putc(c, j->f);
}

void
px_json_begin_object(struct px_json *j)
{
	open_(j, '{');
}

void
px_json_end_object(struct px_json *j)
{
	close_(j, '}');
}

void
px_json_begin_array(struct px_json *j)
{
	open_(j, '[');
}

void
px_json_end_array(struct px_json *j)
{
	close_(j, ']');
}

void
px_json_key(struct px_json *j, const char *key)
{
	sep(j);
	px_json_write_str(j->f, key != NULL ? key : "");
	putc(':', j->f);
	j->after_key = 1;
}

void
px_json_str(struct px_json *j, const char *s)
{
	sep(j);
	px_json_write_str(j->f, s);
}

void
px_json_int(struct px_json *j, long long v)
{
	sep(j);
	fprintf(j->f, "%lld", v);
}

void
px_json_uint(struct px_json *j, uint64_t v)
{
	sep(j);
	fprintf(j->f, "%" PRIu64, v);
}

void
px_json_bool(struct px_json *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void
px_json_null(struct px_json *j)
{
	sep(j);
	fputs("null", j->f);
}

void
px_json_time(struct px_json *j, time_t t)
{
	char buf[32];

	if (t == 0)
		px_json_null(j);
	else
		px_json_str(j, px_time_str(t, buf, sizeof(buf)));
}

void
px_json_kstr(struct px_json *j, const char *key, const char *s)
{
	px_json_key(j, key);
	px_json_str(j, s);
}

void
px_json_kint(struct px_json *j, const char *key, long long v)
{
	px_json_key(j, key);
	px_json_int(j, v);
}

void
px_json_kbool(struct px_json *j, const char *key, int v)
{
	px_json_key(j, key);
	px_json_bool(j, v);
}

void
px_json_ktime(struct px_json *j, const char *key, time_t t)
{
	px_json_key(j, key);
	px_json_time(j, t);
}
