/*
 * moderation.h - moderation records as plain data: flags, audit entries,
 * notices to one person, mutes, post revisions; and the abuse limits.
 * store/ fills them, proto/ renders them; strings point into the filler's
 * storage, valid until its next call.
 */
#ifndef FORUMD_CORE_MODERATION_H
#define FORUMD_CORE_MODERATION_H

#include <stdint.h>

#include "forum.h"

struct mod_flag {
	int64_t id, course;
	const char *state;            /* open, dismissed, resolved */
	const char *reason;
	int64_t created_at;           /* ms */
	struct forum_author flagger;
	int has_post;
	struct forum_post post;
	int64_t thread;
	const char *thread_title;
};

struct mod_audit {
	int64_t id, course;
	struct forum_author actor;
	const char *action;           /* post.hide, user.mute, ... */
	const char *subject_kind;     /* post, thread, user, flag */
	int64_t subject_id;
	const char *subject_user;     /* user actions: the user's id (token sub) */
	const char *reason;           /* NULL if none */
	int64_t created_at;           /* ms */
};

struct mod_notice {
	int64_t id, course;
	const char *kind;             /* muted, unmuted, post_hidden, post_removed, post_restored */
	int64_t post, until;          /* 0: absent; until in seconds */
	const char *reason;           /* NULL if none */
	int64_t created_at;
};

struct mod_mute {
	int64_t course;
	struct forum_author user;
	int64_t until;                /* seconds */
	const char *reason;
};

struct mod_revision {
	int64_t revision;
	const char *body;
	struct forum_author by;
	int64_t at;                   /* ms */
};

/* Abuse limits for participants (staff are not limited). 0 disables one. */
struct mod_limits {
	int post_interval_s;          /* seconds between two posts by one user */
	int threads_per_day;
	int flags_per_day;
	int votes_per_day;
	int edits_per_day;
};

/* Defaults near Discourse's: a post every 5 s, 20 threads and 20 flags a day. */
#define MOD_LIMITS_DEFAULT { 5, 20, 20, 500, 200 }

/*
 * Reads "name=value,name=value" (names as in struct mod_limits) into *l,
 * leaving unnamed limits as they are. Returns 0, or -1 on an unknown name or
 * a bad value.
 */
int mod_limits_parse(struct mod_limits *l, const char *spec);

/* Milliseconds from now_ms until the next UTC midnight (when daily counts reset). */
int64_t mod_until_next_day_ms(int64_t now_ms);

#endif
