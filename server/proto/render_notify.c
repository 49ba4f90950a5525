/*
 * render_notify.c - notifications as JSON (see render_notify.h).
 */
#include "render_internal.h"
#include "render_forum.h"
#include "render_notify.h"

/* One notification object. The actor is named only when the store kept one
 * (never for an anonymous post), so there is no view to apply here. */
static cJSON *notification_json(const struct notify_item *n)
{
	cJSON *o = cJSON_CreateObject(), *a;

	if (!o)
		return NULL;
	if (!cJSON_AddNumberToObject(o, "id", (double)n->id) ||
	    !cJSON_AddStringToObject(o, "kind", n->kind ? n->kind : "") ||
	    !cJSON_AddNumberToObject(o, "course", (double)n->course) ||
	    !(n->thread ? cJSON_AddNumberToObject(o, "thread", (double)n->thread) : cJSON_AddNullToObject(o, "thread")) ||
	    !(n->thread_title ? cJSON_AddStringToObject(o, "title", n->thread_title) : cJSON_AddNullToObject(o, "title")) ||
	    !(n->post ? cJSON_AddNumberToObject(o, "post", (double)n->post) : cJSON_AddNullToObject(o, "post")) ||
	    !cJSON_AddNumberToObject(o, "count", (double)n->count) ||
	    !cJSON_AddNumberToObject(o, "created_at", (double)n->created_at) ||
	    !cJSON_AddNumberToObject(o, "updated_at", (double)n->updated_at) ||
	    !cJSON_AddBoolToObject(o, "read", n->read))
		goto fail;
	if (n->actor) {
		if (!(a = cJSON_AddObjectToObject(o, "by")) ||
		    !cJSON_AddStringToObject(a, "id", n->actor_ext_id ? n->actor_ext_id : "") ||
		    !cJSON_AddStringToObject(a, "name", n->actor_name ? n->actor_name : ""))
			goto fail;
	} else if (!cJSON_AddNullToObject(o, "by")) {
		goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

/* {kind: wanted} for every kind. */
static cJSON *settings_json(unsigned wants)
{
	cJSON *o = cJSON_CreateObject();

	for (int k = NOTIFY_NONE + 1; o && k < NOTIFY__COUNT; k++)
		if (!cJSON_AddBoolToObject(o, notify_kind_name((enum notify_kind)k), (wants & NOTIFY_WANT(k)) != 0)) {
			cJSON_Delete(o);
			return NULL;
		}
	return o;
}

struct msg *render_event_notification(const char *room, int64_t seq, const struct notify_item *n, int64_t unread)
{
	cJSON *root = cJSON_CreateObject(), *data, *item = notification_json(n);

	if (!root || !item || !cJSON_AddStringToObject(root, "ev", "notification") ||
	    !cJSON_AddStringToObject(root, "room", room) || !cJSON_AddNumberToObject(root, "seq", (double)seq) ||
	    !(data = cJSON_AddObjectToObject(root, "data")))
		goto fail;
	cJSON_AddItemToObject(data, "notification", item);
	item = NULL;
	if (!cJSON_AddNumberToObject(data, "unread", (double)unread))
		goto fail;
	return render_print_msg(root);
fail:
	cJSON_Delete(item);
	cJSON_Delete(root);
	return NULL;
}

int render_list_add_notification(struct render_list *l, const struct notify_item *n)
{
	return render_list_add_item(l, notification_json(n));
}

struct msg *render_notification_list(const char *id, struct render_list *l, int64_t unread, unsigned wants,
				     const char *next_cursor)
{
	cJSON *data, *root = render_ok_head(id, &data), *o;

	if (!root || !cJSON_AddNumberToObject(data, "unread", (double)unread) || !(o = settings_json(wants)))
		goto fail;
	cJSON_AddItemToObject(data, "settings", o);
	if (!(next_cursor ? cJSON_AddStringToObject(data, "next_cursor", next_cursor)
			  : cJSON_AddNullToObject(data, "next_cursor")))
		goto fail;
	render_list_take(data, "notifications", l);
	return render_print_msg(root);
fail:
	cJSON_Delete(root);
	render_list_free(l);
	return NULL;
}

int render_list_add_member(struct render_list *l, const char *ext_id, const char *name)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddStringToObject(o, "id", ext_id ? ext_id : "") ||
	    !cJSON_AddStringToObject(o, "name", name ? name : "")) {
		cJSON_Delete(o);
		return -1;
	}
	return render_list_add_item(l, o);
}

struct msg *render_members_reply(const char *id, int64_t course, struct render_list *l)
{
	cJSON *data, *root = render_ok_head(id, &data);

	if (!root || !cJSON_AddNumberToObject(data, "course", (double)course)) {
		cJSON_Delete(root);
		render_list_free(l);
		return NULL;
	}
	render_list_take(data, "members", l);
	return render_print_msg(root);
}

char *render_result_notify_read(int64_t changed, int64_t unread)
{
	cJSON *root = cJSON_CreateObject();

	if (!root || !cJSON_AddNumberToObject(root, "read", (double)changed) ||
	    !cJSON_AddNumberToObject(root, "unread", (double)unread)) {
		cJSON_Delete(root);
		return NULL;
	}
	return render_print_str(root);
}

char *render_result_notify_settings(unsigned wants)
{
	return render_wrap_str("settings", settings_json(wants));
}

char *render_result_thread_mute(int64_t thread, int muted)
{
	cJSON *root = cJSON_CreateObject();

	if (!root || !cJSON_AddNumberToObject(root, "thread", (double)thread) ||
	    !cJSON_AddBoolToObject(root, "muted", muted)) {
		cJSON_Delete(root);
		return NULL;
	}
	return render_print_str(root);
}
