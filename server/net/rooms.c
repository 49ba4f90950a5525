/*
 * rooms.c - room registry, subscriptions, ordered delivery, gap filling,
 * paced replay, beacons and coalesced state.
 *
 * Invariant: a subscription that is neither pending nor replaying has
 * seq >= its room's seq, so each in-order room event is either already held
 * by the socket (skipped) or the next one it needs. A subscription found
 * behind (an event it would miss) is not a crash: it is logged, counted
 * (stats invariant_violations) and its socket closed with 4003, so that the
 * client resumes from the seq it holds.
 *
 * A socket that is closing is delivered nothing more: conn_close() marks its
 * subscriptions dead at once (rooms_conn_closing) and they leave their rooms
 * then, or, when the close happens inside a walk over a room's members or a
 * socket's subscriptions (conn_send past the queue bound closes the socket),
 * right after the outermost rooms call returns (enter/leave, sweep). Every
 * walk skips dead subscriptions. The asserts left guard bookkeeping that no
 * client input reaches.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "core/coalesce.h"
#include "proto/render.h"
#include "proto/render_forum.h"
#include "rooms.h"

#define ROOM_BUCKETS 4096
#define BUSY_BUCKETS 4096
#define REPLAY_LOW_WATER (256 * 1024)   /* replay more only below this many queued bytes */
#define BEACON_INTERVAL_MS 1000
#define BEACON_FOR_MS 10000             /* keep beaconing a room this long after a write */
#define STAFF_SUFFIX "|s"
#define DEGRADED_POLL_MS 200            /* SQLite polling while the bus is down */

struct room {
	struct room *hnext;
	char name[PROTO_MAX_ROOM_CHARS + 1];
	unsigned subscribing : 1;       /* asked the bus, no confirmation yet */
	unsigned live : 1;              /* confirmed: seq is meaningful */
	int64_t seq;                    /* highest seq delivered in order */
	struct sub **members;           /* dense, unordered: delivery walks it */
	unsigned nsubs, cap;
	int64_t published_seq;          /* latest seq this process committed */
	int64_t published_mono;
};

/* One per subscription, so every connection holds a few: only what an
 * idle subscription needs, 40 bytes (a 48-byte malloc chunk). */
struct sub {
	unsigned ridx;                  /* index in room->members */
	unsigned staff_view : 1;
	unsigned pending : 1;           /* waiting for the room to go live */
	unsigned replaying : 1;
	unsigned busy : 1;              /* has a struct sub_busy */
	unsigned dead : 1;              /* its socket is closing: deliver nothing, remove soon */
	struct sub *cnext;              /* in the conn */
	struct room *room;
	struct conn *c;
	int64_t seq;                    /* the socket holds every event <= seq */
};

/* What a subscription needs only until it is answered and while it replays
 * after: kept beside the few in that state (found by the sub's address)
 * rather than in every one. */
struct sub_busy {
	struct sub_busy *next;          /* in its bucket */
	const struct sub *s;
	char *req_id;                   /* owned; the subscribe request's id until it is answered */
	int has_since;
	int64_t since;                  /* the client's since, if has_since */
	int64_t target;                 /* replay: at least up to here */
};

static struct {
	uv_loop_t *loop;
	struct store *st;
	struct bus *bus;
	struct room *buckets[ROOM_BUCKETS];
	struct sub_busy *busy[BUSY_BUCKETS];
	unsigned nrooms, nsubs;
	struct coalesce *co;
	uv_timer_t state_timer, beacon_timer, poll_timer;
	int64_t data_version;
	int closing, pending_closes;
	void (*closed)(void *arg);
	void *closed_arg;
	uint64_t delivered, gaps;
	uint64_t invariant_violations;  /* subscriptions found behind their room */
	unsigned test_drop;
	unsigned depth;                 /* rooms calls under way (see enter/leave) */
	struct dead_conn {
		uint32_t slot, gen;
	} *dead;                        /* closing sockets whose subscriptions wait for leave() */
	size_t ndead, dead_cap;
} R;

static void sub_remove(struct sub *s);

/* ------------------------------------------------------------------------- */
/* Closing sockets leave their rooms                                         */
/* ------------------------------------------------------------------------- */

/* Every entry point that may walk members or send to sockets runs between
 * enter() and leave(): a socket closed meanwhile has its subscriptions
 * removed by the outermost leave(), never under a walk. */
static void enter(void)
{
	R.depth++;
}

static void leave(void)
{
	if (--R.depth)
		return;
	R.depth++;              /* removing subscriptions sends nothing, but stay safe */
	for (size_t i = 0; i < R.ndead; i++) {
		struct conn *c = conn_lookup(R.dead[i].slot, R.dead[i].gen);

		if (c)
			rooms_conn_closed(c);
	}
	R.ndead = 0;
	R.depth--;
}

void rooms_conn_closing(struct conn *c)
{
	int any = 0;

	for (struct sub *s = c->subs; s; s = s->cnext) {
		s->dead = 1;
		any = 1;
	}
	if (!any)
		return;
	if (R.depth == 0) {
		rooms_conn_closed(c);
		return;
	}
	if (R.ndead == R.dead_cap) {
		size_t ncap = R.dead_cap ? R.dead_cap * 2 : 16;
		struct dead_conn *n = realloc(R.dead, ncap * sizeof(*n));

		if (!n)
			return;         /* its dead subscriptions go when the socket does */
		R.dead = n;
		R.dead_cap = ncap;
	}
	R.dead[R.ndead].slot = c->slot;
	R.dead[R.ndead].gen = c->gen;
	R.ndead++;
}

/* A subscription that would miss an event of its room: a state no client
 * should be able to bring about, handled rather than asserted (a client
 * that could reach an assert could stop the process). The socket resumes. */
static void sub_behind(struct sub *s, int64_t seq)
{
	R.invariant_violations++;
	fprintf(stderr, "forumd: rooms: %s: a subscriber holds seq %" PRId64 " but the room is at %" PRId64
		": closing it (4003) so that it resumes\n", s->room->name, s->seq, seq);
	conn_close(s->c, PROTO_CLOSE_SLOW_CONSUMER, 0);
}

/* ------------------------------------------------------------------------- */
/* Registry                                                                  */
/* ------------------------------------------------------------------------- */

static unsigned room_hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % ROOM_BUCKETS;
}

static struct room *room_find(const char *name)
{
	struct room *r = R.buckets[room_hash(name)];

	while (r && strcmp(r->name, name) != 0)
		r = r->hnext;
	return r;
}

static struct room *room_get(const char *name)
{
	struct room *r = room_find(name);
	unsigned h;

	if (r)
		return r;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	snprintf(r->name, sizeof(r->name), "%s", name);
	h = room_hash(name);
	r->hnext = R.buckets[h];
	R.buckets[h] = r;
	R.nrooms++;
	return r;
}

/* Makes room in r->members for one more; 0, or -1 when out of memory. */
static int room_reserve(struct room *r)
{
	unsigned ncap;
	struct sub **nm;

	if (r->nsubs < r->cap)
		return 0;
	ncap = r->cap ? r->cap * 2 : 4;
	nm = realloc(r->members, ncap * sizeof(*nm));
	if (!nm)
		return -1;
	r->members = nm;
	r->cap = ncap;
	return 0;
}

/* Frees a room nobody follows and nobody needs beacons for. */
static void room_maybe_free(struct room *r, int64_t now_mono)
{
	struct room **pp;
	char staff_room[PROTO_MAX_ROOM_CHARS + 8];

	if (r->nsubs || (!R.closing && r->published_seq && now_mono - r->published_mono < BEACON_FOR_MS))
		return;
	if (!R.closing) {
		if (r->live || r->subscribing)
			R.bus->unsubscribe(R.bus, r->name);
		coalesce_drop_room(R.co, r->name);
		snprintf(staff_room, sizeof(staff_room), "%s" STAFF_SUFFIX, r->name);
		coalesce_drop_room(R.co, staff_room);
	}
	for (pp = &R.buckets[room_hash(r->name)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == r) {
			*pp = r->hnext;
			break;
		}
	}
	R.nrooms--;
	free(r->members);
	free(r);
}

/* ------------------------------------------------------------------------- */
/* Subscriptions being answered or replaying                                 */
/* ------------------------------------------------------------------------- */

static struct sub_busy **busy_bucket(const struct sub *s)
{
	uintptr_t h = (uintptr_t)s;

	h ^= h >> 17;
	return &R.busy[(h >> 4) % BUSY_BUCKETS];
}

/* The side record of a subscription that has one, else NULL. */
static struct sub_busy *busy_find(const struct sub *s)
{
	struct sub_busy *b;

	if (!s->busy)
		return NULL;
	for (b = *busy_bucket(s); b && b->s != s; b = b->next)
		;
	return b;
}

/* Gives a new subscription its side record (with a copy of req_id);
 * 0, or -1 when out of memory (nothing allocated then). */
static int busy_new(struct sub *s, const char *req_id, int has_since, int64_t since)
{
	struct sub_busy **head = busy_bucket(s);
	struct sub_busy *b = calloc(1, sizeof(*b));

	if (!b || !(b->req_id = strdup(req_id))) {
		free(b);
		return -1;
	}
	b->s = s;
	b->has_since = has_since;
	b->since = since;
	b->next = *head;
	*head = b;
	s->busy = 1;
	return 0;
}

/* The subscription has its reply: the request id is no longer needed. */
static void busy_answered(struct sub_busy *b)
{
	free(b->req_id);
	b->req_id = NULL;
}

/* The subscription is answered and not replaying: frees its side record. */
static void busy_drop(struct sub *s)
{
	struct sub_busy **pp, *b;

	if (!s->busy)
		return;
	for (pp = busy_bucket(s); *pp && (*pp)->s != s; pp = &(*pp)->next)
		;
	b = *pp;
	assert(b);
	*pp = b->next;
	free(b->req_id);
	free(b);
	s->busy = 0;
}

/* ------------------------------------------------------------------------- */
/* Delivery                                                                  */
/* ------------------------------------------------------------------------- */

static void sub_send_event(struct sub *s, int64_t seq, struct msg *peer, struct msg *staff)
{
	conn_send(s->c, s->staff_view && staff ? staff : peer);
	s->seq = seq;
	R.delivered++;
}

/*
 * One event in room order: every live subscription that needs it gets it.
 *
 * A room of thousands is walked in one go, and each member's sub and
 * socket sit in their own allocations: they are fetched a few members
 * ahead so that the walk waits on memory once, not twice per member.
 */
#define DELIVER_AHEAD 4

static void room_deliver(struct room *r, int64_t seq, struct msg *peer, struct msg *staff)
{
	struct sub **m = r->members;
	unsigned n = r->nsubs;

	assert(seq == r->seq + 1);
	r->seq = seq;
	for (unsigned i = 0; i < n; i++) {
		struct sub *s = m[i];

		if (i + 2 * DELIVER_AHEAD < n)
			__builtin_prefetch(m[i + 2 * DELIVER_AHEAD]);
		if (i + DELIVER_AHEAD < n)
			__builtin_prefetch(m[i + DELIVER_AHEAD]->c);
		if (s->dead || s->pending || s->replaying || seq <= s->seq)
			continue;
		if (seq != s->seq + 1) {
			sub_behind(s, seq);
			continue;
		}
		sub_send_event(s, seq, peer, staff);
	}
}

static void fill_emit(void *arg, const char *room, int64_t seq, struct msg *peer, struct msg *staff)
{
	struct room *r = arg;

	(void)room;
	if (seq == r->seq + 1)
		room_deliver(r, seq, peer, staff);
	msg_unref(peer);
	msg_unref(staff);
}

/* Delivers the room's events after r->seq up to upto from the log. */
static void room_fill(struct room *r, int64_t upto)
{
	while (r->seq < upto) {
		int64_t before = r->seq;
		long n = store_replay(R.st, r->name, r->seq, upto, PROTO_REPLAY_CHUNK, fill_emit, r);

		if (n <= 0 || r->seq == before) {
			/* Not in the log (pruned, or a failing read): never stall
			 * the room on it. Subscribers that need it will resume. */
			fprintf(stderr, "forumd: rooms: %s: cannot fill %" PRId64 "..%" PRId64 "\n",
				r->name, r->seq + 1, upto);
			for (unsigned i = 0; i < r->nsubs; i++) {
				struct sub *s = r->members[i];

				if (!s->dead && !s->pending && !s->replaying && s->seq < upto)
					conn_close(s->c, PROTO_CLOSE_SLOW_CONSUMER, 0);
			}
			r->seq = upto;
			break;
		}
	}
	R.gaps++;
}

/* ------------------------------------------------------------------------- */
/* Replay, one chunk at a time                                               */
/* ------------------------------------------------------------------------- */

static void replay_emit(void *arg, const char *room, int64_t seq, struct msg *peer, struct msg *staff)
{
	struct sub *s = arg;

	(void)room;
	if (seq == s->seq + 1)
		sub_send_event(s, seq, peer, staff);
	msg_unref(peer);
	msg_unref(staff);
}

static void replay_done(struct sub *s)
{
	s->replaying = 0;
	assert(s->c->replaying > 0);
	s->c->replaying--;
	busy_drop(s);
}

/* Queues replay chunks while the socket's queue is short; the rest waits for
 * rooms_conn_drained(). Ends the replay once the socket has caught up with
 * both its target and the room's live seq. */
static void replay_pump(struct sub *s)
{
	while (s->replaying && conn_queued_bytes(s->c) < REPLAY_LOW_WATER && !s->c->closing) {
		int64_t target = busy_find(s)->target;
		int64_t upto = target > s->room->seq ? target : s->room->seq;
		int64_t before = s->seq;
		long n;

		if (s->seq >= upto) {
			replay_done(s);
			break;
		}
		/* A chunk is bounded in bytes too: replay_chunk posts of the
		 * largest kind would pass outq_max_bytes at once. */
		n = store_replay_bytes(R.st, s->room->name, s->seq, upto, PROTO_REPLAY_CHUNK, REPLAY_LOW_WATER,
				       replay_emit, s);
		if (n <= 0 || s->seq == before) {
			/* The log cannot serve it: the socket must reload. */
			conn_close(s->c, PROTO_CLOSE_SLOW_CONSUMER, 1);
			replay_done(s);
			break;
		}
	}
}

static void state_emit_to_conn(void *arg, struct msg *m)
{
	conn_send(arg, m);
	msg_unref(m);
}


/* The room is live: answer the subscription and start it. Its side record
 * goes once it is answered, or when the replay that follows ends. */
static void sub_activate(struct sub *s)
{
	struct room *r = s->room;
	struct sub_busy *b = busy_find(s);
	int64_t db_seq = 0, first = 0;
	struct msg *reply = NULL;
	const char *mode;

	assert(r->live && b && b->req_id);
	s->pending = 0;
	if (s->c->closing) {
		/* Nothing more is sent to a closing socket: no reads for it.
		 * It stays in step with the room until it leaves. */
		s->seq = r->seq;
		busy_drop(s);
		return;
	}
	store_room_seq(R.st, r->name, &db_seq);
	store_room_first_seq(R.st, r->name, &first);
	if (db_seq < r->seq)
		db_seq = r->seq;

	if (!b->has_since || b->since > db_seq || db_seq - b->since > PROTO_REPLAY_MAX ||
	    (db_seq > b->since && b->since + 1 < first)) {
		/* Snapshot: the current rows and the seq they reflect. */
		int64_t snap_seq = 0;

		reply = store_room_snapshot(R.st, b->req_id, r->name, s->staff_view, s->c->uid, &snap_seq);
		busy_answered(b);
		s->seq = snap_seq > r->seq ? snap_seq : r->seq;
		conn_send(s->c, reply);
		msg_unref(reply);
		/* Events between the snapshot and the live stream (committed but
		 * not yet delivered here) come by replay. */
		if (r->seq > s->seq) {
			s->replaying = 1;
			s->c->replaying++;
			b->target = r->seq;
			replay_pump(s);
		} else {
			busy_drop(s);
		}
		return;
	}
	mode = b->since == db_seq ? "live" : "replay";
	s->seq = b->since;
	/* The reply carries the current vote counts (changed while away) in one
	 * bounded message; the few other state values follow it. */
	reply = store_room_resume(R.st, b->req_id, r->name, db_seq, mode, db_seq - b->since);
	busy_answered(b);
	conn_send(s->c, reply);
	msg_unref(reply);
	store_room_state(R.st, r->name, state_emit_to_conn, s->c);
	if (db_seq > b->since) {
		s->replaying = 1;
		s->c->replaying++;
		b->target = db_seq;
		replay_pump(s);
	} else {
		busy_drop(s);
	}
}

static void state_tick(uv_timer_t *t);

/* ------------------------------------------------------------------------- */
/* Bus callbacks                                                             */
/* ------------------------------------------------------------------------- */

static void on_subscribed_in(const char *name)
{
	struct room *r = room_find(name);
	int64_t seq = 0;

	if (r && r->live) {
		/* Confirmed again after the bus came back: whatever was
		 * committed meanwhile comes from the log. */
		store_room_seq(R.st, r->name, &seq);
		if (seq > r->seq)
			room_fill(r, seq);
		return;
	}
	if (!r || !r->subscribing)
		return;
	r->subscribing = 0;
	r->live = 1;
	/* Everything up to the log's seq now comes from the log; the bus brings
	 * what follows. */
	store_room_seq(R.st, r->name, &seq);
	r->seq = seq;
	for (unsigned i = 0; i < r->nsubs; i++)
		if (r->members[i]->pending && !r->members[i]->dead)
			sub_activate(r->members[i]);
}

static void on_event_in(const char *name, int64_t seq, struct msg *peer, struct msg *staff)
{
	struct room *r = room_find(name);

	if (!r || !r->live || seq <= r->seq)
		return;                 /* not followed here, or a duplicate */
	if (seq > r->seq + 1)
		room_fill(r, seq - 1);  /* a gap: fill it before going on */
	if (seq == r->seq + 1)
		room_deliver(r, seq, peer, staff);
}

static void on_beacon_in(const char *name, int64_t seq)
{
	struct room *r = room_find(name);

	if (r && r->live && seq > r->seq)
		room_fill(r, seq);      /* the last message(s) were lost */
}

static void on_state(const char *name, const char *key, int64_t version, struct msg *peer,
		     struct msg *staff)
{
	char staff_room[PROTO_MAX_ROOM_CHARS + 8];
	int64_t now = clock_mono_ms();
	struct room *r = room_find(name);
	int64_t due;

	if (!r || !r->nsubs)
		return;
	snprintf(staff_room, sizeof(staff_room), "%s" STAFF_SUFFIX, name);
	if (strcmp(key, STORE_STATE_RETIRE) == 0) {
		/* The room is retired: what it still holds unsent goes nowhere. */
		coalesce_drop_room(R.co, name);
		coalesce_drop_room(R.co, staff_room);
		return;
	}
	coalesce_update(R.co, name, key, version, msg_data(peer), peer->len, now);
	staff = staff ? staff : peer;
	coalesce_update(R.co, staff_room, key, version, msg_data(staff), staff->len, now);
	due = coalesce_next_due(R.co);
	if (due >= 0 && !uv_is_active((uv_handle_t *)&R.state_timer))
		uv_timer_start(&R.state_timer, state_tick, due > now ? (uint64_t)(due - now) : 0, 0);
}

static void on_subscribed(const char *name)
{
	enter();
	on_subscribed_in(name);
	leave();
}

static void on_event(const char *name, int64_t seq, struct msg *peer, struct msg *staff)
{
	enter();
	on_event_in(name, seq, peer, staff);
	leave();
}

static void on_beacon(const char *name, int64_t seq)
{
	enter();
	on_beacon_in(name, seq);
	leave();
}

static const struct bus_handler handler = {
	.subscribed = on_subscribed,
	.event = on_event,
	.state = on_state,
	.beacon = on_beacon,
};

/* ------------------------------------------------------------------------- */
/* Timers                                                                    */
/* ------------------------------------------------------------------------- */

static void state_flush_emit(void *arg, const char *room, const char *key, int64_t version,
			     const void *value, size_t len)
{
	size_t n = strlen(room), sl = strlen(STAFF_SUFFIX);
	int staff = n > sl && strcmp(room + n - sl, STAFF_SUFFIX) == 0;
	char name[PROTO_MAX_ROOM_CHARS + 1];
	struct room *r;
	struct msg *m;

	(void)arg;
	(void)key;
	(void)version;
	snprintf(name, sizeof(name), "%.*s", (int)(staff ? n - sl : n), room);
	if (!(r = room_find(name)) || !(m = msg_from(value, len)))
		return;
	for (unsigned i = 0; i < r->nsubs; i++) {
		struct sub *s = r->members[i];

		if (!s->dead && !s->pending && (int)s->staff_view == staff)
			conn_send(s->c, m);
	}
	msg_unref(m);
}

static void state_tick(uv_timer_t *t)
{
	int64_t now = clock_mono_ms(), due;

	enter();
	coalesce_flush(R.co, now, state_flush_emit, NULL);
	leave();
	due = coalesce_next_due(R.co);
	if (due >= 0)
		uv_timer_start(t, state_tick, due > now ? (uint64_t)(due - now) : 1, 0);
}

/* Publishes the latest seq of rooms written recently, so that a subscriber
 * that lost the last message notices; frees rooms no longer needed. */
static void beacon_tick(uv_timer_t *t)
{
	int64_t now = clock_mono_ms();

	(void)t;
	enter();
	for (unsigned b = 0; b < ROOM_BUCKETS; b++) {
		struct room *r = R.buckets[b], *next;

		for (; r; r = next) {
			next = r->hnext;
			if (r->published_seq && now - r->published_mono < BEACON_FOR_MS) {
				R.bus->publish_beacon(R.bus, r->name, r->published_seq);
				/* A bus skips a process's own beacons: check here. */
				if (r->live && r->published_seq > r->seq)
					room_fill(r, r->published_seq);
			}
			room_maybe_free(r, now);
		}
	}
	leave();
}

/* While the bus is down, other processes' commits reach this one through
 * SQLite: when data_version moves, every live room catches up from the log. */
static void poll_tick(uv_timer_t *t)
{
	int64_t v = 0;

	(void)t;
	if (!R.bus->degraded(R.bus) || store_data_version(R.st, &v) || v == R.data_version)
		return;
	R.data_version = v;
	enter();
	for (unsigned b = 0; b < ROOM_BUCKETS; b++) {
		for (struct room *r = R.buckets[b]; r; r = r->hnext) {
			int64_t seq = 0;

			if (!r->live || store_room_seq(R.st, r->name, &seq) || seq <= r->seq)
				continue;
			room_fill(r, seq);
		}
	}
	leave();
}

/* ------------------------------------------------------------------------- */
/* Subscriptions                                                             */
/* ------------------------------------------------------------------------- */

static struct sub *conn_sub(struct conn *c, const char *room)
{
	for (struct sub *s = c->subs; s; s = s->cnext)
		if (strcmp(s->room->name, room) == 0)
			return s;
	return NULL;
}

/* How many rooms the socket follows: counted (at most
 * PROTO_MAX_SUBSCRIPTIONS) rather than kept in every connection. */
static unsigned conn_nsubs(const struct conn *c)
{
	unsigned n = 0;

	for (const struct sub *s = c->subs; s; s = s->cnext)
		n++;
	return n;
}

static void sub_remove(struct sub *s)
{
	struct room *r = s->room;
	struct sub **pp;

	if (s->replaying)
		replay_done(s);
	assert(s->ridx < r->nsubs && r->members[s->ridx] == s);
	r->members[s->ridx] = r->members[r->nsubs - 1];
	r->members[s->ridx]->ridx = s->ridx;
	r->nsubs--;
	if (r->cap > 64 && r->nsubs < r->cap / 4) {
		/* A crowd has left: give back most of its array. */
		struct sub **nm = realloc(r->members, (r->cap / 2) * sizeof(*nm));

		if (nm) {
			r->members = nm;
			r->cap /= 2;
		}
	}
	for (pp = &s->c->subs; *pp; pp = &(*pp)->cnext) {
		if (*pp == s) {
			*pp = s->cnext;
			break;
		}
	}
	R.nsubs--;
	busy_drop(s);
	free(s);
	room_maybe_free(r, clock_mono_ms());
}

static enum proto_err subscribe_in(struct conn *c, const char *room, int has_since, int64_t since,
				   int staff_view, const char *req_id)
{
	struct sub *s = conn_sub(c, room);
	struct room *r;

	if (s)
		sub_remove(s);          /* subscribing again restarts it */
	if (R.closing)
		return PROTO_ERR_SHUTTING_DOWN;
	if (c->closing)
		return PROTO_ERR_NONE;  /* nothing more reaches it: follow nothing */
	if (conn_nsubs(c) >= PROTO_MAX_SUBSCRIPTIONS)
		return PROTO_ERR_TOO_MANY_SUBSCRIPTIONS;
	r = room_get(room);
	s = calloc(1, sizeof(*s));
	if (!r || !s || room_reserve(r) || busy_new(s, req_id, has_since, since)) {
		free(s);
		if (r)
			room_maybe_free(r, clock_mono_ms());
		return PROTO_ERR_INTERNAL;
	}
	s->room = r;
	s->c = c;
	s->staff_view = staff_view;
	s->ridx = r->nsubs;
	r->members[r->nsubs++] = s;
	s->cnext = c->subs;
	c->subs = s;
	R.nsubs++;

	if (r->live) {
		sub_activate(s);
	} else {
		s->pending = 1;
		if (!r->subscribing) {
			r->subscribing = 1;
			R.bus->subscribe(R.bus, r->name);
		}
	}
	return PROTO_ERR_NONE;
}

enum proto_err rooms_subscribe(struct conn *c, const char *room, int has_since, int64_t since,
			       int staff_view, const char *req_id)
{
	enum proto_err rc;

	enter();
	rc = subscribe_in(c, room, has_since, since, staff_view, req_id);
	leave();
	return rc;
}

int rooms_unsubscribe(struct conn *c, const char *room)
{
	struct sub *s = conn_sub(c, room);

	if (!s)
		return 0;
	sub_remove(s);
	return 1;
}

int64_t rooms_recheck(struct conn *c, rooms_access_fn check, void *arg)
{
	int64_t earliest = INT64_MAX;
	struct sub *s, *next;

	enter();
	for (s = c->subs; s; s = next) {
		int staff_view = 0;
		int64_t until = INT64_MAX;
		enum proto_err rc;
		const char *reason;
		struct msg *m;

		next = s->cnext;
		if (s->dead)
			continue;
		rc = check(c, s->room->name, &staff_view, &until, arg);
		if (rc == PROTO_ERR_INTERNAL)
			continue;       /* cannot tell now (a failing read): ask again later */
		if (rc == PROTO_ERR_NONE && (unsigned)staff_view == s->staff_view) {
			if (until < earliest)
				earliest = until;
			continue;
		}
		/* Ended before the message is queued: nothing of the room
		 * follows it, and a socket closed by the send loses nothing. */
		reason = rc != PROTO_ERR_NONE ? proto_errs[rc].code : "view_changed";
		m = render_subscription_ended(s->room->name, reason);
		sub_remove(s);
		conn_send(c, m);
		msg_unref(m);
	}
	leave();
	return earliest;
}

void rooms_conn_closed(struct conn *c)
{
	while (c->subs)
		sub_remove(c->subs);
}

void rooms_conn_drained(struct conn *c)
{
	enter();
	for (struct sub *s = c->subs; s && c->replaying; s = s->cnext)
		if (s->replaying && !s->dead)
			replay_pump(s);
	leave();
}

void rooms_publish(const struct store_job *job)
{
	int64_t now = clock_mono_ms();

	if (R.closing)
		return;
	for (size_t i = 0; i < job->nevents; i++) {
		const struct store_event *e = &job->events[i];
		struct room *r = room_get(e->room);

		if (r && e->seq > r->published_seq) {
			r->published_seq = e->seq;
			r->published_mono = now;
		}
		if (R.test_drop) {
			R.test_drop--;  /* lost on the bus: the log and beacons recover it */
			continue;
		}
		R.bus->publish_event(R.bus, e->room, e->seq, e->peer, e->staff);
	}
	for (size_t i = 0; i < job->nstates; i++) {
		const struct store_state *s = &job->states[i];

		R.bus->publish_state(R.bus, s->room, s->key, s->version, s->value, s->staff);
	}
}

/* ------------------------------------------------------------------------- */
/* Life                                                                      */
/* ------------------------------------------------------------------------- */

struct bus *rooms_bus(void)
{
	return R.bus;
}

uint64_t rooms_invariant_violations(void)
{
	return R.invariant_violations;
}

void rooms_stats(unsigned *rooms, unsigned *subs, uint64_t *events_delivered, uint64_t *gaps_filled)
{
	*rooms = R.nrooms;
	*subs = R.nsubs;
	*events_delivered = R.delivered;
	*gaps_filled = R.gaps;
}

#ifdef FORUMD_TESTING
void rooms_test_drop(unsigned n)
{
	R.test_drop = n;
}
#endif

int rooms_degraded(void)
{
	return R.bus->degraded(R.bus);
}

int rooms_init(uv_loop_t *loop, struct store *st, const char *redis_url)
{
	memset(&R, 0, sizeof(R));
	R.loop = loop;
	R.st = st;
	R.co = coalesce_new(PROTO_STATE_INTERVAL_MS);
	R.bus = redis_url ? bus_redis_new(loop, &handler, redis_url) : bus_local_new(loop, &handler);
	if (!R.co || !R.bus) {
		coalesce_free(R.co);
		return -1;
	}
	store_data_version(st, &R.data_version);
	uv_timer_init(loop, &R.state_timer);
	uv_timer_init(loop, &R.beacon_timer);
	uv_timer_init(loop, &R.poll_timer);
	uv_timer_start(&R.beacon_timer, beacon_tick, BEACON_INTERVAL_MS, BEACON_INTERVAL_MS);
	uv_timer_start(&R.poll_timer, poll_tick, DEGRADED_POLL_MS, DEGRADED_POLL_MS);
	return 0;
}

/* The bus and timers are closed. Rooms nobody follows go now; a room still
 * followed goes with its last subscription (sockets close after this, as
 * the WebSocket context is torn down). */
static void one_closed(void *arg)
{
	(void)arg;
	if (--R.pending_closes == 0) {
		for (unsigned b = 0; b < ROOM_BUCKETS; b++) {
			struct room *r = R.buckets[b], *next;

			for (; r; r = next) {
				next = r->hnext;
				room_maybe_free(r, 0);
			}
		}
		coalesce_free(R.co);
		R.co = NULL;
		free(R.dead);
		R.dead = NULL;
		R.ndead = R.dead_cap = 0;
		R.closed(R.closed_arg);
	}
}

static void timer_closed(uv_handle_t *h)
{
	(void)h;
	one_closed(NULL);
}

void rooms_close(void (*done)(void *arg), void *arg)
{
	R.closing = 1;
	uv_timer_stop(&R.state_timer);
	R.closed = done;
	R.closed_arg = arg;
	R.pending_closes = 4;
	uv_close((uv_handle_t *)&R.state_timer, timer_closed);
	uv_close((uv_handle_t *)&R.beacon_timer, timer_closed);
	uv_close((uv_handle_t *)&R.poll_timer, timer_closed);
	R.bus->close(R.bus, one_closed, NULL);
}
