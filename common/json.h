/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small JSON writer for pkixctl's --json output.  Every string is
 * escaped: the quote, the backslash and every control character (C0, DEL
 * and C1, as \u00XX or the short forms), and each ill-formed UTF-8
 * sequence (overlong, surrogate, truncated, beyond U+10FFFF, a stray
 * continuation byte) is replaced by U+FFFD, one per maximal subpart as
 * Unicode recommends.  The output is therefore valid JSON in UTF-8
 * whatever a certificate, a server or a file put in the text.
 */
#ifndef PX_JSON_H
#define PX_JSON_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* Nesting deeper than this is not written (a bug of the caller). */
#define PX_JSON_DEPTH_MAX 16

struct px_json {
	FILE *f;
	int depth;
	int after_key; /* a key was written: its value needs no comma */
	unsigned char count[PX_JSON_DEPTH_MAX]; /* nonzero: not the first */
};

/* Writes s as a JSON string (NULL: null) to f. */
void px_json_write_str(FILE *f, const char *s);
/* The same for len bytes of s (a NUL among them is escaped). */
void px_json_write_strn(FILE *f, const char *s, size_t len);

/* A writer that places the commas and colons. */
void px_json_init(struct px_json *j, FILE *f);
void px_json_begin_object(struct px_json *j);
void px_json_end_object(struct px_json *j);
void px_json_begin_array(struct px_json *j);
void px_json_end_array(struct px_json *j);
/* The name of the next member of the current object. */
void px_json_key(struct px_json *j, const char *key);
void px_json_str(struct px_json *j, const char *s);
void px_json_int(struct px_json *j, long long v);
void px_json_uint(struct px_json *j, uint64_t v);
void px_json_bool(struct px_json *j, int v);
void px_json_null(struct px_json *j);
/* A time as "YYYY-MM-DDTHH:MM:SSZ"; 0 is null. */
void px_json_time(struct px_json *j, time_t t);
/* Shorthands for a member: key then value. */
void px_json_kstr(struct px_json *j, const char *key, const char *s);
void px_json_kint(struct px_json *j, const char *key, long long v);
void px_json_kbool(struct px_json *j, const char *key, int v);
void px_json_ktime(struct px_json *j, const char *key, time_t t);

#endif
