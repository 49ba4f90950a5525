/*
 * token.c - HS256 JWT verification and minting over libjwt.
 *
 * Claims: sub (user id), name, iat, exp (required), nbf (optional),
 * courses {"<course id>": "participant"|"facilitator"|"instructor"},
 * admin (optional bool). libjwt parses and checks the signature; everything
 * the protocol promises beyond that (algorithm, times, claim shapes) is
 * checked here, and the courses claim is decoded with cJSON like every other
 * piece of JSON the server reads. A token whose header or claims name a
 * member twice (at any level) is refused: readers disagree on which counts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <jwt.h>

#include "../core/text.h"
#include "decode.h"
#include "token.h"

static enum proto_err refuse(enum proto_err code, char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return code;
}

static enum proto_role role_lookup(const char *s)
{
	for (int r = 1; r < PROTO_ROLE__COUNT; r++)
		if (strcmp(proto_roles[r], s) == 0)
			return (enum proto_role)r;
	return PROTO_ROLE_NONE;
}

static int course_cmp(const void *a, const void *b)
{
	const struct identity_course *x = a, *y = b;

	return (x->course > y->course) - (x->course < y->course);
}

/* Parses a decimal course id of 1..18 digits, no sign, no leading zero. */
static int course_id_parse(const char *s, int64_t *out)
{
	int64_t v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 18 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

/* Decodes the courses claim (a JSON object string) into who->courses. */
static enum proto_err decode_courses(const char *json, struct identity *who, char *why, size_t why_len)
{
	cJSON *root = NULL;
	const cJSON *it;
	enum proto_err rc = PROTO_ERR_NONE;
	size_t n, i = 0;

	if (proto_prescan(json, strlen(json), PROTO_MAX_DEPTH) != PROTO_ERR_NONE ||
	    !(root = cJSON_Parse(json)) || !cJSON_IsObject(root)) {
		rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "courses must be an object");
		goto out;
	}
	n = (size_t)cJSON_GetArraySize(root);
	if (n > PROTO_MAX_COURSES_PER_TOKEN) {
		rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "too many courses");
		goto out;
	}
	who->courses = n ? calloc(n, sizeof(*who->courses)) : NULL;
	if (n && !who->courses) {
		rc = refuse(PROTO_ERR_INTERNAL, why, why_len, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(it, root) {
		struct identity_course *c = &who->courses[i];

		if (!course_id_parse(it->string, &c->course)) {
			rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "course ids are positive integers");
			goto out;
		}
		if (!cJSON_IsString(it) || (c->role = role_lookup(it->valuestring)) == PROTO_ROLE_NONE) {
			rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "unknown role for course %s", it->string);
			goto out;
		}
		i++;
	}
	who->ncourses = n;
	if (n > 1)
		qsort(who->courses, n, sizeof(*who->courses), course_cmp);
	for (i = 1; i < n; i++) {
		if (who->courses[i].course == who->courses[i - 1].course) {
			rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "course listed twice");
			goto out;
		}
	}
out:
	cJSON_Delete(root);
	return rc;
}

/* The value of one base64url character, or -1. */
static int b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Decodes n base64url characters (padding allowed at the end) into a new
 * buffer the caller frees; *out_len gets its length. NULL on a bad
 * character or OOM. */
static char *b64url_decode(const char *s, size_t n, size_t *out_len)
{
	char *out = malloc(n / 4 * 3 + 3);
	uint32_t acc = 0;
	size_t len = 0;
	int bits = 0;

	if (!out)
		return NULL;
	while (n && s[n - 1] == '=')
		n--;
	for (size_t i = 0; i < n; i++) {
		int v = b64url_value(s[i]);

		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[len++] = (char)(acc >> bits & 0xff);
		}
	}
	*out_len = len;
	return out;
}

/* 1 if some object in j (at any depth) names a member twice. */
static int has_duplicate_members(const cJSON *j)
{
	for (const cJSON *a = j->child; a; a = a->next) {
		if (cJSON_IsObject(j))
			for (const cJSON *b = a->next; b; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return 1;
		if (has_duplicate_members(a))
			return 1;
	}
	return 0;
}

/*
 * 1 if the base64url JSON segment s (n characters) is a JSON value in which
 * no object names a member twice. libjwt keeps the last of two "sub" or
 * "exp" members, another JWT reader may keep the first: a token that means
 * two things to two readers is refused. Names are compared after their
 * escapes are decoded ("s\u0075b" is "sub").
 */
static int segment_unique(const char *s, size_t n)
{
	size_t len;
	char *json = b64url_decode(s, n, &len);
	cJSON *root = NULL;
	int ok = 0;

	if (!json)
		return 0;
	/* Bounded depth (has_duplicate_members recurses), no NUL to cut a name. */
	if (proto_prescan(json, len, PROTO_MAX_DEPTH) == PROTO_ERR_NONE &&
	    (root = cJSON_ParseWithLength(json, len)) != NULL)
		ok = !has_duplicate_members(root);
	cJSON_Delete(root);
	free(json);
	return ok;
}

/* The token's header and payload (its first two segments) name no member twice. */
static int token_members_unique(const char *token)
{
	const char *dot1 = strchr(token, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;

	return dot2 && segment_unique(token, (size_t)(dot1 - token)) &&
	       segment_unique(dot1 + 1, (size_t)(dot2 - dot1 - 1));
}

/* Reads an integer claim; 0 if absent, -1 if present but not a positive integer. */
static int64_t int_claim(jwt_t *jwt, const char *name, int *present)
{
	long v;

	errno = 0;
	v = jwt_get_grant_int(jwt, name);
	if (errno == ENOENT) {
		*present = 0;
		return 0;
	}
	*present = 1;
	if (errno || v <= 0)
		return -1;
	return v;
}

enum proto_err token_verify(const char *token, const unsigned char *secret, size_t secret_len,
			    int64_t now_s, struct identity *out, char *why, size_t why_len)
{
	jwt_t *jwt = NULL;
	struct identity who = { 0 };
	enum proto_err rc = PROTO_ERR_NONE;
	const char *sub, *name;
	char *courses = NULL, *admin = NULL;
	int present;

	memset(out, 0, sizeof(*out));
	if (!token || !*token || strlen(token) > PROTO_MAX_TOKEN_BYTES) {
		rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "no token");
		goto out;
	}
	if (jwt_decode(&jwt, token, secret, (int)secret_len) != 0 || !jwt) {
		rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "token does not verify");
		goto out;
	}
	/* libjwt accepts HS384/HS512 signed with the same key; we do not. */
	if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
		rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "only HS256 tokens are accepted");
		goto out;
	}
	/* Only now that the signature holds: the check parses the JSON again. */
	if (!token_members_unique(token)) {
		rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "the token names a claim or header twice");
		goto out;
	}

	sub = jwt_get_grant(jwt, "sub");
	if (!sub || !identity_user_id_valid(sub)) {
		rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "sub is missing or malformed");
		goto out;
	}

	name = jwt_get_grant(jwt, "name");
	if (!name || !*name || !text_utf8_valid(name, strlen(name)) ||
	    text_utf8_chars(name, strlen(name)) > PROTO_MAX_NAME_CHARS) {
		rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "name is missing or too long");
		goto out;
	}
	if (identity_set_names(&who, sub, name)) {
		rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "no memory for the token's names");
		goto out;
	}

	who.exp = int_claim(jwt, "exp", &present);
	if (!present || who.exp < 0) {
		rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "exp is missing or malformed");
		goto out;
	}
	who.iat = int_claim(jwt, "iat", &present);
	if (who.iat < 0) {
		rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "iat is malformed");
		goto out;
	}
	who.nbf = int_claim(jwt, "nbf", &present);
	if (who.nbf < 0) {
		rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "nbf is malformed");
		goto out;
	}

	/* libjwt reports a mistyped bool as absent: read the raw JSON instead. */
	admin = jwt_get_grants_json(jwt, "admin");
	if (admin && strcmp(admin, "true") && strcmp(admin, "false")) {
		rc = refuse(PROTO_ERR_BAD_TOKEN, why, why_len, "admin must be true or false");
		goto out;
	}
	who.admin = admin && strcmp(admin, "true") == 0;

	courses = jwt_get_grants_json(jwt, "courses");
	if (courses) {
		rc = decode_courses(courses, &who, why, why_len);
		if (rc != PROTO_ERR_NONE)
			goto out;
	}

	/* Times last: a malformed token is bad whatever its dates say. */
	if (now_s >= who.exp) {
		rc = refuse(PROTO_ERR_TOKEN_EXPIRED, why, why_len, "token expired");
		goto out;
	}
	if (who.nbf && now_s < who.nbf) {
		rc = refuse(PROTO_ERR_TOKEN_NOT_YET_VALID, why, why_len, "token not valid yet");
		goto out;
	}
	*out = who;
	memset(&who, 0, sizeof(who));
out:
	free(admin);
	free(courses);
	identity_free(&who);
	jwt_free(jwt);
	return rc;
}

char *token_mint(const struct identity *who, int64_t now_s, int64_t ttl_s, int64_t nbf_s,
		 const unsigned char *secret, size_t secret_len)
{
	jwt_t *jwt = NULL;
	cJSON *courses = NULL;
	char *courses_json = NULL, *wrapped = NULL, *tok = NULL;
	size_t wlen;

	if (jwt_new(&jwt) != 0)
		goto out;
	courses = cJSON_CreateObject();
	if (!courses)
		goto out;
	for (size_t i = 0; i < who->ncourses; i++) {
		char key[24];

		snprintf(key, sizeof(key), "%lld", (long long)who->courses[i].course);
		if (who->courses[i].role <= PROTO_ROLE_NONE || who->courses[i].role >= PROTO_ROLE__COUNT ||
		    !cJSON_AddStringToObject(courses, key, proto_roles[who->courses[i].role]))
			goto out;
	}
	courses_json = cJSON_PrintUnformatted(courses);
	if (!courses_json)
		goto out;
	wlen = strlen(courses_json) + 16;
	wrapped = malloc(wlen);
	if (!wrapped)
		goto out;
	snprintf(wrapped, wlen, "{\"courses\":%s}", courses_json);

	if (jwt_add_grant(jwt, "sub", who->user) || jwt_add_grant(jwt, "name", who->name) ||
	    jwt_add_grant_int(jwt, "iat", (long)now_s) || jwt_add_grant_int(jwt, "exp", (long)(now_s + ttl_s)) ||
	    jwt_add_grants_json(jwt, wrapped))
		goto out;
	if (nbf_s && jwt_add_grant_int(jwt, "nbf", (long)nbf_s))
		goto out;
	if (who->admin && jwt_add_grant_bool(jwt, "admin", 1))
		goto out;
	if (jwt_set_alg(jwt, JWT_ALG_HS256, secret, (int)secret_len))
		goto out;
	tok = jwt_encode_str(jwt);
out:
	free(wrapped);
	free(courses_json);
	cJSON_Delete(courses);
	jwt_free(jwt);
	return tok;
}
