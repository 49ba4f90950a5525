/*
 * test_poll.c - poll rules at their edges: definitions per kind, answers
 * per kind, who may see results when, result order, mean and text keys.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/poll.h"

/* ---- definitions ---------------------------------------------------------- */

static struct poll_def def(enum poll_kind kind, int noptions)
{
	static const char *const labels[] = { "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K",
					      "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U" };
	struct poll_def d;

	memset(&d, 0, sizeof(d));
	d.kind = kind;
	d.has_options = noptions > 0;
	d.noptions = (size_t)noptions;
	for (int i = 0; i < noptions && i < POLL_MAX_OPTIONS; i++)
		d.options[i] = (struct poll_text){ labels[i], 1 };
	return d;
}

static void expect_def(struct poll_def *d, enum proto_err code, const char *field)
{
	const char *f, *why;
	enum proto_err rc = poll_def_check(d, &f, &why);

	if (rc != code)
		print_error("got %d (%s: %s)\n", rc, f, why);
	assert_int_equal(rc, code);
	if (field)
		assert_string_equal(f, field);
	if (code != PROTO_ERR_NONE)
		assert_true(why[0] != '\0');
}

static void test_def_single(void **state)
{
	struct poll_def d = def(POLL_SINGLE, 2);

	(void)state;
	expect_def(&d, PROTO_ERR_NONE, NULL);
	assert_int_equal(d.min_choices, 1);
	assert_int_equal(d.max_choices, 1);
	d = def(POLL_SINGLE, 1);
	expect_def(&d, PROTO_ERR_BAD_FIELD, "options");
	d = def(POLL_SINGLE, 0);
	expect_def(&d, PROTO_ERR_BAD_FIELD, "options");
	d = def(POLL_SINGLE, POLL_MAX_OPTIONS);
	expect_def(&d, PROTO_ERR_NONE, NULL);
	d = def(POLL_SINGLE, 3);
	d.options[1] = (struct poll_text){ " \t\n", 3 };
	expect_def(&d, PROTO_ERR_BAD_FIELD, "options");
	d = def(POLL_SINGLE, 3);
	d.has_max = 1;
	d.max_choices = 2;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "max_choices");
	d = def(POLL_SINGLE, 3);
	d.has_scale = 1;
	d.scale = 5;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "scale");
	d = def(POLL_SINGLE, 3);
	d.has_entries = 1;
	d.max_entries = 3;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "max_entries");
}

static void test_def_multiple(void **state)
{
	struct poll_def d = def(POLL_MULTIPLE, 4);

	(void)state;
	expect_def(&d, PROTO_ERR_NONE, NULL);
	assert_int_equal(d.min_choices, 1);
	assert_int_equal(d.max_choices, 4);
	d = def(POLL_MULTIPLE, 4);
	d.has_min = d.has_max = 1;
	d.min_choices = 2;
	d.max_choices = 4;
	expect_def(&d, PROTO_ERR_NONE, NULL);
	d.min_choices = 3;
	d.max_choices = 2;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "max_choices");
	d.min_choices = 5;
	d.max_choices = 5;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "min_choices");
	d.min_choices = 1;
	d.max_choices = 5;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "max_choices");
}

static void test_def_correct(void **state)
{
	struct poll_def d = def(POLL_SINGLE, 3);

	(void)state;
	d.has_correct = 1;
	d.ncorrect = 1;
	d.correct[0] = 2;
	expect_def(&d, PROTO_ERR_NONE, NULL);
	assert_int_equal(d.correct_mask, 1u << 2);
	d.correct[0] = 3;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "correct");
	d.ncorrect = 2;
	d.correct[0] = 0;
	d.correct[1] = 1;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "correct");
	d.ncorrect = 0;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "correct");

	d = def(POLL_MULTIPLE, 3);
	d.has_correct = 1;
	d.ncorrect = 2;
	d.correct[0] = 0;
	d.correct[1] = 2;
	expect_def(&d, PROTO_ERR_NONE, NULL);
	assert_int_equal(d.correct_mask, 5u);
	d.correct[1] = 0;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "correct");

	d = def(POLL_RATING, 0);
	d.has_correct = 1;
	d.ncorrect = 1;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "correct");
}

static void test_def_rating_text_words(void **state)
{
	struct poll_def d = def(POLL_RATING, 0);

	(void)state;
	expect_def(&d, PROTO_ERR_NONE, NULL);
	assert_int_equal(d.scale, 5);
	d.has_scale = 1;
	d.scale = 10;
	expect_def(&d, PROTO_ERR_NONE, NULL);
	d.scale = 7;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "scale");
	d = def(POLL_RATING, 2);
	expect_def(&d, PROTO_ERR_BAD_FIELD, "options");
	d = def(POLL_RATING, 0);
	d.has_options = 1;           /* an empty list is no option */
	expect_def(&d, PROTO_ERR_NONE, NULL);

	d = def(POLL_TEXT, 0);
	expect_def(&d, PROTO_ERR_NONE, NULL);
	d.has_min = 1;
	d.min_choices = 1;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "min_choices");

	d = def(POLL_WORDS, 0);
	expect_def(&d, PROTO_ERR_NONE, NULL);
	assert_int_equal(d.max_entries, 3);
	d.has_entries = 1;
	d.max_entries = PROTO_MAX_CLOUD_ENTRIES;
	expect_def(&d, PROTO_ERR_NONE, NULL);
	d.max_entries = PROTO_MAX_CLOUD_ENTRIES + 1;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "max_entries");
	d.max_entries = 0;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "max_entries");
	d = def(POLL_WORDS, 0);
	d.has_scale = 1;
	d.scale = 5;
	expect_def(&d, PROTO_ERR_BAD_FIELD, "scale");
}

/* ---- answers -------------------------------------------------------------- */

static void expect_answer(const struct poll_rules *r, const struct poll_answer_in *a, enum proto_err code,
			  const char *field, uint32_t want_mask)
{
	const char *f, *why;
	uint32_t mask;
	enum proto_err rc = poll_answer_check(r, a, &mask, &f, &why);

	if (rc != code)
		print_error("got %d (%s: %s)\n", rc, f, why);
	assert_int_equal(rc, code);
	if (field)
		assert_string_equal(f, field);
	if (code == PROTO_ERR_NONE)
		assert_int_equal(mask, want_mask);
}

static void test_answer_single(void **state)
{
	struct poll_rules r = { POLL_SINGLE, 3, 1, 1, 0 };
	int64_t c[3] = { 2, 0, 1 };
	struct poll_answer_in a = { .has_choices = 1, .nchoices = 1, .choices = c };

	(void)state;
	expect_answer(&r, &a, PROTO_ERR_NONE, NULL, 4);
	a.nchoices = 0;
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "choices", 0);
	a.nchoices = 2;
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "choices", 0);
	c[0] = 3;
	a.nchoices = 1;
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "choices", 0);
	c[0] = -1;
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "choices", 0);
	a = (struct poll_answer_in){ .has_rating = 1, .rating = 1 };
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "rating", 0);
	a = (struct poll_answer_in){ .has_text = 1, .text = "A", .text_len = 1 };
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "text", 0);
	a = (struct poll_answer_in){ 0 };
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "choices", 0);
}

static void test_answer_multiple(void **state)
{
	struct poll_rules r = { POLL_MULTIPLE, 4, 2, 3, 0 };
	int64_t c[4] = { 0, 3, 1, 2 };
	struct poll_answer_in a = { .has_choices = 1, .nchoices = 1, .choices = c };

	(void)state;
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "choices", 0);       /* below min */
	a.nchoices = 2;
	expect_answer(&r, &a, PROTO_ERR_NONE, NULL, 9);
	a.nchoices = 3;
	expect_answer(&r, &a, PROTO_ERR_NONE, NULL, 11);
	a.nchoices = 4;
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "choices", 0);       /* above max */
	c[1] = 0;
	a.nchoices = 2;
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "choices", 0);       /* repeated */
}

static void test_answer_rating(void **state)
{
	struct poll_rules r = { POLL_RATING, 0, 0, 0, 5 };
	struct poll_answer_in a = { .has_rating = 1, .rating = 1 };

	(void)state;
	expect_answer(&r, &a, PROTO_ERR_NONE, NULL, 0);
	a.rating = 5;
	expect_answer(&r, &a, PROTO_ERR_NONE, NULL, 0);
	a.rating = 6;
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "rating", 0);
	a.rating = 0;
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "rating", 0);
	r.scale = 10;
	a.rating = 10;
	expect_answer(&r, &a, PROTO_ERR_NONE, NULL, 0);
	a.rating = 11;
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "rating", 0);
	a = (struct poll_answer_in){ .has_choices = 1 };
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "choices", 0);
}

static void test_answer_text(void **state)
{
	struct poll_rules r = { POLL_TEXT, 0, 0, 0, 0 };
	struct poll_answer_in a = { .has_text = 1, .text = "Más ejemplos", .text_len = strlen("Más ejemplos") };

	(void)state;
	expect_answer(&r, &a, PROTO_ERR_NONE, NULL, 0);
	a.text = "  \n ";
	a.text_len = 4;
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "text", 0);
	r.kind = POLL_WORDS;
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "text", 0);
	a = (struct poll_answer_in){ .has_rating = 1, .rating = 3 };
	expect_answer(&r, &a, PROTO_ERR_BAD_ANSWER, "rating", 0);
}

/* ---- visibility ------------------------------------------------------------ */

static void test_visibility(void **state)
{
	(void)state;
	/* staff always, even drafts */
	for (int v = POLL_VIS_LIVE; v <= POLL_VIS_STAFF_ONLY; v++)
		for (int s = POLL_DRAFT; s <= POLL_CLOSED; s++)
			assert_true(poll_results_visible((enum poll_visibility)v, (enum poll_state)s, 0, 1, 0));
	/* a draft: no participant, whatever else holds */
	for (int v = POLL_VIS_LIVE; v <= POLL_VIS_STAFF_ONLY; v++)
		assert_false(poll_results_visible((enum poll_visibility)v, POLL_DRAFT, 1, 0, 1));
	assert_true(poll_results_visible(POLL_VIS_LIVE, POLL_OPEN, 0, 0, 0));
	assert_true(poll_results_visible(POLL_VIS_LIVE, POLL_CLOSED, 0, 0, 0));
	assert_false(poll_results_visible(POLL_VIS_AFTER_ANSWER, POLL_OPEN, 0, 0, 0));
	assert_true(poll_results_visible(POLL_VIS_AFTER_ANSWER, POLL_OPEN, 0, 0, 1));
	assert_true(poll_results_visible(POLL_VIS_AFTER_ANSWER, POLL_CLOSED, 1, 0, 0));
	assert_false(poll_results_visible(POLL_VIS_ON_REVEAL, POLL_OPEN, 0, 0, 1));
	assert_true(poll_results_visible(POLL_VIS_ON_REVEAL, POLL_CLOSED, 1, 0, 0));
	assert_false(poll_results_visible(POLL_VIS_STAFF_ONLY, POLL_CLOSED, 1, 0, 1));

	assert_true(poll_results_public(POLL_VIS_LIVE, POLL_OPEN, 0));
	assert_false(poll_results_public(POLL_VIS_LIVE, POLL_DRAFT, 0));
	assert_false(poll_results_public(POLL_VIS_AFTER_ANSWER, POLL_OPEN, 0));
	assert_true(poll_results_public(POLL_VIS_AFTER_ANSWER, POLL_OPEN, 1));
	assert_false(poll_results_public(POLL_VIS_ON_REVEAL, POLL_CLOSED, 0));
	assert_true(poll_results_public(POLL_VIS_ON_REVEAL, POLL_CLOSED, 1));
	assert_false(poll_results_public(POLL_VIS_STAFF_ONLY, POLL_CLOSED, 1));

	assert_true(poll_correct_visible(1, 0));
	assert_false(poll_correct_visible(0, 0));
	assert_true(poll_correct_visible(0, 1));
}

/* ---- results --------------------------------------------------------------- */

static void test_groups_sort(void **state)
{
	struct poll_group g[] = {
		{ "b", "B", 3, 5 }, { "a", "A", 7, 9 }, { "c", "C", 3, 2 }, { "d", "D", 0, 1 }, { "e", "E", 7, 1 },
	};

	(void)state;
	poll_groups_sort(g, 5);
	assert_string_equal(g[0].key, "e");
	assert_string_equal(g[1].key, "a");
	assert_string_equal(g[2].key, "c");
	assert_string_equal(g[3].key, "b");
	assert_string_equal(g[4].key, "d");
	poll_groups_sort(g, 0);
}

static void test_rating_mean(void **state)
{
	int64_t counts[10] = { 1, 2, 5, 12, 20 };
	int has;
	double m = poll_rating_mean(counts, 5, &has);

	(void)state;
	assert_true(has);
	assert_true(m > 4.1999 && m < 4.2001);   /* 168 / 40 */
	memset(counts, 0, sizeof(counts));
	m = poll_rating_mean(counts, 10, &has);
	assert_false(has);
	counts[9] = 3;
	m = poll_rating_mean(counts, 10, &has);
	assert_true(has && m == 10.0);
}

static void test_text_norm(void **state)
{
	char out[64];

	(void)state;
	/* decomposed é (e + U+0301) composes; case folds; spaces collapse */
	assert_int_equal(poll_text_norm("  M\xc3\xa1s   E\xcc\x81jemplos \t", 21, 1, out, sizeof(out)),
			 (long)strlen("más éjemplos"));
	assert_string_equal(out, "más éjemplos");
	assert_true(poll_text_norm("  M\xc3\xa1s   E\xcc\x81jemplos \t", 21, 0, out, sizeof(out)) > 0);
	assert_string_equal(out, "Más Éjemplos");
	assert_int_equal(poll_text_norm(" \xe3\x80\x80 ", 5, 1, out, sizeof(out)), 0);   /* ideographic space */
	assert_string_equal(out, "");
	assert_int_equal(poll_text_norm("abcdef", 6, 1, out, 6), -1);                    /* does not fit */
	assert_int_equal(poll_text_norm("abcdef", 6, 1, out, 7), 6);
	assert_int_equal(poll_text_norm("\xff", 1, 1, out, sizeof(out)), -1);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(poll_kind_name(POLL_WORDS), "words");
	assert_int_equal(poll_kind_parse("rating"), POLL_RATING);
	assert_int_equal(poll_kind_parse("nope"), -1);
	assert_int_equal(poll_kind_parse(NULL), -1);
	assert_int_equal(poll_visibility_parse(poll_visibility_name(POLL_VIS_ON_REVEAL)), POLL_VIS_ON_REVEAL);
	assert_int_equal(poll_state_parse("closed"), POLL_CLOSED);
	/* The enum orders are the wire's (poll.create's enum values). */
	assert_int_equal(poll_kind_parse("single"), 0);
	assert_int_equal(poll_visibility_parse("live"), 0);
	assert_int_equal(poll_visibility_parse("staff_only"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_def_single),
		cmocka_unit_test(test_def_multiple),
		cmocka_unit_test(test_def_correct),
		cmocka_unit_test(test_def_rating_text_words),
		cmocka_unit_test(test_answer_single),
		cmocka_unit_test(test_answer_multiple),
		cmocka_unit_test(test_answer_rating),
		cmocka_unit_test(test_answer_text),
		cmocka_unit_test(test_visibility),
		cmocka_unit_test(test_groups_sort),
		cmocka_unit_test(test_rating_mean),
		cmocka_unit_test(test_text_norm),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
