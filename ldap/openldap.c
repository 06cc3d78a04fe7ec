/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The LDAP transport on OpenLDAP's libldap, Cyrus SASL and MIT Kerberos
 * GSSAPI (the retrieval helper only).
 */
#include "config.h"

#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <lber.h>
#include <ldap.h>
#include <sasl/sasl.h>

#include "../common/err.h"
#include "../common/log.h"
#include "ldap.h"

enum bind_kind { BIND_GSSAPI, BIND_ANON_V3, BIND_ANON_V2 };

static const char *const bind_names[] = { "gssapi", "anonymous-v3",
	"anonymous-v2" };

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Network failures: the URL goes offline, no weaker bind is tried. */
static int
is_network(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT ||
	    rc == LDAP_CONNECT_ERROR;
}

static int
map_network(int rc)
{
	return rc == LDAP_TIMEOUT ? PX_ERR_TIMEOUT : PX_ERR_UNREACHABLE;
}

/* Cyrus SASL asks nothing of us for GSSAPI; answer defaults. */
static int
interact(LDAP *ld, unsigned flags, void *defaults, void *in)
{
	sasl_interact_t *it;

	for (it = in; it->id != SASL_CB_LIST_END; it++) {
		it->result = it->defresult != NULL ? it->defresult : "";
		it->len = (unsigned)strlen(it->result);
	}
	return LDAP_SUCCESS;
}

/* Opens a connection object (no traffic yet) with our options. */
static int
open_ld(const char *uri, int version, const struct px_ldap_request *req,
    long deadline, LDAP **ldp, struct px_ldap_response *resp)
{
	struct timeval tv;
	long left = deadline - now_ms();
	LDAP *ld = NULL;
	int rc;

	*ldp = NULL;
	if (left < 1)
		left = 1;
	tv.tv_sec = left / 1000;
	tv.tv_usec = (left % 1000) * 1000;
	if ((rc = ldap_initialize(&ld, uri)) != LDAP_SUCCESS) {
		snprintf(resp->errmsg, sizeof(resp->errmsg), "%.200s: %s", uri,
		    ldap_err2string(rc));
		return PX_ERR_BAD_FORMAT;
	}
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != 0 ||
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != 0 ||
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) != 0 ||
	    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != 0 ||
	    ldap_set_option(ld, LDAP_OPT_X_SASL_NOCANON,
	        req->nocanon ? LDAP_OPT_ON : LDAP_OPT_OFF) != 0) {
		ldap_unbind_ext_s(ld, NULL, NULL);
		return PX_ERR_NOMEM;
	}
	*ldp = ld;
	return 0;
}

#define PX_GSS_CCACHE "MEMORY:pam_pkix_ldap"

/*
 * Machine context: initial credentials from the keytab into a memory
 * credential cache of this process (never a file).
 */
static int
keytab_creds(const struct px_ldap_request *req, char *msg, size_t len)
{
	gss_key_value_element_desc el[2] = {
		{ "client_keytab", req->keytab },
		{ "ccache", PX_GSS_CCACHE },
	};
	gss_key_value_set_desc store = { 2, el };
	gss_buffer_desc buf;
	gss_name_t name = GSS_C_NO_NAME;
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	OM_uint32 major, minor;

	if (access(req->keytab, R_OK) != 0) {
		snprintf(msg, len, "no keytab %s", req->keytab);
		return -1;
	}
	if (req->principal != NULL) {
		buf.value = (void *)req->principal;
		buf.length = strlen(req->principal);
		major = gss_import_name(
		    &minor, &buf, GSS_KRB5_NT_PRINCIPAL_NAME, &name);
		if (GSS_ERROR(major)) {
			snprintf(msg, len, "bad ldap_principal");
			return -1;
		}
	}
	major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE,
	    GSS_C_NO_OID_SET, GSS_C_INITIATE, &store, &cred, NULL, NULL);
	gss_release_name(&minor, &name);
	gss_release_cred(&minor, &cred);
	if (GSS_ERROR(major)) {
		snprintf(
		    msg, len, "no Kerberos credentials from %s", req->keytab);
		return -1;
	}
	return 0;
}

/*
 * One bind.  Returns the LDAP result code; for GSSAPI also checks that
 * the exchange is signed and sealed (SSF > 1).
 */
static int
do_bind(LDAP *ld, enum bind_kind kind, const struct px_ldap_request *req,
    char *msg, size_t len)
{
	struct berval empty = { 0, (char *)"" };
	const char *prev = NULL;
	char saved[256] = "";
	OM_uint32 minor;
	ber_len_t ssf = 0;
	int rc, switched = 0;

	if (kind != BIND_GSSAPI)
		return ldap_sasl_bind_s(
		    ld, "", LDAP_SASL_SIMPLE, &empty, NULL, NULL, NULL);
	if (req->keytab != NULL) {
		if (keytab_creds(req, msg, len) != 0)
			return LDAP_LOCAL_ERROR;
		/* The SASL GSSAPI plugin uses this thread's default cache:
		 * point it at ours for the bind, then back. */
		if (GSS_ERROR(
		        gss_krb5_ccache_name(&minor, PX_GSS_CCACHE, &prev)))
			return LDAP_LOCAL_ERROR;
		if (prev != NULL)
			snprintf(saved, sizeof(saved), "%s", prev);
		switched = 1;
	}
	/* Integrity and confidentiality, or nothing. */
	if (ldap_set_option(ld, LDAP_OPT_X_SASL_SECPROPS,
	        "minssf=56,noplain,noanonymous") != 0)
		rc = LDAP_LOCAL_ERROR;
	else
		rc = ldap_sasl_interactive_bind_s(ld, NULL, "GSSAPI", NULL,
		    NULL, LDAP_SASL_QUIET, interact, NULL);
	if (switched)
		(void)gss_krb5_ccache_name(
		    &minor, saved[0] != '\0' ? saved : NULL, NULL);
	if (rc == LDAP_SUCCESS &&
	    (ldap_get_option(ld, LDAP_OPT_X_SASL_SSF, &ssf) != 0 || ssf <= 1)) {
		snprintf(msg, len, "GSSAPI bind without a security layer");
		return LDAP_STRONG_AUTH_REQUIRED;
	}
	return rc;
}

/* The first value of the first attribute present.  Returns 0 or PX_ERR. */
static int
take_value(LDAP *ld, LDAPMessage *res, char **attrs,
    const struct px_ldap_request *req, struct px_ldap_response *resp)
{
	LDAPMessage *e = ldap_first_entry(ld, res);
	struct berval **vals;
	int i, n, r = PX_ERR_NOT_FOUND;

	if (e == NULL) {
		snprintf(resp->errmsg, sizeof(resp->errmsg), "no entry");
		return PX_ERR_NOT_FOUND;
	}
	for (i = 0; attrs[i] != NULL && r == PX_ERR_NOT_FOUND; i++) {
		if ((vals = ldap_get_values_len(ld, e, attrs[i])) == NULL)
			continue;
		n = ldap_count_values_len(vals);
		if (n > 0 && vals[0]->bv_len > 0) {
			if (vals[0]->bv_len > req->max_size) {
				snprintf(resp->errmsg, sizeof(resp->errmsg),
				    "%s: value of %lu bytes, over the limit of "
				    "%zu",
				    attrs[i], (unsigned long)vals[0]->bv_len,
				    req->max_size);
				r = PX_ERR_TOO_BIG;
			} else if ((resp->body = malloc(vals[0]->bv_len + 1)) ==
			    NULL) {
				r = PX_ERR_NOMEM;
			} else {
				memcpy(resp->body, vals[0]->bv_val,
				    vals[0]->bv_len);
				resp->body[vals[0]->bv_len] = '\0';
				resp->len = vals[0]->bv_len;
				resp->values = n;
				r = 0;
			}
		}
		ldap_value_free_len(vals);
	}
	if (r == PX_ERR_NOT_FOUND)
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "no value of the attribute%s asked for",
		    attrs[1] != NULL ? "s" : "");
	return r;
}

/*
 * Binds to one server: GSSAPI, anonymous LDAPv3, anonymous LDAPv2, each
 * refusal noted in resp->fallback.  Returns 0 with *ldp bound, a network
 * error (no weaker bind is tried), or PX_ERR_NETWORK (all refused).
 */
static int
bind_server(const char *uri, const struct px_ldap_request *req, long deadline,
    struct px_ldap_response *resp, LDAP **ldp)
{
	static const int versions[] = { LDAP_VERSION3, LDAP_VERSION3,
		LDAP_VERSION2 };
	Sockbuf *sb = NULL;
	ber_len_t maxin = req->max_size + 65536;
	char why[160] = "", one[200];
	LDAP *ld = NULL;
	int k, rc, r;

	*ldp = NULL;
	for (k = BIND_GSSAPI; k <= BIND_ANON_V2; k++) {
		if ((r = open_ld(uri, versions[k], req, deadline, &ld, resp)) !=
		    0)
			return r;
		why[0] = '\0';
		rc = do_bind(ld, (enum bind_kind)k, req, why, sizeof(why));
		if (rc == LDAP_SUCCESS)
			break;
		if (is_network(rc)) {
			snprintf(resp->errmsg, sizeof(resp->errmsg),
			    "%.200s: %s bind: %s (%d)", uri, bind_names[k],
			    ldap_err2string(rc), rc);
			ldap_unbind_ext_s(ld, NULL, NULL);
			return map_network(rc);
		}
		/* Refused: the next, weaker bind (seed 003), noted. */
		snprintf(one, sizeof(one), "%s%s bind refused: %s (%d)%s%.100s",
		    resp->fallback[0] != '\0' ? "; " : "", bind_names[k],
		    ldap_err2string(rc), rc, why[0] != '\0' ? ", " : "", why);
		strncat(resp->fallback, one,
		    sizeof(resp->fallback) - strlen(resp->fallback) - 1);
		ldap_unbind_ext_s(ld, NULL, NULL);
		ld = NULL;
	}
	if (ld == NULL) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "%.200s: every bind was refused", uri);
		return PX_ERR_NETWORK;
	}
	snprintf(resp->bind, sizeof(resp->bind), "%s", bind_names[k]);
	/* A reply larger than the cap is not read into memory. */
	if (ldap_get_option(ld, LDAP_OPT_SOCKBUF, &sb) == 0 && sb != NULL)
		(void)ber_sockbuf_ctrl(
		    sb, LBER_SB_OPT_SET_MAX_INCOMING, &maxin);
	*ldp = ld;
	return 0;
}

static void
op_timeout(long deadline, struct timeval *tv)
{
	long left = deadline - now_ms();

	tv->tv_sec = left > 1 ? left / 1000 : 0;
	tv->tv_usec = left > 1 ? (left % 1000) * 1000 : 1000;
}

/* Maps the result of a search to a PX_ERR_* with a message. */
static int
search_error(int rc, const char *uri, struct px_ldap_response *resp)
{
	if (is_network(rc)) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "%.200s: search: %s", uri, ldap_err2string(rc));
		return map_network(rc);
	}
	if (rc == LDAP_REFERRAL) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "%.200s: the server returned a referral; not chased", uri);
		return PX_ERR_NOT_ALLOWED;
	}
	if (rc == LDAP_NO_SUCH_OBJECT) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "%.200s: no such entry", uri);
		return PX_ERR_NOT_FOUND;
	}
	snprintf(resp->errmsg, sizeof(resp->errmsg), "%.200s: search: %s (%d)",
	    uri, ldap_err2string(rc), rc);
	return PX_ERR_NETWORK;
}

/*
 * Bind (three ways at most) and search one server.  Returns 0, a network
 * error (try no weaker bind; the next server may answer), or another.
 */
static int
try_server(const char *uri, const char *dn, char **attrs,
    const struct px_ldap_request *req, long deadline,
    struct px_ldap_response *resp)
{
	struct timeval tv;
	LDAPMessage *res = NULL;
	LDAP *ld = NULL;
	int rc, r;

	if ((r = bind_server(uri, req, deadline, resp, &ld)) != 0)
		return r;
	op_timeout(deadline, &tv);
	/* Scope base whatever the URL says (seed 003); the DN pins it. */
	rc = ldap_search_ext_s(ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    attrs, 0, NULL, NULL, &tv, 2, &res);
	r = rc == LDAP_SUCCESS ? take_value(ld, res, attrs, req, resp)
	                       : search_error(rc, uri, resp);
	if (r == 0 && res != NULL && ldap_count_references(ld, res) > 0 &&
	    resp->len == 0)
		r = PX_ERR_NOT_ALLOWED;
	ldap_msgfree(res);
	ldap_unbind_ext_s(ld, NULL, NULL);
	return r;
}

/* The machine's DNS domain, for SRV lookups of host-less URLs. */
static int
dns_domain(char *buf, size_t len)
{
	struct addrinfo hints, *ai = NULL;
	char host[256];
	const char *dot;

	if (gethostname(host, sizeof(host)) != 0)
		return -1;
	host[sizeof(host) - 1] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	if (strchr(host, '.') == NULL &&
	    getaddrinfo(host, NULL, &hints, &ai) == 0 && ai->ai_canonname)
		snprintf(host, sizeof(host), "%s", ai->ai_canonname);
	if (ai != NULL)
		freeaddrinfo(ai);
	if ((dot = strchr(host, '.')) == NULL || dot[1] == '\0')
		return -1;
	snprintf(buf, len, "%s", dot + 1);
	return 0;
}

/* Whether s holds a byte that has no place in a DN from a certificate. */
static int
bad_dn(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * The servers of a host-less URL or of the user mapping, in order:
 * ldap_server, else the domain's SRV records (at most 8), the next tried
 * only when the previous could not be reached.  Calls fn for each.
 */
static int
each_server(const char *server, const char *scheme,
    int (*fn)(const char *uri, void *arg), void *arg,
    struct px_ldap_response *resp)
{
	char uri[300], domain[256], *list = NULL, *save = NULL, *h;
	int r = PX_ERR_UNREACHABLE, n;

	if (server != NULL) {
		if (strstr(server, "://") != NULL)
			snprintf(uri, sizeof(uri), "%s", server);
		else
			snprintf(uri, sizeof(uri), "%s://%s", scheme, server);
		r = fn(uri, arg);
		snprintf(resp->server, sizeof(resp->server), "%s", uri);
		return r;
	}
	if (dns_domain(domain, sizeof(domain)) != 0 ||
	    ldap_domain2hostlist(domain, &list) != LDAP_SUCCESS ||
	    list == NULL) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "no ldap_server and no _ldap._tcp SRV record for the "
		    "machine's domain");
		return PX_ERR_UNREACHABLE;
	}
	for (n = 0, h = strtok_r(list, " ", &save); h != NULL && n < 8;
	     h = strtok_r(NULL, " ", &save), n++) {
		snprintf(uri, sizeof(uri), "%s://%s", scheme, h);
		r = fn(uri, arg);
		snprintf(resp->server, sizeof(resp->server), "%s", uri);
		if (r != PX_ERR_UNREACHABLE && r != PX_ERR_TIMEOUT)
			break;
	}
	ldap_memfree(list);
	return r;
}

struct fetch_args {
	const char *dn;
	char **attrs;
	const struct px_ldap_request *req;
	long deadline;
	struct px_ldap_response *resp;
};

static int
fetch_one(const char *uri, void *arg)
{
	struct fetch_args *a = arg;

	return try_server(uri, a->dn, a->attrs, a->req, a->deadline, a->resp);
}

int
px_ldap_fetch(const struct px_ldap_request *req, struct px_ldap_response *resp)
{
	LDAPURLDesc *lud = NULL;
	struct fetch_args a;
	char uri[300];
	char **attrs;
	const char *scheme;
	long t0 = now_ms(), deadline = t0 + req->timeout_ms;
	int r, rc;

	memset(resp, 0, sizeof(*resp));
	if ((rc = ldap_url_parse(req->url, &lud)) != LDAP_URL_SUCCESS) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "not an LDAP URL (RFC 4516): error %d", rc);
		return PX_ERR_BAD_FORMAT;
	}
	/* The caller checked the URL with its parser: both must agree. */
	scheme = lud->lud_scheme != NULL ? lud->lud_scheme : "ldap";
	if ((r = req->check_url(req->check_arg, req->url, scheme,
	         lud->lud_host != NULL ? lud->lud_host : "",
	         lud->lud_port != 0                 ? lud->lud_port
	             : strcmp(scheme, "ldaps") == 0 ? 636
	                                            : 389,
	         resp->errmsg, sizeof(resp->errmsg))) != 0)
		goto out;
	if (lud->lud_exts != NULL || lud->lud_dn == NULL ||
	    lud->lud_dn[0] == '\0' || bad_dn(lud->lud_dn)) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "LDAP URL without a usable DN, or with extensions");
		r = PX_ERR_BAD_FORMAT;
		goto out;
	}
	attrs = lud->lud_attrs != NULL ? lud->lud_attrs
	                               : (char **)req->default_attrs;
	if (lud->lud_host != NULL && lud->lud_host[0] != '\0') {
		snprintf(uri, sizeof(uri), "%s://%s:%d", scheme, lud->lud_host,
		    lud->lud_port != 0                 ? lud->lud_port
		        : strcmp(scheme, "ldaps") == 0 ? 636
		                                       : 389);
		r = try_server(uri, lud->lud_dn, attrs, req, deadline, resp);
		snprintf(resp->server, sizeof(resp->server), "%s", uri);
		goto out;
	}
	/* Host-less (an Active Directory URL): ldap_server, else DNS SRV. */
	a.dn = lud->lud_dn;
	a.attrs = attrs;
	a.req = req;
	a.deadline = deadline;
	a.resp = resp;
	r = each_server(req->server, scheme, fetch_one, &a, resp);
out:
	resp->ms = now_ms() - t0;
	ldap_free_urldesc(lud);
	return r;
}

/* ---- the user mapping ---- */

/* RFC 4515 escaping of an assertion value.  Returns 0 or -1 (too long, or
 * a control character: no user name or DN has one). */
static int
filter_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in != '\0'; in++) {
		if ((unsigned char)*in < 0x20 || *in == 0x7f)
			return -1;
		if (o + 4 >= len)
			return -1;
		if (*in == '*' || *in == '(' || *in == ')' || *in == '\\')
			o += (size_t)snprintf(
			    out + o, len - o, "\\%02x", (unsigned char)*in);
		else
			out[o++] = *in;
	}
	out[o] = '\0';
	return 0;
}

/* The filter template with every %u replaced by value (already escaped). */
static int
expand(const char *tmpl, const char *value, char *out, size_t len)
{
	size_t o = 0, vl = strlen(value);

	for (; *tmpl != '\0'; tmpl++) {
		if (tmpl[0] == '%' && tmpl[1] == 'u') {
			if (o + vl >= len)
				return -1;
			memcpy(out + o, value, vl);
			o += vl;
			tmpl++;
			continue;
		}
		if (o + 1 >= len)
			return -1;
		out[o++] = *tmpl;
	}
	out[o] = '\0';
	return 0;
}

/* The attribute compared with %u in the template ("uid" of "(uid=%u)"). */
static int
name_attr(const char *tmpl, char *out, size_t len)
{
	const char *u = strstr(tmpl, "=%u)"), *a;

	if (u == NULL)
		return -1;
	for (a = u; a > tmpl && a[-1] != '('; a--)
		;
	if (a == u || (size_t)(u - a) >= len)
		return -1;
	memcpy(out, a, (size_t)(u - a));
	out[u - a] = '\0';
	return 0;
}

static int
has_cert(LDAP *ld, LDAPMessage *e, const struct px_ldap_user_request *req)
{
	struct berval **vals;
	int i, found = 0;

	if ((vals = ldap_get_values_len(ld, e, "userCertificate;binary")) ==
	    NULL)
		return 0;
	for (i = 0; vals[i] != NULL && !found; i++)
		found = vals[i]->bv_len == req->cert_len &&
		    memcmp(vals[i]->bv_val, req->cert, req->cert_len) == 0;
	ldap_value_free_len(vals);
	return found;
}

/* Each userCertificate;binary value of e, for px_ldap_user_certs(). */
static int
list_certs(LDAP *ld, LDAPMessage *e, const struct px_ldap_user_request *req)
{
	struct berval **vals;
	int i, r = 0;

	if ((vals = ldap_get_values_len(ld, e, "userCertificate;binary")) ==
	    NULL)
		return 0;
	for (i = 0; vals[i] != NULL && r == 0; i++) {
		if (i == PX_LDAP_USER_CERTS_MAX) {
			px_warn("LDAP: more than %d certificates in the user's "
			        "entry: only the first %d are used",
			    PX_LDAP_USER_CERTS_MAX, PX_LDAP_USER_CERTS_MAX);
			break;
		}
		r = req->each(req->each_arg,
		    (const unsigned char *)vals[i]->bv_val, vals[i]->bv_len);
	}
	ldap_value_free_len(vals);
	return r;
}

static int
user_on_server(const char *uri, const struct px_ldap_user_request *req,
    long deadline, struct px_ldap_response *resp, char *user, size_t ulen)
{
	char esc[1200], filter[2600], users[1200], attr[64], gser[700];
	char issuer[600];
	char *attrs[3] = { (char *)"userCertificate;binary", NULL, NULL };
	struct berval **vals;
	struct timeval tv;
	LDAPMessage *res = NULL, *e;
	LDAP *ld = NULL;
	const char *p;
	size_t o;
	int rc, r, n = 0;

	if (name_attr(req->filter, attr, sizeof(attr)) != 0) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "ldap_user_filter has no (attribute=%%u)");
		return PX_ERR_INVALID_ARG;
	}
	if (req->user != NULL) {
		if (filter_escape(req->user, esc, sizeof(esc)) != 0 ||
		    expand(req->filter, esc, filter, sizeof(filter)) != 0) {
			snprintf(resp->errmsg, sizeof(resp->errmsg),
			    "user name unusable in a filter");
			return PX_ERR_INVALID_ARG;
		}
	} else {
		/* certificateExactMatch: GSER, its quotes doubled, then
		 * escaped for the filter. */
		for (p = req->issuer, o = 0;
		     *p != '\0' && o + 2 < sizeof(issuer); p++) {
			if (*p == '"')
				issuer[o++] = '"';
			issuer[o++] = *p;
		}
		issuer[o] = '\0';
		snprintf(gser, sizeof(gser),
		    "{ serialNumber %s, issuer rdnSequence:\"%s\" }",
		    req->serial, issuer);
		/* Users of the template (%u = any) holding the certificate. */
		if (filter_escape(gser, esc, sizeof(esc)) != 0 ||
		    expand(req->filter, "*", users, sizeof(users)) != 0 ||
		    (size_t)snprintf(filter, sizeof(filter),
		        "(&%s(userCertificate=%s))", users,
		        esc) >= sizeof(filter)) {
			snprintf(resp->errmsg, sizeof(resp->errmsg),
			    "certificate unusable in a filter");
			return PX_ERR_INVALID_ARG;
		}
		attrs[1] = attr;
	}
	if ((r = bind_server(uri, &req->conn, deadline, resp, &ld)) != 0)
		return r;
	op_timeout(deadline, &tv);
	rc = ldap_search_ext_s(ld, req->base, LDAP_SCOPE_SUBTREE, filter, attrs,
	    0, NULL, NULL, &tv, 16, &res);
	if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
		r = search_error(rc, uri, resp);
		goto out;
	}
	r = PX_ERR_NOT_FOUND;
	for (e = ldap_first_entry(ld, res); e != NULL;
	     e = ldap_next_entry(ld, e)) {
		if (req->user != NULL) {
			/* The filter names one user: any entry of theirs. */
			if (++n > 1) {
				r = PX_ERR_INVALID_ARG;
				break;
			}
			if (req->each != NULL)
				r = list_certs(ld, e, req);
			else if (has_cert(ld, e, req))
				r = 0;
			continue;
		}
		if (!has_cert(ld, e, req))
			continue;
		if (++n > 1) {
			r = PX_ERR_INVALID_ARG;
			break;
		}
		vals = ldap_get_values_len(ld, e, attr);
		if (vals != NULL && vals[0] != NULL && vals[0]->bv_len < ulen &&
		    memchr(vals[0]->bv_val, '\0', vals[0]->bv_len) == NULL) {
			memcpy(user, vals[0]->bv_val, vals[0]->bv_len);
			user[vals[0]->bv_len] = '\0';
			r = 0;
		}
		ldap_value_free_len(vals);
	}
	if (r == PX_ERR_INVALID_ARG)
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "several entries match; refusing to choose");
	else if (r == PX_ERR_NOT_FOUND)
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    req->user != NULL
		        ? "no entry for that user holds this certificate"
		        : "no entry holds this certificate");
out:
	ldap_msgfree(res);
	ldap_unbind_ext_s(ld, NULL, NULL);
	return r;
}

struct user_args {
	const struct px_ldap_user_request *req;
	long deadline;
	struct px_ldap_response *resp;
	char *user;
	size_t ulen;
};

static int
user_one(const char *uri, void *arg)
{
	struct user_args *a = arg;

	return user_on_server(
	    uri, a->req, a->deadline, a->resp, a->user, a->ulen);
}

int
px_ldap_user(const struct px_ldap_user_request *req,
    struct px_ldap_response *resp, char *user, size_t ulen)
{
	struct user_args a;
	long t0 = now_ms(), deadline = t0 + req->conn.timeout_ms;
	int r;

	memset(resp, 0, sizeof(*resp));
	if (user != NULL && ulen > 0)
		user[0] = '\0';
	if (req->base == NULL || req->filter == NULL ||
	    (req->cert == NULL && req->each == NULL)) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "ldap_user_base and ldap_user_filter are needed");
		return PX_ERR_INVALID_ARG;
	}
	a.req = req;
	a.deadline = deadline;
	a.resp = resp;
	a.user = user;
	a.ulen = ulen;
	r = each_server(req->conn.server, "ldap", user_one, &a, resp);
	resp->ms = now_ms() - t0;
	return r;
}

int
px_ldap_user_certs(
    const struct px_ldap_user_request *req, struct px_ldap_response *resp)
{
	if (req->user == NULL || req->each == NULL) {
		memset(resp, 0, sizeof(*resp));
		return PX_ERR_INVALID_ARG;
	}
	return px_ldap_user(req, resp, NULL, 0);
}
