/*
 * forum.c - the forum's write ops (hello's user row, threads, posts,
 * edits, deletes, votes, follows), applied by the writer thread inside its
 * transaction, and the forum's events rendered from the current rows.
 * The thread and post rows and facts it shares with moderation.c and qa.c
 * are in threads.c, the reads in forum_read.c.
 *
 * Every write re-checks, inside the transaction, what a decision made on
 * stale state could get wrong: the course window, the user's mute, the
 * thread's lock and the post's state.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "core/forum.h"
#include "internal.h"
#include "proto/render.h"
#include "proto/render_forum.h"

/* ------------------------------------------------------------------------- */
/* Events rendered from rows                                                 */
/* ------------------------------------------------------------------------- */

int store__forum_render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
			     enum proto_event ev, int64_t subject, struct msg **peer, struct msg **staff)
{
	const char *type = proto_events[ev].name;
	sqlite3_stmt *s;

	switch (ev) {
	case PROTO_EV_POST_CREATED:
	case PROTO_EV_POST_EDITED:
	case PROTO_EV_POST_DELETED:
	case PROTO_EV_POST_HIDDEN:
	case PROTO_EV_POST_RESTORED:
	case PROTO_EV_POST_ENDORSED:
	case PROTO_EV_POST_ACCEPTED: {
		struct forum_post p;

		/* One read of the row for both views. */
		if (!(s = store__row_by_id(c, db, store__q_post, subject)))
			return -1;
		store__post_row(s, &p);
		*peer = render_event_post(type, room, seq, &p, view_peer());
		*staff = render_event_post(type, room, seq, &p, view_staff());
		sqlite3_reset(s);
		break;
	}
	case PROTO_EV_THREAD_CREATED:
	case PROTO_EV_THREAD_UPDATED: {
		struct forum_thread t;

		if (!(s = store__row_by_id(c, db, store__q_thread, subject)))
			return -1;
		store__thread_row(s, &t);
		*peer = render_event_thread(type, room, seq, &t, view_peer());
		*staff = render_event_thread(type, room, seq, &t, view_staff());
		sqlite3_reset(s);
		break;
	}
	default:
		return -1;
	}
	return *peer && *staff ? 0 : -1;
}



/* The forum's state facts: a thread's activity (from its current row) and a
 * post's vote count (from the count the write left). */
int store__forum_render_state(struct stmt_cache *c, sqlite3 *db, struct store_state *s)
{
	switch (s->kind) {
	case STORE_STATE_THREAD_STATS:
		return store__thread_stats_render(c, db, s);
	case STORE_STATE_POST_VOTES:
		s->value = render_state_post_votes(s->room, s->subject, s->count, s->version);
		return s->value ? 0 : -1;
	default:
		return -1;
	}
}

/* ------------------------------------------------------------------------- */
/* Shared write steps                                                        */
/* ------------------------------------------------------------------------- */

static int follow_set(struct store *st, struct store_job *job, int64_t thread, int follow)
{
	static const char q_on[] =
		"INSERT OR IGNORE INTO follows(thread_id, user_id, created_at) VALUES (?1, ?2, ?3)";
	static const char q_off[] = "DELETE FROM follows WHERE thread_id = ?1 AND user_id = ?2";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, follow ? q_on : q_off);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, thread);
	sqlite3_bind_int64(s, 2, job->uid);
	if (follow)
		sqlite3_bind_int64(s, 3, job->now_ms);
	return store__step_done(s);
}

static int revision_add(struct store *st, struct store_job *job, int64_t post, int64_t revision,
			const char *body)
{
	static const char q[] =
		"INSERT INTO post_revisions(post_id, revision, body, edited_by, edited_at) VALUES (?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, post);
	sqlite3_bind_int64(s, 2, revision);
	sqlite3_bind_text(s, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, job->uid);
	sqlite3_bind_int64(s, 5, job->now_ms);
	return store__step_done(s);
}

/* ------------------------------------------------------------------------- */
/* Ops                                                                       */
/* ------------------------------------------------------------------------- */

/* hello: make sure the user has a row (the token's name may have changed). */
static enum proto_err op_user_upsert(struct store *st, struct store_job *job)
{
	static const char q_up[] =
		"INSERT INTO users(ext_id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) "
		"ON CONFLICT(ext_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at "
		"WHERE name <> excluded.name";
	static const char q_id[] = "SELECT id FROM users WHERE ext_id = ?1";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q_up);

	if (!s)
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_text(s, 1, job->who.user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, job->who.name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, job->now_ms);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	s = store__stmt(&st->wcache, st->wdb, q_id);
	if (!s)
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_text(s, 1, job->who.user, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return PROTO_ERR_INTERNAL;
	}
	job->out_uid = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return store__notify_members(st, job, job->out_uid) ? PROTO_ERR_INTERNAL : PROTO_ERR_NONE;
}

static enum proto_err op_thread_create(struct store *st, struct store_job *job, char **result)
{
	const struct proto_request *r = &job->req;
	const struct proto_str *title = &r->f[PF_THREAD_CREATE_TITLE].u.s;
	const struct proto_str *body = &r->f[PF_THREAD_CREATE_BODY].u.s;
	int64_t course = r->f[PF_THREAD_CREATE_COURSE].u.i, tid, pid;
	int anonymous = r->f[PF_THREAD_CREATE_ANONYMOUS].present && r->f[PF_THREAD_CREATE_ANONYMOUS].u.b;
	sqlite3_stmt *ts, *ps;
	enum proto_err rc;

	if (!forum_text_present(title->p, title->len))
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "title", "the title is empty");
	if (!forum_text_present(body->p, body->len))
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "body", "the text is empty");
	if ((rc = store__check_course(st, job, course, 1)) != PROTO_ERR_NONE ||
	    (rc = store__check_mute(st, job, course)) != PROTO_ERR_NONE ||
	    (rc = store__limit(st, job, course, "thread")) != PROTO_ERR_NONE ||
	    (rc = store__limit(st, job, course, "post")) != PROTO_ERR_NONE)
		return rc;
	tid = store__thread_insert(st, job, course,
				  proto_ops[PROTO_OP_THREAD_CREATE].fields[PF_THREAD_CREATE_KIND].values[r->f[PF_THREAD_CREATE_KIND].u.e],
				  title->p, (int)title->len, body->p, (int)body->len, job->uid, anonymous, 0, &pid);
	if (tid < 0)
		return PROTO_ERR_INTERNAL;
	{
		/* The opening post's @mentions tell the members it names. */
		struct forum_thread_facts tf = { .id = tid, .course = course, .first_post = pid };

		if (store__notify_post(st, job, &tf, pid, 0, anonymous, body->p, body->len))
			return PROTO_ERR_INTERNAL;
	}
	if (!(ts = store__row_by_id(&st->wcache, st->wdb, store__q_thread, tid)))
		return PROTO_ERR_INTERNAL;
	if (!(ps = store__row_by_id(&st->wcache, st->wdb, store__q_post, pid))) {
		sqlite3_reset(ts);
		return PROTO_ERR_INTERNAL;
	}
	{
		struct forum_thread t;
		struct forum_post p;

		store__thread_row(ts, &t);
		store__post_row(ps, &p);
		*result = render_result_thread(&t, &p, view_of(access_is_staff(&job->who, t.course), job->uid));
	}
	sqlite3_reset(ts);
	sqlite3_reset(ps);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_post_create(struct store *st, struct store_job *job, char **result)
{
	static const char q_post[] =
		"INSERT INTO posts(thread_id, parent_id, author_id, anonymous, body, created_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	static const char q_thread[] =
		"UPDATE threads SET reply_count = reply_count + 1, last_activity_at = ?2, last_post_id = ?3,"
		" stats_v = stats_v + 1 WHERE id = ?1";
	const struct proto_request *r = &job->req;
	const struct proto_str *body = &r->f[PF_POST_CREATE_BODY].u.s;
	int anonymous = r->f[PF_POST_CREATE_ANONYMOUS].present && r->f[PF_POST_CREATE_ANONYMOUS].u.b;
	int64_t parent = r->f[PF_POST_CREATE_PARENT].present ? r->f[PF_POST_CREATE_PARENT].u.i : 0, pid;
	struct forum_thread_facts tf;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s;
	enum proto_err rc;

	if (!forum_text_present(body->p, body->len))
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "body", "the text is empty");
	if ((rc = store__thread_facts(st, job, r->f[PF_POST_CREATE_THREAD].u.i, &tf)) != PROTO_ERR_NONE ||
	    (rc = store__check_thread_write(st, job, &tf)) != PROTO_ERR_NONE ||
	    (rc = store__limit(st, job, tf.course, "post")) != PROTO_ERR_NONE)
		return rc;
	if (parent) {
		struct forum_post_facts pf;
		int found = store__post_facts(st, job, parent, &pf) == PROTO_ERR_NONE;

		if ((rc = store__job_verdict(job, forum_reply_parent(found ? &pf : NULL, &tf))) != PROTO_ERR_NONE)
			return rc;
	}

	if (!(s = store__stmt(&st->wcache, st->wdb, q_post)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, tf.id);
	if (parent)
		sqlite3_bind_int64(s, 2, parent);
	sqlite3_bind_int64(s, 3, job->uid);
	sqlite3_bind_int(s, 4, anonymous);
	sqlite3_bind_text(s, 5, body->p, (int)body->len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, job->now_ms);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	pid = sqlite3_last_insert_rowid(st->wdb);

	if (!(s = store__stmt(&st->wcache, st->wdb, q_thread)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, tf.id);
	sqlite3_bind_int64(s, 2, job->now_ms);
	sqlite3_bind_int64(s, 3, pid);
	if (store__step_done(s) || revision_add(st, job, pid, 1, body->p) || follow_set(st, job, tf.id, 1) ||
	    store__notify_post(st, job, &tf, pid, parent, anonymous, body->p, body->len))
		return PROTO_ERR_INTERNAL;

	store__room_name(room, sizeof(room), "thread", tf.id);
	if (store__event_append(st, job, room, PROTO_EV_POST_CREATED, pid, job->uid) ||
	    store__thread_stats_state(st, job, tf.id))
		return PROTO_ERR_INTERNAL;
	*result = store__post_result(st, job, pid, tf.course);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* Loads a post for a change by its author: the post, its thread's facts
 * and the write checks. */
static enum proto_err own_post(struct store *st, struct store_job *job, int64_t post,
			       struct forum_post_facts *pf, struct forum_thread_facts *tf)
{
	enum proto_err rc;

	if ((rc = store__post_facts(st, job, post, pf)) != PROTO_ERR_NONE ||
	    (rc = store__thread_facts(st, job, pf->thread, tf)) != PROTO_ERR_NONE ||
	    (rc = store__check_thread_write(st, job, tf)) != PROTO_ERR_NONE)
		return rc;
	return store__job_verdict(job, forum_own_post_change(pf, job->uid));
}

static enum proto_err op_post_edit(struct store *st, struct store_job *job, char **result)
{
	static const char q_same[] = "SELECT body = ?2, revision FROM posts WHERE id = ?1";
	static const char q_edit[] =
		"UPDATE posts SET body = ?2, revision = revision + 1, edited_at = ?3 WHERE id = ?1";
	const struct proto_str *body = &job->req.f[PF_POST_EDIT_BODY].u.s;
	int64_t post = job->req.f[PF_POST_EDIT_POST].u.i, revision;
	struct forum_post_facts pf;
	struct forum_thread_facts tf;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s;
	enum proto_err rc;
	int same;

	if (!forum_text_present(body->p, body->len))
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "body", "the text is empty");
	if ((rc = own_post(st, job, post, &pf, &tf)) != PROTO_ERR_NONE ||
	    (rc = store__limit(st, job, tf.course, "edit")) != PROTO_ERR_NONE)
		return rc;

	if (!(s = store__stmt(&st->wcache, st->wdb, q_same)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, post);
	sqlite3_bind_text(s, 2, body->p, (int)body->len, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return PROTO_ERR_INTERNAL;
	}
	same = sqlite3_column_int(s, 0);
	revision = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);

	if (!same) {            /* an unchanged text is no new revision */
		if (!(s = store__stmt(&st->wcache, st->wdb, q_edit)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, post);
		sqlite3_bind_text(s, 2, body->p, (int)body->len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, job->now_ms);
		if (store__step_done(s) || revision_add(st, job, post, revision + 1, body->p))
			return PROTO_ERR_INTERNAL;
		store__room_name(room, sizeof(room), "thread", tf.id);
		if (store__event_append(st, job, room, PROTO_EV_POST_EDITED, post, job->uid))
			return PROTO_ERR_INTERNAL;
	}
	*result = store__post_result(st, job, post, tf.course);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_post_delete(struct store *st, struct store_job *job, char **result)
{
	static const char q_del[] = "UPDATE posts SET state = 'deleted', state_by = ?2 WHERE id = ?1";
	/* A deleted accepted or endorsed response no longer answers the question. */
	static const char q_reply[] =
		"UPDATE threads SET reply_count = reply_count - 1, stats_v = stats_v + 1,"
		" answered = EXISTS (SELECT 1 FROM posts WHERE thread_id = ?1 AND (endorsed OR accepted) AND state <> 'deleted')"
		" WHERE id = ?1";
	static const char q_thread[] = "UPDATE threads SET state = 'deleted' WHERE id = ?1";
	int64_t post = job->req.f[PF_POST_DELETE_POST].u.i;
	struct forum_post_facts pf;
	struct forum_thread_facts tf;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s;
	enum proto_err rc;
	int first;

	if ((rc = own_post(st, job, post, &pf, &tf)) != PROTO_ERR_NONE)
		return rc;
	first = post == tf.first_post;
	if (!(s = store__stmt(&st->wcache, st->wdb, q_del)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, post);
	sqlite3_bind_int64(s, 2, job->uid);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	/* Deleting the opening post deletes the thread, as in Discourse. */
	if (!(s = store__stmt(&st->wcache, st->wdb, first ? q_thread : q_reply)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, tf.id);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;

	store__room_name(room, sizeof(room), "thread", tf.id);
	if (store__event_append(st, job, room, PROTO_EV_POST_DELETED, post, job->uid))
		return PROTO_ERR_INTERNAL;
	if (first) {
		store__room_name(room, sizeof(room), "course", tf.course);
		if (store__event_append(st, job, room, PROTO_EV_THREAD_UPDATED, tf.id, job->uid))
			return PROTO_ERR_INTERNAL;
	} else if (store__thread_stats_state(st, job, tf.id)) {
		return PROTO_ERR_INTERNAL;
	}
	*result = store__post_result(st, job, post, tf.course);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_post_vote(struct store *st, struct store_job *job, char **result)
{
	static const char q_on[] =
		"INSERT OR IGNORE INTO post_votes(post_id, user_id, created_at) VALUES (?1, ?2, ?3)";
	static const char q_off[] = "DELETE FROM post_votes WHERE post_id = ?1 AND user_id = ?2";
	static const char q_count[] =
		"UPDATE posts SET votes = votes + ?2, votes_v = votes_v + 1 WHERE id = ?1 RETURNING votes, votes_v";
	static const char q_thread[] =
		"UPDATE threads SET votes = ?2, stats_v = stats_v + 1 WHERE id = ?1 AND first_post_id = ?3";
	static const char q_votes[] = "SELECT votes FROM posts WHERE id = ?1";
	int64_t post = job->req.f[PF_POST_VOTE_POST].u.i, votes = 0, v = 0;
	int up = job->req.f[PF_POST_VOTE_UP].u.b, changed;
	struct forum_post_facts pf;
	struct forum_thread_facts tf;
	char room[PROTO_MAX_ROOM_CHARS + 1], key[48];
	sqlite3_stmt *s;
	enum proto_err rc;

	if ((rc = store__post_facts(st, job, post, &pf)) != PROTO_ERR_NONE ||
	    (rc = store__thread_facts(st, job, pf.thread, &tf)) != PROTO_ERR_NONE ||
	    (rc = store__check_course(st, job, tf.course, 1)) != PROTO_ERR_NONE ||
	    (rc = store__check_mute(st, job, tf.course)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store__job_verdict(job, forum_post_vote(&pf, job->uid))) != PROTO_ERR_NONE ||
	    (rc = store__limit(st, job, tf.course, "vote")) != PROTO_ERR_NONE)
		return rc;

	if (!(s = store__stmt(&st->wcache, st->wdb, up ? q_on : q_off)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, post);
	sqlite3_bind_int64(s, 2, job->uid);
	if (up)
		sqlite3_bind_int64(s, 3, job->now_ms);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	changed = sqlite3_changes(st->wdb) > 0;

	if (changed) {
		if (!(s = store__stmt(&st->wcache, st->wdb, q_count)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, post);
		sqlite3_bind_int64(s, 2, up ? 1 : -1);
		if (sqlite3_step(s) != SQLITE_ROW) {
			sqlite3_reset(s);
			return PROTO_ERR_INTERNAL;
		}
		votes = sqlite3_column_int64(s, 0);
		v = sqlite3_column_int64(s, 1);
		sqlite3_reset(s);

		if (!(s = store__stmt(&st->wcache, st->wdb, q_thread)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, tf.id);
		sqlite3_bind_int64(s, 2, votes);
		sqlite3_bind_int64(s, 3, post);
		if (store__step_done(s))
			return PROTO_ERR_INTERNAL;
		store__room_name(room, sizeof(room), "thread", tf.id);
		snprintf(key, sizeof(key), "post:%" PRId64, post);
		if (store__state_fact(job, room, key, v, STORE_STATE_POST_VOTES, post, votes))
			return PROTO_ERR_INTERNAL;
		if (post == tf.first_post && store__thread_stats_state(st, job, tf.id))
			return PROTO_ERR_INTERNAL;
	} else {
		if (!(s = store__row_by_id(&st->wcache, st->wdb, q_votes, post)))
			return PROTO_ERR_INTERNAL;
		votes = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	*result = render_result_vote(post, votes, up);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_thread_follow(struct store *st, struct store_job *job, char **result)
{
	int64_t thread = job->req.f[PF_THREAD_FOLLOW_THREAD].u.i;
	int follow = job->req.f[PF_THREAD_FOLLOW_FOLLOW].u.b;
	struct forum_thread_facts tf;
	enum proto_err rc;

	if ((rc = store__thread_facts(st, job, thread, &tf)) != PROTO_ERR_NONE ||
	    (rc = store__check_course(st, job, tf.course, 0)) != PROTO_ERR_NONE)
		return rc;
	if (follow_set(st, job, thread, follow))
		return PROTO_ERR_INTERNAL;
	*result = render_result_follow(thread, follow);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* A thread's new title, by its author (the rules of post.edit, on the
 * opening post) or by staff of its course (audited when not their own). */
static enum proto_err op_thread_edit(struct store *st, struct store_job *job, char **result)
{
	static const char q_facts[] =
		"SELECT t.author_id, t.title = ?2, p.state = 'visible' FROM threads t JOIN posts p ON p.id = t.first_post_id"
		" WHERE t.id = ?1";
	static const char q_edit[] = "UPDATE threads SET title = ?2 WHERE id = ?1";
	const struct proto_str *title = &job->req.f[PF_THREAD_EDIT_TITLE].u.s;
	int64_t thread = job->req.f[PF_THREAD_EDIT_THREAD].u.i, author;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	struct forum_thread_facts tf;
	sqlite3_stmt *s;
	enum proto_err rc;
	int same, first_visible, staff;

	if (!forum_text_present(title->p, title->len))
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "title", "the title is empty");
	if ((rc = store__thread_facts(st, job, thread, &tf)) != PROTO_ERR_NONE ||
	    (rc = store__check_thread_write(st, job, &tf)) != PROTO_ERR_NONE)
		return rc;
	if (!(s = store__stmt(&st->wcache, st->wdb, q_facts)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, thread);
	sqlite3_bind_text(s, 2, title->p, (int)title->len, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return PROTO_ERR_INTERNAL;
	}
	author = sqlite3_column_int64(s, 0);
	same = sqlite3_column_int(s, 1);
	first_visible = sqlite3_column_int(s, 2);
	sqlite3_reset(s);
	staff = access_is_staff(&job->who, tf.course);
	if ((rc = store__job_verdict(job, forum_thread_title_change(author, first_visible, job->uid, staff))) !=
		    PROTO_ERR_NONE ||
	    (rc = store__limit(st, job, tf.course, "edit")) != PROTO_ERR_NONE)
		return rc;

	if (!same) {            /* an unchanged title is no change */
		if (store__title_revision(st, job, thread, title->p, title->len))
			return PROTO_ERR_INTERNAL;
		if (!(s = store__stmt(&st->wcache, st->wdb, q_edit)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, thread);
		sqlite3_bind_text(s, 2, title->p, (int)title->len, SQLITE_STATIC);
		if (store__step_done(s))
			return PROTO_ERR_INTERNAL;
		store__room_name(room, sizeof(room), "course", tf.course);
		if (store__event_append(st, job, room, PROTO_EV_THREAD_UPDATED, thread, job->uid))
			return PROTO_ERR_INTERNAL;
		store__room_name(room, sizeof(room), "thread", thread);
		if (store__event_append(st, job, room, PROTO_EV_THREAD_UPDATED, thread, job->uid) ||
		    (author != job->uid && store__audit_add(st, job, tf.course, "thread.edit", "thread", thread, NULL)))
			return PROTO_ERR_INTERNAL;
	}
	if (!(s = store__row_by_id(&st->wcache, st->wdb, store__q_thread, thread)))
		return PROTO_ERR_INTERNAL;
	{
		struct forum_thread t;

		store__thread_row(s, &t);
		*result = render_result_thread_only(&t, view_of(staff, job->uid));
	}
	sqlite3_reset(s);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

enum proto_err store__forum_apply(struct store *st, struct store_job *job, char **result)
{
	assert(store__on_writer(st));

	switch (job->req.op) {
	case PROTO_OP_HELLO:
		return op_user_upsert(st, job);
	case PROTO_OP_THREAD_CREATE:
		return op_thread_create(st, job, result);
	case PROTO_OP_POST_CREATE:
		return op_post_create(st, job, result);
	case PROTO_OP_POST_EDIT:
		return op_post_edit(st, job, result);
	case PROTO_OP_POST_DELETE:
		return op_post_delete(st, job, result);
	case PROTO_OP_POST_VOTE:
		return op_post_vote(st, job, result);
	case PROTO_OP_THREAD_FOLLOW:
		return op_thread_follow(st, job, result);
	case PROTO_OP_THREAD_EDIT:
		return op_thread_edit(st, job, result);
	default:
		return store__job_error(job, PROTO_ERR_INTERNAL, NULL, "not a forum op");
	}
}
