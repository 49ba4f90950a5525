/*
 * render_writing.h - drafts and title history as JSON (replies to one
 * reader; accepted answers are posts and render as posts).
 */
#ifndef FORUMD_PROTO_RENDER_WRITING_H
#define FORUMD_PROTO_RENDER_WRITING_H

#include <stdint.h>

#include "core/view.h"
#include "core/writing.h"
#include "msg.h"
#include "render_forum.h"

/* {"draft": {...}} or {"draft": null} when d is NULL: a write result, as a
 * malloc'd string the caller owns (NULL on OOM). */
char *render_result_draft(const struct writing_draft *d);

/* {"deleted": bool}: draft.delete's result, malloc'd (NULL on OOM). */
char *render_result_deleted(int deleted);

/* {"re":id,"ok":true,"data":{"draft": {...} | null}}: a new msg, or NULL. */
struct msg *render_draft_reply(const char *id, const struct writing_draft *d);

/* Adds {revision, title, edited_by, edited_at} in view v; -1 on OOM. */
int render_list_add_title(struct render_list *l, const struct writing_title *r, struct view v);

/* {"re":id,"ok":true,"data":{"thread":thread,"titles":[...]}}; consumes l. */
struct msg *render_title_history(const char *id, int64_t thread, struct render_list *l);

#endif
