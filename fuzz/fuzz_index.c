/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target: the compiled CRL index loader and its binary search. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "pkix/pkix_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_blob b = { NULL, -1, size };
	struct px_crl *c;
	struct px_crl_entry e;
	ASN1_INTEGER *s;
	long probes[] = { 0, 1, -1, 255, 65536, 0x7fffffffL };
	size_t i;

	if ((b.mem = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(b.mem, data, size);
	if (px_crl_from_index(&b, NULL, "fuzz", &c) == 0) {
		s = ASN1_INTEGER_new();
		for (i = 0; s != NULL && i < sizeof(probes) / sizeof(probes[0]);
		     i++) {
			ASN1_INTEGER_set(s, probes[i]);
			(void)px_crl_lookup(c, s, &e);
		}
		ASN1_INTEGER_free(s);
		px_crl_free(c);
	}
	free(b.mem);
	return 0;
}
