/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Certificate -> user mapping (DESIGN.md section 6, [login] mapping): the
 * methods of the configuration, tried in order.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "../cache/cache.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../pkix/pkix.h"
#include "module.h"

#define PX_MAP_FILE_MAX (1024 * 1024)
#define PX_MAP_CERT_FILE_MAX (64 * 1024)

int
px_user_name_ok(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n = 0;

	if (name == NULL || *name == '\0' || *name == '-')
		return 0;
	/* No path, no filter, no control: a POSIX-ish login name. */
	for (; *p != '\0'; p++, n++)
		if (n >= PX_USER_NAME_MAX - 1 || *p < 0x21 || *p == 0x7f ||
		    strchr("/*()\\:,", *p) != NULL)
			return 0;
	return 1;
}

/* Copies a string value into out when it is a usable user name. */
static int
take(const unsigned char *v, int len, char *out, size_t outlen)
{
	if (len <= 0 || (size_t)len >= outlen ||
	    memchr(v, '\0', (size_t)len) != NULL)
		return 0;
	memcpy(out, v, (size_t)len);
	out[len] = '\0';
	return px_user_name_ok(out);
}

static int
map_cn(X509 *cert, char *out, size_t outlen)
{
	X509_NAME *n = X509_get_subject_name(cert);
	X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	int i, len, ok = 0;

	/* The last CN, as most tools show it. */
	if ((i = X509_NAME_get_index_by_NID(n, NID_commonName, -1)) < 0)
		return 0;
	while (X509_NAME_get_index_by_NID(n, NID_commonName, i) >= 0)
		i = X509_NAME_get_index_by_NID(n, NID_commonName, i);
	e = X509_NAME_get_entry(n, i);
	if ((len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e))) > 0)
		ok = take(utf8, len, out, outlen);
	OPENSSL_free(utf8);
	return ok;
}

/* Whether realm is in the comma/space separated list. */
static int
realm_listed(const char *list, const char *realm, size_t rlen)
{
	const char *p = list, *w;

	while (p != NULL && *p != '\0') {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		w = p;
		while (*p != '\0' && *p != ',' && !isspace((unsigned char)*p))
			p++;
		if ((size_t)(p - w) == rlen && strncasecmp(w, realm, rlen) == 0)
			return 1;
	}
	return 0;
}

/*
 * SAN otherName msUPN (user@REALM) or rfc822Name (user@domain): the part
 * before the @; for a UPN the realm must be in upn_realms.
 */
static int
map_san(X509 *cert, int upn, const char *realms, char *out, size_t outlen)
{
	GENERAL_NAMES *san;
	GENERAL_NAME *g;
	const unsigned char *v = NULL;
	unsigned char *utf8 = NULL;
	const char *at;
	int i, len = 0, ok = 0;

	if ((san = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL)) ==
	    NULL)
		return 0;
	for (i = 0; i < sk_GENERAL_NAME_num(san) && !ok; i++) {
		g = sk_GENERAL_NAME_value(san, i);
		OPENSSL_free(utf8);
		utf8 = NULL;
		if (upn && g->type == GEN_OTHERNAME &&
		    OBJ_obj2nid(g->d.otherName->type_id) == NID_ms_upn &&
		    g->d.otherName->value->type == V_ASN1_UTF8STRING) {
			len = ASN1_STRING_to_UTF8(
			    &utf8, g->d.otherName->value->value.utf8string);
			v = utf8;
		} else if (!upn && g->type == GEN_EMAIL) {
			v = ASN1_STRING_get0_data(g->d.rfc822Name);
			len = ASN1_STRING_length(g->d.rfc822Name);
		} else
			continue;
		if (len <= 0 || v == NULL ||
		    (at = memchr(v, '@', (size_t)len)) == NULL)
			continue;
		if (upn &&
		    (realms == NULL ||
		        !realm_listed(realms, at + 1,
		            (size_t)len - (size_t)(at + 1 - (char *)v))))
			continue;
		ok = take(v, (int)(at - (const char *)v), out, outlen);
	}
	OPENSSL_free(utf8);
	GENERAL_NAMES_free(san);
	return ok;
}

int
px_map_file_lines(const char *path,
    int (*fn)(void *arg, const char *user, const char *what), void *arg)
{
	char *text = NULL, *line, *save = NULL, *user, *what;
	size_t len;
	int r;

	if ((r = px_read_file(path, PX_MAP_FILE_MAX,
	         PX_READ_NOFOLLOW | PX_READ_TRUSTED, &text, &len)) != 0)
		return r;
	r = 0;
	for (line = strtok_r(text, "\n", &save); line != NULL && r == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		while (isspace((unsigned char)*line))
			line++;
		if (*line == '#' || *line == '\0')
			continue;
		user = line;
		if ((what = strpbrk(line, " \t")) == NULL)
			continue;
		*what++ = '\0';
		while (isspace((unsigned char)*what))
			what++;
		len = strlen(what);
		while (len > 0 && isspace((unsigned char)what[len - 1]))
			what[--len] = '\0';
		r = fn(arg, user, what);
	}
	free(text);
	return r;
}

struct map_file_arg {
	X509 *cert;
	char fp[2 * EVP_MAX_MD_SIZE + 1];
	char *subject;
	char *out;
	size_t outlen;
};

/* Whether the certificate file at path (cert:PATH) holds cert first. */
static int
map_file_cert(X509 *cert, const char *path)
{
	STACK_OF(X509) *certs = NULL;
	char *buf = NULL;
	size_t len;
	int same = 0;

	if (path[0] != '/' ||
	    px_read_file(path, PX_MAP_CERT_FILE_MAX,
	        PX_READ_NOFOLLOW | PX_READ_TRUSTED, &buf, &len) != 0)
		return 0;
	if (px_certs_parse((unsigned char *)buf, len, &certs) == 0)
		same = X509_cmp(sk_X509_value(certs, 0), cert) == 0;
	sk_X509_pop_free(certs, X509_free);
	free(buf);
	return same;
}

static int
map_file_line(void *arg, const char *user, const char *what)
{
	struct map_file_arg *a = arg;

	if ((strncasecmp(what, "sha256:", 7) == 0 &&
	        strcasecmp(what + 7, a->fp) == 0) ||
	    (a->subject != NULL && strncmp(what, "subject:", 8) == 0 &&
	        strcmp(what + 8, a->subject) == 0) ||
	    (strncmp(what, "cert:", 5) == 0 &&
	        map_file_cert(a->cert, what + 5)))
		return take((const unsigned char *)user, (int)strlen(user),
		           a->out, a->outlen)
		    ? 1
		    : 0;
	return 0;
}

/*
 * file:PATH — lines "USER sha256:HEX", "USER subject:DN" (RFC 4514, as
 * pkixctl prints subjects) or "USER cert:/PATH" (a certificate file, PEM or
 * DER, its first certificate; root's or the caller's like the mapping
 * file); '#' starts a comment.  The file must be root's (or the caller's)
 * and not writable by others.
 */
static int
map_file(X509 *cert, const char *path, char *out, size_t outlen)
{
	struct map_file_arg a;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	char *data;
	long sl;
	BIO *bio;
	int r;

	memset(&a, 0, sizeof(a));
	a.cert = cert;
	a.out = out;
	a.outlen = outlen;
	if (X509_digest(cert, EVP_sha256(), md, &n) != 1) {
		ERR_clear_error();
		return 0;
	}
	for (i = 0; i < n; i++)
		snprintf(a.fp + 2 * i, 3, "%02x", md[i]);
	if ((bio = BIO_new(BIO_s_mem())) != NULL) {
		if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
		        XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
		    (sl = BIO_get_mem_data(bio, &data)) > 0)
			a.subject = strndup(data, (size_t)sl);
		BIO_free(bio);
	}
	/* map_file_line() returns 1 at the first line that maps. */
	r = px_map_file_lines(path, map_file_line, &a);
	free(a.subject);
	ERR_clear_error();
	return r == 1;
}

/* One method: 1 and *out set when it gives a user name. */
static int
map_one(const struct px_config *cfg, const struct px_mapping *m, X509 *cert,
    const char *want, char *out, size_t outlen)
{
	switch (m->kind) {
	case PX_MAP_CN: return map_cn(cert, out, outlen);
	case PX_MAP_UPN: return map_san(cert, 1, cfg->upn_realms, out, outlen);
	case PX_MAP_EMAIL: return map_san(cert, 0, NULL, out, outlen);
	case PX_MAP_FILE: return map_file(cert, m->path, out, outlen);
	case PX_MAP_LDAP:
		if (px_ldap_map_user(cfg, want, cert, out, outlen) != 0)
			return 0;
		if (want != NULL)
			snprintf(out, outlen, "%s", want);
		return px_user_name_ok(out);
	}
	return 0;
}

int
px_map_user(const struct px_config *cfg, X509 *cert, const char *want,
    char *out, size_t outlen)
{
	char name[PX_USER_NAME_MAX];
	size_t i;
	int other = 0;

	if (outlen > 0)
		out[0] = '\0';
	if (want != NULL && !px_user_name_ok(want)) {
		px_warn("user name refused (characters or length)");
		return PX_ERR_USER_UNKNOWN;
	}
	for (i = 0; i < cfg->n_mapping; i++) {
		if (!map_one(
		        cfg, &cfg->mapping[i], cert, want, name, sizeof(name)))
			continue;
		if (getpwnam(name) == NULL) {
			px_debug("mapping %zu: %s is not a user here", i, name);
			continue;
		}
		if (want != NULL && strcmp(name, want) != 0) {
			other = 1;
			continue;
		}
		snprintf(out, outlen, "%s", name);
		return 0;
	}
	return other ? PX_ERR_WRONG_USER : PX_ERR_USER_UNKNOWN;
}
