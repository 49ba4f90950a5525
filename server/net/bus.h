/*
 * bus.h - the fanout bus between daemon processes: rooms' events, state
 * values and seq beacons. One interface, two implementations: in-process
 * (bus_local.c, the embedded default) and Redis (later).
 *
 * The interface has Redis's properties from day one, and callers must live
 * with them: everything is asynchronous; a subscription is confirmed later
 * (through bus_handler.subscribed) and messages published before that are
 * not delivered; a message may be lost. Sequence numbers and replay from
 * SQLite make delivery whole, never the bus.
 */
#ifndef FORUMD_NET_BUS_H
#define FORUMD_NET_BUS_H

#include <stdint.h>

#include <uv.h>

#include "proto/msg.h"

/* What the bus calls back on the loop thread. msgs are borrowed: take a
 * reference to keep one. */
struct bus_handler {
	void (*subscribed)(const char *room);
	void (*event)(const char *room, int64_t seq, struct msg *peer, struct msg *staff);
	void (*state)(const char *room, const char *key, int64_t version, struct msg *peer,
		      struct msg *staff);
	void (*beacon)(const char *room, int64_t seq);     /* the room's latest seq */
};

struct bus {
	const char *name;                 /* "local", "redis" */
	int (*subscribe)(struct bus *b, const char *room);
	void (*unsubscribe)(struct bus *b, const char *room);
	/* staff may be NULL (same bytes for everyone). */
	void (*publish_event)(struct bus *b, const char *room, int64_t seq, struct msg *peer,
			      struct msg *staff);
	void (*publish_state)(struct bus *b, const char *room, const char *key, int64_t version,
			      struct msg *peer, struct msg *staff);
	void (*publish_beacon)(struct bus *b, const char *room, int64_t seq);
	/* Calls done(arg) on the loop thread once everything published
	 * before this call has been handed to this process's handler and
	 * (Redis) Redis has taken every PUBLISH before it, so other processes'
	 * subscribers get them too. One flush at a time. Not called if the bus
	 * is closed first: a caller that must not wait forever arms its own
	 * timer. */
	void (*flush)(struct bus *b, void (*done)(void *arg), void *arg);
	/* 1 while the bus cannot carry messages between processes. */
	int (*degraded)(struct bus *b);
	/* Starts closing; done(arg) once every handle is closed. */
	void (*close)(struct bus *b, void (*done)(void *arg), void *arg);
	const struct bus_handler *h;
};

/* The in-process bus on loop; NULL on OOM. */
struct bus *bus_local_new(uv_loop_t *loop, const struct bus_handler *h);

/* The Redis bus at url ("redis://host:port" or "unix:/path"); connects in the
 * background and keeps reconnecting. NULL on a bad url or OOM. */
struct bus *bus_redis_new(uv_loop_t *loop, const struct bus_handler *h, const char *url);


#endif
