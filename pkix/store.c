/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "../common/log.h"
#include "../common/util.h"
#include "pkix_limits.h"
#include "store.h"
#include "trust.h"

/* "not a certificate" lines per directory; then one line for the rest. */
#define PX_STORE_SKIP_LOG 10
#define TRUST_LOADED 1
#define TRUST_EXPANDED 2

int
px_certs_parse(const unsigned char *buf, size_t len, STACK_OF(X509) **out)
{
	STACK_OF(X509) *sk = NULL;
	const unsigned char *p = buf;
	X509 *x = NULL;
	BIO *bio = NULL;
	int r;

	*out = NULL;
	if ((sk = sk_X509_new_null()) == NULL)
		return PX_ERR_NOMEM;
	if (len == 0) {
		r = PX_ERR_BAD_FORMAT;
		goto out;
	}
	if (len > 10 && memmem(buf, len, "-----BEGIN", 10) != NULL) {
		if (len > INT_MAX ||
		    (bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
			r = PX_ERR_NOMEM;
			goto out;
		}
		while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			if (!sk_X509_push(sk, x)) {
				r = PX_ERR_NOMEM;
				goto out;
			}
			x = NULL;
		}
	} else {
		if (len > LONG_MAX ||
		    (x = d2i_X509(NULL, &p, (long)len)) == NULL ||
		    p != buf + len) {
			r = PX_ERR_BAD_FORMAT;
			goto out;
		}
		if (!sk_X509_push(sk, x)) {
			r = PX_ERR_NOMEM;
			goto out;
		}
		x = NULL;
	}
	if (sk_X509_num(sk) == 0) {
		r = PX_ERR_BAD_FORMAT;
		goto out;
	}
	*out = sk;
	sk = NULL;
	r = 0;
out:
	X509_free(x);
	BIO_free(bio);
	sk_X509_pop_free(sk, X509_free);
	ERR_clear_error();
	return r;
}

int
px_fingerprint(X509 *x, unsigned char fp[PX_FP_LEN])
{
	unsigned int n = 0;

	if (X509_digest(x, EVP_sha256(), fp, &n) != 1 || n != PX_FP_LEN) {
		ERR_clear_error();
		return PX_ERR_CRYPTO;
	}
	return 0;
}

static int
skip_name(const char *name)
{
	return name[0] == '.';
}

/*
 * Calls fn(arg, path, buf, len) for each regular file of dir, in name order.
 * A missing directory is no error (nothing to load); a directory with a
 * wrong owner or mode is refused.  Files that cannot be read are skipped.
 */
static int
for_each_file(const char *dir, size_t max, const char *what,
    int (*fn)(void *, const char *, const unsigned char *, size_t), void *arg)
{
	struct dirent **names = NULL;
	char path[PATH_MAX];
	char *buf;
	size_t len;
	int i, n = 0, r;

	if (dir == NULL)
		return 0;
	if ((r = px_check_dir(dir)) == PX_ERR_NOT_FOUND) {
		px_debug("%s %s does not exist", what, dir);
		return 0;
	}
	if (r != 0) {
		px_error("%s %s refused", what, dir);
		return r;
	}
	if ((n = scandir(dir, &names, NULL, alphasort)) == -1) {
		px_error("%s %s: cannot list: %m", what, dir);
		return PX_ERR_IO;
	}
	r = 0;
	for (i = 0; i < n; i++) {
		if (r != 0 || skip_name(names[i]->d_name))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		        names[i]->d_name) >= sizeof(path)) {
			px_warn("%s/%s: path too long; skipped", dir,
			    names[i]->d_name);
			continue;
		}
		/* Logs its own reason; the other files still count. */
		if (px_read_file(path, max, 0, &buf, &len) != 0) {
			px_warn("%s: skipped", path);
			continue;
		}
		r = fn(arg, path, (const unsigned char *)buf, len);
		free(buf);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

struct cert_load {
	struct px_store *st;
	int kind;    /* 0 ca_dir, 1 intermediate_dir, 2 disallowed_dir */
	int skipped; /* files of this directory that are no certificate */
};

static int
add_fp(struct px_store *st, X509 *x)
{
	unsigned char(*fps)[PX_FP_LEN];
	int r;

	fps = reallocarray(st->disallowed, st->n_disallowed + 1, PX_FP_LEN);
	if (fps == NULL)
		return PX_ERR_NOMEM;
	st->disallowed = fps;
	if ((r = px_fingerprint(x, st->disallowed[st->n_disallowed])) != 0)
		return r;
	st->n_disallowed++;
	return 0;
}

static int
add_origin(struct px_store *st, const X509 *x, int dir, const char *path)
{
	struct px_origin *o;
	const char *base = strrchr(path, '/');

	o = reallocarray(st->origins, st->n_origins + 1, sizeof(*o));
	if (o == NULL)
		return PX_ERR_NOMEM;
	st->origins = o;
	o = &st->origins[st->n_origins];
	o->x = x;
	o->dir = dir;
	if ((o->name = strdup(base != NULL ? base + 1 : path)) == NULL)
		return PX_ERR_NOMEM;
	st->n_origins++;
	return 0;
}

static int
load_cert_file(
    void *arg, const char *path, const unsigned char *buf, size_t len)
{
	struct cert_load *cl = arg;
	STACK_OF(X509) *certs = NULL, *dst;
	X509 *x;
	int r;

	if (px_certs_parse(buf, len, &certs) != 0) {
		/* A directory of 10,000 keys must not log 10,000 lines. */
		if (cl->skipped++ < PX_STORE_SKIP_LOG)
			px_warn("%s: not a certificate (PEM or DER); skipped",
			    path);
		return 0;
	}
	while ((x = sk_X509_shift(certs)) != NULL) {
		if (cl->kind == 2) {
			r = add_fp(cl->st, x);
			X509_free(x);
			if (r != 0)
				goto out;
			continue;
		}
		/* Only self-signed certificates are anchors (seed 003). */
		if (cl->kind == 0 && X509_self_signed(x, 1) == 1)
			dst = cl->st->roots;
		else
			dst = cl->st->intermediates;
		ERR_clear_error();
		if (!sk_X509_push(dst, x)) {
			X509_free(x);
			r = PX_ERR_NOMEM;
			goto out;
		}
		/* Where it was read, for the compiled store's records. */
		if ((r = add_origin(cl->st, x, cl->kind, path)) != 0)
			goto out;
		px_debug("%s: loaded as %s", path,
		    dst == cl->st->roots ? "trusted root" : "intermediate");
	}
	r = 0;
out:
	sk_X509_pop_free(certs, X509_free);
	return r;
}

static int
add_crl(void *arg, struct px_crl *crl)
{
	struct px_store *st = arg;
	struct px_crl **v;

	if ((v = reallocarray(st->crls, st->n_crls + 1, sizeof(*v))) == NULL) {
		px_crl_free(crl);
		return PX_ERR_NOMEM;
	}
	st->crls = v;
	st->crls[st->n_crls++] = crl;
	if (crl->unusable != NULL)
		px_warn(
		    "%s: %s; it will not be used", crl->label, crl->unusable);
	return 0;
}

static int
load_crl_file(void *arg, const char *path, const unsigned char *buf, size_t len)
{
	int r;

	if ((r = px_crl_parse(buf, len, path, add_crl, arg)) ==
	    PX_ERR_BAD_FORMAT) {
		px_warn("%s: not a CRL (%s); skipped", path,
		    len == 0 ? "empty file" : "malformed PEM or DER");
		return 0;
	}
	return r;
}

static int
load_certs_dir(struct cert_load *cl, const char *dir, const char *what)
{
	int r;

	cl->skipped = 0;
	r = for_each_file(dir, PX_CERT_FILE_MAX, what, load_cert_file, cl);
	if (cl->skipped > PX_STORE_SKIP_LOG)
		px_warn("%s %s: %d more files that are no certificate skipped",
		    what, dir, cl->skipped - PX_STORE_SKIP_LOG);
	return r;
}

int
px_store_load_certs(struct px_store *st, const struct px_config *cfg)
{
	struct cert_load cl = { st, 0, 0 };
	int r;

	if ((r = load_certs_dir(&cl, cfg->ca_dir, "ca_dir")) != 0)
		return r;
	cl.kind = 1;
	return load_certs_dir(&cl, cfg->intermediate_dir, "intermediate_dir");
}

/* Sets st->id: what the chain cache's entries were made under. */
static int
store_id(struct px_store *st)
{
	STACK_OF(X509) *sks[2] = { st->roots, st->intermediates };
	unsigned char fp[PX_FP_LEN];
	EVP_MD_CTX *md;
	int i, j, r = 0;

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	if (st->trust != NULL) {
		if (EVP_DigestUpdate(md, "compiled", 8) != 1 ||
		    EVP_DigestUpdate(md, px_trust_digest(st->trust), 32) != 1)
			r = PX_ERR_CRYPTO;
	} else {
		/* How many are roots, then every fingerprint in order. */
		j = sk_X509_num(st->roots);
		if (EVP_DigestUpdate(md, &j, sizeof(j)) != 1)
			r = PX_ERR_CRYPTO;
		for (i = 0; i < 2 && r == 0; i++)
			for (j = 0; j < sk_X509_num(sks[i]) && r == 0; j++)
				if ((r = px_fingerprint(
				         sk_X509_value(sks[i], j), fp)) == 0 &&
				    EVP_DigestUpdate(md, fp, sizeof(fp)) != 1)
					r = PX_ERR_CRYPTO;
	}
	if (r == 0 && EVP_DigestFinal_ex(md, st->id, NULL) != 1)
		r = PX_ERR_CRYPTO;
out:
	EVP_MD_CTX_free(md);
	return r;
}

int
px_store_load(struct px_store *st, const struct px_config *cfg)
{
	struct cert_load cl = { st, 2, 0 };
	size_t n;
	int r;

	memset(st, 0, sizeof(*st));
	st->cfg = cfg;
	if ((st->roots = sk_X509_new_null()) == NULL ||
	    (st->intermediates = sk_X509_new_null()) == NULL)
		return PX_ERR_NOMEM;
	if ((r = px_trust_use(st, cfg)) != 0)
		return r;
	if (st->trust != NULL) {
		n = px_trust_count(st->trust, NULL, NULL);
		if ((st->trust_x = calloc(n + 1, sizeof(*st->trust_x))) ==
		        NULL ||
		    (st->trust_flags = calloc(n + 1, 1)) == NULL)
			return PX_ERR_NOMEM;
	}
	if ((r = load_certs_dir(&cl, cfg->disallowed_dir, "disallowed_dir")) !=
	    0)
		return r;
	if ((r = for_each_file(cfg->crl_dir, cfg->max_object_size, "crl_dir",
	         load_crl_file, st)) != 0)
		return r;
	if ((r = store_id(st)) != 0)
		return r;
	if (st->trust != NULL) {
		size_t roots;

		(void)px_trust_count(st->trust, &roots, NULL);
		if (roots == 0)
			px_warn("no trusted root certificate in %s: nothing "
			        "can be accepted",
			    cfg->ca_dir != NULL ? cfg->ca_dir : "(unset)");
	} else if (sk_X509_num(st->roots) == 0)
		px_warn("no trusted root certificate in %s: nothing can be "
		        "accepted",
		    cfg->ca_dir != NULL ? cfg->ca_dir : "(unset)");
	px_debug("loaded %d roots, %d intermediates%s, %zu disallowed, %zu "
	         "CRLs",
	    sk_X509_num(st->roots), sk_X509_num(st->intermediates),
	    st->trust != NULL ? " (more on demand)" : "", st->n_disallowed,
	    st->n_crls);
	return 0;
}

/* Loads the records of name's hash that akid allows; with depth left,
 * their issuers too.  Each record is parsed once, expanded once. */
static void
store_want(struct px_store *st, const X509_NAME *name,
    const ASN1_OCTET_STRING *akid, int depth)
{
	const char *file;
	size_t lo, hi, i;
	X509 *x;
	int root;

	px_trust_find(st->trust, px_trust_name_hash(name), &lo, &hi);
	for (i = lo; i < hi && !st->trust_damaged; i++) {
		if (!px_trust_akid_fits(st->trust, i, akid))
			continue;
		if (!(st->trust_flags[i] & TRUST_LOADED)) {
			if (!px_trust_cert_fresh(st->trust, i, &file)) {
				px_info(
				    "compiled trust store: %s file %s "
				    "changed since it was compiled; reading "
				    "the trust directories instead",
				    px_trust_rec_dir(st->trust, i) == 0
				        ? "ca_dir"
				        : "intermediate_dir",
				    file);
				st->trust_damaged = 1;
				return;
			}
			st->trust_flags[i] |= TRUST_LOADED;
			if (px_trust_cert(st->trust, i, &x, &root) != 0) {
				px_warn("compiled trust store: record %zu is "
				        "damaged; reading the trust "
				        "directories instead",
				    i);
				st->trust_damaged = 1;
				return;
			}
			if (!sk_X509_push(
			        root ? st->roots : st->intermediates, x)) {
				X509_free(x);
				continue;
			}
			st->trust_x[i] = x;
		}
		if (depth <= 0 || st->trust_x[i] == NULL ||
		    (st->trust_flags[i] & TRUST_EXPANDED))
			continue;
		st->trust_flags[i] |= TRUST_EXPANDED;
		x = st->trust_x[i];
		store_want(st, X509_get_issuer_name(x),
		    X509_get0_authority_key_id(x), depth - 1);
	}
}

/* Moves what sk2 holds and sk lacks into sk. */
static void
store_merge(STACK_OF(X509) *sk, STACK_OF(X509) *sk2)
{
	X509 *x;
	int i, dup;

	while ((x = sk_X509_shift(sk2)) != NULL) {
		for (dup = 0, i = 0; i < sk_X509_num(sk) && !dup; i++)
			dup = X509_cmp(sk_X509_value(sk, i), x) == 0;
		if (dup || !sk_X509_push(sk, x))
			X509_free(x);
	}
}

/*
 * A record of the compiled store failed its checksum: the rest of this
 * context reads the directories, as without a compiled store (what was
 * loaded stays, the pointers handed out stay valid), and root removes the
 * file so that the next process compiles it again.
 */
static void
store_fallback(struct px_store *st)
{
	struct px_store d;
	size_t i;

	memset(&d, 0, sizeof(d));
	px_trust_discard(st->cfg);
	if ((d.roots = sk_X509_new_null()) != NULL &&
	    (d.intermediates = sk_X509_new_null()) != NULL &&
	    px_store_load_certs(&d, st->cfg) == 0) {
		store_merge(st->roots, d.roots);
		store_merge(st->intermediates, d.intermediates);
	}
	sk_X509_pop_free(d.roots, X509_free);
	sk_X509_pop_free(d.intermediates, X509_free);
	for (i = 0; i < d.n_origins; i++)
		free(d.origins[i].name);
	free(d.origins);
	px_trust_free(st->trust);
	st->trust = NULL;
	free(st->trust_x);
	st->trust_x = NULL;
	free(st->trust_flags);
	st->trust_flags = NULL;
}

void
px_store_want(struct px_store *st, X509 *x)
{
	if (st->trust == NULL)
		return;
	store_want(st, X509_get_issuer_name(x), X509_get0_authority_key_id(x),
	    PX_MAX_DEPTH + 1);
	if (st->trust_damaged)
		store_fallback(st);
}

int
px_store_recheck(struct px_store *st)
{
	const char *why;

	if (st->trust == NULL || !px_trust_stale(st->trust, st->cfg, &why))
		return 0;
	px_info("compiled trust store: %s; reading the trust directories "
	        "instead",
	    why != NULL ? why : "stale");
	store_fallback(st);
	return 1;
}

void
px_store_want_name(struct px_store *st, const X509_NAME *name)
{
	if (st->trust == NULL)
		return;
	store_want(st, name, NULL, 0);
	if (st->trust_damaged)
		store_fallback(st);
}

void
px_store_clear(struct px_store *st)
{
	size_t i;

	sk_X509_pop_free(st->roots, X509_free);
	sk_X509_pop_free(st->intermediates, X509_free);
	free(st->disallowed);
	for (i = 0; i < st->n_crls; i++)
		px_crl_free(st->crls[i]);
	free(st->crls);
	px_trust_free(st->trust);
	free(st->trust_x);
	free(st->trust_flags);
	for (i = 0; i < st->n_origins; i++)
		free(st->origins[i].name);
	free(st->origins);
	memset(st, 0, sizeof(*st));
}

int
px_store_disallowed(const struct px_store *st, X509 *x)
{
	unsigned char fp[PX_FP_LEN];

	if (st->n_disallowed == 0)
		return 0;
	/* Fail closed: a certificate we cannot hash is treated as listed. */
	if (px_fingerprint(x, fp) != 0)
		return 1;
	return px_store_disallowed_fp(st, fp);
}

int
px_store_disallowed_fp(
    const struct px_store *st, const unsigned char fp[PX_FP_LEN])
{
	size_t i;

	for (i = 0; i < st->n_disallowed; i++)
		if (memcmp(fp, st->disallowed[i], PX_FP_LEN) == 0)
			return 1;
	return 0;
}
