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
	/* Anything unmapped is still a failure, never success. */
	assert_int_equal(px_err_from_x509(X509_V_ERR_PATH_LENGTH_EXCEEDED),
	    PX_ERR_CHAIN_INVALID);
	assert_int_equal(px_err_from_x509(99999), PX_ERR_CHAIN_INVALID);
}

static void
test_pam_mapping(void **state)
{
	int i;

	assert_int_equal(px_pam_code(0), PAM_SUCCESS);
	assert_int_equal(px_pam_code(PX_ERR_CONFIG), PAM_SERVICE_ERR);
	assert_int_equal(px_pam_code(PX_ERR_INSECURE), PAM_SERVICE_ERR);
	assert_int_equal(px_pam_code(PX_ERR_NOMEM), PAM_BUF_ERR);
	assert_int_equal(px_pam_code(PX_ERR_NOT_FOUND), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(px_pam_code(PX_ERR_REVOKED), PAM_AUTH_ERR);
	assert_int_equal(px_pam_code(PX_ERR_REVOCATION_UNKNOWN), PAM_AUTH_ERR);
	assert_int_equal(px_pam_code(PX_ERR_UNTRUSTED), PAM_AUTH_ERR);
	/* Fail closed: no error code, known or not, maps to success. */
	for (i = -1; i >= PX_ERR_LAST - 5; i--)
		assert_int_not_equal(px_pam_code(i), PAM_SUCCESS);
	assert_int_not_equal(px_pam_code(1), PAM_SUCCESS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_every_code_named),
		cmocka_unit_test(test_x509_mapping),
		cmocka_unit_test(test_pam_mapping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
