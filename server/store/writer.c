/*
 * writer.c - the store's handle, the writer thread and group commit.
 *
 * The writer takes every queued job (up to WRITER_BATCH_MAX), runs them in
 * one transaction, each inside its own savepoint so one failing job does not
 * undo the others, commits once, renders the batch's events (off the write
 * lock: inside the transaction only their facts are recorded), and only
 * then hands the jobs back with their replies and events. Jobs that queue while a commit is in progress form the
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
		store__exec(st->wdb, "PRAGMA max_page_count = 4294967294");
		return;
	}
	if (sqlite3_prepare_v2(st->wdb, "PRAGMA page_count", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", (long long)sqlite3_column_int64(s, 0));
		store__exec(st->wdb, sql);
	}
	sqlite3_finalize(s);
}

/* Test builds: arms failpoint name for the writer's next batches (any
 * thread): commit (count commits fail), busy (count transactions cannot
 * begin), disk_full (1: the file may not grow and commits fail; 0: lifted). */
void store_failpoint(struct store *st, const char *name, int count)
{
	if (strcmp(name, "commit") == 0)
		atomic_store(&st->fp_commit, count);
	else if (strcmp(name, "busy") == 0)
		atomic_store(&st->fp_busy, count);
	else if (strcmp(name, "disk_full") == 0)
		atomic_store(&st->fp_disk_full, count ? 1 : 0);
	else if (strcmp(name, "render") == 0)
		atomic_store(&st->fp_render, count);
}
#endif

static void run_batch(struct store *st, struct store_job *head)
{
	struct store_job *job, *tail = NULL;
	uint64_t n = 0, writes = 0, events = 0, deduped = 0;
	int rc, committed = 0;

#ifdef FORUMD_TESTING
	apply_disk_full(st);
	if (atomic_load(&st->fp_busy) > 0) {
		atomic_fetch_sub(&st->fp_busy, 1);
		rc = SQLITE_BUSY;       /* as if another process held the write lock */
	} else
#endif
	rc = store__exec(st->wdb, "BEGIN IMMEDIATE");
	for (job = head; job; job = job->next) {
		n++;
		tail = job;
		if (rc != SQLITE_OK) {
			store__job_fail(job, PROTO_ERR_INTERNAL, "the database is busy or failing");
			continue;
		}
		store__job_run(st, job);
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
		rc = store__exec(st->wdb, "COMMIT");
		if (rc != SQLITE_OK) {
			fprintf(stderr, "forumd: store: commit failed: %s\n", sqlite3_errmsg(st->wdb));
			store__exec(st->wdb, "ROLLBACK");
			for (job = head; job; job = job->next)
				store__job_fail(job, PROTO_ERR_INTERNAL, "the write could not be committed");
			atomic_fetch_add(&st->commit_failures, 1);
		} else {
			atomic_fetch_add(&st->commits, 1);
			committed = 1;
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
	/* The write lock is released: render the events now (events.c says
	 * why the bytes are still what a replay would send). */
	if (committed)
		store__render_events(st, head);
	finish_batch(st, head, tail);
}

int store__on_writer(struct store *st)
{
	return atomic_load(&st->writer_known) && pthread_equal(st->writer_id, pthread_self());
}

static void *writer_main(void *arg)
{
	struct store *st = arg;

	st->writer_id = pthread_self();
	atomic_store(&st->writer_known, 1);

	for (;;) {
		struct store_job *head, *cut;
		int n = 1;

		pthread_mutex_lock(&st->mu);
		while (!st->q_head && !st->stop)
			pthread_cond_wait(&st->cv, &st->mu);
		if (!st->q_head) {
			st->stopped = 1;
			atomic_store(&st->writer_known, 0);   /* its id may be reused */
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

/*
 * Opens the database at path (creating it), brings its schema to the newest
 * version, opens the read connection and starts the writer thread, which
 * calls notify(arg) from its own thread whenever finished jobs wait. The
 * caller owns the returned store and ends it with store_close; NULL with
 * a message in err.
 */
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

	st->wdb = store__db_open(path, STORE_DB_WRITER, sync, err, err_len);
	if (!st->wdb)
		goto fail;
	if (seed_demo && store__seed_demo(st->wdb, (int64_t)time(NULL) * 1000)) {
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

/* Lets the writer finish every queued job and stops it (loop thread, never
 * the writer). Finished jobs stay for store_take_done, and the read
 * connection stays open; later submits are answered shutting_down. */
void store_drain(struct store *st)
{
	if (!st || !st->thread_started)
		return;
	assert(!store__on_writer(st));       /* the writer cannot join itself */
	pthread_mutex_lock(&st->mu);
	st->stop = 1;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
	pthread_join(st->thread, NULL);
	st->thread_started = 0;
	store__readers_stop(st);
}

/* Drains the writer, frees the finished jobs nobody took, closes both
 * connections (the writer's last, checkpointing the WAL) and frees st.
 * NULL is ignored. */
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
	store__poll_free(st);
	store__stmt_cache_free(&st->wcache);
	/* The read-only connections first (store__readers_free): the last connection to close
	 * checkpoints the WAL into the database and removes it, and a
	 * read-only one cannot, so closing it last left every recent write in
	 * the -wal file. The writer then checkpoints and truncates the WAL
	 * itself, which also holds when another process still has the
	 * database open (--workers): its close is then not the last. */
	if (st->wdb) {
		if (store__exec(st->wdb, "PRAGMA wal_checkpoint(TRUNCATE)") != SQLITE_OK)
			fprintf(stderr, "forumd: store: checkpoint at stop: %s\n", sqlite3_errmsg(st->wdb));
		sqlite3_close(st->wdb);
	}
	pthread_mutex_destroy(&st->mu);
	pthread_cond_destroy(&st->cv);
	free(st);
}

/* Queues job for the writer (any thread); the store owns it until
 * store_take_done hands it back. 0, or -1 once the writer has stopped: the
 * job is then finished with shutting_down and queued as done all the same. */
int store_submit(struct store *st, struct store_job *job)
{
	int stopped;

	job->next = NULL;
	pthread_mutex_lock(&st->mu);
	stopped = st->stop;
	if (stopped) {
		store__job_fail(job, PROTO_ERR_SHUTTING_DOWN, "the server is stopping");
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

/* Takes every finished job, oldest first, linked by ->next (any thread;
 * the loop after notify). The caller owns the list and frees each job with
 * store_job_free. NULL if none. */
struct store_job *store_take_done(struct store *st)
{
	struct store_job *head;

	pthread_mutex_lock(&st->mu);
	head = st->d_head;
	st->d_head = st->d_tail = NULL;
	pthread_mutex_unlock(&st->mu);
	return head;
}

/* Copies the writer's counters into *out (any thread); the synchronous
 * string is static. */
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
	out->render_failures = atomic_load(&st->render_failures);
	out->synchronous = st->sync == STORE_SYNC_FULL ? "full" : "normal";
}
