/*
 * poll.c - live polls and surveys: their rows, their events rendered from
 * the rows, and the staff ops that make, open, close, reveal, reset and
 * duplicate them, inside the writer's transaction. Answers are in
 * poll_answer.c, word clouds in cloud.c, the reads for subscribers in
 * poll_read.c; polls.h is what the four share.
 *
 * Where things go: a poll's events go to staff:<course> until it is first
 * opened, then to session:<id>. Its tallies never go there: they are the
 * poll.results state of the poll's own room results:<n>, which only those
 * allowed to see them may follow (store__results_access). When fewer people
 * may see them (a reset, or a reveal taken back) the poll moves to a new n,
 * so that a socket that followed the old room is sent nothing more.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "core/poll.h"
#include "core/words.h"
#include "internal.h"
#include "polls.h"
#include "proto/render_poll.h"

#define POLL_COLUMNS \
	"id, session_id, course_id, survey_id, position, kind, prompt, min_choices, max_choices, scale, max_entries," \
	" correct, visibility, state, revealed, results_room, respondents, entries, results_v, created_at, opened_at," \
	" closed_at, resets"
static const char Q_POLL[] = "SELECT " POLL_COLUMNS " FROM polls WHERE id = ?1";
static const char Q_OPTIONS[] = "SELECT idx, label, count FROM poll_options WHERE poll_id = ?1 ORDER BY idx";
static const char Q_SURVEY[] = "SELECT id, session_id, course_id, title, created_at FROM surveys WHERE id = ?1";
static const char Q_SURVEY_POLLS[] =
	"SELECT id FROM polls WHERE survey_id = ?1 AND (?2 OR opened_at IS NOT NULL) ORDER BY position, id";
static const char Q_GROUPS[] =
	"SELECT g.key, g.count, g.first_v,"
	"       (SELECT s.spelling FROM poll_spellings s WHERE s.poll_id = g.poll_id AND s.key = g.key"
	"         ORDER BY s.count DESC, s.first_v LIMIT 1)"
	"  FROM poll_groups g WHERE g.poll_id = ?1 AND g.count > 0 ORDER BY g.count DESC, g.first_v LIMIT ?2";

/* ------------------------------------------------------------------------- */
/* Rows                                                                      */
/* ------------------------------------------------------------------------- */

void store__poll_row_free(struct poll_row *r)
{
	free(r->prompt);
	for (size_t i = 0; i < POLL_MAX_OPTIONS; i++)
		free(r->options[i]);
	memset(r, 0, sizeof(*r));
}

int64_t store__col_int_or0(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, i);
}

/* Loads poll id with its options and counts; 0, or -1 (no such poll, or a
 * failure: nothing to free then). */
int store__poll_load(struct stmt_cache *c, sqlite3 *db, int64_t id, struct poll_row *r)
{
	sqlite3_stmt *s = store__row_by_id(c, db, Q_POLL, id);
	struct poll *p = &r->p;
	int kind, vis, state;

	memset(r, 0, sizeof(*r));
	if (!s)
		return -1;
	p->id = sqlite3_column_int64(s, 0);
	p->session = sqlite3_column_int64(s, 1);
	p->course = sqlite3_column_int64(s, 2);
	p->survey = store__col_int_or0(s, 3);
	p->position = sqlite3_column_int64(s, 4);
	kind = poll_kind_parse((const char *)sqlite3_column_text(s, 5));
	r->prompt = strdup((const char *)sqlite3_column_text(s, 6));
	p->min_choices = (int)store__col_int_or0(s, 7);
	p->max_choices = (int)store__col_int_or0(s, 8);
	p->scale = (int)store__col_int_or0(s, 9);
	p->max_entries = (int)store__col_int_or0(s, 10);
	p->has_correct = sqlite3_column_type(s, 11) != SQLITE_NULL;
	p->correct = (uint32_t)store__col_int_or0(s, 11);
	vis = poll_visibility_parse((const char *)sqlite3_column_text(s, 12));
	state = poll_state_parse((const char *)sqlite3_column_text(s, 13));
	p->revealed = sqlite3_column_int(s, 14);
	p->results_room = sqlite3_column_int64(s, 15);
	p->respondents = sqlite3_column_int64(s, 16);
	p->entries = sqlite3_column_int64(s, 17);
	p->results_v = sqlite3_column_int64(s, 18);
	p->created_at = sqlite3_column_int64(s, 19);
	p->opened_at = store__col_int_or0(s, 20);
	p->closed_at = store__col_int_or0(s, 21);
	p->resets = sqlite3_column_int64(s, 22);
	sqlite3_reset(s);
	if (kind < 0 || vis < 0 || state < 0 || !r->prompt) {
		store__poll_row_free(r);
		return -1;
	}
	p->kind = (enum poll_kind)kind;
	p->visibility = (enum poll_visibility)vis;
	p->state = (enum poll_state)state;
	p->prompt = r->prompt;
	if (!(s = store__stmt(c, db, Q_OPTIONS))) {
		store__poll_row_free(r);
		return -1;
	}
	sqlite3_bind_int64(s, 1, id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t idx = sqlite3_column_int64(s, 0);

		if (idx < 0 || idx >= POLL_MAX_COUNTS)
			continue;
		r->counts[idx] = sqlite3_column_int64(s, 2);
		if ((p->kind == POLL_SINGLE || p->kind == POLL_MULTIPLE) && idx < POLL_MAX_OPTIONS) {
			r->options[idx] = strdup((const char *)sqlite3_column_text(s, 1));
			p->options[idx] = r->options[idx] ? r->options[idx] : "";
			if ((size_t)idx + 1 > p->noptions)
				p->noptions = (size_t)idx + 1;
		}
	}
	sqlite3_reset(s);
	return 0;
}

void store__poll_results_free(struct results_buf *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->r.ngroups; i++) {
		free((char *)b->g[i].key);
		free((char *)b->g[i].text);
	}
	free(b);
}

/* The results of the loaded poll r; NULL on failure. */
struct results_buf *store__poll_results_load(struct stmt_cache *c, sqlite3 *db, const struct poll_row *row)
{
	const struct poll *p = &row->p;
	struct results_buf *b = calloc(1, sizeof(*b));
	sqlite3_stmt *s;

	if (!b)
		return NULL;
	b->r.poll = p->id;
	b->r.kind = p->kind;
	b->r.respondents = p->respondents;
	b->r.entries = p->entries;
	b->r.groups = b->g;
	if (p->kind == POLL_SINGLE || p->kind == POLL_MULTIPLE || p->kind == POLL_RATING) {
		b->r.ncounts = p->kind == POLL_RATING ? (size_t)p->scale : p->noptions;
		if (b->r.ncounts > POLL_MAX_COUNTS)
			b->r.ncounts = POLL_MAX_COUNTS;
		memcpy(b->r.counts, row->counts, sizeof(b->r.counts));
		return b;
	}
	if (!(s = store__stmt(c, db, Q_GROUPS))) {
		store__poll_results_free(b);
		return NULL;
	}
	sqlite3_bind_int64(s, 1, p->id);
	sqlite3_bind_int64(s, 2, PROTO_MAX_RESULT_ITEMS);
	while (b->r.ngroups < PROTO_MAX_RESULT_ITEMS && sqlite3_step(s) == SQLITE_ROW) {
		struct poll_group *g = &b->g[b->r.ngroups];
		const char *text = (const char *)sqlite3_column_text(s, 3);

		g->key = strdup((const char *)sqlite3_column_text(s, 0));
		g->text = strdup(text ? text : (const char *)sqlite3_column_text(s, 0));
		g->count = sqlite3_column_int64(s, 1);
		g->first_v = sqlite3_column_int64(s, 2);
		b->r.ngroups++;
		if (!g->key || !g->text) {
			sqlite3_reset(s);
			store__poll_results_free(b);
			return NULL;
		}
	}
	sqlite3_reset(s);
	poll_groups_sort(b->g, b->r.ngroups);
	return b;
}

void store__poll_mine_free(struct mine_buf *b)
{
	free(b->text);
	for (size_t i = 0; i < PROTO_MAX_CLOUD_ENTRIES; i++)
		free(b->entries[i]);
	memset(b, 0, sizeof(*b));
}

int store__poll_mine_load(struct stmt_cache *c, sqlite3 *db, const struct poll *p, int64_t uid, struct mine_buf *b)
{
	static const char q_answer[] = "SELECT choices, rating, text FROM poll_answers WHERE poll_id = ?1 AND user_id = ?2";
	static const char q_entries[] =
		"SELECT spelling, removed FROM cloud_entries WHERE poll_id = ?1 AND user_id = ?2 ORDER BY id";
	sqlite3_stmt *s = store__stmt(c, db, p->kind == POLL_WORDS ? q_entries : q_answer);
	int rc = 0;

	memset(b, 0, sizeof(*b));
	b->m.kind = p->kind;
	b->m.entries = (const char *const *)b->entries;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, p->id);
	sqlite3_bind_int64(s, 2, uid);
	while (sqlite3_step(s) == SQLITE_ROW) {
		b->found = 1;
		if (p->kind != POLL_WORDS) {
			b->m.choices = (uint32_t)store__col_int_or0(s, 0);
			b->m.rating = store__col_int_or0(s, 1);
			if (sqlite3_column_type(s, 2) != SQLITE_NULL && !(b->text = strdup((const char *)sqlite3_column_text(s, 2))))
				rc = -1;
			b->m.text = b->text;
			break;
		}
		b->m.sent++;
		if (sqlite3_column_int(s, 1) || b->m.nentries >= PROTO_MAX_CLOUD_ENTRIES)
			continue;
		if (!(b->entries[b->m.nentries] = strdup((const char *)sqlite3_column_text(s, 0))))
			rc = -1;
		else
			b->m.nentries++;
	}
	sqlite3_reset(s);
	if (rc)
		store__poll_mine_free(b);
	return rc;
}

void store__survey_row_free(struct survey_row *r)
{
	free(r->title);
	free(r->ids);
	memset(r, 0, sizeof(*r));
}

int store__survey_load(struct stmt_cache *c, sqlite3 *db, int64_t id, int staff_view, struct survey_row *r)
{
	sqlite3_stmt *s = store__row_by_id(c, db, Q_SURVEY, id);
	size_t cap = 0;

	memset(r, 0, sizeof(*r));
	if (!s)
		return -1;
	r->s.id = sqlite3_column_int64(s, 0);
	r->s.session = sqlite3_column_int64(s, 1);
	r->s.course = sqlite3_column_int64(s, 2);
	r->title = strdup((const char *)sqlite3_column_text(s, 3));
	r->s.created_at = sqlite3_column_int64(s, 4);
	r->s.title = r->title;
	sqlite3_reset(s);
	if (!r->title || !(s = store__stmt(c, db, Q_SURVEY_POLLS))) {
		store__survey_row_free(r);
		return -1;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, staff_view);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (r->s.npolls == cap) {
			int64_t *n = realloc(r->ids, (cap = cap ? cap * 2 : 8) * sizeof(*n));

			if (!n) {
				sqlite3_reset(s);
				store__survey_row_free(r);
				return -1;
			}
			r->ids = n;
		}
		r->ids[r->s.npolls++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	r->s.polls = r->ids;
	return 0;
}

/* One view of a poll or survey event, rendered from the current rows; a
 * new msg, or NULL. */
static struct msg *render_view(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
			       enum proto_event ev, int64_t subject, int staff_view)
{
	struct msg *m = NULL;

	switch (ev) {
	case PROTO_EV_POLL_CREATED:
	case PROTO_EV_POLL_UPDATED: {
		struct poll_row r;

		if (store__poll_load(c, db, subject, &r))
			return NULL;
		m = render_event_poll(proto_events[ev].name, room, seq, &r.p, staff_view);
		store__poll_row_free(&r);
		break;
	}
	case PROTO_EV_SURVEY_CREATED:
	case PROTO_EV_SURVEY_UPDATED: {
		struct survey_row r;

		if (store__survey_load(c, db, subject, staff_view, &r))
			return NULL;
		m = render_event_survey(proto_events[ev].name, room, seq, &r.s);
		store__survey_row_free(&r);
		break;
	}
	default:
		break;
	}
	return m;
}

int store__poll_render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
			    enum proto_event ev, int64_t subject, struct msg **peer, struct msg **staff)
{
	*peer = render_view(c, db, room, seq, ev, subject, 0);
	*staff = render_view(c, db, room, seq, ev, subject, 1);
	return *peer && *staff ? 0 : -1;
}

/* ------------------------------------------------------------------------- */
/* Shared steps (writer thread)                                              */
/* ------------------------------------------------------------------------- */

static void results_room_name(char *buf, size_t n, int64_t room)
{
	snprintf(buf, n, "results:%" PRId64, room);
}

/* Loads a poll for a write; not_found for a draft a participant asks about. */
enum proto_err store__poll_facts(struct store *st, struct store_job *job, int64_t id, struct poll_row *r)
{
	assert(store__on_writer(st));

	if (store__poll_load(&st->wcache, st->wdb, id, r))
		return store__job_error(job, PROTO_ERR_NOT_FOUND, "poll", "no such poll");
	if (r->p.opened_at == 0 && !access_is_staff(&job->who, r->p.course)) {
		store__poll_row_free(r);
		return store__job_error(job, PROTO_ERR_NOT_FOUND, "poll", "no such poll");
	}
	return PROTO_ERR_NONE;
}

/* Appends event ev about `subject` to session:<id> once the thing is
 * public, else to staff:<course>. sql selects (course, session, public) for
 * the subject's id. 0 or -1. */
static int scoped_event(struct store *st, struct store_job *job, const char *sql, int64_t subject,
			enum proto_event ev)
{
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, sql, subject);

	if (!s)
		return -1;
	if (sqlite3_column_int(s, 2))
		store__room_name(room, sizeof(room), "session", sqlite3_column_int64(s, 1));
	else
		store__room_name(room, sizeof(room), "staff", sqlite3_column_int64(s, 0));
	sqlite3_reset(s);
	return store__event_append(st, job, room, ev, subject, job->uid);
}

/* A poll's events: staff:<course> while it was never opened, then session:<id>. */
static int poll_event(struct store *st, struct store_job *job, int64_t poll, enum proto_event ev)
{
	static const char q[] = "SELECT course_id, session_id, opened_at IS NOT NULL FROM polls WHERE id = ?1";

	return scoped_event(st, job, q, poll, ev);
}

/* A survey's events: session:<id> once any of its polls was opened. */
static int survey_event(struct store *st, struct store_job *job, int64_t survey, enum proto_event ev)
{
	static const char q[] =
		"SELECT s.course_id, s.session_id,"
		"       EXISTS (SELECT 1 FROM polls p WHERE p.survey_id = s.id AND p.opened_at IS NOT NULL)"
		"  FROM surveys s WHERE s.id = ?1";

	return scoped_event(st, job, q, survey, ev);
}

static char *poll_result(struct store *st, int64_t poll)
{
	struct poll_row r;
	char *out;

	if (store__poll_load(&st->wcache, st->wdb, poll, &r))
		return NULL;
	out = render_result_poll(&r.p, 1);
	store__poll_row_free(&r);
	return out;
}

/* Queues the poll's current results as the poll.results state of its room
 * (a new version). 0 or -1. */
int store__poll_results_state(struct store *st, struct store_job *job, int64_t poll)
{
	static const char q_bump[] = "UPDATE polls SET results_v = results_v + 1 WHERE id = ?1";
	char room[PROTO_MAX_ROOM_CHARS + 1], key[48];
	struct poll_row r;
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q_bump);
	int rc;

	assert(store__on_writer(st));
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	if (store__step_done(s) || store__poll_load(&st->wcache, st->wdb, poll, &r))
		return -1;
	results_room_name(room, sizeof(room), r.p.results_room);
	snprintf(key, sizeof(key), "poll:%" PRId64, poll);
	rc = store__state_fact(job, room, key, r.p.results_v, STORE_STATE_POLL_RESULTS, poll, 0);
	store__poll_row_free(&r);
	return rc;
}

/* The poll's results as they are now, for the results room the write
 * named. When the poll has moved to another results room since (fewer
 * people may see its results now, and the old room was retired), nothing
 * is sent: today's tallies must not reach yesterday's audience. */
int store__poll_render_state(struct stmt_cache *c, sqlite3 *db, struct store_state *s)
{
	char room[PROTO_MAX_ROOM_CHARS + 1];
	struct results_buf *b;
	struct poll_row r;

	if (s->kind != STORE_STATE_POLL_RESULTS || store__poll_load(c, db, s->subject, &r))
		return -1;
	results_room_name(room, sizeof(room), r.p.results_room);
	if (strcmp(room, s->room) != 0) {
		store__poll_row_free(&r);
		return 0;
	}
	if (!(b = store__poll_results_load(c, db, &r))) {
		store__poll_row_free(&r);
		return -1;
	}
	if (r.p.results_v > s->version)
		s->version = r.p.results_v;
	s->value = render_state_poll_results(s->room, s->version, &b->r);
	store__poll_results_free(b);
	store__poll_row_free(&r);
	return s->value ? 0 : -1;
}

/* Gives the poll a new results room and retires the old one: whoever
 * followed it is sent nothing more. 0 or -1. */
static int results_room_move(struct store *st, struct store_job *job, const struct poll *p)
{
	static const char q_new[] = "INSERT INTO results_rooms(poll_id, created_at) VALUES (?1, ?2)";
	static const char q_set[] = "UPDATE polls SET results_room = ?2 WHERE id = ?1";
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q_new);
	struct msg *m;
	int64_t n;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, p->id);
	sqlite3_bind_int64(s, 2, job->now_ms);
	if (store__step_done(s))
		return -1;
	n = sqlite3_last_insert_rowid(st->wdb);
	if (!(s = store__stmt(&st->wcache, st->wdb, q_set)))
		return -1;
	sqlite3_bind_int64(s, 1, p->id);
	sqlite3_bind_int64(s, 2, n);
	if (store__step_done(s))
		return -1;
	results_room_name(room, sizeof(room), p->results_room);
	if (!(m = msg_from("{}", 2)))
		return -1;
	return store__state_add(job, room, STORE_STATE_RETIRE, INT64_MAX, m, NULL);
}

int store__poll_exec2(struct store *st, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, sql);

	assert(store__on_writer(st));
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	return store__step_done(s);
}

/* The session's course and state, for a staff write on its polls. */
static enum proto_err session_facts(struct store *st, struct store_job *job, int64_t session, int64_t *course,
				    char state[12])
{
	static const char q[] = "SELECT course_id, state FROM live_sessions WHERE id = ?1";
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, q, session);

	if (!s)
		return store__job_error(job, PROTO_ERR_NOT_FOUND, "session", "no such session");
	*course = sqlite3_column_int64(s, 0);
	snprintf(state, 12, "%s", (const char *)sqlite3_column_text(s, 1));
	sqlite3_reset(s);
	return PROTO_ERR_NONE;
}

/* ------------------------------------------------------------------------- */
/* Surveys                                                                   */
/* ------------------------------------------------------------------------- */

static enum proto_err op_survey_create(struct store *st, struct store_job *job, char **result)
{
	static const char q[] =
		"INSERT INTO surveys(session_id, course_id, title, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
	const struct proto_str *title = &job->req.f[PF_SURVEY_CREATE_TITLE].u.s;
	int64_t session = job->req.f[PF_SURVEY_CREATE_SESSION].u.i, course, id;
	struct survey_row r;
	char state[12];
	sqlite3_stmt *s;
	enum proto_err rc;

	if (!forum_text_present(title->p, title->len))
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "title", "the title is empty");
	if ((rc = session_facts(st, job, session, &course, state)) != PROTO_ERR_NONE ||
	    (rc = store__need_staff(job, course)) != PROTO_ERR_NONE ||
	    (rc = store__check_course(st, job, course, 1)) != PROTO_ERR_NONE)
		return rc;
	if (!(s = store__stmt(&st->wcache, st->wdb, q)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, session);
	sqlite3_bind_int64(s, 2, course);
	sqlite3_bind_text(s, 3, title->p, (int)title->len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, job->uid);
	sqlite3_bind_int64(s, 5, job->now_ms);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	id = sqlite3_last_insert_rowid(st->wdb);
	if (survey_event(st, job, id, PROTO_EV_SURVEY_CREATED) || store__survey_load(&st->wcache, st->wdb, id, 1, &r))
		return PROTO_ERR_INTERNAL;
	*result = render_result_survey(&r.s, NULL);
	store__survey_row_free(&r);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* Opens a poll (draft or closed) and tells whoever may see it; an open poll
 * is left as it is. The session must be live. announce: tell the session
 * about the poll's survey when this is its first opening (survey.open tells
 * it once, after opening them all). */
static enum proto_err poll_open(struct store *st, struct store_job *job, const struct poll_row *r, int announce)
{
	static const char q[] =
		"UPDATE polls SET state = 'open', opened_at = coalesce(opened_at, ?2), closed_at = NULL WHERE id = ?1";
	int64_t course;
	char state[12];
	enum proto_err rc;
	int first = r->p.opened_at == 0;

	if (r->p.state == POLL_OPEN)
		return PROTO_ERR_NONE;
	if ((rc = session_facts(st, job, r->p.session, &course, state)) != PROTO_ERR_NONE)
		return rc;
	if (strcmp(state, "live") != 0)
		return store__job_error(job, PROTO_ERR_SESSION_NOT_LIVE, "session", "the session is not live");
	if (store__poll_exec2(st, q, r->p.id, job->now_ms) || poll_event(st, job, r->p.id, PROTO_EV_POLL_UPDATED))
		return PROTO_ERR_INTERNAL;
	/* Peers learn of a survey when its first poll opens. */
	if (announce && first && r->p.survey && survey_event(st, job, r->p.survey, PROTO_EV_SURVEY_UPDATED))
		return PROTO_ERR_INTERNAL;
	return PROTO_ERR_NONE;
}

static enum proto_err poll_close(struct store *st, struct store_job *job, const struct poll_row *r)
{
	static const char q[] = "UPDATE polls SET state = 'closed', closed_at = ?2 WHERE id = ?1";

	if (r->p.state != POLL_OPEN)
		return PROTO_ERR_NONE;
	if (store__poll_exec2(st, q, r->p.id, job->now_ms) || poll_event(st, job, r->p.id, PROTO_EV_POLL_UPDATED))
		return PROTO_ERR_INTERNAL;
	return PROTO_ERR_NONE;
}

/* The ids sql (one ?1 = arg) selects, in its order, malloc'd (the caller
 * frees; NULL with *n 0 when there are none); -1 in *n on failure. */
static int64_t *select_ids(struct store *st, const char *sql, int64_t arg, long *n)
{
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, sql);
	int64_t *ids = NULL;
	size_t cap = 0;
	int step;

	*n = -1;
	if (!s)
		return NULL;
	*n = 0;
	sqlite3_bind_int64(s, 1, arg);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if ((size_t)*n == cap) {
			int64_t *nn = realloc(ids, (cap = cap ? cap * 2 : 16) * sizeof(*nn));

			if (!nn)
				break;
			ids = nn;
		}
		ids[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	if (step != SQLITE_DONE) {
		free(ids);
		*n = -1;
		return NULL;
	}
	return ids;
}

int store__poll_session_ended(struct store *st, struct store_job *job, int64_t session)
{
	static const char q_ids[] = "SELECT id FROM polls WHERE session_id = ?1 AND state = 'open' ORDER BY id";
	long n;
	int64_t *ids = select_ids(st, q_ids, session, &n);
	int rc = n < 0 ? -1 : 0;

	assert(store__on_writer(st));
	for (long i = 0; i < n && rc == 0; i++) {
		struct poll_row r;

		if (store__poll_load(&st->wcache, st->wdb, ids[i], &r))
			rc = -1;
		else
			rc = poll_close(st, job, &r) == PROTO_ERR_NONE ? 0 : -1;
		store__poll_row_free(&r);
	}
	free(ids);
	return rc;
}

static enum proto_err op_survey_open_close(struct store *st, struct store_job *job, char **result)
{
	static const char q_ids[] = "SELECT id FROM polls WHERE survey_id = ?1 ORDER BY position, id";
	int open = job->req.op == PROTO_OP_SURVEY_OPEN;
	int64_t survey = job->req.f[0].u.i, *ids = NULL;
	long n = 0;
	struct survey_row sr;
	struct render_list *l;
	enum proto_err rc = PROTO_ERR_NONE;
	int changed = 0;

	if (store__survey_load(&st->wcache, st->wdb, survey, 1, &sr))
		return store__job_error(job, PROTO_ERR_NOT_FOUND, "survey", "no such survey");
	rc = store__need_staff(job, sr.s.course);
	store__survey_row_free(&sr);
	if (rc != PROTO_ERR_NONE)
		return rc;
	ids = select_ids(st, q_ids, survey, &n);
	if (n < 0)
		return PROTO_ERR_INTERNAL;
	if (!(l = render_list_new())) {
		free(ids);
		return PROTO_ERR_INTERNAL;
	}
	for (long i = 0; i < n && rc == PROTO_ERR_NONE; i++) {
		struct poll_row r;

		if (store__poll_load(&st->wcache, st->wdb, ids[i], &r)) {
			rc = PROTO_ERR_INTERNAL;
			break;
		}
		changed |= open ? r.p.state != POLL_OPEN : r.p.state == POLL_OPEN;
		rc = open ? poll_open(st, job, &r, 0) : poll_close(st, job, &r);
		store__poll_row_free(&r);
		if (rc == PROTO_ERR_NONE && (store__poll_load(&st->wcache, st->wdb, ids[i], &r) ||
					     render_list_add_poll(l, &r.p, 1, 0, NULL, 0)))
			rc = PROTO_ERR_INTERNAL;
		store__poll_row_free(&r);
	}
	free(ids);
	if (rc == PROTO_ERR_NONE && changed && survey_event(st, job, survey, PROTO_EV_SURVEY_UPDATED))
		rc = PROTO_ERR_INTERNAL;
	if (rc != PROTO_ERR_NONE || store__survey_load(&st->wcache, st->wdb, survey, 1, &sr)) {
		render_list_free(l);
		return rc != PROTO_ERR_NONE ? rc : PROTO_ERR_INTERNAL;
	}
	*result = render_result_survey(&sr.s, l);
	store__survey_row_free(&sr);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* ------------------------------------------------------------------------- */
/* Polls: staff ops                                                          */
/* ------------------------------------------------------------------------- */

/* Inserts a poll row, its options (or rating values) and its first results
 * room; returns the id or -1. */
static int64_t poll_insert(struct store *st, struct store_job *job, const struct poll_def *d, int64_t session,
			   int64_t course, int64_t survey, const char *prompt, int prompt_len,
			   const char *const *labels, const size_t *label_lens)
{
	static const char q_pos[] = "SELECT coalesce(max(position) + 1, 0) FROM polls WHERE survey_id = ?1";
	static const char q[] =
		"INSERT INTO polls(session_id, course_id, survey_id, position, kind, prompt, min_choices, max_choices,"
		" scale, max_entries, correct, visibility, results_room, created_by, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, ?13, ?14)";
	static const char q_opt[] = "INSERT INTO poll_options(poll_id, idx, label) VALUES (?1, ?2, ?3)";
	static const char q_room[] = "INSERT INTO results_rooms(poll_id, created_at) VALUES (?1, ?2)";
	static const char q_set[] = "UPDATE polls SET results_room = ?2 WHERE id = ?1";
	int choice = d->kind == POLL_SINGLE || d->kind == POLL_MULTIPLE;
	int64_t pos = 0, id;
	sqlite3_stmt *s;
	size_t nrows;

	if (survey) {
		if (!(s = store__row_by_id(&st->wcache, st->wdb, q_pos, survey)))
			return -1;
		pos = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	if (!(s = store__stmt(&st->wcache, st->wdb, q)))
		return -1;
	sqlite3_bind_int64(s, 1, session);
	sqlite3_bind_int64(s, 2, course);
	if (survey)
		sqlite3_bind_int64(s, 3, survey);
	sqlite3_bind_int64(s, 4, pos);
	sqlite3_bind_text(s, 5, poll_kind_name(d->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, prompt, prompt_len, SQLITE_STATIC);
	if (choice) {
		sqlite3_bind_int64(s, 7, d->min_choices);
		sqlite3_bind_int64(s, 8, d->max_choices);
		if (d->has_correct)
			sqlite3_bind_int64(s, 11, d->correct_mask);
	}
	if (d->kind == POLL_RATING)
		sqlite3_bind_int64(s, 9, d->scale);
	if (d->kind == POLL_WORDS)
		sqlite3_bind_int64(s, 10, d->max_entries);
	sqlite3_bind_text(s, 12, poll_visibility_name(d->visibility), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 13, job->uid);
	sqlite3_bind_int64(s, 14, job->now_ms);
	if (store__step_done(s))
		return -1;
	id = sqlite3_last_insert_rowid(st->wdb);
	nrows = choice ? d->noptions : d->kind == POLL_RATING ? (size_t)d->scale : 0;
	for (size_t i = 0; i < nrows; i++) {
		if (!(s = store__stmt(&st->wcache, st->wdb, q_opt)))
			return -1;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (int64_t)i);
		if (choice)
			sqlite3_bind_text(s, 3, labels[i], (int)label_lens[i], SQLITE_STATIC);
		else
			sqlite3_bind_text(s, 3, "", 0, SQLITE_STATIC);
		if (store__step_done(s))
			return -1;
	}
	if (!(s = store__stmt(&st->wcache, st->wdb, q_room)))
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, job->now_ms);
	if (store__step_done(s) || store__poll_exec2(st, q_set, id, sqlite3_last_insert_rowid(st->wdb)))
		return -1;
	return id;
}

static enum proto_err op_poll_create(struct store *st, struct store_job *job, char **result)
{
	static const char q_survey[] = "SELECT session_id FROM surveys WHERE id = ?1";
	const struct proto_request *rq = &job->req;
	const struct proto_str *prompt = &rq->f[PF_POLL_CREATE_PROMPT].u.s;
	const struct proto_value *opts = &rq->f[PF_POLL_CREATE_OPTIONS], *cor = &rq->f[PF_POLL_CREATE_CORRECT];
	int64_t session = rq->f[PF_POLL_CREATE_SESSION].u.i, course, survey = 0, id;
	const char *labels[POLL_MAX_OPTIONS];
	size_t lens[POLL_MAX_OPTIONS];
	struct poll_def d;
	const char *field, *why;
	char state[12];
	sqlite3_stmt *s;
	enum proto_err rc;

	memset(&d, 0, sizeof(d));
	d.kind = (enum poll_kind)rq->f[PF_POLL_CREATE_KIND].u.e;
	d.visibility = rq->f[PF_POLL_CREATE_VISIBILITY].present ? (enum poll_visibility)rq->f[PF_POLL_CREATE_VISIBILITY].u.e
								 : POLL_VIS_LIVE;
	d.has_options = opts->present;
	d.noptions = opts->present ? opts->u.texts.n : 0;
	for (size_t i = 0; i < d.noptions && i < POLL_MAX_OPTIONS; i++) {
		d.options[i] = (struct poll_text){ opts->u.texts.items[i].p, opts->u.texts.items[i].len };
		labels[i] = opts->u.texts.items[i].p;
		lens[i] = opts->u.texts.items[i].len;
	}
	d.has_min = rq->f[PF_POLL_CREATE_MIN_CHOICES].present;
	d.min_choices = rq->f[PF_POLL_CREATE_MIN_CHOICES].u.i;
	d.has_max = rq->f[PF_POLL_CREATE_MAX_CHOICES].present;
	d.max_choices = rq->f[PF_POLL_CREATE_MAX_CHOICES].u.i;
	d.has_scale = rq->f[PF_POLL_CREATE_SCALE].present;
	d.scale = rq->f[PF_POLL_CREATE_SCALE].u.i;
	d.has_entries = rq->f[PF_POLL_CREATE_MAX_ENTRIES].present;
	d.max_entries = rq->f[PF_POLL_CREATE_MAX_ENTRIES].u.i;
	d.has_correct = cor->present;
	d.ncorrect = cor->present ? cor->u.ints.n : 0;
	for (size_t i = 0; i < d.ncorrect && i < POLL_MAX_OPTIONS; i++)
		d.correct[i] = cor->u.ints.items[i];

	if (!forum_text_present(prompt->p, prompt->len))
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "prompt", "the prompt is empty");
	if ((rc = session_facts(st, job, session, &course, state)) != PROTO_ERR_NONE ||
	    (rc = store__need_staff(job, course)) != PROTO_ERR_NONE ||
	    (rc = store__check_course(st, job, course, 1)) != PROTO_ERR_NONE)
		return rc;
	if (poll_def_check(&d, &field, &why) != PROTO_ERR_NONE)
		return store__job_error(job, PROTO_ERR_BAD_FIELD, field, why);
	if (rq->f[PF_POLL_CREATE_SURVEY].present) {
		survey = rq->f[PF_POLL_CREATE_SURVEY].u.i;
		if (!(s = store__row_by_id(&st->wcache, st->wdb, q_survey, survey)))
			return store__job_error(job, PROTO_ERR_NOT_FOUND, "survey", "no such survey");
		rc = sqlite3_column_int64(s, 0) == session ? PROTO_ERR_NONE : PROTO_ERR_BAD_FIELD;
		sqlite3_reset(s);
		if (rc != PROTO_ERR_NONE)
			return store__job_error(job, rc, "survey", "the survey belongs to another session");
	}
	id = poll_insert(st, job, &d, session, course, survey, prompt->p, (int)prompt->len, labels, lens);
	if (id < 0 || poll_event(st, job, id, PROTO_EV_POLL_CREATED))
		return PROTO_ERR_INTERNAL;
	*result = poll_result(st, id);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_poll_duplicate(struct store *st, struct store_job *job, char **result)
{
	struct poll_row r;
	struct poll_def d;
	size_t lens[POLL_MAX_OPTIONS];
	const char *labels[POLL_MAX_OPTIONS];
	enum proto_err rc;
	int64_t id;

	if ((rc = store__poll_facts(st, job, job->req.f[PF_POLL_DUPLICATE_POLL].u.i, &r)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store__need_staff(job, r.p.course)) != PROTO_ERR_NONE) {
		store__poll_row_free(&r);
		return rc;
	}
	memset(&d, 0, sizeof(d));
	d.kind = r.p.kind;
	d.visibility = r.p.visibility;
	d.noptions = r.p.noptions;
	d.min_choices = r.p.min_choices;
	d.max_choices = r.p.max_choices;
	d.scale = r.p.scale;
	d.max_entries = r.p.max_entries;
	d.has_correct = r.p.has_correct;
	d.correct_mask = r.p.correct;
	for (size_t i = 0; i < r.p.noptions; i++) {
		labels[i] = r.options[i] ? r.options[i] : "";
		lens[i] = strlen(labels[i]);
	}
	id = poll_insert(st, job, &d, r.p.session, r.p.course, r.p.survey, r.prompt, -1, labels, lens);
	store__poll_row_free(&r);
	if (id < 0 || poll_event(st, job, id, PROTO_EV_POLL_CREATED))
		return PROTO_ERR_INTERNAL;
	*result = poll_result(st, id);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* open, close, reveal, reset: the staff's state changes. */
static enum proto_err op_poll_state(struct store *st, struct store_job *job, char **result)
{
	static const char q_reveal[] = "UPDATE polls SET revealed = ?2 WHERE id = ?1";
	static const char *const q_reset[] = {
		"DELETE FROM poll_answers WHERE poll_id = ?1",
		"DELETE FROM cloud_entries WHERE poll_id = ?1",
		"DELETE FROM poll_groups WHERE poll_id = ?1",
		"DELETE FROM poll_spellings WHERE poll_id = ?1",
		"DELETE FROM cloud_aliases WHERE poll_id = ?1",
		"UPDATE poll_options SET count = 0 WHERE poll_id = ?1",
		"UPDATE polls SET respondents = 0, entries = 0, resets = resets + 1 WHERE id = ?1",
	};
	enum proto_op op = job->req.op;
	struct poll_row r;
	enum proto_err rc;

	if ((rc = store__poll_facts(st, job, job->req.f[0].u.i, &r)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store__need_staff(job, r.p.course)) != PROTO_ERR_NONE)
		goto out;
	switch (op) {
	case PROTO_OP_POLL_OPEN:
		rc = poll_open(st, job, &r, 1);
		break;
	case PROTO_OP_POLL_CLOSE:
		if (r.p.state == POLL_DRAFT)
			rc = store__job_error(job, PROTO_ERR_POLL_CLOSED, "poll", "the poll was never opened");
		else
			rc = poll_close(st, job, &r);
		break;
	case PROTO_OP_POLL_REVEAL: {
		int on = job->req.f[PF_POLL_REVEAL_REVEALED].u.b;

		if (r.p.state == POLL_DRAFT) {
			rc = store__job_error(job, PROTO_ERR_POLL_CLOSED, "poll", "a draft cannot be revealed");
			break;
		}
		if (on == r.p.revealed)
			break;
		/* Taking a reveal back narrows who sees the results: a new room. */
		if (store__poll_exec2(st, q_reveal, r.p.id, on) || (!on && results_room_move(st, job, &r.p)) ||
		    poll_event(st, job, r.p.id, PROTO_EV_POLL_UPDATED) || store__poll_results_state(st, job, r.p.id))
			rc = PROTO_ERR_INTERNAL;
		break;
	}
	case PROTO_OP_POLL_RESET:
		for (size_t i = 0; i < sizeof(q_reset) / sizeof(q_reset[0]) && rc == PROTO_ERR_NONE; i++)
			if (store__poll_exec2(st, q_reset[i], r.p.id, 0))
				rc = PROTO_ERR_INTERNAL;
		if (rc == PROTO_ERR_NONE &&
		    (results_room_move(st, job, &r.p) || poll_event(st, job, r.p.id, PROTO_EV_POLL_UPDATED) ||
		     store__poll_results_state(st, job, r.p.id) ||
		     store__audit_add(st, job, r.p.course, "poll.reset", "poll", r.p.id, NULL)))
			rc = PROTO_ERR_INTERNAL;
		break;
	default:
		rc = store__job_error(job, PROTO_ERR_INTERNAL, NULL, "not a poll op");
	}
	if (rc == PROTO_ERR_NONE && !(*result = poll_result(st, r.p.id)))
		rc = PROTO_ERR_INTERNAL;
out:
	store__poll_row_free(&r);
	return rc;
}

enum proto_err store__poll_apply(struct store *st, struct store_job *job, char **result)
{
	assert(store__on_writer(st));

	switch (job->req.op) {
	case PROTO_OP_SURVEY_CREATE:
		return op_survey_create(st, job, result);
	case PROTO_OP_SURVEY_OPEN:
	case PROTO_OP_SURVEY_CLOSE:
		return op_survey_open_close(st, job, result);
	case PROTO_OP_POLL_CREATE:
		return op_poll_create(st, job, result);
	case PROTO_OP_POLL_OPEN:
	case PROTO_OP_POLL_CLOSE:
	case PROTO_OP_POLL_REVEAL:
	case PROTO_OP_POLL_RESET:
		return op_poll_state(st, job, result);
	case PROTO_OP_POLL_DUPLICATE:
		return op_poll_duplicate(st, job, result);
	case PROTO_OP_POLL_ANSWER:
		return store__poll_answer_op(st, job, result);
	case PROTO_OP_CLOUD_REMOVE:
	case PROTO_OP_CLOUD_MERGE:
		return store__cloud_op(st, job, result);
	default:
		return store__job_error(job, PROTO_ERR_INTERNAL, NULL, "not a poll op");
	}
}
