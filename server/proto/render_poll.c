/*
 * render_poll.c - polls, surveys and results -> JSON.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"
#include "render_poll.h"

static int add_opt_int(cJSON *o, const char *name, int64_t v, int present)
{
	return present ? cJSON_AddNumberToObject(o, name, (double)v) != NULL : cJSON_AddNullToObject(o, name) != NULL;
}

static void results_room_name(char *buf, size_t n, int64_t room)
{
	snprintf(buf, n, "results:%" PRId64, room);
}

/* [i for each bit i of mask], as a JSON array. */
static cJSON *mask_json(uint32_t mask)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; a && i < 32; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (!cJSON_AddItemToArray(a, cJSON_CreateNumber(i))) {
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

static cJSON *poll_json(const struct poll *p, int staff_view)
{
	cJSON *o = cJSON_CreateObject(), *opts;
	int choice = p->kind == POLL_SINGLE || p->kind == POLL_MULTIPLE;
	int public = poll_results_public(p->visibility, p->state, p->revealed);
	char room[40];

	if (!o)
		return NULL;
	results_room_name(room, sizeof(room), p->results_room);
	if (!cJSON_AddNumberToObject(o, "id", (double)p->id) || !cJSON_AddNumberToObject(o, "session", (double)p->session) ||
	    !cJSON_AddNumberToObject(o, "course", (double)p->course) || !add_opt_int(o, "survey", p->survey, p->survey != 0) ||
	    !cJSON_AddNumberToObject(o, "position", (double)p->position) ||
	    !cJSON_AddStringToObject(o, "kind", poll_kind_name(p->kind)) || !cJSON_AddStringToObject(o, "prompt", p->prompt) ||
	    !(opts = cJSON_AddArrayToObject(o, "options")))
		goto fail;
	for (size_t i = 0; i < p->noptions; i++)
		if (!cJSON_AddItemToArray(opts, cJSON_CreateString(p->options[i])))
			goto fail;
	if (!add_opt_int(o, "min_choices", p->min_choices, choice) || !add_opt_int(o, "max_choices", p->max_choices, choice) ||
	    !add_opt_int(o, "scale", p->scale, p->kind == POLL_RATING) ||
	    !add_opt_int(o, "max_entries", p->max_entries, p->kind == POLL_WORDS) ||
	    !cJSON_AddStringToObject(o, "visibility", poll_visibility_name(p->visibility)) ||
	    !cJSON_AddStringToObject(o, "state", poll_state_name(p->state)) ||
	    !cJSON_AddBoolToObject(o, "revealed", p->revealed) ||
	    !cJSON_AddNumberToObject(o, "resets", (double)p->resets))
		goto fail;
	if (p->has_correct && poll_correct_visible(staff_view, p->revealed)) {
		cJSON *c = mask_json(p->correct);

		if (!c || !cJSON_AddItemToObject(o, "correct", c)) {
			cJSON_Delete(c);
			goto fail;
		}
	} else if (!cJSON_AddNullToObject(o, "correct")) {
		goto fail;
	}
	if (!cJSON_AddStringToObject(o, "results_room", room) ||
	    !add_opt_int(o, "respondents", p->respondents, staff_view || public) ||
	    !cJSON_AddNumberToObject(o, "created_at", (double)p->created_at) ||
	    !add_opt_int(o, "opened_at", p->opened_at, p->opened_at != 0) ||
	    !add_opt_int(o, "closed_at", p->closed_at, p->closed_at != 0))
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static cJSON *survey_json(const struct poll_survey *s)
{
	cJSON *o = cJSON_CreateObject(), *ids;

	if (!o || !cJSON_AddNumberToObject(o, "id", (double)s->id) ||
	    !cJSON_AddNumberToObject(o, "session", (double)s->session) || !cJSON_AddStringToObject(o, "title", s->title) ||
	    !(ids = cJSON_AddArrayToObject(o, "polls")))
		goto fail;
	for (size_t i = 0; i < s->npolls; i++)
		if (!cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)s->polls[i])))
			goto fail;
	if (!cJSON_AddNumberToObject(o, "created_at", (double)s->created_at))
		goto fail;
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static cJSON *results_json(const struct poll_results *r)
{
	cJSON *o = cJSON_CreateObject(), *a;

	if (!o || !cJSON_AddNumberToObject(o, "poll", (double)r->poll) ||
	    !cJSON_AddStringToObject(o, "kind", poll_kind_name(r->kind)) ||
	    !cJSON_AddNumberToObject(o, "respondents", (double)r->respondents))
		goto fail;
	if (r->kind == POLL_SINGLE || r->kind == POLL_MULTIPLE || r->kind == POLL_RATING) {
		if (!(a = cJSON_AddArrayToObject(o, "counts")))
			goto fail;
		for (size_t i = 0; i < r->ncounts; i++)
			if (!cJSON_AddItemToArray(a, cJSON_CreateNumber((double)r->counts[i])))
				goto fail;
		if (r->kind == POLL_RATING) {
			int has;
			double mean = poll_rating_mean(r->counts, r->ncounts, &has);

			/* two decimals are what a chart shows; the counts are exact */
			if (!(has ? cJSON_AddNumberToObject(o, "mean", (double)(int64_t)(mean * 100 + 0.5) / 100)
				  : cJSON_AddNullToObject(o, "mean")))
				goto fail;
		}
		return o;
	}
	if (r->kind == POLL_WORDS && !cJSON_AddNumberToObject(o, "entries", (double)r->entries))
		goto fail;
	if (!(a = cJSON_AddArrayToObject(o, r->kind == POLL_WORDS ? "words" : "answers")))
		goto fail;
	for (size_t i = 0; i < r->ngroups; i++) {
		cJSON *g = cJSON_CreateObject();

		/* once in the array, g is freed with o */
		if (!g || !cJSON_AddItemToArray(a, g) ||
		    (r->kind == POLL_WORDS && !cJSON_AddStringToObject(g, "word", r->groups[i].key)) ||
		    !cJSON_AddStringToObject(g, "text", r->groups[i].text) ||
		    !cJSON_AddNumberToObject(g, "count", (double)r->groups[i].count))
			goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

static cJSON *mine_json(const struct poll_mine *m)
{
	cJSON *o, *a;

	if (!m)
		return cJSON_CreateNull();
	if (!(o = cJSON_CreateObject()))
		return NULL;
	switch (m->kind) {
	case POLL_SINGLE:
	case POLL_MULTIPLE:
		if (!(a = mask_json(m->choices)) || !cJSON_AddItemToObject(o, "choices", a)) {
			cJSON_Delete(a);
			goto fail;
		}
		break;
	case POLL_RATING:
		if (!cJSON_AddNumberToObject(o, "rating", (double)m->rating))
			goto fail;
		break;
	case POLL_TEXT:
		if (!cJSON_AddStringToObject(o, "text", m->text ? m->text : ""))
			goto fail;
		break;
	case POLL_WORDS:
		if (!(a = cJSON_AddArrayToObject(o, "entries")))
			goto fail;
		for (size_t i = 0; i < m->nentries; i++)
			if (!cJSON_AddItemToArray(a, cJSON_CreateString(m->entries[i])))
				goto fail;
		break;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

struct msg *render_event_poll(const char *type, const char *room, int64_t seq, const struct poll *p, int staff_view)
{
	return render_event_msg(type, room, seq, "poll", poll_json(p, staff_view));
}

struct msg *render_event_survey(const char *type, const char *room, int64_t seq, const struct poll_survey *s)
{
	return render_event_msg(type, room, seq, "survey", survey_json(s));
}

struct msg *render_state_poll_results(const char *room, int64_t v, const struct poll_results *r)
{
	cJSON *root = cJSON_CreateObject(), *data = results_json(r);

	if (!root || !data || !cJSON_AddStringToObject(root, "st", "poll.results") ||
	    !cJSON_AddStringToObject(root, "room", room) || !cJSON_AddNumberToObject(root, "v", (double)v)) {
		cJSON_Delete(root);
		cJSON_Delete(data);
		return NULL;
	}
	cJSON_AddItemToObject(root, "data", data);
	return render_print_msg(root);
}

char *render_result_poll(const struct poll *p, int staff_view)
{
	return render_wrap_str("poll", poll_json(p, staff_view));
}

char *render_result_survey(const struct poll_survey *s, struct render_list *polls)
{
	cJSON *root = cJSON_CreateObject(), *sj = survey_json(s);

	if (!root || !sj) {
		cJSON_Delete(root);
		cJSON_Delete(sj);
		render_list_free(polls);
		return NULL;
	}
	cJSON_AddItemToObject(root, "survey", sj);
	if (polls)
		render_list_take(root, "polls", polls);
	return render_print_str(root);
}

char *render_result_answer(int64_t poll, const struct poll_mine *mine, int results_visible, int64_t results_room,
			   int64_t entries_left)
{
	cJSON *root = cJSON_CreateObject(), *m = mine_json(mine);
	char room[40];

	results_room_name(room, sizeof(room), results_room);
	if (!root || !m || !cJSON_AddNumberToObject(root, "poll", (double)poll)) {
		cJSON_Delete(root);
		cJSON_Delete(m);
		return NULL;
	}
	cJSON_AddItemToObject(root, "mine", m);
	if (!cJSON_AddBoolToObject(root, "results_visible", results_visible) ||
	    !cJSON_AddStringToObject(root, "results_room", room) ||
	    !add_opt_int(root, "entries_left", entries_left, entries_left >= 0)) {
		cJSON_Delete(root);
		return NULL;
	}
	return render_print_str(root);
}

char *render_result_cloud(int64_t poll, const char *word, const char *name, int64_t n)
{
	cJSON *root = cJSON_CreateObject();

	if (!root || !cJSON_AddNumberToObject(root, "poll", (double)poll) || !cJSON_AddStringToObject(root, "word", word) ||
	    !cJSON_AddNumberToObject(root, name, (double)n)) {
		cJSON_Delete(root);
		return NULL;
	}
	return render_print_str(root);
}

int render_list_add_poll(struct render_list *l, const struct poll *p, int staff_view, int with_personal,
			 const struct poll_mine *mine, int results_visible)
{
	cJSON *o = poll_json(p, staff_view), *m;

	if (o && with_personal) {
		/* A word cloud's entries left: removed entries still count. */
		int64_t left = p->max_entries - (mine ? mine->sent : 0);

		if (!(m = mine_json(mine)) || !cJSON_AddItemToObject(o, "mine", m) ||
		    !cJSON_AddBoolToObject(o, "results_visible", results_visible) ||
		    !add_opt_int(o, "entries_left", left > 0 ? left : 0, p->kind == POLL_WORDS)) {
			cJSON_Delete(o);
			o = NULL;
		}
	}
	return render_list_add_item(l, o);
}

int render_list_add_survey(struct render_list *l, const struct poll_survey *s)
{
	return render_list_add_item(l, survey_json(s));
}

struct msg *render_results_snapshot(const char *id, const char *room, const struct poll_results *r)
{
	cJSON *data, *root = render_ok_head(id, &data), *rj = results_json(r);

	if (!root || !rj || !cJSON_AddStringToObject(data, "room", room) || !cJSON_AddNumberToObject(data, "seq", 0) ||
	    !cJSON_AddStringToObject(data, "mode", "snapshot") || !cJSON_AddNumberToObject(data, "replay", 0) ||
	    !cJSON_AddNumberToObject(data, "poll", (double)r->poll)) {
		cJSON_Delete(root);
		cJSON_Delete(rj);
		return NULL;
	}
	cJSON_AddItemToObject(data, "results", rj);
	return render_print_msg(root);
}
