/*
 * hdr.h - a log-linear latency histogram in the manner of HdrHistogram.
 *
 * Values are nanoseconds. Each power of two is split into HDR_SUB linear
 * sub-buckets, so a recorded value is known to within 1/HDR_SUB (< 1%) of
 * itself over the whole range, in a fixed 64 KiB table.
 */
#ifndef BENCH_HDR_H
#define BENCH_HDR_H

#include <stdint.h>

#define HDR_SUB_BITS 7
#define HDR_SUB (1u << HDR_SUB_BITS)
#define HDR_BUCKETS (64u * HDR_SUB)

struct hdr {
	uint64_t count, max, min;
	long double sum;
	uint64_t b[HDR_BUCKETS];
};

void hdr_init(struct hdr *h);
void hdr_record(struct hdr *h, uint64_t v);
/* The value at quantile q (0..1): the upper edge of its bucket, at most max. */
uint64_t hdr_quantile(const struct hdr *h, double q);
void hdr_merge(struct hdr *into, const struct hdr *from);

#endif
