/*
 * forum.c - the forum in SQLite: write ops applied by the writer thread
 * inside its transaction, reads for the loop thread, and events rendered
 * from the current rows.
 *
 * Every write re-checks, inside the transaction, what a decision made on
 * stale state could get wrong: the course window, the user's mute, the
 * thread's lock and the post's state.
 */
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
/* Row loading                                                               */
/* ------------------------------------------------------------------------- */

const char store_q_post[] =
	"SELECT p.id, p.thread_id, p.parent_id, p.author_id, u.ext_id, u.name, p.anonymous, p.body,"
	"       p.created_at, p.edited_at, p.revision, p.state, p.votes, p.votes_v, p.endorsed,"
	"       t.first_post_id = p.id"
	"  FROM posts p JOIN users u ON u.id = p.author_id JOIN threads t ON t.id = p.thread_id"
	" WHERE p.id = ?1";

const char store_q_thread[] = "SELECT " THREAD_COLUMNS THREAD_JOINS " WHERE t.id = ?1";

static const char *col_text(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t ? t : "";
}

/* Fills p from the current row of a store_q_post-shaped statement. */
void store_post_row(sqlite3_stmt *s, struct forum_post *p)
{
	p->id = sqlite3_column_int64(s, 0);
	p->thread = sqlite3_column_int64(s, 1);
	p->parent = sqlite3_column_int64(s, 2);
	p->author.uid = sqlite3_column_int64(s, 3);
	p->author.ext_id = col_text(s, 4);
	p->author.name = col_text(s, 5);
	p->anonymous = sqlite3_column_int(s, 6);
	p->body = col_text(s, 7);
	p->created_at = sqlite3_column_int64(s, 8);
	p->edited_at = sqlite3_column_int64(s, 9);
	p->revision = sqlite3_column_int64(s, 10);
	p->state = col_text(s, 11);
	p->votes = sqlite3_column_int64(s, 12);
	p->votes_v = sqlite3_column_int64(s, 13);
	p->endorsed = sqlite3_column_int(s, 14);
	p->first = sqlite3_column_int(s, 15);
}

/* Fills t from the current row of a THREAD_COLUMNS statement. */
void store_thread_row(sqlite3_stmt *s, struct forum_thread *t)
{
	t->id = sqlite3_column_int64(s, 0);
	t->course = sqlite3_column_int64(s, 1);
	t->kind = col_text(s, 2);
	t->title = col_text(s, 3);
	t->author.uid = sqlite3_column_int64(s, 4);
	t->author.ext_id = col_text(s, 5);
	t->author.name = col_text(s, 6);
	t->anonymous = sqlite3_column_int(s, 7);
	t->first_post = sqlite3_column_int64(s, 8);
	t->created_at = sqlite3_column_int64(s, 9);
	t->last_activity_at = sqlite3_column_int64(s, 10);
	t->reply_count = sqlite3_column_int64(s, 11);
	t->votes = sqlite3_column_int64(s, 12);
	t->stats_v = sqlite3_column_int64(s, 13);
	t->pinned = sqlite3_column_int(s, 14);
	t->locked = sqlite3_column_int(s, 15);
	t->answered = sqlite3_column_int(s, 16);
	t->state = col_text(s, 17);
	t->has_last = sqlite3_column_type(s, 18) != SQLITE_NULL;
	t->last.uid = sqlite3_column_int64(s, 18);
	t->last.ext_id = col_text(s, 19);
	t->last.name = col_text(s, 20);
	t->last_anonymous = sqlite3_column_int(s, 21);
}

/* ------------------------------------------------------------------------- */
/* Events rendered from rows                                                 */
/* ------------------------------------------------------------------------- */

int store_forum_render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
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
	case PROTO_EV_POST_ENDORSED: {
		struct forum_post p;

		/* One read of the row for both views. */
		if (!(s = store_row_by_id(c, db, store_q_post, subject)))
			return -1;
		store_post_row(s, &p);
		*peer = render_event_post(type, room, seq, &p, view_peer());
		*staff = render_event_post(type, room, seq, &p, view_staff());
		sqlite3_reset(s);
		break;
	}
	case PROTO_EV_THREAD_CREATED:
	case PROTO_EV_THREAD_UPDATED: {
		struct forum_thread t;

		if (!(s = store_row_by_id(c, db, store_q_thread, subject)))
			return -1;
		store_thread_row(s, &t);
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

/* ------------------------------------------------------------------------- */
/* Checks inside the write transaction                                       */
/* ------------------------------------------------------------------------- */

enum proto_err store_job_error(struct store_job *job, enum proto_err code, const char *field,
				const char *message)
{
	job->err.code = code;
	snprintf(job->err.field, sizeof(job->err.field), "%s", field ? field : "");
	snprintf(job->err.message, sizeof(job->err.message), "%s", message);
	return code;
}

enum proto_err store_job_verdict(struct store_job *job, struct verdict v)
{
	if (verdict_allowed(v))
		return PROTO_ERR_NONE;
	return store_job_error(job, v.code, v.field, v.message);
}

/* The course window and role for a write (want_write) or a read. */
enum proto_err store_check_course(struct store *st, struct store_job *job, int64_t course, int want_write)
{
	static const char q[] = "SELECT starts_at, ends_at FROM courses WHERE id = ?1";
	struct access_course c = { .id = course };
	sqlite3_stmt *s = store_row_by_id(&st->wcache, st->wdb, q, course);
	enum proto_err rc;

	if (!s)
		return store_job_error(job, PROTO_ERR_NOT_FOUND, "course", "no such course");
	c.starts_at = sqlite3_column_int64(s, 0);
	c.ends_at = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	rc = access_check(&job->who, &c, job->now_ms / 1000, want_write);
	if (rc != PROTO_ERR_NONE)
		return store_job_error(job, rc, NULL, proto_errs[rc].code);
	return PROTO_ERR_NONE;
}

/* A muted participant may not write in the course. */
enum proto_err store_check_mute(struct store *st, struct store_job *job, int64_t course)
{
	static const char q[] = "SELECT until FROM mutes WHERE course_id = ?1 AND user_id = ?2 AND until > ?3";
	sqlite3_stmt *s;
	int64_t until;

	if (access_is_staff(&job->who, course))
		return PROTO_ERR_NONE;
	s = store_stmt(&st->wcache, st->wdb, q);
	if (!s)
		return store_job_error(job, PROTO_ERR_INTERNAL, NULL, "database error");
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
	return store_job_error(job, PROTO_ERR_MUTED, NULL, "you are muted in this course");
}


enum proto_err store_thread_facts(struct store *st, struct store_job *job, int64_t thread,
					struct forum_thread_facts *f)
{
	static const char q[] =
		"SELECT course_id, first_post_id, locked, kind = 'question', state FROM threads WHERE id = ?1";
	sqlite3_stmt *s = store_row_by_id(&st->wcache, st->wdb, q, thread);

	if (!s)
		return store_job_error(job, PROTO_ERR_NOT_FOUND, "thread", "no such thread");
	f->id = thread;
	f->course = sqlite3_column_int64(s, 0);
	f->first_post = sqlite3_column_int64(s, 1);
	f->locked = sqlite3_column_int(s, 2);
	f->question = sqlite3_column_int(s, 3);
	snprintf(f->state, sizeof(f->state), "%s", col_text(s, 4));
	sqlite3_reset(s);
	if (!forum_thread_visible(f->state, access_is_staff(&job->who, f->course)))
		return store_job_error(job, PROTO_ERR_NOT_FOUND, "thread", "no such thread");
	return PROTO_ERR_NONE;
}

/* Course window, mute and lock: everything a write into a thread needs. */
enum proto_err store_check_thread_write(struct store *st, struct store_job *job,
					 const struct forum_thread_facts *f)
{
	enum proto_err rc;

	if ((rc = store_check_course(st, job, f->course, 1)) != PROTO_ERR_NONE ||
	    (rc = store_check_mute(st, job, f->course)) != PROTO_ERR_NONE)
		return rc;
	return store_job_verdict(job, forum_thread_write(f, access_is_staff(&job->who, f->course)));
}


enum proto_err store_post_facts(struct store *st, struct store_job *job, int64_t post,
				      struct forum_post_facts *f)
{
	static const char q[] = "SELECT thread_id, parent_id, author_id, state FROM posts WHERE id = ?1";
	sqlite3_stmt *s = store_row_by_id(&st->wcache, st->wdb, q, post);

	if (!s)
		return store_job_error(job, PROTO_ERR_NOT_FOUND, "post", "no such post");
	f->id = post;
	f->thread = sqlite3_column_int64(s, 0);
	f->parent = sqlite3_column_int64(s, 1);
	f->author = sqlite3_column_int64(s, 2);
	snprintf(f->state, sizeof(f->state), "%s", col_text(s, 3));
	sqlite3_reset(s);
	return store_job_verdict(job, forum_post_target(f));
}

/* ------------------------------------------------------------------------- */
/* Shared write steps                                                        */
/* ------------------------------------------------------------------------- */

static int follow_set(struct store *st, struct store_job *job, int64_t thread, int follow)
{
	static const char q_on[] =
		"INSERT OR IGNORE INTO follows(thread_id, user_id, created_at) VALUES (?1, ?2, ?3)";
	static const char q_off[] = "DELETE FROM follows WHERE thread_id = ?1 AND user_id = ?2";
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, follow ? q_on : q_off);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, thread);
	sqlite3_bind_int64(s, 2, job->uid);
	if (follow)
		sqlite3_bind_int64(s, 3, job->now_ms);
	return store_step_done(s);
}

/* The first revision of a new post, by its author. */
static int revision_add_for(struct store *st, struct store_job *job, int64_t post, const char *body, int body_len,
			    int64_t author)
{
	static const char q[] =
		"INSERT INTO post_revisions(post_id, revision, body, edited_by, edited_at) VALUES (?1, 1, ?2, ?3, ?4)";
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, post);
	sqlite3_bind_text(s, 2, body, body_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, author);
	sqlite3_bind_int64(s, 4, job->now_ms);
	return store_step_done(s);
}

/* The author of a new thread follows it. */
static int follow_set_for(struct store *st, struct store_job *job, int64_t thread, int64_t user)
{
	static const char q[] = "INSERT OR IGNORE INTO follows(thread_id, user_id, created_at) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, thread);
	sqlite3_bind_int64(s, 2, user);
	sqlite3_bind_int64(s, 3, job->now_ms);
	return store_step_done(s);
}

static int revision_add(struct store *st, struct store_job *job, int64_t post, int64_t revision,
			const char *body)
{
	static const char q[] =
		"INSERT INTO post_revisions(post_id, revision, body, edited_by, edited_at) VALUES (?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, post);
	sqlite3_bind_int64(s, 2, revision);
	sqlite3_bind_text(s, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, job->uid);
	sqlite3_bind_int64(s, 5, job->now_ms);
	return store_step_done(s);
}

void store_room_name(char *buf, size_t n, const char *kind, int64_t id)
{
	snprintf(buf, n, "%s:%" PRId64, kind, id);
}

/* Queues the thread's activity for the course's thread list (both views). */
int store_thread_stats_state(struct store *st, struct store_job *job, int64_t thread)
{
	sqlite3_stmt *s = store_row_by_id(&st->wcache, st->wdb, store_q_thread, thread);
	struct forum_thread t;
	char room[PROTO_MAX_ROOM_CHARS + 1], key[48];
	int rc = -1;

	if (!s)
		return -1;
	store_thread_row(s, &t);
	store_room_name(room, sizeof(room), "course", t.course);
	snprintf(key, sizeof(key), "thread:%" PRId64, t.id);
	if (!store_state_add(job, room, key, t.stats_v, render_state_thread_stats(room, &t, view_peer()),
			     render_state_thread_stats(room, &t, view_staff())))
		rc = 0;
	sqlite3_reset(s);
	return rc;
}

/* The result of a write that returns one post, rendered for the actor: its
 * author (author view) or staff acting on it (staff view). */
char *store_post_result(struct store *st, const struct store_job *job, int64_t post, int64_t course)
{
	sqlite3_stmt *s = store_row_by_id(&st->wcache, st->wdb, store_q_post, post);
	struct forum_post p;
	char *r;

	if (!s)
		return NULL;
	store_post_row(s, &p);
	r = render_result_post(&p, view_of(access_is_staff(&job->who, course), job->uid));
	sqlite3_reset(s);
	return r;
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
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, q_up);

	if (!s)
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_text(s, 1, job->who.user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, job->who.name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, job->now_ms);
	if (store_step_done(s))
		return PROTO_ERR_INTERNAL;
	s = store_stmt(&st->wcache, st->wdb, q_id);
	if (!s)
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_text(s, 1, job->who.user, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return PROTO_ERR_INTERNAL;
	}
	job->out_uid = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return PROTO_ERR_NONE;
}

int64_t store_thread_insert(struct store *st, struct store_job *job, int64_t course, const char *kind,
			    const char *title, int title_len, const char *body, int body_len, int64_t author,
			    int anonymous, int64_t votes, int64_t *post)
{
	static const char q_thread[] =
		"INSERT INTO threads(course_id, kind, title, author_id, anonymous, created_at, last_activity_at, votes) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)";
	static const char q_post[] =
		"INSERT INTO posts(thread_id, author_id, anonymous, body, created_at, votes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	static const char q_link[] = "UPDATE threads SET first_post_id = ?2, last_post_id = ?2 WHERE id = ?1";
	char room[PROTO_MAX_ROOM_CHARS + 1];
	sqlite3_stmt *s;
	int64_t tid, pid;

	if (!(s = store_stmt(&st->wcache, st->wdb, q_thread)))
		return -1;
	sqlite3_bind_int64(s, 1, course);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, title, title_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, author);
	sqlite3_bind_int(s, 5, anonymous);
	sqlite3_bind_int64(s, 6, job->now_ms);
	sqlite3_bind_int64(s, 7, votes);
	if (store_step_done(s))
		return -1;
	tid = sqlite3_last_insert_rowid(st->wdb);
	if (!(s = store_stmt(&st->wcache, st->wdb, q_post)))
		return -1;
	sqlite3_bind_int64(s, 1, tid);
	sqlite3_bind_int64(s, 2, author);
	sqlite3_bind_int(s, 3, anonymous);
	sqlite3_bind_text(s, 4, body, body_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, job->now_ms);
	sqlite3_bind_int64(s, 6, votes);
	if (store_step_done(s))
		return -1;
	pid = sqlite3_last_insert_rowid(st->wdb);
	if (!(s = store_stmt(&st->wcache, st->wdb, q_link)))
		return -1;
	sqlite3_bind_int64(s, 1, tid);
	sqlite3_bind_int64(s, 2, pid);
	if (store_step_done(s) || revision_add_for(st, job, pid, body, body_len, author) ||
	    follow_set_for(st, job, tid, author))
		return -1;
	store_room_name(room, sizeof(room), "course", course);
	if (store_event_append(st, job, room, PROTO_EV_THREAD_CREATED, tid, job->uid))
		return -1;
	store_room_name(room, sizeof(room), "thread", tid);
	if (store_event_append(st, job, room, PROTO_EV_POST_CREATED, pid, job->uid))
		return -1;
	*post = pid;
	return tid;
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
		return store_job_error(job, PROTO_ERR_BAD_FIELD, "title", "the title is empty");
	if (!forum_text_present(body->p, body->len))
		return store_job_error(job, PROTO_ERR_BAD_FIELD, "body", "the text is empty");
	if ((rc = store_check_course(st, job, course, 1)) != PROTO_ERR_NONE ||
	    (rc = store_check_mute(st, job, course)) != PROTO_ERR_NONE ||
	    (rc = store_limit(st, job, course, "thread")) != PROTO_ERR_NONE ||
	    (rc = store_limit(st, job, course, "post")) != PROTO_ERR_NONE)
		return rc;
	tid = store_thread_insert(st, job, course,
				  proto_ops[PROTO_OP_THREAD_CREATE].fields[PF_THREAD_CREATE_KIND].values[r->f[PF_THREAD_CREATE_KIND].u.e],
				  title->p, (int)title->len, body->p, (int)body->len, job->uid, anonymous, 0, &pid);
	if (tid < 0)
		return PROTO_ERR_INTERNAL;
	if (!(ts = store_row_by_id(&st->wcache, st->wdb, store_q_thread, tid)))
		return PROTO_ERR_INTERNAL;
	if (!(ps = store_row_by_id(&st->wcache, st->wdb, store_q_post, pid))) {
		sqlite3_reset(ts);
		return PROTO_ERR_INTERNAL;
	}
	{
		struct forum_thread t;
		struct forum_post p;

		store_thread_row(ts, &t);
		store_post_row(ps, &p);
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
		return store_job_error(job, PROTO_ERR_BAD_FIELD, "body", "the text is empty");
	if ((rc = store_thread_facts(st, job, r->f[PF_POST_CREATE_THREAD].u.i, &tf)) != PROTO_ERR_NONE ||
	    (rc = store_check_thread_write(st, job, &tf)) != PROTO_ERR_NONE ||
	    (rc = store_limit(st, job, tf.course, "post")) != PROTO_ERR_NONE)
		return rc;
	if (parent) {
		struct forum_post_facts pf;
		int found = store_post_facts(st, job, parent, &pf) == PROTO_ERR_NONE;

		if ((rc = store_job_verdict(job, forum_reply_parent(found ? &pf : NULL, &tf))) != PROTO_ERR_NONE)
			return rc;
	}

	if (!(s = store_stmt(&st->wcache, st->wdb, q_post)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, tf.id);
	if (parent)
		sqlite3_bind_int64(s, 2, parent);
	sqlite3_bind_int64(s, 3, job->uid);
	sqlite3_bind_int(s, 4, anonymous);
	sqlite3_bind_text(s, 5, body->p, (int)body->len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, job->now_ms);
	if (store_step_done(s))
		return PROTO_ERR_INTERNAL;
	pid = sqlite3_last_insert_rowid(st->wdb);

	if (!(s = store_stmt(&st->wcache, st->wdb, q_thread)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, tf.id);
	sqlite3_bind_int64(s, 2, job->now_ms);
	sqlite3_bind_int64(s, 3, pid);
	if (store_step_done(s) || revision_add(st, job, pid, 1, body->p) || follow_set(st, job, tf.id, 1))
		return PROTO_ERR_INTERNAL;

	store_room_name(room, sizeof(room), "thread", tf.id);
	if (store_event_append(st, job, room, PROTO_EV_POST_CREATED, pid, job->uid) ||
	    store_thread_stats_state(st, job, tf.id))
		return PROTO_ERR_INTERNAL;
	*result = store_post_result(st, job, pid, tf.course);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

/* Loads a post for a change by its author: the post, its thread's facts
 * and the write checks. */
static enum proto_err own_post(struct store *st, struct store_job *job, int64_t post,
			       struct forum_post_facts *pf, struct forum_thread_facts *tf)
{
	enum proto_err rc;

	if ((rc = store_post_facts(st, job, post, pf)) != PROTO_ERR_NONE ||
	    (rc = store_thread_facts(st, job, pf->thread, tf)) != PROTO_ERR_NONE ||
	    (rc = store_check_thread_write(st, job, tf)) != PROTO_ERR_NONE)
		return rc;
	return store_job_verdict(job, forum_own_post_change(pf, job->uid));
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
		return store_job_error(job, PROTO_ERR_BAD_FIELD, "body", "the text is empty");
	if ((rc = own_post(st, job, post, &pf, &tf)) != PROTO_ERR_NONE ||
	    (rc = store_limit(st, job, tf.course, "edit")) != PROTO_ERR_NONE)
		return rc;

	if (!(s = store_stmt(&st->wcache, st->wdb, q_same)))
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
		if (!(s = store_stmt(&st->wcache, st->wdb, q_edit)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, post);
		sqlite3_bind_text(s, 2, body->p, (int)body->len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, job->now_ms);
		if (store_step_done(s) || revision_add(st, job, post, revision + 1, body->p))
			return PROTO_ERR_INTERNAL;
		store_room_name(room, sizeof(room), "thread", tf.id);
		if (store_event_append(st, job, room, PROTO_EV_POST_EDITED, post, job->uid))
			return PROTO_ERR_INTERNAL;
	}
	*result = store_post_result(st, job, post, tf.course);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_post_delete(struct store *st, struct store_job *job, char **result)
{
	static const char q_del[] = "UPDATE posts SET state = 'deleted', state_by = ?2 WHERE id = ?1";
	/* A deleted endorsed response no longer answers the question. */
	static const char q_reply[] =
		"UPDATE threads SET reply_count = reply_count - 1, stats_v = stats_v + 1,"
		" answered = EXISTS (SELECT 1 FROM posts WHERE thread_id = ?1 AND endorsed AND state <> 'deleted')"
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
	if (!(s = store_stmt(&st->wcache, st->wdb, q_del)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, post);
	sqlite3_bind_int64(s, 2, job->uid);
	if (store_step_done(s))
		return PROTO_ERR_INTERNAL;
	/* Deleting the opening post deletes the thread, as in Discourse. */
	if (!(s = store_stmt(&st->wcache, st->wdb, first ? q_thread : q_reply)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, tf.id);
	if (store_step_done(s))
		return PROTO_ERR_INTERNAL;

	store_room_name(room, sizeof(room), "thread", tf.id);
	if (store_event_append(st, job, room, PROTO_EV_POST_DELETED, post, job->uid))
		return PROTO_ERR_INTERNAL;
	if (first) {
		store_room_name(room, sizeof(room), "course", tf.course);
		if (store_event_append(st, job, room, PROTO_EV_THREAD_UPDATED, tf.id, job->uid))
			return PROTO_ERR_INTERNAL;
	} else if (store_thread_stats_state(st, job, tf.id)) {
		return PROTO_ERR_INTERNAL;
	}
	*result = store_post_result(st, job, post, tf.course);
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

	if ((rc = store_post_facts(st, job, post, &pf)) != PROTO_ERR_NONE ||
	    (rc = store_thread_facts(st, job, pf.thread, &tf)) != PROTO_ERR_NONE ||
	    (rc = store_check_course(st, job, tf.course, 1)) != PROTO_ERR_NONE ||
	    (rc = store_check_mute(st, job, tf.course)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store_job_verdict(job, forum_post_vote(&pf, job->uid))) != PROTO_ERR_NONE ||
	    (rc = store_limit(st, job, tf.course, "vote")) != PROTO_ERR_NONE)
		return rc;

	if (!(s = store_stmt(&st->wcache, st->wdb, up ? q_on : q_off)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, post);
	sqlite3_bind_int64(s, 2, job->uid);
	if (up)
		sqlite3_bind_int64(s, 3, job->now_ms);
	if (store_step_done(s))
		return PROTO_ERR_INTERNAL;
	changed = sqlite3_changes(st->wdb) > 0;

	if (changed) {
		if (!(s = store_stmt(&st->wcache, st->wdb, q_count)))
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

		if (!(s = store_stmt(&st->wcache, st->wdb, q_thread)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, tf.id);
		sqlite3_bind_int64(s, 2, votes);
		sqlite3_bind_int64(s, 3, post);
		if (store_step_done(s))
			return PROTO_ERR_INTERNAL;
		store_room_name(room, sizeof(room), "thread", tf.id);
		snprintf(key, sizeof(key), "post:%" PRId64, post);
		if (store_state_add(job, room, key, v, render_state_post_votes(room, post, votes, v), NULL))
			return PROTO_ERR_INTERNAL;
		if (post == tf.first_post && store_thread_stats_state(st, job, tf.id))
			return PROTO_ERR_INTERNAL;
	} else {
		if (!(s = store_row_by_id(&st->wcache, st->wdb, q_votes, post)))
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

	if ((rc = store_thread_facts(st, job, thread, &tf)) != PROTO_ERR_NONE ||
	    (rc = store_check_course(st, job, tf.course, 0)) != PROTO_ERR_NONE)
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
		return store_job_error(job, PROTO_ERR_BAD_FIELD, "title", "the title is empty");
	if ((rc = store_thread_facts(st, job, thread, &tf)) != PROTO_ERR_NONE ||
	    (rc = store_check_thread_write(st, job, &tf)) != PROTO_ERR_NONE)
		return rc;
	if (!(s = store_stmt(&st->wcache, st->wdb, q_facts)))
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
	if ((rc = store_job_verdict(job, forum_thread_title_change(author, first_visible, job->uid, staff))) !=
		    PROTO_ERR_NONE ||
	    (rc = store_limit(st, job, tf.course, "edit")) != PROTO_ERR_NONE)
		return rc;

	if (!same) {            /* an unchanged title is no change */
		if (!(s = store_stmt(&st->wcache, st->wdb, q_edit)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, thread);
		sqlite3_bind_text(s, 2, title->p, (int)title->len, SQLITE_STATIC);
		if (store_step_done(s))
			return PROTO_ERR_INTERNAL;
		store_room_name(room, sizeof(room), "course", tf.course);
		if (store_event_append(st, job, room, PROTO_EV_THREAD_UPDATED, thread, job->uid))
			return PROTO_ERR_INTERNAL;
		store_room_name(room, sizeof(room), "thread", thread);
		if (store_event_append(st, job, room, PROTO_EV_THREAD_UPDATED, thread, job->uid) ||
		    (author != job->uid && store_audit_add(st, job, tf.course, "thread.edit", "thread", thread, NULL)))
			return PROTO_ERR_INTERNAL;
	}
	if (!(s = store_row_by_id(&st->wcache, st->wdb, store_q_thread, thread)))
		return PROTO_ERR_INTERNAL;
	{
		struct forum_thread t;

		store_thread_row(s, &t);
		*result = render_result_thread_only(&t, view_of(staff, job->uid));
	}
	sqlite3_reset(s);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

enum proto_err store_forum_apply(struct store *st, struct store_job *job, char **result)
{
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
		return store_job_error(job, PROTO_ERR_INTERNAL, NULL, "not a forum op");
	}
}
