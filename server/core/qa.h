/*
 * qa.h - live sessions and their questions as plain data.
 */
#ifndef FORUMD_CORE_QA_H
#define FORUMD_CORE_QA_H

#include <stdint.h>

#include "forum.h"
#include "verdict.h"
#include "view.h"

struct qa_session {
	int64_t id, course;
	const char *title;
	int64_t starts_at;            /* seconds */
	const char *state;            /* scheduled, live, ended */
	int premoderated;
	int64_t started_at, ended_at; /* ms; 0 = not yet */
	int64_t answering;            /* question id, 0 = none */
};

struct qa_question {
	int64_t id, session, course;
	struct forum_author author;
	int anonymous;
	const char *body;
	const char *state;            /* pending, visible, answering, answered, dismissed, withdrawn */
	int64_t votes, votes_v;
	const char *answer;           /* NULL if none */
	const char *dismiss_reason;   /* NULL if none; staff and the asker only */
	int published;
	int64_t created_at, published_at, answered_at, edited_at;  /* ms; 0 = not yet */
};

/* What a write needs to know of a live question (store/ fills it). */
struct qa_question_facts {
	int64_t id, session, course, author;
	int published;
	char state[12];               /* as struct qa_question's */
};

/*
 * 1 if the question exists for the view: a published one for everybody in
 * the session, whatever its state since; an unpublished one (pending, or
 * dismissed or withdrawn before it was approved) for staff and its asker
 * only. The subject of a write must exist for the writer (not_found).
 */
int qa_question_exists_for(int published, int64_t author, struct view v);

/*
 * 1 if the question is listed in the view (a session snapshot, an export):
 * staff see every question, the asker every one of theirs, and everybody
 * the published ones that are open or answered (visible, answering,
 * answered); a dismissed or withdrawn question leaves the peers' list.
 */
int qa_question_listed(int published, const char *state, int64_t author, struct view v);

/*
 * A new question in a session in this state: only while it is live
 * (session_not_live). *pending is set to 1 when it waits for a moderator's
 * approval: in a premoderated session, unless staff asked it.
 */
struct verdict qa_question_ask(const char *session_state, int premoderated, int staff, int *pending);

/*
 * A moderator's move of a question to `to`: approve ("visible") a pending
 * question only; dismiss an open one; mark answered ("answered") a
 * published, open one (question_closed otherwise). Putting one on "now
 * answering" is qa_question_answering's.
 */
struct verdict qa_question_moderate(const struct qa_question_facts *q, const char *to);

/*
 * "Now answering" in session: a published question of that session whose
 * state may become "answering" (question_closed otherwise).
 */
struct verdict qa_question_answering(const struct qa_question_facts *q, int64_t session);

/*
 * 1 if a bridge of the session into the forum carries the question: a
 * published one still open (visible, answering), and an answered one too
 * when answered_too (the bridge of "all").
 */
int qa_question_bridged(int published, const char *state, int answered_too);

/* 1 if the view may read why a question was dismissed: staff and the asker. */
int qa_question_sees_reason(struct view v, int64_t author);

/* The asker's own change (edit, withdraw): only the asker (forbidden). */
struct verdict qa_question_asker(const struct qa_question_facts *q, int64_t uid);

/*
 * May the asker still change the question: edit while pending or visible,
 * withdraw while it is open (question_closed otherwise)?
 */
struct verdict qa_question_own_change(const struct qa_question_facts *q, int edit);

/*
 * A vote on a question by voter: only on a published, open or answered
 * question (question_closed), never on one's own (forbidden).
 */
struct verdict qa_question_vote(const struct qa_question_facts *q, int64_t voter);

/*
 * A vote that changed nothing (the voter had voted so already): voting up
 * again is refused (already_voted); taking back a vote not given is no error.
 */
struct verdict qa_question_vote_again(int up);

/* Moves the question to `to` if the rules allow; returns 1, else 0. */
int qa_state_change_allowed(const char *from, const char *to);

#endif
