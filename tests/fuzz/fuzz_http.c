/*
 * fuzz_http.c - libFuzzer target for the admin HTTP API's JSON bodies:
 * proto_decode_course (POST /api/courses, PUT /api/courses/N) and
 * proto_decode_words (PUT /api/blocked-words/<lang>). Every input goes to
 * both decoders.
 *
 * Invariants: the code is one the decoder may return, and a refusal says
 * why in valid UTF-8 and leaves nothing allocated; an accepted course obeys
 * every rule (title 1..max_title_chars of UTF-8, lang en/es/pt, times in
 * range, id positive or absent); an accepted word list holds at most
 * max_blocked_words non-empty UTF-8 words of at most max_word_chars; and
 * what was accepted, written out again as JSON, decodes to the same values.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/text.h"
#include "proto/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond,  \
				__FILE__, __LINE__);                               \
			abort();                                                   \
		}                                                                  \
	} while (0)

static void check_error(enum proto_err rc, const struct proto_error *err)
{
	CHECK(rc == PROTO_ERR_BAD_JSON || rc == PROTO_ERR_BAD_FIELD || rc == PROTO_ERR_TOO_LONG ||
	      rc == PROTO_ERR_BAD_UTF8 || rc == PROTO_ERR_NUL_IN_TEXT || rc == PROTO_ERR_TOO_DEEP ||
	      rc == PROTO_ERR_INTERNAL);
	CHECK(err->code == rc);
	CHECK(err->message[0] != '\0');
	CHECK(text_utf8_valid(err->message, strlen(err->message)));
	CHECK(text_utf8_valid(err->field, strlen(err->field)));
}

static void check_course(const struct proto_course *c)
{
	size_t n = strlen(c->title);

	CHECK(c->id >= 0);
	CHECK(c->has_title == (n > 0));
	if (c->has_title) {
		CHECK(text_utf8_valid(c->title, n));
		CHECK(text_utf8_chars(c->title, n) <= PROTO_MAX_TITLE_CHARS);
	}
	CHECK(c->has_lang == (c->lang[0] != '\0'));
	if (c->has_lang)
		CHECK(!strcmp(c->lang, "en") || !strcmp(c->lang, "es") || !strcmp(c->lang, "pt"));
	CHECK(c->starts_at >= 0 && c->starts_at < 253402300800LL);
	CHECK(c->ends_at >= 0 && c->ends_at < 253402300800LL);
}

/* An integer member written in full (cJSON prints doubles with 15
 * significant digits when they compare "close enough"). */
static void add_int(cJSON *o, const char *name, int64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRId64, v);
	CHECK(cJSON_AddRawToObject(o, name, num) != NULL);
}

/* Writes the accepted course out with cJSON and decodes it again. */
static void recheck_course(const struct proto_course *c)
{
	cJSON *o = cJSON_CreateObject();
	struct proto_course again;
	struct proto_error err;
	char *text;

	CHECK(o != NULL);
	if (c->id)
		add_int(o, "id", c->id);
	if (c->has_title)
		cJSON_AddStringToObject(o, "title", c->title);
	if (c->has_lang)
		cJSON_AddStringToObject(o, "lang", c->lang);
	if (c->starts_at)
		add_int(o, "starts_at", c->starts_at);
	if (c->ends_at)
		add_int(o, "ends_at", c->ends_at);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	CHECK(text != NULL);
	CHECK(proto_decode_course(text, strlen(text), &again, &err) == PROTO_ERR_NONE);
	free(text);
	CHECK(again.id == c->id);
	CHECK(again.has_title == c->has_title && !strcmp(again.title, c->title));
	CHECK(again.has_lang == c->has_lang && !strcmp(again.lang, c->lang));
	CHECK(again.starts_at == c->starts_at && again.ends_at == c->ends_at);
}

static void check_words(const struct proto_words *w)
{
	CHECK(w->n <= PROTO_MAX_BLOCKED_WORDS);
	CHECK(w->n == 0 || w->words != NULL);
	for (size_t i = 0; i < w->n; i++) {
		size_t n = strlen(w->words[i]);

		CHECK(n > 0);
		CHECK(text_utf8_valid(w->words[i], n));
		CHECK(text_utf8_chars(w->words[i], n) <= PROTO_MAX_WORD_CHARS);
	}
}

static void recheck_words(const struct proto_words *w)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "words");
	struct proto_words again;
	struct proto_error err;
	char *text;

	CHECK(o != NULL && arr != NULL);
	for (size_t i = 0; i < w->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(w->words[i]));
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	CHECK(text != NULL);
	CHECK(proto_decode_words(text, strlen(text), &again, &err) == PROTO_ERR_NONE);
	free(text);
	CHECK(again.n == w->n);
	for (size_t i = 0; i < w->n; i++)
		CHECK(!strcmp(again.words[i], w->words[i]));
	proto_words_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);   /* exactly size bytes: no NUL to lean on */
	struct proto_course course;
	struct proto_words words;
	struct proto_error err;
	enum proto_err rc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);

	memset(&course, 0xA5, sizeof(course));  /* the decoder must not trust *out */
	rc = proto_decode_course(buf, size, &course, &err);
	if (rc == PROTO_ERR_NONE) {
		check_course(&course);
		recheck_course(&course);
	} else {
		check_error(rc, &err);
	}

	memset(&words, 0xA5, sizeof(words));
	rc = proto_decode_words(buf, size, &words, &err);
	if (rc == PROTO_ERR_NONE) {
		check_words(&words);
		recheck_words(&words);
		proto_words_free(&words);
	} else {
		check_error(rc, &err);
		CHECK(words.words == NULL && words.n == 0);
	}
	free(buf);
	return 0;
}
