/* SPDX-License-Identifier: BSD-2-Clause */
/* The HTTP transport on libcurl (the retrieval helper only). */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "../common/err.h"
#include "http.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_result = CURLE_FAILED_INIT;

static void
global_init(void)
{
	init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct sink {
	unsigned char *buf;
	size_t len, cap, max;
	int too_big;
};

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb, ncap;
	unsigned char *nb;

	/* The cap is checked before the buffer grows. */
	if (n > s->max - s->len) {
		s->too_big = 1;
		return 0;
	}
	if (s->len + n + 1 > s->cap) {
		ncap = s->cap == 0 ? 16384 : s->cap;
		while (ncap < s->len + n + 1)
			ncap *= 2;
		if (ncap > s->max + 1)
			ncap = s->max + 1;
		if ((nb = realloc(s->buf, ncap)) == NULL)
			return 0;
		s->buf = nb;
		s->cap = ncap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return n;
}

/* Returns a copy of the last value of header name, or NULL when absent
 * or longer than the project keeps (the same cap where it is sent). */
static char *
header(CURL *h, const char *name)
{
	struct curl_header *hv = NULL;

	if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hv) != CURLHE_OK ||
	    hv == NULL || hv->value == NULL ||
	    strlen(hv->value) > PX_HTTP_HEADER_MAX)
		return NULL;
	return strdup(hv->value);
}

/* Appends "name: value"; returns 0, PX_ERR_NOMEM, or PX_ERR_TOO_BIG for a
 * value over PX_HTTP_HEADER_MAX (never sent cut short). */
static int
append(struct curl_slist **l, const char *name, const char *value)
{
	struct curl_slist *t;
	char line[PX_HTTP_HEADER_MAX + 64];

	if (strlen(value) > PX_HTTP_HEADER_MAX)
		return PX_ERR_TOO_BIG;
	/* "Name:" with nothing after it removes a header libcurl adds. */
	snprintf(line, sizeof(line), "%s:%s%s", name,
	    value[0] != '\0' ? " " : "", value);
	if ((t = curl_slist_append(*l, line)) == NULL)
		return PX_ERR_NOMEM;
	*l = t;
	return 0;
}

/*
 * Hands url, with libcurl's own reading of it, to the caller's check.  A
 * URL that libcurl cannot parse, or that is not http or https, goes no
 * further.
 */
static int
check_hop(const struct px_http_request *req, const char *url,
    struct px_http_response *resp)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *port = NULL;
	size_t hl;
	int r = PX_ERR_BAD_URL;

	if ((u = curl_url()) == NULL)
		return PX_ERR_NOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	        CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "URL refused: libcurl cannot parse it");
		goto out;
	}
	if (strcasecmp(scheme, "http") != 0 &&
	    strcasecmp(scheme, "https") != 0) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "URL not allowed: scheme %.16s is not http or https",
		    scheme);
		r = PX_ERR_NOT_ALLOWED;
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	        CURLUE_OK) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "URL refused: libcurl cannot parse it");
		goto out;
	}
	/* libcurl gives an IPv6 literal in brackets. */
	hl = strlen(host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	r = req->check_url(req->check_arg, url, scheme, host, atol(port),
	    resp->errmsg, sizeof(resp->errmsg));
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return r;
}

static int
is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 ||
	    status == 307 || status == 308;
}

static int
map_curl(CURLcode c)
{
	switch (c) {
	case CURLE_OK: return 0;
	case CURLE_OPERATION_TIMEDOUT: return PX_ERR_TIMEOUT;
	case CURLE_OUT_OF_MEMORY: return PX_ERR_NOMEM;
	case CURLE_FILESIZE_EXCEEDED: return PX_ERR_TOO_BIG;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT: return PX_ERR_UNREACHABLE;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_TOO_MANY_REDIRECTS: return PX_ERR_NOT_ALLOWED;
	default: return PX_ERR_NETWORK;
	}
}

int
px_http_fetch(const struct px_http_request *req, struct px_http_response *resp)
{
	char errbuf[CURL_ERROR_SIZE] = "", *url = NULL, *next;
	struct curl_slist *hdrs = NULL;
	struct sink s = { NULL, 0, 0, req->max_size, 0 };
	CURL *h = NULL;
	CURLcode c = CURLE_OK;
	curl_off_t us = 0;
	long left = req->timeout_ms, total_ms = 0;
	char num[32];
	int r;

	memset(resp, 0, sizeof(*resp));
	pthread_once(&init_once, global_init);
	if (init_result != CURLE_OK || (h = curl_easy_init()) == NULL) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "cannot initialise libcurl");
		return PX_ERR_NOMEM;
	}
	/* No Accept-Encoding, no Expect: exactly the headers we choose. */
	if ((r = append(&hdrs, "Accept", "*/*")) != 0 ||
	    (r = append(&hdrs, "Expect", "")) != 0)
		goto out;
	/* Seed 003: one conditional header, If-None-Match when an ETag is
	 * known. */
	if (req->if_none_match != NULL)
		r = append(&hdrs, "If-None-Match", req->if_none_match);
	else if (req->if_modified_since != NULL)
		r = append(&hdrs, "If-Modified-Since", req->if_modified_since);
	if (r == PX_ERR_TOO_BIG) /* not sent: a plain GET is still right */
		r = 0;
	if (r != 0)
		goto out;
	if (req->cache_max_age >= 0) {
		snprintf(num, sizeof(num), "max-age=%ld", req->cache_max_age);
		if ((r = append(&hdrs, "Cache-Control", num)) != 0)
			goto out;
	}
	if (req->post_type != NULL) {
		if ((r = append(&hdrs, "Content-Type", req->post_type)) != 0)
			goto out;
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->post_body);
		curl_easy_setopt(
		    h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->post_len);
	}
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* Redirects are followed here, each target checked first. */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(
	    h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_size);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, req->user_agent);
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	if (req->proxy != NULL)
		curl_easy_setopt(h, CURLOPT_PROXY, req->proxy);
	if ((url = strdup(req->url)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		if ((r = check_hop(req, url, resp)) != 0)
			goto out;
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left > 0 ? left : 1L);
		curl_easy_setopt(
		    h, CURLOPT_CONNECTTIMEOUT_MS, left > 0 ? left : 1L);
		s.len = 0;
		c = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &us);
		total_ms += (long)(us / 1000);
		left = req->timeout_ms - total_ms;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
		next = NULL;
		if (c != CURLE_OK || s.too_big || !is_redirect(resp->status) ||
		    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &next) !=
		        CURLE_OK ||
		    next == NULL)
			break;
		if (req->post_type != NULL) {
			snprintf(resp->errmsg, sizeof(resp->errmsg),
			    "redirect of a POST request not followed");
			r = PX_ERR_NOT_ALLOWED;
			goto out;
		}
		if (resp->redirects == PX_HTTP_MAX_REDIRECTS) {
			snprintf(resp->errmsg, sizeof(resp->errmsg),
			    "more than %d redirects", PX_HTTP_MAX_REDIRECTS);
			r = PX_ERR_NOT_ALLOWED;
			goto out;
		}
		resp->redirects++;
		free(url);
		if ((url = strdup(next)) == NULL) {
			r = PX_ERR_NOMEM;
			goto out;
		}
	}
	resp->ms = total_ms;
	if (s.too_big || c == CURLE_FILESIZE_EXCEEDED) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "response body larger than %zu bytes", req->max_size);
		r = PX_ERR_TOO_BIG;
		goto out;
	}
	if (c != CURLE_OK) {
		snprintf(resp->errmsg, sizeof(resp->errmsg), "%.200s (curl %d)",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(c), (int)c);
		r = map_curl(c);
		goto out;
	}
	if (s.buf == NULL && (s.buf = malloc(1)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	s.buf[s.len] = '\0';
	resp->body = s.buf;
	resp->len = s.len;
	s.buf = NULL;
	resp->etag = header(h, "ETag");
	resp->last_modified = header(h, "Last-Modified");
	resp->date = header(h, "Date");
	resp->via = header(h, "Via");
	resp->cache_control = header(h, "Cache-Control");
	r = 0;
out:
	free(url);
	free(s.buf);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return r;
}

void
px_http_response_clear(struct px_http_response *resp)
{
	free(resp->body);
	free(resp->etag);
	free(resp->last_modified);
	free(resp->date);
	free(resp->via);
	free(resp->cache_control);
	resp->body = NULL;
	resp->etag = resp->last_modified = resp->date = resp->via = NULL;
	resp->cache_control = NULL;
	resp->len = 0;
}
