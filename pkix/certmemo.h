/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a context works out once per certificate object: its fingerprint
 * and the strings of its reports.  The memo holds a reference to every
 * certificate it describes, so an address in it always names the same
 * object, and it goes with its context (one PAM transaction, one pkixctl
 * run).
 */
#ifndef PX_CERTMEMO_H
#define PX_CERTMEMO_H

#include <openssl/x509.h>

#include "store.h"

#define PX_MEMO_MAX 4096 /* certificates; beyond, nothing is kept */

struct px_memo;

/* The facts of one certificate; strings are NULL when out of memory. */
struct px_cert_facts {
	unsigned char fp[PX_FP_LEN]; /* SHA-256 of the certificate */
	int fp_ok;                   /* 0: could not be computed */
	unsigned char spki[32];      /* SHA-256 of its SubjectPublicKeyInfo */
	int spki_ok;
	char *subject; /* RFC 2253, one line */
	char *issuer;
	char *serial; /* hex */
};

struct px_memo *px_memo_new(void);
void px_memo_free(struct px_memo *m);

/*
 * Returns the facts of x, computed on first use and kept in m (which may
 * be NULL: then they are computed into *tmp, which the caller clears with
 * px_cert_facts_clear()).  Never returns NULL.
 */
const struct px_cert_facts *px_memo_get(
    struct px_memo *m, X509 *x, struct px_cert_facts *tmp);
void px_cert_facts_clear(struct px_cert_facts *f);

/* RFC 2253 form of name (caller frees), or NULL. */
char *px_name_str(const X509_NAME *name);
/* The serial number of x in hex (caller frees), or NULL. */
char *px_serial_str(X509 *x);

#endif
