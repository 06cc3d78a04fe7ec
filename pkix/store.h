/* The local trust stores of pkix/: loaded once per context. */
#ifndef PX_STORE_H
#define PX_STORE_H

#include "pkix_int.h"

#define PX_FP_LEN 32 /* SHA-256 */

struct px_store {
	/* self-signed, from ca_dir */
	STACK_OF(X509) *roots;
	/* intermediate_dir and the rest of ca_dir */
	STACK_OF(X509) *intermediates;
	unsigned char (*disallowed)[PX_FP_LEN];
	size_t n_disallowed;
	struct px_crl **crls; /* crl_dir, usable or not */
	size_t n_crls;
};

/* Loads every store directory of cfg.  Returns 0 or PX_ERR_* (the store is
 * then partly filled: clear it). */
int px_store_load(struct px_store *st, const struct px_config *cfg) PX_WUR;
void px_store_clear(struct px_store *st);
/* Returns 1 when x's SHA-256 fingerprint is in the disallowed store. */
int px_store_disallowed(const struct px_store *st, X509 *x);
/* Computes the SHA-256 fingerprint of x.  Returns 0 or PX_ERR_CRYPTO. */
int px_fingerprint(X509 *x, unsigned char fp[PX_FP_LEN]) PX_WUR;

#endif
