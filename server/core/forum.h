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

#include "verdict.h"

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
	int accepted;                 /* the asker accepted it as the answer */
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

/*
 * What a write needs to know of a thread and of a post: store/ fills them
 * inside the write transaction, the rules below decide on them. States are
 * "visible", "hidden" (by staff) or "deleted" (by its author or staff).
 */
struct forum_thread_facts {
	int64_t id, course, first_post;
	int locked, question;
	char state[12];
};

struct forum_post_facts {
	int64_t id, thread, parent, author;
	char state[12];
};

/*
 * 1 if a thread in this state exists for the reader: a deleted thread for
 * nobody, a hidden one for staff of its course only (its author included:
 * a hidden thread is gone from the forum until staff restore it). Writes,
 * room access and the thread list all ask this.
 */
int forum_thread_visible(const char *state, int staff);

/* A post as the subject of a write: a deleted post is gone (not_found). */
struct verdict forum_post_target(const struct forum_post_facts *p);

/*
 * A write into a thread (post, edit, delete, title): a locked thread takes
 * writes from staff of its course only (thread_locked).
 */
struct verdict forum_thread_write(const struct forum_thread_facts *t, int staff);

/*
 * Reply depth: one level of replies. A reply's parent must be a response in
 * the same thread: not a reply itself, not the thread's opening post, not
 * deleted. parent is NULL when the parent post was not found (bad_field).
 */
struct verdict forum_reply_parent(const struct forum_post_facts *parent, const struct forum_thread_facts *t);

/*
 * A change of a post by its author (edit, delete): only the author
 * (forbidden), and only while it is visible (a post hidden by staff is
 * frozen until restored; forbidden).
 */
struct verdict forum_own_post_change(const struct forum_post_facts *p, int64_t uid);

/*
 * A vote on a post by voter: only on a visible post (a hidden one is
 * not_found, as for a reader who cannot see it), never on one's own
 * (forbidden). Voting up twice is no error: the second changes nothing.
 */
struct verdict forum_post_vote(const struct forum_post_facts *p, int64_t voter);

/*
 * A thread's new title: by its author, under the rules of post.edit on the
 * opening post (so not while that post is hidden), or by staff of its course
 * (forbidden otherwise). author is the thread's author; first_visible 1 if
 * its opening post is visible.
 */
struct verdict forum_thread_title_change(int64_t author, int first_visible, int64_t uid, int staff);

/*
 * A moderator's change of a post's state to `to`: hide a visible post,
 * restore ("visible") a hidden one, remove ("deleted") one in any state that
 * still exists (bad_field otherwise).
 */
struct verdict forum_post_moderate(const struct forum_post_facts *p, const char *to);

#endif
