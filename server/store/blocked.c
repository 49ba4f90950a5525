/*
 * blocked.c - each course language's list of blocked words for word clouds,
 * kept by an admin (HTTP admin API and command line, own connection).
 *
 * A change replaces rows of blocked_words in one transaction; triggers bump
 * the counter 'blocked_words' with every row changed, and the writer thread
 * of every process reads that counter before it normalizes a word-cloud
 * entry and reloads its lists when it moved.
 *
 * Words are stored as the admin typed them (trimmed); matching is by the
 * normalizer's key (core/words.c), so blocking "idiota" also blocks
 * "Idiotas!". A word that normalizes to nothing is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/words.h"
#include "internal.h"
#include "proto/render_admin.h"

static enum words_lang words_lang_of(const char *lang)
{
	return !strcmp(lang, "es") ? WORDS_ES : !strcmp(lang, "pt") ? WORDS_PT : WORDS_EN;
}

/* lang's blocked words as {"lang", "words": [...]} over db (NULL: open one
 * for path, and close it); malloc'd, the caller frees it. NULL with err
 * set. */
static char *blocked_json(sqlite3 *db, const char *path, const char *lang, char *err, size_t err_len)
{
	static const char q[] = "SELECT word FROM blocked_words WHERE lang = ?1 ORDER BY word";
	sqlite3 *own = NULL;
	sqlite3_stmt *s = NULL;
	char **words = NULL, *out = NULL;
	size_t n = 0, cap = 0;
	int rc = SQLITE_ERROR;

	err[0] = '\0';
	if (!store__lang_valid(lang)) {
		snprintf(err, err_len, "the language must be en, es or pt");
		return NULL;
	}
	if (!db && !(db = own = store__open_rw(path, err, err_len)))
		return NULL;
	if (sqlite3_prepare_v2(db, q, -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, lang, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			char *w;

			if (n == cap) {
				char **nw = realloc(words, (cap ? cap * 2 : 32) * sizeof(*nw));

				if (!nw)
					break;
				words = nw;
				cap = cap ? cap * 2 : 32;
			}
			if (!(w = strdup((const char *)sqlite3_column_text(s, 0))))
				break;
			words[n++] = w;
		}
		if (rc == SQLITE_DONE)
			out = render_blocked_json(lang, (const char *const *)words, n);
	}
	if (!out)
		snprintf(err, err_len, "%s", rc == SQLITE_DONE || rc == SQLITE_ROW ? "out of memory" : sqlite3_errmsg(db));
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
	sqlite3_finalize(s);
	sqlite3_close(own);
	return out;
}

char *store_blocked_json(const char *path, const char *lang, char *err, size_t err_len)
{
	return blocked_json(NULL, path, lang, err, err_len);
}

char *store_api_blocked_json(struct store_conn *rd, const char *lang, char *err, size_t err_len)
{
	sqlite3 *db = store__conn_rw(rd, err, err_len);

	return db ? blocked_json(db, NULL, lang, err, err_len) : NULL;
}

/* Refuses a word that cannot block anything; 0 or -1 with err naming it. */
static int check_words(const char *lang, const char *const *words, size_t n, char *err, size_t err_len)
{
	struct words *w = words_new(words_lang_of(lang));
	int rc = 0;

	if (!w) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (words_block(w, words[i]) != 0) {
			snprintf(err, err_len, "\"%.60s\" is not a word that can be blocked", words[i]);
			rc = -1;
		}
	}
	words_free(w);
	return rc;
}

/* Runs sql with ?1 = lang, ?2 = word (NULL: unbound) and ?3 = now_ms when
 * the statement has it. 0 or -1. */
static int exec_lang_word(sqlite3 *db, const char *sql, const char *lang, const char *word, int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, lang, -1, SQLITE_STATIC);
		if (word)
			sqlite3_bind_text(s, 2, word, -1, SQLITE_STATIC);
		if (sqlite3_bind_parameter_count(s) >= 3)
			sqlite3_bind_int64(s, 3, now_ms);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(s);
	return rc;
}

/* Replaces, adds to or removes from lang's blocked words in one
 * transaction on its own connection, bumping the counter every writer
 * watches to reload its normalizer. A word that normalizes to nothing
 * refuses the whole change. 0, or -1 with err set. */
/* store_blocked_change over db (NULL: open one for path, and close it). */
static int blocked_change(sqlite3 *db, const char *path, const char *lang, enum store_blocked_mode mode,
			  const char *const *words, size_t n, int64_t now_ms, char *err, size_t err_len)
{
	static const char q_clear[] = "DELETE FROM blocked_words WHERE lang = ?1";
	static const char q_add[] = "INSERT OR IGNORE INTO blocked_words(lang, word, created_at) VALUES (?1, ?2, ?3)";
	static const char q_del[] = "DELETE FROM blocked_words WHERE lang = ?1 AND word = ?2";
	sqlite3 *own = NULL;
	int rc = -1;

	err[0] = '\0';
	if (!store__lang_valid(lang)) {
		snprintf(err, err_len, "the language must be en, es or pt");
		return -1;
	}
	if (mode != STORE_BLOCKED_REMOVE && check_words(lang, words, n, err, err_len))
		return -1;
	if (!db && !(db = own = store__open_rw(path, err, err_len)))
		return -1;
	if (store__exec(db, "BEGIN IMMEDIATE") != SQLITE_OK)
		goto out;
	if (mode == STORE_BLOCKED_REPLACE && exec_lang_word(db, q_clear, lang, NULL, now_ms))
		goto rollback;
	for (size_t i = 0; i < n; i++)
		if (exec_lang_word(db, mode == STORE_BLOCKED_REMOVE ? q_del : q_add, lang, words[i], now_ms))
			goto rollback;
	if (store__exec(db, "COMMIT") != SQLITE_OK)
		goto rollback;
	rc = 0;
	goto out;
rollback:
	snprintf(err, err_len, "%s", sqlite3_errmsg(db));
	store__exec(db, "ROLLBACK");
out:
	if (rc && !err[0])
		snprintf(err, err_len, "%s", sqlite3_errmsg(db));
	sqlite3_close(own);
	return rc;
}

int store_blocked_change(const char *path, const char *lang, enum store_blocked_mode mode,
			 const char *const *words, size_t n, int64_t now_ms, char *err, size_t err_len)
{
	return blocked_change(NULL, path, lang, mode, words, n, now_ms, err, err_len);
}

int store_api_blocked_change(struct store_conn *rd, const char *lang, enum store_blocked_mode mode,
			     const char *const *words, size_t n, int64_t now_ms, char *err, size_t err_len)
{
	sqlite3 *db = store__conn_rw(rd, err, err_len);

	return db ? blocked_change(db, NULL, lang, mode, words, n, now_ms, err, err_len) : -1;
}
