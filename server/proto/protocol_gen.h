/* Generated from protocol/protocol.json by scripts/gen-protocol.mjs. Do not edit. */
#ifndef FORUMD_PROTOCOL_GEN_H
#define FORUMD_PROTOCOL_GEN_H

#include <stdint.h>

#define PROTO_NAME "forumd.v1"

/* Limits (PROTOCOL.md, "Limits"). */
#define PROTO_MAX_FRAME_BYTES 131072
#define PROTO_MAX_DEPTH 32
#define PROTO_MAX_ID_CHARS 64
#define PROTO_MAX_OP_CHARS 48
#define PROTO_MAX_TOKEN_BYTES 4096
#define PROTO_MAX_ROOM_CHARS 64
#define PROTO_MAX_RESUME_ROOMS 256
#define PROTO_AUTH_DEADLINE_MS 10000
#define PROTO_RATE_BURST 60
#define PROTO_RATE_PER_SEC 30
#define PROTO_FLOOD_REFUSALS 200
#define PROTO_BAD_REQUESTS_MAX 50
#define PROTO_OUTQ_MAX_BYTES 4194304
#define PROTO_MAX_OUT_FRAME_BYTES 65536
#define PROTO_MIN_SECRET_BYTES 32
#define PROTO_MAX_NAME_CHARS 80
#define PROTO_MAX_USER_ID_CHARS 64
#define PROTO_MAX_COURSES_PER_TOKEN 200
#define PROTO_MAX_KEY_CHARS 64
#define PROTO_MIN_KEY_CHARS 16

/* Error codes; PROTO_ERR_NONE means success. */
enum proto_err {
	PROTO_ERR_NONE = 0,
	PROTO_ERR_BAD_JSON,
	PROTO_ERR_BAD_REQUEST,
	PROTO_ERR_UNKNOWN_OP,
	PROTO_ERR_BAD_FIELD,
	PROTO_ERR_TOO_LONG,
	PROTO_ERR_TOO_DEEP,
	PROTO_ERR_NUL_IN_TEXT,
	PROTO_ERR_BAD_UTF8,
	PROTO_ERR_NOT_AUTHENTICATED,
	PROTO_ERR_ALREADY_AUTHENTICATED,
	PROTO_ERR_BAD_TOKEN,
	PROTO_ERR_TOKEN_EXPIRED,
	PROTO_ERR_TOKEN_NOT_YET_VALID,
	PROTO_ERR_WRONG_USER,
	PROTO_ERR_RATE_LIMITED,
	PROTO_ERR_FORBIDDEN,
	PROTO_ERR_SHUTTING_DOWN,
	PROTO_ERR_INTERNAL,
	PROTO_ERR__COUNT
};

/* WebSocket close codes. */
enum proto_close {
	PROTO_CLOSE_GOING_AWAY = 1001,
	PROTO_CLOSE_UNSUPPORTED_DATA = 1003,
	PROTO_CLOSE_INVALID_UTF8 = 1007,
	PROTO_CLOSE_MESSAGE_TOO_BIG = 1009,
	PROTO_CLOSE_AUTH_TIMEOUT = 4001,
	PROTO_CLOSE_BAD_INPUT_FLOOD = 4002,
	PROTO_CLOSE_SLOW_CONSUMER = 4003,
	PROTO_CLOSE_TOKEN_EXPIRED = 4004,
	PROTO_CLOSE_FLOOD = 4005,
};

/* Course roles carried by tokens. */
enum proto_role {
	PROTO_ROLE_NONE = 0,
	PROTO_ROLE_PARTICIPANT,
	PROTO_ROLE_FACILITATOR,
	PROTO_ROLE_INSTRUCTOR,
	PROTO_ROLE__COUNT
};

/* Ops. */
enum proto_op {
	PROTO_OP_NONE = 0,
	PROTO_OP_HELLO,
	PROTO_OP_AUTH_REFRESH,
	PROTO_OP_PING,
	PROTO_OP_TEST_CLOCK,
	PROTO_OP__COUNT
};

/* Field indices within each op's decoded fields. */
#define PF_HELLO_TOKEN 0
#define PF_HELLO_RESUME 1
#define PF_AUTH_REFRESH_TOKEN 0
#define PF_TEST_CLOCK_SET 0
#define PF_TEST_CLOCK_ADVANCE 1

#define PROTO_MAX_FIELDS 2

enum proto_ftype {
	PROTO_FT_STRING,
	PROTO_FT_TEXT,
	PROTO_FT_INT,
	PROTO_FT_BOOL,
	PROTO_FT_RESUME,
	PROTO_FT_KEY,
	PROTO_FT_ENUM,
	PROTO_FT_ID
};

enum proto_auth {
	PROTO_AUTH_NONE,
	PROTO_AUTH_USER
};

struct proto_field_spec {
	const char *name;
	enum proto_ftype type;
	int required;
	int64_t min;            /* int: smallest value; string/text/key: shortest */
	int64_t max;            /* int: largest value; string/key: bytes; text: characters */
	const char *const *values; /* enum: NULL-terminated list */
};

struct proto_op_spec {
	const char *name;
	enum proto_auth auth;
	int test_only;
	int nfields;
	const struct proto_field_spec *fields;
};

struct proto_err_spec {
	const char *code;
	int bad_input;          /* counts toward bad_requests_max */
};

extern const struct proto_op_spec proto_ops[PROTO_OP__COUNT];
extern const struct proto_err_spec proto_errs[PROTO_ERR__COUNT];
extern const char *const proto_roles[PROTO_ROLE__COUNT];

#endif
