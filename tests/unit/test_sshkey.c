/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The OpenSSH side (issue 13): X.509 keys in the OpenSSH wire format
 * (expected lines made by ssh-keygen -i -m PKCS8, and RFC 8032's first
 * Ed25519 key), key arguments, SSH_AUTH_INFO_0 and user names.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "common/conf.h"
#include "common/err.h"
#include "common/log.h"
#include "module/module.h"

static const char rsa_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC7yT/HFpL6AOEjTzG7CVFRN/WZ\n"
    "HbiB1gqWIs2CGho+FKdGyasJa/fPashKzHGhiwQfg6eI1PPIlSz3zayigU0T29Uv\n"
    "krPmU+BvNMrq2TTY5FN/EP5rHHZQ/3Av9c8rKsyMtJf6g/fGwP5I09sdINO6S9fb\n"
    "aV3QOBdoLpgiwGKLVQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
static const char rsa_ssh[] =
    "ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7yT/HFpL6AOEjTzG7CVFRN/"
    "WZHbiB1gqWIs2CGho+FKdGyasJa/fPashKzHGhiwQfg6eI1PPIlSz3zayigU0T29Uv"
    "krPmU+BvNMrq2TTY5FN/EP5rHHZQ/3Av9c8rKsyMtJf6g/fGwP5I09sdINO6S9fb"
    "aV3QOBdoLpgiwGKLVQ==";
static const char ec_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEOtcyBBI1w1ugpxmolGRpS0kmB0/3\n"
    "lkG2CGGIr4rR1OlmmldtlrPqyMLHC3XY5FmMBtVVmsi/AxeAH/TcbusoxA==\n"
    "-----END PUBLIC KEY-----\n";
/* The same point, compressed. */
static const char ec_pem_compressed[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgACOtcyBBI1w1ugpxmolGRpS0kmB0/3\n"
    "lkG2CGGIr4rR1Ok=\n"
    "-----END PUBLIC KEY-----\n";
static const char ec_ssh[] =
    "ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDrXMgQSNcNboKcZ"
    "qJRkaUtJJgdP95ZBtghhiK+K0dTpZppXbZaz6sjCxwt12ORZjAbVVZrIvwMXgB/"
    "03G7rKMQ=";
static const unsigned char ed_raw[32] = { 0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1,
	0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1,
	0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07,
	0x51, 0x1a };
static const char ed_b64[] =
    "AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";

static void
quiet(void *arg, int level, const char *msg)
{
}

static EVP_PKEY *
pem_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);

	BIO_free(b);
	assert_non_null(k);
	return k;
}

/* The line of pkey without a comment. */
static char *
line_of(EVP_PKEY *pkey)
{
	struct px_ssh_key k;
	const char *why;
	char *line;

	assert_int_equal(px_ssh_key_from_pkey(pkey, &k, &why), 0);
	assert_int_equal(px_ssh_key_line(&k, NULL, &line), 0);
	px_ssh_key_clear(&k);
	return line;
}

static void
test_rsa(void **state)
{
	EVP_PKEY *k = pem_key(rsa_pem);
	char *line = line_of(k);

	/* The modulus has its top bit set: an mpint with a 0 byte first. */
	assert_string_equal(line, rsa_ssh);
	free(line);
	EVP_PKEY_free(k);
}

static void
test_ecdsa(void **state)
{
	EVP_PKEY *k = pem_key(ec_pem), *kc = pem_key(ec_pem_compressed);
	char *line = line_of(k), *linec = line_of(kc);

	assert_string_equal(line, ec_ssh);
	/* OpenSSH takes uncompressed points only: converted. */
	assert_string_equal(linec, ec_ssh);
	free(line);
	free(linec);
	EVP_PKEY_free(k);
	EVP_PKEY_free(kc);
}

static void
test_ecdsa_curves(void **state)
{
	static const struct {
		const char *curve, *type;
	} c[] = { { "P-384", "ecdsa-sha2-nistp384" },
		{ "P-521", "ecdsa-sha2-nistp521" } };
	struct px_ssh_key k;
	const char *why;
	EVP_PKEY *p;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", c[i].curve);
		assert_non_null(p);
		assert_int_equal(px_ssh_key_from_pkey(p, &k, &why), 0);
		assert_string_equal(k.type, c[i].type);
		px_ssh_key_clear(&k);
		EVP_PKEY_free(p);
	}
	/* A curve OpenSSH has no name for. */
	p = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	assert_non_null(p);
	assert_int_equal(px_ssh_key_from_pkey(p, &k, &why), PX_ERR_UNSUPPORTED);
	assert_non_null(why);
	EVP_PKEY_free(p);
}

static void
test_ed25519(void **state)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(
	    EVP_PKEY_ED25519, NULL, ed_raw, sizeof(ed_raw));
	char *line, want[128];

	assert_non_null(k);
	line = line_of(k);
	snprintf(want, sizeof(want), "ssh-ed25519 %s", ed_b64);
	assert_string_equal(line, want);
	free(line);
	EVP_PKEY_free(k);
}

/* An RSA-PSS-only key (id-RSASSA-PSS in the certificate). */
static EVP_PKEY *
rsa_pss(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	EVP_PKEY *p = NULL;

	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 1024), 1);
	assert_int_equal(EVP_PKEY_generate(ctx, &p), 1);
	EVP_PKEY_CTX_free(ctx);
	return p;
}

static void
test_unsupported(void **state)
{
	struct px_ssh_key k;
	const char *why = NULL;
	EVP_PKEY *p;

	p = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	assert_non_null(p);
	assert_int_equal(px_ssh_key_from_pkey(p, &k, &why), PX_ERR_UNSUPPORTED);
	assert_non_null(why);
	assert_null(k.blob);
	EVP_PKEY_free(p);
	p = rsa_pss();
	assert_int_equal(px_ssh_key_from_pkey(p, &k, &why), PX_ERR_UNSUPPORTED);
	EVP_PKEY_free(p);
	/* Below OpenSSH's minimum. */
	p = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
	assert_non_null(p);
	assert_int_equal(px_ssh_key_from_pkey(p, &k, &why), PX_ERR_UNSUPPORTED);
	EVP_PKEY_free(p);
}

static void
test_key_parse(void **state)
{
	struct px_ssh_key k, e;
	EVP_PKEY *p = EVP_PKEY_new_raw_public_key(
	    EVP_PKEY_ED25519, NULL, ed_raw, sizeof(ed_raw));
	const char *why;
	char cut[sizeof(ed_b64)];

	assert_int_equal(px_ssh_key_parse("ssh-ed25519", ed_b64, &k), 0);
	assert_int_equal(px_ssh_key_from_pkey(p, &e, &why), 0);
	assert_true(px_ssh_key_equal(&k, &e));
	px_ssh_key_clear(&k);
	/* The type beside the key must be the blob's. */
	assert_int_equal(
	    px_ssh_key_parse("ssh-rsa", ed_b64, &k), PX_ERR_BAD_FORMAT);
	assert_null(k.blob);
	/* Not base64, or not strictly. */
	assert_int_equal(
	    px_ssh_key_parse("ssh-ed25519", "!!!!", &k), PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    px_ssh_key_parse("ssh-ed25519", "", &k), PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    px_ssh_key_parse("ssh-ed25519", "AA=A", &k), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_ssh_key_parse("ssh-ed25519", "AAAA AAAA", &k),
	    PX_ERR_BAD_FORMAT);
	assert_int_equal(px_ssh_key_parse("", ed_b64, &k), PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    px_ssh_key_parse("ssh-ed25519\n", ed_b64, &k), PX_ERR_BAD_FORMAT);
	/* Truncated: base64 still, but the blob is cut. */
	memcpy(cut, ed_b64, 20);
	cut[20] = '\0';
	assert_int_equal(
	    px_ssh_key_parse("ssh-ed25519", cut, &k), PX_ERR_BAD_FORMAT);
	/* Another key of the same type does not match. */
	memcpy(cut, ed_b64, sizeof(ed_b64));
	cut[sizeof(ed_b64) - 3] = 'B';
	assert_int_equal(px_ssh_key_parse("ssh-ed25519", cut, &k), 0);
	assert_false(px_ssh_key_equal(&k, &e));
	px_ssh_key_clear(&k);
	px_ssh_key_clear(&e);
	EVP_PKEY_free(p);
}

static void
test_line_comment(void **state)
{
	struct px_ssh_key k;
	char *line, big[600];

	assert_int_equal(px_ssh_key_parse("ssh-ed25519", ed_b64, &k), 0);
	/* A comment cannot start a second authorized_keys line. */
	assert_int_equal(
	    px_ssh_key_line(
	        &k, "CN=a\ncommand=\"x\" ssh-ed25519 AAAA serial 1", &line),
	    0);
	assert_null(strchr(line, '\n'));
	assert_non_null(strstr(line, " CN=a?command="));
	free(line);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(px_ssh_key_line(&k, big, &line), 0);
	assert_int_equal(strlen(line),
	    strlen("ssh-ed25519 ") + strlen(ed_b64) + 1 + PX_SSH_COMMENT_MAX);
	free(line);
	px_ssh_key_clear(&k);
}

static void
test_info(void **state)
{
	struct px_ssh_info info;
	char buf[2048], *huge;
	int i;

	assert_int_equal(px_ssh_info_parse(NULL, &info), 0);
	assert_int_equal(info.n, 0);
	assert_int_equal(px_ssh_info_parse("", &info), 0);
	assert_int_equal(info.n, 0);
	snprintf(buf, sizeof(buf), "publickey ssh-ed25519 %s\n", ed_b64);
	assert_int_equal(px_ssh_info_parse(buf, &info), 0);
	assert_int_equal(info.n, 1);
	assert_string_equal(info.keys[0].type, "ssh-ed25519");
	px_ssh_info_clear(&info);
	/* Several methods, the last line without its newline. */
	snprintf(buf, sizeof(buf),
	    "publickey ssh-ed25519 %s\nkeyboard-interactive\n"
	    "password\npublickey %s",
	    ed_b64, rsa_ssh);
	assert_int_equal(px_ssh_info_parse(buf, &info), 0);
	assert_int_equal(info.n, 2);
	assert_int_equal(info.others, 2);
	assert_string_equal(info.keys[1].type, "ssh-rsa");
	px_ssh_info_clear(&info);
	/* No publickey method. */
	assert_int_equal(px_ssh_info_parse("keyboard-interactive\n", &info), 0);
	assert_int_equal(info.n, 0);
	assert_int_equal(info.others, 1);
	/* An OpenSSH certificate key: read, and matches no certificate. */
	snprintf(buf, sizeof(buf),
	    "publickey ssh-ed25519-cert-v01@openssh.com "
	    "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAAA==\n");
	assert_int_equal(px_ssh_info_parse(buf, &info), 0);
	assert_int_equal(info.n, 1);
	assert_string_equal(
	    info.keys[0].type, "ssh-ed25519-cert-v01@openssh.com");
	px_ssh_info_clear(&info);
	/* An OpenSSH certificate line has more words: the first two count. */
	snprintf(
	    buf, sizeof(buf), "publickey ssh-ed25519 %s ID x CA y\n", ed_b64);
	assert_int_equal(px_ssh_info_parse(buf, &info), 0);
	assert_int_equal(info.n, 1);
	px_ssh_info_clear(&info);
	/* Truncated lines. */
	assert_int_equal(
	    px_ssh_info_parse("publickey\n", &info), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_ssh_info_parse("publickey ssh-ed25519", &info),
	    PX_ERR_BAD_FORMAT);
	snprintf(buf, sizeof(buf), "publickey ssh-ed25519 %.30s", ed_b64);
	assert_int_equal(px_ssh_info_parse(buf, &info), PX_ERR_BAD_FORMAT);
	assert_int_equal(info.n, 0);
	/* A control character. */
	snprintf(buf, sizeof(buf), "publickey ssh-ed25519 %s\r\n", ed_b64);
	assert_int_equal(px_ssh_info_parse(buf, &info), PX_ERR_BAD_FORMAT);
	/* More publickey lines than any login has. */
	buf[0] = '\0';
	for (i = 0; i <= PX_SSH_INFO_KEYS_MAX; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
		    "publickey ssh-ed25519 %s\n", ed_b64);
	assert_int_equal(px_ssh_info_parse(buf, &info), PX_ERR_TOO_BIG);
	assert_int_equal(info.n, 0);
	/* 1 MB: refused whole, without reading it all. */
	huge = malloc(1024 * 1024 + 1);
	assert_non_null(huge);
	memset(huge, 'a', 1024 * 1024);
	huge[1024 * 1024] = '\0';
	assert_int_equal(px_ssh_info_parse(huge, &info), PX_ERR_TOO_BIG);
	/* Many short lines. */
	for (i = 0; i < 1024 * 1024; i += 2)
		huge[i + 1] = '\n';
	huge[PX_SSH_INFO_MAX] = '\0';
	assert_int_equal(px_ssh_info_parse(huge, &info), PX_ERR_TOO_BIG);
	free(huge);
}

static void
test_user(void **state)
{
	char longname[301];

	assert_true(px_ssh_user_ok("alice"));
	assert_true(px_ssh_user_ok("a.b-c_d"));
	assert_false(px_ssh_user_ok(""));
	assert_false(px_ssh_user_ok("a/b"));
	assert_false(px_ssh_user_ok(".."));
	assert_false(px_ssh_user_ok("."));
	assert_false(px_ssh_user_ok(".hidden"));
	assert_false(px_ssh_user_ok("*"));
	assert_false(px_ssh_user_ok(")("));
	assert_false(px_ssh_user_ok("a\001b"));
	assert_false(px_ssh_user_ok("-rf"));
	memset(longname, 'a', 300);
	longname[300] = '\0';
	assert_false(px_ssh_user_ok(longname));
	longname[PX_SSH_USER_MAX] = '\0';
	assert_true(px_ssh_user_ok(longname));
	longname[PX_SSH_USER_MAX] = 'a';
	longname[PX_SSH_USER_MAX + 1] = '\0';
	assert_false(px_ssh_user_ok(longname));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa),
		cmocka_unit_test(test_ecdsa),
		cmocka_unit_test(test_ecdsa_curves),
		cmocka_unit_test(test_ed25519),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_line_comment),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_user),
	};

	px_log_set_sink(quiet, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
