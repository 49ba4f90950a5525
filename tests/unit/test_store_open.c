/*
 * test_store_open.c - the store opens its database one way, and migrates
 * it where the schema may be new: the daemon's store_open, and the first
 * command-line or admin open of a path in a process. An admin read in the
 * daemon then no longer takes the write lock to look at the schema, so it
 * is not held up by a writer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "store/store.h"
#include "store_tmp.h"

static void notify(void *arg)
{
	(void)arg;
}

static void test_an_admin_read_does_not_wait_for_the_write_lock(void **state)
{
	struct store_tmp db;
	char path[300], err[256] = "";
	sqlite3 *other = NULL;
	char *json;

	(void)state;
	assert_int_equal(store_tmp_open(&db, "open", notify), 0);
	snprintf(path, sizeof(path), "%s/%s", db.dir, db.name);

	/* Another connection (another process, say) holds the write lock. */
	assert_int_equal(sqlite3_open_v2(path, &other, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

	json = store_course_json(path, 0, err, sizeof(err));
	if (!json)
		fail_msg("the course list waited for the write lock and failed: %s", err);
	assert_string_equal(json, "[]");
	free(json);

	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	store_tmp_close(&db);
}

static void test_the_command_line_migrates_a_new_database(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct store_course_args a = { 0, "Course", "en", 1000, 2000 };
	char dir[200], path[300], err[256] = "", *json;
	int64_t id;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/forumd-cli-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cli.db", dir);

	id = store_course_put(path, &a, 0, 1, err, sizeof(err));
	if (id < 0)
		fail_msg("course put on a new database: %s", err);
	assert_true(id > 0);
	json = store_course_json(path, id, err, sizeof(err));
	assert_non_null(json);
	assert_non_null(strstr(json, "\"title\":\"Course\""));
	free(json);

	for (const char *suffix = ""; suffix; suffix = !*suffix ? "-wal" : strcmp(suffix, "-wal") == 0 ? "-shm" : NULL) {
		char f[320];

		snprintf(f, sizeof(f), "%s%s", path, suffix);
		unlink(f);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_an_admin_read_does_not_wait_for_the_write_lock),
		cmocka_unit_test(test_the_command_line_migrates_a_new_database),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
