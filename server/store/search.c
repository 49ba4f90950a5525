/*
 * search.c - the search index: kept in step with the posts by the writer.
 *
 * The schema's triggers put every post whose indexed text may have changed
 * (new, edited, hidden, deleted, its thread retitled, its course's language
 * changed) into search_queue. Inside every write, after the op applied and
 * before its savepoint is released, store__search_sync indexes the queue:
 * the post's row leaves every language's index and, unless it is deleted,
 * enters its course language's with the thread's title on the opening
 * post. A write and its index change therefore commit or roll back
 * together.
 *
 * The queue is indexed newest first and at most SEARCH_SYNC_BYTES of text
 * per write: a write's own posts are always in it, while a backlog (posts
 * written by another tool, which has no tokenizer, or a course whose
 * language changed) is worked off a slice per write instead of making one
 * write wait for all of it.
 */
#include <assert.h>
#include <string.h>

#include "internal.h"

#define SEARCH_SYNC_BYTES (1024 * 1024)

static const char q_queued[] =
	"SELECT q.post_id, p.state, c.lang,"
	" CASE WHEN t.first_post_id = p.id THEN t.title ELSE '' END, p.body, q.id"
	" FROM search_queue q LEFT JOIN posts p ON p.id = q.post_id"
	" LEFT JOIN threads t ON t.id = p.thread_id LEFT JOIN courses c ON c.id = t.course_id"
	" ORDER BY q.id DESC";
static const char q_done[] = "DELETE FROM search_queue WHERE id >= ?1";

/* One statement per language, in the order of their names. */
static const char *const langs[] = { "en", "es", "pt" };
static const char *const q_drop[] = {
	"DELETE FROM search_en WHERE rowid = ?1",
	"DELETE FROM search_es WHERE rowid = ?1",
	"DELETE FROM search_pt WHERE rowid = ?1",
};
static const char *const q_add[] = {
	"INSERT INTO search_en(rowid, title, body) VALUES (?1, ?2, ?3)",
	"INSERT INTO search_es(rowid, title, body) VALUES (?1, ?2, ?3)",
	"INSERT INTO search_pt(rowid, title, body) VALUES (?1, ?2, ?3)",
};

/* Re-indexes the post at the queue statement's current row. 0 or -1. */
static int index_post(struct store *st, sqlite3_stmt *row)
{
	int64_t id = sqlite3_column_int64(row, 0);
	const char *state = (const char *)sqlite3_column_text(row, 1);
	const char *lang = (const char *)sqlite3_column_text(row, 2);
	sqlite3_stmt *s;

	for (size_t i = 0; i < 3; i++) {
		if (!(s = store__stmt(&st->wcache, st->wdb, q_drop[i])))
			return -1;
		sqlite3_bind_int64(s, 1, id);
		if (store__step_done(s))
			return -1;
	}
	if (!state || strcmp(state, "deleted") == 0 || !lang)
		return 0;               /* gone, or never findable again */
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(lang, langs[i]) != 0)
			continue;
		if (!(s = store__stmt(&st->wcache, st->wdb, q_add[i])))
			return -1;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_value(s, 2, sqlite3_column_value(row, 3));
		sqlite3_bind_value(s, 3, sqlite3_column_value(row, 4));
		return store__step_done(s);
	}
	return 0;
}

int store__search_sync(struct store *st)
{
	sqlite3_stmt *q, *s;
	int64_t last = 0;
	size_t bytes = 0;
	int rc;

	assert(store__on_writer(st));
	if (!(q = store__stmt(&st->wcache, st->wdb, q_queued)))
		return -1;
	while (bytes < SEARCH_SYNC_BYTES && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		bytes += (size_t)sqlite3_column_bytes(q, 3) + (size_t)sqlite3_column_bytes(q, 4) + 1;
		if (index_post(st, q)) {
			sqlite3_reset(q);
			return -1;
		}
		last = sqlite3_column_int64(q, 5);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return -1;
	if (last == 0)
		return 0;
	/* Everything from the oldest indexed entry up: the newest ones, done. */
	if (!(s = store__stmt(&st->wcache, st->wdb, q_done)))
		return -1;
	sqlite3_bind_int64(s, 1, last);
	return store__step_done(s);
}
