/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: CRL parsing (PEM or DER) and the index built from it,
 * by both readers: OpenSSL's X509_CRL (px_crl_parse(), crl_dir) and the DER
 * walker of fetched CRLs (px_crl_load()).  Differential: what the walker
 * accepts, OpenSSL parses too, with the same facts, and the two indexes
 * are the same bytes.
 */
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

/* What we build, we must load. */
static void
reload(unsigned char *idx, size_t len, const unsigned char sha[32])
{
	struct px_blob b = { idx, -1, len };
	struct px_crl *ic;

	if (px_crl_from_index(&b, sha, "fuzz", &ic) != 0)
		abort();
	px_crl_free(ic);
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
		reload(idx, len, sha);
		free(idx);
	}
	px_crl_free(c);
	return 0;
}

static int
keep(void *arg, struct px_crl *c)
{
	struct px_crl **first = arg;

	if (*first == NULL)
		*first = c;
	else
		px_crl_free(c);
	return 0;
}

static int
same_int(const ASN1_INTEGER *a, const ASN1_INTEGER *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && ASN1_INTEGER_cmp(a, b) == 0);
}

static void
walker(const uint8_t *data, size_t size, X509 *signer)
{
	struct px_crl *w = NULL, *o = NULL;
	unsigned char sha[32] = { 0 }, *iw = NULL, *io = NULL;
	size_t lw = 0, lo = 0;
	int rw, ro;

	if (px_crl_load(data, size, "fuzz", &w) != 0)
		return;
	(void)px_crl_check_issuer(w, signer);
	if (w->ixb == NULL || w->unusable != NULL) {
		/* Parsed by OpenSSL (a signature the walker does not check),
		 * or not usable: nothing to compare. */
		px_crl_free(w);
		return;
	}
	if (px_crl_parse(data, size, "fuzz", keep, &o) != 0 || o == NULL) {
		/* The walker accepted what OpenSSL refuses; but for PEM, where
		 * px_crl_parse() reads every block, and the walker the first.
		 */
		if (size > 10 && memmem(data, size, "-----BEGIN", 10) != NULL) {
			px_crl_free(o);
			px_crl_free(w);
			return;
		}
		abort();
	}
	if (o->unusable != NULL || w->entries != o->entries ||
	    w->this_update != o->this_update ||
	    w->next_update != o->next_update ||
	    w->has_freshest != o->has_freshest ||
	    !same_int(w->number, o->number) || !same_int(w->base, o->base) ||
	    w->idp_der_len != o->idp_der_len ||
	    X509_NAME_cmp(w->issuer, o->issuer) != 0)
		abort();
	if (w->cissuer_seen != o->cissuer_seen)
		abort();
	rw = px_crl_index_finish(w, signer, sha, &iw, &lw);
	if (w->cissuer_seen) {
		/* Indirect: only the walker compiles the entries' issuers. */
		if (rw == 0)
			reload(iw, lw, sha);
		free(iw);
		px_crl_free(w);
		px_crl_free(o);
		return;
	}
	ro = px_crl_index_finish(o, signer, sha, &io, &lo);
	if (rw != ro || (rw == 0 && (lw != lo || memcmp(iw, io, lw) != 0)))
		abort();
	if (rw == 0)
		reload(iw, lw, sha);
	free(iw);
	free(io);
	px_crl_free(w);
	px_crl_free(o);
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
	walker(data, size, signer);
	return 0;
}
