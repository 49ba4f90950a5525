/*
 * fuzz_export.c - libFuzzer target for the export writers (proto/export.c):
 * the input is read as a table (column names, then rows of typed cells:
 * strings, integers, doubles, booleans, nulls) and written both ways.
 *
 * Invariants: the JSON parses with cJSON and gives back every column name
 * and every cell (strings byte for byte, integers and finite doubles
 * exactly, NaN and infinities as null, an empty CSV field); the CSV parses back under strict
 * RFC 4180 rules into one header line and one record per row, each with one
 * field per column, every field the cell's text (a string behind a leading
 * ' when it starts with = + - @, a tab or a CR; booleans yes/no; null
 * empty). export_csv_cell never writes past its buffer.
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/text.h"
#include "proto/export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond,  \
				__FILE__, __LINE__);                               \
			abort();                                                   \
		}                                                                  \
	} while (0)

#define MAX_ROWS 48
#define MAX_STR 300

enum cell_kind { C_STR, C_INT, C_NUM, C_BOOL, C_NULL };

struct cell {
	enum cell_kind kind;
	char *s;                        /* C_STR */
	int64_t i;                      /* C_INT, C_BOOL */
	double d;                       /* C_NUM */
};

struct table {
	int ncols, nrows;
	char *cols[EXPORT_MAX_COLS];
	struct cell cells[MAX_ROWS][EXPORT_MAX_COLS];
};

struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t take_byte(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static uint64_t take_u64(struct input *in)
{
	uint64_t v = 0;

	for (int k = 0; k < 8; k++)
		v = v << 8 | take_byte(in);
	return v;
}

/* A string of the input's choosing as the store would hand one over: valid
 * UTF-8 without NUL (a NUL becomes 'x'; bytes of a broken sequence '?'). */
static char *take_str(struct input *in)
{
	size_t n = take_byte(in);
	char *s;

	if (n > in->left)
		n = in->left;
	if (n > MAX_STR)
		n = MAX_STR;
	s = malloc(n + 1);
	CHECK(s != NULL);
	memcpy(s, in->p, n);
	s[n] = '\0';
	in->p += n;
	in->left -= n;
	for (size_t k = 0; k < n; k++)
		if (s[k] == '\0')
			s[k] = 'x';
	if (!text_utf8_valid(s, n))
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)s[k] >= 0x80)
				s[k] = '?';
	return s;
}

static void read_table(struct input *in, struct table *t)
{
	t->ncols = 1 + take_byte(in) % EXPORT_MAX_COLS;
	for (int c = 0; c < t->ncols; c++) {
		char *name = take_str(in);

		/* The store's columns have distinct names (cells are looked up
		 * by name): suffix a repeated one until it is unique, since the
		 * input may already hold the suffixed name too. */
		for (;;) {
			int dup = 0;
			char *n2;

			for (int k = 0; k < c; k++)
				dup |= !strcmp(t->cols[k], name);
			if (!dup)
				break;
			n2 = malloc(strlen(name) + 8);
			CHECK(n2 != NULL);
			sprintf(n2, "%s#%d", name, c);
			free(name);
			name = n2;
		}
		t->cols[c] = name;
	}
	while (in->left && t->nrows < MAX_ROWS) {
		for (int c = 0; c < t->ncols; c++) {
			struct cell *x = &t->cells[t->nrows][c];
			uint64_t u;

			switch (take_byte(in) % 5) {
			case C_STR:
				x->kind = C_STR;
				x->s = take_str(in);
				break;
			case C_INT:
				/* Ids and counts: within what a double holds exactly. */
				x->kind = C_INT;
				x->i = (int64_t)(take_u64(in) % (1ULL << 53));
				if (take_byte(in) & 1)
					x->i = -x->i;
				break;
			case C_NUM:
				x->kind = C_NUM;
				u = take_u64(in);
				memcpy(&x->d, &u, sizeof(x->d));
				break;
			case C_BOOL:
				x->kind = C_BOOL;
				x->i = take_byte(in) & 1;
				break;
			default:
				x->kind = C_NULL;
				break;
			}
		}
		t->nrows++;
	}
}

static void free_table(struct table *t)
{
	for (int c = 0; c < t->ncols; c++)
		free(t->cols[c]);
	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++)
			free(t->cells[r][c].s);
}

static char *write_export(const struct table *t, int csv, const char *csv_table)
{
	struct export *e = export_new("head", "{\"what\":\"fuzz\"}");

	CHECK(e != NULL);
	CHECK(export_table(e, "rows", (const char *const *)t->cols, t->ncols) == 0);
	for (int r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			const struct cell *x = &t->cells[r][c];

			switch (x->kind) {
			case C_STR: CHECK(export_str(e, x->s) == 0); break;
			case C_INT: CHECK(export_int(e, x->i) == 0); break;
			case C_NUM: CHECK(export_num(e, x->d) == 0); break;
			case C_BOOL: CHECK(export_bool(e, (int)x->i) == 0); break;
			case C_NULL: CHECK(export_str(e, NULL) == 0); break;
			}
		}
		CHECK(export_row_end(e) == 0);
	}
	return export_finish(e, csv, csv_table);
}

static void check_json(const struct table *t, const char *text)
{
	cJSON *root = cJSON_ParseWithLength(text, strlen(text));
	const cJSON *rows, *row;
	int r = 0;

	CHECK(root != NULL && cJSON_IsObject(root));
	CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "head")));
	rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
	CHECK(cJSON_IsArray(rows) && cJSON_GetArraySize(rows) == t->nrows);
	cJSON_ArrayForEach(row, rows) {
		const cJSON *v = row->child;

		CHECK(cJSON_IsObject(row) && cJSON_GetArraySize(row) == t->ncols);
		for (int c = 0; c < t->ncols; c++, v = v->next) {
			const struct cell *x = &t->cells[r][c];

			CHECK(v != NULL && !strcmp(v->string, t->cols[c]));
			switch (x->kind) {
			case C_STR: CHECK(cJSON_IsString(v) && !strcmp(v->valuestring, x->s)); break;
			case C_INT: CHECK(cJSON_IsNumber(v) && v->valuedouble == (double)x->i); break;
			case C_NUM:
				if (isfinite(x->d))
					CHECK(cJSON_IsNumber(v) && v->valuedouble == x->d);
				else
					CHECK(cJSON_IsNull(v));
				break;
			case C_BOOL: CHECK(x->i ? cJSON_IsTrue(v) : cJSON_IsFalse(v)); break;
			case C_NULL: CHECK(cJSON_IsNull(v)); break;
			}
		}
		r++;
	}
	cJSON_Delete(root);
}

/* A string cell's text in CSV: a leading ' where a spreadsheet would see a formula. */
static char *csv_text(const char *s)
{
	int guard = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
	char *out = malloc(strlen(s) + 2);

	CHECK(out != NULL);
	sprintf(out, "%s%s", guard ? "'" : "", s);
	return out;
}

/* The text a cell must read back as from the CSV. */
static char *cell_text(const struct cell *x)
{
	char num[64];

	switch (x->kind) {
	case C_STR:
		return csv_text(x->s);
	case C_INT:
		snprintf(num, sizeof(num), "%" PRId64, x->i);
		return csv_text(num);   /* every cell is guarded, a negative number too */
	case C_NUM:
		if (!isfinite(x->d))
			return strdup("");
		if (fabs(x->d) < 9007199254740992.0 && x->d == floor(x->d))
			snprintf(num, sizeof(num), "%" PRId64, (int64_t)x->d);
		else
			snprintf(num, sizeof(num), "%.4g", x->d);
		return csv_text(num);
	case C_BOOL:
		return strdup(x->i ? "yes" : "no");
	default:
		return strdup("");
	}
}

/*
 * Reads the next CSV field at *pp (strict RFC 4180: a quoted field holds
 * anything with quotes doubled; an unquoted one holds no quote, CR or LF)
 * into a new string; *end is set to 1 when the field ended its record
 * (CRLF). Aborts on anything malformed.
 */
static char *csv_next(const char **pp, int *end)
{
	const char *p = *pp;
	size_t cap = strlen(p) + 1, n = 0;
	char *out = malloc(cap);

	CHECK(out != NULL);
	if (*p == '"') {
		for (p++;; p++) {
			CHECK(*p != '\0');      /* an unterminated quoted field */
			if (*p == '"') {
				if (p[1] == '"') {
					out[n++] = '"';
					p++;
					continue;
				}
				p++;
				break;
			}
			out[n++] = *p;
		}
	} else {
		for (; *p && *p != ',' && *p != '\r'; p++) {
			CHECK(*p != '"' && *p != '\n');
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	if (*p == ',') {
		*end = 0;
		p++;
	} else {
		CHECK(p[0] == '\r' && p[1] == '\n');
		*end = 1;
		p += 2;
	}
	*pp = p;
	return out;
}

static void check_csv(const struct table *t, const char *text)
{
	const char *p = text;

	for (int r = -1; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			int end;
			char *got = csv_next(&p, &end);
			char *want = r < 0 ? csv_text(t->cols[c]) : cell_text(&t->cells[r][c]);

			if (strcmp(got, want))
				fprintf(stderr, "row %d col %d: got [%s] want [%s]\n", r, c, got, want);
			CHECK(!strcmp(got, want));
			CHECK(end == (c == t->ncols - 1));
			free(got);
			free(want);
		}
	}
	CHECK(*p == '\0');
}

/* export_csv_cell into a buffer just big enough, and one byte short. */
static void check_cell_bounds(const char *s)
{
	size_t cap = strlen(s) * 2 + 4;
	char *out = malloc(cap);
	int n;

	CHECK(out != NULL);
	n = export_csv_cell(out, cap, s);
	CHECK(n >= 0 && (size_t)n == strlen(out));
	free(out);
	out = malloc((size_t)n + 1);
	CHECK(out != NULL);
	CHECK(export_csv_cell(out, (size_t)n + 1, s) == n);
	CHECK(export_csv_cell(out, (size_t)n, s) == -1);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct table *t = calloc(1, sizeof(*t));
	char *out;

	CHECK(t != NULL);
	read_table(&in, t);

	out = write_export(t, 0, NULL);
	CHECK(out != NULL);
	check_json(t, out);
	free(out);

	out = write_export(t, 1, "rows");
	CHECK(out != NULL);
	check_csv(t, out);
	free(out);

	CHECK(write_export(t, 1, "no such table") == NULL);

	for (int c = 0; c < t->ncols; c++)
		check_cell_bounds(t->cols[c]);
	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++)
			if (t->cells[r][c].kind == C_STR)
				check_cell_bounds(t->cells[r][c].s);
	free_table(t);
	free(t);
	return 0;
}
