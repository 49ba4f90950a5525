/*
 * test_access.c - roles and the course window at its edges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/access.h"

#define START 1700000000LL
#define END   1710000000LL
#define DAY   86400LL

static struct identity_course courses[2];
static struct identity who;
static const struct access_course course = { 5, START, END };

static void as(enum proto_role role, int admin)
{
	memset(&who, 0, sizeof(who));
	courses[0].course = 5;
	courses[0].role = role;
	who.courses = courses;
	who.ncourses = role ? 1 : 0;
	who.admin = admin;
}

static void test_participant_before_start(void **state)
{
	(void)state;
	as(PROTO_ROLE_PARTICIPANT, 0);
	assert_int_equal(access_check(&who, &course, START - 1, 0), PROTO_ERR_COURSE_NOT_OPEN);
	assert_int_equal(access_check(&who, &course, START, 1), PROTO_ERR_NONE);
}

static void test_participant_write_grace_edge(void **state)
{
	(void)state;
	as(PROTO_ROLE_PARTICIPANT, 0);
	assert_int_equal(access_check(&who, &course, END + 30 * DAY - 1, 1), PROTO_ERR_NONE);
	assert_int_equal(access_check(&who, &course, END + 30 * DAY, 1), PROTO_ERR_COURSE_READ_ONLY);
	assert_int_equal(access_check(&who, &course, END + 30 * DAY, 0), PROTO_ERR_NONE);
}

static void test_participant_read_grace_edge(void **state)
{
	(void)state;
	as(PROTO_ROLE_PARTICIPANT, 0);
	assert_int_equal(access_check(&who, &course, END + 90 * DAY - 1, 0), PROTO_ERR_NONE);
	assert_int_equal(access_check(&who, &course, END + 90 * DAY, 0), PROTO_ERR_COURSE_CLOSED);
	assert_int_equal(access_check(&who, &course, END + 90 * DAY, 1), PROTO_ERR_COURSE_CLOSED);
}

static void test_staff_not_limited(void **state)
{
	(void)state;
	as(PROTO_ROLE_FACILITATOR, 0);
	assert_int_equal(access_check(&who, &course, START - DAY, 1), PROTO_ERR_NONE);
	assert_int_equal(access_check(&who, &course, END + 365 * DAY, 1), PROTO_ERR_NONE);
	as(PROTO_ROLE_INSTRUCTOR, 0);
	assert_int_equal(access_check(&who, &course, END + 365 * DAY, 1), PROTO_ERR_NONE);
	assert_true(access_is_staff(&who, 5));
}

static void test_admin_everywhere(void **state)
{
	(void)state;
	as(PROTO_ROLE_NONE, 1);
	assert_int_equal(access_check(&who, &course, START - DAY, 1), PROTO_ERR_NONE);
	assert_true(access_is_staff(&who, 5));
}

static void test_no_role_is_forbidden(void **state)
{
	(void)state;
	as(PROTO_ROLE_NONE, 0);
	assert_int_equal(access_check(&who, &course, START + DAY, 0), PROTO_ERR_FORBIDDEN);
	assert_false(access_is_staff(&who, 5));
}

static void test_role_in_another_course_counts_for_nothing(void **state)
{
	static const struct access_course other = { 6, START, END };

	(void)state;
	as(PROTO_ROLE_FACILITATOR, 0);
	assert_int_equal(access_check(&who, &other, START + DAY, 0), PROTO_ERR_FORBIDDEN);
	assert_false(access_is_staff(&who, 6));
}

/* The next change is exactly where access_check's answer changes, for
 * reads and for writes; staff and non-members never change by time. */
static void test_next_change(void **state)
{
	(void)state;
	as(PROTO_ROLE_PARTICIPANT, 0);
	assert_int_equal(access_next_change(&who, &course, START - 10, 0), START);
	assert_int_equal(access_next_change(&who, &course, START, 0), END + 90 * DAY);
	assert_int_equal(access_next_change(&who, &course, START, 1), END + 30 * DAY);
	assert_int_equal(access_next_change(&who, &course, END + 30 * DAY, 1), END + 90 * DAY);
	assert_int_equal(access_next_change(&who, &course, END + 90 * DAY, 0), INT64_MAX);
	for (int64_t t = START - 2; t < END + 91 * DAY; t += DAY / 2) {
		for (int w = 0; w <= 1; w++) {
			int64_t next = access_next_change(&who, &course, t, w);

			assert_true(next > t);
			if (next == INT64_MAX)
				continue;
			assert_int_equal(access_check(&who, &course, next - 1, w), access_check(&who, &course, t, w));
			assert_int_not_equal(access_check(&who, &course, next, w), access_check(&who, &course, t, w));
		}
	}
	as(PROTO_ROLE_FACILITATOR, 0);
	assert_int_equal(access_next_change(&who, &course, START - 10, 0), INT64_MAX);
	as(PROTO_ROLE_NONE, 1);
	assert_int_equal(access_next_change(&who, &course, START - 10, 0), INT64_MAX);
	as(PROTO_ROLE_NONE, 0);
	assert_int_equal(access_next_change(&who, &course, START - 10, 0), INT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_participant_before_start),
		cmocka_unit_test(test_next_change),
		cmocka_unit_test(test_participant_write_grace_edge),
		cmocka_unit_test(test_participant_read_grace_edge),
		cmocka_unit_test(test_staff_not_limited),
		cmocka_unit_test(test_admin_everywhere),
		cmocka_unit_test(test_no_role_is_forbidden),
		cmocka_unit_test(test_role_in_another_course_counts_for_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
