/*
 * fuzz_search.c - libFuzzer target for the search words and snippets
 * (core/snippet, core/words' tokenizer) and the near-copy signatures
 * (core/similar).
 *
 * Input: one byte picking the language, then the query, a 0xff byte (never
 * in UTF-8), then the text. Invariants: malformed UTF-8 is refused, never
 * read past; every emitted word is a non-empty range inside the text, in
 * order, with a non-empty key; a query has at most SEARCH_MAX_TERMS
 * distinct keys; a snippet's parts are non-empty, in order, inside the
 * text, alternate between plain and marked, and every marked part is a
 * word of the query; a signature compares equal to itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/similar.h"
#include "core/search.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond,  \
				__FILE__, __LINE__);                               \
			abort();                                                   \
		}                                                                  \
	} while (0)

static struct words *normalizer[3];

struct walk {
	size_t len, last_end;
	const struct search_query *q;
	int in_query;                   /* the word's key is one of q's */
};

static int check_word(void *arg, const char *key, size_t key_len, size_t start, size_t end)
{
	struct walk *wk = arg;

	CHECK(key_len > 0 && key_len < WORDS_KEY_CAP);
	CHECK(start < end && end <= wk->len && start >= wk->last_end);
	wk->last_end = end;
	wk->in_query = 0;
	if (wk->q)
		for (size_t i = 0; i < wk->q->nterms; i++)
			if (wk->q->term[i].key_len == key_len && !memcmp(wk->q->term[i].key, key, key_len))
				wk->in_query = 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *q, *text, *sep;
	size_t qlen, tlen;
	struct words *w;
	struct search_query query;
	struct snippet sn;
	struct similar_sig sig;
	struct walk wk = { 0 };
	enum words_result r;
	int valid;

	if (size < 1)
		return 0;
	if (!normalizer[0])
		for (int i = 0; i < 3; i++)
			CHECK((normalizer[i] = words_new((enum words_lang)i)) != NULL);
	w = normalizer[data[0] % 3];
	q = (const char *)data + 1;
	sep = memchr(q, 0xff, size - 1);
	qlen = sep ? (size_t)(sep - q) : size - 1;
	text = sep ? sep + 1 : q + qlen;
	tlen = sep ? size - 1 - qlen - 1 : 0;

	r = search_query_parse(w, q, qlen, &query);
	valid = text_utf8_valid(q, qlen) && !text_has_nul(q, qlen);
	CHECK(valid ? r == WORDS_OK : r == WORDS_BAD_UTF8);
	if (r != WORDS_OK)
		return 0;
	CHECK(query.nterms <= SEARCH_MAX_TERMS);
	for (size_t i = 0; i < query.nterms; i++) {
		CHECK(query.term[i].key_len > 0 && query.term[i].end <= qlen);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(query.term[i].key, query.term[j].key) != 0);
	}

	valid = text_utf8_valid(text, tlen) && !text_has_nul(text, tlen);
	wk.len = tlen;
	r = words_tokenize(w, text, tlen, check_word, &wk);
	CHECK(valid ? r == WORDS_OK : r == WORDS_BAD_UTF8);

	r = snippet_make(w, text, tlen, &query, (size_t)(data[0] % 7) * 30, &sn);
	CHECK(valid ? r == WORDS_OK : r == WORDS_BAD_UTF8);
	if (r == WORDS_OK) {
		size_t pos = 0;

		CHECK(sn.nparts <= SNIPPET_MAX_PARTS);
		for (size_t i = 0; i < sn.nparts; i++) {
			CHECK(sn.part[i].start < sn.part[i].end && sn.part[i].end <= tlen);
			CHECK(sn.part[i].start >= pos);
			CHECK(i == 0 || sn.part[i].start == sn.part[i - 1].end);
			CHECK(i == 0 || sn.part[i].mark != sn.part[i - 1].mark);
			if (sn.part[i].mark) {
				struct walk one = { .len = sn.part[i].end - sn.part[i].start, .q = &query };

				CHECK(words_tokenize(w, text + sn.part[i].start, one.len, check_word, &one) == WORDS_OK);
				CHECK(one.in_query);
			}
			pos = sn.part[i].end;
		}
	}

	if (similar_signature(text, tlen, &sig) == SIMILAR_OK)
		CHECK(similar_shared(&sig, &sig) == SIMILAR_HASHES);
	else
		CHECK(!valid || similar_signature(text, tlen, &sig) != SIMILAR_BAD_UTF8);
	return 0;
}
