/*
 * http.h - what the HTTP handlers share: the per-request data of the
 * forumd-http protocol and the reply helper.
 */
#ifndef FORUMD_NET_HTTP_H
#define FORUMD_NET_HTTP_H

#include <stddef.h>

#include <uv.h>
#include <libwebsockets.h>

#include "proto/msg.h"

struct http_pss {
	struct msg *body;              /* reply body, written in HTTP_WRITEABLE */
	char *in;                      /* request body being received (api.c) */
	size_t in_len;
	int method;                    /* api.c: which request this is */
	int64_t id;
	char lang[3];                  /* api.c: PUT /api/blocked-words/<lang> */
};

/*
 * Sends the status line and headers now (lws's HTTP model) and queues body
 * (taken) for the writable callback. Returns the callback's return value.
 */
int http_reply(struct lws *wsi, struct http_pss *h, unsigned int status, const char *type, struct msg *body);

/* The admin API (api.c): /api/courses. Each returns the callback's value. */
void api_init(const unsigned char *secret, size_t secret_len, const char *db);
int api_begin(struct lws *wsi, struct http_pss *h, const char *uri);
int api_body(struct lws *wsi, struct http_pss *h, const void *in, size_t len);
int api_complete(struct lws *wsi, struct http_pss *h);

#endif
