/*
 * test_fts.c - the "forumd" FTS5 tokenizer: posts are found the way a
 * reader types, in each course language, and query syntax typed by hand
 * does not break the index.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

int store__fts_register(sqlite3 *db);

static sqlite3 *db;

static int setup(void **state)
{
	(void)state;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return -1;
	if (store__fts_register(db) != SQLITE_OK)
		return -1;
	return sqlite3_exec(db,
		"CREATE VIRTUAL TABLE s_es USING fts5(title, body, tokenize = 'forumd es');"
		"CREATE VIRTUAL TABLE s_pt USING fts5(title, body, tokenize = 'forumd pt');"
		"CREATE VIRTUAL TABLE s_en USING fts5(title, body, tokenize = 'forumd en');"
		"INSERT INTO s_es(rowid, title, body) VALUES"
		" (1, 'Programación orientada a objetos', 'Las clases y los objetos del curso.'),"
		" (2, 'Entrega', 'La comunicación del equipo fue difícil.'),"
		" (3, 'Año nuevo', 'Un ano de trabajo.');"
		"INSERT INTO s_pt(rowid, title, body) VALUES"
		" (1, 'Ação', 'Plano de ação para as informações do projeto.');"
		"INSERT INTO s_en(rowid, title, body) VALUES"
		" (1, 'Running tests', 'The runner runs every test.');",
		NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return sqlite3_close(db) == SQLITE_OK ? 0 : -1;
}

/* The rowids matching q in table, as "1,3" (ordered by rowid), or "error". */
static const char *match(const char *table, const char *q)
{
	static char out[64];
	char sql[128];
	sqlite3_stmt *s;
	size_t n = 0;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT rowid FROM %s WHERE %s MATCH ?1 ORDER BY rowid", table, table);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, q, -1, SQLITE_STATIC);
	out[0] = '\0';
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%lld", n ? "," : "",
				      (long long)sqlite3_column_int64(s, 0));
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? out : "error";
}

static void test_spanish_folds_accents_and_inflections(void **state)
{
	(void)state;
	assert_string_equal(match("s_es", "\"programacion\""), "1");
	assert_string_equal(match("s_es", "\"PROGRAMACIONES\""), "1");
	assert_string_equal(match("s_es", "\"objeto\""), "1");
	assert_string_equal(match("s_es", "\"comunicacion\" \"dificil\""), "2");
	/* ñ is a letter of its own. */
	assert_string_equal(match("s_es", "\"año\""), "3");
	assert_string_equal(match("s_es", "\"ano\""), "3");
}

static void test_portuguese_and_english(void **state)
{
	(void)state;
	assert_string_equal(match("s_pt", "\"acao\""), "1");
	assert_string_equal(match("s_pt", "\"informacoes\""), "1");
	assert_string_equal(match("s_en", "\"run\""), "1");
	assert_string_equal(match("s_en", "\"tested\""), "1");
}

static void test_columns_and_highlights_use_the_typed_text(void **state)
{
	sqlite3_stmt *s;

	(void)state;
	assert_string_equal(match("s_es", "title : \"entregas\""), "2");
	assert_int_equal(sqlite3_prepare_v2(db,
		"SELECT highlight(s_es, 0, '[', ']') FROM s_es WHERE s_es MATCH '\"programacion\"'",
		-1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "[Programación] orientada a objetos");
	sqlite3_finalize(s);
}

static void test_query_of_no_words_matches_nothing(void **state)
{
	(void)state;
	/* A quoted string of punctuation has no tokens: no rows, no error. */
	assert_string_equal(match("s_es", "\"*** --- ...\""), "");
	assert_string_equal(match("s_es", "\"\xff\xfe\""), "");
}

static void test_unknown_language_is_refused(void **state)
{
	(void)state;
	assert_int_not_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE s_xx USING fts5(a, tokenize = 'forumd xx')",
					  NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "CREATE VIRTUAL TABLE s_yy USING fts5(a, tokenize = 'forumd')",
					  NULL, NULL, NULL), SQLITE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spanish_folds_accents_and_inflections),
		cmocka_unit_test(test_portuguese_and_english),
		cmocka_unit_test(test_columns_and_highlights_use_the_typed_text),
		cmocka_unit_test(test_query_of_no_words_matches_nothing),
		cmocka_unit_test(test_unknown_language_is_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
