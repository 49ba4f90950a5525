/*
 * loadgen.c - a load generator for forumd and the servers it is compared
 * with, on one libuv loop.
 *
 * It opens many subscriber connections from several 127.x source addresses,
 * publishes open-loop at a fixed rate (each message carries the
 * CLOCK_MONOTONIC time it was due to be sent, as "@@<ns>@@"), and records
 * receive-minus-send latencies of every delivery in a log-linear histogram.
 * Protocols:
 *   forumd  forumd.v1: hello with a token, subscribe to rooms, post.create
 *   ws      plain WebSocket text frames (Nchan, the Node `ws` server)
 *   sio     Socket.IO 4 over Engine.IO 4 WebSocket text framing
 *   raw     plain TCP lines (the floor program)
 * and a writers mode (forumd): N connections each keeping one post.create in
 * flight, reporting acknowledged writes per second and the ack latency.
 *
 * Output is line-oriented for a runner script: "STEP", "PING", "RESULT {json}",
 * "ERR ...". See usage() for the options.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "hdr.h"

#define MAX_TARGETS 8
#define MAX_PIDS 8
#define MAX_ROOMS 4
#define CONNECT_WINDOW 128
#define READ_BUF (256 * 1024)
#define PING_PER_MS 1
#define PING_SETTLE_MS 1000

enum proto { P_FORUMD, P_WS, P_SIO, P_RAW };
enum role { R_SUB, R_PUB, R_WRITER };
enum state { S_IDLE, S_CONNECTING, S_HANDSHAKE, S_OPEN, S_READY, S_CLOSED };

struct conn {
	uv_tcp_t tcp;
	uv_connect_t creq;
	int idx, role, state, target;
	int subs_ok;
	char *in;                      /* bytes of an incomplete frame */
	size_t in_len, in_cap;
	char *frag;                    /* a fragmented message being assembled */
	size_t frag_len;
	uint64_t ping_sent;            /* 0: no ping in flight */
	uint64_t write_sent, write_next;
	unsigned write_seq;
	int write_waiting;
};

struct wreq {
	uv_write_t req;
	uv_buf_t buf;
	char data[];
};

static struct {
	uv_loop_t *loop;
	enum proto proto;
	struct sockaddr_in targets[MAX_TARGETS];
	int ntargets;
	char host[64];
	const char *path, *pub_path, *pub_token, *pub_room;
	char *rooms[MAX_ROOMS];
	int nrooms;
	char **tokens;
	int ntokens;
	uint32_t src_first, src_last;

	int nsubs, npubs, nwriters;
	int *steps, nsteps, step;
	int interactive, pings;
	double rate, writer_rate;
	int msg_bytes;
	double warmup, duration, drain, timeout;
	int pids[MAX_PIDS], npids;

	struct conn *c;                /* subs, then pubs, then writers */
	int total, started, ready, failed, closed_after_ready, pending;
	int phase_target;              /* connections wanted ready in this phase */
	uint64_t phase_t0;

	/* ping round */
	int ping_sent, ping_recv, ping_next, pinging, settling;
	uint64_t ping_last_send;
	struct hdr ping_hist;

	/* measurement */
	int measuring;
	uint64_t t0, m_start, m_end, end_at;
	uint64_t ev_sent, ev_measured, pub_errors;
	uint64_t delivered_all, delivered_measured;
	struct hdr lat;
	uint64_t writes_ok, writes_err, writes_rl;
	struct hdr wlat;
	uint64_t cpu0[MAX_PIDS], cpu1[MAX_PIDS], ucpu0[MAX_PIDS], ucpu1[MAX_PIDS], self0, self1;
	int cpu_started;
	char first_error[256];

	uv_timer_t tick, deadline, settle;
	uv_pipe_t in;
	int waiting_stdin;
	uint64_t rng;
	int exit_code;
} G;

static char readbuf[READ_BUF];

static void phase_next(void);
static void conn_start(struct conn *c);

/* ------------------------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ERR ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
	exit(1);
}

static void note_error(const char *fmt, ...)
{
	va_list ap;

	if (G.first_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(G.first_error, sizeof(G.first_error), fmt, ap);
	va_end(ap);
}

static uint32_t rnd(void)
{
	G.rng ^= G.rng << 13;
	G.rng ^= G.rng >> 7;
	G.rng ^= G.rng << 17;
	return (uint32_t)(G.rng >> 16);
}

/* CPU ticks (user + system) of a process, from /proc/PID/stat, and the user
 * part in *user; 0 if it is gone. */
static uint64_t cpu_ticks(int pid, uint64_t *user)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	*user = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (!(p = strrchr(buf, ')')))
		return 0;
	/* After ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime(14) stime(15). */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	*user = ut;
	return ut + st;
}

static void cpu_snapshot(uint64_t *into, uint64_t *user, uint64_t *self)
{
	uint64_t u;

	for (int i = 0; i < G.npids; i++)
		into[i] = cpu_ticks(G.pids[i], &user[i]);
	*self = cpu_ticks(getpid(), &u);
}

/* ------------------------------------------------------------------------- */
/* Writing                                                                   */
/* ------------------------------------------------------------------------- */

static void write_done(uv_write_t *req, int status)
{
	(void)status;
	free(req);
}

static void send_raw(struct conn *c, const char *data, size_t len)
{
	struct wreq *w;

	if (c->state == S_CLOSED)
		return;
	w = malloc(sizeof(*w) + len);
	if (!w)
		die("out of memory");
	memcpy(w->data, data, len);
	w->buf = uv_buf_init(w->data, (unsigned)len);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &w->buf, 1, write_done))
		free(w);
}

/* One masked client frame (RFC 6455 5.3). */
static void send_frame(struct conn *c, int opcode, const char *data, size_t len)
{
	struct wreq *w;
	unsigned char *p;
	uint32_t key = rnd();
	size_t hl = 2 + 4 + (len < 126 ? 0 : len < 65536 ? 2 : 8);

	if (c->state == S_CLOSED)
		return;
	w = malloc(sizeof(*w) + hl + len);
	if (!w)
		die("out of memory");
	p = (unsigned char *)w->data;
	*p++ = (unsigned char)(0x80 | opcode);
	if (len < 126) {
		*p++ = (unsigned char)(0x80 | len);
	} else if (len < 65536) {
		*p++ = 0x80 | 126;
		*p++ = (unsigned char)(len >> 8);
		*p++ = (unsigned char)len;
	} else {
		*p++ = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			*p++ = (unsigned char)((uint64_t)len >> (8 * i));
	}
	memcpy(p, &key, 4);
	for (size_t i = 0; i < len; i++)
		p[4 + i] = (unsigned char)data[i] ^ ((unsigned char *)&key)[i & 3];
	w->buf = uv_buf_init(w->data, (unsigned)(hl + len));
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &w->buf, 1, write_done))
		free(w);
}

static void send_text(struct conn *c, const char *s, size_t len)
{
	send_frame(c, 1, s, len);
}

/* ------------------------------------------------------------------------- */
/* Connection life                                                           */
/* ------------------------------------------------------------------------- */

static void on_close(uv_handle_t *h)
{
	(void)h;
}

static void conn_ready(struct conn *c)
{
	if (c->state == S_READY)
		return;
	c->state = S_READY;
	G.ready++;
	G.pending--;
	phase_next();
}

static void conn_fail(struct conn *c, const char *why)
{
	int was = c->state;

	if (was == S_CLOSED)
		return;
	c->state = S_CLOSED;
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, on_close);
	if (was == S_READY) {
		G.closed_after_ready++;
		note_error("connection %d closed: %s", c->idx, why);
		return;
	}
	G.failed++;
	G.pending--;
	note_error("connection %d failed: %s", c->idx, why);
	phase_next();
}

static void send_forumd_hello(struct conn *c)
{
	char buf[2048];
	const char *tok = c->role == R_PUB ? G.pub_token : G.tokens[c->idx % G.ntokens];
	int n = snprintf(buf, sizeof(buf), "{\"op\":\"hello\",\"id\":\"h\",\"data\":{\"token\":\"%s\"}}", tok);

	send_text(c, buf, (size_t)n);
}

static void ws_opened(struct conn *c)
{
	c->state = S_OPEN;
	switch (G.proto) {
	case P_FORUMD:
		send_forumd_hello(c);
		break;
	case P_WS:
		conn_ready(c);
		break;
	case P_SIO:
		break;          /* the server speaks first: "0{sid...}" */
	case P_RAW:
		break;
	}
}

/* ------------------------------------------------------------------------- */
/* Receiving                                                                 */
/* ------------------------------------------------------------------------- */

/* Every "@@<ns>@@" in the message is one delivery. */
static void scan_markers(const char *p, size_t n)
{
	const char *end = p + n, *q = p;
	uint64_t now = 0;

	while ((q = memmem(q, (size_t)(end - q), "@@", 2)) != NULL) {
		uint64_t ts = 0;
		const char *d = q + 2;

		while (d < end && *d >= '0' && *d <= '9')
			ts = ts * 10 + (uint64_t)(*d++ - '0');
		if (d + 1 < end && d[0] == '@' && d[1] == '@' && d > q + 2) {
			if (!now)
				now = now_ns();
			G.delivered_all++;
			if (G.measuring && ts >= G.m_start && ts < G.m_end) {
				G.delivered_measured++;
				hdr_record(&G.lat, now > ts ? now - ts : 0);
			}
			q = d + 2;
		} else {
			q += 2;
		}
	}
}

static void ping_done(struct conn *c)
{
	if (!c->ping_sent)
		return;
	hdr_record(&G.ping_hist, now_ns() - c->ping_sent);
	c->ping_sent = 0;
	G.ping_recv++;
}

static void write_next(struct conn *c, uint64_t now);

/* One reply {"re":"ID","ok":...} found at p in a forumd message. */
static void forumd_reply(struct conn *c, const char *p, const char *end)
{
	const char *id = p + 7, *q = memchr(id, '"', (size_t)(end - id));
	int ok;

	if (!q)
		return;
	ok = (size_t)(end - q) >= 11 && memcmp(q, "\",\"ok\":true", 11) == 0;
	if (!ok) {
		const char *code = memmem(q, (size_t)(end - q), "\"code\":\"", 8);
		char cbuf[48] = "?";

		if (code) {
			code += 8;
			const char *ce = memchr(code, '"', (size_t)(end - code));
			size_t cl = ce ? (size_t)(ce - code) : 0;

			if (cl >= sizeof(cbuf))
				cl = sizeof(cbuf) - 1;
			memcpy(cbuf, code, cl);
			cbuf[cl] = '\0';
		}
		if (id[0] == 'w' && c->role == R_WRITER) {
			if (strcmp(cbuf, "rate_limited") == 0)
				G.writes_rl++;
			else
				G.writes_err++;
			note_error("write refused: %s", cbuf);
			c->write_sent = 0;
			c->write_next = now_ns() + 100000000ull;   /* back off 100 ms */
			c->write_waiting = 1;
			return;
		}
		if (id[0] == 'e') {
			G.pub_errors++;
			note_error("publish refused: %s", cbuf);
			return;
		}
		if (id[0] == 'p') {
			ping_done(c);
			return;
		}
		conn_fail(c, cbuf);
		return;
	}
	switch (id[0]) {
	case 'h':
		if (c->role == R_SUB && G.nrooms) {
			for (int i = 0; i < G.nrooms; i++) {
				char buf[160];
				int n = snprintf(buf, sizeof(buf), "{\"op\":\"subscribe\",\"id\":\"s%d\",\"data\":{\"room\":\"%s\"}}",
						 i, G.rooms[i]);

				send_text(c, buf, (size_t)n);
			}
		} else {
			conn_ready(c);
		}
		break;
	case 's':
		if (++c->subs_ok == G.nrooms)
			conn_ready(c);
		break;
	case 'p':
		ping_done(c);
		break;
	case 'w':
		if (c->write_sent) {
			uint64_t now = now_ns();

			if (G.measuring && c->write_sent >= G.m_start && now < G.m_end) {
				G.writes_ok++;
				hdr_record(&G.wlat, now - c->write_sent);
			}
			c->write_sent = 0;
			write_next(c, now);
		}
		break;
	default:
		break;
	}
}

static void on_message(struct conn *c, const char *p, size_t n)
{
	if (c->role == R_SUB)
		scan_markers(p, n);
	switch (G.proto) {
	case P_FORUMD: {
		const char *end = p + n, *q = p;

		/* Replies may be batched with other messages in an array frame. */
		while ((q = memmem(q, (size_t)(end - q), "{\"re\":\"", 7)) != NULL) {
			forumd_reply(c, q, end);
			q += 7;
		}
		break;
	}
	case P_SIO:
		if (n >= 1 && p[0] == '2' && n == 1) {
			send_text(c, "3", 1);                    /* Engine.IO pong */
		} else if (n >= 2 && p[0] == '0' && p[1] == '{') {
			send_text(c, "40", 2);                   /* connect to "/" */
		} else if (n >= 2 && p[0] == '4' && p[1] == '0') {
			conn_ready(c);
		} else if (n >= 2 && p[0] == '4' && p[1] == '4') {
			conn_fail(c, "socket.io connect error");
		}
		break;
	default:
		break;
	}
}

/* Parses WebSocket frames from p; returns bytes consumed. */
static size_t ws_parse(struct conn *c, const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t off = 0;

	while (len - off >= 2 && c->state != S_CLOSED) {
		const unsigned char *h = p + off;
		int fin = h[0] & 0x80, op = h[0] & 0x0f, masked = h[1] & 0x80;
		uint64_t plen = h[1] & 0x7f;
		size_t hl = 2;
		unsigned char key[4] = { 0 };
		char *data;

		if (plen == 126) {
			if (len - off < 4)
				break;
			plen = ((uint64_t)h[2] << 8) | h[3];
			hl = 4;
		} else if (plen == 127) {
			if (len - off < 10)
				break;
			plen = 0;
			for (int i = 0; i < 8; i++)
				plen = (plen << 8) | h[2 + i];
			hl = 10;
		}
		if (masked) {
			if (len - off < hl + 4)
				break;
			memcpy(key, h + hl, 4);
			hl += 4;
		}
		if (len - off < hl + plen)
			break;
		data = (char *)(h + hl);
		if (masked)
			for (uint64_t i = 0; i < plen; i++)
				data[i] ^= (char)key[i & 3];
		off += hl + plen;
		switch (op) {
		case 0: case 1: case 2:
			if (fin && !c->frag && op != 0) {
				on_message(c, data, plen);
			} else {
				char *nf = realloc(c->frag, c->frag_len + plen + 1);

				if (!nf)
					die("out of memory");
				memcpy(nf + c->frag_len, data, plen);
				c->frag = nf;
				c->frag_len += plen;
				if (fin) {
					on_message(c, c->frag, c->frag_len);
					free(c->frag);
					c->frag = NULL;
					c->frag_len = 0;
				}
			}
			break;
		case 8: {
			char why[64];
			unsigned code = plen >= 2 ? ((unsigned)(unsigned char)data[0] << 8 | (unsigned char)data[1]) : 0;

			snprintf(why, sizeof(why), "close frame %u", code);
			conn_fail(c, why);
			break;
		}
		case 9:
			send_frame(c, 10, data, plen);
			break;
		case 10:
			ping_done(c);
			break;
		default:
			break;
		}
	}
	return off;
}

/* Handles bytes; returns how many were consumed (the rest is a partial frame). */
static size_t conn_input(struct conn *c, char *p, size_t len)
{
	size_t off = 0;

	if (c->state == S_HANDSHAKE) {
		char *e = memmem(p, len, "\r\n\r\n", 4);

		if (!e)
			return 0;
		if (len < 12 || memcmp(p + 9, "101", 3) != 0) {
			char why[80];

			snprintf(why, sizeof(why), "handshake refused: %.40s", p);
			conn_fail(c, why);
			return len;
		}
		off = (size_t)(e - p) + 4;
		ws_opened(c);
	}
	if (G.proto == P_RAW) {
		char *nl, *start = p + off;

		while ((nl = memchr(start, '\n', len - (size_t)(start - p))) != NULL) {
			on_message(c, start, (size_t)(nl - start));
			start = nl + 1;
		}
		return (size_t)(start - p);
	}
	return off + ws_parse(c, p + off, len - off);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)h;
	(void)suggested;
	*buf = uv_buf_init(readbuf, sizeof(readbuf));
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = s->data;
	size_t used;

	if (nread < 0) {
		conn_fail(c, nread == UV_EOF ? "closed by the server" : uv_strerror((int)nread));
		return;
	}
	if (nread == 0)
		return;
	if (c->in_len == 0) {
		used = conn_input(c, buf->base, (size_t)nread);
		if (used < (size_t)nread && c->state != S_CLOSED) {
			size_t rest = (size_t)nread - used;

			if (rest > c->in_cap) {
				c->in = realloc(c->in, rest);
				if (!c->in)
					die("out of memory");
				c->in_cap = rest;
			}
			memcpy(c->in, buf->base + used, rest);
			c->in_len = rest;
		}
		return;
	}
	if (c->in_len + (size_t)nread > c->in_cap) {
		c->in_cap = c->in_len + (size_t)nread;
		c->in = realloc(c->in, c->in_cap);
		if (!c->in)
			die("out of memory");
	}
	memcpy(c->in + c->in_len, buf->base, (size_t)nread);
	c->in_len += (size_t)nread;
	used = conn_input(c, c->in, c->in_len);
	if (c->state == S_CLOSED)
		return;
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	if (c->in_len == 0) {           /* back to reading in place: give the memory back */
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
}

static void connected(uv_connect_t *req, int status)
{
	struct conn *c = req->data;
	char buf[1024];
	const char *path = c->role == R_SUB ? G.path : G.pub_path;
	int n;

	if (status) {
		conn_fail(c, uv_strerror(status));
		return;
	}
	c->tcp.data = c;
	uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
	if (G.proto == P_RAW) {
		send_raw(c, c->role == R_SUB ? "S\n" : "P\n", 2);
		c->state = S_OPEN;
		conn_ready(c);
		return;
	}
	c->state = S_HANDSHAKE;
	n = snprintf(buf, sizeof(buf),
		     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
		     path, G.host, G.proto == P_FORUMD ? "Sec-WebSocket-Protocol: forumd.v1\r\n" : "");
	send_raw(c, buf, (size_t)n);
}

static void conn_start(struct conn *c)
{
	struct sockaddr_in src;
	uint32_t span = G.src_last - G.src_first + 1;
	int r;

	c->state = S_CONNECTING;
	G.started++;
	G.pending++;
	uv_tcp_init(G.loop, &c->tcp);
	c->tcp.data = c;
	uv_tcp_nodelay(&c->tcp, 1);
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(G.src_first + (uint32_t)c->idx % span);
	if ((r = uv_tcp_bind(&c->tcp, (struct sockaddr *)&src, 0)) != 0) {
		conn_fail(c, uv_strerror(r));
		return;
	}
	c->creq.data = c;
	if (c->role == R_SUB)
		c->target = c->idx % G.ntargets;
	else
		c->target = 0;
	if ((r = uv_tcp_connect(&c->creq, &c->tcp, (struct sockaddr *)&G.targets[c->target], connected)) != 0)
		conn_fail(c, uv_strerror(r));
}

/* ------------------------------------------------------------------------- */
/* Phases: connect in steps (with a ping round each), then publish/write     */
/* ------------------------------------------------------------------------- */

static void start_measure(void);

/* Starts connections up to the phase target, within the connect window. */
static void fill_window(void)
{
	while (G.pending < CONNECT_WINDOW && G.started < G.phase_target)
		conn_start(&G.c[G.started]);
}

static void ping_round_start(void)
{
	hdr_init(&G.ping_hist);
	G.ping_sent = G.ping_recv = G.ping_next = 0;
	G.pinging = 1;
	G.ping_last_send = 0;
}

static void settle_done(uv_timer_t *t)
{
	(void)t;
	G.settling = 0;
	ping_round_start();
}

static void step_done(void)
{
	int n = G.steps[G.step];

	printf("STEP %d ready=%d failed=%d closed=%d connect_ms=%.0f\n", n, G.ready, G.failed,
	       G.closed_after_ready, (double)(now_ns() - G.phase_t0) / 1e6);
	fflush(stdout);
	if (G.pings > 0 && G.ready > 0 && G.proto != P_RAW) {
		/* Let the server settle from the connect burst: the pings
		 * measure idle connections. */
		G.settling = 1;
		uv_timer_start(&G.settle, settle_done, PING_SETTLE_MS, 0);
		return;
	}
	G.step++;
	if (G.interactive)
		G.waiting_stdin = 1;
	else
		phase_next();
}

static void ping_round_done(void)
{
	G.pinging = 0;
	printf("PING %d sent=%d recv=%d p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f\n", G.steps[G.step],
	       G.ping_sent, G.ping_recv, hdr_quantile(&G.ping_hist, 0.5) / 1e3,
	       hdr_quantile(&G.ping_hist, 0.99) / 1e3, hdr_quantile(&G.ping_hist, 0.999) / 1e3,
	       G.ping_hist.max / 1e3);
	fflush(stdout);
	for (int i = 0; i < G.total; i++)
		G.c[i].ping_sent = 0;
	G.step++;
	if (G.interactive)
		G.waiting_stdin = 1;
	else
		phase_next();
}

/* Moves on when the connections of the current phase are all settled. */
static void phase_next(void)
{
	if (G.waiting_stdin || G.pinging || G.settling || G.measuring)
		return;
	if (G.step < G.nsteps) {
		if (G.phase_target != G.steps[G.step]) {
			G.phase_target = G.steps[G.step];
			G.phase_t0 = now_ns();
		}
		fill_window();
		if (G.ready + G.failed >= G.phase_target && G.pending == 0)
			step_done();
		return;
	}
	if (G.phase_target < G.total) {
		G.phase_target = G.total;
		G.phase_t0 = now_ns();
	}
	fill_window();
	if (G.ready + G.failed >= G.total && G.pending == 0 && !G.t0) {
		if (G.npubs == 0 && G.nwriters == 0) {
			printf("DONE ready=%d failed=%d\n", G.ready, G.failed);
			fflush(stdout);
			exit(0);
		}
		start_measure();
	}
}

static void stdin_alloc(uv_handle_t *h, size_t s, uv_buf_t *b)
{
	static char sbuf[256];

	(void)h;
	(void)s;
	*b = uv_buf_init(sbuf, sizeof(sbuf));
}

static void stdin_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	(void)b;
	if (n < 0)
		uv_read_stop(s);
	if (n != 0 && G.waiting_stdin) {
		G.waiting_stdin = 0;
		phase_next();
	}
}

/* The publish message for event `seq`, due at `due` ns. */
static int build_event(char *out, size_t cap, uint64_t seq, uint64_t due)
{
	char body[4096];
	int bl = snprintf(body, sizeof(body), "@@%" PRIu64 "@@", due);

	while (bl < G.msg_bytes && bl < (int)sizeof(body) - 1)
		body[bl++] = 'x';
	body[bl] = '\0';
	switch (G.proto) {
	case P_FORUMD:
		return snprintf(out, cap, "{\"op\":\"post.create\",\"id\":\"e%" PRIu64 "\",\"data\":{\"thread\":%s,"
				"\"body\":\"%s\",\"key\":\"bench%dx%012" PRIu64 "\"}}", seq, G.pub_room, body, (int)getpid(), seq);
	case P_WS:
		if (G.pub_room)
			return snprintf(out, cap, "{\"room\":\"%s\",\"msg\":\"%s\"}", G.pub_room, body);
		return snprintf(out, cap, "%s", body);
	case P_SIO:
		return snprintf(out, cap, "42[\"publish\",{\"room\":\"%s\",\"msg\":\"%s\"}]", G.pub_room, body);
	case P_RAW:
		return snprintf(out, cap, "%s\n", body);
	}
	return 0;
}

static void write_next(struct conn *c, uint64_t now)
{
	char buf[1024];
	int n;

	if (!G.measuring || now >= G.end_at || c->state != S_READY)
		return;
	if (now < c->write_next) {
		c->write_waiting = 1;
		return;
	}
	c->write_waiting = 0;
	c->write_seq++;
	{
		char body[512];
		int bl = snprintf(body, sizeof(body), "@@%" PRIu64 "@@", now);

		while (bl < G.msg_bytes && bl < (int)sizeof(body) - 1)
			body[bl++] = 'x';
		body[bl] = '\0';
		n = snprintf(buf, sizeof(buf), "{\"op\":\"post.create\",\"id\":\"w%u\",\"data\":{\"thread\":%s,\"body\":\"%s\","
			     "\"key\":\"w%dx%dx%010u\"}}", c->write_seq, G.pub_room, body, (int)getpid(), c->idx, c->write_seq);
	}
	c->write_sent = now;
	c->write_next = now + (uint64_t)(1e9 / G.writer_rate);
	send_text(c, buf, (size_t)n);
}

static void finish(void)
{
	double clk = (double)sysconf(_SC_CLK_TCK);
	double dur = (double)(G.m_end - G.m_start) / 1e9;
	uint64_t expected = G.ev_measured * (uint64_t)(G.nsubs - G.failed - G.closed_after_ready);

	cpu_snapshot(G.cpu1, G.ucpu1, &G.self1);
	printf("RESULT {\"proto\":%d,\"subs\":%d,\"failed\":%d,\"closed\":%d,\"rate\":%.1f,\"seconds\":%.3f,"
	       "\"events\":%" PRIu64 ",\"pub_errors\":%" PRIu64 ",\"expected\":%" PRIu64 ",\"delivered\":%" PRIu64 ","
	       "\"p50_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
	       "\"writes\":%" PRIu64 ",\"writes_per_s\":%.1f,\"write_errors\":%" PRIu64 ",\"write_rate_limited\":%" PRIu64 ","
	       "\"ack_p50_us\":%.1f,\"ack_p99_us\":%.1f,\"self_cpu_s\":%.3f,\"cpu_s\":[",
	       (int)G.proto, G.nsubs, G.failed, G.closed_after_ready, G.rate, dur, G.ev_measured, G.pub_errors,
	       expected, G.delivered_measured,
	       hdr_quantile(&G.lat, 0.5) / 1e3, hdr_quantile(&G.lat, 0.99) / 1e3, hdr_quantile(&G.lat, 0.999) / 1e3,
	       G.lat.max / 1e3, G.writes_ok, dur > 0 ? (double)G.writes_ok / dur : 0.0, G.writes_err, G.writes_rl,
	       hdr_quantile(&G.wlat, 0.5) / 1e3, hdr_quantile(&G.wlat, 0.99) / 1e3,
	       (double)(G.self1 - G.self0) / clk);
	for (int i = 0; i < G.npids; i++)
		printf("%s%.3f", i ? "," : "", (double)(G.cpu1[i] - G.cpu0[i]) / clk);
	printf("],\"user_cpu_s\":[");
	for (int i = 0; i < G.npids; i++)
		printf("%s%.3f", i ? "," : "", (double)(G.ucpu1[i] - G.ucpu0[i]) / clk);
	printf("],\"error\":\"");
	for (const char *p = G.first_error; *p; p++)
		if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
			putchar(*p);
	printf("\"}\n");
	fflush(stdout);
	exit(0);
}

static void tick(uv_timer_t *t)
{
	uint64_t now = now_ns();

	(void)t;
	if (G.pinging) {
		/* Pings spread over the ready connections, PING_PER_MS each tick. */
		for (int k = 0; k < PING_PER_MS && G.ping_sent < G.pings; k++) {
			int stride = G.ready > G.pings ? G.ready / G.pings : 1;
			struct conn *c = &G.c[(G.ping_next * stride) % (G.ready ? G.ready : 1)];

			G.ping_next++;
			if (c->state != S_READY || c->ping_sent)
				continue;
			c->ping_sent = now;
			if (G.proto == P_FORUMD)
				send_text(c, "{\"op\":\"ping\",\"id\":\"p\"}", 22);
			else
				send_frame(c, 9, "bench", 5);
			G.ping_sent++;
			G.ping_last_send = now;
		}
		if (G.ping_next >= G.pings * 2 || G.ping_sent >= G.pings) {
			if (G.ping_recv >= G.ping_sent || now - G.ping_last_send > 5000000000ull)
				ping_round_done();
		}
	}
	if (!G.measuring)
		return;
	if (G.rate > 0 && now < G.end_at) {
		uint64_t due = (uint64_t)((double)(now - G.t0) * G.rate / 1e9) + 1;  /* event k is due at k/rate */

		while (G.ev_sent < due) {
			uint64_t at = G.t0 + (uint64_t)((double)G.ev_sent * 1e9 / G.rate);
			struct conn *c = &G.c[G.nsubs + (int)(G.ev_sent % (uint64_t)G.npubs)];
			char buf[8192];
			int n = build_event(buf, sizeof(buf), G.ev_sent, at);

			if (at >= G.m_start && at < G.m_end)
				G.ev_measured++;
			if (G.proto == P_RAW)
				send_raw(c, buf, (size_t)n);
			else
				send_text(c, buf, (size_t)n);
			G.ev_sent++;
		}
	}
	if (G.nwriters) {
		for (int i = 0; i < G.nwriters; i++) {
			struct conn *c = &G.c[G.nsubs + G.npubs + i];

			if (c->write_waiting && now >= c->write_next)
				write_next(c, now);
		}
	}
	if (now >= G.m_start && !G.cpu_started) {
		G.cpu_started = 1;
		cpu_snapshot(G.cpu0, G.ucpu0, &G.self0);
	}
	if (now >= G.end_at) {
		uint64_t expected = G.ev_measured * (uint64_t)(G.nsubs - G.failed - G.closed_after_ready);

		if (G.nwriters || G.delivered_measured >= expected || now >= G.end_at + (uint64_t)(G.drain * 1e9))
			finish();
	}
}

static void start_measure(void)
{
	uint64_t now = now_ns();

	G.t0 = now;
	G.m_start = now + (uint64_t)(G.warmup * 1e9);
	G.m_end = G.m_start + (uint64_t)(G.duration * 1e9);
	G.end_at = G.m_end;
	G.measuring = 1;
	printf("MEASURE ready=%d failed=%d\n", G.ready, G.failed);
	fflush(stdout);
	for (int i = 0; i < G.nwriters; i++)
		write_next(&G.c[G.nsubs + G.npubs + i], now);
}

static void deadline_fired(uv_timer_t *t)
{
	(void)t;
	die("timed out (ready %d of %d, failed %d: %s)", G.ready, G.total, G.failed, G.first_error);
}

/* ------------------------------------------------------------------------- */
/* Options                                                                   */
/* ------------------------------------------------------------------------- */

static void usage(void)
{
	fputs("usage: loadgen --proto forumd|ws|sio|raw --target HOST:PORT [--target ...]\n"
	      "  --path PATH          subscribers' WebSocket path (/ws)\n"
	      "  --pub-path PATH      publishers' WebSocket path (the same)\n"
	      "  --subs N             subscriber connections (0)\n"
	      "  --steps N,N,...      connect in cumulative steps, each reported (STEP, PING)\n"
	      "  --pings K            pings per step, spread over the connections\n"
	      "  --interactive        wait for a line on stdin after each step\n"
	      "  --sources A,B        source addresses from A to B (127.0.0.1,127.0.0.1)\n"
	      "  --rooms R,R          forumd: rooms each subscriber follows\n"
	      "  --tokens FILE        forumd: tokens, one a line, for subscribers and writers\n"
	      "  --pub-token TOK      forumd: the publisher's token\n"
	      "  --pub-room ROOM      forumd: thread id to post to; ws/sio: room to publish to\n"
	      "  --rate R             events per second, open loop (0)\n"
	      "  --pubs K             publisher connections (1)\n"
	      "  --writers N          forumd: connections each keeping one post.create in flight\n"
	      "  --writer-rate R      most writes per second per writer (25)\n"
	      "  --msg-bytes B        message body size (100)\n"
	      "  --warmup S --duration S --drain S   measurement phases (2, 10, 3)\n"
	      "  --watch-pids P,P     processes whose CPU time is measured\n"
	      "  --timeout S          give up after S seconds (600)\n", stderr);
	exit(2);
}

static void parse_target(const char *s)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (!colon || G.ntargets == MAX_TARGETS || (size_t)(colon - s) >= sizeof(host))
		usage();
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (uv_ip4_addr(host, atoi(colon + 1), &G.targets[G.ntargets]))
		usage();
	snprintf(G.host, sizeof(G.host), "%s", s);
	G.ntargets++;
}

static uint32_t parse_ip(const char *s)
{
	struct sockaddr_in a;

	if (uv_ip4_addr(s, 0, &a))
		usage();
	return ntohl(a.sin_addr.s_addr);
}

static void load_tokens(const char *file)
{
	FILE *f = fopen(file, "r");
	char line[4096];
	int cap = 0;

	if (!f)
		die("cannot read %s: %s", file, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\r\n");

		if (n == 0)
			continue;
		line[n] = '\0';
		if (G.ntokens == cap) {
			cap = cap ? cap * 2 : 1024;
			G.tokens = realloc(G.tokens, (size_t)cap * sizeof(*G.tokens));
			if (!G.tokens)
				die("out of memory");
		}
		G.tokens[G.ntokens++] = strdup(line);
	}
	fclose(f);
}

static int *parse_list(const char *s, int *n)
{
	int *v = NULL, cap = 0;
	char *dup = strdup(s), *tok, *save = NULL;

	*n = 0;
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = realloc(v, (size_t)cap * sizeof(*v));
			if (!v)
				die("out of memory");
		}
		v[(*n)++] = atoi(tok);
	}
	free(dup);
	return v;
}

int main(int argc, char **argv)
{
	const char *sources = "127.0.0.1,127.0.0.1", *tokens = NULL;

	G.proto = P_FORUMD;
	G.path = "/ws";
	G.npubs = 1;
	G.msg_bytes = 100;
	G.warmup = 2;
	G.duration = 10;
	G.drain = 3;
	G.timeout = 600;
	G.writer_rate = 25;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--interactive") == 0) {
			G.interactive = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (strcmp(a, "--proto") == 0) {
			if (strcmp(v, "forumd") == 0) G.proto = P_FORUMD;
			else if (strcmp(v, "ws") == 0) G.proto = P_WS;
			else if (strcmp(v, "sio") == 0) G.proto = P_SIO;
			else if (strcmp(v, "raw") == 0) G.proto = P_RAW;
			else usage();
		} else if (strcmp(a, "--target") == 0) parse_target(v);
		else if (strcmp(a, "--path") == 0) G.path = v;
		else if (strcmp(a, "--pub-path") == 0) G.pub_path = v;
		else if (strcmp(a, "--subs") == 0) G.nsubs = atoi(v);
		else if (strcmp(a, "--steps") == 0) G.steps = parse_list(v, &G.nsteps);
		else if (strcmp(a, "--pings") == 0) G.pings = atoi(v);
		else if (strcmp(a, "--sources") == 0) sources = v;
		else if (strcmp(a, "--rooms") == 0) {
			char *dup = strdup(v), *save = NULL;

			for (char *t = strtok_r(dup, ",", &save); t && G.nrooms < MAX_ROOMS; t = strtok_r(NULL, ",", &save))
				G.rooms[G.nrooms++] = t;
		} else if (strcmp(a, "--tokens") == 0) tokens = v;
		else if (strcmp(a, "--pub-token") == 0) G.pub_token = v;
		else if (strcmp(a, "--pub-room") == 0) G.pub_room = v;
		else if (strcmp(a, "--rate") == 0) G.rate = atof(v);
		else if (strcmp(a, "--pubs") == 0) G.npubs = atoi(v);
		else if (strcmp(a, "--writers") == 0) G.nwriters = atoi(v);
		else if (strcmp(a, "--writer-rate") == 0) G.writer_rate = atof(v);
		else if (strcmp(a, "--msg-bytes") == 0) G.msg_bytes = atoi(v);
		else if (strcmp(a, "--warmup") == 0) G.warmup = atof(v);
		else if (strcmp(a, "--duration") == 0) G.duration = atof(v);
		else if (strcmp(a, "--drain") == 0) G.drain = atof(v);
		else if (strcmp(a, "--timeout") == 0) G.timeout = atof(v);
		else if (strcmp(a, "--watch-pids") == 0) {
			int n, *p = parse_list(v, &n);

			for (int k = 0; k < n && G.npids < MAX_PIDS; k++)
				G.pids[G.npids++] = p[k];
			free(p);
		} else usage();
	}
	if (!G.ntargets || G.nsubs < 0 || G.msg_bytes < 24 || G.msg_bytes > 4000 || G.writer_rate <= 0)
		usage();
	if (!G.pub_path)
		G.pub_path = G.path;
	if (G.rate <= 0)
		G.npubs = 0;
	else if (G.npubs < 1)
		usage();
	if (G.proto == P_FORUMD) {
		if (!tokens && (G.nsubs || G.nwriters))
			usage();
		if ((G.rate > 0 || G.nwriters) && (!G.pub_room || (G.rate > 0 && !G.pub_token)))
			usage();
	} else if (G.nwriters) {
		usage();
	}
	if (G.proto == P_SIO && G.rate > 0 && !G.pub_room)
		usage();
	if (tokens)
		load_tokens(tokens);
	if (tokens && !G.ntokens)
		die("no tokens in %s", tokens);
	{
		char *dup = strdup(sources), *comma = strchr(dup, ',');

		if (comma)
			*comma = '\0';
		G.src_first = parse_ip(dup);
		G.src_last = comma ? parse_ip(comma + 1) : G.src_first;
		free(dup);
		if (G.src_last < G.src_first || (G.src_first >> 24) != 127 || (G.src_last >> 24) != 127)
			die("--sources must be a range of 127.x addresses");
	}
	if (!G.steps) {
		G.steps = malloc(sizeof(int));
		G.steps[0] = G.nsubs;
		G.nsteps = G.nsubs ? 1 : 0;
	}
	for (int i = 0; i < G.nsteps; i++)
		if (G.steps[i] > G.nsubs || (i && G.steps[i] < G.steps[i - 1]))
			die("--steps must grow and stay within --subs");

	G.total = G.nsubs + G.npubs + G.nwriters;
	G.c = calloc((size_t)(G.total ? G.total : 1), sizeof(*G.c));
	if (!G.c)
		die("out of memory");
	for (int i = 0; i < G.total; i++) {
		G.c[i].idx = i < G.nsubs ? i : i - G.nsubs;
		G.c[i].role = i < G.nsubs ? R_SUB : i < G.nsubs + G.npubs ? R_PUB : R_WRITER;
		if (G.c[i].role == R_WRITER)
			G.c[i].idx = G.nsubs + (i - G.nsubs - G.npubs);   /* its own token */
	}
	G.rng = now_ns() | 1;
	hdr_init(&G.lat);
	hdr_init(&G.wlat);

	G.loop = uv_default_loop();
	uv_timer_init(G.loop, &G.tick);
	uv_timer_start(&G.tick, tick, 1, 1);
	uv_timer_init(G.loop, &G.settle);
	uv_unref((uv_handle_t *)&G.settle);
	uv_timer_init(G.loop, &G.deadline);
	uv_timer_start(&G.deadline, deadline_fired, (uint64_t)(G.timeout * 1000), 0);
	uv_unref((uv_handle_t *)&G.deadline);
	if (G.interactive) {
		uv_pipe_init(G.loop, &G.in, 0);
		uv_pipe_open(&G.in, 0);
		uv_read_start((uv_stream_t *)&G.in, stdin_alloc, stdin_read);
	}
	phase_next();
	uv_run(G.loop, UV_RUN_DEFAULT);
	return G.exit_code;
}
