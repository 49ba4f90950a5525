/*
 * test_token.c - token_mint and token_verify: round trips, clocks, algorithm
 * pinning, and every malformed claim. Foreign tokens are built with libjwt.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jwt.h>

#include "proto/token.h"

#define NOW 1700000000LL

static const unsigned char SECRET[] = "0123456789abcdef0123456789abcdef";
#define SECRET_LEN (sizeof(SECRET) - 1)
static const unsigned char OTHER[] = "fedcba9876543210fedcba9876543210";

/* ---- helpers ---------------------------------------------------------------- */

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

/* A token with the claims in `claims_json` (a JSON object), signed with alg and key. */
static char *sign(jwt_alg_t alg, const unsigned char *key, size_t key_len, const char *claims_json)
{
	jwt_t *jwt = NULL;
	char *tok;

	assert_int_equal(jwt_new(&jwt), 0);
	if (jwt_add_grants_json(jwt, claims_json) != 0) {
		jwt_free(jwt);
		fail_msg("bad claims json: %s", claims_json);
	}
	assert_int_equal(jwt_set_alg(jwt, alg, key, (int)key_len), 0);
	tok = jwt_encode_str(jwt);
	jwt_free(jwt);
	assert_non_null(tok);
	return tok;
}

/* An HS256 token with the SECRET for the given claims. */
static char *sign_claims(const char *claims_json)
{
	return sign(JWT_ALG_HS256, SECRET, SECRET_LEN, claims_json);
}

/* The usual claims with `extra` (",\"k\":v..." or "") appended. */
static char *claims_with(const char *extra)
{
	return fmt("{\"sub\":\"alice\",\"name\":\"Alice\",\"iat\":%lld,\"exp\":%lld%s}",
		   NOW, NOW + 3600, extra);
}

/* Verifies tok at `now`, frees tok, returns the code; *out is freed unless keep. */
static enum proto_err verify_at(char *tok, int64_t now, struct identity *out)
{
	char why[128] = "";
	struct identity local;
	struct identity *who = out ? out : &local;
	enum proto_err rc = token_verify(tok, SECRET, SECRET_LEN, now, who, why, sizeof(why));

	free(tok);
	if (rc != PROTO_ERR_NONE) {
		/* Refusals say why and leave the identity empty. */
		assert_true(why[0] != '\0');
		assert_null(who->courses);
		assert_int_equal(who->ncourses, 0);
		assert_null(who->user);
		assert_null(who->name);
	}
	if (!out)
		identity_free(&local);
	return rc;
}

/* Expects the usual claims plus `extra` to be refused with `code`. */
static void expect_claims(const char *extra, enum proto_err code)
{
	char *claims = claims_with(extra);
	enum proto_err rc = verify_at(sign_claims(claims), NOW, NULL);

	if (rc != code)
		print_error("claims: %s\n", claims);
	free(claims);
	assert_int_equal(rc, code);
}

/* Expects a whole claims object to be refused with `code`. */
static void expect_raw_claims(const char *claims, enum proto_err code)
{
	enum proto_err rc = verify_at(sign_claims(claims), NOW, NULL);

	if (rc != code)
		print_error("claims: %s\n", claims);
	assert_int_equal(rc, code);
}

static char *mint_simple(const char *user, int64_t now, int64_t ttl, int64_t nbf)
{
	struct identity who = { 0 };
	char name[96];
	char *tok;

	snprintf(name, sizeof(name), "Name of %s", user);
	assert_int_equal(identity_set_names(&who, user, name), 0);
	tok = token_mint(&who, now, ttl, nbf, SECRET, SECRET_LEN);
	identity_free(&who);
	return tok;
}

/* ---- round trips -------------------------------------------------------------- */

static void test_roundtrip_full(void **state)
{
	struct identity_course courses[] = {
		{ 30, PROTO_ROLE_INSTRUCTOR },
		{ 5, PROTO_ROLE_PARTICIPANT },
		{ 17, PROTO_ROLE_FACILITATOR },
	};
	struct identity who = { 0 }, got;
	char *tok;

	(void)state;
	assert_int_equal(identity_set_names(&who, "alice.b@example.org",
					    "Zo\xc3\xab \xc3\xa7\xc3\xa3o \xf0\x9f\x98\x80"), 0);
	who.admin = 1;
	who.ncourses = 3;
	who.courses = courses;                 /* not sorted on purpose; not owned */
	tok = token_mint(&who, NOW, 3600, 0, SECRET, SECRET_LEN);
	free(who.user);                        /* the names; courses are borrowed */
	assert_non_null(tok);

	assert_int_equal(verify_at(tok, NOW, &got), PROTO_ERR_NONE);
	assert_string_equal(got.user, "alice.b@example.org");
	assert_string_equal(got.name, "Zo\xc3\xab \xc3\xa7\xc3\xa3o \xf0\x9f\x98\x80");
	assert_int_equal(got.admin, 1);
	assert_int_equal(got.iat, NOW);
	assert_int_equal(got.exp, NOW + 3600);
	assert_int_equal(got.nbf, 0);
	assert_int_equal(got.ncourses, 3);
	assert_int_equal(got.courses[0].course, 5);
	assert_int_equal(got.courses[0].role, PROTO_ROLE_PARTICIPANT);
	assert_int_equal(got.courses[1].course, 17);
	assert_int_equal(got.courses[1].role, PROTO_ROLE_FACILITATOR);
	assert_int_equal(got.courses[2].course, 30);
	assert_int_equal(got.courses[2].role, PROTO_ROLE_INSTRUCTOR);
	assert_int_equal(identity_role(&got, 17), PROTO_ROLE_FACILITATOR);
	assert_int_equal(identity_role(&got, 18), PROTO_ROLE_NONE);
	identity_free(&got);
}

static void test_roundtrip_no_courses_not_admin(void **state)
{
	struct identity got;

	(void)state;
	assert_int_equal(verify_at(mint_simple("bob", NOW, 60, 0), NOW, &got), PROTO_ERR_NONE);
	assert_string_equal(got.user, "bob");
	assert_string_equal(got.name, "Name of bob");
	assert_int_equal(got.admin, 0);
	assert_int_equal(got.ncourses, 0);
	assert_null(got.courses);
	identity_free(&got);
}

static void test_roundtrip_with_nbf(void **state)
{
	struct identity got;

	(void)state;
	assert_int_equal(verify_at(mint_simple("bob", NOW, 600, NOW - 10), NOW, &got), PROTO_ERR_NONE);
	assert_int_equal(got.nbf, NOW - 10);
	identity_free(&got);
}

/* Mints a token for n courses (ids id0, id0 + step, ... in reverse order). */
static char *mint_courses(struct identity_course *courses, int n, int64_t id0, int64_t step)
{
	struct identity who = { 0 };

	for (int i = 0; i < n; i++) {
		courses[i].course = id0 + (int64_t)(n - 1 - i) * step;
		courses[i].role = (enum proto_role)(1 + i % 3);
	}
	char *tok;

	assert_int_equal(identity_set_names(&who, "t", "T"), 0);
	who.ncourses = (size_t)n;
	who.courses = courses;
	tok = token_mint(&who, NOW, 60, 0, SECRET, SECRET_LEN);
	free(who.user);
	return tok;
}

static void test_roundtrip_many_courses(void **state)
{
	struct identity_course courses[100];
	struct identity got;
	char *tok = mint_courses(courses, 100, 1, 1);

	(void)state;
	assert_non_null(tok);
	assert_int_equal(verify_at(tok, NOW, &got), PROTO_ERR_NONE);
	assert_int_equal(got.ncourses, 100);
	for (size_t i = 1; i < got.ncourses; i++)
		assert_true(got.courses[i - 1].course < got.courses[i].course);
	for (int i = 0; i < 100; i++)
		assert_int_equal(identity_role(&got, courses[i].course), courses[i].role);
	identity_free(&got);
}

static void test_mint_max_courses_fits_token_limit(void **state)
{
	/* max_courses_per_token courses must fit in a token of max_token_bytes,
	 * or the server mints tokens that its own hello refuses. */
	struct identity_course courses[PROTO_MAX_COURSES_PER_TOKEN];
	struct identity got;
	char *tok = mint_courses(courses, PROTO_MAX_COURSES_PER_TOKEN, 1, 1);
	size_t len;

	(void)state;
	assert_non_null(tok);
	len = strlen(tok);
	if (len > PROTO_MAX_TOKEN_BYTES) {
		free(tok);
		fail_msg("a token with %d short course ids is %zu bytes, over max_token_bytes %d",
			 PROTO_MAX_COURSES_PER_TOKEN, len, PROTO_MAX_TOKEN_BYTES);
	}
	assert_int_equal(verify_at(tok, NOW, &got), PROTO_ERR_NONE);
	assert_int_equal(got.ncourses, PROTO_MAX_COURSES_PER_TOKEN);
	identity_free(&got);
}

static void test_mint_refuses_bad_role(void **state)
{
	struct identity_course c = { 1, PROTO_ROLE_NONE };
	struct identity who = { 0 };

	(void)state;
	assert_int_equal(identity_set_names(&who, "a", "A"), 0);
	who.ncourses = 1;
	who.courses = &c;
	assert_null(token_mint(&who, NOW, 60, 0, SECRET, SECRET_LEN));
	free(who.user);
}

static void test_foreign_hs256_accepted(void **state)
{
	struct identity got;
	char *claims = claims_with(",\"courses\":{\"12\":\"instructor\"},\"admin\":false");

	(void)state;
	assert_int_equal(verify_at(sign_claims(claims), NOW, &got), PROTO_ERR_NONE);
	assert_int_equal(got.ncourses, 1);
	assert_int_equal(identity_role(&got, 12), PROTO_ROLE_INSTRUCTOR);
	assert_int_equal(got.admin, 0);
	identity_free(&got);
	free(claims);
}

static void test_why_may_be_null(void **state)
{
	struct identity got;

	(void)state;
	assert_int_equal(token_verify("garbage", SECRET, SECRET_LEN, NOW, &got, NULL, 0), PROTO_ERR_BAD_TOKEN);
}

/* ---- clock ------------------------------------------------------------------------ */

static void test_expired(void **state)
{
	(void)state;
	assert_int_equal(verify_at(mint_simple("bob", NOW, 60, 0), NOW + 61, NULL), PROTO_ERR_TOKEN_EXPIRED);
	assert_int_equal(verify_at(mint_simple("bob", NOW, 60, 0), NOW + 60, NULL), PROTO_ERR_TOKEN_EXPIRED);
	assert_int_equal(verify_at(mint_simple("bob", NOW, 60, 0), NOW + 59, NULL), PROTO_ERR_NONE);
	assert_int_equal(verify_at(mint_simple("bob", NOW, 60, 0), NOW + 100000000, NULL), PROTO_ERR_TOKEN_EXPIRED);
}

static void test_not_yet_valid(void **state)
{
	(void)state;
	assert_int_equal(verify_at(mint_simple("bob", NOW, 600, NOW + 100), NOW, NULL),
			 PROTO_ERR_TOKEN_NOT_YET_VALID);
	assert_int_equal(verify_at(mint_simple("bob", NOW, 600, NOW + 100), NOW + 99, NULL),
			 PROTO_ERR_TOKEN_NOT_YET_VALID);
	assert_int_equal(verify_at(mint_simple("bob", NOW, 600, NOW + 100), NOW + 100, NULL), PROTO_ERR_NONE);
}

static void test_malformed_beats_expired(void **state)
{
	(void)state;
	/* A malformed token is bad whatever its dates say. */
	expect_raw_claims("{\"sub\":\"a b\",\"name\":\"A\",\"exp\":1}", PROTO_ERR_BAD_TOKEN);
}

/* ---- signature and algorithm -------------------------------------------------- */

static void test_wrong_secret(void **state)
{
	struct identity who = { 0 };
	char *tok;

	(void)state;
	assert_int_equal(identity_set_names(&who, "mallory", "M"), 0);
	tok = token_mint(&who, NOW, 60, 0, OTHER, SECRET_LEN);
	identity_free(&who);
	assert_non_null(tok);
	assert_int_equal(verify_at(tok, NOW, NULL), PROTO_ERR_BAD_TOKEN);
}

static void test_hs512_refused(void **state)
{
	char *claims = claims_with("");

	(void)state;
	assert_int_equal(verify_at(sign(JWT_ALG_HS512, SECRET, SECRET_LEN, claims), NOW, NULL), PROTO_ERR_BAD_TOKEN);
	free(claims);
}

static void test_hs384_refused(void **state)
{
	char *claims = claims_with("");

	(void)state;
	assert_int_equal(verify_at(sign(JWT_ALG_HS384, SECRET, SECRET_LEN, claims), NOW, NULL), PROTO_ERR_BAD_TOKEN);
	free(claims);
}

static void test_alg_none_refused(void **state)
{
	char *claims = claims_with("");

	(void)state;
	assert_int_equal(verify_at(sign(JWT_ALG_NONE, NULL, 0, claims), NOW, NULL), PROTO_ERR_BAD_TOKEN);
	free(claims);
}

static void test_alg_none_with_hs256_signature_refused(void **state)
{
	/* Header says none, a signature is appended anyway. */
	char *claims = claims_with("");
	char *none = sign(JWT_ALG_NONE, NULL, 0, claims);
	char *good = sign_claims(claims);
	char *sig = strrchr(good, '.');
	char *tok = fmt("%s%s", none, sig + 1);

	(void)state;
	assert_int_equal(verify_at(tok, NOW, NULL), PROTO_ERR_BAD_TOKEN);
	free(none);
	free(good);
	free(claims);
}

/* ---- duplicated members ---------------------------------------------------------- */

/*
 * HS256 tokens with the SECRET built outside libjwt (which cannot write a
 * member twice: its JSON library keeps the last), so the payload bytes are
 * exactly those in the comments. exp is NOW + 3600.
 */
static const char *const UNIQUE_TOKENS[] = {
	/* ok: {"alg":"HS256","typ":"JWT"} {"sub":"alice","name":"Alice","iat":1700000000,"exp":1700003600} */
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	"eyJzdWIiOiJhbGljZSIsIm5hbWUiOiJBbGljZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwfQ."
	"HVJD09vAO8fz5Pv_dvPnUPZZ6MxzZZEGdBiQFZZBQaQ",
	/* ok_courses: {"alg":"HS256","typ":"JWT"} {"sub":"alice","name":"Alice","iat":1700000000,"exp":1700003600,"courses":{"7":"participant","8":"instructor"}} */
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	"eyJzdWIiOiJhbGljZSIsIm5hbWUiOiJBbGljZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwLCJjb3Vyc2VzIjp7IjciOiJwYXJ0aWNpcGFudCIsIjgiOiJpbnN0cnVjdG9yIn19."
	"KwF7Y2Rs9eDB9lbfBNPJr2L0yvqhNKtzBAEU9O2FYS0",
};

static const char *const DUPLICATED_TOKENS[] = {
	/* dup_sub: {"alg":"HS256","typ":"JWT"} {"sub":"alice","name":"Alice","iat":1700000000,"exp":1700003600,"sub":"mallory"} */
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	"eyJzdWIiOiJhbGljZSIsIm5hbWUiOiJBbGljZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwLCJzdWIiOiJtYWxsb3J5In0."
	"qZkhVaTHELnClkZ__2ovcABlAxCbOqwB3ppilqPIAWs",
	/* dup_exp: {"alg":"HS256","typ":"JWT"} {"sub":"alice","name":"Alice","iat":1700000000,"exp":1700003600,"exp":1731539600} */
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	"eyJzdWIiOiJhbGljZSIsIm5hbWUiOiJBbGljZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwLCJleHAiOjE3MzE1Mzk2MDB9."
	"o2FIg3_zJUDIlVIYm3aj6SXppQuN3w3WTlCfNcOiMBs",
	/* dup_course: {"alg":"HS256","typ":"JWT"} {"sub":"alice","name":"Alice","iat":1700000000,"exp":1700003600,"courses":{"7":"participant","7":"instructor"}} */
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	"eyJzdWIiOiJhbGljZSIsIm5hbWUiOiJBbGljZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwLCJjb3Vyc2VzIjp7IjciOiJwYXJ0aWNpcGFudCIsIjciOiJpbnN0cnVjdG9yIn19."
	"vroGMFB55fCP1QGV14E5qE5v1mPzSZz5GfwlxYOom1I",
	/* dup_escaped: {"alg":"HS256","typ":"JWT"} {"sub":"alice","name":"Alice","iat":1700000000,"exp":1700003600,"s\u0075b":"mallory"} */
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	"eyJzdWIiOiJhbGljZSIsIm5hbWUiOiJBbGljZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwLCJzXHUwMDc1YiI6Im1hbGxvcnkifQ."
	"QU0CAo3jThLx1nZHPTV1GTmJ5xCQ7cEbGT137TeJumw",
	/* dup_nested: {"alg":"HS256","typ":"JWT"} {"sub":"alice","name":"Alice","iat":1700000000,"exp":1700003600,"x":[{"a":1,"a":2}]} */
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
	"eyJzdWIiOiJhbGljZSIsIm5hbWUiOiJBbGljZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwLCJ4IjpbeyJhIjoxLCJhIjoyfV19."
	"ikYXo1SbF9Ijc_LJmc6Es---f7fcXMJimr6d_y2I82k",
	/* dup_header: {"alg":"HS256","typ":"JWT","alg":"HS256"} {"sub":"alice","name":"Alice","iat":1700000000,"exp":1700003600} */
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImFsZyI6IkhTMjU2In0."
	"eyJzdWIiOiJhbGljZSIsIm5hbWUiOiJBbGljZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAzNjAwfQ."
	"MeyUPvrYGXjcWUILJ74yl4fMQb-aYmrAC6Cq4jqnGI0",
};

static void test_duplicated_members_refused(void **state)
{
	(void)state;
	/* The same signing accepts the tokens without duplicates. */
	for (size_t i = 0; i < sizeof(UNIQUE_TOKENS) / sizeof(UNIQUE_TOKENS[0]); i++)
		assert_int_equal(verify_at(strdup(UNIQUE_TOKENS[i]), NOW, NULL), PROTO_ERR_NONE);
	for (size_t i = 0; i < sizeof(DUPLICATED_TOKENS) / sizeof(DUPLICATED_TOKENS[0]); i++) {
		enum proto_err rc = verify_at(strdup(DUPLICATED_TOKENS[i]), NOW, NULL);

		if (rc != PROTO_ERR_BAD_TOKEN)
			print_error("token %zu: %s\n", i, DUPLICATED_TOKENS[i]);
		assert_int_equal(rc, PROTO_ERR_BAD_TOKEN);
	}
}

static void test_tampered_payload(void **state)
{
	char *tok = mint_simple("bob", NOW, 60, 0);
	char *dot = strchr(tok, '.');

	(void)state;
	assert_non_null(dot);
	dot[3] = dot[3] == 'A' ? 'B' : 'A';
	assert_int_equal(verify_at(tok, NOW, NULL), PROTO_ERR_BAD_TOKEN);
}

static void test_tampered_signature(void **state)
{
	char *tok = mint_simple("bob", NOW, 60, 0);
	size_t n = strlen(tok);

	(void)state;
	tok[n - 2] = tok[n - 2] == 'A' ? 'B' : 'A';
	assert_int_equal(verify_at(tok, NOW, NULL), PROTO_ERR_BAD_TOKEN);
}

static void test_garbage(void **state)
{
	static const char *bad[] = {
		"", "x", "abc.def", "abc.def.ghi", "...", "..", "a..b", "eyJ.eyJ.eyJ",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.",
		"\xc3\xb1.\xc3\xb1.\xc3\xb1", " ", "null", "{}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct identity got;
		char why[64] = "";

		assert_int_equal(token_verify(bad[i], SECRET, SECRET_LEN, NOW, &got, why, sizeof(why)),
				 PROTO_ERR_BAD_TOKEN);
		assert_true(why[0] != '\0');
		assert_null(got.courses);
	}
}

static void test_null_token(void **state)
{
	struct identity got;

	(void)state;
	assert_int_equal(token_verify(NULL, SECRET, SECRET_LEN, NOW, &got, NULL, 0), PROTO_ERR_BAD_TOKEN);
}

static void test_oversized_token(void **state)
{
	char *big = malloc(PROTO_MAX_TOKEN_BYTES + 2);

	(void)state;
	memset(big, 'a', PROTO_MAX_TOKEN_BYTES + 1);
	big[PROTO_MAX_TOKEN_BYTES + 1] = '\0';
	assert_int_equal(verify_at(big, NOW, NULL), PROTO_ERR_BAD_TOKEN);
}

/* ---- claims ------------------------------------------------------------------------ */

static void test_sub_missing(void **state)
{
	char *c = fmt("{\"name\":\"A\",\"exp\":%lld}", NOW + 60);

	(void)state;
	expect_raw_claims(c, PROTO_ERR_BAD_TOKEN);
	free(c);
}

static void test_sub_bad(void **state)
{
	static const char *subs[] = {
		"\"\"", "\"a b\"", "\"a/b\"", "\"\xc3\xb1\"", "42", "true", "null", "[\"a\"]", "{}",
		"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",   /* 65 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		char *c = fmt("{\"sub\":%s,\"name\":\"A\",\"exp\":%lld}", subs[i], NOW + 60);

		expect_raw_claims(c, PROTO_ERR_BAD_TOKEN);
		free(c);
	}
}

static void test_sub_64_ok(void **state)
{
	char *c = fmt("{\"sub\":\"%s\",\"name\":\"A\",\"exp\":%lld}",
		      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NOW + 60);

	(void)state;
	expect_raw_claims(c, PROTO_ERR_NONE);
	free(c);
}

static void test_name_missing_or_bad(void **state)
{
	char *c1 = fmt("{\"sub\":\"a\",\"exp\":%lld}", NOW + 60);
	char *c2 = fmt("{\"sub\":\"a\",\"name\":\"\",\"exp\":%lld}", NOW + 60);
	char *c3 = fmt("{\"sub\":\"a\",\"name\":7,\"exp\":%lld}", NOW + 60);

	(void)state;
	expect_raw_claims(c1, PROTO_ERR_BAD_TOKEN);
	expect_raw_claims(c2, PROTO_ERR_BAD_TOKEN);
	expect_raw_claims(c3, PROTO_ERR_BAD_TOKEN);
	free(c1);
	free(c2);
	free(c3);
}

static void test_name_length_in_characters(void **state)
{
	char name[PROTO_MAX_NAME_CHARS * 4 + 8];
	char *c;

	(void)state;
	/* 80 four-byte characters: 320 bytes, ok. */
	name[0] = '\0';
	for (int i = 0; i < PROTO_MAX_NAME_CHARS; i++)
		strcat(name, "\xf0\x9f\x98\x80");
	c = fmt("{\"sub\":\"a\",\"name\":\"%s\",\"exp\":%lld}", name, NOW + 60);
	expect_raw_claims(c, PROTO_ERR_NONE);
	free(c);
	/* 81 ASCII characters: too long. */
	memset(name, 'n', PROTO_MAX_NAME_CHARS + 1);
	name[PROTO_MAX_NAME_CHARS + 1] = '\0';
	c = fmt("{\"sub\":\"a\",\"name\":\"%s\",\"exp\":%lld}", name, NOW + 60);
	expect_raw_claims(c, PROTO_ERR_BAD_TOKEN);
	free(c);
	/* 80 ASCII characters: ok. */
	name[PROTO_MAX_NAME_CHARS] = '\0';
	c = fmt("{\"sub\":\"a\",\"name\":\"%s\",\"exp\":%lld}", name, NOW + 60);
	expect_raw_claims(c, PROTO_ERR_NONE);
	free(c);
}

static void test_exp_missing_or_bad(void **state)
{
	(void)state;
	expect_raw_claims("{\"sub\":\"a\",\"name\":\"A\"}", PROTO_ERR_BAD_TOKEN);
	expect_raw_claims("{\"sub\":\"a\",\"name\":\"A\",\"exp\":\"9999999999\"}", PROTO_ERR_BAD_TOKEN);
	expect_raw_claims("{\"sub\":\"a\",\"name\":\"A\",\"exp\":0}", PROTO_ERR_BAD_TOKEN);
	expect_raw_claims("{\"sub\":\"a\",\"name\":\"A\",\"exp\":-5}", PROTO_ERR_BAD_TOKEN);
	expect_raw_claims("{\"sub\":\"a\",\"name\":\"A\",\"exp\":null}", PROTO_ERR_BAD_TOKEN);
	expect_raw_claims("{\"sub\":\"a\",\"name\":\"A\",\"exp\":true}", PROTO_ERR_BAD_TOKEN);
	expect_raw_claims("{\"sub\":\"a\",\"name\":\"A\",\"exp\":9999999999.5}", PROTO_ERR_BAD_TOKEN);
}

static void test_iat_bad(void **state)
{
	(void)state;
	expect_claims(",\"nbf\":-1", PROTO_ERR_BAD_TOKEN);
	expect_raw_claims("{\"sub\":\"a\",\"name\":\"A\",\"exp\":9999999999,\"iat\":-1}", PROTO_ERR_BAD_TOKEN);
}

static void test_nbf_wrong_type_not_ignored(void **state)
{
	/* An nbf the server cannot read must not be treated as absent: a token
	 * whose nbf is in the future, written as a string or a real, is refused. */
	char *c1 = fmt("{\"sub\":\"a\",\"name\":\"A\",\"exp\":%lld,\"nbf\":\"%lld\"}", NOW + 600, NOW + 300);
	char *c2 = fmt("{\"sub\":\"a\",\"name\":\"A\",\"exp\":%lld,\"nbf\":%lld.5}", NOW + 600, NOW + 300);
	enum proto_err r1, r2;

	(void)state;
	r1 = verify_at(sign_claims(c1), NOW, NULL);
	r2 = verify_at(sign_claims(c2), NOW, NULL);
	free(c1);
	free(c2);
	assert_int_not_equal(r1, PROTO_ERR_NONE);
	assert_int_not_equal(r2, PROTO_ERR_NONE);
}

static void test_admin_values(void **state)
{
	struct identity got;
	char *c = claims_with(",\"admin\":true");

	(void)state;
	assert_int_equal(verify_at(sign_claims(c), NOW, &got), PROTO_ERR_NONE);
	assert_int_equal(got.admin, 1);
	identity_free(&got);
	free(c);
	expect_claims(",\"admin\":false", PROTO_ERR_NONE);
}

static void test_admin_wrong_type(void **state)
{
	(void)state;
	/* A claim of the wrong type is malformed, as for exp, iat and nbf: it is
	 * refused rather than silently read as "not admin". */
	expect_claims(",\"admin\":\"true\"", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"admin\":1", PROTO_ERR_BAD_TOKEN);
}

static void test_courses_not_an_object(void **state)
{
	(void)state;
	expect_claims(",\"courses\":\"5:participant\"", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":[5]", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":5", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":true", PROTO_ERR_BAD_TOKEN);
}

static void test_courses_empty_ok(void **state)
{
	(void)state;
	expect_claims(",\"courses\":{}", PROTO_ERR_NONE);
}

static void test_course_role_unknown(void **state)
{
	(void)state;
	expect_claims(",\"courses\":{\"5\":\"admin\"}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"5\":\"Participant\"}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"5\":\"\"}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"5\":1}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"5\":null}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"5\":[\"participant\"]}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"5\":\"participant\",\"6\":\"boss\"}", PROTO_ERR_BAD_TOKEN);
}

static void test_course_id_not_integer(void **state)
{
	(void)state;
	expect_claims(",\"courses\":{\"x\":\"participant\"}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"\":\"participant\"}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"0\":\"participant\"}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"05\":\"participant\"}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"-5\":\"participant\"}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"+5\":\"participant\"}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"1.5\":\"participant\"}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"5 \":\"participant\"}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"1234567890123456789\":\"participant\"}", PROTO_ERR_BAD_TOKEN);
	expect_claims(",\"courses\":{\"123456789012345678\":\"participant\"}", PROTO_ERR_NONE);
}

static void test_too_many_courses(void **state)
{
	size_t cap = 32 + (PROTO_MAX_COURSES_PER_TOKEN + 1) * 24;
	char *extra = malloc(cap);
	size_t off;

	(void)state;
	off = (size_t)snprintf(extra, cap, ",\"courses\":{");
	for (int i = 1; i <= PROTO_MAX_COURSES_PER_TOKEN + 1; i++)
		off += (size_t)snprintf(extra + off, cap - off, "%s\"%d\":\"participant\"", i > 1 ? "," : "", i);
	snprintf(extra + off, cap - off, "}");
	expect_claims(extra, PROTO_ERR_BAD_TOKEN);
	free(extra);
}

static void test_courses_too_deep(void **state)
{
	/* courses nests past max_depth inside a role's place. */
	char extra[256];
	size_t off = (size_t)snprintf(extra, sizeof(extra), ",\"courses\":{\"5\":");

	(void)state;
	for (int i = 0; i < PROTO_MAX_DEPTH + 2; i++)
		extra[off++] = '[';
	for (int i = 0; i < PROTO_MAX_DEPTH + 2; i++)
		extra[off++] = ']';
	snprintf(extra + off, sizeof(extra) - off, "}");
	expect_claims(extra, PROTO_ERR_BAD_TOKEN);
}

static void test_courses_null(void **state)
{
	(void)state;
	expect_claims(",\"courses\":null", PROTO_ERR_BAD_TOKEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_full),
		cmocka_unit_test(test_roundtrip_no_courses_not_admin),
		cmocka_unit_test(test_roundtrip_with_nbf),
		cmocka_unit_test(test_roundtrip_many_courses),
		cmocka_unit_test(test_mint_max_courses_fits_token_limit),
		cmocka_unit_test(test_mint_refuses_bad_role),
		cmocka_unit_test(test_foreign_hs256_accepted),
		cmocka_unit_test(test_why_may_be_null),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_not_yet_valid),
		cmocka_unit_test(test_malformed_beats_expired),
		cmocka_unit_test(test_wrong_secret),
		cmocka_unit_test(test_hs512_refused),
		cmocka_unit_test(test_hs384_refused),
		cmocka_unit_test(test_alg_none_refused),
		cmocka_unit_test(test_alg_none_with_hs256_signature_refused),
		cmocka_unit_test(test_tampered_payload),
		cmocka_unit_test(test_duplicated_members_refused),
		cmocka_unit_test(test_tampered_signature),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_null_token),
		cmocka_unit_test(test_oversized_token),
		cmocka_unit_test(test_sub_missing),
		cmocka_unit_test(test_sub_bad),
		cmocka_unit_test(test_sub_64_ok),
		cmocka_unit_test(test_name_missing_or_bad),
		cmocka_unit_test(test_name_length_in_characters),
		cmocka_unit_test(test_exp_missing_or_bad),
		cmocka_unit_test(test_iat_bad),
		cmocka_unit_test(test_nbf_wrong_type_not_ignored),
		cmocka_unit_test(test_admin_values),
		cmocka_unit_test(test_admin_wrong_type),
		cmocka_unit_test(test_courses_not_an_object),
		cmocka_unit_test(test_courses_empty_ok),
		cmocka_unit_test(test_course_role_unknown),
		cmocka_unit_test(test_course_id_not_integer),
		cmocka_unit_test(test_too_many_courses),
		cmocka_unit_test(test_courses_too_deep),
		cmocka_unit_test(test_courses_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
