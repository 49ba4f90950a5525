/*
 * poll_read.c - polls, surveys and results rooms for subscribers (the read
 * connection): the polls and surveys of a session's snapshot, and who may
 * follow a results:<n> room, its snapshot and its current state.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "core/poll.h"
#include "core/words.h"
#include "internal.h"
#include "polls.h"
#include "proto/render_poll.h"

struct render_list *store__session_polls(struct store_conn *rd, int64_t session, int staff_view, int64_t uid)
{
	static const char q[] =
		"SELECT id FROM polls WHERE session_id = ?1 AND (?2 OR opened_at IS NOT NULL) ORDER BY id LIMIT 1000";
	struct render_list *l = render_list_new();
	sqlite3_stmt *s = store__stmt(&rd->cache, rd->db, q);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;

	if (!l || !s)
		goto fail;
	sqlite3_bind_int64(s, 1, session);
	sqlite3_bind_int(s, 2, staff_view);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (n == cap) {
			int64_t *nn = realloc(ids, (cap = cap ? cap * 2 : 16) * sizeof(*nn));

			if (!nn) {
				sqlite3_reset(s);
				goto fail;
			}
			ids = nn;
		}
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	for (size_t i = 0; i < n; i++) {
		struct poll_row r;
		struct mine_buf mb;
		int bad;

		if (store__poll_load(&rd->cache, rd->db, ids[i], &r))
			goto fail;
		if (store__poll_mine_load(&rd->cache, rd->db, &r.p, uid, &mb)) {
			store__poll_row_free(&r);
			goto fail;
		}
		bad = render_list_add_poll(l, &r.p, staff_view, 1, mb.found ? &mb.m : NULL,
					   poll_results_visible(r.p.visibility, r.p.state, r.p.revealed, staff_view,
								mb.found));
		store__poll_mine_free(&mb);
		store__poll_row_free(&r);
		if (bad)
			goto fail;
	}
	free(ids);
	return l;
fail:
	free(ids);
	render_list_free(l);
	return NULL;
}

struct render_list *store__session_surveys(struct store_conn *rd, int64_t session, int staff_view)
{
	static const char q[] =
		"SELECT s.id FROM surveys s WHERE s.session_id = ?1 AND (?2 OR EXISTS (SELECT 1 FROM polls p"
		"   WHERE p.survey_id = s.id AND p.opened_at IS NOT NULL)) ORDER BY s.id LIMIT 1000";
	struct render_list *l = render_list_new();
	sqlite3_stmt *s = store__stmt(&rd->cache, rd->db, q);
	int64_t ids[1000];
	size_t n = 0;

	if (!l || !s) {
		render_list_free(l);
		return NULL;
	}
	sqlite3_bind_int64(s, 1, session);
	sqlite3_bind_int(s, 2, staff_view);
	while (n < 1000 && sqlite3_step(s) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	for (size_t i = 0; i < n; i++) {
		struct survey_row r;
		int bad;

		if (store__survey_load(&rd->cache, rd->db, ids[i], staff_view, &r)) {
			render_list_free(l);
			return NULL;
		}
		bad = render_list_add_survey(l, &r.s);
		store__survey_row_free(&r);
		if (bad) {
			render_list_free(l);
			return NULL;
		}
	}
	return l;
}

/* The poll that results room n belongs to, while n is its current room. */
static int results_poll(struct store_conn *rd, int64_t n, struct poll_row *r)
{
	static const char q[] = "SELECT poll_id FROM results_rooms WHERE n = ?1";
	sqlite3_stmt *s = store__row_by_id(&rd->cache, rd->db, q, n);
	int64_t poll;

	if (!s)
		return -1;
	poll = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (store__poll_load(&rd->cache, rd->db, poll, r))
		return -1;
	if (r->p.results_room != n) {
		store__poll_row_free(r);
		return -1;
	}
	return 0;
}

enum proto_err store__results_access(struct store_conn *rd, const struct identity *who, int64_t uid, int64_t n,
				    int64_t now_s, int *staff_view)
{
	static const char q_course[] = "SELECT starts_at, ends_at FROM courses WHERE id = ?1";
	struct access_course ac;
	struct poll_row r;
	struct mine_buf mb;
	sqlite3_stmt *s;
	enum proto_err rc;
	int staff;

	*staff_view = 0;
	if (results_poll(rd, n, &r))
		return PROTO_ERR_NOT_FOUND;
	staff = access_is_staff(who, r.p.course);
	ac.id = r.p.course;
	if (!(s = store__row_by_id(&rd->cache, rd->db, q_course, r.p.course))) {
		store__poll_row_free(&r);
		return PROTO_ERR_NOT_FOUND;
	}
	ac.starts_at = sqlite3_column_int64(s, 0);
	ac.ends_at = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	rc = access_check(who, &ac, now_s, 0);
	if (rc == PROTO_ERR_NONE && !staff && r.p.state == POLL_DRAFT)
		rc = PROTO_ERR_NOT_FOUND;
	if (rc == PROTO_ERR_NONE && !staff) {
		if (store__poll_mine_load(&rd->cache, rd->db, &r.p, uid, &mb))
			rc = PROTO_ERR_INTERNAL;
		else if (!poll_results_visible(r.p.visibility, r.p.state, r.p.revealed, 0, mb.found))
			rc = PROTO_ERR_FORBIDDEN;
		store__poll_mine_free(&mb);
	}
	*staff_view = staff;
	store__poll_row_free(&r);
	return rc;
}

struct msg *store__results_snapshot(struct store_conn *rd, const char *req_id, const char *room, int64_t n)
{
	struct results_buf *b;
	struct poll_row r;
	struct msg *m;

	if (results_poll(rd, n, &r))
		return NULL;
	b = store__poll_results_load(&rd->cache, rd->db, &r);
	m = b ? render_results_snapshot(req_id, room, &b->r) : NULL;
	store__poll_results_free(b);
	store__poll_row_free(&r);
	return m;
}

long store__results_state(struct store_conn *rd, const char *room, int64_t n, void (*emit)(void *arg, struct msg *m),
			 void *arg)
{
	struct results_buf *b;
	struct poll_row r;
	struct msg *m;

	if (results_poll(rd, n, &r))
		return 0;
	b = store__poll_results_load(&rd->cache, rd->db, &r);
	m = b ? render_state_poll_results(room, r.p.results_v, &b->r) : NULL;
	store__poll_results_free(b);
	store__poll_row_free(&r);
	if (!m)
		return -1;
	emit(arg, m);
	return 1;
}
