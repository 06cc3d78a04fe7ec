/* SPDX-License-Identifier: BSD-2-Clause */
/* The JSON writer: escaping and UTF-8 checking, commas and nesting. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/json.h"

/* What px_json_write_strn() makes of len bytes of s. */
static char *
esc(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&buf, &n));
	px_json_write_strn(f, s, len);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
expect(const char *in, size_t len, const char *want)
{
	char *got = esc(in, len);

	assert_string_equal(got, want);
	free(got);
}

#define EXPECT(lit, want) expect(lit, sizeof(lit) - 1, want)

static void
test_plain(void **state)
{
	EXPECT("", "\"\"");
	EXPECT("CN=Alice Good", "\"CN=Alice Good\"");
	EXPECT("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
}

static void
test_null(void **state)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&buf, &n));
	px_json_write_str(f, NULL);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "null");
	free(buf);
}

static void
test_control(void **state)
{
	char in[0x20];
	char *got;
	int i;

	EXPECT("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	EXPECT("a\x01z", "\"a\\u0001z\"");
	EXPECT("\x1b[31m", "\"\\u001b[31m\"");
	EXPECT("\x7f", "\"\\u007f\"");
	EXPECT("x\0y", "\"x\\u0000y\"");
	/* C1 controls, written in UTF-8: escaped too. */
	EXPECT("\xc2\x80", "\"\\u0080\"");
	EXPECT("\xc2\x9b", "\"\\u009b\"");
	EXPECT("\xc2\x9f", "\"\\u009f\"");
	EXPECT("\xc2\xa0", "\"\xc2\xa0\"");
	/* No control character ever comes out raw. */
	for (i = 0; i < 0x20; i++)
		in[i] = (char)i;
	got = esc(in, sizeof(in));
	for (i = 0; got[i] != '\0'; i++)
		assert_true((unsigned char)got[i] >= 0x20);
	free(got);
}

static void
test_valid_utf8(void **state)
{
	EXPECT("\xc3\xa9t\xc3\xa9", "\"\xc3\xa9t\xc3\xa9\""); /* été */
	EXPECT("\xe2\x82\xac", "\"\xe2\x82\xac\"");           /* euro */
	EXPECT("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");           /* FFFD */
	EXPECT("\xf0\x9f\x94\x91", "\"\xf0\x9f\x94\x91\"");   /* key */
	EXPECT("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");   /* 10FFFF */
	EXPECT("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");           /* D7FF */
	EXPECT("\xee\x80\x80", "\"\xee\x80\x80\"");           /* E000 */
}

static void
test_overlong(void **state)
{
	/* '/' as two, three and four bytes; NUL as two. */
	EXPECT("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	EXPECT("\xc1\xbf", "\"\\ufffd\\ufffd\"");
	EXPECT("\xc0\x80", "\"\\ufffd\\ufffd\"");
	EXPECT("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	EXPECT("\xe0\x9f\xbf", "\"\\ufffd\\ufffd\\ufffd\"");
	EXPECT("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	EXPECT("\xf0\x8f\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void
test_surrogates(void **state)
{
	EXPECT("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""); /* D800 */
	EXPECT("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\""); /* DFFF */
	/* A CESU-8 pair (U+1F511 as two surrogates). */
	EXPECT("\xed\xa0\xbd\xed\xb4\x91",
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void
test_truncated(void **state)
{
	/* A maximal subpart is one U+FFFD, then what follows is read. */
	EXPECT("\xc3", "\"\\ufffd\"");
	EXPECT("\xe2\x82", "\"\\ufffd\"");
	EXPECT("\xf0\x9f\x94", "\"\\ufffd\"");
	EXPECT("\xe2\x82x", "\"\\ufffdx\"");
	EXPECT("\xf0\x9f\x94\"", "\"\\ufffd\\\"\"");
	EXPECT("\xc3\n", "\"\\ufffd\\n\"");
	/* Stray continuation bytes, one each. */
	EXPECT("\x80\xbf", "\"\\ufffd\\ufffd\"");
	EXPECT("a\x80z", "\"a\\ufffdz\"");
}

static void
test_beyond(void **state)
{
	/* U+110000 and beyond, and bytes no UTF-8 has. */
	EXPECT("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	EXPECT("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	EXPECT("\xf7\xbf\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	EXPECT(
	    "\xf8\x88\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	EXPECT("\xfe\xff", "\"\\ufffd\\ufffd\"");
}

static int
count(const char *s, const char *sub)
{
	int n = 0;

	while ((s = strstr(s, sub)) != NULL) {
		n++;
		s++;
	}
	return n;
}

/* Every byte string of length 1 and 2 gives printable ASCII or UTF-8 that
 * this same writer passes through unchanged. */
static void
test_exhaustive(void **state)
{
	unsigned char in[2];
	char *got, *again;
	size_t glen;
	int a, b;

	for (a = 0; a < 256; a++) {
		for (b = 0; b < 256; b++) {
			in[0] = (unsigned char)a;
			in[1] = (unsigned char)b;
			got = esc((const char *)in, 2);
			glen = strlen(got);
			assert_true(
			    glen >= 2 && got[0] == '"' && got[glen - 1] == '"');
			/* No control character; escaping the inside again
			 * replaces nothing more: it was valid UTF-8. */
			assert_null(memchr(got, 0x7f, glen));
			for (size_t i = 0; i < glen; i++)
				assert_true((unsigned char)got[i] >= 0x20);
			again = esc(got + 1, glen - 2);
			assert_int_equal(
			    count(again, "ufffd"), count(got, "ufffd"));
			free(again);
			free(got);
		}
	}
}

static char *
doc(void (*fn)(struct px_json *))
{
	struct px_json j;
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&buf, &n));
	px_json_init(&j, f);
	fn(&j);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
nested(struct px_json *j)
{
	px_json_begin_object(j);
	px_json_kstr(j, "a", "x");
	px_json_kint(j, "n", -3);
	px_json_key(j, "list");
	px_json_begin_array(j);
	px_json_begin_object(j);
	px_json_kbool(j, "t", 1);
	px_json_end_object(j);
	px_json_begin_object(j);
	px_json_end_object(j);
	px_json_uint(j, 18446744073709551615ULL);
	px_json_null(j);
	px_json_end_array(j);
	px_json_ktime(j, "at", 0);
	px_json_ktime(j, "when", 86400);
	px_json_key(j, "e");
	px_json_begin_array(j);
	px_json_end_array(j);
	px_json_end_object(j);
}

static void
test_writer(void **state)
{
	char *got = doc(nested);

	assert_string_equal(got,
	    "{\"a\":\"x\",\"n\":-3,\"list\":[{\"t\":true},{},"
	    "18446744073709551615,null],\"at\":null,"
	    "\"when\":\"1970-01-02T00:00:00Z\",\"e\":[]}");
	free(got);
}

static void
deep(struct px_json *j)
{
	int i;

	for (i = 0; i < PX_JSON_DEPTH_MAX + 4; i++)
		px_json_begin_array(j);
	px_json_int(j, 1);
	px_json_int(j, 2);
	for (i = 0; i < PX_JSON_DEPTH_MAX + 6; i++)
		px_json_end_array(j);
}

static void
test_deep(void **state)
{
	char *got = doc(deep);

	/* Beyond the depth the commas are not tracked; nothing breaks. */
	assert_non_null(strchr(got, '1'));
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_valid_utf8),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_beyond),
		cmocka_unit_test(test_exhaustive),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
