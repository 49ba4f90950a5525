/*
 * writing.c - the writing domain: a question's accepted answer (post.accept),
 * drafts kept on the server (draft.save, draft.delete, draft.get) and the
 * titles a thread had (kept by thread.edit, read by thread.history).
 *
 * Writes run on the writer thread inside its transaction and re-check the
 * course window, mute and lock there; the reads run on a reader.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "core/access.h"
#include "core/forum.h"
#include "core/writing.h"
#include "internal.h"
#include "proto/render_writing.h"

/* ------------------------------------------------------------------------- */
/* Accepted answers                                                          */
/* ------------------------------------------------------------------------- */

/* Sets or clears a post's accepted mark and logs post.accepted for it in its
 * thread's room. 0 or -1. */
static int accept_set(struct store *st, struct store_job *job, int64_t thread, int64_t post, int on)
{
	static const char q[] = "UPDATE posts SET accepted = ?2 WHERE id = ?1";
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, post);
	sqlite3_bind_int(s, 2, on);
	if (store__step_done(s))
		return -1;
	store__room_name(room, sizeof(room), "thread", thread);
	return store__event_append(st, job, room, PROTO_EV_POST_ACCEPTED, post, job->uid);
}

/* post.accept: the asker (or staff) marks the response that solved the
 * question, or takes the mark back. One per thread: accepting another
 * moves it. The event names no one, so an anonymous asker stays so. */
static enum proto_err op_post_accept(struct store *st, struct store_job *job, char **result)
{
	static const char q_thread[] = "SELECT author_id FROM threads WHERE id = ?1";
	static const char q_prev[] = "SELECT id FROM posts WHERE thread_id = ?1 AND accepted";
	/* Answered: an accepted or an endorsed response that still exists (the
	 * same rule as post.delete and post.endorse keep). */
	static const char q_answered[] =
		"UPDATE threads SET answered = EXISTS (SELECT 1 FROM posts WHERE thread_id = ?1 AND (endorsed OR accepted)"
		" AND state <> 'deleted'), stats_v = stats_v + 1 WHERE id = ?1";
	int64_t post = job->req.f[PF_POST_ACCEPT_POST].u.i, asker, prev = 0;
	int accept = job->req.f[PF_POST_ACCEPT_ACCEPTED].u.b, staff, changed = 0;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	struct forum_post_facts pf;
	struct forum_thread_facts tf;
	sqlite3_stmt *s;
	enum proto_err rc;

	if ((rc = store__post_facts(st, job, post, &pf)) != PROTO_ERR_NONE ||
	    (rc = store__thread_facts(st, job, pf.thread, &tf)) != PROTO_ERR_NONE ||
	    (rc = store__check_thread_write(st, job, &tf)) != PROTO_ERR_NONE)
		return rc;
	if (!(s = store__row_by_id(&st->wcache, st->wdb, q_thread, tf.id)))
		return PROTO_ERR_INTERNAL;
	asker = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	staff = access_is_staff(&job->who, tf.course);
	if ((rc = store__job_verdict(job, writing_accept(&tf, &pf, asker, job->uid, staff, accept))) != PROTO_ERR_NONE)
		return rc;

	if ((s = store__row_by_id(&st->wcache, st->wdb, q_prev, tf.id))) {
		prev = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	if (accept && prev != post) {
		/* The old mark goes first: one accepted post per thread (unique index). */
		if ((prev && accept_set(st, job, tf.id, prev, 0)) || accept_set(st, job, tf.id, post, 1))
			return PROTO_ERR_INTERNAL;
		changed = 1;
	} else if (!accept && prev == post) {
		if (accept_set(st, job, tf.id, post, 0))
			return PROTO_ERR_INTERNAL;
		changed = 1;
	}
	if (changed) {
		if (!(s = store__stmt(&st->wcache, st->wdb, q_answered)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, tf.id);
		if (store__step_done(s))
			return PROTO_ERR_INTERNAL;
		store__room_name(room, sizeof(room), "course", tf.course);
		if (store__event_append(st, job, room, PROTO_EV_THREAD_UPDATED, tf.id, job->uid))
			return PROTO_ERR_INTERNAL;
		store__room_name(room, sizeof(room), "thread", tf.id);
		if (store__event_append(st, job, room, PROTO_EV_THREAD_UPDATED, tf.id, job->uid) ||
		    store__thread_stats_state(st, job, tf.id) ||
		    (asker != job->uid &&
		     store__audit_add(st, job, tf.course, accept ? "post.accept" : "post.unaccept", "post", post, NULL)))
			return PROTO_ERR_INTERNAL;
	}
	*result = store__post_result(st, job, post, tf.course);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* ------------------------------------------------------------------------- */
/* Title history                                                             */
/* ------------------------------------------------------------------------- */

int store__title_revision(struct store *st, struct store_job *job, int64_t thread, const char *title, size_t len)
{
	/* A thread retitled for the first time keeps the title it was started
	 * with as revision 1, by its author at its start. */
	static const char q_first[] =
		"INSERT INTO thread_titles(thread_id, revision, title, edited_by, edited_at)"
		" SELECT id, 1, title, author_id, created_at FROM threads"
		" WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM thread_titles WHERE thread_id = ?1)";
	static const char q_next[] =
		"INSERT INTO thread_titles(thread_id, revision, title, edited_by, edited_at)"
		" SELECT ?1, MAX(revision) + 1, ?2, ?3, ?4 FROM thread_titles WHERE thread_id = ?1";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q_first);

	assert(store__on_writer(st));
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, thread);
	if (store__step_done(s) || !(s = store__stmt(&st->wcache, st->wdb, q_next)))
		return -1;
	sqlite3_bind_int64(s, 1, thread);
	sqlite3_bind_text(s, 2, title, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, job->uid);
	sqlite3_bind_int64(s, 4, job->now_ms);
	return store__step_done(s);
}

/* ------------------------------------------------------------------------- */
/* Drafts                                                                    */
/* ------------------------------------------------------------------------- */

/* A draft's place as stored: 't<thread>' or 'c<course>'. */
static void draft_place(char *buf, size_t n, int64_t thread, int64_t course)
{
	if (thread)
		snprintf(buf, n, "t%" PRId64, thread);
	else
		snprintf(buf, n, "c%" PRId64, course);
}

/* draft.save: replaces the writer's draft for its place (an empty one
 * deletes it); past max_drafts_per_user the least recently saved go. */
static enum proto_err op_draft_save(struct store *st, struct store_job *job, char **result)
{
	static const char q_put[] =
		"INSERT OR REPLACE INTO drafts(user_id, place, course_id, thread_id, title, body, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	static const char q_del[] = "DELETE FROM drafts WHERE user_id = ?1 AND place = ?2";
	static const char q_evict[] =
		"DELETE FROM drafts WHERE user_id = ?1 AND id NOT IN"
		" (SELECT id FROM drafts WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2)";
	const struct proto_value *f = job->req.f;
	const struct proto_str *body = &f[PF_DRAFT_SAVE_BODY].u.s;
	const char *title = f[PF_DRAFT_SAVE_TITLE].present ? f[PF_DRAFT_SAVE_TITLE].u.s.p : "";
	size_t title_len = f[PF_DRAFT_SAVE_TITLE].present ? f[PF_DRAFT_SAVE_TITLE].u.s.len : 0;
	int64_t thread = f[PF_DRAFT_SAVE_THREAD].present ? f[PF_DRAFT_SAVE_THREAD].u.i : 0;
	int64_t course = f[PF_DRAFT_SAVE_COURSE].present ? f[PF_DRAFT_SAVE_COURSE].u.i : 0;
	char place[32];
	sqlite3_stmt *s;
	enum proto_err rc;

	if ((rc = store__job_verdict(job, writing_draft_place(f[PF_DRAFT_SAVE_THREAD].present,
							       f[PF_DRAFT_SAVE_COURSE].present))) != PROTO_ERR_NONE)
		return rc;
	if (thread) {
		struct forum_thread_facts tf;

		if ((rc = store__thread_facts(st, job, thread, &tf)) != PROTO_ERR_NONE)
			return rc;
		course = tf.course;
	}
	if ((rc = store__check_course(st, job, course, 1)) != PROTO_ERR_NONE)
		return rc;
	draft_place(place, sizeof(place), thread, course);

	if (writing_draft_empty(title, title_len, body->p, body->len)) {
		if (!(s = store__stmt(&st->wcache, st->wdb, q_del)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, job->uid);
		sqlite3_bind_text(s, 2, place, -1, SQLITE_STATIC);
		if (store__step_done(s))
			return PROTO_ERR_INTERNAL;
		*result = render_result_draft(NULL);
		return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
	}
	if (!(s = store__stmt(&st->wcache, st->wdb, q_put)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, job->uid);
	sqlite3_bind_text(s, 2, place, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, course);
	if (thread)
		sqlite3_bind_int64(s, 4, thread);
	sqlite3_bind_text(s, 5, title, (int)title_len, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, body->p, (int)body->len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, job->now_ms);
	if (store__step_done(s) || !(s = store__stmt(&st->wcache, st->wdb, q_evict)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, job->uid);
	sqlite3_bind_int64(s, 2, PROTO_MAX_DRAFTS_PER_USER);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	{
		/* The request's strings (NUL-terminated, alive until the job is done). */
		struct writing_draft d = { thread, course, title, body->p, job->now_ms };

		*result = render_result_draft(&d);
	}
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* draft.delete: the writer's own draft for its place, if there is one. */
static enum proto_err op_draft_delete(struct store *st, struct store_job *job, char **result)
{
	static const char q[] = "DELETE FROM drafts WHERE user_id = ?1 AND place = ?2";
	const struct proto_value *f = job->req.f;
	char place[32];
	sqlite3_stmt *s;
	enum proto_err rc;

	if ((rc = store__job_verdict(job, writing_draft_place(f[PF_DRAFT_DELETE_THREAD].present,
							       f[PF_DRAFT_DELETE_COURSE].present))) != PROTO_ERR_NONE)
		return rc;
	draft_place(place, sizeof(place), f[PF_DRAFT_DELETE_THREAD].present ? f[PF_DRAFT_DELETE_THREAD].u.i : 0,
		    f[PF_DRAFT_DELETE_COURSE].present ? f[PF_DRAFT_DELETE_COURSE].u.i : 0);
	if (!(s = store__stmt(&st->wcache, st->wdb, q)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, job->uid);
	sqlite3_bind_text(s, 2, place, -1, SQLITE_STATIC);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	*result = render_result_deleted(sqlite3_changes(st->wdb) > 0);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

enum proto_err store__writing_apply(struct store *st, struct store_job *job, char **result)
{
	assert(store__on_writer(st));

	switch (job->req.op) {
	case PROTO_OP_POST_ACCEPT:
		return op_post_accept(st, job, result);
	case PROTO_OP_DRAFT_SAVE:
		return op_draft_save(st, job, result);
	case PROTO_OP_DRAFT_DELETE:
		return op_draft_delete(st, job, result);
	default:
		return store__job_error(job, PROTO_ERR_INTERNAL, NULL, "not a writing op");
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

struct msg *store_draft_get(struct store_conn *rd, int64_t uid, const struct proto_request *req,
			    struct proto_error *err)
{
	static const char q[] =
		"SELECT thread_id, course_id, title, body, updated_at FROM drafts WHERE user_id = ?1 AND place = ?2";
	const struct proto_value *f = req->f;
	struct verdict v = writing_draft_place(f[PF_DRAFT_GET_THREAD].present, f[PF_DRAFT_GET_COURSE].present);
	char place[32];
	sqlite3_stmt *s;
	struct msg *m;

	if (!verdict_allowed(v))
		return read_error(err, v.code, v.field, v.message);
	draft_place(place, sizeof(place), f[PF_DRAFT_GET_THREAD].present ? f[PF_DRAFT_GET_THREAD].u.i : 0,
		    f[PF_DRAFT_GET_COURSE].present ? f[PF_DRAFT_GET_COURSE].u.i : 0);
	if (!(s = store__stmt(&rd->cache, rd->db, q)))
		return read_error(err, PROTO_ERR_INTERNAL, NULL, "database error");
	/* Only the caller's own row: a draft is nobody else's to read. */
	sqlite3_bind_int64(s, 1, uid);
	sqlite3_bind_text(s, 2, place, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		struct writing_draft d = {
			sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
			(const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
			sqlite3_column_int64(s, 4),
		};

		m = render_draft_reply(req->id, &d);
	} else {
		m = render_draft_reply(req->id, NULL);
	}
	sqlite3_reset(s);
	return m ? m : read_error(err, PROTO_ERR_INTERNAL, NULL, "out of memory");
}

struct msg *store_thread_history(struct store_conn *rd, const struct identity *who, const struct proto_request *req,
				 struct proto_error *err)
{
	static const char q_course[] = "SELECT course_id FROM threads WHERE id = ?1";
	/* The kept titles; a thread never retitled has only its first. */
	static const char q[] =
		"SELECT r.revision, r.title, u.id, u.ext_id, u.name, r.edited_at FROM thread_titles r"
		" JOIN users u ON u.id = r.edited_by WHERE r.thread_id = ?1"
		" UNION ALL"
		" SELECT 1, t.title, u.id, u.ext_id, u.name, t.created_at FROM threads t JOIN users u ON u.id = t.author_id"
		" WHERE t.id = ?1 AND NOT EXISTS (SELECT 1 FROM thread_titles WHERE thread_id = ?1)"
		" ORDER BY 1";
	int64_t thread = req->f[PF_THREAD_HISTORY_THREAD].u.i, course;
	sqlite3_stmt *s = store__row_by_id(&rd->cache, rd->db, q_course, thread);
	struct render_list *l;
	struct verdict v;
	struct msg *m;

	if (!s)
		return read_error(err, PROTO_ERR_NOT_FOUND, "thread", "no such thread");
	course = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	v = access_staff_only(who, course);
	if (!verdict_allowed(v))
		return read_error(err, v.code, v.field, v.message);
	if (!(l = render_list_new()) || !(s = store__stmt(&rd->cache, rd->db, q))) {
		render_list_free(l);
		return read_error(err, PROTO_ERR_INTERNAL, NULL, "database error");
	}
	sqlite3_bind_int64(s, 1, thread);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct writing_title r = {
			sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
			{ sqlite3_column_int64(s, 2), (const char *)sqlite3_column_text(s, 3),
			  (const char *)sqlite3_column_text(s, 4) },
			sqlite3_column_int64(s, 5),
		};

		/* Titles are short, but a thread retitled without end must still
		 * fit one reply: the oldest that fit. */
		if (render_list_add_title(l, &r, view_staff()) || render_list_fit(l, PROTO_SNAPSHOT_MAX_BYTES))
			break;
	}
	sqlite3_reset(s);
	m = render_title_history(req->id, thread, l);
	return m ? m : read_error(err, PROTO_ERR_INTERNAL, NULL, "out of memory");
}
