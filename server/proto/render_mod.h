/*
 * render_mod.h - moderation records as JSON: staff-room events, notices,
 * write results and list replies, each in a view (core/view.h): the staff
 * view for staff rooms and lists; the actor's view (view_of) for results.
 */
#ifndef FORUMD_PROTO_RENDER_MOD_H
#define FORUMD_PROTO_RENDER_MOD_H

#include "core/moderation.h"
#include "msg.h"
#include "render_forum.h"

/* {"ev":type,"room":room,"seq":seq,"data":{"flag":{...}}}. */
struct msg *render_event_flag(const char *type, const char *room, int64_t seq, const struct mod_flag *f,
			      struct view v);
/* {"ev":"audit.created",...,"data":{"entry":{...}}} */
struct msg *render_event_audit(const char *room, int64_t seq, const struct mod_audit *a, struct view v);
/* {"ev":"notice",...,"data":{"notice":{kind, course, until?, reason?, post?, created_at}}} */
struct msg *render_event_notice(const char *room, int64_t seq, const struct mod_notice *n);

/* Write results (malloc'd JSON of the reply's data). */
char *render_result_flag(const struct mod_flag *f, struct view v);
char *render_result_mute(const struct mod_mute *m, struct view v);      /* m NULL: {"mute":null} */

/* List items. */
int render_list_add_flag(struct render_list *l, const struct mod_flag *f, struct view v);
int render_list_add_audit(struct render_list *l, const struct mod_audit *a, struct view v);
int render_list_add_revision(struct render_list *l, const struct mod_revision *r, struct view v);

/* {name:[...]} as a malloc'd string (a write result); consumes l. */
char *render_list_result(struct render_list *l, const char *name);

/* {"re":id,"ok":true,"data":{name:[...], "next_cursor":c|null?, "post":post?}}: consumes l.
 * with_cursor 0 leaves next_cursor out; post 0 leaves post out. */
struct msg *render_list_reply(const char *id, const char *name, struct render_list *l, int with_cursor,
			      const char *next_cursor, int64_t post);

#endif
