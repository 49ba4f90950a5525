/*
 * export.c - download tables as JSON or CSV (see export.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonw.h"
#include "export.h"

#define EXPORT_MAX_TABLES 4

struct export_tab {
	char *name;
	char *cols[EXPORT_MAX_COLS];
	int ncols;
	cJSON *rows;                    /* borrowed: lives in root */
};

struct export {
	cJSON *root;
	struct export_tab tabs[EXPORT_MAX_TABLES];
	int ntabs;
	cJSON *row;                     /* the row being filled, owned until it ends */
	int ncells;
	int bad;                        /* a call failed: finish returns NULL */
};

struct export *export_new(const char *head_name, const char *head_json)
{
	struct export *e = calloc(1, sizeof(*e));
	cJSON *head;

	if (!e)
		return NULL;
	head = head_json ? cJSON_Parse(head_json) : NULL;
	if (!head || !cJSON_IsObject(head)) {
		cJSON_Delete(head);
		head = cJSON_CreateObject();
	}
	if (!head || !(e->root = cJSON_CreateObject()) || !cJSON_AddItemToObject(e->root, head_name, head)) {
		cJSON_Delete(head);     /* not taken by root */
		export_free(e);
		return NULL;
	}
	return e;
}

void export_free(struct export *e)
{
	if (!e)
		return;
	for (int t = 0; t < e->ntabs; t++) {
		free(e->tabs[t].name);
		for (int c = 0; c < e->tabs[t].ncols; c++)
			free(e->tabs[t].cols[c]);
	}
	cJSON_Delete(e->row);
	cJSON_Delete(e->root);
	free(e);
}

static struct export_tab *current(struct export *e)
{
	return e->ntabs ? &e->tabs[e->ntabs - 1] : NULL;
}

int export_table(struct export *e, const char *name, const char *const *cols, int ncols)
{
	struct export_tab *t;

	if (e->row || e->ntabs == EXPORT_MAX_TABLES || ncols < 1 || ncols > EXPORT_MAX_COLS)
		goto fail;
	t = &e->tabs[e->ntabs];
	memset(t, 0, sizeof(*t));
	if (!(t->name = strdup(name)))
		goto fail;
	e->ntabs++;             /* from here export_free frees what t holds */
	for (int c = 0; c < ncols; c++) {
		if (!(t->cols[c] = strdup(cols[c])))
			goto fail;
		t->ncols++;
	}
	if (!(t->rows = cJSON_AddArrayToObject(e->root, name)))
		goto fail;
	return 0;
fail:
	e->bad = 1;
	return -1;
}

/* Adds item (taken) as the current row's next cell. */
static int add_cell(struct export *e, cJSON *item)
{
	struct export_tab *t = current(e);

	if (!item || !t || e->ncells >= t->ncols)
		goto fail;
	if (!e->row && !(e->row = cJSON_CreateObject()))
		goto fail;
	if (!cJSON_AddItemToObject(e->row, t->cols[e->ncells], item))
		goto fail;
	e->ncells++;
	return 0;
fail:
	cJSON_Delete(item);
	e->bad = 1;
	return -1;
}

int export_str(struct export *e, const char *s)
{
	return add_cell(e, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

int export_int(struct export *e, int64_t v)
{
	return add_cell(e, cJSON_CreateNumber((double)v));
}

int export_num(struct export *e, double v)
{
	return add_cell(e, isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull());
}

int export_bool(struct export *e, int v)
{
	return add_cell(e, cJSON_CreateBool(v));
}

int export_row_end(struct export *e)
{
	struct export_tab *t = current(e);

	if (!t || !e->row || e->ncells != t->ncols) {
		e->bad = 1;
		return -1;
	}
	cJSON_AddItemToArray(t->rows, e->row);
	e->row = NULL;
	e->ncells = 0;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* CSV                                                                       */
/* ------------------------------------------------------------------------- */

int export_csv_cell(char *out, size_t cap, const char *cell)
{
	size_t n = 0;
	int quote = strpbrk(cell, ",\"\r\n") != NULL || cell[0] == '\t';
	int guard = cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
		    cell[0] == '\t' || cell[0] == '\r';

	if (cap == 0)
		return -1;      /* not even room for the terminator */
#define PUT(c) do { if (n + 1 >= cap) return -1; out[n++] = (c); } while (0)
	if (quote)
		PUT('"');
	if (guard)
		PUT('\'');
	for (const char *p = cell; *p; p++) {
		if (*p == '"')
			PUT('"');
		PUT(*p);
	}
	if (quote)
		PUT('"');
#undef PUT
	out[n] = '\0';
	return (int)n;
}

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t ncap = (b->cap ? b->cap * 2 : 4096) + n;
		char *np = realloc(b->p, ncap);

		if (!np)
			return -1;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* One field and its separator (a comma, or CRLF after the last). */
static int csv_field(struct buf *b, const char *v, int last)
{
	size_t need = strlen(v) * 2 + 4;
	char *cell = malloc(need);
	int n, rc;

	if (!cell)
		return -1;
	n = export_csv_cell(cell, need, v);
	rc = n < 0 ? -1 : buf_add(b, cell, (size_t)n);
	free(cell);
	return rc ? -1 : buf_add(b, last ? "\r\n" : ",", last ? 2 : 1);
}

/* A JSON cell as CSV text: strings as they are, numbers in full, booleans
 * as yes/no, null as an empty field. */
static int csv_value(struct buf *b, const cJSON *v, int last)
{
	char num[40];

	if (cJSON_IsString(v))
		return csv_field(b, v->valuestring, last);
	if (cJSON_IsBool(v))
		return csv_field(b, cJSON_IsTrue(v) ? "yes" : "no", last);
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		/* The range first: converting a double out of int64_t's range is undefined. */
		if (fabs(d) < 9007199254740992.0 && d == (double)(int64_t)d)
			snprintf(num, sizeof(num), "%" PRId64, (int64_t)d);
		else
			snprintf(num, sizeof(num), "%.4g", d);
		return csv_field(b, num, last);
	}
	return csv_field(b, "", last);
}

static char *render_csv(struct export *e, const char *table)
{
	struct export_tab *t = NULL;
	struct buf b = { 0 };
	const cJSON *row;
	int bad = 0;

	for (int i = 0; i < e->ntabs; i++)
		if (!strcmp(e->tabs[i].name, table))
			t = &e->tabs[i];
	if (!t)
		return NULL;
	for (int c = 0; c < t->ncols; c++)
		bad |= csv_field(&b, t->cols[c], c == t->ncols - 1);
	cJSON_ArrayForEach(row, t->rows) {
		for (int c = 0; c < t->ncols; c++)
			bad |= csv_value(&b, cJSON_GetObjectItemCaseSensitive(row, t->cols[c]), c == t->ncols - 1);
	}
	if (bad) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

char *export_finish(struct export *e, int csv, const char *csv_table)
{
	char *out = NULL;

	if (!e)
		return NULL;
	if (!e->bad && !e->row)
		out = csv ? render_csv(e, csv_table ? csv_table : "") : jsonw_print(e->root, NULL);
	export_free(e);
	return out;
}

/* ------------------------------------------------------------------------- */
/* Heads                                                                     */
/* ------------------------------------------------------------------------- */

/* name: v, or name: null for EXPORT_NULL; 0 or -1 (OOM). */
static int add_int_or_null(cJSON *o, const char *name, int64_t v)
{
	return (v == EXPORT_NULL ? cJSON_AddNullToObject(o, name) : cJSON_AddNumberToObject(o, name, (double)v)) ? 0
														     : -1;
}

/* Prints and frees o as malloc'd text; NULL on OOM. */
static char *print_head(cJSON *o)
{
	char *out = o ? jsonw_print(o, NULL) : NULL;

	cJSON_Delete(o);
	return out;
}

char *export_poll_head_json(const struct export_poll_head *h)
{
	cJSON *o = cJSON_CreateObject(), *opts;

	if (!o || !cJSON_AddNumberToObject(o, "id", (double)h->id) ||
	    !cJSON_AddNumberToObject(o, "session", (double)h->session) ||
	    !cJSON_AddNumberToObject(o, "course", (double)h->course) || !cJSON_AddStringToObject(o, "kind", h->kind) ||
	    !cJSON_AddStringToObject(o, "prompt", h->prompt) || !cJSON_AddStringToObject(o, "state", h->state) ||
	    !cJSON_AddStringToObject(o, "visibility", h->visibility) || !cJSON_AddBoolToObject(o, "revealed", h->revealed) ||
	    !cJSON_AddNumberToObject(o, "respondents", (double)h->respondents) ||
	    add_int_or_null(o, "scale", h->scale) || add_int_or_null(o, "max_entries", h->max_entries) ||
	    !(opts = cJSON_AddArrayToObject(o, "options")))
		goto fail;
	for (size_t i = 0; i < h->noptions; i++) {
		cJSON *l = cJSON_CreateString(h->options[i]);

		if (!l || !cJSON_AddItemToArray(opts, l)) {
			cJSON_Delete(l);
			goto fail;
		}
	}
	if (add_int_or_null(o, "opened_at", h->opened_at) || add_int_or_null(o, "closed_at", h->closed_at))
		goto fail;
	return print_head(o);
fail:
	cJSON_Delete(o);
	return NULL;
}

char *export_session_head_json(int64_t id, int64_t course, const char *title, int64_t started_at)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddNumberToObject(o, "id", (double)id) || !cJSON_AddNumberToObject(o, "course", (double)course) ||
	    !cJSON_AddStringToObject(o, "title", title) || add_int_or_null(o, "started_at", started_at)) {
		cJSON_Delete(o);
		return NULL;
	}
	return print_head(o);
}
