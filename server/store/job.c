/*
 * job.c - what every domain's write shares: a job's life (new, results,
 * failure, free), its error, and the checks each write makes inside the
 * writer's transaction (course window and role, mute, staff, abuse limits)
 * with the appends a staff action makes (audit entry, notice to one person).
 *
 * Everything here below the domain files: forum.c, moderation.c, qa.c and
 * poll.c call these and never each other.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "internal.h"

/* ------------------------------------------------------------------------- */
/* Jobs                                                                      */
/* ------------------------------------------------------------------------- */

/* A zeroed job the caller fills and hands to store_submit (or frees with
 * store_job_free); NULL on OOM. */
struct store_job *store_job_new(void)
{
	return calloc(1, sizeof(struct store_job));
}

/* Drops a job's results (events, states, reply), keeping the request. */
void store__job_clear_results(struct store_job *job)
{
	for (size_t i = 0; i < job->nevents; i++) {
		msg_unref(job->events[i].peer);
		msg_unref(job->events[i].staff);
	}
	for (size_t i = 0; i < job->nstates; i++) {
		msg_unref(job->states[i].value);
		msg_unref(job->states[i].staff);
	}
	job->nevents = job->nstates = 0;
	free(job->result);
	job->result = NULL;
	msg_unref(job->reply);
	job->reply = NULL;
}

/* Frees a job and everything it owns: request, identity, reply, events and
 * states (their message references are released). NULL is ignored. */
void store_job_free(struct store_job *job)
{
	if (!job)
		return;
	store__job_clear_results(job);
	free(job->events);
	free(job->states);
	identity_free(&job->who);
	proto_request_free(&job->req);
	free(job);
}

void store__job_fail(struct store_job *job, enum proto_err code, const char *message)
{
	store__job_clear_results(job);
	job->err.code = code;
	snprintf(job->err.message, sizeof(job->err.message), "%s", message);
}

/* A new zeroed slot at the end of job's states, or NULL (OOM). */
static struct store_state *state_slot(struct store_job *job)
{
	struct store_state *s;

	if (job->nstates == job->states_cap) {
		size_t ncap = job->states_cap ? job->states_cap * 2 : 4;
		struct store_state *ns = realloc(job->states, ncap * sizeof(*ns));

		if (!ns)
			return NULL;
		job->states = ns;
		job->states_cap = ncap;
	}
	s = &job->states[job->nstates++];
	memset(s, 0, sizeof(*s));
	return s;
}

int store__state_fact(struct store_job *job, const char *room, const char *key, int64_t version,
		     enum store_state_kind kind, int64_t subject, int64_t count)
{
	struct store_state *s = state_slot(job);

	if (!s)
		return -1;
	snprintf(s->room, sizeof(s->room), "%s", room);
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->version = version;
	s->kind = kind;
	s->subject = subject;
	s->count = count;
	return 0;
}

int store__state_add(struct store_job *job, const char *room, const char *key, int64_t version,
		    struct msg *value, struct msg *staff)
{
	/* A state made here is of kind STORE_STATE_RENDERED (0): the slot
	 * comes zeroed, so the render after the commit leaves it as it is. */
	struct store_state *s = value ? state_slot(job) : NULL;

	if (!s) {
		msg_unref(value);
		msg_unref(staff);
		return -1;
	}
	snprintf(s->room, sizeof(s->room), "%s", room);
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->version = version;
	s->value = value;
	s->staff = staff;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Errors and names                                                          */
/* ------------------------------------------------------------------------- */

enum proto_err store__job_error(struct store_job *job, enum proto_err code, const char *field,
				const char *message)
{
	job->err.code = code;
	snprintf(job->err.field, sizeof(job->err.field), "%s", field ? field : "");
	snprintf(job->err.message, sizeof(job->err.message), "%s", message);
	return code;
}

enum proto_err store__job_verdict(struct store_job *job, struct verdict v)
{
	if (verdict_allowed(v))
		return PROTO_ERR_NONE;
	return store__job_error(job, v.code, v.field, v.message);
}

void store__room_name(char *buf, size_t n, const char *kind, int64_t id)
{
	snprintf(buf, n, "%s:%" PRId64, kind, id);
}

/* ------------------------------------------------------------------------- */
/* Checks inside the write transaction (writer thread)                       */
/* ------------------------------------------------------------------------- */

/* The course window and role for a write (want_write) or a read. */
enum proto_err store__check_course(struct store *st, struct store_job *job, int64_t course, int want_write)
{
	static const char q[] = "SELECT starts_at, ends_at FROM courses WHERE id = ?1";
	struct access_course c = { .id = course };
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, q, course);
	enum proto_err rc;

	assert(store__on_writer(st));
	if (!s)
		return store__job_error(job, PROTO_ERR_NOT_FOUND, "course", "no such course");
	c.starts_at = sqlite3_column_int64(s, 0);
	c.ends_at = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	rc = access_check(&job->who, &c, job->now_ms / 1000, want_write);
	if (rc != PROTO_ERR_NONE)
		return store__job_error(job, rc, NULL, proto_errs[rc].code);
	return PROTO_ERR_NONE;
}

/* A muted participant may not write in the course. */
enum proto_err store__check_mute(struct store *st, struct store_job *job, int64_t course)
{
	static const char q[] = "SELECT until FROM mutes WHERE course_id = ?1 AND user_id = ?2 AND until > ?3";
	sqlite3_stmt *s;
	int64_t until;

	assert(store__on_writer(st));
	if (access_is_staff(&job->who, course))
		return PROTO_ERR_NONE;
	s = store__stmt(&st->wcache, st->wdb, q);
	if (!s)
		return store__job_error(job, PROTO_ERR_INTERNAL, NULL, "database error");
	sqlite3_bind_int64(s, 1, course);
	sqlite3_bind_int64(s, 2, job->uid);
	sqlite3_bind_int64(s, 3, job->now_ms / 1000);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return PROTO_ERR_NONE;
	}
	until = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	job->retry_after_ms = until * 1000 - job->now_ms;
	return store__job_error(job, PROTO_ERR_MUTED, NULL, "you are muted in this course");
}

enum proto_err store__need_staff(struct store_job *job, int64_t course)
{
	return store__job_verdict(job, access_staff_only(&job->who, course));
}

static int daily_max(const struct mod_limits *l, const char *action)
{
	if (!strcmp(action, "thread"))
		return l->threads_per_day;
	if (!strcmp(action, "flag"))
		return l->flags_per_day;
	if (!strcmp(action, "vote"))
		return l->votes_per_day;
	if (!strcmp(action, "edit"))
		return l->edits_per_day;
	return 0;
}

enum proto_err store__limit(struct store *st, struct store_job *job, int64_t course, const char *action)
{
	static const char q_mark[] = "SELECT last_at FROM action_marks WHERE user_id = ?1 AND action = ?2";
	static const char q_set_mark[] =
		"INSERT INTO action_marks(user_id, action, last_at) VALUES (?1, ?2, ?3)"
		" ON CONFLICT(user_id, action) DO UPDATE SET last_at = excluded.last_at";
	static const char q_count[] =
		"INSERT INTO daily_counters(user_id, course_id, action, day, count) VALUES (?1, ?2, ?3, ?4, 1)"
		" ON CONFLICT(user_id, course_id, action, day) DO UPDATE SET count = count + 1 RETURNING count";
	const struct mod_limits *l = &st->limits;
	int64_t now = job->now_ms;
	int max = daily_max(l, action);
	sqlite3_stmt *s;

	assert(store__on_writer(st));
	if (access_is_staff(&job->who, course))
		return PROTO_ERR_NONE;
	if (!strcmp(action, "post") && l->post_interval_s > 0) {
		int64_t wait = 0;

		if (!(s = store__stmt(&st->wcache, st->wdb, q_mark)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, job->uid);
		sqlite3_bind_text(s, 2, action, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			wait = sqlite3_column_int64(s, 0) + (int64_t)l->post_interval_s * 1000 - now;
		sqlite3_reset(s);
		if (wait > 0) {
			job->retry_after_ms = wait;
			return store__job_error(job, PROTO_ERR_RATE_LIMITED, NULL, "you are posting too fast");
		}
		if (!(s = store__stmt(&st->wcache, st->wdb, q_set_mark)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, job->uid);
		sqlite3_bind_text(s, 2, action, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, now);
		if (store__step_done(s))
			return PROTO_ERR_INTERNAL;
	}
	if (max > 0) {
		int64_t count;

		/* Counted in the transaction: a refused or failed write rolls
		 * its count back with it. */
		if (!(s = store__stmt(&st->wcache, st->wdb, q_count)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, job->uid);
		sqlite3_bind_int64(s, 2, course);
		sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, now / (86400LL * 1000));
		if (sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_reset(s);
			return PROTO_ERR_INTERNAL;
		}
		count = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (count > max) {
			job->retry_after_ms = mod_until_next_day_ms(now);
			return store__job_error(job, PROTO_ERR_RATE_LIMITED, NULL, "daily limit reached");
		}
	}
	return PROTO_ERR_NONE;
}

/* ------------------------------------------------------------------------- */
/* Appends every domain makes (writer thread)                                */
/* ------------------------------------------------------------------------- */

/* Logs a staff action and tells the staff room. */
int store__audit_add(struct store *st, struct store_job *job, int64_t course, const char *action,
		     const char *kind, int64_t subject, const char *reason)
{
	static const char q[] =
		"INSERT INTO audit(course_id, actor_id, action, subject_kind, subject_id, reason, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	assert(store__on_writer(st));
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, course);
	sqlite3_bind_int64(s, 2, job->uid);
	sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, subject);
	if (reason)
		sqlite3_bind_text(s, 6, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, job->now_ms);
	if (store__step_done(s))
		return -1;
	store__room_name(room, sizeof(room), "staff", course);
	return store__event_append(st, job, room, PROTO_EV_AUDIT_CREATED, sqlite3_last_insert_rowid(st->wdb), job->uid);
}

/* Tells one person what happened to them (their user:<id> room). */
int store__notice_add(struct store *st, struct store_job *job, int64_t user, int64_t course, const char *kind,
		      int64_t post, int64_t until, const char *reason)
{
	static const char q[] =
		"INSERT INTO notices(user_id, course_id, kind, post_id, until, reason, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	assert(store__on_writer(st));
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, user);
	sqlite3_bind_int64(s, 2, course);
	sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
	if (post)
		sqlite3_bind_int64(s, 4, post);
	if (until)
		sqlite3_bind_int64(s, 5, until);
	if (reason)
		sqlite3_bind_text(s, 6, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, job->now_ms);
	if (store__step_done(s))
		return -1;
	store__room_name(room, sizeof(room), "user", user);
	return store__event_append(st, job, room, PROTO_EV_NOTICE, sqlite3_last_insert_rowid(st->wdb), job->uid);
}
