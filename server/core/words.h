/*
 * words.h - word-cloud entries: one word counts once however it is typed.
 *
 * A normalizer turns an entry (a word or a short phrase) into a matching
 * key and a display form:
 *
 *   display  NFC, whitespace trimmed and collapsed to single spaces,
 *            punctuation and symbols stripped at both ends, case kept;
 *   key      per word: surrounding punctuation stripped, case folded,
 *            vowel accents folded (the accent of a few suffixes that are
 *            always written accented, such as Spanish -ción, put back),
 *            Snowball-stemmed in the normalizer's language, accents
 *            folded again; words joined by one space.
 *
 * Entries with equal keys are the same word: "Éxito", "exitos" and
 * "éxitos" share a key in Spanish, "Liderança!" and "liderança" in
 * Portuguese. Accents on vowels (and the cedilla) never make two keys,
 * but ñ is a letter of its own: "año" and "ano" stay two words.
 *
 * Choosing which spelling to show for a key (the most common display form
 * among the entries sharing it) is the caller's job: count display forms
 * per key and show the one seen most often.
 *
 * Pure: no I/O, nothing global but immutable tables. A normalizer owns a
 * Snowball stemmer, which keeps state between calls, so one normalizer
 * must be used by one thread at a time; separate normalizers are
 * independent.
 */
#ifndef FORUMD_CORE_WORDS_H
#define FORUMD_CORE_WORDS_H

#include <stddef.h>

#define WORDS_MAX_CHARS 40         /* code points of the display form */
#define WORDS_MAX_INPUT 1024       /* raw bytes looked at; more is WORDS_TOO_LONG */
#define WORDS_DISPLAY_CAP (WORDS_MAX_CHARS * 4 + 1)   /* display buffer that always fits */
#define WORDS_KEY_CAP 512          /* key buffer that always fits */

enum words_lang { WORDS_EN, WORDS_ES, WORDS_PT };

enum words_result {
	WORDS_OK,
	WORDS_EMPTY,                    /* nothing left: only spaces, punctuation, symbols */
	WORDS_STOPWORD,                 /* every word is a stop word of the language */
	WORDS_BLOCKED,                  /* holds a blocked word or phrase */
	WORDS_TOO_LONG,                 /* over WORDS_MAX_CHARS, or a buffer too small */
	WORDS_BAD_UTF8,                 /* malformed UTF-8, or a NUL byte */
	WORDS_NOMEM,                    /* out of memory */
	WORDS_STOPPED                   /* words_tokenize: the callback asked to stop */
};

struct words;

/*
 * Makes a normalizer for `lang` with no blocked words. Returns NULL when
 * out of memory. The caller owns the result and frees it with words_free.
 */
struct words *words_new(enum words_lang lang);

/* Frees the normalizer, its stemmer and its blocked list. NULL is allowed. */
void words_free(struct words *w);

/*
 * Blocks word[0..strlen) (a word or a phrase), matched by key: blocking
 * "idiota" in Spanish also blocks "Idiotas!" and "eres un idiota". A
 * blocked phrase blocks entries holding its words' keys in a row. The
 * string is copied. Returns 0 when blocked (or already blocked), -1 when
 * it normalizes to nothing, is too long, is not UTF-8 or memory ran out.
 */
int words_block(struct words *w, const char *word);

/*
 * Normalizes entry[0..len). On WORDS_OK writes the key (at most key_cap
 * bytes with its NUL) and the display form (at most display_cap bytes with
 * its NUL); buffers of WORDS_KEY_CAP and WORDS_DISPLAY_CAP bytes always
 * fit. On any other result the buffers' contents are unspecified.
 *
 * The length limit counts code points of the display form, so spaces and
 * punctuation around the entry do not count. Inside a phrase stop words
 * stay part of the key; only an entry made of nothing but stop words is
 * WORDS_STOPWORD. Blocked words win over stop words.
 */
enum words_result words_normalize(struct words *w, const char *entry, size_t len,
                                  char *key, size_t key_cap,
                                  char *display, size_t display_cap);

/* Longest word words_tokenize gives a key for, in bytes; a longer run of
 * letters (a pasted hash, say) is no word anyone searches for and is
 * skipped. */
#define WORDS_TOKEN_MAX_BYTES 128

/*
 * Splits text[0..len) into words for a search index or a search query and
 * calls emit once per word, in order, with the word's key (not
 * NUL-terminated; the same key words_normalize gives that word alone, so
 * "Programación", "programacion" and "programaciones" meet in Spanish) and
 * the byte range [start, end) of the word in text, for highlighting.
 *
 * A word is a run of letters, marks and digits; an apostrophe between two
 * of them stays inside ("don't", "d'água"); everything else separates.
 * Stop words are words here too (a search for a phrase needs them), and
 * blocked words are not looked at.
 *
 * Returns WORDS_OK (also for a text with no word), WORDS_BAD_UTF8 for
 * malformed UTF-8 or a NUL byte (nothing is emitted), WORDS_NOMEM, or
 * WORDS_STOPPED when emit returned non-zero. The key passed to emit lives
 * until emit returns.
 */
enum words_result words_tokenize(struct words *w, const char *text, size_t len,
                                 int (*emit)(void *arg, const char *key, size_t key_len,
                                             size_t start, size_t end),
                                 void *arg);

/* 1 if code point c can be part of a word words_tokenize finds (a letter,
 * a mark or a digit). */
int words_is_word_char(int c);

/* Name of a result, for logs and tests: "ok", "empty", ... */
const char *words_result_name(enum words_result r);

#endif
