/*
 * http.c - plain HTTP on the WebSocket port: /healthz, /metrics, /dev/users,
 * /dev/token, the dispatch of /api/ (api.c) and the client's static files.
 *
 * Rules it keeps:
 *  - every request is answered in order, or the connection is closed: lws
 *    parses a pipelined request as soon as it is in, answered or not, so a
 *    reply of at most HTTP_CHUNK bytes is written whole inside the request's
 *    own callback and the transaction ended there (lws then reads no more
 *    until the socket is writable); a longer body, or one that comes later
 *    (an export read off the loop), marks the connection until it is out,
 *    and a request that arrives meanwhile closes the connection;
 *  - a long body goes out in chunks of at most HTTP_CHUNK bytes, one per
 *    writable callback, so an export is never copied whole into lws's
 *    buffer;
 *  - whatever a request holds is freed on both paths that end it: the
 *    transaction's end (HTTP_DROP_PROTOCOL) and the connection's (CLOSED_HTTP);
 *  - operator endpoints answer only to a client on loopback (peer.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "devlogin.h"
#include "http.h"
#include "peer.h"
#include "rooms.h"
#include "session.h"

/* A body chunk per writable callback: lws keeps what the kernel does not
 * take, so this bounds what it copies for one connection. */
#define HTTP_CHUNK HTTP_CHUNK_BYTES
#define DEV_TOKEN_TTL_S (8 * 3600)
/* How long a late reply may take to come, and each chunk of a long one to
 * be taken by the client, before the connection is dropped. */
#define HTTP_REPLY_TIMEOUT_S 60

/* lws writes no header before an HTTP/1 body, but asks for the headroom. */
_Static_assert(MSG_HEADROOM >= LWS_PRE, "a msg's headroom must cover lws's");

static struct {
	const unsigned char *secret;
	size_t secret_len;
	int dev;
	const struct render_server_info *info;
	const char *static_dir;
	int stopping;                  /* http_stop() was called */
} H;

/* ------------------------------------------------------------------------- */
/* Replies                                                                   */
/* ------------------------------------------------------------------------- */

/*
 * A connection whose reply is still to come (an export being read) or still
 * going out in chunks carries this marker as its opaque user data, which
 * lws keeps per connection across requests (unlike the pss).
 */
static char reply_pending;

static int marked(struct lws *wsi)
{
	return lws_get_opaque_user_data(wsi) == &reply_pending;
}

/* The answer comes later (an export read off the loop), or goes out in
 * chunks: marks the connection, so that a request pipelined behind this
 * one closes it rather than being answered out of order. */
static void http_defer(struct lws *wsi)
{
	lws_set_opaque_user_data(wsi, &reply_pending);
	/* lws gives a request 5 s to be answered; an export may take longer
	 * to read, and a long body to go out. */
	lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, HTTP_REPLY_TIMEOUT_S);
}

/*
 * The whole body is out of lws's hands: ends the transaction, so lws resets
 * the request's headers and may read the next one. Never sooner: with part
 * of a reply still buffered, lws 4.1.6 defers the end itself but goes on to
 * parse a pipelined request into the old headers (answering it with the
 * previous request's path).
 */
static int body_sent(struct lws *wsi, struct http_pss *h)
{
	msg_unref(h->body);
	h->body = NULL;
	lws_set_opaque_user_data(wsi, NULL);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/*
 * Replies with body (taken): headers now; a body of at most HTTP_CHUNK
 * bytes, inside the request's own callback, now too, ending the
 * transaction; a longer or later one in chunks from the writable callbacks
 * (the connection is marked until it is out). retry_after_s > 0 adds a
 * Retry-After header. Returns the callback's return value.
 */
static int http_reply_retry(struct lws *wsi, struct http_pss *h, unsigned int status, const char *type,
			    struct msg *body, int64_t retry_after_s)
{
	unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
	char ra[24];

	if (!body)
		return http_status_only(wsi, HTTP_STATUS_INTERNAL_SERVER_ERROR);
	snprintf(ra, sizeof(ra), "%lld", (long long)retry_after_s);
	if (lws_add_http_common_headers(wsi, status, type, body->len, &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
					(const unsigned char *)"no-store", 8, &p, end) ||
	    (retry_after_s > 0 &&
	     lws_add_http_header_by_name(wsi, (const unsigned char *)"retry-after:",
					 (const unsigned char *)ra, (int)strlen(ra), &p, end)) ||
	    lws_finalize_write_http_header(wsi, start, &p, end)) {
		msg_unref(body);
		return -1;
	}
	msg_unref(h->body);
	h->body = body;
	h->off = 0;
	if (!marked(wsi) && body->len <= HTTP_CHUNK) {
		/* Small, and answered inside the request's own callback: the
		 * whole body now, and the transaction ends here unless lws
		 * still holds some of it (see write_body). */
		if (lws_write(wsi, (unsigned char *)msg_data(body), body->len, LWS_WRITE_HTTP_FINAL) < 0)
			return -1;
		h->off = body->len;
		if (!lws_partial_buffered(wsi))
			return body_sent(wsi, h);
	}
	http_defer(wsi);
	lws_callback_on_writable(wsi);
	return 0;
}

static int http_reply(struct lws *wsi, struct http_pss *h, unsigned int status, const char *type, struct msg *body)
{
	return http_reply_retry(wsi, h, status, type, body, 0);
}

/*
 * Not lws_return_http_status(): it builds its reply in lws's per-thread
 * service buffer, which still holds the rest of what was read with this
 * request, so a request pipelined behind it was misread (403, then close).
 * Everything here is built on the stack.
 */
/* A status-only reply (http.h); returns the callback's return value. */
int http_status_only(struct lws *wsi, unsigned int status)
{
	unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;

	if (lws_add_http_common_headers(wsi, status, "text/plain", 0, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	if (lws_partial_buffered(wsi))
		return -1;      /* a client that does not read: see body_sent */
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/*
 * Writes the next chunk of a long or late body; once all of it is out of
 * lws's hands, ends the transaction.
 */
static int write_body(struct lws *wsi, struct http_pss *h)
{
	size_t left = h->body->len - h->off;

	if (left) {
		size_t n = left > HTTP_CHUNK ? HTTP_CHUNK : left;

		if (lws_write(wsi, (unsigned char *)msg_data(h->body) + h->off, n,
			      n == left ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < 0)
			return -1;
		h->off += n;
		lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, HTTP_REPLY_TIMEOUT_S);
		lws_callback_on_writable(wsi);
		return 0;
	}
	if (lws_partial_buffered(wsi)) {
		/* lws still holds part of the last chunk: end the transaction
		 * once it is out. */
		lws_callback_on_writable(wsi);
		return 0;
	}
	return body_sent(wsi, h);
}

/* Frees what the request holds; called when it ends either way. */
static void pss_release(struct http_pss *h)
{
	if (!h)
		return;
	api_drop(&h->api);
	msg_unref(h->body);
	h->body = NULL;
}

/* Carries out what api.c returned (see enum api_step); returns the
 * callback's return value. */
static int answer_api(struct lws *wsi, struct http_pss *h, enum api_step step, struct api_reply *r)
{
	switch (step) {
	case API_REPLY:
		if (!r->body)
			return http_status_only(wsi, r->status);
		return http_reply_retry(wsi, h, r->status, r->type, r->body, r->retry_after_s);
	case API_MORE:
		return 0;
	case API_LATER:
		http_defer(wsi);
		return 0;
	case API_CLOSE:
	default:
		return -1;
	}
}

/* api.c's late answer (an export) for the request r of wsi. Outside a
 * callback of its own, a connection to close is closed by timeout rather
 * than by a return value. */
static void answer_api_late(struct lws *wsi, struct api_req *r, struct api_reply *reply)
{
	struct http_pss *h = (struct http_pss *)(void *)((char *)r - offsetof(struct http_pss, api));

	CONN_ASSERT_LOOP();
	if (answer_api(wsi, h, API_REPLY, reply))
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* ------------------------------------------------------------------------- */
/* Static files (client-js)                                                  */
/* ------------------------------------------------------------------------- */

/*
 * Served here rather than by an lws file mount: lws 4.1.6 misreads a
 * request pipelined behind a file it served (it answers 403 and closes),
 * and files served here follow the same one-reply-at-a-time rules as the
 * rest. The files are the page's few small modules, read per request (the
 * page cache keeps them).
 */
#define STATIC_MAX_BYTES (8 * 1024 * 1024)

static const struct {
	const char *ext, *type;
} mime[] = {
	{ ".html", "text/html" },
	{ ".js", "text/javascript" },
	{ ".mjs", "text/javascript" },
	{ ".css", "text/css" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".txt", "text/plain" },
	{ ".woff2", "font/woff2" },
};

/* The content type for path's extension, or NULL (not served). */
static const char *mime_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot || strchr(dot, '/'))
		return NULL;
	for (size_t i = 0; i < sizeof(mime) / sizeof(mime[0]); i++)
		if (strcmp(dot, mime[i].ext) == 0)
			return mime[i].type;
	return NULL;
}

/* A path we serve: "/" then segments of letters, digits, '-', '_' and '.',
 * none empty or starting with '.' (no "..", no hidden files). */
static int static_path_ok(const char *p)
{
	if (p[0] != '/')
		return 0;
	for (const char *s = p + 1; *s; ) {
		if (*s == '.' || *s == '/')
			return 0;
		while (*s && *s != '/') {
			if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			      *s == '-' || *s == '_' || *s == '.'))
				return 0;
			s++;
		}
		if (*s == '/')
			s++;
	}
	return p[1] != '\0';
}

/* GET of a file under the static directory: 200 with it, else 404. */
static int static_file(struct lws *wsi, struct http_pss *h, const char *uri)
{
	char path[PATH_MAX];
	const char *type;
	struct stat st;
	struct msg *m = NULL;
	size_t got = 0;
	int fd, n;

	if (strcmp(uri, "/") == 0)
		uri = "/index.html";
	if (!H.static_dir || !static_path_ok(uri) || !(type = mime_type(uri)))
		return http_status_only(wsi, HTTP_STATUS_NOT_FOUND);
	n = snprintf(path, sizeof(path), "%s%s", H.static_dir, uri);
	if (n < 0 || (size_t)n >= sizeof(path))
		return http_status_only(wsi, HTTP_STATUS_NOT_FOUND);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return http_status_only(wsi, HTTP_STATUS_NOT_FOUND);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX_BYTES ||
	    !(m = msg_new((size_t)st.st_size)))
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, msg_data(m) + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		got += (size_t)r;
	}
	close(fd);
	return http_reply(wsi, h, HTTP_STATUS_OK, type, m);
fail:
	close(fd);
	msg_unref(m);
	return http_status_only(wsi, HTTP_STATUS_NOT_FOUND);
}

/* ------------------------------------------------------------------------- */
/* Requests                                                                  */
/* ------------------------------------------------------------------------- */

/* The request's path, whatever its method. */
static int request_uri(struct lws *wsi, char *buf, int len)
{
	static const enum lws_token_indexes methods[] = { WSI_TOKEN_GET_URI, WSI_TOKEN_POST_URI, WSI_TOKEN_PUT_URI };

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (lws_hdr_total_length(wsi, methods[i]) > 0)
			return lws_hdr_copy(wsi, buf, len, methods[i]);
	return -1;
}

static int http_request(struct lws *wsi, struct http_pss *h)
{
	char uri[256];
	struct msg *body;

	if (request_uri(wsi, uri, sizeof(uri)) < 0)
		uri[0] = '\0';
	if (strncmp(uri, "/api/", 5) == 0) {
		struct api_reply r;

		return answer_api(wsi, h, api_begin(wsi, &h->api, uri, &r), &r);
	}
	if (!lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
		return http_status_only(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED);
	if (strcmp(uri, "/metrics") == 0) {
		struct render_stats rs;

		if (!peer_is_loopback(wsi))
			return http_status_only(wsi, HTTP_STATUS_FORBIDDEN);
		session_stats(&rs);
		body = render_stats(NULL, &rs);
	} else if (H.dev && strcmp(uri, "/dev/users") == 0) {
		body = devlogin_users();
	} else if (H.dev && strcmp(uri, "/dev/token") == 0) {
		char arg[40];
		const char *demo = lws_get_urlarg_by_name(wsi, "user=", arg, sizeof(arg));

		if (!demo || !(body = devlogin_token(demo, H.secret, H.secret_len, DEV_TOKEN_TTL_S)))
			return http_status_only(wsi, HTTP_STATUS_NOT_FOUND);
	} else if (strcmp(uri, "/healthz") == 0) {
		body = render_health(H.info, H.stopping ? "stopping" : rooms_degraded() ? "degraded" : "ok",
				     conn_count());
	} else if (strncmp(uri, "/dev/", 5) == 0) {
		return http_status_only(wsi, HTTP_STATUS_NOT_FOUND);  /* without --dev */
	} else {
		return static_file(wsi, h, uri);
	}
	return http_reply(wsi, h, H.stopping ? HTTP_STATUS_SERVICE_UNAVAILABLE : HTTP_STATUS_OK,
			  "application/json", body);
}

/* The forumd-http protocol's lws callback (http.h). */
int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct http_pss *h = user;

	CONN_ASSERT_LOOP();
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		/* lws parses a pipelined request as soon as it is in, whether
		 * or not the one before it is answered (and drops that one's
		 * pss). Answered in order or not at all: a request that comes
		 * while an export is read or a long body goes out closes the
		 * connection. */
		if (marked(wsi))
			return -1;
		return http_request(wsi, h);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!h || !h->body)
			return 0;
		return write_body(wsi, h);
	case LWS_CALLBACK_HTTP_BODY: {
		struct api_reply r;

		return answer_api(wsi, h, api_body(&h->api, in, len, &r), &r);
	}
	case LWS_CALLBACK_HTTP_BODY_COMPLETION: {
		struct api_reply r;

		return answer_api(wsi, h, api_complete(&h->api, &r), &r);
	}
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		/* The transaction ended (or the connection moves on to another
		 * protocol): lws frees this pss right after. */
	case LWS_CALLBACK_CLOSED_HTTP:
		pss_release(h);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* ------------------------------------------------------------------------- */
/* Start and stop                                                            */
/* ------------------------------------------------------------------------- */

/* Sets up the HTTP side from cfg (its pointers are kept, not copied). */
void http_init(const struct http_config *cfg)
{
	memset(&H, 0, sizeof(H));
	H.secret = cfg->secret;
	H.secret_len = cfg->secret_len;
	H.dev = cfg->dev;
	H.info = cfg->info;
	H.static_dir = cfg->static_dir;
	api_init(cfg->loop, cfg->secret, cfg->secret_len, cfg->db, answer_api_late);
}

/* The server is stopping: /healthz says "stopping" and answers 503. */
void http_stop(void)
{
	H.stopping = 1;
}

/* Frees what the API keeps (after the loop has stopped). */
void http_free(void)
{
	api_free();
}
