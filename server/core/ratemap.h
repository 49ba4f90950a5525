/*
 * ratemap.h - token buckets per key (a user id): a rate that holds for a
 * user over all their sockets, which a per-socket bucket cannot do.
 *
 * Bounded: at most `max` keys are held. A key whose bucket has filled up
 * again is worth nothing (a new bucket would be the same) and is dropped
 * when its chain is walked, or swept when the map is full; if the map is
 * still full of keys that are limited right now, a new key is refused as
 * if it were limited, so no input can make it grow past `max`.
 *
 * Pure: callers pass `now`. One thread at a time.
 */
#ifndef FORUMD_CORE_RATEMAP_H
#define FORUMD_CORE_RATEMAP_H

#include <stddef.h>
#include <stdint.h>

struct ratemap;

/* A map of at most max keys for buckets of `burst` tokens refilled at
 * per_sec; NULL on OOM. Freed with ratemap_free. */
struct ratemap *ratemap_new(size_t max, double burst, double per_sec);
void ratemap_free(struct ratemap *m);

/* Takes one token of key's bucket. 0 when taken, else the milliseconds until
 * one will be there (>= 1). */
int64_t ratemap_take(struct ratemap *m, int64_t key, int64_t now_ms);

/* Keys held now. */
size_t ratemap_size(const struct ratemap *m);

#endif
