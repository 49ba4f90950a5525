/*
 * render_admin.c - courses and blocked words as JSON for the admin API and
 * the command line, and the bridged question's note. See render_admin.h.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "render_admin.h"
#include "render_internal.h"

/* The course as a new object, or NULL (OOM). */
static cJSON *course_object(const struct render_course *c)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddNumberToObject(o, "id", (double)c->id) ||
	    !cJSON_AddStringToObject(o, "title", c->title ? c->title : "") ||
	    !cJSON_AddStringToObject(o, "lang", c->lang ? c->lang : "") ||
	    !cJSON_AddNumberToObject(o, "starts_at", (double)c->starts_at) ||
	    !cJSON_AddNumberToObject(o, "ends_at", (double)c->ends_at)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

char *render_course_json(const struct render_course *c)
{
	cJSON *o = course_object(c);

	return o ? render_print_str(o) : NULL;
}

char *render_courses_json(const struct render_course *c, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	if (!a)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		cJSON *o = course_object(&c[i]);

		if (!o || !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			cJSON_Delete(a);
			return NULL;
		}
	}
	return render_print_str(a);
}

char *render_blocked_json(const char *lang, const char *const *words, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *a;

	if (!root || !cJSON_AddStringToObject(root, "lang", lang) || !(a = cJSON_AddArrayToObject(root, "words")))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		cJSON *w = cJSON_CreateString(words[i]);

		if (!w || !cJSON_AddItemToArray(a, w)) {
			cJSON_Delete(w);
			goto fail;
		}
	}
	return render_print_str(root);
fail:
	cJSON_Delete(root);
	return NULL;
}

void render_bridge_note(const char *lang, const char *title, long long votes, char *out, size_t cap)
{
	if (!strcmp(lang, "es"))
		snprintf(out, cap, "Pregunta de la sesión en directo «%s» (%lld votos). Sigue la conversación aquí.",
			 title, votes);
	else if (!strcmp(lang, "pt"))
		snprintf(out, cap, "Pergunta da sessão ao vivo «%s» (%lld votos). Continue a conversa aqui.", title, votes);
	else
		snprintf(out, cap, "Asked in the live session \"%s\" (%lld votes). Carry on the discussion here.",
			 title, votes);
}
