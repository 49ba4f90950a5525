/*
 * test_render_writing.c - drafts and title history as JSON (proto/
 * render_writing), and a post's two marks (accepted, endorsed) side by side.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto/render_writing.h"

static void test_draft_result(void **state)
{
	struct writing_draft resp = { 42, 3, "", "half \"a\" thought", 1000 };
	struct writing_draft fresh = { 0, 3, "My question", "", 2000 };
	char *j;

	(void)state;
	j = render_result_draft(&resp);
	assert_non_null(j);
	assert_string_equal(j, "{\"draft\":{\"thread\":42,\"course\":3,\"title\":\"\",\"body\":\"half \\\"a\\\" thought\","
			       "\"updated_at\":1000}}");
	free(j);
	j = render_result_draft(&fresh);
	assert_non_null(j);
	assert_string_equal(j, "{\"draft\":{\"thread\":null,\"course\":3,\"title\":\"My question\",\"body\":\"\","
			       "\"updated_at\":2000}}");
	free(j);
	j = render_result_draft(NULL);
	assert_non_null(j);
	assert_string_equal(j, "{\"draft\":null}");
	free(j);
	j = render_result_deleted(1);
	assert_string_equal(j, "{\"deleted\":true}");
	free(j);
}

static void test_draft_reply(void **state)
{
	struct writing_draft d = { 0, 9, "T", "B", 5 };
	struct msg *m;

	(void)state;
	m = render_draft_reply("r1", NULL);
	assert_non_null(m);
	assert_memory_equal(msg_data(m), "{\"re\":\"r1\",\"ok\":true,\"data\":{\"draft\":null}}", m->len);
	msg_unref(m);
	m = render_draft_reply("r2", &d);
	assert_non_null(m);
	assert_non_null(strstr(msg_data(m), "\"draft\":{\"thread\":null,\"course\":9,\"title\":\"T\",\"body\":\"B\""));
	msg_unref(m);
}

static void test_title_history(void **state)
{
	struct writing_title first = { 1, "Frist", { 11, "u-ana", "Ana" }, 100 };
	struct writing_title second = { 2, "First", { 12, "u-carla", "Carla" }, 200 };
	struct render_list *l = render_list_new();
	struct msg *m;

	(void)state;
	assert_non_null(l);
	assert_int_equal(render_list_add_title(l, &first, view_staff()), 0);
	assert_int_equal(render_list_add_title(l, &second, view_staff()), 0);
	m = render_title_history("h", 7, l);
	assert_non_null(m);
	assert_memory_equal(msg_data(m),
			    "{\"re\":\"h\",\"ok\":true,\"data\":{\"thread\":7,\"titles\":["
			    "{\"revision\":1,\"title\":\"Frist\",\"edited_by\":{\"id\":\"u-ana\",\"name\":\"Ana\"},\"edited_at\":100},"
			    "{\"revision\":2,\"title\":\"First\",\"edited_by\":{\"id\":\"u-carla\",\"name\":\"Carla\"},\"edited_at\":200}]}}",
			    m->len);
	msg_unref(m);
}

/* Both marks show, each as its own member. */
static void test_post_marks(void **state)
{
	struct forum_post p = {
		.id = 8, .thread = 3, .parent = 0, .author = { 12, "u-bruno", "Bruno" }, .body = "x",
		.created_at = 1, .revision = 1, .state = "visible", .endorsed = 1, .accepted = 1,
	};
	char *j;

	(void)state;
	j = render_result_post(&p, view_peer());
	assert_non_null(j);
	assert_non_null(strstr(j, "\"endorsed\":true,\"accepted\":true"));
	free(j);
	p.endorsed = 0;
	j = render_result_post(&p, view_peer());
	assert_non_null(strstr(j, "\"endorsed\":false,\"accepted\":true"));
	free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draft_result),
		cmocka_unit_test(test_draft_reply),
		cmocka_unit_test(test_title_history),
		cmocka_unit_test(test_post_marks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
