/* SPDX-License-Identifier: BSD-2-Clause */
/* Checked parsers and the bounded file reader. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/escape.h"
#include "common/log.h"
#include "common/util.h"

static void
quiet(void *arg, int level, const char *msg)
{
}

static void
test_duration(void **state)
{
	uint64_t v;

	assert_int_equal(px_parse_duration("15", &v), 0);
	assert_int_equal(v, 15);
	assert_int_equal(px_parse_duration("15s", &v), 0);
	assert_int_equal(v, 15);
	assert_int_equal(px_parse_duration("30m", &v), 0);
	assert_int_equal(v, 1800);
	assert_int_equal(px_parse_duration("2h", &v), 0);
	assert_int_equal(v, 7200);
	assert_int_equal(px_parse_duration("7d", &v), 0);
	assert_int_equal(v, 7 * 86400);
	assert_int_equal(px_parse_duration("7D", &v), 0);
	assert_int_equal(v, 7 * 86400);
	assert_int_equal(px_parse_duration("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(px_parse_duration("", &v), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_parse_duration("s", &v), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_parse_duration("15x", &v), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_parse_duration("-1", &v), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_parse_duration("1.5m", &v), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_parse_duration(" 15", &v), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_parse_duration("15 s", &v), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_parse_duration("5ms", &v), PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    px_parse_duration("99999999999999999999999", &v), PX_ERR_TOO_BIG);
	assert_int_equal(
	    px_parse_duration("1000000000000000000000000000000000000000", &v),
	    PX_ERR_BAD_FORMAT);
	assert_int_equal(
	    px_parse_duration("99999999999999999999", &v), PX_ERR_TOO_BIG);
	assert_int_equal(px_parse_duration("4000d", &v), PX_ERR_TOO_BIG);
	assert_int_equal(px_parse_duration(NULL, &v), PX_ERR_BAD_FORMAT);
}

static void
test_size(void **state)
{
	uint64_t v;

	assert_int_equal(px_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(px_parse_size("512K", &v), 0);
	assert_int_equal(v, 512 * 1024);
	assert_int_equal(px_parse_size("64M", &v), 0);
	assert_int_equal(v, 64ULL * 1024 * 1024);
	assert_int_equal(px_parse_size("1g", &v), 0);
	assert_int_equal(v, 1ULL << 30);
	assert_int_equal(px_parse_size("64MB", &v), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_parse_size("M", &v), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_parse_size("2048G", &v), PX_ERR_TOO_BIG);
}

static void
test_uint_bool(void **state)
{
	uint64_t v;
	int b;

	assert_int_equal(px_parse_uint("50", 100, &v), 0);
	assert_int_equal(v, 50);
	assert_int_equal(px_parse_uint("101", 100, &v), PX_ERR_TOO_BIG);
	assert_int_equal(
	    px_parse_uint("18446744073709551615", UINT64_MAX, &v), 0);
	assert_int_equal(px_parse_uint("18446744073709551616", UINT64_MAX, &v),
	    PX_ERR_TOO_BIG);
	assert_int_equal(px_parse_uint("0x10", 100, &v), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_parse_bool("yes", &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(px_parse_bool("Off", &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(px_parse_bool("1", &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(px_parse_bool("yess", &b), PX_ERR_BAD_FORMAT);
	assert_int_equal(px_parse_bool("", &b), PX_ERR_BAD_FORMAT);
}

static char dir[256];

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "%s/px-util.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	px_log_set_sink(quiet, NULL);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *
path_of(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void
write_file(const char *name, const char *text, mode_t mode)
{
	FILE *f = fopen(path_of(name), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path_of(name), mode), 0);
}

static void
test_read_file(void **state)
{
	char *buf = (char *)1;
	size_t len = 1;
	char target[PATH_MAX];

	write_file("ok", "hello\n", 0600);
	assert_int_equal(px_read_file(path_of("ok"), 100,
	                     PX_READ_NOFOLLOW | PX_READ_TRUSTED, &buf, &len),
	    0);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "hello\n");
	free(buf);

	/* Exactly at the cap is fine, one byte more is not. */
	assert_int_equal(px_read_file(path_of("ok"), 6, 0, &buf, &len), 0);
	free(buf);
	assert_int_equal(
	    px_read_file(path_of("ok"), 5, 0, &buf, &len), PX_ERR_TOO_BIG);
	assert_null(buf);
	assert_int_equal(len, 0);

	assert_int_equal(px_read_file(path_of("missing"), 100, 0, &buf, &len),
	    PX_ERR_NOT_FOUND);

	snprintf(target, sizeof(target), "%s", path_of("ok"));
	assert_int_equal(symlink(target, path_of("link")), 0);
	assert_int_equal(
	    px_read_file(path_of("link"), 100, PX_READ_NOFOLLOW, &buf, &len),
	    PX_ERR_INSECURE);
	assert_int_equal(px_read_file(path_of("link"), 100, 0, &buf, &len), 0);
	free(buf);

	assert_int_equal(px_read_file(dir, 100, 0, &buf, &len), PX_ERR_IO);

	write_file("ww", "x", 0666);
	assert_int_equal(
	    px_read_file(path_of("ww"), 100, PX_READ_TRUSTED, &buf, &len),
	    PX_ERR_INSECURE);
	assert_int_equal(px_read_file(path_of("ww"), 100, 0, &buf, &len), 0);
	free(buf);

	write_file("empty", "", 0600);
	assert_int_equal(px_read_file(path_of("empty"), 100, 0, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
}

static void
test_check_dir(void **state)
{
	assert_int_equal(mkdir(path_of("d"), 0755), 0);
	assert_int_equal(px_check_dir(path_of("d")), 0);
	assert_int_equal(chmod(path_of("d"), 0777), 0);
	assert_int_equal(px_check_dir(path_of("d")), PX_ERR_INSECURE);
	assert_int_equal(px_check_dir(path_of("nope")), PX_ERR_NOT_FOUND);
	write_file("f", "x", 0600);
	assert_int_equal(px_check_dir(path_of("f")), PX_ERR_IO);
}

static void
test_time_str(void **state)
{
	char buf[32];

	assert_string_equal(
	    px_time_str(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
	assert_string_equal(
	    px_time_str(1772323200, buf, sizeof(buf)), "2026-03-01T00:00:00Z");
}

/* Record fields: nothing escaped can hold a separator, and reads back. */
static void
test_field_escape(void **state)
{
	const char *in[] = { "http://h/x.crl", "a b\nc\rd\te%f",
		"\"570084-33c\"", "\xc3\xa9\x7f\x01", "" };
	size_t i;
	char *e;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		assert_non_null(e = px_field_escape(in[i]));
		assert_null(strpbrk(e, " \n\r\t"));
		assert_int_equal(px_field_unescape(e), 0);
		assert_string_equal(e, in[i]);
		free(e);
	}
	e = strdup("a%0Ab");
	assert_int_equal(px_field_unescape(e), 0);
	assert_string_equal(e, "a\nb");
	free(e);
	/* Strict: what escaping would have encoded, %00, lower case, torn. */
	const char *bad[] = { "a b", "a%00b", "a%0ab", "a%", "a%4", "a%41",
		"a%zz" };
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e = strdup(bad[i]);
		assert_int_equal(px_field_unescape(e), PX_ERR_BAD_FORMAT);
		free(e);
	}
}

static void
test_sanitize(void **state)
{
	char out[64], small[8];

	assert_string_equal(px_sanitize("plain", out, sizeof(out)), "plain");
	assert_string_equal(px_sanitize("a\nb\r\x1b[31m", out, sizeof(out)),
	    "a\\x0ab\\x0d\\x1b[31m");
	assert_string_equal(
	    px_sanitize("caf\xc3\xa9", out, sizeof(out)), "caf\xc3\xa9");
	assert_string_equal(
	    px_sanitize("\xc2\x85|\xff|\xed\xa0\x80", out, sizeof(out)),
	    "\\xc2\\x85|\\xff|\\xed\\xa0\\x80");
	assert_string_equal(px_sanitize("\x7f", out, sizeof(out)), "\\x7f");
	assert_string_equal(
	    px_sanitize("0123456789", small, sizeof(small)), "0123...");
	assert_string_equal(
	    px_sanitize("\n\n\n", small, sizeof(small)), "\\x0a...");
	assert_string_equal(px_sanitize("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
	                        small, sizeof(small)),
	    "\xc3\xa9\xc3\xa9...");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_uint_bool),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_check_dir),
		cmocka_unit_test(test_time_str),
		cmocka_unit_test(test_field_escape),
		cmocka_unit_test(test_sanitize),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
