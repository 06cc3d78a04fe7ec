/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkix-fetch: the retrieval helper (DESIGN.md section 9).  A login process
 * starts it with posix_spawn for every network retrieval; it is the only
 * program of the project that maps libcurl, libldap, SASL and GSSAPI.
 *
 *   pkix-fetch --config FILE     request on 0, answer on 1, lock on 3
 *
 * It forks at once (its parent exits, so that no zombie is left in the
 * host), limits itself (CPU, address space, file size, no core), reads the
 * request, loads the same configuration and trust stores, fetches,
 * validates and stores into the cache of its user, and answers.  When its
 * caller stopped waiting it goes on alone, within background_timeout.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "../cache/net.h"
#include "../cache/proto.h"
#include "../common/conf.h"
#include "../common/log.h"
#include "../common/url.h"
#include "../pkix/pkix.h"

#define REQUEST_MAX (1024 * 1024)
#define REQUEST_SECONDS 10

/* The request, as read. */
struct request {
	char mode[16];
	char url[PX_URL_MAX * 2 + 8];
	char responder[PX_URL_MAX + 1];
	char fetch_url[PX_URL_MAX * 2 + 8];
	char post_type[64];
	const unsigned char *post;
	size_t post_len;
	enum px_kind kind;
	long budget_ms;
	long now;
	struct px_vspec spec;
	char md[16];
	char user[256];
	int have_user;
	char user_dir[PATH_MAX];
	const unsigned char *cert;
	size_t cert_len;
};

static struct px_proto answer = { NULL, 0, 0, 0, 0 };
static time_t clock_offset; /* the caller's clock minus ours */

static time_t
fetch_now(void)
{
	return time(NULL) + clock_offset;
}

/* The answer goes out as it is made: what the caller reads before its
 * budget ends it has, the rest is lost with no harm. */
static void
fetch_flush(void)
{
	const unsigned char *p = answer.buf;
	size_t left = answer.len;
	ssize_t n;

	while (left > 0) {
		if ((n = send(1, p, left, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			break; /* the caller is gone: go on alone */
		}
		p += n;
		left -= (size_t)n;
	}
	answer.len = 0;
}

static void
fetch_log(void *arg, int level, const char *msg)
{
	char buf[1100];

	snprintf(buf, sizeof(buf), "%d %s", level, msg);
	px_proto_puts(&answer, "log", buf);
	fetch_flush();
}

static void
fetch_trace(void *arg, const char *line)
{
	px_proto_puts(&answer, "trace", line);
	fetch_flush();
}

static int
fetch_str(char *dst, size_t size, const unsigned char *val, size_t len)
{
	if (len >= size || memchr(val, '\0', len) != NULL)
		return PX_ERR_BAD_FORMAT;
	memcpy(dst, val, len + 1);
	return 0;
}

static int
fetch_rec(void *arg, const char *tag, const unsigned char *val, size_t len)
{
	struct request *q = arg;

	if (strcmp(tag, "mode") == 0)
		return fetch_str(q->mode, sizeof(q->mode), val, len);
	if (strcmp(tag, "url") == 0)
		return fetch_str(q->url, sizeof(q->url), val, len);
	if (strcmp(tag, "responder") == 0)
		return fetch_str(q->responder, sizeof(q->responder), val, len);
	if (strcmp(tag, "fetch-url") == 0)
		return fetch_str(q->fetch_url, sizeof(q->fetch_url), val, len);
	if (strcmp(tag, "user-dir") == 0)
		return fetch_str(q->user_dir, sizeof(q->user_dir), val, len) !=
		            0 ||
		        q->user_dir[0] != '/'
		    ? PX_ERR_BAD_FORMAT
		    : 0;
	if (strcmp(tag, "post-type") == 0)
		return fetch_str(q->post_type, sizeof(q->post_type), val, len);
	if (strcmp(tag, "spec-md") == 0)
		return fetch_str(q->md, sizeof(q->md), val, len);
	if (strcmp(tag, "spec-kind") == 0)
		return 0; /* the request's kind is the validator's */
	if (strcmp(tag, "user") == 0) {
		q->have_user = 1;
		return fetch_str(q->user, sizeof(q->user), val, len);
	}
	if (strcmp(tag, "kind") == 0) {
		q->kind = strcmp((const char *)val, "crl") == 0 ? PX_KIND_CRL
		    : strcmp((const char *)val, "cert") == 0    ? PX_KIND_CERT
		    : strcmp((const char *)val, "ocsp") == 0    ? PX_KIND_OCSP
		                                                : 0;
		return q->kind == 0 ? PX_ERR_BAD_FORMAT : 0;
	}
	if (strcmp(tag, "now") == 0)
		return px_proto_num(val, len, &q->now) != 0 || q->now <= 0
		    ? PX_ERR_BAD_FORMAT
		    : 0;
	if (strcmp(tag, "budget") == 0)
		return px_proto_num(val, len, &q->budget_ms) != 0 ||
		        q->budget_ms < 0
		    ? PX_ERR_BAD_FORMAT
		    : 0;
	if (strcmp(tag, "post") == 0) {
		q->post = val;
		q->post_len = len;
	} else if (strcmp(tag, "cert") == 0) {
		q->cert = val;
		q->cert_len = len;
	} else if (strcmp(tag, "spec-issuer") == 0) {
		q->spec.issuer = (unsigned char *)val;
		q->spec.issuer_len = len;
	} else if (strcmp(tag, "spec-subject") == 0) {
		q->spec.subject = (unsigned char *)val;
		q->spec.subject_len = len;
	} else if (strcmp(tag, "spec-cert") == 0) {
		q->spec.cert = (unsigned char *)val;
		q->spec.cert_len = len;
	} else if (strcmp(tag, "spec-request") == 0) {
		q->spec.request = (unsigned char *)val;
		q->spec.request_len = len;
	} else
		return PX_ERR_BAD_FORMAT;
	return 0;
}

/* Reads the whole request (the caller shuts its side down after it). */
static int
fetch_read(struct px_proto *in)
{
	unsigned char buf[16384];
	ssize_t n;

	alarm(REQUEST_SECONDS);
	for (;;) {
		if ((n = read(0, buf, sizeof(buf))) < 0) {
			if (errno == EINTR)
				continue;
			return PX_ERR_IO;
		}
		if (n == 0)
			break;
		px_proto_put_raw(in, buf, (size_t)n);
		if (in->failed)
			return PX_ERR_TOO_BIG;
	}
	alarm(0);
	return 0;
}

/* CPU and memory bounded, no core; the files it writes at most a few
 * objects large. */
static void
fetch_limits(const struct px_config *cfg)
{
	struct rlimit rl;

	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
	rl.rlim_cur = rl.rlim_max = (rlim_t)cfg->background_timeout + 10;
	setrlimit(RLIMIT_CPU, &rl);
	rl.rlim_cur = rl.rlim_max =
	    (rlim_t)(8 * cfg->max_object_size + 64 * 1024 * 1024);
	setrlimit(RLIMIT_FSIZE, &rl);
#if !defined(__SANITIZE_ADDRESS__)
	/* An address-sanitized build reserves terabytes of shadow memory. */
	rl.rlim_cur = rl.rlim_max =
	    (rlim_t)(16 * cfg->max_object_size + 512 * 1024 * 1024);
	setrlimit(RLIMIT_AS, &rl);
#endif
}

static int
fetch_one(
    struct px_pkix *px, const struct px_config *cfg, const struct request *q)
{
	struct px_validator v;
	struct px_fetch f;
	struct px_object *obj = NULL;
	void *state = NULL;
	struct px_vspec spec = q->spec;
	int r, stored = 0;

	spec.kind = q->kind;
	spec.md = q->md[0] != '\0' ? q->md : NULL;
	spec.url = q->url;
	if ((r = px_pkix_validator(px, &spec, fetch_now(), &v, &state)) != 0)
		return r;
	memset(&f, 0, sizeof(f));
	f.responder = q->responder;
	f.url = q->fetch_url;
	f.post = q->post;
	f.post_len = q->post_len;
	f.post_type = q->post_type[0] != '\0' ? q->post_type : NULL;
	r = px_cache_fetch_now(px_pkix_cache(px), q->url, q->kind,
	    q->responder[0] != '\0' ? &f : NULL,
	    (long)cfg->background_timeout * 1000, q->budget_ms, &v, &obj,
	    &stored);
	if (r == 0) {
		px_proto_puts(&answer, "source", px_source_name(obj->source));
		if (!stored && obj->der != NULL)
			px_proto_put(&answer, "object", obj->der, obj->len);
	} else if (v.why != NULL && v.why[0] != '\0')
		px_proto_puts(&answer, "why", v.why);
	px_object_free(obj);
	px_pkix_validator_free(state);
	return r;
}

static int
fetch_map_user(const struct px_config *cfg, const struct request *q)
{
	const unsigned char *p = q->cert;
	char out[256];
	X509 *x;
	int r;

	if (q->cert == NULL ||
	    (x = d2i_X509(NULL, &p, (long)q->cert_len)) == NULL)
		return PX_ERR_BAD_FORMAT;
	r = px_net_map_user(
	    cfg, q->have_user ? q->user : NULL, x, out, sizeof(out));
	if (r == 0 && !q->have_user)
		px_proto_puts(&answer, "user", out);
	X509_free(x);
	return r;
}

static int
fetch_put_cert(void *arg, const unsigned char *der, size_t len)
{
	px_proto_put(&answer, "cert", der, len);
	return 0;
}

/* user-certs: the user's LDAP certificates, as they are (the caller
 * parses and validates them). */
static int
fetch_user_certs(const struct px_config *cfg, const struct request *q)
{
	if (!q->have_user || q->user[0] == '\0')
		return PX_ERR_BAD_FORMAT;
	return px_net_user_certs(cfg, q->user, fetch_put_cert, NULL);
}

int
main(int argc, char **argv)
{
	struct px_proto in = { NULL, 0, 0, REQUEST_MAX, 0 };
	struct px_config *cfg = NULL;
	struct px_pkix *px = NULL;
	struct request q;
	pid_t pid;
	int r;

	/* The caller reaps this process at once; the work goes on in a
	 * child that init adopts. */
	if ((pid = fork()) == -1)
		return 1;
	if (pid > 0)
		_exit(0);
	setsid();
	signal(SIGPIPE, SIG_IGN);
	answer.max = 256 * 1024 * 1024;
	px_log_set_sink(fetch_log, NULL);
	px_trace_set_sink(fetch_trace, NULL);
	memset(&q, 0, sizeof(q));
	px_proto_puts(&answer, "magic", PX_PROTO_MAGIC);
	if (argc != 3 || strcmp(argv[1], "--config") != 0) {
		px_error("usage: pkix-fetch --config FILE");
		r = PX_ERR_INVALID_ARG;
		goto out;
	}
	if ((r = fetch_read(&in)) != 0 ||
	    (r = px_proto_parse(in.buf, in.len, fetch_rec, &q)) != 0) {
		px_error("retrieval helper: malformed request");
		r = PX_ERR_BAD_FORMAT;
		goto out;
	}
	if ((r = px_config_load(argv[2], &cfg)) != 0)
		goto out;
	fetch_limits(cfg);
	alarm((unsigned)cfg->background_timeout + 5);
	if (strcmp(q.mode, "map-user") == 0) {
		r = fetch_map_user(cfg, &q);
		goto out;
	}
	if (strcmp(q.mode, "user-certs") == 0) {
		r = fetch_user_certs(cfg, &q);
		goto out;
	}
	if (strcmp(q.mode, "fetch") != 0 || q.url[0] == '\0' || q.kind == 0) {
		px_error("retrieval helper: malformed request");
		r = PX_ERR_BAD_FORMAT;
		goto out;
	}
	/* The caller's cache: it runs as this user, so it can name no
	 * directory this process could not use anyway; the same checks of
	 * owner and mode apply. */
	if (q.user_dir[0] != '\0') {
		free(cfg->user_dir);
		if ((cfg->user_dir = strdup(q.user_dir)) == NULL) {
			r = PX_ERR_NOMEM;
			goto out;
		}
	}
	if ((r = px_pkix_new(cfg, &px)) != 0)
		goto out;
	if (q.now != 0) {
		clock_offset = (time_t)q.now - time(NULL);
		px_pkix_set_clock(px, fetch_now);
	}
	px_cache_use_network(px_pkix_cache(px));
	r = fetch_one(px, cfg, &q);
out:
	px_proto_putnum(&answer, "result", r);
	fetch_flush();
	px_pkix_free(px);
	px_config_free(cfg);
	px_proto_free(&in);
	px_proto_free(&answer);
	return r == 0 ? 0 : 1;
}
