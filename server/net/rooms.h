/*
 * rooms.h - rooms as audiences: which sockets follow which room, and the
 * delivery of each room's events to them exactly once and in order.
 *
 * Every event has its room's seq. A room becomes live in this process once
 * the bus confirms the subscription; from then on events are delivered in
 * seq order: a duplicate is dropped, a gap is filled from SQLite before
 * anything after it goes out, and periodic beacons reveal a lost last
 * message. A socket that subscribes with `since` is replayed from the log,
 * a chunk at a time as its queue drains, and joins the live stream with no
 * duplicate at the seam. State values (vote counts) bypass the seq and are
 * coalesced: at most one message per key per interval, the latest value.
 */
#ifndef FORUMD_NET_ROOMS_H
#define FORUMD_NET_ROOMS_H

#include <stdint.h>

#include <uv.h>

#include "bus.h"
#include "conn.h"
#include "store/store.h"

/* Starts the rooms layer on loop with the given store; creates the bus:
 * Redis at redis_url, or the in-process bus when it is NULL. */
int rooms_init(uv_loop_t *loop, struct store *st, const char *redis_url);

/* Closes timers and the bus; done(arg) once every handle is closed. */
void rooms_close(void (*done)(void *arg), void *arg);

struct bus *rooms_bus(void);

#ifdef FORUMD_TESTING
/* The next n room events are not published on the bus (a lost message). */
void rooms_test_drop(unsigned n);
#endif

/* 1 while the bus is down (healthz says degraded). */
int rooms_degraded(void);

/*
 * Subscribes c to room. Once the room is live, a reader checks that c may
 * follow it (and with which view) and reads the reply: with has_since, the
 * resume reply and what the socket missed; else a snapshot. The reply (re:
 * req_id), or the refusal, is queued when that read comes back, before any
 * of the room's events. Returns PROTO_ERR_NONE or a refusal known at once
 * (too many subscriptions).
 */
enum proto_err rooms_subscribe(struct conn *c, const char *room, int has_since, int64_t since,
			       const char *req_id);

/* fn(c, until_s) runs when a subscription of c has been answered, with when
 * its access may next change by time alone (seconds; INT64_MAX: never). */
void rooms_on_answered(void (*fn)(struct conn *c, int64_t until_s));

/* What rooms_recheck calls when it is done: c (NULL once the socket is
 * gone), the earliest time the kept subscriptions' access may next change
 * by time alone (seconds; INT64_MAX: never), and arg. */
typedef void (*rooms_recheck_fn)(struct conn *c, int64_t earliest_s, void *arg);

/*
 * Reads again, off the loop, whether c may still follow each room it has
 * been answered for, and ends the subscriptions no longer allowed, or whose
 * view would now differ, each with a subscription.ended message (reason:
 * the refusal's error code, or view_changed). Then calls done (if not
 * NULL): later, or at once when there is nothing to read.
 */
void rooms_recheck(struct conn *c, rooms_recheck_fn done, void *arg);

/* Stops following room; 1 if c followed it. */
int rooms_unsubscribe(struct conn *c, const char *room);

/* The socket is gone: drop all its subscriptions. */
void rooms_conn_closed(struct conn *c);

/* The socket has begun to close (conn_close): nothing more is delivered to
 * it, and its subscriptions leave their rooms now, or right after the rooms
 * call under way when it closed from inside one. */
void rooms_conn_closing(struct conn *c);

/* The socket's queue drained: continue any paced replay. */
void rooms_conn_drained(struct conn *c);

/* A write committed: publish its events and states on the bus. */
void rooms_publish(const struct store_job *job);

/* Subscriptions found behind their room (handled: the socket was closed
 * with 4003); 0 unless something is wrong. */
uint64_t rooms_invariant_violations(void);

/* Stats: rooms live in this process and subscriptions held. */
void rooms_stats(unsigned *rooms, unsigned *subs, uint64_t *events_delivered, uint64_t *gaps_filled);

#endif
