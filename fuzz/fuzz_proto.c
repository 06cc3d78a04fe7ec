/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the records between a process and its retrieval helper
 * (cache/proto.c).  The helper's answer is input like any other: every
 * record seen lies inside the buffer, its value NUL-terminated; what the
 * writer produces parses back to the same records.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_seen {
	const unsigned char *lo, *hi;
	struct px_proto again;
	size_t n;
};

static int
fuzz_rec(void *arg, const char *tag, const unsigned char *val, size_t len)
{
	struct fuzz_seen *s = arg;
	long v;

	if (val < s->lo || val + len >= s->hi || val[len] != '\0' ||
	    strlen(tag) == 0 || strlen(tag) > PX_PROTO_TAG_MAX)
		abort();
	(void)px_proto_num(val, len, &v);
	px_proto_put(&s->again, tag, val, len);
	s->n++;
	return 0;
}

static int
fuzz_count(void *arg, const char *tag, const unsigned char *val, size_t len)
{
	(*(size_t *)arg)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_seen s;
	unsigned char *buf;
	size_t n2 = 0;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	memset(&s, 0, sizeof(s));
	s.lo = buf;
	s.hi = buf + size;
	s.again.max = 2 * size + 64;
	px_proto_puts(&s.again, "magic", PX_PROTO_MAGIC);
	if (px_proto_parse(buf, size, fuzz_rec, &s) == 0) {
		/* Written again, it reads back as the same records. */
		if (s.again.failed ||
		    px_proto_parse(s.again.buf, s.again.len, fuzz_count, &n2) !=
		        0 ||
		    n2 != s.n)
			abort();
	}
	px_proto_free(&s.again);
	free(buf);
	return 0;
}
