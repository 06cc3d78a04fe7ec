/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target: OCSP response validation (responses are untrusted). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/log.h"
#include "pkix/ocsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(void *arg, int level, const char *msg)
{
}

static int
refuse(void *arg, X509 *signer, X509 *issuer)
{
	return PX_ERR_REVOCATION_UNKNOWN;
}

static X509 *
make_cert(const char *cn, EVP_PKEY *key, EVP_PKEY *signkey, X509_NAME *iss)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	X509_NAME_add_entry_by_txt(
	    n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, iss != NULL ? iss : n);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_sign(x, signkey, EVP_sha256());
	X509_NAME_free(n);
	return x;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static X509 *ca, *leaf;
	struct px_ocsp_ctx c;
	struct px_ocsp_result res;

	px_log_set_sink(quiet, NULL);
	if (ca == NULL) {
		EVP_PKEY *k = EVP_EC_gen("P-256");

		ca = make_cert("Fuzz CA", k, k, NULL);
		leaf = make_cert("Fuzz Leaf", k, k, X509_get_subject_name(ca));
		EVP_PKEY_free(k);
	}
	memset(&c, 0, sizeof(c));
	c.now = 1700000000;
	c.cert = leaf;
	c.issuer = ca;
	c.md = EVP_sha1();
	c.lifetime = 3600;
	c.check_signer = refuse;
	(void)px_ocsp_stapled(&c, data, size, &res);
	return 0;
}
