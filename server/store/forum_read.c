/*
 * forum_read.c - forum reads on a reader thread's connection: course
 * and thread lists, room access, and room snapshots read together with the
 * room's seq in one transaction.
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

static const char *col_text(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t ? t : "";
}

/* Loads a course's window and text into c; strings valid until *out_stmt is
 * reset by the caller. Returns 0, or -1 if there is no such course. */
static int course_row(struct store_conn *rd, int64_t id, struct forum_course *c, sqlite3_stmt **out_stmt)
{
	static const char q[] = "SELECT id, title, lang, starts_at, ends_at FROM courses WHERE id = ?1";
	sqlite3_stmt *s = store__stmt(&rd->cache, rd->db, q);

	*out_stmt = s;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return -1;
	}
	c->id = sqlite3_column_int64(s, 0);
	c->title = col_text(s, 1);
	c->lang = col_text(s, 2);
	c->starts_at = sqlite3_column_int64(s, 3);
	c->ends_at = sqlite3_column_int64(s, 4);
	return 0;
}

/* The course window rule for who; with until_s, also when it next changes
 * (left alone when the course is not found). */
static enum proto_err course_access_until(struct store_conn *rd, const struct identity *who, int64_t course,
					  int64_t now_s, int want_write, int64_t *until_s)
{
	struct forum_course c;
	struct access_course ac;
	sqlite3_stmt *s;

	if (course_row(rd, course, &c, &s))
		return PROTO_ERR_NOT_FOUND;
	ac.id = c.id;
	ac.starts_at = c.starts_at;
	ac.ends_at = c.ends_at;
	sqlite3_reset(s);
	if (until_s)
		*until_s = access_next_change(who, &ac, now_s, want_write);
	return access_check(who, &ac, now_s, want_write);
}

static enum proto_err course_access(struct store_conn *rd, const struct identity *who, int64_t course,
				    int64_t now_s, int want_write)
{
	return course_access_until(rd, who, course, now_s, want_write, NULL);
}

/* ------------------------------------------------------------------------- */
/* course.list                                                               */
/* ------------------------------------------------------------------------- */

static int add_course(struct store_conn *rd, struct render_list *l, const struct identity *who,
		      int64_t course, int64_t now_s)
{
	struct forum_course c;
	struct access_course ac;
	sqlite3_stmt *s;
	enum proto_role role = identity_role(who, course);
	const char *access;
	int rc;

	if (course_row(rd, course, &c, &s))
		return 0;       /* in the token but not (yet) on this server */
	ac.id = c.id;
	ac.starts_at = c.starts_at;
	ac.ends_at = c.ends_at;
	if (access_check(who, &ac, now_s, 1) == PROTO_ERR_NONE)
		access = "write";
	else if (access_check(who, &ac, now_s, 0) == PROTO_ERR_NONE)
		access = "read";
	else
		access = proto_errs[access_check(who, &ac, now_s, 0)].code;
	rc = render_list_add_course(l, &c, role ? proto_roles[role] : "admin", access);
	sqlite3_reset(s);
	return rc;
}

/* course.list: the courses in who's token (every course for an admin)
 * with the caller's role and access at now_s. A new reply msg the caller
 * owns, or NULL on error. */
struct msg *store_course_list(struct store_conn *rd, const struct identity *who, const char *req_id,
			      int64_t now_s)
{
	static const char q_all[] = "SELECT id FROM courses ORDER BY starts_at DESC, id";
	struct render_list *l = render_list_new();
	int rc = 0;

	if (!l)
		return NULL;
	if (who->admin) {
		sqlite3_stmt *s = store__stmt(&rd->cache, rd->db, q_all);
		int64_t ids[512];
		size_t n = 0;

		if (!s)
			goto fail;
		while (n < sizeof(ids) / sizeof(ids[0]) && sqlite3_step(s) == SQLITE_ROW)
			ids[n++] = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		for (size_t i = 0; i < n && !rc; i++)
			rc = add_course(rd, l, who, ids[i], now_s);
	} else {
		for (size_t i = 0; i < who->ncourses && !rc; i++)
			rc = add_course(rd, l, who, who->courses[i].course, now_s);
	}
	if (rc)
		goto fail;
	return render_course_list(req_id, l);
fail:
	render_list_free(l);
	return NULL;
}

/* ------------------------------------------------------------------------- */
/* thread.list                                                               */
/* ------------------------------------------------------------------------- */

#define LIST_SELECT "SELECT " THREAD_COLUMNS ", f.user_id IS NOT NULL" THREAD_JOINS \
	" LEFT JOIN follows f ON f.thread_id = t.id AND f.user_id = ?2" \
	" WHERE t.course_id = ?1 AND forum_thread_visible(t.state, ?3)"

static const char Q_LATEST[] = LIST_SELECT
	" AND (?4 IS NULL OR (t.pinned, t.last_activity_at, t.id) < (?4, ?5, ?6))"
	" ORDER BY t.pinned DESC, t.last_activity_at DESC, t.id DESC LIMIT ?7";
static const char Q_VOTES[] = LIST_SELECT
	" AND (?4 IS NULL OR (t.votes, t.id) < (?4, ?5))"
	" ORDER BY t.votes DESC, t.id DESC LIMIT ?7";
static const char Q_UNANSWERED[] = LIST_SELECT
	" AND t.kind = 'question' AND t.answered = 0"
	" AND (?4 IS NULL OR (t.created_at, t.id) < (?4, ?5))"
	" ORDER BY t.created_at DESC, t.id DESC LIMIT ?7";

enum list_sort { SORT_LATEST, SORT_VOTES, SORT_UNANSWERED };
static const char *const list_queries[] = { Q_LATEST, Q_VOTES, Q_UNANSWERED };
static const char cursor_tag[] = { 'L', 'V', 'U' };

/* Keyset cursors: L<pinned>.<last_activity>.<id>, V<votes>.<id>, U<created>.<id>. */
static int cursor_parse(const char *c, enum list_sort sort, int64_t k[3])
{
	char tail;

	if (!c || c[0] != cursor_tag[sort])
		return -1;
	if (sort == SORT_LATEST)
		return sscanf(c + 1, "%" SCNd64 ".%" SCNd64 ".%" SCNd64 "%c", &k[0], &k[1], &k[2], &tail) == 3 ? 0 : -1;
	return sscanf(c + 1, "%" SCNd64 ".%" SCNd64 "%c", &k[0], &k[1], &tail) == 2 ? 0 : -1;
}

static void cursor_make(char *buf, size_t n, enum list_sort sort, const struct forum_thread *t)
{
	if (sort == SORT_LATEST)
		snprintf(buf, n, "L%d.%" PRId64 ".%" PRId64, t->pinned, t->last_activity_at, t->id);
	else if (sort == SORT_VOTES)
		snprintf(buf, n, "V%" PRId64 ".%" PRId64, t->votes, t->id);
	else
		snprintf(buf, n, "U%" PRId64 ".%" PRId64, t->created_at, t->id);
}

static struct msg *list_error(struct proto_error *err, enum proto_err code, const char *field,
			      const char *message)
{
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	snprintf(err->message, sizeof(err->message), "%s", message);
	return NULL;
}

/* thread.list: one page of a course's threads after the access check. A
 * new reply msg the caller owns, or NULL with *err filled. */
struct msg *store_thread_list(struct store_conn *rd, const struct identity *who, int64_t uid,
			      const struct proto_request *req, int64_t now_s, struct proto_error *err)
{
	int64_t course = req->f[PF_THREAD_LIST_COURSE].u.i, key[3] = { 0, 0, 0 };
	enum list_sort sort = req->f[PF_THREAD_LIST_SORT].present ? (enum list_sort)req->f[PF_THREAD_LIST_SORT].u.e
								  : SORT_LATEST;
	int64_t limit = req->f[PF_THREAD_LIST_LIMIT].present ? req->f[PF_THREAD_LIST_LIMIT].u.i
							     : PROTO_THREAD_PAGE_DEFAULT;
	const char *cursor = req->f[PF_THREAD_LIST_CURSOR].present ? req->f[PF_THREAD_LIST_CURSOR].u.s.p : NULL;
	int staff = access_is_staff(who, course), n = 0, more = 0;
	struct render_list *l;
	struct forum_thread t;
	char next[64] = "";
	sqlite3_stmt *s;
	enum proto_err rc;

	rc = course_access(rd, who, course, now_s, 0);
	if (rc != PROTO_ERR_NONE)
		return list_error(err, rc, "course", proto_errs[rc].code);
	if (cursor && cursor_parse(cursor, sort, key))
		return list_error(err, PROTO_ERR_BAD_CURSOR, "cursor", "not a cursor from this list");
	if (!(s = store__stmt(&rd->cache, rd->db, list_queries[sort])))
		return list_error(err, PROTO_ERR_INTERNAL, NULL, "database error");
	if (!(l = render_list_new()))
		return list_error(err, PROTO_ERR_INTERNAL, NULL, "out of memory");
	sqlite3_bind_int64(s, 1, course);
	sqlite3_bind_int64(s, 2, uid);
	sqlite3_bind_int(s, 3, staff);
	if (cursor) {
		sqlite3_bind_int64(s, 4, key[0]);
		sqlite3_bind_int64(s, 5, key[1]);
		sqlite3_bind_int64(s, 6, key[2]);
	}
	sqlite3_bind_int64(s, 7, limit + 1);    /* one more: is there a next page? */
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n == limit) {       /* a further row exists: offer the next page */
			more = 1;
			break;
		}
		store__thread_row(s, &t);
		if (render_list_add_thread(l, &t, view_of(staff, uid), sqlite3_column_int(s, 22)))
			break;
		cursor_make(next, sizeof(next), sort, &t);  /* keys of the last row sent */
		n++;
	}
	sqlite3_reset(s);
	return render_thread_list(req->id, l, more ? next : NULL);
}

#ifdef FORUMD_TESTING
/* Test builds: EXPLAIN QUERY PLAN of thread.list's query for sort (0
 * latest, 1 votes, 2 unanswered), one step a line, into the caller's buf.
 * 0, or -1. */
/* Over a connection of its own (a test asks from its main thread, which no
 * reader owns). */
int store_thread_list_plan(struct store *st, int sort, char *buf, size_t len)
{
	char q[sizeof(Q_LATEST) + sizeof(Q_VOTES) + sizeof(Q_UNANSWERED) + 32];
	sqlite3_stmt *s = NULL;
	sqlite3 *db;
	size_t used = 0;
	int rc;

	if (sort < 0 || sort > SORT_UNANSWERED || !len || !(db = store__reader_db_open(st)))
		return -1;
	buf[0] = '\0';
	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", list_queries[sort]);
	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && used < len) {
		int n = snprintf(buf + used, len - used, "%s\n", col_text(s, 3));

		used += n > 0 ? (size_t)n : 0;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}
#endif

/* ------------------------------------------------------------------------- */
/* Rooms                                                                     */
/* ------------------------------------------------------------------------- */

/* Splits "kind:id"; kind gets at most 15 characters. */
static int room_parse(const char *room, char kind[16], int64_t *id)
{
	const char *colon = strchr(room, ':');
	size_t n;

	if (!colon || (n = (size_t)(colon - room)) == 0 || n > 15)
		return -1;
	memcpy(kind, room, n);
	kind[n] = '\0';
	*id = strtoll(colon + 1, NULL, 10);
	return *id > 0 ? 0 : -1;
}

/* A thread's course and state, for access decisions. */
static int thread_course(struct store_conn *rd, int64_t thread, int64_t *course, char state[12])
{
	static const char q[] = "SELECT course_id, state FROM threads WHERE id = ?1";
	sqlite3_stmt *s = store__stmt(&rd->cache, rd->db, q);
	int rc = -1;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, thread);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*course = sqlite3_column_int64(s, 0);
		snprintf(state, 12, "%s", col_text(s, 1));
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/* May who follow room at now_s? PROTO_ERR_NONE with *staff_view set and,
 * with until_s, when the answer may next change by time alone; or the
 * refusal. */
enum proto_err store_room_access(struct store_conn *rd, const struct identity *who, int64_t uid,
				 const char *room, int64_t now_s, int *staff_view, int64_t *until_s)
{
	char kind[16], state[12];
	int64_t id, course;
	enum proto_err rc;

	*staff_view = 0;
	if (until_s)
		*until_s = INT64_MAX;
	if (room_parse(room, kind, &id))
		return PROTO_ERR_NOT_FOUND;
	if (strcmp(kind, "course") == 0) {
		*staff_view = access_is_staff(who, id);
		return course_access_until(rd, who, id, now_s, 0, until_s);
	}
	if (strcmp(kind, "thread") == 0) {
		if (thread_course(rd, id, &course, state))
			return PROTO_ERR_NOT_FOUND;
		*staff_view = access_is_staff(who, course);
		if (!forum_thread_visible(state, *staff_view))
			return PROTO_ERR_NOT_FOUND;
		return course_access_until(rd, who, course, now_s, 0, until_s);
	}
	if (strcmp(kind, "staff") == 0) {
		rc = course_access_until(rd, who, id, now_s, 0, until_s);
		if (rc == PROTO_ERR_NONE && !access_is_staff(who, id))
			rc = PROTO_ERR_FORBIDDEN;
		*staff_view = 1;
		return rc;
	}
	if (strcmp(kind, "session") == 0) {
		if (store_session_course(rd, id, &course))
			return PROTO_ERR_NOT_FOUND;
		*staff_view = access_is_staff(who, course);
		return course_access_until(rd, who, course, now_s, 0, until_s);
	}
	if (strcmp(kind, "user") == 0) {
		/* Your own notices, in your view: never the staff view unless you are
		 * staff somewhere (a notice names nobody, so this is only the rule). */
		*staff_view = 0;
		return id == uid ? PROTO_ERR_NONE : PROTO_ERR_FORBIDDEN;
	}
	if (strcmp(kind, "results") == 0)
		return store__results_access(rd, who, uid, id, now_s, staff_view);
	return PROTO_ERR_NOT_FOUND;
}

static int64_t room_seq_now(struct store_conn *rd, const char *room)
{
	int64_t seq = 0;

	store_room_seq(rd, room, &seq);
	return seq;
}

static struct msg *snapshot_thread(struct store_conn *rd, const char *req_id, const char *room,
				   int64_t thread, int staff_view, int64_t uid, int64_t seq)
{
	static const char q_thread[] =
		"SELECT " THREAD_COLUMNS ", f.user_id IS NOT NULL" THREAD_JOINS
		" LEFT JOIN follows f ON f.thread_id = t.id AND f.user_id = ?2 WHERE t.id = ?1";
	static const char q_posts[] =
		"SELECT " POST_COLUMNS ", v.user_id IS NOT NULL FROM posts p JOIN users u ON u.id = p.author_id"
		" JOIN threads t ON t.id = p.thread_id"
		" LEFT JOIN post_votes v ON v.post_id = p.id AND v.user_id = ?3"
		" WHERE p.thread_id = ?1 ORDER BY p.id LIMIT ?2";
	sqlite3_stmt *ts = store__stmt(&rd->cache, rd->db, q_thread), *ps;
	struct render_list *l = NULL;
	struct forum_thread t;
	struct msg *m = NULL;
	int n = 0;

	if (!ts)
		return NULL;
	sqlite3_bind_int64(ts, 1, thread);
	sqlite3_bind_int64(ts, 2, uid);
	if (sqlite3_step(ts) != SQLITE_ROW)
		goto out;
	store__thread_row(ts, &t);
	if (!(ps = store__stmt(&rd->cache, rd->db, q_posts)) || !(l = render_list_new()))
		goto out;
	sqlite3_bind_int64(ps, 1, thread);
	sqlite3_bind_int64(ps, 2, PROTO_SNAPSHOT_POSTS_MAX + 1);       /* one more: are there more? */
	sqlite3_bind_int64(ps, 3, uid);
	/* The first posts by id, as many as fit in both bounds: reading stops
	 * at the first that does not, so a thread of any size costs one page. */
	while (sqlite3_step(ps) == SQLITE_ROW) {
		struct forum_post p;

		if (n == PROTO_SNAPSHOT_POSTS_MAX) {
			render_list_set_more(l);
			break;
		}
		store__post_row(ps, &p);
		if (render_list_add_post(l, &p, view_of(staff_view, uid), sqlite3_column_int(ps, 16)) ||
		    render_list_last_add_int(l, "votes_v", p.votes_v) || render_list_fit(l, PROTO_SNAPSHOT_MAX_BYTES))
			break;
		n++;
	}
	sqlite3_reset(ps);
	m = render_subscribe_ok(req_id, room, seq, "snapshot", 0, &t, NULL, l, view_of(staff_view, uid),
				sqlite3_column_int(ts, 22));
	l = NULL;
out:
	render_list_free(l);
	sqlite3_reset(ts);
	return m;
}

/* The subscribe reply in snapshot mode: room's current state and its seq
 * (*seq) in one read transaction, with what is personal to uid. A new msg
 * the caller owns, or NULL on error. */
struct msg *store_room_snapshot(struct store_conn *rd, const char *req_id, const char *room,
				int staff_view, int64_t uid, int64_t *seq)
{
	char kind[16];
	int64_t id;
	struct msg *m = NULL;

	if (room_parse(room, kind, &id) || store__exec(rd->db, "BEGIN") != SQLITE_OK)
		return NULL;
	*seq = room_seq_now(rd, room);
	if (strcmp(kind, "thread") == 0) {
		m = snapshot_thread(rd, req_id, room, id, staff_view, uid, *seq);
	} else if (strcmp(kind, "session") == 0) {
		m = store__session_snapshot(rd, req_id, room, id, staff_view, uid, *seq);
	} else if (strcmp(kind, "results") == 0) {
		m = store__results_snapshot(rd, req_id, room, id);
	} else if (strcmp(kind, "course") == 0) {
		struct forum_course c;
		sqlite3_stmt *s;

		if (!course_row(rd, id, &c, &s)) {
			m = render_subscribe_ok(req_id, room, *seq, "snapshot", 0, NULL, &c, NULL,
						view_of(staff_view, uid), 0);
			sqlite3_reset(s);
		}
	} else {
		m = render_subscribe_ok(req_id, room, *seq, "snapshot", 0, NULL, NULL, NULL, view_of(staff_view, uid), 0);
	}
	store__exec(rd->db, "COMMIT");
	return m;
}

/*
 * The current vote counts that the query `sql` (?1 = the room's id, ?2 = a
 * row limit; columns id, votes, votes_v) returns, the first
 * resume_votes_max of them and at most snapshot_max_bytes, as a new list
 * of {kind: id, votes, v} (more set when some were left out). The caller
 * owns the list; NULL on error.
 */
struct render_list *store__votes_page(struct store_conn *rd, const char *sql, int64_t id, const char *kind)
{
	sqlite3_stmt *s = store__stmt(&rd->cache, rd->db, sql);
	struct render_list *l = s ? render_list_new() : NULL;
	int n = 0, rc;

	if (!l)
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, PROTO_RESUME_VOTES_MAX + 1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == PROTO_RESUME_VOTES_MAX) {
			render_list_set_more(l);
			break;
		}
		if (render_list_add_votes(l, kind, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
					  sqlite3_column_int64(s, 2)) ||
		    render_list_fit(l, PROTO_SNAPSHOT_MAX_BYTES))
			break;
		n++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		render_list_free(l);
		return NULL;
	}
	return l;
}

/* The vote counts of a thread's posts voted on at least once, by id. */
static struct render_list *thread_votes(struct store_conn *rd, int64_t thread)
{
	static const char q[] = "SELECT id, votes, votes_v FROM posts WHERE thread_id = ?1 AND votes_v > 0"
				" ORDER BY id LIMIT ?2";

	return store__votes_page(rd, q, thread, "post");
}

/* The subscribe reply in replay or live mode, with the room's current vote
 * counts. A new msg the caller owns, or NULL on error. */
struct msg *store_room_resume(struct store_conn *rd, const char *req_id, const char *room, int64_t seq,
			      const char *mode, int64_t replay)
{
	struct render_list *votes = NULL;
	char kind[16];
	int64_t id;

	if (room_parse(room, kind, &id))
		return NULL;
	if (strcmp(kind, "thread") == 0 && !(votes = thread_votes(rd, id)))
		return NULL;
	if (strcmp(kind, "session") == 0 && !(votes = store__session_votes(rd, id)))
		return NULL;
	return render_subscribe_resume(req_id, room, seq, mode, replay, votes);
}

/* Emits room's other current state values as state messages (new
 * references emit owns). The count, or -1. */
long store_room_state(struct store_conn *rd, const char *room, void (*emit)(void *arg, struct msg *m),
		      void *arg)
{
	char kind[16];
	int64_t id;

	if (room_parse(room, kind, &id))
		return -1;
	if (strcmp(kind, "session") == 0)
		return store__session_state(rd, room, id, emit, arg);
	if (strcmp(kind, "results") == 0)
		return store__results_state(rd, room, id, emit, arg);
	return 0;       /* a thread's vote counts come in the subscribe reply */
}
