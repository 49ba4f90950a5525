/*
 * render_poll.h - polls, surveys, word clouds and their results as JSON.
 *
 * Views: staff see everything; peers see `correct` only once the poll is
 * revealed and `respondents` only while the results are public (live, or
 * revealed). Tallies never travel in a poll object: they go to the poll's
 * results room as the poll.results state.
 */
#ifndef FORUMD_PROTO_RENDER_POLL_H
#define FORUMD_PROTO_RENDER_POLL_H

#include "core/poll.h"
#include "msg.h"
#include "render_forum.h"

/* {"ev":type,"room":room,"seq":seq,"data":{"poll":{...}}} in a view. */
struct msg *render_event_poll(const char *type, const char *room, int64_t seq, const struct poll *p, int staff_view);
/* {"ev":type,"room":room,"seq":seq,"data":{"survey":{...}}} */
struct msg *render_event_survey(const char *type, const char *room, int64_t seq, const struct poll_survey *s);
/* {"st":"poll.results","room":room,"v":v,"data":{results}} */
struct msg *render_state_poll_results(const char *room, int64_t v, const struct poll_results *r);

/* Write results (malloc'd JSON text, NULL on OOM). */
char *render_result_poll(const struct poll *p, int staff_view);
/* {"survey":…} and, with polls (consumed), {"survey":…,"polls":[…]}. */
char *render_result_survey(const struct poll_survey *s, struct render_list *polls);
/* poll.answer: {"poll","mine","results_visible","results_room","entries_left"}; entries_left < 0: null. */
char *render_result_answer(int64_t poll, const struct poll_mine *mine, int results_visible, int64_t results_room,
			   int64_t entries_left);
/* cloud.remove / cloud.merge: {"poll":id,"word":word,name:n}. */
char *render_result_cloud(int64_t poll, const char *word, const char *name, int64_t n);

/* List items: a poll in a view (with mine, NULL for null, and
 * results_visible when with_personal), a survey. */
int render_list_add_poll(struct render_list *l, const struct poll *p, int staff_view, int with_personal,
			 const struct poll_mine *mine, int results_visible);
int render_list_add_survey(struct render_list *l, const struct poll_survey *s);

/* The subscribe reply for results:<n>: {room, seq: 0, mode: "snapshot", replay: 0, poll, results}. */
struct msg *render_results_snapshot(const char *id, const char *room, const struct poll_results *r);

#endif
