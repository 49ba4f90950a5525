/*
 * poll.c - live polls, surveys and word clouds: writes inside the writer's
 * transaction, results kept exact beside each poll, reads for subscribers,
 * events rendered from the rows.
 *
 * Where things go: a poll's events go to staff:<course> until it is first
 * opened, then to session:<id>. Its tallies never go there: they are the
 * poll.results state of the poll's own room results:<n>, which only those
 * allowed to see them may follow (store_results_access). When fewer people
 * may see them (a reset, or a reveal taken back) the poll moves to a new n,
 * so that a socket that followed the old room is sent nothing more.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "core/poll.h"
#include "core/words.h"
#include "internal.h"
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

/* A poll with its own copies of its strings and its counts. */
struct poll_row {
	struct poll p;
	char *prompt;
	char *options[POLL_MAX_OPTIONS];
	int64_t counts[POLL_MAX_COUNTS];
};

static void poll_row_free(struct poll_row *r)
{
	free(r->prompt);
	for (size_t i = 0; i < POLL_MAX_OPTIONS; i++)
		free(r->options[i]);
	memset(r, 0, sizeof(*r));
}

static int64_t col_int_or0(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, i);
}

/* Loads poll id with its options and counts; 0, or -1 (no such poll, or a
 * failure: nothing to free then). */
static int poll_load(struct stmt_cache *c, sqlite3 *db, int64_t id, struct poll_row *r)
{
	sqlite3_stmt *s = store_row_by_id(c, db, Q_POLL, id);
	struct poll *p = &r->p;
	int kind, vis, state;

	memset(r, 0, sizeof(*r));
	if (!s)
		return -1;
	p->id = sqlite3_column_int64(s, 0);
	p->session = sqlite3_column_int64(s, 1);
	p->course = sqlite3_column_int64(s, 2);
	p->survey = col_int_or0(s, 3);
	p->position = sqlite3_column_int64(s, 4);
	kind = poll_kind_parse((const char *)sqlite3_column_text(s, 5));
	r->prompt = strdup((const char *)sqlite3_column_text(s, 6));
	p->min_choices = (int)col_int_or0(s, 7);
	p->max_choices = (int)col_int_or0(s, 8);
	p->scale = (int)col_int_or0(s, 9);
	p->max_entries = (int)col_int_or0(s, 10);
	p->has_correct = sqlite3_column_type(s, 11) != SQLITE_NULL;
	p->correct = (uint32_t)col_int_or0(s, 11);
	vis = poll_visibility_parse((const char *)sqlite3_column_text(s, 12));
	state = poll_state_parse((const char *)sqlite3_column_text(s, 13));
	p->revealed = sqlite3_column_int(s, 14);
	p->results_room = sqlite3_column_int64(s, 15);
	p->respondents = sqlite3_column_int64(s, 16);
	p->entries = sqlite3_column_int64(s, 17);
	p->results_v = sqlite3_column_int64(s, 18);
	p->created_at = sqlite3_column_int64(s, 19);
	p->opened_at = col_int_or0(s, 20);
	p->closed_at = col_int_or0(s, 21);
	p->resets = sqlite3_column_int64(s, 22);
	sqlite3_reset(s);
	if (kind < 0 || vis < 0 || state < 0 || !r->prompt) {
		poll_row_free(r);
		return -1;
	}
	p->kind = (enum poll_kind)kind;
	p->visibility = (enum poll_visibility)vis;
	p->state = (enum poll_state)state;
	p->prompt = r->prompt;
	if (!(s = store_stmt(c, db, Q_OPTIONS))) {
		poll_row_free(r);
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

/* A poll's results as rendered; free with results_free. */
struct results_buf {
	struct poll_results r;
	struct poll_group g[PROTO_MAX_RESULT_ITEMS];
};

static void results_free(struct results_buf *b)
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
static struct results_buf *results_load(struct stmt_cache *c, sqlite3 *db, const struct poll_row *row)
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
	if (!(s = store_stmt(c, db, Q_GROUPS))) {
		results_free(b);
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
			results_free(b);
			return NULL;
		}
	}
	sqlite3_reset(s);
	poll_groups_sort(b->g, b->r.ngroups);
	return b;
}

/* Someone's own answer; free with mine_free. found 0: they have none. */
struct mine_buf {
	struct poll_mine m;
	int found;
	char *text;
	char *entries[PROTO_MAX_CLOUD_ENTRIES];
};

static void mine_free(struct mine_buf *b)
{
	free(b->text);
	for (size_t i = 0; i < PROTO_MAX_CLOUD_ENTRIES; i++)
		free(b->entries[i]);
	memset(b, 0, sizeof(*b));
}

static int mine_load(struct stmt_cache *c, sqlite3 *db, const struct poll *p, int64_t uid, struct mine_buf *b)
{
	static const char q_answer[] = "SELECT choices, rating, text FROM poll_answers WHERE poll_id = ?1 AND user_id = ?2";
	static const char q_entries[] =
		"SELECT spelling, removed FROM cloud_entries WHERE poll_id = ?1 AND user_id = ?2 ORDER BY id";
	sqlite3_stmt *s = store_stmt(c, db, p->kind == POLL_WORDS ? q_entries : q_answer);
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
			b->m.choices = (uint32_t)col_int_or0(s, 0);
			b->m.rating = col_int_or0(s, 1);
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
		mine_free(b);
	return rc;
}

/* A survey with the ids of its polls in order (peers: only opened ones). */
struct survey_row {
	struct poll_survey s;
	char *title;
	int64_t *ids;
};

static void survey_row_free(struct survey_row *r)
{
	free(r->title);
	free(r->ids);
	memset(r, 0, sizeof(*r));
}

static int survey_load(struct stmt_cache *c, sqlite3 *db, int64_t id, int staff_view, struct survey_row *r)
{
	sqlite3_stmt *s = store_row_by_id(c, db, Q_SURVEY, id);
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
	if (!r->title || !(s = store_stmt(c, db, Q_SURVEY_POLLS))) {
		survey_row_free(r);
		return -1;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, staff_view);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (r->s.npolls == cap) {
			int64_t *n = realloc(r->ids, (cap = cap ? cap * 2 : 8) * sizeof(*n));

			if (!n) {
				sqlite3_reset(s);
				survey_row_free(r);
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

		if (poll_load(c, db, subject, &r))
			return NULL;
		m = render_event_poll(proto_events[ev].name, room, seq, &r.p, staff_view);
		poll_row_free(&r);
		break;
	}
	case PROTO_EV_SURVEY_CREATED:
	case PROTO_EV_SURVEY_UPDATED: {
		struct survey_row r;

		if (survey_load(c, db, subject, staff_view, &r))
			return NULL;
		m = render_event_survey(proto_events[ev].name, room, seq, &r.s);
		survey_row_free(&r);
		break;
	}
	default:
		break;
	}
	return m;
}

int store_poll_render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
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
static enum proto_err poll_facts(struct store *st, struct store_job *job, int64_t id, struct poll_row *r)
{
	if (poll_load(&st->wcache, st->wdb, id, r))
		return store_job_error(job, PROTO_ERR_NOT_FOUND, "poll", "no such poll");
	if (r->p.opened_at == 0 && !access_is_staff(&job->who, r->p.course)) {
		poll_row_free(r);
		return store_job_error(job, PROTO_ERR_NOT_FOUND, "poll", "no such poll");
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
	sqlite3_stmt *s = store_row_by_id(&st->wcache, st->wdb, sql, subject);

	if (!s)
		return -1;
	if (sqlite3_column_int(s, 2))
		store_room_name(room, sizeof(room), "session", sqlite3_column_int64(s, 1));
	else
		store_room_name(room, sizeof(room), "staff", sqlite3_column_int64(s, 0));
	sqlite3_reset(s);
	return store_event_append(st, job, room, ev, subject, job->uid);
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

	if (poll_load(&st->wcache, st->wdb, poll, &r))
		return NULL;
	out = render_result_poll(&r.p, 1);
	poll_row_free(&r);
	return out;
}

/* Queues the poll's current results as the poll.results state of its room
 * (a new version). 0 or -1. */
static int results_state(struct store *st, struct store_job *job, int64_t poll)
{
	static const char q_bump[] = "UPDATE polls SET results_v = results_v + 1 WHERE id = ?1";
	char room[PROTO_MAX_ROOM_CHARS + 1], key[48];
	struct results_buf *b;
	struct poll_row r;
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, q_bump);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	if (store_step_done(s) || poll_load(&st->wcache, st->wdb, poll, &r))
		return -1;
	if (!(b = results_load(&st->wcache, st->wdb, &r))) {
		poll_row_free(&r);
		return -1;
	}
	results_room_name(room, sizeof(room), r.p.results_room);
	snprintf(key, sizeof(key), "poll:%" PRId64, poll);
	rc = store_state_add(job, room, key, r.p.results_v, render_state_poll_results(room, r.p.results_v, &b->r), NULL);
	results_free(b);
	poll_row_free(&r);
	return rc;
}

/* Gives the poll a new results room and retires the old one: whoever
 * followed it is sent nothing more. 0 or -1. */
static int results_room_move(struct store *st, struct store_job *job, const struct poll *p)
{
	static const char q_new[] = "INSERT INTO results_rooms(poll_id, created_at) VALUES (?1, ?2)";
	static const char q_set[] = "UPDATE polls SET results_room = ?2 WHERE id = ?1";
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, q_new);
	struct msg *m;
	int64_t n;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, p->id);
	sqlite3_bind_int64(s, 2, job->now_ms);
	if (store_step_done(s))
		return -1;
	n = sqlite3_last_insert_rowid(st->wdb);
	if (!(s = store_stmt(&st->wcache, st->wdb, q_set)))
		return -1;
	sqlite3_bind_int64(s, 1, p->id);
	sqlite3_bind_int64(s, 2, n);
	if (store_step_done(s))
		return -1;
	results_room_name(room, sizeof(room), p->results_room);
	if (!(m = msg_from("{}", 2)))
		return -1;
	return store_state_add(job, room, STORE_STATE_RETIRE, INT64_MAX, m, NULL);
}

static int exec2(struct store *st, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	return store_step_done(s);
}

/* The session's course and state, for a staff write on its polls. */
static enum proto_err session_facts(struct store *st, struct store_job *job, int64_t session, int64_t *course,
				    char state[12])
{
	static const char q[] = "SELECT course_id, state FROM live_sessions WHERE id = ?1";
	sqlite3_stmt *s = store_row_by_id(&st->wcache, st->wdb, q, session);

	if (!s)
		return store_job_error(job, PROTO_ERR_NOT_FOUND, "session", "no such session");
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
		return store_job_error(job, PROTO_ERR_BAD_FIELD, "title", "the title is empty");
	if ((rc = session_facts(st, job, session, &course, state)) != PROTO_ERR_NONE ||
	    (rc = store_need_staff(job, course)) != PROTO_ERR_NONE ||
	    (rc = store_check_course(st, job, course, 1)) != PROTO_ERR_NONE)
		return rc;
	if (!(s = store_stmt(&st->wcache, st->wdb, q)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, session);
	sqlite3_bind_int64(s, 2, course);
	sqlite3_bind_text(s, 3, title->p, (int)title->len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, job->uid);
	sqlite3_bind_int64(s, 5, job->now_ms);
	if (store_step_done(s))
		return PROTO_ERR_INTERNAL;
	id = sqlite3_last_insert_rowid(st->wdb);
	if (survey_event(st, job, id, PROTO_EV_SURVEY_CREATED) || survey_load(&st->wcache, st->wdb, id, 1, &r))
		return PROTO_ERR_INTERNAL;
	*result = render_result_survey(&r.s, NULL);
	survey_row_free(&r);
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
		return store_job_error(job, PROTO_ERR_SESSION_NOT_LIVE, "session", "the session is not live");
	if (exec2(st, q, r->p.id, job->now_ms) || poll_event(st, job, r->p.id, PROTO_EV_POLL_UPDATED))
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
	if (exec2(st, q, r->p.id, job->now_ms) || poll_event(st, job, r->p.id, PROTO_EV_POLL_UPDATED))
		return PROTO_ERR_INTERNAL;
	return PROTO_ERR_NONE;
}

/* The ids sql (one ?1 = arg) selects, in its order, malloc'd (the caller
 * frees; NULL with *n 0 when there are none); -1 in *n on failure. */
static int64_t *select_ids(struct store *st, const char *sql, int64_t arg, long *n)
{
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, sql);
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

int store_session_polls_close(struct store *st, struct store_job *job, int64_t session)
{
	static const char q_ids[] = "SELECT id FROM polls WHERE session_id = ?1 AND state = 'open' ORDER BY id";
	long n;
	int64_t *ids = select_ids(st, q_ids, session, &n);
	int rc = n < 0 ? -1 : 0;

	for (long i = 0; i < n && rc == 0; i++) {
		struct poll_row r;

		if (poll_load(&st->wcache, st->wdb, ids[i], &r))
			rc = -1;
		else
			rc = poll_close(st, job, &r) == PROTO_ERR_NONE ? 0 : -1;
		poll_row_free(&r);
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

	if (survey_load(&st->wcache, st->wdb, survey, 1, &sr))
		return store_job_error(job, PROTO_ERR_NOT_FOUND, "survey", "no such survey");
	rc = store_need_staff(job, sr.s.course);
	survey_row_free(&sr);
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

		if (poll_load(&st->wcache, st->wdb, ids[i], &r)) {
			rc = PROTO_ERR_INTERNAL;
			break;
		}
		changed |= open ? r.p.state != POLL_OPEN : r.p.state == POLL_OPEN;
		rc = open ? poll_open(st, job, &r, 0) : poll_close(st, job, &r);
		poll_row_free(&r);
		if (rc == PROTO_ERR_NONE && (poll_load(&st->wcache, st->wdb, ids[i], &r) ||
					     render_list_add_poll(l, &r.p, 1, 0, NULL, 0)))
			rc = PROTO_ERR_INTERNAL;
		poll_row_free(&r);
	}
	free(ids);
	if (rc == PROTO_ERR_NONE && changed && survey_event(st, job, survey, PROTO_EV_SURVEY_UPDATED))
		rc = PROTO_ERR_INTERNAL;
	if (rc != PROTO_ERR_NONE || survey_load(&st->wcache, st->wdb, survey, 1, &sr)) {
		render_list_free(l);
		return rc != PROTO_ERR_NONE ? rc : PROTO_ERR_INTERNAL;
	}
	*result = render_result_survey(&sr.s, l);
	survey_row_free(&sr);
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
		if (!(s = store_row_by_id(&st->wcache, st->wdb, q_pos, survey)))
			return -1;
		pos = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	if (!(s = store_stmt(&st->wcache, st->wdb, q)))
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
	if (store_step_done(s))
		return -1;
	id = sqlite3_last_insert_rowid(st->wdb);
	nrows = choice ? d->noptions : d->kind == POLL_RATING ? (size_t)d->scale : 0;
	for (size_t i = 0; i < nrows; i++) {
		if (!(s = store_stmt(&st->wcache, st->wdb, q_opt)))
			return -1;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (int64_t)i);
		if (choice)
			sqlite3_bind_text(s, 3, labels[i], (int)label_lens[i], SQLITE_STATIC);
		else
			sqlite3_bind_text(s, 3, "", 0, SQLITE_STATIC);
		if (store_step_done(s))
			return -1;
	}
	if (!(s = store_stmt(&st->wcache, st->wdb, q_room)))
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, job->now_ms);
	if (store_step_done(s) || exec2(st, q_set, id, sqlite3_last_insert_rowid(st->wdb)))
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
		return store_job_error(job, PROTO_ERR_BAD_FIELD, "prompt", "the prompt is empty");
	if ((rc = session_facts(st, job, session, &course, state)) != PROTO_ERR_NONE ||
	    (rc = store_need_staff(job, course)) != PROTO_ERR_NONE ||
	    (rc = store_check_course(st, job, course, 1)) != PROTO_ERR_NONE)
		return rc;
	if (poll_def_check(&d, &field, &why) != PROTO_ERR_NONE)
		return store_job_error(job, PROTO_ERR_BAD_FIELD, field, why);
	if (rq->f[PF_POLL_CREATE_SURVEY].present) {
		survey = rq->f[PF_POLL_CREATE_SURVEY].u.i;
		if (!(s = store_row_by_id(&st->wcache, st->wdb, q_survey, survey)))
			return store_job_error(job, PROTO_ERR_NOT_FOUND, "survey", "no such survey");
		rc = sqlite3_column_int64(s, 0) == session ? PROTO_ERR_NONE : PROTO_ERR_BAD_FIELD;
		sqlite3_reset(s);
		if (rc != PROTO_ERR_NONE)
			return store_job_error(job, rc, "survey", "the survey belongs to another session");
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

	if ((rc = poll_facts(st, job, job->req.f[PF_POLL_DUPLICATE_POLL].u.i, &r)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store_need_staff(job, r.p.course)) != PROTO_ERR_NONE) {
		poll_row_free(&r);
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
	poll_row_free(&r);
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

	if ((rc = poll_facts(st, job, job->req.f[0].u.i, &r)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store_need_staff(job, r.p.course)) != PROTO_ERR_NONE)
		goto out;
	switch (op) {
	case PROTO_OP_POLL_OPEN:
		rc = poll_open(st, job, &r, 1);
		break;
	case PROTO_OP_POLL_CLOSE:
		if (r.p.state == POLL_DRAFT)
			rc = store_job_error(job, PROTO_ERR_POLL_CLOSED, "poll", "the poll was never opened");
		else
			rc = poll_close(st, job, &r);
		break;
	case PROTO_OP_POLL_REVEAL: {
		int on = job->req.f[PF_POLL_REVEAL_REVEALED].u.b;

		if (r.p.state == POLL_DRAFT) {
			rc = store_job_error(job, PROTO_ERR_POLL_CLOSED, "poll", "a draft cannot be revealed");
			break;
		}
		if (on == r.p.revealed)
			break;
		/* Taking a reveal back narrows who sees the results: a new room. */
		if (exec2(st, q_reveal, r.p.id, on) || (!on && results_room_move(st, job, &r.p)) ||
		    poll_event(st, job, r.p.id, PROTO_EV_POLL_UPDATED) || results_state(st, job, r.p.id))
			rc = PROTO_ERR_INTERNAL;
		break;
	}
	case PROTO_OP_POLL_RESET:
		for (size_t i = 0; i < sizeof(q_reset) / sizeof(q_reset[0]) && rc == PROTO_ERR_NONE; i++)
			if (exec2(st, q_reset[i], r.p.id, 0))
				rc = PROTO_ERR_INTERNAL;
		if (rc == PROTO_ERR_NONE &&
		    (results_room_move(st, job, &r.p) || poll_event(st, job, r.p.id, PROTO_EV_POLL_UPDATED) ||
		     results_state(st, job, r.p.id) ||
		     store_audit_add(st, job, r.p.course, "poll.reset", "poll", r.p.id, NULL)))
			rc = PROTO_ERR_INTERNAL;
		break;
	default:
		rc = store_job_error(job, PROTO_ERR_INTERNAL, NULL, "not a poll op");
	}
	if (rc == PROTO_ERR_NONE && !(*result = poll_result(st, r.p.id)))
		rc = PROTO_ERR_INTERNAL;
out:
	poll_row_free(&r);
	return rc;
}

/* ------------------------------------------------------------------------- */
/* Answers                                                                   */
/* ------------------------------------------------------------------------- */

static int count_add(struct store *st, int64_t poll, int64_t idx, int64_t delta)
{
	static const char q[] = "UPDATE poll_options SET count = count + ?3 WHERE poll_id = ?1 AND idx = ?2";
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_int64(s, 2, idx);
	sqlite3_bind_int64(s, 3, delta);
	return store_step_done(s);
}

static int mask_add(struct store *st, int64_t poll, uint32_t mask, int64_t delta)
{
	for (int i = 0; i < POLL_MAX_OPTIONS; i++)
		if ((mask & (1u << i)) && count_add(st, poll, i, delta))
			return -1;
	return 0;
}

/* Adds delta to a group and to one of its spellings (first_v orders new
 * ones); drops what reaches zero. */
static int group_add(struct store *st, int64_t poll, const char *key, const char *spelling, int64_t delta,
		     int64_t first_v)
{
	static const char q_group[] =
		"INSERT INTO poll_groups(poll_id, key, count, first_v) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT(poll_id, key) DO UPDATE SET count = count + excluded.count";
	static const char q_spell[] =
		"INSERT INTO poll_spellings(poll_id, key, spelling, count, first_v) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT(poll_id, key, spelling) DO UPDATE SET count = count + excluded.count";
	static const char q_drop_group[] = "DELETE FROM poll_groups WHERE poll_id = ?1 AND key = ?2 AND count <= 0";
	static const char q_drop_spell[] =
		"DELETE FROM poll_spellings WHERE poll_id = ?1 AND key = ?2 AND spelling = ?3 AND count <= 0";
	sqlite3_stmt *s;

	if (!(s = store_stmt(&st->wcache, st->wdb, q_group)))
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, delta);
	sqlite3_bind_int64(s, 4, first_v);
	if (store_step_done(s) || !(s = store_stmt(&st->wcache, st->wdb, q_spell)))
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, spelling, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, delta);
	sqlite3_bind_int64(s, 5, first_v);
	if (store_step_done(s))
		return -1;
	if (delta >= 0)
		return 0;
	if (!(s = store_stmt(&st->wcache, st->wdb, q_drop_group)))
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	if (store_step_done(s) || !(s = store_stmt(&st->wcache, st->wdb, q_drop_spell)))
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, spelling, -1, SQLITE_STATIC);
	return store_step_done(s);
}

/* The previous answer of a choice, rating or text poll; found 0 if none. */
struct prev_answer {
	int found;
	uint32_t choices;
	int64_t rating;
	char key[PROTO_MAX_POLL_TEXT_CHARS * 4 * 3 + 1], text[PROTO_MAX_POLL_TEXT_CHARS * 4 + 1];
};

static int prev_load(struct store *st, int64_t poll, int64_t uid, struct prev_answer *pa)
{
	static const char q[] =
		"SELECT choices, rating, text_key, text FROM poll_answers WHERE poll_id = ?1 AND user_id = ?2";
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, q);

	memset(pa, 0, sizeof(*pa));
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_int64(s, 2, uid);
	if (sqlite3_step(s) == SQLITE_ROW) {
		pa->found = 1;
		pa->choices = (uint32_t)col_int_or0(s, 0);
		pa->rating = col_int_or0(s, 1);
		if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
			snprintf(pa->key, sizeof(pa->key), "%s", (const char *)sqlite3_column_text(s, 2));
			snprintf(pa->text, sizeof(pa->text), "%s", (const char *)sqlite3_column_text(s, 3));
		}
	}
	sqlite3_reset(s);
	return 0;
}

static int answer_save(struct store *st, struct store_job *job, int64_t poll, uint32_t choices, int64_t rating,
		       const char *key, const char *text)
{
	static const char q[] =
		"INSERT INTO poll_answers(poll_id, user_id, choices, rating, text, text_key, created_at, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
		" ON CONFLICT(poll_id, user_id) DO UPDATE SET choices = excluded.choices, rating = excluded.rating,"
		"   text = excluded.text, text_key = excluded.text_key, updated_at = excluded.updated_at";
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_int64(s, 2, job->uid);
	if (!text && !rating)
		sqlite3_bind_int64(s, 3, choices);
	if (rating)
		sqlite3_bind_int64(s, 4, rating);
	if (text) {
		sqlite3_bind_text(s, 5, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, key, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(s, 7, job->now_ms);
	return store_step_done(s);
}

/* One answer of a choice, rating or text poll: counts move from the old
 * answer to the new one. *changed 0 when it is the same answer again. */
static enum proto_err answer_single(struct store *st, struct store_job *job, const struct poll *p, uint32_t mask,
				    const struct poll_answer_in *in, int *changed)
{
	static const char q_resp[] = "UPDATE polls SET respondents = respondents + 1 WHERE id = ?1";
	char key[sizeof(((struct prev_answer *)0)->key)], text[sizeof(((struct prev_answer *)0)->text)];
	struct prev_answer pa;
	int64_t first_v = p->results_v + 1;

	if (prev_load(st, p->id, job->uid, &pa))
		return PROTO_ERR_INTERNAL;
	*changed = 1;
	switch (p->kind) {
	case POLL_SINGLE:
	case POLL_MULTIPLE:
		if (pa.found && pa.choices == mask) {
			*changed = 0;
			return PROTO_ERR_NONE;
		}
		if ((pa.found && mask_add(st, p->id, pa.choices, -1)) || mask_add(st, p->id, mask, 1) ||
		    answer_save(st, job, p->id, mask, 0, NULL, NULL))
			return PROTO_ERR_INTERNAL;
		break;
	case POLL_RATING:
		if (pa.found && pa.rating == in->rating) {
			*changed = 0;
			return PROTO_ERR_NONE;
		}
		if ((pa.found && count_add(st, p->id, pa.rating - 1, -1)) || count_add(st, p->id, in->rating - 1, 1) ||
		    answer_save(st, job, p->id, 0, in->rating, NULL, NULL))
			return PROTO_ERR_INTERNAL;
		break;
	case POLL_TEXT:
		if (poll_text_norm(in->text, in->text_len, 1, key, sizeof(key)) <= 0 ||
		    poll_text_norm(in->text, in->text_len, 0, text, sizeof(text)) <= 0)
			return store_job_error(job, PROTO_ERR_BAD_ANSWER, "text", "the text is blank");
		if (pa.found && strcmp(pa.text, text) == 0) {
			*changed = 0;
			return PROTO_ERR_NONE;
		}
		if ((pa.found && group_add(st, p->id, pa.key, pa.text, -1, 0)) ||
		    group_add(st, p->id, key, text, 1, first_v) || answer_save(st, job, p->id, 0, 0, key, text))
			return PROTO_ERR_INTERNAL;
		break;
	case POLL_WORDS:
		return store_job_error(job, PROTO_ERR_INTERNAL, NULL, "not a single-answer poll");
	}
	if (!pa.found && exec2(st, q_resp, p->id, 0))
		return PROTO_ERR_INTERNAL;
	return PROTO_ERR_NONE;
}

/* The writer's normalizer for a course's language, with that language's
 * blocked words, reloaded when the blocked list changed; NULL on failure. */
static struct words *cloud_words(struct store *st, int64_t course)
{
	static const char q_lang[] = "SELECT lang FROM courses WHERE id = ?1";
	static const char q_v[] = "SELECT value FROM counters WHERE name = 'blocked_words'";
	static const char q_words[] = "SELECT word FROM blocked_words WHERE lang = ?1";
	static const char *const langs[] = { "en", "es", "pt" };
	sqlite3_stmt *s = store_row_by_id(&st->wcache, st->wdb, q_lang, course);
	int lang = WORDS_EN;
	int64_t v = 0;
	struct words *w;

	if (s) {
		const char *l = (const char *)sqlite3_column_text(s, 0);

		lang = !strcmp(l, "es") ? WORDS_ES : !strcmp(l, "pt") ? WORDS_PT : WORDS_EN;
		sqlite3_reset(s);
	}
	if (!(s = store_stmt(&st->wcache, st->wdb, q_v)))
		return NULL;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (st->words[lang] && st->words_v[lang] == v)
		return st->words[lang];
	if (!(w = words_new((enum words_lang)lang)) || !(s = store_stmt(&st->wcache, st->wdb, q_words))) {
		words_free(w);
		return NULL;
	}
	sqlite3_bind_text(s, 1, langs[lang], -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		words_block(w, (const char *)sqlite3_column_text(s, 0));  /* a word that cannot be a key blocks nothing */
	sqlite3_reset(s);
	words_free(st->words[lang]);
	st->words[lang] = w;
	st->words_v[lang] = v;
	return w;
}

void store_poll_free(struct store *st)
{
	for (int i = 0; i < 3; i++) {
		words_free(st->words[i]);
		st->words[i] = NULL;
	}
}

/* Where staff sent a word: 0 none, 1 removed, 2 merged (into set). */
static int cloud_alias(struct store *st, int64_t poll, const char *key, char *into, size_t cap)
{
	static const char q[] = "SELECT into_key FROM cloud_aliases WHERE poll_id = ?1 AND key = ?2";
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, q);
	int rc = 0;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		rc = sqlite3_column_type(s, 0) == SQLITE_NULL ? 1 : 2;
		if (rc == 2)
			snprintf(into, cap, "%s", (const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_reset(s);
	return rc;
}

/* One word-cloud entry, normalized in the course's language. */
static enum proto_err answer_word(struct store *st, struct store_job *job, const struct poll *p,
				  const struct poll_answer_in *in, int64_t sent)
{
	static const char q_entry[] =
		"INSERT INTO cloud_entries(poll_id, user_id, key, spelling, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char q_count[] =
		"UPDATE polls SET entries = entries + 1, respondents = respondents + ?2 WHERE id = ?1";
	static const char q_live[] = "SELECT count(*) FROM cloud_entries WHERE poll_id = ?1 AND user_id = ?2 AND removed = 0";
	char key[WORDS_KEY_CAP], display[WORDS_DISPLAY_CAP], into[WORDS_KEY_CAP];
	struct words *w = cloud_words(st, p->course);
	enum words_result wr;
	int64_t live = 0;
	sqlite3_stmt *s;

	if (!w)
		return store_job_error(job, PROTO_ERR_INTERNAL, NULL, "the word normalizer failed");
	if (sent >= p->max_entries) {
		job->err.limit = p->max_entries;
		return store_job_error(job, PROTO_ERR_ENTRY_LIMIT, "text", "you have sent all your entries");
	}
	wr = words_normalize(w, in->text, in->text_len, key, sizeof(key), display, sizeof(display));
	switch (wr) {
	case WORDS_OK:
		break;
	case WORDS_TOO_LONG:
		store_job_error(job, PROTO_ERR_TOO_LONG, "text", "an entry is at most 40 characters");
		job->err.limit = PROTO_MAX_WORD_CHARS;
		return PROTO_ERR_TOO_LONG;
	case WORDS_EMPTY:
		return store_job_error(job, PROTO_ERR_WORD_REFUSED, "text", "empty: nothing left once normalized");
	case WORDS_STOPWORD:
		return store_job_error(job, PROTO_ERR_WORD_REFUSED, "text", "stop word: only common words");
	case WORDS_BLOCKED:
		return store_job_error(job, PROTO_ERR_WORD_REFUSED, "text", "blocked: holds a blocked word");
	case WORDS_BAD_UTF8:
		return store_job_error(job, PROTO_ERR_BAD_ANSWER, "text", "the text is not valid");
	case WORDS_NOMEM:
		return store_job_error(job, PROTO_ERR_INTERNAL, NULL, "out of memory");
	}
	switch (cloud_alias(st, p->id, key, into, sizeof(into))) {
	case -1:
		return PROTO_ERR_INTERNAL;
	case 1:
		return store_job_error(job, PROTO_ERR_WORD_REFUSED, "text", "removed: staff removed this word");
	case 2:
		snprintf(key, sizeof(key), "%s", into);
		break;
	}
	if (!(s = store_stmt(&st->wcache, st->wdb, q_live)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, p->id);
	sqlite3_bind_int64(s, 2, job->uid);
	if (sqlite3_step(s) == SQLITE_ROW)
		live = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (!(s = store_stmt(&st->wcache, st->wdb, q_entry)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, p->id);
	sqlite3_bind_int64(s, 2, job->uid);
	sqlite3_bind_text(s, 3, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, display, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, job->now_ms);
	if (store_step_done(s) || group_add(st, p->id, key, display, 1, p->results_v + 1) ||
	    exec2(st, q_count, p->id, live == 0))
		return PROTO_ERR_INTERNAL;
	return PROTO_ERR_NONE;
}

static enum proto_err op_poll_answer(struct store *st, struct store_job *job, char **result)
{
	const struct proto_request *rq = &job->req;
	struct poll_answer_in in = {
		.has_choices = rq->f[PF_POLL_ANSWER_CHOICES].present,
		.nchoices = rq->f[PF_POLL_ANSWER_CHOICES].u.ints.n,
		.choices = rq->f[PF_POLL_ANSWER_CHOICES].u.ints.items,
		.has_rating = rq->f[PF_POLL_ANSWER_RATING].present,
		.rating = rq->f[PF_POLL_ANSWER_RATING].u.i,
		.has_text = rq->f[PF_POLL_ANSWER_TEXT].present,
		.text = rq->f[PF_POLL_ANSWER_TEXT].u.s.p,
		.text_len = rq->f[PF_POLL_ANSWER_TEXT].u.s.len,
	};
	struct poll_rules rules;
	struct poll_row r;
	struct mine_buf mb;
	const char *field, *why;
	enum proto_err rc;
	uint32_t mask;
	int changed = 1, staff;

	if (!in.has_choices)
		in.nchoices = 0;
	if ((rc = poll_facts(st, job, rq->f[PF_POLL_ANSWER_POLL].u.i, &r)) != PROTO_ERR_NONE)
		return rc;
	staff = access_is_staff(&job->who, r.p.course);
	if ((rc = store_check_course(st, job, r.p.course, 1)) != PROTO_ERR_NONE ||
	    (rc = store_check_mute(st, job, r.p.course)) != PROTO_ERR_NONE)
		goto out;
	if (r.p.state != POLL_OPEN) {
		rc = store_job_error(job, PROTO_ERR_POLL_CLOSED, "poll", "the poll is not open");
		goto out;
	}
	rules = (struct poll_rules){ r.p.kind, (int)r.p.noptions, r.p.min_choices, r.p.max_choices, r.p.scale };
	if ((rc = poll_answer_check(&rules, &in, &mask, &field, &why)) != PROTO_ERR_NONE) {
		rc = store_job_error(job, rc, field, why);
		goto out;
	}
	if ((rc = store_limit(st, job, r.p.course, "vote")) != PROTO_ERR_NONE)
		goto out;
	if (r.p.kind == POLL_WORDS) {
		if (mine_load(&st->wcache, st->wdb, &r.p, job->uid, &mb)) {
			rc = PROTO_ERR_INTERNAL;
			goto out;
		}
		rc = answer_word(st, job, &r.p, &in, mb.m.sent);
		mine_free(&mb);
	} else {
		rc = answer_single(st, job, &r.p, mask, &in, &changed);
	}
	if (rc != PROTO_ERR_NONE)
		goto out;
	if (changed && results_state(st, job, r.p.id)) {
		rc = PROTO_ERR_INTERNAL;
		goto out;
	}
	if (mine_load(&st->wcache, st->wdb, &r.p, job->uid, &mb)) {
		rc = PROTO_ERR_INTERNAL;
		goto out;
	}
	*result = render_result_answer(r.p.id, &mb.m,
				       poll_results_visible(r.p.visibility, r.p.state, r.p.revealed, staff, 1),
				       r.p.results_room, r.p.kind == POLL_WORDS ? r.p.max_entries - mb.m.sent : -1);
	mine_free(&mb);
	if (!*result)
		rc = PROTO_ERR_INTERNAL;
out:
	poll_row_free(&r);
	return rc;
}

/* ------------------------------------------------------------------------- */
/* Word clouds: staff                                                        */
/* ------------------------------------------------------------------------- */

static int64_t group_count(struct store *st, int64_t poll, const char *key)
{
	static const char q[] = "SELECT count FROM poll_groups WHERE poll_id = ?1 AND key = ?2";
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, q);
	int64_t n = 0;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

/* Adds n to the count of an existing group. */
static int group_grow(struct store *st, int64_t poll, const char *key, int64_t n)
{
	static const char q[] = "UPDATE poll_groups SET count = count + ?3 WHERE poll_id = ?1 AND key = ?2";
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, n);
	return store_step_done(s);
}

static int exec_key(struct store *st, const char *sql, int64_t poll, const char *a, const char *b)
{
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(s, 3, b, -1, SQLITE_STATIC);
	return store_step_done(s);
}

static enum proto_err op_cloud(struct store *st, struct store_job *job, char **result)
{
	static const char q_remove[] =
		"UPDATE cloud_entries SET removed = 1 WHERE poll_id = ?1 AND key = ?2 AND removed = 0";
	static const char q_rekey[] = "UPDATE cloud_entries SET key = ?3 WHERE poll_id = ?1 AND key = ?2 AND removed = 0";
	static const char q_drop_group[] = "DELETE FROM poll_groups WHERE poll_id = ?1 AND key = ?2";
	static const char q_drop_spell[] = "DELETE FROM poll_spellings WHERE poll_id = ?1 AND key = ?2";
	static const char q_alias[] =
		"INSERT INTO cloud_aliases(poll_id, key, into_key) VALUES (?1, ?2, ?3)"
		" ON CONFLICT(poll_id, key) DO UPDATE SET into_key = excluded.into_key";
	static const char q_realias[] = "UPDATE cloud_aliases SET into_key = ?3 WHERE poll_id = ?1 AND into_key = ?2";
	static const char q_counts[] =
		"UPDATE polls SET entries = (SELECT count(*) FROM cloud_entries WHERE poll_id = ?1 AND removed = 0),"
		" respondents = (SELECT count(DISTINCT user_id) FROM cloud_entries WHERE poll_id = ?1 AND removed = 0)"
		" WHERE id = ?1";
	int merge = job->req.op == PROTO_OP_CLOUD_MERGE;
	const char *word = job->req.f[PF_CLOUD_REMOVE_WORD].u.s.p;
	const char *into = merge ? job->req.f[PF_CLOUD_MERGE_INTO].u.s.p : NULL;
	char reason[2 * 512 + 8];
	int64_t n, total = 0;
	struct poll_row r;
	enum proto_err rc;

	if ((rc = poll_facts(st, job, job->req.f[0].u.i, &r)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store_need_staff(job, r.p.course)) != PROTO_ERR_NONE)
		goto out;
	if (r.p.kind != POLL_WORDS) {
		rc = store_job_error(job, PROTO_ERR_BAD_FIELD, "poll", "not a word cloud");
		goto out;
	}
	if (merge && strcmp(word, into) == 0) {
		rc = store_job_error(job, PROTO_ERR_BAD_FIELD, "into", "a word cannot be merged into itself");
		goto out;
	}
	if ((n = group_count(st, r.p.id, word)) <= 0) {
		rc = n < 0 ? PROTO_ERR_INTERNAL : store_job_error(job, PROTO_ERR_NOT_FOUND, "word", "no such word here");
		goto out;
	}
	if (merge && (total = group_count(st, r.p.id, into)) <= 0) {
		rc = total < 0 ? PROTO_ERR_INTERNAL : store_job_error(job, PROTO_ERR_NOT_FOUND, "into", "no such word here");
		goto out;
	}
	if (merge) {
		total += n;
		snprintf(reason, sizeof(reason), "%s -> %s", word, into);
		if (exec_key(st, q_rekey, r.p.id, word, into) || exec_key(st, q_realias, r.p.id, word, into) ||
		    group_grow(st, r.p.id, into, n)) {
			rc = PROTO_ERR_INTERNAL;
			goto out;
		}
	} else {
		snprintf(reason, sizeof(reason), "%s", word);
		if (exec_key(st, q_remove, r.p.id, word, NULL) || exec_key(st, q_realias, r.p.id, word, NULL)) {
			rc = PROTO_ERR_INTERNAL;
			goto out;
		}
		total = n;              /* the group counted exactly its entries not yet removed */
	}
	if (exec_key(st, q_drop_group, r.p.id, word, NULL) || exec_key(st, q_drop_spell, r.p.id, word, NULL) ||
	    exec_key(st, q_alias, r.p.id, word, into) || exec2(st, q_counts, r.p.id, 0) ||
	    results_state(st, job, r.p.id) ||
	    store_audit_add(st, job, r.p.course, merge ? "cloud.merge" : "cloud.remove", "poll", r.p.id, reason)) {
		rc = PROTO_ERR_INTERNAL;
		goto out;
	}
	*result = render_result_cloud(r.p.id, merge ? into : word, merge ? "count" : "removed", total);
	if (!*result)
		rc = PROTO_ERR_INTERNAL;
out:
	poll_row_free(&r);
	return rc;
}

enum proto_err store_poll_apply(struct store *st, struct store_job *job, char **result)
{
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
		return op_poll_answer(st, job, result);
	case PROTO_OP_CLOUD_REMOVE:
	case PROTO_OP_CLOUD_MERGE:
		return op_cloud(st, job, result);
	default:
		return store_job_error(job, PROTO_ERR_INTERNAL, NULL, "not a poll op");
	}
}

/* ------------------------------------------------------------------------- */
/* Reads (a reader thread, its connection)                                  */
/* ------------------------------------------------------------------------- */

struct render_list *store_session_polls(struct store_conn *rd, int64_t session, int staff_view, int64_t uid)
{
	static const char q[] =
		"SELECT id FROM polls WHERE session_id = ?1 AND (?2 OR opened_at IS NOT NULL) ORDER BY id LIMIT 1000";
	struct render_list *l = render_list_new();
	sqlite3_stmt *s = store_stmt(&rd->cache, rd->db, q);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;

	if (!l || !s)
		goto fail;
	sqlite3_bind_int64(s, 1, session);
	sqlite3_bind_int(s, 2, staff_view);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n == cap) {
			int64_t *nn = realloc(ids, (cap = cap ? cap * 2 : 16) * sizeof(*nn));

			if (!nn) {
				sqlite3_reset(s);
				goto fail;
			}
			ids = nn;
		}
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	for (size_t i = 0; i < n; i++) {
		struct poll_row r;
		struct mine_buf mb;
		int bad;

		if (poll_load(&rd->cache, rd->db, ids[i], &r))
			goto fail;
		if (mine_load(&rd->cache, rd->db, &r.p, uid, &mb)) {
			poll_row_free(&r);
			goto fail;
		}
		bad = render_list_add_poll(l, &r.p, staff_view, 1, mb.found ? &mb.m : NULL,
					   poll_results_visible(r.p.visibility, r.p.state, r.p.revealed, staff_view,
								mb.found));
		mine_free(&mb);
		poll_row_free(&r);
		if (bad)
			goto fail;
	}
	free(ids);
	return l;
fail:
	free(ids);
	render_list_free(l);
	return NULL;
}

struct render_list *store_session_surveys(struct store_conn *rd, int64_t session, int staff_view)
{
	static const char q[] =
		"SELECT s.id FROM surveys s WHERE s.session_id = ?1 AND (?2 OR EXISTS (SELECT 1 FROM polls p"
		"   WHERE p.survey_id = s.id AND p.opened_at IS NOT NULL)) ORDER BY s.id LIMIT 1000";
	struct render_list *l = render_list_new();
	sqlite3_stmt *s = store_stmt(&rd->cache, rd->db, q);
	int64_t ids[1000];
	size_t n = 0;

	if (!l || !s) {
		render_list_free(l);
		return NULL;
	}
	sqlite3_bind_int64(s, 1, session);
	sqlite3_bind_int(s, 2, staff_view);
	while (n < 1000 && sqlite3_step(s) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	for (size_t i = 0; i < n; i++) {
		struct survey_row r;
		int bad;

		if (survey_load(&rd->cache, rd->db, ids[i], staff_view, &r)) {
			render_list_free(l);
			return NULL;
		}
		bad = render_list_add_survey(l, &r.s);
		survey_row_free(&r);
		if (bad) {
			render_list_free(l);
			return NULL;
		}
	}
	return l;
}

/* The poll that results room n belongs to, while n is its current room. */
static int results_poll(struct store_conn *rd, int64_t n, struct poll_row *r)
{
	static const char q[] = "SELECT poll_id FROM results_rooms WHERE n = ?1";
	sqlite3_stmt *s = store_row_by_id(&rd->cache, rd->db, q, n);
	int64_t poll;

	if (!s)
		return -1;
	poll = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (poll_load(&rd->cache, rd->db, poll, r))
		return -1;
	if (r->p.results_room != n) {
		poll_row_free(r);
		return -1;
	}
	return 0;
}

enum proto_err store_results_access(struct store_conn *rd, const struct identity *who, int64_t uid, int64_t n,
				    int64_t now_s, int *staff_view)
{
	static const char q_course[] = "SELECT starts_at, ends_at FROM courses WHERE id = ?1";
	struct access_course ac;
	struct poll_row r;
	struct mine_buf mb;
	sqlite3_stmt *s;
	enum proto_err rc;
	int staff;

	*staff_view = 0;
	if (results_poll(rd, n, &r))
		return PROTO_ERR_NOT_FOUND;
	staff = access_is_staff(who, r.p.course);
	ac.id = r.p.course;
	if (!(s = store_row_by_id(&rd->cache, rd->db, q_course, r.p.course))) {
		poll_row_free(&r);
		return PROTO_ERR_NOT_FOUND;
	}
	ac.starts_at = sqlite3_column_int64(s, 0);
	ac.ends_at = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	rc = access_check(who, &ac, now_s, 0);
	if (rc == PROTO_ERR_NONE && !staff && r.p.state == POLL_DRAFT)
		rc = PROTO_ERR_NOT_FOUND;
	if (rc == PROTO_ERR_NONE && !staff) {
		if (mine_load(&rd->cache, rd->db, &r.p, uid, &mb))
			rc = PROTO_ERR_INTERNAL;
		else if (!poll_results_visible(r.p.visibility, r.p.state, r.p.revealed, 0, mb.found))
			rc = PROTO_ERR_FORBIDDEN;
		mine_free(&mb);
	}
	*staff_view = staff;
	poll_row_free(&r);
	return rc;
}

struct msg *store_results_snapshot(struct store_conn *rd, const char *req_id, const char *room, int64_t n)
{
	struct results_buf *b;
	struct poll_row r;
	struct msg *m;

	if (results_poll(rd, n, &r))
		return NULL;
	b = results_load(&rd->cache, rd->db, &r);
	m = b ? render_results_snapshot(req_id, room, &b->r) : NULL;
	results_free(b);
	poll_row_free(&r);
	return m;
}

long store_results_state(struct store_conn *rd, const char *room, int64_t n, void (*emit)(void *arg, struct msg *m),
			 void *arg)
{
	struct results_buf *b;
	struct poll_row r;
	struct msg *m;

	if (results_poll(rd, n, &r))
		return 0;
	b = results_load(&rd->cache, rd->db, &r);
	m = b ? render_state_poll_results(room, r.p.results_v, &b->r) : NULL;
	results_free(b);
	poll_row_free(&r);
	if (!m)
		return -1;
	emit(arg, m);
	return 1;
}
