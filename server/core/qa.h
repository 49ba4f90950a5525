/*
 * qa.h - live sessions and their questions as plain data.
 */
#ifndef FORUMD_CORE_QA_H
#define FORUMD_CORE_QA_H

#include <stdint.h>

#include "forum.h"

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

/* 1 if the question is one everybody in the session may see. */
int qa_question_public(const struct qa_question *q);

/* Moves the question to `to` if the rules allow; returns 1, else 0. */
int qa_state_change_allowed(const char *from, const char *to);

#endif
