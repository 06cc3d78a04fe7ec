/* SPDX-License-Identifier: BSD-2-Clause */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "conf.h"
#include "url.h"
#include "log.h"
#include "util.h"

enum key_type {
	T_PATH,     /* absolute path */
	T_USERPATH, /* absolute, or ~/... */
	T_MODULE,   /* absolute path or a bare library name */
	T_STRING,   /* any printable text */
	T_FILTER,   /* an LDAP filter in parentheses */
	T_BOOL,
	T_UINT,
	T_DURATION,
	T_SIZE,
	T_POLICY,
	T_HTTP_URL,  /* http:// or https:// */
	T_PROXY,     /* a proxy URL as libcurl takes it */
	T_LDAP_HOST, /* host, host:port or ldap[s]://host[:port] */
	T_URL_LIST,  /* allowed_urls */
	T_ENV_LIST,  /* helper_environment */
	T_MAPPING,
	T_HASH,     /* sha1 or sha256 */
	T_OIDS,     /* dotted OIDs, separated by spaces or commas */
	T_UNMATCHED /* deny or ignore */
};

struct key_def {
	const char *section;
	const char *name;
	enum key_type type;
	size_t off;
	uint64_t min, max;
};

#define K(s, n, t, f, lo, hi)                                                  \
	{                                                                      \
		s, n, t, offsetof(struct px_config, f), lo, hi                 \
	}
#define DAY (86400ULL)

static const struct key_def keys[] = {
	K("trust", "ca_dir", T_PATH, ca_dir, 0, 0),
	K("trust", "intermediate_dir", T_PATH, intermediate_dir, 0, 0),
	K("trust", "disallowed_dir", T_PATH, disallowed_dir, 0, 0),
	K("trust", "crl_dir", T_PATH, crl_dir, 0, 0),
	K("revocation", "revocation", T_POLICY, revocation, 0, 0),
	K("revocation", "prefer_crl", T_BOOL, prefer_crl, 0, 0),
	K("revocation", "ocsp_to_crl_count", T_UINT, ocsp_to_crl_count, 0,
	    1000000),
	K("revocation", "ocsp_responder", T_HTTP_URL, ocsp_responder, 0, 0),
	K("revocation", "crl_grace", T_DURATION, crl_grace, 0, 30 * DAY),
	K("revocation", "ocsp_hash", T_HASH, ocsp_hash, 0, 0),
	K("revocation", "ocsp_nonce", T_BOOL, ocsp_nonce, 0, 0),
	K("revocation", "ocsp_post", T_BOOL, ocsp_post, 0, 0),
	K("revocation", "ocsp_lifetime", T_DURATION, ocsp_lifetime, 60,
	    7 * DAY),
	K("revocation", "ocsp_max_age", T_DURATION, ocsp_max_age, 0, 30 * DAY),
	K("revocation", "ocsp_retry", T_DURATION, ocsp_retry, 0,
	    PX_OCSP_RETRY_MAX),
	K("revocation", "max_object_size", T_SIZE, max_object_size, 1024,
	    1ULL << 30),
	K("fetch", "url_timeout", T_DURATION, url_timeout, 1, 300),
	K("fetch", "cumulative_timeout", T_DURATION, cumulative_timeout, 0,
	    600),
	K("fetch", "allowed_urls", T_URL_LIST, allowed_urls, 0, 0),
	K("fetch", "offline", T_BOOL, offline, 0, 0),
	K("fetch", "proxy", T_PROXY, proxy, 0, 0),
	K("fetch", "ldap_server", T_LDAP_HOST, ldap_server, 0, 0),
	K("fetch", "ldap_keytab", T_PATH, ldap_keytab, 0, 0),
	K("fetch", "ldap_principal", T_STRING, ldap_principal, 0, 0),
	K("fetch", "ldap_sasl_nocanon", T_BOOL, ldap_sasl_nocanon, 0, 0),
	K("fetch", "helper", T_PATH, helper, 0, 0),
	K("fetch", "helper_environment", T_ENV_LIST, helper_env, 0, 0),
	K("fetch", "background_timeout", T_DURATION, background_timeout, 1,
	    600),
	K("cache", "machine_dir", T_PATH, machine_dir, 0, 0),
	K("cache", "user_dir", T_USERPATH, user_dir, 0, 0),
	K("cache", "memory", T_BOOL, memory, 0, 0),
	K("cache", "prefetch_window", T_DURATION, prefetch_window, 0, 30 * DAY),
	K("policy", "required_policies", T_OIDS, required_policies, 0, 0),
	K("policy", "require_explicit_policy", T_BOOL, require_explicit_policy,
	    0, 0),
	K("policy", "inhibit_policy_mapping", T_BOOL, inhibit_policy_mapping, 0,
	    0),
	K("policy", "inhibit_any_policy", T_BOOL, inhibit_any_policy, 0, 0),
	K("login", "pkcs11_module", T_MODULE, pkcs11_module, 0, 0),
	K("login", "mapping", T_MAPPING, mapping, 0, 0),
	K("login", "ldap_user_base", T_STRING, ldap_user_base, 0, 0),
	K("login", "upn_realms", T_STRING, upn_realms, 0, 0),
	K("login", "ldap_user_filter", T_FILTER, ldap_user_filter, 0, 0),
	K("login", "wait_for_card", T_DURATION, wait_for_card, 0, 3600),
	K("ssh", "user_cert_dir", T_PATH, user_cert_dir, 0, 0),
	K("ssh", "ssh_unmatched", T_UNMATCHED, ssh_unmatched, 0, 0),
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const struct key_def *find_key(const char *section, const char *name);
static void reset_list(struct px_config *cfg, const struct key_def *k);
static int set_oids(struct px_config *cfg, const struct key_def *k,
    const char *value, const char **why);

#define FIELD(cfg, k, type) ((type *)(void *)((char *)(cfg) + (k)->off))

struct px_config *
px_config_new(void)
{
	struct px_config *cfg;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	cfg->revocation = PX_REV_REQUIRE;
	cfg->ocsp_to_crl_count = 50;
	cfg->max_object_size = 64ULL * 1024 * 1024;
	cfg->url_timeout = 15;
	cfg->background_timeout = 60;
	cfg->memory = 1;
	cfg->prefetch_window = 4 * 3600;
	cfg->ocsp_lifetime = 3600;
	cfg->ocsp_max_age = DAY;
	cfg->ocsp_retry = 3600;
	cfg->mapping[0].kind = PX_MAP_UPN;
	cfg->mapping[1].kind = PX_MAP_CN;
	cfg->n_mapping = 2;
	if ((cfg->ca_dir = strdup("/etc/pam_pkix/ca")) == NULL ||
	    (cfg->intermediate_dir = strdup("/etc/pam_pkix/intermediate")) ==
	        NULL ||
	    (cfg->disallowed_dir = strdup("/etc/pam_pkix/disallowed")) ==
	        NULL ||
	    (cfg->crl_dir = strdup("/etc/pam_pkix/crl")) == NULL ||
	    (cfg->machine_dir = strdup(PX_CACHE_DIR)) == NULL ||
	    (cfg->helper = strdup(PX_HELPER_PATH)) == NULL ||
	    (cfg->ocsp_hash = strdup("sha1")) == NULL ||
	    (cfg->user_dir = strdup("~/.cache/pam_pkix")) == NULL ||
	    (cfg->pkcs11_module = strdup("p11-kit-proxy.so")) == NULL ||
	    (cfg->ldap_user_filter = strdup("(uid=%u)")) == NULL) {
		px_config_free(cfg);
		return NULL;
	}
	return cfg;
}

void
px_config_free(struct px_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < NKEYS; i++) {
		switch (keys[i].type) {
		case T_PATH:
		case T_USERPATH:
		case T_MODULE:
		case T_STRING:
		case T_FILTER:
		case T_HTTP_URL:
		case T_PROXY:
		case T_LDAP_HOST:
		case T_OIDS:
		case T_HASH: free(*FIELD(cfg, &keys[i], char *)); break;
		default: break;
		}
	}
	reset_list(cfg, find_key("fetch", "allowed_urls"));
	reset_list(cfg, find_key("fetch", "helper_environment"));
	reset_list(cfg, find_key("login", "mapping"));
	free(cfg->path);
	free(cfg);
}

const char *
px_revocation_name(enum px_revocation_policy p)
{
	switch (p) {
	case PX_REV_REQUIRE: return "require";
	case PX_REV_BEST_EFFORT: return "best-effort";
	case PX_REV_NONE: return "none";
	}
	return "?";
}

/* The words of a list value: separated by commas and/or white space. */
static char *
next_word(char **sp)
{
	char *s = *sp, *w;

	while (*s == ',' || isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return NULL;
	w = s;
	while (*s != '\0' && *s != ',' && !isspace((unsigned char)*s))
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*sp = s;
	return w;
}

static int
printable(const char *v)
{
	for (; *v != '\0'; v++)
		if (!isprint((unsigned char)*v))
			return 0;
	return 1;
}

static int
has_scheme(const char *v, const char *const *schemes)
{
	size_t n;

	for (; *schemes != NULL; schemes++) {
		n = strlen(*schemes);
		if (strncasecmp(v, *schemes, n) == 0 && v[n] != '\0')
			return 1;
	}
	return 0;
}

static int
check_path(const char *v, int user, const char **why)
{
	if (strlen(v) >= PATH_MAX) {
		*why = "path too long";
		return PX_ERR_CONFIG;
	}
	if (v[0] == '/' || (user && v[0] == '~' && v[1] == '/'))
		return 0;
	*why = user ? "must be an absolute path or start with ~/"
	            : "must be an absolute path";
	return PX_ERR_CONFIG;
}

/* The parser's reason, for the "file:line: key: why" message. */
static _Thread_local char conf_url_why[PX_URL_ERR_MAX + 32];

/* A URL of the configuration, through the one URL parser. */
static int
conf_url(const char *v, struct px_url *u, const char **why)
{
	if (px_url_parse(v, u) == 0)
		return 0;
	snprintf(
	    conf_url_why, sizeof(conf_url_why), "not a valid URL: %s", u->why);
	*why = conf_url_why;
	return PX_ERR_CONFIG;
}

/* ldap_server: host[:port], or an ldap:// or ldaps:// URL of a server. */
static int
conf_ldap_host(const char *v, const char **why)
{
	char buf[PX_URL_MAX + 16];
	struct px_url u;
	int r;

	if (strstr(v, "://") == NULL) {
		if (strlen(v) > PX_URL_MAX) {
			*why = "too long";
			return PX_ERR_CONFIG;
		}
		snprintf(buf, sizeof(buf), "ldap://%s", v);
		v = buf;
	}
	if ((r = conf_url(v, &u, why)) != 0)
		return r;
	if (px_url_is_http(&u) || u.host[0] == '\0' || u.path_len > 1 ||
	    u.query != NULL) {
		*why = "must be host[:port] or an ldap:// or ldaps:// URL";
		return PX_ERR_CONFIG;
	}
	return 0;
}

/* NAME=VALUE, NAME as environment variables are named, PATH excluded (the
 * helper's PATH is fixed). */
static int
env_entry_ok(const char *w)
{
	const char *p;

	if (!((w[0] >= 'A' && w[0] <= 'Z') || w[0] == '_'))
		return 0;
	for (p = w; *p != '=' && *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		        *p == '_'))
			return 0;
	return *p == '=' && strncmp(w, "PATH=", 5) != 0;
}

static int
set_list(struct px_config *cfg, const struct key_def *k, const char *value,
    const char **why)
{
	char *copy, *s, *w;
	int r = PX_ERR_CONFIG;

	if ((copy = strdup(value)) == NULL)
		return PX_ERR_NOMEM;
	s = copy;
	if (k->type == T_ENV_LIST) {
		while ((w = next_word(&s)) != NULL) {
			if (!env_entry_ok(w)) {
				*why =
				    "entries are NAME=VALUE (NAME of capital "
				    "letters, digits and _)";
				goto out;
			}
			if (cfg->n_helper_env == PX_HELPER_ENV_MAX) {
				*why = "too many entries";
				goto out;
			}
			if ((cfg->helper_env[cfg->n_helper_env] = strdup(w)) ==
			    NULL) {
				r = PX_ERR_NOMEM;
				goto out;
			}
			cfg->n_helper_env++;
		}
		r = 0;
		goto out;
	}
	if (k->type == T_URL_LIST) {
		while ((w = next_word(&s)) != NULL) {
			struct px_url u;

			if (conf_url(w, &u, why) != 0)
				goto out;
			if (u.query != NULL) {
				*why = "entries are scheme://host[:port][/path]"
				       ", without a query";
				goto out;
			}
			if (cfg->n_allowed_urls == PX_ALLOWED_URLS_MAX) {
				*why = "too many entries";
				goto out;
			}
			if ((cfg->allowed_urls[cfg->n_allowed_urls] =
			            strdup(w)) == NULL) {
				r = PX_ERR_NOMEM;
				goto out;
			}
			cfg->n_allowed_urls++;
		}
		r = 0;
		goto out;
	}
	/* T_MAPPING */
	while ((w = next_word(&s)) != NULL) {
		struct px_mapping *m;

		if (cfg->n_mapping == PX_MAPPING_MAX) {
			*why = "too many methods";
			goto out;
		}
		m = &cfg->mapping[cfg->n_mapping];
		if (strcmp(w, "cn") == 0)
			m->kind = PX_MAP_CN;
		else if (strcmp(w, "upn") == 0)
			m->kind = PX_MAP_UPN;
		else if (strcmp(w, "email") == 0)
			m->kind = PX_MAP_EMAIL;
		else if (strcmp(w, "ldap") == 0)
			m->kind = PX_MAP_LDAP;
		else if (strncmp(w, "file:", 5) == 0) {
			if (check_path(w + 5, 0, why) != 0)
				goto out;
			m->kind = PX_MAP_FILE;
			if ((m->path = strdup(w + 5)) == NULL) {
				r = PX_ERR_NOMEM;
				goto out;
			}
		} else {
			*why = "methods are cn, upn, email, ldap, file:PATH";
			goto out;
		}
		cfg->n_mapping++;
	}
	if (cfg->n_mapping == 0) {
		*why = "at least one method is needed";
		goto out;
	}
	r = 0;
out:
	free(copy);
	return r;
}

/* Checks value against k and stores it.  Sets *why on PX_ERR_CONFIG. */
static int
set_key(struct px_config *cfg, const struct key_def *k, const char *value,
    const char **why)
{
	static const char *const proxy[] = { "http://", "https://", "socks4://",
		"socks4a://", "socks5://", "socks5h://", NULL };
	struct px_url u;
	char **sp;
	uint64_t n;
	int r, b;

	if (!printable(value)) {
		*why = "contains a control character";
		return PX_ERR_CONFIG;
	}
	if (k->off == offsetof(struct px_config, cumulative_timeout))
		cfg->cumulative_timeout_given = 1;
	switch (k->type) {
	case T_BOOL:
		if (px_parse_bool(value, &b) != 0) {
			*why = "expected yes or no";
			return PX_ERR_CONFIG;
		}
		*FIELD(cfg, k, int) = b;
		return 0;
	case T_POLICY:
		if (strcmp(value, "require") == 0)
			*FIELD(cfg, k, enum px_revocation_policy) =
			    PX_REV_REQUIRE;
		else if (strcmp(value, "best-effort") == 0)
			*FIELD(cfg, k, enum px_revocation_policy) =
			    PX_REV_BEST_EFFORT;
		else if (strcmp(value, "none") == 0)
			*FIELD(cfg, k, enum px_revocation_policy) = PX_REV_NONE;
		else {
			*why = "expected require, best-effort or none";
			return PX_ERR_CONFIG;
		}
		return 0;
	case T_UINT:
	case T_DURATION:
	case T_SIZE:
		if (k->type == T_UINT)
			r = px_parse_uint(value, UINT64_MAX, &n);
		else if (k->type == T_DURATION)
			r = px_parse_duration(value, &n);
		else
			r = px_parse_size(value, &n);
		if (r == PX_ERR_BAD_FORMAT) {
			*why = k->type == T_UINT ? "expected a number"
			    : k->type == T_DURATION
			    ? "expected a duration such as 15, 15s, 30m, 2h, 7d"
			    : "expected a size such as 4096, 512K, 64M, 1G";
			return PX_ERR_CONFIG;
		}
		if (r != 0 || n < k->min || n > k->max) {
			*why = "out of range";
			return PX_ERR_CONFIG;
		}
		*FIELD(cfg, k, uint64_t) = n;
		return 0;
	case T_URL_LIST:
	case T_ENV_LIST:
	case T_MAPPING: return set_list(cfg, k, value, why);
	case T_PATH:
	case T_USERPATH:
		if ((r = check_path(value, k->type == T_USERPATH, why)) != 0)
			return r;
		break;
	case T_MODULE:
		if (value[0] != '/' && strchr(value, '/') != NULL) {
			*why =
			    "must be an absolute path or a bare library name";
			return PX_ERR_CONFIG;
		}
		break;
	case T_FILTER:
		if (value[0] != '(' || value[strlen(value) - 1] != ')') {
			*why = "must be an LDAP filter in parentheses";
			return PX_ERR_CONFIG;
		}
		break;
	case T_HTTP_URL:
		if ((r = conf_url(value, &u, why)) != 0)
			return r;
		if (!px_url_is_http(&u)) {
			*why = "must be an http:// or https:// URL";
			return PX_ERR_CONFIG;
		}
		break;
	case T_PROXY:
		if (!has_scheme(value, proxy)) {
			*why =
			    "must be a proxy URL (http, https, socks4, socks5)";
			return PX_ERR_CONFIG;
		}
		break;
	case T_LDAP_HOST:
		if ((r = conf_ldap_host(value, why)) != 0)
			return r;
		break;
	case T_HASH:
		if (strcmp(value, "sha1") != 0 &&
		    strcmp(value, "sha256") != 0) {
			*why = "expected sha1 or sha256";
			return PX_ERR_CONFIG;
		}
		break;
	case T_OIDS: return set_oids(cfg, k, value, why);
	case T_UNMATCHED:
		if (strcmp(value, "deny") == 0)
			*FIELD(cfg, k, enum px_ssh_unmatched) = PX_SSH_DENY;
		else if (strcmp(value, "ignore") == 0)
			*FIELD(cfg, k, enum px_ssh_unmatched) = PX_SSH_IGNORE;
		else {
			*why = "expected deny or ignore";
			return PX_ERR_CONFIG;
		}
		return 0;
	case T_STRING: break;
	}
	sp = FIELD(cfg, k, char *);
	free(*sp);
	if ((*sp = strdup(value)) == NULL)
		return PX_ERR_NOMEM;
	return 0;
}

static const struct key_def *
find_key(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
section_known(const char *section)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0)
			return 1;
	return 0;
}

/* A list key given in the file replaces the default list, not extends it. */
static void
reset_list(struct px_config *cfg, const struct key_def *k)
{
	size_t i;

	if (k->type == T_ENV_LIST) {
		for (i = 0; i < cfg->n_helper_env; i++) {
			free(cfg->helper_env[i]);
			cfg->helper_env[i] = NULL;
		}
		cfg->n_helper_env = 0;
	} else if (k->type == T_URL_LIST) {
		for (i = 0; i < cfg->n_allowed_urls; i++) {
			free(cfg->allowed_urls[i]);
			cfg->allowed_urls[i] = NULL;
		}
		cfg->n_allowed_urls = 0;
	} else if (k->type == T_MAPPING) {
		for (i = 0; i < cfg->n_mapping; i++) {
			free(cfg->mapping[i].path);
			cfg->mapping[i].path = NULL;
		}
		cfg->n_mapping = 0;
	}
}

int
px_config_set(struct px_config *cfg, const char *section, const char *key,
    const char *value)
{
	const struct key_def *k;
	const char *why = "invalid value";
	int r;

	if ((k = find_key(section, key)) == NULL) {
		px_error("unknown option [%s] %s", section, key);
		return PX_ERR_CONFIG;
	}
	reset_list(cfg, k);
	if ((r = set_key(cfg, k, value, &why)) == PX_ERR_CONFIG)
		px_error("[%s] %s: '%s': %s", section, key, value, why);
	return r;
}

struct parse_state {
	struct px_config *cfg;
	const char *name;
	const char *text; /* what the reader has not consumed yet */
	int lineno;       /* line the reader returned last */
	int err_line;     /* first line with an error, 0 if none */
	unsigned char seen[NKEYS];
	int nomem;
	int nerr;     /* errors found, logged up to PX_CONF_ERRORS_MAX */
	int prev_key; /* a key line since the last section line */
};

/*
 * inih's own syntax rule for a line (a comment, a [section], key = value
 * or key: value, or a continuation after a key), so that every bad line
 * is named, not only the first one inih returns.  An inline comment is
 * ';' after white space.
 */
static const char *
find_chars(const char *s, const char *chars)
{
	int ws = 0;

	for (; *s != '\0' && strchr(chars, *s) == NULL; s++) {
		if (ws && *s == ';')
			break;
		ws = isspace((unsigned char)*s);
	}
	return *s != '\0' && strchr(chars, *s) != NULL ? s : NULL;
}

static int fail(struct parse_state *st, const char *section, const char *key,
    const char *msg);

static void
check_syntax(struct parse_state *st, const char *line)
{
	const char *s = line;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (s > line && st->prev_key)
		return; /* a continuation line: the handler refuses it */
	if (*s == '[') {
		st->prev_key = 0;
		if (find_chars(s + 1, "]") == NULL)
			fail(st, NULL, NULL, "syntax error (no ']' after '[')");
		return;
	}
	if (find_chars(s, "=:") == NULL) {
		fail(st, NULL, NULL,
		    "syntax error (expected [section] or key = value)");
		return;
	}
	st->prev_key = 1;
}

/* An fgets() for ini_parse_stream() that counts lines. */
static char *
reader(char *str, int num, void *stream)
{
	struct parse_state *st = stream;
	const char *p = st->text;
	int n = 0;

	if (*p == '\0')
		return NULL;
	while (n < num - 1 && p[n] != '\0') {
		str[n] = p[n];
		if (p[n++] == '\n')
			break;
	}
	str[n] = '\0';
	st->text = p + n;
	st->lineno++;
	check_syntax(st, str);
	return str;
}

static int
fail(struct parse_state *st, const char *section, const char *key,
    const char *msg)
{
	if (st->err_line == 0)
		st->err_line = st->lineno;
	if (++st->nerr > PX_CONF_ERRORS_MAX)
		return 0;
	if (key != NULL)
		px_error("%s:%d: [%s] %s: %s", st->name, st->lineno, section,
		    key, msg);
	else
		px_error("%s:%d: %s", st->name, st->lineno, msg);
	return 0;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *st = user;
	const struct key_def *k;
	const char *why = "invalid value";
	char msg[256];
	int r;

	if (*section == '\0')
		return fail(st, section, name, "key outside a [section]");
	if ((k = find_key(section, name)) == NULL) {
		/* The one key that changed section (issue 13). */
		if (strcmp(section, "login") == 0 &&
		    strcmp(name, "user_cert_dir") == 0)
			return fail(st, section, name,
			    "unknown key (moved to [ssh] user_cert_dir)");
		snprintf(msg, sizeof(msg), "unknown key%s",
		    section_known(section) ? "" : " (unknown section)");
		return fail(st, section, name, msg);
	}
	/* helper_environment may be given once per variable: its lines add
	 * up (an INI line is short). */
	if (st->seen[k - keys] && k->type != T_ENV_LIST) {
		return fail(
		    st, section, name, "given twice (or a continuation line)");
	}
	if (*value == '\0')
		return fail(st, section, name, "empty value");
	if (!st->seen[k - keys])
		reset_list(st->cfg, k);
	st->seen[k - keys] = 1;
	if ((r = set_key(st->cfg, k, value, &why)) == PX_ERR_NOMEM) {
		st->nomem = 1;
		return 0;
	}
	if (r != 0) {
		snprintf(msg, sizeof(msg), "'%s': %s", value, why);
		return fail(st, section, name, msg);
	}
	return 1;
}

int
px_config_parse(struct px_config *cfg, const char *name, const char *text)
{
	struct parse_state st;
	const char *p, *nl;
	int line = 1, r;

	/* inih silently splits long lines: refuse them with a line number. */
	for (p = text; *p != '\0'; p = nl + 1, line++) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p) - 1;
		if (nl - p + 1 > INI_MAX_LINE - 3) {
			px_error("%s:%d: line longer than %d characters", name,
			    line, INI_MAX_LINE - 3);
			return PX_ERR_CONFIG;
		}
		if (nl[1] == '\0')
			break;
	}
	memset(&st, 0, sizeof(st));
	st.cfg = cfg;
	st.name = name;
	st.text = text;
	r = ini_parse_stream(reader, &st, handler, &st);
	if (st.nomem)
		return PX_ERR_NOMEM;
	if (r == 0 && st.err_line == 0)
		return 0;
	if (r > 0 && (st.err_line == 0 || r < st.err_line)) {
		st.lineno = r;
		fail(&st, NULL, NULL,
		    "syntax error (expected [section] or key = value)");
	} else if (r < 0)
		px_error("%s: cannot parse", name);
	if (st.nerr > PX_CONF_ERRORS_MAX)
		px_error(
		    "%s: %d more errors", name, st.nerr - PX_CONF_ERRORS_MAX);
	return PX_ERR_CONFIG;
}

int
px_config_load(const char *path, struct px_config **cfgp)
{
	struct px_config *cfg = NULL;
	char *text = NULL;
	size_t len;
	int r;

	*cfgp = NULL;
	if ((r = px_read_file(path, PX_CONF_MAX_SIZE,
	         PX_READ_NOFOLLOW | PX_READ_TRUSTED, &text, &len)) != 0)
		goto out;
	if (memchr(text, '\0', len) != NULL) {
		px_error("%s: contains a NUL byte", path);
		r = PX_ERR_CONFIG;
		goto out;
	}
	if ((cfg = px_config_new()) == NULL ||
	    (cfg->path = strdup(path)) == NULL) {
		r = PX_ERR_NOMEM;
		goto out;
	}
	if ((r = px_config_parse(cfg, path, text)) != 0)
		goto out;
	*cfgp = cfg;
	cfg = NULL;
out:
	free(text);
	px_config_free(cfg);
	return r;
}

/* One dotted OID of at least two arcs, the first 0, 1 or 2 (X.660), no
 * arc with a leading zero or longer than 19 digits. */
static int
oid_ok(const char *s, size_t len)
{
	size_t i, arc = 0, arcs = 1;

	if (len < 3 || s[0] < '0' || s[0] > '2' || s[1] != '.')
		return 0;
	for (i = 2; i < len; i++) {
		if (s[i] == '.') {
			if (arc == 0)
				return 0;
			arc = 0;
			arcs++;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' ||
		    (arc == 0 && s[i] == '0' && i + 1 < len &&
		        s[i + 1] != '.') ||
		    ++arc > 19)
			return 0;
	}
	return arc > 0 && arcs >= 2;
}

/* required_policies: stored as the OIDs joined by single spaces. */
static int
set_oids(struct px_config *cfg, const struct key_def *k, const char *value,
    const char **why)
{
	char **sp = FIELD(cfg, k, char *), *out;
	const char *p = value;
	size_t n = 0, len, o = 0;

	if ((out = malloc(strlen(value) + 1)) == NULL)
		return PX_ERR_NOMEM;
	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t,");
		if (!oid_ok(p, len)) {
			*why = "expected dotted OIDs such as 2.16.840.1.101."
			       "3.2.1.3.13, separated by spaces or commas";
			free(out);
			return PX_ERR_CONFIG;
		}
		if (++n > PX_POLICIES_MAX) {
			*why = "more than 16 policies";
			free(out);
			return PX_ERR_CONFIG;
		}
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, p, len);
		o += len;
		p += len;
	}
	if (n == 0) {
		*why = "expected at least one OID";
		free(out);
		return PX_ERR_CONFIG;
	}
	out[o] = '\0';
	free(*sp);
	*sp = out;
	return 0;
}

/* A duration or a size in the largest unit that is exact. */
static void
fmt_scaled(char *buf, size_t len, uint64_t v, const char *units,
    const uint64_t *scale, size_t n)
{
	size_t i;

	for (i = n; i-- > 1;)
		if (v != 0 && v % scale[i] == 0) {
			snprintf(buf, len, "%llu%c",
			    (unsigned long long)(v / scale[i]), units[i]);
			return;
		}
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* Words joined by single spaces, or NULL (none, or out of memory). */
static char *
join(char *const *v, size_t n, int *nomem)
{
	size_t i, len = 1, o = 0, w;
	char *out;

	if (n == 0)
		return NULL;
	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	if ((out = malloc(len)) == NULL) {
		*nomem = 1;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			out[o++] = ' ';
		w = strlen(v[i]);
		memcpy(out + o, v[i], w);
		o += w;
	}
	out[o] = '\0';
	return out;
}

/* The value of k in cfg as the file gives it, malloc()ed, or NULL. */
static char *
format_key(const struct px_config *cfg, const struct key_def *k, int *nomem)
{
	static const uint64_t tscale[] = { 1, 60, 3600, 86400 };
	static const uint64_t sscale[] = { 1, 1024, 1024 * 1024,
		1024 * 1024 * 1024 };
	const void *f = (const char *)cfg + k->off;
	char buf[64], *words[PX_MAPPING_MAX], *out;
	const char *v = buf;
	size_t i;

	switch (k->type) {
	case T_BOOL: v = *(const int *)f ? "yes" : "no"; break;
	case T_UINT:
		snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)*(const uint64_t *)f);
		break;
	case T_DURATION:
		fmt_scaled(
		    buf, sizeof(buf), *(const uint64_t *)f, " mhd", tscale, 4);
		break;
	case T_SIZE:
		fmt_scaled(
		    buf, sizeof(buf), *(const uint64_t *)f, " KMG", sscale, 4);
		break;
	case T_POLICY:
		v = px_revocation_name(*(const enum px_revocation_policy *)f);
		break;
	case T_UNMATCHED:
		v = *(const enum px_ssh_unmatched *)f == PX_SSH_IGNORE
		    ? "ignore"
		    : "deny";
		break;
	case T_URL_LIST:
		return join(cfg->allowed_urls, cfg->n_allowed_urls, nomem);
	case T_ENV_LIST: return join(cfg->helper_env, cfg->n_helper_env, nomem);
	case T_MAPPING:
		for (i = 0; i < cfg->n_mapping; i++) {
			const struct px_mapping *m = &cfg->mapping[i];

			if (m->kind == PX_MAP_FILE) {
				if ((words[i] = malloc(strlen(m->path) + 6)) !=
				    NULL)
					snprintf(words[i], strlen(m->path) + 6,
					    "file:%s", m->path);
			} else
				words[i] = strdup(m->kind == PX_MAP_CN ? "cn"
				        : m->kind == PX_MAP_UPN        ? "upn"
				        : m->kind == PX_MAP_EMAIL      ? "email"
				                                  : "ldap");
			if (words[i] == NULL) {
				*nomem = 1;
				while (i-- > 0)
					free(words[i]);
				return NULL;
			}
		}
		out = join(words, cfg->n_mapping, nomem);
		for (i = 0; i < cfg->n_mapping; i++)
			free(words[i]);
		return out;
	default:
		if ((v = *(char *const *)f) == NULL)
			return NULL;
	}
	if ((out = strdup(v)) == NULL)
		*nomem = 1;
	return out;
}

int
px_config_walk(const struct px_config *cfg,
    int (*fn)(
        void *arg, const char *section, const char *key, const char *value),
    void *arg)
{
	char *v = NULL;
	size_t i;
	int r, nomem = 0;

	for (i = 0; i < NKEYS; i++) {
		if (cfg != NULL &&
		    (v = format_key(cfg, &keys[i], &nomem)) == NULL && nomem)
			return PX_ERR_NOMEM;
		r = fn(arg, keys[i].section, keys[i].name, v);
		free(v);
		v = NULL;
		if (r != 0)
			return r;
	}
	return 0;
}
