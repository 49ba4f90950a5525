/*
 * clock.h - the one clock the whole server reads.
 *
 * core/ never calls it: callers read the time here and pass `now` in.
 * Test builds (FORUMD_TESTING) can move it; production builds cannot.
 */
#ifndef FORUMD_CLOCK_H
#define FORUMD_CLOCK_H

#include <stdint.h>

/* Wall-clock time in milliseconds since the epoch (UTC), plus any test offset. */
int64_t clock_now_ms(void);

/* Monotonic milliseconds, for deadlines and rates; never moved by tests. */
int64_t clock_mono_ms(void);

#ifdef FORUMD_TESTING
/* Pin the clock to `epoch_s` seconds (0: back to the real clock). */
void clock_test_set(int64_t epoch_s);
/* Move the clock by `delta_s` seconds. */
void clock_test_advance(int64_t delta_s);
#endif

#endif
