/*
 * export.h - tables for downloads: rows of named, typed cells rendered as
 * JSON or as CSV.
 *
 * An export is a head (a JSON object describing what was exported, such as
 * the poll) and one or more named tables. As JSON it becomes
 *
 *     {"<head name>": <head>, "<table>": [{"<col>": cell, ...}, ...], ...}
 *
 * and as CSV the rows of one chosen table under a header line. CSV cells
 * are quoted as RFC 4180 asks and a cell that a spreadsheet would run as a
 * formula (it starts with = + - @, a tab or a CR) gets a leading ', so it
 * is shown instead (export_csv_cell).
 *
 * The store fills tables from its rows; nothing here knows SQL.
 */
#ifndef FORUMD_PROTO_EXPORT_H
#define FORUMD_PROTO_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#define EXPORT_MAX_COLS 16

struct export;

/*
 * A new export whose head is the JSON object text head_json (copied; NULL
 * or unparsable: an empty object), named head_name. NULL on OOM. The
 * caller frees it with export_free, or hands it to export_finish.
 */
struct export *export_new(const char *head_name, const char *head_json);

/*
 * Starts table `name` with ncols columns named by cols (copied). Later
 * cells and rows go to this table. Returns 0, or -1 (OOM, too many
 * columns, or the previous table has an unfinished row).
 */
int export_table(struct export *e, const char *name, const char *const *cols, int ncols);

/* The next cell of the current row: a string (NULL: null), an integer, a
 * number (NaN or an infinity: null, as JSON has no form for them) or a
 * boolean. -1 past the row's last column or on OOM. */
int export_str(struct export *e, const char *s);
int export_int(struct export *e, int64_t v);
int export_num(struct export *e, double v);
int export_bool(struct export *e, int v);

/* Ends the current row; -1 unless every column got a cell. */
int export_row_end(struct export *e);

/*
 * Renders the export and frees it. csv 0: the JSON object above; csv 1:
 * the table named csv_table (header line, then its rows, CRLF line ends).
 * Returns malloc'd NUL-terminated text the caller frees, or NULL on OOM,
 * an unknown table or an earlier failed call (the export is freed anyway).
 */
char *export_finish(struct export *e, int csv, const char *csv_table);

/* An exported poll's head, as the store reads it. Strings are borrowed;
 * EXPORT_NULL in an integer field: no value (null). */
#define EXPORT_NULL INT64_MIN
struct export_poll_head {
	int64_t id, session, course;
	const char *kind, *prompt, *state, *visibility;
	int revealed;
	int64_t respondents, scale, max_entries, opened_at, closed_at;
	const char *const *options;   /* choice polls' labels in order; others none */
	size_t noptions;
};

/* The head of a poll export, {"id", "session", "course", "kind", "prompt",
 * "state", "visibility", "revealed", "respondents", "scale", "max_entries",
 * "options", "opened_at", "closed_at"}, as malloc'd JSON text; NULL on OOM. */
char *export_poll_head_json(const struct export_poll_head *h);

/* The head of a session's poll export, {"id", "course", "title",
 * "started_at"} (started_at EXPORT_NULL: null), malloc'd; NULL on OOM. */
char *export_session_head_json(int64_t id, int64_t course, const char *title, int64_t started_at);

/* Frees an export that will not be finished. NULL is allowed. */
void export_free(struct export *e);

/*
 * Writes cell as one CSV field into out (cap bytes with its NUL): quoted
 * when it holds a comma, quote, CR or LF (or starts with a tab), quotes
 * doubled, and a leading ' when it starts with = + - @, a tab or a CR.
 * Returns the bytes written, or -1 when out is too small.
 */
int export_csv_cell(char *out, size_t cap, const char *cell);

#endif
