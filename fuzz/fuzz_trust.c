/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: the compiled trust store loader and its lookups.  The
 * input's checksum (bytes 24..55) is set to what it must be, so that the
 * mutations reach every other check of the loader.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "common/log.h"
#include "pkix/trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct px_trust *t;
	struct px_trust_dir dirs[PX_TRUST_NDIRS];
	unsigned char *buf;
	const char *why;
	size_t n, i, lo, hi;
	X509 *x;
	int root;

	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	if (size >= 72)
		SHA256(buf + 56, size - 56, buf + 24);
	if (px_trust_parse(buf, size, &t, &why) != 0)
		return 0;
	memset(dirs, 0, sizeof(dirs));
	(void)px_trust_matches(t, dirs, &why);
	n = px_trust_count(t, NULL, NULL);
	for (i = 0; i < n && i < 64; i++) {
		if (px_trust_cert(t, i, &x, &root) != 0)
			continue;
		px_trust_find(
		    t, px_trust_name_hash(X509_get_issuer_name(x)), &lo, &hi);
		for (; lo < hi; lo++)
			(void)px_trust_akid_fits(
			    t, lo, X509_get0_authority_key_id(x));
		X509_free(x);
	}
	px_trust_free(t);
	return 0;
}
