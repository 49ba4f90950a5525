/*
 * test_decode.c - proto_prescan and proto_decode_request: depth, NUL, UTF-8,
 * the envelope, every field rule, resume maps, id salvage and ownership.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define STR_(x) #x
#define STR(x) STR_(x)

#include "core/text.h"
#include "proto/decode.h"

/* ---- helpers -------------------------------------------------------------- */

static enum proto_err prescan(const char *s)
{
	return proto_prescan(s, strlen(s), PROTO_MAX_DEPTH);
}

static enum proto_err decode(const char *json, int allow_test_ops, struct proto_request *req,
			     struct proto_error *err)
{
	return proto_decode_request(json, strlen(json), allow_test_ops, req, err);
}

/* Decodes json, expects failure with `code` (and `field` unless NULL), and
 * checks the failure left no fields behind. */
static void expect_fail(const char *json, int allow, enum proto_err code, const char *field)
{
	struct proto_request req;
	struct proto_error err;
	enum proto_err rc = decode(json, allow, &req, &err);
	int had_arena = req.arena != NULL, had_field = 0;

	for (int i = 0; i < PROTO_MAX_FIELDS; i++)
		had_field |= req.f[i].present;
	proto_request_free(&req);               /* before any assertion can jump out */
	if (rc != code)
		print_error("input: %.200s\nmessage: %s\n", json, err.message);
	assert_int_equal(rc, code);
	assert_int_equal(err.code, code);
	assert_true(err.message[0] != '\0');
	if (field)
		assert_string_equal(err.field, field);
	assert_false(had_arena);
	assert_false(had_field);
}

/* Decodes json and expects success; the caller frees req. */
static void expect_ok(const char *json, int allow, struct proto_request *req)
{
	struct proto_error err;
	enum proto_err rc = decode(json, allow, req, &err);

	if (rc != PROTO_ERR_NONE)
		print_error("input: %s\nerror %d field '%s': %s\n", json, rc, err.field, err.message);
	assert_int_equal(rc, PROTO_ERR_NONE);
}

/* A string of n copies of c, malloc'd. */
static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* sprintf into a malloc'd buffer. */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	s = malloc((size_t)n + 1);
	assert_non_null(s);
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* n opening brackets then n closing ones, alternating [ and {"a": forms. */
static char *nested_arrays(int n)
{
	char *s = malloc((size_t)n * 2 + 1);

	assert_non_null(s);
	for (int i = 0; i < n; i++) {
		s[i] = '[';
		s[2 * n - 1 - i] = ']';
	}
	s[2 * n] = '\0';
	return s;
}

/* A hello whose resume map holds n rooms thread:1..thread:n. */
static char *hello_with_rooms(int n)
{
	size_t cap = 64 + (size_t)n * 32;
	char *s = malloc(cap);
	size_t off;

	assert_non_null(s);
	off = (size_t)snprintf(s, cap, "{\"id\":\"r\",\"op\":\"hello\",\"data\":{\"token\":\"t\",\"resume\":{");
	for (int i = 1; i <= n; i++)
		off += (size_t)snprintf(s + off, cap - off, "%s\"thread:%d\":%d", i > 1 ? "," : "", i, i * 10);
	snprintf(s + off, cap - off, "}}}");
	return s;
}

/* ======================================================================== */
/* proto_prescan                                                            */
/* ======================================================================== */

static void test_prescan_plain_ok(void **state)
{
	(void)state;
	assert_int_equal(prescan("{\"id\":\"1\",\"op\":\"ping\"}"), PROTO_ERR_NONE);
	assert_int_equal(prescan(""), PROTO_ERR_NONE);
	assert_int_equal(prescan("not json at all"), PROTO_ERR_NONE); /* left to the parser */
}

static void test_prescan_depth_32_ok(void **state)
{
	char *s = nested_arrays(32);

	(void)state;
	assert_int_equal(prescan(s), PROTO_ERR_NONE);
	free(s);
}

static void test_prescan_depth_33_too_deep(void **state)
{
	char *s = nested_arrays(33);

	(void)state;
	assert_int_equal(prescan(s), PROTO_ERR_TOO_DEEP);
	free(s);
}

static void test_prescan_objects_count_too(void **state)
{
	char buf[1024];
	size_t off = 0;

	(void)state;
	/* 33 levels mixing objects and arrays. */
	for (int i = 0; i < 33; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, i % 2 ? "[" : "{\"a\":");
	buf[off] = '\0';
	assert_int_equal(prescan(buf), PROTO_ERR_TOO_DEEP);
}

static void test_prescan_siblings_do_not_add_up(void **state)
{
	char *inner = nested_arrays(31);
	char *s = fmt("[%s,%s,%s]", inner, inner, inner);   /* depth 32 three times */

	(void)state;
	assert_int_equal(prescan(s), PROTO_ERR_NONE);
	free(inner);
	free(s);
}

static void test_prescan_custom_max(void **state)
{
	(void)state;
	assert_int_equal(proto_prescan("[[]]", 4, 2), PROTO_ERR_NONE);
	assert_int_equal(proto_prescan("[[[]]]", 6, 2), PROTO_ERR_TOO_DEEP);
}

static void test_prescan_brackets_in_strings_ignored(void **state)
{
	char *br = repeat('[', 100);
	char *s = fmt("{\"a\":\"%s\",\"%s\":1}", br, br);

	(void)state;
	assert_int_equal(prescan(s), PROTO_ERR_NONE);
	free(br);
	free(s);
}

static void test_prescan_escaped_quote_stays_in_string(void **state)
{
	char *br = repeat('{', 40);
	char *s = fmt("{\"a\":\"x\\\"%s\"}", br);    /* "x\"{{{..." : still inside the string */

	(void)state;
	assert_int_equal(prescan(s), PROTO_ERR_NONE);
	free(br);
	free(s);
}

static void test_prescan_escaped_backslash_ends_string(void **state)
{
	/* "x\\" ends the string; the brackets after it count. */
	char *deep = nested_arrays(33);
	char *s = fmt("[\"x\\\\\",%s]", deep);

	(void)state;
	assert_int_equal(prescan(s), PROTO_ERR_TOO_DEEP);
	free(deep);
	free(s);
}

static void test_prescan_escaped_nul(void **state)
{
	(void)state;
	assert_int_equal(prescan("{\"a\":\"\\u0000\"}"), PROTO_ERR_NUL_IN_TEXT);
	assert_int_equal(prescan("{\"a\":\"abc\\u0000def\"}"), PROTO_ERR_NUL_IN_TEXT);
	assert_int_equal(prescan("{\"\\u0000\":1}"), PROTO_ERR_NUL_IN_TEXT);       /* in a key */
	assert_int_equal(prescan("{\"a\":\"\\ud83d\\u0000\"}"), PROTO_ERR_NUL_IN_TEXT);
}

static void test_prescan_escaped_backslash_then_u0000_is_not_nul(void **state)
{
	(void)state;
	/* JSON "\\u0000" is a backslash followed by the text u0000. */
	assert_int_equal(prescan("{\"a\":\"\\\\u0000\"}"), PROTO_ERR_NONE);
	/* JSON "\\\u0000" is a backslash followed by a NUL. */
	assert_int_equal(prescan("{\"a\":\"\\\\\\u0000\"}"), PROTO_ERR_NUL_IN_TEXT);
}

static void test_prescan_u0000_outside_string_ignored(void **state)
{
	(void)state;
	/* Not in a string: not an escape (and not JSON; the parser says so). */
	assert_int_equal(prescan("\\u0000"), PROTO_ERR_NONE);
}

static void test_prescan_other_escapes_ok(void **state)
{
	(void)state;
	assert_int_equal(prescan("{\"a\":\"\\u0001\\u0100\\u00000\"}"), PROTO_ERR_NUL_IN_TEXT);
	assert_int_equal(prescan("{\"a\":\"\\u0001\\u0100\\u1000\"}"), PROTO_ERR_NONE);
	assert_int_equal(prescan("{\"a\":\"\\n\\t\\/\\b\\f\\r\"}"), PROTO_ERR_NONE);
}

static void test_prescan_truncated_escape(void **state)
{
	(void)state;
	/* A cut \u escape is bad JSON, never a NUL. */
	assert_int_equal(prescan("\"\\u000"), PROTO_ERR_BAD_JSON);
	assert_int_equal(prescan("\"\\u00"), PROTO_ERR_BAD_JSON);
	assert_int_equal(prescan("\"\\"), PROTO_ERR_NONE);
	assert_int_equal(prescan("\"abc"), PROTO_ERR_NONE);
}

static void test_prescan_escape_not_read_past_length(void **state)
{
	/* The bytes after len spell u0000 but are not part of the message. */
	static const char s[] = "\"\\u0000\"";

	(void)state;
	assert_int_equal(proto_prescan(s, 3, PROTO_MAX_DEPTH), PROTO_ERR_BAD_JSON);
	assert_int_equal(proto_prescan(s, 6, PROTO_MAX_DEPTH), PROTO_ERR_BAD_JSON);
	assert_int_equal(proto_prescan(s, 7, PROTO_MAX_DEPTH), PROTO_ERR_NUL_IN_TEXT);
}

static void test_prescan_raw_nul(void **state)
{
	static const char s[] = "{\"a\":\"x\0y\"}";

	(void)state;
	assert_int_equal(proto_prescan(s, sizeof(s) - 1, PROTO_MAX_DEPTH), PROTO_ERR_NUL_IN_TEXT);
	assert_int_equal(proto_prescan("\0", 1, PROTO_MAX_DEPTH), PROTO_ERR_NUL_IN_TEXT);
}

static void test_prescan_invalid_utf8(void **state)
{
	(void)state;
	assert_int_equal(prescan("{\"a\":\"\xff\"}"), PROTO_ERR_BAD_UTF8);
	assert_int_equal(prescan("{\"a\":\"\xc0\x80\"}"), PROTO_ERR_BAD_UTF8);   /* overlong NUL */
	assert_int_equal(prescan("{\"a\":\"\xed\xa0\x80\"}"), PROTO_ERR_BAD_UTF8);
	assert_int_equal(prescan("{\"a\":\"\xf4\x90\x80\x80\"}"), PROTO_ERR_BAD_UTF8);
	assert_int_equal(prescan("{\"a\":\"\xe2\x82\"}"), PROTO_ERR_BAD_UTF8);
	assert_int_equal(prescan("\xc3"), PROTO_ERR_BAD_UTF8);
}

static void test_prescan_valid_utf8(void **state)
{
	(void)state;
	assert_int_equal(prescan("{\"a\":\"\xc3\xb1 \xc3\xa7\xc3\xa3o \xf0\x9f\x98\x80\"}"), PROTO_ERR_NONE);
}

/* ======================================================================== */
/* proto_decode_request: success                                            */
/* ======================================================================== */

static void test_hello_minimal(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"h1\",\"op\":\"hello\",\"data\":{\"token\":\"abc.def.ghi\"}}", 0, &req);
	assert_int_equal(req.op, PROTO_OP_HELLO);
	assert_true(req.has_id);
	assert_string_equal(req.id, "h1");
	assert_true(req.f[PF_HELLO_TOKEN].present);
	assert_string_equal(req.f[PF_HELLO_TOKEN].u.s.p, "abc.def.ghi");
	assert_int_equal(req.f[PF_HELLO_TOKEN].u.s.len, 11);
	assert_false(req.f[PF_HELLO_RESUME].present);
	assert_non_null(req.arena);
	proto_request_free(&req);
}

static void test_hello_members_in_any_order(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"data\":{\"token\":\"t\"},\"op\":\"hello\",\"id\":\"x\"}", 0, &req);
	assert_int_equal(req.op, PROTO_OP_HELLO);
	assert_string_equal(req.id, "x");
	proto_request_free(&req);
}

static void test_hello_with_resume(void **state)
{
	struct proto_request req;
	const struct proto_value *r;

	(void)state;
	expect_ok("{\"id\":\"h\",\"op\":\"hello\",\"data\":{\"token\":\"t\","
		  "\"resume\":{\"thread:42\":17,\"course:7\":0,\"room:123456789012345678\":9007199254740991}}}",
		  0, &req);
	r = &req.f[PF_HELLO_RESUME];
	assert_true(r->present);
	assert_int_equal(r->u.resume.n, 3);
	assert_string_equal(r->u.resume.items[0].room, "thread:42");
	assert_int_equal(r->u.resume.items[0].since, 17);
	assert_string_equal(r->u.resume.items[1].room, "course:7");
	assert_int_equal(r->u.resume.items[1].since, 0);
	assert_string_equal(r->u.resume.items[2].room, "room:123456789012345678");
	assert_int_equal(r->u.resume.items[2].since, 9007199254740991LL);
	proto_request_free(&req);
}

static void test_hello_empty_resume(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"h\",\"op\":\"hello\",\"data\":{\"token\":\"t\",\"resume\":{}}}", 0, &req);
	assert_true(req.f[PF_HELLO_RESUME].present);
	assert_int_equal(req.f[PF_HELLO_RESUME].u.resume.n, 0);
	proto_request_free(&req);
}

static void test_hello_null_resume_is_absent(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"h\",\"op\":\"hello\",\"data\":{\"token\":\"t\",\"resume\":null}}", 0, &req);
	assert_false(req.f[PF_HELLO_RESUME].present);
	proto_request_free(&req);
}

static void test_resume_max_rooms_ok(void **state)
{
	char *s = hello_with_rooms(PROTO_MAX_RESUME_ROOMS);
	struct proto_request req;

	(void)state;
	expect_ok(s, 0, &req);
	assert_int_equal(req.f[PF_HELLO_RESUME].u.resume.n, PROTO_MAX_RESUME_ROOMS);
	assert_string_equal(req.f[PF_HELLO_RESUME].u.resume.items[PROTO_MAX_RESUME_ROOMS - 1].room,
			    "thread:" STR(PROTO_MAX_RESUME_ROOMS));
	assert_int_equal(req.f[PF_HELLO_RESUME].u.resume.items[PROTO_MAX_RESUME_ROOMS - 1].since,
			 PROTO_MAX_RESUME_ROOMS * 10);
	proto_request_free(&req);
	free(s);
}

static void test_strings_outlive_input(void **state)
{
	static const char json[] = "{\"id\":\"own\",\"op\":\"hello\",\"data\":{\"token\":\"tok\","
				   "\"resume\":{\"thread:1\":5}}}";
	char *copy = strdup(json);
	struct proto_request req;
	struct proto_error err;

	(void)state;
	assert_int_equal(proto_decode_request(copy, strlen(copy), 0, &req, &err), PROTO_ERR_NONE);
	memset(copy, 'X', strlen(copy));
	free(copy);                     /* ASan catches any pointer into the input */
	assert_string_equal(req.id, "own");
	assert_string_equal(req.f[PF_HELLO_TOKEN].u.s.p, "tok");
	assert_string_equal(req.f[PF_HELLO_RESUME].u.resume.items[0].room, "thread:1");
	proto_request_free(&req);
}

static void test_input_need_not_be_terminated(void **state)
{
	static const char json[] = "{\"id\":\"1\",\"op\":\"ping\"}";
	char *copy = malloc(sizeof(json) - 1);   /* exactly the bytes, no NUL */
	struct proto_request req;
	struct proto_error err;

	(void)state;
	memcpy(copy, json, sizeof(json) - 1);
	assert_int_equal(proto_decode_request(copy, sizeof(json) - 1, 0, &req, &err), PROTO_ERR_NONE);
	assert_int_equal(req.op, PROTO_OP_PING);
	proto_request_free(&req);
	free(copy);
}

static void test_token_escapes_decoded(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"a\\u00f1b\\ud83d\\ude00\\n\"}}", 0, &req);
	assert_string_equal(req.f[PF_HELLO_TOKEN].u.s.p, "a\xc3\xb1" "b\xf0\x9f\x98\x80\n");
	assert_int_equal(req.f[PF_HELLO_TOKEN].u.s.len, 9);
	proto_request_free(&req);
}

static void test_token_unicode_raw(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"\xc3\xa7\xc3\xa3o\"}}", 0, &req);
	assert_string_equal(req.f[PF_HELLO_TOKEN].u.s.p, "\xc3\xa7\xc3\xa3o");
	assert_int_equal(req.f[PF_HELLO_TOKEN].u.s.len, 5);
	proto_request_free(&req);
}

static void test_empty_token_decodes(void **state)
{
	struct proto_request req;

	(void)state;
	/* Length rules only; token_verify refuses it later. */
	expect_ok("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"\"}}", 0, &req);
	assert_int_equal(req.f[PF_HELLO_TOKEN].u.s.len, 0);
	proto_request_free(&req);
}

static void test_auth_refresh(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"2\",\"op\":\"auth.refresh\",\"data\":{\"token\":\"new\"}}", 0, &req);
	assert_int_equal(req.op, PROTO_OP_AUTH_REFRESH);
	assert_string_equal(req.f[PF_AUTH_REFRESH_TOKEN].u.s.p, "new");
	proto_request_free(&req);
}

static void test_ping_without_data(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"3\",\"op\":\"ping\"}", 0, &req);
	assert_int_equal(req.op, PROTO_OP_PING);
	proto_request_free(&req);
}

static void test_ping_with_empty_data(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"3\",\"op\":\"ping\",\"data\":{}}", 0, &req);
	assert_int_equal(req.op, PROTO_OP_PING);
	proto_request_free(&req);
}

static void test_whitespace_around(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok(" \t\r\n{ \"id\" : \"3\" , \"op\" : \"ping\" }\n ", 0, &req);
	assert_int_equal(req.op, PROTO_OP_PING);
	proto_request_free(&req);
}

static void test_test_clock_allowed(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":1700000000,\"advance\":-60}}", 1, &req);
	assert_int_equal(req.op, PROTO_OP_TEST_CLOCK);
	assert_true(req.f[PF_TEST_CLOCK_SET].present);
	assert_int_equal(req.f[PF_TEST_CLOCK_SET].u.i, 1700000000);
	assert_true(req.f[PF_TEST_CLOCK_ADVANCE].present);
	assert_int_equal(req.f[PF_TEST_CLOCK_ADVANCE].u.i, -60);
	proto_request_free(&req);
}

static void test_test_clock_no_fields(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{}}", 1, &req);
	assert_false(req.f[PF_TEST_CLOCK_SET].present);
	assert_false(req.f[PF_TEST_CLOCK_ADVANCE].present);
	proto_request_free(&req);
}

static void test_int_bounds_inclusive(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":0,\"advance\":315360000}}", 1, &req);
	assert_int_equal(req.f[PF_TEST_CLOCK_SET].u.i, 0);
	assert_int_equal(req.f[PF_TEST_CLOCK_ADVANCE].u.i, 315360000);
	proto_request_free(&req);
	expect_ok("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":9007199254740991,\"advance\":-315360000}}",
		  1, &req);
	assert_int_equal(req.f[PF_TEST_CLOCK_SET].u.i, 9007199254740991LL);
	assert_int_equal(req.f[PF_TEST_CLOCK_ADVANCE].u.i, -315360000);
	proto_request_free(&req);
}

static void test_int_exponent_and_fraction_forms(void **state)
{
	struct proto_request req;

	(void)state;
	/* Integral values written as 1e3 or 5.0 are integers. */
	expect_ok("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":1e3,\"advance\":5.0}}", 1, &req);
	assert_int_equal(req.f[PF_TEST_CLOCK_SET].u.i, 1000);
	assert_int_equal(req.f[PF_TEST_CLOCK_ADVANCE].u.i, 5);
	proto_request_free(&req);
}

static void test_id_64_chars_ok(void **state)
{
	char *id = repeat('i', PROTO_MAX_ID_CHARS);
	char *s = fmt("{\"id\":\"%s\",\"op\":\"ping\"}", id);
	struct proto_request req;

	(void)state;
	expect_ok(s, 0, &req);
	assert_string_equal(req.id, id);
	proto_request_free(&req);
	free(id);
	free(s);
}

static void test_id_printable_ascii(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"!~#{}[]:,\\\"\",\"op\":\"ping\"}", 0, &req);
	assert_string_equal(req.id, "!~#{}[]:,\"");
	proto_request_free(&req);
}

static void test_token_at_limit_ok(void **state)
{
	char *tok = repeat('t', PROTO_MAX_TOKEN_BYTES);
	char *s = fmt("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"%s\"}}", tok);
	struct proto_request req;

	(void)state;
	expect_ok(s, 0, &req);
	assert_int_equal(req.f[PF_HELLO_TOKEN].u.s.len, PROTO_MAX_TOKEN_BYTES);
	assert_string_equal(req.f[PF_HELLO_TOKEN].u.s.p, tok);
	proto_request_free(&req);
	free(tok);
	free(s);
}

static void test_token_limit_counts_bytes(void **state)
{
	/* 2048 two-byte characters are 4096 bytes: ok; one more byte is not. */
	size_t n = PROTO_MAX_TOKEN_BYTES / 2;
	char *tok = malloc(n * 2 + 2);
	char *s;
	struct proto_request req;

	(void)state;
	for (size_t i = 0; i < n; i++)
		memcpy(tok + 2 * i, "\xc3\xb1", 2);
	tok[2 * n] = '\0';
	s = fmt("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"%s\"}}", tok);
	expect_ok(s, 0, &req);
	assert_int_equal(req.f[PF_HELLO_TOKEN].u.s.len, PROTO_MAX_TOKEN_BYTES);
	proto_request_free(&req);
	free(s);
	tok[2 * n] = 'x';
	tok[2 * n + 1] = '\0';
	s = fmt("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"%s\"}}", tok);
	expect_fail(s, 0, PROTO_ERR_TOO_LONG, "token");
	free(s);
	free(tok);
}

/* ======================================================================== */
/* proto_decode_request: envelope errors                                    */
/* ======================================================================== */

static void test_bad_json(void **state)
{
	(void)state;
	expect_fail("", 0, PROTO_ERR_BAD_JSON, "");
	expect_fail("{", 0, PROTO_ERR_BAD_JSON, "");
	expect_fail("{\"id\":\"1\",}", 0, PROTO_ERR_BAD_JSON, "");
	expect_fail("{'id':'1'}", 0, PROTO_ERR_BAD_JSON, "");
	expect_fail("{\"id\":\"1\",\"op\":\"ping\"", 0, PROTO_ERR_BAD_JSON, "");
	expect_fail("{\"id\":\"1\" \"op\":\"ping\"}", 0, PROTO_ERR_BAD_JSON, "");
}

static enum proto_err prescan_str(const char *s)
{
	return proto_prescan(s, strlen(s), PROTO_MAX_DEPTH);
}

/* An escaped surrogate that is not a high one followed at once by an escaped
 * low one stands for no character: bad_utf8 as PROTOCOL.md says (cJSON alone
 * makes it bad_json). A proper pair, escaped or raw, is text. */
static void test_lone_surrogates_are_bad_utf8(void **state)
{
	static const char *const lone[] = {
		"\"\\ud800\"", "\"\\udc00\"", "\"\\uDBFF\"", "\"\\uDFFF\"",
		"\"\\ud800\\u0041\"", "\"\\ud800\\ud800\"", "\"\\ud800x\"", "\"\\ud800\\n\"",
		"\"\\udc00\\ud800\"", "\"\\ud800\\udc0\"", "\"a\\ud800",
	};
	char buf[160];

	(void)state;
	for (size_t i = 0; i < sizeof(lone) / sizeof(lone[0]); i++) {
		snprintf(buf, sizeof(buf), "{\"k\":%s}", lone[i]);
		assert_int_equal(proto_prescan(buf, strlen(buf), PROTO_MAX_DEPTH), PROTO_ERR_BAD_UTF8);
	}
	assert_int_equal(prescan_str("{\"k\":\"\\ud83d\\ude00\"}"), PROTO_ERR_NONE);
	assert_int_equal(prescan_str("{\"k\":\"\\uD83D\\uDE00\\u00e9\"}"), PROTO_ERR_NONE);
	/* In a key too, and an escaped backslash before "ud800" is no escape. */
	assert_int_equal(prescan_str("{\"\\ud800\":1}"), PROTO_ERR_BAD_UTF8);
	assert_int_equal(prescan_str("{\"k\":\"\\\\ud800\"}"), PROTO_ERR_NONE);
	/* A NUL behind a high surrogate is still a NUL. */
	assert_int_equal(prescan_str("{\"k\":\"\\ud800\\u0000\"}"), PROTO_ERR_NUL_IN_TEXT);

	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"\\ud800\"}}", 0, PROTO_ERR_BAD_UTF8, "");
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"\\udc00\"}}", 0, PROTO_ERR_BAD_UTF8, "");
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"\\ud800\\u0041\"}}", 0, PROTO_ERR_BAD_UTF8, "");
}

/* A \u escape without 4 hex digits is bad JSON; cJSON alone reads it as a
 * NUL and silently cuts the string there ("x\uzzzzy" became "x"). */
static void test_bad_u_escape_is_bad_json(void **state)
{
	(void)state;
	assert_int_equal(prescan_str("{\"k\":\"x\\uzzzzy\"}"), PROTO_ERR_BAD_JSON);
	assert_int_equal(prescan_str("{\"k\":\"\\u12\"}"), PROTO_ERR_BAD_JSON);
	assert_int_equal(prescan_str("{\"k\":\"\\u12G4\"}"), PROTO_ERR_BAD_JSON);
	assert_int_equal(prescan_str("{\"k\":\"\\u00e9\\u00C9\"}"), PROTO_ERR_NONE);
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"\\ud8zz\"}}", 0, PROTO_ERR_BAD_JSON, "");
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"abc\\uzzzzdef\"}}", 0, PROTO_ERR_BAD_JSON, "");
}

static void test_trailing_garbage_is_bad_json(void **state)
{
	(void)state;
	/* A frame holds one JSON value; anything after it makes it not JSON. */
	expect_fail("{\"id\":\"1\",\"op\":\"ping\"}xyz", 0, PROTO_ERR_BAD_JSON, "");
	expect_fail("{\"id\":\"1\",\"op\":\"ping\"}{\"id\":\"2\",\"op\":\"ping\"}", 0, PROTO_ERR_BAD_JSON, "");
	expect_fail("{\"id\":\"1\",\"op\":\"ping\"}]", 0, PROTO_ERR_BAD_JSON, "");
}

static void test_not_an_object(void **state)
{
	(void)state;
	expect_fail("[]", 0, PROTO_ERR_BAD_REQUEST, "");
	expect_fail("[{\"id\":\"1\",\"op\":\"ping\"}]", 0, PROTO_ERR_BAD_REQUEST, "");
	expect_fail("\"ping\"", 0, PROTO_ERR_BAD_REQUEST, "");
	expect_fail("42", 0, PROTO_ERR_BAD_REQUEST, "");
	expect_fail("null", 0, PROTO_ERR_BAD_REQUEST, "");
	expect_fail("true", 0, PROTO_ERR_BAD_REQUEST, "");
}

static void test_missing_id(void **state)
{
	(void)state;
	expect_fail("{}", 0, PROTO_ERR_BAD_REQUEST, "id");
	expect_fail("{\"op\":\"ping\"}", 0, PROTO_ERR_BAD_REQUEST, "id");
}

static void test_id_wrong_type(void **state)
{
	(void)state;
	expect_fail("{\"id\":1,\"op\":\"ping\"}", 0, PROTO_ERR_BAD_REQUEST, "id");
	expect_fail("{\"id\":null,\"op\":\"ping\"}", 0, PROTO_ERR_BAD_REQUEST, "id");
	expect_fail("{\"id\":[\"1\"],\"op\":\"ping\"}", 0, PROTO_ERR_BAD_REQUEST, "id");
}

static void test_id_empty(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"\",\"op\":\"ping\"}", 0, PROTO_ERR_BAD_REQUEST, "id");
}

static void test_id_65_chars(void **state)
{
	char *id = repeat('i', PROTO_MAX_ID_CHARS + 1);
	char *s = fmt("{\"id\":\"%s\",\"op\":\"ping\"}", id);

	(void)state;
	expect_fail(s, 0, PROTO_ERR_BAD_REQUEST, "id");
	free(id);
	free(s);
}

static void test_id_bad_chars(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"a b\",\"op\":\"ping\"}", 0, PROTO_ERR_BAD_REQUEST, "id");
	expect_fail("{\"id\":\"a\\tb\",\"op\":\"ping\"}", 0, PROTO_ERR_BAD_REQUEST, "id");
	expect_fail("{\"id\":\"a\\u007fb\",\"op\":\"ping\"}", 0, PROTO_ERR_BAD_REQUEST, "id");
	expect_fail("{\"id\":\"\xc3\xb1\",\"op\":\"ping\"}", 0, PROTO_ERR_BAD_REQUEST, "id");
}

static void test_extra_member(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"1\",\"op\":\"ping\",\"extra\":1}", 0, PROTO_ERR_BAD_REQUEST, "extra");
	expect_fail("{\"id\":\"1\",\"op\":\"ping\",\"Op\":\"ping\"}", 0, PROTO_ERR_BAD_REQUEST, "Op");
}

static void test_missing_op(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"1\"}", 0, PROTO_ERR_BAD_REQUEST, "op");
	expect_fail("{\"id\":\"1\",\"data\":{}}", 0, PROTO_ERR_BAD_REQUEST, "op");
}

static void test_op_not_a_string(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"1\",\"op\":1}", 0, PROTO_ERR_BAD_REQUEST, "op");
	expect_fail("{\"id\":\"1\",\"op\":null}", 0, PROTO_ERR_BAD_REQUEST, "op");
	expect_fail("{\"id\":\"1\",\"op\":[\"ping\"]}", 0, PROTO_ERR_BAD_REQUEST, "op");
	expect_fail("{\"id\":\"1\",\"op\":{}}", 0, PROTO_ERR_BAD_REQUEST, "op");
}

static void test_unknown_op(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"1\",\"op\":\"pong\"}", 0, PROTO_ERR_UNKNOWN_OP, "op");
	expect_fail("{\"id\":\"1\",\"op\":\"\"}", 0, PROTO_ERR_UNKNOWN_OP, "op");
	expect_fail("{\"id\":\"1\",\"op\":\"PING\"}", 0, PROTO_ERR_UNKNOWN_OP, "op");
	expect_fail("{\"id\":\"1\",\"op\":\"ping \"}", 0, PROTO_ERR_UNKNOWN_OP, "op");
	expect_fail("{\"id\":\"1\",\"op\":\"hell\"}", 0, PROTO_ERR_UNKNOWN_OP, "op");
}

static void test_unknown_op_leaves_op_none(void **state)
{
	struct proto_request req;
	struct proto_error err;

	(void)state;
	assert_int_equal(decode("{\"id\":\"1\",\"op\":\"pong\"}", 1, &req, &err), PROTO_ERR_UNKNOWN_OP);
	assert_int_equal(req.op, PROTO_OP_NONE);
	proto_request_free(&req);
}

static void test_op_too_long(void **state)
{
	char *op = repeat('p', PROTO_MAX_OP_CHARS + 1);
	char *s = fmt("{\"id\":\"1\",\"op\":\"%s\"}", op);
	char *big = repeat('p', 5000);
	char *s2 = fmt("{\"id\":\"1\",\"op\":\"%s\"}", big);

	(void)state;
	expect_fail(s, 0, PROTO_ERR_UNKNOWN_OP, "op");
	expect_fail(s2, 0, PROTO_ERR_UNKNOWN_OP, "op");
	free(op);
	free(s);
	free(big);
	free(s2);
}

static void test_test_op_refused_in_production(void **state)
{
	struct proto_request req;
	struct proto_error err;

	(void)state;
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":1}}", 0, PROTO_ERR_UNKNOWN_OP, "op");
	assert_int_equal(decode("{\"id\":\"c\",\"op\":\"test.clock\"}", 0, &req, &err), PROTO_ERR_UNKNOWN_OP);
	assert_int_equal(req.op, PROTO_OP_NONE);
	assert_true(req.has_id);
	proto_request_free(&req);
}

static void test_data_not_an_object(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"1\",\"op\":\"ping\",\"data\":[]}", 0, PROTO_ERR_BAD_REQUEST, "data");
	expect_fail("{\"id\":\"1\",\"op\":\"ping\",\"data\":\"x\"}", 0, PROTO_ERR_BAD_REQUEST, "data");
	expect_fail("{\"id\":\"1\",\"op\":\"ping\",\"data\":1}", 0, PROTO_ERR_BAD_REQUEST, "data");
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":[{\"token\":\"t\"}]}", 0, PROTO_ERR_BAD_REQUEST, "data");
}

static void test_too_deep_request(void **state)
{
	char *deep = nested_arrays(31);           /* inside data's object: 1 + 1 + 31 = 33 */
	char *s = fmt("{\"id\":\"1\",\"op\":\"ping\",\"data\":{\"x\":%s}}", deep);
	struct proto_request req;
	struct proto_error err;

	(void)state;
	assert_int_equal(decode(s, 0, &req, &err), PROTO_ERR_TOO_DEEP);
	assert_int_equal(err.limit, PROTO_MAX_DEPTH);
	assert_false(req.has_id);                 /* refused before parsing */
	proto_request_free(&req);
	free(deep);
	free(s);
}

static void test_very_deep_request(void **state)
{
	char *deep = nested_arrays(100000);

	(void)state;
	expect_fail(deep, 0, PROTO_ERR_TOO_DEEP, "");
	free(deep);
}

static void test_nul_in_request(void **state)
{
	static const char raw[] = "{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"a\0b\"}}";
	struct proto_request req;
	struct proto_error err;

	(void)state;
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"a\\u0000b\"}}", 0,
		    PROTO_ERR_NUL_IN_TEXT, "");
	assert_int_equal(proto_decode_request(raw, sizeof(raw) - 1, 0, &req, &err), PROTO_ERR_NUL_IN_TEXT);
	proto_request_free(&req);
}

static void test_escaped_backslash_u0000_decodes(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"\\\\u0000\"}}", 0, &req);
	assert_string_equal(req.f[PF_HELLO_TOKEN].u.s.p, "\\u0000");
	assert_int_equal(req.f[PF_HELLO_TOKEN].u.s.len, 6);
	proto_request_free(&req);
}

static void test_bad_utf8_in_request(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"\xc0\x80\"}}", 0, PROTO_ERR_BAD_UTF8, "");
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"\xed\xa0\x80\"}}", 0, PROTO_ERR_BAD_UTF8, "");
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"\xff\"}}", 0, PROTO_ERR_BAD_UTF8, "");
}

/* ======================================================================== */
/* proto_decode_request: field errors                                       */
/* ======================================================================== */

static void test_required_missing(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"1\",\"op\":\"hello\"}", 0, PROTO_ERR_BAD_FIELD, "token");
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{}}", 0, PROTO_ERR_BAD_FIELD, "token");
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":null}}", 0, PROTO_ERR_BAD_FIELD, "token");
	expect_fail("{\"id\":\"1\",\"op\":\"auth.refresh\",\"data\":{}}", 0, PROTO_ERR_BAD_FIELD, "token");
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"resume\":{}}}", 0, PROTO_ERR_BAD_FIELD, "token");
}

static void test_string_wrong_type(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":1}}", 0, PROTO_ERR_BAD_FIELD, "token");
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":true}}", 0, PROTO_ERR_BAD_FIELD, "token");
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":[\"t\"]}}", 0, PROTO_ERR_BAD_FIELD, "token");
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":{}}}", 0, PROTO_ERR_BAD_FIELD, "token");
}

static void test_int_wrong_type(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":\"1\"}}", 1, PROTO_ERR_BAD_FIELD, "set");
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":true}}", 1, PROTO_ERR_BAD_FIELD, "set");
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":[1]}}", 1, PROTO_ERR_BAD_FIELD, "set");
}

static void test_int_not_integral(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":1.5}}", 1, PROTO_ERR_BAD_FIELD, "set");
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"advance\":0.001}}", 1, PROTO_ERR_BAD_FIELD, "advance");
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":1e-3}}", 1, PROTO_ERR_BAD_FIELD, "set");
}

static void test_int_out_of_range(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":-1}}", 1, PROTO_ERR_BAD_FIELD, "set");
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":9007199254740992}}", 1, PROTO_ERR_BAD_FIELD, "set");
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":1e300}}", 1, PROTO_ERR_BAD_FIELD, "set");
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"set\":1e400}}", 1, PROTO_ERR_BAD_FIELD, "set");
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"advance\":315360001}}", 1, PROTO_ERR_BAD_FIELD, "advance");
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"advance\":-315360001}}", 1, PROTO_ERR_BAD_FIELD, "advance");
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"advance\":-1e300}}", 1, PROTO_ERR_BAD_FIELD, "advance");
}

static void test_token_limit_plus_one(void **state)
{
	char *tok = repeat('t', PROTO_MAX_TOKEN_BYTES + 1);
	char *s = fmt("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"%s\"}}", tok);
	struct proto_request req;
	struct proto_error err;

	(void)state;
	assert_int_equal(decode(s, 0, &req, &err), PROTO_ERR_TOO_LONG);
	assert_string_equal(err.field, "token");
	assert_int_equal(err.limit, PROTO_MAX_TOKEN_BYTES);
	proto_request_free(&req);
	expect_fail(s, 0, PROTO_ERR_TOO_LONG, "token");
	free(tok);
	free(s);
}

static void test_unknown_data_member(void **state)
{
	(void)state;
	expect_fail("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"t\",\"tokn\":\"t\"}}", 0,
		    PROTO_ERR_BAD_FIELD, "tokn");
	expect_fail("{\"id\":\"1\",\"op\":\"ping\",\"data\":{\"x\":1}}", 0, PROTO_ERR_BAD_FIELD, "x");
	expect_fail("{\"id\":\"1\",\"op\":\"auth.refresh\",\"data\":{\"token\":\"t\",\"resume\":{}}}", 0,
		    PROTO_ERR_BAD_FIELD, "resume");
	expect_fail("{\"id\":\"c\",\"op\":\"test.clock\",\"data\":{\"Set\":1}}", 1, PROTO_ERR_BAD_FIELD, "Set");
}

/* ======================================================================== */
/* resume                                                                   */
/* ======================================================================== */

static void expect_bad_resume(const char *map)
{
	char *s = fmt("{\"id\":\"r\",\"op\":\"hello\",\"data\":{\"token\":\"t\",\"resume\":%s}}", map);

	expect_fail(s, 0, PROTO_ERR_BAD_FIELD, "resume");
	free(s);
}

static void test_resume_bad_room_names(void **state)
{
	(void)state;
	expect_bad_resume("{\"Thread:1\":1}");
	expect_bad_resume("{\"thread:\":1}");
	expect_bad_resume("{\"thread:x\":1}");
	expect_bad_resume("{\":1\":1}");
	expect_bad_resume("{\"thread\":1}");
	expect_bad_resume("{\"thread:1a\":1}");
	expect_bad_resume("{\"thread:-1\":1}");
	expect_bad_resume("{\"thread:+1\":1}");
	expect_bad_resume("{\"thread: 1\":1}");
	expect_bad_resume("{\"thread:1:2\":1}");
	expect_bad_resume("{\"thr_ead:1\":1}");
	expect_bad_resume("{\"thread1:1\":1}");
	expect_bad_resume("{\"\":1}");
	expect_bad_resume("{\"abcdefghijklmnopq:1\":1}");    /* kind of 17 letters */
	expect_bad_resume("{\"thread:1234567890123456789\":1}");  /* 19 digits */
	expect_bad_resume("{\"thread:1\":1,\"bad\":2}");     /* one bad room spoils the map */
}

static void test_resume_room_limits_ok(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"r\",\"op\":\"hello\",\"data\":{\"token\":\"t\","
		  "\"resume\":{\"abcdefghijklmnop:123456789012345678\":1,\"a:0\":2}}}", 0, &req);
	assert_int_equal(req.f[PF_HELLO_RESUME].u.resume.n, 2);
	assert_string_equal(req.f[PF_HELLO_RESUME].u.resume.items[0].room, "abcdefghijklmnop:123456789012345678");
	proto_request_free(&req);
}

static void test_resume_bad_seqs(void **state)
{
	(void)state;
	expect_bad_resume("{\"thread:1\":-1}");
	expect_bad_resume("{\"thread:1\":1.5}");
	expect_bad_resume("{\"thread:1\":\"3\"}");
	expect_bad_resume("{\"thread:1\":true}");
	expect_bad_resume("{\"thread:1\":null}");
	expect_bad_resume("{\"thread:1\":[1]}");
	expect_bad_resume("{\"thread:1\":{}}");
	expect_bad_resume("{\"thread:1\":9007199254740992}");
	expect_bad_resume("{\"thread:1\":1e400}");
}

static void test_resume_not_an_object(void **state)
{
	(void)state;
	expect_bad_resume("[]");
	expect_bad_resume("[[\"thread:1\",1]]");
	expect_bad_resume("\"thread:1\"");
	expect_bad_resume("1");
	expect_bad_resume("true");
}

static void test_resume_257_rooms_too_long(void **state)
{
	char *s = hello_with_rooms(PROTO_MAX_RESUME_ROOMS + 1);
	struct proto_request req;
	struct proto_error err;

	(void)state;
	assert_int_equal(decode(s, 0, &req, &err), PROTO_ERR_TOO_LONG);
	assert_string_equal(err.field, "resume");
	assert_int_equal(err.limit, PROTO_MAX_RESUME_ROOMS);
	proto_request_free(&req);
	expect_fail(s, 0, PROTO_ERR_TOO_LONG, "resume");
	free(s);
}

static void test_resume_many_rooms_small_input(void **state)
{
	/* The most, shortest rooms: the arena must hold them whatever the input size. */
	char buf[8192], last[16];
	size_t off = (size_t)snprintf(buf, sizeof(buf), "{\"id\":\"r\",\"op\":\"hello\",\"data\":{\"token\":\"\",\"resume\":{");
	struct proto_request req;

	(void)state;
	for (int i = 0; i < PROTO_MAX_RESUME_ROOMS; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s\"%c:%d\":0", i ? "," : "",
					'a' + i % 26, i / 26);
	snprintf(buf + off, sizeof(buf) - off, "}}}");
	expect_ok(buf, 0, &req);
	assert_int_equal(req.f[PF_HELLO_RESUME].u.resume.n, PROTO_MAX_RESUME_ROOMS);
	snprintf(last, sizeof(last), "%c:%d", 'a' + (PROTO_MAX_RESUME_ROOMS - 1) % 26, (PROTO_MAX_RESUME_ROOMS - 1) / 26);
	assert_string_equal(req.f[PF_HELLO_RESUME].u.resume.items[PROTO_MAX_RESUME_ROOMS - 1].room, last);
	proto_request_free(&req);
}

/* ======================================================================== */
/* id salvage, error text, ownership                                        */
/* ======================================================================== */

static void expect_salvaged(const char *json, int allow, enum proto_err code, const char *id)
{
	struct proto_request req;
	struct proto_error err;

	assert_int_equal(decode(json, allow, &req, &err), code);
	if (id) {
		assert_true(req.has_id);
		assert_string_equal(req.id, id);
	} else {
		assert_false(req.has_id);
		assert_string_equal(req.id, "");
	}
	proto_request_free(&req);
}

static void test_id_salvaged_after_envelope_error(void **state)
{
	(void)state;
	expect_salvaged("{\"id\":\"abc\",\"op\":\"ping\",\"x\":1}", 0, PROTO_ERR_BAD_REQUEST, "abc");
	expect_salvaged("{\"id\":\"abc\"}", 0, PROTO_ERR_BAD_REQUEST, "abc");
	expect_salvaged("{\"op\":7,\"id\":\"abc\"}", 0, PROTO_ERR_BAD_REQUEST, "abc");
	expect_salvaged("{\"id\":\"abc\",\"op\":\"nope\"}", 0, PROTO_ERR_UNKNOWN_OP, "abc");
	expect_salvaged("{\"id\":\"abc\",\"op\":\"test.clock\"}", 0, PROTO_ERR_UNKNOWN_OP, "abc");
	expect_salvaged("{\"id\":\"abc\",\"op\":\"ping\",\"data\":[]}", 0, PROTO_ERR_BAD_REQUEST, "abc");
}

static void test_id_salvaged_after_field_error(void **state)
{
	(void)state;
	expect_salvaged("{\"id\":\"f1\",\"op\":\"hello\",\"data\":{}}", 0, PROTO_ERR_BAD_FIELD, "f1");
	expect_salvaged("{\"id\":\"f2\",\"op\":\"hello\",\"data\":{\"token\":\"t\",\"resume\":{\"x\":1}}}", 0,
			PROTO_ERR_BAD_FIELD, "f2");
	expect_salvaged("{\"id\":\"f3\",\"op\":\"test.clock\",\"data\":{\"set\":-5}}", 1, PROTO_ERR_BAD_FIELD, "f3");
}

static void test_no_id_when_unreadable(void **state)
{
	(void)state;
	expect_salvaged("{\"id\":\"abc\"", 0, PROTO_ERR_BAD_JSON, NULL);
	expect_salvaged("{\"id\":\"a b\",\"op\":\"ping\"}", 0, PROTO_ERR_BAD_REQUEST, NULL);
	expect_salvaged("[\"abc\"]", 0, PROTO_ERR_BAD_REQUEST, NULL);
	expect_salvaged("{\"id\":\"abc\",\"op\":\"hello\",\"data\":{\"token\":\"\\u0000\"}}", 0,
			PROTO_ERR_NUL_IN_TEXT, NULL);
}

static void test_failure_keeps_no_fields(void **state)
{
	struct proto_request req;
	struct proto_error err;

	(void)state;
	/* token decodes before resume fails: nothing may survive the failure. */
	assert_int_equal(decode("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"tok\",\"resume\":{\"x\":1}}}",
				0, &req, &err), PROTO_ERR_BAD_FIELD);
	assert_false(req.f[PF_HELLO_TOKEN].present);
	assert_null(req.f[PF_HELLO_TOKEN].u.s.p);
	assert_null(req.arena);
	proto_request_free(&req);
}

static void test_error_field_is_valid_utf8(void **state)
{
	/* A member name of 24 two-byte characters: err->field and err->message
	 * are copied into the reply, which must stay valid UTF-8 when cut. */
	char name[64] = "";
	char s1[128], s2[128];
	struct proto_request req;
	struct proto_error err;

	(void)state;
	for (int i = 0; i < 24; i++)
		strcat(name, "\xc3\xa9");
	snprintf(s1, sizeof(s1), "{\"id\":\"1\",\"op\":\"ping\",\"%s\":1}", name);
	snprintf(s2, sizeof(s2), "{\"id\":\"1\",\"op\":\"ping\",\"data\":{\"a%s\":1}}", name);

	assert_int_equal(decode(s1, 0, &req, &err), PROTO_ERR_BAD_REQUEST);
	assert_true(text_utf8_valid(err.field, strlen(err.field)));
	assert_true(text_utf8_valid(err.message, strlen(err.message)));
	proto_request_free(&req);

	assert_int_equal(decode(s2, 0, &req, &err), PROTO_ERR_BAD_FIELD);
	assert_true(text_utf8_valid(err.field, strlen(err.field)));
	assert_true(text_utf8_valid(err.message, strlen(err.message)));
	proto_request_free(&req);
}

static void test_error_clears_previous(void **state)
{
	struct proto_request req;
	struct proto_error err;

	(void)state;
	assert_int_equal(decode("{\"id\":\"1\",\"op\":\"ping\",\"x\":1}", 0, &req, &err), PROTO_ERR_BAD_REQUEST);
	proto_request_free(&req);
	assert_int_equal(decode("{\"id\":\"2\",\"op\":\"ping\"}", 0, &req, &err), PROTO_ERR_NONE);
	assert_int_equal(err.code, PROTO_ERR_NONE);
	assert_string_equal(err.field, "");
	proto_request_free(&req);
}

static void test_free_twice(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok("{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"t\",\"resume\":{\"thread:1\":1}}}", 0, &req);
	proto_request_free(&req);
	assert_null(req.arena);
	assert_false(req.f[PF_HELLO_TOKEN].present);
	proto_request_free(&req);
}

static void test_free_after_failure_and_zeroed(void **state)
{
	struct proto_request req;
	struct proto_request zero;
	struct proto_error err;

	(void)state;
	assert_int_equal(decode("nope", 0, &req, &err), PROTO_ERR_BAD_JSON);
	proto_request_free(&req);
	proto_request_free(&req);
	memset(&zero, 0, sizeof(zero));
	proto_request_free(&zero);
}

static void test_reuse_request_struct(void **state)
{
	struct proto_request req;
	struct proto_error err;

	(void)state;
	for (int i = 0; i < 50; i++) {
		enum proto_err rc = decode(i % 2 ? "{\"id\":\"1\",\"op\":\"hello\",\"data\":{\"token\":\"t\"}}"
						 : "{\"id\":\"1\",\"op\":\"hello\",\"data\":{}}",
					   0, &req, &err);

		assert_int_equal(rc, i % 2 ? PROTO_ERR_NONE : PROTO_ERR_BAD_FIELD);
		proto_request_free(&req);
	}
}

/* ---- small helpers exported by decode.h ---------------------------------- */

static void test_op_lookup(void **state)
{
	(void)state;
	assert_int_equal(proto_op_lookup("hello"), PROTO_OP_HELLO);
	assert_int_equal(proto_op_lookup("auth.refresh"), PROTO_OP_AUTH_REFRESH);
	assert_int_equal(proto_op_lookup("ping"), PROTO_OP_PING);
	assert_int_equal(proto_op_lookup("test.clock"), PROTO_OP_TEST_CLOCK);
	assert_int_equal(proto_op_lookup(""), PROTO_OP_NONE);
	assert_int_equal(proto_op_lookup("Hello"), PROTO_OP_NONE);
	assert_int_equal(proto_op_lookup("auth"), PROTO_OP_NONE);
}

static void test_room_valid(void **state)
{
	(void)state;
	assert_true(proto_room_valid("thread:1", 8));
	assert_true(proto_room_valid("a:0", 3));
	assert_false(proto_room_valid("thread:1", 7));     /* length is honoured */
	assert_false(proto_room_valid("thread:1", 6));
	assert_false(proto_room_valid("Thread:1", 8));
	assert_false(proto_room_valid("", 0));
	assert_false(proto_room_valid(":", 1));
}


/* ------------------------------------------------------------------------- */
/* list fields: ints and texts                                               */
/* ------------------------------------------------------------------------- */

#define ANSWER_HEAD "{\"id\":\"a\",\"op\":\"poll.answer\",\"data\":{\"poll\":1,\"key\":\"k123456789abcdef0\","
#define CREATE_HEAD "{\"id\":\"c\",\"op\":\"poll.create\",\"data\":{\"session\":1,\"kind\":\"single\"," \
		    "\"prompt\":\"p\",\"key\":\"k123456789abcdef0\","

/* A JSON array of n copies of item, comma separated. */
static char *json_array(const char *item, int n)
{
	size_t il = strlen(item), cap = (il + 1) * (size_t)n + 3, off = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	s[off++] = '[';
	for (int i = 0; i < n; i++) {
		if (i)
			s[off++] = ',';
		memcpy(s + off, item, il);
		off += il;
	}
	s[off++] = ']';
	s[off] = '\0';
	return s;
}

/* n copies of the UTF-8 sequence u, quoted. */
static char *quoted_repeat(const char *u, int n)
{
	size_t ul = strlen(u), off = 0;
	char *s = malloc(ul * (size_t)n + 3);

	assert_non_null(s);
	s[off++] = '"';
	for (int i = 0; i < n; i++, off += ul)
		memcpy(s + off, u, ul);
	s[off++] = '"';
	s[off] = '\0';
	return s;
}

static void test_ints_ok(void **state)
{
	struct proto_request req;
	const struct proto_value *v;

	(void)state;
	expect_ok(ANSWER_HEAD "\"choices\":[0,3,1000]}}", 0, &req);
	v = &req.f[PF_POLL_ANSWER_CHOICES];
	assert_true(v->present);
	assert_int_equal(v->u.ints.n, 3);
	assert_int_equal(v->u.ints.items[0], 0);
	assert_int_equal(v->u.ints.items[1], 3);
	assert_int_equal(v->u.ints.items[2], 1000);
	assert_false(req.f[PF_POLL_ANSWER_RATING].present);
	proto_request_free(&req);
}

static void test_ints_empty_and_null(void **state)
{
	struct proto_request req;

	(void)state;
	expect_ok(ANSWER_HEAD "\"choices\":[]}}", 0, &req);
	assert_true(req.f[PF_POLL_ANSWER_CHOICES].present);
	assert_int_equal(req.f[PF_POLL_ANSWER_CHOICES].u.ints.n, 0);
	assert_null(req.f[PF_POLL_ANSWER_CHOICES].u.ints.items);
	proto_request_free(&req);
	expect_ok(ANSWER_HEAD "\"choices\":null}}", 0, &req);
	assert_false(req.f[PF_POLL_ANSWER_CHOICES].present);
	proto_request_free(&req);
}

static void test_ints_item_count_edge(void **state)
{
	struct proto_request req;
	struct proto_error err;
	char *arr = json_array("7", PROTO_MAX_POLL_OPTIONS), *s = fmt(ANSWER_HEAD "\"choices\":%s}}", arr);

	(void)state;
	expect_ok(s, 0, &req);
	assert_int_equal(req.f[PF_POLL_ANSWER_CHOICES].u.ints.n, PROTO_MAX_POLL_OPTIONS);
	assert_int_equal(req.f[PF_POLL_ANSWER_CHOICES].u.ints.items[PROTO_MAX_POLL_OPTIONS - 1], 7);
	proto_request_free(&req);
	free(s);
	free(arr);

	arr = json_array("7", PROTO_MAX_POLL_OPTIONS + 1);
	s = fmt(ANSWER_HEAD "\"choices\":%s}}", arr);
	expect_fail(s, 0, PROTO_ERR_TOO_LONG, "choices");
	assert_int_equal(decode(s, 0, &req, &err), PROTO_ERR_TOO_LONG);
	assert_int_equal(err.limit, PROTO_MAX_POLL_OPTIONS);
	proto_request_free(&req);
	free(s);
	free(arr);
}

static void test_ints_bad_items(void **state)
{
	static const char *const bad[] = { "[-1]", "[1001]", "[1.5]", "[\"1\"]", "[true]", "[null]", "[[1]]",
					   "[{}]", "{}", "\"1\"", "1", "[1e300]" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = fmt(ANSWER_HEAD "\"choices\":%s}}", bad[i]);

		expect_fail(s, 0, PROTO_ERR_BAD_FIELD, "choices");
		free(s);
	}
}

static void test_texts_ok(void **state)
{
	struct proto_request req;
	const struct proto_value *v;

	(void)state;
	expect_ok(CREATE_HEAD "\"options\":[\"A\",\"\xc3\x91\x61nd\xc3\xba\",\"\"]}}", 0, &req);
	v = &req.f[PF_POLL_CREATE_OPTIONS];
	assert_true(v->present);
	assert_int_equal(v->u.texts.n, 3);
	assert_string_equal(v->u.texts.items[0].p, "A");
	assert_int_equal(v->u.texts.items[0].len, 1);
	assert_string_equal(v->u.texts.items[1].p, "\xc3\x91\x61nd\xc3\xba");
	assert_int_equal(v->u.texts.items[1].len, 7);
	assert_int_equal(v->u.texts.items[2].len, 0);
	proto_request_free(&req);
}

/* The largest list of the longest items (multi-byte: the limit counts
 * characters) decodes whole; one more character or item does not. */
static void test_texts_edges(void **state)
{
	struct proto_request req;
	struct proto_error err;
	char *item = quoted_repeat("\xe2\x82\xac", PROTO_MAX_OPTION_CHARS);   /* € x 120 */
	char *arr = json_array(item, PROTO_MAX_POLL_OPTIONS);
	char *s = fmt(CREATE_HEAD "\"options\":%s}}", arr);

	(void)state;
	expect_ok(s, 0, &req);
	assert_int_equal(req.f[PF_POLL_CREATE_OPTIONS].u.texts.n, PROTO_MAX_POLL_OPTIONS);
	assert_int_equal(req.f[PF_POLL_CREATE_OPTIONS].u.texts.items[PROTO_MAX_POLL_OPTIONS - 1].len,
			 3 * PROTO_MAX_OPTION_CHARS);
	proto_request_free(&req);
	free(s);
	free(arr);
	free(item);

	item = quoted_repeat("\xe2\x82\xac", PROTO_MAX_OPTION_CHARS + 1);
	s = fmt(CREATE_HEAD "\"options\":[\"a\",%s]}}", item);
	expect_fail(s, 0, PROTO_ERR_TOO_LONG, "options");
	assert_int_equal(decode(s, 0, &req, &err), PROTO_ERR_TOO_LONG);
	assert_int_equal(err.limit, PROTO_MAX_OPTION_CHARS);
	proto_request_free(&req);
	free(s);
	free(item);

	arr = json_array("\"x\"", PROTO_MAX_POLL_OPTIONS + 1);
	s = fmt(CREATE_HEAD "\"options\":%s}}", arr);
	expect_fail(s, 0, PROTO_ERR_TOO_LONG, "options");
	assert_int_equal(decode(s, 0, &req, &err), PROTO_ERR_TOO_LONG);
	assert_int_equal(err.limit, PROTO_MAX_POLL_OPTIONS);
	proto_request_free(&req);
	free(s);
	free(arr);
}

/* Many empty items: the arena must hold their array as well as the strings. */
static void test_texts_many_empty_items(void **state)
{
	struct proto_request req;
	char *arr = json_array("\"\"", PROTO_MAX_POLL_OPTIONS), *s = fmt(CREATE_HEAD "\"options\":%s}}", arr);

	(void)state;
	expect_ok(s, 0, &req);
	assert_int_equal(req.f[PF_POLL_CREATE_OPTIONS].u.texts.n, PROTO_MAX_POLL_OPTIONS);
	for (int i = 0; i < PROTO_MAX_POLL_OPTIONS; i++)
		assert_string_equal(req.f[PF_POLL_CREATE_OPTIONS].u.texts.items[i].p, "");
	proto_request_free(&req);
	free(s);
	free(arr);
}

static void test_texts_bad_items(void **state)
{
	static const char *const bad[] = { "[1]", "[null]", "[[\"a\"]]", "[{}]", "{}", "\"a\"", "[true]" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = fmt(CREATE_HEAD "\"options\":%s}}", bad[i]);

		expect_fail(s, 0, PROTO_ERR_BAD_FIELD, "options");
		free(s);
	}
	expect_fail(CREATE_HEAD "\"options\":[\"a\\u0000b\"]}}", 0, PROTO_ERR_NUL_IN_TEXT, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* prescan */
		cmocka_unit_test(test_prescan_plain_ok),
		cmocka_unit_test(test_prescan_depth_32_ok),
		cmocka_unit_test(test_prescan_depth_33_too_deep),
		cmocka_unit_test(test_prescan_objects_count_too),
		cmocka_unit_test(test_prescan_siblings_do_not_add_up),
		cmocka_unit_test(test_prescan_custom_max),
		cmocka_unit_test(test_prescan_brackets_in_strings_ignored),
		cmocka_unit_test(test_prescan_escaped_quote_stays_in_string),
		cmocka_unit_test(test_prescan_escaped_backslash_ends_string),
		cmocka_unit_test(test_prescan_escaped_nul),
		cmocka_unit_test(test_prescan_escaped_backslash_then_u0000_is_not_nul),
		cmocka_unit_test(test_prescan_u0000_outside_string_ignored),
		cmocka_unit_test(test_prescan_other_escapes_ok),
		cmocka_unit_test(test_prescan_truncated_escape),
		cmocka_unit_test(test_prescan_escape_not_read_past_length),
		cmocka_unit_test(test_prescan_raw_nul),
		cmocka_unit_test(test_prescan_invalid_utf8),
		cmocka_unit_test(test_prescan_valid_utf8),
		/* success */
		cmocka_unit_test(test_hello_minimal),
		cmocka_unit_test(test_hello_members_in_any_order),
		cmocka_unit_test(test_hello_with_resume),
		cmocka_unit_test(test_hello_empty_resume),
		cmocka_unit_test(test_hello_null_resume_is_absent),
		cmocka_unit_test(test_resume_max_rooms_ok),
		cmocka_unit_test(test_strings_outlive_input),
		cmocka_unit_test(test_input_need_not_be_terminated),
		cmocka_unit_test(test_token_escapes_decoded),
		cmocka_unit_test(test_token_unicode_raw),
		cmocka_unit_test(test_empty_token_decodes),
		cmocka_unit_test(test_auth_refresh),
		cmocka_unit_test(test_ping_without_data),
		cmocka_unit_test(test_ping_with_empty_data),
		cmocka_unit_test(test_whitespace_around),
		cmocka_unit_test(test_test_clock_allowed),
		cmocka_unit_test(test_test_clock_no_fields),
		cmocka_unit_test(test_int_bounds_inclusive),
		cmocka_unit_test(test_int_exponent_and_fraction_forms),
		cmocka_unit_test(test_id_64_chars_ok),
		cmocka_unit_test(test_id_printable_ascii),
		cmocka_unit_test(test_token_at_limit_ok),
		cmocka_unit_test(test_token_limit_counts_bytes),
		/* envelope errors */
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_lone_surrogates_are_bad_utf8),
		cmocka_unit_test(test_bad_u_escape_is_bad_json),
		cmocka_unit_test(test_trailing_garbage_is_bad_json),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_missing_id),
		cmocka_unit_test(test_id_wrong_type),
		cmocka_unit_test(test_id_empty),
		cmocka_unit_test(test_id_65_chars),
		cmocka_unit_test(test_id_bad_chars),
		cmocka_unit_test(test_extra_member),
		cmocka_unit_test(test_missing_op),
		cmocka_unit_test(test_op_not_a_string),
		cmocka_unit_test(test_unknown_op),
		cmocka_unit_test(test_unknown_op_leaves_op_none),
		cmocka_unit_test(test_op_too_long),
		cmocka_unit_test(test_test_op_refused_in_production),
		cmocka_unit_test(test_data_not_an_object),
		cmocka_unit_test(test_too_deep_request),
		cmocka_unit_test(test_very_deep_request),
		cmocka_unit_test(test_nul_in_request),
		cmocka_unit_test(test_escaped_backslash_u0000_decodes),
		cmocka_unit_test(test_bad_utf8_in_request),
		/* field errors */
		cmocka_unit_test(test_required_missing),
		cmocka_unit_test(test_string_wrong_type),
		cmocka_unit_test(test_int_wrong_type),
		cmocka_unit_test(test_int_not_integral),
		cmocka_unit_test(test_int_out_of_range),
		cmocka_unit_test(test_token_limit_plus_one),
		cmocka_unit_test(test_unknown_data_member),
		/* resume */
		cmocka_unit_test(test_resume_bad_room_names),
		cmocka_unit_test(test_resume_room_limits_ok),
		cmocka_unit_test(test_resume_bad_seqs),
		cmocka_unit_test(test_resume_not_an_object),
		cmocka_unit_test(test_resume_257_rooms_too_long),
		cmocka_unit_test(test_resume_many_rooms_small_input),
		/* salvage, errors, ownership */
		cmocka_unit_test(test_id_salvaged_after_envelope_error),
		cmocka_unit_test(test_id_salvaged_after_field_error),
		cmocka_unit_test(test_no_id_when_unreadable),
		cmocka_unit_test(test_failure_keeps_no_fields),
		cmocka_unit_test(test_error_field_is_valid_utf8),
		cmocka_unit_test(test_error_clears_previous),
		cmocka_unit_test(test_free_twice),
		cmocka_unit_test(test_free_after_failure_and_zeroed),
		cmocka_unit_test(test_reuse_request_struct),
		cmocka_unit_test(test_op_lookup),
		cmocka_unit_test(test_room_valid),
		/* list fields */
		cmocka_unit_test(test_ints_ok),
		cmocka_unit_test(test_ints_empty_and_null),
		cmocka_unit_test(test_ints_item_count_edge),
		cmocka_unit_test(test_ints_bad_items),
		cmocka_unit_test(test_texts_ok),
		cmocka_unit_test(test_texts_edges),
		cmocka_unit_test(test_texts_many_empty_items),
		cmocka_unit_test(test_texts_bad_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
