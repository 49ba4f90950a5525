/*
 * writer.c - opening the database, the writer thread and group commit.
 *
 * The writer takes every queued job (up to WRITER_BATCH_MAX), runs them in
 * one transaction, each inside its own savepoint so one failing job does not
 * undo the others, commits once, and only then hands the jobs back with their
 * replies and events. Jobs that queue while a commit is in progress form the
 * next batch: under load, many writes share one fsync.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "proto/render.h"

#define WRITER_BATCH_MAX 512
/* Page cache of the write connection, in KiB. A batch of a few hundred
 * writes touches more pages than SQLite's default 2 MiB holds (random
 * idempotency keys and limit counters land on scattered index pages), and a
 * cache that spills in the middle of a transaction writes and reads those
 * pages again: measured with 1,000 writers, 32 MiB gives about 30% more
 * acknowledged writes per second. */
#define WRITER_CACHE_KIB 32768

/* Checkpoint the WAL into the database once it holds this many pages
 * (SQLite's default is 1,000). Under a write storm every commit rewrites the
 * same hot pages (index roots, the rooms row, the thread, table tails), and
 * a checkpoint copies each page once however many commits changed it: at
 * 1,000 pages the checkpoints were a tenth of the writer's CPU. The WAL
 * file is cut back to WAL_KEEP_BYTES after each checkpoint. */
#define WAL_CHECKPOINT_PAGES "8192"
/* The write connection keeps temporary data in memory (PRAGMA temp_store):
 * every job runs in a savepoint, and SQLite copies the first change to each
 * page inside one into a sub-journal, which past 64 KiB spills to a temp
 * file, a pwrite per page. In memory that was 15% more writes per second. */
#define WAL_KEEP_BYTES "67108864"

/* ------------------------------------------------------------------------- */
/* Connections and statements                                                */
/* ------------------------------------------------------------------------- */

_Static_assert(STMT_CACHE_MAX < 256 && STMT_CACHE_MAX * 2 <= STMT_CACHE_SLOTS,
	       "stmt cache slots hold 1 + an index in a byte, at most half full");

static unsigned stmt_slot(const char *sql)
{
	uintptr_t a = (uintptr_t)sql;

	return (unsigned)((a >> 3) * 2654435761u) % STMT_CACHE_SLOTS;
}

sqlite3_stmt *store_stmt(struct stmt_cache *c, sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	unsigned h = stmt_slot(sql);

	STORE_ASSERT_OFF_LOOP();
	for (; c->slot[h]; h = (h + 1) % STMT_CACHE_SLOTS) {
		int i = c->slot[h] - 1;

		if (c->sql[i] == sql) {
			sqlite3_reset(c->stmt[i]);
			sqlite3_clear_bindings(c->stmt[i]);
			return c->stmt[i];
		}
	}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "forumd: store: cannot prepare: %s\n  %s\n", sqlite3_errmsg(db), sql);
		return NULL;
	}
	assert(c->n < STMT_CACHE_MAX);
	if (c->n == STMT_CACHE_MAX)
		return s;       /* uncached: would leak; assert in debug builds */
	c->sql[c->n] = sql;
	c->stmt[c->n] = s;
	c->slot[h] = (uint8_t)(c->n + 1);   /* h is the empty slot the probe ended on */
	c->n++;
	return s;
}

void store_stmt_cache_free(struct stmt_cache *c)
{
	for (int i = 0; i < c->n; i++)
		sqlite3_finalize(c->stmt[i]);
	c->n = 0;
	memset(c->slot, 0, sizeof(c->slot));
}

int store_exec(sqlite3 *db, const char *sql)
{
	STORE_ASSERT_OFF_LOOP();
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Waits briefly and often instead of SQLite's default 1-100 ms sleeps, which
 * would undo group commit when another process holds the write lock. */
static int busy_wait(void *arg, int count)
{
	struct timespec ts = { 0, count < 20 ? 100000 : 1000000 };

	(void)arg;
	if (count > 5000)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

/* Switching a new file to WAL needs it to ourselves for a moment; when
 * sibling workers open it at once, the busy handler is not always asked
 * (SQLite returns SQLITE_BUSY straight away), so wait and try again here. */
static int setup_wal(sqlite3 *db)
{
	struct timespec ts = { 0, 5000000 };
	int rc = SQLITE_BUSY;

	for (int i = 0; i < 1000 && (rc & 0xff) == SQLITE_BUSY; i++) {
		rc = store_exec(db, "PRAGMA journal_mode = WAL");
		if ((rc & 0xff) == SQLITE_BUSY)
			nanosleep(&ts, NULL);
	}
	return rc;
}

static sqlite3 *open_db(const char *path, int flags, enum store_sync sync, char *err, size_t err_len)
{
	sqlite3 *db = NULL;
	int on = 1;

	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, err_len, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on);
	sqlite3_busy_handler(db, busy_wait, NULL);
	if (setup_wal(db) != SQLITE_OK ||
	    store_exec(db, sync == STORE_SYNC_FULL ? "PRAGMA synchronous = FULL"
						   : "PRAGMA synchronous = NORMAL") != SQLITE_OK ||
	    store_exec(db, "PRAGMA foreign_keys = ON") != SQLITE_OK ||
	    store_exec(db, "PRAGMA temp_store = MEMORY") != SQLITE_OK ||
	    store_exec(db, "PRAGMA wal_autocheckpoint = " WAL_CHECKPOINT_PAGES) != SQLITE_OK ||
	    store_exec(db, "PRAGMA journal_size_limit = " WAL_KEEP_BYTES) != SQLITE_OK ||
	    store_rules_register(db) != SQLITE_OK) {
		snprintf(err, err_len, "cannot configure %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* ------------------------------------------------------------------------- */
/* Jobs                                                                      */
/* ------------------------------------------------------------------------- */

struct store_job *store_job_new(void)
{
	return calloc(1, sizeof(struct store_job));
}

/* Drops a job's results (events, states, reply), keeping the request. */
static void job_clear_results(struct store_job *job)
{
	for (size_t i = 0; i < job->nevents; i++) {
		msg_unref(job->events[i].peer);
		msg_unref(job->events[i].staff);
	}
	for (size_t i = 0; i < job->nstates; i++) {
		msg_unref(job->states[i].value);
		msg_unref(job->states[i].staff);
	}
	job->nevents = job->nstates = 0;
	msg_unref(job->reply);
	job->reply = NULL;
}

void store_job_free(struct store_job *job)
{
	if (!job)
		return;
	job_clear_results(job);
	free(job->events);
	free(job->states);
	identity_free(&job->who);
	proto_request_free(&job->req);
	free(job);
}

static void job_fail(struct store_job *job, enum proto_err code, const char *message)
{
	job_clear_results(job);
	job->err.code = code;
	snprintf(job->err.message, sizeof(job->err.message), "%s", message);
}

int store_state_add(struct store_job *job, const char *room, const char *key, int64_t version,
		    struct msg *value, struct msg *staff)
{
	struct store_state *s;

	if (!value) {
		msg_unref(staff);
		return -1;
	}
	if (job->nstates == job->states_cap) {
		size_t ncap = job->states_cap ? job->states_cap * 2 : 4;
		struct store_state *ns = realloc(job->states, ncap * sizeof(*ns));

		if (!ns) {
			msg_unref(value);
			msg_unref(staff);
			return -1;
		}
		job->states = ns;
		job->states_cap = ncap;
	}
	s = &job->states[job->nstates++];
	snprintf(s->room, sizeof(s->room), "%s", room);
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->version = version;
	s->value = value;
	s->staff = staff;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Idempotency                                                               */
/* ------------------------------------------------------------------------- */

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
	sqlite3_stmt *s = store_stmt(&st->wcache, st->wdb, sql);
	int rc;

	if (!s)
		return SQLITE_ERROR;
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Runs one job inside the open transaction: answer from the record if its
 * key was seen, else apply it and record the result. */
static void run_request(struct store *st, struct store_job *job);

static void run_job(struct store *st, struct store_job *job)
{
	if (job->kind == STORE_JOB_PRUNE) {
		if (store_prune(st, job))
			job_fail(job, PROTO_ERR_INTERNAL, "pruning failed");
		return;
	}
	run_request(st, job);
}

/* A client's request: from the idempotency record, or applied and recorded. */
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
		s = store_stmt(&st->wcache, st->wdb, q_find);
		if (!s)
			goto fail;
		sqlite3_bind_int64(s, 1, job->uid);
		sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW) {
			if (strcmp((const char *)sqlite3_column_text(s, 0), op) != 0) {
				job_fail(job, PROTO_ERR_BAD_FIELD, "this key was already used for another op");
				snprintf(job->err.field, sizeof(job->err.field), "key");
				return;
			}
			job->reply = render_ok_raw(job->req.id, (const char *)sqlite3_column_text(s, 1));
			job->deduped = 1;
			if (!job->reply)
				goto fail;
			return;
		}
	}

	if (wexec(st, q_savepoint) != SQLITE_OK)
		goto fail;
	rc = store_apply(st, job, &result);
	if (rc == PROTO_ERR_NONE && key && result) {
		s = store_stmt(&st->wcache, st->wdb, q_save);
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
	if (rc == PROTO_ERR_NONE && result) {     /* hello's reply is made by the loop */
		job->reply = render_ok_raw(job->req.id, result);
		if (!job->reply)
			rc = PROTO_ERR_INTERNAL;
	}
	free(result);
	if (rc != PROTO_ERR_NONE) {
		if (job->err.code == PROTO_ERR_NONE)
			job_fail(job, rc, "the write failed");
		else
			job_clear_results(job);
		wexec(st, q_rollback);
	}
	wexec(st, q_release);
	return;
fail:
	job_fail(job, PROTO_ERR_INTERNAL, "the database failed");
}

/* ------------------------------------------------------------------------- */
/* The writer thread                                                         */
/* ------------------------------------------------------------------------- */

/* Hands finished jobs to the loop and wakes it. */
static void finish_batch(struct store *st, struct store_job *head, struct store_job *tail)
{
	if (!head)
		return;
	pthread_mutex_lock(&st->mu);
	if (st->d_tail)
		st->d_tail->next = head;
	else
		st->d_head = head;
	st->d_tail = tail;
	pthread_mutex_unlock(&st->mu);
	if (st->notify)
		st->notify(st->notify_arg);
}

#ifdef FORUMD_TESTING
/* disk_full: cap the file at its current size (a write needing a new page
 * fails there) and fail every commit (a write that fits in free pages would
 * still need room in the WAL), or lift both. */
static void apply_disk_full(struct store *st)
{
	int want = atomic_exchange(&st->fp_disk_full, -1);
	sqlite3_stmt *s = NULL;
	char sql[64];

	if (want < 0)
		return;
	st->disk_full = want;
	if (want == 0) {
		store_exec(st->wdb, "PRAGMA max_page_count = 4294967294");
		return;
	}
	if (sqlite3_prepare_v2(st->wdb, "PRAGMA page_count", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", (long long)sqlite3_column_int64(s, 0));
		store_exec(st->wdb, sql);
	}
	sqlite3_finalize(s);
}

void store_failpoint(struct store *st, const char *name, int count)
{
	if (strcmp(name, "commit") == 0)
		atomic_store(&st->fp_commit, count);
	else if (strcmp(name, "busy") == 0)
		atomic_store(&st->fp_busy, count);
	else if (strcmp(name, "disk_full") == 0)
		atomic_store(&st->fp_disk_full, count ? 1 : 0);
}
#endif

static void run_batch(struct store *st, struct store_job *head)
{
	struct store_job *job, *tail = NULL;
	uint64_t n = 0, writes = 0, events = 0, deduped = 0;
	int rc;

#ifdef FORUMD_TESTING
	apply_disk_full(st);
	if (atomic_load(&st->fp_busy) > 0) {
		atomic_fetch_sub(&st->fp_busy, 1);
		rc = SQLITE_BUSY;       /* as if another process held the write lock */
	} else
#endif
	rc = store_exec(st->wdb, "BEGIN IMMEDIATE");
	for (job = head; job; job = job->next) {
		n++;
		tail = job;
		if (rc != SQLITE_OK) {
			job_fail(job, PROTO_ERR_INTERNAL, "the database is busy or failing");
			continue;
		}
		run_job(st, job);
	}
	if (rc == SQLITE_OK) {
#ifdef FORUMD_TESTING
		if (atomic_load(&st->fp_commit) > 0) {
			atomic_fetch_sub(&st->fp_commit, 1);
			rc = SQLITE_IOERR;      /* the commit fails: everything rolls back */
		} else if (st->disk_full) {
			rc = SQLITE_FULL;       /* no room for the WAL to grow */
		} else
#endif
		rc = store_exec(st->wdb, "COMMIT");
		if (rc != SQLITE_OK) {
			fprintf(stderr, "forumd: store: commit failed: %s\n", sqlite3_errmsg(st->wdb));
			store_exec(st->wdb, "ROLLBACK");
			for (job = head; job; job = job->next)
				job_fail(job, PROTO_ERR_INTERNAL, "the write could not be committed");
			atomic_fetch_add(&st->commit_failures, 1);
		} else {
			atomic_fetch_add(&st->commits, 1);
		}
	} else {
		fprintf(stderr, "forumd: store: cannot begin: %s\n", sqlite3_errmsg(st->wdb));
		atomic_fetch_add(&st->commit_failures, 1);
	}
	for (job = head; job; job = job->next) {
		if (job->err.code != PROTO_ERR_NONE)
			continue;
		if (job->deduped)
			deduped++;
		else
			writes++;
		events += job->nevents;
	}
	atomic_fetch_add(&st->jobs, n);
	atomic_fetch_add(&st->writes, writes);
	atomic_fetch_add(&st->deduped, deduped);
	atomic_fetch_add(&st->events, events);
	if (n > atomic_load(&st->batch_max))
		atomic_store(&st->batch_max, n);
	finish_batch(st, head, tail);
}

static void *writer_main(void *arg)
{
	struct store *st = arg;

	for (;;) {
		struct store_job *head, *cut;
		int n = 1;

		pthread_mutex_lock(&st->mu);
		while (!st->q_head && !st->stop)
			pthread_cond_wait(&st->cv, &st->mu);
		if (!st->q_head) {
			st->stopped = 1;
			pthread_mutex_unlock(&st->mu);
			return NULL;
		}
		head = cut = st->q_head;
		while (cut->next && n < WRITER_BATCH_MAX) {
			cut = cut->next;
			n++;
		}
		st->q_head = cut->next;
		if (!st->q_head)
			st->q_tail = NULL;
		cut->next = NULL;
		atomic_fetch_sub(&st->queue, (uint64_t)n);
		pthread_mutex_unlock(&st->mu);

		run_batch(st, head);
	}
}

/* ------------------------------------------------------------------------- */
/* Public                                                                    */
/* ------------------------------------------------------------------------- */

/* Process-wide SQLite settings, made once before the first connection.
 * Memory statistics off: with them on, every allocation SQLite makes takes
 * a global mutex, and the writer allocates on every statement. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_setup(void)
{
	/* SQLITE_MISUSE when SQLite was already initialised (by a caller that
	 * used it first): the defaults then stay, which is only slower. */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct store *store_open(const char *path, enum store_sync sync, int seed_demo,
			 const struct mod_limits *limits, void (*notify)(void *arg), void *arg,
			 char *err, size_t err_len)
{
	struct store *st = calloc(1, sizeof(*st));

	if (!st) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	st->sync = sync;
	st->limits = *limits;
	st->notify = notify;
	st->notify_arg = arg;
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
	atomic_store(&st->fp_disk_full, -1);

	pthread_once(&sqlite_once, sqlite_setup);
	st->wdb = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, sync, err, err_len);
	if (!st->wdb || store_migrate(st->wdb, err, err_len))
		goto fail;
	{
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", WRITER_CACHE_KIB);
		if (store_exec(st->wdb, sql) != SQLITE_OK) {
			snprintf(err, err_len, "cannot size the page cache: %s", sqlite3_errmsg(st->wdb));
			goto fail;
		}
	}
	if (seed_demo && store_seed_demo(st->wdb, (int64_t)time(NULL) * 1000)) {
		snprintf(err, err_len, "cannot create the demo course: %s", sqlite3_errmsg(st->wdb));
		goto fail;
	}
	if (store__readers_start(st, path, err, err_len))
		goto fail;
	if (pthread_create(&st->thread, NULL, writer_main, st) != 0) {
		snprintf(err, err_len, "cannot start the writer thread");
		goto fail;
	}
	st->thread_started = 1;
	return st;
fail:
	store_close(st);
	return NULL;
}

void store_drain(struct store *st)
{
	if (!st || !st->thread_started)
		return;
	pthread_mutex_lock(&st->mu);
	st->stop = 1;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
	pthread_join(st->thread, NULL);
	st->thread_started = 0;
	store__readers_stop(st);
}

void store_close(struct store *st)
{
	struct store_job *job, *next;

	if (!st)
		return;
	store__loop_thread_done();
	store_drain(st);
	store__readers_free(st);
	for (job = store_take_done(st); job; job = next) {
		next = job->next;
		store_job_free(job);
	}
	store_poll_free(st);
	store_stmt_cache_free(&st->wcache);
	/* The read-only connections first (store__readers_free): the last connection to close
	 * checkpoints the WAL into the database and removes it, and a
	 * read-only one cannot, so closing it last left every recent write in
	 * the -wal file. The writer then checkpoints and truncates the WAL
	 * itself, which also holds when another process still has the
	 * database open (--workers): its close is then not the last. */
	if (st->wdb) {
		if (store_exec(st->wdb, "PRAGMA wal_checkpoint(TRUNCATE)") != SQLITE_OK)
			fprintf(stderr, "forumd: store: checkpoint at stop: %s\n", sqlite3_errmsg(st->wdb));
		sqlite3_close(st->wdb);
	}
	pthread_mutex_destroy(&st->mu);
	pthread_cond_destroy(&st->cv);
	free(st);
}

int store_submit(struct store *st, struct store_job *job)
{
	int stopped;

	job->next = NULL;
	pthread_mutex_lock(&st->mu);
	stopped = st->stop;
	if (stopped) {
		job_fail(job, PROTO_ERR_SHUTTING_DOWN, "the server is stopping");
		if (st->d_tail)
			st->d_tail->next = job;
		else
			st->d_head = job;
		st->d_tail = job;
	} else {
		if (st->q_tail)
			st->q_tail->next = job;
		else
			st->q_head = job;
		st->q_tail = job;
		atomic_fetch_add(&st->queue, 1);
		pthread_cond_signal(&st->cv);
	}
	pthread_mutex_unlock(&st->mu);
	if (stopped && st->notify)
		st->notify(st->notify_arg);
	return stopped ? -1 : 0;
}

struct store_job *store_take_done(struct store *st)
{
	struct store_job *head;

	pthread_mutex_lock(&st->mu);
	head = st->d_head;
	st->d_head = st->d_tail = NULL;
	pthread_mutex_unlock(&st->mu);
	return head;
}

void store_get_stats(struct store *st, struct store_stats *out)
{
	out->jobs = atomic_load(&st->jobs);
	out->writes = atomic_load(&st->writes);
	out->deduped = atomic_load(&st->deduped);
	out->commits = atomic_load(&st->commits);
	out->commit_failures = atomic_load(&st->commit_failures);
	out->batch_max = atomic_load(&st->batch_max);
	out->events = atomic_load(&st->events);
	out->queue = atomic_load(&st->queue);
	out->synchronous = st->sync == STORE_SYNC_FULL ? "full" : "normal";
}
