/* SPDX-License-Identifier: BSD-2-Clause */
/* Error codes: names, the OpenSSL border mapping and the PAM mapping. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/x509_vfy.h>
#include <security/pam_modules.h>

#include "common/err.h"
#include "module/module.h"

static void
test_strerror_every_code_named(void **state)
{
	int i, j;

	assert_string_equal(px_strerror(0), "success");
	for (i = -1; i > PX_ERR_LAST; i--) {
		assert_non_null(px_strerror(i));
		assert_string_not_equal(px_strerror(i), "unknown error");
		for (j = i - 1; j > PX_ERR_LAST; j--)
			assert_string_not_equal(px_strerror(i), px_strerror(j));
	}
	assert_string_equal(px_strerror(PX_ERR_LAST), "unknown error");
	assert_string_equal(px_strerror(1), "unknown error");
	assert_string_equal(px_strerror(-1000), "unknown error");
}

static void
test_x509_mapping(void **state)
{
	assert_int_equal(px_err_from_x509(X509_V_OK), 0);
	assert_int_equal(
	    px_err_from_x509(X509_V_ERR_CERT_HAS_EXPIRED), PX_ERR_EXPIRED);
	assert_int_equal(px_err_from_x509(X509_V_ERR_CERT_NOT_YET_VALID),
	    PX_ERR_NOT_YET_VALID);
	assert_int_equal(px_err_from_x509(X509_V_ERR_CERT_SIGNATURE_FAILURE),
	    PX_ERR_BAD_SIGNATURE);
	assert_int_equal(
	    px_err_from_x509(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
	    PX_ERR_UNTRUSTED);
	assert_int_equal(
	    px_err_from_x509(X509_V_ERR_CERT_REVOKED), PX_ERR_REVOKED);
	assert_int_equal(
	    px_err_from_x509(X509_V_ERR_INVALID_PURPOSE), PX_ERR_WRONG_USAGE);
	assert_int_equal(
	    px_err_from_x509(X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION),
	    PX_ERR_UNSUPPORTED);
	assert_int_equal(
	    px_err_from_x509(X509_V_ERR_NO_EXPLICIT_POLICY), PX_ERR_POLICY);
	/* Anything unmapped is still a failure, never success. */
	assert_int_equal(px_err_from_x509(X509_V_ERR_PATH_LENGTH_EXCEEDED),
	    PX_ERR_CHAIN_INVALID);
	assert_int_equal(px_err_from_x509(99999), PX_ERR_CHAIN_INVALID);
}

/* What Linux-PAM documents for each entry point, and for every one. */
static const int auth_codes[] = { PAM_AUTH_ERR, PAM_CRED_INSUFFICIENT,
	PAM_AUTHINFO_UNAVAIL, PAM_USER_UNKNOWN, PAM_MAXTRIES };
static const int acct_codes[] = { PAM_ACCT_EXPIRED, PAM_AUTH_ERR,
	PAM_NEW_AUTHTOK_REQD, PAM_PERM_DENIED, PAM_USER_UNKNOWN };
static const int any_codes[] = { PAM_SERVICE_ERR, PAM_BUF_ERR, PAM_CONV_ERR,
	PAM_IGNORE };

static int
listed(const int *v, size_t n, int code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == code)
			return 1;
	return 0;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Whether code is a failure that stage may return. */
static int
documented_failure(enum px_stage stage, int code)
{
	if (listed(any_codes, N(any_codes), code))
		return 1;
	return stage == PX_STAGE_AUTH ? listed(auth_codes, N(auth_codes), code)
	                              : listed(acct_codes, N(acct_codes), code);
}

static void
test_pam_every_code_every_stage(void **state)
{
	const enum px_stage stages[] = { PX_STAGE_AUTH, PX_STAGE_ACCT };
	const int outside[] = { PX_ERR_LAST, PX_ERR_LAST - 1, -1000, 1, 42 };
	size_t s, k;
	int i, code;

	for (s = 0; s < N(stages); s++) {
		assert_int_equal(px_pam_code(stages[s], 0), PAM_SUCCESS);
		for (i = -1; i > PX_ERR_LAST; i--) {
			code = px_pam_code(stages[s], i);
			if (code == PAM_SUCCESS ||
			    !documented_failure(stages[s], code))
				fail_msg("stage %d, %s (%d): PAM code %d",
				    (int)stages[s], px_strerror(i), i, code);
		}
		/* Fail closed: codes outside the enum are still failures. */
		for (k = 0; k < N(outside); k++) {
			code = px_pam_code(stages[s], outside[k]);
			assert_int_not_equal(code, PAM_SUCCESS);
			assert_true(documented_failure(stages[s], code));
		}
		/* Resources and the conversation say what they are. */
		assert_int_equal(
		    px_pam_code(stages[s], PX_ERR_NOMEM), PAM_BUF_ERR);
		assert_int_equal(
		    px_pam_code(stages[s], PX_ERR_CONV), PAM_CONV_ERR);
		assert_int_equal(
		    px_pam_code(stages[s], PX_ERR_CONFIG), PAM_SERVICE_ERR);
		assert_int_equal(
		    px_pam_code(stages[s], PX_ERR_INSECURE), PAM_SERVICE_ERR);
		assert_int_equal(px_pam_code(stages[s], PX_ERR_USER_UNKNOWN),
		    PAM_USER_UNKNOWN);
	}
	/* An unknown stage never succeeds, even for 0. */
	assert_int_equal(px_pam_code((enum px_stage)0, 0), PAM_SERVICE_ERR);
	assert_int_equal(px_pam_code((enum px_stage)99, -1), PAM_SERVICE_ERR);
}

static void
test_pam_auth_codes(void **state)
{
	assert_int_equal(
	    px_pam_code(PX_STAGE_AUTH, PX_ERR_NOT_FOUND), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(
	    px_pam_code(PX_STAGE_AUTH, PX_ERR_REVOKED), PAM_AUTH_ERR);
	assert_int_equal(px_pam_code(PX_STAGE_AUTH, PX_ERR_REVOCATION_UNKNOWN),
	    PAM_AUTH_ERR);
	assert_int_equal(
	    px_pam_code(PX_STAGE_AUTH, PX_ERR_UNTRUSTED), PAM_AUTH_ERR);
	assert_int_equal(
	    px_pam_code(PX_STAGE_AUTH, PX_ERR_BAD_PIN), PAM_AUTH_ERR);
	assert_int_equal(
	    px_pam_code(PX_STAGE_AUTH, PX_ERR_WRONG_USER), PAM_AUTH_ERR);
	/* A card of several users, without a user name: refused. */
	assert_int_equal(
	    px_pam_code(PX_STAGE_AUTH, PX_ERR_AMBIGUOUS), PAM_AUTH_ERR);
}

static void
test_pam_acct_codes(void **state)
{
	/* The certificate is no longer acceptable, whatever the reason; no
	 * token in the account stage is not "fall back", it is a refusal. */
	assert_int_equal(
	    px_pam_code(PX_STAGE_ACCT, PX_ERR_REVOKED), PAM_PERM_DENIED);
	assert_int_equal(
	    px_pam_code(PX_STAGE_ACCT, PX_ERR_EXPIRED), PAM_PERM_DENIED);
	assert_int_equal(px_pam_code(PX_STAGE_ACCT, PX_ERR_REVOCATION_UNKNOWN),
	    PAM_PERM_DENIED);
	assert_int_equal(
	    px_pam_code(PX_STAGE_ACCT, PX_ERR_NOT_FOUND), PAM_PERM_DENIED);
}

static void
test_pam_session_codes(void **state)
{
	int i;

	/* pam_sm_open_session(3): a session is opened or refused. */
	assert_int_equal(px_pam_code(PX_STAGE_SESSION, 0), PAM_SUCCESS);
	for (i = -1; i > PX_ERR_LAST - 5; i--)
		assert_int_equal(px_pam_code(PX_STAGE_SESSION, i),
		    i == PX_ERR_NOMEM ? PAM_BUF_ERR : PAM_SESSION_ERR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_every_code_named),
		cmocka_unit_test(test_x509_mapping),
		cmocka_unit_test(test_pam_every_code_every_stage),
		cmocka_unit_test(test_pam_auth_codes),
		cmocka_unit_test(test_pam_acct_codes),
		cmocka_unit_test(test_pam_session_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
