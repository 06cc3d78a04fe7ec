/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The LDAP transport (seed 003, "LDAP Server Retrieval"): one base-scope
 * search of an RFC 4516 URL with at most three binds — LDAPv3 SASL GSSAPI
 * with integrity and confidentiality, then anonymous LDAPv3, then anonymous
 * LDAPv2.  Built as a plugin (px_ldap.so) that cache/ loads on first use,
 * like the HTTP transport; it does not log: it returns a PX_ERR_*, a
 * message, and the fallbacks it made for the caller to log.
 */
#ifndef PX_LDAP_H
#define PX_LDAP_H

#include <stddef.h>

#include "../common/url.h"

#define PX_LDAP_MSG 256

struct px_ldap_request {
	const char *url;    /* ldap:// or ldaps:// (RFC 4516) */
	const char *server; /* for host-less URLs: host[:port] or URL */
	const char *const *default_attrs; /* when the URL names none */
	size_t max_size;       /* cap on the value (and the message) */
	long timeout_ms;       /* network and operation timeout */
	int nocanon;           /* service principal from the URL's host */
	const char *keytab;    /* machine context: client keytab, or NULL */
	const char *principal; /* with keytab: the client principal */
	/* Called with ldap_url_parse's reading of url before it is used. */
	px_url_hook_fn check_url; /* required */
	void *check_arg;
};

struct px_ldap_response {
	unsigned char *body; /* malloc()ed; free() it */
	size_t len;
	int values;       /* values the attribute had (the first is used) */
	char bind[24];    /* "gssapi", "anonymous-v3" or "anonymous-v2" */
	char server[320]; /* the server URI asked */
	long ms;
	char fallback[PX_LDAP_MSG]; /* why weaker binds were used, or "" */
	char errmsg[PX_LDAP_MSG];   /* why, when the call fails */
};

/*
 * Returns 0 with the first value of the first attribute found, else
 * PX_ERR_BAD_FORMAT (URL), PX_ERR_UNREACHABLE / PX_ERR_TIMEOUT (connection:
 * no further bind is tried), PX_ERR_NOT_FOUND (entry or attribute absent),
 * PX_ERR_NOT_ALLOWED (a referral: not chased), PX_ERR_TOO_BIG,
 * PX_ERR_NETWORK (every bind refused, or another LDAP error), PX_ERR_NOMEM.
 */
int px_ldap_fetch(
    const struct px_ldap_request *req, struct px_ldap_response *resp);

/*
 * The LDAP user mapping (mapping = ldap): with user set, whether the entry
 * found under base by filter (%u replaced by the user name, escaped per
 * RFC 4515) holds cert in userCertificate;binary; with user NULL, the
 * reverse: the one entry holding cert (certificateExactMatch on serial and
 * issuer, then compared byte for byte), whose name attribute — the one the
 * filter compares with %u — is returned.  Servers: conn.server, else the
 * domain's SRV records.  Same binds and timeouts as px_ldap_fetch().
 */
struct px_ldap_user_request {
	struct px_ldap_request conn; /* url unused */
	const char *base;            /* ldap_user_base */
	const char *filter;          /* ldap_user_filter, with %u */
	const char *user;            /* or NULL: find the user of cert */
	const unsigned char *cert;   /* DER */
	size_t cert_len;
	const char *serial; /* decimal, for the reverse lookup */
	const char *issuer; /* RFC 4514, for the reverse lookup */
	/* Listing (px_ldap_user_certs()): called for each value of the
	 * user's userCertificate;binary; a non-zero return stops. */
	int (*each)(void *arg, const unsigned char *der, size_t len);
	void *each_arg;
};

/*
 * Returns 0 (mapped; for a reverse lookup the name is in user, of size
 * ulen), PX_ERR_NOT_FOUND (no such user, or the certificate is not
 * theirs), PX_ERR_INVALID_ARG (several entries match; a bad name), or a
 * connection error as px_ldap_fetch().
 */
int px_ldap_user(const struct px_ldap_user_request *req,
    struct px_ldap_response *resp, char *user, size_t ulen);

/*
 * The certificates of user's entry (req->user, req->each set; req->cert
 * unused): each value of its userCertificate;binary, at most
 * PX_LDAP_USER_CERTS_MAX.  Returns 0 (none is no error), PX_ERR_NOT_FOUND
 * (no entry), PX_ERR_INVALID_ARG (several entries) or as px_ldap_fetch().
 */
#define PX_LDAP_USER_CERTS_MAX 64
int px_ldap_user_certs(
    const struct px_ldap_user_request *req, struct px_ldap_response *resp);

#endif
