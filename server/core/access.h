/*
 * access.h - who may read or write in a course, and when.
 *
 * The course window (DESIGN.md, "Access window"): a participant has no access
 * before starts_at; reads and writes while now < ends_at + 30 days; reads
 * only while now < ends_at + 90 days; then nothing. Staff (facilitator,
 * instructor, global admin) are not limited. Pure: `now_s` is passed in.
 */
#ifndef FORUMD_CORE_ACCESS_H
#define FORUMD_CORE_ACCESS_H

#include <stdint.h>

#include "identity.h"
#include "verdict.h"

#define ACCESS_WRITE_GRACE_S (30LL * 86400)
#define ACCESS_READ_GRACE_S  (90LL * 86400)

struct access_course {
	int64_t id;
	int64_t starts_at, ends_at;   /* seconds, UTC */
};

/* 1 if the role is a staff role (facilitator or instructor). */
int access_role_is_staff(enum proto_role role);

/* 1 if who is staff in the course (or a global admin). */
int access_is_staff(const struct identity *who, int64_t course);

/*
 * The role table's first cut, made before any course is known (PROTOCOL.md,
 * "Role table"): any op for anyone; a staff op for whoever is staff in some
 * course or a global admin (the op then checks the course in hand with
 * access_staff_only); an admin op for a global admin. 1 if allowed.
 */
int access_role_allows(const struct identity *who, enum proto_op_roles roles);

/* Staff of the course (or a global admin) only: allowed, or forbidden. */
struct verdict access_staff_only(const struct identity *who, int64_t course);

/*
 * May `who` read (want_write 0) or write (1) in course c at now_s?
 * PROTO_ERR_NONE, or the code of the rule that refuses: forbidden (no role
 * in the course), course_not_open, course_read_only, course_closed.
 */
enum proto_err access_check(const struct identity *who, const struct access_course *c,
			    int64_t now_s, int want_write);

/*
 * The first time after now_s at which access_check(who, c, t, want_write)
 * may answer differently (a boundary of the course window), or INT64_MAX
 * when time alone never changes it (staff, no role, or past the last
 * boundary). Seconds, UTC.
 */
int64_t access_next_change(const struct identity *who, const struct access_course *c, int64_t now_s,
			   int want_write);

#endif
