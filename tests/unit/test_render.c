/*
 * test_render.c - events, state and replies rendered per view.
 *
 * The renderer decides what each audience may see: these cases pin down that
 * peers never receive an anonymous author, deleted text, or hidden text, and
 * that the bytes are well-formed JSON of the documented shape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "proto/render.h"
#include "proto/render_forum.h"

/* Parses a msg's bytes; the caller deletes the tree. */
static cJSON *parse(struct msg *m)
{
	cJSON *j;

	assert_non_null(m);
	j = cJSON_ParseWithLength(msg_data(m), m->len);
	assert_non_null(j);
	msg_unref(m);
	return j;
}

static struct forum_post sample_post(void)
{
	struct forum_post p = {
		.id = 7, .thread = 3, .parent = 0,
		.author = { .uid = 11, .ext_id = "u-ana", .name = "Ana María" },
		.anonymous = 0, .body = "Hola \"mundo\"\n", .created_at = 1000, .edited_at = 0,
		.revision = 1, .state = "visible", .votes = 2, .votes_v = 5, .endorsed = 0, .first = 1,
	};
	return p;
}

static const cJSON *post_of(const cJSON *ev)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "data"), "post");
}

static void test_event_envelope(void **state)
{
	struct forum_post p = sample_post();
	cJSON *j = parse(render_event_post("post.created", "thread:3", 42, &p, view_peer()));

	(void)state;
	assert_string_equal(cJSON_GetObjectItem(j, "ev")->valuestring, "post.created");
	assert_string_equal(cJSON_GetObjectItem(j, "room")->valuestring, "thread:3");
	assert_int_equal(cJSON_GetObjectItem(j, "seq")->valuedouble, 42);
	assert_int_equal(cJSON_GetObjectItem(post_of(j), "id")->valuedouble, 7);
	assert_string_equal(cJSON_GetObjectItem(post_of(j), "body")->valuestring, "Hola \"mundo\"\n");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(post_of(j), "parent")));
	cJSON_Delete(j);
}

static void test_named_author_seen_by_everyone(void **state)
{
	struct forum_post p = sample_post();
	cJSON *j = parse(render_event_post("post.created", "thread:3", 1, &p, view_peer()));
	const cJSON *a = cJSON_GetObjectItem(post_of(j), "author");

	(void)state;
	assert_string_equal(cJSON_GetObjectItem(a, "name")->valuestring, "Ana María");
	assert_string_equal(cJSON_GetObjectItem(a, "id")->valuestring, "u-ana");
	cJSON_Delete(j);
}

static void test_anonymous_author_hidden_from_peers(void **state)
{
	struct forum_post p = sample_post();
	struct msg *m;
	cJSON *j;

	(void)state;
	p.anonymous = 1;
	m = render_event_post("post.created", "thread:3", 1, &p, view_peer());
	assert_null(memmem(msg_data(m), m->len, "Ana", 3));
	assert_null(memmem(msg_data(m), m->len, "u-ana", 5));
	j = parse(m);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(post_of(j), "author")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(post_of(j), "anonymous")));
	cJSON_Delete(j);
}

static void test_anonymous_author_shown_to_staff(void **state)
{
	struct forum_post p = sample_post();
	cJSON *j;

	(void)state;
	p.anonymous = 1;
	j = parse(render_event_post("post.created", "thread:3", 1, &p, view_staff()));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(post_of(j), "author"), "name")->valuestring,
			    "Ana María");
	cJSON_Delete(j);
}

static void test_deleted_text_gone_for_everyone(void **state)
{
	struct forum_post p = sample_post();

	(void)state;
	p.state = "deleted";
	for (int staff = 0; staff <= 1; staff++) {
		struct msg *m = render_event_post("post.deleted", "thread:3", 2, &p, view_shared(staff));
		cJSON *j;

		assert_null(memmem(msg_data(m), m->len, "mundo", 5));
		j = parse(m);
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(post_of(j), "body")));
		assert_string_equal(cJSON_GetObjectItem(post_of(j), "state")->valuestring, "deleted");
		cJSON_Delete(j);
	}
}

static void test_hidden_text_only_for_staff(void **state)
{
	struct forum_post p = sample_post();
	cJSON *peer, *staff;

	(void)state;
	p.state = "hidden";
	peer = parse(render_event_post("post.created", "thread:3", 1, &p, view_peer()));
	staff = parse(render_event_post("post.created", "thread:3", 1, &p, view_staff()));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(post_of(peer), "body")));
	assert_string_equal(cJSON_GetObjectItem(post_of(staff), "body")->valuestring, "Hola \"mundo\"\n");
	cJSON_Delete(peer);
	cJSON_Delete(staff);
}

static void test_views_identical_when_nothing_differs(void **state)
{
	struct forum_post p = sample_post();
	struct msg *a = render_event_post("post.created", "thread:3", 1, &p, view_peer());
	struct msg *b = render_event_post("post.created", "thread:3", 1, &p, view_staff());

	(void)state;
	/* The store shares one buffer when the views are byte-identical. */
	assert_int_equal(a->len, b->len);
	assert_memory_equal(msg_data(a), msg_data(b), a->len);
	msg_unref(a);
	msg_unref(b);
}

static void test_thread_last_poster_anonymous(void **state)
{
	struct forum_thread t = {
		.id = 3, .course = 1, .kind = "question", .title = "¿Por qué?",
		.author = { 11, "u-ana", "Ana" }, .anonymous = 0, .first_post = 7,
		.created_at = 1, .last_activity_at = 2, .reply_count = 1, .votes = 0, .stats_v = 4,
		.state = "visible", .has_last = 1, .last = { 12, "u-bo", "Bo" }, .last_anonymous = 1,
	};
	cJSON *peer = parse(render_state_thread_stats("course:1", &t, view_peer()));
	cJSON *staff = parse(render_state_thread_stats("course:1", &t, view_staff()));

	(void)state;
	assert_string_equal(cJSON_GetObjectItem(peer, "st")->valuestring, "thread.stats");
	assert_int_equal(cJSON_GetObjectItem(peer, "v")->valuedouble, 4);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(peer, "data"), "last_poster")));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(staff, "data"),
								       "last_poster"), "name")->valuestring, "Bo");
	cJSON_Delete(peer);
	cJSON_Delete(staff);
}

static void test_state_votes_shape(void **state)
{
	cJSON *j = parse(render_state_post_votes("thread:3", 7, 431, 3051));
	const cJSON *d = cJSON_GetObjectItem(j, "data");

	(void)state;
	assert_string_equal(cJSON_GetObjectItem(j, "st")->valuestring, "post.votes");
	assert_string_equal(cJSON_GetObjectItem(j, "room")->valuestring, "thread:3");
	assert_int_equal(cJSON_GetObjectItem(j, "v")->valuedouble, 3051);
	assert_int_equal(cJSON_GetObjectItem(d, "post")->valuedouble, 7);
	assert_int_equal(cJSON_GetObjectItem(d, "votes")->valuedouble, 431);
	assert_null(cJSON_GetObjectItem(j, "seq"));     /* state sits outside the seq */
	cJSON_Delete(j);
}

static void test_ok_raw_escapes_id(void **state)
{
	cJSON *j = parse(render_ok_raw("a\"b\\c", "{\"x\":1}"));

	(void)state;
	assert_string_equal(cJSON_GetObjectItem(j, "re")->valuestring, "a\"b\\c");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "x")->valuedouble, 1);
	cJSON_Delete(j);
}

static void test_error_without_id_is_null(void **state)
{
	struct proto_error e = { .code = PROTO_ERR_RATE_LIMITED, .field = "", .limit = 0 };
	cJSON *j, *err;

	(void)state;
	strcpy(e.message, "slow down");
	j = parse(render_error(NULL, &e, 4200));
	err = cJSON_GetObjectItem(j, "error");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "re")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "ok")));
	assert_string_equal(cJSON_GetObjectItem(err, "code")->valuestring, "rate_limited");
	assert_int_equal(cJSON_GetObjectItem(err, "retry_after_ms")->valuedouble, 4200);
	assert_null(cJSON_GetObjectItem(err, "field"));
	cJSON_Delete(j);
}

static void test_subscribe_snapshot_carries_posts(void **state)
{
	struct forum_post p = sample_post();
	struct render_list *l = render_list_new();
	cJSON *j, *d;

	(void)state;
	assert_int_equal(render_list_add_post(l, &p, view_peer(), 1), 0);
	p.id = 8;
	assert_int_equal(render_list_add_post(l, &p, view_peer(), 0), 0);
	j = parse(render_subscribe_ok("9", "thread:3", 17, "snapshot", 0, NULL, NULL, l, view_peer(), 0));
	d = cJSON_GetObjectItem(j, "data");
	assert_string_equal(cJSON_GetObjectItem(d, "mode")->valuestring, "snapshot");
	assert_int_equal(cJSON_GetObjectItem(d, "seq")->valuedouble, 17);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(d, "posts")), 2);
	cJSON_Delete(j);
}

static void test_author_sees_own_anonymous_post(void **state)
{
	struct forum_post p = sample_post();
	struct render_list *l = render_list_new();
	const cJSON *posts, *mine, *other;
	cJSON *j;

	(void)state;
	p.anonymous = 1;
	assert_int_equal(render_list_add_post(l, &p, view_of(0, 11), 0), 0);     /* the author's own */
	p.id = 8;
	p.author.uid = 12;
	assert_int_equal(render_list_add_post(l, &p, view_of(0, 11), 1), 0);     /* someone else's */
	j = parse(render_subscribe_ok("9", "thread:3", 17, "snapshot", 0, NULL, NULL, l, view_of(0, 11), 0));
	posts = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "posts");
	mine = cJSON_GetArrayItem(posts, 0);
	other = cJSON_GetArrayItem(posts, 1);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(mine, "mine")));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(mine, "author"), "name")->valuestring,
			    "Ana María");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(other, "author")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(other, "voted")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(other, "mine")));
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_envelope),
		cmocka_unit_test(test_named_author_seen_by_everyone),
		cmocka_unit_test(test_anonymous_author_hidden_from_peers),
		cmocka_unit_test(test_anonymous_author_shown_to_staff),
		cmocka_unit_test(test_deleted_text_gone_for_everyone),
		cmocka_unit_test(test_hidden_text_only_for_staff),
		cmocka_unit_test(test_views_identical_when_nothing_differs),
		cmocka_unit_test(test_thread_last_poster_anonymous),
		cmocka_unit_test(test_state_votes_shape),
		cmocka_unit_test(test_ok_raw_escapes_id),
		cmocka_unit_test(test_error_without_id_is_null),
		cmocka_unit_test(test_subscribe_snapshot_carries_posts),
		cmocka_unit_test(test_author_sees_own_anonymous_post),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
