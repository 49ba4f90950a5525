/*
 * test_store_plan.c - the list queries walk an index in their own order:
 * no scan of a course's threads and no sort of them per page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/store.h"
#include "store_tmp.h"

static void notify(void *arg)
{
	(void)arg;
}

static struct store_tmp db;

/* A fresh database in a temporary directory, migrated. */
static int setup(void **state)
{
	if (store_tmp_open(&db, "plan", notify))
		return -1;
	*state = db.st;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_tmp_close(&db);
	return 0;
}

static void assert_plan_uses(struct store *st, int sort, const char *index)
{
	char plan[2048];

	assert_int_equal(store_thread_list_plan(st, sort, plan, sizeof(plan)), 0);
	if (!strstr(plan, index) || strstr(plan, "TEMP B-TREE"))
		fail_msg("sort %d: expected a walk of %s without a sort step; the plan is:\n%s", sort, index, plan);
}

static void test_latest_walks_its_index(void **state)
{
	assert_plan_uses(*state, 0, "threads_by_activity");
}

static void test_votes_walks_its_index(void **state)
{
	assert_plan_uses(*state, 1, "threads_by_votes");
}

static void test_unanswered_walks_its_index(void **state)
{
	assert_plan_uses(*state, 2, "threads_unanswered");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latest_walks_its_index),
		cmocka_unit_test(test_votes_walks_its_index),
		cmocka_unit_test(test_unanswered_walks_its_index),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
