/*
 * test_export.c - download tables as JSON and CSV, and the CSV cell rules
 * that keep spreadsheets from running a cell as a formula.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto/export.h"

static const char *const COLS[] = { "item", "count", "share", "correct" };

/* A small results table: two rows, one with a null share. */
static struct export *sample(void)
{
	struct export *e = export_new("poll", "{\"id\":7,\"prompt\":\"Which?\"}");

	assert_non_null(e);
	assert_int_equal(export_table(e, "results", COLS, 4), 0);
	assert_int_equal(export_str(e, "Option A"), 0);
	assert_int_equal(export_int(e, 25), 0);
	assert_int_equal(export_num(e, 62.5), 0);
	assert_int_equal(export_bool(e, 1), 0);
	assert_int_equal(export_row_end(e), 0);
	assert_int_equal(export_str(e, "=SUM(A1)"), 0);
	assert_int_equal(export_int(e, 0), 0);
	assert_int_equal(export_num(e, NAN), 0);
	assert_int_equal(export_bool(e, 0), 0);
	assert_int_equal(export_row_end(e), 0);
	return e;
}

static void test_json_nests_head_and_rows(void **state)
{
	char *out = export_finish(sample(), 0, NULL);

	(void)state;
	assert_non_null(out);
	assert_string_equal(out, "{\"poll\":{\"id\":7,\"prompt\":\"Which?\"},\"results\":["
				 "{\"item\":\"Option A\",\"count\":25,\"share\":62.5,\"correct\":true},"
				 "{\"item\":\"=SUM(A1)\",\"count\":0,\"share\":null,\"correct\":false}]}");
	free(out);
}

static void test_csv_has_header_and_guards_formulas(void **state)
{
	char *out = export_finish(sample(), 1, "results");

	(void)state;
	assert_non_null(out);
	assert_string_equal(out, "item,count,share,correct\r\n"
				 "Option A,25,62.5,yes\r\n"
				 "'=SUM(A1),0,,no\r\n");
	free(out);
}

static void test_csv_unknown_table_is_null(void **state)
{
	(void)state;
	assert_null(export_finish(sample(), 1, "answers"));
}

static void test_two_tables_in_json(void **state)
{
	static const char *const A[] = { "name", "answer" };
	struct export *e = sample();
	char *out;

	(void)state;
	assert_int_equal(export_table(e, "answers", A, 2), 0);
	assert_int_equal(export_str(e, "Ana"), 0);
	assert_int_equal(export_str(e, "Option A"), 0);
	assert_int_equal(export_row_end(e), 0);
	out = export_finish(e, 1, "answers");
	assert_non_null(out);
	assert_string_equal(out, "name,answer\r\nAna,Option A\r\n");
	free(out);
}

static void test_short_row_fails(void **state)
{
	struct export *e = export_new("poll", NULL);

	(void)state;
	assert_int_equal(export_table(e, "results", COLS, 4), 0);
	assert_int_equal(export_str(e, "x"), 0);
	assert_int_equal(export_row_end(e), -1);
	assert_null(export_finish(e, 0, NULL));
}

static void test_too_many_cells_fail(void **state)
{
	static const char *const ONE[] = { "only" };
	struct export *e = export_new("poll", NULL);

	(void)state;
	assert_int_equal(export_table(e, "t", ONE, 1), 0);
	assert_int_equal(export_int(e, 1), 0);
	assert_int_equal(export_int(e, 2), -1);
	assert_null(export_finish(e, 1, "t"));
}

static void test_cell_before_table_fails(void **state)
{
	struct export *e = export_new("poll", NULL);

	(void)state;
	assert_int_equal(export_str(e, "x"), -1);
	export_free(e);
}

static void test_bad_head_becomes_empty_object(void **state)
{
	char *out = export_finish(export_new("session", "not json"), 0, NULL);

	(void)state;
	assert_non_null(out);
	assert_string_equal(out, "{\"session\":{}}");
	free(out);
}

static void test_csv_cell_quoting(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(export_csv_cell(out, sizeof(out), "plain"), 5);
	assert_string_equal(out, "plain");
	export_csv_cell(out, sizeof(out), "a,b");
	assert_string_equal(out, "\"a,b\"");
	export_csv_cell(out, sizeof(out), "say \"hi\"");
	assert_string_equal(out, "\"say \"\"hi\"\"\"");
	export_csv_cell(out, sizeof(out), "two\nlines");
	assert_string_equal(out, "\"two\nlines\"");
	export_csv_cell(out, sizeof(out), "+1");
	assert_string_equal(out, "'+1");
	export_csv_cell(out, sizeof(out), "-1");
	assert_string_equal(out, "'-1");
	export_csv_cell(out, sizeof(out), "@cmd");
	assert_string_equal(out, "'@cmd");
	export_csv_cell(out, sizeof(out), "\tx");
	assert_string_equal(out, "\"'\tx\"");
	export_csv_cell(out, sizeof(out), "");
	assert_string_equal(out, "");
	export_csv_cell(out, sizeof(out), "año ñ");
	assert_string_equal(out, "año ñ");
}

static void test_csv_cell_too_small(void **state)
{
	char out[4];

	(void)state;
	assert_int_equal(export_csv_cell(out, sizeof(out), "abc"), 3);
	assert_int_equal(export_csv_cell(out, sizeof(out), "abcd"), -1);
	assert_int_equal(export_csv_cell(out, sizeof(out), "=ab"), -1);
}

/* An infinity has no JSON form: null in JSON and an empty CSV field (the
 * CSV writer used to convert it to an integer, undefined behaviour that
 * UBSan stops on). Huge finite numbers print as numbers. */
static struct export *infinities(void)
{
	static const char *const cols[] = { "a", "b", "c" };
	struct export *e = export_new("head", NULL);

	assert_non_null(e);
	assert_int_equal(export_table(e, "t", cols, 3), 0);
	assert_int_equal(export_num(e, INFINITY), 0);
	assert_int_equal(export_num(e, -INFINITY), 0);
	assert_int_equal(export_num(e, 1e300), 0);
	assert_int_equal(export_row_end(e), 0);
	return e;
}

static void test_infinities_are_null(void **state)
{
	char *json = export_finish(infinities(), 0, NULL);
	char *csv = export_finish(infinities(), 1, "t");

	(void)state;
	assert_non_null(json);
	assert_non_null(csv);
	assert_string_equal(json, "{\"head\":{},\"t\":[{\"a\":null,\"b\":null,\"c\":1e+300}]}");
	assert_string_equal(csv, "a,b,c\r\n,,1e+300\r\n");
	free(json);
	free(csv);
}

/* No room even for the terminator: refused, nothing written (the empty
 * cell used to get its NUL written at out[0] of a zero-byte buffer). */
static void test_csv_cell_zero_capacity(void **state)
{
	char out[2] = { 'Z', 'Z' };

	(void)state;
	assert_int_equal(export_csv_cell(out, 0, ""), -1);
	assert_int_equal(out[0], 'Z');
	assert_int_equal(export_csv_cell(out, 0, "a"), -1);
	assert_int_equal(out[0], 'Z');
	assert_int_equal(export_csv_cell(out, 1, ""), 0);
	assert_int_equal(out[0], '\0');
}

/* The heads the store once built with SQL json_object: same keys, same
 * order, nulls and booleans, byte for byte what SQLite printed. */
static void test_poll_head_json(void **state)
{
	static const char *const labels[] = { "Yes", "No \"really\"" };
	struct export_poll_head h = {
		.id = 3, .session = 2, .course = 1, .kind = "single", .prompt = "Ready?", .state = "closed",
		.visibility = "live", .revealed = 1, .respondents = 4, .scale = EXPORT_NULL,
		.max_entries = EXPORT_NULL, .options = labels, .noptions = 2, .opened_at = 1700000000000,
		.closed_at = EXPORT_NULL,
	};
	char *j;

	(void)state;
	j = export_poll_head_json(&h);
	assert_non_null(j);
	assert_string_equal(j, "{\"id\":3,\"session\":2,\"course\":1,\"kind\":\"single\",\"prompt\":\"Ready?\","
			       "\"state\":\"closed\",\"visibility\":\"live\",\"revealed\":true,\"respondents\":4,"
			       "\"scale\":null,\"max_entries\":null,\"options\":[\"Yes\",\"No \\\"really\\\"\"],"
			       "\"opened_at\":1700000000000,\"closed_at\":null}");
	free(j);
	h.kind = "rating";
	h.revealed = 0;
	h.scale = 5;
	h.options = NULL;
	h.noptions = 0;
	j = export_poll_head_json(&h);
	assert_non_null(j);
	assert_non_null(strstr(j, "\"revealed\":false,\"respondents\":4,\"scale\":5,\"max_entries\":null,\"options\":[],"));
	free(j);
	j = export_session_head_json(2, 1, "Live", EXPORT_NULL);
	assert_non_null(j);
	assert_string_equal(j, "{\"id\":2,\"course\":1,\"title\":\"Live\",\"started_at\":null}");
	free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_nests_head_and_rows),
		cmocka_unit_test(test_csv_has_header_and_guards_formulas),
		cmocka_unit_test(test_csv_unknown_table_is_null),
		cmocka_unit_test(test_two_tables_in_json),
		cmocka_unit_test(test_short_row_fails),
		cmocka_unit_test(test_too_many_cells_fail),
		cmocka_unit_test(test_cell_before_table_fails),
		cmocka_unit_test(test_bad_head_becomes_empty_object),
		cmocka_unit_test(test_csv_cell_quoting),
		cmocka_unit_test(test_csv_cell_too_small),
		cmocka_unit_test(test_csv_cell_zero_capacity),
		cmocka_unit_test(test_infinities_are_null),
		cmocka_unit_test(test_poll_head_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
