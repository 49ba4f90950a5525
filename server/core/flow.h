/*
 * flow.h - per-socket flow rules: a token bucket for request rate and a
 * one-minute window that counts bad requests. Pure: callers pass `now`.
 */
#ifndef FORUMD_CORE_FLOW_H
#define FORUMD_CORE_FLOW_H

#include <stdint.h>

struct flow_bucket {
	double tokens;
	int64_t at_ms;             /* when tokens was last brought up to date; 0 = never */
};

/*
 * Takes one token from a bucket holding at most `burst`, refilled at
 * `per_sec`. Returns 0 when a token was taken, else the milliseconds until
 * one will be there (always >= 1).
 */
int64_t flow_bucket_take(struct flow_bucket *b, int64_t now_ms, double burst, double per_sec);

struct flow_window {
	int64_t start_ms;
	uint32_t count;
};

/* Counts one event in a window of window_ms; returns 1 when the count in the
 * current window has passed `max`. */
int flow_window_hit(struct flow_window *w, int64_t now_ms, int64_t window_ms, uint32_t max);

#endif
