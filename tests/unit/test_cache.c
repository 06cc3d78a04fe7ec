/* SPDX-License-Identifier: BSD-2-Clause */
/* Cache internals: metadata files, the compiled CRL index and its loader,
 * DER times, the offline list's backoff, the time budget. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "cache/cache_int.h"
#include "cache/offline.h"
#include "common/log.h"
#include "pkix/pkix_int.h"

static void
quiet(void *arg, int level, const char *msg)
{
}

/* ---- metadata ---- */

static void
fill_meta(struct px_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->url = strdup("http://crl.example.test/a.crl");
	m->kind = PX_KIND_CRL;
	m->etag = strdup("\"abc-123\"");
	m->last_modified = strdup("Tue, 29 Apr 2008 16:19:14 GMT");
	m->date = strdup("Wed, 14 May 2008 23:50:38 GMT");
	m->via = strdup("1.1 PRXY-23");
	m->max_age = 86400;
	m->fetched_at = 1700000000;
	m->info.this_update = 1699990000;
	m->info.next_update = 1700600000;
	m->info.number[0] = 0x01;
	m->info.number[1] = 0x2c;
	m->info.number_len = 2;
	snprintf(m->info.issuer, sizeof(m->info.issuer), "CN=Test CA");
	m->info.entries = 42;
	m->size = 828;
	memset(m->sha256, 0xab, sizeof(m->sha256));
}

static void
test_meta_roundtrip(void **state)
{
	struct px_meta m, p;
	char *text;

	fill_meta(&m);
	text = px_meta_format(&m);
	assert_non_null(text);
	assert_int_equal(px_meta_parse(text, &p), 0);
	assert_string_equal(p.url, m.url);
	assert_int_equal(p.kind, PX_KIND_CRL);
	assert_string_equal(p.etag, m.etag);
	assert_string_equal(p.last_modified, m.last_modified);
	assert_string_equal(p.date, m.date);
	assert_string_equal(p.via, m.via);
	assert_int_equal(p.max_age, 86400);
	assert_int_equal(p.fetched_at, m.fetched_at);
	assert_int_equal(p.info.this_update, m.info.this_update);
	assert_int_equal(p.info.next_update, m.info.next_update);
	assert_int_equal(p.info.number_len, 2);
	assert_memory_equal(p.info.number, m.info.number, 2);
	assert_string_equal(p.info.issuer, "CN=Test CA");
	assert_int_equal(p.info.entries, 42);
	assert_int_equal(p.size, 828);
	assert_memory_equal(p.sha256, m.sha256, 32);
	free(text);
	px_meta_clear(&m);
	px_meta_clear(&p);
}

static void
test_meta_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"pam_pkix-cache 2\nurl x\n",
		"url http://x\nkind crl\n",
		/* no sha256 */
		"pam_pkix-cache 1\nurl http://x\nkind crl\nfetched_at 5\n"
		"size 1\n",
		/* sha256 too short */
		"pam_pkix-cache 1\nurl http://x\nkind crl\nfetched_at 5\n"
		"size 1\nsha256 abcd\n",
		/* bad hex */
		"pam_pkix-cache 1\nurl http://x\nkind crl\nfetched_at 5\n"
		"size 1\nsha256 zz\n",
		/* unknown key */
		"pam_pkix-cache 1\nbogus 1\n",
		/* url twice */
		"pam_pkix-cache 1\nurl a\nurl b\n",
		/* bad kind */
		"pam_pkix-cache 1\nkind dll\n",
		/* negative size */
		"pam_pkix-cache 1\nsize -1\n",
		/* a number with trailing garbage */
		"pam_pkix-cache 1\nfetched_at 12x\n",
		/* a line without a value */
		"pam_pkix-cache 1\nurl\n",
		/* CRL number longer than 32 bytes */
		"pam_pkix-cache 1\nnumber "
		"0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		"2021\n",
	};
	struct px_meta m;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (px_meta_parse(bad[i], &m) == 0)
			fail_msg("case %zu parsed", i);
		assert_null(m.url);
	}
}

/* ---- the compiled index ---- */

static EVP_PKEY *key;
static X509 *ca;

static int
setup_ca(void **state)
{
	X509_NAME *n;

	px_log_set_sink(quiet, NULL);
	key = EVP_EC_gen("P-256");
	ca = X509_new();
	n = X509_NAME_new();
	if (key == NULL || ca == NULL || n == NULL)
		return -1;
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"Index CA", -1, -1, 0);
	X509_set_version(ca, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(ca), 1);
	X509_set_subject_name(ca, n);
	X509_set_issuer_name(ca, n);
	X509_gmtime_adj(X509_getm_notBefore(ca), -3600);
	X509_gmtime_adj(X509_getm_notAfter(ca), 86400);
	X509_set_pubkey(ca, key);
	X509_NAME_free(n);
	return X509_sign(ca, key, EVP_sha256()) > 0 ? 0 : -1;
}

static int
teardown_ca(void **state)
{
	X509_free(ca);
	EVP_PKEY_free(key);
	return 0;
}

static const long serials[] = { 7, -3, 300, 1, 0x7fffffffL, 65536, 2, 299 };
#define NSERIALS (sizeof(serials) / sizeof(serials[0]))

static int
keep(void *arg, struct px_crl *c)
{
	*(struct px_crl **)arg = c;
	return 0;
}

/* A CRL listing serials (unsorted on purpose), reason = index % 11. */
static struct px_crl *
make_crl(unsigned char **derp, size_t *lenp)
{
	X509_CRL *x = X509_CRL_new();
	X509_REVOKED *rev;
	ASN1_TIME *t = ASN1_TIME_new();
	ASN1_INTEGER *s;
	ASN1_ENUMERATED *e;
	struct px_crl *c = NULL;
	unsigned char *der = NULL;
	int len;
	size_t i;

	X509_CRL_set_version(x, 1);
	X509_CRL_set_issuer_name(x, X509_get_subject_name(ca));
	X509_gmtime_adj(t, -60);
	X509_CRL_set1_lastUpdate(x, t);
	X509_gmtime_adj(t, 3600);
	X509_CRL_set1_nextUpdate(x, t);
	for (i = 0; i < NSERIALS; i++) {
		rev = X509_REVOKED_new();
		s = ASN1_INTEGER_new();
		ASN1_INTEGER_set(s, serials[i]);
		X509_REVOKED_set_serialNumber(rev, s);
		ASN1_TIME_set(t, (time_t)(1600000000 + i));
		X509_REVOKED_set_revocationDate(rev, t);
		if (i % 2 == 0) {
			e = ASN1_ENUMERATED_new();
			ASN1_ENUMERATED_set(e, (long)(i % 11));
			X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, e, 0, 0);
			ASN1_ENUMERATED_free(e);
		}
		X509_CRL_add0_revoked(x, rev);
		ASN1_INTEGER_free(s);
	}
	assert_true(X509_CRL_sign(x, key, EVP_sha256()) > 0);
	len = i2d_X509_CRL(x, &der);
	assert_true(len > 0);
	assert_int_equal(px_crl_parse(der, (size_t)len, "t", keep, &c), 0);
	*derp = der;
	*lenp = (size_t)len;
	X509_CRL_free(x);
	ASN1_TIME_free(t);
	return c;
}

/* Builds the index of make_crl()'s CRL into *idx. */
static void
build(unsigned char **idx, size_t *len, unsigned char sha[32])
{
	unsigned char *der;
	size_t dlen;
	struct px_crl *c = make_crl(&der, &dlen);

	SHA256(der, dlen, sha);
	assert_int_equal(px_crl_index_build(c, ca, sha, idx, len), 0);
	px_crl_free(c);
	OPENSSL_free(der);
}

static int
lookup(const struct px_crl *c, long serial, struct px_crl_entry *e)
{
	ASN1_INTEGER *s = ASN1_INTEGER_new();
	int r;

	ASN1_INTEGER_set(s, serial);
	r = px_crl_lookup(c, s, e);
	ASN1_INTEGER_free(s);
	return r;
}

static void
test_index_lookup(void **state)
{
	struct px_blob b = { NULL, -1, 0 };
	unsigned char sha[32];
	struct px_crl *c;
	struct px_crl_entry e;
	size_t i;

	build(&b.mem, &b.len, sha);
	assert_int_equal(px_crl_from_index(&b, sha, "idx", &c), 0);
	assert_null(c->crl);
	assert_int_equal(c->nrecs, NSERIALS);
	assert_int_equal(
	    X509_NAME_cmp(c->issuer, X509_get_subject_name(ca)), 0);
	/* The issuer is recognised by its key without a signature check. */
	assert_int_equal(px_crl_check_issuer(c, ca), 0);
	for (i = 0; i < NSERIALS; i++) {
		assert_int_equal(lookup(c, serials[i], &e), 1);
		assert_int_equal(e.revoked_at, 1600000000 + (long)i);
		assert_int_equal(e.reason, i % 2 == 0 ? (int)(i % 11) : -1);
	}
	assert_int_equal(lookup(c, 3, &e), 0); /* -3 is listed, 3 is not */
	assert_int_equal(lookup(c, 0, &e), 0);
	assert_int_equal(lookup(c, 301, &e), 0);
	assert_int_equal(lookup(c, -7, &e), 0);
	assert_int_equal(lookup(c, 0x7ffffffeL, &e), 0);
	/* The file shrinks under the process (truncated, damaged): a record
	 * that cannot be read is no "not listed" but an unknown status. */
	b.len = c->recs_off + 1;
	assert_int_equal(lookup(c, serials[NSERIALS - 1], &e), -1);
	px_crl_free(c);
	free(b.mem);
}

static void
test_index_bounds(void **state)
{
	struct px_blob b = { NULL, -1, 0 }, d;
	unsigned char sha[32], other[32], *copy;
	struct px_crl *c;
	struct px_crl_entry e;
	size_t i, off, hdr;

	build(&b.mem, &b.len, sha);
	copy = malloc(b.len);
	assert_non_null(copy);
	d.mem = copy;
	d.fd = -1;
	/* Every truncation is refused. */
	for (d.len = 0; d.len < b.len; d.len += d.len < 200 ? 1 : 7) {
		memcpy(copy, b.mem, b.len);
		if (px_crl_from_index(&d, sha, "idx", &c) == 0)
			fail_msg("truncated to %zu accepted", d.len);
	}
	d.len = b.len;
	/* Another object's hash is refused. */
	memset(other, 0x5a, sizeof(other));
	assert_int_equal(
	    px_crl_from_index(&b, other, "idx", &c), PX_ERR_BAD_FORMAT);
	/* Any single damaged byte of the header (issuer and IDP included):
	 * refused, or harmless, and nothing leaks. */
	hdr = (size_t)b.mem[8] | (size_t)b.mem[9] << 8;
	assert_true(hdr > 192 && hdr < b.len);
	for (off = 0; off < hdr; off++) {
		memcpy(copy, b.mem, b.len);
		copy[off] ^= 0xff;
		if (px_crl_from_index(&d, sha, "idx", &c) == 0) {
			for (i = 0; i < NSERIALS; i++)
				(void)lookup(c, serials[i], &e);
			px_crl_free(c);
		}
	}
	/* An issuer name followed by stray bytes: refused, nothing leaks. */
	memcpy(copy, b.mem, b.len);
	copy[172]++;
	assert_int_equal(
	    px_crl_from_index(&d, sha, "idx", &c), PX_ERR_BAD_FORMAT);
	/* Damaged records (length bytes included) never read out of bounds:
	 * ASan watches the lookups. */
	memcpy(copy, b.mem, b.len);
	for (off = hdr; off < b.len; off++)
		copy[off] = 0xff;
	assert_int_equal(px_crl_from_index(&d, sha, "idx", &c), 0);
	for (i = 0; i < NSERIALS; i++)
		(void)lookup(c, serials[i], &e);
	px_crl_free(c);
	free(copy);
	free(b.mem);
}

/* ---- DER times ---- */

static void
check_time(int type, const char *s)
{
	ASN1_TIME *t = ASN1_TIME_new();
	struct tm tm;
	time_t fast;

	assert_true(ASN1_STRING_set(t, s, (int)strlen(s)));
	t->type = type;
	assert_int_equal(ASN1_TIME_to_tm(t, &tm), 1);
	assert_int_equal(px_asn1_time(t, &fast), 0);
	if (fast != timegm(&tm))
		fail_msg("%s: %lld != %lld", s, (long long)fast,
		    (long long)timegm(&tm));
	ASN1_TIME_free(t);
}

static void
test_asn1_time(void **state)
{
	ASN1_TIME *t = ASN1_TIME_new();
	time_t v;

	check_time(V_ASN1_UTCTIME, "700101000000Z");
	check_time(V_ASN1_UTCTIME, "991231235959Z");
	check_time(V_ASN1_UTCTIME, "000229120000Z");
	check_time(V_ASN1_UTCTIME, "491231235959Z");
	check_time(V_ASN1_UTCTIME, "500101000000Z");
	check_time(V_ASN1_UTCTIME, "260301000000Z");
	check_time(V_ASN1_GENERALIZEDTIME, "21000301000000Z");
	check_time(V_ASN1_GENERALIZEDTIME, "20241231235959Z");
	check_time(V_ASN1_GENERALIZEDTIME, "19691231235959Z");
	/* Not a time: refused, not misread. */
	assert_true(ASN1_STRING_set(t, "261301000000Z", 13));
	t->type = V_ASN1_UTCTIME;
	assert_int_equal(px_asn1_time(t, &v), PX_ERR_BAD_FORMAT);
	assert_true(ASN1_STRING_set(t, "2603010000ZZZ", 13));
	assert_int_equal(px_asn1_time(t, &v), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_asn1_time(NULL, &v), PX_ERR_BAD_FORMAT);
	ASN1_TIME_free(t);
}

/* ---- offline list and budget ---- */

static time_t fake_now;

static time_t
clock_fake(void)
{
	return fake_now;
}

static void
test_offline_backoff(void **state)
{
	struct px_offline *o;
	char note[160];
	const char *server = "http://dead.example.test:80";
	long expect[] = { 15, 30, 60, 120, 240, 480, 960, 1800, 1800 };
	size_t i;

	assert_int_equal(px_offline_new(NULL, NULL, &o), 0);
	px_offline_set_clock(o, clock_fake);
	fake_now = 1000;
	assert_int_equal(px_offline_check(o, server, note, sizeof(note)), 0);
	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		px_offline_failed(o, server);
		assert_int_equal(
		    px_offline_check(o, server, note, sizeof(note)), 1);
		fake_now += expect[i] - 1;
		assert_int_equal(
		    px_offline_check(o, server, note, sizeof(note)), 1);
		fake_now += 1;
		/* Its retry time: this process may probe it. */
		if (px_offline_check(o, server, note, sizeof(note)) != 2)
			fail_msg("step %zu: still offline after %ld s", i,
			    expect[i]);
	}
	px_offline_succeeded(o, server);
	assert_int_equal(px_offline_check(o, server, note, sizeof(note)), 0);
	px_offline_failed(o, server);
	fake_now += 15;
	assert_int_equal(px_offline_check(o, server, note, sizeof(note)), 2);
	px_offline_free(o);
}

/* Two processes sharing a list: when the retry time comes, one probes and
 * the other fails fast until the probe's result is recorded. */
static void
test_offline_one_probe(void **state)
{
	struct px_offline *a, *b;
	struct px_cdir d;
	char dir[] = "/tmp/pam_pkix-unit.XXXXXX", note[160];
	const char *server = "http://dead.example.test:80";

	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	assert_int_equal(px_cdir_open(dir, 0, &d), 0);
	assert_int_equal(px_offline_new(&d, &d, &a), 0);
	assert_int_equal(px_offline_new(&d, &d, &b), 0);
	px_offline_set_clock(a, clock_fake);
	px_offline_set_clock(b, clock_fake);
	fake_now = 5000;
	px_offline_failed(a, server);
	assert_int_equal(px_offline_check(b, server, note, sizeof(note)), 1);
	fake_now += 15;
	assert_int_equal(px_offline_check(a, server, note, sizeof(note)), 2);
	assert_int_equal(px_offline_check(b, server, note, sizeof(note)), 1);
	px_offline_succeeded(a, server);
	assert_int_equal(px_offline_check(b, server, note, sizeof(note)), 0);
	px_offline_free(a);
	px_offline_free(b);
	px_cdir_close(&d);
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static void
test_budget(void **state)
{
	struct px_config *cfg = px_config_new();
	struct px_budget b;
	long first;

	assert_non_null(cfg);
	px_budget_init(&b, cfg);
	assert_int_equal(px_budget_next(&b), 15000);
	cfg->cumulative_timeout = 20;
	px_budget_init(&b, cfg);
	first = px_budget_next(&b);
	assert_true(first <= 10000 && first > 9900);
	b.deadline_ms = px_now_ms() + 5000;
	assert_true(px_budget_next(&b) <= 2500);
	b.deadline_ms = px_now_ms() - 1;
	assert_int_equal(px_budget_next(&b), 0);
	px_config_free(cfg);
}

/* ---- the OCSP response counts (cache/ocspcount.c) ---- */

static void
test_ocount_roundtrip(void **state)
{
	static const char *keys[] = {
		"http://ocsp.example.test/#3041aa",
		"http://ocsp.example.test/#3041bb",
		"http://other.example.test/a b%c\n#30ff", /* escaped */
		"http://other.example.test/a b%c\n#3000",
		"http://ocsp.example.test/#3041cc",
		"http://x.test/#y#3041", /* the responder ends at the last # */
	};
	struct px_ocount t = { NULL, 0 }, u;
	char *text, buf[64];
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_int_equal(px_ocount_add(&t, keys[i], 1), 0);
	assert_int_equal(px_ocount_lookup(&t, "http://ocsp.example.test/"), 3);
	assert_int_equal(
	    px_ocount_lookup(&t, "http://other.example.test/a b%c\n"), 2);
	assert_int_equal(px_ocount_lookup(&t, "http://x.test/#y"), 1);
	assert_int_equal(px_ocount_lookup(&t, "http://x.test/"), 0);
	assert_non_null(text = px_ocount_format(&t));
	/* No field can forge a record: one line per responder, and end. */
	assert_null(strstr(text, "a b"));
	assert_int_equal(px_ocount_parse(text, strlen(text), &u), 0);
	assert_int_equal(u.n, 3);
	assert_int_equal(px_ocount_lookup(&u, "http://ocsp.example.test/"), 3);
	assert_int_equal(
	    px_ocount_lookup(&u, "http://other.example.test/a b%c\n"), 2);
	assert_int_equal(px_ocount_lookup(&u, "http://x.test/#y"), 1);
	free(text);
	px_ocount_clear(&u);
	/* Keys that name no responder are not counted. */
	assert_int_equal(
	    px_ocount_add(&t, "http://no-hash.test/", 1), PX_ERR_INVALID_ARG);
	assert_int_equal(px_ocount_add(&t, "#3041", 1), PX_ERR_INVALID_ARG);
	assert_int_equal(
	    px_ocount_add(&t, "http://a.test/#", 1), PX_ERR_INVALID_ARG);
	assert_int_equal(
	    px_ocount_responder("http://a.test/#30", buf, 8), PX_ERR_TOO_BIG);
	px_ocount_clear(&t);
}

static void
test_ocount_never_negative(void **state)
{
	struct px_ocount t = { NULL, 0 };
	const char *k = "http://ocsp.example.test/#3041";
	char *text;

	assert_int_equal(px_ocount_add(&t, k, -1), 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(px_ocount_add(&t, k, 1), 0);
	assert_int_equal(px_ocount_add(&t, k, 1), 0);
	assert_int_equal(px_ocount_add(&t, k, -1), 0);
	assert_int_equal(px_ocount_lookup(&t, "http://ocsp.example.test/"), 1);
	assert_int_equal(px_ocount_add(&t, k, -1), 0);
	assert_int_equal(px_ocount_add(&t, k, -1), 0);
	/* A record at zero is dropped, never written. */
	assert_int_equal(t.n, 0);
	assert_non_null(text = px_ocount_format(&t));
	assert_string_equal(text, "pam_pkix-ocsp-counts 1\nend 0\n");
	free(text);
	px_ocount_clear(&t);
}

static void
test_ocount_garbage(void **state)
{
	char hex[PX_KEY_HEX], other[PX_KEY_HEX], rec[256], *bad[24], *text;
	const char *url = "http://ocsp.example.test/";
	struct px_ocount t;
	size_t i, n = 0;

	px_cache_key(url, hex);
	px_cache_key("x", other);
	snprintf(rec, sizeof(rec), "%s 2 %s", hex, url);
#define BAD(...) assert_true(asprintf(&bad[n++], __VA_ARGS__) >= 0)
	BAD("%s", "");
	BAD("pam_pkix-ocsp-counts 2\nend 0\n");   /* another version */
	BAD("pam_pkix-ocsp-counts 1\nend 0");     /* no final newline */
	BAD("pam_pkix-ocsp-counts 1\n");          /* no end line */
	BAD("pam_pkix-ocsp-counts 1\n%s\n", rec); /* torn before end */
	BAD("pam_pkix-ocsp-counts 1\nend 00\n");
	BAD("pam_pkix-ocsp-counts 1\nend 1\n");
	BAD("pam_pkix-ocsp-counts 1\nend 0\n%s\n", rec);
	BAD("pam_pkix-ocsp-counts 1\nend 0\nend 0\n");
	BAD("pam_pkix-ocsp-counts 1\n%s\nend 2\n", rec);
	BAD("pam_pkix-ocsp-counts 1\n%s\n%s\nend 2\n", rec, rec);
	BAD("pam_pkix-ocsp-counts 1\n%s -1 %s\nend 1\n", hex, url);
	BAD("pam_pkix-ocsp-counts 1\n%s 0 %s\nend 1\n", hex, url);
	BAD("pam_pkix-ocsp-counts 1\n%s 02 %s\nend 1\n", hex, url);
	BAD("pam_pkix-ocsp-counts 1\n%s +2 %s\nend 1\n", hex, url);
	BAD("pam_pkix-ocsp-counts 1\n%s 99999999999 %s\nend 1\n", hex, url);
	BAD("pam_pkix-ocsp-counts 1\n%s 2 %s\nend 1\n", other, url);
	BAD("pam_pkix-ocsp-counts 1\n%s  2 %s\nend 1\n", hex, url);
	BAD("pam_pkix-ocsp-counts 1\n%s\t2 %s\nend 1\n", hex, url);
	BAD("pam_pkix-ocsp-counts 1\n%s 2 %s x\nend 1\n", hex, url);
	BAD("pam_pkix-ocsp-counts 1\n%s 2\nend 1\n", hex);
	BAD("pam_pkix-ocsp-counts 1\n%s 2 %%00\nend 1\n", hex);
	BAD("pam_pkix-ocsp-counts 1\r\nend 0\r\n");
	for (i = 0; i < n; i++) {
		if (px_ocount_parse(bad[i], strlen(bad[i]), &t) !=
		    PX_ERR_BAD_FORMAT)
			fail_msg("accepted: bad[%zu]", i);
		assert_int_equal(t.n, 0);
		assert_null(t.v);
		free(bad[i]);
	}
	/* A NUL inside. */
	assert_true(
	    asprintf(&text, "pam_pkix-ocsp-counts 1\n%s\nend 1\n", rec) > 0);
	text[30] = '\0';
	assert_int_equal(px_ocount_parse(text, strlen(text + 31) + 31, &t),
	    PX_ERR_BAD_FORMAT);
	free(text);
	/* The good file parses. */
	assert_true(
	    asprintf(&text, "pam_pkix-ocsp-counts 1\n%s\nend 1\n", rec) > 0);
	assert_int_equal(px_ocount_parse(text, strlen(text), &t), 0);
	assert_int_equal(px_ocount_lookup(&t, url), 2);
	px_ocount_clear(&t);
	free(text);
#undef BAD
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta_roundtrip),
		cmocka_unit_test(test_meta_garbage),
		cmocka_unit_test(test_index_lookup),
		cmocka_unit_test(test_index_bounds),
		cmocka_unit_test(test_asn1_time),
		cmocka_unit_test(test_offline_backoff),
		cmocka_unit_test(test_offline_one_probe),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_ocount_roundtrip),
		cmocka_unit_test(test_ocount_never_negative),
		cmocka_unit_test(test_ocount_garbage),
	};

	return cmocka_run_group_tests(tests, setup_ca, teardown_ca);
}
