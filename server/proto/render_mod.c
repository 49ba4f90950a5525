/*
 * render_mod.c - moderation records -> JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"
#include "render_mod.h"

/*
 * Moderation records are for staff (and a flag for its flagger, a mute for
 * its subject), yet each is rendered in a view like any other object: who
 * flagged, who was muted and who edited a post are shown only to staff and
 * to that person (as if anonymous to everyone else), and a flagged post as
 * the view may see it. So a record sent to the wrong audience still names
 * nobody.
 */
static cJSON *flag_json(const struct mod_flag *f, struct view v)
{
	cJSON *o = cJSON_CreateObject(), *item;

	if (!o)
		return NULL;
	if (!cJSON_AddNumberToObject(o, "id", (double)f->id) || !cJSON_AddNumberToObject(o, "course", (double)f->course) ||
	    !cJSON_AddStringToObject(o, "state", f->state) || !cJSON_AddStringToObject(o, "reason", f->reason) ||
	    !cJSON_AddNumberToObject(o, "created_at", (double)f->created_at) ||
	    !render_add_author(o, "flagger", &f->flagger, 1, v))
		goto fail;
	if (f->has_post) {
		if (!(item = render_post_json(&f->post, v)))
			goto fail;
		cJSON_AddItemToObject(o, "post", item);
		if (!(item = cJSON_AddObjectToObject(o, "thread")) ||
		    !cJSON_AddNumberToObject(item, "id", (double)f->thread) ||
		    !cJSON_AddStringToObject(item, "title", f->thread_title ? f->thread_title : ""))
			goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

/* An audit entry; the user it concerns is named only in the staff view. */
static cJSON *audit_json(const struct mod_audit *a, struct view v)
{
	cJSON *o = cJSON_CreateObject(), *subj;

	if (!o)
		return NULL;
	if (!cJSON_AddNumberToObject(o, "id", (double)a->id) || !cJSON_AddNumberToObject(o, "course", (double)a->course) ||
	    !render_add_author(o, "actor", &a->actor, 0, v) || !cJSON_AddStringToObject(o, "action", a->action) ||
	    !(subj = cJSON_AddObjectToObject(o, "subject")) ||
	    !cJSON_AddStringToObject(subj, "kind", a->subject_kind) ||
	    !cJSON_AddNumberToObject(subj, "id", (double)a->subject_id) ||
	    (a->subject_user && v.staff && !cJSON_AddStringToObject(subj, "user", a->subject_user)) ||
	    !(a->reason ? cJSON_AddStringToObject(o, "reason", a->reason) : cJSON_AddNullToObject(o, "reason")) ||
	    !cJSON_AddNumberToObject(o, "created_at", (double)a->created_at)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *notice_json(const struct mod_notice *n)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (!cJSON_AddStringToObject(o, "kind", n->kind) || !cJSON_AddNumberToObject(o, "course", (double)n->course) ||
	    (n->until && !cJSON_AddNumberToObject(o, "until", (double)n->until)) ||
	    (n->reason && !cJSON_AddStringToObject(o, "reason", n->reason)) ||
	    (n->post && !cJSON_AddNumberToObject(o, strncmp(n->kind, "question_", 9) ? "post" : "question",
						 (double)n->post)) ||
	    !cJSON_AddNumberToObject(o, "created_at", (double)n->created_at)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *mute_json(const struct mod_mute *m, struct view v)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (!cJSON_AddNumberToObject(o, "course", (double)m->course) || !render_add_author(o, "user", &m->user, 1, v) ||
	    !cJSON_AddNumberToObject(o, "until", (double)m->until) || !cJSON_AddStringToObject(o, "reason", m->reason)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

struct msg *render_event_flag(const char *type, const char *room, int64_t seq, const struct mod_flag *f,
			      struct view v)
{
	return render_event_msg(type, room, seq, "flag", flag_json(f, v));
}

struct msg *render_event_audit(const char *room, int64_t seq, const struct mod_audit *a, struct view v)
{
	return render_event_msg("audit.created", room, seq, "entry", audit_json(a, v));
}

struct msg *render_event_notice(const char *room, int64_t seq, const struct mod_notice *n)
{
	return render_event_msg("notice", room, seq, "notice", notice_json(n));
}

/* {name: item} as a malloc'd string; takes item (NULL item: {name: null}). */
static char *result_of(const char *name, cJSON *item, int null_ok)
{
	cJSON *root = cJSON_CreateObject();

	if (!root || (!item && !null_ok)) {
		cJSON_Delete(root);
		cJSON_Delete(item);
		return NULL;
	}
	if (item)
		cJSON_AddItemToObject(root, name, item);
	else if (!cJSON_AddNullToObject(root, name)) {
		cJSON_Delete(root);
		return NULL;
	}
	return render_print_str(root);
}

char *render_result_flag(const struct mod_flag *f, struct view v)
{
	return result_of("flag", flag_json(f, v), 0);
}

char *render_result_mute(const struct mod_mute *m, struct view v)
{
	return m ? result_of("mute", mute_json(m, v), 0) : result_of("mute", NULL, 1);
}

int render_list_add_flag(struct render_list *l, const struct mod_flag *f, struct view v)
{
	return render_list_add_item(l, flag_json(f, v));
}

int render_list_add_audit(struct render_list *l, const struct mod_audit *a, struct view v)
{
	return render_list_add_item(l, audit_json(a, v));
}

int render_list_add_revision(struct render_list *l, const struct mod_revision *r, struct view v)
{
	cJSON *o = cJSON_CreateObject();

	if (o && (!cJSON_AddNumberToObject(o, "revision", (double)r->revision) ||
		  !cJSON_AddStringToObject(o, "body", r->body) || !render_add_author(o, "edited_by", &r->by, 1, v) ||
		  !cJSON_AddNumberToObject(o, "edited_at", (double)r->at))) {
		cJSON_Delete(o);
		o = NULL;
	}
	return render_list_add_item(l, o);
}

struct msg *render_list_reply(const char *id, const char *name, struct render_list *l, int with_cursor,
			      const char *next_cursor, int64_t post)
{
	cJSON *data, *root = render_ok_head(id, &data);

	if (!root || (with_cursor && !(next_cursor ? cJSON_AddStringToObject(data, "next_cursor", next_cursor)
						   : cJSON_AddNullToObject(data, "next_cursor"))) ||
	    (post && !cJSON_AddNumberToObject(data, "post", (double)post)) ||
	    (l->more && !cJSON_AddTrueToObject(data, "more"))) {
		cJSON_Delete(root);
		render_list_free(l);
		return NULL;
	}
	render_list_take(data, name, l);
	return render_print_msg(root);
}

char *render_list_result(struct render_list *l, const char *name)
{
	cJSON *root = cJSON_CreateObject();

	if (!root) {
		render_list_free(l);
		return NULL;
	}
	render_list_take(root, name, l);
	return render_print_str(root);
}
