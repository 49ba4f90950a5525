/*
 * api.h - the course platform's admin API under /api/ (api.c). It decides
 * what to answer and returns it as a plain reply (status, type, body);
 * http.c, above it, writes that to the connection. api.c reads the
 * request's headers through lws but writes nothing to lws itself.
 * Loop thread only, except where api.c says a function runs on the pool.
 */
#ifndef FORUMD_NET_API_H
#define FORUMD_NET_API_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>
#include <libwebsockets.h>

#include "proto/msg.h"

struct api_job;

/* What one /api request holds between its callbacks; lives in http.c's
 * per-request data, and api_drop() frees what it holds. */
struct api_req {
	char *in;                      /* request body being received */
	size_t in_len;
	int method;                    /* which request this is (api.c) */
	int64_t id;
	char lang[3];                  /* PUT /api/blocked-words/<lang> */
	struct api_job *job;           /* a request being answered off the loop */
};

/* An answer. body is owned by whoever holds the reply (http.c takes it);
 * NULL: a status-only answer. type is a static string. */
struct api_reply {
	unsigned int status;
	const char *type;
	struct msg *body;
	int64_t retry_after_s;         /* > 0: a Retry-After header */
};

/* What the caller does after an api_* call. */
enum api_step {
	API_REPLY,                     /* send *out now */
	API_MORE,                      /* nothing to send yet (a body follows, or is being received) */
	API_LATER,                     /* the answer comes through the late callback */
	API_CLOSE,                     /* close the connection unanswered */
};

/* A late answer (an export read off the loop) for the request r of
 * connection wsi; the callee takes reply->body. Called on the loop. */
typedef void (*api_late_fn)(struct lws *wsi, struct api_req *r, struct api_reply *reply);

/* Sets the API up: tokens are checked against secret, the store is the
 * file db (neither copied), late answers go to `late`. */
void api_init(uv_loop_t *loop, const unsigned char *secret, size_t secret_len, const char *db, api_late_fn late);

/* The store whose reader pool answers every request that reads or writes
 * the database (call after the store is open). */
struct store;
void api_set_store(struct store *st);

/* Frees the API's own state (call after the loop has stopped). */
void api_free(void);

/* A request for uri (starting "/api/") arrived; r is zeroed. */
enum api_step api_begin(struct lws *wsi, struct api_req *r, const char *uri, struct api_reply *out);

/* A piece of the request's body arrived. */
enum api_step api_body(struct api_req *r, const void *in, size_t len, struct api_reply *out);

/* The request's body is complete. */
enum api_step api_complete(struct api_req *r, struct api_reply *out);

/* The request is over or its connection gone: frees what r holds; its
 * export, if one is being read, is answered to no one. */
void api_drop(struct api_req *r);

#endif
