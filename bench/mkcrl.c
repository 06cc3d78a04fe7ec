/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mkcrl: writes a large CRL for the benchmark.
 *   mkcrl ISSUER.pem KEY.pem ENTRIES OUT.der [SERIAL-HEX | issuer=/DN ...]
 * Serials are 16 pseudo-random bytes; every tenth entry has reason
 * keyCompromise; the SERIAL-HEX arguments are listed too.  thisUpdate is an
 * hour ago, nextUpdate in seven days, cRLNumber 100.
 * For the tests' indirect CRLs: MKCRL_INDIRECT=URI adds an IDP with that
 * full name and indirectCRL; issuer=/DN gives the SERIALs after it a
 * certificateIssuer extension naming DN (the entries then keep their
 * order: the extension carries over to the entries that follow).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

static X509_NAME *cur_issuer;

static int
add(X509_CRL *crl, ASN1_INTEGER *serial, ASN1_TIME *when, int reason)
{
	X509_REVOKED *rev = X509_REVOKED_new();
	ASN1_ENUMERATED *e;
	GENERAL_NAMES *gns;
	GENERAL_NAME *g;

	if (rev == NULL || !X509_REVOKED_set_serialNumber(rev, serial) ||
	    !X509_REVOKED_set_revocationDate(rev, when))
		return -1;
	if (reason >= 0) {
		e = ASN1_ENUMERATED_new();
		if (e == NULL || !ASN1_ENUMERATED_set(e, reason) ||
		    !X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, e, 0, 0))
			return -1;
		ASN1_ENUMERATED_free(e);
	}
	if (cur_issuer != NULL) {
		gns = GENERAL_NAMES_new();
		g = GENERAL_NAME_new();
		if (gns == NULL || g == NULL)
			return -1;
		g->type = GEN_DIRNAME;
		g->d.directoryName = X509_NAME_dup(cur_issuer);
		sk_GENERAL_NAME_push(gns, g);
		if (!X509_REVOKED_add1_ext_i2d(
		        rev, NID_certificate_issuer, gns, 1, 0))
			return -1;
		GENERAL_NAMES_free(gns);
	}
	return X509_CRL_add0_revoked(crl, rev) ? 0 : -1;
}

int
main(int argc, char **argv)
{
	X509 *ca;
	EVP_PKEY *key;
	X509_CRL *crl;
	ASN1_TIME *t;
	ASN1_INTEGER *num, *serial;
	BIGNUM *bn = NULL;
	unsigned char buf[16];
	unsigned long long state = 0x9e3779b97f4a7c15ULL, i, n;
	FILE *f;
	int j;

	if (argc < 5) {
		fprintf(stderr,
		    "usage: mkcrl ISSUER KEY ENTRIES OUT [SERIAL...]\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	ca = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f != NULL)
		fclose(f);
	f = fopen(argv[2], "r");
	key = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f != NULL)
		fclose(f);
	if (ca == NULL || key == NULL) {
		fprintf(stderr, "mkcrl: cannot read the issuer or its key\n");
		return 1;
	}
	n = strtoull(argv[3], NULL, 10);
	crl = X509_CRL_new();
	t = ASN1_TIME_new();
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
	X509_gmtime_adj(t, -3600);
	X509_CRL_set1_lastUpdate(crl, t);
	X509_gmtime_adj(t, 7 * 86400);
	X509_CRL_set1_nextUpdate(crl, t);
	num = ASN1_INTEGER_new();
	ASN1_INTEGER_set(num, 100);
	X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0);
	X509_gmtime_adj(t, -7200);
	for (i = 0; i < n; i++) {
		for (j = 0; j < 16; j++) {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			buf[j] = (unsigned char)state;
		}
		buf[0] = (unsigned char)((buf[0] & 0x3f) | 0x10);
		bn = BN_bin2bn(buf, sizeof(buf), bn);
		serial = BN_to_ASN1_INTEGER(bn, NULL);
		if (add(crl, serial, t, i % 10 == 0 ? 1 : -1) != 0)
			return 1;
		ASN1_INTEGER_free(serial);
	}
	if (getenv("MKCRL_INDIRECT") != NULL) {
		ISSUING_DIST_POINT *idp = ISSUING_DIST_POINT_new();
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_IA5STRING *u = ASN1_IA5STRING_new();

		if (idp == NULL || g == NULL || u == NULL ||
		    !ASN1_STRING_set(u, getenv("MKCRL_INDIRECT"), -1))
			return 1;
		GENERAL_NAME_set0_value(g, GEN_URI, u);
		idp->distpoint = DIST_POINT_NAME_new();
		idp->distpoint->type = 0;
		idp->distpoint->name.fullname = GENERAL_NAMES_new();
		sk_GENERAL_NAME_push(idp->distpoint->name.fullname, g);
		idp->indirectCRL = 0xff;
		if (!X509_CRL_add1_ext_i2d(
		        crl, NID_issuing_distribution_point, idp, 1, 0))
			return 1;
		ISSUING_DIST_POINT_free(idp);
	}
	for (j = 5; j < argc; j++) {
		if (strncmp(argv[j], "issuer=", 7) == 0) {
			X509_NAME_free(cur_issuer);
			if ((cur_issuer = X509_NAME_new()) == NULL)
				return 1;
			/* "/CN=A/O=B" */
			{
				char *dn = strdup(argv[j] + 7), *p, *q, *v;

				for (p = strtok_r(dn, "/", &q); p != NULL;
				     p = strtok_r(NULL, "/", &q)) {
					if ((v = strchr(p, '=')) == NULL)
						return 1;
					*v++ = '\0';
					if (!X509_NAME_add_entry_by_txt(
					        cur_issuer, p, MBSTRING_ASC,
					        (unsigned char *)v, -1, -1, 0))
						return 1;
				}
				free(dn);
			}
			continue;
		}
		BN_hex2bn(&bn, argv[j]);
		serial = BN_to_ASN1_INTEGER(bn, NULL);
		if (add(crl, serial, t, 1) != 0)
			return 1;
		ASN1_INTEGER_free(serial);
	}
	if (cur_issuer == NULL)
		X509_CRL_sort(crl);
	if (!X509_CRL_sign(crl, key, EVP_sha256())) {
		fprintf(stderr, "mkcrl: signing failed\n");
		return 1;
	}
	if ((f = fopen(argv[4], "wb")) == NULL || !i2d_X509_CRL_fp(f, crl)) {
		fprintf(stderr, "mkcrl: cannot write %s\n", argv[4]);
		return 1;
	}
	fclose(f);
	X509_CRL_free(crl);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(num);
	BN_free(bn);
	X509_free(ca);
	EVP_PKEY_free(key);
	return 0;
}
