/*
 * mkcard: puts a certificate (and, unless KEY is "-", its key) on an
 * initialised PKCS#11 token (SoftHSM2 in the tests), under one ID.  EC keys
 * go in with softhsm2-util --import: libp11 0.4.12 stores RSA keys only.
 *   mkcard MODULE TOKEN-LABEL PIN KEY.pem|- CERT.pem [ID-BYTE]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libp11.h>
#include <openssl/pem.h>

int
main(int argc, char **argv)
{
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots, *slot = NULL;
	unsigned int n, i;
	unsigned char id[1] = { 1 };
	EVP_PKEY *key = NULL;
	X509 *cert;
	FILE *f;

	if (argc < 6) {
		fprintf(
		    stderr, "usage: mkcard MODULE LABEL PIN KEY CERT [ID]\n");
		return 2;
	}
	if (argc > 6)
		id[0] = (unsigned char)atoi(argv[6]);
	if (strcmp(argv[4], "-") != 0) {
		if ((f = fopen(argv[4], "r")) == NULL ||
		    (key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL)
			return fprintf(stderr, "mkcard: bad key\n"), 1;
		fclose(f);
	}
	if ((f = fopen(argv[5], "r")) == NULL ||
	    (cert = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
		return fprintf(stderr, "mkcard: bad certificate\n"), 1;
	fclose(f);
	ctx = PKCS11_CTX_new();
	if (PKCS11_CTX_load(ctx, argv[1]) != 0 ||
	    PKCS11_enumerate_slots(ctx, &slots, &n) != 0)
		return fprintf(stderr, "mkcard: cannot load %s\n", argv[1]), 1;
	for (i = 0; i < n; i++)
		if (slots[i].token != NULL && slots[i].token->label != NULL &&
		    strcmp(slots[i].token->label, argv[2]) == 0)
			slot = &slots[i];
	if (slot == NULL || PKCS11_open_session(slot, 1) != 0 ||
	    PKCS11_login(slot, 0, argv[3]) != 0)
		return fprintf(stderr, "mkcard: no token %s\n", argv[2]), 1;
	if ((key != NULL &&
	        PKCS11_store_private_key(
	            slot->token, key, (char *)"key", id, 1) != 0) ||
	    PKCS11_store_certificate(
	        slot->token, cert, (char *)"cert", id, 1, NULL) != 0)
		return fprintf(stderr, "mkcard: cannot store\n"), 1;
	PKCS11_release_all_slots(ctx, slots, n);
	PKCS11_CTX_unload(ctx);
	PKCS11_CTX_free(ctx);
	EVP_PKEY_free(key);
	X509_free(cert);
	return 0;
}
