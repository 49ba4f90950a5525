/*
 * forum.h - the forum's rows as plain data, and its rules.
 *
 * store/ fills these structs from SQLite, proto/ renders them, core/ decides
 * what is allowed. Strings point into storage owned by whoever filled the
 * struct (valid until that owner's next call).
 */
#ifndef FORUMD_CORE_FORUM_H
#define FORUMD_CORE_FORUM_H

#include <stddef.h>
#include <stdint.h>

struct forum_author {
	int64_t uid;
	const char *ext_id;           /* token sub */
	const char *name;
};

struct forum_post {
	int64_t id, thread, parent;   /* parent 0: a top-level post */
	struct forum_author author;
	int anonymous;
	const char *body;
	int64_t created_at, edited_at;  /* ms; edited_at 0 = never */
	int64_t revision;
	const char *state;            /* visible, hidden, deleted */
	int64_t votes, votes_v;
	int endorsed;
	int first;                    /* the thread's opening post */
};

struct forum_thread {
	int64_t id, course;
	const char *kind;             /* discussion, question */
	const char *title;
	struct forum_author author;
	int anonymous;
	int64_t first_post;
	int64_t created_at, last_activity_at;
	int64_t reply_count, votes, stats_v;
	int pinned, locked, answered;
	const char *state;
	int has_last;                 /* last poster known */
	struct forum_author last;
	int last_anonymous;
};

struct forum_course {
	int64_t id;
	const char *title;
	const char *lang;             /* en, es, pt */
	int64_t starts_at, ends_at;   /* seconds */
};

/* 1 if a title or body has something besides white space. */
int forum_text_present(const char *s, size_t len);

#endif
