/*
 * internal.h - what the store's own files share: the struct behind the
 * opaque handle, the statement cache, and the hooks between the writer
 * (writer.c), the event log (events.c) and the domain ops (forum.c).
 */
#ifndef FORUMD_STORE_INTERNAL_H
#define FORUMD_STORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <sqlite3.h>

#include "store.h"

#define STMT_CACHE_MAX 96

/* Prepared statements of one connection, keyed by the SQL text's address
 * (every SQL string is a static literal). */
struct stmt_cache {
	const char *sql[STMT_CACHE_MAX];
	sqlite3_stmt *stmt[STMT_CACHE_MAX];
	int n;
};

struct store {
	sqlite3 *wdb;                 /* writer thread only */
	sqlite3 *rdb;                 /* loop thread only */
	struct stmt_cache wcache, rcache;
	enum store_sync sync;

	pthread_t thread;
	int thread_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct store_job *q_head, *q_tail;    /* waiting for the writer */
	struct store_job *d_head, *d_tail;    /* finished, waiting for the loop */
	int stop;                             /* writer: finish the queue and exit */
	int stopped;                          /* writer has exited */
	void (*notify)(void *arg);
	void *notify_arg;

	atomic_uint_fast64_t jobs, writes, deduped, commits, commit_failures, batch_max, events, queue;

	/* Test builds: failpoints set by the loop, consumed by the writer. */
	atomic_int fp_commit, fp_busy, fp_disk_full;  /* disk_full: -1 unchanged, 0 off, 1 on */
};

/* Removes history older than job->prune_before_ms (events, idempotency
 * records) and moves each room's first_seq; the count in job->out_count. */
int store_prune(struct store *st, struct store_job *job);

/* A cached prepared statement for sql on db, reset and with bindings cleared;
 * NULL on error (logged). */
sqlite3_stmt *store_stmt(struct stmt_cache *c, sqlite3 *db, const char *sql);
void store_stmt_cache_free(struct stmt_cache *c);

/* Runs one statement without results; 0 or the SQLite error code. */
int store_exec(sqlite3 *db, const char *sql);

/* --dev: a demo course (and its staff's welcome thread) if there is none. */
int store_seed_demo(sqlite3 *db, int64_t now_ms);

/* Schema migrations (schema.c): brings db to the newest version. */
int store_migrate(sqlite3 *db, char *err, size_t err_len);

/* ---- inside a write transaction (writer thread) ------------------------- */

/*
 * Appends an event of `type` about `subject` to room's log with the room's
 * next seq, renders its views from the current rows and records it on the
 * job. Returns 0, or -1 (the job's savepoint is then rolled back).
 */
int store_event_append(struct store *st, struct store_job *job, const char *room,
		       const char *type, int64_t subject, int64_t actor);

/* Records a changed state value on the job, taking both references (staff
 * NULL: the same for everyone). A NULL value fails (render OOM). */
int store_state_add(struct store_job *job, const char *room, const char *key, int64_t version,
		    struct msg *value, struct msg *staff);

/* Applies one job's op (forum.c). Returns PROTO_ERR_NONE with job->reply set
 * to the reply's data JSON in *result (malloc'd, caller frees), or an error
 * in job->err. */
enum proto_err store_apply(struct store *st, struct store_job *job, char **result);

/*
 * Renders the event (type, subject) of room at seq from the current rows
 * reachable through db/cache, for staff (staff_view 1) or peers (0).
 * Returns a new msg or NULL. Shared by the writer (live) and replay.
 */
struct msg *store_render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
			       const char *type, int64_t subject, int staff_view);

#endif
