/* Internal interfaces of pkix/: CRL objects and the trust stores. */
#ifndef PX_PKIX_INT_H
#define PX_PKIX_INT_H

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../cache/cache.h"
#include "pkix.h"

#define PX_CRL_SKEW 300 /* seconds of clock skew allowed on thisUpdate */
#define PX_CERT_FILE_MAX (1024 * 1024)

/* CRL reason codes of RFC 5280 5.3.1 that the rules below use. */
#define PX_REASON_CERTIFICATE_HOLD 6
#define PX_REASON_REMOVE_FROM_CRL 8

/*
 * A CRL with the facts the revocation rules need: parsed (crl set), or
 * loaded from its compiled index (crl NULL, recs set), which is how a cached
 * CRL is checked without parsing it again.
 */
struct px_crl {
	X509_CRL *crl;
	X509_NAME *issuer;          /* the CRL's issuer */
	int own_issuer;             /* issuer was allocated for an index */
	const struct px_blob *blob; /* index: its records, sorted by serial */
	size_t recs_off;
	size_t nrecs;
	size_t width;                    /* serial bytes per record */
	unsigned char signer_sha256[32]; /* index: SPKI that signed it */
	int has_signer;
	struct px_object *owner; /* holds the index memory; freed with it */
	char *label;             /* file name or URL, for messages */
	ASN1_INTEGER *number;    /* cRLNumber, NULL when absent */
	ASN1_INTEGER *base;      /* deltaCRLIndicator, NULL for a base CRL */
	ISSUING_DIST_POINT *idp; /* NULL when absent */
	unsigned char *idp_der;  /* the IDP as encoded, to compare scopes */
	int idp_der_len;
	time_t this_update;
	time_t next_update;   /* 0 when absent */
	int has_freshest;     /* freshestCRL present: deltas exist */
	const char *unusable; /* why it can never be used, or NULL */
	enum px_source src;   /* PX_SRC_NONE for crl_dir */
};

/* One CRL entry as the decision sees it. */
struct px_crl_entry {
	time_t revoked_at;
	int reason; /* -1 when the entry has no reasonCode */
};

/*
 * Parses every CRL in buf (DER, or one or more PEM blocks).  Calls add() for
 * each with a new struct px_crl it then owns.  Returns 0 when at least one
 * CRL was parsed, else PX_ERR_BAD_FORMAT (or the error add() returned).
 */
int px_crl_parse(const unsigned char *buf, size_t len, const char *label,
    int (*add)(void *arg, struct px_crl *crl), void *arg) PX_WUR;
void px_crl_free(struct px_crl *crl);

/* Returns 0 when crl was signed by issuer (same name, same key, and the key
 * may sign CRLs), else PX_ERR_BAD_SIGNATURE or PX_ERR_UNTRUSTED. */
int px_crl_check_issuer(const struct px_crl *crl, X509 *issuer) PX_WUR;
/* Returns 1 when the CRL's scope (IDP) covers cert, else 0; sets *why. */
int px_crl_covers(const struct px_crl *crl, X509 *cert, const char **why);
/* Returns 0, PX_ERR_CRL_EXPIRED or PX_ERR_CRL_NOT_YET_VALID. */
int px_crl_check_time(
    const struct px_crl *crl, time_t now, time_t grace) PX_WUR;
/* Returns 1 when delta may be applied on top of base (RFC 5280 5.2.4). */
int px_crl_delta_fits(const struct px_crl *base, const struct px_crl *delta);
/* Returns <0, 0, >0 as a is older, as old as, newer than b. */
int px_crl_newer(const struct px_crl *a, const struct px_crl *b);
/* Looks serial up.  Returns 1 and fills *e when listed, else 0. */
int px_crl_lookup(const struct px_crl *crl, const ASN1_INTEGER *serial,
    struct px_crl_entry *e);
/* Formats "#N" (or "without number") for messages. */
const char *px_crl_number_str(const struct px_crl *crl, char *buf, size_t len);

/*
 * Compiles crl (parsed, signed by signer) into an index blob (caller frees).
 * Returns 0, PX_ERR_UNSUPPORTED (serials over 32 bytes) or PX_ERR_NOMEM.
 */
int px_crl_index_build(const struct px_crl *crl, X509 *signer,
    const unsigned char der_sha256[32], unsigned char **out,
    size_t *outlen) PX_WUR;
/*
 * Loads a CRL from an index blob (which must outlive it), checking every
 * bound and, when der_sha256 is not NULL, that it indexes that object.
 * Returns 0, PX_ERR_BAD_FORMAT or PX_ERR_NOMEM.
 */
int px_crl_from_index(const struct px_blob *idx,
    const unsigned char der_sha256[32], const char *label,
    struct px_crl **out) PX_WUR;
/* Binary search of an indexed CRL.  Returns 1 and fills *e when listed. */
int px_crl_index_lookup(const struct px_crl *crl, const ASN1_INTEGER *serial,
    struct px_crl_entry *e);
/* SHA-256 of x's SubjectPublicKeyInfo.  Returns 0 or PX_ERR_CRYPTO. */
int px_spki_sha256(X509 *x, unsigned char md[32]) PX_WUR;

/* Converts an ASN1_TIME to time_t.  Returns 0 or PX_ERR_BAD_FORMAT. */
int px_asn1_time(const ASN1_TIME *t, time_t *out) PX_WUR;

#endif
