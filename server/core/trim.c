/*
 * trim.c - the policy of trim.h.
 */
#include "trim.h"

void trim_note(struct trim_policy *p, int64_t now_ms)
{
	p->churn++;
	p->last_ms = now_ms;
}

enum trim_action trim_check(struct trim_policy *p, int64_t now_ms, int64_t quiet_ms, uint64_t min_churn)
{
	if (p->churn && now_ms - p->last_ms < quiet_ms)
		return TRIM_WAIT;
	if (p->churn < min_churn || p->churn == 0)
		return TRIM_IDLE;
	p->churn = 0;
	return TRIM_NOW;
}
