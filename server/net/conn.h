/*
 * conn.h - one WebSocket connection, as the net layer keeps it.
 *
 * The struct lives in lws's per-session data: lws allocates it when the
 * socket opens and frees it after LWS_CALLBACK_CLOSED. Anything that must
 * outlive a socket (a write job, a bus message) names it by (slot, gen)
 * through conn_lookup(), never by pointer.
 */
#ifndef FORUMD_NET_CONN_H
#define FORUMD_NET_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>
#include <libwebsockets.h>

#include "core/flow.h"
#include "core/identity.h"
#include "proto/msg.h"

struct sub;

/*
 * What most sockets never need, allocated on first use: a message being
 * reassembled from fragments (ws.c) and the flood windows of a socket that
 * has sent bad or refused requests (session.c). It is freed when a message
 * completes if the windows were never used, so an idle socket has none.
 */
struct conn_cold {
	struct flow_window refusals;   /* rate_limited refusals: too many in a window is a flood */
	struct flow_window bad;
	size_t rx_len, rx_cap;         /* rx_cap 0: not in a fragmented message */
	char rx[];                     /* rx_cap bytes */
};

struct conn {
	/* What delivery reads for every message, kept in the first cache line
	 * (rooms.c fetches it ahead while walking a room). */
	struct lws *wsi;
	int fd;                        /* the socket, for framed sends (ws.c) */
	unsigned authed : 1;
	unsigned closing : 1;          /* close requested: ignore further input */
	unsigned drop_queue : 1;       /* close without flushing what is queued */
	unsigned hello_pending : 1;    /* a hello is with the writer */
	unsigned close_sent : 1;       /* our close frame is out: awaiting the peer's */
	unsigned user_counted : 1;     /* holds one of its user's socket places (session.c) */
	unsigned replaying;            /* subscriptions in a paced replay (rooms.c) */
	uint32_t q_head, q_count, q_cap;
	struct msg **q;                /* outbound: a ring of shared messages, bounded in bytes */
	size_t q_bytes;
	struct msg *out_part;          /* a frame the kernel took only part of */
	uint32_t out_off;              /* framed bytes of it already sent */
	uint16_t close_code;

	/* The rest is read per request or per subscription, not per message,
	 * and packed without holes: lws allocates this struct for every
	 * socket (per-session data), so each 16 bytes cut is a malloc size
	 * class less for every idle connection. */
	uint32_t slot, gen;            /* stable name for code that outlives callbacks */
	uint32_t ip_hash;              /* the peer address, for the per-address cap */
	uint32_t deadline_stamp;       /* auth deadline, then token expiry: the stamp of the armed one (ws.c) */
	struct identity who;           /* valid once authed */
	int64_t uid;                   /* users.id, once authed */

	/* Rooms this socket follows (rooms.c). */
	struct sub *subs;

	struct conn_cold *cold;        /* NULL until needed (see above) */

	/* Flow rules (the windows are in the cold part). */
	struct flow_bucket rate;
};

/* Queues `m` for the socket (taking a new reference) and asks for a writable
 * callback. Past outq_max_bytes the socket is closed with 4003 instead. */
void conn_send(struct conn *c, struct msg *m);

/* Closes the socket with `code`; queued messages are sent first unless
 * `flush` is 0. Idempotent: the first code wins. From this call on nothing
 * more is delivered to the socket: it leaves its rooms and its user's socket
 * count (session_closing), and however the peer behaves the connection is
 * dropped within PROTO_CLOSE_DEADLINE_MS, freeing its queue. */
void conn_close(struct conn *c, uint16_t code, int flush);

/* The socket's cold part, allocated (zeroed) if it has none yet; NULL when
 * out of memory. The socket owns it. */
struct conn_cold *conn_cold(struct conn *c);

/* (Re)arms the socket's single deadline timer to fire in `ms`. */
void conn_set_deadline(struct conn *c, int64_t ms);

/* The connection in `slot` if it still has generation `gen`, else NULL. */
struct conn *conn_lookup(uint32_t slot, uint32_t gen);

/* Number of open WebSocket connections. */
unsigned conn_count(void);

/* Bytes queued for the socket now, with what is left of a partly sent frame. */
size_t conn_queued_bytes(const struct conn *c);

/* Frames the kernel has taken only part of, since start (the rest waited
 * for the socket to drain). */
uint64_t conn_partial_sends(void);

/* Calls fn for every open connection. */
void conn_foreach(void (*fn)(struct conn *c, void *arg), void *arg);

#endif
