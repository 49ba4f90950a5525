/*
 * session.c - one socket's life: authenticate within the deadline, then
 * answer requests, all behind the flow rules (rate, bad-input window).
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "proto/decode.h"
#include "proto/render.h"
#include "proto/token.h"
#include "session.h"

#define BAD_WINDOW_MS 60000
/* Longest single sleep of the expiry timer; it re-checks the clock on waking,
 * so a test that moves the clock is honoured within this bound. */
#define EXPIRY_RECHECK_MS (60 * 60 * 1000)

static struct session_ctx S;

void session_init(const struct session_ctx *ctx)
{
	S = *ctx;
}

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
/* Deadlines                                                                 */
/* ------------------------------------------------------------------------- */

/* Arms the timer for the token's expiry (or a re-check, if that is far). */
static void arm_expiry(struct conn *c)
{
	int64_t ms = c->who.exp * 1000 - clock_now_ms();

	conn_set_deadline(c, ms > EXPIRY_RECHECK_MS ? EXPIRY_RECHECK_MS : ms);
}

static int token_expired(const struct conn *c)
{
	return c->authed && clock_now_ms() >= c->who.exp * 1000;
}

void session_open(struct conn *c)
{
	if (S.shutting_down) {
		conn_close(c, PROTO_CLOSE_GOING_AWAY, 1);
		return;
	}
	conn_set_deadline(c, PROTO_AUTH_DEADLINE_MS);
}

void session_deadline(struct conn *c)
{
	if (!c->authed) {
		conn_close(c, PROTO_CLOSE_AUTH_TIMEOUT, 1);
		return;
	}
	if (token_expired(c))
		conn_close(c, PROTO_CLOSE_TOKEN_EXPIRED, 1);
	else
		arm_expiry(c);
}

void session_closed(struct conn *c)
{
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

static void op_hello(struct conn *c, const struct proto_request *req)
{
	struct identity who;

	if (c->authed) {
		reply_error(c, req->id, PROTO_ERR_ALREADY_AUTHENTICATED, NULL, 0,
			    "already authenticated; use auth.refresh");
		return;
	}
	if (verify_token(c, req, PF_HELLO_TOKEN, &who))
		return;
	identity_move(&c->who, &who);
	c->authed = 1;
	arm_expiry(c);
	send_owned(c, render_hello_ok(req->id, &c->who, &S.info, clock_now_ms()));
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
	arm_expiry(c);
	send_owned(c, render_ok_int(req->id, "expires_at", c->who.exp));
}

#ifdef FORUMD_TESTING
static void op_test_clock(struct conn *c, const struct proto_request *req)
{
	if (req->f[PF_TEST_CLOCK_SET].present)
		clock_test_set(req->f[PF_TEST_CLOCK_SET].u.i);
	if (req->f[PF_TEST_CLOCK_ADVANCE].present)
		clock_test_advance(req->f[PF_TEST_CLOCK_ADVANCE].u.i);
	send_owned(c, render_ok_int(req->id, "time_ms", clock_now_ms()));
}
#endif

static void dispatch(struct conn *c, const struct proto_request *req)
{
	switch (req->op) {
	case PROTO_OP_HELLO:
		op_hello(c, req);
		break;
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
	case PROTO_OP_NONE:
	case PROTO_OP__COUNT:
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

void session_message(struct conn *c, const char *buf, size_t len)
{
	struct proto_request req;
	struct proto_error err;
	int64_t now = clock_mono_ms(), wait;

	if (c->closing)
		return;
	if (proto_decode_request(buf, len, ALLOW_TEST_OPS, &req, &err) != PROTO_ERR_NONE) {
		send_owned(c, render_error(req.has_id ? req.id : NULL, &err, 0));
		if (proto_errs[err.code].bad_input &&
		    flow_window_hit(&c->bad, now, BAD_WINDOW_MS, PROTO_BAD_REQUESTS_MAX))
			conn_close(c, PROTO_CLOSE_BAD_INPUT_FLOOD, 1);
		return;
	}

	wait = flow_bucket_take(&c->rate, now, PROTO_RATE_BURST, PROTO_RATE_PER_SEC);
	if (wait) {
		if (++c->refusals_in_row > PROTO_FLOOD_REFUSALS)
			conn_close(c, PROTO_CLOSE_FLOOD, 0);
		else
			reply_error(c, req.id, PROTO_ERR_RATE_LIMITED, NULL, wait, "too many requests");
		goto out;
	}
	c->refusals_in_row = 0;

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
		if (flow_window_hit(&c->bad, now, BAD_WINDOW_MS, PROTO_BAD_REQUESTS_MAX))
			conn_close(c, PROTO_CLOSE_BAD_INPUT_FLOOD, 1);
		goto out;
	}
	dispatch(c, &req);
out:
	proto_request_free(&req);
}
