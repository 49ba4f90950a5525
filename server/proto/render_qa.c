/*
 * render_qa.c - live Q&A -> JSON and CSV.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "render_internal.h"
#include "render_qa.h"
#include "export.h"

static int add_opt_num(cJSON *o, const char *name, int64_t v)
{
	return v ? cJSON_AddNumberToObject(o, name, (double)v) != NULL : cJSON_AddNullToObject(o, name) != NULL;
}

static cJSON *session_json(const struct qa_session *s)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (!cJSON_AddNumberToObject(o, "id", (double)s->id) || !cJSON_AddNumberToObject(o, "course", (double)s->course) ||
	    !cJSON_AddStringToObject(o, "title", s->title) ||
	    !cJSON_AddNumberToObject(o, "starts_at", (double)s->starts_at) ||
	    !cJSON_AddStringToObject(o, "state", s->state) || !cJSON_AddBoolToObject(o, "premoderated", s->premoderated) ||
	    !add_opt_num(o, "started_at", s->started_at) || !add_opt_num(o, "ended_at", s->ended_at) ||
	    !add_opt_num(o, "answering", s->answering)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* A question in view v: the dismissal reason is for staff and the asker. */
static cJSON *question_json(const struct qa_question *q, struct view v)
{
	cJSON *o = cJSON_CreateObject();
	int see = qa_question_sees_reason(v, q->author.uid);

	if (!o)
		return NULL;
	if (!cJSON_AddNumberToObject(o, "id", (double)q->id) || !cJSON_AddNumberToObject(o, "session", (double)q->session) ||
	    !cJSON_AddStringToObject(o, "body", q->body) || !cJSON_AddBoolToObject(o, "anonymous", q->anonymous) ||
	    !render_add_author(o, "author", &q->author, q->anonymous, v) ||
	    !cJSON_AddStringToObject(o, "state", q->state) || !cJSON_AddNumberToObject(o, "votes", (double)q->votes) ||
	    !(q->answer ? cJSON_AddStringToObject(o, "answer", q->answer) : cJSON_AddNullToObject(o, "answer")) ||
	    (see && q->dismiss_reason && !cJSON_AddStringToObject(o, "dismiss_reason", q->dismiss_reason)) ||
	    !cJSON_AddNumberToObject(o, "created_at", (double)q->created_at) ||
	    !add_opt_num(o, "published_at", q->published_at) || !add_opt_num(o, "answered_at", q->answered_at) ||
	    !add_opt_num(o, "edited_at", q->edited_at)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

struct msg *render_event_session(const char *type, const char *room, int64_t seq, const struct qa_session *s)
{
	return render_event_msg(type, room, seq, "session", session_json(s));
}

struct msg *render_event_question(const char *type, const char *room, int64_t seq, const struct qa_question *q,
				  struct view v)
{
	return render_event_msg(type, room, seq, "question", question_json(q, v));
}

static struct msg *state_msg(const char *type, const char *room, int64_t v, cJSON *data)
{
	cJSON *root = cJSON_CreateObject();

	if (!root || !data || !cJSON_AddStringToObject(root, "st", type) || !cJSON_AddStringToObject(root, "room", room) ||
	    !cJSON_AddNumberToObject(root, "v", (double)v)) {
		cJSON_Delete(root);
		cJSON_Delete(data);
		return NULL;
	}
	cJSON_AddItemToObject(root, "data", data);
	return render_print_msg(root);
}

struct msg *render_state_question_votes(const char *room, int64_t question, int64_t votes, int64_t v)
{
	cJSON *d = cJSON_CreateObject();

	if (d && (!cJSON_AddNumberToObject(d, "question", (double)question) ||
		  !cJSON_AddNumberToObject(d, "votes", (double)votes))) {
		cJSON_Delete(d);
		d = NULL;
	}
	return state_msg("question.votes", room, v, d);
}

struct msg *render_state_answering(const char *room, int64_t session, int64_t question, int64_t v)
{
	cJSON *d = cJSON_CreateObject();

	if (d && (!cJSON_AddNumberToObject(d, "session", (double)session) || !add_opt_num(d, "question", question))) {
		cJSON_Delete(d);
		d = NULL;
	}
	return state_msg("session.answering", room, v, d);
}

char *render_result_session(const struct qa_session *s)
{
	return render_wrap_str("session", session_json(s));
}

char *render_result_question(const struct qa_question *q, struct view v)
{
	return render_wrap_str("question", question_json(q, v));
}

char *render_result_question_vote(int64_t question, int64_t votes, int voted)
{
	cJSON *root = cJSON_CreateObject();

	if (!root || !cJSON_AddNumberToObject(root, "question", (double)question) ||
	    !cJSON_AddNumberToObject(root, "votes", (double)votes) || !cJSON_AddBoolToObject(root, "voted", voted)) {
		cJSON_Delete(root);
		return NULL;
	}
	return render_print_str(root);
}

int render_list_add_session(struct render_list *l, const struct qa_session *s)
{
	return render_list_add_item(l, session_json(s));
}

int render_list_add_question(struct render_list *l, const struct qa_question *q, struct view v, int voted)
{
	cJSON *o = question_json(q, v);
	int mine = view_is_own(v, q->author.uid);

	if (o && (!cJSON_AddBoolToObject(o, "mine", mine) || !cJSON_AddBoolToObject(o, "voted", voted))) {
		cJSON_Delete(o);
		o = NULL;
	}
	return render_list_add_item(l, o);
}

int render_list_add_bridged(struct render_list *l, int64_t question, int64_t thread)
{
	cJSON *o = cJSON_CreateObject();

	if (o && (!cJSON_AddNumberToObject(o, "question", (double)question) ||
		  !cJSON_AddNumberToObject(o, "thread", (double)thread))) {
		cJSON_Delete(o);
		o = NULL;
	}
	return render_list_add_item(l, o);
}

struct msg *render_session_snapshot(const char *id, const char *room, int64_t seq, const struct qa_session *s,
				    struct render_list *questions, struct render_list *polls,
				    struct render_list *surveys)
{
	cJSON *data, *root = render_ok_head(id, &data), *sj = session_json(s);

	if (!root || !sj || !cJSON_AddStringToObject(data, "room", room) ||
	    !cJSON_AddNumberToObject(data, "seq", (double)seq) || !cJSON_AddStringToObject(data, "mode", "snapshot") ||
	    !cJSON_AddNumberToObject(data, "replay", 0) ||
	    !cJSON_AddBoolToObject(data, "more", render_list_more(questions) || render_list_more(polls) ||
							  render_list_more(surveys))) {
		cJSON_Delete(root);
		cJSON_Delete(sj);
		render_list_free(questions);
		render_list_free(polls);
		render_list_free(surveys);
		return NULL;
	}
	cJSON_AddItemToObject(data, "session", sj);
	render_list_take(data, "questions", questions);
	render_list_take(data, "polls", polls);
	render_list_take(data, "surveys", surveys);
	return render_print_msg(root);
}

/* ------------------------------------------------------------------------- */
/* Export                                                                    */
/* ------------------------------------------------------------------------- */

/* The export's rows go straight into an export table (proto/export.c). */
struct qa_export {
	struct export *x;
	int names;
};

struct qa_export *qa_export_new(const struct qa_session *s, struct view v, int names)
{
	static const char *const cols[] = { "id", "asked_at_s", "state", "votes", "anonymous", "asker",
					     "question", "answer", "answered_at_s" };
	static const char *const cols_no_names[] = { "id", "asked_at_s", "state", "votes", "anonymous",
						     "question", "answer", "answered_at_s" };
	struct qa_export *e = calloc(1, sizeof(*e));
	cJSON *sj = cJSON_CreateObject();
	char *head = NULL;

	/* Names are the staff's only: asked for by anyone else, they are left out. */
	names = names && v.staff;
	if (!e || !sj || !cJSON_AddNumberToObject(sj, "id", (double)s->id) ||
	    !cJSON_AddStringToObject(sj, "title", s->title) ||
	    !cJSON_AddNumberToObject(sj, "course", (double)s->course) || !add_opt_num(sj, "started_at", s->started_at) ||
	    !(head = jsonw_print(sj, NULL)))
		goto fail;
	e->names = names;
	if (!(e->x = export_new("session", head)) ||
	    export_table(e->x, "questions", names ? cols : cols_no_names, names ? 9 : 8))
		goto fail;
	cJSON_Delete(sj);
	free(head);
	return e;
fail:
	cJSON_Delete(sj);
	free(head);
	qa_export_free(e);
	return NULL;
}

void qa_export_free(struct qa_export *e)
{
	if (!e)
		return;
	export_free(e->x);
	free(e);
}

int qa_export_add(struct qa_export *e, const struct qa_export_row *r)
{
	int bad = export_int(e->x, r->id) | export_int(e->x, r->asked_at_s) | export_str(e->x, r->state) |
		  export_int(e->x, r->votes) | export_bool(e->x, r->anonymous);

	if (e->names)
		bad |= export_str(e->x, r->asker);
	bad |= export_str(e->x, r->question) | export_str(e->x, r->answer);
	bad |= r->answered_at_s >= 0 ? export_int(e->x, r->answered_at_s) : export_str(e->x, NULL);
	return bad | export_row_end(e->x) ? -1 : 0;
}

char *qa_export_finish(struct qa_export *e, int csv)
{
	char *out = export_finish(e->x, csv, "questions");

	e->x = NULL;
	qa_export_free(e);
	return out;
}
