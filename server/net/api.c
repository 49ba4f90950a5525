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
 * most API_BODY_MAX bytes.
 *
 * Every request that touches the database runs on the store's reader pool;
 * the loop runs no statement. Exports (over a reader's read connection) can
 * be megabytes: they are answered on the loop when they come back, at most
 * exports_in_flight at once and exports_per_minute per user. A job outlives
 * its request if the client goes away: the request and the job point at
 * each other, and whichever ends first unlinks itself from the other. Course
 * and blocked-word requests (rare, one short statement, over a reader's own
 * read-write connection, opened once) are answered inside their callback,
 * the loop waiting for the reader: a request pipelined behind them keeps its
 * place that way (see job_run).
 *
 * Every answer is returned as a struct api_reply for http.c to send; an
 * export's comes later, through the late callback given to api_init().
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "api.h"
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

/* What a job does on its reader. */
enum api_work {
	API_WORK_EXPORT,               /* one of enum api_export */
	API_WORK_COURSES,              /* GET /api/courses */
	API_WORK_COURSE_PUT,           /* POST /api/courses, PUT /api/courses/<id> */
	API_WORK_WORDS,                /* GET /api/blocked-words/<lang> */
	API_WORK_WORDS_PUT,            /* PUT /api/blocked-words/<lang> */
};

/* A request being answered off the loop. */
struct api_job {
	struct store_read r;           /* first: the pool's part */
	struct lws *wsi;               /* NULL once the request is gone */
	struct api_req *h;             /* likewise */
	enum api_work work;
	struct export_user *user;      /* exports: counts this job as active */
	struct identity who;           /* owned */
	int64_t id;
	enum api_export what;
	int more, csv;
	int update;                    /* course put: PUT (1) or POST (0) */
	struct proto_course pc;        /* course put: the decoded body */
	struct proto_words words;      /* words put: owned */
	char lang[3];
	int64_t now_ms;
	/* Filled on the reader. */
	struct msg *out;
	unsigned int status;
	enum proto_err code;
	char field[16];
	char err[256];
};

static struct {
	uv_loop_t *loop;
	struct store *st;
	const unsigned char *secret;
	size_t secret_len;
	const char *db;
	api_late_fn late;              /* answers an export (http.c) */
	struct export_user *users;     /* recent exporters (export_admit) */
} A;

/* Sets the API up (api.h); keeps the pointers, copies nothing. */
void api_init(uv_loop_t *loop, const unsigned char *secret, size_t secret_len, const char *db, api_late_fn late)
{
	A.loop = loop;
	A.late = late;
	A.secret = secret;
	A.secret_len = secret_len;
	A.db = db;
}

/* The store whose readers answer the requests (api.h). */
void api_set_store(struct store *st)
{
	A.st = st;
}

/* Frees the exporters' list (api.h). */
void api_free(void)
{
	while (A.users) {
		struct export_user *u = A.users;

		A.users = u->next;
		free(u);
	}
}

/* Answers with body (taken into *out); a body that could not be made
 * (NULL) answers 500 with no body. */
static enum api_step api_answer(struct api_reply *out, unsigned int status, const char *type, struct msg *body)
{
	out->status = body ? status : HTTP_STATUS_INTERNAL_SERVER_ERROR;
	out->type = type;
	out->body = body;
	out->retry_after_s = 0;
	return API_REPLY;
}

/* A status-only answer. */
static enum api_step api_status(struct api_reply *out, unsigned int status)
{
	memset(out, 0, sizeof(*out));
	out->status = status;
	return API_REPLY;
}

static enum api_step api_error(struct api_reply *out, unsigned int status, enum proto_err code,
			       const char *field, const char *message)
{
	struct proto_error e = { .code = code };

	snprintf(e.field, sizeof(e.field), "%s", field ? field : "");
	snprintf(e.message, sizeof(e.message), "%s", message);
	return api_answer(out, status, "application/json", render_error(NULL, &e, 0));
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

/* The job's reply from JSON text (taken, freed); on NULL, a 404 for an id
 * (no such course) or a 500 with err. */
static void job_json(struct api_job *j, char *json, unsigned int status, int not_found)
{
	if (json) {
		j->out = msg_from(json, strlen(json));
		free(json);
		j->status = j->out ? status : HTTP_STATUS_INTERNAL_SERVER_ERROR;
		if (!j->out)
			snprintf(j->err, sizeof(j->err), "out of memory");
		return;
	}
	j->status = not_found ? HTTP_STATUS_NOT_FOUND : HTTP_STATUS_INTERNAL_SERVER_ERROR;
	j->code = not_found ? PROTO_ERR_NOT_FOUND : PROTO_ERR_INTERNAL;
	if (not_found) {
		snprintf(j->field, sizeof(j->field), "id");
		snprintf(j->err, sizeof(j->err), "no such course");
	}
}

static void export_work(struct api_job *j, struct store_conn *rd)
{
	enum proto_err code = PROTO_ERR_INTERNAL;
	char *out;

	if (j->what == API_EXPORT_QUESTIONS)
		out = store_api_session_export(rd, j->id, &j->who, j->more, j->csv, &code, j->err, sizeof(j->err));
	else
		out = store_api_poll_export(rd, j->id, j->what == API_EXPORT_SESSION_POLLS, &j->who, j->more, j->csv,
					    &code, j->err, sizeof(j->err));
	if (out) {
		/* The msg is made here, not on the loop: copying megabytes is
		 * work too. Nothing else sees it until the loop takes it. */
		j->out = msg_from(out, strlen(out));
		free(out);
		if (j->out) {
			j->status = HTTP_STATUS_OK;
			return;
		}
		code = PROTO_ERR_INTERNAL;
		snprintf(j->err, sizeof(j->err), "out of memory");
	}
	/* The store says why in protocol terms; HTTP says it with a status. */
	j->code = code;
	j->status = code == PROTO_ERR_NOT_FOUND ? HTTP_STATUS_NOT_FOUND
		  : code == PROTO_ERR_FORBIDDEN ? HTTP_STATUS_FORBIDDEN : HTTP_STATUS_INTERNAL_SERVER_ERROR;
}

static void course_put_work(struct api_job *j, struct store_conn *rd)
{
	struct store_course_args a;
	int64_t id;

	memset(&a, 0, sizeof(a));
	a.id = j->update ? j->id : j->pc.id;
	a.title = j->pc.has_title ? j->pc.title : NULL;
	a.lang = j->pc.has_lang ? j->pc.lang : NULL;
	a.starts_at = j->pc.starts_at;
	a.ends_at = j->pc.ends_at;
	id = store_api_course_put(rd, &a, j->update, j->now_ms, j->err, sizeof(j->err));
	if (id < 0) {
		int none = strncmp(j->err, "no course", 9) == 0;

		j->status = none ? HTTP_STATUS_NOT_FOUND : HTTP_STATUS_BAD_REQUEST;
		j->code = none ? PROTO_ERR_NOT_FOUND : PROTO_ERR_BAD_FIELD;
		return;
	}
	job_json(j, store_api_course_json(rd, id, j->err, sizeof(j->err)),
		 j->update ? HTTP_STATUS_OK : API_STATUS_CREATED, 1);
}

static void words_work(struct api_job *j, struct store_conn *rd)
{
	char *json;

	if (j->work == API_WORK_WORDS_PUT &&
	    store_api_blocked_change(rd, j->lang, STORE_BLOCKED_REPLACE, (const char *const *)j->words.words,
				     j->words.n, j->now_ms, j->err, sizeof(j->err))) {
		j->status = HTTP_STATUS_BAD_REQUEST;
		j->code = PROTO_ERR_BAD_FIELD;
		snprintf(j->field, sizeof(j->field), "words");
		return;
	}
	json = store_api_blocked_json(rd, j->lang, j->err, sizeof(j->err));
	if (json) {
		job_json(j, json, HTTP_STATUS_OK, 0);
		return;
	}
	j->status = HTTP_STATUS_NOT_FOUND;
	j->code = PROTO_ERR_NOT_FOUND;
	snprintf(j->field, sizeof(j->field), "lang");
}

/* On a reader thread: the job's database work. */
static void job_work(struct store_read *r, struct store_conn *rd)
{
	struct api_job *j = (struct api_job *)r;

	j->code = PROTO_ERR_INTERNAL;
	switch (j->work) {
	case API_WORK_EXPORT:
		export_work(j, rd);
		break;
	case API_WORK_COURSES:
		job_json(j, store_api_course_json(rd, 0, j->err, sizeof(j->err)), HTTP_STATUS_OK, 0);
		break;
	case API_WORK_COURSE_PUT:
		course_put_work(j, rd);
		break;
	case API_WORK_WORDS:
	case API_WORK_WORDS_PUT:
		words_work(j, rd);
		break;
	}
}

static void job_free(struct api_job *j)
{
	msg_unref(j->out);
	identity_free(&j->who);
	proto_words_free(&j->words);
	free(j);
}

/* The answer to what j read, into *out (taking j's body). */
static enum api_step job_answer(struct api_job *j, struct api_reply *out)
{
	if (j->out) {
		api_answer(out, j->status,
			   j->work == API_WORK_EXPORT && j->csv ? "text/csv; charset=utf-8" : "application/json", j->out);
		j->out = NULL;
		return API_REPLY;
	}
	return api_error(out, j->status, j->code, j->field[0] ? j->field : NULL, j->err);
}

/* On the loop: answers the request if it is still there, and frees the job. */
static void job_done(struct store_read *r)
{
	struct api_job *j = (struct api_job *)r;

	if (j->user)
		j->user->active--;
	if (j->wsi) {
		struct api_req *h = j->h;
		struct api_reply reply;

		h->job = NULL;
		/* A read the pool cancelled (the server is stopping) is not
		 * answered: its connection closes with the rest. */
		if (!r->cancelled) {
			job_answer(j, &reply);
			A.late(j->wsi, h, &reply);
		}
	}
	job_free(j);
}

/* Hands j (filled) to the pool and defers the request's answer; on
 * failure (the store stopping) answers 503 now and frees j. */
static enum api_step job_start(struct lws *wsi, struct api_req *h, struct api_job *j, struct api_reply *out)
{
	j->r.work = job_work;
	j->r.done = job_done;
	if (store_read_submit(A.st, &j->r)) {
		if (j->user)
			j->user->active--;
		job_free(j);
		return api_status(out, HTTP_STATUS_SERVICE_UNAVAILABLE);
	}
	j->wsi = wsi;
	j->h = h;
	h->job = j;
	return API_LATER;
}

/*
 * Runs j (filled) on a reader and answers now: lws 4.1.6 parses a request
 * pipelined behind one into the same connection before the first is
 * answered, so a request answered later cannot keep a pipelined one's place
 * (see http.c). The course and blocked-word requests are small and rare
 * (the course platform's): the loop waits for their one short statement,
 * run by a reader over its own connection. Frees j.
 */
static enum api_step job_run(struct api_job *j, struct api_reply *out)
{
	enum api_step step;

	j->r.work = job_work;
	if (store_read_run(A.st, &j->r)) {
		job_free(j);
		return api_status(out, HTTP_STATUS_SERVICE_UNAVAILABLE);
	}
	step = job_answer(j, out);
	job_free(j);
	return step;
}

/* A new job for work, or NULL when out of memory. */
static struct api_job *job_new(enum api_work work)
{
	struct api_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->work = work;
	j->now_ms = clock_now_ms();
	return j;
}

/* The request is over (api.h): unlinks its export job, which then answers
 * no one, and frees the body received. */
void api_drop(struct api_req *h)
{
	if (h->job) {
		h->job->wsi = NULL;
		h->job->h = NULL;
		h->job = NULL;
	}
	free(h->in);
	h->in = NULL;
	h->in_len = 0;
}

/*
 * GET /api/sessions/<id>/export?format=&names=1, /api/polls/<id>/export?format=&answers=1
 * and /api/sessions/<id>/polls/export?...: any valid token; the store decides
 * what it may see (403/404). Read off the loop: the reply comes later.
 */
static enum api_step export_get(struct lws *wsi, struct api_req *h, int64_t id, enum api_export what,
				 struct api_reply *out)
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
		return api_error(out, status, code, NULL, "send a token as Authorization: Bearer");
	u = export_admit(who.user, clock_now_ms(), &retry_ms);
	if (!u) {
		struct proto_error e = { .code = PROTO_ERR_RATE_LIMITED };

		identity_free(&who);
		if (!retry_ms)
			return api_status(out, HTTP_STATUS_SERVICE_UNAVAILABLE);
		snprintf(e.message, sizeof(e.message), "too many exports: at most %d at once and %d a minute",
			 PROTO_EXPORTS_IN_FLIGHT, PROTO_EXPORTS_PER_MINUTE);
		api_answer(out, API_STATUS_TOO_MANY, "application/json", render_error(NULL, &e, retry_ms));
		out->retry_after_s = (retry_ms + 999) / 1000;
		return API_REPLY;
	}
	if (!(j = job_new(API_WORK_EXPORT))) {
		u->active--;
		identity_free(&who);
		return api_status(out, HTTP_STATUS_SERVICE_UNAVAILABLE);
	}
	identity_move(&j->who, &who);
	j->user = u;
	j->id = id;
	j->what = what;
	format = lws_get_urlarg_by_name(wsi, "format=", arg, sizeof(arg));
	j->csv = format && strcmp(format, "csv") == 0;
	flag = lws_get_urlarg_by_name(wsi, what == API_EXPORT_QUESTIONS ? "names=" : "answers=", arg, sizeof(arg));
	j->more = flag && strcmp(flag, "1") == 0;
	j->r.bulk = 1;
	return job_start(wsi, h, j, out);
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

/* GET /api/courses, on a reader. */
static enum api_step get_courses(struct api_reply *out)
{
	struct api_job *j = job_new(API_WORK_COURSES);

	return j ? job_run(j, out) : api_status(out, HTTP_STATUS_SERVICE_UNAVAILABLE);
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

/* GET /api/blocked-words/<lang>, on a reader. */
static enum api_step get_blocked_words(struct api_reply *out, const char *lang)
{
	struct api_job *j = job_new(API_WORK_WORDS);

	if (!j)
		return api_status(out, HTTP_STATUS_SERVICE_UNAVAILABLE);
	memcpy(j->lang, lang, sizeof(j->lang));
	return job_run(j, out);
}

/* A request for uri arrived (api.h): its answer now, or what comes next. */
enum api_step api_begin(struct lws *wsi, struct api_req *h, const char *uri, struct api_reply *out)
{
	enum proto_err code;
	unsigned int status;
	char path[64], lang[3];
	int64_t session;

	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) &&
	    sscanf(uri, "/api/sessions/%" SCNd64 "/expor%63s", &session, path) == 2 && strcmp(path, "t") == 0)
		return export_get(wsi, h, session, API_EXPORT_QUESTIONS, out);
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) &&
	    sscanf(uri, "/api/sessions/%" SCNd64 "/polls/expor%63s", &session, path) == 2 && strcmp(path, "t") == 0)
		return export_get(wsi, h, session, API_EXPORT_SESSION_POLLS, out);
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) &&
	    sscanf(uri, "/api/polls/%" SCNd64 "/expor%63s", &session, path) == 2 && strcmp(path, "t") == 0)
		return export_get(wsi, h, session, API_EXPORT_POLL, out);
	status = check_admin(wsi, &code);
	if (status)
		return api_error(out, status, code, NULL,
				 status == HTTP_STATUS_FORBIDDEN ? "admins only" : "send an admin token as Authorization: Bearer");
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) && strcmp(uri, "/api/courses") == 0)
		return get_courses(out);
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) && strcmp(uri, "/api/courses") == 0) {
		h->method = API_POST;
		return API_MORE;        /* the body follows */
	}
	if (lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI) &&
	    sscanf(uri, "/api/courses/%" SCNd64 "%63s", &h->id, path) == 1 && h->id > 0) {
		h->method = API_PUT;
		return API_MORE;
	}
	if (blocked_words_lang(uri, lang) == 0) {
		if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
			return get_blocked_words(out, lang);
		if (lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI)) {
			memcpy(h->lang, lang, sizeof(h->lang));
			h->method = API_PUT_WORDS;
			return API_MORE;
		}
	}
	return api_error(out, HTTP_STATUS_NOT_FOUND, PROTO_ERR_NOT_FOUND, NULL, "no such endpoint");
}

/* A piece of the request's body (api.h): kept in h->in (h owns it). */
enum api_step api_body(struct api_req *h, const void *in, size_t len, struct api_reply *out)
{
	char *n;

	if (!h->method)
		return API_MORE;
	if (h->in_len == 0 && len >= 5 &&
	    (memcmp(in, "POST ", 5) == 0 || memcmp(in, "PUT ", 4) == 0)) {
		/* lws 4.1.6 hands a request pipelined behind another its own
		 * request line as its body. No JSON body starts so: the body
		 * is unknown, and the connection is closed unanswered. */
		h->method = 0;
		return API_CLOSE;
	}
	if (h->in_len + len > API_BODY_MAX) {
		h->method = 0;
		free(h->in);
		h->in = NULL;
		return api_error(out, HTTP_STATUS_REQ_ENTITY_TOO_LARGE, PROTO_ERR_TOO_LONG, NULL,
				 "the body is too large");
	}
	if (!(n = realloc(h->in, h->in_len + len + 1)))
		return API_CLOSE;
	h->in = n;
	memcpy(h->in + h->in_len, in, len);
	h->in_len += len;
	return API_MORE;
}

/* PUT /api/blocked-words/<lang> once its body is in. */
static enum api_step put_blocked_words(struct api_req *h, struct api_reply *out)
{
	struct proto_error perr;
	struct api_job *j = job_new(API_WORK_WORDS_PUT);
	int rc;

	if (!j)
		return api_status(out, HTTP_STATUS_SERVICE_UNAVAILABLE);
	rc = proto_decode_words(h->in ? h->in : "", h->in_len, &j->words, &perr);
	free(h->in);
	h->in = NULL;
	h->in_len = 0;
	if (rc != PROTO_ERR_NONE) {     /* keeps the limit passed */
		job_free(j);
		return api_answer(out, HTTP_STATUS_BAD_REQUEST, "application/json", render_error(NULL, &perr, 0));
	}
	memcpy(j->lang, h->lang, sizeof(j->lang));
	return job_run(j, out);
}

/* The request's body is in (api.h): the answer to a POST or PUT. */
enum api_step api_complete(struct api_req *h, struct api_reply *out)
{
	struct proto_error perr;
	struct api_job *j;
	int method = h->method, rc;

	if (!method)
		return API_MORE;
	h->method = 0;
	if (method == API_PUT_WORDS)
		return put_blocked_words(h, out);
	if (!(j = job_new(API_WORK_COURSE_PUT)))
		return api_status(out, HTTP_STATUS_SERVICE_UNAVAILABLE);
	rc = proto_decode_course(h->in ? h->in : "", h->in_len, &j->pc, &perr) != PROTO_ERR_NONE;
	free(h->in);
	h->in = NULL;
	h->in_len = 0;
	if (rc) {
		job_free(j);
		return api_error(out, HTTP_STATUS_BAD_REQUEST, perr.code, perr.field, perr.message);
	}
	j->update = method == API_PUT;
	j->id = h->id;
	return job_run(j, out);
}
