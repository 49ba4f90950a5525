/*
 * render_qa.h - live sessions and questions as JSON, and the Q&A export
 * as JSON or CSV.
 *
 * Views as for posts (core/view.h): staff see who asked an anonymous
 * question and why one was dismissed; peers see neither; the asker sees
 * both for their own questions (author view, `mine`).
 */
#ifndef FORUMD_PROTO_RENDER_QA_H
#define FORUMD_PROTO_RENDER_QA_H

#include "core/qa.h"
#include "msg.h"
#include "render_forum.h"

/* {"ev":type,"room":room,"seq":seq,"data":{"session":{...}}} */
struct msg *render_event_session(const char *type, const char *room, int64_t seq, const struct qa_session *s);
/* {"ev":type,"room":room,"seq":seq,"data":{"question":{...}}} in a view. */
struct msg *render_event_question(const char *type, const char *room, int64_t seq, const struct qa_question *q,
				  struct view v);
/* {"st":"question.votes","room":room,"v":v,"data":{"question":id,"votes":n}} */
struct msg *render_state_question_votes(const char *room, int64_t question, int64_t votes, int64_t v);
/* {"st":"session.answering","room":room,"v":v,"data":{"session":id,"question":id|null}} */
struct msg *render_state_answering(const char *room, int64_t session, int64_t question, int64_t v);

/* Write results: {"session":…}, {"question":…} (the actor's view, view_of), {"question":id,"votes":n,"voted":b}. */
char *render_result_session(const struct qa_session *s);
char *render_result_question(const struct qa_question *q, struct view v);
char *render_result_question_vote(int64_t question, int64_t votes, int voted);

/* List items. */
int render_list_add_session(struct render_list *l, const struct qa_session *s);
/* A question in the reader's view (view_of); `mine` when v.reader asked it. */
int render_list_add_question(struct render_list *l, const struct qa_question *q, struct view v, int voted);
/* {"question":id,"thread":id} for session.bridge's reply. */
int render_list_add_bridged(struct render_list *l, int64_t question, int64_t thread);

/* The subscribe reply for session:<id>: {room, seq, mode:"snapshot", replay:0, session, questions, polls,
 * surveys}; consumes the lists. */
struct msg *render_session_snapshot(const char *id, const char *room, int64_t seq, const struct qa_session *s,
				    struct render_list *questions, struct render_list *polls,
				    struct render_list *surveys);

/* ---- export ---------------------------------------------------------------- */

struct qa_export_row {
	int64_t id;
	int64_t asked_at_s;           /* seconds since the session started */
	const char *state;
	int64_t votes;
	int anonymous;
	const char *asker;            /* NULL: left out (no names) */
	const char *question;
	const char *answer;           /* NULL if none */
	int64_t answered_at_s;        /* -1 if not answered */
};

struct qa_export;                  /* rows collected, then rendered */
/* names: the asker column, kept only in the staff view. */
struct qa_export *qa_export_new(const struct qa_session *s, struct view v, int names);
int qa_export_add(struct qa_export *e, const struct qa_export_row *r);
/* The export as malloc'd text (JSON or CSV), freeing e. NULL on OOM. */
char *qa_export_finish(struct qa_export *e, int csv);
void qa_export_free(struct qa_export *e);

#endif
