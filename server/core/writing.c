/*
 * writing.c - the rules of accepted answers and drafts (writing.h).
 */
#include <string.h>

#include "writing.h"

struct verdict writing_accept(const struct forum_thread_facts *t, const struct forum_post_facts *p,
			      int64_t thread_author, int64_t uid, int staff, int accept)
{
	if (!staff && uid != thread_author)
		return verdict_no(PROTO_ERR_FORBIDDEN, "post", "only the asker or staff may accept an answer");
	if (strcmp(p->state, "deleted") == 0)
		return verdict_no(PROTO_ERR_NOT_FOUND, "post", "the post was deleted");
	if (p->thread != t->id || !t->question || p->parent || p->id == t->first_post)
		return verdict_no(PROTO_ERR_BAD_FIELD, "post",
				  "only a response in a question thread can be accepted");
	/* A post hidden by a moderator is no answer to point readers at. */
	if (accept && strcmp(p->state, "visible") != 0)
		return verdict_no(PROTO_ERR_BAD_FIELD, "post", "the post is not visible");
	return verdict_ok();
}

struct verdict writing_draft_place(int has_thread, int has_course)
{
	if (has_thread && has_course)
		return verdict_no(PROTO_ERR_BAD_FIELD, "course", "give either thread or course, not both");
	if (!has_thread && !has_course)
		return verdict_no(PROTO_ERR_BAD_FIELD, "thread", "give a thread or a course");
	return verdict_ok();
}

int writing_draft_empty(const char *title, size_t title_len, const char *body, size_t body_len)
{
	return !(title && forum_text_present(title, title_len)) && !(body && forum_text_present(body, body_len));
}
