/*
 * rules.c - core/'s visibility rules as SQL functions.
 *
 * A read that filters and pages in SQL (the thread list, a session's
 * questions) asks the same function of core/ as the write path does, so each
 * rule is written once:
 *
 *   SQL                                                   core/
 *   forum_thread_visible(state, staff)                    forum_thread_visible()
 *   qa_question_listed(published, state, author,          qa_question_listed()
 *                      staff, reader)
 */
#include "core/forum.h"
#include "core/qa.h"
#include "core/view.h"
#include "internal.h"

/* forum_thread_visible(state TEXT, staff INT) -> 0 or 1; NULL state: 0. */
static void fn_thread_visible(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *state = (const char *)sqlite3_value_text(argv[0]);

	sqlite3_result_int(ctx, state && forum_thread_visible(state, sqlite3_value_int(argv[1])));
}

/* qa_question_listed(published, state, author, staff, reader) -> 0 or 1,
 * in the view of reader (0: nobody's, the peer view) or staff; NULL state: 0. */
static void fn_question_listed(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *state = (const char *)sqlite3_value_text(argv[1]);
	struct view v = view_of(sqlite3_value_int(argv[3]), sqlite3_value_int64(argv[4]));

	sqlite3_result_int(ctx, state && qa_question_listed(sqlite3_value_int(argv[0]), state,
							     sqlite3_value_int64(argv[2]), v));
}

/* Registers the functions above on db. SQLITE_OK or SQLite's error code. */
int store__rules_register(sqlite3 *db)
{
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
	int rc;

	rc = sqlite3_create_function(db, "forum_thread_visible", 2, flags, NULL, fn_thread_visible, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(db, "qa_question_listed", 5, flags, NULL, fn_question_listed, NULL, NULL);
	return rc;
}
