/*
 * view.c - the three views (see view.h).
 */
#include <string.h>

#include "view.h"

struct view view_peer(void)
{
	struct view v = { 0, 0 };

	return v;
}

struct view view_staff(void)
{
	struct view v = { 1, 0 };

	return v;
}

struct view view_of(int staff, int64_t reader)
{
	struct view v = { staff ? 1 : 0, reader > 0 ? reader : 0 };

	return v;
}

struct view view_shared(int staff)
{
	return staff ? view_staff() : view_peer();
}

int view_is_own(struct view v, int64_t author_uid)
{
	/* uid 0 is nobody: a peer view must never match a row without an author. */
	return v.reader > 0 && author_uid == v.reader;
}

int view_sees_author(struct view v, int64_t author_uid, int anonymous)
{
	return !anonymous || v.staff || view_is_own(v, author_uid);
}

int view_sees_body(struct view v, const char *state, int64_t author_uid)
{
	if (strcmp(state, "deleted") == 0)
		return 0;
	if (strcmp(state, "hidden") == 0)
		return v.staff || view_is_own(v, author_uid);
	return 1;
}
