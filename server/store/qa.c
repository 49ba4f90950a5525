/*
 * qa.c - live sessions and their questions: writes inside the transaction,
 * reads for subscribers and the export, events rendered from the rows.
 *
 * A question nobody but staff and its asker may see (pending in a
 * premoderated session) never reaches session:<id>: its events go to
 * staff:<course> until it is published.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "core/qa.h"
#include "core/text.h"
#include "internal.h"
#include "proto/render_mod.h"
#include "proto/render_admin.h"
#include "proto/render_qa.h"

static const char Q_SESSION[] =
	"SELECT id, course_id, title, starts_at, state, premoderated, started_at, ended_at, answering_id, answering_v"
	"  FROM live_sessions WHERE id = ?1";
static const char Q_QUESTION[] =
	"SELECT q.id, q.session_id, s.course_id, q.author_id, u.ext_id, u.name, q.anonymous, q.body, q.state,"
	"       q.votes, q.votes_v, q.answer, q.dismiss_reason, q.published, q.created_at, q.published_at,"
	"       q.answered_at, q.edited_at"
	"  FROM questions q JOIN live_sessions s ON s.id = q.session_id JOIN users u ON u.id = q.author_id"
	" WHERE q.id = ?1";

static const char *opt_text(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(s, i);
}

static void session_row(sqlite3_stmt *s, struct qa_session *x, int64_t *answering_v)
{
	x->id = sqlite3_column_int64(s, 0);
	x->course = sqlite3_column_int64(s, 1);
	x->title = (const char *)sqlite3_column_text(s, 2);
	x->starts_at = sqlite3_column_int64(s, 3);
	x->state = (const char *)sqlite3_column_text(s, 4);
	x->premoderated = sqlite3_column_int(s, 5);
	x->started_at = sqlite3_column_int64(s, 6);
	x->ended_at = sqlite3_column_int64(s, 7);
	x->answering = sqlite3_column_int64(s, 8);
	if (answering_v)
		*answering_v = sqlite3_column_int64(s, 9);
}

static void question_row(sqlite3_stmt *s, struct qa_question *q)
{
	q->id = sqlite3_column_int64(s, 0);
	q->session = sqlite3_column_int64(s, 1);
	q->course = sqlite3_column_int64(s, 2);
	q->author.uid = sqlite3_column_int64(s, 3);
	q->author.ext_id = (const char *)sqlite3_column_text(s, 4);
	q->author.name = (const char *)sqlite3_column_text(s, 5);
	q->anonymous = sqlite3_column_int(s, 6);
	q->body = (const char *)sqlite3_column_text(s, 7);
	q->state = (const char *)sqlite3_column_text(s, 8);
	q->votes = sqlite3_column_int64(s, 9);
	q->votes_v = sqlite3_column_int64(s, 10);
	q->answer = opt_text(s, 11);
	q->dismiss_reason = opt_text(s, 12);
	q->published = sqlite3_column_int(s, 13);
	q->created_at = sqlite3_column_int64(s, 14);
	q->published_at = sqlite3_column_int64(s, 15);
	q->answered_at = sqlite3_column_int64(s, 16);
	q->edited_at = sqlite3_column_int64(s, 17);
}

/* One view of a session or question event, rendered from the current
 * rows; a new msg, or NULL. */
static struct msg *render_view(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
			       enum proto_event ev, int64_t subject, int staff_view)
{
	struct msg *m = NULL;
	sqlite3_stmt *s;

	switch (ev) {
	case PROTO_EV_SESSION_CREATED:
	case PROTO_EV_SESSION_UPDATED: {
		struct qa_session x;

		if (!(s = store__row_by_id(c, db, Q_SESSION, subject)))
			return NULL;
		session_row(s, &x, NULL);
		m = render_event_session(proto_events[ev].name, room, seq, &x);
		sqlite3_reset(s);
		break;
	}
	case PROTO_EV_QUESTION_PUBLISHED:
	case PROTO_EV_QUESTION_UPDATED:
	case PROTO_EV_QUESTION_PENDING: {
		struct qa_question q;

		if (!(s = store__row_by_id(c, db, Q_QUESTION, subject)))
			return NULL;
		question_row(s, &q);
		m = render_event_question(proto_events[ev].name, room, seq, &q, view_shared(staff_view));
		sqlite3_reset(s);
		break;
	}
	default:
		break;
	}
	return m;
}

int store__qa_render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
			  enum proto_event ev, int64_t subject, struct msg **peer, struct msg **staff)
{
	*peer = render_view(c, db, room, seq, ev, subject, 0);
	*staff = render_view(c, db, room, seq, ev, subject, 1);
	return *peer && *staff ? 0 : -1;
}

/* Live Q&A's state facts: a question's vote count and the session's "now
 * answering", from the values the write left. */
int store__qa_render_state(struct stmt_cache *c, sqlite3 *db, struct store_state *s)
{
	(void)c;
	(void)db;
	switch (s->kind) {
	case STORE_STATE_QUESTION_VOTES:
		s->value = render_state_question_votes(s->room, s->subject, s->count, s->version);
		break;
	case STORE_STATE_ANSWERING:
		s->value = render_state_answering(s->room, s->subject, s->count, s->version);
		break;
	default:
		return -1;
	}
	return s->value ? 0 : -1;
}

/* ------------------------------------------------------------------------- */
/* Facts and shared steps (writer thread)                                    */
/* ------------------------------------------------------------------------- */

struct session_facts {
	int64_t id, course, answering, started_at;
	int premoderated;
	char state[12];
	char title[PROTO_MAX_SESSION_TITLE_CHARS * 4 + 1];
};

static enum proto_err session_facts(struct store *st, struct store_job *job, int64_t id, struct session_facts *f)
{
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, Q_SESSION, id);
	struct qa_session x;

	if (!s)
		return store__job_error(job, PROTO_ERR_NOT_FOUND, "session", "no such session");
	session_row(s, &x, NULL);
	f->id = x.id;
	f->course = x.course;
	f->answering = x.answering;
	f->started_at = x.started_at;
	f->premoderated = x.premoderated;
	snprintf(f->state, sizeof(f->state), "%s", x.state);
	snprintf(f->title, sizeof(f->title), "%s", x.title);
	sqlite3_reset(s);
	return PROTO_ERR_NONE;
}

static enum proto_err question_facts(struct store *st, struct store_job *job, int64_t id, struct qa_question_facts *f)
{
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, Q_QUESTION, id);
	struct qa_question q;

	if (!s)
		return store__job_error(job, PROTO_ERR_NOT_FOUND, "question", "no such question");
	question_row(s, &q);
	f->id = q.id;
	f->session = q.session;
	f->course = q.course;
	f->author = q.author.uid;
	f->published = q.published;
	snprintf(f->state, sizeof(f->state), "%s", q.state);
	sqlite3_reset(s);
	if (!qa_question_exists_for(f->published, f->author, view_of(access_is_staff(&job->who, f->course), job->uid)))
		return store__job_error(job, PROTO_ERR_NOT_FOUND, "question", "no such question");
	return PROTO_ERR_NONE;
}

/* The room a question's events go to: the session's once published. */
static void question_room(char *room, size_t n, const struct qa_question_facts *f, int published)
{
	if (published)
		store__room_name(room, n, "session", f->session);
	else
		store__room_name(room, n, "staff", f->course);
}

static int question_event(struct store *st, struct store_job *job, const struct qa_question_facts *f, int published,
			  enum proto_event ev)
{
	char room[PROTO_MAX_ROOM_CHARS + 1];

	question_room(room, sizeof(room), f, published);
	return store__event_append(st, job, room, ev, f->id, job->uid);
}

/* The question as the actor sees it, for the reply. */
static char *question_result(struct store *st, struct store_job *job, int64_t id)
{
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, Q_QUESTION, id);
	struct qa_question q;
	char *r;

	if (!s)
		return NULL;
	question_row(s, &q);
	r = render_result_question(&q, view_of(access_is_staff(&job->who, q.course), job->uid));
	sqlite3_reset(s);
	return r;
}

static char *session_result(struct store *st, int64_t id)
{
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, Q_SESSION, id);
	struct qa_session x;
	char *r;

	if (!s)
		return NULL;
	session_row(s, &x, NULL);
	r = render_result_session(&x);
	sqlite3_reset(s);
	return r;
}

static int exec_id(struct store *st, const char *sql, int64_t a, int64_t b, int64_t c)
{
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	if (sqlite3_bind_parameter_count(s) >= 3)
		sqlite3_bind_int64(s, 3, c);
	return store__step_done(s);
}

static int set_state(struct store *st, int64_t question, const char *state)
{
	static const char q[] = "UPDATE questions SET state = ?2 WHERE id = ?1";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, question);
	sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	return store__step_done(s);
}

/* Sets (or clears, question 0) the session's "now answering" and its state message. */
static int set_answering(struct store *st, struct store_job *job, int64_t session, int64_t question)
{
	static const char q[] =
		"UPDATE live_sessions SET answering_id = nullif(?2, 0), answering_v = answering_v + 1 WHERE id = ?1"
		" RETURNING answering_v";
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);
	int64_t v;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, session);
	sqlite3_bind_int64(s, 2, question);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return -1;
	}
	v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	store__room_name(room, sizeof(room), "session", session);
	return store__state_fact(job, room, "answering", v, STORE_STATE_ANSWERING, session, question);
}

/* ------------------------------------------------------------------------- */
/* Sessions                                                                  */
/* ------------------------------------------------------------------------- */

static enum proto_err op_session_create(struct store *st, struct store_job *job, char **result)
{
	static const char q[] =
		"INSERT INTO live_sessions(course_id, title, starts_at, premoderated, created_by, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	const struct proto_request *r = &job->req;
	const struct proto_str *title = &r->f[PF_SESSION_CREATE_TITLE].u.s;
	int64_t course = r->f[PF_SESSION_CREATE_COURSE].u.i, id;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s;
	enum proto_err rc;

	if (!forum_text_present(title->p, title->len))
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "title", "the title is empty");
	if ((rc = store__need_staff(job, course)) != PROTO_ERR_NONE ||
	    (rc = store__check_course(st, job, course, 1)) != PROTO_ERR_NONE)
		return rc;
	if (!(s = store__stmt(&st->wcache, st->wdb, q)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, course);
	sqlite3_bind_text(s, 2, title->p, (int)title->len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, r->f[PF_SESSION_CREATE_STARTS_AT].u.i);
	sqlite3_bind_int(s, 4, r->f[PF_SESSION_CREATE_PREMODERATED].present && r->f[PF_SESSION_CREATE_PREMODERATED].u.b);
	sqlite3_bind_int64(s, 5, job->uid);
	sqlite3_bind_int64(s, 6, job->now_ms);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	id = sqlite3_last_insert_rowid(st->wdb);
	store__room_name(room, sizeof(room), "course", course);
	if (store__event_append(st, job, room, PROTO_EV_SESSION_CREATED, id, job->uid))
		return PROTO_ERR_INTERNAL;
	*result = session_result(st, id);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_session_start_end(struct store *st, struct store_job *job, char **result)
{
	static const char q_start[] = "UPDATE live_sessions SET state = 'live', started_at = ?2 WHERE id = ?1";
	static const char q_end[] = "UPDATE live_sessions SET state = 'ended', ended_at = ?2 WHERE id = ?1";
	int start = job->req.op == PROTO_OP_SESSION_START;
	struct session_facts f;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	enum proto_err rc;

	if ((rc = session_facts(st, job, job->req.f[0].u.i, &f)) != PROTO_ERR_NONE ||
	    (rc = store__need_staff(job, f.course)) != PROTO_ERR_NONE)
		return rc;
	if (start ? strcmp(f.state, "scheduled") : strcmp(f.state, "live")) {
		if (!strcmp(f.state, start ? "live" : "ended")) {      /* already so: the same answer */
			*result = session_result(st, f.id);
			return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
		}
		return store__job_error(job, PROTO_ERR_SESSION_NOT_LIVE, "session",
				       start ? "the session has ended" : "the session has not started");
	}
	if (exec_id(st, start ? q_start : q_end, f.id, job->now_ms, 0))
		return PROTO_ERR_INTERNAL;
	if (!start && ((f.answering && set_answering(st, job, f.id, 0)) || store__session_ended(st, job, f.id)))
		return PROTO_ERR_INTERNAL;
	store__room_name(room, sizeof(room), "course", f.course);
	if (store__event_append(st, job, room, PROTO_EV_SESSION_UPDATED, f.id, job->uid))
		return PROTO_ERR_INTERNAL;
	store__room_name(room, sizeof(room), "session", f.id);
	if (store__event_append(st, job, room, PROTO_EV_SESSION_UPDATED, f.id, job->uid))
		return PROTO_ERR_INTERNAL;
	*result = session_result(st, f.id);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* ------------------------------------------------------------------------- */
/* Questions: asking                                                         */
/* ------------------------------------------------------------------------- */

static enum proto_err op_question_ask(struct store *st, struct store_job *job, char **result)
{
	static const char q[] =
		"INSERT INTO questions(session_id, author_id, anonymous, body, state, published, created_at, published_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	const struct proto_request *r = &job->req;
	const struct proto_str *body = &r->f[PF_QUESTION_ASK_BODY].u.s;
	struct session_facts sf;
	struct qa_question_facts qf;
	sqlite3_stmt *s;
	enum proto_err rc;
	int pending;

	if (!forum_text_present(body->p, body->len))
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "body", "the question is empty");
	if ((rc = session_facts(st, job, r->f[PF_QUESTION_ASK_SESSION].u.i, &sf)) != PROTO_ERR_NONE ||
	    (rc = store__check_course(st, job, sf.course, 1)) != PROTO_ERR_NONE ||
	    (rc = store__check_mute(st, job, sf.course)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store__job_verdict(job, qa_question_ask(sf.state, sf.premoderated,
							 access_is_staff(&job->who, sf.course), &pending))) !=
		    PROTO_ERR_NONE ||
	    (rc = store__limit(st, job, sf.course, "post")) != PROTO_ERR_NONE)
		return rc;
	if (!(s = store__stmt(&st->wcache, st->wdb, q)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, sf.id);
	sqlite3_bind_int64(s, 2, job->uid);
	sqlite3_bind_int(s, 3, r->f[PF_QUESTION_ASK_ANONYMOUS].present && r->f[PF_QUESTION_ASK_ANONYMOUS].u.b);
	sqlite3_bind_text(s, 4, body->p, (int)body->len, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, pending ? "pending" : "visible", -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, !pending);
	sqlite3_bind_int64(s, 7, job->now_ms);
	if (!pending)
		sqlite3_bind_int64(s, 8, job->now_ms);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	qf.id = sqlite3_last_insert_rowid(st->wdb);
	qf.session = sf.id;
	qf.course = sf.course;
	if (question_event(st, job, &qf, !pending, pending ? PROTO_EV_QUESTION_PENDING : PROTO_EV_QUESTION_PUBLISHED))
		return PROTO_ERR_INTERNAL;
	*result = question_result(st, job, qf.id);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* edit and withdraw: the asker's changes, until answered. */
static enum proto_err op_question_own(struct store *st, struct store_job *job, char **result)
{
	static const char q_edit[] = "UPDATE questions SET body = ?2, edited_at = ?3 WHERE id = ?1";
	int edit = job->req.op == PROTO_OP_QUESTION_EDIT;
	struct qa_question_facts f;
	enum proto_err rc;
	sqlite3_stmt *s;

	if ((rc = question_facts(st, job, job->req.f[0].u.i, &f)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store__job_verdict(job, qa_question_asker(&f, job->uid))) != PROTO_ERR_NONE ||
	    (rc = store__check_course(st, job, f.course, 1)) != PROTO_ERR_NONE ||
	    (rc = store__check_mute(st, job, f.course)) != PROTO_ERR_NONE ||
	    (rc = store__job_verdict(job, qa_question_own_change(&f, edit))) != PROTO_ERR_NONE)
		return rc;
	if (edit) {
		const struct proto_str *body = &job->req.f[PF_QUESTION_EDIT_BODY].u.s;

		if (!forum_text_present(body->p, body->len))
			return store__job_error(job, PROTO_ERR_BAD_FIELD, "body", "the question is empty");
		if (!(s = store__stmt(&st->wcache, st->wdb, q_edit)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, f.id);
		sqlite3_bind_text(s, 2, body->p, (int)body->len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, job->now_ms);
		if (store__step_done(s))
			return PROTO_ERR_INTERNAL;
	} else {
		struct session_facts sf;

		if (set_state(st, f.id, "withdrawn") || session_facts(st, job, f.session, &sf) != PROTO_ERR_NONE ||
		    (sf.answering == f.id && set_answering(st, job, f.session, 0)))
			return PROTO_ERR_INTERNAL;
	}
	if (question_event(st, job, &f, f.published, PROTO_EV_QUESTION_UPDATED))
		return PROTO_ERR_INTERNAL;
	*result = question_result(st, job, f.id);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_question_vote(struct store *st, struct store_job *job, char **result)
{
	static const char q_on[] = "INSERT OR IGNORE INTO question_votes(question_id, user_id, created_at) VALUES (?1, ?2, ?3)";
	static const char q_off[] = "DELETE FROM question_votes WHERE question_id = ?1 AND user_id = ?2";
	static const char q_count[] =
		"UPDATE questions SET votes = votes + ?2, votes_v = votes_v + 1 WHERE id = ?1 RETURNING votes, votes_v";
	static const char q_votes[] = "SELECT votes FROM questions WHERE id = ?1";
	int up = job->req.f[PF_QUESTION_VOTE_UP].u.b;
	struct qa_question_facts f;
	char room[PROTO_MAX_ROOM_CHARS + 1], key[40];
	int64_t votes = 0, v;
	sqlite3_stmt *s;
	enum proto_err rc;

	if ((rc = question_facts(st, job, job->req.f[PF_QUESTION_VOTE_QUESTION].u.i, &f)) != PROTO_ERR_NONE ||
	    (rc = store__check_course(st, job, f.course, 1)) != PROTO_ERR_NONE ||
	    (rc = store__check_mute(st, job, f.course)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store__job_verdict(job, qa_question_vote(&f, job->uid))) != PROTO_ERR_NONE ||
	    (rc = store__limit(st, job, f.course, "vote")) != PROTO_ERR_NONE)
		return rc;
	if (!(s = store__stmt(&st->wcache, st->wdb, up ? q_on : q_off)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, f.id);
	sqlite3_bind_int64(s, 2, job->uid);
	if (up)
		sqlite3_bind_int64(s, 3, job->now_ms);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	if (sqlite3_changes(st->wdb) == 0) {
		if ((rc = store__job_verdict(job, qa_question_vote_again(up))) != PROTO_ERR_NONE)
			return rc;
		if (!(s = store__row_by_id(&st->wcache, st->wdb, q_votes, f.id)))
			return PROTO_ERR_INTERNAL;
		votes = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	} else {
		if (!(s = store__stmt(&st->wcache, st->wdb, q_count)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, f.id);
		sqlite3_bind_int64(s, 2, up ? 1 : -1);
		if (sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_reset(s);
			return PROTO_ERR_INTERNAL;
		}
		votes = sqlite3_column_int64(s, 0);
		v = sqlite3_column_int64(s, 1);
		sqlite3_reset(s);
		store__room_name(room, sizeof(room), "session", f.session);
		snprintf(key, sizeof(key), "question:%" PRId64, f.id);
		if (store__state_fact(job, room, key, v, STORE_STATE_QUESTION_VOTES, f.id, votes))
			return PROTO_ERR_INTERNAL;
	}
	*result = render_result_question_vote(f.id, votes, up);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* ------------------------------------------------------------------------- */
/* Questions: staff                                                          */
/* ------------------------------------------------------------------------- */

static enum proto_err op_question_approve(struct store *st, struct store_job *job, char **result)
{
	static const char q_pub[] =
		"UPDATE questions SET state = 'visible', published = 1, published_at = ?2 WHERE id = ?1";
	static const char q_fix[] = "UPDATE questions SET body = ?2, edited_at = ?3 WHERE id = ?1";
	const struct proto_value *body = &job->req.f[PF_QUESTION_APPROVE_BODY];
	struct qa_question_facts f;
	enum proto_err rc;
	sqlite3_stmt *s;

	if ((rc = question_facts(st, job, job->req.f[PF_QUESTION_APPROVE_QUESTION].u.i, &f)) != PROTO_ERR_NONE ||
	    (rc = store__need_staff(job, f.course)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store__job_verdict(job, qa_question_moderate(&f, "visible"))) != PROTO_ERR_NONE)
		return rc;
	if (body->present) {
		if (!forum_text_present(body->u.s.p, body->u.s.len))
			return store__job_error(job, PROTO_ERR_BAD_FIELD, "body", "the question is empty");
		if (!(s = store__stmt(&st->wcache, st->wdb, q_fix)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, f.id);
		sqlite3_bind_text(s, 2, body->u.s.p, (int)body->u.s.len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, job->now_ms);
		if (store__step_done(s) || store__audit_add(st, job, f.course, "question.edit", "question", f.id, NULL))
			return PROTO_ERR_INTERNAL;
	}
	if (exec_id(st, q_pub, f.id, job->now_ms, 0) ||
	    question_event(st, job, &f, 0, PROTO_EV_QUESTION_UPDATED) ||        /* leaves the staff queue */
	    question_event(st, job, &f, 1, PROTO_EV_QUESTION_PUBLISHED) ||
	    store__audit_add(st, job, f.course, "question.approve", "question", f.id, NULL))
		return PROTO_ERR_INTERNAL;
	*result = question_result(st, job, f.id);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_question_dismiss(struct store *st, struct store_job *job, char **result)
{
	static const char q[] = "UPDATE questions SET state = 'dismissed', dismiss_reason = ?2 WHERE id = ?1";
	const struct proto_value *reason = &job->req.f[PF_QUESTION_DISMISS_REASON];
	const char *why = reason->present && forum_text_present(reason->u.s.p, reason->u.s.len) ? reason->u.s.p : NULL;
	struct qa_question_facts f;
	struct session_facts sf;
	enum proto_err rc;
	sqlite3_stmt *s;

	if ((rc = question_facts(st, job, job->req.f[PF_QUESTION_DISMISS_QUESTION].u.i, &f)) != PROTO_ERR_NONE ||
	    (rc = store__need_staff(job, f.course)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store__job_verdict(job, qa_question_moderate(&f, "dismissed"))) != PROTO_ERR_NONE)
		return rc;
	if (!(s = store__stmt(&st->wcache, st->wdb, q)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, f.id);
	if (why)
		sqlite3_bind_text(s, 2, why, -1, SQLITE_STATIC);
	if (store__step_done(s) || session_facts(st, job, f.session, &sf) != PROTO_ERR_NONE ||
	    (sf.answering == f.id && set_answering(st, job, f.session, 0)) ||
	    question_event(st, job, &f, f.published, PROTO_EV_QUESTION_UPDATED) ||
	    store__audit_add(st, job, f.course, "question.dismiss", "question", f.id, why) ||
	    (f.author != job->uid && store__notice_add(st, job, f.author, f.course, "question_dismissed", f.id, 0, why)))
		return PROTO_ERR_INTERNAL;
	*result = question_result(st, job, f.id);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_question_answering(struct store *st, struct store_job *job, char **result)
{
	int64_t question = job->req.f[PF_QUESTION_ANSWERING_QUESTION].u.i;
	struct session_facts sf;
	struct qa_question_facts f, prev;
	enum proto_err rc;

	if ((rc = session_facts(st, job, job->req.f[PF_QUESTION_ANSWERING_SESSION].u.i, &sf)) != PROTO_ERR_NONE ||
	    (rc = store__need_staff(job, sf.course)) != PROTO_ERR_NONE)
		return rc;
	if (question) {
		if ((rc = question_facts(st, job, question, &f)) != PROTO_ERR_NONE)
			return rc;
		if ((rc = store__job_verdict(job, qa_question_answering(&f, sf.id))) != PROTO_ERR_NONE)
			return rc;
	}
	if (sf.answering == question) {         /* already so */
		*result = session_result(st, sf.id);
		return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
	}
	/* The one answered until now goes back to the queue. */
	if (sf.answering && question_facts(st, job, sf.answering, &prev) == PROTO_ERR_NONE &&
	    !strcmp(prev.state, "answering") &&
	    (set_state(st, prev.id, "visible") || question_event(st, job, &prev, 1, PROTO_EV_QUESTION_UPDATED)))
		return PROTO_ERR_INTERNAL;
	job->err.code = PROTO_ERR_NONE;         /* a vanished previous one is no error */
	if (question && (set_state(st, question, "answering") || question_event(st, job, &f, 1, PROTO_EV_QUESTION_UPDATED)))
		return PROTO_ERR_INTERNAL;
	if (set_answering(st, job, sf.id, question))
		return PROTO_ERR_INTERNAL;
	*result = session_result(st, sf.id);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_question_answer(struct store *st, struct store_job *job, char **result)
{
	static const char q[] = "UPDATE questions SET state = 'answered', answer = ?2, answered_at = ?3 WHERE id = ?1";
	const struct proto_value *answer = &job->req.f[PF_QUESTION_ANSWER_ANSWER];
	struct qa_question_facts f;
	struct session_facts sf;
	enum proto_err rc;
	sqlite3_stmt *s;

	if ((rc = question_facts(st, job, job->req.f[PF_QUESTION_ANSWER_QUESTION].u.i, &f)) != PROTO_ERR_NONE ||
	    (rc = store__need_staff(job, f.course)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store__job_verdict(job, qa_question_moderate(&f, "answered"))) != PROTO_ERR_NONE)
		return rc;
	if (!(s = store__stmt(&st->wcache, st->wdb, q)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, f.id);
	if (answer->present && forum_text_present(answer->u.s.p, answer->u.s.len))
		sqlite3_bind_text(s, 2, answer->u.s.p, (int)answer->u.s.len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, job->now_ms);
	if (store__step_done(s) || session_facts(st, job, f.session, &sf) != PROTO_ERR_NONE ||
	    (sf.answering == f.id && set_answering(st, job, f.session, 0)) ||
	    question_event(st, job, &f, 1, PROTO_EV_QUESTION_UPDATED) ||
	    (f.author != job->uid && store__notice_add(st, job, f.author, f.course, "question_answered", f.id, 0, NULL)))
		return PROTO_ERR_INTERNAL;
	*result = question_result(st, job, f.id);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* ------------------------------------------------------------------------- */
/* The bridge to the forum                                                   */
/* ------------------------------------------------------------------------- */

/* A title from the question: its first characters, cut at a character boundary. */
static int bridge_title(const char *body, char *out, size_t cap)
{
	size_t len = strlen(body), n = 0, chars = 0;

	while (n < len && chars < 140) {
		unsigned char c = (unsigned char)body[n];
		size_t step = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;

		if (n + step > len || n + step + 4 > cap)
			break;
		n += step;
		chars++;
	}
	memcpy(out, body, n);
	if (n < len && n + 3 < cap) {
		memcpy(out + n, "\xe2\x80\xa6", 3);       /* … */
		n += 3;
	}
	out[n] = '\0';
	return (int)n;
}

static enum proto_err op_session_bridge(struct store *st, struct store_job *job, char **result)
{
	static const char q_list[] =
		"SELECT q.id, q.author_id, q.anonymous, q.body, q.votes, q.published, q.state FROM questions q"
		" WHERE q.session_id = ?1 AND q.bridged_thread IS NULL ORDER BY q.votes DESC, q.id";
	static const char q_lang[] = "SELECT lang FROM courses WHERE id = ?1";
	static const char q_mark[] = "UPDATE questions SET bridged_thread = ?2 WHERE id = ?1";
	int all = job->req.f[PF_SESSION_BRIDGE_WHICH].u.e == 1;
	struct session_facts sf;
	struct render_list *l;
	char lang[4] = "en";
	enum proto_err rc;
	sqlite3_stmt *s;
	struct row { int64_t id, author, votes; int anonymous; char *body; } *rows = NULL;
	size_t n = 0, cap = 0;

	if ((rc = session_facts(st, job, job->req.f[PF_SESSION_BRIDGE_SESSION].u.i, &sf)) != PROTO_ERR_NONE ||
	    (rc = store__need_staff(job, sf.course)) != PROTO_ERR_NONE)
		return rc;
	if ((s = store__row_by_id(&st->wcache, st->wdb, q_lang, sf.course))) {
		snprintf(lang, sizeof(lang), "%s", (const char *)sqlite3_column_text(s, 0));
		sqlite3_reset(s);
	}
	/* Collect first: the inserts below use other statements. */
	if (!(s = store__stmt(&st->wcache, st->wdb, q_list)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, sf.id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (!qa_question_bridged(sqlite3_column_int(s, 5), (const char *)sqlite3_column_text(s, 6), all))
			continue;
		if (n == cap) {
			struct row *nr = realloc(rows, (cap = cap ? cap * 2 : 16) * sizeof(*rows));

			if (!nr)
				break;
			rows = nr;
		}
		rows[n].id = sqlite3_column_int64(s, 0);
		rows[n].author = sqlite3_column_int64(s, 1);
		rows[n].anonymous = sqlite3_column_int(s, 2);
		rows[n].body = strdup((const char *)sqlite3_column_text(s, 3));
		rows[n].votes = sqlite3_column_int64(s, 4);
		n++;
	}
	sqlite3_reset(s);
	rc = PROTO_ERR_NONE;
	if (!(l = render_list_new()))
		rc = PROTO_ERR_INTERNAL;
	for (size_t i = 0; i < n && rc == PROTO_ERR_NONE; i++) {
		char title[PROTO_MAX_TITLE_CHARS * 4 + 8], *body;
		size_t blen = strlen(rows[i].body) + strlen(sf.title) + 256;
		int64_t tid, pid;
		int tlen;

		if (!rows[i].body || !(body = malloc(blen))) {
			rc = PROTO_ERR_INTERNAL;
			break;
		}
		tlen = bridge_title(rows[i].body, title, sizeof(title));
		{
			int w = snprintf(body, blen, "%s\n\n", rows[i].body);

			render_bridge_note(lang, sf.title, (long long)rows[i].votes, body + w, blen - (size_t)w);
		}
		tid = store__thread_insert(st, job, sf.course, "question", title, tlen, body, (int)strlen(body),
					  rows[i].author, rows[i].anonymous, rows[i].votes, &pid);
		free(body);
		if (tid < 0 || exec_id(st, q_mark, rows[i].id, tid, 0) || render_list_add_bridged(l, rows[i].id, tid))
			rc = PROTO_ERR_INTERNAL;
	}
	for (size_t i = 0; i < n; i++)
		free(rows[i].body);
	free(rows);
	if (rc == PROTO_ERR_NONE && store__audit_add(st, job, sf.course, "session.bridge", "session", sf.id, NULL))
		rc = PROTO_ERR_INTERNAL;
	if (rc != PROTO_ERR_NONE) {
		render_list_free(l);
		return rc;
	}
	*result = render_list_result(l, "threads");
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

enum proto_err store__qa_apply(struct store *st, struct store_job *job, char **result)
{
	assert(store__on_writer(st));

	switch (job->req.op) {
	case PROTO_OP_SESSION_CREATE:
		return op_session_create(st, job, result);
	case PROTO_OP_SESSION_START:
	case PROTO_OP_SESSION_END:
		return op_session_start_end(st, job, result);
	case PROTO_OP_QUESTION_ASK:
		return op_question_ask(st, job, result);
	case PROTO_OP_QUESTION_EDIT:
	case PROTO_OP_QUESTION_WITHDRAW:
		return op_question_own(st, job, result);
	case PROTO_OP_QUESTION_VOTE:
		return op_question_vote(st, job, result);
	case PROTO_OP_QUESTION_APPROVE:
		return op_question_approve(st, job, result);
	case PROTO_OP_QUESTION_DISMISS:
		return op_question_dismiss(st, job, result);
	case PROTO_OP_QUESTION_ANSWERING:
		return op_question_answering(st, job, result);
	case PROTO_OP_QUESTION_ANSWER:
		return op_question_answer(st, job, result);
	case PROTO_OP_SESSION_BRIDGE:
		return op_session_bridge(st, job, result);
	default:
		return store__job_error(job, PROTO_ERR_INTERNAL, NULL, "not a qa op");
	}
}

/* ------------------------------------------------------------------------- */
/* Reads (loop thread)                                                       */
/* ------------------------------------------------------------------------- */

/* session.list: a course's live sessions, for whoever may read the
 * course. A new reply msg the caller owns, or NULL with *err filled. */
struct msg *store_session_list(struct store_conn *rd, const struct identity *who, const struct proto_request *req,
			       int64_t now_s, struct proto_error *err)
{
	static const char q_course[] = "SELECT starts_at, ends_at FROM courses WHERE id = ?1";
	static const char q[] = "SELECT id, course_id, title, starts_at, state, premoderated, started_at, ended_at,"
				" answering_id, answering_v FROM live_sessions WHERE course_id = ?1 ORDER BY id DESC LIMIT 200";
	int64_t course = req->f[PF_SESSION_LIST_COURSE].u.i;
	struct access_course ac = { .id = course };
	sqlite3_stmt *s = store__row_by_id(&rd->cache, rd->db, q_course, course);
	struct render_list *l;
	enum proto_err rc;

	err->code = PROTO_ERR_NONE;
	if (!s) {
		err->code = PROTO_ERR_NOT_FOUND;
		snprintf(err->message, sizeof(err->message), "no such course");
		return NULL;
	}
	ac.starts_at = sqlite3_column_int64(s, 0);
	ac.ends_at = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	if ((rc = access_check(who, &ac, now_s, 0)) != PROTO_ERR_NONE) {
		err->code = rc;
		snprintf(err->message, sizeof(err->message), "%s", proto_errs[rc].code);
		return NULL;
	}
	if (!(l = render_list_new()) || !(s = store__stmt(&rd->cache, rd->db, q))) {
		render_list_free(l);
		err->code = PROTO_ERR_INTERNAL;
		return NULL;
	}
	sqlite3_bind_int64(s, 1, course);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct qa_session x;

		session_row(s, &x, NULL);
		if (render_list_add_session(l, &x))
			break;
	}
	sqlite3_reset(s);
	return render_list_reply(req->id, "sessions", l, 0, NULL, 0);
}

/* The course of live session `session` into *course, on the read
 * connection. 0, or -1 (no such session or an error). */
int store_session_course(struct store_conn *rd, int64_t session, int64_t *course)
{
	static const char q[] = "SELECT course_id FROM live_sessions WHERE id = ?1";
	sqlite3_stmt *s = store__row_by_id(&rd->cache, rd->db, q, session);

	if (!s)
		return -1;
	*course = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return 0;
}

/* The session room's snapshot, inside the caller's read transaction. */
struct msg *store__session_snapshot(struct store_conn *rd, const char *req_id, const char *room, int64_t session,
				   int staff_view, int64_t uid, int64_t seq)
{
	static const char q_questions[] =
		"SELECT q.id, q.session_id, s.course_id, q.author_id, u.ext_id, u.name, q.anonymous, q.body, q.state,"
		"       q.votes, q.votes_v, q.answer, q.dismiss_reason, q.published, q.created_at, q.published_at,"
		"       q.answered_at, q.edited_at, v.user_id IS NOT NULL"
		"  FROM questions q JOIN live_sessions s ON s.id = q.session_id JOIN users u ON u.id = q.author_id"
		"  LEFT JOIN question_votes v ON v.question_id = q.id AND v.user_id = ?3"
		" WHERE q.session_id = ?1 AND qa_question_listed(q.published, q.state, q.author_id, ?2, ?3)"
		" ORDER BY q.id DESC LIMIT ?4";
	sqlite3_stmt *ss = store__row_by_id(&rd->cache, rd->db, Q_SESSION, session), *qs;
	struct render_list *l = NULL, *polls = NULL, *surveys = NULL;
	size_t budget = PROTO_SNAPSHOT_MAX_BYTES;
	struct qa_session x;
	struct msg *m = NULL;
	int n = 0;

	if (!ss)
		return NULL;
	session_row(ss, &x, NULL);
	/* One byte budget for the three lists: polls and surveys first (what is
	 * open now is among them), then the newest questions that fit (a live
	 * session is about what was just asked); reading stops at the first
	 * that does not. */
	if (!(polls = store__session_polls(rd, session, staff_view, uid)) ||
	    !(surveys = store__session_surveys(rd, session, staff_view)))
		goto out;
	budget -= render_list_trim(polls, budget);
	budget -= render_list_trim(surveys, budget);
	if (!(l = render_list_new()) || !(qs = store__stmt(&rd->cache, rd->db, q_questions)))
		goto out;
	sqlite3_bind_int64(qs, 1, session);
	sqlite3_bind_int(qs, 2, staff_view);
	sqlite3_bind_int64(qs, 3, uid);
	sqlite3_bind_int64(qs, 4, PROTO_SNAPSHOT_QUESTIONS_MAX + 1);  /* one more: are there more? */
	while (sqlite3_step(qs) == SQLITE_ROW) {
		struct qa_question q;

		if (n == PROTO_SNAPSHOT_QUESTIONS_MAX) {
			render_list_set_more(l);
			break;
		}
		question_row(qs, &q);
		if (render_list_add_question(l, &q, view_of(staff_view, uid), sqlite3_column_int(qs, 18)) ||
		    render_list_last_add_int(l, "votes_v", q.votes_v) || render_list_fit(l, budget))
			break;
		n++;
	}
	sqlite3_reset(qs);
	render_list_reverse(l);         /* in id order */
	m = render_session_snapshot(req_id, room, seq, &x, l, polls, surveys);
	l = polls = surveys = NULL;
out:
	render_list_free(l);
	render_list_free(polls);
	render_list_free(surveys);
	sqlite3_reset(ss);
	return m;
}

struct render_list *store__session_votes(struct store_conn *rd, int64_t session)
{
	static const char q[] = "SELECT id, votes, votes_v FROM questions WHERE session_id = ?1 AND votes_v > 0 AND published"
				" ORDER BY id LIMIT ?2";

	return store__votes_page(rd, q, session, "question");
}

long store__session_state(struct store_conn *rd, const char *room, int64_t session,
			 void (*emit)(void *arg, struct msg *m), void *arg)
{
	sqlite3_stmt *ss;
	long n = 0;

	if ((ss = store__row_by_id(&rd->cache, rd->db, Q_SESSION, session))) {
		struct qa_session x;
		int64_t v;
		struct msg *m;

		session_row(ss, &x, &v);
		if ((m = render_state_answering(room, session, x.answering, v))) {
			emit(arg, m);
			n++;
		}
		sqlite3_reset(ss);
	}
	return n;
}

/* ------------------------------------------------------------------------- */
/* Export (own connection: HTTP API and command line)                        */
/* ------------------------------------------------------------------------- */

/* The Q&A export of a session as JSON or CSV, read on its own connection:
 * staff see every question and, with names, who asked; others published
 * questions only. Malloc'd, the caller frees it; NULL with *code
 * forbidden, not_found or internal and err. Over db, or (db NULL) a
 * connection of its own for path, closed at the end. */
static char *session_export(sqlite3 *db, const char *path, int64_t session, const struct identity *who, int names,
			    int csv, enum proto_err *code, char *err, size_t err_len)
{
	static const char q_rows[] =
		"SELECT q.id, q.created_at, q.state, q.votes, q.anonymous, u.name, q.body, q.answer, q.answered_at"
		"  FROM questions q JOIN users u ON u.id = q.author_id"
		" WHERE q.session_id = ?1 AND qa_question_listed(q.published, q.state, q.author_id, ?2, 0)"
		" ORDER BY q.id";
	sqlite3 *own = NULL;
	sqlite3_stmt *s = NULL;
	struct qa_export *e = NULL;
	struct qa_session x;
	char *out = NULL;
	int staff, sql_rc;
	int64_t t0;

	*code = PROTO_ERR_INTERNAL;
	if (!db) {
		if (sqlite3_open_v2(path, &own, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
			snprintf(err, err_len, "cannot open the database");
			db = own;
			goto out;
		}
		db = own;
		sqlite3_busy_timeout(db, 5000);
		if (store__rules_register(db) != SQLITE_OK)
			goto out;
	}
	/* One read transaction: the session and its questions agree. */
	if (store__exec(db, "BEGIN") != SQLITE_OK || sqlite3_prepare_v2(db, Q_SESSION, -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(s, 1, session);
	if (sqlite3_step(s) != SQLITE_ROW) {
		*code = PROTO_ERR_NOT_FOUND;
		snprintf(err, err_len, "no such session");
		goto out;
	}
	session_row(s, &x, NULL);
	staff = access_is_staff(who, x.course);
	if (!staff && identity_role(who, x.course) == PROTO_ROLE_NONE) {
		*code = PROTO_ERR_FORBIDDEN;
		snprintf(err, err_len, "not in this course");
		goto out;
	}
	names = names && staff;
	t0 = x.started_at ? x.started_at : x.starts_at * 1000;
	if (!(e = qa_export_new(&x, view_of(staff, 0), names)))
		goto out;
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_prepare_v2(db, q_rows, -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(s, 1, session);
	sqlite3_bind_int(s, 2, staff);
	while ((sql_rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct qa_export_row r = {
			.id = sqlite3_column_int64(s, 0),
			.asked_at_s = (sqlite3_column_int64(s, 1) - t0) / 1000,
			.state = (const char *)sqlite3_column_text(s, 2),
			.votes = sqlite3_column_int64(s, 3),
			.anonymous = sqlite3_column_int(s, 4),
			.asker = names ? (const char *)sqlite3_column_text(s, 5) : NULL,
			.question = (const char *)sqlite3_column_text(s, 6),
			.answer = opt_text(s, 7),
			.answered_at_s = sqlite3_column_type(s, 8) == SQLITE_NULL ? -1
										 : (sqlite3_column_int64(s, 8) - t0) / 1000,
		};

		if (qa_export_add(e, &r))
			goto out;
	}
	if (sql_rc != SQLITE_DONE)
		goto out;
	out = qa_export_finish(e, csv);
	e = NULL;
	if (out)
		*code = PROTO_ERR_NONE;
out:
	if (!out && *code == PROTO_ERR_INTERNAL && !err[0])
		snprintf(err, err_len, "%s", db ? sqlite3_errmsg(db) : "out of memory");
	qa_export_free(e);
	sqlite3_finalize(s);
	if (db && !sqlite3_get_autocommit(db))
		store__exec(db, "COMMIT");
	sqlite3_close(own);
	return out;
}

char *store_session_export(const char *path, int64_t session, const struct identity *who, int names, int csv,
			   enum proto_err *code, char *err, size_t err_len)
{
	return session_export(NULL, path, session, who, names, csv, code, err, err_len);
}

char *store_api_session_export(struct store_conn *rd, int64_t session, const struct identity *who, int names,
			       int csv, enum proto_err *code, char *err, size_t err_len)
{
	return session_export(rd->db, NULL, session, who, names, csv, code, err, err_len);
}
