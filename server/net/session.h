/*
 * session.h - what one socket may do: the request handler between the wire
 * (proto/) and the rules (core/). No lws calls here: it talks to its socket
 * only through conn_send / conn_close / conn_set_deadline.
 */
#ifndef FORUMD_NET_SESSION_H
#define FORUMD_NET_SESSION_H

#include <stddef.h>

#include "conn.h"
#include "proto/render.h"
#include "store/store.h"

struct session_ctx {
	const unsigned char *secret;
	size_t secret_len;
	struct render_server_info info;
	struct store *store;
	int history_days;                 /* room history kept; older events are pruned */
	int shutting_down;
};

/* Set once at start; the session code reads it for every socket. */
void session_init(const struct session_ctx *ctx);
void session_set_shutting_down(void);

/* A socket opened: start its auth deadline. */
void session_open(struct conn *c);

/* One whole client message (already reassembled, size-checked, UTF-8 by lws). */
void session_message(struct conn *c, const char *buf, size_t len);

/* The socket's deadline fired: auth timeout or token expiry. */
void session_deadline(struct conn *c);

/* The socket has begun to close (conn_close): it stops following its rooms
 * and no longer counts against its user's sockets. */
void session_closing(struct conn *c);

/* The socket is gone: free what the session holds. */
void session_closed(struct conn *c);

/* The writer finished jobs: answer their sockets and publish their events. */
void session_store_done(void);

/* Starts a pruning pass of the history (called periodically). */
void session_prune(void);

/* The upcalls conn.c makes (session_open, session_message, ...), for
 * conn_init(). */
extern const struct conn_handler session_conn_handler;

/* The figures for the stats op and /metrics. */
void session_stats(struct render_stats *out);

#endif
