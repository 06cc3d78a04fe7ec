/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The card, through libp11 over the configured PKCS#11 module: tokens with
 * certificates, the PIN, and the proof that the token holds the key.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libp11.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "../common/err.h"
#include "../common/log.h"
#include "module.h"

struct px_card {
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots;
	unsigned int nslots;
	PKCS11_SLOT *slot;  /* the token used */
	PKCS11_CERT *certs; /* libp11's, every certificate of the token */
	unsigned int ncerts;
	/* The ones used: among the first PX_CARD_CERTS_MAX, those within
	 * PX_CARD_CERT_SIZE_MAX. */
	unsigned int use[PX_CARD_CERTS_MAX];
	unsigned int nuse;
};

void
px_card_close(struct px_card *c)
{
	if (c == NULL)
		return;
	if (c->slots != NULL)
		PKCS11_release_all_slots(c->ctx, c->slots, c->nslots);
	if (c->ctx != NULL) {
		PKCS11_CTX_unload(c->ctx);
		PKCS11_CTX_free(c->ctx);
	}
	free(c);
}

/*
 * The certificates of the token that the module works on: a card is
 * outside input, so their number and size are capped (each certificate is
 * mapped, proved and validated, and the others go to chain building).
 */
static void
card_take(struct px_card *c)
{
	unsigned int i, n = c->ncerts;
	int len;

	c->nuse = 0;
	if (n > PX_CARD_CERTS_MAX) {
		px_warn("the token holds %u certificates: only the first %d "
		        "are looked at",
		    n, PX_CARD_CERTS_MAX);
		n = PX_CARD_CERTS_MAX;
	}
	for (i = 0; i < n; i++) {
		if (c->certs[i].x509 == NULL)
			continue;
		if ((len = i2d_X509(c->certs[i].x509, NULL)) <= 0 ||
		    len > PX_CARD_CERT_SIZE_MAX) {
			px_warn("certificate %u of the token: %d bytes, more "
			        "than %d: passed over",
			    i + 1, len, PX_CARD_CERT_SIZE_MAX);
			ERR_clear_error();
			continue;
		}
		c->use[c->nuse++] = i;
	}
}

/* The first token holding certificates.  Returns 1 when found. */
static int
find_token(struct px_card *c)
{
	unsigned int i;

	for (i = 0; i < c->nslots; i++) {
		PKCS11_SLOT *s = &c->slots[i];

		if (s->token == NULL || !s->token->initialized)
			continue;
		if (PKCS11_enumerate_certs(s->token, &c->certs, &c->ncerts) ==
		        0 &&
		    c->ncerts > 0) {
			c->slot = s;
			card_take(c);
			return 1;
		}
	}
	c->certs = NULL;
	c->ncerts = 0;
	c->nuse = 0;
	return 0;
}

int
px_card_open(const char *module, long wait_s, struct px_card **cp)
{
	struct px_card *c;
	struct timespec pause = { 0, 500 * 1000 * 1000 };
	time_t deadline = time(NULL) + wait_s;

	*cp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return PX_ERR_NOMEM;
	if ((c->ctx = PKCS11_CTX_new()) == NULL) {
		free(c);
		return PX_ERR_NOMEM;
	}
	if (PKCS11_CTX_load(c->ctx, module) != 0) {
		px_error("cannot load the PKCS#11 module %s", module);
		PKCS11_CTX_free(c->ctx);
		c->ctx = NULL;
		px_card_close(c);
		ERR_clear_error();
		return PX_ERR_CONFIG;
	}
	for (;;) {
		/* Enumerate afresh each time: libp11 0.4.12 crashes in
		 * PKCS11_update_slots() (measured). */
		if (PKCS11_enumerate_slots(c->ctx, &c->slots, &c->nslots) ==
		        0 &&
		    find_token(c))
			break;
		if (c->slots != NULL)
			PKCS11_release_all_slots(c->ctx, c->slots, c->nslots);
		c->slots = NULL;
		c->nslots = 0;
		if (time(NULL) >= deadline) {
			px_card_close(c);
			ERR_clear_error();
			return PX_ERR_NOT_FOUND;
		}
		nanosleep(&pause, NULL);
	}
	*cp = c;
	return 0;
}

const char *
px_card_label(const struct px_card *c)
{
	return c->slot->token->label != NULL ? c->slot->token->label
	                                     : "smart card";
}

int
px_card_pin_pad(const struct px_card *c)
{
	return c->slot->token->secureLogin;
}

unsigned int
px_card_ncerts(const struct px_card *c)
{
	return c->nuse;
}

unsigned int
px_card_nlisted(const struct px_card *c)
{
	return c->ncerts;
}

X509 *
px_card_cert(const struct px_card *c, unsigned int i)
{
	return i < c->nuse ? c->certs[c->use[i]].x509 : NULL;
}

const char *
px_pin_state(int locked, int final_try, int count_low)
{
	if (locked)
		return "the PIN is locked";
	if (final_try)
		return "one try left before the PIN locks";
	if (count_low)
		return "few tries left before the PIN locks";
	return "";
}

int
px_card_login(struct px_card *c, const char *pin, char *msg, size_t len)
{
	PKCS11_TOKEN *t;

	msg[0] = '\0';
	if (PKCS11_login(c->slot, 0, pin) == 0)
		return 0;
	ERR_clear_error();
	/* What the token says of its PIN, after the failure. */
	PKCS11_release_all_slots(c->ctx, c->slots, c->nslots);
	c->slots = NULL;
	c->nslots = 0;
	c->slot = NULL;
	if (PKCS11_enumerate_slots(c->ctx, &c->slots, &c->nslots) == 0 &&
	    find_token(c)) {
		t = c->slot->token;
		if (t->userPinLocked)
			snprintf(msg, len, "the PIN is locked");
		else if (t->userPinFinalTry)
			snprintf(msg, len, "one try left before the PIN locks");
		else if (t->userPinCountLow)
			snprintf(
			    msg, len, "few tries left before the PIN locks");
	}
	return PX_ERR_BAD_PIN;
}

int
px_card_prove(struct px_card *c, unsigned int i)
{
	unsigned char challenge[32], sig[1024];
	size_t siglen = sizeof(sig);
	PKCS11_KEY *key;
	EVP_PKEY *priv = NULL, *pub;
	EVP_MD_CTX *md = NULL;
	int r = PX_ERR_BAD_SIGNATURE;

	if (i >= c->nuse ||
	    (key = PKCS11_find_key(&c->certs[c->use[i]])) == NULL) {
		px_warn("no private key on the token for its certificate");
		ERR_clear_error();
		return PX_ERR_NOT_FOUND;
	}
	if (RAND_bytes(challenge, sizeof(challenge)) != 1 ||
	    (priv = PKCS11_get_private_key(key)) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL) {
		r = PX_ERR_CRYPTO;
		goto out;
	}
	/* The token signs a fresh challenge ... */
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, priv) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, challenge, sizeof(challenge)) !=
	        1) {
		px_warn("the token did not sign the challenge");
		goto out;
	}
	/* ... which the certificate's key must verify. */
	EVP_MD_CTX_free(md);
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    (pub = X509_get0_pubkey(c->certs[c->use[i]].x509)) == NULL ||
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) != 1 ||
	    EVP_DigestVerify(md, sig, siglen, challenge, sizeof(challenge)) !=
	        1) {
		px_warn("the token's key does not match its certificate");
		goto out;
	}
	r = 0;
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(priv);
	OPENSSL_cleanse(challenge, sizeof(challenge));
	ERR_clear_error();
	return r;
}
