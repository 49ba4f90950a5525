/*
 * test_render_poll.c - polls and their results rendered per view: peers get
 * no correct answer before the reveal and no respondents while the results
 * are not public; results carry exactly the counts, mean and groups given.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "proto/render_poll.h"

static cJSON *parse_msg(struct msg *m)
{
	cJSON *j;

	assert_non_null(m);
	j = cJSON_ParseWithLength(msg_data(m), m->len);
	assert_non_null(j);
	msg_unref(m);
	return j;
}

static cJSON *parse_str(char *s)
{
	cJSON *j;

	assert_non_null(s);
	j = cJSON_Parse(s);
	assert_non_null(j);
	free(s);
	return j;
}

static struct poll quiz(enum poll_visibility v, int revealed)
{
	struct poll p = {
		.id = 12, .session = 3, .course = 1, .survey = 0, .position = 0, .kind = POLL_SINGLE,
		.prompt = "Which?", .noptions = 3, .options = { "A", "B", "C" }, .min_choices = 1, .max_choices = 1,
		.has_correct = 1, .correct = 1u << 2, .visibility = v, .state = POLL_OPEN, .revealed = revealed,
		.results_room = 17, .respondents = 40, .created_at = 1000, .opened_at = 2000,
	};

	return p;
}

static cJSON *poll_of(cJSON *event)
{
	cJSON *p = cJSON_GetObjectItem(cJSON_GetObjectItem(event, "data"), "poll");

	assert_non_null(p);
	return p;
}

static void test_peer_view_hides_correct_and_respondents(void **state)
{
	struct poll p = quiz(POLL_VIS_ON_REVEAL, 0);
	cJSON *peer = parse_msg(render_event_poll("poll.updated", "session:3", 5, &p, 0));
	cJSON *staff = parse_msg(render_event_poll("poll.updated", "session:3", 5, &p, 1));

	(void)state;
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(poll_of(peer), "correct")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(poll_of(peer), "respondents")));
	assert_string_equal(cJSON_GetObjectItem(poll_of(peer), "results_room")->valuestring, "results:17");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(poll_of(staff), "correct")), 1);
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(poll_of(staff), "correct"), 0)->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(poll_of(staff), "respondents")->valueint, 40);
	cJSON_Delete(peer);
	cJSON_Delete(staff);
}

static void test_revealed_shows_correct_to_peers(void **state)
{
	struct poll p = quiz(POLL_VIS_ON_REVEAL, 1);
	cJSON *peer = parse_msg(render_event_poll("poll.updated", "session:3", 6, &p, 0));

	(void)state;
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(poll_of(peer), "correct"), 0)->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(poll_of(peer), "respondents")->valueint, 40);
	cJSON_Delete(peer);
	/* staff_only: even revealed, no respondents for peers (the correct answer shows) */
	p = quiz(POLL_VIS_STAFF_ONLY, 1);
	peer = parse_msg(render_event_poll("poll.updated", "session:3", 7, &p, 0));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(poll_of(peer), "respondents")));
	assert_false(cJSON_IsNull(cJSON_GetObjectItem(poll_of(peer), "correct")));
	cJSON_Delete(peer);
}

static void test_kind_members(void **state)
{
	struct poll p = { .id = 5, .kind = POLL_RATING, .prompt = "Rate", .scale = 10, .results_room = 2 };
	cJSON *j = parse_str(render_result_poll(&p, 1)), *o = cJSON_GetObjectItem(j, "poll");

	(void)state;
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "options")), 0);
	assert_int_equal(cJSON_GetObjectItem(o, "scale")->valueint, 10);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "min_choices")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "max_entries")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "survey")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "opened_at")));
	assert_string_equal(cJSON_GetObjectItem(o, "state")->valuestring, "draft");
	cJSON_Delete(j);
}

static void test_results_rating_and_words(void **state)
{
	struct poll_results r = { .poll = 14, .kind = POLL_RATING, .respondents = 40, .ncounts = 5,
				  .counts = { 1, 2, 5, 12, 20 } };
	struct poll_group g[] = { { "lideraz", "Liderazgo", 12, 1 }, { "equip", "equipo", 3, 2 } };
	cJSON *j = parse_msg(render_state_poll_results("results:9", 77, &r)), *d;

	(void)state;
	assert_string_equal(cJSON_GetObjectItem(j, "st")->valuestring, "poll.results");
	assert_int_equal(cJSON_GetObjectItem(j, "v")->valueint, 77);
	d = cJSON_GetObjectItem(j, "data");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(d, "counts")), 5);
	assert_true(cJSON_GetObjectItem(d, "mean")->valuedouble == 4.2);
	cJSON_Delete(j);

	memset(r.counts, 0, sizeof(r.counts));
	j = parse_msg(render_state_poll_results("results:9", 78, &r));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "data"), "mean")));
	cJSON_Delete(j);

	r = (struct poll_results){ .poll = 16, .kind = POLL_WORDS, .respondents = 2, .entries = 15, .ngroups = 2,
				   .groups = g };
	j = parse_msg(render_state_poll_results("results:9", 79, &r));
	d = cJSON_GetObjectItem(j, "data");
	assert_null(cJSON_GetObjectItem(d, "counts"));
	assert_int_equal(cJSON_GetObjectItem(d, "entries")->valueint, 15);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "words"), 0), "word")->valuestring,
			    "lideraz");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "words"), 0), "text")->valuestring,
			    "Liderazgo");
	cJSON_Delete(j);

	r.kind = POLL_TEXT;
	j = parse_msg(render_state_poll_results("results:9", 80, &r));
	d = cJSON_GetObjectItem(j, "data");
	assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "answers"), 0), "word"));
	assert_null(cJSON_GetObjectItem(d, "entries"));
	cJSON_Delete(j);
}

static void test_answer_reply(void **state)
{
	const char *entries[] = { "liderazgo", "equipo" };
	struct poll_mine m = { .kind = POLL_WORDS, .nentries = 2, .entries = entries };
	cJSON *j = parse_str(render_result_answer(16, &m, 1, 17, 1));

	(void)state;
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "mine"), "entries")), 2);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "results_visible")));
	assert_string_equal(cJSON_GetObjectItem(j, "results_room")->valuestring, "results:17");
	assert_int_equal(cJSON_GetObjectItem(j, "entries_left")->valueint, 1);
	cJSON_Delete(j);
	m = (struct poll_mine){ .kind = POLL_MULTIPLE, .choices = (1u << 3) | 1u };
	j = parse_str(render_result_answer(13, &m, 0, 4, -1));
	assert_int_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "mine"), "choices"), 1)->valueint, 3);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "entries_left")));
	cJSON_Delete(j);
	j = parse_str(render_result_answer(13, NULL, 0, 4, -1));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "mine")));
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_view_hides_correct_and_respondents),
		cmocka_unit_test(test_revealed_shows_correct_to_peers),
		cmocka_unit_test(test_kind_members),
		cmocka_unit_test(test_results_rating_and_words),
		cmocka_unit_test(test_answer_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
