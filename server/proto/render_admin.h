/*
 * render_admin.h - what the course platform's admin API and the command
 * line read back: courses and a language's blocked words, as JSON text
 * rendered from plain structs the store fills.
 *
 * Every function returns new NUL-terminated text the caller frees, or NULL
 * when out of memory.
 */
#ifndef FORUMD_PROTO_RENDER_ADMIN_H
#define FORUMD_PROTO_RENDER_ADMIN_H

#include <stddef.h>
#include <stdint.h>

/* One course row. The strings are borrowed. */
struct render_course {
	int64_t id;
	const char *title;
	const char *lang;
	int64_t starts_at, ends_at;   /* seconds */
};

/* {"id","title","lang","starts_at","ends_at"}. */
char *render_course_json(const struct render_course *c);

/* [course, ...] in the order given. */
char *render_courses_json(const struct render_course *c, size_t n);

/* {"lang": lang, "words": [words...]} in the order given. */
char *render_blocked_json(const char *lang, const char *const *words, size_t n);

/* The note a bridged live question's forum post ends with, in the
 * course's language (en, es, pt; anything else: en), into out (cut to
 * cap). Prose lives in proto/: the store hands in the facts only. */
void render_bridge_note(const char *lang, const char *title, long long votes, char *out, size_t cap);

#endif
