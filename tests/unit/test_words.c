/*
 * test_words.c - word-cloud normalizer: keys, display forms, stop words,
 * blocked words, length limits and malformed input, in English, Spanish
 * and Portuguese.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/words.h"

static struct words *w_en, *w_es, *w_pt;
static char key[WORDS_KEY_CAP], display[WORDS_DISPLAY_CAP];

static int setup(void **state)
{
	(void)state;
	w_en = words_new(WORDS_EN);
	w_es = words_new(WORDS_ES);
	w_pt = words_new(WORDS_PT);
	return w_en && w_es && w_pt ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	words_free(w_en);
	words_free(w_es);
	words_free(w_pt);
	return 0;
}

/* Normalizes NUL-terminated s into the shared key and display buffers. */
static enum words_result norm(struct words *w, const char *s)
{
	memset(key, 0, sizeof(key));
	memset(display, 0, sizeof(display));
	return words_normalize(w, s, strlen(s), key, sizeof(key), display, sizeof(display));
}

/* Asserts s normalizes to WORDS_OK and returns a copy of its key. */
static const char *key_of(struct words *w, const char *s)
{
	static char keys[4][WORDS_KEY_CAP];
	static int next;
	char *k = keys[next++ % 4];

	assert_string_equal(words_result_name(norm(w, s)), "ok");
	strcpy(k, key);
	return k;
}

/* Asserts every string in a NULL-terminated list shares one key. */
static void assert_one_key(struct words *w, const char *const *list)
{
	const char *first = key_of(w, list[0]);

	for (size_t i = 1; list[i]; i++)
		assert_string_equal(key_of(w, list[i]), first);
}

/* Builds n copies of unit in buf (big enough). */
static const char *repeat(char *buf, const char *unit, size_t n)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		strcat(buf, unit);
	return buf;
}

/* ---- one key however it is typed -------------------------------------- */

static void test_es_exito_forms_one_key(void **state)
{
	(void)state;
	assert_one_key(w_es, (const char *const[]){ "\xc3\x89xito", "exitos",
	                                            "\xc3\xa9xitos", "EXITO", NULL });
	assert_string_equal(key_of(w_es, "\xc3\x89xito"), "exit");
}

static void test_pt_lideranca_forms_one_key(void **state)
{
	(void)state;
	assert_one_key(w_pt, (const char *const[]){ "Lideran\xc3\xa7" "a!", "lideran\xc3\xa7" "a",
	                                            "lideranca", "Lideran\xc3\xa7" "as", NULL });
	assert_string_equal(key_of(w_pt, "lideran\xc3\xa7" "a"), "lideranc");
}

static void test_es_ano_and_ano_with_tilde_differ(void **state)
{
	(void)state;
	const char *a = key_of(w_es, "a\xc3\xb1o");        /* año */
	const char *b = key_of(w_es, "ano");

	assert_string_not_equal(a, b);
	assert_string_equal(a, "a\xc3\xb1o");
	assert_string_equal(key_of(w_es, "A\xc3\x91O"), "a\xc3\xb1o");   /* AÑO */
}

static void test_es_missing_accent_on_cion_matches(void **state)
{
	(void)state;
	assert_one_key(w_es, (const char *const[]){ "comunicaci\xc3\xb3n", "comunicacion",
	                                            "Comunicaciones", NULL });
	assert_one_key(w_es, (const char *const[]){ "Innovaci\xc3\xb3n", "innovacion", NULL });
}

static void test_es_missing_accent_on_ia_matches(void **state)
{
	(void)state;
	assert_one_key(w_es, (const char *const[]){ "tecnolog\xc3\xad" "a", "tecnologia",
	                                            "Tecnolog\xc3\xad" "as", NULL });
	assert_one_key(w_es, (const char *const[]){ "empat\xc3\xad" "a", "empatia", NULL });
}

static void test_pt_missing_accent_on_cao_matches(void **state)
{
	(void)state;
	/* comunicação, comunicacao, comunicaçao, comunicações, comunicacoes */
	assert_one_key(w_pt, (const char *const[]){ "comunica\xc3\xa7\xc3\xa3o", "comunicacao",
	                                            "comunica\xc3\xa7" "ao",
	                                            "comunica\xc3\xa7\xc3\xb5" "es", "comunicacoes",
	                                            NULL });
	assert_string_equal(key_of(w_pt, "comunicacao"), "comunic");
}

static void test_pt_other_accents_fold(void **state)
{
	(void)state;
	assert_one_key(w_pt, (const char *const[]){ "ci\xc3\xaancia", "ciencia", "Ci\xc3\xaancias",
	                                            NULL });
	assert_one_key(w_pt, (const char *const[]){ "m\xc3\xbasica", "musica", "M\xc3\x9aSICA",
	                                            NULL });
	assert_one_key(w_pt, (const char *const[]){ "paix\xc3\xa3o", "paixao", NULL });
}

static void test_nfd_equals_nfc(void **state)
{
	(void)state;
	/* "éxito" with e + U+0301 COMBINING ACUTE ACCENT */
	assert_string_equal(key_of(w_es, "e\xcc\x81xito"), key_of(w_es, "\xc3\xa9xito"));
	assert_int_equal(norm(w_es, "e\xcc\x81xito"), WORDS_OK);
	assert_string_equal(display, "\xc3\xa9xito");          /* composed */
	/* "año" with n + U+0303 COMBINING TILDE still keeps its ñ */
	assert_string_equal(key_of(w_es, "an\xcc\x83o"), "a\xc3\xb1o");
}

static void test_case_folding(void **state)
{
	(void)state;
	assert_one_key(w_en, (const char *const[]){ "TEAMWORK", "Teamwork", "teamwork", NULL });
	assert_one_key(w_es, (const char *const[]){ "\xc3\x89XITO", "\xc3\xa9xito", NULL });
}

/* ---- English stemming, as Snowball does it ------------------------------ */

static void test_en_leadership(void **state)
{
	(void)state;
	assert_one_key(w_en, (const char *const[]){ "leadership", "Leadership!", "LEADERSHIP",
	                                            NULL });
	assert_string_equal(key_of(w_en, "leadership"), "leadership");
	/* Snowball keeps -ship: leaders and leading are other words. */
	assert_string_equal(key_of(w_en, "leaders"), "leader");
	assert_string_equal(key_of(w_en, "leading"), "lead");
	assert_string_not_equal(key_of(w_en, "leaders"), key_of(w_en, "leadership"));
}

static void test_en_communication(void **state)
{
	(void)state;
	assert_one_key(w_en, (const char *const[]){ "communication", "communications",
	                                            "Communicating", NULL });
	assert_string_equal(key_of(w_en, "communication"), "communic");
}

static void test_en_typographic_apostrophe(void **state)
{
	(void)state;
	assert_string_equal(key_of(w_en, "student\xe2\x80\x99s"), key_of(w_en, "student's"));
	assert_string_equal(key_of(w_en, "students"), "student");
}

/* ---- display form ------------------------------------------------------ */

static void test_phrase_trimmed_and_collapsed(void **state)
{
	(void)state;
	assert_int_equal(norm(w_es, "  Trabajo   en   equipo  "), WORDS_OK);
	assert_string_equal(display, "Trabajo en equipo");
	assert_string_equal(key, "trabaj en equip");
	assert_string_equal(key_of(w_es, "trabajo en equipo"), "trabaj en equip");
}

static void test_other_white_space_collapsed(void **state)
{
	(void)state;
	/* tab, newline, NO-BREAK SPACE, IDEOGRAPHIC SPACE */
	assert_int_equal(norm(w_es, "\tTrabajo\n\xc2\xa0" "en\xe3\x80\x80" "equipo\r\n"), WORDS_OK);
	assert_string_equal(display, "Trabajo en equipo");
	assert_string_equal(key, "trabaj en equip");
}

static void test_display_keeps_case_and_accents(void **state)
{
	(void)state;
	assert_int_equal(norm(w_es, "\xc2\xa1\xc3\x89xito!"), WORDS_OK);   /* ¡Éxito! */
	assert_string_equal(display, "\xc3\x89xito");
	assert_string_equal(key, "exit");
}

static void test_surrounding_punctuation_stripped(void **state)
{
	(void)state;
	assert_int_equal(norm(w_es, "\xc2\xbf\xc2\xab" "Creatividad\xc2\xbb?"), WORDS_OK);
	assert_string_equal(display, "Creatividad");
	assert_int_equal(norm(w_en, "\"teamwork\"..."), WORDS_OK);
	assert_string_equal(display, "teamwork");
	assert_int_equal(norm(w_en, "#teamwork \xf0\x9f\x8e\x89"), WORDS_OK);   /* emoji (So) */
	assert_string_equal(display, "teamwork");
}

static void test_inner_hyphen_and_apostrophe_kept(void **state)
{
	(void)state;
	assert_int_equal(norm(w_en, "-e-learning-"), WORDS_OK);
	assert_string_equal(display, "e-learning");
	assert_int_equal(norm(w_en, "'rock'n'roll'"), WORDS_OK);
	assert_string_equal(display, "rock'n'roll");
}

static void test_phrase_words_stripped_for_key(void **state)
{
	(void)state;
	assert_int_equal(norm(w_es, "Trabajo, en equipo"), WORDS_OK);
	assert_string_equal(display, "Trabajo, en equipo");
	assert_string_equal(key, "trabaj en equip");
	/* a lone dash inside a phrase is no word */
	assert_int_equal(norm(w_en, "teamwork - leadership"), WORDS_OK);
	assert_string_equal(key, "teamwork leadership");
}

/* ---- stop words -------------------------------------------------------- */

static void test_en_stop_words(void **state)
{
	(void)state;
	assert_int_equal(norm(w_en, "the"), WORDS_STOPWORD);
	assert_int_equal(norm(w_en, "And"), WORDS_STOPWORD);
	assert_int_equal(norm(w_en, "THE!"), WORDS_STOPWORD);
	assert_int_equal(norm(w_en, "don\xe2\x80\x99t"), WORDS_STOPWORD);
	assert_int_equal(norm(w_en, "theme"), WORDS_OK);
}

static void test_es_stop_words(void **state)
{
	(void)state;
	assert_int_equal(norm(w_es, "de"), WORDS_STOPWORD);
	assert_int_equal(norm(w_es, "La"), WORDS_STOPWORD);
	assert_int_equal(norm(w_es, "que"), WORDS_STOPWORD);
	assert_int_equal(norm(w_es, "qu\xc3\xa9?"), WORDS_STOPWORD);        /* qué? */
	assert_int_equal(norm(w_es, "est\xc3\xa1"), WORDS_STOPWORD);        /* está */
	assert_int_equal(norm(w_es, "esta"), WORDS_STOPWORD);
	assert_int_equal(norm(w_es, "m\xc3\xa1s"), WORDS_STOPWORD);         /* más */
	assert_int_equal(norm(w_es, "mas"), WORDS_STOPWORD);
}

static void test_pt_stop_words(void **state)
{
	(void)state;
	assert_int_equal(norm(w_pt, "o"), WORDS_STOPWORD);
	assert_int_equal(norm(w_pt, "n\xc3\xa3o"), WORDS_STOPWORD);         /* não */
	assert_int_equal(norm(w_pt, "nao"), WORDS_STOPWORD);
	assert_int_equal(norm(w_pt, "N\xc3\x83O!"), WORDS_STOPWORD);        /* NÃO! */
	assert_int_equal(norm(w_pt, "est\xc3\xa1"), WORDS_STOPWORD);
	assert_int_equal(norm(w_pt, "esta"), WORDS_STOPWORD);
	assert_int_equal(norm(w_pt, "de"), WORDS_STOPWORD);
}

static void test_stop_words_follow_language(void **state)
{
	(void)state;
	/* "the" is only an English stop word; "de" is not one in English. */
	assert_int_equal(norm(w_es, "the"), WORDS_OK);
	assert_int_equal(norm(w_en, "de"), WORDS_OK);
}

static void test_phrase_of_only_stop_words(void **state)
{
	(void)state;
	assert_int_equal(norm(w_en, "and the"), WORDS_STOPWORD);
	assert_int_equal(norm(w_es, "de la que"), WORDS_STOPWORD);
	assert_int_equal(norm(w_pt, "o que n\xc3\xa3o"), WORDS_STOPWORD);
}

static void test_stop_words_kept_inside_phrase(void **state)
{
	(void)state;
	assert_int_equal(norm(w_es, "trabajo en equipo"), WORDS_OK);
	assert_string_equal(key, "trabaj en equip");
	assert_int_equal(norm(w_en, "the team"), WORDS_OK);
	assert_string_equal(key, "the team");
	assert_string_equal(display, "the team");
}

/* ---- blocked words ----------------------------------------------------- */

static void test_es_blocked_after_normalization(void **state)
{
	struct words *w = words_new(WORDS_ES);

	(void)state;
	assert_non_null(w);
	assert_int_equal(words_block(w, "idiota"), 0);
	assert_int_equal(norm(w, "Idiotas!"), WORDS_BLOCKED);
	assert_int_equal(norm(w, "IDIOTA"), WORDS_BLOCKED);
	assert_int_equal(norm(w, "eres un idiota"), WORDS_BLOCKED);
	assert_int_equal(norm(w, "idiomas"), WORDS_OK);
	words_free(w);
}

static void test_en_blocked(void **state)
{
	struct words *w = words_new(WORDS_EN);

	(void)state;
	assert_non_null(w);
	assert_int_equal(words_block(w, "Stupid"), 0);
	assert_int_equal(norm(w, "stupid!!"), WORDS_BLOCKED);
	assert_int_equal(norm(w, "so stupid"), WORDS_BLOCKED);
	/* Snowball stems "stupidity" to "stupid" as well */
	assert_int_equal(norm(w, "stupidity"), WORDS_BLOCKED);
	assert_int_equal(norm(w, "stupendous"), WORDS_OK);
	words_free(w);
}

static void test_pt_blocked_without_accent(void **state)
{
	struct words *w = words_new(WORDS_PT);

	(void)state;
	assert_non_null(w);
	assert_int_equal(words_block(w, "est\xc3\xbapido"), 0);               /* estúpido */
	assert_int_equal(norm(w, "ESTUPIDOS"), WORDS_BLOCKED);
	assert_int_equal(norm(w, "Est\xc3\xbapida."), WORDS_BLOCKED);
	words_free(w);
}

static void test_blocked_phrase(void **state)
{
	struct words *w = words_new(WORDS_EN);

	(void)state;
	assert_non_null(w);
	assert_int_equal(words_block(w, "shut up"), 0);
	assert_int_equal(norm(w, "Shut  up!"), WORDS_BLOCKED);
	assert_int_equal(norm(w, "please shut up now"), WORDS_BLOCKED);
	/* the words apart are not the phrase */
	assert_int_equal(norm(w, "shut"), WORDS_OK);
	assert_int_equal(norm(w, "up shut"), WORDS_OK);
	words_free(w);
}

static void test_blocked_is_per_normalizer(void **state)
{
	struct words *w = words_new(WORDS_ES);

	(void)state;
	assert_non_null(w);
	assert_int_equal(words_block(w, "idiota"), 0);
	assert_int_equal(words_block(w, "Idiota!"), 0);       /* same key again */
	words_free(w);
	assert_int_equal(norm(w_es, "idiota"), WORDS_OK);
}

static void test_block_refuses_nothing(void **state)
{
	(void)state;
	assert_int_equal(words_block(w_en, ""), -1);
	assert_int_equal(words_block(w_en, " ?! "), -1);
	assert_int_equal(words_block(w_en, "\xff"), -1);
	assert_int_equal(words_block(w_en, NULL), -1);
}

/* ---- length limit ------------------------------------------------------ */

static void test_forty_ascii_ok(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(norm(w_en, repeat(buf, "a", 40)), WORDS_OK);
	assert_int_equal(strlen(display), 40);
}

static void test_forty_one_ascii_too_long(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(norm(w_en, repeat(buf, "a", 41)), WORDS_TOO_LONG);
}

static void test_forty_multibyte_ok(void **state)
{
	char buf[128];

	(void)state;
	repeat(buf, "\xc3\xb1", 40);                        /* 40 × ñ */
	assert_int_equal(strlen(buf), 80);
	assert_int_equal(norm(w_es, buf), WORDS_OK);
	assert_int_equal(strlen(display), 80);
}

static void test_forty_one_multibyte_too_long(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(norm(w_es, repeat(buf, "\xc3\xb1", 41)), WORDS_TOO_LONG);
}

static void test_forty_four_byte_chars_ok(void **state)
{
	char buf[256];

	(void)state;
	/* 40 × U+1D49C MATHEMATICAL SCRIPT CAPITAL A: 160 bytes, a full display */
	assert_int_equal(norm(w_en, repeat(buf, "\xf0\x9d\x92\x9c", 40)), WORDS_OK);
	assert_int_equal(strlen(display), 160);
	assert_int_equal(norm(w_en, repeat(buf, "\xf0\x9d\x92\x9c", 41)), WORDS_TOO_LONG);
}

static void test_limit_counts_after_nfd_composes(void **state)
{
	char buf[128];

	(void)state;
	/* 40 × (e + combining acute) is 80 code points typed, 40 after NFC */
	assert_int_equal(norm(w_es, repeat(buf, "e\xcc\x81", 40)), WORDS_OK);
	assert_int_equal(norm(w_es, repeat(buf, "e\xcc\x81", 41)), WORDS_TOO_LONG);
}

static void test_limit_counts_after_trimming(void **state)
{
	char buf[256], body[64];

	(void)state;
	repeat(body, "a", 40);
	strcpy(buf, "   \xc2\xbf\xc2\xbf");
	strcat(buf, body);
	strcat(buf, "!!!   ");
	assert_int_equal(norm(w_en, buf), WORDS_OK);
	assert_string_equal(display, body);
	/* inner runs of spaces count as one */
	assert_int_equal(norm(w_en, "aaaaaaaaaaaaaaaaaaa          aaaaaaaaaaaaaaaaaaaa"), WORDS_OK);
	assert_int_equal(strlen(display), 40);
}

static void test_huge_input_too_long(void **state)
{
	char buf[WORDS_MAX_INPUT + 8];

	(void)state;
	memset(buf, ' ', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	buf[10] = 'x';
	assert_int_equal(norm(w_en, buf), WORDS_TOO_LONG);
	buf[WORDS_MAX_INPUT] = '\0';                        /* exactly the cap: looked at */
	assert_int_equal(norm(w_en, buf), WORDS_OK);
	assert_string_equal(display, "x");
}

static void test_small_caller_buffers(void **state)
{
	char k[4], d[4];

	(void)state;
	assert_int_equal(words_normalize(w_en, "abc", 3, k, sizeof(k), d, sizeof(d)), WORDS_OK);
	assert_string_equal(d, "abc");
	assert_int_equal(words_normalize(w_en, "abcd", 4, k, sizeof(k), d, sizeof(d)),
	                 WORDS_TOO_LONG);
}

/* ---- malformed and empty input ----------------------------------------- */

static void test_bad_utf8(void **state)
{
	(void)state;
	assert_int_equal(norm(w_es, "\xc3"), WORDS_BAD_UTF8);              /* truncated */
	assert_int_equal(norm(w_es, "ma\xf1" "ana"), WORDS_BAD_UTF8);      /* Latin-1 ñ */
	assert_int_equal(norm(w_es, "\xc0\xaf"), WORDS_BAD_UTF8);          /* overlong */
	assert_int_equal(norm(w_es, "\xed\xa0\x80"), WORDS_BAD_UTF8);      /* surrogate */
}

static void test_nul_byte_refused(void **state)
{
	(void)state;
	assert_int_equal(words_normalize(w_en, "a\0b", 3, key, sizeof(key), display,
	                                 sizeof(display)), WORDS_BAD_UTF8);
}

static void test_empty_entries(void **state)
{
	(void)state;
	assert_int_equal(norm(w_en, ""), WORDS_EMPTY);
	assert_int_equal(norm(w_en, "    "), WORDS_EMPTY);
	assert_int_equal(norm(w_en, "?!... -- ..."), WORDS_EMPTY);
	assert_int_equal(norm(w_es, "\xc2\xbf?\xc2\xa1!"), WORDS_EMPTY);    /* ¿?¡! */
	assert_int_equal(norm(w_en, "\xf0\x9f\x8e\x89\xf0\x9f\x91\x8d"), WORDS_EMPTY); /* emoji */
	assert_int_equal(norm(w_en, "\xe2\x80\x8b"), WORDS_EMPTY);         /* ZERO WIDTH SPACE */
	assert_int_equal(words_normalize(w_en, NULL, 0, key, sizeof(key), display,
	                                 sizeof(display)), WORDS_EMPTY);
}

static void test_entry_is_length_bounded(void **state)
{
	(void)state;
	/* only the first len bytes are read */
	assert_int_equal(words_normalize(w_en, "teamwork and more", 8, key, sizeof(key),
	                                 display, sizeof(display)), WORDS_OK);
	assert_string_equal(display, "teamwork");
}

static void test_result_names(void **state)
{
	(void)state;
	assert_string_equal(words_result_name(WORDS_OK), "ok");
	assert_string_equal(words_result_name(WORDS_STOPWORD), "stopword");
	assert_string_equal(words_result_name(WORDS_BAD_UTF8), "bad_utf8");
}

/* ---- words_tokenize: words in running text, for search ---------------- */

struct toks {
	char keys[32][WORDS_KEY_CAP];
	size_t start[32], end[32];
	int n, stop_after;
};

static int collect(void *arg, const char *k, size_t klen, size_t start, size_t end)
{
	struct toks *t = arg;

	assert_true(t->n < 32 && klen < WORDS_KEY_CAP);
	memcpy(t->keys[t->n], k, klen);
	t->keys[t->n][klen] = '\0';
	t->start[t->n] = start;
	t->end[t->n] = end;
	t->n++;
	return t->stop_after && t->n == t->stop_after;
}

static struct toks tokenize(struct words *w, const char *s)
{
	struct toks t;

	memset(&t, 0, sizeof(t));
	assert_int_equal(words_tokenize(w, s, strlen(s), collect, &t), WORDS_OK);
	return t;
}

static void test_tokenize_ranges_and_keys(void **state)
{
	const char *s = "¿Qué es la **Programación** orientada—a objetos?";
	struct toks t;

	(void)state;
	t = tokenize(w_es, s);
	assert_int_equal(t.n, 7);
	/* Each range is the word as written, for highlighting. */
	assert_memory_equal(s + t.start[0], "Qué", t.end[0] - t.start[0]);
	assert_memory_equal(s + t.start[3], "Programación", t.end[3] - t.start[3]);
	assert_memory_equal(s + t.start[6], "objetos", t.end[6] - t.start[6]);
	/* Each key is the word's word-cloud key. */
	assert_int_equal(norm(w_es, "Programación"), WORDS_OK);
	assert_string_equal(t.keys[3], key);
}

static void test_tokenize_folds_like_a_reader_types(void **state)
{
	struct toks a, b, c;

	(void)state;
	a = tokenize(w_es, "programación");
	b = tokenize(w_es, "PROGRAMACION");
	c = tokenize(w_es, "programaciones");
	assert_int_equal(a.n, 1);
	assert_string_equal(a.keys[0], b.keys[0]);
	assert_string_equal(a.keys[0], c.keys[0]);
	a = tokenize(w_pt, "ação");
	b = tokenize(w_pt, "acao");
	c = tokenize(w_pt, "informações");
	assert_string_equal(a.keys[0], b.keys[0]);
	a = tokenize(w_pt, "informacao");
	assert_string_equal(a.keys[0], c.keys[0]);
	a = tokenize(w_en, "Running");
	b = tokenize(w_en, "runs");
	assert_string_equal(a.keys[0], b.keys[0]);
	/* ñ is a letter: año and ano stay apart. */
	a = tokenize(w_es, "año");
	b = tokenize(w_es, "ano");
	assert_string_not_equal(a.keys[0], b.keys[0]);
}

static void test_tokenize_apostrophes_and_separators(void **state)
{
	struct toks t;

	(void)state;
	t = tokenize(w_en, "don't e-mail x_y 'quoted' 3.14");
	/* don't | e | mail | x | y | quoted | 3 | 14 */
	assert_int_equal(t.n, 8);
	assert_int_equal(t.end[0] - t.start[0], 5);
	assert_string_equal(t.keys[5], "quot");
	t = tokenize(w_en, "it\u2019s");
	assert_int_equal(t.n, 1);
	/* Stop words are words here. */
	t = tokenize(w_en, "the of and");
	assert_int_equal(t.n, 3);
}

static void test_tokenize_edges(void **state)
{
	char longword[WORDS_TOKEN_MAX_BYTES + 2];
	struct toks t;

	(void)state;
	t = tokenize(w_en, "");
	assert_int_equal(t.n, 0);
	t = tokenize(w_en, "  ... !!! --- ");
	assert_int_equal(t.n, 0);
	memset(longword, 'a', sizeof(longword) - 1);
	longword[sizeof(longword) - 1] = '\0';
	t = tokenize(w_en, longword);
	assert_int_equal(t.n, 0);
	longword[WORDS_TOKEN_MAX_BYTES] = '\0';
	t = tokenize(w_en, longword);
	assert_int_equal(t.n, 1);

	memset(&t, 0, sizeof(t));
	assert_int_equal(words_tokenize(w_en, "abc \xc3", 5, collect, &t), WORDS_BAD_UTF8);
	assert_int_equal(words_tokenize(w_en, "ab\0cd", 5, collect, &t), WORDS_BAD_UTF8);
	assert_int_equal(t.n, 0);
	t.stop_after = 2;
	assert_int_equal(words_tokenize(w_en, "one two three", 13, collect, &t), WORDS_STOPPED);
	assert_int_equal(t.n, 2);
	assert_string_equal(words_result_name(WORDS_STOPPED), "stopped");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_es_exito_forms_one_key),
		cmocka_unit_test(test_pt_lideranca_forms_one_key),
		cmocka_unit_test(test_es_ano_and_ano_with_tilde_differ),
		cmocka_unit_test(test_es_missing_accent_on_cion_matches),
		cmocka_unit_test(test_es_missing_accent_on_ia_matches),
		cmocka_unit_test(test_pt_missing_accent_on_cao_matches),
		cmocka_unit_test(test_pt_other_accents_fold),
		cmocka_unit_test(test_nfd_equals_nfc),
		cmocka_unit_test(test_case_folding),
		cmocka_unit_test(test_en_leadership),
		cmocka_unit_test(test_en_communication),
		cmocka_unit_test(test_en_typographic_apostrophe),
		cmocka_unit_test(test_phrase_trimmed_and_collapsed),
		cmocka_unit_test(test_other_white_space_collapsed),
		cmocka_unit_test(test_display_keeps_case_and_accents),
		cmocka_unit_test(test_surrounding_punctuation_stripped),
		cmocka_unit_test(test_inner_hyphen_and_apostrophe_kept),
		cmocka_unit_test(test_phrase_words_stripped_for_key),
		cmocka_unit_test(test_en_stop_words),
		cmocka_unit_test(test_es_stop_words),
		cmocka_unit_test(test_pt_stop_words),
		cmocka_unit_test(test_stop_words_follow_language),
		cmocka_unit_test(test_phrase_of_only_stop_words),
		cmocka_unit_test(test_stop_words_kept_inside_phrase),
		cmocka_unit_test(test_es_blocked_after_normalization),
		cmocka_unit_test(test_en_blocked),
		cmocka_unit_test(test_pt_blocked_without_accent),
		cmocka_unit_test(test_blocked_phrase),
		cmocka_unit_test(test_blocked_is_per_normalizer),
		cmocka_unit_test(test_block_refuses_nothing),
		cmocka_unit_test(test_forty_ascii_ok),
		cmocka_unit_test(test_forty_one_ascii_too_long),
		cmocka_unit_test(test_forty_multibyte_ok),
		cmocka_unit_test(test_forty_one_multibyte_too_long),
		cmocka_unit_test(test_forty_four_byte_chars_ok),
		cmocka_unit_test(test_limit_counts_after_nfd_composes),
		cmocka_unit_test(test_limit_counts_after_trimming),
		cmocka_unit_test(test_huge_input_too_long),
		cmocka_unit_test(test_small_caller_buffers),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_nul_byte_refused),
		cmocka_unit_test(test_empty_entries),
		cmocka_unit_test(test_entry_is_length_bounded),
		cmocka_unit_test(test_result_names),
		cmocka_unit_test(test_tokenize_ranges_and_keys),
		cmocka_unit_test(test_tokenize_folds_like_a_reader_types),
		cmocka_unit_test(test_tokenize_apostrophes_and_separators),
		cmocka_unit_test(test_tokenize_edges),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
