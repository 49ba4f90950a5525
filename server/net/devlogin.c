/*
 * devlogin.c - the demo cast and their tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "devlogin.h"
#include "proto/token.h"

#define DEMO_COURSE 1

struct demo_user {
	const char *id, *name;
	enum proto_role role;
	int admin;
};

static const struct demo_user cast[] = {
	{ "ana", "Ana García", PROTO_ROLE_PARTICIPANT, 0 },
	{ "bruno", "Bruno Costa", PROTO_ROLE_PARTICIPANT, 0 },
	{ "chloe", "Chloé Martin", PROTO_ROLE_PARTICIPANT, 0 },
	{ "carla", "Carla Méndez", PROTO_ROLE_FACILITATOR, 0 },
	{ "diego", "Diego Silva", PROTO_ROLE_INSTRUCTOR, 0 },
	{ "admin", "Site Admin", PROTO_ROLE_NONE, 1 },
};

/* The demo users as JSON: a new msg the caller owns, or NULL. */
struct msg *devlogin_users(void)
{
	char buf[2048];
	size_t at = 0;
	int w;

	w = snprintf(buf, sizeof(buf), "{\"course\":%d,\"users\":[", DEMO_COURSE);
	at = (size_t)w;
	for (size_t i = 0; i < sizeof(cast) / sizeof(cast[0]); i++) {
		/* The cast's names hold no characters JSON would need escaped. */
		w = snprintf(buf + at, sizeof(buf) - at, "%s{\"id\":\"%s\",\"name\":\"%s\",\"role\":\"%s\"}",
			     i ? "," : "", cast[i].id, cast[i].name,
			     cast[i].admin ? "admin" : proto_roles[cast[i].role]);
		if (w < 0 || (size_t)w >= sizeof(buf) - at)
			return NULL;
		at += (size_t)w;
	}
	w = snprintf(buf + at, sizeof(buf) - at, "]}");
	if (w < 0 || (size_t)w >= sizeof(buf) - at)
		return NULL;
	return msg_from(buf, at + (size_t)w);
}

/* A token for the demo user `user`, valid for ttl_s: a new msg the caller
 * owns, or NULL (no such user, or out of memory). */
struct msg *devlogin_token(const char *user, const unsigned char *secret, size_t secret_len,
			   long ttl_s)
{
	struct identity_course course = { DEMO_COURSE, PROTO_ROLE_NONE };
	struct identity who;
	struct msg *m = NULL;
	char *tok;

	for (size_t i = 0; i < sizeof(cast) / sizeof(cast[0]); i++) {
		if (strcmp(cast[i].id, user) != 0)
			continue;
		memset(&who, 0, sizeof(who));
		if (identity_set_names(&who, cast[i].id, cast[i].name))
			return NULL;
		who.admin = cast[i].admin;
		course.role = cast[i].role;
		who.courses = &course;  /* borrowed, not freed */
		who.ncourses = cast[i].role ? 1 : 0;
		tok = token_mint(&who, clock_now_ms() / 1000, ttl_s, 0, secret, secret_len);
		if (tok) {
			size_t n = strlen(tok) + 16;
			char *body = malloc(n);

			if (body) {
				snprintf(body, n, "{\"token\":\"%s\"}", tok);
				m = msg_from(body, strlen(body));
				free(body);
			}
			free(tok);
		}
		free(who.user);         /* the names; courses are borrowed */
		return m;
	}
	return NULL;
}
