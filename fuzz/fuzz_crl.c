/* libFuzzer target: CRL parsing (PEM or DER) and the index built from it. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "common/log.h"
#include "pkix/pkix_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(void *arg, int level, const char *msg)
{
}

static int
each(void *arg, struct px_crl *c)
{
	X509 *signer = arg;
	unsigned char sha[32] = { 0 }, *idx = NULL;
	size_t len = 0;
	char buf[64];

	(void)px_crl_number_str(c, buf, sizeof(buf));
	(void)px_crl_check_time(c, 1700000000, 0);
	if (px_crl_index_build(c, signer, sha, &idx, &len) == 0) {
		struct px_blob b = { idx, -1, len };
		struct px_crl *ic;

		/* What we build, we must load. */
		if (px_crl_from_index(&b, sha, "fuzz", &ic) != 0)
			abort();
		px_crl_free(ic);
		free(idx);
	}
	px_crl_free(c);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static X509 *signer;

	px_log_set_sink(quiet, NULL);
	if (signer == NULL) {
		EVP_PKEY *k = EVP_EC_gen("P-256");

		signer = X509_new();
		X509_set_pubkey(signer, k);
		EVP_PKEY_free(k);
	}
	(void)px_crl_parse(data, size, "fuzz", each, signer);
	return 0;
}
