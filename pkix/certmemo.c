/* SPDX-License-Identifier: BSD-2-Clause */
/* Facts worked out once per certificate object (certmemo.h). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>

#include "certmemo.h"

struct memo_ent {
	X509 *x; /* a reference held; NULL: free slot */
	struct px_cert_facts f;
};

struct px_memo {
	struct memo_ent *tab; /* open addressing by address */
	size_t cap, n;        /* cap: a power of two */
};

char *
px_name_str(const X509_NAME *name)
{
	BIO *bio;
	char *s = NULL, *data;
	long len;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (X509_NAME_print_ex(
	        bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (len = BIO_get_mem_data(bio, &data)) >= 0)
		s = strndup(data, (size_t)len);
	BIO_free(bio);
	return s;
}

char *
px_serial_str(X509 *x)
{
	BIGNUM *bn;
	char *hex, *s = NULL;

	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) == NULL)
		return NULL;
	if ((hex = BN_bn2hex(bn)) != NULL)
		s = strdup(hex);
	OPENSSL_free(hex);
	BN_free(bn);
	return s;
}

static void
facts_make(X509 *x, struct px_cert_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->fp_ok = px_fingerprint(x, f->fp) == 0;
	f->spki_ok = px_spki_sha256(x, f->spki) == 0;
	f->subject = px_name_str(X509_get_subject_name(x));
	f->issuer = px_name_str(X509_get_issuer_name(x));
	f->serial = px_serial_str(x);
}

void
px_cert_facts_clear(struct px_cert_facts *f)
{
	free(f->subject);
	free(f->issuer);
	free(f->serial);
	memset(f, 0, sizeof(*f));
}

struct px_memo *
px_memo_new(void)
{
	return calloc(1, sizeof(struct px_memo));
}

void
px_memo_free(struct px_memo *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->cap; i++)
		if (m->tab[i].x != NULL) {
			px_cert_facts_clear(&m->tab[i].f);
			X509_free(m->tab[i].x);
		}
	free(m->tab);
	free(m);
}

static size_t
slot_of(const struct px_memo *m, const X509 *x)
{
	uintptr_t h = (uintptr_t)x;

	h ^= h >> 17;
	h *= (uintptr_t)0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 7) & (m->cap - 1);
}

/* Doubles the table (or makes the first).  Returns 0 or -1. */
static int
grow(struct px_memo *m)
{
	struct memo_ent *old = m->tab;
	size_t oldcap = m->cap, i, j;

	m->cap = oldcap == 0 ? 64 : oldcap * 2;
	if ((m->tab = calloc(m->cap, sizeof(*m->tab))) == NULL) {
		m->tab = old;
		m->cap = oldcap;
		return -1;
	}
	for (i = 0; i < oldcap; i++) {
		if (old[i].x == NULL)
			continue;
		for (j = slot_of(m, old[i].x); m->tab[j].x != NULL;
		     j = (j + 1) & (m->cap - 1))
			;
		m->tab[j] = old[i];
	}
	free(old);
	return 0;
}

const struct px_cert_facts *
px_memo_get(struct px_memo *m, X509 *x, struct px_cert_facts *tmp)
{
	struct memo_ent *e;
	size_t j;

	if (m == NULL)
		goto direct;
	for (j = m->cap > 0 ? slot_of(m, x) : 0; m->cap > 0 && m->tab[j].x;
	     j = (j + 1) & (m->cap - 1))
		if (m->tab[j].x == x)
			return &m->tab[j].f;
	if (m->n >= PX_MEMO_MAX || ((m->n + 1) * 2 > m->cap && grow(m) != 0))
		goto direct;
	for (j = slot_of(m, x); m->tab[j].x != NULL; j = (j + 1) & (m->cap - 1))
		;
	e = &m->tab[j];
	facts_make(x, &e->f);
	if (e->f.subject == NULL || e->f.issuer == NULL ||
	    e->f.serial == NULL || !X509_up_ref(x)) {
		px_cert_facts_clear(&e->f);
		goto direct;
	}
	e->x = x;
	m->n++;
	return &e->f;
direct:
	facts_make(x, tmp);
	return tmp;
}
