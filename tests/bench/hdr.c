/*
 * hdr.c - log-linear histogram (see hdr.h).
 */
#include <string.h>

#include "hdr.h"

void hdr_init(struct hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/* Bucket of v: values below HDR_SUB map to themselves; above, the octave
 * (position of the top bit) and the next HDR_SUB_BITS bits below it. */
static unsigned bucket_of(uint64_t v)
{
	unsigned e;

	if (v < HDR_SUB)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);           /* >= HDR_SUB_BITS */
	return (e - HDR_SUB_BITS + 1) * HDR_SUB + (unsigned)((v >> (e - HDR_SUB_BITS)) & (HDR_SUB - 1));
}

/* Largest value that falls in bucket i. */
static uint64_t bucket_top(unsigned i)
{
	unsigned oct = i / HDR_SUB, sub = i % HDR_SUB, e;

	if (oct == 0)
		return sub;
	e = oct + HDR_SUB_BITS - 1;
	return ((uint64_t)1 << e) + ((uint64_t)(sub + 1) << (e - HDR_SUB_BITS)) - 1;
}

void hdr_record(struct hdr *h, uint64_t v)
{
	h->b[bucket_of(v)]++;
	h->count++;
	h->sum += (long double)v;
	if (v > h->max)
		h->max = v;
	if (v < h->min)
		h->min = v;
}

uint64_t hdr_quantile(const struct hdr *h, double q)
{
	uint64_t want, seen = 0;

	if (h->count == 0)
		return 0;
	want = (uint64_t)(q * (double)h->count);
	if (want >= h->count)
		want = h->count - 1;
	for (unsigned i = 0; i < HDR_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > want) {
			uint64_t top = bucket_top(i);

			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}

void hdr_merge(struct hdr *into, const struct hdr *from)
{
	for (unsigned i = 0; i < HDR_BUCKETS; i++)
		into->b[i] += from->b[i];
	into->count += from->count;
	into->sum += from->sum;
	if (from->max > into->max)
		into->max = from->max;
	if (from->min < into->min)
		into->min = from->min;
}
