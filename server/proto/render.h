/*
 * render.h - server messages as JSON bytes, rendered once into a struct msg
 * that every recipient shares. With decode.c, the only code that touches cJSON.
 *
 * Every function returns a new msg with one reference (the caller owns it),
 * or NULL when out of memory.
 */
#ifndef FORUMD_PROTO_RENDER_H
#define FORUMD_PROTO_RENDER_H

#include <stdint.h>

#include "core/identity.h"
#include "decode.h"
#include "msg.h"

/* Facts about this process that hello replies and /healthz report. */
struct render_server_info {
	const char *version;
	const char *process;          /* "host:pid" */
};

/* {"re":id,"ok":false,"error":{code,message,field?,limit?,retry_after_ms?}};
 * id NULL renders "re":null; retry_after_ms <= 0 is left out. */
struct msg *render_error(const char *id, const struct proto_error *err, int64_t retry_after_ms);

/* The hello reply: who the token says the user is, their own notice room
 * (user:<uid>), and which process answered. */
struct msg *render_hello_ok(const char *id, const struct identity *who, int64_t uid,
			    const struct render_server_info *srv, int64_t now_ms);

/* {"re":id,"ok":true,"data":{"room":room,"following":false}}: unsubscribe. */
struct msg *render_unsubscribed(const char *id, const char *room);

/* {"ev":"subscription.ended","room":room,"data":{"reason":reason}}: the
 * socket no longer follows room (an event outside the room's seq). A new
 * msg, or NULL when out of memory. */
struct msg *render_subscription_ended(const char *room, const char *reason);

/* {"re":id,"ok":true,"data":{"name":name,"count":count}}: test.failpoint. */
struct msg *render_ok_named(const char *id, const char *name, int64_t count);

/* {"re":id,"ok":true,"data":{name:value}}: ping, auth.refresh, test.clock. */
struct msg *render_ok_int(const char *id, const char *name, int64_t value);

/* {"re":id,"ok":true,"data":<data_json>}: data_json is JSON this server rendered
 * (a stored write result), inserted as it is. */
struct msg *render_ok_raw(const char *id, const char *data_json);

/* Figures for the stats op and /metrics. */
struct render_stats {
	uint64_t jobs, writes, deduped, commits, commit_failures, batch_max, events, write_queue;
	uint64_t render_failures;       /* events not rendered after their commit (left to gap filling) */
	const char *synchronous;
	unsigned sockets, rooms, subscriptions;
	uint64_t queued_bytes, partial_sends, events_delivered, gaps_filled;
	uint64_t invariant_violations;  /* states that should not happen, handled (net/rooms.c) */
	const char *bus;
};

/* The stats as a JSON object: a reply when id is set, else a bare body. */
struct msg *render_stats(const char *id, const struct render_stats *s);

/* /healthz body; a msg so HTTP and WebSocket output share one type. */
struct msg *render_health(const struct render_server_info *srv, const char *status,
			  unsigned connections);

#endif
