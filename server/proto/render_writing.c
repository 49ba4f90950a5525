/*
 * render_writing.c - drafts and title history as JSON (render_writing.h).
 */
#include <stdlib.h>

#include "render_internal.h"
#include "render_writing.h"

/* A draft object, or JSON null for no draft; NULL on OOM. */
static cJSON *draft_json(const struct writing_draft *d)
{
	cJSON *o;

	if (!d)
		return cJSON_CreateNull();
	if (!(o = cJSON_CreateObject()))
		return NULL;
	if (!(d->thread ? cJSON_AddNumberToObject(o, "thread", (double)d->thread)
			: cJSON_AddNullToObject(o, "thread")) ||
	    !cJSON_AddNumberToObject(o, "course", (double)d->course) ||
	    !cJSON_AddStringToObject(o, "title", d->title ? d->title : "") ||
	    !cJSON_AddStringToObject(o, "body", d->body ? d->body : "") ||
	    !cJSON_AddNumberToObject(o, "updated_at", (double)d->updated_at)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

char *render_result_draft(const struct writing_draft *d)
{
	return render_wrap_str("draft", draft_json(d));
}

char *render_result_deleted(int deleted)
{
	return render_wrap_str("deleted", cJSON_CreateBool(deleted));
}

struct msg *render_draft_reply(const char *id, const struct writing_draft *d)
{
	cJSON *data, *root = render_ok_head(id, &data), *item;

	if (!root)
		return NULL;
	if (!(item = draft_json(d)) || !cJSON_AddItemToObject(data, "draft", item)) {
		cJSON_Delete(item);     /* not taken by data */
		cJSON_Delete(root);
		return NULL;
	}
	return render_print_msg(root);
}

int render_list_add_title(struct render_list *l, const struct writing_title *r, struct view v)
{
	cJSON *o = cJSON_CreateObject();

	if (o && (!cJSON_AddNumberToObject(o, "revision", (double)r->revision) ||
		  !cJSON_AddStringToObject(o, "title", r->title) || !render_add_author(o, "edited_by", &r->by, 0, v) ||
		  !cJSON_AddNumberToObject(o, "edited_at", (double)r->at))) {
		cJSON_Delete(o);
		o = NULL;
	}
	return render_list_add_item(l, o);
}

struct msg *render_title_history(const char *id, int64_t thread, struct render_list *l)
{
	cJSON *data, *root = render_ok_head(id, &data);

	if (!root || !cJSON_AddNumberToObject(data, "thread", (double)thread)) {
		cJSON_Delete(root);
		render_list_free(l);
		return NULL;
	}
	render_list_take(data, "titles", l);
	return render_print_msg(root);
}
