/*
 * render_forum.h - forum rows as JSON: events, state messages, write results.
 *
 * Every object that names a person is rendered in a view (core/view.h):
 * peer, author (the peer view plus the reader's own objects) or staff.
 * Events and state are rendered once per shared view (peer or staff) and
 * shared by every socket of that view; lists, snapshots and write results
 * are rendered for one reader (view_of).
 */
#ifndef FORUMD_PROTO_RENDER_FORUM_H
#define FORUMD_PROTO_RENDER_FORUM_H

#include <stddef.h>
#include <stdint.h>

#include "core/forum.h"
#include "core/view.h"
#include "msg.h"

/* {"ev":type,"room":room,"seq":seq,"data":{"post":{...}}}; new msg or NULL. */
struct msg *render_event_post(const char *type, const char *room, int64_t seq,
			      const struct forum_post *p, struct view v);

/* {"ev":type,"room":room,"seq":seq,"data":{"thread":{...}}}; new msg or NULL. */
struct msg *render_event_thread(const char *type, const char *room, int64_t seq,
				const struct forum_thread *t, struct view v);

/* {"st":"post.votes","room":room,"v":v,"data":{"post":id,"votes":n}} */
struct msg *render_state_post_votes(const char *room, int64_t post, int64_t votes, int64_t v);

/* {"st":"thread.stats","room":room,"v":v,"data":{thread, reply_count, votes, last_activity_at, last_poster}} */
struct msg *render_state_thread_stats(const char *room, const struct forum_thread *t, struct view v);

/* Write results: the data object of a reply, as a malloc'd JSON string, in
 * the actor's view (view_of: staff, or the author view of the actor). */
char *render_result_thread(const struct forum_thread *t, const struct forum_post *first, struct view v);
char *render_result_post(const struct forum_post *p, struct view v);
char *render_result_thread_only(const struct forum_thread *t, struct view v);   /* {"thread": …} */
char *render_result_vote(int64_t post, int64_t votes, int voted);
char *render_result_follow(int64_t thread, int following);

/* A JSON array builder for list replies: begin, add items, finish. The
 * list owns its memory until render_list_reply() (or render_list_free()). */
struct render_list;
struct render_list *render_list_new(void);
/* Items of lists answered to one reader, in their view (view_of): `mine`
 * (their own post or thread: they see themself as its author, even when
 * anonymous to peers; v.reader decides it), and whether they follow the
 * thread or voted for the post. */
int render_list_add_thread(struct render_list *l, const struct forum_thread *t, struct view v, int following);
int render_list_add_post(struct render_list *l, const struct forum_post *p, struct view v, int voted);
void render_list_free(struct render_list *l);
int render_list_add_course(struct render_list *l, const struct forum_course *c, const char *role,
			   const char *access);

/* {"re":id,"ok":true,"data":{"threads":[...],"next_cursor":c|null}}; consumes l. */
struct msg *render_thread_list(const char *id, struct render_list *l, const char *next_cursor);

/* {"re":id,"ok":true,"data":{"courses":[...]}}; consumes l. */
struct msg *render_course_list(const char *id, struct render_list *l);

/*
 * The subscribe reply: {"re":id,"ok":true,"data":{"room","seq","mode","replay",
 * "thread"?, "posts"?, "course"?}}; the thread carries `following` and `mine` for
 * the subscriber, in the subscriber's view v (view_of). mode is "live" (nothing missed), "replay"
 * (replay events follow, up to seq) or "snapshot" (the data holds the current
 * state). t, c and posts may be NULL; posts is consumed.
 */
struct msg *render_subscribe_ok(const char *id, const char *room, int64_t seq, const char *mode,
				int64_t replay, const struct forum_thread *t,
				const struct forum_course *c, struct render_list *posts,
				struct view v, int following);

/*
 * Pages bounded in bytes. A list counts the printed size of the items it
 * was asked to measure (l->bytes, each item with its comma).
 *
 * render_list_fit: measures the item just added; if the list would pass
 * budget bytes with it, drops it, marks the list as having more, returns 1;
 * else counts it and returns 0.
 * render_list_trim: keeps the leading items that fit in budget bytes, drops
 * the rest (marking more when it drops any); returns the bytes kept.
 * render_list_set_more / render_list_more: items were left out (a count cap).
 * A list reply (render_list_reply) of a list with more says "more": true.
 * render_list_last_add_int: adds name: value to the item just added (a
 * snapshot object's state version); 0, or -1 on OOM or an empty list.
 */
int render_list_fit(struct render_list *l, size_t budget);
size_t render_list_trim(struct render_list *l, size_t budget);
void render_list_set_more(struct render_list *l);
/* Puts the list's items in the reverse order (as it is, when out of memory). */
void render_list_reverse(struct render_list *l);
int render_list_more(const struct render_list *l);
int render_list_last_add_int(struct render_list *l, const char *name, int64_t value);

/* Adds {key: id, "votes": votes, "v": v}: one current vote count (of a post,
 * key "post", or a question, key "question") and the version it reflects. */
int render_list_add_votes(struct render_list *l, const char *key, int64_t id, int64_t votes, int64_t v);

/*
 * The subscribe reply in replay or live mode: {"re":id,"ok":true,"data":{"room",
 * "seq","mode","replay","votes"?,"votes_more"?}}, votes being the room's
 * current vote counts (render_list_add_votes) when the room has any kind of
 * them (NULL: neither member). votes is consumed.
 */
struct msg *render_subscribe_resume(const char *id, const char *room, int64_t seq, const char *mode,
				    int64_t replay, struct render_list *votes);

#endif
