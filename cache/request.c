/* SPDX-License-Identifier: BSD-2-Clause */
/* Building the HTTP and LDAP requests of a retrieval, and taking the
 * response headers into the metadata. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../http/http.h"
#include "../ldap/ldap.h"
#include "cache_int.h"
#include "headers.h"

/*
 * One LDAP retrieval, its answer put in resp as an HTTP 200 would be, the
 * bind used in bind.  Fallbacks to weaker binds are logged as warnings.
 */
int
px_req_ldap(struct px_cache *c, const char *url, enum px_kind kind,
    long timeout_ms, struct px_http_response *resp, char *bind, size_t blen)
{
	static const char *const crl_attrs[] = {
		"certificateRevocationList;binary",
		"authorityRevocationList;binary", NULL
	};
	static const char *const cert_attrs[] = { "cACertificate;binary",
		"cACertificate", NULL };
	struct px_ldap_request req;
	struct px_ldap_response lr;
	int r;

	memset(resp, 0, sizeof(*resp));
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.server = c->cfg->ldap_server;
	req.default_attrs = kind == PX_KIND_CERT ? cert_attrs : crl_attrs;
	req.max_size = c->cfg->max_object_size;
	req.timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	req.nocanon = c->cfg->ldap_sasl_nocanon;
	req.check_url = px_url_hook;
	req.check_arg = (void *)c->cfg;
	/* The machine context binds with the host's keytab; a user's process
	 * with the user's credential cache. */
	if (geteuid() == 0) {
		req.keytab = c->cfg->ldap_keytab != NULL ? c->cfg->ldap_keytab
		                                         : "/etc/krb5.keytab";
		req.principal = c->cfg->ldap_principal;
	}
	r = px_ldap_fetch(&req, &lr);
	if (lr.fallback[0] != '\0')
		px_warn("%s: %s; used %s", url, lr.fallback,
		    lr.bind[0] != '\0' ? lr.bind : "no bind");
	snprintf(bind, blen, "%s", lr.bind);
	resp->ms = lr.ms;
	if (r != 0) {
		snprintf(resp->errmsg, sizeof(resp->errmsg), "%s", lr.errmsg);
		px_warn("%s: %s", url, lr.errmsg);
		return r;
	}
	if (lr.values > 1)
		px_info("%s: %d values; the first is used", url, lr.values);
	resp->status = 200;
	resp->body = lr.body;
	resp->len = lr.len;
	return 0;
}

/* Moves a header value into the metadata when it was sent and parses
 * (ok: its syntax check); a value that does not parse is dropped. */
static void
req_take(char **dst, char **src, int (*ok)(const char *))
{
	if (*src == NULL)
		return;
	free(*dst);
	*dst = NULL;
	if (ok(*src))
		*dst = *src;
	else
		free(*src);
	*src = NULL;
}

static int
req_date_ok(const char *v)
{
	time_t t;

	return px_hdr_date(v, &t) == 0;
}

/*
 * Takes the response headers into m (the response keeps nothing).  A
 * header that was not sent leaves m's value: a 304 without Cache-Control
 * keeps the max-age the object came with.
 */
void
px_req_take_headers(
    struct px_meta *m, struct px_http_response *resp, time_t now)
{
	time_t had, got;

	req_take(&m->etag, &resp->etag, px_hdr_etag_ok);
	req_take(&m->last_modified, &resp->last_modified, req_date_ok);
	/* A Date never goes back (a 304 from a stale proxy): the Date rule
	 * of cache/refresh.c compares with the latest one seen. */
	if (px_hdr_date(m->date, &had) == 0 &&
	    px_hdr_date(resp->date, &got) == 0 && got < had) {
		free(resp->date);
		resp->date = NULL;
	}
	req_take(&m->date, &resp->date, req_date_ok);
	req_take(&m->via, &resp->via, px_hdr_text_ok);
	if (resp->cache_control != NULL)
		m->max_age = px_hdr_max_age(resp->cache_control);
	m->fetched_at = now;
}

int
px_req_http(struct px_cache *c, const char *url, const struct px_fetch *f,
    const struct entry *e, long cache_max_age, int conditional, long timeout_ms,
    struct px_http_response *resp)
{
	struct px_http_request req;
	char ua[64];
	int r;

	snprintf(ua, sizeof(ua), "pam_pkix/%s", PACKAGE_VERSION);
	memset(&req, 0, sizeof(req));
	req.url = url;
	if (conditional && HAVE(e)) {
		/* Seed 003: If-None-Match when an ETag is known, never both. */
		if (e->meta.etag != NULL)
			req.if_none_match = e->meta.etag;
		else
			req.if_modified_since = e->meta.last_modified;
	}
	req.cache_max_age = cache_max_age;
	if (f != NULL) {
		req.url = f->url;
		req.post_type = f->post_type;
		req.post_body = f->post;
		req.post_len = f->post_len;
		req.if_none_match = req.if_modified_since = NULL;
	}
	req.max_size = c->cfg->max_object_size;
	req.timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	req.proxy = c->cfg->proxy;
	req.user_agent = ua;
	req.check_url = px_url_hook;
	req.check_arg = (void *)c->cfg;
	r = px_http_fetch(&req, resp);
	if (r != 0)
		px_warn("%s: %s", url, resp->errmsg);
	return r;
}
