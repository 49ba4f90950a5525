/*
 * test_ratemap.c - a rate per user over all their sockets, in bounded
 * memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/ratemap.h"

static void test_burst_then_refill(void **state)
{
	struct ratemap *m = ratemap_new(16, 3, 0.5);   /* 3 at once, then one per 2 s */

	(void)state;
	assert_non_null(m);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ratemap_take(m, 7, 1000), 0);
	assert_int_equal(ratemap_take(m, 7, 1000), 2000);
	assert_int_equal(ratemap_take(m, 7, 2999), 1);
	assert_int_equal(ratemap_take(m, 7, 3000), 0);
	/* Another key has its own bucket. */
	assert_int_equal(ratemap_take(m, 8, 3000), 0);
	ratemap_free(m);
}

static void test_forgets_keys_whose_bucket_refilled(void **state)
{
	struct ratemap *m = ratemap_new(16, 2, 1);

	(void)state;
	for (int64_t k = 1; k <= 10; k++)
		assert_int_equal(ratemap_take(m, k, 1000), 0);
	assert_int_equal(ratemap_size(m), 10);
	/* One token each was taken; after a second they are full again and
	 * worth nothing: a full map sweeps them. */
	for (int64_t k = 100; k < 116; k++)
		assert_int_equal(ratemap_take(m, k, 5000), 0);
	assert_true(ratemap_size(m) <= 16);
	ratemap_free(m);
}

static void test_full_of_limited_keys_refuses_new_ones(void **state)
{
	struct ratemap *m = ratemap_new(4, 1, 0.001);   /* one, then nothing for 1,000 s */

	(void)state;
	for (int64_t k = 1; k <= 4; k++)
		assert_int_equal(ratemap_take(m, k, 1000), 0);
	assert_true(ratemap_take(m, 5, 1000) > 0);
	assert_int_equal(ratemap_size(m), 4);
	/* A key already held is still answered by its own bucket. */
	assert_true(ratemap_take(m, 1, 1000) > 0);
	ratemap_free(m);
	ratemap_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_refill),
		cmocka_unit_test(test_forgets_keys_whose_bucket_refilled),
		cmocka_unit_test(test_full_of_limited_keys_refuses_new_ones),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
