/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The records between a process and its retrieval helper (pkix-fetch):
 * "TAG LEN\n" then LEN bytes then "\n".  The same format both ways; the
 * reader is strict (a tag of [a-z-], a length within the cap, the closing
 * newline) because the helper's answer is input like any other.
 */
#ifndef PX_PROTO_H
#define PX_PROTO_H

#include <stddef.h>

#include "../common/err.h"

#define PX_PROTO_MAGIC "pam_pkix-fetch 1"
#define PX_PROTO_TAG_MAX 16

struct px_proto {
	unsigned char *buf;
	size_t len, cap;
	size_t max; /* the whole message's cap */
	int failed; /* out of memory or over max: the message is unusable */
};

/* Appends one record (val of len bytes). */
void px_proto_put(
    struct px_proto *p, const char *tag, const void *val, size_t len);
/* Appends bytes as they are (what was read from the other side). */
void px_proto_put_raw(struct px_proto *p, const void *data, size_t len);
void px_proto_puts(struct px_proto *p, const char *tag, const char *s);
void px_proto_putnum(struct px_proto *p, const char *tag, long long v);
void px_proto_free(struct px_proto *p);

/*
 * Calls fn for each record of buf[0..len), in order; the first record must
 * be the magic.  fn returns 0 to go on or an error that stops the walk.
 * Returns 0, PX_ERR_BAD_FORMAT (a malformed or cut message; records before
 * the damage were seen), or fn's error.  val is NUL-terminated (the byte
 * after it is the record's newline, overwritten), so text records read as
 * strings; binary ones use len.
 */
int px_proto_parse(unsigned char *buf, size_t len,
    int (*fn)(void *arg, const char *tag, const unsigned char *val, size_t len),
    void *arg) PX_WUR;

/* Parses a number record: digits, optionally after '-', within a long. */
int px_proto_num(const unsigned char *val, size_t len, long *v) PX_WUR;

#endif
