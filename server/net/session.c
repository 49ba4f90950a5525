/*
 * session.c - one socket's life: authenticate within the deadline, then
 * answer requests, all behind the flow rules (rate, bad-input window).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "clock.h"
#include "core/access.h"
#include "core/ratemap.h"
#include "proto/decode.h"
#include "proto/render.h"
#include "proto/render_search.h"
#include "proto/token.h"
#include "rooms.h"
#include "session.h"

#define BAD_WINDOW_MS 60000
/* Longest single sleep of the expiry timer; it re-checks the clock on waking,
 * so a test that moves the clock is honoured within this bound. */
#define EXPIRY_RECHECK_MS (60 * 60 * 1000)

static struct session_ctx S;

static void subscription_answered(struct conn *c, int64_t until_s);

/* Keeps a copy of ctx for every socket's session (session.h); the pointers
 * in it stay the caller's. */
void session_init(const struct session_ctx *ctx)
{
	S = *ctx;
	rooms_on_answered(subscription_answered);
}

/* From now on writes are refused with shutting_down (session.h). */
void session_set_shutting_down(void)
{
	S.shutting_down = 1;
}

/* ------------------------------------------------------------------------- */
/* Replies                                                                   */
/* ------------------------------------------------------------------------- */

static void send_owned(struct conn *c, struct msg *m)
{
	conn_send(c, m);
	msg_unref(m);
}

static void reply_error(struct conn *c, const char *id, enum proto_err code, const char *field,
			int64_t retry_after_ms, const char *message)
{
	struct proto_error e = { .code = code };

	snprintf(e.field, sizeof(e.field), "%s", field ? field : "");
	snprintf(e.message, sizeof(e.message), "%s", message);
	send_owned(c, render_error(id, &e, retry_after_ms));
}

/* ------------------------------------------------------------------------- */
/* Sockets per user                                                          */
/* ------------------------------------------------------------------------- */

#define USER_BUCKETS 4096

struct user_count {
	struct user_count *next;
	int64_t uid;
	unsigned n;
};

static struct user_count *user_buckets[USER_BUCKETS];

/* Adds delta (+1, -1 or 0) to the sockets uid holds here; returns the count
 * before the change. */
static unsigned user_sockets(int64_t uid, int delta)
{
	struct user_count **pp = &user_buckets[(uint64_t)uid % USER_BUCKETS], *u;
	unsigned before;

	while (*pp && (*pp)->uid != uid)
		pp = &(*pp)->next;
	u = *pp;
	before = u ? u->n : 0;
	if (delta > 0 && !u) {
		if (!(u = calloc(1, sizeof(*u))))
			return before;
		u->uid = uid;
		*pp = u;
	}
	if (!u || !delta)
		return before;
	if (delta > 0) {
		u->n++;
	} else if (--u->n == 0) {
		*pp = u->next;
		free(u);
	}
	return before;
}

/* ------------------------------------------------------------------------- */
/* Deadlines                                                                 */
/* ------------------------------------------------------------------------- */

/* Seconds (a token's exp, a window boundary) as ms: a time past what
 * milliseconds can hold means "never" rather than an overflow. */
static int64_t s_to_ms(int64_t s)
{
	if (s >= INT64_MAX / 1000)
		return INT64_MAX;
	if (s <= 0)
		return 0;
	return s * 1000;
}

static int64_t expiry_ms(const struct conn *c)
{
	return s_to_ms(c->who.exp);
}

/* Arms the socket's timer for the earliest of: its token's expiry, the
 * next boundary of a course window it follows (until_s, seconds), and a
 * re-check an hour from now. */
static void arm_deadline(struct conn *c, int64_t until_s)
{
	int64_t now = clock_now_ms(), ms = EXPIRY_RECHECK_MS;
	int64_t exp = expiry_ms(c), until = s_to_ms(until_s);

	if (exp - now < ms)
		ms = exp - now;
	if (until - now < ms)
		ms = until - now;
	conn_set_deadline(c, ms);
}

static void recheck_done(struct conn *c, int64_t until_s, void *arg)
{
	(void)arg;
	if (c)
		arm_deadline(c, until_s);
}

/* Checks every room the socket follows against its identity and the clock
 * now, ends what is no longer allowed (subscription.ended), and arms the
 * deadline for the next change (once that read is back). */
static void recheck_access(struct conn *c)
{
	rooms_recheck(c, recheck_done, NULL);
}

static int token_expired(const struct conn *c)
{
	return c->authed && clock_now_ms() >= expiry_ms(c);
}

/* A socket opened (session.h): its auth deadline starts. */
void session_open(struct conn *c)
{
	CONN_ASSERT_LOOP();
	if (S.shutting_down) {
		conn_close(c, PROTO_CLOSE_GOING_AWAY, 1);
		return;
	}
	conn_set_deadline(c, PROTO_AUTH_DEADLINE_MS);
}

/* The socket's deadline fired (session.h): the auth deadline, the token's
 * expiry, or a course window boundary to recheck its rooms at. */
void session_deadline(struct conn *c)
{
	CONN_ASSERT_LOOP();
	if (!c->authed) {
		conn_close(c, PROTO_CLOSE_AUTH_TIMEOUT, 1);
		return;
	}
	if (token_expired(c))
		conn_close(c, PROTO_CLOSE_TOKEN_EXPIRED, 1);
	else
		recheck_access(c);      /* a window may have closed */
}

/* The socket stops holding one of its user's places (once). */
static void user_release(struct conn *c)
{
	if (!c->user_counted)
		return;
	c->user_counted = 0;
	user_sockets(c->uid, -1);
}

/* The socket began to close (session.h): it leaves its rooms and no longer
 * counts against its user's sockets. */
void session_closing(struct conn *c)
{
	CONN_ASSERT_LOOP();
	rooms_conn_closing(c);
	user_release(c);
}

/* The socket is gone (session.h): frees its identity and subscriptions. */
void session_closed(struct conn *c)
{
	CONN_ASSERT_LOOP();
	rooms_conn_closed(c);
	user_release(c);
	identity_free(&c->who);
}

/* ------------------------------------------------------------------------- */
/* Ops                                                                       */
/* ------------------------------------------------------------------------- */

/* Verifies the token field of a hello or auth.refresh; replies on failure. */
static int verify_token(struct conn *c, const struct proto_request *req, int field,
			struct identity *who)
{
	char why[128];
	enum proto_err rc;

	rc = token_verify(req->f[field].u.s.p, S.secret, S.secret_len, clock_now_ms() / 1000,
			  who, why, sizeof(why));
	if (rc != PROTO_ERR_NONE) {
		reply_error(c, req->id, rc, "token", 0, why);
		return -1;
	}
	return 0;
}

/* Moves the request into a new job for the writer (the caller's copy is
 * left empty) and queues it. */
static void submit(struct conn *c, struct proto_request *req, struct identity *who, int64_t uid)
{
	struct store_job *job = store_job_new();

	if (!job) {
		identity_free(who);
		reply_error(c, req->id, PROTO_ERR_INTERNAL, NULL, 0, "out of memory");
		return;
	}
	job->conn_slot = c->slot;
	job->conn_gen = c->gen;
	job->uid = uid;
	job->now_ms = clock_now_ms();
	identity_move(&job->who, who);
	job->req = *req;
	req->arena = NULL;              /* the job owns the strings now */
	store_submit(S.store, job);
}

/* A pruning pass, answered to c (NULL: the periodic one). */
static void submit_prune(struct conn *c, struct proto_request *req)
{
	struct store_job *job = store_job_new();

	if (!job)
		return;
	job->kind = STORE_JOB_PRUNE;
	job->now_ms = clock_now_ms();
	job->prune_before_ms = job->now_ms - (int64_t)S.history_days * 86400 * 1000;
	if (c) {
		job->conn_slot = c->slot;
		job->conn_gen = c->gen;
		job->req = *req;
		req->arena = NULL;
	}
	store_submit(S.store, job);
}

/* Queues a pruning job for the writer (session.h). */
void session_prune(void)
{
	submit_prune(NULL, NULL);
}

/* hello: verify here, then let the writer make sure the user has a row;
 * the reply goes out once that committed (session_store_done). */
static void op_hello(struct conn *c, struct proto_request *req)
{
	struct identity who;

	if (c->authed || c->hello_pending) {
		reply_error(c, req->id, PROTO_ERR_ALREADY_AUTHENTICATED, NULL, 0,
			    "already authenticated; use auth.refresh");
		return;
	}
	if (verify_token(c, req, PF_HELLO_TOKEN, &who))
		return;
	c->hello_pending = 1;
	submit(c, req, &who, 0);
}

static void op_write(struct conn *c, struct proto_request *req)
{
	struct identity who;

	if (identity_copy(&who, &c->who)) {
		reply_error(c, req->id, PROTO_ERR_INTERNAL, NULL, 0, "out of memory");
		return;
	}
	submit(c, req, &who, c->uid);
}

/* A subscription of c was answered (rooms.c, once its read came back). */
static void subscription_answered(struct conn *c, int64_t until_s)
{
	/* Its window closes within the hour: the deadline must come then. */
	if (s_to_ms(until_s) - clock_now_ms() < EXPIRY_RECHECK_MS)
		recheck_access(c);
}

static void op_subscribe(struct conn *c, const char *req_id, const char *room, int has_since,
			 int64_t since)
{
	enum proto_err rc = rooms_subscribe(c, room, has_since, since, req_id);

	if (rc != PROTO_ERR_NONE)
		reply_error(c, req_id, rc, "room", 0, proto_errs[rc].code);
}

static void op_unsubscribe(struct conn *c, const struct proto_request *req)
{
	rooms_unsubscribe(c, req->f[PF_UNSUBSCRIBE_ROOM].u.s.p);
	send_owned(c, render_unsubscribed(req->id, req->f[PF_UNSUBSCRIBE_ROOM].u.s.p));
}

/* A list read for one socket (thread.list, session.list, course.list,
 * search and the staff reads), answered by a reader: the request moves into
 * it, and its reply goes to the socket if it is still there when the read
 * comes back. */
struct list_read {
	struct store_read r;            /* first: the pool's part */
	uint32_t slot, gen;
	struct identity who;            /* owned copy */
	int64_t uid, now_s;
	struct proto_request req;       /* owned */
	struct msg *out;                /* the reply, or NULL with err */
	struct proto_error err;
};

/* search on a reader: the store's facts, rendered in the searcher's view. */
static struct msg *search_read(struct store_conn *rd, struct list_read *l)
{
	const struct proto_value *f = l->req.f;
	struct store_search_args a = {
		.course = f[PF_SEARCH_COURSE].u.i,
		.q = f[PF_SEARCH_Q].u.s.p,
		.q_len = f[PF_SEARCH_Q].u.s.len,
		.kind = f[PF_SEARCH_KIND].present
				? proto_ops[PROTO_OP_SEARCH].fields[PF_SEARCH_KIND].values[f[PF_SEARCH_KIND].u.e]
				: NULL,
		.mine = f[PF_SEARCH_MINE].present && f[PF_SEARCH_MINE].u.b,
		.answered = f[PF_SEARCH_ANSWERED].present ? (int)f[PF_SEARCH_ANSWERED].u.b : -1,
		.cursor = f[PF_SEARCH_CURSOR].present ? f[PF_SEARCH_CURSOR].u.s.p : NULL,
		.limit = f[PF_SEARCH_LIMIT].present ? (int)f[PF_SEARCH_LIMIT].u.i : 0,
	};
	struct store_search_result r;
	struct msg *m;

	if (store_search(rd, &l->who, l->uid, &a, l->now_s, &r, &l->err))
		return NULL;
	m = render_search_reply(l->req.id, r.hits, r.n, r.more ? r.next : NULL, a.q, &r.query, r.view);
	store_search_free(&r);
	return m;
}

/* On a reader thread. */
static void list_work(struct store_read *r, struct store_conn *rd)
{
	struct list_read *l = (struct list_read *)r;

	switch (l->req.op) {
	case PROTO_OP_THREAD_LIST:
		l->out = store_thread_list(rd, &l->who, l->uid, &l->req, l->now_s, &l->err);
		break;
	case PROTO_OP_SESSION_LIST:
		l->out = store_session_list(rd, &l->who, &l->req, l->now_s, &l->err);
		break;
	case PROTO_OP_FLAG_LIST:
		l->out = store_flag_list(rd, &l->who, &l->req, &l->err);
		break;
	case PROTO_OP_AUDIT_LIST:
		l->out = store_audit_list(rd, &l->who, &l->req, &l->err);
		break;
	case PROTO_OP_POST_HISTORY:
		l->out = store_post_history(rd, &l->who, &l->req, &l->err);
		break;
	case PROTO_OP_COURSE_LIST:
		l->out = store_course_list(rd, &l->who, l->req.id, l->now_s);
		break;
	case PROTO_OP_SEARCH:
		l->out = search_read(rd, l);
		break;
	case PROTO_OP_DRAFT_GET:
		l->out = store_draft_get(rd, l->uid, &l->req, &l->err);
		break;
	case PROTO_OP_THREAD_HISTORY:
		l->out = store_thread_history(rd, &l->who, &l->req, &l->err);
		break;
	case PROTO_OP_NOTIFICATION_LIST:
		l->out = store_notification_list(rd, l->uid, &l->req, &l->err);
		break;
	case PROTO_OP_COURSE_MEMBERS:
		l->out = store_course_members(rd, &l->who, l->uid, &l->req, l->now_s, &l->err);
		break;
	default:
		break;
	}
	if (!l->out && l->err.code == PROTO_ERR_NONE) {
		l->err.code = PROTO_ERR_INTERNAL;
		snprintf(l->err.message, sizeof(l->err.message), "cannot read");
	}
}

/* On the loop: the reply goes out, unless the socket is gone or closing. */
static void list_done(struct store_read *r)
{
	struct list_read *l = (struct list_read *)r;
	struct conn *c = r->cancelled ? NULL : conn_lookup(l->slot, l->gen);

	if (c && !c->closing)
		send_owned(c, l->out ? msg_ref(l->out) : render_error(l->req.id, &l->err, 0));
	msg_unref(l->out);
	identity_free(&l->who);
	proto_request_free(&l->req);
	free(l);
}

/* Queues a list read for c, moving req into it. */
static void op_list(struct conn *c, struct proto_request *req)
{
	struct list_read *l = calloc(1, sizeof(*l));

	if (!l || identity_copy(&l->who, &c->who)) {
		free(l);
		reply_error(c, req->id, PROTO_ERR_INTERNAL, NULL, 0, "out of memory");
		return;
	}
	l->r.work = list_work;
	l->r.done = list_done;
	l->slot = c->slot;
	l->gen = c->gen;
	l->uid = c->uid;
	l->now_s = clock_now_ms() / 1000;
	l->req = *req;
	req->arena = NULL;              /* the read owns the strings now */
	if (store_read_submit(S.store, &l->r)) {
		reply_error(c, l->req.id, PROTO_ERR_SHUTTING_DOWN, NULL, 0, "the server is stopping");
		identity_free(&l->who);
		proto_request_free(&l->req);
		free(l);
	}
}

/* Searches of each user over all their sockets here (searches_per_minute):
 * made at the first search, held for the process's life. */
static struct ratemap *search_rate;

/* search: counted against the user's rate here, then read like a list. */
static void op_search(struct conn *c, struct proto_request *req)
{
	int64_t wait;

	if (!search_rate)
		search_rate = ratemap_new(65536, PROTO_SEARCHES_PER_MINUTE, PROTO_SEARCHES_PER_MINUTE / 60.0);
	wait = search_rate ? ratemap_take(search_rate, c->uid, clock_now_ms()) : 1000;
	if (wait) {
		reply_error(c, req->id, PROTO_ERR_RATE_LIMITED, NULL, wait, "too many searches");
		return;
	}
	op_list(c, req);
}

static void op_stats(struct conn *c, const struct proto_request *req)
{
	struct render_stats rs;

	if (!c->who.admin) {
		reply_error(c, req->id, PROTO_ERR_FORBIDDEN, NULL, 0, "admins only");
		return;
	}
	session_stats(&rs);
	send_owned(c, render_stats(req->id, &rs));
}

/* auth.refresh's recheck is back: the reply (arg) follows what it ended. */
static void refresh_done(struct conn *c, int64_t until_s, void *arg)
{
	struct msg *reply = arg;

	if (c) {
		arm_deadline(c, until_s);
		if (reply)
			conn_send(c, reply);
	}
	msg_unref(reply);
}

static void op_auth_refresh(struct conn *c, const struct proto_request *req)
{
	struct identity who;

	if (verify_token(c, req, PF_AUTH_REFRESH_TOKEN, &who))
		return;
	if (strcmp(who.user, c->who.user) != 0) {
		identity_free(&who);
		reply_error(c, req->id, PROTO_ERR_WRONG_USER, "token", 0,
			    "the token is for another user");
		return;
	}
	identity_move(&c->who, &who);
	identity_pack(&c->who);         /* best effort: it is valid unpacked too */
	/* Roles may differ: what the socket follows is checked again, and
	 * what the new token does not allow ends before the reply. */
	rooms_recheck(c, refresh_done, render_ok_int(req->id, "expires_at", c->who.exp));
}

#ifdef FORUMD_TESTING
/* The clock moved: course windows are checked again at once, as the timer
 * at a window's boundary would (the timers run on loop time, which the
 * test clock does not move). Token expiry keeps its documented checks. */
static void recheck_windows(struct conn *c, void *arg)
{
	(void)arg;
	if (c->authed && !c->closing && c->subs)
		rooms_recheck(c, NULL, NULL);
}

static void op_test_clock(struct conn *c, const struct proto_request *req)
{
	if (req->f[PF_TEST_CLOCK_SET].present)
		clock_test_set(req->f[PF_TEST_CLOCK_SET].u.i);
	if (req->f[PF_TEST_CLOCK_ADVANCE].present)
		clock_test_advance(req->f[PF_TEST_CLOCK_ADVANCE].u.i);
	conn_foreach(recheck_windows, NULL);
	send_owned(c, render_ok_int(req->id, "time_ms", clock_now_ms()));
}
#endif

/* Runs one decoded request. Every write op but hello goes to the writer
 * as it is (protocol.json's "writes"; the store's domain table applies it);
 * the others are answered here. */
static void dispatch(struct conn *c, struct proto_request *req)
{
	if (req->op > PROTO_OP_NONE && req->op < PROTO_OP__COUNT && proto_ops[req->op].writes &&
	    req->op != PROTO_OP_HELLO) {
		op_write(c, req);
		return;
	}
	switch (req->op) {
	case PROTO_OP_HELLO:
		op_hello(c, req);
		break;
	case PROTO_OP_SESSION_LIST:
	case PROTO_OP_FLAG_LIST:
	case PROTO_OP_AUDIT_LIST:
	case PROTO_OP_POST_HISTORY:
	case PROTO_OP_COURSE_LIST:
	case PROTO_OP_THREAD_LIST:
	case PROTO_OP_DRAFT_GET:
	case PROTO_OP_THREAD_HISTORY:
	case PROTO_OP_NOTIFICATION_LIST:
	case PROTO_OP_COURSE_MEMBERS:
		op_list(c, req);
		break;
	case PROTO_OP_SUBSCRIBE:
		op_subscribe(c, req->id, req->f[PF_SUBSCRIBE_ROOM].u.s.p, req->f[PF_SUBSCRIBE_SINCE].present,
			     req->f[PF_SUBSCRIBE_SINCE].u.i);
		break;
	case PROTO_OP_UNSUBSCRIBE:
		op_unsubscribe(c, req);
		break;
	case PROTO_OP_SEARCH:
		op_search(c, req);
		break;
	case PROTO_OP_STATS:
		op_stats(c, req);
		break;
#ifdef FORUMD_TESTING
	case PROTO_OP_TEST_BUS_DROP:
		rooms_test_drop((unsigned)req->f[PF_TEST_BUS_DROP_COUNT].u.i);
		send_owned(c, render_ok_int(req->id, "count", req->f[PF_TEST_BUS_DROP_COUNT].u.i));
		break;
	case PROTO_OP_TEST_FAILPOINT:
		store_failpoint(S.store, proto_ops[PROTO_OP_TEST_FAILPOINT].fields[PF_TEST_FAILPOINT_NAME]
						 .values[req->f[PF_TEST_FAILPOINT_NAME].u.e],
				(int)req->f[PF_TEST_FAILPOINT_COUNT].u.i);
		send_owned(c, render_ok_named(req->id, proto_ops[PROTO_OP_TEST_FAILPOINT].fields[PF_TEST_FAILPOINT_NAME]
							   .values[req->f[PF_TEST_FAILPOINT_NAME].u.e],
					      req->f[PF_TEST_FAILPOINT_COUNT].u.i));
		break;
	case PROTO_OP_TEST_PRUNE:
		submit_prune(c, req);
		break;
#else
	case PROTO_OP_TEST_BUS_DROP:
	case PROTO_OP_TEST_FAILPOINT:
	case PROTO_OP_TEST_PRUNE:
		reply_error(c, req->id, PROTO_ERR_UNKNOWN_OP, "op", 0, "no such op");
		break;
#endif
	case PROTO_OP_AUTH_REFRESH:
		op_auth_refresh(c, req);
		break;
	case PROTO_OP_PING:
		send_owned(c, render_ok_int(req->id, "time_ms", clock_now_ms()));
		break;
	case PROTO_OP_TEST_CLOCK:
#ifdef FORUMD_TESTING
		op_test_clock(c, req);
#else
		reply_error(c, req->id, PROTO_ERR_UNKNOWN_OP, "op", 0, "no such op");
#endif
		break;
	default:                /* PROTO_OP_NONE, or a write handled above */
		reply_error(c, req->id, PROTO_ERR_UNKNOWN_OP, "op", 0, "no such op");
		break;
	}
}

/* ------------------------------------------------------------------------- */
/* Entry                                                                     */
/* ------------------------------------------------------------------------- */

#ifdef FORUMD_TESTING
#define ALLOW_TEST_OPS 1
#else
#define ALLOW_TEST_OPS 0
#endif

/* Counts one bad (or, with refusal set, one refused) request in the
 * socket's window; 1 when the window has passed max. The windows live in
 * the socket's cold part, allocated on the first hit: most sockets never
 * need them. Out of memory counts nothing (the request is answered anyway). */
static int window_hit(struct conn *c, int refusal, int64_t now, int64_t window_ms, uint32_t max)
{
	struct conn_cold *cold = conn_cold(c);

	if (!cold)
		return 0;
	return flow_window_hit(refusal ? &cold->refusals : &cold->bad, now, window_ms, max);
}

/* One whole message from c (session.h): decoded, checked against the
 * socket's rate and the role table, and dispatched. buf stays the caller's. */
void session_message(struct conn *c, const char *buf, size_t len)
{
	struct proto_request req;
	struct proto_error err;
	int64_t now = clock_mono_ms(), wait;

	CONN_ASSERT_LOOP();
	if (c->closing)
		return;
	if (proto_decode_request(buf, len, ALLOW_TEST_OPS, &req, &err) != PROTO_ERR_NONE) {
		send_owned(c, render_error(req.has_id ? req.id : NULL, &err, 0));
		if (proto_errs[err.code].bad_input &&
		    window_hit(c, 0, now, BAD_WINDOW_MS, PROTO_BAD_REQUESTS_MAX))
			conn_close(c, PROTO_CLOSE_BAD_INPUT_FLOOD, 1);
		return;
	}

	wait = flow_bucket_take(&c->rate, now, PROTO_RATE_BURST, PROTO_RATE_PER_SEC);
	if (wait) {
		if (window_hit(c, 1, now, PROTO_FLOOD_WINDOW_MS, PROTO_FLOOD_REFUSALS))
			conn_close(c, PROTO_CLOSE_FLOOD, 0);
		else
			reply_error(c, req.id, PROTO_ERR_RATE_LIMITED, NULL, wait, "too many requests");
		goto out;
	}

	if (S.shutting_down) {
		reply_error(c, req.id, PROTO_ERR_SHUTTING_DOWN, NULL, 0, "the server is stopping");
		goto out;
	}
	if (token_expired(c)) {
		conn_close(c, PROTO_CLOSE_TOKEN_EXPIRED, 1);
		goto out;
	}
	if (proto_ops[req.op].auth == PROTO_AUTH_USER && !c->authed) {
		reply_error(c, req.id, PROTO_ERR_NOT_AUTHENTICATED, NULL, 0, "send hello first");
		if (window_hit(c, 0, now, BAD_WINDOW_MS, PROTO_BAD_REQUESTS_MAX))
			conn_close(c, PROTO_CLOSE_BAD_INPUT_FLOOD, 1);
		goto out;
	}
	if (c->authed && !access_role_allows(&c->who, proto_ops[req.op].roles)) {
		reply_error(c, req.id, PROTO_ERR_FORBIDDEN, NULL, 0, "your role does not allow this");
		goto out;
	}
	dispatch(c, &req);
out:
	proto_request_free(&req);
}

/* ------------------------------------------------------------------------- */
/* Finished writes                                                           */
/* ------------------------------------------------------------------------- */

/* hello's user row committed: the socket is now authenticated as uid. */
static void hello_done(struct conn *c, struct store_job *job)
{
	const struct proto_value *resume = &job->req.f[PF_HELLO_RESUME];

	c->hello_pending = 0;
	if (c->closing)
		return;                 /* closed meanwhile: it takes no place */
	if (job->err.code != PROTO_ERR_NONE) {
		send_owned(c, render_error(job->req.id, &job->err, job->retry_after_ms));
		return;
	}
	if (user_sockets(job->out_uid, 0) >= PROTO_MAX_SOCKETS_PER_USER) {
		reply_error(c, job->req.id, PROTO_ERR_TOO_MANY_SOCKETS, NULL, 0,
			    "too many connections for this user; close one");
		conn_close(c, PROTO_CLOSE_TOO_MANY_SOCKETS, 1);
		return;
	}
	identity_move(&c->who, &job->who);
	identity_pack(&c->who);         /* best effort: it is valid unpacked too */
	c->uid = job->out_uid;
	c->authed = 1;
	user_sockets(c->uid, 1);
	c->user_counted = 1;
	arm_deadline(c, INT64_MAX);
	send_owned(c, render_hello_ok(job->req.id, &c->who, c->uid, &S.info, clock_now_ms()));
	/* Resume: each room as if the client had sent subscribe with since;
	 * the replies carry re "resume:<room>". */
	for (size_t i = 0; resume->present && i < resume->u.resume.n; i++) {
		char id[PROTO_MAX_ROOM_CHARS + 16];

		snprintf(id, sizeof(id), "resume:%s", resume->u.resume.items[i].room);
		op_subscribe(c, id, resume->u.resume.items[i].room, 1, resume->u.resume.items[i].since);
	}
}

/* The store finished work (session.h): each finished read's done runs, and
 * each write's reply goes to its socket (if still there) before its events
 * are published. Frees what it takes. */
void session_store_done(void)
{
	struct store_job *job, *next;
	struct store_read *r, *rnext;

	CONN_ASSERT_LOOP();
	for (r = store_take_reads(S.store); r; r = rnext) {
		rnext = r->next;
		r->done(r);
	}

	for (job = store_take_done(S.store); job; job = next) {
		struct conn *c = conn_lookup(job->conn_slot, job->conn_gen);

		next = job->next;
		if (job->err.code == PROTO_ERR_NONE)
			rooms_publish(job);
		if (job->kind == STORE_JOB_PRUNE) {
			if (c && job->err.code == PROTO_ERR_NONE)
				send_owned(c, render_ok_int(job->req.id, "pruned", job->out_count));
			else if (c)
				send_owned(c, render_error(job->req.id, &job->err, 0));
		} else if (c && job->req.op == PROTO_OP_HELLO)
			hello_done(c, job);
		else if (c && job->err.code == PROTO_ERR_NONE)
			conn_send(c, job->reply);
		else if (c)
			send_owned(c, render_error(job->req.id, &job->err, job->retry_after_ms));
		store_job_free(job);
	}
}

static void add_queued(struct conn *c, void *arg)
{
	*(uint64_t *)arg += conn_queued_bytes(c);
}

/* Fills out with the process's figures (session.h). */
void session_stats(struct render_stats *out)
{
	struct store_stats ss;

	memset(out, 0, sizeof(*out));
	store_get_stats(S.store, &ss);
	out->jobs = ss.jobs;
	out->writes = ss.writes;
	out->deduped = ss.deduped;
	out->commits = ss.commits;
	out->commit_failures = ss.commit_failures;
	out->render_failures = ss.render_failures;
	out->batch_max = ss.batch_max;
	out->events = ss.events;
	out->write_queue = ss.queue;
	out->synchronous = ss.synchronous;
	out->sockets = conn_count();
	conn_foreach(add_queued, &out->queued_bytes);
	out->invariant_violations = rooms_invariant_violations();
	out->partial_sends = conn_partial_sends();
	rooms_stats(&out->rooms, &out->subscriptions, &out->events_delivered, &out->gaps_filled);
	out->bus = rooms_bus()->name;
}

/* The transport's upcalls (conn.h), given to conn_init(). */
const struct conn_handler session_conn_handler = {
	.on_open = session_open,
	.on_message = session_message,
	.on_deadline = session_deadline,
	.on_closing = session_closing,
	.on_drained = rooms_conn_drained,
	.on_closed = session_closed,
};
