/*
 * polls.h - what the poll domain's files share (poll.c, poll_answer.c,
 * cloud.c, poll_read.c): a poll's and a survey's rows as loaded, their
 * results and someone's own answer, and the write steps every poll op
 * takes. Nothing outside the poll domain includes it.
 */
#ifndef FORUMD_STORE_POLLS_H
#define FORUMD_STORE_POLLS_H

#include "core/poll.h"
#include "internal.h"

/* A poll with its own copies of its strings and its counts. */
struct poll_row {
	struct poll p;
	char *prompt;
	char *options[POLL_MAX_OPTIONS];
	int64_t counts[POLL_MAX_COUNTS];
};

/* A poll's results as rendered; free with store__poll_results_free. */
struct results_buf {
	struct poll_results r;
	struct poll_group g[PROTO_MAX_RESULT_ITEMS];
};

/* Someone's own answer; free with store__poll_mine_free. found 0: they have none. */
struct mine_buf {
	struct poll_mine m;
	int found;
	char *text;
	char *entries[PROTO_MAX_CLOUD_ENTRIES];
};

/* A survey with the ids of its polls in order (peers: only opened ones). */
struct survey_row {
	struct poll_survey s;
	char *title;
	int64_t *ids;
};

/* Frees what the loads below filled (the struct itself is the caller's). */
void store__poll_row_free(struct poll_row *r);
void store__poll_results_free(struct results_buf *b);
void store__poll_mine_free(struct mine_buf *b);
void store__survey_row_free(struct survey_row *r);

/* An integer column, 0 when NULL. */
int64_t store__col_int_or0(sqlite3_stmt *s, int i);

/* Loads poll id with its options and counts; 0, or -1 (no such poll, or a
 * failure: nothing to free then). */
int store__poll_load(struct stmt_cache *c, sqlite3 *db, int64_t id, struct poll_row *r);
/* The results of the loaded poll r (free with store__poll_results_free); NULL on failure. */
struct results_buf *store__poll_results_load(struct stmt_cache *c, sqlite3 *db, const struct poll_row *row);
/* uid's own answer to p into b (free with store__poll_mine_free); 0 or -1. */
int store__poll_mine_load(struct stmt_cache *c, sqlite3 *db, const struct poll *p, int64_t uid, struct mine_buf *b);
/* Survey id with its polls' ids in order (peers: opened ones only); 0 or -1. */
int store__survey_load(struct stmt_cache *c, sqlite3 *db, int64_t id, int staff_view, struct survey_row *r);

/* Inside the write transaction (writer thread): */
/* Loads a poll for a write; not_found for a draft a participant asks about. */
enum proto_err store__poll_facts(struct store *st, struct store_job *job, int64_t id, struct poll_row *r);
/* Queues the poll's current results as the poll.results state of its room
 * (a new version). 0 or -1. */
int store__poll_results_state(struct store *st, struct store_job *job, int64_t poll);
/* Runs sql binding ?1 = a (and ?2 = b if it has one); 0 or -1. */
int store__poll_exec2(struct store *st, const char *sql, int64_t a, int64_t b);
/* Adds delta to a text or word group and to one of its spellings (first_v
 * orders new ones); drops what reaches zero. 0 or -1. */
int store__poll_group_add(struct store *st, int64_t poll, const char *key, const char *spelling, int64_t delta,
	      int64_t first_v);
/* One word-cloud entry of the job's user, sent entries so far `sent`. */
enum proto_err store__cloud_answer(struct store *st, struct store_job *job, const struct poll *p,
			   const struct poll_answer_in *in, int64_t sent);

/* The ops poll.c's store__poll_apply hands on: poll.answer (poll_answer.c),
 * cloud.remove and cloud.merge (cloud.c). */
enum proto_err store__poll_answer_op(struct store *st, struct store_job *job, char **result);
enum proto_err store__cloud_op(struct store *st, struct store_job *job, char **result);

#endif
