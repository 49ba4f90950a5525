/*
 * test_trim.c - when the heap is trimmed: only after enough sockets opened
 * or closed, and only once none has for the quiet time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/trim.h"

#define QUIET 1000
#define MIN 4

static void note_n(struct trim_policy *p, int n, int64_t now)
{
	for (int i = 0; i < n; i++)
		trim_note(p, now);
}

static void test_nothing_noted_is_idle(void **state)
{
	struct trim_policy p = { 0 };

	(void)state;
	assert_int_equal(trim_check(&p, 0, QUIET, MIN), TRIM_IDLE);
	assert_int_equal(trim_check(&p, 123456, QUIET, MIN), TRIM_IDLE);
}

static void test_waits_for_quiet_then_trims_once(void **state)
{
	struct trim_policy p = { 0 };

	(void)state;
	note_n(&p, MIN, 10000);
	assert_int_equal(trim_check(&p, 10000, QUIET, MIN), TRIM_WAIT);
	assert_int_equal(trim_check(&p, 10000 + QUIET - 1, QUIET, MIN), TRIM_WAIT);
	assert_int_equal(trim_check(&p, 10000 + QUIET, QUIET, MIN), TRIM_NOW);
	/* One trim per burst. */
	assert_int_equal(trim_check(&p, 10000 + QUIET, QUIET, MIN), TRIM_IDLE);
	assert_int_equal(trim_check(&p, 50000, QUIET, MIN), TRIM_IDLE);
}

static void test_churn_during_the_wait_restarts_it(void **state)
{
	struct trim_policy p = { 0 };

	(void)state;
	note_n(&p, MIN, 10000);
	trim_note(&p, 10000 + QUIET - 10);      /* a storm still going on */
	assert_int_equal(trim_check(&p, 10000 + QUIET, QUIET, MIN), TRIM_WAIT);
	assert_int_equal(trim_check(&p, 10000 + 2 * QUIET - 11, QUIET, MIN), TRIM_WAIT);
	assert_int_equal(trim_check(&p, 10000 + 2 * QUIET - 10, QUIET, MIN), TRIM_NOW);
}

static void test_small_bursts_add_up(void **state)
{
	struct trim_policy p = { 0 };

	(void)state;
	note_n(&p, MIN - 1, 10000);
	assert_int_equal(trim_check(&p, 10000 + QUIET, QUIET, MIN), TRIM_IDLE);
	trim_note(&p, 20000);
	assert_int_equal(trim_check(&p, 20000 + QUIET / 2, QUIET, MIN), TRIM_WAIT);
	assert_int_equal(trim_check(&p, 20000 + QUIET, QUIET, MIN), TRIM_NOW);
	assert_int_equal(p.churn, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_noted_is_idle),
		cmocka_unit_test(test_waits_for_quiet_then_trims_once),
		cmocka_unit_test(test_churn_during_the_wait_restarts_it),
		cmocka_unit_test(test_small_bursts_add_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
