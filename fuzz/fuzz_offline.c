/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the offline-list reader (the file is in the machine
 * cache: untrusted input).  Properties: every record kept has the key of
 * its URL, a URL the parser takes, an interval within the backoff and a
 * retry time no later than now + that interval.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache/offline.h"
#include "common/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const time_t now = 1800000000;
	struct off_entry *v = NULL;
	struct px_url u;
	char *text, hex[PX_KEY_HEX];
	size_t n = 0, i;

	if (size > 1024 * 1024 || (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)px_offline_parse(text, size, now, &v, &n);
	for (i = 0; i < n; i++) {
		px_cache_key(v[i].url, hex);
		if (strcmp(hex, v[i].hex) != 0 ||
		    px_url_parse(v[i].url, &u) != 0 ||
		    v[i].interval < PX_OFFLINE_FIRST ||
		    v[i].interval > PX_OFFLINE_MAX ||
		    v[i].retry_at > now + v[i].interval)
			abort();
	}
	px_offline_entries_free(v, n);
	free(text);
	return 0;
}
