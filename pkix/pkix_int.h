/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal interfaces of pkix/: CRL objects and the trust stores. */
#ifndef PX_PKIX_INT_H
#define PX_PKIX_INT_H

#include <stdint.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "../cache/cache.h"
#include "pkix.h"

#define PX_CRL_SKEW 300 /* seconds of clock skew allowed on thisUpdate */
#define PX_CRL_FRESHEST_MAX 65535 /* bytes of a freshestCRL extension */
#define PX_CRL_CISSUERS_MAX 127   /* certificate issuers of an indirect CRL */
#define PX_CERT_FILE_MAX (1024 * 1024)

/* CRL reason codes of RFC 5280 5.3.1 that the rules below use. */
#define PX_REASON_CERTIFICATE_HOLD 6
#define PX_REASON_REMOVE_FROM_CRL 8

/*
 * An index being compiled (pkix/crlindex.c): records appended in the CRL's
 * order, each field as wide as the entries so far need (the records are
 * widened in place when an entry needs more).
 */
struct px_ixb {
	unsigned char *buf;
	size_t cap;   /* bytes allocated */
	size_t hdr;   /* header bytes before the first record */
	size_t max;   /* records the caller may add */
	size_t n;     /* records */
	size_t w;     /* serial magnitude bytes */
	int neg;      /* a sign byte: a negative serial was added */
	size_t tw;    /* bytes of (revocation time - base) */
	int64_t base; /* revocation time of the first record */
	int too_long; /* a serial over 32 bytes was added (not recorded) */
};

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
	int negs;                        /* records have a sign byte */
	size_t twidth;                   /* revocation time bytes */
	int64_t tbase;                   /* revocation times are from this */
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
	time_t next_update; /* 0 when absent */
	int has_freshest;   /* freshestCRL present: deltas exist */
	/* Indirect CRLs: the certificate issuers of its entries (RFC 5280
	 * 5.3.3), in the order first named; entries name them as i + 1. */
	X509_NAME **cissuers;
	size_t n_cissuers;
	int cissuer_seen; /* a certificateIssuer entry extension was read */
	/* freshestCRL's value (CRLDistributionPoints, DER), or NULL: where
	 * the delta CRLs are, kept in the index too. */
	unsigned char *freshest_der;
	int freshest_der_len;
	const char *unusable; /* why it can never be used, or NULL */
	enum px_source src;   /* PX_SRC_NONE for crl_dir */
	long entries;         /* revoked certificates listed */
	/*
	 * Walked from its DER (pkix/crlder.c; crl and blob NULL): the signed
	 * bytes, which point into the caller's buffer or pem, and the index
	 * being compiled, finished once the signer is known.
	 */
	unsigned char *pem; /* the DER of a PEM CRL */
	const unsigned char *tbs, *alg, *sig;
	size_t tbs_len, alg_len, sig_len;
	struct px_ixb *ixb;
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
/*
 * The rules of a CRL's extensions, shared by both readers: px_crl_facts()
 * reads cRLNumber, deltaCRLIndicator, IDP and freshestCRL (c->issuer set),
 * px_crl_rules() then the rest, in order (the first reason found is the
 * one kept): an unknown critical CRL extension, an unknown critical entry
 * extension (entry_crit), the IDP's scope, a serial listed twice (twice 1;
 * -1: could not tell).  They set c->unusable.  px_crl_facts() returns 0 or
 * PX_ERR_NOMEM.
 */
int px_crl_facts(struct px_crl *c, const STACK_OF(X509_EXTENSION) *exts) PX_WUR;
void px_crl_rules(struct px_crl *c, const STACK_OF(X509_EXTENSION) *exts,
    int entry_crit, int twice);

/* Returns 0 when crl was signed by issuer (same name, same key, and the key
 * may sign CRLs), else PX_ERR_BAD_SIGNATURE or PX_ERR_UNTRUSTED. */
int px_crl_check_issuer(const struct px_crl *crl, X509 *issuer) PX_WUR;
/* The same, with the SHA-256 of issuer's SubjectPublicKeyInfo given (or
 * NULL): what an indexed CRL is compared with. */
int px_crl_check_issuer_spki(const struct px_crl *crl, X509 *issuer,
    const unsigned char spki[32]) PX_WUR;
/* The reason codes of RFC 5280 5.3.1 as ReasonFlags bits (1 << code):
 * every reason but unused(0) and removeFromCRL(8), as 6.3.3 counts them. */
#define PX_REASONS_ALL 0x1feu
/* The reasons crl covers: its IDP's onlySomeReasons, else all. */
unsigned int px_crl_reasons(const struct px_crl *crl);
/*
 * Returns 1 when the CRL's scope (IDP) covers cert, else 0 and sets *why
 * (a static or a buf of len bytes).  *reasons: what the CRL can say of cert,
 * its onlySomeReasons within the matching distribution point's reasons.
 */
int px_crl_covers(const struct px_crl *crl, X509 *cert, unsigned int *reasons,
    const char **why, char *buf, size_t len);
/* Returns 0, PX_ERR_CRL_EXPIRED or PX_ERR_CRL_NOT_YET_VALID. */
int px_crl_check_time(
    const struct px_crl *crl, time_t now, time_t grace) PX_WUR;
/* Returns 1 when delta may be applied on top of base (RFC 5280 5.2.4). */
int px_crl_delta_fits(const struct px_crl *base, const struct px_crl *delta);
/* Returns <0, 0, >0 as a is older, as old as, newer than b. */
int px_crl_newer(const struct px_crl *a, const struct px_crl *b);
/* Looks serial up.  Returns 1 and fills *e when listed, else 0. */
/* Looks cert up in crl: its serial among the entries of its issuer (the
 * CRL's issuer, or one its certificateIssuer entries name).  Returns 1 and
 * fills *e when listed, 0 when not, -1 when the CRL's index could not be
 * read. */
int px_crl_lookup_cert(
    const struct px_crl *crl, X509 *cert, struct px_crl_entry *e);
int px_crl_lookup(const struct px_crl *crl, const ASN1_INTEGER *serial,
    struct px_crl_entry *e);
/* Formats "#N" (or "without number") for messages. */
const char *px_crl_number_str(const struct px_crl *crl, char *buf, size_t len);

/*
 * Compiles crl (parsed, signed by signer) into an index blob (caller frees).
 * Returns 0, PX_ERR_UNSUPPORTED (serials over 32 bytes, a serial listed
 * twice) or PX_ERR_NOMEM.
 */
int px_crl_index_build(const struct px_crl *crl, X509 *signer,
    const unsigned char der_sha256[32], unsigned char **out,
    size_t *outlen) PX_WUR;

/*
 * The index builder under px_crl_index_build() and the DER walker.
 * px_ixb_init() reserves the header of crl (its issuer and IDP must be set)
 * and room for max records.  px_ixb_add() appends one entry: its serial's
 * magnitude (mag, mlen bytes, big-endian, no leading zero but for zero
 * itself), whether it is negative, its reason (-1: none) and revocation
 * time; it returns 0, PX_ERR_NOMEM or PX_ERR_INTERNAL (over max).  A
 * serial over 32 bytes sets too_long and is not recorded.  px_ixb_sort()
 * sorts the records and returns 1 when two have the same serial, else 0.
 * px_ixb_finish() writes the header and hands the blob over (*out, caller
 * frees): 0, PX_ERR_UNSUPPORTED (too_long) or PX_ERR_NOMEM/CRYPTO.
 */
int px_ixb_init(struct px_ixb *b, const struct px_crl *crl, size_t max) PX_WUR;
int px_ixb_add(struct px_ixb *b, int neg, const unsigned char *mag, size_t mlen,
    unsigned int cissuer, int reason, time_t t) PX_WUR;
int px_ixb_sort(struct px_ixb *b);
int px_ixb_finish(struct px_ixb *b, const struct px_crl *crl, X509 *signer,
    const unsigned char der_sha256[32], unsigned char **out,
    size_t *outlen) PX_WUR;
void px_ixb_clear(struct px_ixb *b);

/*
 * Reads a fetched CRL (DER, or the first CRL of PEM text) for validation:
 * walked from its DER when its signature algorithm is one the walker checks
 * itself (RSA PKCS#1 v1.5, ECDSA, Ed25519, Ed448), its index compiled on the
 * way; else parsed with OpenSSL (px_crl_parse()).  Returns 0 (*out set),
 * PX_ERR_BAD_FORMAT, PX_ERR_NOMEM.  buf must outlive *out.
 */
int px_crl_load(const unsigned char *buf, size_t len, const char *label,
    struct px_crl **out) PX_WUR;
/*
 * The DER walker itself (pkix/crlder.c): one DER CRL, strictly.  Returns 0
 * (*out set, with its index pending), PX_ERR_BAD_FORMAT, PX_ERR_NOMEM, or
 * PX_ERR_NOT_FOUND when the signature algorithm is not one it checks.
 */
int px_crl_walk(const unsigned char *der, size_t len, const char *label,
    struct px_crl **out) PX_WUR;
/* Checks the signature of a walked CRL with key: 0 or PX_ERR_BAD_SIGNATURE. */
int px_crl_walk_verify(const struct px_crl *crl, EVP_PKEY *key) PX_WUR;
/*
 * Compiles the index of a CRL from px_crl_load(), signed by signer (checked
 * by the caller): finishes a walked CRL's, or builds one from the parsed
 * CRL.  Returns what px_crl_index_build() returns.
 */
int px_crl_index_finish(struct px_crl *crl, X509 *signer,
    const unsigned char der_sha256[32], unsigned char **out,
    size_t *outlen) PX_WUR;
/* A strict DER UTCTime or GeneralizedTime (contents; tag 0x17 or 0x18). */
int px_der_time(
    int tag, const unsigned char *p, size_t len, time_t *out) PX_WUR;
/*
 * Loads a CRL from an index blob (which must outlive it), checking every
 * bound and, when der_sha256 is not NULL, that it indexes that object.
 * Returns 0, PX_ERR_BAD_FORMAT or PX_ERR_NOMEM.
 */
int px_crl_from_index(const struct px_blob *idx,
    const unsigned char der_sha256[32], const char *label,
    struct px_crl **out) PX_WUR;
/* Binary search of an indexed CRL.  Returns 1 and fills *e when listed, 0
 * when not, -1 when the index could not be read (the status is unknown).
 * px_crl_index_lookup_of(): the entries of certificate issuer cissuer (0:
 * the CRL's issuer, i + 1: crl->cissuers[i]; indirect CRLs). */
int px_crl_index_lookup_of(const struct px_crl *crl, unsigned int cissuer,
    const ASN1_INTEGER *serial, struct px_crl_entry *e);
int px_crl_index_lookup(const struct px_crl *crl, const ASN1_INTEGER *serial,
    struct px_crl_entry *e);
/* SHA-256 of x's SubjectPublicKeyInfo.  Returns 0 or PX_ERR_CRYPTO. */
int px_spki_sha256(X509 *x, unsigned char md[32]) PX_WUR;

/* Converts an ASN1_TIME to time_t.  Returns 0 or PX_ERR_BAD_FORMAT. */
int px_asn1_time(const ASN1_TIME *t, time_t *out) PX_WUR;

#endif
