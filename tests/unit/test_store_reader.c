/*
 * test_store_reader.c - the reader pool: a read queued from the loop runs on
 * a reader over its own connection and comes back through the notify hook;
 * the thread marked as the loop's may run no statement (a death test).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/internal.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int notified;

/* The writer's and the readers' hook: wakes the test's "loop". */
static void notify(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	notified++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static char dir[200];

static int setup(void **state)
{
	static const struct mod_limits limits = MOD_LIMITS_DEFAULT;
	char path[256], err[256] = "";
	struct store *st;
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/forumd-reader-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/reader.db", dir);
	st = store_open(path, STORE_SYNC_NORMAL, 0, &limits, notify, NULL, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	store_loop_thread(st);
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	static const char *const files[] = { "reader.db", "reader.db-wal", "reader.db-shm" };
	char path[256];

	store_close(*state);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	return 0;
}

struct seq_read {
	struct store_read r;
	pthread_t ran_on;
	int rc, done;
	int64_t seq, version;
};

static void seq_work(struct store_read *r, struct store_conn *rd)
{
	struct seq_read *s = (struct seq_read *)r;

	s->ran_on = pthread_self();
	s->seq = -1;
	s->rc = store_room_seq(rd, "thread:1", &s->seq) || store_data_version(rd, &s->version);
}

static void seq_done(struct store_read *r)
{
	((struct seq_read *)r)->done++;
}

/* A queued read runs on a reader, not on the thread that queued it, and is
 * handed back (once) after the notify hook ran. */
static void test_read_comes_back_through_notify(void **state)
{
	struct store *st = *state;
	struct seq_read s = { .r = { .work = seq_work, .done = seq_done } };
	struct store_read *r;
	int before;

	pthread_mutex_lock(&mu);
	before = notified;
	pthread_mutex_unlock(&mu);
	assert_int_equal(store_read_submit(st, &s.r), 0);
	pthread_mutex_lock(&mu);
	while (notified == before)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	r = store_take_reads(st);
	assert_ptr_equal(r, &s.r);
	assert_null(r->next);
	r->done(r);
	assert_int_equal(s.done, 1);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.seq, 0);                     /* no such room yet */
	assert_false(pthread_equal(s.ran_on, pthread_self()));
	assert_null(store_take_reads(st));
}

/* store_read_run waits for the read and does not hand it back. */
static void test_read_run_waits(void **state)
{
	struct store *st = *state;
	struct seq_read s = { .r = { .work = seq_work, .done = seq_done } };

	assert_int_equal(store_read_run(st, &s.r), 0);
	assert_int_equal(s.rc, 0);
	assert_false(pthread_equal(s.ran_on, pthread_self()));
	assert_int_equal(s.done, 0);
	assert_null(store_take_reads(st));
}

/* Bulk reads that hold their reader until released. */
static pthread_mutex_t bmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bcv = PTHREAD_COND_INITIALIZER;
static int bulk_started, bulk_release;

static void bulk_work(struct store_read *r, struct store_conn *rd)
{
	(void)r;
	(void)rd;
	pthread_mutex_lock(&bmu);
	bulk_started++;
	pthread_cond_broadcast(&bcv);
	while (!bulk_release)
		pthread_cond_wait(&bcv, &bmu);
	pthread_mutex_unlock(&bmu);
}

static void nothing_done(struct store_read *r)
{
	(void)r;
}

/* Takes finished reads until `want` is among them; returns how many came. */
static int wait_for(struct store *st, struct store_read *want)
{
	int n = 0, found = 0;

	while (!found) {
		struct store_read *r;

		pthread_mutex_lock(&mu);
		while (!(r = store_take_reads(st)))
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
		for (; r; r = r->next, n++)
			found |= r == want;
	}
	return n;
}

/* With two readers, two exports at once leave one reader for the quick
 * reads: a snapshot queued behind them does not wait for either. */
static void test_bulk_reads_leave_a_reader(void **state)
{
	struct store *st = *state;
	struct store_read a = { .work = bulk_work, .done = nothing_done, .bulk = 1 };
	struct store_read b = { .work = bulk_work, .done = nothing_done, .bulk = 1 };
	struct seq_read q = { .r = { .work = seq_work, .done = seq_done } };

	bulk_started = bulk_release = 0;
	assert_int_equal(store_read_submit(st, &a), 0);
	assert_int_equal(store_read_submit(st, &b), 0);
	pthread_mutex_lock(&bmu);
	while (bulk_started < 1)
		pthread_cond_wait(&bcv, &bmu);
	pthread_mutex_unlock(&bmu);
	assert_int_equal(store_read_submit(st, &q.r), 0);
	wait_for(st, &q.r);
	assert_int_equal(q.rc, 0);
	pthread_mutex_lock(&bmu);
	assert_int_equal(bulk_started, 1);      /* the second export waits its turn */
	bulk_release = 1;
	pthread_cond_broadcast(&bcv);
	pthread_mutex_unlock(&bmu);
	wait_for(st, &b);
	assert_int_equal(bulk_started, 2);
}

/* A statement run on the loop's thread fails an assertion (test builds):
 * a read put back on the loop cannot pass the suite unnoticed. */
static void test_statement_on_loop_thread_aborts(void **state)
{
	sqlite3 *db = NULL;
	pid_t pid;
	int status = 0;

	(void)state;
	/* Any connection will do: the helper asserts before touching it. It is
	 * opened directly, since the store's own open path runs statements
	 * too (and this is the loop's thread). */
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_true(store__on_loop_thread());
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr))  /* the assertion's own message */
			_exit(2);
		store__exec(db, "SELECT 1");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_comes_back_through_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_run_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_reads_leave_a_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statement_on_loop_thread_aborts, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
