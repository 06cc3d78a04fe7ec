/* SPDX-License-Identifier: BSD-2-Clause */
/* The revocation policy turns an unknown status into a decision. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pkix/pkix.h"

static void
test_known_good(void **state)
{
	assert_int_equal(
	    px_decide(PX_ACCEPTED, 0, PX_REV_REQUIRE), PX_ACCEPTED);
	assert_int_equal(
	    px_decide(PX_ACCEPTED, 0, PX_REV_BEST_EFFORT), PX_ACCEPTED);
	assert_int_equal(px_decide(PX_ACCEPTED, 0, PX_REV_NONE), PX_ACCEPTED);
}

static void
test_rejected_under_every_policy(void **state)
{
	int unknown;

	for (unknown = 0; unknown <= 1; unknown++) {
		assert_int_equal(
		    px_decide(PX_REJECTED, unknown, PX_REV_REQUIRE),
		    PX_REJECTED);
		assert_int_equal(
		    px_decide(PX_REJECTED, unknown, PX_REV_BEST_EFFORT),
		    PX_REJECTED);
		assert_int_equal(
		    px_decide(PX_REJECTED, unknown, PX_REV_NONE), PX_REJECTED);
	}
}

static void
test_unknown(void **state)
{
	assert_int_equal(px_decide(PX_ACCEPTED, 1, PX_REV_REQUIRE), PX_UNKNOWN);
	assert_int_equal(
	    px_decide(PX_ACCEPTED, 1, PX_REV_BEST_EFFORT), PX_ACCEPTED);
	assert_int_equal(px_decide(PX_ACCEPTED, 1, PX_REV_NONE), PX_ACCEPTED);
	assert_int_equal(px_decide(PX_UNKNOWN, 0, PX_REV_REQUIRE), PX_UNKNOWN);
	/* A policy value out of range fails closed. */
	assert_int_equal(
	    px_decide(PX_ACCEPTED, 1, (enum px_revocation_policy)7),
	    PX_UNKNOWN);
}

static void
test_names(void **state)
{
	assert_string_equal(px_crl_reason_name(1), "keyCompromise");
	assert_string_equal(px_crl_reason_name(6), "certificateHold");
	assert_string_equal(px_crl_reason_name(8), "removeFromCRL");
	assert_string_equal(px_crl_reason_name(-1), "no reason given");
	assert_string_equal(px_crl_reason_name(77), "unknown reason");
	assert_string_equal(px_decision_name(PX_UNKNOWN), "unknown");
	assert_string_equal(px_status_name(PX_STATUS_ANCHOR), "trusted root");
	assert_string_equal(
	    px_revocation_name(PX_REV_BEST_EFFORT), "best-effort");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_good),
		cmocka_unit_test(test_rejected_under_every_policy),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
