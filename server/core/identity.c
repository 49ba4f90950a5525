/*
 * identity.c - helpers over struct identity.
 */
#include <stdlib.h>
#include <string.h>

#include "identity.h"

/* Where the courses start in a packed block holding names_len bytes of
 * strings: the next offset aligned for them. */
static size_t courses_offset(size_t names_len)
{
	size_t a = _Alignof(struct identity_course);

	return (names_len + a - 1) / a * a;
}

int identity_set_names(struct identity *who, const char *user, const char *name)
{
	size_t ul = strlen(user), nl = strlen(name);
	char *block;

	if (ul > PROTO_MAX_USER_ID_CHARS || nl > PROTO_MAX_NAME_CHARS * 4 || !(block = malloc(ul + nl + 2)))
		return -1;
	if (who->packed) {
		/* The courses live in the block being replaced: give them
		 * their own first. */
		struct identity_course *c = malloc(who->ncourses * sizeof(*c));

		if (!c) {
			free(block);
			return -1;
		}
		memcpy(c, who->courses, who->ncourses * sizeof(*c));
		who->courses = c;
		who->packed = 0;
	}
	memcpy(block, user, ul + 1);
	memcpy(block + ul + 1, name, nl + 1);
	free(who->user);
	who->user = block;
	who->name = block + ul + 1;
	return 0;
}

int identity_pack(struct identity *who)
{
	size_t name_at, names_len, off, courses_len;
	char *block;

	if (who->packed || !who->user || !who->ncourses)
		return 0;
	name_at = (size_t)(who->name - who->user);
	names_len = name_at + strlen(who->name) + 1;
	off = courses_offset(names_len);
	courses_len = who->ncourses * sizeof(*who->courses);
	if (!(block = malloc(off + courses_len)))
		return -1;
	memcpy(block, who->user, names_len);
	memcpy(block + off, who->courses, courses_len);
	free(who->user);
	free(who->courses);
	who->user = block;
	who->name = block + name_at;
	who->courses = (struct identity_course *)(void *)(block + off);
	who->packed = 1;
	return 0;
}

void identity_free(struct identity *who)
{
	free(who->user);
	if (!who->packed)
		free(who->courses);
	memset(who, 0, sizeof(*who));
}

void identity_move(struct identity *dst, struct identity *src)
{
	identity_free(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

int identity_copy(struct identity *dst, const struct identity *src)
{
	*dst = *src;
	dst->user = dst->name = NULL;
	dst->courses = NULL;
	dst->packed = 0;
	if (src->user && identity_set_names(dst, src->user, src->name)) {
		memset(dst, 0, sizeof(*dst));
		return -1;
	}
	if (src->ncourses) {
		dst->courses = malloc(src->ncourses * sizeof(*dst->courses));
		if (!dst->courses) {
			free(dst->user);
			memset(dst, 0, sizeof(*dst));
			return -1;
		}
		memcpy(dst->courses, src->courses, src->ncourses * sizeof(*dst->courses));
	}
	return 0;
}

enum proto_role identity_role(const struct identity *who, int64_t course)
{
	size_t lo = 0, hi = who->ncourses;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (who->courses[mid].course == course)
			return who->courses[mid].role;
		if (who->courses[mid].course < course)
			lo = mid + 1;
		else
			hi = mid;
	}
	return PROTO_ROLE_NONE;
}

int identity_user_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PROTO_MAX_USER_ID_CHARS)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '@' || c == '-'))
			return 0;
	}
	return 1;
}
