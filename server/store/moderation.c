/*
 * moderation.c - staff actions, flags and mutes (writes inside the
 * writer's transaction), their events rendered from the rows, and the staff
 * reads (flag list, audit log, post history). The audit and notice appends
 * and the abuse limits every domain uses are in job.c.
 *
 * Every staff action is checked inside the write transaction (staff in the
 * post's or thread's course), appends an audit entry (event audit.created in
 * staff:<course>), and tells the affected person through a notice (event
 * notice in user:<id>). Flags live in staff:<course> only: nothing here ever
 * reaches a public room except the changed post or thread itself.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "internal.h"
#include "proto/render_forum.h"
#include "proto/render_mod.h"

/* ------------------------------------------------------------------------- */
/* Rows                                                                      */
/* ------------------------------------------------------------------------- */

static const char Q_FLAG[] =
	"SELECT f.id, f.course_id, f.state, f.reason, f.created_at, u.id, u.ext_id, u.name, f.post_id,"
	"       t.id, t.title"
	"  FROM flags f JOIN users u ON u.id = f.flagger_id JOIN posts p ON p.id = f.post_id"
	"  JOIN threads t ON t.id = p.thread_id WHERE f.id = ?1";
static const char Q_AUDIT[] =
	"SELECT a.id, a.course_id, u.id, u.ext_id, u.name, a.action, a.subject_kind, a.subject_id, a.reason,"
	"       a.created_at, su.ext_id"
	"  FROM audit a JOIN users u ON u.id = a.actor_id"
	"  LEFT JOIN users su ON a.subject_kind = 'user' AND su.id = a.subject_id WHERE a.id = ?1";
static const char Q_NOTICE[] =
	"SELECT id, course_id, kind, post_id, until, reason, created_at FROM notices WHERE id = ?1";

static const char *text_or_null(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(s, i);
}

/* Fills f from a Q_FLAG row; the flagged post is loaded with `ps` (reset by
 * the caller). */
static void flag_row(struct stmt_cache *c, sqlite3 *db, sqlite3_stmt *s, struct mod_flag *f, sqlite3_stmt **ps)
{
	f->id = sqlite3_column_int64(s, 0);
	f->course = sqlite3_column_int64(s, 1);
	f->state = (const char *)sqlite3_column_text(s, 2);
	f->reason = (const char *)sqlite3_column_text(s, 3);
	f->created_at = sqlite3_column_int64(s, 4);
	f->flagger.uid = sqlite3_column_int64(s, 5);
	f->flagger.ext_id = (const char *)sqlite3_column_text(s, 6);
	f->flagger.name = (const char *)sqlite3_column_text(s, 7);
	f->thread = sqlite3_column_int64(s, 9);
	f->thread_title = (const char *)sqlite3_column_text(s, 10);
	*ps = store__row_by_id(c, db, store__q_post, sqlite3_column_int64(s, 8));
	f->has_post = *ps != NULL;
	if (*ps)
		store__post_row(*ps, &f->post);
}

static void audit_row(sqlite3_stmt *s, struct mod_audit *a)
{
	a->id = sqlite3_column_int64(s, 0);
	a->course = sqlite3_column_int64(s, 1);
	a->actor.uid = sqlite3_column_int64(s, 2);
	a->actor.ext_id = (const char *)sqlite3_column_text(s, 3);
	a->actor.name = (const char *)sqlite3_column_text(s, 4);
	a->action = (const char *)sqlite3_column_text(s, 5);
	a->subject_kind = (const char *)sqlite3_column_text(s, 6);
	a->subject_id = sqlite3_column_int64(s, 7);
	a->reason = text_or_null(s, 8);
	a->created_at = sqlite3_column_int64(s, 9);
	a->subject_user = text_or_null(s, 10);
}

/* One view of a moderation event, rendered from the current rows; a new
 * msg, or NULL. */
static struct msg *render_view(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
			       enum proto_event ev, int64_t subject, int staff_view)
{
	struct msg *m = NULL;
	sqlite3_stmt *s, *ps = NULL;

	switch (ev) {
	case PROTO_EV_FLAG_CREATED:
	case PROTO_EV_FLAG_RESOLVED: {
		struct mod_flag f;

		if (!(s = store__row_by_id(c, db, Q_FLAG, subject)))
			return NULL;
		flag_row(c, db, s, &f, &ps);
		m = render_event_flag(proto_events[ev].name, room, seq, &f, view_shared(staff_view));
		if (ps)
			sqlite3_reset(ps);
		sqlite3_reset(s);
		break;
	}
	case PROTO_EV_AUDIT_CREATED: {
		struct mod_audit a;

		if (!(s = store__row_by_id(c, db, Q_AUDIT, subject)))
			return NULL;
		audit_row(s, &a);
		m = render_event_audit(room, seq, &a, view_shared(staff_view));
		sqlite3_reset(s);
		break;
	}
	case PROTO_EV_NOTICE: {
		struct mod_notice n;

		if (!(s = store__row_by_id(c, db, Q_NOTICE, subject)))
			return NULL;
		n.id = sqlite3_column_int64(s, 0);
		n.course = sqlite3_column_int64(s, 1);
		n.kind = (const char *)sqlite3_column_text(s, 2);
		n.post = sqlite3_column_int64(s, 3);
		n.until = sqlite3_column_int64(s, 4);
		n.reason = text_or_null(s, 5);
		n.created_at = sqlite3_column_int64(s, 6);
		m = render_event_notice(room, seq, &n);
		sqlite3_reset(s);
		break;
	}
	default:
		break;
	}
	return m;
}

int store__moderation_render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
				  enum proto_event ev, int64_t subject, struct msg **peer, struct msg **staff)
{
	*peer = render_view(c, db, room, seq, ev, subject, 0);
	*staff = render_view(c, db, room, seq, ev, subject, 1);
	return *peer && *staff ? 0 : -1;
}

/* ------------------------------------------------------------------------- */
/* Shared steps                                                              */
/* ------------------------------------------------------------------------- */

/* Closes a post's open flags (it was hidden or removed). */
static int flags_resolve(struct store *st, struct store_job *job, int64_t course, int64_t post)
{
	static const char q_open[] = "SELECT id FROM flags WHERE post_id = ?1 AND state = 'open'";
	static const char q_close[] =
		"UPDATE flags SET state = 'resolved', resolved_by = ?2, resolved_at = ?3 WHERE id = ?1";
	char room[PROTO_MAX_ROOM_CHARS + 1];
	int64_t ids[64];
	size_t n = 0;
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q_open);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, post);
	while (n < sizeof(ids) / sizeof(ids[0]) && sqlite3_step(s) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	store__room_name(room, sizeof(room), "staff", course);
	for (size_t i = 0; i < n; i++) {
		if (!(s = store__stmt(&st->wcache, st->wdb, q_close)))
			return -1;
		sqlite3_bind_int64(s, 1, ids[i]);
		sqlite3_bind_int64(s, 2, job->uid);
		sqlite3_bind_int64(s, 3, job->now_ms);
		if (store__step_done(s) || store__event_append(st, job, room, PROTO_EV_FLAG_RESOLVED, ids[i], job->uid))
			return -1;
	}
	return 0;
}

static int set_post_state(struct store *st, struct store_job *job, int64_t post, const char *state,
			  const char *reason)
{
	static const char q[] = "UPDATE posts SET state = ?2, state_reason = ?3, state_by = ?4 WHERE id = ?1";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, post);
	sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	if (reason)
		sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, job->uid);
	return store__step_done(s);
}

/* The result of a flag write: the flag as its flagger (the actor) sees it. */
static char *flag_result(struct store *st, const struct store_job *job, int64_t flag)
{
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, Q_FLAG, flag), *ps = NULL;
	struct mod_flag f;
	char *r;

	if (!s)
		return NULL;
	flag_row(&st->wcache, st->wdb, s, &f, &ps);
	f.has_post = 0;         /* the flagger's reply carries only the flag */
	r = render_result_flag(&f, view_of(access_is_staff(&job->who, f.course), job->uid));
	if (ps)
		sqlite3_reset(ps);
	sqlite3_reset(s);
	return r;
}

/* The post and thread behind a post id, for a staff action on it. */
static enum proto_err staff_post(struct store *st, struct store_job *job, int64_t post, struct forum_post_facts *pf,
				 struct forum_thread_facts *tf)
{
	enum proto_err rc;

	if ((rc = store__post_facts(st, job, post, pf)) != PROTO_ERR_NONE ||
	    (rc = store__thread_facts(st, job, pf->thread, tf)) != PROTO_ERR_NONE ||
	    (rc = store__need_staff(job, tf->course)) != PROTO_ERR_NONE)
		return rc;
	return PROTO_ERR_NONE;
}

/* ------------------------------------------------------------------------- */
/* Ops                                                                       */
/* ------------------------------------------------------------------------- */

static enum proto_err op_post_flag(struct store *st, struct store_job *job, char **result)
{
	static const char q_find[] = "SELECT id FROM flags WHERE post_id = ?1 AND flagger_id = ?2";
	static const char q_add[] =
		"INSERT INTO flags(course_id, post_id, flagger_id, reason, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
	const struct proto_str *reason = &job->req.f[PF_POST_FLAG_REASON].u.s;
	int64_t post = job->req.f[PF_POST_FLAG_POST].u.i, flag;
	struct forum_post_facts pf;
	struct forum_thread_facts tf;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s;
	enum proto_err rc;

	if (!forum_text_present(reason->p, reason->len))
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "reason", "say why you flag it");
	if ((rc = store__post_facts(st, job, post, &pf)) != PROTO_ERR_NONE ||
	    (rc = store__thread_facts(st, job, pf.thread, &tf)) != PROTO_ERR_NONE ||
	    (rc = store__check_course(st, job, tf.course, 1)) != PROTO_ERR_NONE)
		return rc;
	if (pf.author == job->uid)
		return store__job_error(job, PROTO_ERR_FORBIDDEN, "post", "you cannot flag your own post");
	if (!(s = store__stmt(&st->wcache, st->wdb, q_find)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, post);
	sqlite3_bind_int64(s, 2, job->uid);
	if (sqlite3_step(s) == SQLITE_ROW) {   /* flagged before: the first flag */
		flag = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		*result = flag_result(st, job, flag);
		return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
	}
	sqlite3_reset(s);
	if ((rc = store__limit(st, job, tf.course, "flag")) != PROTO_ERR_NONE)
		return rc;
	if (!(s = store__stmt(&st->wcache, st->wdb, q_add)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, tf.course);
	sqlite3_bind_int64(s, 2, post);
	sqlite3_bind_int64(s, 3, job->uid);
	sqlite3_bind_text(s, 4, reason->p, (int)reason->len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, job->now_ms);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	flag = sqlite3_last_insert_rowid(st->wdb);
	store__room_name(room, sizeof(room), "staff", tf.course);
	if (store__event_append(st, job, room, PROTO_EV_FLAG_CREATED, flag, job->uid))
		return PROTO_ERR_INTERNAL;
	*result = flag_result(st, job, flag);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_flag_dismiss(struct store *st, struct store_job *job, char **result)
{
	static const char q_get[] = "SELECT course_id, state FROM flags WHERE id = ?1";
	static const char q_set[] =
		"UPDATE flags SET state = 'dismissed', resolved_by = ?2, resolved_at = ?3 WHERE id = ?1";
	int64_t flag = job->req.f[PF_FLAG_DISMISS_FLAG].u.i, course;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, q_get, flag);
	enum proto_err rc;
	int open;

	if (!s)
		return store__job_error(job, PROTO_ERR_NOT_FOUND, "flag", "no such flag");
	course = sqlite3_column_int64(s, 0);
	open = strcmp((const char *)sqlite3_column_text(s, 1), "open") == 0;
	sqlite3_reset(s);
	if ((rc = store__need_staff(job, course)) != PROTO_ERR_NONE)
		return rc;
	if (open) {
		if (!(s = store__stmt(&st->wcache, st->wdb, q_set)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, flag);
		sqlite3_bind_int64(s, 2, job->uid);
		sqlite3_bind_int64(s, 3, job->now_ms);
		store__room_name(room, sizeof(room), "staff", course);
		if (store__step_done(s) || store__event_append(st, job, room, PROTO_EV_FLAG_RESOLVED, flag, job->uid) ||
		    store__audit_add(st, job, course, "flag.dismiss", "flag", flag, NULL))
			return PROTO_ERR_INTERNAL;
	}
	*result = flag_result(st, job, flag);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* hide, restore, remove: a staff change of a post's state. */
static enum proto_err op_post_state(struct store *st, struct store_job *job, char **result)
{
	/* A deleted accepted or endorsed response no longer answers the question. */
	static const char q_reply[] =
		"UPDATE threads SET reply_count = reply_count - 1, stats_v = stats_v + 1,"
		" answered = EXISTS (SELECT 1 FROM posts WHERE thread_id = ?1 AND (endorsed OR accepted) AND state <> 'deleted')"
		" WHERE id = ?1";
	static const char q_thread[] = "UPDATE threads SET state = 'deleted' WHERE id = ?1";
	enum proto_op op = job->req.op;
	int64_t post = job->req.f[0].u.i;                 /* post is field 0 of all three */
	const char *reason = op == PROTO_OP_POST_RESTORE ? NULL : job->req.f[1].u.s.p;
	const char *to, *action, *notice;
	enum proto_event event;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	struct forum_post_facts pf;
	struct forum_thread_facts tf;
	sqlite3_stmt *s;
	enum proto_err rc;

	if (reason && !forum_text_present(reason, strlen(reason)))
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "reason", "give a reason");
	if ((rc = staff_post(st, job, post, &pf, &tf)) != PROTO_ERR_NONE)
		return rc;
	switch (op) {
	case PROTO_OP_POST_HIDE:
		to = "hidden", event = PROTO_EV_POST_HIDDEN, action = "post.hide", notice = "post_hidden";
		break;
	case PROTO_OP_POST_RESTORE:
		to = "visible", event = PROTO_EV_POST_RESTORED, action = "post.restore", notice = "post_restored";
		break;
	default:
		to = "deleted", event = PROTO_EV_POST_DELETED, action = "post.remove", notice = "post_removed";
		break;
	}
	if ((rc = store__job_verdict(job, forum_post_moderate(&pf, to))) != PROTO_ERR_NONE)
		return rc;
	if (set_post_state(st, job, post, to, reason))
		return PROTO_ERR_INTERNAL;
	if (op == PROTO_OP_POST_REMOVE) {
		int first = post == tf.first_post;

		if (!(s = store__stmt(&st->wcache, st->wdb, first ? q_thread : q_reply)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, tf.id);
		if (store__step_done(s))
			return PROTO_ERR_INTERNAL;
		if (first) {
			store__room_name(room, sizeof(room), "course", tf.course);
			if (store__event_append(st, job, room, PROTO_EV_THREAD_UPDATED, tf.id, job->uid))
				return PROTO_ERR_INTERNAL;
		} else if (store__thread_stats_state(st, job, tf.id)) {
			return PROTO_ERR_INTERNAL;
		}
	}
	store__room_name(room, sizeof(room), "thread", tf.id);
	if (store__event_append(st, job, room, event, post, job->uid) ||
	    (op != PROTO_OP_POST_RESTORE && flags_resolve(st, job, tf.course, post)) ||
	    store__audit_add(st, job, tf.course, action, "post", post, reason) ||
	    (pf.author != job->uid && store__notice_add(st, job, pf.author, tf.course, notice, post, 0, reason)))
		return PROTO_ERR_INTERNAL;
	*result = store__post_result(st, job, post, tf.course);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_post_endorse(struct store *st, struct store_job *job, char **result)
{
	static const char q_set[] = "UPDATE posts SET endorsed = ?2 WHERE id = ?1";
	static const char q_was[] = "SELECT endorsed FROM posts WHERE id = ?1";
	static const char q_answered[] =
		"UPDATE threads SET answered = EXISTS (SELECT 1 FROM posts WHERE thread_id = ?1 AND (endorsed OR accepted)"
		" AND state <> 'deleted'), stats_v = stats_v + 1 WHERE id = ?1";
	int64_t post = job->req.f[PF_POST_ENDORSE_POST].u.i;
	int endorsed = job->req.f[PF_POST_ENDORSE_ENDORSED].u.b, was;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	struct forum_post_facts pf;
	struct forum_thread_facts tf;
	sqlite3_stmt *s;
	enum proto_err rc;

	if ((rc = staff_post(st, job, post, &pf, &tf)) != PROTO_ERR_NONE)
		return rc;
	if (!tf.question || pf.parent || post == tf.first_post)
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "post",
				       "only a response in a question thread can be endorsed");
	/* Endorsing tells the post's author and the asker, once per
	 * endorsement (endorsing an endorsed post again tells nobody). */
	if (!(s = store__row_by_id(&st->wcache, st->wdb, q_was, post)))
		return PROTO_ERR_INTERNAL;
	was = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (endorsed && !was && store__notify_endorsed(st, job, &tf, post, pf.author))
		return PROTO_ERR_INTERNAL;
	if (!(s = store__stmt(&st->wcache, st->wdb, q_set)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, post);
	sqlite3_bind_int(s, 2, endorsed);
	if (store__step_done(s) || !(s = store__stmt(&st->wcache, st->wdb, q_answered)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, tf.id);
	store__room_name(room, sizeof(room), "thread", tf.id);
	if (store__step_done(s) || store__event_append(st, job, room, PROTO_EV_POST_ENDORSED, post, job->uid) ||
	    store__thread_stats_state(st, job, tf.id) ||
	    store__audit_add(st, job, tf.course, endorsed ? "post.endorse" : "post.unendorse", "post", post, NULL))
		return PROTO_ERR_INTERNAL;
	*result = store__post_result(st, job, post, tf.course);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* lock and pin: a staff change of a thread flag, seen in both rooms. */
static enum proto_err op_thread_flag(struct store *st, struct store_job *job, char **result)
{
	static const char q_lock[] = "UPDATE threads SET locked = ?2 WHERE id = ?1";
	static const char q_pin[] = "UPDATE threads SET pinned = ?2 WHERE id = ?1";
	int lock = job->req.op == PROTO_OP_THREAD_LOCK;
	int64_t thread = job->req.f[0].u.i;               /* thread is field 0 of both */
	int on = job->req.f[1].u.b;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	struct forum_thread_facts tf;
	sqlite3_stmt *s;
	enum proto_err rc;

	if ((rc = store__thread_facts(st, job, thread, &tf)) != PROTO_ERR_NONE ||
	    (rc = store__need_staff(job, tf.course)) != PROTO_ERR_NONE)
		return rc;
	if (!(s = store__stmt(&st->wcache, st->wdb, lock ? q_lock : q_pin)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, thread);
	sqlite3_bind_int(s, 2, on);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	/* A staff thread pinned is the course's announcement. */
	if (!lock && on && store__notify_announce(st, job, &tf))
		return PROTO_ERR_INTERNAL;
	store__room_name(room, sizeof(room), "course", tf.course);
	if (store__event_append(st, job, room, PROTO_EV_THREAD_UPDATED, thread, job->uid))
		return PROTO_ERR_INTERNAL;
	store__room_name(room, sizeof(room), "thread", thread);
	if (store__event_append(st, job, room, PROTO_EV_THREAD_UPDATED, thread, job->uid) ||
	    store__audit_add(st, job, tf.course, lock ? (on ? "thread.lock" : "thread.unlock") : (on ? "thread.pin" : "thread.unpin"),
		      "thread", thread, NULL))
		return PROTO_ERR_INTERNAL;
	if (!(s = store__row_by_id(&st->wcache, st->wdb, store__q_thread, thread)))
		return PROTO_ERR_INTERNAL;
	{
		struct forum_thread t;

		store__thread_row(s, &t);
		*result = render_result_thread_only(&t, view_staff());   /* staff only */
	}
	sqlite3_reset(s);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* The user a mute is about, by their token id; not_found if never seen. */
static enum proto_err mute_target(struct store *st, struct store_job *job, const char *ext_id, int64_t *uid,
				  char *name, size_t name_len)
{
	static const char q[] = "SELECT id, name FROM users WHERE ext_id = ?1";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	if (!s)
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_text(s, 1, ext_id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return store__job_error(job, PROTO_ERR_NOT_FOUND, "user", "no such user");
	}
	*uid = sqlite3_column_int64(s, 0);
	snprintf(name, name_len, "%s", (const char *)sqlite3_column_text(s, 1));
	sqlite3_reset(s);
	return PROTO_ERR_NONE;
}

static enum proto_err op_user_mute(struct store *st, struct store_job *job, char **result)
{
	static const char q_mute[] =
		"INSERT INTO mutes(course_id, user_id, until, reason, by_user, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
		" ON CONFLICT(course_id, user_id) DO UPDATE SET until = excluded.until, reason = excluded.reason,"
		" by_user = excluded.by_user, created_at = excluded.created_at";
	static const char q_unmute[] = "DELETE FROM mutes WHERE course_id = ?1 AND user_id = ?2";
	int mute = job->req.op == PROTO_OP_USER_MUTE;
	int64_t course = job->req.f[0].u.i, uid = 0, until = 0;   /* course, user: fields 0, 1 of both */
	const char *user = job->req.f[1].u.s.p, *reason = mute ? job->req.f[PF_USER_MUTE_REASON].u.s.p : NULL;
	char name[PROTO_MAX_NAME_CHARS * 4 + 1];
	sqlite3_stmt *s;
	enum proto_err rc;

	if (reason && !forum_text_present(reason, strlen(reason)))
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "reason", "give a reason");
	if ((rc = store__need_staff(job, course)) != PROTO_ERR_NONE ||
	    (rc = store__check_course(st, job, course, 0)) != PROTO_ERR_NONE ||
	    (rc = mute_target(st, job, user, &uid, name, sizeof(name))) != PROTO_ERR_NONE)
		return rc;
	if (uid == job->uid)
		return store__job_error(job, PROTO_ERR_FORBIDDEN, "user", "you cannot mute yourself");
	if (!(s = store__stmt(&st->wcache, st->wdb, mute ? q_mute : q_unmute)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, course);
	sqlite3_bind_int64(s, 2, uid);
	if (mute) {
		until = job->now_ms / 1000 + job->req.f[PF_USER_MUTE_MINUTES].u.i * 60;
		sqlite3_bind_int64(s, 3, until);
		sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, job->uid);
		sqlite3_bind_int64(s, 6, job->now_ms);
	}
	if (store__step_done(s) ||
	    store__audit_add(st, job, course, mute ? "user.mute" : "user.unmute", "user", uid, reason) ||
	    store__notice_add(st, job, uid, course, mute ? "muted" : "unmuted", 0, until, reason))
		return PROTO_ERR_INTERNAL;
	if (mute) {
		struct mod_mute m = { course, { uid, user, name }, until, reason };

		*result = render_result_mute(&m, view_staff());   /* staff only */
	} else {
		*result = render_result_mute(NULL, view_staff());
	}
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

enum proto_err store__moderation_apply(struct store *st, struct store_job *job, char **result)
{
	assert(store__on_writer(st));

	switch (job->req.op) {
	case PROTO_OP_POST_FLAG:
		return op_post_flag(st, job, result);
	case PROTO_OP_FLAG_DISMISS:
		return op_flag_dismiss(st, job, result);
	case PROTO_OP_POST_HIDE:
	case PROTO_OP_POST_RESTORE:
	case PROTO_OP_POST_REMOVE:
		return op_post_state(st, job, result);
	case PROTO_OP_POST_ENDORSE:
		return op_post_endorse(st, job, result);
	case PROTO_OP_THREAD_LOCK:
	case PROTO_OP_THREAD_PIN:
		return op_thread_flag(st, job, result);
	case PROTO_OP_USER_MUTE:
	case PROTO_OP_USER_UNMUTE:
		return op_user_mute(st, job, result);
	default:
		return store__job_error(job, PROTO_ERR_INTERNAL, NULL, "not a moderation op");
	}
}

/* ------------------------------------------------------------------------- */
/* Reads (a reader thread, its connection)                                  */
/* ------------------------------------------------------------------------- */

static struct msg *read_error(struct proto_error *err, enum proto_err code, const char *field, const char *message)
{
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	snprintf(err->message, sizeof(err->message), "%s", message);
	return NULL;
}

/* Staff of an existing course? */
static enum proto_err read_staff(struct store_conn *rd, const struct identity *who, int64_t course)
{
	static const char q[] = "SELECT 1 FROM courses WHERE id = ?1";
	sqlite3_stmt *s = store__row_by_id(&rd->cache, rd->db, q, course);

	if (!s)
		return PROTO_ERR_NOT_FOUND;
	sqlite3_reset(s);
	return access_is_staff(who, course) ? PROTO_ERR_NONE : PROTO_ERR_FORBIDDEN;
}

/* flag.list for staff: a course's open flags. A new reply msg the caller
 * owns, or NULL with *err filled (forbidden for non-staff). */
struct msg *store_flag_list(struct store_conn *rd, const struct identity *who, const struct proto_request *req,
			    struct proto_error *err)
{
	static const char q[] = "SELECT id FROM flags WHERE course_id = ?1 AND state = 'open' ORDER BY id DESC LIMIT 500";
	int64_t course = req->f[PF_FLAG_LIST_COURSE].u.i;
	struct render_list *l;
	enum proto_err rc;
	sqlite3_stmt *ids;
	struct msg *m = NULL;

	if ((rc = read_staff(rd, who, course)) != PROTO_ERR_NONE)
		return read_error(err, rc, "course", proto_errs[rc].code);
	if (!(l = render_list_new()) || !(ids = store__stmt(&rd->cache, rd->db, q))) {
		render_list_free(l);
		return read_error(err, PROTO_ERR_INTERNAL, NULL, "database error");
	}
	if (store__exec(rd->db, "BEGIN") != SQLITE_OK) {
		render_list_free(l);
		return read_error(err, PROTO_ERR_INTERNAL, NULL, "database error");
	}
	sqlite3_bind_int64(ids, 1, course);
	while (sqlite3_step(ids) == SQLITE_ROW) {
		sqlite3_stmt *s = store__row_by_id(&rd->cache, rd->db, Q_FLAG, sqlite3_column_int64(ids, 0)), *ps = NULL;
		struct mod_flag f;
		int bad;

		if (!s)
			continue;
		flag_row(&rd->cache, rd->db, s, &f, &ps);
		bad = render_list_add_flag(l, &f, view_staff());   /* read_staff said yes */
		if (ps)
			sqlite3_reset(ps);
		sqlite3_reset(s);
		if (bad)
			break;
	}
	sqlite3_reset(ids);
	store__exec(rd->db, "COMMIT");
	m = render_list_reply(req->id, "flags", l, 0, NULL, 0);
	return m ? m : read_error(err, PROTO_ERR_INTERNAL, NULL, "out of memory");
}

/* audit.list for staff: a page of a course's audit log. A new reply msg
 * the caller owns, or NULL with *err filled (forbidden for non-staff). */
struct msg *store_audit_list(struct store_conn *rd, const struct identity *who, const struct proto_request *req,
			     struct proto_error *err)
{
	static const char q[] =
		"SELECT a.id, a.course_id, u.id, u.ext_id, u.name, a.action, a.subject_kind, a.subject_id, a.reason,"
		"       a.created_at, su.ext_id"
		"  FROM audit a JOIN users u ON u.id = a.actor_id"
		"  LEFT JOIN users su ON a.subject_kind = 'user' AND su.id = a.subject_id"
		" WHERE a.course_id = ?1 AND (?2 IS NULL OR a.action = ?2) AND a.id < ?3"
		" ORDER BY a.id DESC LIMIT ?4";
	int64_t course = req->f[PF_AUDIT_LIST_COURSE].u.i, before = INT64_MAX;
	int64_t limit = req->f[PF_AUDIT_LIST_LIMIT].present ? req->f[PF_AUDIT_LIST_LIMIT].u.i : 50;
	const char *cursor = req->f[PF_AUDIT_LIST_CURSOR].present ? req->f[PF_AUDIT_LIST_CURSOR].u.s.p : NULL;
	struct render_list *l;
	enum proto_err rc;
	sqlite3_stmt *s;
	char next[32] = "", tail;
	int n = 0, more = 0;

	if ((rc = read_staff(rd, who, course)) != PROTO_ERR_NONE)
		return read_error(err, rc, "course", proto_errs[rc].code);
	if (cursor && (sscanf(cursor, "A%" SCNd64 "%c", &before, &tail) != 1 || before <= 0))
		return read_error(err, PROTO_ERR_BAD_CURSOR, "cursor", "not a cursor from this list");
	if (!(l = render_list_new()) || !(s = store__stmt(&rd->cache, rd->db, q))) {
		render_list_free(l);
		return read_error(err, PROTO_ERR_INTERNAL, NULL, "database error");
	}
	sqlite3_bind_int64(s, 1, course);
	if (req->f[PF_AUDIT_LIST_ACTION].present)
		sqlite3_bind_text(s, 2, req->f[PF_AUDIT_LIST_ACTION].u.s.p, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, before);
	sqlite3_bind_int64(s, 4, limit + 1);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct mod_audit a;

		if (n == limit) {
			more = 1;
			break;
		}
		audit_row(s, &a);
		if (render_list_add_audit(l, &a, view_staff()))
			break;
		snprintf(next, sizeof(next), "A%" PRId64, a.id);
		n++;
	}
	sqlite3_reset(s);
	return render_list_reply(req->id, "entries", l, 1, more ? next : NULL, 0);
}

/* post.history for staff: a post's revisions. A new reply msg the caller
 * owns, or NULL with *err filled (forbidden for non-staff). */
struct msg *store_post_history(struct store_conn *rd, const struct identity *who, const struct proto_request *req,
			       struct proto_error *err)
{
	static const char q_course[] =
		"SELECT t.course_id FROM posts p JOIN threads t ON t.id = p.thread_id WHERE p.id = ?1";
	static const char q[] =
		"SELECT r.revision, r.body, u.id, u.ext_id, u.name, r.edited_at FROM post_revisions r"
		" JOIN users u ON u.id = r.edited_by WHERE r.post_id = ?1 ORDER BY r.revision DESC";
	int64_t post = req->f[PF_POST_HISTORY_POST].u.i, course;
	sqlite3_stmt *s = store__row_by_id(&rd->cache, rd->db, q_course, post);
	struct render_list *l;
	struct verdict v;

	if (!s)
		return read_error(err, PROTO_ERR_NOT_FOUND, "post", "no such post");
	course = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	v = access_staff_only(who, course);
	if (!verdict_allowed(v))
		return read_error(err, v.code, v.field, v.message);
	if (!(l = render_list_new()) || !(s = store__stmt(&rd->cache, rd->db, q))) {
		render_list_free(l);
		return read_error(err, PROTO_ERR_INTERNAL, NULL, "database error");
	}
	sqlite3_bind_int64(s, 1, post);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct mod_revision r = {
			sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
			{ sqlite3_column_int64(s, 2), (const char *)sqlite3_column_text(s, 3),
			  (const char *)sqlite3_column_text(s, 4) },
			sqlite3_column_int64(s, 5),
		};

		/* The newest that fit in one page (a post edited many times at
		 * the largest size would not fit a socket's queue). */
		if (render_list_add_revision(l, &r, view_staff()) || render_list_fit(l, PROTO_SNAPSHOT_MAX_BYTES))
			break;
	}
	sqlite3_reset(s);
	render_list_reverse(l);         /* oldest first */
	return render_list_reply(req->id, "revisions", l, 0, NULL, post);
}
