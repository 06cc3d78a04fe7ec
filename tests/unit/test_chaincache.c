/* SPDX-License-Identifier: BSD-2-Clause */
/* The process-wide chain cache (pkix/chaincache.c) and the per-context
 * certificate memo (pkix/certmemo.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pkix/certmemo.h"
#include "pkix/chaincache.h"

static void
key_of(unsigned char seed, int n, unsigned char rules, struct px_chain_key *k)
{
	unsigned char fps[PX_MAX_DEPTH + 2][PX_FP_LEN], r[32];
	int i;

	for (i = 0; i < PX_MAX_DEPTH + 2; i++)
		memset(fps[i], seed + i, PX_FP_LEN);
	memset(r, rules, sizeof(r));
	px_chain_key(fps, n, r, k);
}

static const unsigned char norules[32];
static char pol[PX_CHAIN_POLICIES_MAX];

static int
reset(void **state)
{
	(void)state;
	px_chain_cache_flush();
	return 0;
}

static void
test_key_names_the_path_and_rules(void **state)
{
	struct px_chain_key a, b;

	key_of(1, 3, 0, &a);
	key_of(1, 3, 0, &b);
	assert_memory_equal(a.md, b.md, sizeof(a.md));
	key_of(1, 2, 0, &b); /* a shorter path */
	assert_memory_not_equal(a.md, b.md, sizeof(a.md));
	key_of(2, 3, 0, &b); /* other certificates */
	assert_memory_not_equal(a.md, b.md, sizeof(a.md));
	key_of(1, 3, 1, &b); /* other rules */
	assert_memory_not_equal(a.md, b.md, sizeof(a.md));
}

static void
test_window(void **state)
{
	struct px_chain_key k, other;

	key_of(1, 3, 0, &k);
	key_of(9, 3, 0, &other);
	assert_false(px_chain_cache_valid(&k, 1000, 0, pol));
	px_chain_cache_add(&k, 500, 2000, 1000, "");
	assert_true(px_chain_cache_valid(&k, 1000, 0, pol));
	assert_true(px_chain_cache_valid(&k, 500, 0, pol));
	assert_true(px_chain_cache_valid(&k, 2000, 0, pol));
	assert_false(px_chain_cache_valid(&k, 499, 0, pol)); /* not yet valid */
	assert_false(px_chain_cache_valid(&k, 2001, 0, pol)); /* expired */
	assert_false(px_chain_cache_valid(&other, 1000, 0, pol));
	/* The valid policy set comes back with a hit. */
	px_chain_cache_add(&k, 500, 2000, 1000, "1.2.3 1.2.4");
	assert_true(px_chain_cache_valid(&k, 1000, 0, pol));
	assert_string_equal(pol, "1.2.3 1.2.4");
	/* An empty window is not kept. */
	px_chain_cache_add(&other, 3000, 2000, 1000, "");
	assert_false(px_chain_cache_valid(&other, 2500, 0, pol));
	assert_int_equal(px_chain_cache_count(), 1);
}

static void
test_resync_drops_older_entries(void **state)
{
	struct px_chain_key k;

	key_of(1, 3, 0, &k);
	px_chain_cache_add(&k, 0, 5000, 1000, "");
	assert_true(px_chain_cache_valid(&k, 1200, 999, pol));
	assert_true(px_chain_cache_valid(&k, 1200, 1000, pol));
	assert_false(px_chain_cache_valid(&k, 1200, 1001, pol));
	assert_int_equal(px_chain_cache_count(), 0);
	/* Validated again after the resync: used again. */
	px_chain_cache_add(&k, 0, 5000, 1300, "");
	assert_true(px_chain_cache_valid(&k, 1400, 1001, pol));
}

static void
test_other_store_flushes(void **state)
{
	unsigned char a[32], b[32];
	struct px_chain_key k;

	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	key_of(1, 3, 0, &k);
	px_chain_cache_store(a);
	px_chain_cache_add(&k, 0, 5000, 1000, "");
	px_chain_cache_store(a); /* another context, the same store */
	assert_true(px_chain_cache_valid(&k, 1000, 0, pol));
	px_chain_cache_store(b); /* the store changed */
	assert_false(px_chain_cache_valid(&k, 1000, 0, pol));
	assert_int_equal(px_chain_cache_count(), 0);
}

static void
test_bounded_oldest_first(void **state)
{
	unsigned char fps[1][PX_FP_LEN];
	struct px_chain_key k;
	int i;

	for (i = 0; i < PX_CHAIN_CACHE_MAX + 10; i++) {
		memset(fps, 0, sizeof(fps));
		memcpy(fps[0], &i, sizeof(i));
		px_chain_key(fps, 1, norules, &k);
		px_chain_cache_add(&k, 0, 5000, 1000, "");
	}
	assert_int_equal(px_chain_cache_count(), PX_CHAIN_CACHE_MAX);
	for (i = 0; i < PX_CHAIN_CACHE_MAX + 10; i++) {
		memset(fps, 0, sizeof(fps));
		memcpy(fps[0], &i, sizeof(i));
		px_chain_key(fps, 1, norules, &k);
		assert_int_equal(
		    px_chain_cache_valid(&k, 1000, 0, pol), i >= 10);
	}
}

static X509 *
self_signed(const char *cn)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	assert_non_null(key);
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234);
	X509_NAME_add_entry_by_txt(
	    n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	EVP_PKEY_free(key);
	return x;
}

static void
test_memo_keeps_facts_and_a_reference(void **state)
{
	struct px_memo *m = px_memo_new();
	const struct px_cert_facts *f, *g;
	struct px_cert_facts tmp;
	unsigned char fp[32];
	unsigned int n = 0;
	X509 *x = self_signed("Memo Test");

	assert_non_null(m);
	assert_true(X509_digest(x, EVP_sha256(), fp, &n) == 1);
	memset(&tmp, 0, sizeof(tmp));
	f = px_memo_get(m, x, &tmp);
	assert_ptr_not_equal(f, &tmp);
	assert_true(f->fp_ok);
	assert_memory_equal(f->fp, fp, sizeof(fp));
	assert_string_equal(f->subject, "CN=Memo Test");
	assert_string_equal(f->issuer, "CN=Memo Test");
	assert_string_equal(f->serial, "1234");
	g = px_memo_get(m, x, &tmp);
	assert_ptr_equal(f, g);
	/* The memo's reference keeps the object (and its address) alive. */
	X509_free(x);
	assert_memory_equal(f->fp, fp, sizeof(fp));
	px_memo_free(m);
	/* Without a memo: computed into tmp. */
	x = self_signed("No Memo");
	f = px_memo_get(NULL, x, &tmp);
	assert_ptr_equal(f, &tmp);
	assert_string_equal(f->subject, "CN=No Memo");
	px_cert_facts_clear(&tmp);
	X509_free(x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(
		    test_key_names_the_path_and_rules, reset),
		cmocka_unit_test_setup(test_window, reset),
		cmocka_unit_test_setup(test_resync_drops_older_entries, reset),
		cmocka_unit_test_setup(test_other_store_flushes, reset),
		cmocka_unit_test_setup(test_bounded_oldest_first, reset),
		cmocka_unit_test(test_memo_keeps_facts_and_a_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
