/*
 * test_similar.c - near copies are found and different answers are not:
 * the MinHash signatures of core/similar.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/similar.h"

/* Two answers to the same assignment question, written independently:
 * they share the topic's vocabulary but not their sentences. */
static const char answer_a[] =
	"The main risk in this project is the supplier contract. If the supplier delivers "
	"late, every task that depends on the materials moves too, so I would add a buffer "
	"of two weeks to the schedule and agree on a penalty clause before signing.";
static const char answer_b[] =
	"I think the biggest risk is the schedule itself: the plan has no slack at all. "
	"I would talk with the team about which tasks can run in parallel, and ask the "
	"sponsor to accept a later milestone for the supplier materials if needed.";

/* answer_a handed in again with small changes: capitals, accents,
 * punctuation, Markdown emphasis, a changed word and line breaks. */
static const char answer_a_copy[] =
	"the MAIN risk in this project is the **supplier contract**.\n\nIf the supplier "
	"delivers late, every task that depends on the materials moves too -- so I would "
	"add a buffer of three weeks to the schedule, and agree on a penalty clause before signing!";

static void sig_of(const char *text, struct similar_sig *s)
{
	assert_int_equal(similar_signature(text, strlen(text), s), SIMILAR_OK);
}

static void test_a_text_is_a_copy_of_itself(void **state)
{
	struct similar_sig a, b;

	(void)state;
	sig_of(answer_a, &a);
	sig_of(answer_a, &b);
	assert_int_equal(similar_shared(&a, &b), SIMILAR_HASHES);
	assert_true(similar_near_copy(&a, &b));
}

static void test_a_lightly_edited_copy_is_a_near_copy(void **state)
{
	struct similar_sig a, c;

	(void)state;
	sig_of(answer_a, &a);
	sig_of(answer_a_copy, &c);
	assert_true(similar_near_copy(&a, &c));
}

static void test_two_different_answers_are_not(void **state)
{
	struct similar_sig a, b;

	(void)state;
	sig_of(answer_a, &a);
	sig_of(answer_b, &b);
	assert_false(similar_near_copy(&a, &b));
	assert_true(similar_shared(&a, &b) < 10);
}

static void test_accents_and_case_do_not_hide_a_copy(void **state)
{
	static const char es[] =
		"La comunicación del equipo mejoró cuando definimos una reunión corta cada mañana "
		"y un canal único para las decisiones del proyecto.";
	static const char es_plain[] =
		"LA COMUNICACION DEL EQUIPO MEJORO CUANDO DEFINIMOS UNA REUNION CORTA CADA MANANA "
		"Y UN CANAL UNICO PARA LAS DECISIONES DEL PROYECTO";
	struct similar_sig a, b;

	(void)state;
	sig_of(es, &a);
	sig_of(es_plain, &b);
	assert_int_equal(similar_shared(&a, &b), SIMILAR_HASHES);
}

static void test_word_order_matters(void **state)
{
	/* The same words in another order are a different text: shingles, not
	 * a bag of words. */
	static const char fwd[] =
		"one two three four five six seven eight nine ten eleven twelve thirteen fourteen";
	static const char rev[] =
		"fourteen thirteen twelve eleven ten nine eight seven six five four three two one";
	struct similar_sig a, b;

	(void)state;
	sig_of(fwd, &a);
	sig_of(rev, &b);
	assert_false(similar_near_copy(&a, &b));
}

static void test_short_texts_have_no_signature(void **state)
{
	static const char eleven[] = "one two three four five six seven eight nine ten eleven";
	static const char twelve[] = "one two three four five six seven eight nine ten eleven twelve";
	struct similar_sig s;

	(void)state;
	assert_int_equal(similar_signature("Thanks, that helped!", 20, &s), SIMILAR_TOO_SHORT);
	assert_int_equal(similar_signature("", 0, &s), SIMILAR_TOO_SHORT);
	/* Only punctuation and symbols: no words at all. */
	assert_int_equal(similar_signature("!!! ... --- *** ### $$$ %%% ^^^", 31, &s), SIMILAR_TOO_SHORT);
	assert_int_equal(similar_signature(eleven, strlen(eleven), &s), SIMILAR_TOO_SHORT);
	assert_int_equal(similar_signature(twelve, strlen(twelve), &s), SIMILAR_OK);
}

static void test_bad_utf8_is_refused(void **state)
{
	static const char bad[] = "one two three four five six seven eight nine ten eleven \xc3";
	static const char nul[] = "one two three four five six seven\0eight nine ten eleven twelve";
	struct similar_sig s;

	(void)state;
	assert_int_equal(similar_signature(bad, strlen(bad), &s), SIMILAR_BAD_UTF8);
	assert_int_equal(similar_signature(nul, sizeof(nul) - 1, &s), SIMILAR_BAD_UTF8);
	assert_int_equal(similar_signature("\xff\xfe", 2, &s), SIMILAR_BAD_UTF8);
}

static void test_only_the_first_bytes_count(void **state)
{
	/* A long text cut inside a two-byte character at the input limit is
	 * not malformed: the cut moves back to the character's start. */
	static char big[SIMILAR_MAX_INPUT + 64];
	static char bigger[SIMILAR_MAX_INPUT + 64];
	struct similar_sig a, b;
	size_t i = 0;

	(void)state;
	while (i + 8 < SIMILAR_MAX_INPUT) {
		int n = snprintf(big + i, sizeof(big) - i, "w%zu ", i % 997);

		i += (size_t)n;
	}
	while (i < SIMILAR_MAX_INPUT - 1)
		big[i++] = 'x';
	memcpy(big + i, "\xc3\xa9 tail words here", 18);   /* é straddles the limit */
	memcpy(bigger, big, sizeof(big));
	memcpy(bigger + SIMILAR_MAX_INPUT + 1, " other", 6);
	assert_int_equal(similar_signature(big, SIMILAR_MAX_INPUT + 18, &a), SIMILAR_OK);
	assert_int_equal(similar_signature(bigger, SIMILAR_MAX_INPUT + 18, &b), SIMILAR_OK);
	assert_int_equal(similar_shared(&a, &b), SIMILAR_HASHES);
}

static void test_near_copies_share_a_band_and_others_rarely(void **state)
{
	struct similar_sig a, b, c;
	uint64_t ka[SIMILAR_BANDS], kb[SIMILAR_BANDS], kc[SIMILAR_BANDS];
	int ab = 0, ac = 0;

	(void)state;
	sig_of(answer_a, &a);
	sig_of(answer_b, &b);
	sig_of(answer_a_copy, &c);
	similar_bands(&a, ka);
	similar_bands(&b, kb);
	similar_bands(&c, kc);
	for (int i = 0; i < SIMILAR_BANDS; i++) {
		ab += ka[i] == kb[i];
		ac += ka[i] == kc[i];
	}
	assert_true(ac >= 1);
	assert_int_equal(ab, 0);
	/* Same signature, same keys: they can be stored and looked up. */
	similar_bands(&a, kb);
	assert_memory_equal(ka, kb, sizeof(ka));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_text_is_a_copy_of_itself),
		cmocka_unit_test(test_a_lightly_edited_copy_is_a_near_copy),
		cmocka_unit_test(test_two_different_answers_are_not),
		cmocka_unit_test(test_accents_and_case_do_not_hide_a_copy),
		cmocka_unit_test(test_word_order_matters),
		cmocka_unit_test(test_short_texts_have_no_signature),
		cmocka_unit_test(test_bad_utf8_is_refused),
		cmocka_unit_test(test_only_the_first_bytes_count),
		cmocka_unit_test(test_near_copies_share_a_band_and_others_rarely),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
