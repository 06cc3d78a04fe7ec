/*
 * pkixctl: verify certificates the way the PAM module does, with a trace of
 * every revocation source consulted.  A front end: no policy of its own.
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
#include "../common/log.h"
#include "../common/util.h"
#include "../pkix/pkix.h"
#include "../pkix/trust.h"
#include "sshkeys.h"

#define TRACE_MAX 4096 /* lines kept for --json */

struct trace_buf {
	int json;
	char **lines;
	size_t n;
};

static void __attribute__((noreturn)) usage(int status)
{
	FILE *f = status == 0 ? stdout : stderr;

	fprintf(f,
	    "usage: pkixctl [--config FILE] [--debug] COMMAND [ARGS]\n"
	    "\n"
	    "commands:\n"
	    "  verify [--json] [--trace] [--untrusted FILE] [--stapled OCSP]\n"
	    "         [--repeat N [--interval MS]] CERT\n"
	    "      verify a certificate (PEM or DER; extra PEM certificates\n"
	    "      in CERT or FILE help build the chain)\n"
	    "  fetch URL             fetch a CRL through the caches\n"
	    "  urlcache [crl|cert|ocsp|all] [delete] [--json]\n"
	    "                        list or delete cache entries\n"
	    "  offline [--clear] [--json]\n"
	    "                        list or clear the unreachable URLs\n"
	    "  map [--user NAME] CERT  LDAP user mapping: is CERT NAME's, or\n"
	    "                        whose is it (exit 0 mapped, 1 not, 2 unavailable)\n"
	    "  prefetch [--window DURATION]\n"
	    "                        refresh CRLs stale or near nextUpdate\n"
	    "  resync @now | @now+D:H | --show\n"
	    "                        invalidate every process's cached objects\n"
	    "  rehash [--show]       compile the trust directories now, or show\n"
	    "                        the compiled trust store's state\n"
	    "  ssh-keys USER [KEYTYPE KEY]\n"
	    "                        OpenSSH keys of USER's valid certificates\n"
	    "\n"
	    "global options: --config FILE, --debug, --time EPOCH|+SECS|-SECS\n"
	    "\n"
	    "exit status of verify: 0 accepted, 1 rejected, 2 rejected because\n"
	    "the revocation status is unknown, 64 usage, 65 not a certificate,\n"
	    "66 cannot read the certificate, 78 configuration error\n"
	    "\n"
	    "default configuration: %s\n",
	    PX_DEFAULT_CONFIG);
	exit(status);
}

static time_t time_offset;

/* The clock of every command: the real one, moved by --time. */
static time_t
clock_now(void)
{
	return time(NULL) + time_offset;
}

static int
parse_time(const char *s)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0')
		return -1;
	time_offset =
	    (*s == '+' || *s == '-') ? (time_t)v : (time_t)v - time(NULL);
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
json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *p != '\0'; p++) {
		switch (*p) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

static void
json_time(time_t t)
{
	char buf[32];

	if (t == 0)
		fputs("null", stdout);
	else
		json_str(px_time_str(t, buf, sizeof(buf)));
}

static void
print_json(const struct px_result *res, const struct px_config *cfg,
    const struct trace_buf *tb)
{
	const struct px_cert_report *c;
	const char *p;
	size_t i, n;

	fputs("{\"result\":", stdout);
	json_str(px_decision_name(res->decision));
	fputs(",\"reason\":", stdout);
	json_str(res->reason != 0 ? px_strerror(res->reason) : NULL);
	fputs(",\"detail\":", stdout);
	json_str(res->detail);
	fputs(",\"policy\":", stdout);
	json_str(px_revocation_name(cfg->revocation));
	printf(",\"revocation_unknown\":%s",
	    res->revocation_unknown ? "true" : "false");
	fputs(",\"revoked_at\":", stdout);
	json_time(res->reason == PX_ERR_REVOKED ? res->revoked_at : 0);
	fputs(",\"crl_reason\":", stdout);
	json_str(res->reason == PX_ERR_REVOKED
	        ? px_crl_reason_name(res->crl_reason)
	        : NULL);
	fputs(",\"policies\":[", stdout);
	for (p = res->policies; p != NULL && *p != '\0'; p += n) {
		p += *p == ' ';
		n = strcspn(p, " ");
		if (p != res->policies)
			putchar(',');
		printf("\"%.*s\"", (int)n, p); /* dotted OIDs: no escaping */
	}
	putchar(']');
	printf(",\"chains_tried\":%zu,\"chain\":[", res->chains_tried);
	for (i = 0; i < res->n_chain; i++) {
		c = &res->chain[i];
		fputs(i > 0 ? ",{\"subject\":" : "{\"subject\":", stdout);
		json_str(c->subject);
		fputs(",\"issuer\":", stdout);
		json_str(c->issuer);
		fputs(",\"serial\":", stdout);
		json_str(c->serial);
		fputs(",\"revocation\":", stdout);
		json_str(px_status_name(c->status));
		fputs(",\"source\":", stdout);
		json_str(c->source);
		if (c->status == PX_STATUS_REVOKED) {
			fputs(",\"revoked_at\":", stdout);
			json_time(c->revoked_at);
			fputs(",\"crl_reason\":", stdout);
			json_str(px_crl_reason_name(c->crl_reason));
		}
		putchar('}');
	}
	fputs("],\"trace\":[", stdout);
	for (i = 0; i < tb->n; i++) {
		if (i > 0)
			putchar(',');
		json_str(tb->lines[i]);
	}
	fputs("]}\n", stdout);
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

static int
cmd_verify(int argc, char **argv, const char *config_path)
{
	static const struct option opts[] = { { "config", required_argument,
		                                  NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "trace", no_argument, NULL, 't' },
		{ "untrusted", required_argument, NULL, 'u' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "stapled", required_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct trace_buf tb = { 0 };
	struct px_config *cfg = NULL;
	struct px_pkix *px = NULL;
	struct px_result *res = NULL;
	STACK_OF(X509) *certs = NULL, *extra = NULL;
	const char *untrusted = NULL, *stapled_path = NULL;
	char *stapled = NULL;
	size_t stapled_len = 0;
	X509 *leaf = NULL;
	int ch, trace = 0, ret, r, repeat = 1, n;
	long interval = 0;
	struct timespec pause;
	size_t i;

	optind = 1;
	while (
	    (ch = getopt_long(argc, argv, "c:jtu:r:i:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 'j': tb.json = 1; break;
		case 't': trace = 1; break;
		case 'u': untrusted = optarg; break;
		case 's': stapled_path = optarg; break;
		case 'r':
			if ((repeat = atoi(optarg)) < 1 || repeat > 100000)
				usage(EX_USAGE);
			break;
		case 'i':
			if ((interval = atol(optarg)) < 0 || interval > 600000)
				usage(EX_USAGE);
			break;
		case 'h': usage(0);
		default: usage(EX_USAGE);
		}
	}
	if (argc - optind != 1)
		usage(EX_USAGE);
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
	px_pkix_set_clock(px, clock_now);
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
		         clock_now(), &res)) != 0) {
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

static int
cmd_fetch(int argc, char **argv, const char *config_path)
{
	struct px_config *cfg = NULL;
	struct px_pkix *px = NULL;
	struct px_object *obj = NULL;
	char t1[32], t2[32];
	int ret, r;

	if (argc != 2)
		usage(EX_USAGE);
	if (px_config_load(config_path, &cfg) != 0)
		return EX_CONFIG;
	if ((r = px_pkix_new(cfg, &px)) != 0) {
		ret = r == PX_ERR_NOMEM ? EX_OSERR : EX_CONFIG;
		goto out;
	}
	px_pkix_set_clock(px, clock_now);
	px_trace_set_sink(trace_stdout, NULL);
	if ((r = px_pkix_fetch_crl(px, argv[1], &obj)) != 0) {
		px_error("%s: %s", argv[1], px_strerror(r));
		ret = 1;
		goto out;
	}
	printf("%s: %s, %zu bytes, issuer %s, thisUpdate %s, nextUpdate %s%s\n",
	    argv[1], px_source_name(obj->source), obj->len,
	    obj->meta.info.issuer,
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
};

static int
list_entry(void *arg, const char *dir, const struct px_meta *m)
{
	struct listing *l = arg;
	char t1[32], t2[32], t3[32];

	if (l->json) {
		fputs(l->n++ > 0 ? ",\n{\"url\":" : "{\"url\":", stdout);
		json_str(m->url);
		fputs(",\"kind\":", stdout);
		json_str(px_kind_name(m->kind));
		fputs(",\"issuer\":", stdout);
		json_str(m->info.issuer);
		fputs(",\"this_update\":", stdout);
		json_time(m->info.this_update);
		fputs(",\"next_update\":", stdout);
		json_time(m->info.next_update);
		fputs(",\"fetched_at\":", stdout);
		json_time(m->fetched_at);
		fputs(",\"etag\":", stdout);
		json_str(m->etag);
		fputs(",\"last_modified\":", stdout);
		json_str(m->last_modified);
		fputs(",\"date\":", stdout);
		json_str(m->date);
		fputs(",\"bind\":", stdout);
		json_str(m->bind);
		printf(",\"max_age\":%ld,\"size\":%zu,\"entries\":%ld,"
		       "\"cache\":",
		    m->max_age, m->size, m->info.entries);
		json_str(dir);
		putchar('}');
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

	if (l->json)
		fputs("[", stdout);
	r = walk(arg);
	if (l->json)
		fputs("]\n", stdout);
	else if (l->n == 0)
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

static int
cmd_urlcache(int argc, char **argv, const char *config_path)
{
	struct px_config *cfg = NULL;
	struct px_cache *cache = NULL;
	struct listing l = { 0, 0 };
	struct kind_filter f = { &l, 0 };
	struct urlcache_walk w;
	int i, del = 0, ret, r;

	for (i = 1; i < argc; i++) {
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
		else if (strcmp(argv[i], "--json") == 0)
			l.json = 1;
		else
			usage(EX_USAGE);
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

static int
cmd_prefetch(int argc, char **argv, const char *config_path)
{
	struct px_config *cfg = NULL;
	struct px_pkix *px = NULL;
	uint64_t window;
	int ret, r;

	if (px_config_load(config_path, &cfg) != 0)
		return EX_CONFIG;
	window = cfg->prefetch_window;
	if (argc == 3 && strcmp(argv[1], "--window") == 0) {
		if (px_parse_duration(argv[2], &window) != 0) {
			px_error("prefetch: bad --window '%s'", argv[2]);
			ret = EX_USAGE;
			goto out;
		}
	} else if (argc != 1) {
		ret = EX_USAGE;
		goto out;
	}
	if ((r = px_pkix_new(cfg, &px)) != 0) {
		ret = r == PX_ERR_NOMEM ? EX_OSERR : EX_CONFIG;
		goto out;
	}
	px_pkix_set_clock(px, clock_now);
	r = px_pkix_prefetch(px, (time_t)window, report_prefetch, NULL);
	ret = r == 0 ? 0 : 1;
out:
	px_pkix_free(px);
	px_config_free(cfg);
	return ret;
}

static int
cmd_map(int argc, char **argv, const char *config_path)
{
	struct px_config *cfg = NULL;
	STACK_OF(X509) *certs = NULL;
	const char *user = NULL, *path;
	char found[256];
	int ret, r;

	if (argc == 4 && strcmp(argv[1], "--user") == 0) {
		user = argv[2];
		path = argv[3];
	} else if (argc == 2) {
		path = argv[1];
	} else
		usage(EX_USAGE);
	if (px_config_load(config_path, &cfg) != 0)
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

static int
cmd_resync(int argc, char **argv, const char *config_path)
{
	struct px_config *cfg = NULL;
	struct px_cache *cache = NULL;
	unsigned d = 0, h = 0;
	char t[32], extra;
	time_t when;
	int ret, r;

	if (argc != 2)
		usage(EX_USAGE);
	if ((ret = open_cache(config_path, &cfg, &cache)) != 0)
		return ret;
	if (strcmp(argv[1], "--show") == 0) {
		if (px_cache_resync_get(cache, &when) != 0) {
			printf("no resync time is set\n");
			ret = 1;
		} else {
			printf("%s\n", px_time_str(when, t, sizeof(t)));
			ret = 0;
		}
		goto out;
	}
	if (strcmp(argv[1], "@now") != 0 &&
	    (sscanf(argv[1], "@now+%u:%u%c", &d, &h, &extra) != 2 || d > 3650 ||
	        h > 23)) {
		px_error("resync: expected @now, @now+D:H or --show");
		ret = EX_USAGE;
		goto out;
	}
	when = clock_now() + (time_t)d * 86400 + (time_t)h * 3600;
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
		fputs(l->n++ > 0 ? ",{\"url\":" : "{\"url\":", stdout);
		json_str(url);
		fputs(",\"kind\":", stdout);
		json_str(kind);
		fputs(",\"retry_at\":", stdout);
		json_str(t);
		printf(",\"backoff\":%ld}", interval);
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

static int
cmd_offline(int argc, char **argv, const char *config_path)
{
	struct px_config *cfg = NULL;
	struct px_cache *cache = NULL;
	struct listing l = { 0, 0 };
	struct offline_walk w;
	int i, clear = 0, ret;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--clear") == 0)
			clear = 1;
		else if (strcmp(argv[i], "--json") == 0)
			l.json = 1;
		else
			usage(EX_USAGE);
	}
	if ((ret = open_cache(config_path, &cfg, &cache)) != 0)
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
cmd_rehash(int argc, char **argv, const char *config_path)
{
	struct px_config *cfg = NULL;
	int i, show = 0, ret;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--show") == 0)
			show = 1;
		else
			usage(EX_USAGE);
	}
	if (px_config_load(config_path, &cfg) != 0)
		return EX_CONFIG;
	ret = px_trust_rehash(cfg, show, stdout) == 0 ? 0 : 1;
	px_config_free(cfg);
	return ret;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument,
		                                  NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "time", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 } };
	const char *config_path = PX_DEFAULT_CONFIG;
	int ch;

	px_log_set_sink(log_stderr, NULL);
	/* Before any other OpenSSL call: openssl.cnf, no atexit cleanup. */
	if (px_process_init() != 0)
		return EX_CONFIG;
	while ((ch = getopt_long(argc, argv, "+c:dhT:V", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 'd': px_log_set_debug(1); break;
		case 'T':
			if (parse_time(optarg) != 0) {
				fprintf(stderr, "pkixctl: bad --time '%s'\n",
				    optarg);
				return EX_USAGE;
			}
			break;
		case 'h': usage(0);
		case 'V': printf("pkixctl %s\n", PACKAGE_VERSION); return 0;
		default: usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(EX_USAGE);
	if (strcmp(argv[0], "verify") == 0)
		return cmd_verify(argc, argv, config_path);
	if (strcmp(argv[0], "fetch") == 0)
		return cmd_fetch(argc, argv, config_path);
	if (strcmp(argv[0], "urlcache") == 0)
		return cmd_urlcache(argc, argv, config_path);
	if (strcmp(argv[0], "offline") == 0)
		return cmd_offline(argc, argv, config_path);
	if (strcmp(argv[0], "resync") == 0)
		return cmd_resync(argc, argv, config_path);
	if (strcmp(argv[0], "prefetch") == 0)
		return cmd_prefetch(argc, argv, config_path);
	if (strcmp(argv[0], "map") == 0)
		return cmd_map(argc, argv, config_path);
	if (strcmp(argv[0], "rehash") == 0)
		return cmd_rehash(argc, argv, config_path);
	if (strcmp(argv[0], "ssh-keys") == 0)
		return px_cmd_ssh_keys(argc, argv, config_path, clock_now);
	fprintf(stderr, "pkixctl: unknown command '%s'\n", argv[0]);
	usage(EX_USAGE);
}
