/*
 * forum.c - forum rules that need no storage.
 */
#include <string.h>

#include "forum.h"

int forum_text_present(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return 1;
	}
	return 0;
}

int forum_thread_visible(const char *state, int staff)
{
	if (strcmp(state, "deleted") == 0)
		return 0;
	return strcmp(state, "hidden") != 0 || staff;
}

struct verdict forum_post_target(const struct forum_post_facts *p)
{
	if (strcmp(p->state, "deleted") == 0)
		return verdict_no(PROTO_ERR_NOT_FOUND, "post", "the post was deleted");
	return verdict_ok();
}

struct verdict forum_thread_write(const struct forum_thread_facts *t, int staff)
{
	if (t->locked && !staff)
		return verdict_no(PROTO_ERR_THREAD_LOCKED, "thread", "the thread is locked");
	return verdict_ok();
}

struct verdict forum_reply_parent(const struct forum_post_facts *parent, const struct forum_thread_facts *t)
{
	if (!parent || strcmp(parent->state, "deleted") == 0 || parent->thread != t->id || parent->parent ||
	    parent->id == t->first_post)
		return verdict_no(PROTO_ERR_BAD_FIELD, "parent", "parent must be a response in this thread");
	return verdict_ok();
}

struct verdict forum_own_post_change(const struct forum_post_facts *p, int64_t uid)
{
	if (p->author != uid)
		return verdict_no(PROTO_ERR_FORBIDDEN, "post", "only the author may change this post");
	if (strcmp(p->state, "visible") != 0)
		return verdict_no(PROTO_ERR_FORBIDDEN, "post", "the post is hidden by a moderator");
	return verdict_ok();
}

struct verdict forum_post_vote(const struct forum_post_facts *p, int64_t voter)
{
	if (strcmp(p->state, "visible") != 0)
		return verdict_no(PROTO_ERR_NOT_FOUND, "post", "no such post");
	if (p->author == voter)
		return verdict_no(PROTO_ERR_FORBIDDEN, "post", "you cannot vote for your own post");
	return verdict_ok();
}

struct verdict forum_thread_title_change(int64_t author, int first_visible, int64_t uid, int staff)
{
	if (staff)
		return verdict_ok();
	if (author != uid)
		return verdict_no(PROTO_ERR_FORBIDDEN, "thread", "only the author or staff may change the title");
	if (!first_visible)
		return verdict_no(PROTO_ERR_FORBIDDEN, "thread", "the opening post is hidden by a moderator");
	return verdict_ok();
}

struct verdict forum_post_moderate(const struct forum_post_facts *p, const char *to)
{
	if (strcmp(p->state, "deleted") == 0)
		return verdict_no(PROTO_ERR_NOT_FOUND, "post", "the post was deleted");
	if (strcmp(to, "hidden") == 0 && strcmp(p->state, "visible") != 0)
		return verdict_no(PROTO_ERR_BAD_FIELD, "post", "the post is not visible");
	if (strcmp(to, "visible") == 0 && strcmp(p->state, "hidden") != 0)
		return verdict_no(PROTO_ERR_BAD_FIELD, "post", "the post is not hidden");
	return verdict_ok();
}
