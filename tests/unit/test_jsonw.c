/*
 * test_jsonw.c - the compact JSON printer: the same text as
 * cJSON_PrintUnformatted for every kind of value, whole numbers beyond the
 * int range in digits, and a msg holding exactly the printed bytes.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "proto/jsonw.h"

/* Prints `item` both ways and checks the texts are equal; frees item. */
static void assert_same_as_cjson(cJSON *item)
{
	char *want = cJSON_PrintUnformatted(item), *got;
	size_t len = 0;

	assert_non_null(want);
	got = jsonw_print(item, &len);
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_int_equal(len, strlen(want));
	free(got);
	free(want);
	cJSON_Delete(item);
}

static void test_scalars_match_cjson(void **state)
{
	(void)state;
	assert_same_as_cjson(cJSON_CreateTrue());
	assert_same_as_cjson(cJSON_CreateFalse());
	assert_same_as_cjson(cJSON_CreateNull());
	assert_same_as_cjson(cJSON_CreateNumber(0));
	assert_same_as_cjson(cJSON_CreateNumber(-17));
	assert_same_as_cjson(cJSON_CreateNumber(2147483647));
	assert_same_as_cjson(cJSON_CreateNumber(62.5));
	assert_same_as_cjson(cJSON_CreateNumber(1.0 / 3.0));
	assert_same_as_cjson(cJSON_CreateNumber(-0.1));
	assert_same_as_cjson(cJSON_CreateNumber(1e-7));
	assert_same_as_cjson(cJSON_CreateNumber(NAN));
	assert_same_as_cjson(cJSON_CreateNumber(INFINITY));
	assert_same_as_cjson(cJSON_CreateString(""));
	assert_same_as_cjson(cJSON_CreateString("plain ñandú € 😀"));
	assert_same_as_cjson(cJSON_CreateRaw("{\"pre\":[1,2]}"));
}

static void test_string_escapes_match_cjson(void **state)
{
	(void)state;
	assert_same_as_cjson(cJSON_CreateString("quote \" backslash \\ slash /"));
	assert_same_as_cjson(cJSON_CreateString("\b\f\n\r\t"));
	assert_same_as_cjson(cJSON_CreateString("\x01\x1f\x7f end"));
}

static void test_random_strings_match_cjson(void **state)
{
	unsigned seed = 12345;

	(void)state;
	/* Any non-NUL bytes, runs of plain text between escapes included. */
	for (int i = 0; i < 2000; i++) {
		char buf[64];
		int n = (int)(seed % 63);

		for (int j = 0; j < n; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[j] = (char)(1 + (seed >> 16) % 255);
		}
		buf[n] = '\0';
		assert_same_as_cjson(cJSON_CreateString(buf));
		seed = seed * 1103515245u + 12345u;
	}
}

static void test_trees_match_cjson(void **state)
{
	cJSON *root = cJSON_CreateObject(), *arr, *inner;

	(void)state;
	assert_non_null(cJSON_AddStringToObject(root, "ev", "post.created"));
	assert_non_null(cJSON_AddNumberToObject(root, "seq", 12));
	assert_non_null(cJSON_AddObjectToObject(root, "empty"));
	assert_non_null(arr = cJSON_AddArrayToObject(root, "list"));
	assert_non_null(cJSON_AddArrayToObject(root, "none"));
	assert_true(cJSON_AddItemToArray(arr, cJSON_CreateNumber(1)));
	assert_true(cJSON_AddItemToArray(arr, cJSON_CreateString("two")));
	assert_true(cJSON_AddItemToArray(arr, inner = cJSON_CreateObject()));
	assert_non_null(cJSON_AddBoolToObject(inner, "k\"ey\n", 1));
	assert_non_null(cJSON_AddNullToObject(inner, "n"));
	assert_same_as_cjson(root);
}

static void test_large_whole_numbers_print_as_digits(void **state)
{
	cJSON *root = cJSON_CreateObject();
	char *s;

	(void)state;
	assert_non_null(cJSON_AddNumberToObject(root, "at", 1733071234567.0));
	assert_non_null(cJSON_AddNumberToObject(root, "big", 2e15));
	assert_non_null(cJSON_AddNumberToObject(root, "neg", -9007199254740991.0));
	assert_non_null(cJSON_AddNumberToObject(root, "huge", 1e300));
	s = jsonw_print(root, NULL);
	assert_non_null(s);
	assert_string_equal(s, "{\"at\":1733071234567,\"big\":2000000000000000,"
			       "\"neg\":-9007199254740991,\"huge\":1e+300}");
	free(s);
	cJSON_Delete(root);
}

static void test_msg_holds_exactly_the_text(void **state)
{
	cJSON *root = cJSON_CreateObject();
	struct msg *m;

	(void)state;
	assert_non_null(cJSON_AddStringToObject(root, "a", "b"));
	m = jsonw_print_msg(root);
	assert_non_null(m);
	assert_int_equal(m->len, 9);
	assert_memory_equal(msg_data(m), "{\"a\":\"b\"}", 9);
	assert_int_equal(msg_data(m)[9], '\0');
	msg_unref(m);
	cJSON_Delete(root);
}

static void test_unprintable_items_fail(void **state)
{
	cJSON *raw = cJSON_CreateRaw("1"), *root = cJSON_CreateArray();

	(void)state;
	/* A raw item that lost its text cannot be printed, nor a tree holding it. */
	free(raw->valuestring);
	raw->valuestring = NULL;
	assert_true(cJSON_AddItemToArray(root, raw));
	assert_null(jsonw_print(root, NULL));
	assert_null(jsonw_print_msg(root));
	assert_null(jsonw_print(NULL, NULL));
	cJSON_Delete(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars_match_cjson),
		cmocka_unit_test(test_string_escapes_match_cjson),
		cmocka_unit_test(test_random_strings_match_cjson),
		cmocka_unit_test(test_trees_match_cjson),
		cmocka_unit_test(test_large_whole_numbers_print_as_digits),
		cmocka_unit_test(test_msg_holds_exactly_the_text),
		cmocka_unit_test(test_unprintable_items_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
