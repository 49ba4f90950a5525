/*
 * qa.c - the life of a live question.
 *
 *   pending --approve--> visible <--> answering --> answered
 *      \                   |  \___________________/
 *       \--> dismissed <---+   (dismissed, withdrawn from any open state)
 */
#include <string.h>

#include "qa.h"

int qa_question_exists_for(int published, int64_t author, struct view v)
{
	return published || v.staff || view_is_own(v, author);
}

int qa_question_listed(int published, const char *state, int64_t author, struct view v)
{
	if (v.staff || view_is_own(v, author))
		return 1;
	return published && (!strcmp(state, "visible") || !strcmp(state, "answering") || !strcmp(state, "answered"));
}

struct verdict qa_question_ask(const char *session_state, int premoderated, int staff, int *pending)
{
	*pending = premoderated && !staff;
	if (strcmp(session_state, "live") != 0)
		return verdict_no(PROTO_ERR_SESSION_NOT_LIVE, "session", "the session is not live");
	return verdict_ok();
}

struct verdict qa_question_moderate(const struct qa_question_facts *q, const char *to)
{
	if (!strcmp(to, "visible")) {
		if (strcmp(q->state, "pending") != 0)
			return verdict_no(PROTO_ERR_QUESTION_CLOSED, "question", "only a pending question is approved");
		return verdict_ok();
	}
	if (!strcmp(to, "answered") && !q->published)
		return verdict_no(PROTO_ERR_QUESTION_CLOSED, "question", "the question is closed");
	if (!qa_state_change_allowed(q->state, to))
		return verdict_no(PROTO_ERR_QUESTION_CLOSED, "question", "the question is closed");
	return verdict_ok();
}

struct verdict qa_question_answering(const struct qa_question_facts *q, int64_t session)
{
	if (q->session != session || !q->published || !qa_state_change_allowed(q->state, "answering"))
		return verdict_no(PROTO_ERR_QUESTION_CLOSED, "question",
				  "only a published, open question of this session can be answered now");
	return verdict_ok();
}

int qa_question_bridged(int published, const char *state, int answered_too)
{
	if (!published)
		return 0;
	return !strcmp(state, "visible") || !strcmp(state, "answering") || (answered_too && !strcmp(state, "answered"));
}

int qa_question_sees_reason(struct view v, int64_t author)
{
	return v.staff || view_is_own(v, author);
}

struct verdict qa_question_asker(const struct qa_question_facts *q, int64_t uid)
{
	if (q->author != uid)
		return verdict_no(PROTO_ERR_FORBIDDEN, "question", "only the asker may change it");
	return verdict_ok();
}

struct verdict qa_question_own_change(const struct qa_question_facts *q, int edit)
{
	int ok = edit ? !strcmp(q->state, "pending") || !strcmp(q->state, "visible")
		      : qa_state_change_allowed(q->state, "withdrawn");

	if (!ok)
		return verdict_no(PROTO_ERR_QUESTION_CLOSED, "question", "the question can no longer change");
	return verdict_ok();
}

struct verdict qa_question_vote(const struct qa_question_facts *q, int64_t voter)
{
	if (!q->published || !strcmp(q->state, "pending") || !strcmp(q->state, "dismissed") ||
	    !strcmp(q->state, "withdrawn"))
		return verdict_no(PROTO_ERR_QUESTION_CLOSED, "question", "this question takes no votes");
	if (q->author == voter)
		return verdict_no(PROTO_ERR_FORBIDDEN, "question", "you cannot vote for your own question");
	return verdict_ok();
}

struct verdict qa_question_vote_again(int up)
{
	if (up)
		return verdict_no(PROTO_ERR_ALREADY_VOTED, "question", "you already voted for it");
	return verdict_ok();
}

int qa_state_change_allowed(const char *from, const char *to)
{
	int open = !strcmp(from, "pending") || !strcmp(from, "visible") || !strcmp(from, "answering");

	if (!strcmp(to, "visible"))
		return !strcmp(from, "pending") || !strcmp(from, "answering");
	if (!strcmp(to, "answering"))
		return !strcmp(from, "visible") || !strcmp(from, "answered");
	if (!strcmp(to, "answered"))
		return !strcmp(from, "visible") || !strcmp(from, "answering");
	if (!strcmp(to, "dismissed") || !strcmp(to, "withdrawn"))
		return open;
	return 0;
}
