/* SPDX-License-Identifier: BSD-2-Clause */
/* The configuration parser: types, ranges, defaults and messages. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/conf.h"
#include "common/log.h"

static char logbuf[16384];

static int nlogged;

static void
capture(void *arg, int level, const char *msg)
{
	size_t n = strlen(logbuf);

	nlogged++;

	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

static int
reset(void **state)
{
	logbuf[0] = '\0';
	nlogged = 0;
	px_log_set_sink(capture, NULL);
	return 0;
}

/* Parses text into a fresh config; returns the result code. */
static int
parse(const char *text, struct px_config **cfgp)
{
	struct px_config *cfg = px_config_new();
	int r;

	assert_non_null(cfg);
	logbuf[0] = '\0';
	r = px_config_parse(cfg, "t.conf", text);
	*cfgp = cfg;
	return r;
}

static void
assert_logged(const char *needle)
{
	if (strstr(logbuf, needle) == NULL)
		fail_msg("expected \"%s\" in the log:\n%s", needle, logbuf);
}

static void
test_defaults(void **state)
{
	struct px_config *cfg = px_config_new();

	assert_non_null(cfg);
	assert_int_equal(cfg->revocation, PX_REV_REQUIRE);
	assert_int_equal(cfg->ocsp_to_crl_count, 50);
	assert_int_equal(cfg->url_timeout, 15);
	assert_int_equal(cfg->cumulative_timeout, 0);
	assert_int_equal(cfg->max_object_size, 64 * 1024 * 1024);
	assert_int_equal(cfg->crl_grace, 0);
	assert_int_equal(cfg->ocsp_lifetime, 3600);
	assert_int_equal(cfg->ocsp_max_age, 86400);
	assert_int_equal(cfg->prefer_crl, 0);
	assert_int_equal(cfg->offline, 0);
	assert_int_equal(cfg->memory, 1);
	assert_string_equal(cfg->machine_dir, PX_CACHE_DIR);
	assert_string_equal(cfg->user_dir, "~/.cache/pam_pkix");
	assert_string_equal(cfg->ldap_user_filter, "(uid=%u)");
	assert_int_equal(cfg->n_mapping, 2);
	assert_int_equal(cfg->mapping[0].kind, PX_MAP_UPN);
	assert_int_equal(cfg->mapping[1].kind, PX_MAP_CN);
	assert_null(cfg->ocsp_responder);
	px_config_free(cfg);
}

static void
test_values(void **state)
{
	struct px_config *cfg;

	assert_int_equal(parse("[revocation]\n"
	                       "revocation = best-effort\n"
	                       "crl_grace = 2h\n"
	                       "ocsp_max_age = 2d\n"
	                       "max_object_size = 512K\n"
	                       "ocsp_to_crl_count = 3 ; inline comment\n"
	                       "[fetch]\n"
	                       "url_timeout = 5\n"
	                       "cumulative_timeout = 20s\n"
	                       "offline = yes\n"
	                       "allowed_urls = http://a.test/, ldap://b.test/\n"
	                       "[login]\n"
	                       "mapping = file:/etc/map, email\n"
	                       "wait_for_card = 1m\n",
	                     &cfg),
	    0);
	assert_int_equal(cfg->revocation, PX_REV_BEST_EFFORT);
	assert_int_equal(cfg->crl_grace, 7200);
	assert_int_equal(cfg->ocsp_max_age, 2 * 86400);
	assert_int_equal(cfg->max_object_size, 512 * 1024);
	assert_int_equal(cfg->ocsp_to_crl_count, 3);
	assert_int_equal(cfg->url_timeout, 5);
	assert_int_equal(cfg->cumulative_timeout, 20);
	assert_int_equal(cfg->offline, 1);
	assert_int_equal(cfg->n_allowed_urls, 2);
	assert_string_equal(cfg->allowed_urls[0], "http://a.test/");
	assert_string_equal(cfg->allowed_urls[1], "ldap://b.test/");
	assert_int_equal(cfg->n_mapping, 2);
	assert_int_equal(cfg->mapping[0].kind, PX_MAP_FILE);
	assert_string_equal(cfg->mapping[0].path, "/etc/map");
	assert_int_equal(cfg->mapping[1].kind, PX_MAP_EMAIL);
	assert_int_equal(cfg->wait_for_card, 60);
	px_config_free(cfg);
}

struct bad_case {
	const char *text;
	const char *message;
};

static void
test_errors_name_line_and_key(void **state)
{
	static const struct bad_case cases[] = {
		{ "[trust]\nbogus = 1\n",
		    "t.conf:2: [trust] bogus: unknown key" },
		{ "[x]\nca_dir = /a\n", "t.conf:2: [x] ca_dir: unknown key" },
		{ "\n\n[fetch]\nurl_timeout = 0\n",
		    "t.conf:4: [fetch] url_timeout: '0': out of range" },
		{ "[fetch]\nurl_timeout = 301\n", "out of range" },
		{ "[fetch]\ncumulative_timeout = 11m\n", "out of range" },
		{ "[revocation]\ncrl_grace = 31d\n", "out of range" },
		{ "[revocation]\nocsp_max_age = 31d\n", "out of range" },
		{ "[revocation]\nocsp_max_age = soon\n",
		    "expected a duration" },
		{ "[revocation]\nmax_object_size = 100\n", "out of range" },
		{ "[revocation]\nmax_object_size = 2G\n", "out of range" },
		{ "[revocation]\nocsp_to_crl_count = 1000001\n",
		    "out of range" },
		{ "[revocation]\nocsp_to_crl_count = many\n",
		    "expected a number" },
		{ "[cache]\nuser_dir = cache\n",
		    "must be an absolute path or start with ~/" },
		{ "[login]\npkcs11_module = lib/x.so\n",
		    "must be an absolute path or a bare library name" },
		{ "[login]\nldap_user_filter = uid=%u\n",
		    "must be an LDAP filter in parentheses" },
		{ "[login]\nmapping = file:relative\n",
		    "must be an absolute path" },
		{ "[login]\nmapping = ,\n", "at least one method is needed" },
		{ "[fetch]\nproxy = proxy:3128\n", "must be a proxy URL" },
		{ "[fetch]\nldap_server = http://dc/\n",
		    "must be host[:port] or an ldap:// or ldaps:// URL" },
		{ "[fetch]\nallowed_urls = http://\n", "allowed_urls" },
		{ "[trust]\nca_dir = /a\x01\n",
		    "contains a control character" },
		{ "[trust]\n[trust]\nca_dir=/a\nca_dir=/b\n",
		    "t.conf:4: [trust] ca_dir: given twice" },
		{ "[trust]\nca_dir = /a\n  /b\n", "given twice" },
		{ "[trust\nca_dir = /a\n", "t.conf:1: syntax error" },
	};
	struct px_config *cfg;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].text, &cfg), PX_ERR_CONFIG);
		assert_logged(cases[i].message);
		px_config_free(cfg);
	}
}

static void
test_list_replaces_default(void **state)
{
	struct px_config *cfg;

	assert_int_equal(parse("[login]\nmapping = ldap\n", &cfg), 0);
	assert_int_equal(cfg->n_mapping, 1);
	assert_int_equal(cfg->mapping[0].kind, PX_MAP_LDAP);
	px_config_free(cfg);
}

static void
test_too_many_list_entries(void **state)
{
	char text[2048] = "[login]\nmapping = cn cn cn cn cn cn cn cn cn\n";
	struct px_config *cfg;

	assert_int_equal(parse(text, &cfg), PX_ERR_CONFIG);
	assert_logged("too many methods");
	px_config_free(cfg);
}

static void
test_set_override(void **state)
{
	struct px_config *cfg = px_config_new();

	assert_int_equal(
	    px_config_set(cfg, "revocation", "revocation", "none"), 0);
	assert_int_equal(cfg->revocation, PX_REV_NONE);
	assert_int_equal(px_config_set(cfg, "revocation", "revocation", "soft"),
	    PX_ERR_CONFIG);
	assert_int_equal(cfg->revocation, PX_REV_NONE);
	assert_logged("expected require, best-effort or none");
	assert_int_equal(
	    px_config_set(cfg, "login", "nope", "1"), PX_ERR_CONFIG);
	assert_logged("unknown option [login] nope");
	px_config_free(cfg);
}

/* Every bad line is named, syntax errors included, not only the first. */
static void
test_every_error(void **state)
{
	struct px_config *cfg;

	assert_int_equal(parse("[login]\nfoo = 1\nbad line\nbar = 2\n"
	                       "[nosuch\nmapping = cn\n  indented\n",
	                     &cfg),
	    PX_ERR_CONFIG);
	assert_logged("t.conf:2: [login] foo: unknown key");
	assert_logged("t.conf:3: syntax error");
	assert_logged("t.conf:4: [login] bar: unknown key");
	assert_logged("t.conf:5: syntax error (no ']' after '[')");
	/* An indented line after a key is a continuation: refused too. */
	assert_logged("t.conf:7: [login] mapping: given twice");
	px_config_free(cfg);
	/* A comment with ':' or '=' and an indented first key are fine. */
	assert_int_equal(parse("; a = b\n# c: d\n[login]\n  mapping = cn\n"
	                       "wait_for_card = 5 ; seconds\n",
	                     &cfg),
	    0);
	px_config_free(cfg);
}

/* 10,000 errors: 100 lines, then one that counts the others. */
static void
test_errors_bounded(void **state)
{
	struct px_config *cfg;
	char *text;
	size_t i, o = 0, len = 16 + 10000 * 4;

	assert_non_null(text = malloc(len + 1));
	o += (size_t)snprintf(text, len, "[login]\n");
	for (i = 0; i < 10000; i++)
		o += (size_t)snprintf(text + o, len - o, "x=1\n");
	nlogged = 0;
	assert_int_equal(parse(text, &cfg), PX_ERR_CONFIG);
	assert_int_equal(nlogged, PX_CONF_ERRORS_MAX + 1);
	assert_logged("t.conf: 9900 more errors");
	px_config_free(cfg);
	free(text);
}

struct dump {
	char buf[8192];
	size_t n;
	int keys;
	int unset;
};

static int
dump_key(void *arg, const char *section, const char *key, const char *value)
{
	struct dump *d = arg;

	d->keys++;
	if (value == NULL) {
		d->unset++;
		return 0;
	}
	d->n += (size_t)snprintf(d->buf + d->n, sizeof(d->buf) - d->n,
	    "[%s]\n%s = %s\n", section, key, value);
	assert_true(d->n < sizeof(d->buf));
	return 0;
}

static int
stop_at_second(
    void *arg, const char *section, const char *key, const char *value)
{
	return ++*(int *)arg == 2 ? 42 : 0;
}

/* The walk gives every key of the table in a form the parser reads back
 * to the same values. */
static void
test_walk(void **state)
{
	struct px_config *cfg;
	struct dump a, b;
	int n = 0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(
	    parse("[revocation]\nocsp_lifetime = 90m\n"
	          "max_object_size = 2048K\ncrl_grace = 0\n"
	          "[fetch]\nallowed_urls = http://a.test/ "
	          "https://b.test/x\nhelper_environment = A=1 B=2\n"
	          "[login]\nmapping = file:/etc/u ldap cn\n"
	          "[ssh]\nssh_unmatched = ignore\n"
	          "[policy]\nrequired_policies = 1.2.3, 2.5.29.32.0\n",
	        &cfg),
	    0);
	assert_int_equal(px_config_walk(cfg, dump_key, &a), 0);
	assert_true(strstr(a.buf, "ocsp_lifetime = 90m\n") != NULL);
	assert_true(strstr(a.buf, "max_object_size = 2M\n") != NULL);
	assert_true(strstr(a.buf, "crl_grace = 0\n") != NULL);
	assert_true(strstr(a.buf, "ocsp_max_age = 1d\n") != NULL);
	assert_true(strstr(a.buf, "mapping = file:/etc/u ldap cn\n") != NULL);
	assert_true(strstr(a.buf, "helper_environment = A=1 B=2\n") != NULL);
	assert_true(
	    strstr(a.buf, "required_policies = 1.2.3 2.5.29.32.0\n") != NULL);
	assert_true(strstr(a.buf, "ssh_unmatched = ignore\n") != NULL);
	assert_true(strstr(a.buf, "upn_realms") == NULL); /* unset */
	px_config_free(cfg);
	/* Read back: the same text again.  (Repeated [section] lines are
	 * fine for inih.) */
	assert_int_equal(parse(a.buf, &cfg), 0);
	assert_int_equal(px_config_walk(cfg, dump_key, &b), 0);
	assert_string_equal(a.buf, b.buf);
	assert_int_equal(a.keys, b.keys);
	px_config_free(cfg);
	/* Without a configuration: the names only, every one unset. */
	memset(&b, 0, sizeof(b));
	assert_int_equal(px_config_walk(NULL, dump_key, &b), 0);
	assert_int_equal(b.keys, a.keys);
	assert_int_equal(b.unset, b.keys);
	assert_int_equal(px_config_walk(NULL, stop_at_second, &n), 42);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, reset),
		cmocka_unit_test_setup(test_values, reset),
		cmocka_unit_test_setup(test_errors_name_line_and_key, reset),
		cmocka_unit_test_setup(test_list_replaces_default, reset),
		cmocka_unit_test_setup(test_too_many_list_entries, reset),
		cmocka_unit_test_setup(test_set_override, reset),
		cmocka_unit_test_setup(test_every_error, reset),
		cmocka_unit_test_setup(test_errors_bounded, reset),
		cmocka_unit_test_setup(test_walk, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
