/*
 * server.c - the daemon's start and stop: one libuv loop driving
 * libwebsockets (as a foreign loop), our own listening socket, the store
 * and the bus; signals and the periodic timers; and the one teardown path.
 *
 * Stopping is in phases (shutdown_begin and what follows it): refuse new
 * work, let the writer commit and answer what is queued, wait for the bus
 * to deliver what that published, close every socket with 1001 after its
 * queue, then teardown(). A start that fails half-way calls the same
 * teardown(). lws needs two lws_context_destroy() calls: the first from
 * inside the loop (teardown, or rooms_closed once the bus has let go), the
 * second after uv_run() has returned (server_run's end).
 */
#include <errno.h>
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
#include "http.h"
#include "listen.h"
#include "peer.h"
#include "rooms.h"
#include "server.h"
#include "session.h"
#include "store/store.h"

#define SHUTDOWN_GRACE_MS 2000
/* At most this long between the last commit and the 1001 closes, waiting
 * for the bus to hand back the last events (it normally takes one loop
 * turn, or one Redis round trip). */
#define SHUTDOWN_FLUSH_MAX_MS 2000
#define PRUNE_EVERY_MS (10 * 60 * 1000)

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
	uv_async_t store_async;           /* the writer finished jobs */
	struct listener *listener;
	struct store *store;
	int shutting_down, destroying, rooms_open;
	int intake_closed;                /* signals and the listener are closed */
	int flushing;                     /* shutdown: waiting for the bus's flush */
	struct render_server_info info;
	int sndbuf;                       /* SO_SNDBUF for accepted sockets; 0: the kernel's */
} S;

/* ------------------------------------------------------------------------- */
/* Timers and the writer's wake-up                                           */
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

/* ------------------------------------------------------------------------- */
/* Teardown: the one way every handle of ours is closed                      */
/* ------------------------------------------------------------------------- */

/* Stops taking anything new: the signal handlers and the listening socket
 * (a sibling worker may still accept). Idempotent. */
static void close_intake(void)
{
	if (S.intake_closed)
		return;
	S.intake_closed = 1;
	uv_close((uv_handle_t *)&S.sigint, handle_closed);
	uv_close((uv_handle_t *)&S.sigterm, handle_closed);
	listener_close(S.listener);
	S.listener = NULL;
}

static void rooms_closed(void *arg)
{
	(void)arg;
	S.rooms_open = 0;
	if (S.ctx)
		lws_context_destroy(S.ctx);
}

/*
 * Closes every handle of ours and starts lws's teardown from inside the
 * loop (after the bus's, whose handles must close first); uv_run returns
 * once all of them are closed. Idempotent. Called by the last phase of a
 * shutdown and by a start that failed half-way: nothing else closes these.
 */
static void teardown(void)
{
	CONN_ASSERT_LOOP();
	close_intake();
	if (S.destroying)
		return;
	S.destroying = 1;
	uv_close((uv_handle_t *)&S.shutdown_timer, handle_closed);
	uv_close((uv_handle_t *)&S.prune_timer, handle_closed);
	uv_close((uv_handle_t *)&S.store_async, handle_closed);
	conn_close_handles();
	if (S.rooms_open)
		rooms_close(rooms_closed, NULL);
	else if (S.ctx)
		lws_context_destroy(S.ctx);
}

/* ------------------------------------------------------------------------- */
/* Shutdown phases                                                           */
/* ------------------------------------------------------------------------- */

/* Last phase: every socket is closed (or the grace ran out). */
static void shutdown_finish(uv_timer_t *t)
{
	(void)t;
	teardown();
}

/* The last socket closed (inside its CLOSED callback): finish on the next
 * loop turn, outside lws. */
static void all_sockets_closed(void *arg)
{
	(void)arg;
	if (!S.destroying)
		uv_timer_start(&S.shutdown_timer, shutdown_finish, 0, 0);
}

/* Third phase: tell every socket we are going (1001) after what is queued
 * for it, then wait for them to close. */
static void close_sockets(void)
{
	unsigned open;

	S.flushing = 0;
	open = conn_close_all(PROTO_CLOSE_GOING_AWAY);
	uv_update_time(&S.loop);
	uv_timer_start(&S.shutdown_timer, shutdown_finish, open ? SHUTDOWN_GRACE_MS : 0, 0);
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

	CONN_ASSERT_LOOP();
	if (S.shutting_down)
		return;
	S.shutting_down = 1;
	session_set_shutting_down();
	http_stop();
	conn_when_all_closed(all_sockets_closed, NULL);
	close_intake();
	store_drain(S.store);
	session_store_done();
	uv_update_time(&S.loop);        /* store_drain blocked: the cached time is stale */
	S.flushing = 1;
	uv_timer_start(&S.shutdown_timer, flush_timed_out, SHUTDOWN_FLUSH_MAX_MS, 0);
	bus->flush(bus, bus_flushed, NULL);
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

/*
 * The default protocol's callback: the WebSocket transport (conn.c), and
 * a 404 for an HTTP request that no mount took (the default protocol is
 * bound to plain HTTP connections too).
 */
static int default_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	if (reason == LWS_CALLBACK_HTTP)
		return http_status_only(wsi, HTTP_STATUS_NOT_FOUND);
	return conn_callback(wsi, reason, user, in, len);
}

/* Checks a --trusted-proxy list: 0 when it parses, else -1 (server.h). */
int server_proxies_valid(const char *list)
{
	return peer_list_valid(list);
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * Runs the server until SIGINT or SIGTERM (server.h): 0 after a clean
 * stop, 1 when it could not start. Owns everything it starts; all of it is
 * closed and freed before it returns. Its thread becomes the loop thread.
 */
int server_run(const struct server_opts *o)
{
	static const struct lws_protocol_vhost_options pvo_default = { NULL, NULL, "default", "1" };
	static const struct lws_protocol_vhost_options pvo = { NULL, &pvo_default, PROTO_NAME, "" };
	const struct lws_protocol_vhost_options hdr_ref = { NULL, NULL, "referrer-policy:", "no-referrer" };
	const struct lws_protocol_vhost_options hdr_nosniff = { &hdr_ref, NULL, "x-content-type-options:", "nosniff" };
	const struct lws_protocol_vhost_options hdr_csp = { &hdr_nosniff, NULL, "content-security-policy:", CSP };
	const struct lws_protocols protocols[] = {
		{ "forumd-http", http_callback, sizeof(struct http_pss), 0, 0, NULL, HTTP_CHUNK_BYTES },
		conn_protocol(default_callback),
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
	struct http_config hcfg = { &S.loop, o->secret, o->secret_len, o->db, o->seed_demo, &S.info, o->static_dir };
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
	conn_init(&S.loop, &session_conn_handler, o->max_sockets_per_ip > 0 ? o->max_sockets_per_ip : 10000);
	http_init(&hcfg);
	if (peer_init(o->trusted_proxies)) {
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
	 * set ours; conn.c checks each whole message instead. */
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
	teardown();                            /* done already after a shutdown */
	uv_run(&S.loop, UV_RUN_DEFAULT);       /* let the closes complete */
	if (S.ctx)
		lws_context_destroy(S.ctx);    /* second phase: frees the context */
	S.ctx = NULL;
	store_close(S.store);
	S.store = NULL;
	if (uv_loop_close(&S.loop) != 0)
		fprintf(stderr, "forumd: loop closed with handles still open\n");
	conn_free();
	http_free();
	return rc;
}

