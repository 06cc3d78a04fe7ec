/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The LDAP user mapping (DESIGN.md section 6, mapping = ldap) in the
 * retrieval helper: the same binds, timeouts and logging as the CRL
 * retrievals.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include "../common/log.h"
#include "../ldap/ldap.h"
#include "cache_int.h"
#include "net.h"

/* Serial in decimal and issuer in RFC 4514, for certificateExactMatch. */
static int
cert_ids(X509 *x, char **serialp, char **issuerp)
{
	BIGNUM *bn;
	BIO *bio;
	char *data;
	long len;

	*serialp = *issuerp = NULL;
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) != NULL)
		*serialp = BN_bn2dec(bn);
	BN_free(bn);
	if ((bio = BIO_new(BIO_s_mem())) != NULL &&
	    X509_NAME_print_ex(bio, X509_get_issuer_name(x), 0,
	        XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (len = BIO_get_mem_data(bio, &data)) > 0)
		*issuerp = strndup(data, (size_t)len);
	BIO_free(bio);
	return *serialp != NULL && *issuerp != NULL ? 0 : PX_ERR_NOMEM;
}

/* The connection and search settings of cfg, as every user request has. */
static void
user_request(const struct px_config *cfg, const char *user,
    struct px_ldap_user_request *req)
{
	memset(req, 0, sizeof(*req));
	req->conn.server = cfg->ldap_server;
	req->conn.max_size = 1024 * 1024;
	req->conn.timeout_ms = (long)cfg->url_timeout * 1000;
	req->conn.nocanon = cfg->ldap_sasl_nocanon;
	if (geteuid() == 0) {
		req->conn.keytab = cfg->ldap_keytab != NULL
		    ? cfg->ldap_keytab
		    : "/etc/krb5.keytab";
		req->conn.principal = cfg->ldap_principal;
	}
	req->base = cfg->ldap_user_base;
	req->filter = cfg->ldap_user_filter;
	req->user = user;
}

/* Logs and traces one user request as the retrievals are ("LDAP user
 * lookup", "ldap user lookup ... result=mapped"). */
static void
user_report(const struct px_config *cfg, const struct px_ldap_response *resp,
    int r, const char *what, const char *trace, const char *ok)
{
	if (resp->fallback[0] != '\0')
		px_warn("%s: %s; used %s", what, resp->fallback,
		    resp->bind[0] != '\0' ? resp->bind : "no bind");
	px_trace("%s %s bind=%s ms=%ld result=%s", trace,
	    resp->server[0] != '\0'        ? resp->server
	        : cfg->ldap_server != NULL ? cfg->ldap_server
	                                   : "(SRV)",
	    resp->bind[0] != '\0' ? resp->bind : "none", resp->ms,
	    r == 0 ? ok : px_strerror(r));
	if (r != 0 && resp->errmsg[0] != '\0')
		px_info("%s: %s", what, resp->errmsg);
}

int
px_net_map_user(const struct px_config *cfg, const char *user, X509 *cert,
    char *out, size_t outlen)
{
	struct px_ldap_user_request req;
	struct px_ldap_response resp;
	unsigned char *der = NULL;
	char *serial = NULL, *issuer = NULL;
	int len, r;

	if ((len = i2d_X509(cert, &der)) <= 0 ||
	    (r = cert_ids(cert, &serial, &issuer)) != 0) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	user_request(cfg, user, &req);
	req.cert = der;
	req.cert_len = (size_t)len;
	req.serial = serial;
	req.issuer = issuer;
	r = px_ldap_user(&req, &resp, out, outlen);
	user_report(
	    cfg, &resp, r, "LDAP user lookup", "ldap user lookup", "mapped");
out:
	OPENSSL_free(der);
	OPENSSL_free(serial);
	free(issuer);
	return r;
}

int
px_net_user_certs(const struct px_config *cfg, const char *user,
    int (*each)(void *arg, const unsigned char *der, size_t len), void *arg)
{
	struct px_ldap_user_request req;
	struct px_ldap_response resp;
	int r;

	user_request(cfg, user, &req);
	req.each = each;
	req.each_arg = arg;
	r = px_ldap_user_certs(&req, &resp);
	user_report(cfg, &resp, r, "LDAP user certificates",
	    "ldap user certificates", "found");
	return r;
}
