/*
 * peer.h - the client's address behind trusted proxies (peer.c). Used by
 * the WebSocket side (per-address caps) and the HTTP side (operator
 * endpoints answer only on loopback). Loop thread only.
 */
#ifndef FORUMD_NET_PEER_H
#define FORUMD_NET_PEER_H

#include <stddef.h>

#include <uv.h>
#include <libwebsockets.h>

/* Trusts the proxies in list ("ADDR[,ADDR...]", IPv4 or IPv6 literals, at
 * most 16; NULL or "": none): 0, or -1 when it does not parse. Call once
 * at start. */
int peer_init(const char *list);

/* 0 when list parses as a trusted proxy list, else -1. Keeps nothing. */
int peer_list_valid(const char *list);

/* The client's address (text) into buf, which the caller owns: the TCP
 * peer, or, when the peer is a trusted proxy, the last entry of
 * X-Forwarded-For that is not one. Needs the request's headers (an HTTP
 * callback, or a WebSocket's ESTABLISHED). */
void peer_addr(struct lws *wsi, char *buf, size_t len);

/* 1 when the client (as peer_addr names it) is on the loopback interface. */
int peer_is_loopback(struct lws *wsi);

#endif
