/*
 * clock.c - real time plus, in test builds, an offset a test can set.
 */
#include <time.h>

#include "clock.h"

static int64_t test_offset_ms;

static int64_t read_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_now_ms(void)
{
	return read_clock(CLOCK_REALTIME) + test_offset_ms;
}

int64_t clock_mono_ms(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

#ifdef FORUMD_TESTING
void clock_test_set(int64_t epoch_s)
{
	test_offset_ms = epoch_s ? epoch_s * 1000 - read_clock(CLOCK_REALTIME) : 0;
}

void clock_test_advance(int64_t delta_s)
{
	test_offset_ms += delta_s * 1000;
}
#endif
