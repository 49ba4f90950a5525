/*
 * test_protocol.c - the generated op and event tables: every write op has a
 * domain to apply it, every logged event a domain to render it and a room
 * kind to go to, and event names and room kinds are found from their text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "protocol/protocol_gen.h"

static void test_every_write_has_a_domain(void **state)
{
	int writes = 0;

	(void)state;
	for (int op = PROTO_OP_NONE + 1; op < PROTO_OP__COUNT; op++) {
		if (!proto_ops[op].writes)
			continue;
		writes++;
		assert_true(proto_ops[op].domain > PROTO_DOMAIN_NONE && proto_ops[op].domain < PROTO_DOMAIN__COUNT);
	}
	assert_true(writes > 40);
	assert_false(proto_ops[PROTO_OP_NONE].writes);
	assert_true(proto_ops[PROTO_OP_HELLO].writes);
	assert_int_equal(proto_ops[PROTO_OP_POST_EDIT].domain, PROTO_DOMAIN_FORUM);
	assert_int_equal(proto_ops[PROTO_OP_THREAD_EDIT].domain, PROTO_DOMAIN_FORUM);
	assert_int_equal(proto_ops[PROTO_OP_POST_HIDE].domain, PROTO_DOMAIN_MODERATION);
	assert_int_equal(proto_ops[PROTO_OP_QUESTION_ASK].domain, PROTO_DOMAIN_QA);
	assert_int_equal(proto_ops[PROTO_OP_CLOUD_MERGE].domain, PROTO_DOMAIN_POLL);
	/* Reads, and the writes the loop makes for itself, are not the writer's. */
	assert_false(proto_ops[PROTO_OP_THREAD_LIST].writes);
	assert_false(proto_ops[PROTO_OP_SUBSCRIBE].writes);
	assert_false(proto_ops[PROTO_OP_TEST_PRUNE].writes);
}

static void test_events_have_domains_and_rooms(void **state)
{
	(void)state;
	for (int ev = PROTO_EV_NONE + 1; ev < PROTO_EV__COUNT; ev++) {
		const struct proto_event_spec *e = &proto_events[ev];

		assert_non_null(e->name);
		if (e->logged) {
			assert_true(e->domain > PROTO_DOMAIN_NONE && e->domain < PROTO_DOMAIN__COUNT);
			assert_true(e->rooms != 0);
			assert_int_equal(e->rooms & ~((1u << PROTO_ROOM__COUNT) - 1), 0);
			assert_int_equal(e->rooms & (1u << PROTO_ROOM_NONE), 0);
		} else {
			assert_int_equal(e->domain, PROTO_DOMAIN_NONE);
		}
	}
	/* One event, documented once per room it goes to. */
	assert_int_equal(proto_events[PROTO_EV_THREAD_UPDATED].rooms,
			 (1u << PROTO_ROOM_COURSE) | (1u << PROTO_ROOM_THREAD));
	assert_int_equal(proto_events[PROTO_EV_QUESTION_UPDATED].rooms,
			 (1u << PROTO_ROOM_SESSION) | (1u << PROTO_ROOM_STAFF));
	assert_int_equal(proto_events[PROTO_EV_NOTICE].rooms, 1u << PROTO_ROOM_USER);
	assert_false(proto_events[PROTO_EV_SUBSCRIPTION_ENDED].logged);
}

static void test_event_find(void **state)
{
	(void)state;
	for (int ev = PROTO_EV_NONE + 1; ev < PROTO_EV__COUNT; ev++)
		assert_int_equal(proto_event_find(proto_events[ev].name), ev);
	assert_int_equal(proto_event_find("post.created"), PROTO_EV_POST_CREATED);
	assert_int_equal(proto_event_find(""), PROTO_EV_NONE);
	assert_int_equal(proto_event_find("post."), PROTO_EV_NONE);
	assert_int_equal(proto_event_find("post.created "), PROTO_EV_NONE);
	assert_int_equal(proto_event_find("Post.created"), PROTO_EV_NONE);
	assert_int_equal(proto_event_find("zzz"), PROTO_EV_NONE);
	assert_int_equal(proto_event_find("a"), PROTO_EV_NONE);
}

static void test_room_kind_of(void **state)
{
	(void)state;
	assert_int_equal(proto_room_kind_of("course:1"), PROTO_ROOM_COURSE);
	assert_int_equal(proto_room_kind_of("thread:42"), PROTO_ROOM_THREAD);
	assert_int_equal(proto_room_kind_of("session:9"), PROTO_ROOM_SESSION);
	assert_int_equal(proto_room_kind_of("staff:3"), PROTO_ROOM_STAFF);
	assert_int_equal(proto_room_kind_of("user:7"), PROTO_ROOM_USER);
	assert_int_equal(proto_room_kind_of("results:5"), PROTO_ROOM_RESULTS);
	assert_int_equal(proto_room_kind_of("threads:42"), PROTO_ROOM_NONE);
	assert_int_equal(proto_room_kind_of("threa:42"), PROTO_ROOM_NONE);
	assert_int_equal(proto_room_kind_of(":42"), PROTO_ROOM_NONE);
	assert_int_equal(proto_room_kind_of(""), PROTO_ROOM_NONE);
	for (int k = PROTO_ROOM_NONE + 1; k < PROTO_ROOM__COUNT; k++)
		assert_int_equal(proto_room_kind_of(proto_room_kinds[k]), k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_write_has_a_domain),
		cmocka_unit_test(test_events_have_domains_and_rooms),
		cmocka_unit_test(test_event_find),
		cmocka_unit_test(test_room_kind_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
