/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/escape.h"
#include "../common/util.h"
#include "headers.h"
#include "cache_int.h"

/* 2: every text value escaped (px_field_escape); a file of another
 * version is damaged metadata, rebuilt from its object. */
#define META_MAGIC "pam_pkix-cache 2"

void
px_meta_clear(struct px_meta *m)
{
	free(m->url);
	free(m->etag);
	free(m->last_modified);
	free(m->date);
	free(m->via);
	free(m->bind);
	memset(m, 0, sizeof(*m));
	m->max_age = -1;
}

static void
hex_out(FILE *f, const char *key, const unsigned char *b, size_t n)
{
	size_t i;

	fprintf(f, "%s ", key);
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
	fputc('\n', f);
}

/* "key value": the value escaped, so that it cannot hold a line break. */
static int
text_out(FILE *f, const char *key, const char *v)
{
	char *e;

	if (v == NULL)
		return 0;
	if ((e = px_field_escape(v)) == NULL)
		return PX_ERR_NOMEM;
	fprintf(f, "%s %s\n", key, e);
	free(e);
	return 0;
}

char *
px_meta_format(const struct px_meta *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fprintf(f, "%s\nkind %s\n", META_MAGIC, px_kind_name(m->kind));
	r = text_out(f, "url", m->url);
	if (r == 0)
		r = text_out(f, "etag", m->etag);
	if (r == 0)
		r = text_out(f, "last_modified", m->last_modified);
	if (r == 0)
		r = text_out(f, "date", m->date);
	if (r == 0)
		r = text_out(f, "via", m->via);
	if (r == 0)
		r = text_out(f, "bind", m->bind);
	fprintf(f,
	    "max_age %ld\nfetched_at %lld\nthis_update %lld\n"
	    "next_update %lld\nsize %zu\n",
	    m->max_age, (long long)m->fetched_at,
	    (long long)m->info.this_update, (long long)m->info.next_update,
	    m->size);
	if (m->info.number_len > 0)
		hex_out(f, "number", m->info.number, m->info.number_len);
	if (r == 0 && m->info.issuer[0] != '\0')
		r = text_out(f, "issuer", m->info.issuer);
	fprintf(f, "entries %ld\n", m->info.entries);
	hex_out(f, "sha256", m->sha256, sizeof(m->sha256));
	if (fclose(f) != 0 || r != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int
parse_hex(const char *s, unsigned char *out, size_t max, size_t *n)
{
	size_t len = strlen(s), i;
	unsigned int v;

	if (len == 0 || len % 2 != 0 || len / 2 > max)
		return PX_ERR_BAD_FORMAT;
	for (i = 0; i < len / 2; i++) {
		if (!isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return PX_ERR_BAD_FORMAT;
		out[i] = (unsigned char)v;
	}
	*n = len / 2;
	return 0;
}

/* A number of a metadata line, through the one number parser: -1 (when
 * allowed) or digits within [0, max]. */
static int
parse_num(const char *s, int minus_one, uint64_t max, long long *v)
{
	uint64_t n;

	if (minus_one && strcmp(s, "-1") == 0) {
		*v = -1;
		return 0;
	}
	if (px_parse_uint(s, max, &n) != 0)
		return PX_ERR_BAD_FORMAT;
	*v = (long long)n;
	return 0;
}

/* An escaped text value (see text_out). */
static int
set_str(char **dst, const char *v)
{
	char *s;

	if (*dst != NULL)
		return PX_ERR_BAD_FORMAT; /* given twice */
	if ((s = strdup(v)) == NULL)
		return PX_ERR_NOMEM;
	if (px_field_unescape(s) != 0) {
		free(s);
		return PX_ERR_BAD_FORMAT;
	}
	*dst = s;
	return 0;
}

static int
parse_line(struct px_meta *m, const char *key, const char *v, int *have)
{
	long long n;
	size_t len;

	if (strcmp(key, "url") == 0)
		return set_str(&m->url, v);
	if (strcmp(key, "etag") == 0)
		return set_str(&m->etag, v);
	if (strcmp(key, "last_modified") == 0)
		return set_str(&m->last_modified, v);
	if (strcmp(key, "date") == 0)
		return set_str(&m->date, v);
	if (strcmp(key, "via") == 0)
		return set_str(&m->via, v);
	if (strcmp(key, "bind") == 0)
		return set_str(&m->bind, v);
	if (strcmp(key, "kind") == 0) {
		m->kind = strcmp(v, "crl") == 0 ? PX_KIND_CRL
		    : strcmp(v, "cert") == 0    ? PX_KIND_CERT
		    : strcmp(v, "ocsp") == 0    ? PX_KIND_OCSP
		                                : 0;
		return m->kind == 0 ? PX_ERR_BAD_FORMAT : 0;
	}
	if (strcmp(key, "issuer") == 0) {
		char *t = NULL;
		int r;

		if (m->info.issuer[0] != '\0' || (r = set_str(&t, v)) != 0)
			return PX_ERR_BAD_FORMAT;
		if (strlen(t) >= sizeof(m->info.issuer)) {
			free(t);
			return PX_ERR_BAD_FORMAT;
		}
		memcpy(m->info.issuer, t, strlen(t) + 1);
		free(t);
		return 0;
	}
	if (strcmp(key, "entries") == 0) {
		if (parse_num(v, 1, 1ULL << 40, &n) != 0)
			return PX_ERR_BAD_FORMAT;
		m->info.entries = (long)n;
		return 0;
	}
	if (strcmp(key, "number") == 0)
		return parse_hex(v, m->info.number, sizeof(m->info.number),
		    &m->info.number_len);
	if (strcmp(key, "sha256") == 0) {
		*have |= 1;
		if (parse_hex(v, m->sha256, sizeof(m->sha256), &len) != 0 ||
		    len != sizeof(m->sha256))
			return PX_ERR_BAD_FORMAT;
		return 0;
	}
	if (strcmp(key, "max_age") == 0) {
		/* The range the HTTP border clamps to (headers.h). */
		if (parse_num(v, 1, PX_MAX_AGE_MAX, &n) != 0)
			return PX_ERR_BAD_FORMAT;
		m->max_age = (long)n;
		return 0;
	}
	if (strcmp(key, "size") == 0) {
		*have |= 2;
		if (parse_num(v, 0, 1ULL << 40, &n) != 0)
			return PX_ERR_BAD_FORMAT;
		m->size = (size_t)n;
		return 0;
	}
	if (parse_num(v, 0, 1ULL << 40, &n) != 0)
		return PX_ERR_BAD_FORMAT;
	if (strcmp(key, "fetched_at") == 0)
		m->fetched_at = (time_t)n;
	else if (strcmp(key, "this_update") == 0)
		m->info.this_update = (time_t)n;
	else if (strcmp(key, "next_update") == 0)
		m->info.next_update = (time_t)n;
	else
		return PX_ERR_BAD_FORMAT;
	return 0;
}

int
px_meta_parse(const char *text, struct px_meta *m)
{
	char *copy = NULL, *line, *next, *sp;
	int have = 0, first = 1, r = PX_ERR_BAD_FORMAT;

	memset(m, 0, sizeof(*m));
	m->max_age = -1;
	m->info.entries = -1;
	if ((copy = strdup(text)) == NULL)
		return PX_ERR_NOMEM;
	/* Read as strictly as written: every line ends in a newline, none
	 * is empty. */
	for (line = copy; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL || next == line)
			goto out;
		*next++ = '\0';
		if (first) {
			if (strcmp(line, META_MAGIC) != 0)
				goto out;
			first = 0;
			continue;
		}
		if ((sp = strchr(line, ' ')) == NULL)
			goto out;
		*sp = '\0';
		if ((r = parse_line(m, line, sp + 1, &have)) != 0)
			goto out;
		r = PX_ERR_BAD_FORMAT;
	}
	if (first || have != 3 || m->url == NULL || m->kind == 0 ||
	    m->fetched_at == 0)
		goto out;
	r = 0;
out:
	free(copy);
	if (r != 0)
		px_meta_clear(m);
	return r;
}

static int
dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	return (*dst = strdup(src)) == NULL ? PX_ERR_NOMEM : 0;
}

int
px_meta_copy(struct px_meta *dst, const struct px_meta *src)
{
	*dst = *src;
	dst->url = dst->etag = dst->last_modified = dst->date = dst->via = NULL;
	if (dup_opt(&dst->url, src->url) != 0 ||
	    dup_opt(&dst->etag, src->etag) != 0 ||
	    dup_opt(&dst->last_modified, src->last_modified) != 0 ||
	    dup_opt(&dst->date, src->date) != 0 ||
	    dup_opt(&dst->via, src->via) != 0 ||
	    dup_opt(&dst->bind, src->bind) != 0) {
		px_meta_clear(dst);
		return PX_ERR_NOMEM;
	}
	return 0;
}
