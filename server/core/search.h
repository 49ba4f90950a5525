/*
 * search.h - search queries, result snippets and hits.
 *
 * A query is what a participant typed in the search box. It is never
 * handed to the index's query language as it is: search_query_parse picks
 * out its words (the same words words_tokenize finds in posts) and the
 * store quotes each one, so characters that mean something to a query
 * language ("*", "NEAR(", "-", unbalanced quotes) are only text.
 *
 * A snippet is the part of a post that best shows why it matched: a
 * window of at most a given number of characters holding the most of the
 * query's words, cut at word boundaries, as a list of parts that are
 * either plain text or a match (to be marked). Offsets are bytes into the
 * caller's text; nothing is copied.
 *
 * Pure: no I/O. A struct words belongs to one thread at a time (it holds
 * a stemmer), so these functions do too.
 */
#ifndef FORUMD_CORE_SEARCH_H
#define FORUMD_CORE_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "forum.h"
#include "protocol/protocol_gen.h"
#include "words.h"

#define SEARCH_MAX_TERMS PROTO_SEARCH_TERMS_MAX   /* words of a query that count; more are ignored */
#define SNIPPET_MAX_PARTS 33           /* plain and marked parts of one snippet */

/* One word of a query: where it is in the query text, and its key. */
struct search_term {
	size_t start, end;              /* bytes in the query text */
	char key[WORDS_KEY_CAP];
	size_t key_len;
};

struct search_query {
	struct search_term term[SEARCH_MAX_TERMS];
	size_t nterms;                  /* 0: nothing to search for */
	size_t ignored;                 /* words past SEARCH_MAX_TERMS, or repeated */
};

/*
 * Finds the words of query text q[0..len) into *out: at most
 * SEARCH_MAX_TERMS distinct keys, in the order typed. Returns WORDS_OK
 * (out->nterms may be 0: nothing but punctuation), WORDS_BAD_UTF8 or
 * WORDS_NOMEM.
 */
enum words_result search_query_parse(struct words *w, const char *q, size_t len,
				     struct search_query *out);

struct snippet_part {
	size_t start, end;              /* bytes in the text */
	int mark;                       /* 1: a word of the query */
};

struct snippet {
	int cut_before, cut_after;      /* text was left out before / after */
	size_t nparts;
	struct snippet_part part[SNIPPET_MAX_PARTS];
};

/*
 * Picks the window of text[0..len) (at most max_chars code points; 0: the
 * whole text) that holds the most distinct words of query (then the most
 * matches, then the earliest), and splits it into plain and marked parts
 * into *out. Without any match the window is the start of the text. A
 * window never cuts a word, unless the word alone is longer than
 * max_chars. Returns WORDS_OK, WORDS_BAD_UTF8 or WORDS_NOMEM.
 */
enum words_result snippet_make(struct words *w, const char *text, size_t len,
			       const struct search_query *query, size_t max_chars,
			       struct snippet *out);

/*
 * One search result: a post (its author and state, for the view it is
 * rendered in), its thread's title, kind and answered flag, and the
 * snippets of its text and, on a thread's opening post, of the title.
 * The strings and snippets point into storage owned by whoever filled it.
 */
struct search_hit {
	struct forum_post post;
	int64_t course;
	const char *title;            /* the thread's title */
	const char *kind;             /* discussion, question */
	int answered;
	struct snippet body_snippet;  /* into post.body; no parts when the view may not read it */
	struct snippet title_snippet; /* into title, the whole title */
};

#endif
