/*
 * test_msg.c - reference-counted outbound messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "proto/msg.h"

static void test_new_has_one_ref(void **state)
{
	struct msg *m = msg_new(10);

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->refs, 1);
	assert_int_equal(m->len, 10);
	msg_unref(m);
}

static void test_new_is_nul_terminated(void **state)
{
	struct msg *m = msg_new(5);

	(void)state;
	assert_non_null(m);
	assert_int_equal(msg_data(m)[5], '\0');
	memset(msg_data(m), 'x', 5);          /* the whole payload is writable (ASan) */
	assert_string_equal(msg_data(m), "xxxxx");
	msg_unref(m);
}

static void test_new_zero_length(void **state)
{
	struct msg *m = msg_new(0);

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->len, 0);
	assert_string_equal(msg_data(m), "");
	msg_unref(m);
}

static void test_headroom_is_writable(void **state)
{
	struct msg *m = msg_new(3);

	(void)state;
	assert_non_null(m);
	assert_ptr_equal(msg_data(m), (char *)m->buf + MSG_HEADROOM);
	memset(m->buf, 0xAB, MSG_HEADROOM);   /* frame header space (ASan checks bounds) */
	msg_unref(m);
}

static void test_from_copies(void **state)
{
	char src[] = "{\"type\":\"pong\"}";
	struct msg *m = msg_from(src, strlen(src));

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->len, strlen(src));
	assert_memory_equal(msg_data(m), src, strlen(src));
	assert_int_equal(msg_data(m)[m->len], '\0');
	src[0] = 'X';                         /* the msg holds its own copy */
	assert_int_equal(msg_data(m)[0], '{');
	msg_unref(m);
}

static void test_from_partial(void **state)
{
	struct msg *m = msg_from("abcdef", 3);

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->len, 3);
	assert_string_equal(msg_data(m), "abc");
	msg_unref(m);
}

static void test_from_binary(void **state)
{
	static const char bytes[] = { 'a', 0, 'b', (char)0xff };
	struct msg *m = msg_from(bytes, sizeof(bytes));

	(void)state;
	assert_non_null(m);
	assert_memory_equal(msg_data(m), bytes, sizeof(bytes));
	msg_unref(m);
}

static void test_ref_returns_same(void **state)
{
	struct msg *m = msg_from("x", 1);

	(void)state;
	assert_ptr_equal(msg_ref(m), m);
	assert_int_equal(m->refs, 2);
	msg_unref(m);
	assert_int_equal(m->refs, 1);
	msg_unref(m);
}

static void test_shared_by_many(void **state)
{
	struct msg *m = msg_from("shared", 6);
	struct msg *holders[100];

	(void)state;
	for (int i = 0; i < 100; i++)
		holders[i] = msg_ref(m);
	msg_unref(m);                         /* the creator lets go first */
	assert_int_equal(holders[0]->refs, 100);
	for (int i = 0; i < 99; i++) {
		msg_unref(holders[i]);
		assert_string_equal(msg_data(holders[99]), "shared");
	}
	assert_int_equal(holders[99]->refs, 1);
	msg_unref(holders[99]);               /* freed here; LSan reports a leak otherwise */
}

static void test_unref_null(void **state)
{
	(void)state;
	msg_unref(NULL);
}

static void test_large(void **state)
{
	const size_t n = 1u << 20;
	struct msg *m = msg_new(n);

	(void)state;
	assert_non_null(m);
	memset(msg_data(m), 'z', n);
	assert_int_equal(msg_data(m)[n], '\0');
	msg_unref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_has_one_ref),
		cmocka_unit_test(test_new_is_nul_terminated),
		cmocka_unit_test(test_new_zero_length),
		cmocka_unit_test(test_headroom_is_writable),
		cmocka_unit_test(test_from_copies),
		cmocka_unit_test(test_from_partial),
		cmocka_unit_test(test_from_binary),
		cmocka_unit_test(test_ref_returns_same),
		cmocka_unit_test(test_shared_by_many),
		cmocka_unit_test(test_unref_null),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
