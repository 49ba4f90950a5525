/*
 * notify.c - in-app notifications: made inside the write transaction that
 * causes them (a reply, a mention, an endorsement), kept in notifications,
 * delivered live as the notification event in the reader's own user:<id>
 * room; the notify domain's ops (read marks, settings, thread mutes) and
 * its read (notification.list, on a reader).
 *
 * Who is told of what is core/notify's rule; this file gathers its facts.
 * A notification names its actor only when the post was not anonymous
 * (actor_id NULL otherwise), whoever reads it, so no view can reveal an
 * anonymous author through it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "core/forum.h"
#include "core/notify.h"
#include "internal.h"
#include "proto/render_forum.h"
#include "proto/render_notify.h"

#define ITEM_COLUMNS \
	"n.id, n.course_id, n.kind, n.thread_id, CASE WHEN t.state = 'visible' THEN t.title END, n.post_id," \
	" n.actor_id, a.ext_id, a.name, n.count, n.created_at, n.updated_at, n.read_at IS NOT NULL, n.user_id, n.rank" \
	" FROM notifications n LEFT JOIN threads t ON t.id = n.thread_id LEFT JOIN users a ON a.id = n.actor_id"

static const char Q_ITEM[] = "SELECT " ITEM_COLUMNS " WHERE n.id = ?1";

/* Fills it from the current row of an ITEM_COLUMNS statement (strings point
 * into the row). */
static void item_row(sqlite3_stmt *s, struct notify_item *it)
{
	it->id = sqlite3_column_int64(s, 0);
	it->course = sqlite3_column_int64(s, 1);
	it->kind = (const char *)sqlite3_column_text(s, 2);
	it->thread = sqlite3_column_int64(s, 3);
	it->thread_title = (const char *)sqlite3_column_text(s, 4);
	it->post = sqlite3_column_int64(s, 5);
	it->actor = sqlite3_column_int64(s, 6);
	it->actor_ext_id = (const char *)sqlite3_column_text(s, 7);
	it->actor_name = (const char *)sqlite3_column_text(s, 8);
	it->count = sqlite3_column_int64(s, 9);
	it->created_at = sqlite3_column_int64(s, 10);
	it->updated_at = sqlite3_column_int64(s, 11);
	it->read = sqlite3_column_int(s, 12);
}

/* The user's settings and unread count (defaults when they have no row). */
static int user_state(struct stmt_cache *c, sqlite3 *db, int64_t uid, unsigned *wants, int64_t *unread)
{
	static const char q[] = "SELECT wants, unread FROM notify_users WHERE user_id = ?1";
	sqlite3_stmt *s = store__stmt(c, db, q);
	int rc;

	*wants = NOTIFY_WANT_ALL;
	*unread = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, uid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*wants = (unsigned)sqlite3_column_int64(s, 0) & NOTIFY_WANT_ALL;
		*unread = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------------------- */
/* Made inside writes                                                        */
/* ------------------------------------------------------------------------- */

/* The memberships follow the token of each hello: only the courses it
 * names (that exist), with its role. */
int store__notify_members(struct store *st, struct store_job *job, int64_t uid)
{
	static const char q[] =
		"INSERT INTO course_members(course_id, user_id, role, seen_at)"
		" SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM courses WHERE id = ?1)"
		" ON CONFLICT(course_id, user_id) DO UPDATE SET role = excluded.role, seen_at = excluded.seen_at"
		" WHERE role <> excluded.role";

	/* A course the token no longer names is no longer the user's. */
	static const char q_gone[] =
		"DELETE FROM course_members WHERE user_id = ?1 AND course_id NOT IN (SELECT value FROM json_each(?2))";
	char ids[PROTO_MAX_COURSES_PER_TOKEN * 21 + 3];
	size_t len = 0;
	sqlite3_stmt *s;

	assert(store__on_writer(st));
	ids[len++] = '[';
	for (size_t i = 0; i < job->who.ncourses && i < PROTO_MAX_COURSES_PER_TOKEN; i++)
		len += (size_t)snprintf(ids + len, sizeof(ids) - len, "%s%" PRId64, i ? "," : "", job->who.courses[i].course);
	snprintf(ids + len, sizeof(ids) - len, "]");
	if (!(s = store__stmt(&st->wcache, st->wdb, q_gone)))
		return -1;
	sqlite3_bind_int64(s, 1, uid);
	sqlite3_bind_text(s, 2, ids, -1, SQLITE_STATIC);
	if (store__step_done(s))
		return -1;
	for (size_t i = 0; i < job->who.ncourses; i++) {
		const struct identity_course *c = &job->who.courses[i];

		s = store__stmt(&st->wcache, st->wdb, q);

		if (!s)
			return -1;
		if (c->role <= PROTO_ROLE_NONE || c->role >= PROTO_ROLE__COUNT)
			continue;
		sqlite3_bind_int64(s, 1, c->course);
		sqlite3_bind_int64(s, 2, uid);
		sqlite3_bind_text(s, 3, proto_roles[c->role], -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, job->now_ms);
		if (store__step_done(s))
			return -1;
	}
	return 0;
}

/* Tells user uid of kind about post pid in thread tf by actor (0: named to
 * nobody): joins their unread notification of the same kind about the
 * thread when core/notify says the burst groups, else adds one; either way
 * the notification moves to the top of their list and the notification
 * event goes to user:<uid>. 0 or -1. */
static int tell(struct store *st, struct store_job *job, int64_t uid, enum notify_kind kind,
		const struct forum_thread_facts *tf, int64_t pid, int64_t actor)
{
	static const char q_user[] = "INSERT INTO notify_users(user_id) VALUES (?1) ON CONFLICT(user_id) DO NOTHING";
	static const char q_unread[] =
		"SELECT id FROM notifications WHERE user_id = ?1 AND thread_id = ?2 AND kind = ?3 AND read_at IS NULL"
		" ORDER BY rank DESC LIMIT 1";
	static const char q_rank[] =
		"UPDATE notify_users SET last_rank = last_rank + 1, unread = unread + ?2 WHERE user_id = ?1"
		" RETURNING last_rank";
	static const char q_group[] =
		"UPDATE notifications SET count = count + 1, post_id = ?2, actor_id = ?3, updated_at = ?4, rank = ?5"
		" WHERE id = ?1";
	static const char q_add[] =
		"INSERT INTO notifications(user_id, rank, course_id, kind, thread_id, post_id, actor_id, created_at,"
		" updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";
	const char *name = notify_kind_name(kind);
	struct notify_unread ex = { .kind = kind, .thread = tf->id };
	char room[PROTO_MAX_ROOM_CHARS + 1];
	int64_t existing = 0, rank, nid;
	sqlite3_stmt *s;
	int groups;

	if (!name || !(s = store__stmt(&st->wcache, st->wdb, q_user)))
		return -1;
	sqlite3_bind_int64(s, 1, uid);
	if (store__step_done(s) || !(s = store__stmt(&st->wcache, st->wdb, q_unread)))
		return -1;
	sqlite3_bind_int64(s, 1, uid);
	sqlite3_bind_int64(s, 2, tf->id);
	sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		existing = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	groups = existing && notify_groups(&ex, kind, tf->id);

	if (!(s = store__stmt(&st->wcache, st->wdb, q_rank)))
		return -1;
	sqlite3_bind_int64(s, 1, uid);
	sqlite3_bind_int64(s, 2, groups ? 0 : 1);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return -1;
	}
	rank = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);

	if (!(s = store__stmt(&st->wcache, st->wdb, groups ? q_group : q_add)))
		return -1;
	if (groups) {
		sqlite3_bind_int64(s, 1, existing);
		if (pid)
			sqlite3_bind_int64(s, 2, pid);
		if (actor)
			sqlite3_bind_int64(s, 3, actor);
		sqlite3_bind_int64(s, 4, job->now_ms);
		sqlite3_bind_int64(s, 5, rank);
	} else {
		sqlite3_bind_int64(s, 1, uid);
		sqlite3_bind_int64(s, 2, rank);
		sqlite3_bind_int64(s, 3, tf->course);
		sqlite3_bind_text(s, 4, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, tf->id);
		if (pid)
			sqlite3_bind_int64(s, 6, pid);
		if (actor)
			sqlite3_bind_int64(s, 7, actor);
		sqlite3_bind_int64(s, 8, job->now_ms);
	}
	if (store__step_done(s))
		return -1;
	nid = groups ? existing : sqlite3_last_insert_rowid(st->wdb);
	store__room_name(room, sizeof(room), "user", uid);
	return store__event_append(st, job, room, PROTO_EV_NOTIFICATION, nid, actor);
}

/* What the store knows of reader r (uid set) for a post in thread tf:
 * settings, mute, whether they may read the course now (a participant
 * inside the read window, or staff; someone never seen in the course by
 * hello is taken as able to, as a follower once was). 0 or -1. */
static int reader_facts(struct store *st, struct store_job *job, const struct forum_thread_facts *tf,
			struct notify_reader *r)
{
	static const char q[] =
		"SELECT COALESCE((SELECT wants FROM notify_users WHERE user_id = ?1), ?4),"
		" EXISTS (SELECT 1 FROM thread_mutes WHERE user_id = ?1 AND thread_id = ?2),"
		" (SELECT role FROM course_members WHERE course_id = ?3 AND user_id = ?1),"
		" c.starts_at, c.ends_at FROM courses c WHERE c.id = ?3";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);
	int64_t now_s = job->now_ms / 1000;
	const char *role;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, r->uid);
	sqlite3_bind_int64(s, 2, tf->id);
	sqlite3_bind_int64(s, 3, tf->course);
	sqlite3_bind_int64(s, 4, NOTIFY_WANT_ALL);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return -1;
	}
	r->wants = (unsigned)sqlite3_column_int64(s, 0);
	r->muted = sqlite3_column_int(s, 1);
	role = (const char *)sqlite3_column_text(s, 2);
	r->may_read = (role && strcmp(role, "participant") != 0) ||
		      (now_s >= sqlite3_column_int64(s, 3) && now_s < sqlite3_column_int64(s, 4) + ACCESS_READ_GRACE_S);
	sqlite3_reset(s);
	return 0;
}

/* The readers a new post may tell, each once: appended to *rs (grown). */
struct readers {
	struct notify_reader *r;
	size_t n, cap;
};

static struct notify_reader *reader_get(struct readers *rs, int64_t uid)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->r[i].uid == uid)
			return &rs->r[i];
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		struct notify_reader *r = realloc(rs->r, cap * sizeof(*r));

		if (!r)
			return NULL;
		rs->r = r;
		rs->cap = cap;
	}
	memset(&rs->r[rs->n], 0, sizeof(rs->r[0]));
	rs->r[rs->n].uid = uid;
	return &rs->r[rs->n++];
}

int store__notify_post(struct store *st, struct store_job *job, const struct forum_thread_facts *tf, int64_t pid,
		       int64_t parent, int anonymous, const char *body, size_t body_len)
{
	static const char q_followers[] = "SELECT user_id FROM follows WHERE thread_id = ?1";
	static const char q_parent[] = "SELECT author_id FROM posts WHERE id = ?1";
	/* Only the course's members resolve; anyone else stays plain text. */
	static const char q_member[] =
		"SELECT u.id FROM users u JOIN course_members m ON m.user_id = u.id AND m.course_id = ?2"
		" WHERE u.ext_id = ?1";
	struct notify_handle h[PROTO_MENTIONS_PER_POST_MAX];
	struct notify_post p = { .author = job->uid, .visible = 1 };
	struct readers rs = { 0 };
	struct notify_reader *r;
	sqlite3_stmt *s;
	int n, rc = -1;

	assert(store__on_writer(st));
	if (!(s = store__stmt(&st->wcache, st->wdb, q_followers)))
		goto out;
	sqlite3_bind_int64(s, 1, tf->id);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (!(r = reader_get(&rs, sqlite3_column_int64(s, 0)))) {
			sqlite3_reset(s);
			goto out;
		}
		r->follows = 1;
	}
	sqlite3_reset(s);
	if (parent) {
		if (!(s = store__row_by_id(&st->wcache, st->wdb, q_parent, parent)))
			goto out;
		r = reader_get(&rs, sqlite3_column_int64(s, 0));
		sqlite3_reset(s);
		if (!r)
			goto out;
		r->wrote_parent = 1;
	}
	n = notify_mentions(body, body_len, h, PROTO_MENTIONS_PER_POST_MAX);
	for (int i = 0; i < n; i++) {
		if (!(s = store__stmt(&st->wcache, st->wdb, q_member)))
			goto out;
		sqlite3_bind_text(s, 1, h[i].p, h[i].len, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, tf->course);
		r = NULL;
		if (sqlite3_step(s) == SQLITE_ROW && !(r = reader_get(&rs, sqlite3_column_int64(s, 0)))) {
			sqlite3_reset(s);
			goto out;
		}
		sqlite3_reset(s);
		if (r)
			r->mentioned = 1;
	}
	for (size_t i = 0; i < rs.n; i++) {
		enum notify_kind kind;

		r = &rs.r[i];
		if (r->uid == job->uid)
			continue;
		if (reader_facts(st, job, tf, r))
			goto out;
		kind = notify_for_post(&p, r);
		if (kind != NOTIFY_NONE && tell(st, job, r->uid, kind, tf, pid, anonymous ? 0 : job->uid))
			goto out;
	}
	rc = 0;
out:
	free(rs.r);
	return rc;
}

/* Tells user of kind about post pid in thread tf by actor, unless they
 * are the job's user, muted the thread, may not read it or do not want
 * the kind. 0 or -1. */
static int tell_one(struct store *st, struct store_job *job, int64_t user, enum notify_kind k,
		    const struct forum_thread_facts *tf, int64_t pid, int64_t actor)
{
	struct notify_reader r = { .uid = user };

	if (user == job->uid)
		return 0;
	if (reader_facts(st, job, tf, &r))
		return -1;
	if (r.muted || !r.may_read || !(r.wants & NOTIFY_WANT(k)))
		return 0;
	return tell(st, job, user, k, tf, pid, actor);
}

int store__notify_endorsed(struct store *st, struct store_job *job, const struct forum_thread_facts *tf, int64_t pid,
			   int64_t author)
{
	static const char q[] = "SELECT author_id FROM threads WHERE id = ?1";
	sqlite3_stmt *s;
	int64_t asker;

	assert(store__on_writer(st));
	if (!(s = store__row_by_id(&st->wcache, st->wdb, q, tf->id)))
		return -1;
	asker = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (tell_one(st, job, author, NOTIFY_ANSWER, tf, pid, job->uid))
		return -1;
	return asker != author ? tell_one(st, job, asker, NOTIFY_ANSWER, tf, pid, job->uid) : 0;
}

int store__notify_announce(struct store *st, struct store_job *job, const struct forum_thread_facts *tf)
{
	static const char q_author[] =
		"SELECT t.author_id, t.first_post_id, m.role FROM threads t"
		" LEFT JOIN course_members m ON m.course_id = t.course_id AND m.user_id = t.author_id WHERE t.id = ?1";
	static const char q_once[] = "INSERT OR IGNORE INTO notify_announced(thread_id) VALUES (?1)";
	static const char q_members[] = "SELECT user_id FROM course_members WHERE course_id = ?1 AND user_id <> ?2";
	struct readers rs = { 0 };
	int64_t author, first;
	sqlite3_stmt *s;
	const char *role;
	int staff, rc = -1;

	assert(store__on_writer(st));
	if (!(s = store__row_by_id(&st->wcache, st->wdb, q_author, tf->id)))
		return -1;
	author = sqlite3_column_int64(s, 0);
	first = sqlite3_column_int64(s, 1);
	role = (const char *)sqlite3_column_text(s, 2);
	staff = role && strcmp(role, "participant") != 0;
	sqlite3_reset(s);
	if (!staff || !(s = store__stmt(&st->wcache, st->wdb, q_once)))
		return staff ? -1 : 0;
	sqlite3_bind_int64(s, 1, tf->id);
	if (store__step_done(s))
		return -1;
	if (sqlite3_changes(st->wdb) == 0)
		return 0;               /* announced before */
	/* The members first, then the writes: one statement at a time. */
	if (!(s = store__stmt(&st->wcache, st->wdb, q_members)))
		return -1;
	sqlite3_bind_int64(s, 1, tf->course);
	sqlite3_bind_int64(s, 2, author);
	while (sqlite3_step(s) == SQLITE_ROW)
		if (!reader_get(&rs, sqlite3_column_int64(s, 0))) {
			sqlite3_reset(s);
			goto out;
		}
	sqlite3_reset(s);
	for (size_t i = 0; i < rs.n; i++)
		if (tell_one(st, job, rs.r[i].uid, NOTIFY_ANNOUNCEMENT, tf, first, job->uid))
			goto out;
	rc = 0;
out:
	free(rs.r);
	return rc;
}

/* ------------------------------------------------------------------------- */
/* The notify domain's ops                                                   */
/* ------------------------------------------------------------------------- */

/* The reply of a read mark: how many it marked and the unread count left,
 * kept in notify_users. */
static enum proto_err read_done(struct store *st, struct store_job *job, int64_t changed, char **result)
{
	static const char q[] =
		"INSERT INTO notify_users(user_id, unread) VALUES (?1, 0) ON CONFLICT(user_id) DO UPDATE"
		" SET unread = MAX(unread - ?2, 0) RETURNING unread";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);
	int64_t unread;

	if (!s)
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, job->uid);
	sqlite3_bind_int64(s, 2, changed);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return PROTO_ERR_INTERNAL;
	}
	unread = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	*result = render_result_notify_read(changed, unread);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_read(struct store *st, struct store_job *job, char **result)
{
	static const char q_id[] =
		"UPDATE notifications SET read_at = ?3 WHERE id = ?1 AND user_id = ?2 AND read_at IS NULL";
	/* Up to upto in list order: every unread one ranked at or below it. */
	static const char q_upto[] =
		"UPDATE notifications SET read_at = ?3 WHERE user_id = ?2 AND read_at IS NULL"
		" AND rank <= (SELECT rank FROM notifications WHERE id = ?1 AND user_id = ?2)";
	const struct proto_value *f = job->req.f;
	int64_t changed = 0;
	sqlite3_stmt *s;

	if (!f[PF_NOTIFICATION_READ_IDS].present && !f[PF_NOTIFICATION_READ_UPTO].present)
		return store__job_error(job, PROTO_ERR_BAD_FIELD, "ids", "give ids or upto");
	for (size_t i = 0; f[PF_NOTIFICATION_READ_IDS].present && i < f[PF_NOTIFICATION_READ_IDS].u.ints.n; i++) {
		if (!(s = store__stmt(&st->wcache, st->wdb, q_id)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, f[PF_NOTIFICATION_READ_IDS].u.ints.items[i]);
		sqlite3_bind_int64(s, 2, job->uid);
		sqlite3_bind_int64(s, 3, job->now_ms);
		if (store__step_done(s))
			return PROTO_ERR_INTERNAL;
		changed += sqlite3_changes(st->wdb);
	}
	if (f[PF_NOTIFICATION_READ_UPTO].present) {
		if (!(s = store__stmt(&st->wcache, st->wdb, q_upto)))
			return PROTO_ERR_INTERNAL;
		sqlite3_bind_int64(s, 1, f[PF_NOTIFICATION_READ_UPTO].u.i);
		sqlite3_bind_int64(s, 2, job->uid);
		sqlite3_bind_int64(s, 3, job->now_ms);
		if (store__step_done(s))
			return PROTO_ERR_INTERNAL;
		changed += sqlite3_changes(st->wdb);
	}
	return read_done(st, job, changed, result);
}

static enum proto_err op_read_all(struct store *st, struct store_job *job, char **result)
{
	static const char q[] = "UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	if (!s)
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, job->uid);
	sqlite3_bind_int64(s, 2, job->now_ms);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	return read_done(st, job, sqlite3_changes(st->wdb), result);
}

static enum proto_err op_settings(struct store *st, struct store_job *job, char **result)
{
	static const char q[] =
		"INSERT INTO notify_users(user_id, wants) VALUES (?1, (?4 & ~?3) | ?2) ON CONFLICT(user_id) DO UPDATE"
		" SET wants = (wants & ~?3) | ?2 RETURNING wants";
	static const int fields[NOTIFY__COUNT] = {
		[NOTIFY_REPLY] = PF_NOTIFICATION_SETTINGS_REPLY,
		[NOTIFY_REPLY_TO_POST] = PF_NOTIFICATION_SETTINGS_REPLY_TO_POST,
		[NOTIFY_MENTION] = PF_NOTIFICATION_SETTINGS_MENTION,
		[NOTIFY_ANSWER] = PF_NOTIFICATION_SETTINGS_ANSWER,
		[NOTIFY_ANNOUNCEMENT] = PF_NOTIFICATION_SETTINGS_ANNOUNCEMENT,
	};
	unsigned set = 0, mask = 0, wants;
	sqlite3_stmt *s;

	for (int k = NOTIFY_NONE + 1; k < NOTIFY__COUNT; k++) {
		const struct proto_value *v = &job->req.f[fields[k]];

		if (!v->present)
			continue;
		mask |= NOTIFY_WANT(k);
		if (v->u.b)
			set |= NOTIFY_WANT(k);
	}
	if (!(s = store__stmt(&st->wcache, st->wdb, q)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, job->uid);
	/* A new row starts from the defaults (every kind) with the change. */
	sqlite3_bind_int64(s, 2, set);
	sqlite3_bind_int64(s, 3, mask);
	sqlite3_bind_int64(s, 4, NOTIFY_WANT_ALL);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return PROTO_ERR_INTERNAL;
	}
	wants = (unsigned)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	*result = render_result_notify_settings(wants);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

static enum proto_err op_thread_mute(struct store *st, struct store_job *job, char **result)
{
	static const char q_on[] =
		"INSERT OR IGNORE INTO thread_mutes(thread_id, user_id, created_at) VALUES (?1, ?2, ?3)";
	static const char q_off[] = "DELETE FROM thread_mutes WHERE thread_id = ?1 AND user_id = ?2";
	int64_t thread = job->req.f[PF_THREAD_MUTE_THREAD].u.i;
	int muted = job->req.f[PF_THREAD_MUTE_MUTED].u.b;
	struct forum_thread_facts tf;
	sqlite3_stmt *s;
	enum proto_err rc;

	if ((rc = store__thread_facts(st, job, thread, &tf)) != PROTO_ERR_NONE ||
	    (rc = store__check_course(st, job, tf.course, 0)) != PROTO_ERR_NONE)
		return rc;
	if (!(s = store__stmt(&st->wcache, st->wdb, muted ? q_on : q_off)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, thread);
	sqlite3_bind_int64(s, 2, job->uid);
	if (muted)
		sqlite3_bind_int64(s, 3, job->now_ms);
	if (store__step_done(s))
		return PROTO_ERR_INTERNAL;
	*result = render_result_thread_mute(thread, muted);
	return *result ? PROTO_ERR_NONE : PROTO_ERR_INTERNAL;
}

enum proto_err store__notify_apply(struct store *st, struct store_job *job, char **result)
{
	assert(store__on_writer(st));

	switch (job->req.op) {
	case PROTO_OP_NOTIFICATION_READ:
		return op_read(st, job, result);
	case PROTO_OP_NOTIFICATION_READ_ALL:
		return op_read_all(st, job, result);
	case PROTO_OP_NOTIFICATION_SETTINGS:
		return op_settings(st, job, result);
	case PROTO_OP_THREAD_MUTE:
		return op_thread_mute(st, job, result);
	default:
		return store__job_error(job, PROTO_ERR_INTERNAL, NULL, "not a notify op");
	}
}

/* ------------------------------------------------------------------------- */
/* The event and the list                                                    */
/* ------------------------------------------------------------------------- */

/* The notification as it is now, with its reader's unread count now (a
 * replayed one shows the current count: the count is state, not history).
 * One view: the notification names nobody anonymous. */
int store__notify_render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
			      enum proto_event ev, int64_t subject, struct msg **peer, struct msg **staff)
{
	sqlite3_stmt *s;
	struct notify_item it;
	int64_t unread;
	unsigned wants;

	if (ev != PROTO_EV_NOTIFICATION || !(s = store__row_by_id(c, db, Q_ITEM, subject)))
		return -1;
	item_row(s, &it);
	if (user_state(c, db, sqlite3_column_int64(s, 13), &wants, &unread) == 0)
		*peer = render_event_notification(room, seq, &it, unread);
	sqlite3_reset(s);
	*staff = *peer ? msg_ref(*peer) : NULL;
	return *peer ? 0 : -1;
}

/* The error of a read. */
static struct msg *list_error(struct proto_error *err, enum proto_err code, const char *field, const char *message)
{
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	snprintf(err->message, sizeof(err->message), "%s", message);
	return NULL;
}

struct msg *store_notification_list(struct store_conn *rd, int64_t uid, const struct proto_request *req,
				    struct proto_error *err)
{
	static const char q[] =
		"SELECT " ITEM_COLUMNS " WHERE n.user_id = ?1 AND n.rank < ?2 ORDER BY n.rank DESC LIMIT ?3";
	const struct proto_value *f = req->f;
	int64_t limit = f[PF_NOTIFICATION_LIST_LIMIT].present ? f[PF_NOTIFICATION_LIST_LIMIT].u.i
							     : PROTO_NOTIFICATION_PAGE_DEFAULT;
	int64_t before = INT64_MAX, unread = 0;
	struct render_list *l = NULL;
	struct msg *m = NULL;
	char next[32] = "", tail;
	sqlite3_stmt *s;
	unsigned wants;
	int n = 0, more = 0;

	if (f[PF_NOTIFICATION_LIST_CURSOR].present &&
	    (sscanf(f[PF_NOTIFICATION_LIST_CURSOR].u.s.p, "N%" SCNd64 "%c", &before, &tail) != 1 || before <= 0))
		return list_error(err, PROTO_ERR_BAD_CURSOR, "cursor", "not a cursor from this list");
	if (limit < 1 || limit > PROTO_NOTIFICATION_PAGE_MAX)
		limit = PROTO_NOTIFICATION_PAGE_DEFAULT;
	/* The page and the unread count from one snapshot; the page is one
	 * range of notifications_by_rank however many the user has. */
	if (store__exec(rd->db, "BEGIN"))
		return list_error(err, PROTO_ERR_INTERNAL, NULL, "database error");
	if (user_state(&rd->cache, rd->db, uid, &wants, &unread) || !(l = render_list_new()) ||
	    !(s = store__stmt(&rd->cache, rd->db, q)))
		goto out;
	sqlite3_bind_int64(s, 1, uid);
	sqlite3_bind_int64(s, 2, before);
	sqlite3_bind_int64(s, 3, limit + 1);
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct notify_item it;

		if (n == limit) {
			more = 1;
			break;
		}
		item_row(s, &it);
		if (render_list_add_notification(l, &it))
			break;
		snprintf(next, sizeof(next), "N%" PRId64, (int64_t)sqlite3_column_int64(s, 14));
		n++;
	}
	sqlite3_reset(s);
	m = render_notification_list(req->id, l, unread, wants, more ? next : NULL);
	l = NULL;
out:
	store__exec(rd->db, "COMMIT");
	render_list_free(l);
	return m ? m : list_error(err, PROTO_ERR_INTERNAL, NULL, "cannot read");
}

struct msg *store_course_members(struct store_conn *rd, const struct identity *who, int64_t uid,
				 const struct proto_request *req, int64_t now_s, struct proto_error *err)
{
	/* A prefix of the user id or of the name, without case (ASCII); no
	 * LIKE, so the prefix's % and _ are only characters. */
	static const char q[] =
		"SELECT u.ext_id, u.name FROM course_members m JOIN users u ON u.id = m.user_id"
		" WHERE m.course_id = ?1 AND (?2 IS NULL OR lower(substr(u.ext_id, 1, length(?2))) = lower(?2)"
		"  OR lower(substr(u.name, 1, length(?2))) = lower(?2))"
		" ORDER BY u.ext_id LIMIT ?3";
	int64_t course = req->f[PF_COURSE_MEMBERS_COURSE].u.i;
	const struct proto_value *prefix = &req->f[PF_COURSE_MEMBERS_PREFIX];
	char room[PROTO_MAX_ROOM_CHARS + 1];
	struct render_list *l;
	struct msg *m;
	enum proto_err rc;
	sqlite3_stmt *s;
	int staff_view;

	store__room_name(room, sizeof(room), "course", course);
	if ((rc = store_room_access(rd, who, uid, room, now_s, &staff_view, NULL)) != PROTO_ERR_NONE)
		return list_error(err, rc, "course", proto_errs[rc].code);
	if (!(l = render_list_new()) || !(s = store__stmt(&rd->cache, rd->db, q))) {
		render_list_free(l);
		return list_error(err, PROTO_ERR_INTERNAL, NULL, "database error");
	}
	sqlite3_bind_int64(s, 1, course);
	if (prefix->present && prefix->u.s.len)
		sqlite3_bind_text(s, 2, prefix->u.s.p, (int)prefix->u.s.len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, PROTO_MEMBERS_PAGE_MAX);
	while (sqlite3_step(s) == SQLITE_ROW)
		if (render_list_add_member(l, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1)))
			break;
	sqlite3_reset(s);
	m = render_members_reply(req->id, course, l);
	return m ? m : list_error(err, PROTO_ERR_INTERNAL, NULL, "out of memory");
}
