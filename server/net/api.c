/*
 * api.c - the course platform's HTTP admin API, with an admin token:
 *
 *   GET  /api/courses           every course
 *   POST /api/courses           create one {title, lang?, starts_at, ends_at, id?}
 *   PUT  /api/courses/<id>      change one (any of title, lang, starts_at, ends_at)
 *   GET  /api/sessions/<id>/export?format=csv|json&names=1
 *                               a live session's questions (any course member;
 *                               askers' names only for staff who ask)
 *   GET  /api/polls/<id>/export?format=csv|json&answers=1
 *   GET  /api/sessions/<id>/polls/export?format=csv|json&answers=1
 *                               poll results (and each participant's answers),
 *                               for staff of the course
 *   GET  /api/blocked-words/<lang>   the words refused in word clouds of
 *                               courses in that language (en, es, pt)
 *   PUT  /api/blocked-words/<lang>   replace that list: {"words": [...]}
 *
 * Authorization: Bearer <token> with the admin claim. Bodies are JSON, at
 * most API_BODY_MAX bytes. Course writes are rare and run on the loop over
 * the store's own short-lived connection.
 *
 * Exports can be megabytes: they are read on libuv's thread pool (each over
 * the store's own read connection), at most exports_in_flight at once and
 * exports_per_minute per user, and answered on the loop. A job outlives its
 * request if the client goes away: the request and the job point at each
 * other, and whichever ends first unlinks itself from the other.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "http.h"
#include "proto/decode.h"
#include "proto/render.h"
#include "proto/token.h"
#include "store/store.h"

#define API_BODY_MAX 131072      /* a list of 1,000 blocked words in any script fits */
#define API_STATUS_CREATED 201

#define API_STATUS_TOO_MANY 429
#define EXPORT_WINDOW_MS 60000

enum { API_GET_ALL = 1, API_POST, API_PUT, API_PUT_WORDS };

/* Exports of one user: in flight now, and started in the current window. */
struct export_user {
	struct export_user *next;
	int64_t window_start_ms;
	unsigned active, count;
	char user[];
};

/* The three downloads: a session's questions, a poll's results, a session's poll results. */
enum api_export { API_EXPORT_QUESTIONS, API_EXPORT_POLL, API_EXPORT_SESSION_POLLS };

/* An export being read off the loop. */
struct api_job {
	uv_work_t req;
	struct lws *wsi;               /* NULL once the request is gone */
	struct http_pss *h;            /* likewise */
	struct export_user *user;      /* counts this job as active */
	struct identity who;           /* owned */
	int64_t id;
	enum api_export what;
	int more, csv;
	/* Filled on the pool thread. */
	struct msg *out;
	enum proto_err code;           /* why there is no out */
	char err[128];
};

static struct {
	uv_loop_t *loop;
	const unsigned char *secret;
	size_t secret_len;
	const char *db;
	struct export_user *users;     /* recent exporters (export_admit) */
} A;

void api_init(uv_loop_t *loop, const unsigned char *secret, size_t secret_len, const char *db)
{
	A.loop = loop;
	A.secret = secret;
	A.secret_len = secret_len;
	A.db = db;
}

void api_free(void)
{
	while (A.users) {
		struct export_user *u = A.users;

		A.users = u->next;
		free(u);
	}
}

static int api_error(struct lws *wsi, struct http_pss *h, unsigned int status, enum proto_err code,
		     const char *field, const char *message)
{
	struct proto_error e = { .code = code };

	snprintf(e.field, sizeof(e.field), "%s", field ? field : "");
	snprintf(e.message, sizeof(e.message), "%s", message);
	return http_reply(wsi, h, status, "application/json", render_error(NULL, &e, 0));
}

/* Verifies the bearer token into *who (caller frees): 0, or the reply's status. */
static unsigned int bearer(struct lws *wsi, struct identity *who, enum proto_err *code)
{
	char auth[PROTO_MAX_TOKEN_BYTES + 16], why[96];
	int n = lws_hdr_copy(wsi, auth, sizeof(auth), WSI_TOKEN_HTTP_AUTHORIZATION);

	*code = PROTO_ERR_NOT_AUTHENTICATED;
	if (n < 8 || strncmp(auth, "Bearer ", 7) != 0)
		return HTTP_STATUS_UNAUTHORIZED;
	*code = token_verify(auth + 7, A.secret, A.secret_len, clock_now_ms() / 1000, who, why, sizeof(why));
	return *code == PROTO_ERR_NONE ? 0 : HTTP_STATUS_UNAUTHORIZED;
}

/*
 * Counts an export for `user` if the limits allow one: returns its entry,
 * or NULL with *retry_ms (how long until one would be allowed; 0 when out
 * of memory). Drops entries of users with nothing in flight whose window
 * has passed, so the list holds only recent exporters.
 */
static struct export_user *export_admit(const char *user, int64_t now, int64_t *retry_ms)
{
	struct export_user **pp = &A.users, *u = NULL;

	*retry_ms = 0;
	while (*pp) {
		struct export_user *e = *pp;

		if (!u && strcmp(e->user, user) == 0) {
			u = e;
		} else if (!e->active && now - e->window_start_ms >= EXPORT_WINDOW_MS) {
			*pp = e->next;
			free(e);
			continue;
		}
		pp = &e->next;
	}
	if (!u) {
		size_t n = strlen(user) + 1;

		if (!(u = calloc(1, sizeof(*u) + n)))
			return NULL;
		memcpy(u->user, user, n);
		u->window_start_ms = now;
		u->next = A.users;
		A.users = u;
	}
	if (now - u->window_start_ms >= EXPORT_WINDOW_MS || now < u->window_start_ms) {
		u->window_start_ms = now;
		u->count = 0;
	}
	if (u->active >= PROTO_EXPORTS_IN_FLIGHT) {
		*retry_ms = 1000;
		return NULL;
	}
	if (u->count >= PROTO_EXPORTS_PER_MINUTE) {
		*retry_ms = u->window_start_ms + EXPORT_WINDOW_MS - now;
		return NULL;
	}
	u->active++;
	u->count++;
	return u;
}

/* On a pool thread: reads the export over the store's own connection. */
static void export_work(uv_work_t *req)
{
	struct api_job *j = req->data;
	char *out;

	if (j->what == API_EXPORT_QUESTIONS)
		out = store_session_export(A.db, j->id, &j->who, j->more, j->csv, &j->code, j->err, sizeof(j->err));
	else
		out = store_poll_export(A.db, j->id, j->what == API_EXPORT_SESSION_POLLS, &j->who, j->more, j->csv,
					&j->code, j->err, sizeof(j->err));
	if (out) {
		/* The msg is made here, not on the loop: copying megabytes is
		 * work too. Nothing else sees it until the loop takes it. */
		j->out = msg_from(out, strlen(out));
		if (!j->out) {
			j->code = PROTO_ERR_INTERNAL;
			snprintf(j->err, sizeof(j->err), "out of memory");
		}
		free(out);
	}
}

/* The HTTP status of an export the store refused or failed. */
static unsigned int export_status(enum proto_err code)
{
	switch (code) {
	case PROTO_ERR_NOT_FOUND:
		return HTTP_STATUS_NOT_FOUND;
	case PROTO_ERR_FORBIDDEN:
		return HTTP_STATUS_FORBIDDEN;
	default:
		return HTTP_STATUS_INTERNAL_SERVER_ERROR;
	}
}

/* On the loop: answers the request if it is still there, and frees the job. */
static void export_done(uv_work_t *req, int status)
{
	struct api_job *j = req->data;
	enum proto_err code = status ? PROTO_ERR_INTERNAL : j->code;

	j->user->active--;
	if (j->wsi) {
		struct http_pss *h = j->h;
		int rc;

		h->job = NULL;
		if (status == 0 && j->out) {
			rc = http_reply(j->wsi, h, HTTP_STATUS_OK, j->csv ? "text/csv; charset=utf-8" : "application/json",
					j->out);
			j->out = NULL;
		} else {
			rc = api_error(j->wsi, h, export_status(code), code, NULL,
				       status ? "the export was cancelled" : j->err);
		}
		/* Outside a callback of its own, the connection is closed by
		 * timeout rather than by a return value. */
		if (rc)
			lws_set_timeout(j->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	msg_unref(j->out);
	identity_free(&j->who);
	free(j);
}

void api_drop(struct http_pss *h)
{
	if (h->job) {
		h->job->wsi = NULL;
		h->job->h = NULL;
		h->job = NULL;
	}
}

/*
 * GET /api/sessions/<id>/export?format=&names=1, /api/polls/<id>/export?format=&answers=1
 * and /api/sessions/<id>/polls/export?...: any valid token; the store decides
 * what it may see (403/404). Read off the loop: the reply comes later.
 */
static int export_get(struct lws *wsi, struct http_pss *h, int64_t id, enum api_export what)
{
	struct identity who;
	enum proto_err code;
	unsigned int status = bearer(wsi, &who, &code);
	char arg[32];
	const char *format, *flag;
	struct export_user *u;
	struct api_job *j;
	int64_t retry_ms;

	if (status)
		return api_error(wsi, h, status, code, NULL, "send a token as Authorization: Bearer");
	u = export_admit(who.user, clock_now_ms(), &retry_ms);
	if (!u) {
		struct proto_error e = { .code = PROTO_ERR_RATE_LIMITED };

		identity_free(&who);
		if (!retry_ms)
			return http_status_only(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE);
		snprintf(e.message, sizeof(e.message), "too many exports: at most %d at once and %d a minute",
			 PROTO_EXPORTS_IN_FLIGHT, PROTO_EXPORTS_PER_MINUTE);
		return http_reply_retry(wsi, h, API_STATUS_TOO_MANY, "application/json",
					render_error(NULL, &e, retry_ms), (retry_ms + 999) / 1000);
	}
	if (!(j = calloc(1, sizeof(*j)))) {
		u->active--;
		identity_free(&who);
		return http_status_only(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE);
	}
	identity_move(&j->who, &who);
	j->user = u;
	j->id = id;
	j->what = what;
	format = lws_get_urlarg_by_name(wsi, "format=", arg, sizeof(arg));
	j->csv = format && strcmp(format, "csv") == 0;
	flag = lws_get_urlarg_by_name(wsi, what == API_EXPORT_QUESTIONS ? "names=" : "answers=", arg, sizeof(arg));
	j->more = flag && strcmp(flag, "1") == 0;
	j->req.data = j;
	if (uv_queue_work(A.loop, &j->req, export_work, export_done)) {
		u->active--;
		identity_free(&j->who);
		free(j);
		return http_status_only(wsi, HTTP_STATUS_SERVICE_UNAVAILABLE);
	}
	j->wsi = wsi;
	j->h = h;
	h->job = j;
	http_defer(wsi);
	return 0;
}

/* 0 if the request carries a valid admin token, else the reply's status. */
static unsigned int check_admin(struct lws *wsi, enum proto_err *code)
{
	char auth[PROTO_MAX_TOKEN_BYTES + 16], why[96];
	struct identity who;
	int n = lws_hdr_copy(wsi, auth, sizeof(auth), WSI_TOKEN_HTTP_AUTHORIZATION);
	unsigned int status = 0;

	*code = PROTO_ERR_NOT_AUTHENTICATED;
	if (n < 8 || strncmp(auth, "Bearer ", 7) != 0)
		return HTTP_STATUS_UNAUTHORIZED;
	*code = token_verify(auth + 7, A.secret, A.secret_len, clock_now_ms() / 1000, &who, why, sizeof(why));
	if (*code != PROTO_ERR_NONE)
		return HTTP_STATUS_UNAUTHORIZED;
	if (!who.admin) {
		*code = PROTO_ERR_FORBIDDEN;
		status = HTTP_STATUS_FORBIDDEN;
	}
	identity_free(&who);
	return status;
}

static int reply_course_json(struct lws *wsi, struct http_pss *h, unsigned int status, int64_t id)
{
	char err[256];
	char *json = store_course_json(A.db, id, err, sizeof(err));
	struct msg *m;

	if (!json)
		return id ? api_error(wsi, h, HTTP_STATUS_NOT_FOUND, PROTO_ERR_NOT_FOUND, "id", "no such course")
			  : api_error(wsi, h, HTTP_STATUS_INTERNAL_SERVER_ERROR, PROTO_ERR_INTERNAL, NULL, err);
	m = msg_from(json, strlen(json));
	free(json);
	return http_reply(wsi, h, status, "application/json", m);
}

/* The language of /api/blocked-words/<lang> into lang[3]; 0, or -1 if the
 * uri is not such a path. */
static int blocked_words_lang(const char *uri, char *lang)
{
	static const char prefix[] = "/api/blocked-words/";
	size_t n = sizeof(prefix) - 1;

	if (strncmp(uri, prefix, n) != 0 || strlen(uri + n) != 2)
		return -1;
	memcpy(lang, uri + n, 3);
	return 0;
}

static int reply_blocked_words(struct lws *wsi, struct http_pss *h, const char *lang)
{
	char err[256];
	char *json = store_blocked_json(A.db, lang, err, sizeof(err));
	struct msg *m;

	if (!json)
		return api_error(wsi, h, HTTP_STATUS_NOT_FOUND, PROTO_ERR_NOT_FOUND, "lang", err);
	m = msg_from(json, strlen(json));
	free(json);
	return http_reply(wsi, h, HTTP_STATUS_OK, "application/json", m);
}

int api_begin(struct lws *wsi, struct http_pss *h, const char *uri)
{
	enum proto_err code;
	unsigned int status;
	char path[64], lang[3];
	int64_t session;

	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) &&
	    sscanf(uri, "/api/sessions/%" SCNd64 "/expor%63s", &session, path) == 2 && strcmp(path, "t") == 0)
		return export_get(wsi, h, session, API_EXPORT_QUESTIONS);
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) &&
	    sscanf(uri, "/api/sessions/%" SCNd64 "/polls/expor%63s", &session, path) == 2 && strcmp(path, "t") == 0)
		return export_get(wsi, h, session, API_EXPORT_SESSION_POLLS);
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) &&
	    sscanf(uri, "/api/polls/%" SCNd64 "/expor%63s", &session, path) == 2 && strcmp(path, "t") == 0)
		return export_get(wsi, h, session, API_EXPORT_POLL);
	status = check_admin(wsi, &code);
	if (status)
		return api_error(wsi, h, status, code, NULL,
				 status == HTTP_STATUS_FORBIDDEN ? "admins only" : "send an admin token as Authorization: Bearer");
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) && strcmp(uri, "/api/courses") == 0)
		return reply_course_json(wsi, h, HTTP_STATUS_OK, 0);
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) && strcmp(uri, "/api/courses") == 0) {
		h->method = API_POST;
		return 0;               /* the body follows */
	}
	if (lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI) &&
	    sscanf(uri, "/api/courses/%" SCNd64 "%63s", &h->id, path) == 1 && h->id > 0) {
		h->method = API_PUT;
		return 0;
	}
	if (blocked_words_lang(uri, lang) == 0) {
		if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
			return reply_blocked_words(wsi, h, lang);
		if (lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI)) {
			memcpy(h->lang, lang, sizeof(h->lang));
			h->method = API_PUT_WORDS;
			return 0;
		}
	}
	return api_error(wsi, h, HTTP_STATUS_NOT_FOUND, PROTO_ERR_NOT_FOUND, NULL, "no such endpoint");
}

int api_body(struct lws *wsi, struct http_pss *h, const void *in, size_t len)
{
	char *n;

	if (!h->method)
		return 0;
	if (h->in_len == 0 && len >= 5 &&
	    (memcmp(in, "POST ", 5) == 0 || memcmp(in, "PUT ", 4) == 0)) {
		/* lws 4.1.6 hands a request pipelined behind another its own
		 * request line as its body. No JSON body starts so: the body
		 * is unknown, and the connection is closed unanswered. */
		h->method = 0;
		return -1;
	}
	if (h->in_len + len > API_BODY_MAX) {
		h->method = 0;
		free(h->in);
		h->in = NULL;
		return api_error(wsi, h, HTTP_STATUS_REQ_ENTITY_TOO_LARGE, PROTO_ERR_TOO_LONG, NULL,
				 "the body is too large");
	}
	if (!(n = realloc(h->in, h->in_len + len + 1)))
		return -1;
	h->in = n;
	memcpy(h->in + h->in_len, in, len);
	h->in_len += len;
	return 0;
}

/* PUT /api/blocked-words/<lang> once its body is in. */
static int put_blocked_words(struct lws *wsi, struct http_pss *h)
{
	struct proto_words w;
	struct proto_error perr;
	char err[256];
	int rc = proto_decode_words(h->in ? h->in : "", h->in_len, &w, &perr);

	free(h->in);
	h->in = NULL;
	h->in_len = 0;
	if (rc != PROTO_ERR_NONE)       /* keeps the limit passed */
		return http_reply(wsi, h, HTTP_STATUS_BAD_REQUEST, "application/json", render_error(NULL, &perr, 0));
	rc = store_blocked_change(A.db, h->lang, STORE_BLOCKED_REPLACE, (const char *const *)w.words, w.n,
				  clock_now_ms(), err, sizeof(err));
	proto_words_free(&w);
	if (rc)
		return api_error(wsi, h, HTTP_STATUS_BAD_REQUEST, PROTO_ERR_BAD_FIELD, "words", err);
	return reply_blocked_words(wsi, h, h->lang);
}

int api_complete(struct lws *wsi, struct http_pss *h)
{
	struct proto_course pc;
	struct proto_error perr;
	struct store_course_args a;
	char err[256];
	int64_t id;
	int method = h->method, rc;

	if (!method)
		return 0;
	h->method = 0;
	if (method == API_PUT_WORDS)
		return put_blocked_words(wsi, h);
	rc = proto_decode_course(h->in ? h->in : "", h->in_len, &pc, &perr) != PROTO_ERR_NONE;
	free(h->in);
	h->in = NULL;
	h->in_len = 0;
	if (rc)
		return api_error(wsi, h, HTTP_STATUS_BAD_REQUEST, perr.code, perr.field, perr.message);
	memset(&a, 0, sizeof(a));
	a.id = method == API_PUT ? h->id : pc.id;
	a.title = pc.has_title ? pc.title : NULL;
	a.lang = pc.has_lang ? pc.lang : NULL;
	a.starts_at = pc.starts_at;
	a.ends_at = pc.ends_at;
	id = store_course_put(A.db, &a, method == API_PUT, clock_now_ms(), err, sizeof(err));
	if (id < 0)
		return api_error(wsi, h, strncmp(err, "no course", 9) == 0 ? HTTP_STATUS_NOT_FOUND : HTTP_STATUS_BAD_REQUEST,
				 strncmp(err, "no course", 9) == 0 ? PROTO_ERR_NOT_FOUND : PROTO_ERR_BAD_FIELD, NULL, err);
	return reply_course_json(wsi, h, method == API_POST ? API_STATUS_CREATED : HTTP_STATUS_OK, id);
}
