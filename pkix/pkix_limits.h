/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The bounds on the work of one verification, in one place: what a caller,
 * a card or a server can make chain building and AIA retrieval do.  When a
 * bound is reached the verification stops with PX_ERR_WORK_LIMIT (a count)
 * or PX_ERR_TOO_BIG (bytes): a rejection, never a hang and never an accept.
 */
#ifndef PX_PKIX_LIMITS_H
#define PX_PKIX_LIMITS_H

/* Chain building (pkix/verify.c extend()). */
#define PX_MAX_DEPTH 8   /* certificates below the root */
#define PX_MAX_CHAINS 16 /* candidate chains tried per verification */
/* Issuers that one certificate may have: each one that X509_check_issued()
 * accepts is followed, so this is the branching of the search. */
#define PX_MAX_ISSUER_CANDIDATES 8
/* A CRL signed by another certificate of its CA (RFC 5280 6.3.3 (f)): the
 * signers tried per CRL, and how deep a signer's own revocation check may
 * again need one (each level validates a path and checks revocation). */
#define PX_MAX_CRL_SIGNERS 8
#define PX_MAX_CRL_SIGNER_DEPTH 2
/* CRLs partitioned by reason taken together for one certificate. */
#define PX_MAX_CRL_PARTS 8
/* X509_check_issued() calls per verification (every step, every pool). */
#define PX_MAX_ISSUER_CHECKS 1024

/* Certificates the caller gives with the leaf (a card's, --untrusted). */
#define PX_MAX_UNTRUSTED 64
#define PX_MAX_UNTRUSTED_BYTES (256 * 1024) /* pkixctl --untrusted file */

/* AIA caIssuers (seed 003: the last source of certificates). */
#define PX_AIA_DEPTH 4 /* issuers fetched above the leaf */
#define PX_AIA_MAX_BYTES                                                       \
	(256 * 1024)        /* one object, DER certificate or PKCS#7 */
#define PX_AIA_MAX_CERTS 64 /* certificates of one object, and of all */
/* caIssuers URLs tried per certificate: each is a request of up to
 * url_timeout to a place the certificate chose. */
#define PX_AIA_MAX_URLS 4

#endif
