/*
 * bus_local.c - the in-process bus: publishing queues a delivery that runs
 * on a later loop turn, as Redis would deliver it; subscriptions are
 * confirmed on a later turn too. A test hook drops messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "protocol/protocol_gen.h"

enum item_kind { ITEM_SUBSCRIBED, ITEM_EVENT, ITEM_STATE, ITEM_BEACON, ITEM_FLUSH };

struct item {
	struct item *next;
	enum item_kind kind;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	char key[48];
	int64_t n;                        /* seq or version */
	struct msg *peer, *staff;         /* references held by the item */
	void (*done)(void *arg);          /* ITEM_FLUSH: everything before it is delivered */
	void *done_arg;
};

struct bus_local {
	struct bus bus;                   /* first: a struct bus * is a struct bus_local * */
	uv_loop_t *loop;
	uv_idle_t idle;                   /* runs deliveries on the next loop turn */
	struct item *head, *tail;
	void (*closed)(void *arg);
	void *closed_arg;
};

static void item_free(struct item *it)
{
	msg_unref(it->peer);
	msg_unref(it->staff);
	free(it);
}

/* Delivers everything queued before this turn; items queued by handlers
 * wait for the next turn, so a handler never recurses into itself. */
static void deliver(uv_idle_t *idle)
{
	struct bus_local *bl = idle->data;
	struct item *it = bl->head, *next;

	bl->head = bl->tail = NULL;
	uv_idle_stop(&bl->idle);
	for (; it; it = next) {
		next = it->next;
		switch (it->kind) {
		case ITEM_SUBSCRIBED:
			bl->bus.h->subscribed(it->room);
			break;
		case ITEM_EVENT:
			bl->bus.h->event(it->room, it->n, it->peer, it->staff);
			break;
		case ITEM_STATE:
			bl->bus.h->state(it->room, it->key, it->n, it->peer, it->staff);
			break;
		case ITEM_BEACON:
			bl->bus.h->beacon(it->room, it->n);
			break;
		case ITEM_FLUSH:
			it->done(it->done_arg);
			break;
		}
		item_free(it);
	}
}

/* Queues one item for the next turn; returns it (owned by the queue), or
 * NULL when it was lost. */
static struct item *enqueue(struct bus_local *bl, enum item_kind kind, const char *room, const char *key,
			    int64_t n, struct msg *peer, struct msg *staff)
{
	struct item *it;

	if (bl->closed)
		return NULL;
	it = calloc(1, sizeof(*it));
	if (!it)
		return NULL;            /* lost: seqs and beacons recover it */
	it->kind = kind;
	snprintf(it->room, sizeof(it->room), "%s", room);
	if (key)
		snprintf(it->key, sizeof(it->key), "%s", key);
	it->n = n;
	it->peer = peer ? msg_ref(peer) : NULL;
	it->staff = staff ? msg_ref(staff) : NULL;
	if (bl->tail)
		bl->tail->next = it;
	else
		bl->head = it;
	bl->tail = it;
	uv_idle_start(&bl->idle, deliver);
	return it;
}

static int local_subscribe(struct bus *b, const char *room)
{
	enqueue((struct bus_local *)b, ITEM_SUBSCRIBED, room, NULL, 0, NULL, NULL);
	return 0;
}

static void local_unsubscribe(struct bus *b, const char *room)
{
	(void)b;
	(void)room;     /* deliveries are filtered by the rooms layer */
}

static void local_publish_event(struct bus *b, const char *room, int64_t seq, struct msg *peer,
				struct msg *staff)
{
	enqueue((struct bus_local *)b, ITEM_EVENT, room, NULL, seq, peer, staff);
}

static void local_publish_state(struct bus *b, const char *room, const char *key, int64_t version,
				struct msg *peer, struct msg *staff)
{
	enqueue((struct bus_local *)b, ITEM_STATE, room, key, version, peer, staff);
}

static void local_publish_beacon(struct bus *b, const char *room, int64_t seq)
{
	enqueue((struct bus_local *)b, ITEM_BEACON, room, NULL, seq, NULL, NULL);
}

/* A marker behind everything queued: deliveries run in order, so reaching
 * it means all of them have been handed to the rooms layer. */
static void local_flush(struct bus *b, void (*done)(void *arg), void *arg)
{
	struct bus_local *bl = (struct bus_local *)b;

	struct item *it = enqueue(bl, ITEM_FLUSH, "", NULL, 0, NULL, NULL);

	if (it) {                       /* else lost: the caller's timer ends the wait */
		it->done = done;
		it->done_arg = arg;
	}
}

static int local_degraded(struct bus *b)
{
	(void)b;
	return 0;
}

static void idle_closed(uv_handle_t *h)
{
	struct bus_local *bl = h->data;
	struct item *it = bl->head, *next;

	for (; it; it = next) {
		next = it->next;
		item_free(it);
	}
	bl->closed(bl->closed_arg);
	free(bl);
}

static void local_close(struct bus *b, void (*done)(void *arg), void *arg)
{
	struct bus_local *bl = (struct bus_local *)b;

	bl->closed = done;
	bl->closed_arg = arg;
	uv_close((uv_handle_t *)&bl->idle, idle_closed);
}

/* The in-process bus on loop, delivering to h (kept: it must outlive the
 * bus). The caller owns the bus until its close() has called done; NULL
 * when out of memory. */
struct bus *bus_local_new(uv_loop_t *loop, const struct bus_handler *h)
{
	struct bus_local *bl = calloc(1, sizeof(*bl));

	if (!bl)
		return NULL;
	bl->bus.name = "local";
	bl->bus.subscribe = local_subscribe;
	bl->bus.unsubscribe = local_unsubscribe;
	bl->bus.publish_event = local_publish_event;
	bl->bus.publish_state = local_publish_state;
	bl->bus.publish_beacon = local_publish_beacon;
	bl->bus.flush = local_flush;
	bl->bus.degraded = local_degraded;
	bl->bus.close = local_close;
	bl->bus.h = h;
	bl->loop = loop;
	uv_idle_init(loop, &bl->idle);
	bl->idle.data = bl;
	return &bl->bus;
}
