/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target: chain building and the revocation decision, fed the
 * certificates that come with a leaf (a card's, pkixctl --untrusted): they
 * are untrusted, and must not make px_verify() crash, leak or run unbounded.
 *
 * At start a small PKI is made in memory and a context whose stores live in
 * a temporary directory: a root (ca_dir), its CRL revoking a renewal of the
 * issuing CA, the issuing CA's CRL revoking one leaf (crl_dir), offline so
 * nothing is fetched.  The input is a list of records; the first is the
 * leaf, the others the untrusted certificates:
 *   tag < 0xf0            the embedded certificate tag % N_EMBEDDED
 *   0xf0..0xff, len (2)   len bytes of DER from the input
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/conf.h"
#include "common/log.h"
#include "pkix/pkix.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* More than PX_MAX_UNTRUSTED, so that the cap is reached too. */
#define FUZZ_MAX_CERTS (PX_MAX_UNTRUSTED + 8)

enum {
	E_ROOT,
	E_ISSUING,
	E_NOCRLSIGN, /* the issuing CA's name and key, without cRLSign */
	E_RENEWAL,   /* the issuing CA's name and key, revoked by the root */
	E_GOOD,
	E_REVOKED,
	E_SAME1, /* self-signed, named like the issuing CA, no key IDs */
	E_SAME2,
	E_SAME3,
	E_OTHER, /* a root that is not trusted */
	N_EMBEDDED
};

static X509 *embedded[N_EMBEDDED];
static struct px_config *cfg;
static struct px_pkix *px;
static time_t now;

static void
quiet(void *arg, int level, const char *msg)
{
}

static void
ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)) == NULL)
		abort();
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* A certificate; issuer NULL: self-signed.  ku, eku may be NULL. */
static X509 *
make_cert(const char *cn, long serial, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *signkey, int ca, const char *ku, const char *eku, int ids)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	if (x == NULL || n == NULL)
		abort();
	X509_NAME_add_entry_by_txt(
	    n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(
	    x, issuer != NULL ? X509_get_subject_name(issuer) : n);
	X509_time_adj_ex(X509_getm_notBefore(x), -1, 0, &now);
	X509_time_adj_ex(X509_getm_notAfter(x), 365, 0, &now);
	X509_set_pubkey(x, key);
	ext(x, issuer != NULL ? issuer : x, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (ku != NULL)
		ext(x, issuer != NULL ? issuer : x, NID_key_usage, ku);
	if (eku != NULL)
		ext(x, issuer != NULL ? issuer : x, NID_ext_key_usage, eku);
	if (ids) {
		ext(x, x, NID_subject_key_identifier, "hash");
		if (issuer != NULL)
			ext(x, issuer, NID_authority_key_identifier,
			    "keyid:always");
	}
	if (X509_sign(x, signkey, EVP_sha256()) == 0)
		abort();
	X509_NAME_free(n);
	return x;
}

static void
write_file(const char *dir, const char *name, const unsigned char *der, int len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (len <= 0 || (f = fopen(path, "wb")) == NULL ||
	    fwrite(der, 1, (size_t)len, f) != (size_t)len || fclose(f) != 0)
		abort();
}

/* A CRL of issuer (signed with key) listing revoked. */
static void
write_crl(const char *dir, const char *name, X509 *issuer, EVP_PKEY *key,
    X509 *revoked, long number)
{
	X509_CRL *crl = X509_CRL_new();
	X509_REVOKED *rv = X509_REVOKED_new();
	ASN1_TIME *t = ASN1_TIME_new();
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	unsigned char *der = NULL;
	int len;

	if (crl == NULL || rv == NULL || t == NULL || num == NULL)
		abort();
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
	X509_time_adj_ex(t, 0, -3600, &now);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_REVOKED_set_revocationDate(rv, t);
	X509_time_adj_ex(t, 7, 0, &now);
	X509_CRL_set1_nextUpdate(crl, t);
	X509_REVOKED_set_serialNumber(
	    rv, (ASN1_INTEGER *)X509_get0_serialNumber(revoked));
	X509_CRL_add0_revoked(crl, rv);
	ASN1_INTEGER_set(num, number);
	X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0);
	X509V3_set_ctx(&ctx, issuer, NULL, NULL, crl, 0);
	if ((e = X509V3_EXT_nconf_nid(NULL, &ctx, NID_authority_key_identifier,
	         "keyid:always")) == NULL)
		abort();
	X509_CRL_add_ext(crl, e, -1);
	X509_EXTENSION_free(e);
	X509_CRL_sort(crl);
	if (X509_CRL_sign(crl, key, EVP_sha256()) == 0)
		abort();
	len = i2d_X509_CRL(crl, &der);
	write_file(dir, name, der, len);
	OPENSSL_free(der);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
}

static void
set(const char *section, const char *key, const char *value)
{
	if (px_config_set(cfg, section, key, value) != 0)
		abort();
}

static void
setup(void)
{
	static char top[] = "/tmp/px-fuzz-chain.XXXXXX";
	char dir[512];
	EVP_PKEY *kr, *ki, *kl, *ks, *ko;
	unsigned char *der = NULL;
	const char *sub[] = { "ca", "int", "crl", "dis", "cache" };
	size_t i;
	int len;

	now = time(NULL);
	if (mkdtemp(top) == NULL)
		abort();
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", top, sub[i]);
		if (mkdir(dir, 0700) != 0)
			abort();
	}
	kr = EVP_EC_gen("P-256");
	ki = EVP_EC_gen("P-256");
	kl = EVP_EC_gen("P-256");
	ks = EVP_EC_gen("P-256");
	ko = EVP_EC_gen("P-256");
	if (kr == NULL || ki == NULL || kl == NULL || ks == NULL || ko == NULL)
		abort();
	embedded[E_ROOT] = make_cert("Fuzz Root", 1, kr, NULL, kr, 1,
	    "critical,keyCertSign,cRLSign", NULL, 1);
	embedded[E_ISSUING] = make_cert("Fuzz Issuing", 2, ki, embedded[E_ROOT],
	    kr, 1, "critical,keyCertSign,cRLSign", NULL, 1);
	embedded[E_NOCRLSIGN] = make_cert("Fuzz Issuing", 3, ki,
	    embedded[E_ROOT], kr, 1, "critical,keyCertSign", NULL, 1);
	embedded[E_RENEWAL] = make_cert("Fuzz Issuing", 4, ki, embedded[E_ROOT],
	    kr, 1, "critical,keyCertSign,cRLSign", NULL, 1);
	embedded[E_GOOD] = make_cert("Fuzz Good", 10, kl, embedded[E_ISSUING],
	    ki, 0, "critical,digitalSignature", "clientAuth", 1);
	embedded[E_REVOKED] =
	    make_cert("Fuzz Revoked", 11, kl, embedded[E_ISSUING], ki, 0,
	        "critical,digitalSignature", "clientAuth", 1);
	for (i = 0; i < 3; i++)
		embedded[E_SAME1 + i] =
		    make_cert("Fuzz Issuing", (long)(20 + i), ks, NULL, ks, 1,
		        "critical,keyCertSign", NULL, 0);
	embedded[E_OTHER] = make_cert("Fuzz Other Root", 30, ko, NULL, ko, 1,
	    "critical,keyCertSign,cRLSign", NULL, 1);
	/* OpenSSL decodes a certificate's extensions on first use and keeps
	 * them: done here, so that no input seems to leak them. */
	for (i = 0; i < N_EMBEDDED; i++)
		X509_check_purpose(embedded[i], -1, 0);

	snprintf(dir, sizeof(dir), "%s/ca", top);
	len = i2d_X509(embedded[E_ROOT], &der);
	write_file(dir, "root.der", der, len);
	OPENSSL_free(der);
	snprintf(dir, sizeof(dir), "%s/crl", top);
	write_crl(
	    dir, "root.crl", embedded[E_ROOT], kr, embedded[E_RENEWAL], 1);
	write_crl(dir, "issuing.crl", embedded[E_ISSUING], ki,
	    embedded[E_REVOKED], 2);

	px_log_set_sink(quiet, NULL);
	if ((cfg = px_config_new()) == NULL)
		abort();
	snprintf(dir, sizeof(dir), "%s/ca", top);
	set("trust", "ca_dir", dir);
	snprintf(dir, sizeof(dir), "%s/int", top);
	set("trust", "intermediate_dir", dir);
	snprintf(dir, sizeof(dir), "%s/crl", top);
	set("trust", "crl_dir", dir);
	snprintf(dir, sizeof(dir), "%s/dis", top);
	set("trust", "disallowed_dir", dir);
	snprintf(dir, sizeof(dir), "%s/cache", top);
	set("cache", "machine_dir", dir);
	set("revocation", "revocation", "best-effort");
	set("fetch", "offline", "yes");
	if (px_pkix_new(cfg, &px) != 0)
		abort();
	EVP_PKEY_free(kr);
	EVP_PKEY_free(ki);
	EVP_PKEY_free(kl);
	EVP_PKEY_free(ks);
	EVP_PKEY_free(ko);
}

/* The next record of the input, or NULL at its end.  Caller frees. */
static X509 *
next_cert(const uint8_t **p, const uint8_t *end)
{
	const unsigned char *q;
	size_t len;
	X509 *x;
	uint8_t tag;

	while (*p < end) {
		tag = *(*p)++;
		if (tag < 0xf0) {
			x = embedded[tag % N_EMBEDDED];
			X509_up_ref(x);
			return x;
		}
		if (end - *p < 2)
			return NULL;
		len = (size_t)(*p)[0] << 8 | (*p)[1];
		*p += 2;
		if (len > (size_t)(end - *p))
			len = (size_t)(end - *p);
		q = *p;
		x = d2i_X509(NULL, &q, (long)len);
		*p += len;
		if (x != NULL)
			return x;
		/* What d2i_X509() queued for the DER it refused. */
		ERR_clear_error();
	}
	return NULL;
}

/* Once, before the inputs: what setup() keeps is not an input's leak. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setup();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	STACK_OF(X509) *untrusted;
	struct px_result *res = NULL;
	X509 *leaf, *x;

	if ((leaf = next_cert(&p, end)) == NULL)
		return 0;
	if ((untrusted = sk_X509_new_null()) == NULL)
		abort();
	while (sk_X509_num(untrusted) < FUZZ_MAX_CERTS &&
	    (x = next_cert(&p, end)) != NULL)
		if (!sk_X509_push(untrusted, x))
			abort();
	if (px_verify(px, leaf, untrusted, NULL, 0, now + 60, &res) == 0) {
		/* Whatever comes with it, the leaf the CRL revokes is never
		 * known good; it may be unknown (accepted under best-effort)
		 * when no certificate of its issuer given may sign CRLs. */
		if (leaf == embedded[E_REVOKED] &&
		    res->decision == PX_ACCEPTED && !res->revocation_unknown)
			abort();
		px_result_free(res);
	}
	sk_X509_pop_free(untrusted, X509_free);
	X509_free(leaf);
	return 0;
}
