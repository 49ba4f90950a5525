/*
 * poll_answer.c - a participant's answer to a poll (poll.answer), inside the
 * writer's transaction: the counts move from their previous answer to the
 * new one, so each poll's results stay exact beside it, and the poll's
 * results state is queued when they changed. A word-cloud entry is
 * cloud.c's (store's words of the course's language).
 */
#include <assert.h>
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

/* The previous answer of a choice, rating or text poll; found 0 if none. */
struct prev_answer {
	int found;
	uint32_t choices;
	int64_t rating;
	char key[PROTO_MAX_POLL_TEXT_CHARS * 4 * 3 + 1], text[PROTO_MAX_POLL_TEXT_CHARS * 4 + 1];
};

static int count_add(struct store *st, int64_t poll, int64_t idx, int64_t delta)
{
	static const char q[] = "UPDATE poll_options SET count = count + ?3 WHERE poll_id = ?1 AND idx = ?2";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_int64(s, 2, idx);
	sqlite3_bind_int64(s, 3, delta);
	return store__step_done(s);
}

static int mask_add(struct store *st, int64_t poll, uint32_t mask, int64_t delta)
{
	for (int i = 0; i < POLL_MAX_OPTIONS; i++)
		if ((mask & (1u << i)) && count_add(st, poll, i, delta))
			return -1;
	return 0;
}

/* Adds delta to a group and to one of its spellings (first_v orders new
 * ones); drops what reaches zero. */
int store__poll_group_add(struct store *st, int64_t poll, const char *key, const char *spelling, int64_t delta,
		     int64_t first_v)
{
	static const char q_group[] =
		"INSERT INTO poll_groups(poll_id, key, count, first_v) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT(poll_id, key) DO UPDATE SET count = count + excluded.count";
	static const char q_spell[] =
		"INSERT INTO poll_spellings(poll_id, key, spelling, count, first_v) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT(poll_id, key, spelling) DO UPDATE SET count = count + excluded.count";
	static const char q_drop_group[] = "DELETE FROM poll_groups WHERE poll_id = ?1 AND key = ?2 AND count <= 0";
	static const char q_drop_spell[] =
		"DELETE FROM poll_spellings WHERE poll_id = ?1 AND key = ?2 AND spelling = ?3 AND count <= 0";
	sqlite3_stmt *s;

	assert(store__on_writer(st));
	if (!(s = store__stmt(&st->wcache, st->wdb, q_group)))
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, delta);
	sqlite3_bind_int64(s, 4, first_v);
	if (store__step_done(s) || !(s = store__stmt(&st->wcache, st->wdb, q_spell)))
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, spelling, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, delta);
	sqlite3_bind_int64(s, 5, first_v);
	if (store__step_done(s))
		return -1;
	if (delta >= 0)
		return 0;
	if (!(s = store__stmt(&st->wcache, st->wdb, q_drop_group)))
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	if (store__step_done(s) || !(s = store__stmt(&st->wcache, st->wdb, q_drop_spell)))
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, spelling, -1, SQLITE_STATIC);
	return store__step_done(s);
}

static int prev_load(struct store *st, int64_t poll, int64_t uid, struct prev_answer *pa)
{
	static const char q[] =
		"SELECT choices, rating, text_key, text FROM poll_answers WHERE poll_id = ?1 AND user_id = ?2";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	memset(pa, 0, sizeof(*pa));
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_int64(s, 2, uid);
	if (sqlite3_step(s) == SQLITE_ROW) {
		pa->found = 1;
		pa->choices = (uint32_t)store__col_int_or0(s, 0);
		pa->rating = store__col_int_or0(s, 1);
		if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
			snprintf(pa->key, sizeof(pa->key), "%s", (const char *)sqlite3_column_text(s, 2));
			snprintf(pa->text, sizeof(pa->text), "%s", (const char *)sqlite3_column_text(s, 3));
		}
	}
	sqlite3_reset(s);
	return 0;
}

static int answer_save(struct store *st, struct store_job *job, int64_t poll, uint32_t choices, int64_t rating,
		       const char *key, const char *text)
{
	static const char q[] =
		"INSERT INTO poll_answers(poll_id, user_id, choices, rating, text, text_key, created_at, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
		" ON CONFLICT(poll_id, user_id) DO UPDATE SET choices = excluded.choices, rating = excluded.rating,"
		"   text = excluded.text, text_key = excluded.text_key, updated_at = excluded.updated_at";
	sqlite3_stmt *s = store__stmt(&st->wcache, st->wdb, q);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, poll);
	sqlite3_bind_int64(s, 2, job->uid);
	if (!text && !rating)
		sqlite3_bind_int64(s, 3, choices);
	if (rating)
		sqlite3_bind_int64(s, 4, rating);
	if (text) {
		sqlite3_bind_text(s, 5, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, key, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(s, 7, job->now_ms);
	return store__step_done(s);
}

/* One answer of a choice, rating or text poll: counts move from the old
 * answer to the new one. *changed 0 when it is the same answer again. */
static enum proto_err answer_single(struct store *st, struct store_job *job, const struct poll *p, uint32_t mask,
				    const struct poll_answer_in *in, int *changed)
{
	static const char q_resp[] = "UPDATE polls SET respondents = respondents + 1 WHERE id = ?1";
	char key[sizeof(((struct prev_answer *)0)->key)], text[sizeof(((struct prev_answer *)0)->text)];
	struct prev_answer pa;
	int64_t first_v = p->results_v + 1;

	if (prev_load(st, p->id, job->uid, &pa))
		return PROTO_ERR_INTERNAL;
	*changed = 1;
	switch (p->kind) {
	case POLL_SINGLE:
	case POLL_MULTIPLE:
		if (pa.found && pa.choices == mask) {
			*changed = 0;
			return PROTO_ERR_NONE;
		}
		if ((pa.found && mask_add(st, p->id, pa.choices, -1)) || mask_add(st, p->id, mask, 1) ||
		    answer_save(st, job, p->id, mask, 0, NULL, NULL))
			return PROTO_ERR_INTERNAL;
		break;
	case POLL_RATING:
		if (pa.found && pa.rating == in->rating) {
			*changed = 0;
			return PROTO_ERR_NONE;
		}
		if ((pa.found && count_add(st, p->id, pa.rating - 1, -1)) || count_add(st, p->id, in->rating - 1, 1) ||
		    answer_save(st, job, p->id, 0, in->rating, NULL, NULL))
			return PROTO_ERR_INTERNAL;
		break;
	case POLL_TEXT:
		if (poll_text_norm(in->text, in->text_len, 1, key, sizeof(key)) <= 0 ||
		    poll_text_norm(in->text, in->text_len, 0, text, sizeof(text)) <= 0)
			return store__job_error(job, PROTO_ERR_BAD_ANSWER, "text", "the text is blank");
		if (pa.found && strcmp(pa.text, text) == 0) {
			*changed = 0;
			return PROTO_ERR_NONE;
		}
		if ((pa.found && store__poll_group_add(st, p->id, pa.key, pa.text, -1, 0)) ||
		    store__poll_group_add(st, p->id, key, text, 1, first_v) || answer_save(st, job, p->id, 0, 0, key, text))
			return PROTO_ERR_INTERNAL;
		break;
	case POLL_WORDS:
		return store__job_error(job, PROTO_ERR_INTERNAL, NULL, "not a single-answer poll");
	}
	if (!pa.found && store__poll_exec2(st, q_resp, p->id, 0))
		return PROTO_ERR_INTERNAL;
	return PROTO_ERR_NONE;
}

enum proto_err store__poll_answer_op(struct store *st, struct store_job *job, char **result)
{
	const struct proto_request *rq = &job->req;
	struct poll_answer_in in = {
		.has_choices = rq->f[PF_POLL_ANSWER_CHOICES].present,
		.nchoices = rq->f[PF_POLL_ANSWER_CHOICES].u.ints.n,
		.choices = rq->f[PF_POLL_ANSWER_CHOICES].u.ints.items,
		.has_rating = rq->f[PF_POLL_ANSWER_RATING].present,
		.rating = rq->f[PF_POLL_ANSWER_RATING].u.i,
		.has_text = rq->f[PF_POLL_ANSWER_TEXT].present,
		.text = rq->f[PF_POLL_ANSWER_TEXT].u.s.p,
		.text_len = rq->f[PF_POLL_ANSWER_TEXT].u.s.len,
	};
	struct poll_rules rules;
	struct poll_row r;
	struct mine_buf mb;
	const char *field, *why;
	enum proto_err rc;
	uint32_t mask;
	int changed = 1, staff;

	assert(store__on_writer(st));
	if (!in.has_choices)
		in.nchoices = 0;
	if ((rc = store__poll_facts(st, job, rq->f[PF_POLL_ANSWER_POLL].u.i, &r)) != PROTO_ERR_NONE)
		return rc;
	staff = access_is_staff(&job->who, r.p.course);
	if ((rc = store__check_course(st, job, r.p.course, 1)) != PROTO_ERR_NONE ||
	    (rc = store__check_mute(st, job, r.p.course)) != PROTO_ERR_NONE)
		goto out;
	if (r.p.state != POLL_OPEN) {
		rc = store__job_error(job, PROTO_ERR_POLL_CLOSED, "poll", "the poll is not open");
		goto out;
	}
	rules = (struct poll_rules){ r.p.kind, (int)r.p.noptions, r.p.min_choices, r.p.max_choices, r.p.scale };
	if ((rc = poll_answer_check(&rules, &in, &mask, &field, &why)) != PROTO_ERR_NONE) {
		rc = store__job_error(job, rc, field, why);
		goto out;
	}
	if ((rc = store__limit(st, job, r.p.course, "vote")) != PROTO_ERR_NONE)
		goto out;
	if (r.p.kind == POLL_WORDS) {
		if (store__poll_mine_load(&st->wcache, st->wdb, &r.p, job->uid, &mb)) {
			rc = PROTO_ERR_INTERNAL;
			goto out;
		}
		rc = store__cloud_answer(st, job, &r.p, &in, mb.m.sent);
		store__poll_mine_free(&mb);
	} else {
		rc = answer_single(st, job, &r.p, mask, &in, &changed);
	}
	if (rc != PROTO_ERR_NONE)
		goto out;
	if (changed && store__poll_results_state(st, job, r.p.id)) {
		rc = PROTO_ERR_INTERNAL;
		goto out;
	}
	if (store__poll_mine_load(&st->wcache, st->wdb, &r.p, job->uid, &mb)) {
		rc = PROTO_ERR_INTERNAL;
		goto out;
	}
	*result = render_result_answer(r.p.id, &mb.m,
				       poll_results_visible(r.p.visibility, r.p.state, r.p.revealed, staff, 1),
				       r.p.results_room, r.p.kind == POLL_WORDS ? r.p.max_entries - mb.m.sent : -1);
	store__poll_mine_free(&mb);
	if (!*result)
		rc = PROTO_ERR_INTERNAL;
out:
	store__poll_row_free(&r);
	return rc;
}
