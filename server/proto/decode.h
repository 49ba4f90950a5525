/*
 * decode.h - turns one client message (JSON text) into a plain request.
 *
 * This module and render.c are the only code that touches cJSON. What it
 * returns holds no cJSON: strings are copied into the request's own arena.
 * Every check the protocol promises at the door happens here, before anything
 * else sees the request: nesting depth and NUL (before cJSON parses), UTF-8,
 * the envelope, the op, and every field's type, range and length, all from
 * the tables generated from protocol/protocol.json.
 */
#ifndef FORUMD_PROTO_DECODE_H
#define FORUMD_PROTO_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/protocol_gen.h"

struct proto_str {
	const char *p;                  /* NUL-terminated, inside the arena */
	size_t len;                     /* bytes */
};

struct proto_resume_item {
	const char *room;               /* "kind:number", inside the arena */
	int64_t since;
};

struct proto_value {
	int present;
	union {
		struct proto_str s;     /* string, text, key, room */
		int64_t i;              /* int, id */
		int b;                  /* bool */
		int e;                  /* enum: index into the spec's values */
		struct {
			struct proto_resume_item *items;  /* inside the arena */
			size_t n;
		} resume;
		struct {
			int64_t *items;         /* inside the arena; NULL when n is 0 */
			size_t n;
		} ints;
		struct {
			struct proto_str *items; /* inside the arena; NULL when n is 0 */
			size_t n;
		} texts;
	} u;
};

struct proto_request {
	enum proto_op op;
	int has_id;
	char id[PROTO_MAX_ID_CHARS + 1];
	struct proto_value f[PROTO_MAX_FIELDS];  /* indexed by PF_<OP>_<FIELD> */
	char *arena;                             /* owned; freed by proto_request_free */
};

struct proto_error {
	enum proto_err code;
	char field[48];                 /* offending field, "" if none */
	int64_t limit;                  /* the limit passed, 0 if none */
	char message[160];              /* English, for developers; pages translate by code */
};

/*
 * Scan raw message bytes before parsing: returns PROTO_ERR_TOO_DEEP if arrays
 * and objects nest deeper than max_depth, PROTO_ERR_NUL_IN_TEXT for a NUL byte
 * or a \u0000 escape, PROTO_ERR_BAD_UTF8 for malformed UTF-8 or an escaped
 * surrogate that is not a high one followed by a low one,
 * PROTO_ERR_BAD_JSON for a \u escape without 4 hex digits (cJSON would read
 * it as a NUL), else PROTO_ERR_NONE. Other malformed JSON is left for the
 * parser to report.
 */
enum proto_err proto_prescan(const char *buf, size_t len, int max_depth);

/*
 * Decode one request. On success returns PROTO_ERR_NONE and fills *req, whose
 * arena the caller frees with proto_request_free(). On failure returns the
 * error code, fills *err, frees anything it allocated, and still sets
 * req->id/has_id when the id could be read so the reply can name it.
 * Test-only ops decode only when allow_test_ops is set (test builds).
 */
enum proto_err proto_decode_request(const char *buf, size_t len, int allow_test_ops,
				    struct proto_request *req, struct proto_error *err);

/* A course as the admin API sends it (POST /api/courses, PUT /api/courses/N). */
struct proto_course {
	int64_t id;                     /* 0: not given */
	char title[PROTO_MAX_TITLE_CHARS * 4 + 1];
	char lang[4];
	int64_t starts_at, ends_at;     /* seconds; 0: not given */
	int has_title, has_lang;
};

/* Decodes a course object {id?, title?, lang?, starts_at?, ends_at?} (the
 * caller decides which members a create needs). PROTO_ERR_NONE or an error
 * in *err. */
enum proto_err proto_decode_course(const char *buf, size_t len, struct proto_course *out,
				   struct proto_error *err);

/* A list of words as the admin API sends it: {"words": ["...", ...]}. */
struct proto_words {
	char **words;                   /* n NUL-terminated strings; owned */
	size_t n;
};

/* Decodes {"words": [...]}: at most max_blocked_words strings, each valid
 * UTF-8 without NUL, not blank, at most max_word_chars characters. On
 * success the caller frees out with proto_words_free; on failure nothing
 * is left to free and *err says why. */
enum proto_err proto_decode_words(const char *buf, size_t len, struct proto_words *out,
				  struct proto_error *err);
void proto_words_free(struct proto_words *w);

/* Frees what proto_decode_request stored in *req; safe to call twice. */
void proto_request_free(struct proto_request *req);

/* Looks an op up by name; PROTO_OP_NONE if there is none. */
enum proto_op proto_op_lookup(const char *name);

/* 1 if name is a syntactically valid room ("kind:digits", kind lower-case). */
int proto_room_valid(const char *name, size_t len);

#endif
