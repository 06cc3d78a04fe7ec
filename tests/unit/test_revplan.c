/* SPDX-License-Identifier: BSD-2-Clause */
/* The order of the revocation sources (pkix/revplan.c): each rule of
 * px_rev_plan() with the steps it gives. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "pkix/verify_int.h"

/* A certificate below the root with OCSP URLs and distribution points,
 * under revocation = require, none of its responses cached. */
static struct px_rev_facts
facts(void)
{
	struct px_rev_facts f;

	memset(&f, 0, sizeof(f));
	f.policy = PX_REV_REQUIRE;
	f.have_ocsp_urls = 1;
	f.have_cdp = 1;
	f.ocsp_to_crl_count = 50;
	return f;
}

static void
expect(const struct px_rev_facts *f, size_t n, ...)
{
	enum px_rev_step out[PX_REV_STEPS_MAX];
	va_list ap;
	size_t i, got;

	memset(out, 0xff, sizeof(out));
	got = px_rev_plan(f, out);
	assert_int_equal(got, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_int_equal(out[i], va_arg(ap, int));
	va_end(ap);
}

static void
test_default_ocsp_then_crl(void **state)
{
	struct px_rev_facts f = facts();

	expect(&f, 2, PX_REV_OCSP, PX_REV_CRL_FALLBACK);
	f.policy = PX_REV_BEST_EFFORT;
	expect(&f, 2, PX_REV_OCSP, PX_REV_CRL_FALLBACK);
}

static void
test_stapled_first_for_the_leaf(void **state)
{
	struct px_rev_facts f = facts();

	f.have_stapled = 1;
	expect(&f, 2, PX_REV_OCSP, PX_REV_CRL_FALLBACK); /* not the leaf */
	f.leaf = 1;
	expect(&f, 3, PX_REV_STAPLED, PX_REV_OCSP, PX_REV_CRL_FALLBACK);
	f.have_ocsp_urls = 0;
	expect(&f, 2, PX_REV_STAPLED, PX_REV_CRL);
	f.have_stapled = 0;
	expect(&f, 1, PX_REV_CRL);
}

static void
test_policy_none_crl_dir_only(void **state)
{
	struct px_rev_facts f = facts();

	f.policy = PX_REV_NONE;
	f.prefer_crl = 1;
	expect(&f, 1, PX_REV_CRL_LOCAL);
	f.leaf = 1;
	f.have_stapled = 1;
	expect(&f, 2, PX_REV_STAPLED, PX_REV_CRL_LOCAL);
}

static void
test_local_crl_only(void **state)
{
	struct px_rev_facts f = facts();

	f.have_local_crl = 1;
	expect(&f, 1, PX_REV_CRL_LOCAL);
	f.prefer_crl = 1;
	f.ocsp_cached = 1000;
	expect(&f, 1, PX_REV_CRL_LOCAL);
	f.have_ocsp_urls = 0;
	expect(&f, 1, PX_REV_CRL_LOCAL);
}

static void
test_no_ocsp_url_crl(void **state)
{
	struct px_rev_facts f = facts();

	f.have_ocsp_urls = 0;
	expect(&f, 1, PX_REV_CRL);
	f.prefer_crl = 1;
	f.ocsp_cached = 1000;
	expect(&f, 1, PX_REV_CRL);
}

static void
test_prefer_crl(void **state)
{
	struct px_rev_facts f = facts();

	f.prefer_crl = 1;
	expect(&f, 2, PX_REV_CRL_PREFERRED, PX_REV_OCSP_FALLBACK);
	/* prefer_crl is the reason given even when the count says so too */
	f.ocsp_cached = 51;
	expect(&f, 2, PX_REV_CRL_PREFERRED, PX_REV_OCSP_FALLBACK);
	f.have_cdp = 0;
	expect(&f, 2, PX_REV_CRL_PREFERRED, PX_REV_OCSP_FALLBACK);
}

static void
test_ocsp_to_crl_count(void **state)
{
	struct px_rev_facts f = facts();

	f.ocsp_cached = 50; /* not more than the count */
	expect(&f, 2, PX_REV_OCSP, PX_REV_CRL_FALLBACK);
	f.ocsp_cached = 51;
	expect(&f, 2, PX_REV_CRL_BUSY, PX_REV_OCSP_FALLBACK);
	f.ocsp_to_crl_count = 0;
	f.ocsp_cached = 1;
	expect(&f, 2, PX_REV_CRL_BUSY, PX_REV_OCSP_FALLBACK);
	/* No distribution point: no CRL to go to first. */
	f.have_cdp = 0;
	f.ocsp_cached = 1000;
	expect(&f, 2, PX_REV_OCSP, PX_REV_CRL_FALLBACK);
	/* A count that could not be read (an error) counts nothing. */
	f.have_cdp = 1;
	f.ocsp_cached = -1;
	expect(&f, 2, PX_REV_OCSP, PX_REV_CRL_FALLBACK);
}

static void
test_responders_held(void **state)
{
	struct px_rev_facts f = facts();

	f.responders_held = 1;
	expect(&f, 2, PX_REV_OCSP, PX_REV_CRL_HELD);
	f.leaf = 1;
	f.have_stapled = 1;
	expect(&f, 3, PX_REV_STAPLED, PX_REV_OCSP, PX_REV_CRL_HELD);
	/* CRLs first: OCSP comes last, whatever its responders. */
	f.prefer_crl = 1;
	expect(
	    &f, 3, PX_REV_STAPLED, PX_REV_CRL_PREFERRED, PX_REV_OCSP_FALLBACK);
}

static void
test_crl_fallback_after_ocsp_unknown(void **state)
{
	struct px_rev_facts f = facts();

	f.responders_held = 0;
	expect(&f, 2, PX_REV_OCSP, PX_REV_CRL_FALLBACK);
	f.ocsp_cached = 20;
	expect(&f, 2, PX_REV_OCSP, PX_REV_CRL_FALLBACK);
}

/* What the check learns while the steps run changes only the steps after
 * the one that learnt it: the facts gathered after the stapled response,
 * responders_held after the OCSP step. */
static void
test_steps_done_stay(void **state)
{
	enum px_rev_step a[PX_REV_STEPS_MAX], b[PX_REV_STEPS_MAX];
	struct px_rev_facts before, after;
	size_t n;

	memset(&before, 0, sizeof(before));
	before.policy = PX_REV_REQUIRE;
	before.leaf = 1;
	before.have_stapled = 1;
	before.ocsp_to_crl_count = 50;
	n = px_rev_plan(&before, a);
	assert_true(n >= 1);
	assert_int_equal(a[0], PX_REV_STAPLED);
	after = before;
	after.have_ocsp_urls = 1;
	after.have_cdp = 1;
	assert_int_equal(px_rev_plan(&after, b), 3);
	assert_int_equal(b[0], PX_REV_STAPLED);
	assert_int_equal(b[1], PX_REV_OCSP);
	after.responders_held = 1;
	assert_int_equal(px_rev_plan(&after, a), 3);
	assert_int_equal(a[0], PX_REV_STAPLED);
	assert_int_equal(a[1], PX_REV_OCSP);
	assert_int_equal(a[2], PX_REV_CRL_HELD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_ocsp_then_crl),
		cmocka_unit_test(test_stapled_first_for_the_leaf),
		cmocka_unit_test(test_policy_none_crl_dir_only),
		cmocka_unit_test(test_local_crl_only),
		cmocka_unit_test(test_no_ocsp_url_crl),
		cmocka_unit_test(test_prefer_crl),
		cmocka_unit_test(test_ocsp_to_crl_count),
		cmocka_unit_test(test_responders_held),
		cmocka_unit_test(test_crl_fallback_after_ocsp_unknown),
		cmocka_unit_test(test_steps_done_stay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
