/*
 * bus_redis.c - the bus over Redis pub/sub, on the daemon's libuv loop.
 *
 * Two connections (a subscribed connection cannot PUBLISH): `sub` holds one
 * SUBSCRIBE per followed room, `pub` publishes and answers a PING every
 * second, which is how a silent Redis is noticed. Each room is the channel
 * "forumd:<room>". Every message starts with this process's origin id, so a
 * process skips its own messages: those it delivers locally at once, which
 * also keeps local delivery going while Redis is away.
 *
 * When a connection drops, the bus is degraded: it reconnects with backoff,
 * subscribes every followed room again, and reports each confirmation to the
 * rooms layer, which re-syncs the room from SQLite. Meanwhile the rooms layer
 * watches SQLite itself (bus_degraded()).
 *
 * Message payloads (binary-safe; lengths in decimal): the origin, then one
 * or more records of the channel's room, in order:
 *   <origin>|<record>...
 *   record: E|<seq>|<peer len>|<staff len>|<peer><staff>
 *           S|<version>|<key len>|<peer len>|<staff len>|<key><peer><staff>
 *           B|<seq>|
 * Records published in one turn of the loop for one room go out as one
 * PUBLISH on the next turn: a group commit hands back hundreds of writes at
 * once, and Redis's cost is per command far more than per byte.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libuv.h>

#include "bus.h"
#include "protocol/protocol_gen.h"

#define CHANNEL_PREFIX "forumd:"
#define PING_EVERY_MS 1000
#define PING_DEAD_MS 3000             /* no PONG for this long: the connection is dead */
#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 3000
#define CONNECT_TIMEOUT_MS 2000
#define BATCH_FLUSH_BYTES (256 * 1024)  /* publish a room's batch at once past this */
#define BATCH_ROOMS_MAX 64              /* rooms batched in one turn before all are flushed */

struct channel {
	struct channel *next;
	char room[PROTO_MAX_ROOM_CHARS + 1];
};

/* Records for one room waiting for this turn's PUBLISH. */
struct batch {
	char room[PROTO_MAX_ROOM_CHARS + 1];
	char *buf;                        /* owned: "<origin>|" then records */
	size_t len, cap;
};

struct bus_redis {
	struct bus bus;                   /* first: a struct bus * is a struct bus_redis * */
	uv_loop_t *loop;
	char host[256];
	int port;                         /* 0: host is a unix socket path */
	char origin[17];

	redisAsyncContext *sub, *pub;     /* NULL while down */
	int sub_up, pub_up;               /* connected (callback seen) */
	uv_timer_t reconnect_timer, ping_timer;
	uint64_t reconnect_ms;
	uint64_t last_pong_mono, ping_sent_mono;
	int ping_outstanding;

	struct channel *channels;         /* rooms followed: resubscribed after a reconnect */
	uv_idle_t idle;                   /* local deliveries on the next loop turn */
	struct local_item *lhead, *ltail;
	struct batch batches[BATCH_ROOMS_MAX];
	unsigned nbatches;
	int closing, handles_open;
	void (*closed)(void *arg);
	void *closed_arg;
	uint64_t published, received, dropped_own;
	void (*flush_done)(void *arg);    /* a flush waiting for its PING's reply */
	void *flush_arg;
};

/* Local deliveries go through the same asynchronous path as the in-process bus. */
enum local_kind { L_EVENT, L_STATE, L_FLUSH };
struct local_item {
	struct local_item *next;
	enum local_kind kind;
	char room[PROTO_MAX_ROOM_CHARS + 1];
	char key[48];
	int64_t n;
	struct msg *peer, *staff;
	void (*done)(void *arg);          /* L_FLUSH */
	void *done_arg;
};

static void connect_all(struct bus_redis *br);
static void flush_batches(struct bus_redis *br);
static void flush_reached(struct bus_redis *br, struct local_item *it);

/* ------------------------------------------------------------------------- */
/* Local delivery                                                            */
/* ------------------------------------------------------------------------- */

static void local_deliver(uv_idle_t *idle)
{
	struct bus_redis *br = idle->data;
	struct local_item *it = br->lhead, *next;

	br->lhead = br->ltail = NULL;
	uv_idle_stop(&br->idle);
	flush_batches(br);
	for (; it; it = next) {
		next = it->next;
		if (it->kind == L_EVENT)
			br->bus.h->event(it->room, it->n, it->peer, it->staff);
		else if (it->kind == L_STATE)
			br->bus.h->state(it->room, it->key, it->n, it->peer, it->staff);
		else
			flush_reached(br, it);
		msg_unref(it->peer);
		msg_unref(it->staff);
		free(it);
	}
}

/* Queues one local delivery for the next turn; returns it (owned by the
 * queue), or NULL when it was lost. */
static struct local_item *local_enqueue(struct bus_redis *br, enum local_kind kind, const char *room,
					const char *key, int64_t n, struct msg *peer, struct msg *staff)
{
	struct local_item *it;

	if (br->closing || !(it = calloc(1, sizeof(*it))))
		return NULL;
	it->kind = kind;
	snprintf(it->room, sizeof(it->room), "%s", room);
	if (key)
		snprintf(it->key, sizeof(it->key), "%s", key);
	it->n = n;
	it->peer = peer ? msg_ref(peer) : NULL;
	it->staff = staff ? msg_ref(staff) : NULL;
	if (br->ltail)
		br->ltail->next = it;
	else
		br->lhead = it;
	br->ltail = it;
	uv_idle_start(&br->idle, local_deliver);
	return it;
}

/* ------------------------------------------------------------------------- */
/* Incoming messages                                                         */
/* ------------------------------------------------------------------------- */

/* Reads "<decimal>|" at *p (advancing it); -1 on a malformed field. */
static int64_t take_num(const char **p, const char *end)
{
	int64_t v = 0;
	int neg = 0, digits = 0;

	if (*p < end && **p == '-') {
		neg = 1;
		(*p)++;
	}
	while (*p < end && **p >= '0' && **p <= '9' && digits < 19) {
		v = v * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	if (!digits || *p >= end || **p != '|')
		return INT64_MIN;
	(*p)++;
	return neg ? -v : v;
}

/*
 * Handles the record at *pp (advancing it past the record). Returns 0, or
 * -1 when the record is malformed: the rest of the payload cannot be
 * framed then, and is dropped (seqs and beacons recover what it held).
 */
static int handle_record(struct bus_redis *br, const char *room, const char **pp, const char *end)
{
	const char *p = *pp;
	struct msg *peer = NULL, *staff = NULL;
	int64_t n, a, b, k;
	char kind, key[48];

	if (end - p < 2 || p[1] != '|')
		return -1;
	kind = p[0];
	p += 2;
	if ((n = take_num(&p, end)) == INT64_MIN)
		return -1;
	br->received++;
	if (kind == 'B') {
		*pp = p;
		br->bus.h->beacon(room, n);
		return 0;
	}
	if (kind == 'E') {
		if ((a = take_num(&p, end)) < 1 || (b = take_num(&p, end)) < 0 || end - p < a + b)
			return -1;
		*pp = p + a + b;
		peer = msg_from(p, (size_t)a);
		staff = b ? msg_from(p + a, (size_t)b) : NULL;
		if (peer && (!b || staff))
			br->bus.h->event(room, n, peer, staff);
	} else if (kind == 'S') {
		if ((k = take_num(&p, end)) < 1 || k >= (int64_t)sizeof(key) || (a = take_num(&p, end)) < 1 ||
		    (b = take_num(&p, end)) < 0 || end - p < k + a + b)
			return -1;
		*pp = p + k + a + b;
		memcpy(key, p, (size_t)k);
		key[k] = '\0';
		peer = msg_from(p + k, (size_t)a);
		staff = b ? msg_from(p + k + a, (size_t)b) : NULL;
		if (peer && (!b || staff))
			br->bus.h->state(room, key, n, peer, staff);
	} else {
		return -1;
	}
	msg_unref(peer);
	msg_unref(staff);
	return 0;
}

/* One PUBLISH: skipped when it is our own, else each record in order. */
static void handle_payload(struct bus_redis *br, const char *room, const char *p, size_t len)
{
	const char *end = p + len;

	if (len < 17 || p[16] != '|')
		return;
	if (memcmp(p, br->origin, 16) == 0) {
		br->dropped_own++;      /* delivered locally already */
		return;
	}
	p += 17;
	while (p < end && handle_record(br, room, &p, end) == 0)
		;
}

/* The reply of a SUBSCRIBE: first its confirmation, then every message. */
static void on_sub_reply(redisAsyncContext *ac, void *r, void *privdata)
{
	struct bus_redis *br = ac->data;
	redisReply *reply = r;
	const char *type, *channel;
	size_t plen = strlen(CHANNEL_PREFIX);

	(void)privdata;
	if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
	    reply->element[0]->type != REDIS_REPLY_STRING || reply->element[1]->type != REDIS_REPLY_STRING)
		return;
	type = reply->element[0]->str;
	channel = reply->element[1]->str;
	if (strncmp(channel, CHANNEL_PREFIX, plen) != 0)
		return;
	if (strcmp(type, "subscribe") == 0)
		br->bus.h->subscribed(channel + plen);
	else if (strcmp(type, "message") == 0 && reply->element[2]->type == REDIS_REPLY_STRING)
		handle_payload(br, channel + plen, reply->element[2]->str, reply->element[2]->len);
}

/* ------------------------------------------------------------------------- */
/* Connections                                                               */
/* ------------------------------------------------------------------------- */

static int is_up(const struct bus_redis *br)
{
	return br->sub && br->pub && br->sub_up && br->pub_up;
}

static void subscribe_one(struct bus_redis *br, const char *room)
{
	if (br->sub && br->sub_up)
		redisAsyncCommand(br->sub, on_sub_reply, NULL, "SUBSCRIBE " CHANNEL_PREFIX "%s", room);
}

static void reconnect_fired(uv_timer_t *t)
{
	connect_all(t->data);
}

static void schedule_reconnect(struct bus_redis *br)
{
	if (br->closing || uv_is_active((uv_handle_t *)&br->reconnect_timer))
		return;
	uv_timer_start(&br->reconnect_timer, reconnect_fired, br->reconnect_ms, 0);
	br->reconnect_ms = br->reconnect_ms * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : br->reconnect_ms * 2;
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	struct bus_redis *br = ac->data;
	int is_sub = ac == br->sub;

	if (status != REDIS_OK) {
		/* hiredis frees the context after this callback. */
		if (is_sub)
			br->sub = NULL;
		else
			br->pub = NULL;
		schedule_reconnect(br);
		return;
	}
	if (is_sub) {
		br->sub_up = 1;
		for (struct channel *ch = br->channels; ch; ch = ch->next)
			subscribe_one(br, ch->room);
	} else {
		br->pub_up = 1;
		br->ping_outstanding = 0;
		br->last_pong_mono = uv_now(br->loop);
	}
	if (is_up(br)) {
		br->reconnect_ms = RECONNECT_MIN_MS;
		fprintf(stderr, "forumd: bus: connected to redis\n");
	}
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct bus_redis *br = ac->data;

	(void)status;
	if (br->closing)
		return;         /* redis_close let go of both already */
	if (ac == br->sub) {
		br->sub = NULL;
		br->sub_up = 0;
	} else if (ac == br->pub) {
		br->pub = NULL;
		br->pub_up = 0;
	}
	fprintf(stderr, "forumd: bus: lost redis; delivering locally, watching SQLite\n");
	schedule_reconnect(br);
}

/* Drops both connections at once (their pending callbacks get NULL). */
static void drop_connections(struct bus_redis *br)
{
	redisAsyncContext *sub = br->sub, *pub = br->pub;

	if (pub)
		redisAsyncFree(pub);    /* on_disconnect clears br->pub */
	if (sub)
		redisAsyncFree(sub);
	br->sub = br->pub = NULL;
	br->sub_up = br->pub_up = 0;
}

static redisAsyncContext *open_conn(struct bus_redis *br)
{
	redisAsyncContext *ac = br->port ? redisAsyncConnect(br->host, br->port)
					 : redisAsyncConnectUnix(br->host);

	if (!ac)
		return NULL;
	if (ac->err) {
		redisAsyncFree(ac);
		return NULL;
	}
	ac->data = br;
	if (redisLibuvAttach(ac, br->loop) != REDIS_OK) {
		redisAsyncFree(ac);
		return NULL;
	}
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	return ac;
}

static void connect_all(struct bus_redis *br)
{
	if (br->closing)
		return;
	if (!br->sub) {
		br->sub_up = 0;
		br->sub = open_conn(br);
	}
	if (!br->pub) {
		br->pub_up = 0;
		br->pub = open_conn(br);
	}
	if (!br->sub || !br->pub)
		schedule_reconnect(br);
}

static void on_pong(redisAsyncContext *ac, void *r, void *privdata)
{
	struct bus_redis *br = ac->data;

	(void)privdata;
	if (r) {
		br->ping_outstanding = 0;
		br->last_pong_mono = uv_now(br->loop);
	}
}

/* A PING a second on the publishing connection; a Redis that stops answering
 * (stopped, not crashed) is treated as gone. */
static void ping_tick(uv_timer_t *t)
{
	struct bus_redis *br = t->data;
	uint64_t now = uv_now(br->loop);

	if (!br->pub || !br->pub_up)
		return;
	if (br->ping_outstanding && now - br->ping_sent_mono > PING_DEAD_MS) {
		fprintf(stderr, "forumd: bus: redis does not answer; reconnecting\n");
		drop_connections(br);
		schedule_reconnect(br);
		return;
	}
	if (!br->ping_outstanding) {
		br->ping_outstanding = 1;
		br->ping_sent_mono = now;
		redisAsyncCommand(br->pub, on_pong, NULL, "PING");
	}
}

/* ------------------------------------------------------------------------- */
/* The bus interface                                                         */
/* ------------------------------------------------------------------------- */

static int redis_subscribe(struct bus *b, const char *room)
{
	struct bus_redis *br = (struct bus_redis *)b;
	struct channel *ch;

	for (ch = br->channels; ch; ch = ch->next)
		if (strcmp(ch->room, room) == 0)
			break;
	if (!ch) {
		if (!(ch = calloc(1, sizeof(*ch))))
			return -1;
		snprintf(ch->room, sizeof(ch->room), "%s", room);
		ch->next = br->channels;
		br->channels = ch;
	}
	subscribe_one(br, room);      /* or on (re)connect */
	return 0;
}

static void redis_unsubscribe(struct bus *b, const char *room)
{
	struct bus_redis *br = (struct bus_redis *)b;
	struct channel **pp;

	for (pp = &br->channels; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->room, room) == 0) {
			struct channel *ch = *pp;

			*pp = ch->next;
			free(ch);
			if (br->sub && br->sub_up)
				redisAsyncCommand(br->sub, NULL, NULL, "UNSUBSCRIBE " CHANNEL_PREFIX "%s", room);
			return;
		}
	}
}

/* Sends one room's batch as a PUBLISH (when Redis is up) and empties it. */
static void batch_send(struct bus_redis *br, struct batch *bt)
{
	char channel[sizeof(CHANNEL_PREFIX) + PROTO_MAX_ROOM_CHARS + 1];

	if (br->pub && br->pub_up) {
		snprintf(channel, sizeof(channel), CHANNEL_PREFIX "%s", bt->room);
		redisAsyncCommand(br->pub, NULL, NULL, "PUBLISH %s %b", channel, bt->buf, bt->len);
		br->published++;
	}
	/* else lost: seqs, beacons and SQLite recover it */
	bt->len = 0;
}

/* Publishes every waiting batch and frees their buffers. */
static void flush_batches(struct bus_redis *br)
{
	unsigned sent = 0;

	for (unsigned i = 0; i < br->nbatches; i++) {
		struct batch *bt = &br->batches[i];

		if (bt->len) {
			batch_send(br, bt);
			sent++;
		}
		free(bt->buf);
		bt->buf = NULL;
		bt->cap = 0;
	}
	br->nbatches = 0;
	/* Write them now rather than when the loop next polls: the local
	 * deliveries that follow in this turn can take milliseconds for a
	 * large room, and the other processes' subscribers would wait for
	 * them. A socket that is not writable keeps the rest for the poll. */
	if (sent && br->pub && br->pub_up)
		redisAsyncHandleWrite(br->pub);
}

/* The batch for `room`, started for this turn if needed; NULL on OOM. */
static struct batch *batch_for(struct bus_redis *br, const char *room)
{
	struct batch *bt;

	for (unsigned i = br->nbatches; i-- > 0;)
		if (strcmp(br->batches[i].room, room) == 0)
			return &br->batches[i];
	if (br->nbatches == BATCH_ROOMS_MAX)
		flush_batches(br);
	bt = &br->batches[br->nbatches++];
	snprintf(bt->room, sizeof(bt->room), "%s", room);
	bt->buf = NULL;
	bt->len = bt->cap = 0;
	uv_idle_start(&br->idle, local_deliver);  /* flushed on the next turn */
	return bt;
}

/* Appends n bytes to the batch, growing it; -1 on OOM. */
static int batch_put(struct batch *bt, const void *p, size_t n)
{
	if (bt->len + n > bt->cap) {
		size_t ncap = bt->cap ? bt->cap : 1024;
		char *nb;

		while (ncap < bt->len + n)
			ncap *= 2;
		if (!(nb = realloc(bt->buf, ncap)))
			return -1;
		bt->buf = nb;
		bt->cap = ncap;
	}
	if (n)
		memcpy(bt->buf + bt->len, p, n);
	bt->len += n;
	return 0;
}

/*
 * Adds one record (a header and up to three parts) to the room's batch.
 * A record that cannot be added is lost like a message Redis never got,
 * and recovered the same way; a batch that would be left holding part of
 * a record is dropped whole rather than sent malformed.
 */
static void publish(struct bus_redis *br, const char *room, const char *head, size_t hlen,
		    const void *p1, size_t l1, const void *p2, size_t l2, const void *p3, size_t l3)
{
	struct batch *bt;
	size_t before;

	if (!br->pub || !br->pub_up || br->closing)
		return;         /* lost: seqs, beacons and SQLite recover it */
	if (!(bt = batch_for(br, room)))
		return;
	if (bt->len == 0 && (batch_put(bt, br->origin, 16) || batch_put(bt, "|", 1))) {
		bt->len = 0;
		return;
	}
	before = bt->len;
	if (batch_put(bt, head, hlen) || batch_put(bt, p1, l1) || batch_put(bt, p2, l2) ||
	    batch_put(bt, p3, l3)) {
		bt->len = before;
		return;
	}
	if (bt->len >= BATCH_FLUSH_BYTES)
		batch_send(br, bt);
}

static void redis_publish_event(struct bus *b, const char *room, int64_t seq, struct msg *peer,
				struct msg *staff)
{
	struct bus_redis *br = (struct bus_redis *)b;
	char head[96];
	int h;

	local_enqueue(br, L_EVENT, room, NULL, seq, peer, staff);
	h = snprintf(head, sizeof(head), "E|%" PRId64 "|%zu|%zu|", seq, peer->len,
		     staff ? staff->len : 0);
	publish(br, room, head, (size_t)h, msg_data(peer), peer->len, staff ? msg_data(staff) : NULL,
		staff ? staff->len : 0, NULL, 0);
}

static void redis_publish_state(struct bus *b, const char *room, const char *key, int64_t version,
				struct msg *peer, struct msg *staff)
{
	struct bus_redis *br = (struct bus_redis *)b;
	char head[128];
	int h;

	local_enqueue(br, L_STATE, room, key, version, peer, staff);
	h = snprintf(head, sizeof(head), "S|%" PRId64 "|%zu|%zu|%zu|", version, strlen(key),
		     peer->len, staff ? staff->len : 0);
	publish(br, room, head, (size_t)h, key, strlen(key), msg_data(peer), peer->len,
		staff ? msg_data(staff) : NULL, staff ? staff->len : 0);
}

static void redis_publish_beacon(struct bus *b, const char *room, int64_t seq)
{
	struct bus_redis *br = (struct bus_redis *)b;
	char head[64];
	int h = snprintf(head, sizeof(head), "B|%" PRId64 "|", seq);

	publish(br, room, head, (size_t)h, NULL, 0, NULL, 0, NULL, 0);
}

/* The reply to a flush's PING (NULL when the connection dropped): Redis
 * has handled every PUBLISH sent before it on the same connection. */
static void on_flush_pong(redisAsyncContext *ac, void *r, void *privdata)
{
	struct bus_redis *br = ac->data;
	void (*done)(void *arg) = br->flush_done;

	(void)r;
	(void)privdata;
	if (br->closing || !done)
		return;
	br->flush_done = NULL;
	done(br->flush_arg);
}

/* A flush marker reached the head of the local queue: local deliveries
 * before it are done and the batches are written (local_deliver flushed
 * them first); a PING behind them on the publishing connection tells when
 * Redis has taken them. With Redis down there is nothing more to wait for. */
static void flush_reached(struct bus_redis *br, struct local_item *it)
{
	if (br->pub && br->pub_up && !br->flush_done &&
	    redisAsyncCommand(br->pub, on_flush_pong, NULL, "PING") == REDIS_OK) {
		br->flush_done = it->done;
		br->flush_arg = it->done_arg;
		return;
	}
	it->done(it->done_arg);
}

static void redis_flush(struct bus *b, void (*done)(void *arg), void *arg)
{
	struct local_item *it = local_enqueue((struct bus_redis *)b, L_FLUSH, "", NULL, 0, NULL, NULL);

	if (it) {                       /* else lost: the caller's timer ends the wait */
		it->done = done;
		it->done_arg = arg;
	}
}

static int redis_degraded(struct bus *b)
{
	return !is_up((struct bus_redis *)b);
}

static void handle_closed(uv_handle_t *h)
{
	struct bus_redis *br = h->data;

	if (--br->handles_open == 0) {
		br->closed(br->closed_arg);
		free(br);
	}
}

static void redis_close(struct bus *b, void (*done)(void *arg), void *arg)
{
	struct bus_redis *br = (struct bus_redis *)b;
	struct local_item *it, *next;
	struct channel *ch, *cnext;

	br->closing = 1;
	br->closed = done;
	br->closed_arg = arg;
	for (it = br->lhead; it; it = next) {
		next = it->next;
		msg_unref(it->peer);
		msg_unref(it->staff);
		free(it);
	}
	br->lhead = br->ltail = NULL;
	for (unsigned i = 0; i < br->nbatches; i++)
		free(br->batches[i].buf);
	br->nbatches = 0;
	for (ch = br->channels; ch; ch = cnext) {
		cnext = ch->next;
		free(ch);
	}
	br->channels = NULL;
	/* Freed now; the adapter closes its poll handles on a later turn. */
	drop_connections(br);
	br->handles_open = 3;
	uv_close((uv_handle_t *)&br->idle, handle_closed);
	uv_close((uv_handle_t *)&br->reconnect_timer, handle_closed);
	uv_close((uv_handle_t *)&br->ping_timer, handle_closed);
}

/* "redis://host:port", "redis://host" (6379) or "unix:/path". */
static int parse_url(struct bus_redis *br, const char *url)
{
	const char *colon;

	if (strncmp(url, "unix:", 5) == 0) {
		snprintf(br->host, sizeof(br->host), "%s", url + 5);
		br->port = 0;
		return br->host[0] ? 0 : -1;
	}
	if (strncmp(url, "redis://", 8) != 0)
		return -1;
	url += 8;
	colon = strrchr(url, ':');
	if (colon) {
		snprintf(br->host, sizeof(br->host), "%.*s", (int)(colon - url), url);
		br->port = atoi(colon + 1);
	} else {
		snprintf(br->host, sizeof(br->host), "%s", url);
		br->port = 6379;
	}
	return br->host[0] && br->port > 0 && br->port < 65536 ? 0 : -1;
}

/* The Redis bus at url on loop, delivering to h (kept: it must outlive the
 * bus); it connects in the background and reconnects by itself. The caller
 * owns the bus until its close() has called done; NULL when url does not
 * parse or out of memory. */
struct bus *bus_redis_new(uv_loop_t *loop, const struct bus_handler *h, const char *url)
{
	struct bus_redis *br = calloc(1, sizeof(*br));
	unsigned char rnd[8];

	if (!br)
		return NULL;
	if (parse_url(br, url)) {
		fprintf(stderr, "forumd: bus: cannot read redis address %s (redis://host:port or unix:/path)\n", url);
		free(br);
		return NULL;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0x5a, sizeof(rnd));
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(br->origin + 2 * i, 3, "%02x", rnd[i]);
	br->bus.name = "redis";
	br->bus.subscribe = redis_subscribe;
	br->bus.unsubscribe = redis_unsubscribe;
	br->bus.publish_event = redis_publish_event;
	br->bus.publish_state = redis_publish_state;
	br->bus.publish_beacon = redis_publish_beacon;
	br->bus.flush = redis_flush;
	br->bus.degraded = redis_degraded;
	br->bus.close = redis_close;
	br->bus.h = h;
	br->loop = loop;
	br->reconnect_ms = RECONNECT_MIN_MS;
	uv_idle_init(loop, &br->idle);
	br->idle.data = br;
	uv_timer_init(loop, &br->reconnect_timer);
	br->reconnect_timer.data = br;
	uv_timer_init(loop, &br->ping_timer);
	br->ping_timer.data = br;
	uv_timer_start(&br->ping_timer, ping_tick, PING_EVERY_MS, PING_EVERY_MS);
	connect_all(br);
	return &br->bus;
}
