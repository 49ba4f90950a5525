/*
 * render_forum.c - forum rows -> JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "render.h"
#include "render_forum.h"
#include "jsonw.h"
#include "render_internal.h"

/* ------------------------------------------------------------------------- */
/* Objects                                                                   */
/* ------------------------------------------------------------------------- */

/* The author as this view may see them: staff see who; peers see only that
 * the post is anonymous; the author sees themself, and nobody else. */
int render_add_author(cJSON *o, const char *name, const struct forum_author *a, int anonymous, struct view v)
{
	cJSON *au;

	if (!view_sees_author(v, a->uid, anonymous))
		return cJSON_AddNullToObject(o, name) != NULL;
	au = cJSON_AddObjectToObject(o, name);
	return au && cJSON_AddStringToObject(au, "id", a->ext_id ? a->ext_id : "") &&
	       cJSON_AddStringToObject(au, "name", a->name ? a->name : "");
}

/* A post in view v; its text only where view_sees_body allows. */
cJSON *render_post_json(const struct forum_post *p, struct view v)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (!cJSON_AddNumberToObject(o, "id", (double)p->id) ||
	    !cJSON_AddNumberToObject(o, "thread", (double)p->thread) ||
	    !(p->parent ? cJSON_AddNumberToObject(o, "parent", (double)p->parent)
			: cJSON_AddNullToObject(o, "parent")) ||
	    !cJSON_AddBoolToObject(o, "first", p->first) ||
	    !cJSON_AddBoolToObject(o, "anonymous", p->anonymous) ||
	    !render_add_author(o, "author", &p->author, p->anonymous, v) ||
	    !(view_sees_body(v, p->state, p->author.uid) ? cJSON_AddStringToObject(o, "body", p->body)
							  : cJSON_AddNullToObject(o, "body")) ||
	    !cJSON_AddNumberToObject(o, "created_at", (double)p->created_at) ||
	    !(p->edited_at ? cJSON_AddNumberToObject(o, "edited_at", (double)p->edited_at)
			   : cJSON_AddNullToObject(o, "edited_at")) ||
	    !cJSON_AddNumberToObject(o, "revision", (double)p->revision) ||
	    !cJSON_AddStringToObject(o, "state", p->state) ||
	    !cJSON_AddNumberToObject(o, "votes", (double)p->votes) ||
	    !cJSON_AddBoolToObject(o, "endorsed", p->endorsed) ||
	    !cJSON_AddBoolToObject(o, "accepted", p->accepted)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* A thread in view v: its author and its last poster are each shown as v
 * may see them (the author of the thread is a peer for the last poster). */
static cJSON *thread_json(const struct forum_thread *t, struct view v)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (!cJSON_AddNumberToObject(o, "id", (double)t->id) ||
	    !cJSON_AddNumberToObject(o, "course", (double)t->course) ||
	    !cJSON_AddStringToObject(o, "kind", t->kind) ||
	    !cJSON_AddStringToObject(o, "title", t->title) ||
	    !cJSON_AddBoolToObject(o, "anonymous", t->anonymous) ||
	    !render_add_author(o, "author", &t->author, t->anonymous, v) ||
	    !cJSON_AddNumberToObject(o, "first_post", (double)t->first_post) ||
	    !cJSON_AddNumberToObject(o, "created_at", (double)t->created_at) ||
	    !cJSON_AddNumberToObject(o, "last_activity_at", (double)t->last_activity_at) ||
	    !cJSON_AddNumberToObject(o, "reply_count", (double)t->reply_count) ||
	    !cJSON_AddNumberToObject(o, "votes", (double)t->votes) ||
	    !cJSON_AddBoolToObject(o, "pinned", t->pinned) ||
	    !cJSON_AddBoolToObject(o, "locked", t->locked) ||
	    !cJSON_AddBoolToObject(o, "answered", t->answered) ||
	    !cJSON_AddStringToObject(o, "state", t->state) ||
	    !(t->has_last ? render_add_author(o, "last_poster", &t->last, t->last_anonymous, v)
			  : cJSON_AddNullToObject(o, "last_poster") != NULL)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *course_json(const struct forum_course *c)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (!cJSON_AddNumberToObject(o, "id", (double)c->id) ||
	    !cJSON_AddStringToObject(o, "title", c->title) ||
	    !cJSON_AddStringToObject(o, "lang", c->lang) ||
	    !cJSON_AddNumberToObject(o, "starts_at", (double)c->starts_at) ||
	    !cJSON_AddNumberToObject(o, "ends_at", (double)c->ends_at)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* ------------------------------------------------------------------------- */
/* Events and state                                                          */
/* ------------------------------------------------------------------------- */

struct msg *render_print_msg(cJSON *root)
{
	struct msg *m;

	if (!root)
		return NULL;
	m = jsonw_print_msg(root);
	cJSON_Delete(root);
	return m;
}

char *render_print_str(cJSON *root)
{
	char *s;

	if (!root)
		return NULL;
	s = jsonw_print(root, NULL);
	cJSON_Delete(root);
	return s;
}

char *render_wrap_str(const char *name, cJSON *item)
{
	cJSON *root = cJSON_CreateObject();

	if (!root || !item) {
		cJSON_Delete(root);
		cJSON_Delete(item);
		return NULL;
	}
	cJSON_AddItemToObject(root, name, item);
	return render_print_str(root);
}

/* {"ev":type,"room":room,"seq":seq,"data":{name: item}}; takes item. */
struct msg *render_event_msg(const char *type, const char *room, int64_t seq, const char *name,
			     cJSON *item)
{
	cJSON *root = cJSON_CreateObject(), *data;

	if (!root || !item)
		goto fail;
	if (!cJSON_AddStringToObject(root, "ev", type) || !cJSON_AddStringToObject(root, "room", room) ||
	    !cJSON_AddNumberToObject(root, "seq", (double)seq) ||
	    !(data = cJSON_AddObjectToObject(root, "data")))
		goto fail;
	cJSON_AddItemToObject(data, name, item);
	return render_print_msg(root);
fail:
	cJSON_Delete(item);
	cJSON_Delete(root);
	return NULL;
}

struct msg *render_event_post(const char *type, const char *room, int64_t seq,
			      const struct forum_post *p, struct view v)
{
	return render_event_msg(type, room, seq, "post", render_post_json(p, v));
}

struct msg *render_event_thread(const char *type, const char *room, int64_t seq,
				const struct forum_thread *t, struct view v)
{
	return render_event_msg(type, room, seq, "thread", thread_json(t, v));
}

/* {"st":type,"room":room,"v":v,"data":{}}; returns the data object via *data. */
static cJSON *state_head(const char *type, const char *room, int64_t v, cJSON **data)
{
	cJSON *root = cJSON_CreateObject();

	if (!root || !cJSON_AddStringToObject(root, "st", type) ||
	    !cJSON_AddStringToObject(root, "room", room) || !cJSON_AddNumberToObject(root, "v", (double)v) ||
	    !(*data = cJSON_AddObjectToObject(root, "data"))) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

struct msg *render_state_post_votes(const char *room, int64_t post, int64_t votes, int64_t v)
{
	cJSON *data, *root = state_head("post.votes", room, v, &data);

	if (!root)
		return NULL;
	if (!cJSON_AddNumberToObject(data, "post", (double)post) ||
	    !cJSON_AddNumberToObject(data, "votes", (double)votes)) {
		cJSON_Delete(root);
		return NULL;
	}
	return render_print_msg(root);
}

struct msg *render_state_thread_stats(const char *room, const struct forum_thread *t, struct view v)
{
	cJSON *data, *root = state_head("thread.stats", room, t->stats_v, &data);

	if (!root)
		return NULL;
	if (!cJSON_AddNumberToObject(data, "thread", (double)t->id) ||
	    !cJSON_AddNumberToObject(data, "reply_count", (double)t->reply_count) ||
	    !cJSON_AddNumberToObject(data, "votes", (double)t->votes) ||
	    !cJSON_AddNumberToObject(data, "last_activity_at", (double)t->last_activity_at) ||
	    !cJSON_AddBoolToObject(data, "answered", t->answered) ||
	    !(t->has_last ? render_add_author(data, "last_poster", &t->last, t->last_anonymous, v)
			  : cJSON_AddNullToObject(data, "last_poster") != NULL)) {
		cJSON_Delete(root);
		return NULL;
	}
	return render_print_msg(root);
}

/* ------------------------------------------------------------------------- */
/* Write results                                                             */
/* ------------------------------------------------------------------------- */

char *render_result_thread(const struct forum_thread *t, const struct forum_post *first, struct view v)
{
	cJSON *root = cJSON_CreateObject(), *tj = thread_json(t, v), *pj = render_post_json(first, v);

	if (!root || !tj || !pj) {
		cJSON_Delete(root);
		cJSON_Delete(tj);
		cJSON_Delete(pj);
		return NULL;
	}
	cJSON_AddItemToObject(root, "thread", tj);
	cJSON_AddItemToObject(root, "post", pj);
	return render_print_str(root);
}

char *render_result_post(const struct forum_post *p, struct view v)
{
	cJSON *root = cJSON_CreateObject(), *pj = render_post_json(p, v);

	if (!root || !pj) {
		cJSON_Delete(root);
		cJSON_Delete(pj);
		return NULL;
	}
	cJSON_AddItemToObject(root, "post", pj);
	return render_print_str(root);
}

char *render_result_thread_only(const struct forum_thread *t, struct view v)
{
	cJSON *root = cJSON_CreateObject(), *tj = thread_json(t, v);

	if (!root || !tj) {
		cJSON_Delete(root);
		cJSON_Delete(tj);
		return NULL;
	}
	cJSON_AddItemToObject(root, "thread", tj);
	return render_print_str(root);
}

char *render_result_vote(int64_t post, int64_t votes, int voted)
{
	cJSON *root = cJSON_CreateObject();

	if (!root || !cJSON_AddNumberToObject(root, "post", (double)post) ||
	    !cJSON_AddNumberToObject(root, "votes", (double)votes) || !cJSON_AddBoolToObject(root, "voted", voted)) {
		cJSON_Delete(root);
		return NULL;
	}
	return render_print_str(root);
}

char *render_result_follow(int64_t thread, int following)
{
	cJSON *root = cJSON_CreateObject();

	if (!root || !cJSON_AddNumberToObject(root, "thread", (double)thread) ||
	    !cJSON_AddBoolToObject(root, "following", following)) {
		cJSON_Delete(root);
		return NULL;
	}
	return render_print_str(root);
}

/* ------------------------------------------------------------------------- */
/* Lists and list replies                                                    */
/* ------------------------------------------------------------------------- */


struct render_list *render_list_new(void)
{
	struct render_list *l = malloc(sizeof(*l));

	if (!l)
		return NULL;
	l->arr = cJSON_CreateArray();
	if (!l->arr) {
		free(l);
		return NULL;
	}
	l->bytes = 0;
	l->more = 0;
	return l;
}

void render_list_free(struct render_list *l)
{
	if (!l)
		return;
	cJSON_Delete(l->arr);
	free(l);
}

int render_list_add_item(struct render_list *l, cJSON *item)
{
	if (!item)
		return -1;
	cJSON_AddItemToArray(l->arr, item);
	return 0;
}

int render_list_add_thread(struct render_list *l, const struct forum_thread *t, struct view v, int following)
{
	cJSON *o = thread_json(t, v);
	int mine = view_is_own(v, t->author.uid);

	if (o && (!cJSON_AddBoolToObject(o, "following", following) || !cJSON_AddBoolToObject(o, "mine", mine))) {
		cJSON_Delete(o);
		o = NULL;
	}
	return render_list_add_item(l, o);
}

int render_list_add_post(struct render_list *l, const struct forum_post *p, struct view v, int voted)
{
	cJSON *o = render_post_json(p, v);
	int mine = view_is_own(v, p->author.uid);

	if (o && (!cJSON_AddBoolToObject(o, "mine", mine) || !cJSON_AddBoolToObject(o, "voted", voted))) {
		cJSON_Delete(o);
		o = NULL;
	}
	return render_list_add_item(l, o);
}

int render_list_add_course(struct render_list *l, const struct forum_course *c, const char *role,
			   const char *access)
{
	cJSON *o = course_json(c);

	if (o && (!cJSON_AddStringToObject(o, "role", role) || !cJSON_AddStringToObject(o, "access", access))) {
		cJSON_Delete(o);
		o = NULL;
	}
	return render_list_add_item(l, o);
}

/* {"re":id,"ok":true,"data":{}}; returns data via *data. */
cJSON *render_ok_head(const char *id, cJSON **data)
{
	cJSON *root = cJSON_CreateObject();

	if (!root || !cJSON_AddStringToObject(root, "re", id) || !cJSON_AddBoolToObject(root, "ok", 1) ||
	    !(*data = cJSON_AddObjectToObject(root, "data"))) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* Moves the list's array into obj under name and frees the list. */
void render_list_take(cJSON *obj, const char *name, struct render_list *l)
{
	cJSON_AddItemToObject(obj, name, l->arr);
	l->arr = NULL;
	free(l);
}

struct msg *render_thread_list(const char *id, struct render_list *l, const char *next_cursor)
{
	cJSON *data, *root = render_ok_head(id, &data);

	if (!root || !(next_cursor ? cJSON_AddStringToObject(data, "next_cursor", next_cursor)
				   : cJSON_AddNullToObject(data, "next_cursor"))) {
		cJSON_Delete(root);
		render_list_free(l);
		return NULL;
	}
	render_list_take(data, "threads", l);
	return render_print_msg(root);
}

struct msg *render_course_list(const char *id, struct render_list *l)
{
	cJSON *data, *root = render_ok_head(id, &data);

	if (!root) {
		render_list_free(l);
		return NULL;
	}
	render_list_take(data, "courses", l);
	return render_print_msg(root);
}

struct msg *render_subscribe_ok(const char *id, const char *room, int64_t seq, const char *mode,
				int64_t replay, const struct forum_thread *t,
				const struct forum_course *c, struct render_list *posts,
				struct view v, int following)
{
	cJSON *data, *root = render_ok_head(id, &data), *item;

	if (!root || !cJSON_AddStringToObject(data, "room", room) ||
	    !cJSON_AddNumberToObject(data, "seq", (double)seq) || !cJSON_AddStringToObject(data, "mode", mode) ||
	    !cJSON_AddNumberToObject(data, "replay", (double)replay))
		goto fail;
	if (t) {
		if (!(item = thread_json(t, v)))
			goto fail;
		cJSON_AddItemToObject(data, "thread", item);
		if (!cJSON_AddBoolToObject(item, "following", following) ||
		    !cJSON_AddBoolToObject(item, "mine", view_is_own(v, t->author.uid)))
			goto fail;
	}
	if (c) {
		if (!(item = course_json(c)))
			goto fail;
		cJSON_AddItemToObject(data, "course", item);
	}
	if (posts) {
		if (!cJSON_AddBoolToObject(data, "more", posts->more))
			goto fail;
		render_list_take(data, "posts", posts);
	}
	return render_print_msg(root);
fail:
	cJSON_Delete(root);
	render_list_free(posts);
	return NULL;
}

/* ------------------------------------------------------------------------- */
/* Pages bounded in bytes                                                    */
/* ------------------------------------------------------------------------- */

/* Bytes of s as a JSON string, quotes included, escaped as cJSON prints it. */
static size_t json_string_size(const char *s)
{
	size_t n = 2;

	if (!s)
		return 2;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\' || ch == '\b' || ch == '\f' || ch == '\n' || ch == '\r' || ch == '\t')
			n += 2;
		else if (ch < 32)
			n += 6;
		else
			n++;
	}
	return n;
}

/* Bytes of j printed unformatted: exact for what our renderers build, but
 * for numbers, counted at the width of their printed digits. */
static size_t json_size(const cJSON *j)
{
	char num[40];
	size_t n;
	int k;

	switch (j->type & 0xff) {
	case cJSON_False:
		return 5;
	case cJSON_True:
	case cJSON_NULL:
		return 4;
	case cJSON_Number:
		k = snprintf(num, sizeof(num), "%1.17g", j->valuedouble);
		return k > 0 ? (size_t)k : 1;
	case cJSON_String:
		return json_string_size(j->valuestring);
	case cJSON_Raw:
		return j->valuestring ? strlen(j->valuestring) : 0;
	case cJSON_Array:
	case cJSON_Object:
		n = 2;
		for (const cJSON *c = j->child; c; c = c->next) {
			if (c != j->child)
				n++;
			if ((j->type & 0xff) == cJSON_Object)
				n += json_string_size(c->string) + 1;
			n += json_size(c);
		}
		return n;
	default:
		return 0;
	}
}

int render_list_fit(struct render_list *l, size_t budget)
{
	cJSON *last = l->arr->child ? l->arr->child->prev : NULL;
	size_t n;

	if (!last)
		return 0;
	n = json_size(last) + 1;        /* and its comma */
	if (l->bytes + n > budget) {
		cJSON_Delete(cJSON_DetachItemViaPointer(l->arr, last));
		l->more = 1;
		return 1;
	}
	l->bytes += n;
	return 0;
}

size_t render_list_trim(struct render_list *l, size_t budget)
{
	cJSON *c = l->arr->child;

	l->bytes = 0;
	for (; c; c = c->next) {
		size_t n = json_size(c) + 1;

		if (l->bytes + n > budget)
			break;
		l->bytes += n;
	}
	while (c) {
		cJSON *next = c->next;

		cJSON_Delete(cJSON_DetachItemViaPointer(l->arr, c));
		l->more = 1;
		c = next;
	}
	return l->bytes;
}

void render_list_reverse(struct render_list *l)
{
	cJSON *rev = cJSON_CreateArray(), *c;

	if (!rev)
		return;
	while ((c = l->arr->child ? l->arr->child->prev : NULL))
		cJSON_AddItemToArray(rev, cJSON_DetachItemViaPointer(l->arr, c));
	cJSON_Delete(l->arr);
	l->arr = rev;
}

void render_list_set_more(struct render_list *l)
{
	l->more = 1;
}

int render_list_more(const struct render_list *l)
{
	return l && l->more;
}

int render_list_last_add_int(struct render_list *l, const char *name, int64_t value)
{
	cJSON *last = l->arr->child ? l->arr->child->prev : NULL;

	return last && cJSON_AddNumberToObject(last, name, (double)value) ? 0 : -1;
}

int render_list_add_votes(struct render_list *l, const char *key, int64_t id, int64_t votes, int64_t v)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddNumberToObject(o, key, (double)id) || !cJSON_AddNumberToObject(o, "votes", (double)votes) ||
	    !cJSON_AddNumberToObject(o, "v", (double)v)) {
		cJSON_Delete(o);
		return -1;
	}
	return render_list_add_item(l, o);
}

struct msg *render_subscribe_resume(const char *id, const char *room, int64_t seq, const char *mode,
				    int64_t replay, struct render_list *votes)
{
	cJSON *data, *root = render_ok_head(id, &data);

	if (!root || !cJSON_AddStringToObject(data, "room", room) ||
	    !cJSON_AddNumberToObject(data, "seq", (double)seq) || !cJSON_AddStringToObject(data, "mode", mode) ||
	    !cJSON_AddNumberToObject(data, "replay", (double)replay) ||
	    (votes && !cJSON_AddBoolToObject(data, "votes_more", votes->more))) {
		cJSON_Delete(root);
		render_list_free(votes);
		return NULL;
	}
	if (votes)
		render_list_take(data, "votes", votes);
	return render_print_msg(root);
}
