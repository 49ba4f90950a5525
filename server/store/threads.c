/*
 * threads.c - forum threads and posts as every domain finds them: the rows
 * (store__q_post, store__q_thread and their readers), the facts a write into
 * a thread checks (lock, state, author), the thread list's activity state,
 * a post as a write's result, and starting a thread (forum.c's
 * thread.create, qa.c's bridge of a live question into the forum).
 *
 * Below the domain files: forum.c, moderation.c and qa.c share these
 * instead of reaching into one another.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "core/forum.h"
#include "internal.h"
#include "proto/render_forum.h"

/* ------------------------------------------------------------------------- */
/* Rows                                                                      */
/* ------------------------------------------------------------------------- */

const char store__q_post[] =
	"SELECT p.id, p.thread_id, p.parent_id, p.author_id, u.ext_id, u.name, p.anonymous, p.body,"
	"       p.created_at, p.edited_at, p.revision, p.state, p.votes, p.votes_v, p.endorsed | (p.accepted << 1),"
	"       t.first_post_id = p.id"
	"  FROM posts p JOIN users u ON u.id = p.author_id JOIN threads t ON t.id = p.thread_id"
	" WHERE p.id = ?1";

const char store__q_thread[] = "SELECT " THREAD_COLUMNS THREAD_JOINS " WHERE t.id = ?1";

static const char *col_text(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t ? t : "";
}

/* Fills p from the current row of a store__q_post-shaped statement. */
void store__post_row(sqlite3_stmt *s, struct forum_post *p)
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
	p->endorsed = sqlite3_column_int(s, 14) & 1;          /* POST_COLUMNS: both marks */
	p->accepted = (sqlite3_column_int(s, 14) >> 1) & 1;
	p->first = sqlite3_column_int(s, 15);
}

/* Fills t from the current row of a THREAD_COLUMNS statement. */
void store__thread_row(sqlite3_stmt *s, struct forum_thread *t)
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
/* Facts a write checks (writer thread)                                      */
/* ------------------------------------------------------------------------- */

enum proto_err store__thread_facts(struct store *st, struct store_job *job, int64_t thread,
					struct forum_thread_facts *f)
{
	static const char q[] =
		"SELECT course_id, first_post_id, locked, kind = 'question', state FROM threads WHERE id = ?1";
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, q, thread);

	assert(store__on_writer(st));
	if (!s)
		return store__job_error(job, PROTO_ERR_NOT_FOUND, "thread", "no such thread");
	f->id = thread;
	f->course = sqlite3_column_int64(s, 0);
	f->first_post = sqlite3_column_int64(s, 1);
	f->locked = sqlite3_column_int(s, 2);
	f->question = sqlite3_column_int(s, 3);
	snprintf(f->state, sizeof(f->state), "%s", col_text(s, 4));
	sqlite3_reset(s);
	if (!forum_thread_visible(f->state, access_is_staff(&job->who, f->course)))
		return store__job_error(job, PROTO_ERR_NOT_FOUND, "thread", "no such thread");
	return PROTO_ERR_NONE;
}

/* Course window, mute and lock: everything a write into a thread needs. */
enum proto_err store__check_thread_write(struct store *st, struct store_job *job,
					 const struct forum_thread_facts *f)
{
	enum proto_err rc;

	assert(store__on_writer(st));
	if ((rc = store__check_course(st, job, f->course, 1)) != PROTO_ERR_NONE ||
	    (rc = store__check_mute(st, job, f->course)) != PROTO_ERR_NONE)
		return rc;
	return store__job_verdict(job, forum_thread_write(f, access_is_staff(&job->who, f->course)));
}

enum proto_err store__post_facts(struct store *st, struct store_job *job, int64_t post,
				      struct forum_post_facts *f)
{
	static const char q[] = "SELECT thread_id, parent_id, author_id, state FROM posts WHERE id = ?1";
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, q, post);

	assert(store__on_writer(st));
	if (!s)
		return store__job_error(job, PROTO_ERR_NOT_FOUND, "post", "no such post");
	f->id = post;
	f->thread = sqlite3_column_int64(s, 0);
	f->parent = sqlite3_column_int64(s, 1);
	f->author = sqlite3_column_int64(s, 2);
	snprintf(f->state, sizeof(f->state), "%s", col_text(s, 3));
	sqlite3_reset(s);
	return store__job_verdict(job, forum_post_target(f));
}

/* ------------------------------------------------------------------------- */
/* Shared write steps (writer thread)                                        */
/* ------------------------------------------------------------------------- */

/* The first revision of a new post, by its author. */
static int revision_add_for(struct store *st, struct store_job *job, int64_t post, const char *body, int body_len,
			    int64_t author)
{
	static const char q[] =
		"INSERT INTO post_revisions(post_id, revision, body, edited_by, edited_at) VALUES (?1, 1, ?2, ?3, ?4)";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, post);
	sqlite3_bind_text(s, 2, body, body_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, author);
	sqlite3_bind_int64(s, 4, job->now_ms);
	return store__step_done(s);
}

/* The author of a new thread follows it. */
static int follow_set_for(struct store *st, struct store_job *job, int64_t thread, int64_t user)
{
	static const char q[] = "INSERT OR IGNORE INTO follows(thread_id, user_id, created_at) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, thread);
	sqlite3_bind_int64(s, 2, user);
	sqlite3_bind_int64(s, 3, job->now_ms);
	return store__step_done(s);
}

/* Queues the thread's activity for the course's thread list as its facts
 * (course room, version); rendered after the commit. */
int store__thread_stats_state(struct store *st, struct store_job *job, int64_t thread)
{
	static const char q[] = "SELECT course_id, stats_v FROM threads WHERE id = ?1";
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, q, thread);
	char room[PROTO_MAX_ROOM_CHARS + 1], key[48];
	int64_t v;

	assert(store__on_writer(st));
	if (!s)
		return -1;
	store__room_name(room, sizeof(room), "course", sqlite3_column_int64(s, 0));
	v = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	snprintf(key, sizeof(key), "thread:%" PRId64, thread);
	return store__state_fact(job, room, key, v, STORE_STATE_THREAD_STATS, thread, 0);
}

/* The thread's row as it is now (another process may have moved it on
 * since the commit: its version then says so, and the newer value is what
 * the loop would keep anyway). */
int store__thread_stats_render(struct stmt_cache *c, sqlite3 *db, struct store_state *st)
{
	sqlite3_stmt *s = store__row_by_id(c, db, store__q_thread, st->subject);
	struct forum_thread t;

	if (!s)
		return -1;
	store__thread_row(s, &t);
	if (t.stats_v > st->version)
		st->version = t.stats_v;
	st->value = render_state_thread_stats(st->room, &t, view_peer());
	st->staff = render_state_thread_stats(st->room, &t, view_staff());
	sqlite3_reset(s);
	if (st->value && st->staff)
		return 0;
	msg_unref(st->value);
	msg_unref(st->staff);
	st->value = st->staff = NULL;
	return -1;
}

/* The result of a write that returns one post, rendered for the actor: its
 * author (author view) or staff acting on it (staff view). */
char *store__post_result(struct store *st, const struct store_job *job, int64_t post, int64_t course)
{
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, store__q_post, post);
	struct forum_post p;
	char *r;

	assert(store__on_writer(st));
	if (!s)
		return NULL;
	store__post_row(s, &p);
	r = render_result_post(&p, view_of(access_is_staff(&job->who, course), job->uid));
	sqlite3_reset(s);
	return r;
}

int64_t store__thread_insert(struct store *st, struct store_job *job, int64_t course, const char *kind,
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

	assert(store__on_writer(st));
	if (!(s = store__stmt(&st->wcache, st->wdb, q_thread)))
		return -1;
	sqlite3_bind_int64(s, 1, course);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, title, title_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, author);
	sqlite3_bind_int(s, 5, anonymous);
	sqlite3_bind_int64(s, 6, job->now_ms);
	sqlite3_bind_int64(s, 7, votes);
	if (store__step_done(s))
		return -1;
	tid = sqlite3_last_insert_rowid(st->wdb);
	if (!(s = store__stmt(&st->wcache, st->wdb, q_post)))
		return -1;
	sqlite3_bind_int64(s, 1, tid);
	sqlite3_bind_int64(s, 2, author);
	sqlite3_bind_int(s, 3, anonymous);
	sqlite3_bind_text(s, 4, body, body_len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, job->now_ms);
	sqlite3_bind_int64(s, 6, votes);
	if (store__step_done(s))
		return -1;
	pid = sqlite3_last_insert_rowid(st->wdb);
	if (!(s = store__stmt(&st->wcache, st->wdb, q_link)))
		return -1;
	sqlite3_bind_int64(s, 1, tid);
	sqlite3_bind_int64(s, 2, pid);
	if (store__step_done(s) || revision_add_for(st, job, pid, body, body_len, author) ||
	    follow_set_for(st, job, tid, author))
		return -1;
	store__room_name(room, sizeof(room), "course", course);
	if (store__event_append(st, job, room, PROTO_EV_THREAD_CREATED, tid, job->uid))
		return -1;
	store__room_name(room, sizeof(room), "thread", tid);
	if (store__event_append(st, job, room, PROTO_EV_POST_CREATED, pid, job->uid))
		return -1;
	*post = pid;
	return tid;
}
