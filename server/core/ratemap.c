/*
 * ratemap.c - token buckets per key, bounded (see ratemap.h).
 */
#include <stdlib.h>

#include "flow.h"
#include "ratemap.h"

#define RATEMAP_CHAINS 1024

struct ratemap_entry {
	struct ratemap_entry *next;
	int64_t key;
	struct flow_bucket bucket;
};

struct ratemap {
	struct ratemap_entry *chain[RATEMAP_CHAINS];
	size_t n, max;
	double burst, per_sec;
};

struct ratemap *ratemap_new(size_t max, double burst, double per_sec)
{
	struct ratemap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->max = max;
	m->burst = burst;
	m->per_sec = per_sec;
	return m;
}

void ratemap_free(struct ratemap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < RATEMAP_CHAINS; i++)
		while (m->chain[i]) {
			struct ratemap_entry *e = m->chain[i];

			m->chain[i] = e->next;
			free(e);
		}
	free(m);
}

/* 1 when the bucket is full again by now: the key can be forgotten. */
static int refilled(const struct ratemap *m, const struct ratemap_entry *e, int64_t now_ms)
{
	double tokens = e->bucket.tokens + (double)(now_ms - e->bucket.at_ms) * m->per_sec / 1000.0;

	return tokens >= m->burst;
}

/* Drops the refilled keys of one chain (but not `keep`). */
static void sweep_chain(struct ratemap *m, size_t i, int64_t now_ms, const struct ratemap_entry *keep)
{
	struct ratemap_entry **pp = &m->chain[i];

	while (*pp) {
		struct ratemap_entry *e = *pp;

		if (e != keep && refilled(m, e, now_ms)) {
			*pp = e->next;
			free(e);
			m->n--;
		} else {
			pp = &e->next;
		}
	}
}

int64_t ratemap_take(struct ratemap *m, int64_t key, int64_t now_ms)
{
	size_t i = (size_t)((uint64_t)key * UINT64_C(0x9e3779b97f4a7c15) >> 54) % RATEMAP_CHAINS;
	struct ratemap_entry *e;

	for (e = m->chain[i]; e && e->key != key; e = e->next)
		;
	sweep_chain(m, i, now_ms, e);
	if (!e) {
		if (m->n >= m->max)
			for (size_t k = 0; k < RATEMAP_CHAINS && m->n >= m->max; k++)
				sweep_chain(m, k, now_ms, NULL);
		if (m->n >= m->max || !(e = calloc(1, sizeof(*e))))
			return 1000;    /* full of limited keys: refuse rather than grow */
		e->key = key;
		e->next = m->chain[i];
		m->chain[i] = e;
		m->n++;
	}
	return flow_bucket_take(&e->bucket, now_ms, m->burst, m->per_sec);
}

size_t ratemap_size(const struct ratemap *m)
{
	return m->n;
}
