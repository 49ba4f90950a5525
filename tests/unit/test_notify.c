/*
 * test_notify.c - each reader is told once, of the reason that matters
 * most, never of their own post, of a muted thread or of a post they may
 * not read; bursts group.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/notify.h"

static const struct notify_post post = { .author = 1, .visible = 1 };

static struct notify_reader reader(void)
{
	struct notify_reader r = { .uid = 2, .wants = NOTIFY_WANT_ALL, .may_read = 1 };

	return r;
}

static void test_the_strongest_reason_wins(void **state)
{
	struct notify_reader r = reader();

	(void)state;
	assert_int_equal(notify_for_post(&post, &r), NOTIFY_NONE);
	r.follows = 1;
	assert_int_equal(notify_for_post(&post, &r), NOTIFY_REPLY);
	r.wrote_parent = 1;
	assert_int_equal(notify_for_post(&post, &r), NOTIFY_REPLY_TO_POST);
	r.mentioned = 1;
	assert_int_equal(notify_for_post(&post, &r), NOTIFY_MENTION);
}

static void test_nobody_is_told_of_their_own_post(void **state)
{
	struct notify_reader r = reader();

	(void)state;
	r.uid = post.author;
	r.follows = r.wrote_parent = r.mentioned = 1;
	assert_int_equal(notify_for_post(&post, &r), NOTIFY_NONE);
}

static void test_muted_unreadable_and_held_posts_tell_nobody(void **state)
{
	struct notify_reader r = reader();
	struct notify_post held = { .author = 1, .visible = 0 };

	(void)state;
	r.follows = r.wrote_parent = r.mentioned = 1;
	r.muted = 1;
	assert_int_equal(notify_for_post(&post, &r), NOTIFY_NONE);
	r.muted = 0;
	r.may_read = 0;
	assert_int_equal(notify_for_post(&post, &r), NOTIFY_NONE);
	r.may_read = 1;
	assert_int_equal(notify_for_post(&held, &r), NOTIFY_NONE);
	assert_int_equal(notify_for_post(&post, &r), NOTIFY_MENTION);
}

static void test_settings_fall_back_to_a_weaker_reason(void **state)
{
	struct notify_reader r = reader();

	(void)state;
	r.follows = r.mentioned = 1;
	r.wants = NOTIFY_WANT_ALL & ~NOTIFY_WANT(NOTIFY_MENTION);
	assert_int_equal(notify_for_post(&post, &r), NOTIFY_REPLY);
	r.wrote_parent = 1;
	assert_int_equal(notify_for_post(&post, &r), NOTIFY_REPLY_TO_POST);
	r.wants &= ~NOTIFY_WANT(NOTIFY_REPLY_TO_POST);
	assert_int_equal(notify_for_post(&post, &r), NOTIFY_REPLY);
	r.wants &= ~NOTIFY_WANT(NOTIFY_REPLY);
	assert_int_equal(notify_for_post(&post, &r), NOTIFY_NONE);
	/* Mentions only: a reply to a followed thread is nothing. */
	r = reader();
	r.follows = 1;
	r.wants = NOTIFY_WANT(NOTIFY_MENTION);
	assert_int_equal(notify_for_post(&post, &r), NOTIFY_NONE);
}

static void test_bursts_group_per_kind_and_thread_until_read(void **state)
{
	struct notify_unread u = { .kind = NOTIFY_REPLY, .thread = 7, .read = 0 };

	(void)state;
	assert_true(notify_groups(&u, NOTIFY_REPLY, 7));
	assert_false(notify_groups(&u, NOTIFY_REPLY, 8));
	assert_false(notify_groups(&u, NOTIFY_MENTION, 7));
	assert_false(notify_groups(NULL, NOTIFY_REPLY, 7));
	u.read = 1;
	assert_false(notify_groups(&u, NOTIFY_REPLY, 7));
	u.read = 0;
	u.kind = NOTIFY_ANNOUNCEMENT;
	assert_false(notify_groups(&u, NOTIFY_ANNOUNCEMENT, 7));
	u.kind = NOTIFY_ANSWER;
	assert_false(notify_groups(&u, NOTIFY_ANSWER, 7));
}

static void test_names_round_trip(void **state)
{
	(void)state;
	for (int k = NOTIFY_NONE + 1; k < NOTIFY__COUNT; k++)
		assert_int_equal(notify_kind_find(notify_kind_name((enum notify_kind)k)), k);
	assert_null(notify_kind_name(NOTIFY_NONE));
	assert_null(notify_kind_name(NOTIFY__COUNT));
	assert_int_equal(notify_kind_find("nope"), NOTIFY_NONE);
	assert_int_equal(notify_kind_find(NULL), NOTIFY_NONE);
}

static int has(const struct notify_handle *h, int n, const char *want)
{
	for (int i = 0; i < n; i++)
		if ((size_t)h[i].len == strlen(want) && memcmp(h[i].p, want, h[i].len) == 0)
			return 1;
	return 0;
}

static void test_mentions_are_handles_after_an_at(void **state)
{
	static const char text[] = "@ann hi @bob.smith, and @ann again. Mail carl@example.org or @dee. @ @-x";
	struct notify_handle h[8];
	int n;

	(void)state;
	n = notify_mentions(text, strlen(text), h, 8);
	assert_int_equal(n, 4);
	assert_true(has(h, n, "ann"));
	assert_true(has(h, n, "bob.smith"));
	assert_true(has(h, n, "dee"));          /* the sentence's full stop is not in it */
	assert_true(has(h, n, "-x"));
	assert_false(has(h, n, "example.org")); /* inside a word: an address, no mention */
	/* At most max, in order of first appearance. */
	assert_int_equal(notify_mentions(text, strlen(text), h, 1), 1);
	assert_int_equal(h[0].len, 3);
	assert_memory_equal(h[0].p, "ann", 3);
}

static void test_an_overlong_handle_is_no_mention(void **state)
{
	char text[NOTIFY_HANDLE_MAX + 8];
	struct notify_handle h[2];

	(void)state;
	text[0] = '@';
	memset(text + 1, 'a', NOTIFY_HANDLE_MAX + 1);
	assert_int_equal(notify_mentions(text, NOTIFY_HANDLE_MAX + 2, h, 2), 0);
	assert_int_equal(notify_mentions(text, NOTIFY_HANDLE_MAX + 1, h, 2), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_strongest_reason_wins),
		cmocka_unit_test(test_nobody_is_told_of_their_own_post),
		cmocka_unit_test(test_muted_unreadable_and_held_posts_tell_nobody),
		cmocka_unit_test(test_settings_fall_back_to_a_weaker_reason),
		cmocka_unit_test(test_bursts_group_per_kind_and_thread_until_read),
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_mentions_are_handles_after_an_at),
		cmocka_unit_test(test_an_overlong_handle_is_no_mention),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
