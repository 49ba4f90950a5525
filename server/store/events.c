/*
 * events.c - each room's log: append (room, seq, type, subject id) with the
 * room's next seq inside the write transaction, render the appended events
 * after the commit, read the latest and oldest seq, replay a range rendered
 * from the current rows, and prune history past its retention.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "proto/render.h"

/* ------------------------------------------------------------------------- */
/* Append (writer thread)                                                    */
/* ------------------------------------------------------------------------- */

static int push_event(struct store_job *job, const char *room, int64_t seq, enum proto_event ev,
		      int64_t subject, int64_t actor)
{
	struct store_event *e;

	if (job->nevents == job->events_cap) {
		size_t ncap = job->events_cap ? job->events_cap * 2 : 4;
		struct store_event *ne = realloc(job->events, ncap * sizeof(*ne));

		if (!ne)
			return -1;
		job->events = ne;
		job->events_cap = ncap;
	}
	e = &job->events[job->nevents++];
	memset(e, 0, sizeof(*e));
	snprintf(e->room, sizeof(e->room), "%s", room);
	e->seq = seq;
	e->type = ev;
	e->subject = subject;
	e->actor = actor;
	return 0;
}

int store__event_append(struct store *st, struct store_job *job, const char *room,
		       enum proto_event ev, int64_t subject, int64_t actor)
{
	static const char q_next[] =
		"INSERT INTO rooms(name, seq, updated_at) VALUES (?1, 1, ?2) "
		"ON CONFLICT(name) DO UPDATE SET seq = seq + 1, updated_at = ?2 RETURNING seq";
	static const char q_log[] =
		"INSERT INTO events(room, seq, type, subject, actor, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *s;
	int64_t seq;

	assert(store__on_writer(st));
	/* A room kind protocol.json does not list for the event would reach
	 * clients that do not expect it there: refuse it (a bug, not input). */
	if (ev <= PROTO_EV_NONE || ev >= PROTO_EV__COUNT || !proto_events[ev].logged ||
	    !(proto_events[ev].rooms & (1u << proto_room_kind_of(room)))) {
		fprintf(stderr, "forumd: store: event %d may not go to %s\n", (int)ev, room);
		return -1;
	}
	s = store__stmt(&st->wcache, st->wdb, q_next);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, room, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, job->now_ms);
	if (sqlite3_step(s) != SQLITE_ROW)
		return -1;
	seq = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);

	s = store__stmt(&st->wcache, st->wdb, q_log);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, room, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, seq);
	sqlite3_bind_text(s, 3, proto_events[ev].name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, subject);
	if (actor)
		sqlite3_bind_int64(s, 5, actor);
	sqlite3_bind_int64(s, 6, job->now_ms);
	if (sqlite3_step(s) != SQLITE_DONE)
		return -1;

	/* Only the facts here: the views are rendered after the commit
	 * (store__render_events), so the write lock is not held for them. */
	return push_event(job, room, seq, ev, subject, actor);
}

/* ------------------------------------------------------------------------- */
/* Render after the commit (writer thread, no write lock held)               */
/* ------------------------------------------------------------------------- */

/*
 * Why rendering after the commit sends what a replay would send, and loses
 * nothing:
 *
 * - The seq of every event was fixed inside the transaction (the rooms row
 *   and the events row committed together); rendering only makes bytes for
 *   (room, seq, type, subject), so no seq can change or be skipped here.
 * - Between COMMIT and the render, another process (--workers) can change
 *   the rows an event is about (an edit, a hide); this process's next
 *   batch cannot, as it waits for this render on the same thread. The
 *   render then shows the newer row, exactly as a replay does: replay too
 *   renders the logged (type, subject) from the current rows. The change
 *   that made the row newer appended its own event with a later seq, so a
 *   subscriber still sees it happen; it may see the new text one event
 *   early, never an older text after a newer one.
 * - State values (vote counts, thread activity, "now answering") are
 *   rendered here too, from their facts or the current row, with the
 *   row's version: a newer value supersedes an older one in the loop, as
 *   it would have if it had come a moment later. The one state whose
 *   audience can shrink, a poll's results room, is rendered only while the
 *   poll still uses that room (poll.c), so newer tallies never reach an
 *   audience that lost the right to see them.
 * - An event whose render fails (out of memory, a failing read) stays on
 *   the job without messages: the loop publishes nothing for it, as if the
 *   bus had lost it, but counts its seq as published, so the room's
 *   beacons name it and its subscribers fill the gap from the log within a
 *   beacon interval (the loop's gap filling replays it; a replay that
 *   cannot render it either closes the subscribers behind with 4003 so
 *   that they resume). The write itself committed, so its author still
 *   gets the reply.
 */
void store__render_events(struct store *st, struct store_job *head)
{
	int in_txn;

	assert(store__on_writer(st));
	/* One read transaction for the whole batch: one snapshot, and one
	 * lock acquisition instead of one per statement. It never takes the
	 * write lock, so other processes' writers go on meanwhile. */
	in_txn = store__exec(st->wdb, "BEGIN") == SQLITE_OK;
	for (struct store_job *job = head; job; job = job->next) {
		size_t kept = 0;

		if (job->err.code != PROTO_ERR_NONE)
			continue;
		/* The reply: the recorded result under the request's id. */
		if (job->result && !(job->reply = render_ok_raw(job->req.id, job->result))) {
			/* The write committed but cannot be answered ok (out of
			 * memory): internal, and a retry with its key gets the
			 * recorded result. Its events then go by gap filling. */
			store__job_fail(job, PROTO_ERR_INTERNAL, "the write was made but its reply could not be made");
			atomic_fetch_add(&st->render_failures, 1);
			continue;
		}
		for (size_t i = 0; i < job->nevents; i++) {
			struct store_event *e = &job->events[i];
			int rc = -1;

#ifdef FORUMD_TESTING
			if (atomic_load(&st->fp_render) > 0)
				atomic_fetch_sub(&st->fp_render, 1);
			else
#endif
			rc = store__render_event(&st->wcache, st->wdb, e->room, e->seq, e->type, e->subject,
						 &e->peer, &e->staff);
			if (rc) {
				fprintf(stderr, "forumd: store: cannot render %s %s seq %lld after commit;"
					" its subscribers get it from the log\n",
					proto_events[e->type].name, e->room, (long long)e->seq);
				atomic_fetch_add(&st->render_failures, 1);
				e->peer = e->staff = NULL;      /* kept, message-less: see above */
			}
		}
		/* State values are superseded, not logged: one that cannot be
		 * rendered is dropped, and the next change of that value (or a
		 * snapshot) brings the current one. */
		kept = 0;
		for (size_t i = 0; i < job->nstates; i++) {
			struct store_state *sv = &job->states[i];

			if (store__state_render(&st->wcache, st->wdb, sv)) {
				fprintf(stderr, "forumd: store: cannot render state %s %s after commit\n", sv->room,
					sv->key);
				atomic_fetch_add(&st->render_failures, 1);
				msg_unref(sv->value);
				msg_unref(sv->staff);
				continue;
			}
			if (!sv->value)
				continue;       /* nothing to send there any more */
			if (kept != i)
				job->states[kept] = *sv;
			kept++;
		}
		job->nstates = kept;
	}
	if (in_txn)
		store__exec(st->wdb, "COMMIT");
}

/* ------------------------------------------------------------------------- */
/* Reads (a reader thread, its connection)                                  */
/* ------------------------------------------------------------------------- */

static int room_column(struct store_conn *rd, const char *sql, const char *room, int64_t *out)
{
	sqlite3_stmt *s = store__stmt(&rd->cache, rd->db, sql);
	int rc;

	*out = 0;
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, room, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The latest seq of room into *seq (0 if it has none yet), on the read
 * connection. 0 or -1. */
int store_room_seq(struct store_conn *rd, const char *room, int64_t *seq)
{
	static const char q[] = "SELECT seq FROM rooms WHERE name = ?1";

	return room_column(rd, q, room, seq);
}

/* The read connection's PRAGMA data_version into *version: it moves when
 * any other connection commits. 0 or -1. */
int store_data_version(struct store_conn *rd, int64_t *version)
{
	static const char q[] = "PRAGMA data_version";
	sqlite3_stmt *s = store__stmt(&rd->cache, rd->db, q);
	int rc = -1;

	if (!s)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW) {
		*version = sqlite3_column_int64(s, 0);
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/* The oldest seq still held for room into *seq (0 if none), on the read
 * connection. 0 or -1. */
int store_room_first_seq(struct store_conn *rd, const char *room, int64_t *seq)
{
	static const char q[] = "SELECT first_seq FROM rooms WHERE name = ?1";

	return room_column(rd, q, room, seq);
}

/* store_replay_bytes without a byte bound. */
long store_replay(struct store_conn *rd, const char *room, int64_t after, int64_t upto, size_t max,
		  void (*emit)(void *arg, const char *room, int64_t seq, struct msg *peer,
			       struct msg *staff),
		  void *arg)
{
	return store_replay_bytes(rd, room, after, upto, max, 0, emit, arg);
}

/*
 * Renders room's events with after < seq <= upto from the current rows, at
 * most max and, with max_bytes, until their peer views take that many bytes
 * (at least one), oldest first, in one read transaction; emit receives new
 * message references it owns. The number emitted, or -1 on a database error.
 */
long store_replay_bytes(struct store_conn *rd, const char *room, int64_t after, int64_t upto, size_t max,
			size_t max_bytes,
			void (*emit)(void *arg, const char *room, int64_t seq, struct msg *peer,
				     struct msg *staff),
			void *arg)
{
	size_t bytes = 0;
	static const char q[] =
		"SELECT seq, type, subject FROM events WHERE room = ?1 AND seq > ?2 AND seq <= ?3 "
		"ORDER BY seq LIMIT ?4";
	sqlite3_stmt *s;
	long n = 0;
	int rc;

	if (store__exec(rd->db, "BEGIN") != SQLITE_OK)
		return -1;
	s = store__stmt(&rd->cache, rd->db, q);
	if (!s) {
		n = -1;
		goto out;
	}
	sqlite3_bind_text(s, 1, room, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, after);
	sqlite3_bind_int64(s, 3, upto);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(s, 0);
		const char *type = (const char *)sqlite3_column_text(s, 1);
		int64_t subject = sqlite3_column_int64(s, 2);
		struct msg *peer, *staff;

		if (store__render_event(&rd->cache, rd->db, room, seq, proto_event_find(type ? type : ""), subject,
				       &peer, &staff)) {
			n = -1;
			break;
		}
		bytes += peer->len;
		emit(arg, room, seq, peer, staff);
		n++;
		if (max_bytes && bytes >= max_bytes)
			break;          /* a chunk of big events: the rest waits for the next one */
	}
	if (n >= 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
		n = -1;
	sqlite3_reset(s);
out:
	store__exec(rd->db, "COMMIT");
	return n;
}

/* ------------------------------------------------------------------------- */
/* Retention (writer thread, inside its transaction)                         */
/* ------------------------------------------------------------------------- */

int store__prune(struct store *st, struct store_job *job)
{
	static const char q_events[] = "DELETE FROM events WHERE created_at < ?1";
	static const char q_keys[] = "DELETE FROM idempotency WHERE created_at < ?1";
	static const char q_first[] =
		"UPDATE rooms SET first_seq = coalesce((SELECT min(e.seq) FROM events e WHERE e.room = rooms.name),"
		" rooms.seq + 1) WHERE first_seq <= rooms.seq";
	sqlite3_stmt *s;

	assert(store__on_writer(st));
	if (!(s = store__stmt(&st->wcache, st->wdb, q_events)))
		return -1;
	sqlite3_bind_int64(s, 1, job->prune_before_ms);
	if (sqlite3_step(s) != SQLITE_DONE)
		return -1;
	job->out_count = sqlite3_changes(st->wdb);
	if (!(s = store__stmt(&st->wcache, st->wdb, q_keys)))
		return -1;
	sqlite3_bind_int64(s, 1, job->prune_before_ms);
	if (sqlite3_step(s) != SQLITE_DONE)
		return -1;
	/* Rooms whose log lost its head: a client asking from before the new
	 * first seq gets a snapshot. An emptied log starts after its seq. */
	if (job->out_count && (!(s = store__stmt(&st->wcache, st->wdb, q_first)) || sqlite3_step(s) != SQLITE_DONE))
		return -1;
	return 0;
}
