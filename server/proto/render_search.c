/*
 * render_search.c - search results -> JSON.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "render_internal.h"
#include "render_search.h"

/* A JSON string of s[0..n) (not NUL-terminated); NULL on OOM. */
static cJSON *string_n(const char *s, size_t n)
{
	char *copy = malloc(n + 1);
	cJSON *out;

	if (!copy)
		return NULL;
	memcpy(copy, s, n);
	copy[n] = '\0';
	out = cJSON_CreateString(copy);
	free(copy);
	return out;
}

/* A snippet of text as ["plain", "match", "plain", ...], plain first. The
 * parts are copied (cJSON owns the copies). NULL on OOM. */
static cJSON *snippet_json(const char *text, const struct snippet *sn)
{
	cJSON *a = cJSON_CreateArray();
	int want_mark = 0;

	if (!a)
		return NULL;
	for (size_t i = 0; i < sn->nparts; i++) {
		const struct snippet_part *p = &sn->part[i];
		cJSON *s;

		if (p->mark != want_mark) {       /* a match first, or two of a kind: an empty part between */
			if (!(s = cJSON_CreateString("")))
				goto fail;
			cJSON_AddItemToArray(a, s);
		}
		if (!(s = string_n(text + p->start, p->end - p->start)))
			goto fail;
		cJSON_AddItemToArray(a, s);
		want_mark = !p->mark;
	}
	return a;
fail:
	cJSON_Delete(a);
	return NULL;
}

static cJSON *hit_json(const struct search_hit *h, struct view v)
{
	cJSON *o = cJSON_CreateObject(), *post;
	int readable = view_sees_body(v, h->post.state, h->post.author.uid);

	if (!o)
		return NULL;
	post = render_post_json(&h->post, v);
	if (!post)
		goto fail;
	/* The whole body is not sent: the snippet stands for it. */
	cJSON_DeleteItemFromObject(post, "body");
	cJSON_AddItemToObject(o, "post", post);
	if (!cJSON_AddStringToObject(o, "title", h->title) ||
	    !cJSON_AddStringToObject(o, "kind", h->kind) ||
	    !cJSON_AddBoolToObject(o, "answered", h->answered))
		goto fail;
	if (h->post.first) {
		cJSON *t = snippet_json(h->title, &h->title_snippet);

		if (!t)
			goto fail;
		cJSON_AddItemToObject(o, "title_snippet", t);
	} else if (!cJSON_AddNullToObject(o, "title_snippet")) {
		goto fail;
	}
	if (readable) {
		cJSON *b = snippet_json(h->post.body, &h->body_snippet);

		if (!b)
			goto fail;
		cJSON_AddItemToObject(o, "snippet", b);
		if (!cJSON_AddBoolToObject(o, "cut_before", h->body_snippet.cut_before) ||
		    !cJSON_AddBoolToObject(o, "cut_after", h->body_snippet.cut_after))
			goto fail;
	} else if (!cJSON_AddNullToObject(o, "snippet")) {
		goto fail;
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

struct msg *render_search_reply(const char *id, const struct search_hit *hits, size_t n,
				const char *next_cursor, const char *query, const struct search_query *q,
				struct view v)
{
	cJSON *data, *results, *terms;
	cJSON *root = render_ok_head(id, &data);

	if (!root || !(results = cJSON_AddArrayToObject(data, "results")) ||
	    !(terms = cJSON_AddArrayToObject(data, "terms")))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		cJSON *h = hit_json(&hits[i], v);

		if (!h)
			goto fail;
		cJSON_AddItemToArray(results, h);
	}
	for (size_t i = 0; i < q->nterms; i++) {
		cJSON *t = string_n(query + q->term[i].start, q->term[i].end - q->term[i].start);

		if (!t)
			goto fail;
		cJSON_AddItemToArray(terms, t);
	}
	if (!(next_cursor ? cJSON_AddStringToObject(data, "next_cursor", next_cursor)
			  : cJSON_AddNullToObject(data, "next_cursor")) ||
	    !cJSON_AddNumberToObject(data, "ignored_terms", (double)q->ignored))
		goto fail;
	return render_print_msg(root);
fail:
	cJSON_Delete(root);
	return NULL;
}
