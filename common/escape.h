/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Escaping at the two places where outside text meets a line-oriented
 * format: the record files pam_pkix writes (metadata, the offline list),
 * and log and trace lines.  No value from a certificate, a server or a
 * file can then forge a record or a syslog line.
 */
#ifndef PX_ESCAPE_H
#define PX_ESCAPE_H

#include <stddef.h>

#include "err.h"

/*
 * Escapes s as one field of a record: every byte below 0x21 or above 0x7e,
 * and '%', as %XX.  Returns a malloc()ed string (caller frees), or NULL
 * when out of memory.
 */
char *px_field_escape(const char *s);

/*
 * Undoes px_field_escape() in place, strictly: a field holding a byte that
 * escaping would have encoded, a malformed %XX, or %00 is refused.
 * Returns 0 or PX_ERR_BAD_FORMAT.
 */
int px_field_unescape(char *s) PX_WUR;

/*
 * Copies s into out (at most len bytes with the NUL) for a log or trace
 * line: control characters, DEL and bytes that are not UTF-8 become \xNN;
 * a line that does not fit ends in "...".  Returns out.
 */
char *px_sanitize(const char *s, char *out, size_t len);

#endif
