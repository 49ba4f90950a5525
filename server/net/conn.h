/*
 * conn.h - one WebSocket connection, as the net layer keeps it.
 *
 * The struct lives in lws's per-session data: lws allocates it when the
 * socket opens and frees it after LWS_CALLBACK_CLOSED. Anything that must
 * outlive a socket (a write job, a bus message) names it by (slot, gen)
 * through conn_lookup(), never by pointer.
 *
 * conn.c is the transport only. What a socket means is decided above it,
 * through the upcalls of struct conn_handler (filled by session.c), so
 * conn.c includes nothing of session/rooms. Every function here is for the
 * loop thread only (CONN_ASSERT_LOOP checks it in test builds).
 */
#ifndef FORUMD_NET_CONN_H
#define FORUMD_NET_CONN_H

#include <assert.h>
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
 * reassembled from fragments (conn.c) and the flood windows of a socket that
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
	int fd;                        /* the socket, for framed sends (conn.c) */
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
	uint32_t deadline_stamp;       /* auth deadline, then token expiry: the stamp of the armed one (conn.c) */
	struct identity who;           /* valid once authed */
	int64_t uid;                   /* users.id, once authed */

	/* Rooms this socket follows (rooms.c). */
	struct sub *subs;

	struct conn_cold *cold;        /* NULL until needed (see above) */

	/* Flow rules (the windows are in the cold part). */
	struct flow_bucket rate;
};

/*
 * What the layer above is told, like libuv's callbacks: each gets the
 * socket, which stays valid for the call (and until on_closed). All are
 * required.
 */
struct conn_handler {
	/* A socket opened and is registered (has its slot and generation). */
	void (*on_open)(struct conn *c);
	/* One whole client message: reassembled, at most
	 * PROTO_MAX_FRAME_BYTES, valid UTF-8; buf is the caller's. */
	void (*on_message)(struct conn *c, const char *buf, size_t len);
	/* The deadline armed with conn_set_deadline() came. */
	void (*on_deadline)(struct conn *c);
	/* conn_close() was called: deliver nothing more to it. Once. */
	void (*on_closing)(struct conn *c);
	/* The socket's queue drained while it was replaying (c->replaying). */
	void (*on_drained)(struct conn *c);
	/* The socket is gone: free what the layer above holds for it. */
	void (*on_closed)(struct conn *c);
};

/* Starts the transport on loop from its thread (recorded: see
 * CONN_ASSERT_LOOP), with the upcalls (copied) and the most WebSockets
 * one client address may hold. */
void conn_init(uv_loop_t *loop, const struct conn_handler *up, int max_per_ip);

/* The forumd.v1 entry for an lws protocol list, with `callback` as its
 * callback (conn_callback, or a wrapper that passes on to it). */
struct lws_protocols conn_protocol(lws_callback_function *callback);

/* The forumd.v1 protocol's lws callback. */
int conn_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

/* From now on all_closed(arg) is called (inside lws's CLOSED callback)
 * whenever the last open socket closes. */
void conn_when_all_closed(void (*all_closed)(void *arg), void *arg);

/* Closes every socket with `code` after its queue. Returns the number open
 * now. */
unsigned conn_close_all(uint16_t code);

/* Closes the transport's libuv handles (idempotent). */
void conn_close_handles(void);

/* Frees what the transport keeps, after the loop has stopped. */
void conn_free(void);

/* 1 on the loop thread conn_init recorded (or before conn_init). */
int conn_on_loop_thread(void);

#ifdef FORUMD_TESTING
#define CONN_ASSERT_LOOP() assert(conn_on_loop_thread())
#else
#define CONN_ASSERT_LOOP() ((void)0)
#endif

/* Queues `m` for the socket (taking a new reference) and asks for a writable
 * callback. Past outq_max_bytes the socket is closed with 4003 instead. */
void conn_send(struct conn *c, struct msg *m);

/* Closes the socket with `code`; queued messages are sent first unless
 * `flush` is 0. Idempotent: the first code wins. From this call on nothing
 * more is delivered to the socket: it leaves its rooms and its user's socket
 * count (the on_closing upcall), and however the peer behaves the connection is
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
