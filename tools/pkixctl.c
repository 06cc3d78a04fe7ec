/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkixctl: verify certificates the way the PAM module does, with a trace of
 * every revocation source consulted.  A front end: no policy of its own.
 * Every command is an entry of one table (cmds[] below), parses its
 * arguments with getopt_long() and its numbers with px_parse_uint().
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "../cache/cache.h"
#include "../common/conf.h"
#include "../common/init.h"
#include "../common/json.h"
#include "../common/log.h"
#include "../common/util.h"
#include "../pkix/pkix.h"
#include "../pkix/trust.h"
#include "pkixctl.h"
#include "sshkeys.h"

#define TRACE_MAX 4096 /* lines kept for --json */

struct trace_buf {
	int json;
	char **lines;
	size_t n;
};

static time_t time_offset;

/* The clock of every command: the real one, moved by --time. */
static time_t
clock_now(void)
{
	return time(NULL) + time_offset;
}

/* --time EPOCH, +SECS or -SECS: digits only, checked. */
static int
parse_time(const char *s)
{
	uint64_t v;
	int sign = 0;

	if (*s == '+' || *s == '-')
		sign = *s++ == '+' ? 1 : -1;
	if (px_parse_uint(s, (uint64_t)1 << 40, &v) != 0)
		return -1;
	time_offset = sign != 0 ? sign * (time_t)v : (time_t)v - time(NULL);
	return 0;
}

static void
log_stderr(void *arg, int level, const char *msg)
{
	const char *tag = level <= LOG_ERR ? "error: "
	    : level == LOG_WARNING         ? "warning: "
	    : level == LOG_DEBUG           ? "debug: "
	                                   : "";

	fprintf(stderr, "pkixctl: %s%s\n", tag, msg);
}

static void
trace_sink(void *arg, const char *line)
{
	struct trace_buf *tb = arg;
	char **v;

	if (!tb->json) {
		printf("trace: %s\n", line);
		return;
	}
	if (tb->n == TRACE_MAX)
		return;
	if ((v = reallocarray(tb->lines, tb->n + 1, sizeof(*v))) == NULL)
		return;
	tb->lines = v;
	if ((tb->lines[tb->n] = strdup(line)) != NULL)
		tb->n++;
}

static void
print_json(const struct px_result *res, const struct px_config *cfg,
    const struct trace_buf *tb)
{
	const struct px_cert_report *c;
	struct px_json j;
	const char *p;
	char oid[128];
	size_t i, n;

	px_json_init(&j, stdout);
	px_json_begin_object(&j);
	px_json_kstr(&j, "result", px_decision_name(res->decision));
	px_json_kstr(
	    &j, "reason", res->reason != 0 ? px_strerror(res->reason) : NULL);
	px_json_kstr(&j, "detail", res->detail);
	px_json_kstr(&j, "policy", px_revocation_name(cfg->revocation));
	px_json_kbool(&j, "revocation_unknown", res->revocation_unknown);
	px_json_ktime(&j, "revoked_at",
	    res->reason == PX_ERR_REVOKED ? res->revoked_at : 0);
	px_json_kstr(&j, "crl_reason",
	    res->reason == PX_ERR_REVOKED ? px_crl_reason_name(res->crl_reason)
	                                  : NULL);
	px_json_key(&j, "policies");
	px_json_begin_array(&j);
	for (p = res->policies; p != NULL && *p != '\0'; p += n) {
		p += *p == ' ';
		n = strcspn(p, " ");
		snprintf(oid, sizeof(oid), "%.*s", (int)n, p);
		px_json_str(&j, oid);
	}
	px_json_end_array(&j);
	px_json_kint(&j, "chains_tried", (long long)res->chains_tried);
	px_json_key(&j, "chain");
	px_json_begin_array(&j);
	for (i = 0; i < res->n_chain; i++) {
		c = &res->chain[i];
		px_json_begin_object(&j);
		px_json_kstr(&j, "subject", c->subject);
		px_json_kstr(&j, "issuer", c->issuer);
		px_json_kstr(&j, "serial", c->serial);
		px_json_kstr(&j, "revocation", px_status_name(c->status));
		px_json_kstr(&j, "source", c->source);
		if (c->status == PX_STATUS_REVOKED) {
			px_json_ktime(&j, "revoked_at", c->revoked_at);
			px_json_kstr(&j, "crl_reason",
			    px_crl_reason_name(c->crl_reason));
		}
		px_json_end_object(&j);
	}
	px_json_end_array(&j);
	px_json_key(&j, "trace");
	px_json_begin_array(&j);
	for (i = 0; i < tb->n; i++)
		px_json_str(&j, tb->lines[i]);
	px_json_end_array(&j);
	px_json_end_object(&j);
	putchar('\n');
}

static void
print_text(const struct px_result *res)
{
	const struct px_cert_report *c;
	char t[32];
	size_t i;

	for (i = 0; i < res->n_chain; i++) {
		c = &res->chain[i];
		printf("certificate %zu\n", i);
		printf("  subject:    %s\n", c->subject);
		printf("  issuer:     %s\n", c->issuer);
		printf("  serial:     %s\n", c->serial);
		printf("  revocation: %s", px_status_name(c->status));
		if (c->status == PX_STATUS_REVOKED)
			printf(" on %s (%s)",
			    px_time_str(c->revoked_at, t, sizeof(t)),
			    px_crl_reason_name(c->crl_reason));
		if (c->source != NULL)
			printf(" - %s", c->source);
		putchar('\n');
	}
	if (res->policies != NULL)
		printf("policies: %s\n", res->policies);
	printf(
	    "result: %s: %s\n", px_decision_name(res->decision), res->detail);
}

/* Reads CERT (and --untrusted): first certificate is the leaf. */
static int
read_certs_max(const char *path, size_t max, STACK_OF(X509) **out)
{
	char *buf = NULL;
	size_t len;
	int r;

	*out = NULL;
	if ((r = px_read_file(path, max, 0, &buf, &len)) != 0)
		return r == PX_ERR_TOO_BIG ? EX_DATAERR : EX_NOINPUT;
	if (px_certs_parse((unsigned char *)buf, len, out) != 0) {
		px_error("%s: %s", path,
		    len == 0 ? "empty file"
		             : "not a certificate (expected PEM or DER)");
		free(buf);
		return EX_DATAERR;
	}
	free(buf);
	return 0;
}

static int
read_certs(const char *path, STACK_OF(X509) **out)
{
	return read_certs_max(path, 1024 * 1024, out);
}

/*
 * Reads --untrusted: at most PX_MAX_UNTRUSTED_BYTES and PX_MAX_UNTRUSTED
 * certificates, refused whole beyond either (a data error, exit 65): a
 * partial set would verify something else than what was given.
 */
static int
read_untrusted(const char *path, STACK_OF(X509) **out)
{
	int ret;

	/* px_read_file() names the size cap when it refuses the file. */
	if ((ret = read_certs_max(path, PX_MAX_UNTRUSTED_BYTES, out)) != 0)
		return ret;
	if (sk_X509_num(*out) > PX_MAX_UNTRUSTED) {
		px_error("%s: %d certificates, more than %d certificates "
		         "(the most --untrusted takes)",
		    path, sk_X509_num(*out), PX_MAX_UNTRUSTED);
		sk_X509_pop_free(*out, X509_free);
		*out = NULL;
		return EX_DATAERR;
	}
	return 0;
}

static const struct option verify_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "json", no_argument, NULL, 'j' },
	{ "trace", no_argument, NULL, 't' },
	{ "untrusted", required_argument, NULL, 'u' },
	{ "stapled", required_argument, NULL, 's' },
	{ "repeat", required_argument, NULL, 'r' },
	{ "interval", required_argument, NULL, 'i' },
	{ NULL, 0, NULL, 0 },
};

static int
cmd_verify(int argc, char **argv, const struct px_ctl *ctl)
{
	struct trace_buf tb = { 0 };
	struct px_config *cfg = NULL;
	struct px_pkix *px = NULL;
	struct px_result *res = NULL;
	STACK_OF(X509) *certs = NULL, *extra = NULL;
	const char *untrusted = NULL, *stapled_path = NULL;
	const char *config_path = ctl->config_path;
	char *stapled = NULL;
	size_t stapled_len = 0;
	X509 *leaf = NULL;
	int ch, trace = 0, ret, r, first = 1;
	uint64_t repeat = 1, interval = 0, n;
	struct timespec pause;
	size_t i;

	while ((ch = px_ctl_getopt(ctl, argc, argv, &first)) != -1) {
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 'j': tb.json = 1; break;
		case 't': trace = 1; break;
		case 'u': untrusted = optarg; break;
		case 's': stapled_path = optarg; break;
		case 'r':
			if (px_ctl_uint(
			        "--repeat", optarg, 1, 100000, &repeat) != 0)
				return EX_USAGE;
			break;
		case 'i':
			if (px_ctl_uint("--interval", optarg, 0, 600000,
			        &interval) != 0)
				return EX_USAGE;
			break;
		default: return px_ctl_usage(ctl);
		}
	}
	if (argc - optind != 1)
		return px_ctl_usage(ctl);
	if (px_config_load(config_path, &cfg) != 0) {
		ret = EX_CONFIG;
		goto out;
	}
	if ((ret = read_certs(argv[optind], &certs)) != 0)
		goto out;
	if (untrusted != NULL && (ret = read_untrusted(untrusted, &extra)) != 0)
		goto out;
	leaf = sk_X509_shift(certs);
	while (extra != NULL && sk_X509_num(extra) > 0)
		if (!sk_X509_push(certs, sk_X509_shift(extra))) {
			ret = EX_SOFTWARE;
			goto out;
		}
	if (stapled_path != NULL &&
	    px_read_file(
	        stapled_path, 1024 * 1024, 0, &stapled, &stapled_len) != 0) {
		ret = EX_NOINPUT;
		goto out;
	}
	if (trace)
		px_trace_set_sink(trace_sink, &tb);
	if ((r = px_pkix_new(cfg, &px)) != 0) {
		px_error("cannot load the trust stores: %s", px_strerror(r));
		ret = r == PX_ERR_NOMEM ? EX_OSERR : EX_CONFIG;
		goto out;
	}
	px_pkix_set_clock(px, ctl->now);
	/* --repeat: one long-lived process, as a PAM module in a daemon. */
	for (n = 0; n < repeat; n++) {
		if (n > 0 && interval > 0) {
			pause.tv_sec = interval / 1000;
			pause.tv_nsec = (interval % 1000) * 1000000;
			nanosleep(&pause, NULL);
		}
		px_result_free(res);
		res = NULL;
		if ((r = px_verify(px, leaf, certs,
		         (const unsigned char *)stapled, stapled_len,
		         ctl->now(), &res)) != 0) {
			px_error("verification failed: %s", px_strerror(r));
			ret = EX_SOFTWARE;
			goto out;
		}
		if (tb.json)
			print_json(res, cfg, &tb);
		else
			print_text(res);
		fflush(stdout);
	}
	ret = res->decision == PX_ACCEPTED ? 0
	    : res->decision == PX_UNKNOWN  ? 2
	                                   : 1;
out:
	free(stapled);
	px_trace_set_sink(NULL, NULL);
	for (i = 0; i < tb.n; i++)
		free(tb.lines[i]);
	free(tb.lines);
	px_result_free(res);
	px_pkix_free(px);
	X509_free(leaf);
	sk_X509_pop_free(certs, X509_free);
	sk_X509_pop_free(extra, X509_free);
	px_config_free(cfg);
	return ret;
}

static void
trace_stdout(void *arg, const char *line)
{
	printf("trace: %s\n", line);
}

static const struct option no_opts[] = { { NULL, 0, NULL, 0 } };

/* Commands without options: -h and "--" only. */
static int
no_options(const struct px_ctl *ctl, int argc, char **argv)
{
	int first = 1;

	if (px_ctl_getopt(ctl, argc, argv, &first) != -1)
		return px_ctl_usage(ctl);
	return 0;
}

static int
cmd_fetch(int argc, char **argv, const struct px_ctl *ctl)
{
	struct px_config *cfg = NULL;
	struct px_pkix *px = NULL;
	struct px_object *obj = NULL;
	char t1[32], t2[32];
	const char *url;
	int ret, r;

	if ((ret = no_options(ctl, argc, argv)) != 0)
		return ret;
	if (argc - optind != 1)
		return px_ctl_usage(ctl);
	url = argv[optind];
	if (px_config_load(ctl->config_path, &cfg) != 0)
		return EX_CONFIG;
	if ((r = px_pkix_new(cfg, &px)) != 0) {
		ret = r == PX_ERR_NOMEM ? EX_OSERR : EX_CONFIG;
		goto out;
	}
	px_pkix_set_clock(px, ctl->now);
	px_trace_set_sink(trace_stdout, NULL);
	if ((r = px_pkix_fetch_crl(px, url, &obj)) != 0) {
		px_error("%s: %s", url, px_strerror(r));
		ret = 1;
		goto out;
	}
	printf("%s: %s, %zu bytes, issuer %s, thisUpdate %s, nextUpdate %s%s\n",
	    url, px_source_name(obj->source), obj->len, obj->meta.info.issuer,
	    px_time_str(obj->meta.info.this_update, t1, sizeof(t1)),
	    obj->meta.info.next_update != 0
	        ? px_time_str(obj->meta.info.next_update, t2, sizeof(t2))
	        : "none",
	    obj->stale ? " (cached copy: network failed)" : "");
	ret = 0;
out:
	px_trace_set_sink(NULL, NULL);
	px_object_free(obj);
	px_pkix_free(px);
	px_config_free(cfg);
	return ret;
}

struct listing {
	int json;
	int n;
	struct px_json j;
};

static int
list_entry(void *arg, const char *dir, const struct px_meta *m)
{
	struct listing *l = arg;
	char t1[32], t2[32], t3[32];

	if (l->json) {
		l->n++;
		px_json_begin_object(&l->j);
		px_json_kstr(&l->j, "url", m->url);
		px_json_kstr(&l->j, "kind", px_kind_name(m->kind));
		px_json_kstr(&l->j, "issuer", m->info.issuer);
		px_json_ktime(&l->j, "this_update", m->info.this_update);
		px_json_ktime(&l->j, "next_update", m->info.next_update);
		px_json_ktime(&l->j, "fetched_at", m->fetched_at);
		px_json_kstr(&l->j, "etag", m->etag);
		px_json_kstr(&l->j, "last_modified", m->last_modified);
		px_json_kstr(&l->j, "date", m->date);
		px_json_kstr(&l->j, "bind", m->bind);
		px_json_kint(&l->j, "max_age", m->max_age);
		px_json_kint(&l->j, "size", (long long)m->size);
		px_json_kint(&l->j, "entries", m->info.entries);
		px_json_kstr(&l->j, "cache", dir);
		px_json_end_object(&l->j);
		return 0;
	}
	l->n++;
	printf("%s\n  kind: %s  cache: %s  size: %zu  entries: %ld\n"
	       "  issuer: %s\n  thisUpdate: %s  nextUpdate: %s  fetched: %s\n"
	       "  ETag: %s  max-age: %ld%s%s\n",
	    m->url, px_kind_name(m->kind), dir, m->size, m->info.entries,
	    m->info.issuer, px_time_str(m->info.this_update, t1, sizeof(t1)),
	    m->info.next_update != 0
	        ? px_time_str(m->info.next_update, t2, sizeof(t2))
	        : "none",
	    px_time_str(m->fetched_at, t3, sizeof(t3)),
	    m->etag != NULL ? m->etag : "-", m->max_age,
	    m->bind != NULL ? "  bind: " : "", m->bind != NULL ? m->bind : "");
	return 0;
}

struct kind_filter {
	struct listing *l;
	enum px_kind kind;
};

static int
list_filtered(void *arg, const char *dir, const struct px_meta *m)
{
	struct kind_filter *f = arg;

	if (f->kind != 0 && m->kind != f->kind)
		return 0;
	return list_entry(f->l, dir, m);
}

/* Loads the configuration and opens its caches.  Returns 0 or an exit
 * status; *cfgp and *cachep are set on success (caller frees both). */
static int
open_cache(
    const char *config_path, struct px_config **cfgp, struct px_cache **cachep)
{
	*cachep = NULL;
	if (px_config_load(config_path, cfgp) != 0)
		return EX_CONFIG;
	if (px_cache_new(*cfgp, cachep) != 0) {
		px_config_free(*cfgp);
		*cfgp = NULL;
		return EX_OSERR;
	}
	return 0;
}

/* Prints a listing: JSON brackets around it, or a line when it is empty. */
static int
print_listing(
    struct listing *l, const char *none, int (*walk)(void *), void *arg)
{
	int r;

	if (l->json) {
		px_json_init(&l->j, stdout);
		px_json_begin_array(&l->j);
	}
	r = walk(arg);
	if (l->json) {
		px_json_end_array(&l->j);
		putchar('\n');
	} else if (l->n == 0)
		printf("%s\n", none);
	return r == 0 ? 0 : 1;
}

struct urlcache_walk {
	struct px_cache *cache;
	struct kind_filter *f;
};

static int
walk_urlcache(void *arg)
{
	struct urlcache_walk *w = arg;

	return px_cache_list(w->cache, list_filtered, w->f);
}

static const struct option json_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 },
};

static int
cmd_urlcache(int argc, char **argv, const struct px_ctl *ctl)
{
	struct px_config *cfg = NULL;
	struct px_cache *cache = NULL;
	struct listing l = { 0 };
	struct kind_filter f = { &l, 0 };
	struct urlcache_walk w;
	const char *config_path = ctl->config_path;
	int i, ch, del = 0, ret, r, first = 1;

	while ((ch = px_ctl_getopt(ctl, argc, argv, &first)) != -1) {
		if (ch != 'j')
			return px_ctl_usage(ctl);
		l.json = 1;
	}
	for (i = optind; i < argc; i++) {
		if (strcmp(argv[i], "crl") == 0)
			f.kind = PX_KIND_CRL;
		else if (strcmp(argv[i], "ocsp") == 0)
			f.kind = PX_KIND_OCSP;
		else if (strcmp(argv[i], "cert") == 0)
			f.kind = PX_KIND_CERT;
		else if (strcmp(argv[i], "all") == 0 ||
		    strcmp(argv[i], "*") == 0)
			f.kind = 0;
		else if (strcmp(argv[i], "delete") == 0)
			del = 1;
		else
			return px_ctl_usage(ctl);
	}
	if ((ret = open_cache(config_path, &cfg, &cache)) != 0)
		return ret;
	if (del) {
		if ((r = px_cache_delete(cache, f.kind)) < 0) {
			px_error("cannot delete: %s", px_strerror(r));
			ret = 1;
			goto out;
		}
		printf("%d entries deleted\n", r);
		ret = 0;
		goto out;
	}
	w.cache = cache;
	w.f = &f;
	ret = print_listing(&l, "no entries", walk_urlcache, &w);
out:
	px_cache_free(cache);
	px_config_free(cfg);
	return ret;
}

static int
report_prefetch(void *arg, const char *url, int r, const struct px_object *obj)
{
	char t[32];

	if (r != 0)
		printf("%s: failed: %s\n", url, px_strerror(r));
	else
		printf("%s: %s%s, nextUpdate %s\n", url,
		    px_source_name(obj->source),
		    obj->stale ? " (network failed; cached copy kept)" : "",
		    obj->meta.info.next_update != 0
		        ? px_time_str(obj->meta.info.next_update, t, sizeof(t))
		        : "none");
	return 0;
}

static const struct option prefetch_opts[] = {
	{ "window", required_argument, NULL, 'w' },
	{ NULL, 0, NULL, 0 },
};

static int
cmd_prefetch(int argc, char **argv, const struct px_ctl *ctl)
{
	struct px_config *cfg = NULL;
	struct px_pkix *px = NULL;
	const char *window_arg = NULL;
	uint64_t window;
	int ch, ret, r, first = 1;

	while ((ch = px_ctl_getopt(ctl, argc, argv, &first)) != -1) {
		if (ch != 'w')
			return px_ctl_usage(ctl);
		window_arg = optarg;
	}
	if (optind != argc)
		return px_ctl_usage(ctl);
	if (window_arg != NULL && px_parse_duration(window_arg, &window) != 0) {
		px_error("prefetch: bad --window '%s' (a duration such as "
		         "3600, 30m, 4h, 1d)",
		    window_arg);
		return EX_USAGE;
	}
	if (px_config_load(ctl->config_path, &cfg) != 0)
		return EX_CONFIG;
	if (window_arg == NULL)
		window = cfg->prefetch_window;
	if ((r = px_pkix_new(cfg, &px)) != 0) {
		ret = r == PX_ERR_NOMEM ? EX_OSERR : EX_CONFIG;
		goto out;
	}
	px_pkix_set_clock(px, ctl->now);
	r = px_pkix_prefetch(px, (time_t)window, report_prefetch, NULL);
	ret = r == 0 ? 0 : 1;
out:
	px_pkix_free(px);
	px_config_free(cfg);
	return ret;
}

static const struct option map_opts[] = {
	{ "user", required_argument, NULL, 'u' },
	{ NULL, 0, NULL, 0 },
};

static int
cmd_map(int argc, char **argv, const struct px_ctl *ctl)
{
	struct px_config *cfg = NULL;
	STACK_OF(X509) *certs = NULL;
	const char *user = NULL, *path;
	char found[256];
	int ch, ret, r, first = 1;

	while ((ch = px_ctl_getopt(ctl, argc, argv, &first)) != -1) {
		if (ch != 'u')
			return px_ctl_usage(ctl);
		user = optarg;
	}
	if (argc - optind != 1)
		return px_ctl_usage(ctl);
	path = argv[optind];
	if (px_config_load(ctl->config_path, &cfg) != 0)
		return EX_CONFIG;
	if ((ret = read_certs(path, &certs)) != 0)
		goto out;
	px_trace_set_sink(trace_stdout, NULL);
	r = px_ldap_map_user(
	    cfg, user, sk_X509_value(certs, 0), found, sizeof(found));
	if (r == 0) {
		printf("%s\n", user != NULL ? user : found);
		ret = 0;
	} else if (r == PX_ERR_NOT_FOUND || r == PX_ERR_INVALID_ARG) {
		printf("not mapped: %s\n", px_strerror(r));
		ret = 1;
	} else {
		px_error("LDAP user lookup failed: %s", px_strerror(r));
		ret = 2;
	}
out:
	px_trace_set_sink(NULL, NULL);
	sk_X509_pop_free(certs, X509_free);
	px_config_free(cfg);
	return ret;
}

static const struct option show_opts[] = {
	{ "show", no_argument, NULL, 's' },
	{ NULL, 0, NULL, 0 },
};

/* @now+D:H: D days (at most 3650) and H hours (at most 23), checked. */
static int
parse_when(const char *s, uint64_t *d, uint64_t *h)
{
	char buf[32], *colon;

	*d = *h = 0;
	if (strcmp(s, "@now") == 0)
		return 0;
	if (strncmp(s, "@now+", 5) != 0 || strlen(s + 5) >= sizeof(buf))
		return -1;
	memcpy(buf, s + 5, strlen(s + 5) + 1);
	if ((colon = strchr(buf, ':')) == NULL)
		return -1;
	*colon = '\0';
	if (px_parse_uint(buf, 3650, d) != 0 ||
	    px_parse_uint(colon + 1, 23, h) != 0)
		return -1;
	return 0;
}

static int
cmd_resync(int argc, char **argv, const struct px_ctl *ctl)
{
	struct px_config *cfg = NULL;
	struct px_cache *cache = NULL;
	uint64_t d, h;
	char t[32];
	time_t when;
	int ch, ret, r, show = 0, first = 1;

	while ((ch = px_ctl_getopt(ctl, argc, argv, &first)) != -1) {
		if (ch != 's')
			return px_ctl_usage(ctl);
		show = 1;
	}
	if (argc - optind != (show ? 0 : 1))
		return px_ctl_usage(ctl);
	if (!show && parse_when(argv[optind], &d, &h) != 0) {
		px_error("resync: expected @now, @now+D:H or --show");
		return EX_USAGE;
	}
	if ((ret = open_cache(ctl->config_path, &cfg, &cache)) != 0)
		return ret;
	if (show) {
		if (px_cache_resync_get(cache, &when) != 0) {
			printf("no resync time is set\n");
			ret = 1;
		} else {
			printf("%s\n", px_time_str(when, t, sizeof(t)));
			ret = 0;
		}
		goto out;
	}
	when = ctl->now() + (time_t)d * 86400 + (time_t)h * 3600;
	if ((r = px_cache_resync_set(cache, when)) != 0) {
		ret = 1;
		goto out;
	}
	printf("cached objects fetched before %s are invalid from then on\n",
	    px_time_str(when, t, sizeof(t)));
	ret = 0;
out:
	px_cache_free(cache);
	px_config_free(cfg);
	return ret;
}

static int
list_offline(void *arg, const char *kind, const char *url, time_t retry_at,
    long interval)
{
	struct listing *l = arg;
	char t[32];

	px_time_str(retry_at, t, sizeof(t));
	if (l->json) {
		l->n++;
		px_json_begin_object(&l->j);
		px_json_kstr(&l->j, "url", url);
		px_json_kstr(&l->j, "kind", kind);
		px_json_kstr(&l->j, "retry_at", t);
		px_json_kint(&l->j, "backoff", interval);
		px_json_end_object(&l->j);
		return 0;
	}
	l->n++;
	if (strcmp(kind, "ocsp") == 0)
		printf("%s  OCSP: no usable answer; asked again after %s\n",
		    url, t);
	else
		printf("%s  retry after %s  backoff %ld s\n", url, t, interval);
	return 0;
}

struct offline_walk {
	struct px_cache *cache;
	struct listing *l;
};

static int
walk_offline(void *arg)
{
	struct offline_walk *w = arg;

	return px_cache_offline_list(w->cache, list_offline, w->l);
}

static const struct option offline_opts[] = {
	{ "clear", no_argument, NULL, 'C' },
	{ "json", no_argument, NULL, 'j' },
	{ NULL, 0, NULL, 0 },
};

static int
cmd_offline(int argc, char **argv, const struct px_ctl *ctl)
{
	struct px_config *cfg = NULL;
	struct px_cache *cache = NULL;
	struct listing l = { 0 };
	struct offline_walk w;
	int ch, clear = 0, ret, first = 1;

	while ((ch = px_ctl_getopt(ctl, argc, argv, &first)) != -1) {
		switch (ch) {
		case 'C': clear = 1; break;
		case 'j': l.json = 1; break;
		default: return px_ctl_usage(ctl);
		}
	}
	if (optind != argc)
		return px_ctl_usage(ctl);
	if ((ret = open_cache(ctl->config_path, &cfg, &cache)) != 0)
		return ret;
	if (clear) {
		ret = px_cache_offline_clear(cache) == 0 ? 0 : 1;
		goto out;
	}
	w.cache = cache;
	w.l = &l;
	ret = print_listing(&l, "no URL is offline", walk_offline, &w);
out:
	px_cache_free(cache);
	px_config_free(cfg);
	return ret;
}

static int
cmd_rehash(int argc, char **argv, const struct px_ctl *ctl)
{
	struct px_config *cfg = NULL;
	int ch, show = 0, ret, first = 1;

	while ((ch = px_ctl_getopt(ctl, argc, argv, &first)) != -1) {
		if (ch != 's')
			return px_ctl_usage(ctl);
		show = 1;
	}
	if (optind != argc)
		return px_ctl_usage(ctl);
	if (px_config_load(ctl->config_path, &cfg) != 0)
		return EX_CONFIG;
	ret = px_trust_rehash(cfg, show, stdout) == 0 ? 0 : 1;
	px_config_free(cfg);
	return ret;
}

static const struct option sshkeys_opts[] = { { NULL, 0, NULL, 0 } };

/*
 * The one command whose operands are not scanned for options: sshd passes
 * %u verbatim, and a user name such as "-x" must be refused as a user name
 * (exit 1, nothing printed), never read as an option.  Only a lone --help
 * (or -h) is an option; a leading "--" is skipped.
 */
static int
cmd_ssh_keys(int argc, char **argv, const struct px_ctl *ctl)
{
	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf(
		    "usage: pkixctl %s %s\n", ctl->cmd->name, ctl->cmd->args);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--") == 0) {
		argv[1] = argv[0];
		return px_cmd_ssh_keys(
		    argc - 1, argv + 1, ctl->config_path, ctl->now);
	}
	return px_cmd_ssh_keys(argc, argv, ctl->config_path, ctl->now);
}

static int cmd_help(int argc, char **argv, const struct px_ctl *ctl);

/* Every command of pkixctl, in the order of the usage text. */
static const struct px_cmd cmds[] = {
	{ "verify", cmd_verify,
	    "[--json] [--trace] [--untrusted FILE] [--stapled FILE] "
	    "[--repeat N [--interval MS]] CERT",
	    "verify a certificate as the module does (exit 0 accepted, 1 "
	    "rejected, 2 revocation unknown)",
	    verify_opts, 0 },
	{ "fetch", cmd_fetch, "URL", "fetch a CRL through the caches", no_opts,
	    0 },
	{ "urlcache", cmd_urlcache, "[--json] [crl|cert|ocsp|all] [delete]",
	    "list or delete cache entries", json_opts, 0 },
	{ "offline", cmd_offline, "[--clear] [--json]",
	    "list or clear the unreachable URLs", offline_opts, 0 },
	{ "map", cmd_map, "[--user NAME] CERT",
	    "LDAP user mapping: is CERT NAME's, or whose is it", map_opts, 0 },
	{ "prefetch", cmd_prefetch, "[--window DURATION]",
	    "refresh CRLs stale or near nextUpdate", prefetch_opts, 0 },
	{ "resync", cmd_resync, "@now | @now+D:H | --show",
	    "invalidate every process's cached objects", show_opts, 0 },
	{ "rehash", cmd_rehash, "[--show]",
	    "compile the trust directories, or show the compiled store",
	    show_opts, 0 },
	{ "ssh-keys", cmd_ssh_keys, "USER [KEYTYPE KEY]",
	    "OpenSSH keys of USER's valid certificates (AuthorizedKeysCommand)",
	    sshkeys_opts, 0 },
	{ "card", px_cmd_card, "[--json] [--module MODULE] [--timeout SECS]",
	    "the tokens present, their certificates, whether each validates "
	    "and whose it is",
	    px_card_opts, 0 },
	{ "config", px_cmd_config, "check [FILE] | keys",
	    "check a configuration file and print the effective "
	    "configuration, or list the keys",
	    px_config_opts, 0 },
	{ "help", cmd_help, "[COMMAND]", "this text, or a command's synopsis",
	    no_opts, 0 },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct px_cmd *
find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static void
usage_text(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: pkixctl [--config FILE] [--debug] "
	    "[--time EPOCH|+SECS|-SECS] COMMAND [ARGS]\n"
	    "       pkixctl --help | --version\n\ncommands:\n");
	for (i = 0; i < NCMDS; i++)
		if (!(cmds[i].flags & PX_CMD_HIDDEN))
			fprintf(f, "  %s %s\n      %s\n", cmds[i].name,
			    cmds[i].args, cmds[i].help);
	fprintf(f,
	    "\nexit status of verify: 0 accepted, 1 rejected, 2 rejected "
	    "because\nthe revocation status is unknown, 64 usage, 65 not a "
	    "certificate,\n66 cannot read the certificate, 78 configuration "
	    "error\n\ndefault configuration: %s\n",
	    PX_DEFAULT_CONFIG);
}

static int
cmd_help(int argc, char **argv, const struct px_ctl *ctl)
{
	const struct px_cmd *c;
	int r;

	if ((r = no_options(ctl, argc, argv)) != 0)
		return r;
	if (argc - optind > 1)
		return px_ctl_usage(ctl);
	if (argc - optind == 0) {
		usage_text(stdout);
		return 0;
	}
	if ((c = find_cmd(argv[optind])) == NULL) {
		fprintf(
		    stderr, "pkixctl: unknown command '%s'\n", argv[optind]);
		return EX_USAGE;
	}
	printf("usage: pkixctl %s %s\n    %s\n", c->name, c->args, c->help);
	return 0;
}

int
px_ctl_usage(const struct px_ctl *ctl)
{
	fprintf(
	    stderr, "usage: pkixctl %s %s\n", ctl->cmd->name, ctl->cmd->args);
	return EX_USAGE;
}

int
px_ctl_uint(
    const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	if (px_parse_uint(s, max, v) != 0 || *v < min) {
		fprintf(stderr,
		    "pkixctl: %s: '%s': expected a whole number from %llu "
		    "to %llu\n",
		    opt, s, (unsigned long long)min, (unsigned long long)max);
		return EX_USAGE;
	}
	return 0;
}

int
px_ctl_getopt(const struct px_ctl *ctl, int argc, char **argv, int *first)
{
	/* The command's options and --help; the short forms of both. */
	static struct option all[16];
	static char shortopts[2 * 16 + 2];
	static const struct option *made_for;
	const struct option *o;
	size_t n = 0, k = 0;
	int ch;

	if (*first) {
		*first = 0;
		optind = 0; /* GNU getopt: start afresh over this argv */
		if (made_for != ctl->cmd->opts) {
			shortopts[n++] = 'h';
			for (o = ctl->cmd->opts; o->name != NULL; o++) {
				if (k + 2 >= sizeof(all) / sizeof(all[0]))
					abort(); /* a table bug */
				all[k++] = *o;
				if (o->flag != NULL || o->val < 'A' ||
				    o->val > 'z')
					continue;
				shortopts[n++] = (char)o->val;
				if (o->has_arg == required_argument)
					shortopts[n++] = ':';
			}
			all[k].name = "help";
			all[k].has_arg = no_argument;
			all[k].flag = NULL;
			all[k++].val = 'h';
			memset(&all[k], 0, sizeof(all[k]));
			shortopts[n] = '\0';
			made_for = ctl->cmd->opts;
		}
	}
	if ((ch = getopt_long(argc, argv, shortopts, all, NULL)) != 'h')
		return ch;
	printf("usage: pkixctl %s %s\n", ctl->cmd->name, ctl->cmd->args);
	exit(0);
}

/* --list-options COMMAND: its long options, for the bash completion. */
static int
list_options(const char *name)
{
	const struct px_cmd *c;
	const struct option *o;

	if ((c = find_cmd(name)) == NULL)
		return EX_USAGE;
	for (o = c->opts; o->name != NULL; o++)
		printf("--%s%s\n", o->name,
		    o->has_arg == required_argument ? "=" : "");
	printf("--help\n");
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "time", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		/* For the bash completion and the documentation test. */
		{ "list-commands", no_argument, NULL, 'L' },
		{ "list-options", required_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 },
	};
	struct px_ctl ctl = { PX_DEFAULT_CONFIG, clock_now, NULL };
	size_t i;
	int ch;

	px_log_set_sink(log_stderr, NULL);
	/* Before any other OpenSSL call: openssl.cnf, no atexit cleanup. */
	if (px_process_init() != 0)
		return EX_CONFIG;
	while ((ch = getopt_long(argc, argv, "+c:dhT:V", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': ctl.config_path = optarg; break;
		case 'd': px_log_set_debug(1); break;
		case 'T':
			if (parse_time(optarg) != 0) {
				fprintf(stderr,
				    "pkixctl: bad --time '%s' (EPOCH, +SECS or "
				    "-SECS)\n",
				    optarg);
				return EX_USAGE;
			}
			break;
		case 'h': usage_text(stdout); return 0;
		case 'V': printf("pkixctl %s\n", PACKAGE_VERSION); return 0;
		case 'L':
			for (i = 0; i < NCMDS; i++)
				printf("%s\n", cmds[i].name);
			return 0;
		case 'O': return list_options(optarg);
		default: usage_text(stderr); return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage_text(stderr);
		return EX_USAGE;
	}
	if ((ctl.cmd = find_cmd(argv[0])) == NULL) {
		fprintf(stderr, "pkixctl: unknown command '%s'\n", argv[0]);
		usage_text(stderr);
		return EX_USAGE;
	}
	return ctl.cmd->fn(argc, argv, &ctl);
}
