/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mkcard: puts certificates (and, unless KEY is "-", a key) on an
 * initialised PKCS#11 token (SoftHSM2 in the tests).  EC keys go in with
 * softhsm2-util --import: libp11 0.4.12 stores RSA keys only.
 *   mkcard MODULE TOKEN-LABEL PIN KEY.pem|- CERTS.pem [ID-BYTE [COPIES]]
 * Every certificate of CERTS.pem is stored COPIES times (default 1) under
 * one ID: the first under ID-BYTE (default 1), the next ones under the
 * following IDs.
 *   mkcard MODULE TOKEN-LABEL --list
 * prints the ID and subject of each certificate in the order libp11 sees.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libp11.h>
#include <openssl/pem.h>

static PKCS11_SLOT *
mkcard_slot(PKCS11_SLOT *slots, unsigned int n, const char *label)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (slots[i].token != NULL && slots[i].token->label != NULL &&
		    strcmp(slots[i].token->label, label) == 0)
			return &slots[i];
	return NULL;
}

static int
mkcard_list(PKCS11_SLOT *slot)
{
	PKCS11_CERT *certs;
	unsigned int n, i;
	char name[256];

	if (PKCS11_enumerate_certs(slot->token, &certs, &n) != 0)
		return fprintf(stderr, "mkcard: cannot list\n"), 1;
	for (i = 0; i < n; i++) {
		X509_NAME_oneline(
		    X509_get_subject_name(certs[i].x509), name, sizeof(name));
		printf("%02x %s\n", certs[i].id_len > 0 ? certs[i].id[0] : 0,
		    name);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots, *slot;
	unsigned int n;
	unsigned char id[1] = { 1 };
	EVP_PKEY *key = NULL;
	STACK_OF(X509_INFO) *infos = NULL;
	X509 *cert;
	FILE *f;
	int i, copies = 1, k, rc = 0;

	if (argc == 4 && strcmp(argv[3], "--list") == 0)
		;
	else if (argc < 6) {
		fprintf(stderr,
		    "usage: mkcard MODULE LABEL PIN KEY CERTS [ID [COPIES]]\n"
		    "       mkcard MODULE LABEL --list\n");
		return 2;
	} else {
		if (argc > 6)
			id[0] = (unsigned char)atoi(argv[6]);
		if (argc > 7)
			copies = atoi(argv[7]);
		if (strcmp(argv[4], "-") != 0) {
			if ((f = fopen(argv[4], "r")) == NULL ||
			    (key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) ==
			        NULL)
				return fprintf(stderr, "mkcard: bad key\n"), 1;
			fclose(f);
		}
		if ((f = fopen(argv[5], "r")) == NULL ||
		    (infos = PEM_X509_INFO_read(f, NULL, NULL, NULL)) == NULL ||
		    sk_X509_INFO_num(infos) == 0)
			return fprintf(stderr, "mkcard: bad certificate\n"), 1;
		fclose(f);
	}
	ctx = PKCS11_CTX_new();
	if (PKCS11_CTX_load(ctx, argv[1]) != 0 ||
	    PKCS11_enumerate_slots(ctx, &slots, &n) != 0)
		return fprintf(stderr, "mkcard: cannot load %s\n", argv[1]), 1;
	if ((slot = mkcard_slot(slots, n, argv[2])) == NULL)
		return fprintf(stderr, "mkcard: no token %s\n", argv[2]), 1;
	if (infos == NULL) {
		rc = mkcard_list(slot);
		goto out;
	}
	if (PKCS11_open_session(slot, 1) != 0 ||
	    PKCS11_login(slot, 0, argv[3]) != 0)
		return fprintf(stderr, "mkcard: cannot log in\n"), 1;
	if (key != NULL &&
	    PKCS11_store_private_key(slot->token, key, (char *)"key", id, 1) !=
	        0)
		return fprintf(stderr, "mkcard: cannot store the key\n"), 1;
	for (i = 0; i < sk_X509_INFO_num(infos); i++) {
		if ((cert = sk_X509_INFO_value(infos, i)->x509) == NULL)
			continue;
		for (k = 0; k < copies; k++)
			if (PKCS11_store_certificate(slot->token, cert,
			        (char *)"cert", id, 1, NULL) != 0)
				return fprintf(
				           stderr, "mkcard: cannot store\n"),
				       1;
		id[0]++;
	}
out:
	PKCS11_release_all_slots(ctx, slots, n);
	PKCS11_CTX_unload(ctx);
	PKCS11_CTX_free(ctx);
	EVP_PKEY_free(key);
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	return rc;
}
