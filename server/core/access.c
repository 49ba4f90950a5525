/*
 * access.c - roles and course windows.
 */
#include "access.h"

int access_role_is_staff(enum proto_role role)
{
	return role == PROTO_ROLE_FACILITATOR || role == PROTO_ROLE_INSTRUCTOR;
}

int access_is_staff(const struct identity *who, int64_t course)
{
	return who->admin || access_role_is_staff(identity_role(who, course));
}

int access_role_allows(const struct identity *who, enum proto_op_roles roles)
{
	switch (roles) {
	case PROTO_ROLES_ANY:
		return 1;
	case PROTO_ROLES_ADMIN:
		return who->admin;
	case PROTO_ROLES_STAFF:
		if (who->admin)
			return 1;
		for (size_t i = 0; i < who->ncourses; i++)
			if (access_role_is_staff(who->courses[i].role))
				return 1;
		return 0;
	}
	return 0;
}

struct verdict access_staff_only(const struct identity *who, int64_t course)
{
	if (!access_is_staff(who, course))
		return verdict_no(PROTO_ERR_FORBIDDEN, NULL, "staff only");
	return verdict_ok();
}

int64_t access_next_change(const struct identity *who, const struct access_course *c, int64_t now_s,
			   int want_write)
{
	enum proto_role role = identity_role(who, c->id);
	int64_t bounds[3], next = INT64_MAX;

	if (who->admin || access_role_is_staff(role) || role != PROTO_ROLE_PARTICIPANT)
		return INT64_MAX;
	bounds[0] = c->starts_at;
	bounds[1] = want_write ? c->ends_at + ACCESS_WRITE_GRACE_S : INT64_MAX;
	bounds[2] = c->ends_at + ACCESS_READ_GRACE_S;
	for (int i = 0; i < 3; i++)
		if (bounds[i] > now_s && bounds[i] < next)
			next = bounds[i];
	return next;
}

enum proto_err access_check(const struct identity *who, const struct access_course *c,
			    int64_t now_s, int want_write)
{
	enum proto_role role = identity_role(who, c->id);

	if (who->admin || access_role_is_staff(role))
		return PROTO_ERR_NONE;
	if (role != PROTO_ROLE_PARTICIPANT)
		return PROTO_ERR_FORBIDDEN;
	if (now_s < c->starts_at)
		return PROTO_ERR_COURSE_NOT_OPEN;
	if (now_s >= c->ends_at + ACCESS_READ_GRACE_S)
		return PROTO_ERR_COURSE_CLOSED;
	if (want_write && now_s >= c->ends_at + ACCESS_WRITE_GRACE_S)
		return PROTO_ERR_COURSE_READ_ONLY;
	return PROTO_ERR_NONE;
}
