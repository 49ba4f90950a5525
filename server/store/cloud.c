/*
 * cloud.c - word clouds inside the writer's transaction: one entry
 * normalized in the course's language (the writer keeps a normalizer per
 * language with that language's blocked words), and staff removing or
 * merging words.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "core/poll.h"
#include "core/words.h"
#include "internal.h"
#include "polls.h"
#include "proto/render_poll.h"

/* ------------------------------------------------------------------------- */
/* Word clouds: entries                                                      */
/* ------------------------------------------------------------------------- */

/* The writer's normalizer for a course's language, with that language's
 * blocked words, reloaded when the blocked list changed; NULL on failure. */
static struct words *cloud_words(struct store *st, int64_t course)
{
	static const char q_lang[] = "SELECT lang FROM courses WHERE id = ?1";
	static const char q_v[] = "SELECT value FROM counters WHERE name = 'blocked_words'";
	static const char q_words[] = "SELECT word FROM blocked_words WHERE lang = ?1";
	static const char *const langs[] = { "en", "es", "pt" };
	sqlite3_stmt *s = store__row_by_id(&st->wcache, st->wdb, q_lang, course);
	int lang = WORDS_EN;
	int64_t v = 0;
	struct words *w;

	assert(store__on_writer(st));
	if (s) {
		const char *l = (const char *)sqlite3_column_text(s, 0);

		lang = !strcmp(l, "es") ? WORDS_ES : !strcmp(l, "pt") ? WORDS_PT : WORDS_EN;
		sqlite3_reset(s);
	}
	if (!(s = store__stmt(&st->wcache, st->wdb, q_v)))
		return NULL;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (st->words[lang] && st->words_v[lang] == v)
		return st->words[lang];
	if (!(w = words_new((enum words_lang)lang)) || !(s = store__stmt(&st->wcache, st->wdb, q_words))) {
		words_free(w);
		return NULL;
	}
	sqlite3_bind_text(s, 1, langs[lang], -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		words_block(w, (const char *)sqlite3_column_text(s, 0));  /* a word that cannot be a key blocks nothing */
	sqlite3_reset(s);
	words_free(st->words[lang]);
	st->words[lang] = w;
	st->words_v[lang] = v;
	return w;
}

void store__poll_free(struct store *st)
{
	for (int i = 0; i < 3; i++) {
		words_free(st->words[i]);
		st->words[i] = NULL;
	}
}

/* Where staff sent a word: 0 none, 1 removed, 2 merged (into set). */
static int cloud_alias(struct store *st, int64_t poll, const char *key, char *into, size_t cap)
{
	static const char q[] = "SELECT into_key FROM cloud_aliases WHERE poll_id = ?1 AND key = ?2";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);
	int rc = 0;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		rc = sqlite3_column_type(s, 0) == SQLITE_NULL ? 1 : 2;
		if (rc == 2)
			snprintf(into, cap, "%s", (const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_reset(s);
	return rc;
}

/* One word-cloud entry, normalized in the course's language. */
enum proto_err store__cloud_answer(struct store *st, struct store_job *job, const struct poll *p,
				  const struct poll_answer_in *in, int64_t sent)
{
	static const char q_entry[] =
		"INSERT INTO cloud_entries(poll_id, user_id, key, spelling, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char q_count[] =
		"UPDATE polls SET entries = entries + 1, respondents = respondents + ?2 WHERE id = ?1";
	static const char q_live[] = "SELECT count(*) FROM cloud_entries WHERE poll_id = ?1 AND user_id = ?2 AND removed = 0";
	char key[WORDS_KEY_CAP], display[WORDS_DISPLAY_CAP], into[WORDS_KEY_CAP];
	struct words *w = cloud_words(st, p->course);
	enum words_result wr;
	int64_t live = 0;
	sqlite3_stmt *s;

	assert(store__on_writer(st));
	if (!w)
		return store__job_error(job, PROTO_ERR_INTERNAL, NULL, "the word normalizer failed");
	if (sent >= p->max_entries) {
		job->err.limit = p->max_entries;
		return store__job_error(job, PROTO_ERR_ENTRY_LIMIT, "text", "you have sent all your entries");
	}
	wr = words_normalize(w, in->text, in->text_len, key, sizeof(key), display, sizeof(display));
	switch (wr) {
	case WORDS_OK:
		break;
	case WORDS_TOO_LONG:
		store__job_error(job, PROTO_ERR_TOO_LONG, "text", "an entry is at most 40 characters");
		job->err.limit = PROTO_MAX_WORD_CHARS;
		return PROTO_ERR_TOO_LONG;
	case WORDS_EMPTY:
		return store__job_error(job, PROTO_ERR_WORD_REFUSED, "text", "empty: nothing left once normalized");
	case WORDS_STOPWORD:
		return store__job_error(job, PROTO_ERR_WORD_REFUSED, "text", "stop word: only common words");
	case WORDS_BLOCKED:
		return store__job_error(job, PROTO_ERR_WORD_REFUSED, "text", "blocked: holds a blocked word");
	case WORDS_BAD_UTF8:
		return store__job_error(job, PROTO_ERR_BAD_ANSWER, "text", "the text is not valid");
	case WORDS_NOMEM:
	case WORDS_STOPPED:
		return store__job_error(job, PROTO_ERR_INTERNAL, NULL, "out of memory");
	}
	switch (cloud_alias(st, p->id, key, into, sizeof(into))) {
	case -1:
		return PROTO_ERR_INTERNAL;
	case 1:
		return store__job_error(job, PROTO_ERR_WORD_REFUSED, "text", "removed: staff removed this word");
	case 2:
		snprintf(key, sizeof(key), "%s", into);
		break;
	}
	if (!(s = store__stmt(&st->wcache, st->wdb, q_live)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, p->id);
	sqlite3_bind_int64(s, 2, job->uid);
	if (sqlite3_step(s) == SQLITE_ROW)
		live = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (!(s = store__stmt(&st->wcache, st->wdb, q_entry)))
		return PROTO_ERR_INTERNAL;
	sqlite3_bind_int64(s, 1, p->id);
	sqlite3_bind_int64(s, 2, job->uid);
	sqlite3_bind_text(s, 3, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, display, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, job->now_ms);
	if (store__step_done(s) || store__poll_group_add(st, p->id, key, display, 1, p->results_v + 1) ||
	    store__poll_exec2(st, q_count, p->id, live == 0))
		return PROTO_ERR_INTERNAL;
	return PROTO_ERR_NONE;
}

/* ------------------------------------------------------------------------- */
/* Word clouds: staff                                                        */
/* ------------------------------------------------------------------------- */

static int64_t group_count(struct store *st, int64_t poll, const char *key)
{
	static const char q[] = "SELECT count FROM poll_groups WHERE poll_id = ?1 AND key = ?2";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);
	int64_t n = 0;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

/* Adds n to the count of an existing group. */
static int group_grow(struct store *st, int64_t poll, const char *key, int64_t n)
{
	static const char q[] = "UPDATE poll_groups SET count = count + ?3 WHERE poll_id = ?1 AND key = ?2";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, n);
	return store__step_done(s);
}

static int exec_key(struct store *st, const char *sql, int64_t poll, const char *a, const char *b)
{
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, sql);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(s, 3, b, -1, SQLITE_STATIC);
	return store__step_done(s);
}

enum proto_err store__cloud_op(struct store *st, struct store_job *job, char **result)
{
	static const char q_remove[] =
		"UPDATE cloud_entries SET removed = 1 WHERE poll_id = ?1 AND key = ?2 AND removed = 0";
	static const char q_rekey[] = "UPDATE cloud_entries SET key = ?3 WHERE poll_id = ?1 AND key = ?2 AND removed = 0";
	static const char q_drop_group[] = "DELETE FROM poll_groups WHERE poll_id = ?1 AND key = ?2";
	static const char q_drop_spell[] = "DELETE FROM poll_spellings WHERE poll_id = ?1 AND key = ?2";
	static const char q_alias[] =
		"INSERT INTO cloud_aliases(poll_id, key, into_key) VALUES (?1, ?2, ?3)"
		" ON CONFLICT(poll_id, key) DO UPDATE SET into_key = excluded.into_key";
	static const char q_realias[] = "UPDATE cloud_aliases SET into_key = ?3 WHERE poll_id = ?1 AND into_key = ?2";
	static const char q_counts[] =
		"UPDATE polls SET entries = (SELECT count(*) FROM cloud_entries WHERE poll_id = ?1 AND removed = 0),"
		" respondents = (SELECT count(DISTINCT user_id) FROM cloud_entries WHERE poll_id = ?1 AND removed = 0)"
		" WHERE id = ?1";
	int merge = job->req.op == PROTO_OP_CLOUD_MERGE;
	const char *word = job->req.f[PF_CLOUD_REMOVE_WORD].u.s.p;
	const char *into = merge ? job->req.f[PF_CLOUD_MERGE_INTO].u.s.p : NULL;
	char reason[2 * 512 + 8];
	int64_t n, total = 0;
	struct poll_row r;
	enum proto_err rc;

	assert(store__on_writer(st));
	if ((rc = store__poll_facts(st, job, job->req.f[0].u.i, &r)) != PROTO_ERR_NONE)
		return rc;
	if ((rc = store__need_staff(job, r.p.course)) != PROTO_ERR_NONE)
		goto out;
	if (r.p.kind != POLL_WORDS) {
		rc = store__job_error(job, PROTO_ERR_BAD_FIELD, "poll", "not a word cloud");
		goto out;
	}
	if (merge && strcmp(word, into) == 0) {
		rc = store__job_error(job, PROTO_ERR_BAD_FIELD, "into", "a word cannot be merged into itself");
		goto out;
	}
	if ((n = group_count(st, r.p.id, word)) <= 0) {
		rc = n < 0 ? PROTO_ERR_INTERNAL : store__job_error(job, PROTO_ERR_NOT_FOUND, "word", "no such word here");
		goto out;
	}
	if (merge && (total = group_count(st, r.p.id, into)) <= 0) {
		rc = total < 0 ? PROTO_ERR_INTERNAL : store__job_error(job, PROTO_ERR_NOT_FOUND, "into", "no such word here");
		goto out;
	}
	if (merge) {
		total += n;
		snprintf(reason, sizeof(reason), "%s -> %s", word, into);
		if (exec_key(st, q_rekey, r.p.id, word, into) || exec_key(st, q_realias, r.p.id, word, into) ||
		    group_grow(st, r.p.id, into, n)) {
			rc = PROTO_ERR_INTERNAL;
			goto out;
		}
	} else {
		snprintf(reason, sizeof(reason), "%s", word);
		if (exec_key(st, q_remove, r.p.id, word, NULL) || exec_key(st, q_realias, r.p.id, word, NULL)) {
			rc = PROTO_ERR_INTERNAL;
			goto out;
		}
		total = n;              /* the group counted exactly its entries not yet removed */
	}
	if (exec_key(st, q_drop_group, r.p.id, word, NULL) || exec_key(st, q_drop_spell, r.p.id, word, NULL) ||
	    exec_key(st, q_alias, r.p.id, word, into) || store__poll_exec2(st, q_counts, r.p.id, 0) ||
	    store__poll_results_state(st, job, r.p.id) ||
	    store__audit_add(st, job, r.p.course, merge ? "cloud.merge" : "cloud.remove", "poll", r.p.id, reason)) {
		rc = PROTO_ERR_INTERNAL;
		goto out;
	}
	*result = render_result_cloud(r.p.id, merge ? into : word, merge ? "count" : "removed", total);
	if (!*result)
		rc = PROTO_ERR_INTERNAL;
out:
	store__poll_row_free(&r);
	return rc;
}
