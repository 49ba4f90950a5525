/*
 * writing.h - the rules of writing that can be fixed: accepted answers and
 * server-side drafts. Pure: store/ gathers the facts inside its write
 * transaction and asks these.
 */
#ifndef FORUMD_CORE_WRITING_H
#define FORUMD_CORE_WRITING_H

#include <stddef.h>
#include <stdint.h>

#include "forum.h"
#include "verdict.h"

/* A draft as its writer reads it back: thread 0 for a new thread's draft
 * (course set), else the thread of a response. Strings belong to whoever
 * filled the struct. */
struct writing_draft {
	int64_t thread, course;
	const char *title, *body;
	int64_t updated_at;           /* ms */
};

/* One title of a thread, as kept by a retitle (revision 1: the first). */
struct writing_title {
	int64_t revision;
	const char *title;
	struct forum_author by;
	int64_t at;                   /* ms */
};

/*
 * Accepting (or taking back) a response as the answer of a question thread,
 * by uid. Only the thread's author (the asker, thread_author) or staff of
 * its course may (forbidden); only a visible top-level response of a
 * question thread, not its opening post (bad_field); a deleted post is gone
 * (not_found). Taking back a mark is allowed on a post in any state that
 * still exists, so a hidden accepted answer can be unmarked.
 */
struct verdict writing_accept(const struct forum_thread_facts *t, const struct forum_post_facts *p,
			      int64_t thread_author, int64_t uid, int staff, int accept);

/*
 * A draft's place: exactly one of a thread (a response) or a course (a new
 * thread); bad_field otherwise.
 */
struct verdict writing_draft_place(int has_thread, int has_course);

/* 1 if a draft with this title and body holds nothing worth keeping (only
 * white space in both): saving it deletes the draft instead. */
int writing_draft_empty(const char *title, size_t title_len, const char *body, size_t body_len);

#endif
