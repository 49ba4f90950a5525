/*
 * http.h - the HTTP side of the port (http.c): /healthz, /metrics, /dev/users, /dev/token,
 * the admin API (api.c); replies written in bounded chunks, one request at
 * a time per connection; the client's address behind a trusted proxy.
 */
#ifndef FORUMD_NET_HTTP_H
#define FORUMD_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>
#include <libwebsockets.h>

#include "proto/msg.h"
#include "proto/render.h"

struct api_job;

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
	char *in;                      /* request body being received (api.c) */
	size_t in_len;
	int method;                    /* api.c: which request this is */
	int64_t id;
	char lang[3];                  /* api.c: PUT /api/blocked-words/<lang> */
	struct api_job *job;           /* api.c: a request being answered off the loop */
};

struct http_config {
	uv_loop_t *loop;
	const unsigned char *secret;   /* not copied */
	size_t secret_len;
	const char *db;                /* not copied */
	int dev;                       /* --dev: /dev/users and /dev/token answer */
	const struct render_server_info *info;  /* not copied */
	const char *trusted_proxies;   /* "ADDR[,ADDR...]" or NULL */
	const char *static_dir;        /* client-js, served at /; not copied */
};

/* Sets up the HTTP side; 0, or -1 when the trusted proxy list does not parse. */
int http_init(const struct http_config *cfg);

/* Frees what http_init and the API keep (call after the loop has stopped). */
void http_free(void);

/* The forumd-http protocol's lws callback. */
int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len);

/*
 * Replies with body (taken): headers now; a body of at most 64 KB, inside
 * the request's own callback, now too, ending the transaction; a longer or
 * later one in chunks from the writable callbacks (the connection is marked
 * until it is out; see http.c). retry_after_s > 0 adds a Retry-After
 * header. Returns the callback's return value.
 */
int http_reply(struct lws *wsi, struct http_pss *h, unsigned int status, const char *type, struct msg *body);
int http_reply_retry(struct lws *wsi, struct http_pss *h, unsigned int status, const char *type,
		     struct msg *body, int64_t retry_after_s);

/* A status-only reply; then the connection may serve its next request.
 * Returns the callback's return value. */
int http_status_only(struct lws *wsi, unsigned int status);

/* api.c answers later (off the loop): marks the connection, so that a
 * request pipelined behind this one closes it rather than being answered
 * out of order. */
void http_defer(struct lws *wsi);

/* The client's address (text) into buf: the TCP peer, or, when the peer is a
 * trusted proxy, the last entry of X-Forwarded-For that is not one. Needs
 * the request's headers (an HTTP callback, or a WebSocket's ESTABLISHED). */
void http_client_addr(struct lws *wsi, char *buf, size_t len);

/* ws.c: nonzero once the server is stopping. */
int server_stopping(void);

/* The admin API (api.c): /api/... Each returns the callback's value. */
void api_init(uv_loop_t *loop, const unsigned char *secret, size_t secret_len, const char *db);
/* The store whose reader pool answers the API (once it is open). */
struct store;
void api_set_store(struct store *st);
void api_free(void);
int api_begin(struct lws *wsi, struct http_pss *h, const char *uri);
int api_body(struct lws *wsi, struct http_pss *h, const void *in, size_t len);
int api_complete(struct lws *wsi, struct http_pss *h);
/* The request's connection is gone: its export, if any, is answered to no one. */
void api_drop(struct http_pss *h);

#endif
