/*
 * test_writing.c - the rules of accepted answers and drafts (core/writing):
 * who may accept, which posts can be accepted, taking a mark back, and a
 * draft's place and emptiness.
 *
 * The people: ASKER (uid 11) started the question; OTHER (uid 12) wrote a
 * response; staff of the course act too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/writing.h"

#define ASKER 11
#define OTHER 12
#define THREAD 7
#define FIRST 70

static struct forum_thread_facts question(int is_question)
{
	struct forum_thread_facts t = { THREAD, 5, FIRST, 0, is_question, "visible" };

	return t;
}

static struct forum_post_facts post(int64_t id, int64_t parent, const char *state)
{
	struct forum_post_facts p = { id, THREAD, parent, OTHER, "" };

	snprintf(p.state, sizeof(p.state), "%s", state);
	return p;
}

static void test_who_accepts(void **unused)
{
	struct forum_thread_facts t = question(1);
	struct forum_post_facts p = post(71, 0, "visible");

	(void)unused;
	assert_int_equal(writing_accept(&t, &p, ASKER, ASKER, 0, 1).code, PROTO_ERR_NONE);
	assert_int_equal(writing_accept(&t, &p, ASKER, ASKER, 0, 0).code, PROTO_ERR_NONE);
	/* staff may, as they may endorse */
	assert_int_equal(writing_accept(&t, &p, ASKER, 99, 1, 1).code, PROTO_ERR_NONE);
	/* the response's own author is not the asker */
	assert_int_equal(writing_accept(&t, &p, ASKER, OTHER, 0, 1).code, PROTO_ERR_FORBIDDEN);
	assert_int_equal(writing_accept(&t, &p, ASKER, OTHER, 0, 0).code, PROTO_ERR_FORBIDDEN);
}

static void test_what_is_accepted(void **unused)
{
	struct forum_thread_facts t = question(1), d = question(0);
	struct forum_post_facts first = post(FIRST, 0, "visible"), reply = post(72, 71, "visible");
	struct forum_post_facts hidden = post(73, 0, "hidden"), gone = post(74, 0, "deleted");
	struct forum_post_facts elsewhere = post(75, 0, "visible");
	struct verdict v;

	(void)unused;
	elsewhere.thread = THREAD + 1;
	v = writing_accept(&t, &first, ASKER, ASKER, 0, 1);
	assert_int_equal(v.code, PROTO_ERR_BAD_FIELD);
	assert_string_equal(v.field, "post");
	assert_int_equal(writing_accept(&t, &reply, ASKER, ASKER, 0, 1).code, PROTO_ERR_BAD_FIELD);
	assert_int_equal(writing_accept(&t, &elsewhere, ASKER, ASKER, 0, 1).code, PROTO_ERR_BAD_FIELD);
	{
		struct forum_post_facts p = post(71, 0, "visible");

		assert_int_equal(writing_accept(&d, &p, ASKER, ASKER, 1, 1).code, PROTO_ERR_BAD_FIELD);
	}
	assert_int_equal(writing_accept(&t, &hidden, ASKER, ASKER, 0, 1).code, PROTO_ERR_BAD_FIELD);
	/* a hidden accepted answer can still be unmarked */
	assert_int_equal(writing_accept(&t, &hidden, ASKER, ASKER, 0, 0).code, PROTO_ERR_NONE);
	assert_int_equal(writing_accept(&t, &gone, ASKER, ASKER, 0, 0).code, PROTO_ERR_NOT_FOUND);
	assert_int_equal(writing_accept(&t, &gone, ASKER, ASKER, 1, 1).code, PROTO_ERR_NOT_FOUND);
}

static void test_draft_place(void **unused)
{
	(void)unused;
	assert_int_equal(writing_draft_place(1, 0).code, PROTO_ERR_NONE);
	assert_int_equal(writing_draft_place(0, 1).code, PROTO_ERR_NONE);
	assert_int_equal(writing_draft_place(1, 1).code, PROTO_ERR_BAD_FIELD);
	assert_int_equal(writing_draft_place(0, 0).code, PROTO_ERR_BAD_FIELD);
}

static void test_draft_empty(void **unused)
{
	(void)unused;
	assert_true(writing_draft_empty(NULL, 0, " \n\t", 3));
	assert_true(writing_draft_empty("  ", 2, "", 0));
	assert_false(writing_draft_empty("Title", 5, "", 0));
	assert_false(writing_draft_empty(NULL, 0, "x", 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_who_accepts),
		cmocka_unit_test(test_what_is_accepted),
		cmocka_unit_test(test_draft_place),
		cmocka_unit_test(test_draft_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
