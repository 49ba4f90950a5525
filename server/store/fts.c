/*
 * fts.c - the "forumd" FTS5 tokenizer: core/words' folding and stemming as
 * the search index's words.
 *
 * One folding serves the word clouds and the search: a post's words are
 * indexed by the same keys words_normalize gives them, so "programacion"
 * finds "programación" and "programaciones" in a Spanish course, and a
 * query is tokenized exactly as the posts were. The tokenizer's one
 * argument is the language (en, es, pt):
 *
 *   CREATE VIRTUAL TABLE search_es USING fts5(title, body, tokenize = 'forumd es');
 *
 * Each table instance owns a normalizer (and its stemmer); SQLite uses a
 * connection from one thread at a time, so the instance is never shared
 * between threads.
 */
#include <stdlib.h>
#include <string.h>

#include "core/words.h"
#include "internal.h"

/* ---- one tokenizer instance ---------------------------------------------- */

struct fts_tokenizer {
	struct words *words;
};

static int fts_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
	struct fts_tokenizer *t;
	enum words_lang lang;

	(void)ctx;
	*out = NULL;
	if (argc != 1)
		return SQLITE_ERROR;
	if (strcmp(argv[0], "en") == 0)
		lang = WORDS_EN;
	else if (strcmp(argv[0], "es") == 0)
		lang = WORDS_ES;
	else if (strcmp(argv[0], "pt") == 0)
		lang = WORDS_PT;
	else
		return SQLITE_ERROR;
	t = calloc(1, sizeof(*t));
	if (!t)
		return SQLITE_NOMEM;
	t->words = words_new(lang);
	if (!t->words) {
		free(t);
		return SQLITE_NOMEM;
	}
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static void fts_delete(Fts5Tokenizer *tok)
{
	struct fts_tokenizer *t = (struct fts_tokenizer *)tok;

	if (!t)
		return;
	words_free(t->words);
	free(t);
}

struct fts_emit {
	void *ctx;
	int (*token)(void *ctx, int flags, const char *tok, int n, int start, int end);
	int rc;
};

static int fts_emit_word(void *arg, const char *key, size_t key_len, size_t start, size_t end)
{
	struct fts_emit *e = arg;

	e->rc = e->token(e->ctx, 0, key, (int)key_len, (int)start, (int)end);
	return e->rc != SQLITE_OK;
}

/*
 * Gives SQLite each word's key and byte range. Text that is not UTF-8 (the
 * store keeps only valid text, so only a query made by hand) yields no
 * words rather than an error: a write must not fail because of its index.
 */
static int fts_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int len,
			int (*token)(void *ctx, int tflags, const char *tok, int n, int start, int end))
{
	struct fts_tokenizer *t = (struct fts_tokenizer *)tok;
	struct fts_emit e = { ctx, token, SQLITE_OK };

	(void)flags;
	if (len <= 0)
		return SQLITE_OK;
	switch (words_tokenize(t->words, text, (size_t)len, fts_emit_word, &e)) {
	case WORDS_OK:
	case WORDS_BAD_UTF8:
		return SQLITE_OK;
	case WORDS_STOPPED:
		return e.rc;
	default:
		return SQLITE_NOMEM;
	}
}

/* ---- registration ------------------------------------------------------------ */

/* The connection's FTS5 API, or NULL when SQLite was built without FTS5. */
static fts5_api *fts_api(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(s, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(s);
	sqlite3_finalize(s);
	return api;
}

/* Registers the "forumd" tokenizer on db. SQLITE_OK or SQLite's error
 * code (SQLITE_ERROR without FTS5). Every connection that writes or
 * searches the index calls it once after opening. */
int store__fts_register(sqlite3 *db)
{
	static fts5_tokenizer tokenizer = { fts_create, fts_delete, fts_tokenize };
	fts5_api *api = fts_api(db);

	if (!api)
		return SQLITE_ERROR;
	return api->xCreateTokenizer(api, "forumd", NULL, &tokenizer, NULL);
}
