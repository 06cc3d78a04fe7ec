/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The compiled trust store: ca_dir and intermediate_dir compiled into one
 * file of the machine cache directory, searched by subject-name hash and
 * key identifier, so that a process parses only the certificates on its
 * path and checks no root's self-signature (that was done at compile time).
 */
#ifndef PX_TRUST_H
#define PX_TRUST_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <openssl/x509.h>

#include "../common/conf.h"
#include "../common/err.h"

#define PX_TRUST_FILE "truststore"              /* in [cache] machine_dir */
#define PX_TRUST_MAX_BYTES (64 * 1024 * 1024)   /* the compiled file */
#define PX_TRUST_MAX_CERTS 65536                /* records of the file */
#define PX_TRUST_MAX_PATH 4096                  /* a directory's name */
#define PX_TRUST_NDIRS 2                        /* ca_dir, intermediate_dir */
#define PX_TRUST_SKID_MAX 32                    /* longer: matches any AKID */
#define PX_TRUST_RACY_NS (1000LL * 1000 * 1000) /* see px_trust_listing() */

/* What is compared of one directory: its name and a digest of its listing
 * (file names, sizes, mtimes and ctimes in ns, inode numbers, of the entry
 * and of what it points to). */
/* One entry of a listing: its name and a digest of its version. */
struct px_trust_file {
	char *name;
	unsigned char md[32];
};

struct px_trust_dir {
	const char *path; /* NULL: not configured */
	uint32_t nfiles;
	unsigned char md[32];  /* the whole listing */
	unsigned char dmd[32]; /* the directory alone: its entries' names */
	int racy; /* an entry changed within PX_TRUST_RACY_NS of the listing */
	struct px_trust_file *files; /* px_trust_listing_files(): by name */
	size_t nkept;
};

/* Where a certificate of the stores was read: ca_dir (0) or
 * intermediate_dir (1), and the file's name there. */
struct px_origin {
	const X509 *x;
	int dir;
	char *name;
};

struct px_trust;

/*
 * Lists dir (NULL or missing: an empty listing) into d.  d->racy is set when
 * an entry changed so recently that a change in the same clock tick could
 * go unseen: such a listing is not compiled.  px_trust_listing_files()
 * keeps each entry's digest too (free with px_trust_listing_clear()).
 * Returns 0 or PX_ERR_IO.
 */
int px_trust_listing(const char *dir, struct px_trust_dir *d) PX_WUR;
int px_trust_listing_files(const char *dir, struct px_trust_dir *d) PX_WUR;
void px_trust_listing_clear(struct px_trust_dir *d);
/* The digest a listing made now would give name in dir; of dir alone. */
int px_trust_file_id(const char *dir, const char *name, unsigned char md[32]);
int px_trust_dir_id(const char *dir, unsigned char md[32]);

/*
 * Compiles roots (self-signatures already checked) and intermediates, in
 * that order, with the listings (with files) they were read under and where
 * each was read (origins).  Sets *out (caller frees) and *outlen.  Returns
 * 0, PX_ERR_TOO_BIG, PX_ERR_NOT_FOUND (a certificate of no listed file) or
 * PX_ERR_NOMEM.
 */
int px_trust_build(STACK_OF(X509) *roots, STACK_OF(X509) *intermediates,
    const struct px_trust_dir dirs[PX_TRUST_NDIRS],
    const struct px_origin *origins, size_t norigins, time_t now,
    unsigned char **out, size_t *outlen) PX_WUR;

/*
 * The quick check of a process that opens a compiled file: the directories
 * are the ones it was compiled from and hold the same names (their own
 * inode, size and times: entries added, removed or renamed change them).
 * What a certificate's file holds is checked when the certificate is
 * parsed (px_trust_cert_fresh()).  Returns 1 or 0 with *why.
 */
int px_trust_quick_match(const struct px_trust *t,
    const char *const paths[PX_TRUST_NDIRS], const char **why);
/* Returns 1 when record i's file is as it was compiled (checked once per
 * file), else 0 and *file names it. */
int px_trust_cert_fresh(struct px_trust *t, size_t i, const char **file);
/* The directory record i's file is in: 0 ca_dir, 1 intermediate_dir. */
int px_trust_rec_dir(const struct px_trust *t, size_t i);

/*
 * Checks every bound of a compiled file and its checksum.  Takes buf (freed
 * on failure too).  Returns 0 and sets *out, PX_ERR_BAD_FORMAT (*why says
 * what is wrong) or PX_ERR_NOMEM.
 */
int px_trust_parse(unsigned char *buf, size_t len, struct px_trust **out,
    const char **why) PX_WUR;
void px_trust_free(struct px_trust *t);

/* Returns 1 when t was compiled from exactly these listings, else 0 and
 * *why names the first difference. */
int px_trust_matches(const struct px_trust *t,
    const struct px_trust_dir dirs[PX_TRUST_NDIRS], const char **why);

/* The SHA-256 the file carries of its own contents. */
const unsigned char *px_trust_digest(const struct px_trust *t);
/* Number of records; of roots; creation time. */
size_t px_trust_count(const struct px_trust *t, size_t *roots, time_t *made);

/* Sets [*lo, *hi) to the records whose subject hashes to hash. */
void px_trust_find(
    const struct px_trust *t, uint32_t hash, size_t *lo, size_t *hi);
/* Returns 1 when record i may be the issuer named by akid (NULL: any). */
int px_trust_akid_fits(
    const struct px_trust *t, size_t i, const ASN1_OCTET_STRING *akid);
/* Parses record i.  Sets *xp (caller frees) and *root.  Returns 0 or
 * PX_ERR_BAD_FORMAT (the record does not match its certificate). */
int px_trust_cert(
    const struct px_trust *t, size_t i, X509 **xp, int *root) PX_WUR;
/* The search key of a name: 32 bits of X509_NAME_hash_ex() (canonical). */
uint32_t px_trust_name_hash(const X509_NAME *name);

/* Returns 1 (and *why) when the full listings of cfg's directories differ
 * from those t was compiled from, else 0. */
int px_trust_stale(
    const struct px_trust *t, const struct px_config *cfg, const char **why);
/* Removes a compiled store found damaged (root only: the next process
 * compiles it again). */
void px_trust_discard(const struct px_config *cfg);

/*
 * pkixctl rehash: compiles the trust store of cfg now (root only), or with
 * show prints its state to out.  Returns 0, or PX_ERR_* (logged).
 */
int px_trust_rehash(const struct px_config *cfg, int show, FILE *out) PX_WUR;

#endif
