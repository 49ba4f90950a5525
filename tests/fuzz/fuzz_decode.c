/*
 * fuzz_decode.c - libFuzzer target for proto_prescan and proto_decode_request.
 *
 * Every input is decoded twice, with test-only ops refused and allowed, and
 * the results are checked against the protocol's promises:
 *   - success: a known op (test-only ones only when allowed), a valid id, an
 *     arena, and every present field within its spec (strings valid UTF-8,
 *     no NUL, within max/min; ints within range; resume rooms well-formed,
 *     seqs >= 0, at most max_resume_rooms), nothing beyond the op's fields;
 *   - failure: a code in (0, PROTO_ERR__COUNT), err->code equal to it, no
 *     arena, no field present, and any salvaged id valid;
 *   - the error's field and message are valid UTF-8 (they go on the wire);
 *   - a request is accepted only if it is a single JSON value (nothing but
 *     whitespace after it);
 *   - both runs agree except for test-only ops;
 *   - a prescan refusal is the decode's answer too.
 * Build with -DFUZZ_DECODE_LENIENT to skip the last two kinds of wire checks
 * (error text UTF-8, trailing bytes) while they are known to fail.
 */
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

static int id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > PROTO_MAX_ID_CHARS)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] < 0x21 || (unsigned char)id[i] > 0x7e)
			return 0;
	return 1;
}

static void check_string(const struct proto_field_spec *fs, const struct proto_str *s)
{
	size_t n;

	CHECK(s->p != NULL);
	CHECK(strlen(s->p) == s->len);                  /* no NUL inside, terminated */
	CHECK(!text_has_nul(s->p, s->len));
	CHECK(text_utf8_valid(s->p, s->len));
	n = fs->type == PROTO_FT_TEXT ? text_utf8_chars(s->p, s->len) : s->len;
	if (fs->max)
		CHECK((int64_t)n <= fs->max);
	CHECK((int64_t)n >= fs->min);
}

static void check_success(const struct proto_request *req, int allow_test_ops)
{
	const struct proto_op_spec *os;

	CHECK(req->op > PROTO_OP_NONE && req->op < PROTO_OP__COUNT);
	os = &proto_ops[req->op];
	CHECK(!os->test_only || allow_test_ops);
	CHECK(req->has_id);
	CHECK(id_ok(req->id));
	CHECK(req->arena != NULL);
	for (int i = 0; i < PROTO_MAX_FIELDS; i++) {
		const struct proto_value *v = &req->f[i];
		const struct proto_field_spec *fs;

		if (i >= os->nfields) {
			CHECK(!v->present);
			continue;
		}
		fs = &os->fields[i];
		if (!v->present) {
			CHECK(!fs->required);
			continue;
		}
		switch (fs->type) {
		case PROTO_FT_STRING:
		case PROTO_FT_TEXT:
		case PROTO_FT_KEY:
			check_string(fs, &v->u.s);
			break;
		case PROTO_FT_INT:
		case PROTO_FT_ID:
			CHECK(v->u.i >= fs->min && v->u.i <= fs->max);
			break;
		case PROTO_FT_BOOL:
			CHECK(v->u.b == 0 || v->u.b == 1);
			break;
		case PROTO_FT_ENUM:
			CHECK(v->u.e >= 0 && fs->values && fs->values[v->u.e]);
			break;
		case PROTO_FT_ROOM:
			CHECK(proto_room_valid(v->u.s.p, v->u.s.len));
			CHECK(strlen(v->u.s.p) == v->u.s.len);
			break;
		case PROTO_FT_RESUME:
			CHECK(v->u.resume.n <= PROTO_MAX_RESUME_ROOMS);
			CHECK(v->u.resume.n == 0 || v->u.resume.items != NULL);
			for (size_t k = 0; k < v->u.resume.n; k++) {
				const struct proto_resume_item *it = &v->u.resume.items[k];

				CHECK(it->room != NULL);
				CHECK(proto_room_valid(it->room, strlen(it->room)));
				CHECK(it->since >= 0 && it->since <= 9007199254740991LL);
			}
			break;
		case PROTO_FT_INTS:
			CHECK((int64_t)v->u.ints.n <= fs->max_items);
			CHECK(v->u.ints.n == 0 || v->u.ints.items != NULL);
			for (size_t k = 0; k < v->u.ints.n; k++)
				CHECK(v->u.ints.items[k] >= fs->min && v->u.ints.items[k] <= fs->max);
			break;
		case PROTO_FT_TEXTS:
			CHECK((int64_t)v->u.texts.n <= fs->max_items);
			CHECK(v->u.texts.n == 0 || v->u.texts.items != NULL);
			for (size_t k = 0; k < v->u.texts.n; k++) {
				const struct proto_str *t = &v->u.texts.items[k];

				CHECK(t->p != NULL && strlen(t->p) == t->len);
				CHECK(!text_has_nul(t->p, t->len));
				CHECK(text_utf8_valid(t->p, t->len));
				CHECK(!fs->max || (int64_t)text_utf8_chars(t->p, t->len) <= fs->max);
			}
			break;
		}
	}
}

static void check_failure(enum proto_err rc, const struct proto_request *req,
			  const struct proto_error *err)
{
	CHECK(rc > PROTO_ERR_NONE && rc < PROTO_ERR__COUNT);
	CHECK(err->code == rc);
	CHECK(req->arena == NULL);
	for (int i = 0; i < PROTO_MAX_FIELDS; i++)
		CHECK(!req->f[i].present);
	if (req->has_id)
		CHECK(id_ok(req->id));
	CHECK(memchr(err->field, 0, sizeof(err->field)) != NULL);
	CHECK(memchr(err->message, 0, sizeof(err->message)) != NULL);
	CHECK(err->message[0] != '\0');
#ifndef FUZZ_DECODE_LENIENT
	CHECK(text_utf8_valid(err->field, strlen(err->field)));
	CHECK(text_utf8_valid(err->message, strlen(err->message)));
#endif
}

/* 1 if buf holds one JSON value and nothing but whitespace after it. */
static int single_value(const char *buf, size_t len)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);

	if (!root)
		return 0;
	cJSON_Delete(root);
	for (const char *p = end; p < buf + len; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return 0;
	return 1;
}

struct outcome {
	enum proto_err rc;
	enum proto_op op;
	int has_id;
	char id[PROTO_MAX_ID_CHARS + 1];
};

static struct outcome run(const char *buf, size_t len, int allow_test_ops, enum proto_err pre)
{
	struct proto_request req;
	struct proto_error err;
	struct outcome o;

	o.rc = proto_decode_request(buf, len, allow_test_ops, &req, &err);
	if (o.rc == PROTO_ERR_NONE) {
		CHECK(err.code == PROTO_ERR_NONE);
		CHECK(pre == PROTO_ERR_NONE);
		check_success(&req, allow_test_ops);
#ifndef FUZZ_DECODE_LENIENT
		CHECK(single_value(buf, len));
#endif
	} else {
		check_failure(o.rc, &req, &err);
		if (pre != PROTO_ERR_NONE)
			CHECK(o.rc == pre);
	}
	o.op = req.op;
	o.has_id = req.has_id;
	memcpy(o.id, req.id, sizeof(o.id));
	proto_request_free(&req);
	proto_request_free(&req);               /* documented as safe */
	CHECK(req.arena == NULL);
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy so ASan sees any read past the message. */
	char *buf = malloc(size ? size : 1);
	enum proto_err pre;
	struct outcome prod, test;

	if (!buf)
		return 0;
	memcpy(buf, data, size);

	pre = proto_prescan(buf, size, PROTO_MAX_DEPTH);
	CHECK(pre == PROTO_ERR_NONE || pre == PROTO_ERR_TOO_DEEP || pre == PROTO_ERR_NUL_IN_TEXT ||
	      pre == PROTO_ERR_BAD_UTF8 || pre == PROTO_ERR_BAD_JSON);
	if (!text_utf8_valid(buf, size))
		CHECK(pre != PROTO_ERR_NONE);
	if (text_has_nul(buf, size))
		CHECK(pre == PROTO_ERR_NUL_IN_TEXT);

	/* Alternate which mode runs first, by the first byte. */
	if (size && (data[0] & 1)) {
		test = run(buf, size, 1, pre);
		prod = run(buf, size, 0, pre);
	} else {
		prod = run(buf, size, 0, pre);
		test = run(buf, size, 1, pre);
	}

	if (test.rc == PROTO_ERR_NONE && proto_ops[test.op].test_only) {
		CHECK(prod.rc == PROTO_ERR_UNKNOWN_OP);
	} else if (prod.rc == PROTO_ERR_UNKNOWN_OP && test.rc != PROTO_ERR_UNKNOWN_OP) {
		/* Only a test-only op may be unknown in one mode and not the other. */
		CHECK(test.op != PROTO_OP_NONE && proto_ops[test.op].test_only);
	} else {
		CHECK(prod.rc == test.rc);
		if (prod.rc == PROTO_ERR_NONE)
			CHECK(prod.op == test.op);
	}
	CHECK(prod.has_id == test.has_id);
	if (prod.has_id)
		CHECK(strcmp(prod.id, test.id) == 0);

	free(buf);
	return 0;
}
