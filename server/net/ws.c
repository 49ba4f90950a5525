/*
 * ws.c - libwebsockets on our libuv loop: the forumd.v1 WebSocket protocol,
 * HTTP mounts (client-js files, /healthz), per-socket queues, shutdown.
 *
 * The only file that calls lws for WebSocket traffic. Rules it keeps:
 *  - outbound text frames are framed here and written with send() on the
 *    socket: server frames are unmasked, so a message shared by a thousand
 *    sockets is framed once and the same bytes go to each; lws only writes
 *    its own frames (close, pong), and we never write while it holds a
 *    partly sent one (lws_partial_buffered);
 *  - a message goes out at once when nothing is queued or partly sent ahead
 *    of it (send_now); otherwise it waits in the socket's queue, and the
 *    writable callback writes what is queued;
 *  - a frame the kernel took only part of stays the socket's out_part until
 *    the writable callback has sent the rest: nothing else is written first;
 *  - messages are shared, reference-counted buffers with headroom for the
 *    frame header; when several are queued they go out as one JSON-array
 *    frame;
 *  - a socket's queue is bounded in bytes (PROTO_OUTQ_MAX_BYTES);
 *  - a client message is reassembled from fragments and refused past
 *    PROTO_MAX_FRAME_BYTES with 1009 before it is buffered whole; a whole
 *    message that is not valid UTF-8 is refused with 1007 (checked here,
 *    not by lws, so that the close carries our reason).
 */
#include <assert.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>
#include <libwebsockets.h>

#include "conn.h"
#include "core/text.h"
#include "core/trim.h"
#include "http.h"
#include "listen.h"
#include "rooms.h"
#include "server.h"
#include "session.h"
#include "store/store.h"

/* frame_text() writes a server frame's header (at most 10 bytes) just
 * before the payload. */
_Static_assert(MSG_HEADROOM >= 10, "msg headroom must cover the WebSocket frame header");
_Static_assert(offsetof(struct conn, slot) == 64, "delivery's fields fill struct conn's first cache line");

#define WS_PATH "/ws"
/* lws 4.1 keeps LWS_WRITE_CLOSE (4) out of its public enum ("handled by
 * lws_close_reason()") but still frames it; it is what lws itself writes
 * when it sends a close. */
#define WS_WRITE_CLOSE ((enum lws_write_protocol)4)
#define SHUTDOWN_GRACE_MS 2000
/* At most this long between the last commit and the 1001 closes, waiting
 * for the bus to hand back the last events (it normally takes one loop
 * turn, or one Redis round trip). */
#define SHUTDOWN_FLUSH_MAX_MS 2000
#define CLOSE_ACK_S 2
#define PRUNE_EVERY_MS (10 * 60 * 1000)
#define IP_BUCKETS 4096
/* Trim the heap once no socket has opened or closed for TRIM_QUIET_MS after
 * at least TRIM_MIN_CHURN did (see core/trim.h): a few hundred sockets'
 * worth of holes is worth a walk over the free lists. */
#define TRIM_QUIET_MS 1000
#define TRIM_MIN_CHURN 256
/* lws's receive chunk, allocated for every connection: it is not a message
 * limit (ws_receive reassembles chunks), so it is kept small: 128 bytes
 * saves about 0.9 KB per idle connection against 1024 and costs a few more
 * callbacks for a hello or a long post. It must not go below 125: lws
 * collects a control frame (ping, close) in this buffer too and hands on
 * whatever it holds when it is full, so a smaller one would split a
 * control frame's payload (a truncated pong echo, the rest of a close
 * reason delivered as a text message). */
#define WS_RX_CHUNK 128
_Static_assert(WS_RX_CHUNK >= 125, "a control frame's payload must fit in one receive chunk");

/* One armed deadline: when (loop milliseconds), for which socket, and the
 * stamp it was armed with; re-arming bumps the socket's stamp, so an older
 * entry is recognised as stale when it comes due and skipped. */
struct deadline {
	uint64_t when;
	uint32_t slot, gen, stamp;
};

/* WebSockets per peer address: generous by default, since a whole webinar
 * may sit behind one corporate NAT. */
struct ip_count {
	struct ip_count *next;
	uint32_t hash;
	unsigned n;
};

static const char CSP[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
	"form-action 'self'";

/* ------------------------------------------------------------------------- */
/* Server state (one per process, loop thread only)                          */
/* ------------------------------------------------------------------------- */

static struct {
	uv_loop_t loop;
	struct lws_context *ctx;
	struct lws_vhost *vh;
	uv_signal_t sigint, sigterm;
	uv_timer_t shutdown_timer;
	uv_timer_t prune_timer;           /* history retention */
	uv_timer_t trim_timer;            /* returning freed memory after a burst */
	struct trim_policy trim;
	uv_async_t store_async;           /* the writer finished jobs */
	struct listener *listener;
	struct store *store;
	int shutting_down, destroying, rooms_open;
	int flushing;                     /* shutdown: waiting for the bus's flush */
	int max_per_ip;
	struct ip_count *ips[IP_BUCKETS];
	struct render_server_info info;

	/* Deadlines: a min-heap under one timer (see "Deadlines" below). */
	uv_timer_t deadline_timer;
	struct deadline *dl;
	size_t ndl, dl_cap;

	/* Connection registry: slot -> conn, with a generation per slot. */
	struct conn **slots;
	uint32_t *slot_gen;
	uint32_t *free_slots;
	uint32_t nfree, cap, open;
	uint64_t partial_sends;           /* frames the kernel took only part of */
	int sndbuf;                       /* SO_SNDBUF for accepted sockets; 0: the kernel's */
} S;

static void shutdown_finish(uv_timer_t *t);

/* ------------------------------------------------------------------------- */
/* Connection registry                                                       */
/* ------------------------------------------------------------------------- */

static int registry_add(struct conn *c)
{
	if (S.nfree == 0) {
		uint32_t ncap = S.cap ? S.cap * 2 : 256;
		struct conn **ns = realloc(S.slots, ncap * sizeof(*ns));
		uint32_t *ng, *nf;

		if (!ns)
			return -1;
		S.slots = ns;
		ng = realloc(S.slot_gen, ncap * sizeof(*ng));
		if (!ng)
			return -1;
		S.slot_gen = ng;
		nf = realloc(S.free_slots, ncap * sizeof(*nf));
		if (!nf)
			return -1;
		S.free_slots = nf;
		for (uint32_t i = ncap; i > S.cap; i--) {
			S.slots[i - 1] = NULL;
			S.slot_gen[i - 1] = 0;
			S.free_slots[S.nfree++] = i - 1;
		}
		S.cap = ncap;
	}
	c->slot = S.free_slots[--S.nfree];
	c->gen = ++S.slot_gen[c->slot];
	S.slots[c->slot] = c;
	S.open++;
	return 0;
}

static void registry_remove(struct conn *c)
{
	assert(c->slot < S.cap && S.slots[c->slot] == c);
	S.slots[c->slot] = NULL;
	S.free_slots[S.nfree++] = c->slot;
	S.open--;
}

static void registry_free(void)
{
	free(S.slots);
	free(S.slot_gen);
	free(S.free_slots);
	S.slots = NULL;
	S.slot_gen = S.free_slots = NULL;
	S.cap = S.nfree = 0;
}

struct conn *conn_lookup(uint32_t slot, uint32_t gen)
{
	if (slot >= S.cap || !S.slots[slot] || S.slots[slot]->gen != gen)
		return NULL;
	return S.slots[slot];
}

unsigned conn_count(void)
{
	return S.open;
}

/* Bytes of the WebSocket header of a server frame with n payload bytes. */
static size_t frame_header_len(size_t n)
{
	return n < 126 ? 2 : n <= 0xffff ? 4 : 10;
}

size_t conn_queued_bytes(const struct conn *c)
{
	size_t part = 0;

	if (c->out_part)
		part = frame_header_len(c->out_part->len) + c->out_part->len - c->out_off;
	return c->q_bytes + part;
}

uint64_t conn_partial_sends(void)
{
	return S.partial_sends;
}

void conn_foreach(void (*fn)(struct conn *c, void *arg), void *arg)
{
	for (uint32_t i = 0; i < S.cap; i++)
		if (S.slots[i])
			fn(S.slots[i], arg);
}

/* ------------------------------------------------------------------------- */
/* Outbound queue                                                            */
/* ------------------------------------------------------------------------- */

static int queue_push(struct conn *c, struct msg *m)
{
	if (c->q_count == c->q_cap) {
		uint32_t ncap = c->q_cap ? c->q_cap * 2 : 4;
		struct msg **nq = malloc(ncap * sizeof(*nq));

		if (!nq)
			return -1;
		for (uint32_t i = 0; i < c->q_count; i++)
			nq[i] = c->q[(c->q_head + i) % c->q_cap];
		free(c->q);
		c->q = nq;
		c->q_cap = ncap;
		c->q_head = 0;
	}
	c->q[(c->q_head + c->q_count) % c->q_cap] = msg_ref(m);
	c->q_count++;
	c->q_bytes += m->len;
	return 0;
}

static struct msg *queue_peek(struct conn *c, uint32_t i)
{
	return c->q[(c->q_head + i) % c->q_cap];
}

static void queue_pop(struct conn *c)
{
	struct msg *m = c->q[c->q_head];

	c->q_head = (c->q_head + 1) % c->q_cap;
	c->q_count--;
	c->q_bytes -= m->len;
	msg_unref(m);
}

static void queue_clear(struct conn *c)
{
	while (c->q_count)
		queue_pop(c);
	free(c->q);
	c->q = NULL;
	c->q_cap = c->q_head = 0;
}

/* ------------------------------------------------------------------------- */
/* Framing and raw sends                                                     */
/* ------------------------------------------------------------------------- */

/*
 * Writes the header of an unmasked, final text frame for `m` into its
 * headroom and returns where the frame starts; *len gets the frame's length.
 * The header depends only on the payload length, so writing it again for
 * the next socket writes the same bytes.
 */
static const unsigned char *frame_text(struct msg *m, size_t *len)
{
	unsigned char *p = (unsigned char *)msg_data(m);
	size_t n = m->len, h = frame_header_len(n);

	if (h == 2) {
		p[-1] = (unsigned char)n;
	} else if (h == 4) {
		p[-3] = 126;
		p[-2] = (unsigned char)(n >> 8);
		p[-1] = (unsigned char)n;
	} else {
		p[-9] = 127;
		for (int i = 0; i < 8; i++)
			p[-1 - i] = (unsigned char)((uint64_t)n >> (8 * i));
	}
	p[-(ptrdiff_t)h] = 0x81;        /* FIN, text */
	*len = h + n;
	return p - h;
}

/*
 * Sends frame bytes [off, len) of `m` on the socket without blocking.
 * Returns the new offset (len when all went out), or -1 when the socket is
 * broken. EAGAIN counts as nothing sent.
 */
static ssize_t send_frame(struct conn *c, struct msg *m, size_t off)
{
	size_t len;
	const unsigned char *f = frame_text(m, &len);
	ssize_t n;

	assert(off < len);
	do
		n = send(c->fd, f + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? (ssize_t)off : -1;
	return (ssize_t)(off + (size_t)n);
}

/*
 * Sends `m` as a frame; what the kernel does not take becomes the socket's
 * out_part (taking a reference) and a writable callback is asked for.
 * Returns 0, or -1 when the socket is broken.
 */
static int send_or_hold(struct conn *c, struct msg *m)
{
	size_t len;
	ssize_t off;

	assert(!c->out_part);
	off = send_frame(c, m, 0);
	if (off < 0)
		return -1;
	len = frame_header_len(m->len) + m->len;
	if ((size_t)off == len)
		return 0;
	c->out_part = msg_ref(m);
	c->out_off = (uint32_t)off;
	S.partial_sends++;
	lws_callback_on_writable(c->wsi);
	return 0;
}

/*
 * Sends the rest of the partly sent frame. Returns 1 when it is all out,
 * 0 when some is still left (a writable callback is asked for), -1 when the
 * socket is broken.
 */
static int finish_part(struct conn *c)
{
	size_t len;
	ssize_t off = send_frame(c, c->out_part, c->out_off);

	if (off < 0)
		return -1;
	len = frame_header_len(c->out_part->len) + c->out_part->len;
	if ((size_t)off < len) {
		c->out_off = (uint32_t)off;
		lws_callback_on_writable(c->wsi);
		return 0;
	}
	msg_unref(c->out_part);
	c->out_part = NULL;
	c->out_off = 0;
	return 1;
}

/*
 * Writes `m` at once when nothing is ahead of it: the socket has no queue
 * and no partly sent frame, lws holds none of its own, and no paced replay
 * is under way. Returns 1 when it was sent (or became the out_part), 0 when
 * the caller must queue it.
 *
 * Waiting for a writable callback instead costs two changes of the socket's
 * poll set per message (libuv's uv_poll_start re-registers the descriptor
 * with epoll each time), several times the cost of the write itself; a
 * socket that is not keeping up still gets its messages queued and batched.
 */
static int send_now(struct conn *c, struct msg *m)
{
	if (!c->authed || c->q_count || c->out_part || c->replaying || lws_partial_buffered(c->wsi))
		return 0;
	if (send_or_hold(c, m) < 0)
		conn_close(c, PROTO_CLOSE_GOING_AWAY, 0);
	return 1;
}

/*
 * Every message counts against the socket's bound before it is written or
 * queued, the one that goes out at once included: the kernel may take only
 * part of it, and what it leaves is held (out_part) as long as the peer
 * does not read. So what the server holds for one socket never passes
 * outq_max_bytes, whatever the message.
 */
void conn_send(struct conn *c, struct msg *m)
{
	if (!m || c->closing)
		return;
	if (conn_queued_bytes(c) + m->len > PROTO_OUTQ_MAX_BYTES) {
		conn_close(c, PROTO_CLOSE_SLOW_CONSUMER, 0);
		return;
	}
	if (send_now(c, m))
		return;
	if (queue_push(c, m)) {
		conn_close(c, PROTO_CLOSE_SLOW_CONSUMER, 0);
		return;
	}
	lws_callback_on_writable(c->wsi);
}

/* Gives a close its deadline: a peer that does not read may never make the
 * socket writable again, so neither the queue nor the close frame might
 * ever go out. Past PROTO_CLOSE_DEADLINE_MS lws drops the connection and
 * ws_closed() frees everything the socket held. close_from_writable()
 * replaces it with the shorter wait for the peer's close frame. */
static void close_deadline(struct conn *c)
{
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, (PROTO_CLOSE_DEADLINE_MS + 999) / 1000);
}

void conn_close(struct conn *c, uint16_t code, int flush)
{
	if (c->closing)
		return;
	c->closing = 1;
	c->close_code = code;
	c->drop_queue = !flush;
	/* Nothing more is delivered to it; its rooms forget it now. */
	session_closing(c);
	if (!flush)
		queue_clear(c);         /* not to be sent: free it now */
	close_deadline(c);
	lws_callback_on_writable(c->wsi);
}

/* ------------------------------------------------------------------------- */
/* Deadlines                                                                 */
/* ------------------------------------------------------------------------- */

/*
 * Every socket has one deadline (the auth deadline, then its token's expiry).
 * They live in a binary min-heap under a single libuv timer rather than in
 * lws's timer list: that list is kept sorted by walking it from the head, and
 * expiries lie hours ahead behind every other socket's, so a burst of 20,000
 * sockets authenticating (a restart, a webinar starting) cost O(n^2) and took
 * minutes. The heap costs O(log n) per deadline. A closed socket's entry is
 * left in place and skipped when due (its slot no longer has that generation).
 */
static int dl_before(const struct deadline *a, const struct deadline *b)
{
	return a->when < b->when;
}

static void dl_swap(size_t i, size_t j)
{
	struct deadline t = S.dl[i];

	S.dl[i] = S.dl[j];
	S.dl[j] = t;
}

static void dl_up(size_t i)
{
	while (i > 0 && dl_before(&S.dl[i], &S.dl[(i - 1) / 2])) {
		dl_swap(i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void dl_down(size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < S.ndl && dl_before(&S.dl[l], &S.dl[m]))
			m = l;
		if (r < S.ndl && dl_before(&S.dl[r], &S.dl[m]))
			m = r;
		if (m == i)
			return;
		dl_swap(i, m);
		i = m;
	}
}

/* The socket an entry was armed for, if it is still open and the entry is
 * still its current deadline. */
static struct conn *dl_owner(const struct deadline *d)
{
	struct conn *c = conn_lookup(d->slot, d->gen);

	return c && c->deadline_stamp == d->stamp ? c : NULL;
}

/* Drops stale entries (sockets closed or re-armed since); 0, or -1 if the
 * heap is still full of live entries. */
static int dl_compact(void)
{
	size_t n = 0;

	for (size_t i = 0; i < S.ndl; i++)
		if (dl_owner(&S.dl[i]))
			S.dl[n++] = S.dl[i];
	S.ndl = n;
	for (size_t i = n / 2 + 1; i-- > 0;)
		dl_down(i);
	return S.ndl < S.dl_cap ? 0 : -1;
}

static void deadline_fired(uv_timer_t *t);

/* Starts the timer for the earliest entry. */
static void dl_rearm(void)
{
	uint64_t now = uv_now(&S.loop);

	if (S.ndl == 0) {
		uv_timer_stop(&S.deadline_timer);
		return;
	}
	uv_timer_start(&S.deadline_timer, deadline_fired, S.dl[0].when > now ? S.dl[0].when - now : 0, 0);
}

static void deadline_fired(uv_timer_t *t)
{
	uint64_t now = uv_now(&S.loop);

	(void)t;
	while (S.ndl && S.dl[0].when <= now) {
		struct deadline d = S.dl[0];
		struct conn *c;

		S.dl[0] = S.dl[--S.ndl];
		dl_down(0);
		if ((c = dl_owner(&d)) != NULL)
			session_deadline(c);    /* may arm a new one */
	}
	dl_rearm();
}

void conn_set_deadline(struct conn *c, int64_t ms)
{
	struct deadline d;

	if (ms < 0)
		ms = 0;
	if (S.ndl == S.dl_cap && dl_compact()) {
		size_t ncap = S.dl_cap ? S.dl_cap * 2 : 1024;
		struct deadline *n = realloc(S.dl, ncap * sizeof(*n));

		if (!n) {
			conn_close(c, PROTO_CLOSE_GOING_AWAY, 0);
			return;
		}
		S.dl = n;
		S.dl_cap = ncap;
	}
	d.when = uv_now(&S.loop) + (uint64_t)ms;
	d.slot = c->slot;
	d.gen = c->gen;
	d.stamp = ++c->deadline_stamp;
	S.dl[S.ndl] = d;
	dl_up(S.ndl++);
	if (S.dl[0].stamp == d.stamp && S.dl[0].slot == d.slot && S.dl[0].gen == d.gen)
		dl_rearm();             /* the new entry is the earliest */
}

/* ------------------------------------------------------------------------- */
/* Giving memory back after a burst                                          */
/* ------------------------------------------------------------------------- */

static void trim_fired(uv_timer_t *t)
{
	enum trim_action a = trim_check(&S.trim, (int64_t)uv_now(&S.loop), TRIM_QUIET_MS, TRIM_MIN_CHURN);

	if (a == TRIM_WAIT)
		return;
	if (a == TRIM_NOW)
		malloc_trim(0);
	uv_timer_stop(t);               /* until the next socket opens or closes */
}

/* A socket opened or closed: check for quiet every TRIM_QUIET_MS. */
static void trim_noted(void)
{
	trim_note(&S.trim, (int64_t)uv_now(&S.loop));
	if (!S.destroying && !uv_is_active((uv_handle_t *)&S.trim_timer))
		uv_timer_start(&S.trim_timer, trim_fired, TRIM_QUIET_MS, TRIM_QUIET_MS);
}

/* ------------------------------------------------------------------------- */
/* WebSocket callbacks                                                       */
/* ------------------------------------------------------------------------- */

/* Closes from inside a receive callback: lws sends the close frame set by
 * lws_close_reason() when the callback returns -1. */
static int close_now(struct conn *c, uint16_t code)
{
	const char *r = proto_close_name(code);

	lws_close_reason(c->wsi, (enum lws_close_status)code, (unsigned char *)r, strlen(r));
	return -1;
}

/* Closes from the writable callback: sends the close frame as this
 * callback's one write and waits (at most CLOSE_ACK_S) for the peer's reply,
 * which lws answers by closing. Returning -1 here instead would drop the
 * frame (lws 4.1 sends no close from a writable callback), and closing a
 * socket that still has unread input (a flooding client) sends a reset that
 * can overtake the frame. */
static int close_from_writable(struct conn *c, uint16_t code)
{
	unsigned char buf[LWS_PRE + 125];
	const char *r = proto_close_name(code);
	size_t n = strlen(r);

	buf[LWS_PRE] = (unsigned char)(code >> 8);
	buf[LWS_PRE + 1] = (unsigned char)(code & 0xff);
	memcpy(buf + LWS_PRE + 2, r, n);
	if (lws_write(c->wsi, buf + LWS_PRE, n + 2, WS_WRITE_CLOSE) < 0)
		return -1;
	c->close_sent = 1;
	queue_clear(c);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, CLOSE_ACK_S);
	return 0;
}

/* Adds delta to the sockets from the address hashed to `hash`; returns the
 * count after the change. */
static unsigned ip_add(uint32_t hash, int delta)
{
	struct ip_count **pp = &S.ips[hash % IP_BUCKETS], *e;
	unsigned n;

	while (*pp && (*pp)->hash != hash)
		pp = &(*pp)->next;
	e = *pp;
	if (!e) {
		if (delta <= 0 || !(e = calloc(1, sizeof(*e))))
			return 0;
		e->hash = hash;
		*pp = e;
	}
	e->n += (unsigned)delta;
	n = e->n;
	if (e->n == 0) {
		*pp = e->next;
		free(e);
	}
	return n;
}

static uint32_t peer_hash(struct lws *wsi)
{
	char ip[128];
	uint32_t h = 2166136261u;

	http_client_addr(wsi, ip, sizeof(ip));   /* behind a trusted proxy: the forwarded client */
	for (const char *p = ip; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h ? h : 1;
}

static void ws_opened(struct conn *c, struct lws *wsi)
{
	c->wsi = wsi;
	c->fd = lws_get_socket_fd(wsi);
	trim_noted();
	c->ip_hash = peer_hash(wsi);
	if (ip_add(c->ip_hash, 1) > (unsigned)S.max_per_ip) {
		ip_add(c->ip_hash, -1);
		c->ip_hash = 0;
		c->closing = 1;         /* refused: too many sockets from this address */
		c->close_code = PROTO_CLOSE_TOO_MANY_SOCKETS;
		c->drop_queue = 1;
		close_deadline(c);
		lws_callback_on_writable(wsi);
		return;
	}
	if (registry_add(c)) {
		c->closing = 1;         /* out of memory: refuse this socket */
		c->close_code = PROTO_CLOSE_GOING_AWAY;
		c->drop_queue = 1;
		close_deadline(c);
		lws_callback_on_writable(wsi);
		return;
	}
	session_open(c);
}

static void ws_closed(struct conn *c)
{
	if (!c->wsi)
		return;
	trim_noted();
	if (c->ip_hash)
		ip_add(c->ip_hash, -1);
	c->deadline_stamp++;            /* its armed deadline, if any, is stale */
	session_closed(c);
	queue_clear(c);
	msg_unref(c->out_part);
	c->out_part = NULL;
	free(c->cold);
	c->cold = NULL;
	if (S.slots && c->slot < S.cap && S.slots[c->slot] == c)
		registry_remove(c);
	c->wsi = NULL;
	if (S.shutting_down && S.open == 0)
		uv_timer_start(&S.shutdown_timer, shutdown_finish, 0, 0);
}

struct conn_cold *conn_cold(struct conn *c)
{
	if (!c->cold)
		c->cold = calloc(1, sizeof(*c->cold));
	return c->cold;
}

/* The reassembled message has been handled: frees the cold part if the
 * flood windows were never used, else keeps just them. */
static void rx_done(struct conn *c)
{
	struct conn_cold *cold = c->cold, *n;

	if (!cold->refusals.start_ms && !cold->bad.start_ms) {
		free(cold);
		c->cold = NULL;
		return;
	}
	cold->rx_len = cold->rx_cap = 0;
	if ((n = realloc(cold, sizeof(*cold))) != NULL)
		c->cold = n;
}

static int ws_receive(struct conn *c, struct lws *wsi, const char *in, size_t len)
{
	size_t remaining = lws_remaining_packet_payload(wsi);
	int final = lws_is_final_fragment(wsi) && remaining == 0;
	int in_message = c->cold && c->cold->rx_cap;
	size_t have = in_message ? c->cold->rx_len : 0;

	if (lws_frame_is_binary(wsi))
		return close_now(c, PROTO_CLOSE_UNSUPPORTED_DATA);
	if (have + len + remaining > PROTO_MAX_FRAME_BYTES)
		return close_now(c, PROTO_CLOSE_MESSAGE_TOO_BIG);
	if (c->closing)
		return 0;               /* draining towards a close: input is moot */

	if (!in_message && final) {     /* the common case: one whole message */
		if (!text_utf8_valid(in, len))
			return close_now(c, PROTO_CLOSE_INVALID_UTF8);
		session_message(c, in, len);
		return 0;
	}
	if (have + len >= (in_message ? c->cold->rx_cap : 0)) {
		/* The frame's header gave its length: room for all of it (and a
		 * NUL) at once, not a reallocation per receive chunk (a hello
		 * spans several), which would leave holes among the long-lived
		 * per-connection blocks during a connect storm. */
		size_t cap = have + len + remaining + 1;
		struct conn_cold *n = realloc(c->cold, sizeof(*n) + cap);

		if (!n)
			return close_now(c, PROTO_CLOSE_GOING_AWAY);
		if (!c->cold)
			memset(n, 0, sizeof(*n));
		n->rx_cap = cap;
		c->cold = n;
	}
	memcpy(c->cold->rx + have, in, len);
	c->cold->rx_len = have + len;
	if (final) {
		if (!text_utf8_valid(c->cold->rx, c->cold->rx_len))
			return close_now(c, PROTO_CLOSE_INVALID_UTF8);
		/* session_message() may use the flood windows beside the
		 * message (conn_cold() then returns this block as it is). */
		session_message(c, c->cold->rx, c->cold->rx_len);
		rx_done(c);
	}
	return 0;
}

/*
 * Finishes a partly sent frame, then writes what is queued: one message as
 * it is, or several as one JSON-array frame up to about
 * PROTO_MAX_OUT_FRAME_BYTES. Then closes if asked to (only once no frame is
 * half out: a close frame in the middle of one would corrupt the stream).
 */
static int ws_writable(struct conn *c, struct lws *wsi)
{
	struct msg *out;
	uint32_t n = 0;
	size_t total = 1;
	int rc;

	if (c->close_sent)
		return 0;
	if (c->out_part) {
		rc = finish_part(c);
		if (rc <= 0)
			return rc;
	}
	if (c->closing && (c->drop_queue || c->q_count == 0))
		return close_from_writable(c, c->close_code);
	if (c->q_count == 0)
		return 0;

	/* How many queued messages fit in one frame (at least one). */
	while (n < c->q_count) {
		size_t add = queue_peek(c, n)->len + 1;

		if (n > 0 && total + add > PROTO_MAX_OUT_FRAME_BYTES)
			break;
		total += add;
		n++;
	}
	if (n == 1) {
		out = msg_ref(queue_peek(c, 0));
	} else {
		char *p;

		out = msg_new(total);
		if (!out)
			return close_from_writable(c, PROTO_CLOSE_GOING_AWAY);
		p = msg_data(out);
		*p++ = '[';
		for (uint32_t i = 0; i < n; i++) {
			struct msg *m = queue_peek(c, i);

			memcpy(p, msg_data(m), m->len);
			p += m->len;
			*p++ = i + 1 < n ? ',' : ']';
		}
		assert((size_t)(p - msg_data(out)) == total);
	}
	rc = send_or_hold(c, out);
	msg_unref(out);
	if (rc < 0)
		return -1;
	while (n--)
		queue_pop(c);
	if (c->replaying && !c->closing)
		rooms_conn_drained(c);  /* a paced replay may queue its next chunk */
	if (c->q_count || c->closing)
		lws_callback_on_writable(wsi);
	return 0;
}

/* Only upgrades on WS_PATH become WebSockets. */
static int ws_filter(struct lws *wsi)
{
	char uri[64];

	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0)
		return 1;
	return strcmp(uri, WS_PATH) != 0;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
		       void *in, size_t len)
{
	struct conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return ws_filter(wsi);
	case LWS_CALLBACK_ESTABLISHED:
		ws_opened(c, wsi);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return ws_receive(c, wsi, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return ws_writable(c, wsi);
	case LWS_CALLBACK_CLOSED:
		ws_closed(c);
		return 0;
	case LWS_CALLBACK_HTTP:
		/* The "default" protocol also receives HTTP requests that no
		 * file matched. */
		return http_status_only(wsi, HTTP_STATUS_NOT_FOUND);
	default:
		/* As the default protocol it is bound to plain HTTP connections
		 * too: lws's handler ends each file transaction so a kept-alive
		 * connection can serve the next request. */
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

int server_stopping(void)
{
	return S.shutting_down;
}

/* ------------------------------------------------------------------------- */
/* Shutdown                                                                  */
/* ------------------------------------------------------------------------- */

static void handle_closed(uv_handle_t *h)
{
	(void)h;
}

static void prune_fired(uv_timer_t *t)
{
	(void)t;
	session_prune();
}

static void store_async_fired(uv_async_t *a)
{
	(void)a;
	session_store_done();
}

/* Called by the writer thread: wake the loop. */
static void store_notify(void *arg)
{
	uv_async_send(arg);
}

static void rooms_closed(void *arg)
{
	(void)arg;
	S.rooms_open = 0;
	if (S.ctx)
		lws_context_destroy(S.ctx);
}

/* Last phase: every socket is closed (or the grace ran out). Start lws's
 * teardown from inside the loop and close our own handles; uv_run returns
 * once all of them are closed. */
static void shutdown_finish(uv_timer_t *t)
{
	(void)t;
	if (S.destroying)
		return;
	S.destroying = 1;
	uv_close((uv_handle_t *)&S.shutdown_timer, handle_closed);
	uv_close((uv_handle_t *)&S.prune_timer, handle_closed);
	uv_close((uv_handle_t *)&S.trim_timer, handle_closed);
	uv_close((uv_handle_t *)&S.deadline_timer, handle_closed);
	uv_close((uv_handle_t *)&S.store_async, handle_closed);
	if (S.rooms_open)
		rooms_close(rooms_closed, NULL);
	else
		lws_context_destroy(S.ctx);
}

/* Third phase: tell every socket we are going (1001) after what is queued
 * for it, then wait for them to close. */
static void close_sockets(void)
{
	S.flushing = 0;
	for (uint32_t i = 0; i < S.cap; i++)
		if (S.slots[i])
			conn_close(S.slots[i], PROTO_CLOSE_GOING_AWAY, 1);
	uv_update_time(&S.loop);
	uv_timer_start(&S.shutdown_timer, shutdown_finish, S.open ? SHUTDOWN_GRACE_MS : 0, 0);
}

/* Second phase ends: the bus has handed every event published before the
 * flush to the rooms, which queued them for their sockets. */
static void bus_flushed(void *arg)
{
	(void)arg;
	if (S.flushing && !S.destroying)
		close_sockets();
}

/* The bus did not finish its flush in time (Redis stalled): close anyway. */
static void flush_timed_out(uv_timer_t *t)
{
	(void)t;
	if (S.flushing)
		fprintf(stderr, "forumd: shutdown: the bus did not deliver within %d ms; closing sockets\n",
			SHUTDOWN_FLUSH_MAX_MS);
	close_sockets();
}

/*
 * First phase: refuse new requests, let the writer commit what is queued
 * and answer it (publishing the events), then wait until the bus has
 * delivered everything published so far, at most SHUTDOWN_FLUSH_MAX_MS,
 * before the sockets are told to go. A fixed delay is not enough: the
 * deliveries run on a later loop turn (or after a Redis round trip), and
 * store_drain() blocks the loop, so a timer armed against the loop's cached
 * time could fire before them.
 */
static void shutdown_begin(void)
{
	struct bus *bus = rooms_bus();

	if (S.shutting_down)
		return;
	S.shutting_down = 1;
	session_set_shutting_down();
	uv_close((uv_handle_t *)&S.sigint, handle_closed);
	uv_close((uv_handle_t *)&S.sigterm, handle_closed);
	listener_close(S.listener);     /* stop accepting; a sibling worker may */
	S.listener = NULL;
	store_drain(S.store);
	session_store_done();
	uv_update_time(&S.loop);        /* store_drain blocked: the cached time is stale */
	S.flushing = 1;
	uv_timer_start(&S.shutdown_timer, flush_timed_out, SHUTDOWN_FLUSH_MAX_MS, 0);
	bus->flush(bus, bus_flushed, NULL);
}

/* A connection was accepted: lws takes it from here as if it had accepted it. */
static void accepted(int fd, void *arg)
{
	(void)arg;
	/* A failing setsockopt leaves the kernel's size: only less bounded. */
	if (S.sndbuf > 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &S.sndbuf, sizeof(S.sndbuf));
	if (S.shutting_down || !lws_adopt_socket_vhost(S.vh, fd))
		close(fd);
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)h;
	(void)signum;
	shutdown_begin();
}

/* ------------------------------------------------------------------------- */
/* Start                                                                     */
/* ------------------------------------------------------------------------- */

/* lws sizes its tables from the soft fd limit: raise it to the hard one. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int server_run(const struct server_opts *o)
{
	static const struct lws_protocol_vhost_options pvo_default = { NULL, NULL, "default", "1" };
	static const struct lws_protocol_vhost_options pvo = { NULL, &pvo_default, PROTO_NAME, "" };
	const struct lws_protocol_vhost_options hdr_ref = { NULL, NULL, "referrer-policy:", "no-referrer" };
	const struct lws_protocol_vhost_options hdr_nosniff = { &hdr_ref, NULL, "x-content-type-options:", "nosniff" };
	const struct lws_protocol_vhost_options hdr_csp = { &hdr_nosniff, NULL, "content-security-policy:", CSP };
	const struct lws_protocols protocols[] = {
		{ "forumd-http", http_callback, sizeof(struct http_pss), 0, 0, NULL, HTTP_CHUNK_BYTES },
		{ PROTO_NAME, ws_callback, sizeof(struct conn), WS_RX_CHUNK, 0, NULL, PROTO_MAX_OUT_FRAME_BYTES + 1024 },
		{ NULL, NULL, 0, 0, 0, NULL, 0 }
	};
	const struct lws_http_mount mount_health = {
		.mountpoint = "/healthz", .mountpoint_len = 8,
		.origin = "forumd-http", .origin_protocol = LWSMPRO_CALLBACK,
	};
	const struct lws_http_mount mount_api = {
		.mount_next = &mount_health,
		.mountpoint = "/api", .mountpoint_len = 4,
		.origin = "forumd-http", .origin_protocol = LWSMPRO_CALLBACK,
	};
	const struct lws_http_mount mount_dev = {
		.mount_next = &mount_api,
		.mountpoint = "/dev", .mountpoint_len = 4,
		.origin = "forumd-http", .origin_protocol = LWSMPRO_CALLBACK,
	};
	const struct lws_http_mount mount_metrics = {
		.mount_next = &mount_dev,
		.mountpoint = "/metrics", .mountpoint_len = 8,
		.origin = "forumd-http", .origin_protocol = LWSMPRO_CALLBACK,
	};
	/* Static files too are served by forumd-http (http.c says why). */
	const struct lws_http_mount mount_root = {
		.mount_next = &mount_metrics,
		.mountpoint = "/", .mountpoint_len = 1,
		.origin = "forumd-http", .origin_protocol = LWSMPRO_CALLBACK,
	};
	struct lws_context_creation_info info;
	void *foreign[1];
	struct session_ctx sctx = { o->secret, o->secret_len, { o->version, NULL }, NULL, o->history_days, 0 };
	struct http_config hcfg = { NULL, o->secret, o->secret_len, o->db, o->seed_demo, &S.info, o->trusted_proxies,
				    o->static_dir };
	char process[128], host[64], err[256];
	int rc = 1, port;

	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	memset(&S, 0, sizeof(S));
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(process, sizeof(process), "%s:%d", host, (int)getpid());
	S.info.version = o->version;
	S.info.process = process;
	S.max_per_ip = o->max_sockets_per_ip > 0 ? o->max_sockets_per_ip : 10000;
	S.sndbuf = o->socket_sndbuf;

	/* Every handle of ours exists before anything can fail, so the one
	 * cleanup path below closes them all. */
	if (uv_loop_init(&S.loop))
		return 1;
	uv_async_init(&S.loop, &S.store_async, store_async_fired);
	uv_signal_init(&S.loop, &S.sigint);
	uv_signal_init(&S.loop, &S.sigterm);
	uv_timer_init(&S.loop, &S.shutdown_timer);
	uv_timer_init(&S.loop, &S.prune_timer);
	uv_timer_init(&S.loop, &S.trim_timer);
	uv_timer_init(&S.loop, &S.deadline_timer);
	hcfg.loop = &S.loop;
	if (http_init(&hcfg)) {
		fprintf(stderr, "forumd: --trusted-proxy: give IP addresses separated by commas\n");
		goto out;
	}

	S.store = store_open(o->db, o->sync_normal ? STORE_SYNC_NORMAL : STORE_SYNC_FULL, o->seed_demo,
			     &o->limits, store_notify, &S.store_async, err, sizeof(err));
	if (!S.store) {
		fprintf(stderr, "forumd: %s\n", err);
		goto out;
	}
	/* From here on this thread runs the loop: it never runs a statement
	 * (asserted in test builds); reads go to the store's reader pool. */
	store_loop_thread(S.store);
	api_set_store(S.store);
	if (rooms_init(&S.loop, S.store, o->redis)) {
		fprintf(stderr, "forumd: cannot start the bus\n");
		goto out;
	}
	S.rooms_open = 1;
	sctx.info = S.info;
	sctx.store = S.store;
	session_init(&sctx);
	uv_timer_start(&S.prune_timer, prune_fired, PRUNE_EVERY_MS, PRUNE_EVERY_MS);
	uv_signal_start(&S.sigint, on_signal, SIGINT);
	uv_signal_start(&S.sigterm, on_signal, SIGTERM);

	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	memset(&info, 0, sizeof(info));
	foreign[0] = &S.loop;
	info.foreign_loops = foreign;
	/* No LWS_SERVER_OPTION_VALIDATE_UTF8: lws would close an invalid text
	 * message with 1007 and its own reason ("bad utf8"), with no hook to
	 * set ours; ws_receive checks each whole message instead. */
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.port = CONTEXT_PORT_NO_LISTEN;
	/* Room for a token as long as hello takes in an Authorization header,
	 * beside the other headers (lws's default is 4,096 bytes in all). */
	info.max_http_header_data = PROTO_MAX_TOKEN_BYTES + 4096;
	S.ctx = lws_create_context(&info);
	if (!S.ctx) {
		fprintf(stderr, "forumd: cannot create the WebSocket context\n");
		goto out;
	}

	memset(&info, 0, sizeof(info));
	info.vhost_name = "forumd";
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;  /* listen.c owns the socket */
	info.protocols = protocols;
	info.pvo = &pvo;
	info.mounts = &mount_root;
	info.headers = &hdr_csp;
	S.vh = lws_create_vhost(S.ctx, &info);
	if (!S.vh) {
		fprintf(stderr, "forumd: cannot create the WebSocket server\n");
		goto out;
	}
	S.listener = listener_open(&S.loop, o->bind, o->port, o->reuse_port, accepted, NULL, &port);
	if (!S.listener) {
		fprintf(stderr, "forumd: cannot listen on %s:%d: %s\n", o->bind ? o->bind : "*", o->port,
			strerror(errno));
		goto out;
	}
	if (!o->quiet) {
		printf("forumd listening on http://%s:%d (pid %d)\n",
		       o->bind ? o->bind : "localhost", port, (int)getpid());
		fflush(stdout);
	}
	if (o->ready_fd >= 0) {
		char one = 1;

		if (write(o->ready_fd, &one, 1) != 1)
			fprintf(stderr, "forumd: cannot tell the supervisor we are ready\n");
		close(o->ready_fd);
	}

	uv_run(&S.loop, UV_RUN_DEFAULT);
	rc = 0;
out:
	if (!S.shutting_down) {
		uv_close((uv_handle_t *)&S.sigint, handle_closed);
		uv_close((uv_handle_t *)&S.sigterm, handle_closed);
		listener_close(S.listener);
		S.listener = NULL;
	}
	if (!S.destroying) {
		S.destroying = 1;
		uv_close((uv_handle_t *)&S.shutdown_timer, handle_closed);
		uv_close((uv_handle_t *)&S.prune_timer, handle_closed);
		uv_close((uv_handle_t *)&S.trim_timer, handle_closed);
		uv_close((uv_handle_t *)&S.deadline_timer, handle_closed);
		uv_close((uv_handle_t *)&S.store_async, handle_closed);
		if (S.rooms_open)
			rooms_close(rooms_closed, NULL);
		else if (S.ctx)
			lws_context_destroy(S.ctx);
	}
	uv_run(&S.loop, UV_RUN_DEFAULT);       /* let the closes above complete */
	if (S.ctx)
		lws_context_destroy(S.ctx);    /* second phase: frees the context */
	S.ctx = NULL;
	store_close(S.store);
	S.store = NULL;
	if (uv_loop_close(&S.loop) != 0)
		fprintf(stderr, "forumd: loop closed with handles still open\n");
	registry_free();
	http_free();
	free(S.dl);
	S.dl = NULL;
	S.ndl = S.dl_cap = 0;
	return rc;
}
