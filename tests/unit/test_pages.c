/*
 * test_pages.c - lists bounded in bytes: what a list counts of its items is
 * what they take once printed, and a page never passes its budget.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto/render_forum.h"
#include "proto/render_internal.h"

/* A post whose body holds what JSON escapes: quotes, backslashes, control
 * characters, and bytes it does not (UTF-8). */
static void add_post(struct render_list *l, int64_t id, const char *body)
{
	struct forum_post p = {
		.id = id, .thread = 7, .parent = id > 1 ? 1 : 0,
		.author = { .uid = 3, .ext_id = "u\"3", .name = "Zoë \\ \"Q\"" },
		.body = body, .created_at = 1764000000123, .edited_at = id % 2 ? 0 : 1764000000999,
		.revision = 2, .state = "visible", .votes = id * 1000003, .votes_v = id, .first = id == 1,
	};

	assert_int_equal(render_list_add_post(l, &p, view_staff(), (int)(id % 2)), 0);
	assert_int_equal(render_list_last_add_int(l, "votes_v", p.votes_v), 0);
}

static size_t printed_len(const struct render_list *l)
{
	char *s = cJSON_PrintUnformatted(l->arr);
	size_t n;

	assert_non_null(s);
	n = strlen(s);
	cJSON_free(s);
	return n;
}

static const char *const BODIES[] = {
	"plain", "quote \" and backslash \\ here", "tab\tnew\nline\rcr\bbs\ffeed",
	"\x01\x02\x1f control", "ünïcödé ✓ 😀", "",
};

static void test_counted_bytes_are_printed_bytes(void **state)
{
	struct render_list *l = render_list_new();

	(void)state;
	assert_non_null(l);
	for (int64_t i = 1; i <= 60; i++) {
		add_post(l, i, BODIES[i % 6]);
		assert_int_equal(render_list_fit(l, (size_t)1 << 30), 0);
		/* [a,b,c]: each item and its comma, the last comma being "]", plus "[" */
		assert_int_equal(l->bytes + 1, printed_len(l));
	}
	assert_int_equal(render_list_more(l), 0);
	render_list_free(l);
}

static void test_fit_stops_at_the_budget(void **state)
{
	char body[3000];
	struct render_list *l = render_list_new();
	const size_t budget = 20000;
	int kept = 0;

	(void)state;
	memset(body, '"', sizeof(body) - 1);    /* every byte printed twice */
	body[sizeof(body) - 1] = '\0';
	assert_non_null(l);
	for (int64_t i = 1; i <= 50; i++) {
		add_post(l, i, body);
		if (render_list_fit(l, budget))
			break;
		kept++;
	}
	assert_int_equal(kept, (int)cJSON_GetArraySize(l->arr));
	assert_true(kept > 0 && kept < 50);
	assert_int_equal(render_list_more(l), 1);
	assert_true(printed_len(l) <= budget);
	/* The next one would not have fit. */
	assert_true(printed_len(l) + 6000 > budget);
	render_list_free(l);
}

static void test_trim_keeps_the_leading_items_that_fit(void **state)
{
	struct render_list *l = render_list_new();
	size_t kept_bytes, all;

	(void)state;
	assert_non_null(l);
	for (int64_t i = 1; i <= 20; i++)
		add_post(l, i, BODIES[i % 6]);
	all = printed_len(l);
	assert_int_equal(render_list_trim(l, all + 10), all - 1);
	assert_int_equal(render_list_more(l), 0);
	kept_bytes = render_list_trim(l, all / 2);
	assert_int_equal(render_list_more(l), 1);
	assert_true(cJSON_GetArraySize(l->arr) < 20);
	assert_int_equal(kept_bytes + 1, printed_len(l));
	assert_true(printed_len(l) <= all / 2);
	/* The first item is the first post. */
	assert_int_equal((int)cJSON_GetObjectItem(cJSON_GetArrayItem(l->arr, 0), "id")->valuedouble, 1);
	/* Nothing fits: an empty page that says there is more. */
	assert_int_equal(render_list_trim(l, 1), 0);
	assert_int_equal(cJSON_GetArraySize(l->arr), 0);
	render_list_free(l);
}

static void test_snapshot_reply_says_more(void **state)
{
	struct render_list *l = render_list_new();
	struct msg *m;

	(void)state;
	assert_non_null(l);
	add_post(l, 1, "x");
	render_list_set_more(l);
	m = render_subscribe_ok("1", "thread:7", 3, "snapshot", 0, NULL, NULL, l, view_peer(), 0);
	assert_non_null(m);
	assert_non_null(strstr(msg_data(m), "\"more\":true"));
	assert_non_null(strstr(msg_data(m), "\"votes_v\":1"));
	msg_unref(m);
}

static void test_resume_reply_carries_votes(void **state)
{
	struct render_list *l = render_list_new();
	struct msg *m;

	(void)state;
	assert_non_null(l);
	assert_int_equal(render_list_add_votes(l, "post", 11, 4, 9), 0);
	m = render_subscribe_resume("2", "thread:7", 30, "replay", 5, l);
	assert_non_null(m);
	assert_non_null(strstr(msg_data(m), "\"votes\":[{\"post\":11,\"votes\":4,\"v\":9}]"));
	assert_non_null(strstr(msg_data(m), "\"votes_more\":false"));
	msg_unref(m);
	m = render_subscribe_resume("3", "course:1", 30, "live", 0, NULL);
	assert_non_null(m);
	assert_null(strstr(msg_data(m), "votes"));
	msg_unref(m);
}

static void test_reverse(void **state)
{
	struct render_list *l = render_list_new();

	(void)state;
	assert_non_null(l);
	render_list_reverse(l);
	assert_int_equal(cJSON_GetArraySize(l->arr), 0);
	for (int64_t i = 1; i <= 5; i++)
		add_post(l, i, "x");
	render_list_reverse(l);
	assert_int_equal(cJSON_GetArraySize(l->arr), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal((int)cJSON_GetObjectItem(cJSON_GetArrayItem(l->arr, i), "id")->valuedouble, 5 - i);
	render_list_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counted_bytes_are_printed_bytes),
		cmocka_unit_test(test_fit_stops_at_the_budget),
		cmocka_unit_test(test_trim_keeps_the_leading_items_that_fit),
		cmocka_unit_test(test_snapshot_reply_says_more),
		cmocka_unit_test(test_resume_reply_carries_votes),
		cmocka_unit_test(test_reverse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
