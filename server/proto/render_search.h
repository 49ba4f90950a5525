/*
 * render_search.h - search results as JSON.
 */
#ifndef FORUMD_PROTO_RENDER_SEARCH_H
#define FORUMD_PROTO_RENDER_SEARCH_H

#include <stddef.h>

#include "core/search.h"
#include "core/view.h"
#include "msg.h"

/*
 * {"re":id,"ok":true,"data":{"results":[...],"next_cursor":c|null,
 * "terms":[...],"ignored_terms":n}}: hits in view v (the searcher's,
 * view_of), each with its post (author as v may see it), thread title,
 * kind, answered, and snippets as arrays of text parts that alternate
 * plain and matched, plain first (possibly ""). terms: the words searched
 * for, as typed. A new msg, or NULL when out of memory.
 */
struct msg *render_search_reply(const char *id, const struct search_hit *hits, size_t n,
				const char *next_cursor, const char *query, const struct search_query *q,
				struct view v);

#endif
