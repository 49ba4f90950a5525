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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "core/search.h"
#include "core/view.h"
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

/* ------------------------------------------------------------------------- */
/* Searching (a read)                                                         */
/* ------------------------------------------------------------------------- */

#define SEARCH_SNIPPET_CHARS 200

/* The query of one language's index. Columns: POST_COLUMNS (0-15), then the
 * thread's title, kind and answered, then the rank (lower is better). Hidden
 * posts are for staff only (?3); deleted ones are not in the index. */
#define SEARCH_QUERY(lang)                                                                   \
	"SELECT " POST_COLUMNS ", t.title, t.kind, t.answered, bm25(search_" lang ", 4.0, 1.0) AS r" \
	" FROM search_" lang " JOIN posts p ON p.id = search_" lang ".rowid"                 \
	" JOIN threads t ON t.id = p.thread_id JOIN users u ON u.id = p.author_id"            \
	" WHERE search_" lang " MATCH ?1 AND t.course_id = ?2"                                \
	" AND forum_thread_visible(t.state, ?3) AND (p.state = 'visible' OR (?3 AND p.state = 'hidden'))" \
	" AND (?4 IS NULL OR t.kind = ?4) AND (?5 = 0 OR p.author_id = ?6)"                   \
	" AND (?7 < 0 OR t.answered = ?7) AND (?8 IS NULL OR (r, p.id) > (?8, ?9))"           \
	" ORDER BY r, p.id LIMIT ?10"

static const char *const q_search[] = { SEARCH_QUERY("en"), SEARCH_QUERY("es"), SEARCH_QUERY("pt") };

static int search_error(struct proto_error *err, enum proto_err code, const char *field, const char *message)
{
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	snprintf(err->message, sizeof(err->message), "%s", message);
	return -1;
}

/* The course's language (0 en, 1 es, 2 pt) after the read access check. */
static enum proto_err search_course(sqlite3 *db, struct stmt_cache *c, const struct identity *who,
				    int64_t course, int64_t now_s, int *lang)
{
	static const char q[] = "SELECT lang, starts_at, ends_at FROM courses WHERE id = ?1";
	sqlite3_stmt *s = store__stmt(c, db, q);
	struct access_course ac = { .id = course };
	const char *l;
	enum proto_err rc = PROTO_ERR_NOT_FOUND;

	if (!s)
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, course);
	if (sqlite3_step(s) == SQLITE_ROW) {
		l = (const char *)sqlite3_column_text(s, 0);
		*lang = l && strcmp(l, "es") == 0 ? 1 : l && strcmp(l, "pt") == 0 ? 2 : 0;
		ac.starts_at = sqlite3_column_int64(s, 1);
		ac.ends_at = sqlite3_column_int64(s, 2);
		rc = access_check(who, &ac, now_s, 0);
	}
	sqlite3_reset(s);
	return rc;
}

/* "rank,post" of the last hit of a page; strict, so only our own cursors parse. */
static int search_cursor_parse(const char *s, double *rank, int64_t *post)
{
	char *end;
	long long id;

	errno = 0;
	*rank = strtod(s, &end);
	if (errno || end == s || *end != ',')
		return -1;
	s = end + 1;
	id = strtoll(s, &end, 10);
	if (errno || end == s || *end || id <= 0)
		return -1;
	*post = id;
	return 0;
}

/* A copy of text into the hit's arena (NUL-terminated); NULL on OOM. */
static char *hit_copy(char **arena, size_t *used, size_t cap, const char *text)
{
	size_t n = strlen(text ? text : "") + 1;
	char *out;

	if (*used + n > cap)
		return NULL;
	out = *arena + *used;
	memcpy(out, text ? text : "", n);
	*used += n;
	return out;
}

/* Copies the statement's row into hit h, its strings into one malloc'd
 * block h->post.body points at the start of. 0 or -1 (OOM). */
static int hit_fill(sqlite3_stmt *s, struct search_hit *h)
{
	struct forum_post p;
	size_t cap = 0, used = 0;
	char *arena;

	store__post_row(s, &p);
	cap = strlen(p.body) + strlen(p.author.ext_id) + strlen(p.author.name) + strlen(p.state) + 4 +
	      (size_t)sqlite3_column_bytes(s, 16) + (size_t)sqlite3_column_bytes(s, 17) + 2;
	if (!(arena = malloc(cap)))
		return -1;
	h->post = p;
	h->post.body = hit_copy(&arena, &used, cap, p.body);
	h->post.author.ext_id = hit_copy(&arena, &used, cap, p.author.ext_id);
	h->post.author.name = hit_copy(&arena, &used, cap, p.author.name);
	h->post.state = hit_copy(&arena, &used, cap, p.state);
	h->title = hit_copy(&arena, &used, cap, (const char *)sqlite3_column_text(s, 16));
	h->kind = hit_copy(&arena, &used, cap, (const char *)sqlite3_column_text(s, 17));
	h->answered = sqlite3_column_int(s, 18);
	assert(h->post.body == arena && h->kind);
	return 0;
}

void store_search_free(struct store_search_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free((char *)r->hits[i].post.body);   /* the start of the hit's arena */
	free(r->hits);
	r->hits = NULL;
	r->n = 0;
}

/* Snippets of each hit's body and, on opening posts, title: only of text the
 * view may read. */
static int search_snippets(struct words *w, struct store_search_result *r, struct view v)
{
	for (size_t i = 0; i < r->n; i++) {
		struct search_hit *h = &r->hits[i];

		memset(&h->body_snippet, 0, sizeof(h->body_snippet));
		memset(&h->title_snippet, 0, sizeof(h->title_snippet));
		if (view_sees_body(v, h->post.state, h->post.author.uid) &&
		    snippet_make(w, h->post.body, strlen(h->post.body), &r->query, SEARCH_SNIPPET_CHARS,
				 &h->body_snippet) != WORDS_OK)
			return -1;
		if (h->post.first &&
		    snippet_make(w, h->title, strlen(h->title), &r->query, 0, &h->title_snippet) != WORDS_OK)
			return -1;
	}
	return 0;
}

/* The MATCH expression: every word as typed, quoted (a word holds only
 * letters, marks, digits and apostrophes, never a quote), all required. */
static void search_match(const struct store_search_args *a, const struct search_query *q, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < q->nterms && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s\"%.*s\"", i ? " " : "",
				 (int)(q->term[i].end - q->term[i].start), a->q + q->term[i].start);

		used += n > 0 ? (size_t)n : 0;
	}
}

int store_search(struct store_conn *rd, const struct identity *who, int64_t uid, const struct store_search_args *a,
		 int64_t now_s, struct store_search_result *out, struct proto_error *err)
{
	sqlite3 *db = rd->db;
	struct stmt_cache *c = &rd->cache;
	int staff = access_is_staff(who, a->course), lang = 0, limit = a->limit, rc = -1, step;
	struct view v = view_of(staff, uid);
	struct words *w = NULL;
	char match[SEARCH_MAX_TERMS * (WORDS_TOKEN_MAX_BYTES + 3) + 1];
	double after_rank = 0;
	int64_t after_post = 0;
	enum proto_err acc;
	sqlite3_stmt *s;
	size_t cap;

	memset(out, 0, sizeof(*out));
	acc = search_course(db, c, who, a->course, now_s, &lang);
	if (acc != PROTO_ERR_NONE)
		return search_error(err, acc, "course", proto_errs[acc].code);
	if (a->cursor && search_cursor_parse(a->cursor, &after_rank, &after_post))
		return search_error(err, PROTO_ERR_BAD_CURSOR, "cursor", "not a cursor from this search");
	if (!(w = words_new((enum words_lang)lang)))
		return search_error(err, PROTO_ERR_INTERNAL, NULL, "out of memory");
	switch (search_query_parse(w, a->q, a->q_len, &out->query)) {
	case WORDS_OK:
		break;
	case WORDS_BAD_UTF8:
		search_error(err, PROTO_ERR_BAD_FIELD, "q", "not valid text");
		goto out;
	default:
		search_error(err, PROTO_ERR_INTERNAL, NULL, "out of memory");
		goto out;
	}
	if (out->query.nterms == 0) {
		search_error(err, PROTO_ERR_BAD_FIELD, "q", "no words to search for");
		goto out;
	}
	search_match(a, &out->query, match, sizeof(match));
	if (limit <= 0 || limit > PROTO_SEARCH_PAGE_MAX)
		limit = PROTO_SEARCH_PAGE_DEFAULT;
	cap = (size_t)limit;
	if (!(out->hits = calloc(cap, sizeof(*out->hits)))) {
		search_error(err, PROTO_ERR_INTERNAL, NULL, "out of memory");
		goto out;
	}
	if (!(s = store__stmt(c, db, q_search[lang]))) {
		search_error(err, PROTO_ERR_INTERNAL, NULL, "database error");
		goto out;
	}
	sqlite3_bind_text(s, 1, match, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, a->course);
	sqlite3_bind_int(s, 3, staff);
	if (a->kind)
		sqlite3_bind_text(s, 4, a->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 5, a->mine);
	sqlite3_bind_int64(s, 6, uid);
	sqlite3_bind_int(s, 7, a->answered);
	if (a->cursor) {
		sqlite3_bind_double(s, 8, after_rank);
		sqlite3_bind_int64(s, 9, after_post);
	}
	sqlite3_bind_int(s, 10, limit + 1);     /* one more: is there a next page? */
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (out->n == cap) {
			out->more = 1;
			break;
		}
		if (hit_fill(s, &out->hits[out->n])) {
			sqlite3_reset(s);
			search_error(err, PROTO_ERR_INTERNAL, NULL, "out of memory");
			goto out;
		}
		/* %.17g: the rank reads back as the same double. */
		snprintf(out->next, sizeof(out->next), "%.17g,%lld", sqlite3_column_double(s, 19),
			 (long long)out->hits[out->n].post.id);
		out->n++;
	}
	sqlite3_reset(s);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		search_error(err, PROTO_ERR_INTERNAL, NULL, "database error");
		goto out;
	}
	if (!out->more)
		out->next[0] = '\0';
	if (search_snippets(w, out, v)) {
		search_error(err, PROTO_ERR_INTERNAL, NULL, "out of memory");
		goto out;
	}
	out->view = v;
	rc = 0;
out:
	words_free(w);
	if (rc)
		store_search_free(out);
	return rc;
}
