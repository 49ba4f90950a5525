/*
 * msg.h - a reference-counted outbound message: headroom for the WebSocket
 * frame header, then the JSON bytes. One msg is rendered once and shared by
 * every socket it goes to; each queue holds a reference.
 *
 * Owned by the loop thread: the count is not atomic.
 */
#ifndef FORUMD_PROTO_MSG_H
#define FORUMD_PROTO_MSG_H

#include <stddef.h>

/* Bytes reserved before the payload for the WebSocket frame header, which
 * net/ writes there (the same bytes for every socket the msg goes to). */
#define MSG_HEADROOM 16

struct msg {
	unsigned refs;
	size_t len;                       /* payload bytes */
	unsigned char buf[];              /* MSG_HEADROOM + len + 1 (NUL) */
};

/* A new msg of `len` payload bytes (uninitialised) with one reference; NULL on OOM. */
struct msg *msg_new(size_t len);

/* A new msg holding a copy of p[0..len); NULL on OOM. */
struct msg *msg_from(const char *p, size_t len);

static inline char *msg_data(struct msg *m)
{
	return (char *)m->buf + MSG_HEADROOM;
}

static inline struct msg *msg_ref(struct msg *m)
{
	m->refs++;
	return m;
}

/* Drops one reference; frees the msg with the last. NULL is ignored. */
void msg_unref(struct msg *m);

#endif
