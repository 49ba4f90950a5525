/*
 * test_store_thread.c - "writer thread only" is checked, not only written:
 * the store knows its writer thread, and a function that must run inside
 * the writer's transaction stops a caller on any other thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/internal.h"
#include "store_tmp.h"

/* What notify saw: it runs on the writer thread after each batch. */
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t seen_cv = PTHREAD_COND_INITIALIZER;
static int notified, notified_on_writer;
static struct store *the_store;

static void notify(void *arg)
{
	int on = store__on_writer(the_store);

	(void)arg;
	pthread_mutex_lock(&seen_mu);
	notified = 1;
	notified_on_writer = on;
	pthread_cond_signal(&seen_cv);
	pthread_mutex_unlock(&seen_mu);
}

static struct store_tmp db;

/* A fresh database in a temporary directory, with its writer running. */
static int setup(void **state)
{
	pthread_mutex_lock(&seen_mu);
	notified = notified_on_writer = 0;
	pthread_mutex_unlock(&seen_mu);
	if (store_tmp_open(&db, "thread", notify))
		return -1;
	the_store = db.st;
	*state = db.st;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_tmp_close(&db);
	the_store = NULL;
	return 0;
}

/* A prune job: the store's own work, no request behind it. */
static struct store_job *prune_job(void)
{
	struct store_job *job = store_job_new();

	assert_non_null(job);
	job->kind = STORE_JOB_PRUNE;
	job->prune_before_ms = 1;
	return job;
}

static void test_the_writer_knows_itself(void **state)
{
	struct store *st = *state;
	struct store_job *done, *next;

	assert_int_equal(store__on_writer(st), 0);
	assert_int_equal(store_submit(st, prune_job()), 0);
	pthread_mutex_lock(&seen_mu);
	while (!notified)
		pthread_cond_wait(&seen_cv, &seen_mu);
	pthread_mutex_unlock(&seen_mu);
	assert_int_equal(notified_on_writer, 1);
	for (done = store_take_done(st); done; done = next) {
		next = done->next;
		assert_int_equal(done->err.code, PROTO_ERR_NONE);
		store_job_free(done);
	}
}

static void test_a_writer_step_off_the_writer_aborts(void **state)
{
	struct store *st = *state;
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		/* The child holds only this (non-writer) thread. */
		signal(SIGABRT, SIG_DFL);
		if (!freopen("/dev/null", "w", stderr))
			_exit(2);
		store__job_run(st, prune_job());
		_exit(0);       /* it ran: the assertion is missing */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_the_writer_knows_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_writer_step_off_the_writer_aborts, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
