/*
 * search.c - search query words and result snippets (see search.h).
 *
 * The text is tokenized once (words_tokenize); each word whose key is one
 * of the query's is a match. Every match is tried as the anchor of a
 * window that starts a few words before it, and the window holding the
 * most distinct query words wins. At most SNIPPET_MAX_MATCHES matches are
 * looked at, so a post that repeats a word 50,000 times costs what one
 * repeating it 512 times does, plus one pass of tokenizing.
 */
#include <string.h>

#include <utf8proc.h>

#include "search.h"
#include "text.h"

#define SNIPPET_MAX_MATCHES 512
#define SNIPPET_LEAD_WORDS 6           /* words shown before the anchor, at most */

/* ---- the query ----------------------------------------------------------- */

struct parse_ctx {
	struct search_query *q;
};

static int add_term(void *arg, const char *key, size_t key_len, size_t start, size_t end)
{
	struct search_query *q = ((struct parse_ctx *)arg)->q;

	for (size_t i = 0; i < q->nterms; i++)
		if (q->term[i].key_len == key_len && memcmp(q->term[i].key, key, key_len) == 0) {
			q->ignored++;
			return 0;
		}
	if (q->nterms == SEARCH_MAX_TERMS || key_len >= sizeof(q->term[0].key)) {
		q->ignored++;
		return 0;
	}
	q->term[q->nterms].start = start;
	q->term[q->nterms].end = end;
	memcpy(q->term[q->nterms].key, key, key_len);
	q->term[q->nterms].key[key_len] = '\0';
	q->term[q->nterms].key_len = key_len;
	q->nterms++;
	return 0;
}

enum words_result search_query_parse(struct words *w, const char *q, size_t len,
				     struct search_query *out)
{
	struct parse_ctx ctx = { out };

	out->nterms = 0;
	out->ignored = 0;
	return words_tokenize(w, q, len, add_term, &ctx);
}

/* ---- matches ------------------------------------------------------------- */

struct match {
	size_t start, end;              /* the word */
	size_t lead;                    /* where a window anchored here starts */
	int term;
};

struct match_ctx {
	const struct search_query *q;
	const char *text;
	size_t max_chars;
	size_t recent[SNIPPET_LEAD_WORDS];  /* starts of the last words, a ring */
	size_t nwords;
	struct match m[SNIPPET_MAX_MATCHES];
	size_t n;
};

/* The earliest of the last words before `start` (at most
 * SNIPPET_LEAD_WORDS, within a quarter of the window) to start a window. */
static size_t lead_of(const struct match_ctx *c, size_t start)
{
	size_t have = c->nwords < SNIPPET_LEAD_WORDS ? c->nwords : SNIPPET_LEAD_WORDS;
	size_t budget = c->max_chars / 4;

	for (size_t k = have; k > 0; k--) {
		size_t at = c->recent[(c->nwords - k) % SNIPPET_LEAD_WORDS];

		if (text_utf8_chars(c->text + at, start - at) <= budget)
			return at;
	}
	return start;
}

static int find_match(void *arg, const char *key, size_t key_len, size_t start, size_t end)
{
	struct match_ctx *c = arg;

	for (size_t i = 0; i < c->q->nterms && c->n < SNIPPET_MAX_MATCHES; i++) {
		if (c->q->term[i].key_len != key_len || memcmp(c->q->term[i].key, key, key_len) != 0)
			continue;
		c->m[c->n].start = start;
		c->m[c->n].end = end;
		c->m[c->n].lead = lead_of(c, start);
		c->m[c->n].term = (int)i;
		c->n++;
		break;
	}
	c->recent[c->nwords % SNIPPET_LEAD_WORDS] = start;
	c->nwords++;
	return 0;
}

/* ---- windows --------------------------------------------------------------- */

static int32_t cp_at(const char *s, size_t len, size_t at)
{
	int32_t c = -1;

	utf8proc_iterate((const utf8proc_uint8_t *)s + at, (utf8proc_ssize_t)(len - at), &c);
	return c;
}

static size_t next_pos(const char *s, size_t len, size_t at)
{
	do
		at++;
	while (at < len && ((unsigned char)s[at] & 0xc0) == 0x80);
	return at;
}

static size_t prev_pos(const char *s, size_t at)
{
	do
		at--;
	while (at > 0 && ((unsigned char)s[at] & 0xc0) == 0x80);
	return at;
}

static int is_space(int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
	case UTF8PROC_CATEGORY_CC:
		return 1;
	default:
		return 0;
	}
}

/* The end of a window starting at `start`: at most max_chars code points
 * on, moved back so it cuts no word (unless one word fills the window)
 * and ends on no space. */
static size_t window_end(const char *s, size_t len, size_t start, size_t max_chars)
{
	size_t at = start, chars = 0, lim;

	if (max_chars == 0)
		return len;
	while (at < len && chars < max_chars) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + at,
						      (utf8proc_ssize_t)(len - at), &c);

		at += k > 0 ? (size_t)k : 1;
		chars++;
	}
	if (at >= len)
		lim = len;
	else {
		lim = at;
		while (lim > start && words_is_word_char(cp_at(s, len, lim)) &&
		       words_is_word_char(cp_at(s, len, prev_pos(s, lim))))
			lim = prev_pos(s, lim);
		if (lim == start)
			lim = at;       /* one word longer than the window */
	}
	while (lim > start && is_space(cp_at(s, len, prev_pos(s, lim))))
		lim = prev_pos(s, lim);
	return lim;
}

/* A window that reached the end of the text with room to spare: moved
 * back over whole words (never before `first`) while it still fits. */
static size_t extend_back(const char *s, size_t len, size_t first, size_t start, size_t max_chars)
{
	size_t chars = text_utf8_chars(s + start, len - start), at = start, best = start;

	while (at > first && chars < max_chars) {
		at = prev_pos(s, at);
		chars++;
		if (at == first || (words_is_word_char(cp_at(s, len, at)) &&
				    !words_is_word_char(cp_at(s, len, prev_pos(s, at)))))
			best = at;
	}
	return best;
}

/* How good the window [start, end) is: distinct terms first, then
 * matches. */
static long window_score(const struct match_ctx *c, size_t start, size_t end)
{
	unsigned seen = 0;
	long hits = 0, distinct = 0;

	for (size_t i = 0; i < c->n; i++) {
		if (c->m[i].start < start || c->m[i].end > end)
			continue;
		hits++;
		if (!(seen & (1u << c->m[i].term))) {
			seen |= 1u << c->m[i].term;
			distinct++;
		}
	}
	return distinct * (SNIPPET_MAX_MATCHES + 1) + hits;
}

static void add_part(struct snippet *out, size_t start, size_t end, int mark)
{
	if (end <= start)
		return;
	if (out->nparts > 0 && out->part[out->nparts - 1].mark == mark) {
		out->part[out->nparts - 1].end = end;
		return;
	}
	out->part[out->nparts].start = start;
	out->part[out->nparts].end = end;
	out->part[out->nparts].mark = mark;
	out->nparts++;
}

enum words_result snippet_make(struct words *w, const char *text, size_t len,
			       const struct search_query *query, size_t max_chars,
			       struct snippet *out)
{
	struct match_ctx c;             /* about 16 KiB */
	enum words_result res;
	size_t first = 0, start, end, pos;
	long best = -1;

	memset(out, 0, sizeof(*out));
	c.q = query;
	c.text = text;
	c.max_chars = max_chars;
	c.nwords = 0;
	c.n = 0;
	res = words_tokenize(w, text, len, find_match, &c);
	if (res != WORDS_OK)
		return res;
	while (first < len && is_space(cp_at(text, len, first)))
		first = next_pos(text, len, first);
	start = first;

	for (size_t i = 0; i < c.n; i++) {
		size_t s = max_chars ? c.m[i].lead : 0;
		long score = window_score(&c, s, window_end(text, len, s, max_chars));

		if (score > best) {
			best = score;
			start = s;
		}
		if (!max_chars)
			break;
	}
	end = window_end(text, len, start, max_chars);
	if (max_chars && end == len)
		start = extend_back(text, len, first, start, max_chars);

	pos = start;
	for (size_t i = 0; i < c.n && out->nparts + 2 < SNIPPET_MAX_PARTS; i++) {
		if (c.m[i].start < start || c.m[i].end > end)
			continue;
		add_part(out, pos, c.m[i].start, 0);
		add_part(out, c.m[i].start, c.m[i].end, 1);
		pos = c.m[i].end;
	}
	add_part(out, pos, end, 0);
	out->cut_before = start > first;
	for (pos = end; pos < len; pos = next_pos(text, len, pos))
		if (!is_space(cp_at(text, len, pos)))
			break;
	out->cut_after = pos < len;
	return WORDS_OK;
}
