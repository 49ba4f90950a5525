/*
 * flow.c - token bucket and counting window.
 */
#include <math.h>

#include "flow.h"

int64_t flow_bucket_take(struct flow_bucket *b, int64_t now_ms, double burst, double per_sec)
{
	int64_t wait;

	if (b->at_ms == 0) {
		b->tokens = burst;
	} else if (now_ms > b->at_ms) {
		b->tokens += (double)(now_ms - b->at_ms) * per_sec / 1000.0;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->at_ms = now_ms;
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return 0;
	}
	wait = (int64_t)ceil((1.0 - b->tokens) * 1000.0 / per_sec);
	return wait > 0 ? wait : 1;
}

int flow_window_hit(struct flow_window *w, int64_t now_ms, int64_t window_ms, uint32_t max)
{
	if (w->start_ms == 0 || now_ms - w->start_ms >= window_ms) {
		w->start_ms = now_ms;
		w->count = 0;
	}
	w->count++;
	return w->count > max;
}
