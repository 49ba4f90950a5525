/*
 * reader.c - the reader pool: a few threads, each with a read-only
 * connection of its own, that run reads for the loop (room snapshots,
 * replays, room seqs, lists, access checks, the HTTP API, exports).
 *
 * The loop queues a struct store_read; the first idle reader takes it, runs
 * its work over its connection and puts it on the finished list, then calls
 * the store's notify hook, the one the writer calls after a commit (the loop
 * wakes once for both and drains each list). Reads run in the order they
 * were queued only per reader: two reads queued one after the other may
 * finish in either order, so a caller that needs an order waits for one
 * before it queues the next. Bulk reads (exports, seconds long) queue apart
 * and run on all readers but one, so that a burst of them never holds up
 * the quick ones.
 *
 * The loop thread never runs a statement: store_loop_thread() records it and
 * the statement helpers assert they are elsewhere (test builds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* Readers run a little below the loop thread (nice, per thread on Linux):
 * on a machine with few cores, a burst of big reads then takes CPU from
 * other background work before it takes it from the loop that moves bytes. */
#define READER_NICE 5

/* Readers wait this long on a lock held by a checkpoint or another process
 * rather than fail the read. */
#define READER_BUSY_MS 5000

struct store__readers {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_cond_t sync_cv;               /* store_read_run: a waited-for read finished */
	struct store_read *q_head, *q_tail;   /* waiting for a reader */
	struct store_read *b_head, *b_tail;   /* bulk reads (exports) waiting */
	unsigned bulk_running, bulk_max;      /* bulk reads being run; at most this many */
	struct store_read *d_head, *d_tail;   /* finished, waiting for the loop */
	int stop;                             /* readers: finish the queue and exit */
	unsigned n, started;
	pthread_t *threads;
	struct store_conn *conns;
	char *path;
};

static atomic_uint readers_wanted = STORE_READERS_DEFAULT;

static pthread_t loop_tid;
static atomic_int loop_marked;

void store_set_readers(unsigned n)
{
	if (n < 1)
		n = 1;
	if (n > STORE_READERS_MAX)
		n = STORE_READERS_MAX;
	atomic_store(&readers_wanted, n);
}

void store_loop_thread(struct store *st)
{
	(void)st;
	loop_tid = pthread_self();
	atomic_store(&loop_marked, 1);
}

/* The loop has stopped (store_close): its thread may close the database. */
void store__loop_thread_done(void)
{
	atomic_store(&loop_marked, 0);
}

int store__on_loop_thread(void)
{
	return atomic_load(&loop_marked) && pthread_equal(loop_tid, pthread_self());
}

/* Opens path read-only through the store's one open path (db.c: pragmas,
 * busy handler, core/'s rules, the search tokenizer); NULL with err set. */
static sqlite3 *reader_open(const char *path, char *err, size_t err_len)
{
	return store__db_open(path, STORE_DB_READER, STORE_SYNC_NORMAL, err, err_len);
}

sqlite3 *store__reader_db_open(struct store *st)
{
	char err[256];

	return st->readers ? reader_open(st->readers->path, err, sizeof(err)) : NULL;
}

int store_data_changed(struct store_conn *rd)
{
	int64_t v = 0;
	int changed;

	if (store_data_version(rd, &v))
		return 1;
	changed = !rd->data_version_known || v != rd->data_version;
	rd->data_version = v;
	rd->data_version_known = 1;
	return changed;
}

sqlite3 *store__conn_rw(struct store_conn *rd, char *err, size_t err_len)
{
	if (!rd->rw)
		rd->rw = store__open_rw(rd->st->readers->path, err, err_len);
	return rd->rw;
}

static void finish(struct store *st, struct store_read *r)
{
	struct store__readers *p = st->readers;

	r->next = NULL;
	pthread_mutex_lock(&p->mu);
	if (r->sync) {
		r->sync = 2;            /* finished: the waiting caller takes it back */
		pthread_cond_broadcast(&p->sync_cv);
		pthread_mutex_unlock(&p->mu);
		return;
	}
	if (p->d_tail)
		p->d_tail->next = r;
	else
		p->d_head = r;
	p->d_tail = r;
	pthread_mutex_unlock(&p->mu);
	if (st->notify)
		st->notify(st->notify_arg);
}

static void *reader_main(void *arg)
{
	struct store_conn *conn = arg;
	struct store *st = conn->st;
	struct store__readers *p = st->readers;

	/* Best effort: a reader at the loop's priority is only slower to yield. */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), READER_NICE);
	for (;;) {
		struct store_read *r;

		int bulk;

		pthread_mutex_lock(&p->mu);
		while (!p->q_head && !(p->b_head && p->bulk_running < p->bulk_max) && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		bulk = !p->q_head && p->b_head && p->bulk_running < p->bulk_max;
		r = bulk ? p->b_head : p->q_head;
		if (!r) {
			/* Stopping, and nothing this reader may take: the queue
			 * is finished (a bulk read left waits for a reader that
			 * runs one now, which takes it before it exits). */
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		if (bulk) {
			p->b_head = r->next;
			if (!p->b_head)
				p->b_tail = NULL;
			p->bulk_running++;
		} else {
			p->q_head = r->next;
			if (!p->q_head)
				p->q_tail = NULL;
		}
		pthread_mutex_unlock(&p->mu);

		r->work(r, conn);
		if (bulk) {
			pthread_mutex_lock(&p->mu);
			p->bulk_running--;
			pthread_cond_broadcast(&p->cv);     /* the next bulk read may go */
			pthread_mutex_unlock(&p->mu);
		}
		finish(st, r);
	}
}

int store__readers_start(struct store *st, const char *path, char *err, size_t err_len)
{
	struct store__readers *p = calloc(1, sizeof(*p));
	unsigned n = atomic_load(&readers_wanted);

	if (!p || !(p->path = strdup(path)) || !(p->threads = calloc(n, sizeof(*p->threads))) ||
	    !(p->conns = calloc(n, sizeof(*p->conns)))) {
		if (p) {
			free(p->path);
			free(p->threads);
		}
		free(p);
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	pthread_cond_init(&p->sync_cv, NULL);
	p->n = n;
	/* One reader is always left for the quick reads (snapshots, replays,
	 * lists) however many exports are asked for at once. */
	p->bulk_max = n > 1 ? n - 1 : 1;
	st->readers = p;
	for (unsigned i = 0; i < n; i++) {
		p->conns[i].st = st;
		if (!(p->conns[i].db = reader_open(path, err, err_len)))
			return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (pthread_create(&p->threads[i], NULL, reader_main, &p->conns[i]) != 0) {
			snprintf(err, err_len, "cannot start a reader thread");
			return -1;
		}
		p->started++;
	}
	return 0;
}

void store__readers_stop(struct store *st)
{
	struct store__readers *p = st->readers;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->started; i++)
		pthread_join(p->threads[i], NULL);
	p->started = 0;
}

void store__readers_free(struct store *st)
{
	struct store__readers *p = st->readers;
	struct store_read *r, *next;

	if (!p)
		return;
	store__readers_stop(st);
	/* Reads nobody took: their done still frees them (cancelled). */
	for (r = store_take_reads(st); r; r = next) {
		next = r->next;
		r->cancelled = 1;
		r->done(r);
	}
	for (unsigned i = 0; i < p->n; i++) {
		store__stmt_cache_free(&p->conns[i].cache);
		if (p->conns[i].db)
			sqlite3_close(p->conns[i].db);
		if (p->conns[i].rw)
			sqlite3_close(p->conns[i].rw);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	pthread_cond_destroy(&p->sync_cv);
	free(p->conns);
	free(p->threads);
	free(p->path);
	free(p);
	st->readers = NULL;
}

/* Queues r (the lock held). 0, or -1 once the pool stopped. */
static int enqueue(struct store__readers *p, struct store_read *r)
{
	struct store_read **head = r->bulk ? &p->b_head : &p->q_head, **tail = r->bulk ? &p->b_tail : &p->q_tail;

	if (p->stop)
		return -1;
	if (*tail)
		(*tail)->next = r;
	else
		*head = r;
	*tail = r;
	/* Every reader: the one woken must be one that may take it. */
	pthread_cond_broadcast(&p->cv);
	return 0;
}

int store_read_run(struct store *st, struct store_read *r)
{
	struct store__readers *p = st->readers;
	int rc;

	r->next = NULL;
	r->cancelled = 0;
	r->sync = 1;
	pthread_mutex_lock(&p->mu);
	rc = enqueue(p, r);
	while (rc == 0 && r->sync != 2)
		pthread_cond_wait(&p->sync_cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	r->sync = 0;
	return rc;
}

int store_read_submit(struct store *st, struct store_read *r)
{
	struct store__readers *p = st->readers;
	int rc;

	r->next = NULL;
	r->cancelled = 0;
	r->sync = 0;
	pthread_mutex_lock(&p->mu);
	rc = enqueue(p, r);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

struct store_read *store_take_reads(struct store *st)
{
	struct store__readers *p = st->readers;
	struct store_read *head;

	if (!p)
		return NULL;
	pthread_mutex_lock(&p->mu);
	head = p->d_head;
	p->d_head = p->d_tail = NULL;
	pthread_mutex_unlock(&p->mu);
	return head;
}
