/*
 * test_coalesce.c - the latest-value store for state messages: versions,
 * per-key intervals, next_due, emission order, snapshots, dropping rooms,
 * growth and name limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/coalesce.h"

/* ---- an emit callback that records what it is given -------------------- */

struct rec {
	char room[COALESCE_NAME_MAX + 1];
	char key[COALESCE_NAME_MAX + 1];
	int64_t version;
	unsigned char *value;           /* owned copy */
	size_t len;
};

struct log {
	struct rec *items;
	size_t n, cap;
};

static void log_emit(void *arg, const char *room, const char *key,
                     int64_t version, const void *value, size_t len)
{
	struct log *lg = arg;
	struct rec *r;

	assert_true(strlen(room) <= COALESCE_NAME_MAX);
	assert_true(strlen(key) <= COALESCE_NAME_MAX);
	assert_non_null(value);
	if (lg->n == lg->cap) {
		lg->cap = lg->cap ? lg->cap * 2 : 16;
		lg->items = realloc(lg->items, lg->cap * sizeof(*lg->items));
		assert_non_null(lg->items);
	}
	r = &lg->items[lg->n++];
	strcpy(r->room, room);
	strcpy(r->key, key);
	r->version = version;
	r->len = len;
	r->value = malloc(len ? len : 1);
	assert_non_null(r->value);
	memcpy(r->value, value, len);
}

static void log_clear(struct log *lg)
{
	for (size_t i = 0; i < lg->n; i++)
		free(lg->items[i].value);
	lg->n = 0;
}

static void log_free(struct log *lg)
{
	log_clear(lg);
	free(lg->items);
	memset(lg, 0, sizeof(*lg));
}

/* Asserts that record i is (room, key, version) with the string value v. */
static void check_rec(const struct log *lg, size_t i, const char *room, const char *key,
                      int64_t version, const char *v)
{
	assert_true(i < lg->n);
	assert_string_equal(lg->items[i].room, room);
	assert_string_equal(lg->items[i].key, key);
	assert_int_equal(lg->items[i].version, version);
	assert_int_equal(lg->items[i].len, strlen(v));
	assert_memory_equal(lg->items[i].value, v, strlen(v));
}

/* An emit callback that only counts. */
static void count_emit(void *arg, const char *room, const char *key,
                       int64_t version, const void *value, size_t len)
{
	(*(size_t *)arg)++;
}

/* Updates with a NUL-terminated string value. */
static int put(struct coalesce *co, const char *room, const char *key, int64_t version,
               const char *v, int64_t now)
{
	return coalesce_update(co, room, key, version, v, strlen(v), now);
}

/* ---- fixture ----------------------------------------------------------- */

struct fx {
	struct coalesce *co;
	struct log lg;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->co = coalesce_new(1000);
	if (!fx->co) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	coalesce_free(fx->co);
	log_free(&fx->lg);
	free(fx);
	return 0;
}

/* ---- basics ------------------------------------------------------------ */

static void test_new_is_empty(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(coalesce_count(fx->co), 0);
	assert_int_equal(coalesce_next_due(fx->co), -1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 0);
	assert_int_equal(fx->lg.n, 0);
}

static void test_free_null_is_harmless(void **state)
{
	(void)state;
	coalesce_free(NULL);
}

static void test_update_then_flush_emits_once(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "session:1", "poll:7", 1, "{\"a\":1}", 100), 1);
	assert_int_equal(coalesce_count(fx->co), 1);
	assert_int_equal(coalesce_flush(fx->co, 100, log_emit, &fx->lg), 1);
	assert_int_equal(fx->lg.n, 1);
	check_rec(&fx->lg, 0, "session:1", "poll:7", 1, "{\"a\":1}");
	/* clean now: nothing more, even much later */
	assert_int_equal(coalesce_flush(fx->co, 100, log_emit, &fx->lg), 0);
	assert_int_equal(coalesce_flush(fx->co, 999999, log_emit, &fx->lg), 0);
	assert_int_equal(fx->lg.n, 1);
	assert_int_equal(coalesce_count(fx->co), 1);
}

static void test_flush_emits_latest_value(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "thread:9", "votes:3", 1, "{\"n\":1}", 10), 1);
	assert_int_equal(put(fx->co, "thread:9", "votes:3", 2, "{\"n\":2}", 11), 1);
	assert_int_equal(put(fx->co, "thread:9", "votes:3", 3, "{\"n\":3}", 12), 1);
	assert_int_equal(coalesce_flush(fx->co, 20, log_emit, &fx->lg), 1);
	check_rec(&fx->lg, 0, "thread:9", "votes:3", 3, "{\"n\":3}");
}

static void test_value_need_not_be_nul_terminated(void **state)
{
	struct fx *fx = *state;
	const char buf[] = { 'a', 'b', 0, 'c', 'X', 'X' };

	assert_int_equal(coalesce_update(fx->co, "r", "k", 1, buf, 4, 0), 1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 1);
	assert_int_equal(fx->lg.items[0].len, 4);
	assert_memory_equal(fx->lg.items[0].value, buf, 4);
}

static void test_empty_value(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(coalesce_update(fx->co, "r", "k", 1, NULL, 0, 0), 1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 1);
	assert_int_equal(fx->lg.items[0].len, 0);
}

/* ---- versions ---------------------------------------------------------- */

static void test_older_version_ignored(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "k", 5, "five", 0), 1);
	assert_int_equal(put(fx->co, "r", "k", 4, "four", 1), 0);
	assert_int_equal(put(fx->co, "r", "k", -1, "neg", 2), 0);
	assert_int_equal(coalesce_flush(fx->co, 3, log_emit, &fx->lg), 1);
	check_rec(&fx->lg, 0, "r", "k", 5, "five");
}

static void test_equal_version_ignored(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "k", 5, "first", 0), 1);
	assert_int_equal(put(fx->co, "r", "k", 5, "second", 1), 0);
	assert_int_equal(coalesce_flush(fx->co, 2, log_emit, &fx->lg), 1);
	check_rec(&fx->lg, 0, "r", "k", 5, "first");
}

static void test_ignored_update_does_not_dirty(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "k", 5, "five", 0), 1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 1);
	assert_int_equal(put(fx->co, "r", "k", 5, "again", 5000), 0);
	assert_int_equal(put(fx->co, "r", "k", 3, "old", 5000), 0);
	assert_int_equal(coalesce_next_due(fx->co), -1);
	assert_int_equal(coalesce_flush(fx->co, 5000, log_emit, &fx->lg), 0);
	assert_int_equal(fx->lg.n, 1);
}

static void test_first_version_may_be_anything(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "a", INT64_MIN, "min", 0), 1);
	assert_int_equal(put(fx->co, "r", "b", 0, "zero", 0), 1);
	assert_int_equal(put(fx->co, "r", "a", INT64_MIN + 1, "next", 0), 1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 2);
	check_rec(&fx->lg, 0, "r", "a", INT64_MIN + 1, "next");
	check_rec(&fx->lg, 1, "r", "b", 0, "zero");
}

/* ---- intervals --------------------------------------------------------- */

static void test_ten_thousand_updates_one_emission(void **state)
{
	struct fx *fx = *state;
	char v[32];

	for (int i = 1; i <= 10000; i++) {
		snprintf(v, sizeof(v), "{\"up\":%d}", i);
		assert_int_equal(put(fx->co, "session:4", "poll:1", i, v, i / 20), 1);
	}
	assert_int_equal(coalesce_flush(fx->co, 500, log_emit, &fx->lg), 1);
	check_rec(&fx->lg, 0, "session:4", "poll:1", 10000, "{\"up\":10000}");
	assert_int_equal(coalesce_flush(fx->co, 999, log_emit, &fx->lg), 0);
	assert_int_equal(coalesce_count(fx->co), 1);
}

/* Updates every millisecond and flushes every millisecond: the key goes out
 * exactly once per interval, each time with the value of that moment. */
static void test_frequent_flushes_one_emission_per_interval(void **state)
{
	struct coalesce *co = coalesce_new(100);
	struct log lg = { 0 };
	char v[32];

	(void)state;
	assert_non_null(co);
	for (int t = 0; t < 10000; t++) {
		snprintf(v, sizeof(v), "%d", t);
		assert_int_equal(put(co, "r", "k", t + 1, v, t), 1);
		coalesce_flush(co, t, log_emit, &lg);
	}
	assert_int_equal(lg.n, 100);
	for (size_t i = 0; i < lg.n; i++) {
		snprintf(v, sizeof(v), "%d", (int)(i * 100));
		check_rec(&lg, i, "r", "k", (int64_t)i * 100 + 1, v);
	}
	log_free(&lg);
	coalesce_free(co);
}

static void test_held_back_until_interval_passes(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "k", 1, "one", 1000), 1);
	assert_int_equal(coalesce_flush(fx->co, 1000, log_emit, &fx->lg), 1);
	assert_int_equal(put(fx->co, "r", "k", 2, "two", 1001), 1);
	assert_int_equal(put(fx->co, "r", "k", 3, "three", 1500), 1);
	assert_int_equal(coalesce_flush(fx->co, 1001, log_emit, &fx->lg), 0);
	assert_int_equal(coalesce_flush(fx->co, 1500, log_emit, &fx->lg), 0);
	assert_int_equal(coalesce_flush(fx->co, 1999, log_emit, &fx->lg), 0);
	assert_int_equal(put(fx->co, "r", "k", 4, "four", 1999), 1);
	assert_int_equal(coalesce_flush(fx->co, 2000, log_emit, &fx->lg), 1);
	assert_int_equal(fx->lg.n, 2);
	check_rec(&fx->lg, 1, "r", "k", 4, "four");
	/* and then held back again from 2000 */
	assert_int_equal(put(fx->co, "r", "k", 5, "five", 2001), 1);
	assert_int_equal(coalesce_flush(fx->co, 2999, log_emit, &fx->lg), 0);
	assert_int_equal(coalesce_flush(fx->co, 3000, log_emit, &fx->lg), 1);
	check_rec(&fx->lg, 2, "r", "k", 5, "five");
}

static void test_update_after_quiet_period_goes_at_once(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "k", 1, "one", 0), 1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 1);
	assert_int_equal(put(fx->co, "r", "k", 2, "two", 5000), 1);
	assert_int_equal(coalesce_flush(fx->co, 5000, log_emit, &fx->lg), 1);
	check_rec(&fx->lg, 1, "r", "k", 2, "two");
}

static void test_intervals_are_per_key(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "a", 1, "a1", 0), 1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 1);
	assert_int_equal(put(fx->co, "r", "a", 2, "a2", 10), 1);
	assert_int_equal(put(fx->co, "r", "b", 1, "b1", 10), 1);
	/* b was never emitted: it goes now; a waits for its interval */
	assert_int_equal(coalesce_flush(fx->co, 10, log_emit, &fx->lg), 1);
	check_rec(&fx->lg, 1, "r", "b", 1, "b1");
	assert_int_equal(coalesce_next_due(fx->co), 1000);
	assert_int_equal(coalesce_flush(fx->co, 1000, log_emit, &fx->lg), 1);
	check_rec(&fx->lg, 2, "r", "a", 2, "a2");
}

static void test_zero_interval_emits_every_flush(void **state)
{
	struct coalesce *co = coalesce_new(0);
	struct log lg = { 0 };

	(void)state;
	assert_non_null(co);
	assert_int_equal(put(co, "r", "k", 1, "1", 7), 1);
	assert_int_equal(coalesce_flush(co, 7, log_emit, &lg), 1);
	assert_int_equal(put(co, "r", "k", 2, "2", 7), 1);
	assert_int_equal(coalesce_next_due(co), 7);
	assert_int_equal(coalesce_flush(co, 7, log_emit, &lg), 1);
	check_rec(&lg, 1, "r", "k", 2, "2");
	log_free(&lg);
	coalesce_free(co);
}

/* ---- next_due ---------------------------------------------------------- */

static void test_next_due_clean_is_minus_one(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(coalesce_next_due(fx->co), -1);
	assert_int_equal(put(fx->co, "r", "k", 1, "x", 50), 1);
	assert_int_equal(coalesce_flush(fx->co, 50, log_emit, &fx->lg), 1);
	assert_int_equal(coalesce_next_due(fx->co), -1);
}

static void test_next_due_new_entry_is_update_time(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "k", 1, "x", 50), 1);
	assert_int_equal(coalesce_next_due(fx->co), 50);
	/* further updates of a dirty entry do not move it */
	assert_int_equal(put(fx->co, "r", "k", 2, "y", 70), 1);
	assert_int_equal(coalesce_next_due(fx->co), 50);
}

static void test_next_due_after_emission_is_one_interval_later(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "k", 1, "x", 100), 1);
	assert_int_equal(coalesce_flush(fx->co, 120, log_emit, &fx->lg), 1);
	assert_int_equal(put(fx->co, "r", "k", 2, "y", 150), 1);
	assert_int_equal(coalesce_next_due(fx->co), 1120);
	/* a flush too early keeps it */
	assert_int_equal(coalesce_flush(fx->co, 600, log_emit, &fx->lg), 0);
	assert_int_equal(coalesce_next_due(fx->co), 1120);
	assert_int_equal(coalesce_flush(fx->co, 1120, log_emit, &fx->lg), 1);
	assert_int_equal(coalesce_next_due(fx->co), -1);
}

static void test_next_due_may_be_in_the_past(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "k", 1, "x", 100), 1);
	assert_int_equal(coalesce_flush(fx->co, 100, log_emit, &fx->lg), 1);
	assert_int_equal(put(fx->co, "r", "k", 2, "y", 9000), 1);
	assert_int_equal(coalesce_next_due(fx->co), 1100);
	assert_int_equal(coalesce_flush(fx->co, 9000, log_emit, &fx->lg), 1);
}

static void test_next_due_is_minimum_over_keys(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r1", "a", 1, "x", 0), 1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 1);
	assert_int_equal(put(fx->co, "r2", "b", 1, "x", 300), 1);
	assert_int_equal(coalesce_flush(fx->co, 300, log_emit, &fx->lg), 1);
	assert_int_equal(put(fx->co, "r2", "b", 2, "y", 400), 1);  /* due 1300 */
	assert_int_equal(put(fx->co, "r1", "a", 2, "y", 400), 1);  /* due 1000 */
	assert_int_equal(coalesce_next_due(fx->co), 1000);
	assert_int_equal(coalesce_flush(fx->co, 1000, log_emit, &fx->lg), 1);
	check_rec(&fx->lg, 2, "r1", "a", 2, "y");
	assert_int_equal(coalesce_next_due(fx->co), 1300);
	assert_int_equal(put(fx->co, "r3", "c", 1, "z", 1100), 1);  /* new: due 1100 */
	assert_int_equal(coalesce_next_due(fx->co), 1100);
}

static void test_next_due_after_drop_room(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r1", "a", 1, "x", 0), 1);
	assert_int_equal(put(fx->co, "r2", "b", 1, "x", 0), 1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 2);
	assert_int_equal(put(fx->co, "r1", "a", 2, "y", 10), 1);   /* due 1000 */
	assert_int_equal(put(fx->co, "r3", "c", 1, "z", 500), 1);  /* due 500 */
	assert_int_equal(coalesce_next_due(fx->co), 500);
	coalesce_drop_room(fx->co, "r3");
	assert_int_equal(coalesce_next_due(fx->co), 1000);
	coalesce_drop_room(fx->co, "r2");                          /* clean room */
	assert_int_equal(coalesce_next_due(fx->co), 1000);
	coalesce_drop_room(fx->co, "r1");
	assert_int_equal(coalesce_next_due(fx->co), -1);
}

/* ---- order ------------------------------------------------------------- */

static void test_flush_order_by_room_then_update_order(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "B", "k1", 1, "b1", 0), 1);
	assert_int_equal(put(fx->co, "A", "k2", 1, "a2", 0), 1);
	assert_int_equal(put(fx->co, "B", "k3", 1, "b3", 0), 1);
	assert_int_equal(put(fx->co, "A", "k1", 1, "a1", 0), 1);
	assert_int_equal(put(fx->co, "B", "k1", 2, "b1'", 0), 1);  /* already dirty: stays first */
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 4);
	check_rec(&fx->lg, 0, "B", "k1", 2, "b1'");
	check_rec(&fx->lg, 1, "B", "k3", 1, "b3");
	check_rec(&fx->lg, 2, "A", "k2", 1, "a2");
	check_rec(&fx->lg, 3, "A", "k1", 1, "a1");
}

static void test_flush_order_follows_new_dirtying(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "A", "k1", 1, "x", 0), 1);
	assert_int_equal(put(fx->co, "A", "k2", 1, "x", 0), 1);
	assert_int_equal(put(fx->co, "B", "k1", 1, "x", 0), 1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 3);
	log_clear(&fx->lg);
	/* now B first, and in A k2 before k1 */
	assert_int_equal(put(fx->co, "B", "k1", 2, "y", 2000), 1);
	assert_int_equal(put(fx->co, "A", "k2", 2, "y", 2000), 1);
	assert_int_equal(put(fx->co, "A", "k1", 2, "y", 2000), 1);
	assert_int_equal(coalesce_flush(fx->co, 2000, log_emit, &fx->lg), 3);
	check_rec(&fx->lg, 0, "B", "k1", 2, "y");
	check_rec(&fx->lg, 1, "A", "k2", 2, "y");
	check_rec(&fx->lg, 2, "A", "k1", 2, "y");
}

/* An entry held back by its interval keeps its place ahead of later ones. */
static void test_held_entry_keeps_its_place(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "A", "old", 1, "x", 0), 1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 1);
	assert_int_equal(put(fx->co, "A", "old", 2, "y", 10), 1);  /* held until 1000 */
	assert_int_equal(put(fx->co, "B", "new", 1, "z", 20), 1);
	assert_int_equal(put(fx->co, "A", "new", 1, "z", 20), 1);
	assert_int_equal(coalesce_flush(fx->co, 20, log_emit, &fx->lg), 2);
	check_rec(&fx->lg, 1, "A", "new", 1, "z");
	check_rec(&fx->lg, 2, "B", "new", 1, "z");
	assert_int_equal(put(fx->co, "B", "new", 2, "w", 30), 1);  /* held until 1020 */
	assert_int_equal(put(fx->co, "A", "late", 1, "v", 1500), 1);
	assert_int_equal(coalesce_flush(fx->co, 1500, log_emit, &fx->lg), 3);
	check_rec(&fx->lg, 3, "A", "old", 2, "y");
	check_rec(&fx->lg, 4, "A", "late", 1, "v");
	check_rec(&fx->lg, 5, "B", "new", 2, "w");
}

/* ---- snapshot ---------------------------------------------------------- */

static void test_snapshot_one_room_only(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "session:1", "poll:1", 1, "p1", 0), 1);
	assert_int_equal(put(fx->co, "session:2", "poll:1", 1, "other", 0), 1);
	assert_int_equal(put(fx->co, "session:1", "online", 4, "on", 0), 1);
	assert_int_equal(put(fx->co, "session:1", "poll:1", 2, "p1'", 0), 1);
	assert_int_equal(coalesce_snapshot(fx->co, "session:1", log_emit, &fx->lg), 2);
	assert_int_equal(fx->lg.n, 2);
	check_rec(&fx->lg, 0, "session:1", "poll:1", 2, "p1'");
	check_rec(&fx->lg, 1, "session:1", "online", 4, "on");
}

static void test_snapshot_includes_clean_entries(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "a", 1, "a", 0), 1);
	assert_int_equal(put(fx->co, "r", "b", 1, "b", 0), 1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 2);
	assert_int_equal(put(fx->co, "r", "b", 2, "b2", 10), 1);
	log_clear(&fx->lg);
	assert_int_equal(coalesce_snapshot(fx->co, "r", log_emit, &fx->lg), 2);
	check_rec(&fx->lg, 0, "r", "a", 1, "a");
	check_rec(&fx->lg, 1, "r", "b", 2, "b2");
}

static void test_snapshot_leaves_dirty_flags(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "a", 1, "a", 0), 1);
	assert_int_equal(coalesce_snapshot(fx->co, "r", log_emit, &fx->lg), 1);
	assert_int_equal(coalesce_next_due(fx->co), 0);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 1);
	/* nor emission times: a snapshot between does not restart the interval */
	assert_int_equal(put(fx->co, "r", "a", 2, "a2", 500), 1);
	assert_int_equal(coalesce_snapshot(fx->co, "r", log_emit, &fx->lg), 1);
	assert_int_equal(coalesce_next_due(fx->co), 1000);
	assert_int_equal(coalesce_flush(fx->co, 1000, log_emit, &fx->lg), 1);
	assert_int_equal(coalesce_snapshot(fx->co, "r", log_emit, &fx->lg), 1);
	assert_int_equal(coalesce_next_due(fx->co), -1);
}

static void test_snapshot_unknown_room(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "a", 1, "a", 0), 1);
	assert_int_equal(coalesce_snapshot(fx->co, "nope", log_emit, &fx->lg), 0);
	assert_int_equal(coalesce_snapshot(fx->co, "", log_emit, &fx->lg), 0);
	assert_int_equal(fx->lg.n, 0);
}

/* ---- drop_room --------------------------------------------------------- */

static void test_drop_room_forgets_only_that_room(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r1", "a", 1, "1a", 0), 1);
	assert_int_equal(put(fx->co, "r2", "a", 1, "2a", 0), 1);
	assert_int_equal(put(fx->co, "r1", "b", 1, "1b", 0), 1);
	assert_int_equal(put(fx->co, "r2", "b", 1, "2b", 0), 1);
	assert_int_equal(coalesce_count(fx->co), 4);
	coalesce_drop_room(fx->co, "r1");
	assert_int_equal(coalesce_count(fx->co), 2);
	assert_int_equal(coalesce_snapshot(fx->co, "r1", log_emit, &fx->lg), 0);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 2);
	check_rec(&fx->lg, 0, "r2", "a", 1, "2a");
	check_rec(&fx->lg, 1, "r2", "b", 1, "2b");
	assert_int_equal(coalesce_snapshot(fx->co, "r2", log_emit, &fx->lg), 2);
}

static void test_drop_room_then_reuse_starts_afresh(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "a", 10, "ten", 0), 1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 1);
	coalesce_drop_room(fx->co, "r");
	assert_int_equal(coalesce_count(fx->co), 0);
	/* a lower version is accepted, and emitted at once: no interval kept */
	assert_int_equal(put(fx->co, "r", "a", 1, "one", 5), 1);
	assert_int_equal(coalesce_next_due(fx->co), 5);
	assert_int_equal(coalesce_flush(fx->co, 5, log_emit, &fx->lg), 1);
	check_rec(&fx->lg, 1, "r", "a", 1, "one");
}

static void test_drop_unknown_room_is_harmless(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r", "a", 1, "a", 0), 1);
	coalesce_drop_room(fx->co, "other");
	coalesce_drop_room(fx->co, "");
	assert_int_equal(coalesce_count(fx->co), 1);
	assert_int_equal(coalesce_next_due(fx->co), 0);
}

static void test_drop_dirty_room_in_middle_of_dirty_list(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "A", "k", 1, "a", 0), 1);
	assert_int_equal(put(fx->co, "B", "k", 1, "b", 0), 1);
	assert_int_equal(put(fx->co, "C", "k", 1, "c", 0), 1);
	coalesce_drop_room(fx->co, "B");
	assert_int_equal(put(fx->co, "D", "k", 1, "d", 0), 1);
	coalesce_drop_room(fx->co, "A");
	assert_int_equal(put(fx->co, "A", "k", 2, "a2", 0), 1);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 3);
	check_rec(&fx->lg, 0, "C", "k", 1, "c");
	check_rec(&fx->lg, 1, "D", "k", 1, "d");
	check_rec(&fx->lg, 2, "A", "k", 2, "a2");
}

/* ---- keys and rooms ---------------------------------------------------- */

static void test_same_key_in_different_rooms_is_distinct(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "r1", "k", 5, "r1", 0), 1);
	assert_int_equal(put(fx->co, "r2", "k", 1, "r2", 0), 1);   /* own version line */
	assert_int_equal(coalesce_count(fx->co), 2);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 2);
	check_rec(&fx->lg, 0, "r1", "k", 5, "r1");
	check_rec(&fx->lg, 1, "r2", "k", 1, "r2");
}

static void test_long_names_rejected(void **state)
{
	struct fx *fx = *state;
	char max[COALESCE_NAME_MAX + 1], over[COALESCE_NAME_MAX + 2];

	memset(max, 'm', COALESCE_NAME_MAX);
	max[COALESCE_NAME_MAX] = '\0';
	memset(over, 'o', COALESCE_NAME_MAX + 1);
	over[COALESCE_NAME_MAX + 1] = '\0';

	assert_int_equal(put(fx->co, max, "k", 1, "x", 0), 1);
	assert_int_equal(put(fx->co, "r", max, 1, "x", 0), 1);
	assert_int_equal(put(fx->co, max, max, 1, "x", 0), 1);
	assert_int_equal(put(fx->co, over, "k", 1, "x", 0), -1);
	assert_int_equal(put(fx->co, "r", over, 1, "x", 0), -1);
	assert_int_equal(put(fx->co, over, over, 1, "x", 0), -1);
	assert_int_equal(coalesce_count(fx->co), 3);
	assert_int_equal(coalesce_flush(fx->co, 0, log_emit, &fx->lg), 3);
	check_rec(&fx->lg, 0, max, "k", 1, "x");
	check_rec(&fx->lg, 1, max, max, 1, "x");
	check_rec(&fx->lg, 2, "r", max, 1, "x");
	assert_int_equal(coalesce_snapshot(fx->co, over, log_emit, &fx->lg), 0);
	coalesce_drop_room(fx->co, over);
	assert_int_equal(coalesce_count(fx->co), 3);
}

static void test_empty_names_rejected(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(put(fx->co, "", "k", 1, "x", 0), -1);
	assert_int_equal(put(fx->co, "r", "", 1, "x", 0), -1);
	assert_int_equal(coalesce_count(fx->co), 0);
	assert_int_equal(coalesce_next_due(fx->co), -1);
}

static void test_values_of_varying_sizes(void **state)
{
	struct fx *fx = *state;
	static const size_t sizes[] = { 0, 1, 1000, 3, 70000, 0, 5, 4096, 4096, 2 };
	size_t nsizes = sizeof(sizes) / sizeof(sizes[0]);

	for (size_t i = 0; i < nsizes; i++) {
		unsigned char *buf = malloc(sizes[i] ? sizes[i] : 1);

		assert_non_null(buf);
		for (size_t j = 0; j < sizes[i]; j++)
			buf[j] = (unsigned char)(i * 31 + j * 7);
		assert_int_equal(coalesce_update(fx->co, "r", "k", (int64_t)i + 1, buf, sizes[i],
		                                 (int64_t)i * 1000), 1);
		assert_int_equal(coalesce_flush(fx->co, (int64_t)i * 1000, log_emit, &fx->lg), 1);
		assert_int_equal(fx->lg.n, i + 1);
		assert_int_equal(fx->lg.items[i].version, (int64_t)i + 1);
		assert_int_equal(fx->lg.items[i].len, sizes[i]);
		if (sizes[i])
			assert_memory_equal(fx->lg.items[i].value, buf, sizes[i]);
		free(buf);
	}
	/* a long value replaced by a short one before the flush */
	assert_int_equal(put(fx->co, "r", "k", 100, "a much longer value than before", 10000), 1);
	assert_int_equal(put(fx->co, "r", "k", 101, "tiny", 10001), 1);
	assert_int_equal(coalesce_flush(fx->co, 10000, log_emit, &fx->lg), 1);
	check_rec(&fx->lg, nsizes, "r", "k", 101, "tiny");
}

static void test_many_rooms_and_keys(void **state)
{
	enum { ROOMS = 50, KEYS = 2000 };
	struct coalesce *co = coalesce_new(250);
	char room[32], key[32], v[48];
	size_t n = 0;

	(void)state;
	assert_non_null(co);
	for (int k = 0; k < KEYS; k++)
		for (int r = 0; r < ROOMS; r++) {
			snprintf(room, sizeof(room), "session:%d", r);
			snprintf(key, sizeof(key), "cloud:%d", k);
			snprintf(v, sizeof(v), "{\"r\":%d,\"k\":%d}", r, k);
			assert_int_equal(put(co, room, key, 1, v, 0), 1);
		}
	assert_int_equal(coalesce_count(co), (size_t)ROOMS * KEYS);

	/* every entry is found again: a second version of each is accepted,
	 * an equal one ignored */
	for (int r = 0; r < ROOMS; r++)
		for (int k = 0; k < KEYS; k++) {
			snprintf(room, sizeof(room), "session:%d", r);
			snprintf(key, sizeof(key), "cloud:%d", k);
			assert_int_equal(put(co, room, key, 1, "dup", 1), 0);
			assert_int_equal(put(co, room, key, 2, "v2", 1), 1);
		}
	assert_int_equal(coalesce_count(co), (size_t)ROOMS * KEYS);

	assert_int_equal(coalesce_snapshot(co, "session:17", count_emit, &n), KEYS);
	assert_int_equal(n, KEYS);
	n = 0;
	assert_int_equal(coalesce_flush(co, 1, count_emit, &n), (size_t)ROOMS * KEYS);
	assert_int_equal(n, (size_t)ROOMS * KEYS);
	assert_int_equal(coalesce_next_due(co), -1);

	for (int r = 0; r < ROOMS; r += 2) {
		snprintf(room, sizeof(room), "session:%d", r);
		coalesce_drop_room(co, room);
	}
	assert_int_equal(coalesce_count(co), (size_t)(ROOMS / 2) * KEYS);
	n = 0;
	assert_int_equal(coalesce_snapshot(co, "session:0", count_emit, &n), 0);
	assert_int_equal(coalesce_snapshot(co, "session:1", count_emit, &n), KEYS);
	coalesce_free(co);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_is_empty, setup, teardown),
		cmocka_unit_test(test_free_null_is_harmless),
		cmocka_unit_test_setup_teardown(test_update_then_flush_emits_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_emits_latest_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_value_need_not_be_nul_terminated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_older_version_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equal_version_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignored_update_does_not_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_version_may_be_anything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ten_thousand_updates_one_emission, setup, teardown),
		cmocka_unit_test(test_frequent_flushes_one_emission_per_interval),
		cmocka_unit_test_setup_teardown(test_held_back_until_interval_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_after_quiet_period_goes_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intervals_are_per_key, setup, teardown),
		cmocka_unit_test(test_zero_interval_emits_every_flush),
		cmocka_unit_test_setup_teardown(test_next_due_clean_is_minus_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_due_new_entry_is_update_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_due_after_emission_is_one_interval_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_due_may_be_in_the_past, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_due_is_minimum_over_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_due_after_drop_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_order_by_room_then_update_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_order_follows_new_dirtying, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_entry_keeps_its_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_one_room_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_includes_clean_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_leaves_dirty_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_unknown_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_room_forgets_only_that_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_room_then_reuse_starts_afresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_unknown_room_is_harmless, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_dirty_room_in_middle_of_dirty_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_key_in_different_rooms_is_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_names_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_names_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values_of_varying_sizes, setup, teardown),
		cmocka_unit_test(test_many_rooms_and_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
