/*
 * test_conn.c - the transport's loop-thread check: conn_init() records its
 * caller's thread, and only that thread passes CONN_ASSERT_LOOP.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <cmocka.h>

#include "net/conn.h"

static void up_conn(struct conn *c)
{
	(void)c;
}

static void up_message(struct conn *c, const char *buf, size_t len)
{
	(void)c;
	(void)buf;
	(void)len;
}

static const struct conn_handler up = {
	.on_open = up_conn,
	.on_message = up_message,
	.on_deadline = up_conn,
	.on_closing = up_conn,
	.on_drained = up_conn,
	.on_closed = up_conn,
};

static void *ask_from_other_thread(void *arg)
{
	*(int *)arg = conn_on_loop_thread();
	return NULL;
}

static int asked_from_other_thread(void)
{
	pthread_t t;
	int r = -1;

	assert_int_equal(pthread_create(&t, NULL, ask_from_other_thread, &r), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	return r;
}

static void test_only_the_loop_thread_passes(void **state)
{
	uv_loop_t loop;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	conn_init(&loop, &up, 10);
	assert_int_equal(conn_on_loop_thread(), 1);
	assert_int_equal(asked_from_other_thread(), 0);
	assert_int_equal(conn_count(), 0);
	assert_null(conn_lookup(0, 1));

	conn_close_handles();
	conn_close_handles();           /* idempotent */
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
	conn_free();
	/* Stopped: no loop thread to hold anyone to. */
	assert_int_equal(asked_from_other_thread(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_the_loop_thread_passes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
