/*
 * poll.c - the rules of polls: definitions and answers per kind, who sees
 * results when, and their order.
 */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "forum.h"
#include "poll.h"

static const char *const kind_names[] = { "single", "multiple", "rating", "text", "words" };
static const char *const visibility_names[] = { "live", "after_answer", "on_reveal", "staff_only" };
static const char *const state_names[] = { "draft", "open", "closed" };

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *poll_kind_name(enum poll_kind k)
{
	return (int)k >= 0 && (int)k < NELEM(kind_names) ? kind_names[k] : "";
}

const char *poll_visibility_name(enum poll_visibility v)
{
	return (int)v >= 0 && (int)v < NELEM(visibility_names) ? visibility_names[v] : "";
}

const char *poll_state_name(enum poll_state s)
{
	return (int)s >= 0 && (int)s < NELEM(state_names) ? state_names[s] : "";
}

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int poll_kind_parse(const char *s)
{
	return lookup(kind_names, NELEM(kind_names), s);
}

int poll_visibility_parse(const char *s)
{
	return lookup(visibility_names, NELEM(visibility_names), s);
}

int poll_state_parse(const char *s)
{
	return lookup(state_names, NELEM(state_names), s);
}

/* ------------------------------------------------------------------------- */
/* Definitions                                                               */
/* ------------------------------------------------------------------------- */

static enum proto_err bad(const char **field, const char **why, const char *f, const char *w)
{
	*field = f;
	*why = w;
	return PROTO_ERR_BAD_FIELD;
}

/* Fields that belong to other kinds must not be given. */
static enum proto_err check_absent(const struct poll_def *d, int choice, const char **field, const char **why)
{
	if (!choice && d->has_options && d->noptions)
		return bad(field, why, "options", "options are only for single and multiple choice polls");
	if (!choice && (d->has_min || d->has_max))
		return bad(field, why, d->has_min ? "min_choices" : "max_choices",
			   "min_choices and max_choices are only for choice polls");
	if (!choice && d->has_correct)
		return bad(field, why, "correct", "a correct answer is only for single and multiple choice polls");
	if (d->kind != POLL_RATING && d->has_scale)
		return bad(field, why, "scale", "scale is only for rating polls");
	if (d->kind != POLL_WORDS && d->has_entries)
		return bad(field, why, "max_entries", "max_entries is only for word clouds");
	return PROTO_ERR_NONE;
}

static enum proto_err check_choice(struct poll_def *d, const char **field, const char **why)
{
	int64_t n = (int64_t)d->noptions;

	if (!d->has_options || d->noptions < 2)
		return bad(field, why, "options", "a choice poll needs at least 2 options");
	if (d->noptions > POLL_MAX_OPTIONS)
		return bad(field, why, "options", "too many options");
	for (size_t i = 0; i < d->noptions; i++)
		if (!forum_text_present(d->options[i].p, d->options[i].len))
			return bad(field, why, "options", "an option is blank");
	if (d->kind == POLL_SINGLE) {
		if ((d->has_min && d->min_choices != 1) || (d->has_max && d->max_choices != 1))
			return bad(field, why, d->has_min && d->min_choices != 1 ? "min_choices" : "max_choices",
				   "a single choice poll takes exactly one choice");
		d->min_choices = d->max_choices = 1;
	} else {
		if (!d->has_min)
			d->min_choices = 1;
		if (!d->has_max)
			d->max_choices = n;
		if (d->min_choices < 1 || d->min_choices > n)
			return bad(field, why, "min_choices", "min_choices must be from 1 to the number of options");
		if (d->max_choices < d->min_choices || d->max_choices > n)
			return bad(field, why, "max_choices",
				   "max_choices must be from min_choices to the number of options");
	}
	d->correct_mask = 0;
	if (!d->has_correct)
		return PROTO_ERR_NONE;
	if (d->ncorrect == 0 || (d->kind == POLL_SINGLE && d->ncorrect != 1))
		return bad(field, why, "correct",
			   d->kind == POLL_SINGLE ? "a single choice poll has exactly one correct option"
						  : "name at least one correct option");
	for (size_t i = 0; i < d->ncorrect; i++) {
		if (d->correct[i] < 0 || d->correct[i] >= n)
			return bad(field, why, "correct", "a correct option is out of range");
		if (d->correct_mask & (1u << d->correct[i]))
			return bad(field, why, "correct", "a correct option is repeated");
		d->correct_mask |= 1u << d->correct[i];
	}
	return PROTO_ERR_NONE;
}

enum proto_err poll_def_check(struct poll_def *d, const char **field, const char **why)
{
	int choice = d->kind == POLL_SINGLE || d->kind == POLL_MULTIPLE;
	enum proto_err rc;

	*field = "";
	*why = "";
	if ((rc = check_absent(d, choice, field, why)) != PROTO_ERR_NONE)
		return rc;
	switch (d->kind) {
	case POLL_SINGLE:
	case POLL_MULTIPLE:
		return check_choice(d, field, why);
	case POLL_RATING:
		if (!d->has_scale)
			d->scale = POLL_DEFAULT_SCALE;
		if (d->scale != 5 && d->scale != 10)
			return bad(field, why, "scale", "scale must be 5 or 10");
		return PROTO_ERR_NONE;
	case POLL_WORDS:
		if (!d->has_entries)
			d->max_entries = POLL_DEFAULT_ENTRIES;
		if (d->max_entries < 1 || d->max_entries > PROTO_MAX_CLOUD_ENTRIES)
			return bad(field, why, "max_entries", "max_entries is out of range");
		return PROTO_ERR_NONE;
	case POLL_TEXT:
		return PROTO_ERR_NONE;
	}
	return bad(field, why, "kind", "no such kind");
}

/* ------------------------------------------------------------------------- */
/* Answers                                                                   */
/* ------------------------------------------------------------------------- */

static enum proto_err bad_answer(const char **field, const char **why, const char *f, const char *w)
{
	*field = f;
	*why = w;
	return PROTO_ERR_BAD_ANSWER;
}

enum proto_err poll_answer_check(const struct poll_rules *r, const struct poll_answer_in *a, uint32_t *mask,
				 const char **field, const char **why)
{
	*mask = 0;
	*field = "";
	*why = "";
	switch (r->kind) {
	case POLL_SINGLE:
	case POLL_MULTIPLE:
		if (a->has_rating || a->has_text)
			return bad_answer(field, why, a->has_rating ? "rating" : "text", "this poll takes choices");
		if (!a->has_choices)
			return bad_answer(field, why, "choices", "choices are missing");
		for (size_t i = 0; i < a->nchoices; i++) {
			if (a->choices[i] < 0 || a->choices[i] >= r->noptions)
				return bad_answer(field, why, "choices", "no such option");
			if (*mask & (1u << a->choices[i]))
				return bad_answer(field, why, "choices", "an option is chosen twice");
			*mask |= 1u << a->choices[i];
		}
		if ((int64_t)a->nchoices < r->min_choices)
			return bad_answer(field, why, "choices", "too few choices");
		if ((int64_t)a->nchoices > r->max_choices)
			return bad_answer(field, why, "choices", "too many choices");
		return PROTO_ERR_NONE;
	case POLL_RATING:
		if (a->has_choices || a->has_text)
			return bad_answer(field, why, a->has_choices ? "choices" : "text", "this poll takes a rating");
		if (!a->has_rating)
			return bad_answer(field, why, "rating", "the rating is missing");
		if (a->rating < 1 || a->rating > r->scale)
			return bad_answer(field, why, "rating", "the rating is outside the scale");
		return PROTO_ERR_NONE;
	case POLL_TEXT:
	case POLL_WORDS:
		if (a->has_choices || a->has_rating)
			return bad_answer(field, why, a->has_choices ? "choices" : "rating", "this poll takes text");
		if (!a->has_text)
			return bad_answer(field, why, "text", "the text is missing");
		if (!forum_text_present(a->text, a->text_len))
			return bad_answer(field, why, "text", "the text is blank");
		return PROTO_ERR_NONE;
	}
	return bad_answer(field, why, "poll", "no such kind");
}

/* ------------------------------------------------------------------------- */
/* Visibility                                                                */
/* ------------------------------------------------------------------------- */

int poll_results_visible(enum poll_visibility v, enum poll_state s, int revealed, int staff, int answered)
{
	if (staff)
		return 1;
	if (s == POLL_DRAFT)
		return 0;
	switch (v) {
	case POLL_VIS_LIVE:
		return 1;
	case POLL_VIS_AFTER_ANSWER:
		return answered || revealed;
	case POLL_VIS_ON_REVEAL:
		return revealed;
	case POLL_VIS_STAFF_ONLY:
		return 0;
	}
	return 0;
}

int poll_results_public(enum poll_visibility v, enum poll_state s, int revealed)
{
	return poll_results_visible(v, s, revealed, 0, 0);
}

int poll_correct_visible(int staff_view, int revealed)
{
	return staff_view || revealed;
}

/* ------------------------------------------------------------------------- */
/* Results                                                                   */
/* ------------------------------------------------------------------------- */

static int group_cmp(const void *a, const void *b)
{
	const struct poll_group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->first_v != y->first_v)
		return x->first_v < y->first_v ? -1 : 1;
	return strcmp(x->key, y->key);
}

void poll_groups_sort(struct poll_group *g, size_t n)
{
	if (n > 1)
		qsort(g, n, sizeof(*g), group_cmp);
}

double poll_rating_mean(const int64_t *counts, size_t scale, int *has)
{
	int64_t n = 0, sum = 0;

	for (size_t i = 0; i < scale; i++) {
		n += counts[i];
		sum += counts[i] * (int64_t)(i + 1);
	}
	*has = n > 0;
	return n > 0 ? (double)sum / (double)n : 0.0;
}

static int is_space(int32_t c)
{
	utf8proc_category_t cat = utf8proc_category(c);

	return c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || cat == UTF8PROC_CATEGORY_ZS ||
	       cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

long poll_text_norm(const char *s, size_t len, int fold, char *out, size_t cap)
{
	utf8proc_uint8_t *mapped = NULL;
	utf8proc_ssize_t n;
	size_t o = 0;
	int pending_space = 0;
	long rc = -1;

	n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &mapped,
			 UTF8PROC_STABLE | UTF8PROC_COMPOSE | (fold ? UTF8PROC_CASEFOLD : 0));
	if (n < 0)
		return -1;
	for (utf8proc_ssize_t i = 0; i < n;) {
		utf8proc_int32_t c;
		utf8proc_ssize_t step = utf8proc_iterate(mapped + i, n - i, &c);

		if (step <= 0)
			goto out;
		if (is_space(c)) {
			pending_space = o > 0;
		} else {
			if (pending_space) {
				if (o + 1 >= cap)
					goto out;
				out[o++] = ' ';
				pending_space = 0;
			}
			if (o + (size_t)step >= cap)
				goto out;
			memcpy(out + o, mapped + i, (size_t)step);
			o += (size_t)step;
		}
		i += step;
	}
	if (cap == 0)
		goto out;
	out[o] = '\0';
	rc = (long)o;
out:
	free(mapped);
	return rc;
}
