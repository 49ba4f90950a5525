/*
 * test_search.c - search queries are words, never query syntax; snippets
 * show the part of a post that holds the most of the query's words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/search.h"

static struct words *w_en, *w_es;

static int setup(void **state)
{
	(void)state;
	w_en = words_new(WORDS_EN);
	w_es = words_new(WORDS_ES);
	return w_en && w_es ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	words_free(w_en);
	words_free(w_es);
	return 0;
}

static struct search_query parse(struct words *w, const char *q)
{
	struct search_query sq;

	assert_int_equal(search_query_parse(w, q, strlen(q), &sq), WORDS_OK);
	return sq;
}

/* The snippet as text with [marks], "…" where text was cut. */
static const char *show(struct words *w, const char *text, const char *q, size_t max_chars)
{
	static char buf[4096];
	struct search_query sq = parse(w, q);
	struct snippet sn;
	size_t n = 0;

	assert_int_equal(snippet_make(w, text, strlen(text), &sq, max_chars, &sn), WORDS_OK);
	if (sn.cut_before)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "…");
	for (size_t i = 0; i < sn.nparts; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, sn.part[i].mark ? "[%.*s]" : "%.*s",
				      (int)(sn.part[i].end - sn.part[i].start), text + sn.part[i].start);
	if (sn.cut_after)
		snprintf(buf + n, sizeof(buf) - n, "…");
	return buf;
}

static void test_query_syntax_is_only_text(void **state)
{
	struct search_query q;

	(void)state;
	q = parse(w_en, "\"unbalanced NEAR( -minus * OR AND");
	assert_int_equal(q.nterms, 5);     /* unbalanced near minus or and */
	q = parse(w_en, "\" * ( ) - : ^ {}");
	assert_int_equal(q.nterms, 0);
	q = parse(w_en, "");
	assert_int_equal(q.nterms, 0);
}

static void test_query_terms_are_bounded_and_distinct(void **state)
{
	struct search_query q;

	(void)state;
	q = parse(w_en, "run running runs a b c d e f g h i");
	/* run, running and runs are one key; a to g fill the eight; h and i are left out. */
	assert_int_equal(q.nterms, SEARCH_MAX_TERMS);
	assert_int_equal(q.ignored, 2 + 2);
	assert_int_equal(search_query_parse(w_en, "ab\xc3", 3, &q), WORDS_BAD_UTF8);
}

static void test_marks_follow_folding_and_stems(void **state)
{
	(void)state;
	assert_string_equal(show(w_es, "La programación orientada a objetos", "PROGRAMACION objeto", 0),
			    "La [programación] orientada a [objetos]");
	assert_string_equal(show(w_en, "Running late. He runs.", "run", 0), "[Running] late. He [runs].");
}

static void test_window_holds_the_most_query_words(void **state)
{
	const char *text =
		"Budget matters. Lorem ipsum dolor sit amet consectetur adipiscing elit sed do "
		"eiusmod tempor incididunt ut labore et dolore magna aliqua. The supplier contract "
		"sets the budget for the whole project. Ut enim ad minim veniam quis nostrud.";
	const char *out;

	(void)state;
	out = show(w_en, text, "supplier budget", 60);
	/* Both words are in the second sentence; the first holds only one. */
	assert_non_null(strstr(out, "[supplier] contract sets the [budget]"));
	assert_true(strncmp(out, "…", strlen("…")) == 0);
	assert_true(strlen(out) < 60 * 2 + 16);
}

static void test_window_cuts_no_word_and_no_match_shows_the_start(void **state)
{
	const char *text = "  alpha beta gamma delta epsilon zeta eta theta";
	const char *out;

	(void)state;
	out = show(w_en, text, "nothing", 20);
	assert_string_equal(out, "alpha beta gamma…");
	out = show(w_en, text, "theta", 20);
	assert_string_equal(out, "…zeta eta [theta]");
	/* One word longer than the window is cut inside. */
	out = show(w_en, "abcdefghijklmnopqrstuvwxyz and more", "more", 0);
	assert_string_equal(out, "abcdefghijklmnopqrstuvwxyz and [more]");
	out = show(w_en, "abcdefghijklmnopqrstuvwxyz and more", "nothing", 10);
	assert_string_equal(out, "abcdefghij…");
}

static void test_many_matches_are_bounded(void **state)
{
	static char text[200000];
	struct search_query q;
	struct snippet sn;
	size_t marks = 0;

	(void)state;
	for (size_t i = 0; i + 5 < sizeof(text); i += 5)
		memcpy(text + i, "spam ", 5);
	text[sizeof(text) - 5] = '\0';
	q = parse(w_en, "spam");
	assert_int_equal(snippet_make(w_en, text, strlen(text), &q, 200, &sn), WORDS_OK);
	assert_true(sn.nparts <= SNIPPET_MAX_PARTS);
	for (size_t i = 0; i < sn.nparts; i++)
		marks += sn.part[i].mark;
	assert_true(marks >= 1);
	assert_true(sn.cut_after);
}

static void test_bad_text_is_refused(void **state)
{
	struct search_query q;
	struct snippet sn;

	(void)state;
	q = parse(w_en, "x");
	assert_int_equal(snippet_make(w_en, "x \xff", 3, &q, 10, &sn), WORDS_BAD_UTF8);
	assert_int_equal(snippet_make(w_en, "", 0, &q, 10, &sn), WORDS_OK);
	assert_int_equal(sn.nparts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_syntax_is_only_text),
		cmocka_unit_test(test_query_terms_are_bounded_and_distinct),
		cmocka_unit_test(test_marks_follow_folding_and_stems),
		cmocka_unit_test(test_window_holds_the_most_query_words),
		cmocka_unit_test(test_window_cuts_no_word_and_no_match_shows_the_start),
		cmocka_unit_test(test_many_matches_are_bounded),
		cmocka_unit_test(test_bad_text_is_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
