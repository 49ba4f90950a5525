/*
 * poll_export.c - a poll's or a whole session's poll results (and, when
 * asked, each participant's answers) as JSON or CSV, for staff: HTTP with a
 * staff token and the command line. Own read connection.
 *
 * Results: one row per option (single, multiple), per scale value (rating)
 * or per group of equal answers (text, words: shown in their most common
 * spelling), with the count, the share of respondents in percent and, for
 * quizzes, whether the option is right. Answers: one row per participant
 * (per entry for word clouds) with their name and when they answered, in
 * seconds since the session started.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "internal.h"
#include "proto/export.h"

/* What one poll's rows need. */
struct poll_head {
	int64_t id, session, course, respondents, t0;
	int64_t correct;                /* bit i: option i is right; -1: not set */
	char kind[12];
	char *prompt;                   /* owned */
};

static const char *const RESULT_COLS[] = { "poll", "kind", "prompt", "item", "count", "share", "correct" };
static const char *const ANSWER_COLS[] = { "poll", "user", "name", "answer", "removed", "answered_at_s" };

static const char Q_HEAD[] =
	"SELECT p.id, p.session_id, p.course_id, p.kind, p.prompt, p.respondents, p.correct,"
	"       coalesce(s.started_at, s.starts_at * 1000),"
	"       p.state, p.visibility, p.revealed, p.scale, p.max_entries, p.opened_at, p.closed_at"
	"  FROM polls p JOIN live_sessions s ON s.id = p.session_id WHERE p.id = ?1";

/* Column col of s as an integer, EXPORT_NULL when it is NULL. */
static int64_t int_or_null(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? EXPORT_NULL : sqlite3_column_int64(s, col);
}

/* The export head of the poll on s's row (Q_HEAD), with its option labels
 * for a choice poll, as malloc'd JSON text; NULL on error. */
static char *head_json(sqlite3 *db, sqlite3_stmt *s)
{
	static const char q_opts[] = "SELECT label FROM poll_options WHERE poll_id = ?1 ORDER BY idx";
	const char *kind = (const char *)sqlite3_column_text(s, 3);
	struct export_poll_head h = {
		.id = sqlite3_column_int64(s, 0),
		.session = sqlite3_column_int64(s, 1),
		.course = sqlite3_column_int64(s, 2),
		.kind = kind,
		.prompt = (const char *)sqlite3_column_text(s, 4),
		.respondents = sqlite3_column_int64(s, 5),
		.state = (const char *)sqlite3_column_text(s, 8),
		.visibility = (const char *)sqlite3_column_text(s, 9),
		.revealed = sqlite3_column_int(s, 10) != 0,
		.scale = int_or_null(s, 11),
		.max_entries = int_or_null(s, 12),
		.opened_at = int_or_null(s, 13),
		.closed_at = int_or_null(s, 14),
	};
	sqlite3_stmt *o = NULL;
	char **labels = NULL, *out = NULL;
	size_t n = 0, cap = 0;
	int rc = SQLITE_DONE;

	if (!strcmp(kind, "single") || !strcmp(kind, "multiple")) {
		if (sqlite3_prepare_v2(db, q_opts, -1, &o, NULL) != SQLITE_OK)
			return NULL;
		sqlite3_bind_int64(o, 1, h.id);
		while ((rc = sqlite3_step(o)) == SQLITE_ROW) {
			char *l;

			if (n == cap) {
				char **nl = realloc(labels, (cap ? cap * 2 : 8) * sizeof(*nl));

				if (!nl)
					break;
				labels = nl;
				cap = cap ? cap * 2 : 8;
			}
			if (!(l = strdup((const char *)sqlite3_column_text(o, 0))))
				break;
			labels[n++] = l;
		}
	}
	if (rc == SQLITE_DONE) {
		h.options = (const char *const *)labels;
		h.noptions = n;
		out = export_poll_head_json(&h);
	}
	for (size_t i = 0; i < n; i++)
		free(labels[i]);
	free(labels);
	sqlite3_finalize(o);
	return out;
}

static void head_free(struct poll_head *h)
{
	free(h->prompt);
	h->prompt = NULL;
}

/* Reads poll id into *h (and its JSON into *json when json is not NULL,
 * malloc'd). 1 found, 0 not found, -1 error. */
static int head_read(sqlite3 *db, int64_t id, struct poll_head *h, char **json)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	memset(h, 0, sizeof(*h));
	if (sqlite3_prepare_v2(db, Q_HEAD, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		h->id = sqlite3_column_int64(s, 0);
		h->session = sqlite3_column_int64(s, 1);
		h->course = sqlite3_column_int64(s, 2);
		snprintf(h->kind, sizeof(h->kind), "%s", (const char *)sqlite3_column_text(s, 3));
		h->prompt = strdup((const char *)sqlite3_column_text(s, 4));
		h->respondents = sqlite3_column_int64(s, 5);
		h->correct = sqlite3_column_type(s, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 6);
		h->t0 = sqlite3_column_int64(s, 7);
		rc = h->prompt ? 1 : -1;
		if (rc == 1 && json && !(*json = head_json(db, s)))
			rc = -1;
		break;
	case SQLITE_DONE:
		rc = 0;
		break;
	}
	sqlite3_finalize(s);
	if (rc != 1)
		head_free(h);
	return rc;
}

static int is_choice(const struct poll_head *h)
{
	return !strcmp(h->kind, "single") || !strcmp(h->kind, "multiple");
}

/* One results row; share is the percentage of respondents (NaN: none). */
static int result_row(struct export *x, const struct poll_head *h, const char *item, int64_t count, int correct)
{
	double share = h->respondents ? round(1000.0 * (double)count / (double)h->respondents) / 10.0 : NAN;
	int bad = export_int(x, h->id) | export_str(x, h->kind) | export_str(x, h->prompt) | export_str(x, item) |
		  export_int(x, count) | export_num(x, share);

	bad |= correct < 0 ? export_str(x, NULL) : export_bool(x, correct);
	return bad | export_row_end(x) ? -1 : 0;
}

/* The poll's results rows: options or scale values in order, groups by count. */
static int add_results(sqlite3 *db, struct export *x, const struct poll_head *h)
{
	static const char q_options[] = "SELECT idx, label, count FROM poll_options WHERE poll_id = ?1 ORDER BY idx";
	static const char q_groups[] =
		"SELECT (SELECT spelling FROM poll_spellings sp WHERE sp.poll_id = g.poll_id AND sp.key = g.key"
		"        ORDER BY sp.count DESC, sp.first_v LIMIT 1), g.count"
		"  FROM poll_groups g WHERE g.poll_id = ?1 AND g.count > 0 ORDER BY g.count DESC, g.first_v";
	int grouped = !strcmp(h->kind, "text") || !strcmp(h->kind, "words");
	sqlite3_stmt *s = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(db, grouped ? q_groups : q_options, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, h->id);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		if (grouped) {
			const char *text = (const char *)sqlite3_column_text(s, 0);

			rc = result_row(x, h, text ? text : "", sqlite3_column_int64(s, 1), -1);
		} else {
			int64_t idx = sqlite3_column_int64(s, 0);
			char value[24];
			const char *item = (const char *)sqlite3_column_text(s, 1);
			int correct = is_choice(h) && h->correct >= 0 && idx < 63 ? (int)((h->correct >> idx) & 1) : -1;

			if (!is_choice(h)) {            /* rating: the value itself */
				snprintf(value, sizeof(value), "%lld", (long long)idx + 1);
				item = value;
			}
			rc = result_row(x, h, item ? item : "", sqlite3_column_int64(s, 2), correct);
		}
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = -1;
	sqlite3_finalize(s);
	return rc;
}

/* The labels of the options set in choices, joined by "; " (malloc'd). */
static char *choice_labels(sqlite3 *db, int64_t poll, int64_t choices)
{
	static const char q[] =
		"SELECT group_concat(label, '; ') FROM (SELECT label FROM poll_options"
		" WHERE poll_id = ?1 AND idx < 63 AND (?2 >> idx) & 1 ORDER BY idx)";
	sqlite3_stmt *s = NULL;
	char *out = NULL;

	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_int64(s, 2, choices);
	if (sqlite3_step(s) == SQLITE_ROW)
		out = strdup(sqlite3_column_type(s, 0) == SQLITE_NULL ? "" : (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return out;
}

static int answer_row(struct export *x, const struct poll_head *h, const char *user, const char *name,
		      const char *answer, int removed, int64_t at_ms)
{
	int bad = export_int(x, h->id) | export_str(x, user) | export_str(x, name) | export_str(x, answer) |
		  export_bool(x, removed) | export_int(x, (at_ms - h->t0) / 1000);

	return bad | export_row_end(x) ? -1 : 0;
}

/* Each participant's answer to the poll (each entry, for a word cloud). */
static int add_answers(sqlite3 *db, struct export *x, const struct poll_head *h)
{
	static const char q_answers[] =
		"SELECT u.ext_id, u.name, a.choices, a.rating, a.text, a.updated_at"
		"  FROM poll_answers a JOIN users u ON u.id = a.user_id WHERE a.poll_id = ?1 ORDER BY a.updated_at, u.id";
	static const char q_entries[] =
		"SELECT u.ext_id, u.name, e.spelling, e.removed, e.created_at"
		"  FROM cloud_entries e JOIN users u ON u.id = e.user_id WHERE e.poll_id = ?1 ORDER BY e.id";
	int words = !strcmp(h->kind, "words");
	sqlite3_stmt *s = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(db, words ? q_entries : q_answers, -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, h->id);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *user = (const char *)sqlite3_column_text(s, 0);
		const char *name = (const char *)sqlite3_column_text(s, 1);
		char num[24], *labels = NULL;
		const char *answer = "";

		if (words) {
			rc = answer_row(x, h, user, name, (const char *)sqlite3_column_text(s, 2),
					sqlite3_column_int(s, 3), sqlite3_column_int64(s, 4));
			continue;
		}
		if (is_choice(h)) {
			if (!(labels = choice_labels(db, h->id, sqlite3_column_int64(s, 2)))) {
				rc = -1;
				break;
			}
			answer = labels;
		} else if (!strcmp(h->kind, "rating")) {
			snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(s, 3));
			answer = num;
		} else if (sqlite3_column_type(s, 4) != SQLITE_NULL) {
			answer = (const char *)sqlite3_column_text(s, 4);
		}
		rc = answer_row(x, h, user, name, answer, 0, sqlite3_column_int64(s, 5));
		free(labels);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = -1;
	sqlite3_finalize(s);
	return rc;
}

/* The ids of a session's polls that are not drafts (malloc'd), oldest first. */
static int64_t *session_polls(sqlite3 *db, int64_t session, size_t *n)
{
	static const char q[] = "SELECT id FROM polls WHERE session_id = ?1 AND opened_at IS NOT NULL ORDER BY id";
	sqlite3_stmt *s = NULL;
	int64_t *ids = NULL;
	size_t cap = 0;
	int step;

	*n = 0;
	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(s, 1, session);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			int64_t *ni = realloc(ids, (cap = cap ? cap * 2 : 16) * sizeof(*ids));

			if (!ni)
				break;
			ids = ni;
		}
		ids[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (step != SQLITE_DONE) {
		free(ids);
		*n = 0;
		return NULL;
	}
	return ids ? ids : calloc(1, sizeof(*ids));
}

/* Fills the export with the polls' results and, with answers, their answers. */
static int fill(sqlite3 *db, struct export *x, const int64_t *ids, size_t n, int answers)
{
	for (int pass = 0; pass < 1 + !!answers; pass++) {
		if (export_table(x, pass ? "answers" : "results", pass ? ANSWER_COLS : RESULT_COLS, pass ? 6 : 7))
			return -1;
		for (size_t i = 0; i < n; i++) {
			struct poll_head h;
			int rc = head_read(db, ids[i], &h, NULL);

			if (rc < 0)
				return -1;
			if (rc == 0)
				continue;
			rc = pass ? add_answers(db, x, &h) : add_results(db, x, &h);
			head_free(&h);
			if (rc)
				return -1;
		}
	}
	return 0;
}

/* The results of a poll (or of every opened poll of a session) as JSON or
 * CSV, with each participant's answers on request, for staff only, read on
 * its own connection in one transaction. Malloc'd, the caller frees it;
 * NULL with *code forbidden, not_found or internal and err. Over db, or
 * (db NULL) a connection of its own for path, closed at the end. */
static char *poll_export(sqlite3 *db, const char *path, int64_t id, int whole_session, const struct identity *who,
			 int answers, int csv, enum proto_err *code, char *err, size_t err_len)
{
	static const char q_session[] =
		"SELECT course_id, id, title, started_at FROM live_sessions WHERE id = ?1";
	sqlite3 *own = NULL;
	sqlite3_stmt *s = NULL;
	struct poll_head h = { 0 };
	struct export *x = NULL;
	char *head = NULL, *out = NULL;
	int64_t course = 0, *ids = NULL, one = id;
	size_t n = 1;
	int found;

	*code = PROTO_ERR_INTERNAL;
	err[0] = '\0';
	if (!db) {
		if (sqlite3_open_v2(path, &own, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
			snprintf(err, err_len, "cannot open the database");
			db = own;
			goto out;
		}
		db = own;
		sqlite3_busy_timeout(db, 5000);
	}
	/* One read transaction: the head, results and answers agree. */
	if (store__exec(db, "BEGIN") != SQLITE_OK)
		goto out;
	if (whole_session) {
		if (sqlite3_prepare_v2(db, q_session, -1, &s, NULL) != SQLITE_OK)
			goto out;
		sqlite3_bind_int64(s, 1, id);
		found = sqlite3_step(s) == SQLITE_ROW;
		if (found) {
			course = sqlite3_column_int64(s, 0);
			head = export_session_head_json(sqlite3_column_int64(s, 1), course,
							(const char *)sqlite3_column_text(s, 2), int_or_null(s, 3));
		}
	} else {
		found = head_read(db, id, &h, &head);
		if (found < 0)
			goto out;
		course = h.course;
	}
	if (!found) {
		*code = PROTO_ERR_NOT_FOUND;
		snprintf(err, err_len, whole_session ? "no such session" : "no such poll");
		goto out;
	}
	if (!head)
		goto out;
	if (!access_is_staff(who, course)) {
		*code = PROTO_ERR_FORBIDDEN;
		snprintf(err, err_len, "only staff of the course may export poll results");
		goto out;
	}
	if (whole_session && !(ids = session_polls(db, id, &n)))
		goto out;
	if (!(x = export_new(whole_session ? "session" : "poll", head)) ||
	    fill(db, x, whole_session ? ids : &one, n, answers))
		goto out;
	out = export_finish(x, csv, answers ? "answers" : "results");
	x = NULL;
	if (out)
		*code = PROTO_ERR_NONE;
out:
	if (!out && *code == PROTO_ERR_INTERNAL && !err[0])
		snprintf(err, err_len, "%s", db ? sqlite3_errmsg(db) : "out of memory");
	export_free(x);
	head_free(&h);
	free(head);
	free(ids);
	sqlite3_finalize(s);
	if (db && !sqlite3_get_autocommit(db))
		store__exec(db, "COMMIT");
	sqlite3_close(own);
	return out;
}

char *store_poll_export(const char *path, int64_t id, int whole_session, const struct identity *who, int answers,
			int csv, enum proto_err *code, char *err, size_t err_len)
{
	return poll_export(NULL, path, id, whole_session, who, answers, csv, code, err, err_len);
}

char *store_api_poll_export(struct store_conn *rd, int64_t id, int whole_session, const struct identity *who,
			    int answers, int csv, enum proto_err *code, char *err, size_t err_len)
{
	return poll_export(rd->db, NULL, id, whole_session, who, answers, csv, code, err, err_len);
}
