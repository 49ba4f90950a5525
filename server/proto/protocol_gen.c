/* Generated from protocol/protocol.json by scripts/gen-protocol.mjs. Do not edit. */
#include <stddef.h>
#include "protocol_gen.h"

static const struct proto_field_spec fields_HELLO[] = {
	{ "token", PROTO_FT_STRING, 1, 0LL, 4096LL, NULL },
	{ "resume", PROTO_FT_RESUME, 0, 0LL, 0LL, NULL },
};
static const struct proto_field_spec fields_AUTH_REFRESH[] = {
	{ "token", PROTO_FT_STRING, 1, 0LL, 4096LL, NULL },
};
static const struct proto_field_spec fields_TEST_CLOCK[] = {
	{ "set", PROTO_FT_INT, 0, 0LL, 9007199254740991LL, NULL },
	{ "advance", PROTO_FT_INT, 0, -315360000LL, 315360000LL, NULL },
};

const struct proto_op_spec proto_ops[PROTO_OP__COUNT] = {
	[PROTO_OP_NONE] = { NULL, PROTO_AUTH_NONE, 0, 0, NULL },
	[PROTO_OP_HELLO] = { "hello", PROTO_AUTH_NONE, 0, 2, fields_HELLO },
	[PROTO_OP_AUTH_REFRESH] = { "auth.refresh", PROTO_AUTH_USER, 0, 1, fields_AUTH_REFRESH },
	[PROTO_OP_PING] = { "ping", PROTO_AUTH_USER, 0, 0, NULL },
	[PROTO_OP_TEST_CLOCK] = { "test.clock", PROTO_AUTH_NONE, 1, 2, fields_TEST_CLOCK },
};

const struct proto_err_spec proto_errs[PROTO_ERR__COUNT] = {
	[PROTO_ERR_NONE] = { "ok", 0 },
	[PROTO_ERR_BAD_JSON] = { "bad_json", 1 },
	[PROTO_ERR_BAD_REQUEST] = { "bad_request", 1 },
	[PROTO_ERR_UNKNOWN_OP] = { "unknown_op", 1 },
	[PROTO_ERR_BAD_FIELD] = { "bad_field", 1 },
	[PROTO_ERR_TOO_LONG] = { "too_long", 1 },
	[PROTO_ERR_TOO_DEEP] = { "too_deep", 1 },
	[PROTO_ERR_NUL_IN_TEXT] = { "nul_in_text", 1 },
	[PROTO_ERR_BAD_UTF8] = { "bad_utf8", 1 },
	[PROTO_ERR_NOT_AUTHENTICATED] = { "not_authenticated", 1 },
	[PROTO_ERR_ALREADY_AUTHENTICATED] = { "already_authenticated", 1 },
	[PROTO_ERR_BAD_TOKEN] = { "bad_token", 0 },
	[PROTO_ERR_TOKEN_EXPIRED] = { "token_expired", 0 },
	[PROTO_ERR_TOKEN_NOT_YET_VALID] = { "token_not_yet_valid", 0 },
	[PROTO_ERR_WRONG_USER] = { "wrong_user", 0 },
	[PROTO_ERR_RATE_LIMITED] = { "rate_limited", 0 },
	[PROTO_ERR_FORBIDDEN] = { "forbidden", 0 },
	[PROTO_ERR_SHUTTING_DOWN] = { "shutting_down", 0 },
	[PROTO_ERR_INTERNAL] = { "internal", 0 },
};

const char *const proto_roles[PROTO_ROLE__COUNT] = {
	[PROTO_ROLE_NONE] = NULL,
	[PROTO_ROLE_PARTICIPANT] = "participant",
	[PROTO_ROLE_FACILITATOR] = "facilitator",
	[PROTO_ROLE_INSTRUCTOR] = "instructor",
};
