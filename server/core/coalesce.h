/*
 * coalesce.h - latest-value store for state messages: vote counts, poll
 * tallies, word-cloud counts, who is online.
 *
 * Each value lives under (room, key) with a version; a newer version
 * supersedes the older one. Many updates of one key become at most one
 * emission per interval, carrying the newest value; the first update of a
 * key that has never been emitted (or whose interval has passed) goes out
 * at the next flush.
 *
 * Pure: no I/O, no timers, no clock. Callers pass `now_ms`, call
 * coalesce_flush from a timer, and arm that timer with coalesce_next_due.
 * Not thread-safe: one coalescer belongs to one thread.
 */
#ifndef FORUMD_CORE_COALESCE_H
#define FORUMD_CORE_COALESCE_H

#include <stddef.h>
#include <stdint.h>

#define COALESCE_NAME_MAX 64       /* longest room or key, in bytes, without the NUL */

struct coalesce;

/*
 * Receives one (room, key) and its latest value. room, key and value are
 * owned by the coalescer and valid only for the duration of the call; value
 * is len bytes, not NUL-terminated. The callback must not modify the
 * coalescer it is called from (no update, flush, drop_room or free).
 */
typedef void coalesce_emit_fn(void *arg, const char *room, const char *key,
                              int64_t version, const void *value, size_t len);

/*
 * Makes an empty coalescer that emits each key at most once per
 * min_interval_ms (>= 0; 0 means every flush). Returns NULL when out of
 * memory. The caller owns the result and frees it with coalesce_free.
 */
struct coalesce *coalesce_new(int64_t min_interval_ms);

/* Frees the coalescer and every value it holds. NULL is allowed. */
void coalesce_free(struct coalesce *co);

/*
 * Records value[0..len) as the latest value of (room, key) at `version`.
 * The bytes are copied; the caller keeps its buffer. room and key are
 * NUL-terminated, 1..COALESCE_NAME_MAX bytes each.
 *
 * Returns 1 when stored (the entry is then dirty, waiting for a flush),
 * 0 when ignored because version is <= the stored version, and -1 when
 * room or key is empty or too long or memory ran out (nothing changed).
 */
int coalesce_update(struct coalesce *co, const char *room, const char *key,
                    int64_t version, const void *value, size_t len, int64_t now_ms);

/*
 * Calls emit for each dirty entry that was never emitted or was last
 * emitted at least min_interval_ms before now_ms, then marks it clean with
 * now_ms as its emission time. Dirty entries still inside their interval
 * stay dirty, in their place, for a later flush.
 *
 * Order: grouped by room, rooms in the order they went from clean to dirty
 * (a room stays in its place while it holds dirty entries), and within a
 * room, entries in the order they went from clean to dirty (updating an
 * entry that is already dirty does not move it).
 *
 * Returns the number of entries emitted.
 */
size_t coalesce_flush(struct coalesce *co, int64_t now_ms, coalesce_emit_fn *emit, void *arg);

/*
 * Earliest time (ms) at which a flush would emit something, or -1 when
 * nothing is dirty. The time may already have passed: the caller arms its
 * timer for max(0, due - now).
 */
int64_t coalesce_next_due(const struct coalesce *co);

/*
 * Calls emit for every entry of `room`, dirty or not, in the order the keys
 * were first recorded: the snapshot a newly subscribed client receives.
 * Changes no dirty flag or emission time. Returns the number emitted (0 for
 * an unknown room).
 */
size_t coalesce_snapshot(const struct coalesce *co, const char *room,
                         coalesce_emit_fn *emit, void *arg);

/* Forgets every entry of `room`, dirty or not (no subscribers are left).
 * A later update of the room starts afresh, whatever its version. */
void coalesce_drop_room(struct coalesce *co, const char *room);

/* Number of (room, key) entries held. */
size_t coalesce_count(const struct coalesce *co);

#endif
