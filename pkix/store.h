/* SPDX-License-Identifier: BSD-2-Clause */
/* The local trust stores of pkix/: loaded once per context. */
#ifndef PX_STORE_H
#define PX_STORE_H

#include "pkix_int.h"
#include "trust.h"

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
	/* The compiled trust store (pkix/trust.c), or NULL when roots and
	 * intermediates were read from the directories.  When set, they
	 * hold only what px_store_want() loaded. */
	struct px_trust *trust;
	X509 **trust_x;             /* per record: the loaded certificate */
	unsigned char *trust_flags; /* per record: loaded, expanded */
	int trust_damaged; /* a record failed or is stale: read the dirs */
	const struct px_config *cfg;
	/* Where each certificate read from the directories came from. */
	struct px_origin *origins;
	size_t n_origins;
	/* Names what was loaded of ca_dir and intermediate_dir: the compiled
	 * file's checksum, or a digest of the certificates read. */
	unsigned char id[32];
};

/* Loads every store directory of cfg.  Returns 0 or PX_ERR_* (the store is
 * then partly filled: clear it). */
int px_store_load(struct px_store *st, const struct px_config *cfg) PX_WUR;
void px_store_clear(struct px_store *st);
/* Reads ca_dir and intermediate_dir into st->roots and st->intermediates
 * (created by the caller).  Returns 0 or PX_ERR_*. */
int px_store_load_certs(
    struct px_store *st, const struct px_config *cfg) PX_WUR;
/* Fills st->roots and st->intermediates from the compiled trust store when
 * it is fresh, else from the directories (and compiles them, as root).
 * Returns 0 or PX_ERR_* (pkix/trust.c). */
int px_trust_use(struct px_store *st, const struct px_config *cfg) PX_WUR;
/*
 * With a compiled trust store: loads into the stacks every certificate that
 * may be an issuer of x, and theirs, up to the roots (each record parsed
 * once per process).  Without one: does nothing, everything is loaded.
 * A record that does not parse is logged and left out (fail closed).
 */
void px_store_want(struct px_store *st, X509 *x);
/* The same for the certificates whose subject is name (a CRL's issuer). */
void px_store_want_name(struct px_store *st, const X509_NAME *name);
/*
 * With a compiled trust store: compares the directories' full listings with
 * the file's (what the quick check at load cannot see: a file rewritten in
 * place that no path has used yet).  When they differ the context reads the
 * directories from now on.  Returns 1 then (chain building is worth trying
 * again), else 0.
 */
int px_store_recheck(struct px_store *st);
/* Returns 1 when x's SHA-256 fingerprint is in the disallowed store. */
int px_store_disallowed(const struct px_store *st, X509 *x);
/* The same for a fingerprint. */
int px_store_disallowed_fp(
    const struct px_store *st, const unsigned char fp[PX_FP_LEN]);
/* Computes the SHA-256 fingerprint of x.  Returns 0 or PX_ERR_CRYPTO. */
int px_fingerprint(X509 *x, unsigned char fp[PX_FP_LEN]) PX_WUR;

#endif
