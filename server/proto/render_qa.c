/*
 * render_qa.c - live Q&A -> JSON and CSV.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"
#include "render_qa.h"

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

static cJSON *question_json(const struct qa_question *q, int staff_view, int mine)
{
	cJSON *o = cJSON_CreateObject();
	int see = staff_view || mine;

	if (!o)
		return NULL;
	if (!cJSON_AddNumberToObject(o, "id", (double)q->id) || !cJSON_AddNumberToObject(o, "session", (double)q->session) ||
	    !cJSON_AddStringToObject(o, "body", q->body) || !cJSON_AddBoolToObject(o, "anonymous", q->anonymous) ||
	    !render_add_author(o, "author", &q->author, q->anonymous, see) ||
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
				  int staff_view)
{
	return render_event_msg(type, room, seq, "question", question_json(q, staff_view, 0));
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

static char *wrap(const char *name, cJSON *item)
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

char *render_result_session(const struct qa_session *s)
{
	return wrap("session", session_json(s));
}

char *render_result_question(const struct qa_question *q, int staff_view)
{
	return wrap("question", question_json(q, staff_view, 1));
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

int render_list_add_question(struct render_list *l, const struct qa_question *q, int staff_view, int mine, int voted)
{
	cJSON *o = question_json(q, staff_view, mine);

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
	    !cJSON_AddNumberToObject(data, "replay", 0)) {
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

struct qa_export {
	cJSON *root, *rows;
	int names;
};

struct qa_export *qa_export_new(const struct qa_session *s, int names)
{
	struct qa_export *e = calloc(1, sizeof(*e));
	cJSON *sj;

	if (!e)
		return NULL;
	e->names = names;
	e->root = cJSON_CreateObject();
	if (!e->root || !(sj = cJSON_AddObjectToObject(e->root, "session")) ||
	    !cJSON_AddNumberToObject(sj, "id", (double)s->id) || !cJSON_AddStringToObject(sj, "title", s->title) ||
	    !cJSON_AddNumberToObject(sj, "course", (double)s->course) || !add_opt_num(sj, "started_at", s->started_at) ||
	    !(e->rows = cJSON_AddArrayToObject(e->root, "questions"))) {
		qa_export_free(e);
		return NULL;
	}
	return e;
}

void qa_export_free(struct qa_export *e)
{
	if (!e)
		return;
	cJSON_Delete(e->root);
	free(e);
}

int qa_export_add(struct qa_export *e, const struct qa_export_row *r)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddNumberToObject(o, "id", (double)r->id) ||
	    !cJSON_AddNumberToObject(o, "asked_at_s", (double)r->asked_at_s) ||
	    !cJSON_AddStringToObject(o, "state", r->state) || !cJSON_AddNumberToObject(o, "votes", (double)r->votes) ||
	    !cJSON_AddBoolToObject(o, "anonymous", r->anonymous) ||
	    (e->names && !(r->asker ? cJSON_AddStringToObject(o, "asker", r->asker) : cJSON_AddNullToObject(o, "asker"))) ||
	    !cJSON_AddStringToObject(o, "question", r->question) ||
	    !(r->answer ? cJSON_AddStringToObject(o, "answer", r->answer) : cJSON_AddNullToObject(o, "answer")) ||
	    !(r->answered_at_s >= 0 ? cJSON_AddNumberToObject(o, "answered_at_s", (double)r->answered_at_s)
				    : cJSON_AddNullToObject(o, "answered_at_s"))) {
		cJSON_Delete(o);
		return -1;
	}
	cJSON_AddItemToArray(e->rows, o);
	return 0;
}

int qa_csv_cell(char *out, size_t cap, const char *cell)
{
	size_t n = 0;
	int quote = strpbrk(cell, ",\"\r\n") != NULL || cell[0] == '\t';
	int guard = cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
		    cell[0] == '\t' || cell[0] == '\r';

#define PUT(c) do { if (n + 1 >= cap) return -1; out[n++] = (c); } while (0)
	if (quote)
		PUT('"');
	if (guard)
		PUT('\'');
	for (const char *p = cell; *p; p++) {
		if (*p == '"')
			PUT('"');
		PUT(*p);
	}
	if (quote)
		PUT('"');
#undef PUT
	out[n] = '\0';
	return (int)n;
}

/* Appends s to the growing buffer; -1 on OOM. */
static int buf_add(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = (*cap ? *cap * 2 : 4096) + n;
		char *nb = realloc(*buf, ncap);

		if (!nb)
			return -1;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

static int csv_field(char **buf, size_t *len, size_t *cap, const char *v, int last)
{
	size_t need = strlen(v) * 2 + 4;
	char *cell = malloc(need);
	int n, rc;

	if (!cell)
		return -1;
	n = qa_csv_cell(cell, need, v);
	rc = n < 0 ? -1 : buf_add(buf, len, cap, cell, (size_t)n);
	free(cell);
	return rc ? -1 : buf_add(buf, len, cap, last ? "\r\n" : ",", last ? 2 : 1);
}

char *qa_export_finish(struct qa_export *e, int csv)
{
	char *out = NULL, num[32];
	size_t len = 0, cap = 0;
	const cJSON *row;
	int bad = 0;

	if (!csv) {
		out = cJSON_PrintUnformatted(e->root);
		qa_export_free(e);
		return out;
	}
	bad |= csv_field(&out, &len, &cap, "id", 0) | csv_field(&out, &len, &cap, "asked_at_s", 0) |
	       csv_field(&out, &len, &cap, "state", 0) | csv_field(&out, &len, &cap, "votes", 0) |
	       csv_field(&out, &len, &cap, "anonymous", 0);
	if (e->names)
		bad |= csv_field(&out, &len, &cap, "asker", 0);
	bad |= csv_field(&out, &len, &cap, "question", 0) | csv_field(&out, &len, &cap, "answer", 0) |
	       csv_field(&out, &len, &cap, "answered_at_s", 1);
	cJSON_ArrayForEach(row, e->rows) {
		const cJSON *asker = cJSON_GetObjectItem(row, "asker"), *answer = cJSON_GetObjectItem(row, "answer");
		const cJSON *at = cJSON_GetObjectItem(row, "answered_at_s");

		snprintf(num, sizeof(num), "%" PRId64, (int64_t)cJSON_GetObjectItem(row, "id")->valuedouble);
		bad |= csv_field(&out, &len, &cap, num, 0);
		snprintf(num, sizeof(num), "%" PRId64, (int64_t)cJSON_GetObjectItem(row, "asked_at_s")->valuedouble);
		bad |= csv_field(&out, &len, &cap, num, 0);
		bad |= csv_field(&out, &len, &cap, cJSON_GetObjectItem(row, "state")->valuestring, 0);
		snprintf(num, sizeof(num), "%" PRId64, (int64_t)cJSON_GetObjectItem(row, "votes")->valuedouble);
		bad |= csv_field(&out, &len, &cap, num, 0);
		bad |= csv_field(&out, &len, &cap, cJSON_IsTrue(cJSON_GetObjectItem(row, "anonymous")) ? "yes" : "no", 0);
		if (e->names)
			bad |= csv_field(&out, &len, &cap, cJSON_IsString(asker) ? asker->valuestring : "", 0);
		bad |= csv_field(&out, &len, &cap, cJSON_GetObjectItem(row, "question")->valuestring, 0);
		bad |= csv_field(&out, &len, &cap, cJSON_IsString(answer) ? answer->valuestring : "", 0);
		if (cJSON_IsNumber(at))
			snprintf(num, sizeof(num), "%" PRId64, (int64_t)at->valuedouble);
		else
			num[0] = '\0';
		bad |= csv_field(&out, &len, &cap, num, 1);
	}
	qa_export_free(e);
	if (bad) {
		free(out);
		return NULL;
	}
	return out;
}
