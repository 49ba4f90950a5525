/*
 * similar.c - shingled MinHash signatures of post texts (see similar.h).
 *
 * The text is read one code point at a time; each is folded (NFKC
 * compatibility forms, case folded, marks stripped) by utf8proc into at
 * most a few code points, and a word is a run of folded letters and
 * digits. Each word is hashed as it is read, each shingle's hash is made
 * from its words' hashes in order, and each of the SIMILAR_HASHES hash
 * functions keeps its minimum over the shingles. Nothing is allocated.
 */
#include <string.h>

#include <utf8proc.h>

#include "similar.h"

/* ---- hashing ------------------------------------------------------------- */

/* MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME UINT64_C(0x100000001b3)
#define GOLDEN UINT64_C(0x9e3779b97f4a7c15)

static uint64_t word_add(uint64_t h, int32_t cp)
{
	uint32_t c = (uint32_t)cp;

	for (int i = 0; i < 4; i++) {
		h ^= (c >> (8 * i)) & 0xff;
		h *= FNV_PRIME;
	}
	return h;
}

/* The shingle ending at words[last]: its SIMILAR_SHINGLE word hashes in
 * reading order (the ring holds them oldest first from last + 1). */
static uint64_t shingle_hash(const uint64_t ring[SIMILAR_SHINGLE], int last)
{
	uint64_t h = GOLDEN;

	for (int j = 1; j <= SIMILAR_SHINGLE; j++)
		h = mix64(h ^ ring[(last + j) % SIMILAR_SHINGLE]);
	return h;
}

static void sig_add(struct similar_sig *s, uint64_t shingle)
{
	for (int i = 0; i < SIMILAR_HASHES; i++) {
		uint32_t v = (uint32_t)(mix64(shingle ^ (GOLDEN * (uint64_t)(i + 1))) >> 32);

		if (v < s->min[i])
			s->min[i] = v;
	}
}

/* ---- reading words --------------------------------------------------------- */

static int is_word_cp(int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return 1;
	default:
		return 0;
	}
}

/* The end of the part of text[0..len) that is looked at: at most
 * SIMILAR_MAX_INPUT bytes, never inside a character. */
static size_t input_end(const char *text, size_t len)
{
	size_t end = len;

	if (end <= SIMILAR_MAX_INPUT)
		return end;
	end = SIMILAR_MAX_INPUT;
	while (end > 0 && ((unsigned char)text[end] & 0xc0) == 0x80)
		end--;
	return end;
}

/* Words read so far: the current word's hash and the last SIMILAR_SHINGLE
 * finished words' hashes. */
struct reader {
	uint64_t ring[SIMILAR_SHINGLE];
	uint64_t word;
	int in_word;
	long words;
};

static void word_end(struct reader *r, struct similar_sig *s)
{
	int slot;

	if (!r->in_word)
		return;
	slot = (int)(r->words % SIMILAR_SHINGLE);
	r->ring[slot] = r->word;
	r->words++;
	if (r->words >= SIMILAR_SHINGLE)
		sig_add(s, shingle_hash(r->ring, slot));
	r->word = FNV_OFFSET;
	r->in_word = 0;
}

/* Reads text's words into the signature. Returns the number of words, or
 * -1 on malformed UTF-8 or a NUL byte. */
static long read_words(const char *text, size_t len, struct similar_sig *s)
{
	struct reader r = { .word = FNV_OFFSET };
	size_t i = 0;

	while (i < len) {
		int32_t cp, folded[8];
		utf8proc_ssize_t k, n;

		k = utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &cp);
		if (k <= 0 || cp == 0)
			return -1;
		i += (size_t)k;
		n = utf8proc_decompose_char(cp, folded, 8, UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
					    UTF8PROC_STRIPMARK | UTF8PROC_DECOMPOSE, NULL);
		if (n < 0 || n > 8) {
			/* Not foldable into the buffer (no such character
			 * today): take it as it is. */
			folded[0] = cp;
			n = 1;
		}
		for (utf8proc_ssize_t j = 0; j < n; j++) {
			if (is_word_cp(folded[j])) {
				r.word = word_add(r.word, folded[j]);
				r.in_word = 1;
			} else {
				word_end(&r, s);
			}
		}
	}
	word_end(&r, s);
	return r.words;
}

/* ---- public ------------------------------------------------------------------ */

enum similar_result similar_signature(const char *text, size_t len, struct similar_sig *out)
{
	long words;

	memset(out->min, 0xff, sizeof(out->min));
	words = read_words(text, input_end(text, len), out);
	if (words < 0)
		return SIMILAR_BAD_UTF8;
	if (words < SIMILAR_MIN_WORDS)
		return SIMILAR_TOO_SHORT;
	return SIMILAR_OK;
}

int similar_shared(const struct similar_sig *a, const struct similar_sig *b)
{
	int same = 0;

	for (int i = 0; i < SIMILAR_HASHES; i++)
		same += a->min[i] == b->min[i];
	return same;
}

int similar_near_copy(const struct similar_sig *a, const struct similar_sig *b)
{
	return similar_shared(a, b) >= SIMILAR_NEAR_COPY;
}

void similar_bands(const struct similar_sig *s, uint64_t keys[SIMILAR_BANDS])
{
	for (int b = 0; b < SIMILAR_BANDS; b++) {
		uint64_t h = mix64(GOLDEN * (uint64_t)(b + 1));

		for (int r = 0; r < SIMILAR_ROWS; r++)
			h = mix64(h ^ s->min[b * SIMILAR_ROWS + r]);
		keys[b] = h;
	}
}
