/* SPDX-License-Identifier: BSD-2-Clause */
/* The strict URL parser and the allowed_urls matcher. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/url.h"

static void
refused(const char *s, const char *why)
{
	struct px_url u;

	if (px_url_parse(s, &u) != PX_ERR_BAD_URL)
		fail_msg("accepted: %s", s);
	if (strstr(u.why, why) == NULL)
		fail_msg("%s: reason \"%s\", expected \"%s\"", s, u.why, why);
}

static void
test_good(void **state)
{
	struct px_url u;

	assert_int_equal(px_url_parse("http://PKI.Example.com/x.crl", &u), 0);
	assert_int_equal(u.scheme, PX_SCHEME_HTTP);
	assert_string_equal(u.host, "pki.example.com");
	assert_int_equal(u.port, 80);
	assert_int_equal(u.path_len, 6);
	assert_memory_equal(u.path, "/x.crl", 6);
	assert_null(u.query);
	assert_int_equal(px_url_parse("HTTPS://h:8443", &u), 0);
	assert_int_equal(u.scheme, PX_SCHEME_HTTPS);
	assert_int_equal(u.port, 8443);
	assert_int_equal(u.path_len, 0);
	assert_int_equal(px_url_parse("http://[::1]:9/a?b=c", &u), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 9);
	assert_string_equal(u.query, "b=c");
	assert_int_equal(px_url_parse("http://[2001:DB8::1]/", &u), 0);
	assert_string_equal(u.host, "2001:db8::1");
	assert_int_equal(px_url_parse("http://127.0.0.1:65535/", &u), 0);
	assert_int_equal(px_url_parse("ldap:///cn=Issuing%20CA,dc=example,"
	                              "dc=com?certificateRevocationList;binary"
	                              "?base?objectClass=cRLDistributionPoint",
	                     &u),
	    0);
	assert_int_equal(u.scheme, PX_SCHEME_LDAP);
	assert_string_equal(u.host, "");
	assert_int_equal(u.port, 389);
	assert_int_equal(px_url_parse("ldaps://dc.example.test/cn=x", &u), 0);
	assert_int_equal(u.port, 636);
	assert_int_equal(
	    px_url_parse("http://h/ocsp/MEUwQzBBMD8w%2BzAH%2Fx%3D%3D", &u), 0);
	assert_int_equal(px_url_parse("http://h/a.crl/...x/.x/x./x..", &u), 0);
}

static void
test_refused(void **state)
{
	char host[400], url[500];

	refused("http://h/x\n.crl", "control character");
	refused("ldap://h/cn=x\r\nevil", "control character");
	refused("http://h/x\t", "control character");
	refused("http://h/a b", "space");
	refused("http://h/\xc3\xa9", "non-ASCII");
	refused("http://h/a%00b", "percent-encoded control");
	refused("ldap://h/cn=a%0Ab", "percent-encoded control");
	refused("http://h/a%zz", "malformed percent");
	refused("http://h/a%4", "malformed percent");
	refused("http://pki.example.com@127.0.0.1:9/x.crl", "userinfo");
	refused("http://u:p@h/", "userinfo");
	refused("http:///x.crl", "empty host");
	refused("http://:80/x.crl", "port without a host");
	refused("ftp://h/x", "unknown scheme");
	refused("file:///etc/passwd", "unknown scheme");
	refused("h/x.crl", "no scheme");
	refused("", "empty");
	refused("http://h:/x", "empty port");
	refused("http://h:65536/x", "port out of range");
	refused("http://h:0/x", "port out of range");
	refused("http://h:99999999/x", "port out of range");
	refused("http://h:8x/x", "not a number");
	refused("http://[::1/x", "IPv6");
	refused("http://[fe80::1%25eth0]/x", "IPv6");
	refused("http://[zz::1]/x", "IPv6");
	refused("http://[::1]x/", "junk after");
	refused("http://h/x#frag", "fragment");
	refused("http://a..b/x", "empty label");
	refused("http://.a/x", "empty label");
	refused("http://a./x", "empty label");
	refused("http://h/crl/../evil", "dot segment");
	refused("http://h/crl/%2e%2E/evil", "dot segment");
	refused("http://h/./x", "dot segment");
	refused("http://h/crl%2F..%2Fevil", "dot segment");
	refused("http://h/crl%5c%2e%2e%5cevil", "dot segment");
	refused("http://h/crl/..", "dot segment");
	refused("http://h/..", "dot segment");
	refused("http://h/a\\b", "character '\\'");
	refused("http://h/<x>", "character '<'");
	refused("http://h\"/", "character '\"'");
	memset(host, 'a', 300);
	host[300] = '\0';
	snprintf(url, sizeof(url), "http://%s/x.crl", host);
	refused(url, "longer than 253");
	memset(host, 'a', 64);
	host[64] = '\0';
	snprintf(url, sizeof(url), "http://%s.example/x.crl", host);
	refused(url, "label longer than 63");
	{
		char *big = malloc(PX_URL_MAX + 20);

		assert_non_null(big);
		memcpy(big, "http://h/", 9);
		memset(big + 9, 'a', PX_URL_MAX);
		big[PX_URL_MAX + 9] = '\0';
		refused(big, "longer than 2048");
		free(big);
	}
}

/* The reason never carries the URL's bytes: it can be logged as is. */
static void
test_reason_is_clean(void **state)
{
	struct px_url u;
	const char *p;

	assert_int_not_equal(px_url_parse("http://h/\x1b[31m\nfake", &u), 0);
	for (p = u.why; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
}

static int
allowed(const char *rule, const char *url)
{
	struct px_url r, u;

	assert_int_equal(px_url_parse(rule, &r), 0);
	if (px_url_parse(url, &u) != 0)
		return 0;
	return px_url_match(&r, &u);
}

static void
test_match(void **state)
{
	const char *rule = "http://pki.example.com";

	assert_true(allowed(rule, "http://pki.example.com/x.crl"));
	assert_true(allowed(rule, "http://PKI.EXAMPLE.COM:80/x.crl"));
	assert_true(allowed(rule, "HTTP://pki.example.com"));
	assert_false(allowed(rule, "http://pki.example.com@127.0.0.1:9/x.crl"));
	assert_false(allowed(rule, "http://pki.example.com.anything/"));
	assert_false(allowed(rule, "http://pki.example.com:8080/x.crl"));
	assert_false(allowed(rule, "https://pki.example.com/x.crl"));
	assert_false(allowed(rule, "http://evil.pki.example.com/x.crl"));
	/* A path without a trailing slash ends at a segment boundary. */
	rule = "http://pki.example.com/crl";
	assert_true(allowed(rule, "http://pki.example.com/crl"));
	assert_true(allowed(rule, "http://pki.example.com/crl/x.crl"));
	assert_true(allowed(rule, "http://pki.example.com/crl?x=1"));
	assert_false(allowed(rule, "http://pki.example.com/crlx/x.crl"));
	assert_false(allowed(rule, "http://pki.example.com/"));
	assert_false(allowed(rule, "http://pki.example.com/crl/../x"));
	rule = "http://pki.example.com/crl/";
	assert_true(allowed(rule, "http://pki.example.com/crl/x.crl"));
	assert_false(allowed(rule, "http://pki.example.com/crl"));
	rule = "https://pki.example.com:443/";
	assert_true(allowed(rule, "https://pki.example.com/x"));
	rule = "http://[::1]:8080/";
	assert_true(allowed(rule, "http://[0:0::1]:8080/x"));
	assert_true(allowed(rule, "http://[::1]:8080/x"));
	rule = "ldap://dc.example.test/";
	assert_true(allowed(rule, "ldap://DC.example.test:389/cn=x"));
	assert_false(allowed(rule, "ldaps://dc.example.test/cn=x"));
	assert_false(allowed(rule, "ldap:///cn=x"));
	rule = "ldap:///";
	assert_true(allowed(rule, "ldap:///cn=x?certificateRevocationList"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_reason_is_clean),
		cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
