/* Generated from protocol/protocol.json by scripts/gen-protocol.mjs. Do not edit. */
#include <stddef.h>
#include <string.h>
#include "protocol_gen.h"

static const char *const enum_THREAD_LIST_SORT[] = { "latest", "votes", "unanswered", NULL };
static const char *const enum_THREAD_CREATE_KIND[] = { "discussion", "question", NULL };
static const char *const enum_SESSION_BRIDGE_WHICH[] = { "unanswered", "all", NULL };
static const char *const enum_POLL_CREATE_KIND[] = { "single", "multiple", "rating", "text", "words", NULL };
static const char *const enum_POLL_CREATE_VISIBILITY[] = { "live", "after_answer", "on_reveal", "staff_only", NULL };
static const char *const enum_TEST_FAILPOINT_NAME[] = { "commit", "busy", "disk_full", "render", NULL };
static const char *const enum_SEARCH_KIND[] = { "discussion", "question", NULL };
static const struct proto_field_spec fields_HELLO[] = {
	{ "token", PROTO_FT_STRING, 1, 0LL, 8192LL, NULL, 0LL },
	{ "resume", PROTO_FT_RESUME, 0, 0LL, 0LL, NULL, 0LL },
};
static const struct proto_field_spec fields_AUTH_REFRESH[] = {
	{ "token", PROTO_FT_STRING, 1, 0LL, 8192LL, NULL, 0LL },
};
static const struct proto_field_spec fields_SUBSCRIBE[] = {
	{ "room", PROTO_FT_ROOM, 1, 0LL, 0LL, NULL, 0LL },
	{ "since", PROTO_FT_INT, 0, 0LL, 9007199254740991LL, NULL, 0LL },
};
static const struct proto_field_spec fields_UNSUBSCRIBE[] = {
	{ "room", PROTO_FT_ROOM, 1, 0LL, 0LL, NULL, 0LL },
};
static const struct proto_field_spec fields_THREAD_LIST[] = {
	{ "course", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "sort", PROTO_FT_ENUM, 0, 0LL, 0LL, enum_THREAD_LIST_SORT, 0LL },
	{ "cursor", PROTO_FT_STRING, 0, 0LL, 64LL, NULL, 0LL },
	{ "limit", PROTO_FT_INT, 0, 1LL, 100LL, NULL, 0LL },
};
static const struct proto_field_spec fields_THREAD_CREATE[] = {
	{ "course", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "kind", PROTO_FT_ENUM, 1, 0LL, 0LL, enum_THREAD_CREATE_KIND, 0LL },
	{ "title", PROTO_FT_TEXT, 1, 0LL, 200LL, NULL, 0LL },
	{ "body", PROTO_FT_TEXT, 1, 0LL, 20000LL, NULL, 0LL },
	{ "anonymous", PROTO_FT_BOOL, 0, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POST_CREATE[] = {
	{ "thread", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "parent", PROTO_FT_ID, 0, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "body", PROTO_FT_TEXT, 1, 0LL, 20000LL, NULL, 0LL },
	{ "anonymous", PROTO_FT_BOOL, 0, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POST_EDIT[] = {
	{ "post", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "body", PROTO_FT_TEXT, 1, 0LL, 20000LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POST_DELETE[] = {
	{ "post", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POST_VOTE[] = {
	{ "post", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "up", PROTO_FT_BOOL, 1, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_THREAD_FOLLOW[] = {
	{ "thread", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "follow", PROTO_FT_BOOL, 1, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POST_FLAG[] = {
	{ "post", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "reason", PROTO_FT_TEXT, 1, 0LL, 500LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_FLAG_LIST[] = {
	{ "course", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
};
static const struct proto_field_spec fields_FLAG_DISMISS[] = {
	{ "flag", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POST_HIDE[] = {
	{ "post", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "reason", PROTO_FT_TEXT, 1, 0LL, 500LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POST_RESTORE[] = {
	{ "post", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POST_REMOVE[] = {
	{ "post", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "reason", PROTO_FT_TEXT, 1, 0LL, 500LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POST_ENDORSE[] = {
	{ "post", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "endorsed", PROTO_FT_BOOL, 1, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_THREAD_LOCK[] = {
	{ "thread", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "locked", PROTO_FT_BOOL, 1, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_THREAD_PIN[] = {
	{ "thread", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "pinned", PROTO_FT_BOOL, 1, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_USER_MUTE[] = {
	{ "course", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "user", PROTO_FT_STRING, 1, 0LL, 64LL, NULL, 0LL },
	{ "minutes", PROTO_FT_INT, 1, 1LL, 525600LL, NULL, 0LL },
	{ "reason", PROTO_FT_TEXT, 1, 0LL, 500LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_USER_UNMUTE[] = {
	{ "course", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "user", PROTO_FT_STRING, 1, 0LL, 64LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_AUDIT_LIST[] = {
	{ "course", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "action", PROTO_FT_STRING, 0, 0LL, 48LL, NULL, 0LL },
	{ "cursor", PROTO_FT_STRING, 0, 0LL, 64LL, NULL, 0LL },
	{ "limit", PROTO_FT_INT, 0, 1LL, 100LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POST_HISTORY[] = {
	{ "post", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
};
static const struct proto_field_spec fields_SESSION_CREATE[] = {
	{ "course", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "title", PROTO_FT_TEXT, 1, 0LL, 200LL, NULL, 0LL },
	{ "starts_at", PROTO_FT_INT, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "premoderated", PROTO_FT_BOOL, 0, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_SESSION_START[] = {
	{ "session", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_SESSION_END[] = {
	{ "session", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_SESSION_LIST[] = {
	{ "course", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
};
static const struct proto_field_spec fields_QUESTION_ASK[] = {
	{ "session", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "body", PROTO_FT_TEXT, 1, 0LL, 300LL, NULL, 0LL },
	{ "anonymous", PROTO_FT_BOOL, 0, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_QUESTION_EDIT[] = {
	{ "question", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "body", PROTO_FT_TEXT, 1, 0LL, 300LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_QUESTION_WITHDRAW[] = {
	{ "question", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_QUESTION_VOTE[] = {
	{ "question", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "up", PROTO_FT_BOOL, 1, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_QUESTION_APPROVE[] = {
	{ "question", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "body", PROTO_FT_TEXT, 0, 0LL, 300LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_QUESTION_DISMISS[] = {
	{ "question", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "reason", PROTO_FT_TEXT, 0, 0LL, 500LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_QUESTION_ANSWERING[] = {
	{ "session", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "question", PROTO_FT_INT, 1, 0LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_QUESTION_ANSWER[] = {
	{ "question", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "answer", PROTO_FT_TEXT, 0, 0LL, 1000LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_SESSION_BRIDGE[] = {
	{ "session", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "which", PROTO_FT_ENUM, 1, 0LL, 0LL, enum_SESSION_BRIDGE_WHICH, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_SURVEY_CREATE[] = {
	{ "session", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "title", PROTO_FT_TEXT, 1, 0LL, 200LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_SURVEY_OPEN[] = {
	{ "survey", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_SURVEY_CLOSE[] = {
	{ "survey", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POLL_CREATE[] = {
	{ "session", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "kind", PROTO_FT_ENUM, 1, 0LL, 0LL, enum_POLL_CREATE_KIND, 0LL },
	{ "prompt", PROTO_FT_TEXT, 1, 0LL, 300LL, NULL, 0LL },
	{ "options", PROTO_FT_TEXTS, 0, 0LL, 120LL, NULL, 20LL },
	{ "min_choices", PROTO_FT_INT, 0, 1LL, 20LL, NULL, 0LL },
	{ "max_choices", PROTO_FT_INT, 0, 1LL, 20LL, NULL, 0LL },
	{ "scale", PROTO_FT_INT, 0, 1LL, 100LL, NULL, 0LL },
	{ "correct", PROTO_FT_INTS, 0, 0LL, 1000LL, NULL, 20LL },
	{ "visibility", PROTO_FT_ENUM, 0, 0LL, 0LL, enum_POLL_CREATE_VISIBILITY, 0LL },
	{ "max_entries", PROTO_FT_INT, 0, 1LL, 10LL, NULL, 0LL },
	{ "survey", PROTO_FT_ID, 0, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POLL_OPEN[] = {
	{ "poll", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POLL_CLOSE[] = {
	{ "poll", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POLL_REVEAL[] = {
	{ "poll", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "revealed", PROTO_FT_BOOL, 1, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POLL_RESET[] = {
	{ "poll", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POLL_DUPLICATE[] = {
	{ "poll", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POLL_ANSWER[] = {
	{ "poll", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "choices", PROTO_FT_INTS, 0, 0LL, 1000LL, NULL, 20LL },
	{ "rating", PROTO_FT_INT, 0, 0LL, 1000LL, NULL, 0LL },
	{ "text", PROTO_FT_TEXT, 0, 0LL, 200LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_CLOUD_REMOVE[] = {
	{ "poll", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "word", PROTO_FT_STRING, 1, 0LL, 512LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_CLOUD_MERGE[] = {
	{ "poll", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "word", PROTO_FT_STRING, 1, 0LL, 512LL, NULL, 0LL },
	{ "into", PROTO_FT_STRING, 1, 0LL, 512LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_TEST_CLOCK[] = {
	{ "set", PROTO_FT_INT, 0, 0LL, 9007199254740991LL, NULL, 0LL },
	{ "advance", PROTO_FT_INT, 0, -315360000LL, 315360000LL, NULL, 0LL },
};
static const struct proto_field_spec fields_TEST_BUS_DROP[] = {
	{ "count", PROTO_FT_INT, 1, 0LL, 1000LL, NULL, 0LL },
};
static const struct proto_field_spec fields_TEST_FAILPOINT[] = {
	{ "name", PROTO_FT_ENUM, 1, 0LL, 0LL, enum_TEST_FAILPOINT_NAME, 0LL },
	{ "count", PROTO_FT_INT, 1, 0LL, 1000LL, NULL, 0LL },
};
static const struct proto_field_spec fields_THREAD_EDIT[] = {
	{ "thread", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "title", PROTO_FT_TEXT, 1, 0LL, 200LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_SEARCH[] = {
	{ "course", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "q", PROTO_FT_TEXT, 1, 0LL, 200LL, NULL, 0LL },
	{ "kind", PROTO_FT_ENUM, 0, 0LL, 0LL, enum_SEARCH_KIND, 0LL },
	{ "mine", PROTO_FT_BOOL, 0, 0LL, 0LL, NULL, 0LL },
	{ "answered", PROTO_FT_BOOL, 0, 0LL, 0LL, NULL, 0LL },
	{ "cursor", PROTO_FT_STRING, 0, 0LL, 64LL, NULL, 0LL },
	{ "limit", PROTO_FT_INT, 0, 1LL, 50LL, NULL, 0LL },
};
static const struct proto_field_spec fields_POST_ACCEPT[] = {
	{ "post", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "accepted", PROTO_FT_BOOL, 1, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_DRAFT_SAVE[] = {
	{ "thread", PROTO_FT_ID, 0, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "course", PROTO_FT_ID, 0, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "title", PROTO_FT_TEXT, 0, 0LL, 200LL, NULL, 0LL },
	{ "body", PROTO_FT_TEXT, 1, 0LL, 20000LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_DRAFT_GET[] = {
	{ "thread", PROTO_FT_ID, 0, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "course", PROTO_FT_ID, 0, 1LL, 9007199254740991LL, NULL, 0LL },
};
static const struct proto_field_spec fields_DRAFT_DELETE[] = {
	{ "thread", PROTO_FT_ID, 0, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "course", PROTO_FT_ID, 0, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_THREAD_HISTORY[] = {
	{ "thread", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
};
static const struct proto_field_spec fields_NOTIFICATION_LIST[] = {
	{ "cursor", PROTO_FT_STRING, 0, 0LL, 32LL, NULL, 0LL },
	{ "limit", PROTO_FT_INT, 0, 1LL, 50LL, NULL, 0LL },
};
static const struct proto_field_spec fields_NOTIFICATION_READ[] = {
	{ "ids", PROTO_FT_INTS, 0, 1LL, 9007199254740991LL, NULL, 100LL },
	{ "upto", PROTO_FT_ID, 0, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_NOTIFICATION_READ_ALL[] = {
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_NOTIFICATION_SETTINGS[] = {
	{ "reply", PROTO_FT_BOOL, 0, 0LL, 0LL, NULL, 0LL },
	{ "reply_to_post", PROTO_FT_BOOL, 0, 0LL, 0LL, NULL, 0LL },
	{ "mention", PROTO_FT_BOOL, 0, 0LL, 0LL, NULL, 0LL },
	{ "answer", PROTO_FT_BOOL, 0, 0LL, 0LL, NULL, 0LL },
	{ "announcement", PROTO_FT_BOOL, 0, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_THREAD_MUTE[] = {
	{ "thread", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "muted", PROTO_FT_BOOL, 1, 0LL, 0LL, NULL, 0LL },
	{ "key", PROTO_FT_KEY, 1, 16LL, 64LL, NULL, 0LL },
};
static const struct proto_field_spec fields_COURSE_MEMBERS[] = {
	{ "course", PROTO_FT_ID, 1, 1LL, 9007199254740991LL, NULL, 0LL },
	{ "prefix", PROTO_FT_TEXT, 0, 0LL, 80LL, NULL, 0LL },
};

const struct proto_op_spec proto_ops[PROTO_OP__COUNT] = {
	[PROTO_OP_NONE] = { NULL, PROTO_AUTH_NONE, PROTO_ROLES_ANY, 0, 0, NULL, 0, PROTO_DOMAIN_NONE },
	[PROTO_OP_HELLO] = { "hello", PROTO_AUTH_NONE, PROTO_ROLES_ANY, 0, 2, fields_HELLO, 1, PROTO_DOMAIN_FORUM },
	[PROTO_OP_AUTH_REFRESH] = { "auth.refresh", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 1, fields_AUTH_REFRESH, 0, PROTO_DOMAIN_NONE },
	[PROTO_OP_PING] = { "ping", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 0, NULL, 0, PROTO_DOMAIN_NONE },
	[PROTO_OP_SUBSCRIBE] = { "subscribe", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 2, fields_SUBSCRIBE, 0, PROTO_DOMAIN_NONE },
	[PROTO_OP_UNSUBSCRIBE] = { "unsubscribe", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 1, fields_UNSUBSCRIBE, 0, PROTO_DOMAIN_NONE },
	[PROTO_OP_COURSE_LIST] = { "course.list", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 0, NULL, 0, PROTO_DOMAIN_FORUM },
	[PROTO_OP_THREAD_LIST] = { "thread.list", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 4, fields_THREAD_LIST, 0, PROTO_DOMAIN_FORUM },
	[PROTO_OP_THREAD_CREATE] = { "thread.create", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 6, fields_THREAD_CREATE, 1, PROTO_DOMAIN_FORUM },
	[PROTO_OP_POST_CREATE] = { "post.create", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 5, fields_POST_CREATE, 1, PROTO_DOMAIN_FORUM },
	[PROTO_OP_POST_EDIT] = { "post.edit", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 3, fields_POST_EDIT, 1, PROTO_DOMAIN_FORUM },
	[PROTO_OP_POST_DELETE] = { "post.delete", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 2, fields_POST_DELETE, 1, PROTO_DOMAIN_FORUM },
	[PROTO_OP_POST_VOTE] = { "post.vote", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 3, fields_POST_VOTE, 1, PROTO_DOMAIN_FORUM },
	[PROTO_OP_THREAD_FOLLOW] = { "thread.follow", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 3, fields_THREAD_FOLLOW, 1, PROTO_DOMAIN_FORUM },
	[PROTO_OP_STATS] = { "stats", PROTO_AUTH_USER, PROTO_ROLES_ADMIN, 0, 0, NULL, 0, PROTO_DOMAIN_NONE },
	[PROTO_OP_POST_FLAG] = { "post.flag", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 3, fields_POST_FLAG, 1, PROTO_DOMAIN_MODERATION },
	[PROTO_OP_FLAG_LIST] = { "flag.list", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 1, fields_FLAG_LIST, 0, PROTO_DOMAIN_MODERATION },
	[PROTO_OP_FLAG_DISMISS] = { "flag.dismiss", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 2, fields_FLAG_DISMISS, 1, PROTO_DOMAIN_MODERATION },
	[PROTO_OP_POST_HIDE] = { "post.hide", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_POST_HIDE, 1, PROTO_DOMAIN_MODERATION },
	[PROTO_OP_POST_RESTORE] = { "post.restore", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 2, fields_POST_RESTORE, 1, PROTO_DOMAIN_MODERATION },
	[PROTO_OP_POST_REMOVE] = { "post.remove", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_POST_REMOVE, 1, PROTO_DOMAIN_MODERATION },
	[PROTO_OP_POST_ENDORSE] = { "post.endorse", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_POST_ENDORSE, 1, PROTO_DOMAIN_MODERATION },
	[PROTO_OP_THREAD_LOCK] = { "thread.lock", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_THREAD_LOCK, 1, PROTO_DOMAIN_MODERATION },
	[PROTO_OP_THREAD_PIN] = { "thread.pin", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_THREAD_PIN, 1, PROTO_DOMAIN_MODERATION },
	[PROTO_OP_USER_MUTE] = { "user.mute", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 5, fields_USER_MUTE, 1, PROTO_DOMAIN_MODERATION },
	[PROTO_OP_USER_UNMUTE] = { "user.unmute", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_USER_UNMUTE, 1, PROTO_DOMAIN_MODERATION },
	[PROTO_OP_AUDIT_LIST] = { "audit.list", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 4, fields_AUDIT_LIST, 0, PROTO_DOMAIN_MODERATION },
	[PROTO_OP_POST_HISTORY] = { "post.history", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 1, fields_POST_HISTORY, 0, PROTO_DOMAIN_MODERATION },
	[PROTO_OP_SESSION_CREATE] = { "session.create", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 5, fields_SESSION_CREATE, 1, PROTO_DOMAIN_QA },
	[PROTO_OP_SESSION_START] = { "session.start", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 2, fields_SESSION_START, 1, PROTO_DOMAIN_QA },
	[PROTO_OP_SESSION_END] = { "session.end", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 2, fields_SESSION_END, 1, PROTO_DOMAIN_QA },
	[PROTO_OP_SESSION_LIST] = { "session.list", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 1, fields_SESSION_LIST, 0, PROTO_DOMAIN_QA },
	[PROTO_OP_QUESTION_ASK] = { "question.ask", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 4, fields_QUESTION_ASK, 1, PROTO_DOMAIN_QA },
	[PROTO_OP_QUESTION_EDIT] = { "question.edit", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 3, fields_QUESTION_EDIT, 1, PROTO_DOMAIN_QA },
	[PROTO_OP_QUESTION_WITHDRAW] = { "question.withdraw", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 2, fields_QUESTION_WITHDRAW, 1, PROTO_DOMAIN_QA },
	[PROTO_OP_QUESTION_VOTE] = { "question.vote", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 3, fields_QUESTION_VOTE, 1, PROTO_DOMAIN_QA },
	[PROTO_OP_QUESTION_APPROVE] = { "question.approve", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_QUESTION_APPROVE, 1, PROTO_DOMAIN_QA },
	[PROTO_OP_QUESTION_DISMISS] = { "question.dismiss", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_QUESTION_DISMISS, 1, PROTO_DOMAIN_QA },
	[PROTO_OP_QUESTION_ANSWERING] = { "question.answering", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_QUESTION_ANSWERING, 1, PROTO_DOMAIN_QA },
	[PROTO_OP_QUESTION_ANSWER] = { "question.answer", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_QUESTION_ANSWER, 1, PROTO_DOMAIN_QA },
	[PROTO_OP_SESSION_BRIDGE] = { "session.bridge", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_SESSION_BRIDGE, 1, PROTO_DOMAIN_QA },
	[PROTO_OP_SURVEY_CREATE] = { "survey.create", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_SURVEY_CREATE, 1, PROTO_DOMAIN_POLL },
	[PROTO_OP_SURVEY_OPEN] = { "survey.open", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 2, fields_SURVEY_OPEN, 1, PROTO_DOMAIN_POLL },
	[PROTO_OP_SURVEY_CLOSE] = { "survey.close", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 2, fields_SURVEY_CLOSE, 1, PROTO_DOMAIN_POLL },
	[PROTO_OP_POLL_CREATE] = { "poll.create", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 12, fields_POLL_CREATE, 1, PROTO_DOMAIN_POLL },
	[PROTO_OP_POLL_OPEN] = { "poll.open", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 2, fields_POLL_OPEN, 1, PROTO_DOMAIN_POLL },
	[PROTO_OP_POLL_CLOSE] = { "poll.close", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 2, fields_POLL_CLOSE, 1, PROTO_DOMAIN_POLL },
	[PROTO_OP_POLL_REVEAL] = { "poll.reveal", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_POLL_REVEAL, 1, PROTO_DOMAIN_POLL },
	[PROTO_OP_POLL_RESET] = { "poll.reset", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 2, fields_POLL_RESET, 1, PROTO_DOMAIN_POLL },
	[PROTO_OP_POLL_DUPLICATE] = { "poll.duplicate", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 2, fields_POLL_DUPLICATE, 1, PROTO_DOMAIN_POLL },
	[PROTO_OP_POLL_ANSWER] = { "poll.answer", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 5, fields_POLL_ANSWER, 1, PROTO_DOMAIN_POLL },
	[PROTO_OP_CLOUD_REMOVE] = { "cloud.remove", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 3, fields_CLOUD_REMOVE, 1, PROTO_DOMAIN_POLL },
	[PROTO_OP_CLOUD_MERGE] = { "cloud.merge", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 4, fields_CLOUD_MERGE, 1, PROTO_DOMAIN_POLL },
	[PROTO_OP_TEST_CLOCK] = { "test.clock", PROTO_AUTH_NONE, PROTO_ROLES_ANY, 1, 2, fields_TEST_CLOCK, 0, PROTO_DOMAIN_NONE },
	[PROTO_OP_TEST_BUS_DROP] = { "test.bus_drop", PROTO_AUTH_NONE, PROTO_ROLES_ANY, 1, 1, fields_TEST_BUS_DROP, 0, PROTO_DOMAIN_NONE },
	[PROTO_OP_TEST_FAILPOINT] = { "test.failpoint", PROTO_AUTH_NONE, PROTO_ROLES_ANY, 1, 2, fields_TEST_FAILPOINT, 0, PROTO_DOMAIN_NONE },
	[PROTO_OP_TEST_PRUNE] = { "test.prune", PROTO_AUTH_NONE, PROTO_ROLES_ANY, 1, 0, NULL, 0, PROTO_DOMAIN_NONE },
	[PROTO_OP_THREAD_EDIT] = { "thread.edit", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 3, fields_THREAD_EDIT, 1, PROTO_DOMAIN_FORUM },
	[PROTO_OP_SEARCH] = { "search", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 7, fields_SEARCH, 0, PROTO_DOMAIN_FORUM },
	[PROTO_OP_POST_ACCEPT] = { "post.accept", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 3, fields_POST_ACCEPT, 1, PROTO_DOMAIN_WRITING },
	[PROTO_OP_DRAFT_SAVE] = { "draft.save", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 5, fields_DRAFT_SAVE, 1, PROTO_DOMAIN_WRITING },
	[PROTO_OP_DRAFT_GET] = { "draft.get", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 2, fields_DRAFT_GET, 0, PROTO_DOMAIN_WRITING },
	[PROTO_OP_DRAFT_DELETE] = { "draft.delete", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 3, fields_DRAFT_DELETE, 1, PROTO_DOMAIN_WRITING },
	[PROTO_OP_THREAD_HISTORY] = { "thread.history", PROTO_AUTH_USER, PROTO_ROLES_STAFF, 0, 1, fields_THREAD_HISTORY, 0, PROTO_DOMAIN_WRITING },
	[PROTO_OP_NOTIFICATION_LIST] = { "notification.list", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 2, fields_NOTIFICATION_LIST, 0, PROTO_DOMAIN_NOTIFY },
	[PROTO_OP_NOTIFICATION_READ] = { "notification.read", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 3, fields_NOTIFICATION_READ, 1, PROTO_DOMAIN_NOTIFY },
	[PROTO_OP_NOTIFICATION_READ_ALL] = { "notification.read_all", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 1, fields_NOTIFICATION_READ_ALL, 1, PROTO_DOMAIN_NOTIFY },
	[PROTO_OP_NOTIFICATION_SETTINGS] = { "notification.settings", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 6, fields_NOTIFICATION_SETTINGS, 1, PROTO_DOMAIN_NOTIFY },
	[PROTO_OP_THREAD_MUTE] = { "thread.mute", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 3, fields_THREAD_MUTE, 1, PROTO_DOMAIN_NOTIFY },
	[PROTO_OP_COURSE_MEMBERS] = { "course.members", PROTO_AUTH_USER, PROTO_ROLES_ANY, 0, 2, fields_COURSE_MEMBERS, 0, PROTO_DOMAIN_NOTIFY },
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
	[PROTO_ERR_NOT_FOUND] = { "not_found", 0 },
	[PROTO_ERR_COURSE_NOT_OPEN] = { "course_not_open", 0 },
	[PROTO_ERR_COURSE_READ_ONLY] = { "course_read_only", 0 },
	[PROTO_ERR_COURSE_CLOSED] = { "course_closed", 0 },
	[PROTO_ERR_THREAD_LOCKED] = { "thread_locked", 0 },
	[PROTO_ERR_MUTED] = { "muted", 0 },
	[PROTO_ERR_TOO_MANY_SUBSCRIPTIONS] = { "too_many_subscriptions", 0 },
	[PROTO_ERR_BAD_CURSOR] = { "bad_cursor", 1 },
	[PROTO_ERR_TOO_MANY_SOCKETS] = { "too_many_sockets", 0 },
	[PROTO_ERR_ALREADY_VOTED] = { "already_voted", 0 },
	[PROTO_ERR_SESSION_NOT_LIVE] = { "session_not_live", 0 },
	[PROTO_ERR_QUESTION_CLOSED] = { "question_closed", 0 },
	[PROTO_ERR_POLL_CLOSED] = { "poll_closed", 0 },
	[PROTO_ERR_BAD_ANSWER] = { "bad_answer", 0 },
	[PROTO_ERR_ENTRY_LIMIT] = { "entry_limit", 0 },
	[PROTO_ERR_WORD_REFUSED] = { "word_refused", 0 },
};

const char *const proto_roles[PROTO_ROLE__COUNT] = {
	[PROTO_ROLE_NONE] = NULL,
	[PROTO_ROLE_PARTICIPANT] = "participant",
	[PROTO_ROLE_FACILITATOR] = "facilitator",
	[PROTO_ROLE_INSTRUCTOR] = "instructor",
};

const char *proto_close_name(unsigned code)
{
	switch (code) {
	case 1001: return "going_away";
	case 1003: return "unsupported_data";
	case 1007: return "invalid_utf8";
	case 1009: return "message_too_big";
	case 4001: return "auth_timeout";
	case 4002: return "bad_input_flood";
	case 4003: return "slow_consumer";
	case 4004: return "token_expired";
	case 4005: return "flood";
	case 4006: return "too_many_sockets";
	}
	return "";
}

const struct proto_event_spec proto_events[PROTO_EV__COUNT] = {
	[PROTO_EV_NONE] = { NULL, 0, PROTO_DOMAIN_NONE, 0 },
	[PROTO_EV_THREAD_CREATED] = { "thread.created", 1, PROTO_DOMAIN_FORUM, (1u << PROTO_ROOM_COURSE) },
	[PROTO_EV_THREAD_UPDATED] = { "thread.updated", 1, PROTO_DOMAIN_FORUM, (1u << PROTO_ROOM_COURSE) | (1u << PROTO_ROOM_THREAD) },
	[PROTO_EV_POST_CREATED] = { "post.created", 1, PROTO_DOMAIN_FORUM, (1u << PROTO_ROOM_THREAD) },
	[PROTO_EV_POST_EDITED] = { "post.edited", 1, PROTO_DOMAIN_FORUM, (1u << PROTO_ROOM_THREAD) },
	[PROTO_EV_POST_DELETED] = { "post.deleted", 1, PROTO_DOMAIN_FORUM, (1u << PROTO_ROOM_THREAD) },
	[PROTO_EV_POST_HIDDEN] = { "post.hidden", 1, PROTO_DOMAIN_FORUM, (1u << PROTO_ROOM_THREAD) },
	[PROTO_EV_POST_RESTORED] = { "post.restored", 1, PROTO_DOMAIN_FORUM, (1u << PROTO_ROOM_THREAD) },
	[PROTO_EV_POST_ENDORSED] = { "post.endorsed", 1, PROTO_DOMAIN_FORUM, (1u << PROTO_ROOM_THREAD) },
	[PROTO_EV_FLAG_CREATED] = { "flag.created", 1, PROTO_DOMAIN_MODERATION, (1u << PROTO_ROOM_STAFF) },
	[PROTO_EV_FLAG_RESOLVED] = { "flag.resolved", 1, PROTO_DOMAIN_MODERATION, (1u << PROTO_ROOM_STAFF) },
	[PROTO_EV_AUDIT_CREATED] = { "audit.created", 1, PROTO_DOMAIN_MODERATION, (1u << PROTO_ROOM_STAFF) },
	[PROTO_EV_NOTICE] = { "notice", 1, PROTO_DOMAIN_MODERATION, (1u << PROTO_ROOM_USER) },
	[PROTO_EV_SESSION_CREATED] = { "session.created", 1, PROTO_DOMAIN_QA, (1u << PROTO_ROOM_COURSE) },
	[PROTO_EV_SESSION_UPDATED] = { "session.updated", 1, PROTO_DOMAIN_QA, (1u << PROTO_ROOM_COURSE) | (1u << PROTO_ROOM_SESSION) },
	[PROTO_EV_QUESTION_PUBLISHED] = { "question.published", 1, PROTO_DOMAIN_QA, (1u << PROTO_ROOM_SESSION) },
	[PROTO_EV_QUESTION_UPDATED] = { "question.updated", 1, PROTO_DOMAIN_QA, (1u << PROTO_ROOM_SESSION) | (1u << PROTO_ROOM_STAFF) },
	[PROTO_EV_QUESTION_PENDING] = { "question.pending", 1, PROTO_DOMAIN_QA, (1u << PROTO_ROOM_STAFF) },
	[PROTO_EV_POLL_CREATED] = { "poll.created", 1, PROTO_DOMAIN_POLL, (1u << PROTO_ROOM_STAFF) },
	[PROTO_EV_POLL_UPDATED] = { "poll.updated", 1, PROTO_DOMAIN_POLL, (1u << PROTO_ROOM_STAFF) | (1u << PROTO_ROOM_SESSION) },
	[PROTO_EV_SURVEY_CREATED] = { "survey.created", 1, PROTO_DOMAIN_POLL, (1u << PROTO_ROOM_STAFF) },
	[PROTO_EV_SURVEY_UPDATED] = { "survey.updated", 1, PROTO_DOMAIN_POLL, (1u << PROTO_ROOM_SESSION) },
	[PROTO_EV_SUBSCRIPTION_ENDED] = { "subscription.ended", 0, PROTO_DOMAIN_NONE, 0 },
	[PROTO_EV_POST_ACCEPTED] = { "post.accepted", 1, PROTO_DOMAIN_FORUM, (1u << PROTO_ROOM_THREAD) },
	[PROTO_EV_NOTIFICATION] = { "notification", 1, PROTO_DOMAIN_NOTIFY, (1u << PROTO_ROOM_USER) },
};

const char *const proto_room_kinds[PROTO_ROOM__COUNT] = {
	[PROTO_ROOM_NONE] = NULL,
	[PROTO_ROOM_COURSE] = "course",
	[PROTO_ROOM_THREAD] = "thread",
	[PROTO_ROOM_SESSION] = "session",
	[PROTO_ROOM_STAFF] = "staff",
	[PROTO_ROOM_USER] = "user",
	[PROTO_ROOM_RESULTS] = "results",
};

const char *const proto_domains[PROTO_DOMAIN__COUNT] = {
	[PROTO_DOMAIN_NONE] = NULL,
	[PROTO_DOMAIN_FORUM] = "forum",
	[PROTO_DOMAIN_MODERATION] = "moderation",
	[PROTO_DOMAIN_QA] = "qa",
	[PROTO_DOMAIN_POLL] = "poll",
	[PROTO_DOMAIN_WRITING] = "writing",
	[PROTO_DOMAIN_NOTIFY] = "notify",
};

/* Event names in byte order, for a binary search. */
static const enum proto_event events_by_name[] = {
	PROTO_EV_AUDIT_CREATED,
	PROTO_EV_FLAG_CREATED,
	PROTO_EV_FLAG_RESOLVED,
	PROTO_EV_NOTICE,
	PROTO_EV_NOTIFICATION,
	PROTO_EV_POLL_CREATED,
	PROTO_EV_POLL_UPDATED,
	PROTO_EV_POST_ACCEPTED,
	PROTO_EV_POST_CREATED,
	PROTO_EV_POST_DELETED,
	PROTO_EV_POST_EDITED,
	PROTO_EV_POST_ENDORSED,
	PROTO_EV_POST_HIDDEN,
	PROTO_EV_POST_RESTORED,
	PROTO_EV_QUESTION_PENDING,
	PROTO_EV_QUESTION_PUBLISHED,
	PROTO_EV_QUESTION_UPDATED,
	PROTO_EV_SESSION_CREATED,
	PROTO_EV_SESSION_UPDATED,
	PROTO_EV_SUBSCRIPTION_ENDED,
	PROTO_EV_SURVEY_CREATED,
	PROTO_EV_SURVEY_UPDATED,
	PROTO_EV_THREAD_CREATED,
	PROTO_EV_THREAD_UPDATED,
};

enum proto_event proto_event_find(const char *name)
{
	size_t lo = 0, hi = sizeof(events_by_name) / sizeof(events_by_name[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(name, proto_events[events_by_name[mid]].name);

		if (d == 0)
			return events_by_name[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return PROTO_EV_NONE;
}

enum proto_room_kind proto_room_kind_of(const char *room)
{
	const char *colon = strchr(room, ':');
	size_t n = colon ? (size_t)(colon - room) : strlen(room);

	for (int k = 1; k < PROTO_ROOM__COUNT; k++)
		if (strlen(proto_room_kinds[k]) == n && memcmp(room, proto_room_kinds[k], n) == 0)
			return (enum proto_room_kind)k;
	return PROTO_ROOM_NONE;
}
