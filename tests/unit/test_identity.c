/*
 * test_identity.c - role lookup over sorted courses, user id rules,
 * identity_free, identity_move and identity_pack.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/identity.h"

/* An identity holding n courses with ids ids[i] and roles cycling through
 * participant, facilitator, instructor. */
static void make_identity(struct identity *who, const int64_t *ids, size_t n)
{
	memset(who, 0, sizeof(*who));
	who->ncourses = n;
	who->courses = n ? calloc(n, sizeof(*who->courses)) : NULL;
	for (size_t i = 0; i < n; i++) {
		who->courses[i].course = ids[i];
		who->courses[i].role = (enum proto_role)(1 + i % 3);
	}
}

/* ---- identity_role ------------------------------------------------------ */

static void test_role_no_courses(void **state)
{
	struct identity who = { 0 };

	(void)state;
	assert_int_equal(identity_role(&who, 1), PROTO_ROLE_NONE);
	assert_int_equal(identity_role(&who, 0), PROTO_ROLE_NONE);
}

static void test_role_single_course(void **state)
{
	static const int64_t ids[] = { 42 };
	struct identity who;

	(void)state;
	make_identity(&who, ids, 1);
	assert_int_equal(identity_role(&who, 42), PROTO_ROLE_PARTICIPANT);
	assert_int_equal(identity_role(&who, 41), PROTO_ROLE_NONE);
	assert_int_equal(identity_role(&who, 43), PROTO_ROLE_NONE);
	identity_free(&who);
}

static void test_role_every_course_found(void **state)
{
	static const int64_t ids[] = { 1, 3, 5, 8, 13, 21, 34, 55, 89, 144 };
	const size_t n = sizeof(ids) / sizeof(ids[0]);
	struct identity who;

	(void)state;
	make_identity(&who, ids, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(identity_role(&who, ids[i]), (enum proto_role)(1 + i % 3));
	identity_free(&who);
}

static void test_role_gaps_not_found(void **state)
{
	static const int64_t ids[] = { 1, 3, 5, 8, 13, 21, 34, 55, 89, 144 };
	struct identity who;

	(void)state;
	make_identity(&who, ids, sizeof(ids) / sizeof(ids[0]));
	assert_int_equal(identity_role(&who, 0), PROTO_ROLE_NONE);
	assert_int_equal(identity_role(&who, 2), PROTO_ROLE_NONE);
	assert_int_equal(identity_role(&who, 4), PROTO_ROLE_NONE);
	assert_int_equal(identity_role(&who, 100), PROTO_ROLE_NONE);
	assert_int_equal(identity_role(&who, 145), PROTO_ROLE_NONE);
	assert_int_equal(identity_role(&who, -1), PROTO_ROLE_NONE);
	assert_int_equal(identity_role(&who, INT64_MAX), PROTO_ROLE_NONE);
	assert_int_equal(identity_role(&who, INT64_MIN), PROTO_ROLE_NONE);
	identity_free(&who);
}

static void test_role_large_set(void **state)
{
	int64_t ids[200];
	struct identity who;

	(void)state;
	for (int i = 0; i < 200; i++)
		ids[i] = (int64_t)i * 1000 + 7;
	make_identity(&who, ids, 200);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(identity_role(&who, ids[i]), (enum proto_role)(1 + i % 3));
		assert_int_equal(identity_role(&who, ids[i] + 1), PROTO_ROLE_NONE);
		assert_int_equal(identity_role(&who, ids[i] - 1), PROTO_ROLE_NONE);
	}
	identity_free(&who);
}

static void test_role_big_ids(void **state)
{
	static const int64_t ids[] = { 1, 999999999999999999LL };
	struct identity who;

	(void)state;
	make_identity(&who, ids, 2);
	assert_int_equal(identity_role(&who, 999999999999999999LL), PROTO_ROLE_FACILITATOR);
	assert_int_equal(identity_role(&who, 999999999999999998LL), PROTO_ROLE_NONE);
	identity_free(&who);
}

/* ---- identity_free / identity_move --------------------------------------- */

static void test_free_zeroes(void **state)
{
	static const int64_t ids[] = { 1, 2 };
	struct identity who;

	(void)state;
	make_identity(&who, ids, 2);
	assert_int_equal(identity_set_names(&who, "alice", "Alice"), 0);
	who.admin = 1;
	who.exp = 10;
	identity_free(&who);
	assert_null(who.courses);
	assert_int_equal(who.ncourses, 0);
	assert_null(who.user);
	assert_null(who.name);
	assert_int_equal(who.admin, 0);
	assert_int_equal(who.exp, 0);
	identity_free(&who);                 /* twice is harmless */
}

/* ---- identity_set_names / identity_copy ----------------------------------- */

static void test_set_names_limits(void **state)
{
	char user[PROTO_MAX_USER_ID_CHARS + 2], name[PROTO_MAX_NAME_CHARS * 4 + 2];
	struct identity who = { 0 };

	(void)state;
	memset(user, 'u', sizeof(user) - 2);
	user[sizeof(user) - 2] = '\0';                   /* exactly max_user_id_chars */
	memset(name, 'n', sizeof(name) - 2);
	name[sizeof(name) - 2] = '\0';                   /* exactly 4 x max_name_chars bytes */
	assert_int_equal(identity_set_names(&who, user, name), 0);
	assert_string_equal(who.user, user);
	assert_string_equal(who.name, name);
	user[sizeof(user) - 2] = 'u';
	user[sizeof(user) - 1] = '\0';                   /* one byte more: refused, unchanged */
	assert_int_equal(identity_set_names(&who, user, "x"), -1);
	assert_int_equal(strlen(who.user), PROTO_MAX_USER_ID_CHARS);
	name[sizeof(name) - 2] = 'n';
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(identity_set_names(&who, "ana", name), -1);
	assert_int_equal(identity_set_names(&who, "ana", "Ana Garc\xc3\xad" "a"), 0);   /* replaces the block */
	assert_string_equal(who.user, "ana");
	assert_string_equal(who.name, "Ana Garc\xc3\xad" "a");
	identity_free(&who);
}

static void test_copy_is_deep(void **state)
{
	static const int64_t ids[] = { 3, 9 };
	struct identity a, b;

	(void)state;
	make_identity(&a, ids, 2);
	assert_int_equal(identity_set_names(&a, "bruno", "Bruno"), 0);
	assert_int_equal(identity_copy(&b, &a), 0);
	assert_ptr_not_equal(b.user, a.user);
	assert_ptr_not_equal(b.courses, a.courses);
	identity_free(&a);                   /* b stands alone */
	assert_string_equal(b.user, "bruno");
	assert_string_equal(b.name, "Bruno");
	assert_int_equal(identity_role(&b, 9), PROTO_ROLE_FACILITATOR);
	identity_free(&b);
}

/* ---- identity_pack ------------------------------------------------------ */

static void test_pack_one_block(void **state)
{
	static const int64_t ids[] = { 2, 5, 11 };
	struct identity who;

	(void)state;
	make_identity(&who, ids, 3);
	assert_int_equal(identity_set_names(&who, "carla", "Carla Ribeiro"), 0);
	assert_int_equal(identity_pack(&who), 0);
	assert_true(who.packed);
	/* The courses sit in the names' block, aligned, after both strings. */
	assert_true((char *)who.courses >= who.name + strlen(who.name) + 1);
	assert_int_equal((uintptr_t)who.courses % _Alignof(struct identity_course), 0);
	assert_string_equal(who.user, "carla");
	assert_string_equal(who.name, "Carla Ribeiro");
	assert_int_equal(who.ncourses, 3);
	assert_int_equal(identity_role(&who, 2), PROTO_ROLE_PARTICIPANT);
	assert_int_equal(identity_role(&who, 5), PROTO_ROLE_FACILITATOR);
	assert_int_equal(identity_role(&who, 11), PROTO_ROLE_INSTRUCTOR);
	assert_int_equal(identity_role(&who, 3), PROTO_ROLE_NONE);
	assert_int_equal(identity_pack(&who), 0);   /* already packed: unchanged */
	assert_string_equal(who.name, "Carla Ribeiro");
	identity_free(&who);                        /* one block (LSan and ASan check) */
	assert_null(who.user);
	assert_false(who.packed);
}

static void test_pack_nothing_to_pack(void **state)
{
	static const int64_t ids[] = { 4 };
	struct identity who;

	(void)state;
	make_identity(&who, NULL, 0);
	assert_int_equal(identity_set_names(&who, "dan", "Dan"), 0);
	assert_int_equal(identity_pack(&who), 0);   /* no courses */
	assert_false(who.packed);
	identity_free(&who);
	make_identity(&who, ids, 1);                /* no names */
	assert_int_equal(identity_pack(&who), 0);
	assert_false(who.packed);
	assert_int_equal(identity_role(&who, 4), PROTO_ROLE_PARTICIPANT);
	identity_free(&who);
}

static void test_packed_copy_move_rename(void **state)
{
	static const int64_t ids[] = { 6, 7 };
	struct identity a, b, c;

	(void)state;
	make_identity(&a, ids, 2);
	assert_int_equal(identity_set_names(&a, "eve", "Eve"), 0);
	assert_int_equal(identity_pack(&a), 0);
	assert_int_equal(identity_copy(&b, &a), 0);  /* a copy has blocks of its own */
	assert_false(b.packed);
	assert_int_equal(identity_role(&b, 7), PROTO_ROLE_FACILITATOR);
	memset(&c, 0, sizeof(c));
	identity_move(&c, &a);                       /* the packed block moves whole */
	assert_true(c.packed);
	assert_false(a.packed);
	assert_int_equal(identity_role(&c, 6), PROTO_ROLE_PARTICIPANT);
	/* New names for a packed identity keep its courses. */
	assert_int_equal(identity_set_names(&c, "eve2", "Eve Two"), 0);
	assert_false(c.packed);
	assert_string_equal(c.name, "Eve Two");
	assert_int_equal(identity_role(&c, 7), PROTO_ROLE_FACILITATOR);
	identity_free(&b);
	identity_free(&c);
}

static void test_move(void **state)
{
	static const int64_t a_ids[] = { 1, 2, 3 };
	static const int64_t b_ids[] = { 7 };
	struct identity a, b;

	(void)state;
	make_identity(&a, a_ids, 3);
	make_identity(&b, b_ids, 1);
	assert_int_equal(identity_set_names(&a, "ann", "Ann"), 0);
	assert_int_equal(identity_set_names(&b, "bob", "Bob"), 0);
	identity_move(&a, &b);               /* a's courses and names are freed (LSan checks) */
	assert_string_equal(a.user, "bob");
	assert_int_equal(a.ncourses, 1);
	assert_int_equal(identity_role(&a, 7), PROTO_ROLE_PARTICIPANT);
	assert_null(b.courses);
	assert_int_equal(b.ncourses, 0);
	assert_null(b.user);
	identity_free(&a);
	identity_free(&b);
}

/* ---- identity_user_id_valid ---------------------------------------------- */

static void test_user_id_valid_simple(void **state)
{
	(void)state;
	assert_true(identity_user_id_valid("alice"));
	assert_true(identity_user_id_valid("a"));
	assert_true(identity_user_id_valid("A.Z_0-9@x"));
	assert_true(identity_user_id_valid("alice@example.org"));
	assert_true(identity_user_id_valid("u-123_456"));
}

static void test_user_id_empty(void **state)
{
	(void)state;
	assert_false(identity_user_id_valid(""));
}

static void test_user_id_length_limit(void **state)
{
	char s[PROTO_MAX_USER_ID_CHARS + 2];

	(void)state;
	memset(s, 'a', sizeof(s));
	s[PROTO_MAX_USER_ID_CHARS] = '\0';
	assert_true(identity_user_id_valid(s));          /* exactly 64 */
	s[PROTO_MAX_USER_ID_CHARS] = 'a';
	s[PROTO_MAX_USER_ID_CHARS + 1] = '\0';
	assert_false(identity_user_id_valid(s));         /* 65 */
}

static void test_user_id_bad_chars(void **state)
{
	(void)state;
	assert_false(identity_user_id_valid("ali ce"));
	assert_false(identity_user_id_valid("alice\n"));
	assert_false(identity_user_id_valid("alice/bob"));
	assert_false(identity_user_id_valid("alice:1"));
	assert_false(identity_user_id_valid("a+b"));
	assert_false(identity_user_id_valid("\"a\""));
	assert_false(identity_user_id_valid("a\\b"));
	assert_false(identity_user_id_valid("\xc3\xb1"));   /* non-ASCII letter */
	assert_false(identity_user_id_valid("a\x7f"));
	assert_false(identity_user_id_valid("a\t"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_role_no_courses),
		cmocka_unit_test(test_role_single_course),
		cmocka_unit_test(test_role_every_course_found),
		cmocka_unit_test(test_role_gaps_not_found),
		cmocka_unit_test(test_role_large_set),
		cmocka_unit_test(test_role_big_ids),
		cmocka_unit_test(test_free_zeroes),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_set_names_limits),
		cmocka_unit_test(test_copy_is_deep),
		cmocka_unit_test(test_pack_one_block),
		cmocka_unit_test(test_pack_nothing_to_pack),
		cmocka_unit_test(test_packed_copy_move_rename),
		cmocka_unit_test(test_user_id_valid_simple),
		cmocka_unit_test(test_user_id_empty),
		cmocka_unit_test(test_user_id_length_limit),
		cmocka_unit_test(test_user_id_bad_chars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
