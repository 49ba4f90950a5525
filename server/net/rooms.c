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
 *
 * Nothing here reads SQLite on the loop: a subscription's access, seq and
 * reply, each replay chunk, each chunk of a room's gap filling and a room's
 * seq once the bus confirms it are read by the store's readers and come
 * back later (store_read_submit). A subscription stays pending (delivered
 * nothing, its state values held back) until its reply is back; what the
 * room delivered meanwhile reaches it by replay. A room whose log is being
 * read holds no event back: an event that arrives meanwhile only raises
 * what the read must reach, and is read from the log (it was committed
 * before it was published). A read that comes back finds its subscription
 * by socket slot and generation, room and a token, and is dropped when the
 * subscription is gone or was made again.
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
	unsigned confirming : 1;        /* confirmed; its seq is being read */
	unsigned filling : 1;           /* a chunk of its log is being read (fill_token) */
	unsigned fill_to_end : 1;       /* the next fill goes up to the log's seq */
	int64_t fill_upto;              /* fill (and hold nothing back) up to here */
	uint64_t fill_token;
	uint64_t state_flushes;         /* state values sent to its members so far */
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
	unsigned reading : 1;           /* a read for it is with a reader (its busy record's token) */
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
	uint64_t token;                 /* the read in flight, when the sub is reading */
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
	uint64_t next_token;            /* names reads in flight (see struct sub_busy) */
	int polling;                    /* a data_version read is out */
	void (*answered)(struct conn *c, int64_t until_s);
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

/* The socket began to close (rooms.h): it leaves every room now, or at the
 * end of the room walk under way when it closed from inside one. */
void rooms_conn_closing(struct conn *c)
{
	int any = 0;

	CONN_ASSERT_LOOP();
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
		if (r->live || r->subscribing || r->confirming)
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

/* ------------------------------------------------------------------------- */
/* Replay, one chunk at a time                                               */
/* ------------------------------------------------------------------------- */

/* One event read by a reader, handed to the loop (both views owned). */
struct read_event {
	int64_t seq;
	struct msg *peer, *staff;
};

/* A chunk of a room's log read off the loop, for one subscription's replay
 * (or the room's own gap filling). */
struct replay_read {
	struct store_read r;            /* first: the pool's part */
	uint32_t slot, gen;             /* the socket (replay) */
	uint64_t token;                 /* its sub_busy's token when queued */
	char room[PROTO_MAX_ROOM_CHARS + 1];
	int64_t after, upto;            /* upto < 0: up to the log's seq, read too */
	size_t max_bytes;
	/* read */
	long n;
	int64_t log_seq;
	struct read_event *evs;
	size_t nev, cap;
};

static void read_event_emit(void *arg, const char *room, int64_t seq, struct msg *peer, struct msg *staff)
{
	struct replay_read *rr = arg;

	(void)room;
	if (rr->nev == rr->cap) {
		size_t ncap = rr->cap ? rr->cap * 2 : 32;
		struct read_event *n = realloc(rr->evs, ncap * sizeof(*n));

		if (!n) {
			msg_unref(peer);
			msg_unref(staff);
			return;         /* a shorter chunk: the next read goes on from there */
		}
		rr->evs = n;
		rr->cap = ncap;
	}
	rr->evs[rr->nev].seq = seq;
	rr->evs[rr->nev].peer = peer;
	rr->evs[rr->nev].staff = staff;
	rr->nev++;
}

/* On a reader thread: the chunk after..upto of the room's log. */
static void replay_work(struct store_read *r, struct store_conn *rd)
{
	struct replay_read *rr = (struct replay_read *)r;

	if (rr->upto < 0) {
		if (store_room_seq(rd, rr->room, &rr->log_seq)) {
			rr->n = -1;
			return;
		}
		rr->upto = rr->log_seq;
		if (rr->upto <= rr->after)
			return;
	}
	rr->n = store_replay_bytes(rd, rr->room, rr->after, rr->upto, PROTO_REPLAY_CHUNK, rr->max_bytes,
				   read_event_emit, rr);
}

static void replay_read_free(struct replay_read *rr)
{
	for (size_t i = 0; i < rr->nev; i++) {
		msg_unref(rr->evs[i].peer);
		msg_unref(rr->evs[i].staff);
	}
	free(rr->evs);
	free(rr);
}

static struct sub *conn_sub(struct conn *c, const char *room);

/* The subscription a read came back for: still there, still reading, and
 * waiting for this very read (not one of a sub since removed and made
 * again); NULL when it is gone. */
static struct sub *reading_sub(uint32_t slot, uint32_t gen, const char *room, uint64_t token)
{
	struct conn *c = conn_lookup(slot, gen);
	struct sub *s = c ? conn_sub(c, room) : NULL;
	struct sub_busy *b = s ? busy_find(s) : NULL;

	return b && s->reading && b->token == token ? s : NULL;
}

static void replay_done(struct sub *s)
{
	s->replaying = 0;
	assert(s->c->replaying > 0);
	s->c->replaying--;
	busy_drop(s);
}

static void replay_read_done(struct store_read *r);

/* Queues the next replay chunk while the socket's queue is short; the rest
 * waits for rooms_conn_drained(). One chunk is read at a time, off the loop;
 * its events are queued when it comes back (replay_read_done), which pumps
 * again. Ends the replay once the socket has caught up with both its target
 * and the room's live seq. */
static void replay_pump(struct sub *s)
{
	struct sub_busy *b;
	struct replay_read *rr;
	int64_t upto;

	if (!s->replaying || s->reading || s->dead || s->c->closing || conn_queued_bytes(s->c) >= REPLAY_LOW_WATER)
		return;
	b = busy_find(s);
	upto = b->target > s->room->seq ? b->target : s->room->seq;
	if (s->seq >= upto) {
		replay_done(s);
		return;
	}
	rr = calloc(1, sizeof(*rr));
	if (!rr)
		goto fail;
	rr->r.work = replay_work;
	rr->r.done = replay_read_done;
	rr->slot = s->c->slot;
	rr->gen = s->c->gen;
	rr->token = b->token = ++R.next_token;
	snprintf(rr->room, sizeof(rr->room), "%s", s->room->name);
	rr->after = s->seq;
	rr->upto = upto;
	/* A chunk is bounded in bytes too: replay_chunk posts of the
	 * largest kind would pass outq_max_bytes at once. */
	rr->max_bytes = REPLAY_LOW_WATER;
	if (store_read_submit(R.st, &rr->r)) {
		/* The store has stopped: the server is going. The replay
		 * stays where it is (live events skip it) until the socket is
		 * told so (1001) and resumes from what it holds. */
		free(rr);
		return;
	}
	s->reading = 1;
	return;
fail:
	/* The log cannot serve it: the socket must reload. */
	conn_close(s->c, PROTO_CLOSE_SLOW_CONSUMER, 1);
	replay_done(s);
}

/* On the loop: a replay chunk is back; its events go to the socket in seq
 * order, and the next chunk is asked for. */
static void replay_read_done(struct store_read *r)
{
	struct replay_read *rr = (struct replay_read *)r;
	struct sub *s;
	int64_t before;

	if (r->cancelled || R.closing)
		goto out;
	enter();
	s = reading_sub(rr->slot, rr->gen, rr->room, rr->token);
	if (!s)
		goto leave;
	s->reading = 0;
	if (s->dead || s->c->closing)
		goto leave;             /* it leaves its room soon: nothing more for it */
	before = s->seq;
	for (size_t i = 0; i < rr->nev; i++)
		if (rr->evs[i].seq == s->seq + 1)
			sub_send_event(s, rr->evs[i].seq, rr->evs[i].peer, rr->evs[i].staff);
	if (rr->n <= 0 || s->seq == before) {
		/* The log cannot serve it: the socket must reload. */
		conn_close(s->c, PROTO_CLOSE_SLOW_CONSUMER, 1);
		replay_done(s);
	} else {
		replay_pump(s);
	}
leave:
	leave();
out:
	replay_read_free(rr);
}

static void room_fill_read_done(struct store_read *r);

/*
 * Delivers the room's events after r->seq up to upto (upto < 0: up to the
 * log's seq) from the log, a chunk at a time off the loop. While a chunk is
 * out, the room holds nothing back: events that arrive meanwhile only move
 * fill_upto, and are read from the log with the rest (they are committed
 * before they are published), so the room's order never breaks.
 */
static void room_fill(struct room *r, int64_t upto)
{
	struct replay_read *rr;

	if (upto < 0)
		r->fill_to_end = 1;
	else if (upto > r->fill_upto)
		r->fill_upto = upto;
	if (r->filling || (!r->fill_to_end && r->fill_upto <= r->seq))
		return;
	if (!(rr = calloc(1, sizeof(*rr))))
		return;         /* the next beacon or event asks again */
	rr->r.work = replay_work;
	rr->r.done = room_fill_read_done;
	rr->token = ++R.next_token;
	snprintf(rr->room, sizeof(rr->room), "%s", r->name);
	rr->after = r->seq;
	rr->upto = r->fill_to_end ? -1 : r->fill_upto;
	if (store_read_submit(R.st, &rr->r)) {
		free(rr);
		return;
	}
	r->fill_to_end = 0;
	r->filling = 1;
	r->fill_token = rr->token;
	R.gaps++;
}

/* On the loop: a chunk of the room's log is back; in-order events go to
 * every live subscription, and the next chunk is asked for. */
static void room_fill_read_done(struct store_read *r)
{
	struct replay_read *rr = (struct replay_read *)r;
	struct room *room;
	int64_t before;

	if (r->cancelled || R.closing)
		goto out;
	room = room_find(rr->room);
	if (!room || !room->filling || room->fill_token != rr->token)
		goto out;
	enter();
	room->filling = 0;
	if (rr->log_seq > room->fill_upto)
		room->fill_upto = rr->log_seq;
	before = room->seq;
	for (size_t i = 0; i < rr->nev; i++)
		if (rr->evs[i].seq == room->seq + 1)
			room_deliver(room, rr->evs[i].seq, rr->evs[i].peer, rr->evs[i].staff);
	if (room->seq < room->fill_upto && (rr->n <= 0 || room->seq == before)) {
		/* Not in the log (pruned, or a failing read): never stall
		 * the room on it. Subscribers that need it will resume. */
		fprintf(stderr, "forumd: rooms: %s: cannot fill %" PRId64 "..%" PRId64 "\n", room->name,
			room->seq + 1, room->fill_upto);
		for (unsigned i = 0; i < room->nsubs; i++) {
			struct sub *s = room->members[i];

			if (!s->dead && !s->pending && !s->replaying && s->seq < room->fill_upto)
				conn_close(s->c, PROTO_CLOSE_SLOW_CONSUMER, 0);
		}
		room->seq = room->fill_upto;
	}
	room_fill(room, room->fill_upto);
	leave();
out:
	replay_read_free(rr);
}

/* A room's seq, read once the bus confirmed its subscription. */
static void room_seq_work(struct store_read *r, struct store_conn *rd)
{
	struct replay_read *rr = (struct replay_read *)r;

	rr->n = store_room_seq(rd, rr->room, &rr->log_seq) ? -1 : 0;
}

static void sub_activate(struct sub *s);

/* On the loop: the room is live from the seq read; its pending
 * subscriptions are answered, and what the bus brought meanwhile is read
 * from the log. */
static void room_seq_read_done(struct store_read *r)
{
	struct replay_read *rr = (struct replay_read *)r;
	struct room *room;

	if (r->cancelled || R.closing)
		goto out;
	room = room_find(rr->room);
	if (!room || !room->confirming || room->fill_token != rr->token)
		goto out;
	enter();
	room->confirming = 0;
	room->live = 1;
	/* Everything up to the log's seq now comes from the log; the bus brings
	 * what follows. A failing read starts from what the bus brought. */
	room->seq = rr->n == 0 ? rr->log_seq : room->fill_upto;
	for (unsigned i = 0; i < room->nsubs; i++)
		if (room->members[i]->pending && !room->members[i]->dead)
			sub_activate(room->members[i]);
	room_fill(room, room->fill_upto);
	leave();
out:
	replay_read_free(rr);
}

static void held_state_emit(void *arg, const char *room, const char *key, int64_t version, const void *value,
			    size_t len)
{
	struct msg *m = msg_from(value, len);

	(void)room;
	(void)key;
	(void)version;
	if (m)
		conn_send(arg, m);
	msg_unref(m);
}

/* State values went out to the room while s's reply was being read (a
 * pending subscription gets none): the latest of each, in its view, follow
 * the reply, so that nothing newer than what it read is missed. */
static void sub_send_held_state(struct sub *s)
{
	char name[PROTO_MAX_ROOM_CHARS + 8];

	snprintf(name, sizeof(name), "%s%s", s->room->name, s->staff_view ? STAFF_SUFFIX : "");
	coalesce_snapshot(R.co, name, held_state_emit, s->c);
}

/* A subscription being answered, read off the loop: whether the socket may
 * follow the room (and with which view), the room's seq, and the snapshot
 * or the resume reply with the room's other state values. */
struct activate_read {
	struct store_read r;            /* first: the pool's part */
	uint32_t slot, gen;
	uint64_t token;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	char req_id[PROTO_MAX_ID_CHARS + PROTO_MAX_ROOM_CHARS + 16];
	struct identity who;            /* owned copy */
	int64_t uid, now_s;
	int has_since;
	int64_t since, room_seq;        /* the room's seq here when queued */
	uint64_t state_flushes;         /* the room's, when queued */
	/* read */
	enum proto_err access;
	int staff_view, snapshot;
	int64_t until_s, db_seq, snap_seq;
	struct msg *reply;
	struct msg **states;
	size_t nstates, cap;
};

static void state_collect(void *arg, struct msg *m)
{
	struct activate_read *a = arg;

	if (a->nstates == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 4;
		struct msg **n = realloc(a->states, ncap * sizeof(*n));

		if (!n) {
			msg_unref(m);
			return;
		}
		a->states = n;
		a->cap = ncap;
	}
	a->states[a->nstates++] = m;
}

/* On a reader thread. The snapshot and its seq are read in one transaction
 * (store_room_snapshot); whatever commits after it reaches the socket by
 * the live stream or, when the room delivered it meanwhile, by replay. */
static void activate_work(struct store_read *r, struct store_conn *rd)
{
	struct activate_read *a = (struct activate_read *)r;
	int64_t first = 0;

	a->until_s = INT64_MAX;
	a->access = store_room_access(rd, &a->who, a->uid, a->room, a->now_s, &a->staff_view, &a->until_s);
	if (a->access != PROTO_ERR_NONE)
		return;
	store_room_seq(rd, a->room, &a->db_seq);
	store_room_first_seq(rd, a->room, &first);
	if (a->db_seq < a->room_seq)
		a->db_seq = a->room_seq;
	if (!a->has_since || a->since > a->db_seq || a->db_seq - a->since > PROTO_REPLAY_MAX ||
	    (a->db_seq > a->since && a->since + 1 < first)) {
		/* Snapshot: the current rows and the seq they reflect. */
		a->snapshot = 1;
		a->reply = store_room_snapshot(rd, a->req_id, a->room, a->staff_view, a->uid, &a->snap_seq);
		return;
	}
	/* The reply carries the current vote counts (changed while away) in one
	 * bounded message; the few other state values follow it. */
	a->reply = store_room_resume(rd, a->req_id, a->room, a->db_seq, a->since == a->db_seq ? "live" : "replay",
				     a->db_seq - a->since);
	if (a->reply)
		store_room_state(rd, a->room, state_collect, a);
}

static void activate_read_free(struct activate_read *a)
{
	msg_unref(a->reply);
	for (size_t i = 0; i < a->nstates; i++)
		msg_unref(a->states[i]);
	free(a->states);
	identity_free(&a->who);
	free(a);
}

/* Refuses a subscription being answered: the error goes to its request. */
static void sub_refuse(struct sub *s, struct sub_busy *b, enum proto_err code)
{
	struct proto_error e = { .code = code };
	struct conn *c = s->c;
	struct msg *m;

	snprintf(e.field, sizeof(e.field), "room");
	snprintf(e.message, sizeof(e.message), "%s", proto_errs[code].code);
	m = render_error(b->req_id, &e, 0);
	sub_remove(s);
	conn_send(c, m);
	msg_unref(m);
}

/* On the loop: the subscription's answer is read; it is sent, and the
 * subscription starts. Events the room delivered while the read was out
 * (the subscription was pending and got none) come by replay, so the seam
 * holds: the socket holds every event up to s->seq, and gets the rest in
 * order from the log until it has caught up with the room. */
static void activate_read_done(struct store_read *r)
{
	struct activate_read *a = (struct activate_read *)r;
	struct sub_busy *b;
	struct room *room;
	struct sub *s;
	int64_t target;

	if (r->cancelled || R.closing)
		goto out;
	enter();
	s = reading_sub(a->slot, a->gen, a->room, a->token);
	if (!s)
		goto leave;
	s->reading = 0;
	b = busy_find(s);
	room = s->room;
	if (s->dead || s->c->closing) {
		/* Nothing more is sent to a closing socket. It stays in step
		 * with the room until it leaves. */
		s->pending = 0;
		s->seq = room->seq;
		busy_drop(s);
		goto leave;
	}
	if (a->access != PROTO_ERR_NONE || !a->reply) {
		sub_refuse(s, b, a->access != PROTO_ERR_NONE ? a->access : PROTO_ERR_INTERNAL);
		goto leave;
	}
	s->pending = 0;
	s->staff_view = a->staff_view;
	busy_answered(b);
	conn_send(s->c, a->reply);
	if (a->snapshot) {
		s->seq = a->snap_seq > room->seq ? a->snap_seq : room->seq;
		target = room->seq;
	} else {
		s->seq = a->since;
		for (size_t i = 0; i < a->nstates; i++)
			conn_send(s->c, a->states[i]);
		target = a->db_seq > room->seq ? a->db_seq : room->seq;
	}
	if (room->state_flushes != a->state_flushes)
		sub_send_held_state(s);
	if (R.answered)
		R.answered(s->c, a->until_s);
	if (target > s->seq) {
		s->replaying = 1;
		s->c->replaying++;
		b->target = target;
		replay_pump(s);
	} else {
		busy_drop(s);
	}
leave:
	leave();
out:
	activate_read_free(a);
}

/* The room is live: the subscription's answer is read off the loop
 * (activate_read_done sends it and starts the subscription). Its side record
 * goes once it is answered, or when the replay that follows ends. */
static void sub_activate(struct sub *s)
{
	struct room *r = s->room;
	struct sub_busy *b = busy_find(s);
	struct activate_read *a;

	assert(r->live && b);
	if (!b->req_id || s->reading)
		return;                 /* could not be asked (see below), or asked already */
	if (s->c->closing) {
		/* Nothing more is sent to a closing socket: no reads for it.
		 * It stays in step with the room until it leaves. */
		s->pending = 0;
		s->seq = r->seq;
		busy_drop(s);
		return;
	}
	a = calloc(1, sizeof(*a));
	if (!a || identity_copy(&a->who, &s->c->who)) {
		free(a);
		a = NULL;
		goto fail;
	}
	a->r.work = activate_work;
	a->r.done = activate_read_done;
	a->slot = s->c->slot;
	a->gen = s->c->gen;
	a->token = b->token = ++R.next_token;
	snprintf(a->room, sizeof(a->room), "%s", r->name);
	snprintf(a->req_id, sizeof(a->req_id), "%s", b->req_id);
	a->uid = s->c->uid;
	a->now_s = clock_now_ms() / 1000;
	a->has_since = b->has_since;
	a->since = b->since;
	a->room_seq = r->seq;
	a->state_flushes = r->state_flushes;
	if (store_read_submit(R.st, &a->r))
		goto fail;
	s->reading = 1;
	return;
fail:
	{
		/* Out of memory, or the store has stopped: the request is
		 * answered with the error, and the subscription stays pending
		 * (it receives nothing) until it is ended. */
		struct proto_error e = { .code = a ? PROTO_ERR_SHUTTING_DOWN : PROTO_ERR_INTERNAL };
		struct msg *m;

		if (a)
			activate_read_free(a);
		snprintf(e.message, sizeof(e.message), "%s", proto_errs[e.code].code);
		m = render_error(b->req_id, &e, 0);
		busy_answered(b);
		conn_send(s->c, m);
		msg_unref(m);
	}
}

static void state_tick(uv_timer_t *t);

/* ------------------------------------------------------------------------- */
/* Bus callbacks                                                             */
/* ------------------------------------------------------------------------- */

static void on_subscribed_in(const char *name)
{
	struct room *r = room_find(name);
	struct replay_read *rr;

	if (r && r->live) {
		/* Confirmed again after the bus came back: whatever was
		 * committed meanwhile comes from the log. */
		room_fill(r, -1);
		return;
	}
	if (!r || !r->subscribing)
		return;
	if (!(rr = calloc(1, sizeof(*rr))))
		return;         /* stays subscribing: its members wait (out of memory) */
	rr->r.work = room_seq_work;
	rr->r.done = room_seq_read_done;
	rr->token = ++R.next_token;
	snprintf(rr->room, sizeof(rr->room), "%s", r->name);
	if (store_read_submit(R.st, &rr->r)) {
		free(rr);
		return;
	}
	r->subscribing = 0;
	r->confirming = 1;
	r->fill_token = rr->token;
}

static void on_event_in(const char *name, int64_t seq, struct msg *peer, struct msg *staff)
{
	struct room *r = room_find(name);

	if (r && (r->confirming || (r->live && r->filling))) {
		/* Its log is being read: this event is read from it too. */
		if (seq > r->fill_upto)
			r->fill_upto = seq;
		return;
	}
	if (!r || !r->live || seq <= r->seq)
		return;                 /* not followed here, or a duplicate */
	if (seq > r->seq + 1)
		room_fill(r, seq);      /* a gap: filled from the log, this event with it */
	else
		room_deliver(r, seq, peer, staff);
}

static void on_beacon_in(const char *name, int64_t seq)
{
	struct room *r = room_find(name);

	if (r && r->confirming && seq > r->fill_upto)
		r->fill_upto = seq;
	else if (r && r->live && seq > r->seq)
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
	r->state_flushes++;
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

/* Whether the database changed, read off the loop. */
struct poll_read {
	struct store_read r;
	int changed;
};

static void poll_work(struct store_read *r, struct store_conn *rd)
{
	((struct poll_read *)r)->changed = store_data_changed(rd);
}

static void poll_read_done(struct store_read *r)
{
	int changed = ((struct poll_read *)r)->changed && !r->cancelled;

	free(r);
	R.polling = 0;
	if (!changed || R.closing)
		return;
	enter();
	for (unsigned b = 0; b < ROOM_BUCKETS; b++)
		for (struct room *room = R.buckets[b]; room; room = room->hnext)
			if (room->live)
				room_fill(room, -1);
	leave();
}

/* While the bus is down, other processes' commits reach this one through
 * SQLite: when data_version moves, every live room catches up from the log. */
static void poll_tick(uv_timer_t *t)
{
	struct poll_read *p;

	(void)t;
	if (!R.bus->degraded(R.bus) || R.polling || !(p = calloc(1, sizeof(*p))))
		return;
	p->r.work = poll_work;
	p->r.done = poll_read_done;
	if (store_read_submit(R.st, &p->r))
		free(p);
	else
		R.polling = 1;
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
				   const char *req_id)
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
	s->ridx = r->nsubs;
	r->members[r->nsubs++] = s;
	s->cnext = c->subs;
	c->subs = s;
	R.nsubs++;

	if (r->live) {
		sub_activate(s);
	} else {
		s->pending = 1;
		if (!r->subscribing && !r->confirming) {
			r->subscribing = 1;
			R.bus->subscribe(R.bus, r->name);
		}
	}
	return PROTO_ERR_NONE;
}

/* Subscribes c to room (rooms.h): the reply is queued when the reader's
 * read comes back; a refusal known now is returned. Copies room and req_id. */
enum proto_err rooms_subscribe(struct conn *c, const char *room, int has_since, int64_t since,
			       const char *req_id)
{
	enum proto_err rc;

	CONN_ASSERT_LOOP();
	enter();
	rc = subscribe_in(c, room, has_since, since, req_id);
	leave();
	return rc;
}

/* Stops c following room (rooms.h); 1 if it did follow it. */
int rooms_unsubscribe(struct conn *c, const char *room)
{
	struct sub *s = conn_sub(c, room);

	CONN_ASSERT_LOOP();
	if (!s)
		return 0;
	sub_remove(s);
	return 1;
}

/* The access of every answered room of a socket, read again off the loop. */
struct recheck_read {
	struct store_read r;            /* first: the pool's part */
	uint32_t slot, gen;
	struct identity who;            /* owned copy */
	int64_t uid, now_s;
	rooms_recheck_fn done;
	void *arg;
	size_t n;
	struct recheck_room {
		char name[PROTO_MAX_ROOM_CHARS + 1];
		enum proto_err rc;
		int staff_view;
		int64_t until;
	} rooms[];
};

static void recheck_work(struct store_read *r, struct store_conn *rd)
{
	struct recheck_read *k = (struct recheck_read *)r;

	for (size_t i = 0; i < k->n; i++) {
		struct recheck_room *x = &k->rooms[i];

		x->until = INT64_MAX;
		x->rc = store_room_access(rd, &k->who, k->uid, x->name, k->now_s, &x->staff_view, &x->until);
	}
}

/* On the loop: ends the subscriptions no longer allowed (or whose view
 * would differ), then tells the caller. */
static void recheck_read_done(struct store_read *r)
{
	struct recheck_read *k = (struct recheck_read *)r;
	struct conn *c = r->cancelled || R.closing ? NULL : conn_lookup(k->slot, k->gen);
	int64_t earliest = INT64_MAX;

	if (c) {
		enter();
		for (size_t i = 0; i < k->n; i++) {
			struct recheck_room *x = &k->rooms[i];
			struct sub *s = conn_sub(c, x->name);
			const char *reason;
			struct msg *m;

			if (!s || s->dead || s->pending)
				continue;       /* gone, or answered after its own check */
			if (x->rc == PROTO_ERR_INTERNAL)
				continue;       /* cannot tell now (a failing read): ask again later */
			if (x->rc == PROTO_ERR_NONE && (unsigned)x->staff_view == s->staff_view) {
				if (x->until < earliest)
					earliest = x->until;
				continue;
			}
			/* Ended before the message is queued: nothing of the room
			 * follows it, and a socket closed by the send loses nothing. */
			reason = x->rc != PROTO_ERR_NONE ? proto_errs[x->rc].code : "view_changed";
			m = render_subscription_ended(s->room->name, reason);
			sub_remove(s);
			conn_send(c, m);
			msg_unref(m);
		}
		leave();
	}
	if (k->done)
		k->done(c, earliest, k->arg);
	identity_free(&k->who);
	free(k);
}

/* Reads again, off the loop, whether c may keep each room it follows, and
 * ends those it may not (rooms.h); done(c, earliest, arg) afterwards. */
void rooms_recheck(struct conn *c, rooms_recheck_fn done, void *arg)
{
	struct recheck_read *k;
	size_t n = 0;

	CONN_ASSERT_LOOP();
	for (struct sub *s = c->subs; s; s = s->cnext)
		n++;
	k = n ? calloc(1, sizeof(*k) + n * sizeof(k->rooms[0])) : NULL;
	if (!k || identity_copy(&k->who, &c->who))
		goto now;
	for (struct sub *s = c->subs; s; s = s->cnext)
		if (!s->dead && !s->pending)
			snprintf(k->rooms[k->n++].name, sizeof(k->rooms[0].name), "%s", s->room->name);
	if (!k->n)
		goto now;
	k->r.work = recheck_work;
	k->r.done = recheck_read_done;
	k->slot = c->slot;
	k->gen = c->gen;
	k->uid = c->uid;
	k->now_s = clock_now_ms() / 1000;
	k->done = done;
	k->arg = arg;
	if (store_read_submit(R.st, &k->r) == 0)
		return;
now:
	/* Nothing to check (or it cannot be asked now: out of memory, or
	 * stopping): what it follows stays, until the next check. */
	if (k)
		identity_free(&k->who);
	free(k);
	if (done)
		done(c, INT64_MAX, arg);
}

/* The socket is gone (rooms.h): frees its subscriptions and forgets its
 * reads still out (they are dropped when they come back). */
void rooms_conn_closed(struct conn *c)
{
	CONN_ASSERT_LOOP();
	while (c->subs)
		sub_remove(c->subs);
}

/* c's queue drained (rooms.h): the next chunk of its paced replays. */
void rooms_conn_drained(struct conn *c)
{
	CONN_ASSERT_LOOP();
	enter();
	for (struct sub *s = c->subs; s && c->replaying; s = s->cnext)
		if (s->replaying && !s->dead)
			replay_pump(s);
	leave();
}

/* A write committed (rooms.h): its events and state values go on the bus;
 * the job keeps its messages (the bus takes references). */
void rooms_publish(const struct store_job *job)
{
	int64_t now = clock_mono_ms();

	CONN_ASSERT_LOOP();
	if (R.closing)
		return;
	for (size_t i = 0; i < job->nevents; i++) {
		const struct store_event *e = &job->events[i];
		struct room *r = room_get(e->room);

		if (r && e->seq > r->published_seq) {
			r->published_seq = e->seq;
			r->published_mono = now;
		}
		if (!e->peer)
			continue;       /* not rendered after its commit: beacons name it, the log has it */
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

/* Sets the hook run when a subscription has been answered (rooms.h). */
void rooms_on_answered(void (*fn)(struct conn *c, int64_t until_s))
{
	R.answered = fn;
}

/* The bus this process publishes on (owned by the rooms layer). */
struct bus *rooms_bus(void)
{
	return R.bus;
}

/* Subscriptions found behind their room since start (rooms.h). */
uint64_t rooms_invariant_violations(void)
{
	return R.invariant_violations;
}

/* The rooms layer's figures for stats and /metrics (rooms.h). */
void rooms_stats(unsigned *rooms, unsigned *subs, uint64_t *events_delivered, uint64_t *gaps_filled)
{
	*rooms = R.nrooms;
	*subs = R.nsubs;
	*events_delivered = R.delivered;
	*gaps_filled = R.gaps;
}

#ifdef FORUMD_TESTING
/* Test builds: the next n events are not published (a lost message). */
void rooms_test_drop(unsigned n)
{
	R.test_drop = n;
}
#endif

/* 1 while the bus is down (rooms.h). */
int rooms_degraded(void)
{
	return R.bus->degraded(R.bus);
}

/* Starts the rooms layer on loop over st (rooms.h): the bus (Redis at
 * redis_url, or in-process), the beacon and coalescing timers. 0 or -1. */
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

/* Stops the timers and closes the bus; done(arg) once every handle is
 * closed (rooms.h). */
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
