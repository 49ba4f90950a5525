/*
 * courses.c - courses from the course platform (command line), and the
 * demo course of --dev.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "proto/render_admin.h"

int store__lang_valid(const char *l)
{
	return l && (!strcmp(l, "en") || !strcmp(l, "es") || !strcmp(l, "pt"));
}

/* Checks a course's fields; 0, or -1 with err set. */
static int course_check(const struct store_course_args *a, int update, char *err, size_t err_len)
{
	err[0] = '\0';
	if (!update && (!a->title || !*a->title || !a->starts_at || !a->ends_at)) {
		snprintf(err, err_len, "a course needs a title, a start and an end");
		return -1;
	}
	if (a->lang && !store__lang_valid(a->lang)) {
		snprintf(err, err_len, "the language must be en, es or pt");
		return -1;
	}
	if (a->starts_at && a->ends_at && a->ends_at <= a->starts_at) {
		snprintf(err, err_len, "a course must end after it starts");
		return -1;
	}
	return 0;
}

/* store_course_put over db (checked already). */
static int64_t course_put(sqlite3 *db, const struct store_course_args *a, int update, int64_t now_ms,
			  char *err, size_t err_len)
{
	static const char q_ins[] =
		"INSERT INTO courses(id, title, lang, starts_at, ends_at, created_at, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
	static const char q_upd[] =
		"UPDATE courses SET title = coalesce(?2, title), lang = coalesce(?3, lang),"
		" starts_at = coalesce(?4, starts_at), ends_at = coalesce(?5, ends_at), updated_at = ?6"
		" WHERE id = ?1";
	sqlite3_stmt *s = NULL;
	int64_t id = -1;

	if (sqlite3_prepare_v2(db, update ? q_upd : q_ins, -1, &s, NULL) != SQLITE_OK)
		goto out;
	if (a->id)
		sqlite3_bind_int64(s, 1, a->id);
	if (a->title)
		sqlite3_bind_text(s, 2, a->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->lang ? a->lang : (update ? NULL : "en"), -1, SQLITE_STATIC);
	if (a->starts_at)
		sqlite3_bind_int64(s, 4, a->starts_at);
	if (a->ends_at)
		sqlite3_bind_int64(s, 5, a->ends_at);
	sqlite3_bind_int64(s, 6, now_ms);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto out;
	if (update && sqlite3_changes(db) == 0) {
		snprintf(err, err_len, "no course %lld", (long long)a->id);
		goto out;
	}
	id = update ? a->id : sqlite3_last_insert_rowid(db);
out:
	if (id < 0 && !err[0])
		snprintf(err, err_len, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return id;
}

/* Creates (update 0) or changes (update 1) a course in the database at
 * path on its own connection (command line, any thread). Returns the
 * course id, or -1 with a message in err. */
int64_t store_course_put(const char *path, const struct store_course_args *a, int update,
			 int64_t now_ms, char *err, size_t err_len)
{
	sqlite3 *db;
	int64_t id;

	if (course_check(a, update, err, err_len) || !(db = store__open_rw(path, err, err_len)))
		return -1;
	id = course_put(db, a, update, now_ms, err, err_len);
	sqlite3_close(db);
	return id;
}

/* store_course_put for the admin API, on a reader's own read-write
 * connection (kept open). */
int64_t store_api_course_put(struct store_conn *rd, const struct store_course_args *a, int update,
			     int64_t now_ms, char *err, size_t err_len)
{
	sqlite3 *db;

	if (course_check(a, update, err, err_len) || !(db = store__conn_rw(rd, err, err_len)))
		return -1;
	return course_put(db, a, update, now_ms, err, err_len);
}

#define COURSE_COLUMNS "id, title, lang, starts_at, ends_at"

/* The course on s's current row (COURSE_COLUMNS); strings borrowed from it. */
static struct render_course course_row(sqlite3_stmt *s)
{
	struct render_course c = {
		.id = sqlite3_column_int64(s, 0),
		.title = (const char *)sqlite3_column_text(s, 1),
		.lang = (const char *)sqlite3_column_text(s, 2),
		.starts_at = sqlite3_column_int64(s, 3),
		.ends_at = sqlite3_column_int64(s, 4),
	};

	return c;
}

/* Every course, by id, rendered (each as its own JSON text) into a new
 * array of n strings the caller frees with free_lines; 0, or -1. */
static int course_lines(sqlite3 *db, char ***out, size_t *n)
{
	static const char q[] = "SELECT " COURSE_COLUMNS " FROM courses ORDER BY id";
	sqlite3_stmt *s = NULL;
	char **v = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct render_course c = course_row(s);
		char *line;

		if (*n == cap) {
			char **nv = realloc(v, (cap ? cap * 2 : 16) * sizeof(*nv));

			if (!nv)
				break;
			v = nv;
			cap = cap ? cap * 2 : 16;
		}
		if (!(line = render_course_json(&c)))
			break;
		v[(*n)++] = line;
	}
	sqlite3_finalize(s);
	*out = v;
	return rc == SQLITE_DONE ? 0 : -1;
}

static void free_lines(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A course (id > 0) or every course (id 0, a JSON array) as JSON text over
 * db; malloc'd, the caller frees it. NULL if there is no such course, or
 * on error with err set. */
static char *course_json(sqlite3 *db, int64_t id, char *err, size_t err_len)
{
	static const char q_one[] = "SELECT " COURSE_COLUMNS " FROM courses WHERE id = ?1";
	static const char q_all[] = "SELECT " COURSE_COLUMNS " FROM courses ORDER BY id";
	sqlite3_stmt *s = NULL;
	struct render_course *all = NULL;
	size_t n = 0, cap = 0;
	char *out = NULL;
	int rc = SQLITE_ERROR;

	err[0] = '\0';
	if (sqlite3_prepare_v2(db, id ? q_one : q_all, -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, err_len, "%s", sqlite3_errmsg(db));
		goto out;
	}
	if (id) {
		sqlite3_bind_int64(s, 1, id);
		if (sqlite3_step(s) == SQLITE_ROW) {
			struct render_course c = course_row(s);

			if (!(out = render_course_json(&c)))
				snprintf(err, err_len, "out of memory");
		}
		goto out;
	}
	/* The rows stay valid while the statement is not stepped again, so
	 * the list keeps copies of the strings. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct render_course c = course_row(s);

		if (n == cap) {
			struct render_course *na = realloc(all, (cap ? cap * 2 : 16) * sizeof(*na));

			if (!na)
				break;
			all = na;
			cap = cap ? cap * 2 : 16;
		}
		c.title = strdup(c.title ? c.title : "");
		c.lang = strdup(c.lang ? c.lang : "");
		all[n++] = c;
		if (!c.title || !c.lang)
			break;
	}
	if (rc == SQLITE_DONE && !(out = render_courses_json(all, n)))
		snprintf(err, err_len, "out of memory");
	else if (rc != SQLITE_DONE)
		snprintf(err, err_len, "%s", rc == SQLITE_ROW ? "out of memory" : sqlite3_errmsg(db));
out:
	for (size_t i = 0; i < n; i++) {
		free((char *)all[i].title);
		free((char *)all[i].lang);
	}
	free(all);
	sqlite3_finalize(s);
	return out;
}

/* A course or every course as JSON (course_json), read on its own
 * connection (command line). */
char *store_course_json(const char *path, int64_t id, char *err, size_t err_len)
{
	sqlite3 *db;
	char *out;

	err[0] = '\0';
	if (!(db = store__open_rw(path, err, err_len)))
		return NULL;
	out = course_json(db, id, err, err_len);
	sqlite3_close(db);
	return out;
}

char *store_api_course_json(struct store_conn *rd, int64_t id, char *err, size_t err_len)
{
	sqlite3 *db;

	err[0] = '\0';
	if (!(db = store__conn_rw(rd, err, err_len)))
		return NULL;
	return course_json(db, id, err, err_len);
}

/* Prints every course as one line of JSON to f (a FILE *), read on its own
 * connection. 0, or -1 with err set. */
int store_course_print(const char *path, void *f, char *err, size_t err_len)
{
	sqlite3 *db;
	char **lines;
	size_t n;
	int rc;

	err[0] = '\0';
	if (!(db = store__open_rw(path, err, err_len)))
		return -1;
	rc = course_lines(db, &lines, &n);
	if (rc)
		snprintf(err, err_len, "%s", sqlite3_errcode(db) != SQLITE_OK ? sqlite3_errmsg(db) : "out of memory");
	else
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%s\n", lines[i]);
	free_lines(lines, n);
	sqlite3_close(db);
	return rc;
}

int store__seed_demo(sqlite3 *db, int64_t now_ms)
{
	static const char q[] =
		"INSERT INTO courses(id, title, lang, starts_at, ends_at, created_at, updated_at)"
		" SELECT 1, 'Leading Remote Teams (demo)', 'en', ?1, ?2, ?3, ?3"
		" WHERE NOT EXISTS (SELECT 1 FROM courses)";
	sqlite3_stmt *s = NULL;
	int64_t now_s = now_ms / 1000;
	int rc;

	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, now_s - 7 * 86400);
	sqlite3_bind_int64(s, 2, now_s + 60 * 86400);
	sqlite3_bind_int64(s, 3, now_ms);
	rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(s);
	return rc;
}
