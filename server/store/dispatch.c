/*
 * dispatch.c - the store's table of domains. protocol.json names, per write
 * op, the domain that applies it and, per event, the domain that renders
 * it; each domain file gives this table its functions (and the hooks it
 * wants: what to do when a live session ends), and this file is the only
 * one that knows them all (as a command table keys each command to
 * its procedure). Adding an op is its protocol.json entry and its function
 * in its domain's file; no file falls through to another.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct store_domain {
	enum proto_err (*apply)(struct store *st, struct store_job *job, char **result);
	int (*render_event)(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
			    enum proto_event ev, int64_t subject, struct msg **peer, struct msg **staff);
	int (*session_ended)(struct store *st, struct store_job *job, int64_t session);
	int (*render_state)(struct stmt_cache *c, sqlite3 *db, struct store_state *s);
};

static const struct store_domain domains[PROTO_DOMAIN__COUNT] = {
	[PROTO_DOMAIN_FORUM] = { store__forum_apply, store__forum_render_event, NULL, store__forum_render_state },
	[PROTO_DOMAIN_MODERATION] = { store__moderation_apply, store__moderation_render_event },
	[PROTO_DOMAIN_QA] = { store__qa_apply, store__qa_render_event, NULL, store__qa_render_state },
	[PROTO_DOMAIN_POLL] = { store__poll_apply, store__poll_render_event, store__poll_session_ended,
				store__poll_render_state },
	[PROTO_DOMAIN_WRITING] = { store__writing_apply },
	[PROTO_DOMAIN_NOTIFY] = { store__notify_apply, store__notify_render_event },
};

/* Which domain renders each kind of state fact. */
static const enum proto_domain state_domains[] = {
	[STORE_STATE_THREAD_STATS] = PROTO_DOMAIN_FORUM,
	[STORE_STATE_POST_VOTES] = PROTO_DOMAIN_FORUM,
	[STORE_STATE_QUESTION_VOTES] = PROTO_DOMAIN_QA,
	[STORE_STATE_ANSWERING] = PROTO_DOMAIN_QA,
	[STORE_STATE_POLL_RESULTS] = PROTO_DOMAIN_POLL,
};

enum proto_err store__apply(struct store *st, struct store_job *job, char **result)
{
	enum proto_op op = job->req.op;
	const struct store_domain *d;
	enum proto_err rc;

	assert(store__on_writer(st));
	*result = NULL;
	if (op <= PROTO_OP_NONE || op >= PROTO_OP__COUNT || !proto_ops[op].writes)
		return store__job_error(job, PROTO_ERR_INTERNAL, NULL, "not a write op");
	d = &domains[proto_ops[op].domain];
	if (!d->apply)
		return store__job_error(job, PROTO_ERR_INTERNAL, NULL, "no domain applies this op");
	rc = d->apply(st, job, result);
	/* The search index follows every write inside the job's savepoint, so
	 * it never holds a post the write did not commit, or misses one. */
	if (rc == PROTO_ERR_NONE && store__search_sync(st)) {
		free(*result);
		*result = NULL;
		rc = store__job_error(job, PROTO_ERR_INTERNAL, NULL, "the search index could not be updated");
	}
	return rc;
}

int store__render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
		       enum proto_event ev, int64_t subject, struct msg **peer, struct msg **staff)
{
	const struct store_domain *d;

	*peer = *staff = NULL;
	if (ev <= PROTO_EV_NONE || ev >= PROTO_EV__COUNT || !proto_events[ev].logged)
		return -1;
	d = &domains[proto_events[ev].domain];
	if (!d->render_event || d->render_event(c, db, room, seq, ev, subject, peer, staff) || !*peer || !*staff)
		goto fail;
	/* One copy when both views are the same bytes: staff then share it. */
	if ((*peer)->len == (*staff)->len && memcmp(msg_data(*peer), msg_data(*staff), (*peer)->len) == 0) {
		msg_unref(*staff);
		*staff = NULL;
	}
	return 0;
fail:
	msg_unref(*peer);
	msg_unref(*staff);
	*peer = *staff = NULL;
	return -1;
}

int store__state_render(struct stmt_cache *c, sqlite3 *db, struct store_state *s)
{
	const struct store_domain *d;

	if (s->kind == STORE_STATE_RENDERED)
		return s->value ? 0 : -1;
	if ((size_t)s->kind >= sizeof(state_domains) / sizeof(state_domains[0]))
		return -1;
	d = &domains[state_domains[s->kind]];
	return d->render_state ? d->render_state(c, db, s) : -1;
}

int store__session_ended(struct store *st, struct store_job *job, int64_t session)
{
	assert(store__on_writer(st));

	for (int i = 0; i < PROTO_DOMAIN__COUNT; i++)
		if (domains[i].session_ended && domains[i].session_ended(st, job, session))
			return -1;
	return 0;
}
