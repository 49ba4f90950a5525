/*
 * render_internal.h - cJSON helpers shared by the renderers in proto/ (and
 * only there: nothing outside proto/ sees cJSON).
 */
#ifndef FORUMD_PROTO_RENDER_INTERNAL_H
#define FORUMD_PROTO_RENDER_INTERNAL_H

#include <cjson/cJSON.h>

#include "core/forum.h"
#include "core/view.h"
#include "msg.h"

struct render_list {
	cJSON *arr;
	size_t bytes;           /* printed size of the items render_list_fit/trim measured */
	int more;               /* items were left out to keep a page within its bounds */
};

/* Adds name: {id, name} for the author, or null when the view may not see
 * them (view_sees_author): every identity any renderer puts out goes
 * through here. */
int render_add_author(cJSON *o, const char *name, const struct forum_author *a, int anonymous, struct view v);
/* A post object in a view; NULL on OOM. */
cJSON *render_post_json(const struct forum_post *p, struct view v);
/* Prints and frees root: as a msg / as a malloc'd string. */
struct msg *render_print_msg(cJSON *root);
char *render_print_str(cJSON *root);
/* {name: item} printed (malloc'd), taking item; NULL on OOM or a NULL item. */
char *render_wrap_str(const char *name, cJSON *item);
/* {"ev":type,"room":room,"seq":seq,"data":{name: item}}; takes item. */
struct msg *render_event_msg(const char *type, const char *room, int64_t seq, const char *name, cJSON *item);
/* Appends item (taken) to the list; -1 if item is NULL. */
int render_list_add_item(struct render_list *l, cJSON *item);
/* {"re":id,"ok":true,"data":{}} with data returned through *data. */
cJSON *render_ok_head(const char *id, cJSON **data);
/* Moves the list's array into obj under name and frees the list. */
void render_list_take(cJSON *obj, const char *name, struct render_list *l);

#endif
