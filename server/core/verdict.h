/*
 * verdict.h - the answer of a rule: allowed, or the code, field and message
 * of the refusal.
 *
 * The rules of core/ answer with a verdict so that the one place that knows
 * a rule also says how it is refused; store/ copies a refusal into the job's
 * error unchanged. The strings are static: nobody frees them.
 */
#ifndef FORUMD_CORE_VERDICT_H
#define FORUMD_CORE_VERDICT_H

#include "protocol/protocol_gen.h"

struct verdict {
	enum proto_err code;          /* PROTO_ERR_NONE: allowed */
	const char *field;            /* the request field at fault, or NULL */
	const char *message;          /* static text; NULL when allowed */
};

/* Allowed. */
static inline struct verdict verdict_ok(void)
{
	struct verdict v = { PROTO_ERR_NONE, NULL, NULL };

	return v;
}

/* Refused with code, for field (or NULL), saying message (static). */
static inline struct verdict verdict_no(enum proto_err code, const char *field, const char *message)
{
	struct verdict v = { code, field, message };

	return v;
}

/* 1 if the verdict allows. */
static inline int verdict_allowed(struct verdict v)
{
	return v.code == PROTO_ERR_NONE;
}

#endif
