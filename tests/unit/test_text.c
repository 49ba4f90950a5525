/*
 * test_text.c - UTF-8 validation, character counts and NUL detection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/text.h"

/* Validity of a byte string given with an explicit length. */
static int valid_n(const char *s, size_t n)
{
	return text_utf8_valid(s, n);
}

static int valid(const char *s)
{
	return text_utf8_valid(s, strlen(s));
}

/* ---- valid input ------------------------------------------------------- */

static void test_empty_is_valid(void **state)
{
	(void)state;
	assert_true(valid_n("", 0));
	assert_int_equal(text_utf8_chars("", 0), 0);
}

static void test_ascii_is_valid(void **state)
{
	(void)state;
	assert_true(valid("hello, world {\"a\":1}"));
	assert_true(valid_n("\x7f", 1));
	assert_true(valid_n("\x01\x1f", 2));
}

static void test_two_byte_valid(void **state)
{
	(void)state;
	assert_true(valid("\xc3\xb1"));              /* ñ */
	assert_true(valid("\xc2\x80"));              /* U+0080, smallest 2-byte */
	assert_true(valid("\xdf\xbf"));              /* U+07FF, largest 2-byte */
}

static void test_three_byte_valid(void **state)
{
	(void)state;
	assert_true(valid("\xc3\xa7\xc3\xa3o"));     /* ção */
	assert_true(valid("\xe0\xa0\x80"));          /* U+0800, smallest 3-byte */
	assert_true(valid("\xed\x9f\xbf"));          /* U+D7FF, just below the surrogates */
	assert_true(valid("\xee\x80\x80"));          /* U+E000, just above the surrogates */
	assert_true(valid("\xef\xbf\xbf"));          /* U+FFFF */
	assert_true(valid("\xe2\x82\xac"));          /* € */
}

static void test_four_byte_valid(void **state)
{
	(void)state;
	assert_true(valid("\xf0\x9f\x98\x80"));      /* U+1F600 emoji */
	assert_true(valid("\xf0\x90\x80\x80"));      /* U+10000, smallest 4-byte */
	assert_true(valid("\xf4\x8f\xbf\xbf"));      /* U+10FFFF, largest code point */
}

static void test_mixed_valid(void **state)
{
	(void)state;
	assert_true(valid("a\xc3\xb1" "b\xe2\x82\xac" "c\xf0\x9f\x98\x80" "d"));
}

/* ---- overlongs ---------------------------------------------------------- */

static void test_overlong_two_byte(void **state)
{
	(void)state;
	assert_false(valid_n("\xc0\x80", 2));        /* overlong NUL */
	assert_false(valid_n("\xc0\xaf", 2));        /* overlong '/' */
	assert_false(valid_n("\xc1\xbf", 2));        /* overlong U+007F */
}

static void test_overlong_three_byte(void **state)
{
	(void)state;
	assert_false(valid_n("\xe0\x80\x80", 3));
	assert_false(valid_n("\xe0\x9f\xbf", 3));    /* overlong U+07FF */
}

static void test_overlong_four_byte(void **state)
{
	(void)state;
	assert_false(valid_n("\xf0\x80\x80\x80", 4));
	assert_false(valid_n("\xf0\x8f\xbf\xbf", 4)); /* overlong U+FFFF */
}

/* ---- surrogates and out of range ---------------------------------------- */

static void test_surrogates_refused(void **state)
{
	(void)state;
	assert_false(valid_n("\xed\xa0\x80", 3));    /* U+D800 */
	assert_false(valid_n("\xed\xbf\xbf", 3));    /* U+DFFF */
	assert_false(valid_n("\xed\xa0\xbd\xed\xb8\x80", 6)); /* CESU-8 pair */
}

static void test_above_max_refused(void **state)
{
	(void)state;
	assert_false(valid_n("\xf4\x90\x80\x80", 4)); /* U+110000 */
	assert_false(valid_n("\xf5\x80\x80\x80", 4));
	assert_false(valid_n("\xf7\xbf\xbf\xbf", 4));
	assert_false(valid_n("\xf8\x88\x80\x80\x80", 5)); /* old 5-byte form */
	assert_false(valid_n("\xfc\x84\x80\x80\x80\x80", 6));
	assert_false(valid_n("\xfe", 1));
	assert_false(valid_n("\xff", 1));
}

/* ---- truncated and stray bytes ------------------------------------------ */

static void test_truncated_sequences(void **state)
{
	(void)state;
	assert_false(valid_n("\xc3", 1));
	assert_false(valid_n("\xe2\x82", 2));
	assert_false(valid_n("\xe2", 1));
	assert_false(valid_n("\xf0\x9f\x98", 3));
	assert_false(valid_n("\xf0\x9f", 2));
	assert_false(valid_n("\xf0", 1));
	assert_false(valid_n("abc\xf0\x9f\x98", 6));
}

static void test_truncated_by_length(void **state)
{
	const char *emoji = "\xf0\x9f\x98\x80";

	(void)state;
	/* The bytes exist in memory but the length cuts the sequence. */
	assert_false(valid_n(emoji, 3));
	assert_false(valid_n(emoji, 2));
	assert_false(valid_n(emoji, 1));
	assert_true(valid_n(emoji, 4));
	assert_true(valid_n("\xc3\xb1", 2));
	assert_false(valid_n("\xc3\xb1", 1));
}

static void test_bad_continuation(void **state)
{
	(void)state;
	assert_false(valid_n("\xc3\x28", 2));        /* second byte not a continuation */
	assert_false(valid_n("\xe2\x28\xa1", 3));
	assert_false(valid_n("\xe2\x82\x28", 3));
	assert_false(valid_n("\xf0\x28\x8c\xbc", 4));
	assert_false(valid_n("\xf0\x90\x28\xbc", 4));
	assert_false(valid_n("\xf0\x90\x8c\x28", 4));
	assert_false(valid_n("\xc3\xc3", 2));
}

static void test_lone_continuation(void **state)
{
	(void)state;
	assert_false(valid_n("\x80", 1));
	assert_false(valid_n("\xbf", 1));
	assert_false(valid_n("a\x80" "b", 3));
	assert_false(valid_n("\xc3\xb1\x80", 3));    /* one too many */
}

static void test_invalid_after_valid_prefix(void **state)
{
	(void)state;
	assert_false(valid_n("\xf0\x9f\x98\x80\xed\xa0\x80", 7));
}

/* ---- counting ------------------------------------------------------------ */

static void test_chars_ascii(void **state)
{
	(void)state;
	assert_int_equal(text_utf8_chars("hello", 5), 5);
	assert_int_equal(text_utf8_chars("a", 1), 1);
}

static void test_chars_multibyte(void **state)
{
	(void)state;
	assert_int_equal(text_utf8_chars("\xc3\xb1", 2), 1);                /* ñ */
	assert_int_equal(text_utf8_chars("\xc3\xa7\xc3\xa3o", 5), 3);       /* ção */
	assert_int_equal(text_utf8_chars("\xe2\x82\xac", 3), 1);            /* € */
	assert_int_equal(text_utf8_chars("\xf0\x9f\x98\x80", 4), 1);        /* emoji */
	assert_int_equal(text_utf8_chars("a\xc3\xb1" "b\xe2\x82\xac" "c\xf0\x9f\x98\x80", 12), 6);
}

static void test_chars_respects_length(void **state)
{
	(void)state;
	assert_int_equal(text_utf8_chars("abcdef", 3), 3);
	assert_int_equal(text_utf8_chars("\xc3\xb1\xc3\xb1", 2), 1);
}

/* ---- NUL ----------------------------------------------------------------- */

static void test_nul_absent(void **state)
{
	(void)state;
	assert_false(text_has_nul("abc", 3));
	assert_false(text_has_nul("", 0));
	assert_false(text_has_nul("\\u0000", 6));     /* an escape is not a NUL byte */
}

static void test_nul_present(void **state)
{
	(void)state;
	assert_true(text_has_nul("a\0b", 3));
	assert_true(text_has_nul("\0", 1));
	assert_true(text_has_nul("abc\0", 4));
}

static void test_nul_beyond_length_ignored(void **state)
{
	(void)state;
	/* The terminator of a C string is outside [0, len). */
	assert_false(text_has_nul("abc", 3));
	assert_false(text_has_nul("ab\0c", 2));
}

static void test_nul_byte_is_valid_utf8(void **state)
{
	(void)state;
	/* U+0000 is well-formed UTF-8; refusing it is text_has_nul's job. */
	assert_true(valid_n("a\0b", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_valid),
		cmocka_unit_test(test_ascii_is_valid),
		cmocka_unit_test(test_two_byte_valid),
		cmocka_unit_test(test_three_byte_valid),
		cmocka_unit_test(test_four_byte_valid),
		cmocka_unit_test(test_mixed_valid),
		cmocka_unit_test(test_overlong_two_byte),
		cmocka_unit_test(test_overlong_three_byte),
		cmocka_unit_test(test_overlong_four_byte),
		cmocka_unit_test(test_surrogates_refused),
		cmocka_unit_test(test_above_max_refused),
		cmocka_unit_test(test_truncated_sequences),
		cmocka_unit_test(test_truncated_by_length),
		cmocka_unit_test(test_bad_continuation),
		cmocka_unit_test(test_lone_continuation),
		cmocka_unit_test(test_invalid_after_valid_prefix),
		cmocka_unit_test(test_chars_ascii),
		cmocka_unit_test(test_chars_multibyte),
		cmocka_unit_test(test_chars_respects_length),
		cmocka_unit_test(test_nul_absent),
		cmocka_unit_test(test_nul_present),
		cmocka_unit_test(test_nul_beyond_length_ignored),
		cmocka_unit_test(test_nul_byte_is_valid_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
