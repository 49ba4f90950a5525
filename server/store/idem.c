/*
 * idem.c - one job inside the writer's open transaction: a client's request
 * is answered from its idempotency record when its (user, key) was seen
 * (a retried write gets the first result back), or applied through the
 * table of domains in its own savepoint and its result recorded under the
 * key; the store's own prune job drops old history.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The idempotency key of a job's request, if its op has one. */
static const char *job_key(const struct store_job *job)
{
	const struct proto_op_spec *os = &proto_ops[job->req.op];

	for (int i = 0; i < os->nfields; i++)
		if (os->fields[i].type == PROTO_FT_KEY && job->req.f[i].present)
			return job->req.f[i].u.s.p;
	return NULL;
}

/* Runs `sql` (a savepoint command) on the write connection from the
 * statement cache: three of them frame every job, and parsing each anew
 * costs more than running it. Returns the SQLite result code. */
static int wexec(struct store *st, const char *sql)
{
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, sql);
	int rc;

	if (!s)
		return SQLITE_ERROR;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* A client's request: from the idempotency record, or applied and recorded.
 *
 * The result (the reply's data, in the actor's view) is the one thing still
 * rendered inside the transaction: the record must hold what the first
 * write answered, byte for byte, and that answer exists only at that
 * moment. Storing its facts instead and rendering them on a retry would
 * render the rows as they are by then (an edited post, a moved vote
 * count), which is not the first result. It is one small render per write;
 * every event and state render is done after the commit (events.c). */
static void run_request(struct store *st, struct store_job *job)
{
	static const char q_find[] = "SELECT op, result FROM idempotency WHERE user_id = ?1 AND key = ?2";
	static const char q_save[] =
		"INSERT INTO idempotency(user_id, key, op, result, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char q_savepoint[] = "SAVEPOINT job", q_release[] = "RELEASE job",
			  q_rollback[] = "ROLLBACK TO job";
	const char *key = job_key(job);
	const char *op = proto_ops[job->req.op].name;
	sqlite3_stmt *s;
	char *result = NULL;
	enum proto_err rc;

	if (key) {
		s = store__stmt(&st->wcache, st->wdb, q_find);
		if (!s)
			goto fail;
		sqlite3_bind_int64(s, 1, job->uid);
		sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			if (strcmp((const char *)sqlite3_column_text(s, 0), op) != 0) {
				store__job_fail(job, PROTO_ERR_BAD_FIELD, "this key was already used for another op");
				snprintf(job->err.field, sizeof(job->err.field), "key");
				return;
			}
			job->result = strdup((const char *)sqlite3_column_text(s, 1));
			job->deduped = 1;
			if (!job->result)
				goto fail;
			return;
		}
	}

	if (wexec(st, q_savepoint) != SQLITE_OK)
		goto fail;
	rc = store__apply(st, job, &result);
	if (rc == PROTO_ERR_NONE && key && result) {
		s = store__stmt(&st->wcache, st->wdb, q_save);
		if (!s)
			rc = PROTO_ERR_INTERNAL;
		else {
			sqlite3_bind_int64(s, 1, job->uid);
			sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 3, op, -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 4, result, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 5, job->now_ms);
			if (sqlite3_step(s) != SQLITE_DONE)
				rc = PROTO_ERR_INTERNAL;
		}
	}
	if (rc == PROTO_ERR_NONE) {       /* kept for the reply (NULL for hello: the loop makes its reply) */
		job->result = result;
		result = NULL;
	}
	free(result);
	if (rc != PROTO_ERR_NONE) {
		if (job->err.code == PROTO_ERR_NONE)
			store__job_fail(job, rc, "the write failed");
		else
			store__job_clear_results(job);
		wexec(st, q_rollback);
	}
	wexec(st, q_release);
	return;
fail:
	store__job_fail(job, PROTO_ERR_INTERNAL, "the database failed");
}

void store__job_run(struct store *st, struct store_job *job)
{
	assert(store__on_writer(st));

	if (job->kind == STORE_JOB_PRUNE) {
		if (store__prune(st, job))
			store__job_fail(job, PROTO_ERR_INTERNAL, "pruning failed");
		return;
	}
	run_request(st, job);
}
