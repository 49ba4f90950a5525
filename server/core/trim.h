/*
 * trim.h - when to hand freed heap memory back to the system.
 *
 * A socket's blocks live as long as it does, and they are allocated among
 * the short-lived ones of a connect storm (hello jobs, decoded requests,
 * replies); when those are freed, or when many sockets close, the free
 * space sits in holes below live blocks, and malloc gives memory back to
 * the system only from the top of the heap. So after a burst of sockets
 * opening or closing, once there has been none for a while, the caller
 * trims the heap (malloc_trim), which returns the whole free pages inside
 * it too. Waiting for quiet keeps the trim (a walk over the free lists) off
 * a storm, and one trim covers the whole burst.
 *
 * Pure: callers pass `now_ms` and do the trimming.
 */
#ifndef FORUMD_CORE_TRIM_H
#define FORUMD_CORE_TRIM_H

#include <stdint.h>

struct trim_policy {
	uint64_t churn;                /* sockets opened or closed since the last trim */
	int64_t last_ms;               /* when the last of them was noted */
};

enum trim_action {
	TRIM_WAIT,                     /* churn within quiet_ms: check again later */
	TRIM_NOW,                      /* quiet after enough churn: trim (counted as done) */
	TRIM_IDLE,                     /* quiet, too little churn: nothing to check until more */
};

/* Notes one socket opened or closed at now_ms. */
void trim_note(struct trim_policy *p, int64_t now_ms);

/* What to do at now_ms: TRIM_WAIT while churn was noted in the last
 * quiet_ms; then TRIM_NOW when at least min_churn were noted since the last
 * trim (the count restarts), else TRIM_IDLE (the count is kept, so that
 * small bursts add up). */
enum trim_action trim_check(struct trim_policy *p, int64_t now_ms, int64_t quiet_ms, uint64_t min_churn);

#endif
