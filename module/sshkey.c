/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The OpenSSH side (issue 13): X.509 public keys in the OpenSSH wire format
 * (RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4), the keys sshd reports in
 * SSH_AUTH_INFO_0, and a user's certificates in [ssh] user_cert_dir.
 * Shared by pkixctl ssh-keys and the module's account and session stages.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include "../cache/cache.h"
#include "../common/conf.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../pkix/pkix.h"
#include "module.h"

/* A blob being written: never past PX_SSH_BLOB_MAX. */
struct sshkey_buf {
	unsigned char b[PX_SSH_BLOB_MAX];
	size_t len;
	int toobig;
};

static void
sshkey_put_string(struct sshkey_buf *w, const void *p, size_t n)
{
	if (w->toobig || n > sizeof(w->b) - 4 ||
	    w->len > sizeof(w->b) - 4 - n) {
		w->toobig = 1;
		return;
	}
	w->b[w->len++] = (unsigned char)(n >> 24);
	w->b[w->len++] = (unsigned char)(n >> 16);
	w->b[w->len++] = (unsigned char)(n >> 8);
	w->b[w->len++] = (unsigned char)n;
	memcpy(w->b + w->len, p, n);
	w->len += n;
}

static void
sshkey_put_cstring(struct sshkey_buf *w, const char *s)
{
	sshkey_put_string(w, s, strlen(s));
}

/* An mpint (RFC 4251 5): big-endian, a 0 byte before a set top bit. */
static int
sshkey_put_mpint(struct sshkey_buf *w, const BIGNUM *bn)
{
	unsigned char tmp[PX_SSH_BLOB_MAX];
	int n;

	if (BN_is_negative(bn) || (n = BN_num_bytes(bn)) >= (int)sizeof(tmp))
		return PX_ERR_UNSUPPORTED;
	tmp[0] = 0;
	if (BN_bn2bin(bn, tmp + 1) != n)
		return PX_ERR_CRYPTO;
	if (n > 0 && (tmp[1] & 0x80) != 0)
		sshkey_put_string(w, tmp, (size_t)n + 1);
	else
		sshkey_put_string(w, tmp + 1, (size_t)n);
	return 0;
}

static int
sshkey_rsa(EVP_PKEY *pkey, struct sshkey_buf *w, const char **why)
{
	BIGNUM *e = NULL, *n = NULL;
	int bits, r;

	bits = EVP_PKEY_get_bits(pkey);
	/* OpenSSH's own bounds (SSH_RSA_MINIMUM_MODULUS_SIZE, 16384). */
	if (bits < PX_SSH_RSA_MIN_BITS || bits > PX_SSH_RSA_MAX_BITS) {
		*why = "RSA modulus size outside 1024..16384 bits";
		return PX_ERR_UNSUPPORTED;
	}
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1) {
		r = PX_ERR_CRYPTO;
		goto out;
	}
	sshkey_put_cstring(w, "ssh-rsa");
	if ((r = sshkey_put_mpint(w, e)) != 0 ||
	    (r = sshkey_put_mpint(w, n)) != 0)
		goto out;
	r = 0;
out:
	BN_free(e);
	BN_free(n);
	return r;
}

static int
sshkey_ec(EVP_PKEY *pkey, struct sshkey_buf *w, const char **why)
{
	unsigned char pt[256], out[256];
	char group[64], type[32];
	const char *curve;
	EC_GROUP *g = NULL;
	EC_POINT *p = NULL;
	size_t len = 0, olen;
	int nid, r = PX_ERR_UNSUPPORTED;

	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	        group, sizeof(group), NULL) != 1) {
		*why = "EC key without a named curve";
		return PX_ERR_UNSUPPORTED;
	}
	if ((nid = OBJ_txt2nid(group)) == NID_undef)
		nid = EC_curve_nist2nid(group);
	switch (nid) {
	case NID_X9_62_prime256v1: curve = "nistp256"; break;
	case NID_secp384r1: curve = "nistp384"; break;
	case NID_secp521r1: curve = "nistp521"; break;
	default: *why = "EC curve other than P-256, P-384, P-521"; return r;
	}
	if (EVP_PKEY_get_octet_string_param(
	        pkey, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &len) != 1 ||
	    len == 0)
		return PX_ERR_CRYPTO;
	/* OpenSSH takes the uncompressed form only (RFC 5656 3.1). */
	if (pt[0] != POINT_CONVERSION_UNCOMPRESSED) {
		if ((g = EC_GROUP_new_by_curve_name(nid)) == NULL ||
		    (p = EC_POINT_new(g)) == NULL ||
		    EC_POINT_oct2point(g, p, pt, len, NULL) != 1 ||
		    (olen = EC_POINT_point2oct(g, p,
		         POINT_CONVERSION_UNCOMPRESSED, out, sizeof(out),
		         NULL)) == 0) {
			r = PX_ERR_CRYPTO;
			goto out;
		}
		memcpy(pt, out, olen);
		len = olen;
	}
	snprintf(type, sizeof(type), "ecdsa-sha2-%s", curve);
	sshkey_put_cstring(w, type);
	sshkey_put_cstring(w, curve);
	sshkey_put_string(w, pt, len);
	r = 0;
out:
	EC_POINT_free(p);
	EC_GROUP_free(g);
	return r;
}

static int
sshkey_ed25519(EVP_PKEY *pkey, struct sshkey_buf *w)
{
	unsigned char raw[32];
	size_t len = sizeof(raw);

	if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 ||
	    len != sizeof(raw))
		return PX_ERR_CRYPTO;
	sshkey_put_cstring(w, "ssh-ed25519");
	sshkey_put_string(w, raw, len);
	return 0;
}

/* The first string of a blob (its key type), or -1. */
static int
sshkey_blob_type(const unsigned char *b, size_t len, char *type, size_t tlen)
{
	size_t n;

	if (len < 4)
		return -1;
	n = (size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
	if (n == 0 || n >= tlen || n > len - 4 || memchr(b + 4, '\0', n))
		return -1;
	memcpy(type, b + 4, n);
	type[n] = '\0';
	return 0;
}

int
px_ssh_key_from_pkey(EVP_PKEY *pkey, struct px_ssh_key *k, const char **why)
{
	struct sshkey_buf *w;
	int r;

	memset(k, 0, sizeof(*k));
	*why = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return PX_ERR_NOMEM;
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA: r = sshkey_rsa(pkey, w, why); break;
	case EVP_PKEY_EC: r = sshkey_ec(pkey, w, why); break;
	case EVP_PKEY_ED25519: r = sshkey_ed25519(pkey, w); break;
	default:
		*why = "key type without an OpenSSH equivalent here (RSA, "
		       "ECDSA P-256/384/521 and Ed25519 are)";
		r = PX_ERR_UNSUPPORTED;
	}
	if (r == 0 && w->toobig) {
		*why = "key too large";
		r = PX_ERR_UNSUPPORTED;
	}
	if (r == 0 &&
	    sshkey_blob_type(w->b, w->len, k->type, sizeof(k->type)) != 0)
		r = PX_ERR_INTERNAL;
	if (r == 0 && (k->blob = malloc(w->len)) == NULL)
		r = PX_ERR_NOMEM;
	if (r == 0) {
		memcpy(k->blob, w->b, w->len);
		k->len = w->len;
	}
	if (r == PX_ERR_CRYPTO && *why == NULL)
		*why = "the key's parameters cannot be read";
	ERR_clear_error();
	free(w);
	return r;
}

void
px_ssh_key_clear(struct px_ssh_key *k)
{
	if (k == NULL)
		return;
	free(k->blob);
	memset(k, 0, sizeof(*k));
}

int
px_ssh_key_equal(const struct px_ssh_key *a, const struct px_ssh_key *b)
{
	return a->len == b->len && a->len > 0 &&
	    memcmp(a->blob, b->blob, a->len) == 0;
}

/* Strict base64 (RFC 4648 4): the alphabet, '=' padding at the end only,
 * a multiple of four characters. */
static int
sshkey_b64_decode(const char *s, size_t n, unsigned char **outp, size_t *lenp)
{
	unsigned char *out;
	size_t i, pad = 0;
	int len;

	*outp = NULL;
	*lenp = 0;
	if (n == 0 || n % 4 != 0 || n > PX_SSH_B64_MAX)
		return PX_ERR_BAD_FORMAT;
	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			if (i < n - 2)
				return PX_ERR_BAD_FORMAT;
			pad++;
		} else if (pad > 0 ||
		    strchr(
		        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		        "0123456789+/",
		        s[i]) == NULL ||
		    s[i] == '\0')
			return PX_ERR_BAD_FORMAT;
	}
	if ((out = malloc(n / 4 * 3 + 1)) == NULL)
		return PX_ERR_NOMEM;
	if ((len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n)) <
	        0 ||
	    (size_t)len < pad) {
		free(out);
		return PX_ERR_BAD_FORMAT;
	}
	*outp = out;
	*lenp = (size_t)len - pad;
	return 0;
}

/*
 * Whether a blob of a type this file makes has that type's shape: so many
 * strings filling it exactly (RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4).
 * Other types (OpenSSH certificates, security keys) are left as they are:
 * they match no certificate's key.
 */
static int
sshkey_blob_shape(const struct px_ssh_key *k)
{
	size_t want, o = 0, n = 0, len = 0;

	if (strcmp(k->type, "ssh-ed25519") == 0)
		want = 2;
	else if (strcmp(k->type, "ssh-rsa") == 0 ||
	    strncmp(k->type, "ecdsa-sha2-nistp", 16) == 0)
		want = 3;
	else
		return 0;
	while (o < k->len) {
		if (k->len - o < 4)
			return -1;
		len = (size_t)k->blob[o] << 24 | (size_t)k->blob[o + 1] << 16 |
		    (size_t)k->blob[o + 2] << 8 | k->blob[o + 3];
		o += 4;
		if (len > k->len - o)
			return -1;
		o += len;
		n++;
	}
	if (n != want || (want == 2 && len != 32))
		return -1;
	return 0;
}

int
px_ssh_key_parse(const char *type, const char *b64, struct px_ssh_key *k)
{
	return px_ssh_key_parse_n(type, strlen(type), b64, strlen(b64), k);
}

int
px_ssh_key_parse_n(const char *type, size_t tlen, const char *b64, size_t blen,
    struct px_ssh_key *k)
{
	size_t i;
	int r;

	memset(k, 0, sizeof(*k));
	if (tlen == 0 || tlen >= sizeof(k->type))
		return PX_ERR_BAD_FORMAT;
	/* A key type is a word of printable ASCII (RFC 4250 4.6.1). */
	for (i = 0; i < tlen; i++)
		if ((unsigned char)type[i] <= 0x20 ||
		    (unsigned char)type[i] >= 0x7f)
			return PX_ERR_BAD_FORMAT;
	if ((r = sshkey_b64_decode(b64, blen, &k->blob, &k->len)) != 0)
		return r;
	/* The blob names its type: it must be the one given beside it. */
	if (sshkey_blob_type(k->blob, k->len, k->type, sizeof(k->type)) != 0 ||
	    strlen(k->type) != tlen || memcmp(k->type, type, tlen) != 0 ||
	    sshkey_blob_shape(k) != 0) {
		px_ssh_key_clear(k);
		return PX_ERR_BAD_FORMAT;
	}
	return 0;
}

int
px_ssh_key_line(const struct px_ssh_key *k, const char *comment, char **linep)
{
	size_t n, i, tl = strlen(k->type), cl;
	char *line;
	int len;

	*linep = NULL;
	cl = comment != NULL ? strlen(comment) : 0;
	if (cl > PX_SSH_COMMENT_MAX)
		cl = PX_SSH_COMMENT_MAX;
	n = tl + 1 + (k->len + 2) / 3 * 4 + 1 + cl + 1;
	if ((line = malloc(n)) == NULL)
		return PX_ERR_NOMEM;
	memcpy(line, k->type, tl);
	line[tl] = ' ';
	len = EVP_EncodeBlock(
	    (unsigned char *)line + tl + 1, k->blob, (int)k->len);
	i = tl + 1 + (size_t)len;
	if (cl > 0) {
		line[i++] = ' ';
		/* One line of printable ASCII: a comment cannot start another
		 * authorized_keys line or carry options. */
		for (n = 0; n < cl; n++) {
			unsigned char c = (unsigned char)comment[n];
			line[i++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		}
	}
	line[i] = '\0';
	*linep = line;
	return 0;
}

/* ---- SSH_AUTH_INFO_0 ---- */

void
px_ssh_info_clear(struct px_ssh_info *info)
{
	size_t i;

	for (i = 0; i < info->n; i++)
		px_ssh_key_clear(&info->keys[i]);
	memset(info, 0, sizeof(*info));
}

/* The next space-separated word of [p, end): its start and length. */
static const char *
sshkey_word(const char **pp, const char *end, size_t *lenp)
{
	const char *p = *pp, *w;

	while (p < end && *p == ' ')
		p++;
	w = p;
	while (p < end && *p != ' ')
		p++;
	*pp = p;
	*lenp = (size_t)(p - w);
	return w;
}

/*
 * sshd writes one line per method that succeeded, "METHOD[ INFO]\n"; for
 * publickey the INFO is "KEYTYPE BASE64" (auth2-pubkey.c), for an OpenSSH
 * certificate more words follow.
 */
int
px_ssh_info_parse(const char *s, struct px_ssh_info *info)
{
	const char *p, *end, *eol, *w;
	size_t len, tl, bl, lines = 0;
	const char *t, *b;
	int r;

	memset(info, 0, sizeof(*info));
	if (s == NULL)
		return 0;
	if ((len = strnlen(s, PX_SSH_INFO_MAX + 1)) > PX_SSH_INFO_MAX)
		return PX_ERR_TOO_BIG;
	for (p = s, end = s + len; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if (eol == p)
			continue;
		if (++lines > PX_SSH_INFO_LINES_MAX) {
			r = PX_ERR_TOO_BIG;
			goto fail;
		}
		for (w = p; w < eol; w++)
			if ((unsigned char)*w < 0x20 || *w == 0x7f) {
				r = PX_ERR_BAD_FORMAT;
				goto fail;
			}
		w = sshkey_word(&p, eol, &len);
		if (len != 9 || memcmp(w, "publickey", 9) != 0) {
			info->others++;
			continue;
		}
		t = sshkey_word(&p, eol, &tl);
		b = sshkey_word(&p, eol, &bl);
		/* A publickey line without both words is a truncated one. */
		if (tl == 0 || bl == 0) {
			r = PX_ERR_BAD_FORMAT;
			goto fail;
		}
		if (info->n == PX_SSH_INFO_KEYS_MAX) {
			r = PX_ERR_TOO_BIG;
			goto fail;
		}
		if ((r = px_ssh_key_parse_n(
		         t, tl, b, bl, &info->keys[info->n])) != 0)
			goto fail;
		info->n++;
	}
	return 0;
fail:
	px_ssh_info_clear(info);
	return r;
}

/* ---- the user's certificates ---- */

int
px_ssh_user_ok(const char *user)
{
	/* A name that is also a path component of user_cert_dir. */
	return px_user_name_ok(user) && user[0] != '.' &&
	    strlen(user) <= PX_SSH_USER_MAX;
}

void
px_ssh_certs_free(struct px_ssh_certs *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		X509_free(c->v[i].cert);
		sk_X509_pop_free(c->v[i].chain, X509_free);
		px_ssh_key_clear(&c->v[i].key);
	}
	free(c->v);
	free(c);
}

/* File names the directory may hold: NAME.pem, NAME.crt, NAME.der. */
static int
sshkey_file_ok(const char *name)
{
	size_t n = strlen(name), i;

	if (n < 5 || n > 128 || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz"
		           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@+",
		        name[i]) == NULL)
			return 0;
	return strcmp(name + n - 4, ".pem") == 0 ||
	    strcmp(name + n - 4, ".crt") == 0 ||
	    strcmp(name + n - 4, ".der") == 0;
}

static int
sshkey_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One file: its first certificate and the rest as a chain. */
static int
sshkey_load_one(const char *path, struct px_ssh_cert *out)
{
	STACK_OF(X509) *certs = NULL;
	char *buf = NULL;
	const char *why;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = px_read_file(path, PX_SSH_CERT_FILE_MAX,
	         PX_READ_NOFOLLOW | PX_READ_TRUSTED, &buf, &len)) != 0)
		goto out;
	if ((r = px_certs_parse((unsigned char *)buf, len, &certs)) != 0) {
		px_warn("%s: not a certificate (PEM or DER); skipped", path);
		goto out;
	}
	out->cert = sk_X509_shift(certs);
	out->chain = certs;
	certs = NULL;
	if ((r = px_ssh_key_from_pkey(
	         X509_get0_pubkey(out->cert), &out->key, &why)) != 0) {
		px_notice("%s: %s; skipped", path,
		    why != NULL ? why : px_strerror(r));
		X509_free(out->cert);
		sk_X509_pop_free(out->chain, X509_free);
		memset(out, 0, sizeof(*out));
	}
out:
	sk_X509_pop_free(certs, X509_free);
	free(buf);
	return r;
}

struct sshkey_file_arg {
	const char *user;
	struct px_ssh_certs *c;
	int r;
};

static int
sshkey_file_line(void *arg, const char *user, const char *what)
{
	struct sshkey_file_arg *a = arg;
	struct px_ssh_cert *sc;

	if (strcmp(user, a->user) != 0 || strncmp(what, "cert:", 5) != 0)
		return 0;
	if (a->c->n == PX_SSH_CERTS_MAX) {
		px_warn("%s: more than %d certificates: the file: mapping's "
		        "rest left out",
		    a->user, PX_SSH_CERTS_MAX);
		return 1;
	}
	if (what[5] != '/') {
		px_warn("%s: cert:%s is not an absolute path; skipped", a->user,
		    what + 5);
		return 0;
	}
	sc = &a->c->v[a->c->n];
	if ((a->r = sshkey_load_one(what + 5, sc)) == PX_ERR_NOMEM)
		return 1;
	a->r = 0;
	if (sc->cert != NULL)
		a->c->n++;
	return 0;
}

/*
 * With a file: mapping, the certificate files its "USER cert:/PATH" lines
 * name for the user, read as the folder's are.
 */
static int
sshkey_file_certs(
    const struct px_config *cfg, const char *user, struct px_ssh_certs *c)
{
	struct sshkey_file_arg a = { user, c, 0 };
	size_t i;
	int r;

	for (i = 0; i < cfg->n_mapping; i++) {
		if (cfg->mapping[i].kind != PX_MAP_FILE)
			continue;
		if (c->v == NULL &&
		    (c->v = calloc(PX_SSH_CERTS_MAX, sizeof(*c->v))) == NULL)
			return PX_ERR_NOMEM;
		if ((r = px_map_file_lines(
		         cfg->mapping[i].path, sshkey_file_line, &a)) < 0 &&
		    r != PX_ERR_NOMEM)
			px_notice("%s: cannot read: %s", cfg->mapping[i].path,
			    px_strerror(r));
		if (r == PX_ERR_NOMEM || a.r == PX_ERR_NOMEM)
			return PX_ERR_NOMEM;
	}
	return 0;
}

/*
 * With mapping = ldap: the certificates of the user's entry too
 * (userCertificate;binary, through the retrieval helper), after the
 * folder's, within the same cap.  An entry that cannot be read leaves the
 * folder's certificates usable (logged); no entry is no certificate.
 */
static int
sshkey_ldap_certs(
    const struct px_config *cfg, const char *user, struct px_ssh_certs *c)
{
	STACK_OF(X509) *certs = NULL;
	struct px_ssh_cert *sc;
	const char *why;
	X509 *x;
	size_t i;
	int r;

	for (i = 0; i < cfg->n_mapping; i++)
		if (cfg->mapping[i].kind == PX_MAP_LDAP)
			break;
	if (i == cfg->n_mapping)
		return 0;
	if ((r = px_ldap_certs_of_user(cfg, user, &certs)) != 0) {
		if (r == PX_ERR_NOMEM)
			return r;
		px_notice(
		    "%s: LDAP certificates not read: %s", user, px_strerror(r));
		return 0;
	}
	if (c->v == NULL &&
	    (c->v = calloc(PX_SSH_CERTS_MAX, sizeof(*c->v))) == NULL) {
		sk_X509_pop_free(certs, X509_free);
		return PX_ERR_NOMEM;
	}
	while ((x = sk_X509_shift(certs)) != NULL) {
		if (c->n == PX_SSH_CERTS_MAX) {
			px_warn("%s: more than %d certificates: the LDAP "
			        "entry's rest left out",
			    user, PX_SSH_CERTS_MAX);
			X509_free(x);
			break;
		}
		sc = &c->v[c->n];
		memset(sc, 0, sizeof(*sc));
		if ((r = px_ssh_key_from_pkey(
		         X509_get0_pubkey(x), &sc->key, &why)) != 0) {
			px_notice("%s: an LDAP certificate: %s; skipped", user,
			    why != NULL ? why : px_strerror(r));
			X509_free(x);
			if (r == PX_ERR_NOMEM)
				break;
			continue;
		}
		sc->cert = x;
		c->n++;
	}
	sk_X509_pop_free(certs, X509_free);
	return r == PX_ERR_NOMEM ? r : 0;
}

int
px_ssh_user_certs(
    const struct px_config *cfg, const char *user, struct px_ssh_certs **certsp)
{
	struct px_ssh_certs *c = NULL;
	char dir[PATH_MAX], path[PATH_MAX], **names = NULL;
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	size_t n = 0, seen = 0, i;
	int fd = -1, r;

	*certsp = NULL;
	if (!px_ssh_user_ok(user))
		return PX_ERR_INVALID_ARG;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return PX_ERR_NOMEM;
	if (cfg->user_cert_dir == NULL) {
		px_debug("no [ssh] user_cert_dir: no certificates");
		goto done;
	}
	/* Both levels root's (or the caller's), not group/world-writable. */
	if ((r = px_check_dir(cfg->user_cert_dir)) != 0) {
		if (r == PX_ERR_NOT_FOUND)
			px_error("%s: no such directory", cfg->user_cert_dir);
		goto out;
	}
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", cfg->user_cert_dir,
	        user) >= sizeof(dir)) {
		r = PX_ERR_INVALID_ARG;
		goto out;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1) {
		if (errno == ENOENT) {
			px_debug("%s: no such directory: no certificates", dir);
			goto done;
		}
		px_error("%s: %s", dir, strerror(errno));
		r = errno == ELOOP || errno == ENOTDIR ? PX_ERR_INSECURE
		                                       : PX_ERR_IO;
		goto out;
	}
	/* The folder opened, not the name: px_check_dir() would stat it
	 * again. */
	if (fstat(fd, &st) == -1) {
		px_error("%s: fstat: %s", dir, strerror(errno));
		r = PX_ERR_IO;
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		px_error("%s: owned by uid %u, not by root or the caller", dir,
		    (unsigned)st.st_uid);
		r = PX_ERR_INSECURE;
		goto out;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		px_error("%s: writable by group or others (mode %04o)", dir,
		    (unsigned)(st.st_mode & 07777));
		r = PX_ERR_INSECURE;
		goto out;
	}
	if ((d = fdopendir(fd)) == NULL) {
		r = PX_ERR_IO;
		goto out;
	}
	fd = -1;
	if ((names = calloc(PX_SSH_DIR_SCAN_MAX, sizeof(*names))) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (!sshkey_file_ok(de->d_name))
			continue;
		if (n == PX_SSH_DIR_SCAN_MAX) {
			seen++;
			continue;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			r = PX_ERR_NOMEM;
			goto out;
		}
		n++;
		seen++;
	}
	/* Name order: the same certificates whichever order readdir has. */
	qsort(names, n, sizeof(*names), sshkey_cmp_names);
	if (seen > PX_SSH_CERTS_MAX)
		px_warn("%s: %zu certificate files, more than %d: only the "
		        "first %d (in name order) are used",
		    dir, seen, PX_SSH_CERTS_MAX, PX_SSH_CERTS_MAX);
	if ((c->v = calloc(PX_SSH_CERTS_MAX, sizeof(*c->v))) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n && i < PX_SSH_CERTS_MAX; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		        names[i]) >= sizeof(path))
			continue;
		r = sshkey_load_one(path, &c->v[c->n]);
		if (r == PX_ERR_NOMEM)
			goto out;
		if (c->v[c->n].cert != NULL)
			c->n++;
	}
done:
	if ((r = sshkey_file_certs(cfg, user, c)) != 0 ||
	    (r = sshkey_ldap_certs(cfg, user, c)) != 0)
		goto out;
	*certsp = c;
	c = NULL;
	r = 0;
out:
	if (names != NULL)
		for (i = 0; i < n; i++)
			free(names[i]);
	free(names);
	if (d != NULL)
		closedir(d);
	if (fd != -1)
		close(fd);
	px_ssh_certs_free(c);
	return r;
}

int
px_ssh_cert_comment(X509 *cert, char *buf, size_t len)
{
	BIGNUM *bn = NULL;
	char *hex = NULL, *data;
	BIO *bio = NULL;
	long n = 0;
	int r = PX_ERR_NOMEM;

	buf[0] = '\0';
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL)) ==
	        NULL ||
	    (hex = BN_bn2hex(bn)) == NULL ||
	    (bio = BIO_new(BIO_s_mem())) == NULL)
		goto out;
	if (X509_NAME_print_ex(
	        bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0 ||
	    (n = BIO_get_mem_data(bio, &data)) < 0)
		goto out;
	snprintf(buf, len, "%.*s serial %s", (int)n, data, hex);
	r = 0;
out:
	BIO_free(bio);
	OPENSSL_free(hex);
	BN_free(bn);
	ERR_clear_error();
	return r;
}
