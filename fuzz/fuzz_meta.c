/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target: the cache metadata parser (cache files are untrusted). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_meta m;
	char *text, *again;

	if (size > PX_META_MAX || (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (px_meta_parse(text, &m) == 0) {
		/* What parses must format and parse again to the same. */
		if ((again = px_meta_format(&m)) != NULL) {
			struct px_meta m2;

			if (px_meta_parse(again, &m2) != 0)
				abort();
			px_meta_clear(&m2);
			free(again);
		}
		px_meta_clear(&m);
	}
	free(text);
	return 0;
}
