/*
 * test_render_admin.c - courses and blocked words as the admin API and the
 * command line print them (the bytes SQLite's json_object printed before
 * proto/ rendered them), and the bridged question's note per language.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto/render_admin.h"

static void test_course_json(void **state)
{
	struct render_course c[2] = {
		{ .id = 1, .title = "Leading \"Remote\" Teams", .lang = "en", .starts_at = 1700000000, .ends_at = 1800000000 },
		{ .id = 2, .title = "Liderança", .lang = "pt", .starts_at = 0, .ends_at = 5 },
	};
	char *j;

	(void)state;
	j = render_course_json(&c[0]);
	assert_non_null(j);
	assert_string_equal(j, "{\"id\":1,\"title\":\"Leading \\\"Remote\\\" Teams\",\"lang\":\"en\","
			       "\"starts_at\":1700000000,\"ends_at\":1800000000}");
	free(j);
	j = render_courses_json(c, 2);
	assert_non_null(j);
	assert_string_equal(j, "[{\"id\":1,\"title\":\"Leading \\\"Remote\\\" Teams\",\"lang\":\"en\","
			       "\"starts_at\":1700000000,\"ends_at\":1800000000},"
			       "{\"id\":2,\"title\":\"Liderança\",\"lang\":\"pt\",\"starts_at\":0,\"ends_at\":5}]");
	free(j);
	j = render_courses_json(NULL, 0);
	assert_non_null(j);
	assert_string_equal(j, "[]");
	free(j);
}

static void test_blocked_json(void **state)
{
	static const char *const words[] = { "bad", "worse" };
	char *j;

	(void)state;
	j = render_blocked_json("es", words, 2);
	assert_non_null(j);
	assert_string_equal(j, "{\"lang\":\"es\",\"words\":[\"bad\",\"worse\"]}");
	free(j);
	j = render_blocked_json("en", NULL, 0);
	assert_non_null(j);
	assert_string_equal(j, "{\"lang\":\"en\",\"words\":[]}");
	free(j);
}

static void test_bridge_note_per_language(void **state)
{
	char out[256];

	(void)state;
	render_bridge_note("en", "Week 1", 3, out, sizeof(out));
	assert_string_equal(out, "Asked in the live session \"Week 1\" (3 votes). Carry on the discussion here.");
	render_bridge_note("es", "Semana 1", 3, out, sizeof(out));
	assert_string_equal(out, "Pregunta de la sesión en directo «Semana 1» (3 votos). Sigue la conversación aquí.");
	render_bridge_note("pt", "Semana 1", 3, out, sizeof(out));
	assert_string_equal(out, "Pergunta da sessão ao vivo «Semana 1» (3 votos). Continue a conversa aqui.");
	render_bridge_note("xx", "W", 0, out, 10);       /* cut to the room given */
	assert_int_equal(strlen(out), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_course_json),
		cmocka_unit_test(test_blocked_json),
		cmocka_unit_test(test_bridge_note_per_language),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
