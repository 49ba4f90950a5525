/*
 * http.h - the HTTP side of the port (http.c): /healthz, /metrics, /dev/users, /dev/token,
 * the admin API (api.c answers, http.c writes); replies written in bounded
 * chunks, one request at a time per connection. Loop thread only.
 */
#ifndef FORUMD_NET_HTTP_H
#define FORUMD_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>
#include <libwebsockets.h>

#include "api.h"
#include "proto/msg.h"
#include "proto/render.h"

/* The most a body write hands lws at once; also forumd-http's
 * tx_packet_size, so that lws sends such a write in one go. */
#define HTTP_CHUNK_BYTES 65536

/*
 * The per-request data of the forumd-http protocol. lws allocates it when a
 * request is bound to the protocol and frees it when the request ends
 * (HTTP_DROP_PROTOCOL) or the connection closes (CLOSED_HTTP): both free
 * what it holds.
 */
struct http_pss {
	struct msg *body;              /* reply body being written (owned) */
	size_t off;                    /* bytes of body written */
	struct api_req api;            /* an /api request's state (api.c) */
};

struct http_config {
	uv_loop_t *loop;
	const unsigned char *secret;   /* not copied */
	size_t secret_len;
	const char *db;                /* not copied */
	int dev;                       /* --dev: /dev/users and /dev/token answer */
	const struct render_server_info *info;  /* not copied */
	const char *static_dir;        /* client-js, served at /; not copied */
};

/* Sets up the HTTP side (the client's address comes from peer.c, set up
 * apart). */
void http_init(const struct http_config *cfg);

/* Frees what http_init and the API keep (call after the loop has stopped). */
void http_free(void);

/* The forumd-http protocol's lws callback. */
int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

/* A status-only reply; then the connection may serve its next request.
 * Returns the callback's return value. */
int http_status_only(struct lws *wsi, unsigned int status);

/* The server is stopping: from now on /healthz says so and the operator
 * endpoints answer 503. */
void http_stop(void);


#endif
/* The store whose reader pool answers the API (once it is open). */
struct store;
void api_set_store(struct store *st);
