/*
 * px_http.so: the HTTP transport on libcurl.  Exports px_http_abi and
 * px_http_fetch() only.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "../common/err.h"
#include "http.h"

#define PX_EXPORT __attribute__((visibility("default")))

PX_EXPORT const unsigned px_http_abi = PX_HTTP_ABI;
PX_EXPORT int px_http_fetch(
    const struct px_http_request *req, struct px_http_response *resp);

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

/* Returns a copy of the last value of header name, or NULL. */
static char *
header(CURL *h, const char *name)
{
	struct curl_header *hv = NULL;

	if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hv) != CURLHE_OK ||
	    hv == NULL || hv->value == NULL)
		return NULL;
	return strdup(hv->value);
}

/* Cache-Control: "max-age=86400", also "max-age = 86400" (seed 003). */
static long
parse_max_age(const char *cc)
{
	const char *p;
	long v = 0;

	for (p = cc; p != NULL && (p = strcasestr(p, "max-age")) != NULL;
	     p += 7) {
		if (p != cc && p[-1] != ' ' && p[-1] != ',' && p[-1] != '\t')
			continue;
		p += 7;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			return -1;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (v > 100000000L)
				return -1;
			v = v * 10 + (*p - '0');
		}
		return v;
	}
	return -1;
}

/* Appends one header line; returns 0 or PX_ERR_NOMEM. */
static int
append(struct curl_slist **l, const char *line)
{
	struct curl_slist *t;

	if ((t = curl_slist_append(*l, line)) == NULL)
		return PX_ERR_NOMEM;
	*l = t;
	return 0;
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
	char errbuf[CURL_ERROR_SIZE] = "", hbuf[160];
	struct curl_slist *hdrs = NULL;
	struct sink s = { NULL, 0, 0, req->max_size, 0 };
	CURL *h = NULL;
	CURLcode c;
	curl_off_t us = 0;
	char *cc = NULL;
	int r;

	memset(resp, 0, sizeof(*resp));
	resp->max_age = -1;
	pthread_once(&init_once, global_init);
	if (init_result != CURLE_OK || (h = curl_easy_init()) == NULL) {
		snprintf(resp->errmsg, sizeof(resp->errmsg),
		    "cannot initialise libcurl");
		return PX_ERR_NOMEM;
	}
	/* No Accept-Encoding, no Expect: exactly the headers we choose. */
	if ((r = append(&hdrs, "Accept: */*")) != 0 ||
	    (r = append(&hdrs, "Expect:")) != 0)
		goto out;
	/* Seed 003: one conditional header, If-None-Match when an ETag is
	 * known. */
	hbuf[0] = '\0';
	if (req->if_none_match != NULL)
		snprintf(hbuf, sizeof(hbuf), "If-None-Match: %s",
		    req->if_none_match);
	else if (req->if_modified_since != NULL)
		snprintf(hbuf, sizeof(hbuf), "If-Modified-Since: %s",
		    req->if_modified_since);
	if (hbuf[0] != '\0' && (r = append(&hdrs, hbuf)) != 0)
		goto out;
	if (req->cache_max_age >= 0) {
		snprintf(hbuf, sizeof(hbuf), "Cache-Control: max-age=%ld",
		    req->cache_max_age);
		if ((r = append(&hdrs, hbuf)) != 0)
			goto out;
	}
	if (req->post_type != NULL) {
		snprintf(
		    hbuf, sizeof(hbuf), "Content-Type: %s", req->post_type);
		if ((r = append(&hdrs, hbuf)) != 0)
			goto out;
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->post_body);
		curl_easy_setopt(
		    h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->post_len);
	}
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)PX_HTTP_MAX_REDIRECTS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, req->timeout_ms);
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
	c = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &us);
	resp->ms = (long)(us / 1000);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_easy_getinfo(h, CURLINFO_REDIRECT_COUNT, &resp->redirects);
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
	if ((cc = header(h, "Cache-Control")) != NULL)
		resp->max_age = parse_max_age(cc);
	r = 0;
out:
	free(cc);
	free(s.buf);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return r;
}
