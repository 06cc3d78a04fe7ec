/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "proto.h"

static int
proto_grow(struct px_proto *p, size_t n)
{
	unsigned char *nb;
	size_t ncap;

	if (p->failed || n > p->max - p->len) {
		p->failed = 1;
		return -1;
	}
	if (p->len + n <= p->cap)
		return 0;
	ncap = p->cap == 0 ? 4096 : p->cap;
	while (ncap < p->len + n)
		ncap *= 2;
	if ((nb = realloc(p->buf, ncap)) == NULL) {
		p->failed = 1;
		return -1;
	}
	p->buf = nb;
	p->cap = ncap;
	return 0;
}

void
px_proto_put(struct px_proto *p, const char *tag, const void *val, size_t len)
{
	char head[PX_PROTO_TAG_MAX + 32];
	int n;

	n = snprintf(head, sizeof(head), "%s %zu\n", tag, len);
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    proto_grow(p, (size_t)n + len + 1) != 0)
		return;
	memcpy(p->buf + p->len, head, (size_t)n);
	p->len += (size_t)n;
	if (len > 0)
		memcpy(p->buf + p->len, val, len);
	p->len += len;
	p->buf[p->len++] = '\n';
}

void
px_proto_put_raw(struct px_proto *p, const void *data, size_t len)
{
	if (proto_grow(p, len) != 0)
		return;
	memcpy(p->buf + p->len, data, len);
	p->len += len;
}

void
px_proto_puts(struct px_proto *p, const char *tag, const char *s)
{
	if (s != NULL)
		px_proto_put(p, tag, s, strlen(s));
}

void
px_proto_putnum(struct px_proto *p, const char *tag, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	px_proto_puts(p, tag, buf);
}

void
px_proto_free(struct px_proto *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

int
px_proto_num(const unsigned char *val, size_t len, long *v)
{
	char buf[24];
	uint64_t n;
	int neg = len > 0 && val[0] == '-';

	if (len == (size_t)neg || len >= sizeof(buf))
		return PX_ERR_BAD_FORMAT;
	memcpy(buf, val + neg, len - (size_t)neg);
	buf[len - (size_t)neg] = '\0';
	if (px_parse_uint(buf, (uint64_t)LONG_MAX, &n) != 0)
		return PX_ERR_BAD_FORMAT;
	*v = neg ? -(long)n : (long)n;
	return 0;
}

int
px_proto_parse(unsigned char *buf, size_t len,
    int (*fn)(void *arg, const char *tag, const unsigned char *val, size_t len),
    void *arg)
{
	char tag[PX_PROTO_TAG_MAX + 1];
	size_t off = 0, t, n;
	uint64_t vlen;
	int first = 1, r;

	while (off < len) {
		/* TAG */
		for (t = 0; off + t < len && buf[off + t] != ' '; t++)
			if (t == PX_PROTO_TAG_MAX ||
			    !((buf[off + t] >= 'a' && buf[off + t] <= 'z') ||
			        buf[off + t] == '-'))
				return PX_ERR_BAD_FORMAT;
		if (t == 0 || off + t == len)
			return PX_ERR_BAD_FORMAT;
		memcpy(tag, buf + off, t);
		tag[t] = '\0';
		off += t + 1;
		/* LEN\n */
		for (n = 0, vlen = 0; off + n < len && buf[off + n] != '\n';
		     n++) {
			if (n == 10 || buf[off + n] < '0' || buf[off + n] > '9')
				return PX_ERR_BAD_FORMAT;
			vlen = vlen * 10 + (uint64_t)(buf[off + n] - '0');
		}
		if (n == 0 || off + n == len)
			return PX_ERR_BAD_FORMAT;
		off += n + 1;
		if (vlen >= len - off || buf[off + vlen] != '\n')
			return PX_ERR_BAD_FORMAT;
		buf[off + vlen] = '\0';
		if (first) {
			if (strcmp(tag, "magic") != 0 ||
			    strcmp((char *)buf + off, PX_PROTO_MAGIC) != 0)
				return PX_ERR_BAD_FORMAT;
			first = 0;
		} else if ((r = fn(arg, tag, buf + off, (size_t)vlen)) != 0)
			return r;
		off += (size_t)vlen + 1;
	}
	return first ? PX_ERR_BAD_FORMAT : 0;
}
