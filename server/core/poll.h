/*
 * poll.h - live polls, surveys and word clouds as plain data, and their
 * rules: what a poll definition may hold per kind, what an answer must look
 * like per kind, who may see results when, and the order results are shown.
 *
 * Pure: no I/O, no clock. The store asks these functions inside its write
 * transaction and the renderers turn the structs into JSON.
 */
#ifndef FORUMD_CORE_POLL_H
#define FORUMD_CORE_POLL_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/protocol_gen.h"

#define POLL_MAX_OPTIONS PROTO_MAX_POLL_OPTIONS
#define POLL_MAX_SCALE 10
#define POLL_MAX_COUNTS (POLL_MAX_OPTIONS > POLL_MAX_SCALE ? POLL_MAX_OPTIONS : POLL_MAX_SCALE)
#define POLL_DEFAULT_ENTRIES 3
#define POLL_DEFAULT_SCALE 5

enum poll_kind { POLL_SINGLE, POLL_MULTIPLE, POLL_RATING, POLL_TEXT, POLL_WORDS };
enum poll_visibility { POLL_VIS_LIVE, POLL_VIS_AFTER_ANSWER, POLL_VIS_ON_REVEAL, POLL_VIS_STAFF_ONLY };
enum poll_state { POLL_DRAFT, POLL_OPEN, POLL_CLOSED };

/* Names as on the wire and in the database, and back (-1: unknown). The
 * enum orders match poll.create's kind and visibility values. */
const char *poll_kind_name(enum poll_kind k);
const char *poll_visibility_name(enum poll_visibility v);
const char *poll_state_name(enum poll_state s);
int poll_kind_parse(const char *s);
int poll_visibility_parse(const char *s);
int poll_state_parse(const char *s);

/* A string that is not NUL-terminated. */
struct poll_text {
	const char *p;
	size_t len;
};

/* What poll.create asks for. poll_def_check fills in the defaults. */
struct poll_def {
	enum poll_kind kind;
	enum poll_visibility visibility;
	size_t noptions;
	struct poll_text options[POLL_MAX_OPTIONS];
	int has_options, has_min, has_max, has_scale, has_entries, has_correct;
	int64_t min_choices, max_choices, scale, max_entries;
	size_t ncorrect;
	int64_t correct[POLL_MAX_OPTIONS];
	/* out */
	uint32_t correct_mask;          /* bit i: option i is right */
};

/*
 * Checks a definition against its kind and fills in the defaults (single:
 * 1/1 choices; multiple: 1 and the number of options; rating: scale 5;
 * words: 3 entries). PROTO_ERR_NONE, or PROTO_ERR_BAD_FIELD with *field
 * naming the offending field and *why saying what is wrong (static strings).
 */
enum proto_err poll_def_check(struct poll_def *d, const char **field, const char **why);

/* The rules an answer is checked against (from the poll's row). */
struct poll_rules {
	enum poll_kind kind;
	int noptions, min_choices, max_choices, scale;
};

/* A participant's answer as sent: at most one of the three fits a kind. */
struct poll_answer_in {
	int has_choices, has_rating, has_text;
	size_t nchoices;
	const int64_t *choices;
	int64_t rating;
	const char *text;
	size_t text_len;
};

/*
 * Checks an answer against the poll's kind. single/multiple want choices
 * (distinct option indexes, between min_choices and max_choices of them; on
 * success *mask holds them as bits), rating wants rating in 1..scale, text
 * and words want non-blank text. PROTO_ERR_NONE, or PROTO_ERR_BAD_ANSWER
 * with *field and *why (static strings).
 */
enum proto_err poll_answer_check(const struct poll_rules *r, const struct poll_answer_in *a, uint32_t *mask,
				 const char **field, const char **why);

/*
 * May someone see a poll's results now? Staff always. Participants never
 * while it is a draft; then: live: yes; after_answer: once they answered,
 * or once revealed; on_reveal: once revealed; staff_only: never.
 */
int poll_results_visible(enum poll_visibility v, enum poll_state s, int revealed, int staff, int answered);

/* Results every participant may see, answered or not (live, or revealed
 * and not staff_only; never a draft): what a peer view's respondents and
 * the session room may carry. */
int poll_results_public(enum poll_visibility v, enum poll_state s, int revealed);

/* May a view carry the correct answer? Staff always, peers once revealed. */
int poll_correct_visible(int staff_view, int revealed);

/* A poll as rendered. Strings are borrowed from the caller. */
struct poll {
	int64_t id, session, course, survey, position;
	enum poll_kind kind;
	const char *prompt;
	size_t noptions;
	const char *options[POLL_MAX_OPTIONS];
	int min_choices, max_choices, scale, max_entries;   /* 0: not for this kind */
	int has_correct;
	uint32_t correct;
	enum poll_visibility visibility;
	enum poll_state state;
	int revealed;
	int64_t results_room, respondents, entries, results_v;
	int64_t created_at, opened_at, closed_at;           /* ms; 0: not yet */
	int64_t resets;                 /* poll.reset so far: every answer gone each time */
};

/* One group of a text poll's answers, or one word of a word cloud. */
struct poll_group {
	const char *key;                /* stable: what cloud.remove and cloud.merge name */
	const char *text;               /* the most common spelling */
	int64_t count;
	int64_t first_v;                /* when it first appeared (orders ties) */
};

/* A poll's results. */
struct poll_results {
	int64_t poll;
	enum poll_kind kind;
	int64_t respondents, entries;
	size_t ncounts;                 /* single/multiple: options; rating: scale; else 0 */
	int64_t counts[POLL_MAX_COUNTS];
	size_t ngroups;                 /* text, words: at most PROTO_MAX_RESULT_ITEMS */
	struct poll_group *groups;      /* borrowed */
};

/* A survey: an ordered set of polls of one session. */
struct poll_survey {
	int64_t id, session, course;
	const char *title;
	int64_t created_at;
	size_t npolls;
	const int64_t *polls;           /* ids in survey order; borrowed */
};

/* Someone's own answer to a poll, for `mine`. */
struct poll_mine {
	enum poll_kind kind;
	uint32_t choices;               /* single, multiple */
	int64_t rating;                 /* rating */
	const char *text;               /* text */
	size_t nentries;                /* words: entries still in the cloud */
	int64_t sent;                   /* words: entries sent, removed ones too (they count) */
	const char *const *entries;
};

/* Sorts groups for display: by count, most first, then by first appearance. */
void poll_groups_sort(struct poll_group *g, size_t n);

/* The mean rating of counts[0..scale) (index 0 is the value 1); 0 and
 * *has 0 with no answers. */
double poll_rating_mean(const int64_t *counts, size_t scale, int *has);

/*
 * The grouping form of an open text answer: NFC, white space trimmed and
 * collapsed to one space, and with fold set case folded (the key; without,
 * the spelling shown). Writes at most cap bytes with the NUL; returns the
 * length, or -1 if it does not fit or the text is not UTF-8.
 */
long poll_text_norm(const char *s, size_t len, int fold, char *out, size_t cap);

#endif
