/* SPDX-License-Identifier: BSD-2-Clause */
/* Certificate -> user mapping: cn, upn (realm list), email, file:PATH. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/conf.h"
#include "common/err.h"
#include "common/log.h"
#include "module/module.h"

static EVP_PKEY *key;

static void
quiet(void *arg, int level, const char *msg)
{
}

/* A certificate with CN cn, and SAN entries upn / email when not NULL. */
static X509 *
cert(const char *cn, const char *upn, const char *email)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	GENERAL_NAMES *san = sk_GENERAL_NAME_new_null();
	GENERAL_NAME *g;
	ASN1_TYPE *t;

	X509_NAME_add_entry_by_txt(
	    n, "O", MBSTRING_ASC, (const unsigned char *)"Test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(
	    n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	if (upn != NULL) {
		g = GENERAL_NAME_new();
		t = ASN1_TYPE_new();
		t->type = V_ASN1_UTF8STRING;
		t->value.utf8string = ASN1_UTF8STRING_new();
		ASN1_STRING_set(t->value.utf8string, upn, -1);
		GENERAL_NAME_set0_othername(g, OBJ_nid2obj(NID_ms_upn), t);
		sk_GENERAL_NAME_push(san, g);
	}
	if (email != NULL) {
		g = GENERAL_NAME_new();
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();

		ASN1_STRING_set(s, email, -1);
		GENERAL_NAME_set0_value(g, GEN_EMAIL, s);
		sk_GENERAL_NAME_push(san, g);
	}
	if (sk_GENERAL_NAME_num(san) > 0)
		X509_add1_ext_i2d(x, NID_subject_alt_name, san, 0, 0);
	GENERAL_NAMES_free(san);
	X509_NAME_free(n);
	X509_sign(x, key, EVP_sha256());
	return x;
}

static struct px_config *
conf(const char *mapping, const char *realms)
{
	struct px_config *cfg = px_config_new();

	assert_non_null(cfg);
	assert_int_equal(px_config_set(cfg, "login", "mapping", mapping), 0);
	if (realms != NULL)
		assert_int_equal(
		    px_config_set(cfg, "login", "upn_realms", realms), 0);
	return cfg;
}

static int
setup(void **state)
{
	px_log_set_sink(quiet, NULL);
	return (key = EVP_EC_gen("P-256")) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	EVP_PKEY_free(key);
	return 0;
}

static void
test_cn(void **state)
{
	struct px_config *cfg = conf("cn", NULL);
	X509 *x = cert("root", NULL, NULL),
	     *y = cert("no-such-user-x7", NULL, NULL);
	char out[256];

	assert_int_equal(px_map_user(cfg, x, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "root");
	assert_int_equal(px_map_user(cfg, x, "root", out, sizeof(out)), 0);
	assert_int_equal(
	    px_map_user(cfg, x, "daemon", out, sizeof(out)), PX_ERR_WRONG_USER);
	/* The mapped name must be a user of this system. */
	assert_int_equal(
	    px_map_user(cfg, y, NULL, out, sizeof(out)), PX_ERR_USER_UNKNOWN);
	X509_free(x);
	X509_free(y);
	px_config_free(cfg);
}

static void
test_upn_and_email(void **state)
{
	X509 *x = cert("Someone", "root@EXAMPLE.TEST", "daemon@example.test");
	struct px_config *cfg;
	char out[256];

	cfg = conf("upn", "OTHER.TEST, example.test");
	assert_int_equal(px_map_user(cfg, x, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "root");
	px_config_free(cfg);
	/* A realm not listed, or no list: no UPN mapping. */
	cfg = conf("upn", "OTHER.TEST");
	assert_int_equal(
	    px_map_user(cfg, x, NULL, out, sizeof(out)), PX_ERR_USER_UNKNOWN);
	px_config_free(cfg);
	cfg = conf("upn", NULL);
	assert_int_equal(
	    px_map_user(cfg, x, NULL, out, sizeof(out)), PX_ERR_USER_UNKNOWN);
	px_config_free(cfg);
	cfg = conf("email", NULL);
	assert_int_equal(px_map_user(cfg, x, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "daemon");
	px_config_free(cfg);
	/* In order: upn gives root, email daemon; PAM_USER decides. */
	cfg = conf("upn, email, cn", "EXAMPLE.TEST");
	assert_int_equal(px_map_user(cfg, x, "daemon", out, sizeof(out)), 0);
	assert_string_equal(out, "daemon");
	assert_int_equal(px_map_user(cfg, x, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "root");
	assert_int_equal(
	    px_map_user(cfg, x, "bin", out, sizeof(out)), PX_ERR_WRONG_USER);
	px_config_free(cfg);
	X509_free(x);
}

static void
test_file(void **state)
{
	char dir[] = "/tmp/px-map.XXXXXX", path[300], line[400], fp[65];
	char cpath[300];
	X509 *other;
	unsigned char md[32];
	unsigned int n = 0, i;
	X509 *x = cert("Card Holder", NULL, NULL);
	struct px_config *cfg;
	char out[256];
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/users", dir);
	X509_digest(x, EVP_sha256(), md, &n);
	for (i = 0; i < n; i++)
		snprintf(fp + 2 * i, 3, "%02x", md[i]);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "# comment\n\nbin sha256:%s\n", fp);
	fclose(f);
	chmod(path, 0600);
	snprintf(line, sizeof(line), "file:%s", path);
	cfg = conf(line, NULL);
	assert_int_equal(px_map_user(cfg, x, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "bin");
	f = fopen(path, "w");
	fprintf(f, "daemon subject:CN=Card Holder,O=Test\n");
	fclose(f);
	assert_int_equal(px_map_user(cfg, x, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "daemon");
	/* cert:/PATH, a certificate file: its first certificate, compared
	 * whole; a relative path and another certificate do not map. */
	snprintf(cpath, sizeof(cpath), "%s/holder.pem", dir);
	f = fopen(cpath, "w");
	assert_non_null(f);
	PEM_write_X509(f, x);
	fclose(f);
	chmod(cpath, 0644);
	other = cert("Card Holder", NULL, NULL); /* same name, other key */
	f = fopen(path, "w");
	fprintf(f, "adm cert:holder.pem\nsys cert:%s\n", cpath);
	fclose(f);
	assert_int_equal(px_map_user(cfg, x, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "sys");
	assert_int_equal(px_map_user(cfg, other, NULL, out, sizeof(out)),
	    PX_ERR_USER_UNKNOWN);
	X509_free(other);
	chmod(cpath, 0666); /* a certificate file others may write */
	assert_int_equal(
	    px_map_user(cfg, x, NULL, out, sizeof(out)), PX_ERR_USER_UNKNOWN);
	unlink(cpath);
	/* A file others may write is not trusted. */
	chmod(path, 0666);
	assert_int_equal(
	    px_map_user(cfg, x, NULL, out, sizeof(out)), PX_ERR_USER_UNKNOWN);
	px_config_free(cfg);
	unlink(path);
	rmdir(dir);
	X509_free(x);
}

static void
test_names(void **state)
{
	char long_name[301];
	struct px_config *cfg = conf("cn", NULL);
	X509 *x = cert("root", NULL, NULL);
	char out[256];

	memset(long_name, 'a', 300);
	long_name[300] = '\0';
	assert_true(px_user_name_ok("alice"));
	assert_true(px_user_name_ok("a.b_c-d"));
	assert_false(px_user_name_ok(""));
	assert_false(px_user_name_ok("-rf"));
	assert_false(px_user_name_ok("al/ice"));
	assert_false(px_user_name_ok("al*"));
	assert_false(px_user_name_ok("*)(uid=*"));
	assert_false(px_user_name_ok("a b"));
	assert_false(px_user_name_ok("a\nb"));
	assert_false(px_user_name_ok(long_name));
	/* A bad PAM_USER maps to nothing. */
	assert_int_equal(px_map_user(cfg, x, "ro/ot", out, sizeof(out)),
	    PX_ERR_USER_UNKNOWN);
	assert_int_equal(px_map_user(cfg, x, long_name, out, sizeof(out)),
	    PX_ERR_USER_UNKNOWN);
	X509_free(x);
	x = cert("root/../etc", NULL, NULL);
	assert_int_equal(
	    px_map_user(cfg, x, NULL, out, sizeof(out)), PX_ERR_USER_UNKNOWN);
	X509_free(x);
	px_config_free(cfg);
}

/* SoftHSM2 never locks a PIN: the messages are checked against the flags. */
static void
test_pin_state(void **state)
{
	assert_string_equal(px_pin_state(0, 0, 0), "");
	assert_string_equal(
	    px_pin_state(0, 0, 1), "few tries left before the PIN locks");
	assert_string_equal(
	    px_pin_state(0, 1, 1), "one try left before the PIN locks");
	assert_string_equal(px_pin_state(1, 1, 1), "the PIN is locked");
	assert_string_equal(px_pin_state(1, 0, 0), "the PIN is locked");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cn),
		cmocka_unit_test(test_upn_and_email),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_pin_state),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
