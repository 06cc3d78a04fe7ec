/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the per-responder count file of OCSP responses
 * (cache/ocspcount.c; it sits in a cache directory: untrusted input).
 * Properties: every count read is positive, and what parses formats and
 * parses again to the same records.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_ocount t, t2;
	char *text, *again;
	size_t i;

	if (size > 1024 * 1024 || (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (px_ocount_parse(text, size, &t) == 0) {
		for (i = 0; i < t.n; i++)
			if (t.v[i].n == 0 || t.v[i].n > PX_OCOUNT_MAX)
				abort();
		if ((again = px_ocount_format(&t)) != NULL) {
			if (px_ocount_parse(again, strlen(again), &t2) != 0 ||
			    t2.n != t.n)
				abort();
			px_ocount_clear(&t2);
			free(again);
		}
		px_ocount_clear(&t);
	}
	free(text);
	return 0;
}
