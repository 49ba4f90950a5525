/*
 * store.h - the durable record: SQLite in WAL mode, one writer thread that
 * commits queued write jobs in batches (group commit), and a few reader
 * threads for the reads (snapshots, replay, lists, exports).
 *
 * The only code that touches SQLite. It knows nothing of sockets or of the
 * event loop: the loop hands jobs in with store_submit(), the writer calls
 * the `notify` hook (from its own thread) after each commit, and the loop
 * drains finished jobs with store_take_done(). Reads run on a small pool of
 * reader threads, each with a read-only connection of its own (struct
 * store_conn): the loop hands a struct store_read in with
 * store_read_submit(), a reader runs its work and calls the same `notify`
 * hook, and the loop takes it back with store_take_reads(). The loop thread
 * never runs a SQLite statement (asserted in test builds).
 *
 * Invariant 1 lives here: a job's reply exists only after its transaction
 * has committed; a job whose commit failed carries an error instead.
 */
#ifndef FORUMD_STORE_STORE_H
#define FORUMD_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/identity.h"
#include "core/moderation.h"
#include "core/search.h"
#include "core/view.h"
#include "proto/decode.h"
#include "proto/msg.h"

struct store;
struct store_conn;            /* one reader thread's connection (reader.c) */

enum store_sync {
	STORE_SYNC_FULL = 0,      /* fsync at every commit: a commit survives power loss */
	STORE_SYNC_NORMAL = 1,    /* survives a crash of the process; power loss may lose the last commits */
};

/* An event appended by a job. Inside the transaction the store records only
 * its facts (room, seq, type, subject, actor); the views are rendered after
 * the commit, off the write lock. A job handed back holds only events whose
 * views were made (see store_take_done). */
struct store_event {
	char room[PROTO_MAX_ROOM_CHARS + 1];
	int64_t seq;
	enum proto_event type;
	int64_t subject;          /* the row the event is about (post, thread, question, ...) */
	int64_t actor;            /* users.id of who caused it, 0 if nobody */
	struct msg *peer;         /* what participants see; owned. NULL when its render after
				   * the commit failed: nothing is published for it, and
				   * subscribers take it from the log */
	struct msg *staff;        /* what staff see, or NULL when identical to peer; owned */
};

/* A state key that retires its room: the loop drops every value of the room
 * it still holds unsent and sends nothing for it (a poll's old results room
 * once fewer people may see its results). Never sent to a client. */
#define STORE_STATE_RETIRE "!retire"

/* What a state change is, as its facts: how the store renders it after the
 * commit. The loop only reads value/staff. */
enum store_state_kind {
	STORE_STATE_RENDERED = 0, /* value/staff made inside the transaction (poll results, retire) */
	STORE_STATE_THREAD_STATS, /* subject: the thread, rendered from its current row */
	STORE_STATE_POST_VOTES,   /* subject: the post; count: its votes at version */
	STORE_STATE_QUESTION_VOTES, /* subject: the question; count: its votes at version */
	STORE_STATE_ANSWERING,    /* subject: the session; count: the question (0: none) */
	STORE_STATE_POLL_RESULTS, /* subject: the poll, rendered from its current rows (room: its results room) */
};

/* A state value changed by a job (a vote count, say): coalesced by the loop.
 * Inside the transaction the store records its facts (room, key, version,
 * kind, subject, count); the messages are rendered after the commit. */
struct store_state {
	char room[PROTO_MAX_ROOM_CHARS + 1];
	char key[48];
	int64_t version;
	enum store_state_kind kind;
	int64_t subject, count;
	struct msg *value;        /* the whole state message, peers' view; owned */
	struct msg *staff;        /* staff's view, or NULL when identical; owned */
};

/* One write. The loop fills the request part and submits; the writer fills
 * the result part. Freed with store_job_free() by whoever holds it last. */
struct store_job {
	struct store_job *next;

	/* request */
	uint32_t conn_slot, conn_gen; /* the socket to answer, if it is still there */
	struct identity who;          /* owned copy */
	int64_t uid;                  /* users.id of who (0 only for the user upsert) */
	struct proto_request req;     /* owned */
	int64_t now_ms;               /* the server clock when the request arrived */

	/* result */
	struct proto_error err;       /* code PROTO_ERR_NONE on success */
	int64_t retry_after_ms;
	char *result;                 /* the reply's data JSON, as recorded under the key; owned */
	struct msg *reply;            /* made from result after the commit; owned; NULL on failure */
	int64_t out_uid;              /* user upsert: the id */
	struct store_event *events;   /* owned array */
	size_t nevents, events_cap;
	struct store_state *states;   /* owned array */
	size_t nstates, states_cap;
	int deduped;                  /* answered from the idempotency record */

	/* Work the store does for itself (no request behind it). */
	enum { STORE_JOB_REQUEST = 0, STORE_JOB_PRUNE } kind;
	int64_t prune_before_ms;      /* prune: drop history older than this */
	int64_t out_count;            /* prune: events removed */
};

struct store_stats {
	uint64_t jobs;                /* jobs finished */
	uint64_t writes;              /* jobs that changed the database */
	uint64_t deduped;             /* retried writes answered from the record */
	uint64_t commits;             /* transactions committed */
	uint64_t commit_failures;
	uint64_t batch_max;           /* most jobs in one transaction */
	uint64_t events;              /* events appended */
	uint64_t queue;               /* jobs waiting for the writer now */
	uint64_t render_failures;     /* events not rendered after their commit (left to gap filling) */
	const char *synchronous;      /* "full" or "normal" */
};

/*
 * Opens (creating if needed) the database at path, runs migrations and starts
 * the writer thread. notify(arg) is called from the writer thread whenever
 * finished jobs are ready. Returns NULL and a message in err on failure.
 */
struct store *store_open(const char *path, enum store_sync sync, int seed_demo,
			 const struct mod_limits *limits, void (*notify)(void *arg), void *arg,
			 char *err, size_t err_len);

/* ---- courses, for the command line (own connection, any thread) --------- */

struct store_course_args {
	int64_t id;                   /* 0: assign one */
	const char *title;
	const char *lang;             /* en, es, pt */
	int64_t starts_at, ends_at;   /* seconds */
};

/* Creates (or, with update, changes) a course in the database at path.
 * Returns the course id, or -1 with a message in err. */
int64_t store_course_put(const char *path, const struct store_course_args *a, int update,
			 int64_t now_ms, char *err, size_t err_len);

/* A course (id > 0) or every course (id 0, a JSON array) as JSON text,
 * malloc'd; NULL if there is no such course (or on error, with err set). */
char *store_course_json(const char *path, int64_t id, char *err, size_t err_len);

/* Prints every course as a line of JSON to f. Returns 0 or -1. */
int store_course_print(const char *path, void *f, char *err, size_t err_len);

/* ---- blocked words for word clouds (own connection, any thread) ---------- */

enum store_blocked_mode {
	STORE_BLOCKED_REPLACE,        /* the list becomes exactly these words */
	STORE_BLOCKED_ADD,
	STORE_BLOCKED_REMOVE,
};

/* {"lang", "words": [...]} for lang (en, es, pt), malloc'd; NULL
 * with err set. */
char *store_blocked_json(const char *path, const char *lang, char *err, size_t err_len);

/* Changes lang's list in one transaction (every writer notices and reloads
 * it). A word that normalizes to nothing is refused and nothing changes.
 * 0, or -1 with err set. */
int store_blocked_change(const char *path, const char *lang, enum store_blocked_mode mode,
			 const char *const *words, size_t n, int64_t now_ms, char *err, size_t err_len);

/* The same four for the HTTP admin API, on a reader thread: over the
 * reader's own read-write connection (opened and migrated on first use,
 * then kept), never one per request. */
int64_t store_api_course_put(struct store_conn *rd, const struct store_course_args *a, int update,
			     int64_t now_ms, char *err, size_t err_len);
char *store_api_course_json(struct store_conn *rd, int64_t id, char *err, size_t err_len);
char *store_api_blocked_json(struct store_conn *rd, const char *lang, char *err, size_t err_len);
int store_api_blocked_change(struct store_conn *rd, const char *lang, enum store_blocked_mode mode,
			     const char *const *words, size_t n, int64_t now_ms, char *err, size_t err_len);

/* Lets the writer finish every queued job, stops it, closes the database.
 * Finished jobs not yet taken are freed. NULL is ignored. */
void store_close(struct store *st);

/* Finishes the queue and stops the writer, and the readers once they have
 * run every read queued; keeps finished jobs and reads for
 * store_take_done() and store_take_reads() (graceful shutdown). */
void store_drain(struct store *st);

/* Queues a job (taking ownership). Returns 0, or -1 after the writer stopped
 * (the job is then finished with PROTO_ERR_SHUTTING_DOWN and still queued
 * for store_take_done so its socket gets an answer). */
int store_submit(struct store *st, struct store_job *job);

/* Takes every finished job, oldest first, linked by ->next; NULL if none. */
struct store_job *store_take_done(struct store *st);

/* A zeroed job, or NULL on OOM. */
struct store_job *store_job_new(void);

/* Frees a job and everything it owns. NULL is ignored. */
void store_job_free(struct store_job *job);

void store_get_stats(struct store *st, struct store_stats *out);

#ifdef FORUMD_TESTING
/* Failpoints: "commit" (next count commits fail), "busy" (next count
 * transactions cannot begin), "disk_full" (count 1: the database may not
 * grow; 0: it may again), "render" (the next count events cannot be
 * rendered after their commit). Takes effect at the writer's next batch. */
void store_failpoint(struct store *st, const char *name, int count);
#endif

/* ---- the reader pool (reader.c) ----------------------------------------- */

#define STORE_READERS_DEFAULT 2
#define STORE_READERS_MAX 16

/*
 * One read, handed to the pool. The caller embeds it (as the first member of
 * its own struct) and fills work and done. work runs on a reader thread with
 * that reader's connection: it may only touch what the read owns (copies,
 * never loop state). done runs on the loop thread once the loop takes the
 * read back (store_take_reads), and frees it.
 */
struct store_read {
	struct store_read *next;
	void (*work)(struct store_read *r, struct store_conn *rd);
	void (*done)(struct store_read *r);
	int cancelled;                /* set before done when the pool stopped first */
	int sync;                     /* store_read_run: the caller waits; done is not called */
	int bulk;                     /* long (an export): runs on all readers but one */
};

/* Sets how many reader threads store_open starts (1..STORE_READERS_MAX;
 * STORE_READERS_DEFAULT until called). Call before store_open. */
void store_set_readers(unsigned n);

/* Queues r for a reader. Returns 0, or -1 once the pool stopped (r is then
 * the caller's again, and its work never runs). */
int store_read_submit(struct store *st, struct store_read *r);

/* Runs r's work on a reader and waits for it (done is not called): for the
 * few requests that must be answered inside their own callback (an admin's
 * HTTP request, which lws 4.1.6 cannot answer later once a request is
 * pipelined behind it). The calling thread runs no statement, but waits:
 * keep it to small, rare reads. 0, or -1 once the pool stopped. */
int store_read_run(struct store *st, struct store_read *r);

/* Takes every finished read, oldest first, linked by ->next; NULL if none. */
struct store_read *store_take_reads(struct store *st);

/* Records the calling thread as the event loop's: from now on, in test
 * builds, any SQLite statement run on it fails an assertion. */
void store_loop_thread(struct store *st);

/* ---- reads, on a reader thread (struct store_conn) ----------------------- */

/* The latest seq of room (0 if it has none yet). Returns 0 or -1. */
int store_room_seq(struct store_conn *rd, const char *room, int64_t *seq);

/* SQLite's data_version on the reader's connection: it changes whenever another
 * connection (this process's writer, another process) commits. Returns 0 or -1. */
int store_data_version(struct store_conn *rd, int64_t *version);

/* 1 when the database changed (any connection committed) since this
 * reader last asked (or it never asked), else 0; 1 too on a failing read. */
int store_data_changed(struct store_conn *rd);

/* The oldest seq still held for room (retention), 0 if none. */
int store_room_first_seq(struct store_conn *rd, const char *room, int64_t *seq);

/*
 * Renders the events of room with after < seq <= upto, at most max of them,
 * oldest first, from the current rows, calling emit for each. Returns the
 * number emitted, or -1 on a database error. emit receives new references
 * it must release.
 */
long store_replay(struct store_conn *rd, const char *room, int64_t after, int64_t upto, size_t max,
		  void (*emit)(void *arg, const char *room, int64_t seq, struct msg *peer,
			       struct msg *staff),
		  void *arg);

/* store_replay, stopping too once the events emitted take max_bytes (their
 * peer view; at least one is emitted). 0: no byte bound. */
long store_replay_bytes(struct store_conn *rd, const char *room, int64_t after, int64_t upto, size_t max,
			size_t max_bytes,
			void (*emit)(void *arg, const char *room, int64_t seq, struct msg *peer,
				     struct msg *staff),
			void *arg);

/* ---- forum reads, on a reader thread -------------------------------------- */

/* course.list: the courses in the token (every course for an admin) with
 * the caller's role and access now. A new reply msg, or NULL on error. */
struct msg *store_course_list(struct store_conn *rd, const struct identity *who, const char *req_id,
			      int64_t now_s);

/* thread.list: one page of a course's threads, after the access check.
 * A new reply msg, or NULL with *err filled. */
struct msg *store_thread_list(struct store_conn *rd, const struct identity *who, int64_t uid,
			      const struct proto_request *req, int64_t now_s, struct proto_error *err);

/* search: what to look for, in which course, with which filters. */
struct store_search_args {
	int64_t course;
	const char *q;                /* the query as typed (UTF-8) */
	size_t q_len;
	const char *kind;             /* "discussion", "question", or NULL: any */
	int mine;                     /* 1: only the searcher's own posts */
	int answered;                 /* -1: any; 0: unanswered threads; 1: answered */
	const char *cursor;           /* NULL: the first page */
	int limit;                    /* 0: PROTO_SEARCH_PAGE_DEFAULT */
};

/* One page of search results, as facts for proto/ to render in `view`.
 * Owned by the caller; freed with store_search_free. */
struct store_search_result {
	struct search_query query;    /* the words searched for */
	struct search_hit *hits;      /* best first */
	size_t n;
	int more;                     /* a further page exists: next is its cursor */
	char next[48];
	struct view view;             /* the searcher's view (view_of) */
};

/*
 * search: one page of a course's posts matching a's words (every word, as
 * the course language folds and stems it), best first (bm25, the title
 * counting four times the body), with snippets. Obeys the read access
 * rules and every visibility rule of the view: hidden posts for staff
 * only, deleted never, anonymous authors as the view may see them (the
 * index holds no names). 0 with *out filled, or -1 with *err (bad_field
 * for a query with no words, bad_cursor, or the access refusal).
 */
int store_search(struct store_conn *rd, const struct identity *who, int64_t uid, const struct store_search_args *a,
		 int64_t now_s, struct store_search_result *out, struct proto_error *err);

/* Frees what a result owns (not the struct). NULL is ignored. */
void store_search_free(struct store_search_result *r);

#ifdef FORUMD_TESTING
/* The query plan of thread.list's query for sort (0 latest, 1 votes,
 * 2 unanswered): one line per step (EXPLAIN QUERY PLAN's detail) into buf.
 * 0, or -1 on error. */
int store_thread_list_plan(struct store *st, int sort, char *buf, size_t len);
#endif

/* May who follow room now? PROTO_ERR_NONE with *staff_view set (1: staff
 * see who wrote anonymous posts), or the refusal. With until_s, also when
 * the answer may next change by time alone (a course window boundary, in
 * seconds; INT64_MAX: not by time). */
enum proto_err store_room_access(struct store_conn *rd, const struct identity *who, int64_t uid,
				 const char *room, int64_t now_s, int *staff_view, int64_t *until_s);

/* The subscribe reply in snapshot mode: the room's current state and its seq
 * (*seq), read in one transaction, with what is personal to user uid (their
 * own posts, their votes, whether they follow). NULL on error. */
struct msg *store_room_snapshot(struct store_conn *rd, const char *req_id, const char *room,
				int staff_view, int64_t uid, int64_t *seq);

/* Staff reads: the open flags of a course, its audit log (paged), a post's
 * revisions. A new reply msg, or NULL with *err filled (forbidden for
 * non-staff). */
struct msg *store_flag_list(struct store_conn *rd, const struct identity *who, const struct proto_request *req,
			    struct proto_error *err);
struct msg *store_audit_list(struct store_conn *rd, const struct identity *who, const struct proto_request *req,
			     struct proto_error *err);
struct msg *store_post_history(struct store_conn *rd, const struct identity *who, const struct proto_request *req,
			       struct proto_error *err);

/* Writing reads (writing.c): the caller's own draft for a place (uid: its
 * writer; nobody else's is ever read), and a thread's titles (staff only).
 * A new reply msg, or NULL with *err filled. */
struct msg *store_draft_get(struct store_conn *rd, int64_t uid, const struct proto_request *req,
			    struct proto_error *err);
struct msg *store_thread_history(struct store_conn *rd, const struct identity *who, const struct proto_request *req,
				 struct proto_error *err);
/* notification.list: a page of user uid's own notifications with their
 * unread count and settings. A new reply msg, or NULL with *err filled. */
struct msg *store_notification_list(struct store_conn *rd, int64_t uid, const struct proto_request *req,
				    struct proto_error *err);

/* course.members: up to members_page_max members of a course (who must
 * have read access to it) whose user id or name starts with the prefix.
 * A new reply msg, or NULL with *err filled. */
struct msg *store_course_members(struct store_conn *rd, const struct identity *who, int64_t uid,
				 const struct proto_request *req, int64_t now_s, struct proto_error *err);

/* Live Q&A reads: a course's sessions (needs read access); a session's course. */
struct msg *store_session_list(struct store_conn *rd, const struct identity *who, const struct proto_request *req,
			       int64_t now_s, struct proto_error *err);
int store_session_course(struct store_conn *rd, int64_t session, int64_t *course);

/* The Q&A export of a session as JSON or CSV (malloc'd), for someone in its
 * course: staff see every question and, with names, who asked; others only
 * published questions and no names. NULL with *code (forbidden, not_found or
 * internal: the caller says it in its transport's terms) and err. */
char *store_session_export(const char *path, int64_t session, const struct identity *who, int names, int csv,
			   enum proto_err *code, char *err, size_t err_len);

/* A poll's results (whole_session 0: poll id) or those of every poll of a
 * session that has been opened (whole_session 1: session id), as JSON or
 * CSV (malloc'd), for staff of the course only; with answers, also each
 * participant's answers (CSV then holds the answers). NULL with *code
 * (forbidden, not_found or internal) and err. */
char *store_poll_export(const char *path, int64_t id, int whole_session, const struct identity *who, int answers,
			int csv, enum proto_err *code, char *err, size_t err_len);

/* The two exports above on a reader thread, over its read connection. */
char *store_api_session_export(struct store_conn *rd, int64_t session, const struct identity *who, int names,
			       int csv, enum proto_err *code, char *err, size_t err_len);
char *store_api_poll_export(struct store_conn *rd, int64_t id, int whole_session, const struct identity *who,
			    int answers, int csv, enum proto_err *code, char *err, size_t err_len);

/* The subscribe reply in replay or live mode (replay: how many events
 * follow up to seq), with the room's current vote counts in it (thread and
 * session rooms: `votes`, bounded), read now. NULL on error. */
struct msg *store_room_resume(struct store_conn *rd, const char *req_id, const char *room, int64_t seq,
			      const char *mode, int64_t replay);

/* The room's other current state values, as state messages (for a client
 * that resumed rather than took a snapshot): "now answering" of a session,
 * the results of a results room; none for a thread (its vote counts are in
 * the reply). Returns the count or -1. */
long store_room_state(struct store_conn *rd, const char *room, void (*emit)(void *arg, struct msg *m),
		      void *arg);

#endif
