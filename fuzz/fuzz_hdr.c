/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the response header parsers (Cache-Control max-age,
 * ETag, HTTP dates).  Properties: max-age is -1 or within
 * [0, PX_MAX_AGE_MAX]; what is accepted is one printable line within
 * PX_HTTP_HEADER_MAX; a date that parses is a real time.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/headers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	long ma;
	time_t t;

	if (size > 4 * PX_HTTP_HEADER_MAX || (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ma = px_hdr_max_age(text);
	if (ma < -1 || ma > PX_MAX_AGE_MAX)
		abort();
	if (px_hdr_etag_ok(text) &&
	    (strlen(text) > PX_HTTP_HEADER_MAX ||
	        text[strlen(text) - 1] != '"'))
		abort();
	if (px_hdr_text_ok(text) && strlen(text) > PX_HTTP_HEADER_MAX)
		abort();
	if (px_hdr_date(text, &t) == 0 && (t < 0 || strlen(text) != 29))
		abort();
	free(text);
	return 0;
}
