/* SPDX-License-Identifier: BSD-2-Clause */
/* Small helpers shared by every layer: bounded file reads, checked parsers. */
#ifndef PX_UTIL_H
#define PX_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include "err.h"

#define PX_READ_NOFOLLOW                                                       \
	0x01 /* refuse a symbolic link as the last component                   \
	      */
#define PX_READ_TRUSTED                                                        \
	0x02 /* owner root or caller, not group/world-writable */

/*
 * Reads a whole regular file of at most max bytes into a new NUL-terminated
 * buffer.  Returns 0 and sets *bufp (caller frees) and *lenp, or PX_ERR_IO,
 * PX_ERR_NOT_FOUND, PX_ERR_TOO_BIG, PX_ERR_INSECURE; logs why on failure.
 */
int px_read_file(
    const char *path, size_t max, int flags, char **bufp, size_t *lenp) PX_WUR;

/*
 * Checks that a directory is owned by root or the caller and is not writable
 * by group or others.  Returns 0, PX_ERR_NOT_FOUND or PX_ERR_INSECURE (logged).
 */
int px_check_dir(const char *path) PX_WUR;

/*
 * Parses a duration: digits with an optional unit s, m, h or d (seconds when
 * none).  Returns 0 and sets *secs, or PX_ERR_BAD_FORMAT / PX_ERR_TOO_BIG.
 */
int px_parse_duration(const char *s, uint64_t *secs) PX_WUR;
/* Parses a size: digits with an optional K, M or G (powers of 1024). */
int px_parse_size(const char *s, uint64_t *bytes) PX_WUR;
/* Parses an unsigned decimal integer no larger than max. */
int px_parse_uint(const char *s, uint64_t max, uint64_t *v) PX_WUR;
/* Parses yes/no, true/false, on/off, 1/0.  Sets *v to 1 or 0. */
int px_parse_bool(const char *s, int *v) PX_WUR;

/*
 * Writes data to a new temporary file in dir (mode mode), fsyncs it and
 * renames it over path (in dir), so that a reader sees the old file or the
 * new one, never a torn one.  Returns 0 or PX_ERR_IO (logged, nothing left
 * behind).
 */
int px_write_atomic(const char *dir, const char *path, const void *data,
    size_t len, mode_t mode) PX_WUR;

/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
const char *px_time_str(time_t t, char *buf, size_t len);

/* Wipes then frees a NUL-terminated secret; NULL is fine. */
void px_free_secret(char *s);

#endif
