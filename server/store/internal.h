/*
 * internal.h - what the store's own files share, bottom up:
 *
 *   db.c        connections (one open path), the statement cache, exec/step
 *   job.c       a job's life and error, the checks and appends every domain
 *               makes (course window, mute, staff, limits, audit, notice)
 *   threads.c   thread and post rows and facts (forum, moderation and qa)
 *   events.c    room logs: append, seqs, replay, retention
 *   dispatch.c  the table of domains: which domain applies an op, renders
 *               an event, hears that a session ended
 *   forum.c moderation.c qa.c poll.c (+ poll_answer.c cloud.c poll_read.c,
 *               sharing polls.h)  the domains: each calls only the files
 *               above, never another domain
 *   idem.c      one job inside the transaction, with its idempotency record
 *   writer.c    the handle, the writer thread and group commit
 *
 * Functions that run inside the writer's transaction assert
 * store__on_writer(st).
 */
#ifndef FORUMD_STORE_INTERNAL_H
#define FORUMD_STORE_INTERNAL_H

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>

#include <sqlite3.h>

#include "core/moderation.h"
#include "store.h"

/* The most distinct statements one connection caches: the store has about
 * 200 queries, and each connection runs only its kind's (writer, reader). */
#define STMT_CACHE_MAX 1023

#define STMT_CACHE_SLOTS 2048      /* open addressing, kept under half full */

/* Prepared statements of one connection, keyed by the SQL text's address
 * (every SQL string is a static literal). slot[] maps a hash of the address
 * to 1 + the statement's index (0 = empty): a write runs a dozen or more
 * statements, and a linear search of the cache for each was measurable. */
struct stmt_cache {
	const char *sql[STMT_CACHE_MAX];
	sqlite3_stmt *stmt[STMT_CACHE_MAX];
	int n;
	uint16_t slot[STMT_CACHE_SLOTS];
};

struct store {
	sqlite3 *wdb;                 /* writer thread only */
	struct stmt_cache wcache;
	struct store__readers *readers;   /* the reader pool (reader.c) */
	enum store_sync sync;

	pthread_t thread;
	int thread_started;
	/* The writer thread's id, recorded by the thread itself when it starts
	 * (writer_known then 1): store__on_writer compares against it. */
	pthread_t writer_id;
	atomic_int writer_known;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct store_job *q_head, *q_tail;    /* waiting for the writer */
	struct store_job *d_head, *d_tail;    /* finished, waiting for the loop */
	int stop;                             /* writer: finish the queue and exit */
	int stopped;                          /* writer has exited */
	void (*notify)(void *arg);
	void *notify_arg;

	atomic_uint_fast64_t jobs, writes, deduped, commits, commit_failures, batch_max, events, queue;
	atomic_uint_fast64_t render_failures;         /* events left to gap filling (render after commit failed) */

	/* Test builds: failpoints set by the loop, consumed by the writer. */
	atomic_int fp_commit, fp_busy, fp_disk_full;  /* disk_full: -1 unchanged, 0 off, 1 on */
	atomic_int fp_render;                         /* the next N event renders after commit fail */
	int disk_full;                                /* writer thread: the failpoint is on */

	struct mod_limits limits;

	/* Writer thread: word-cloud normalizers per language (en, es, pt) with
	 * that language's blocked words, and the blocked_words counter they
	 * were loaded at (reloaded when it moves). */
	struct words *words[3];
	int64_t words_v[3];
};

/* Runs one job inside the writer's open transaction (idem.c): a request is
 * answered from its idempotency record, or applied in its own savepoint and
 * recorded; a prune job prunes. The outcome is on the job as facts (err,
 * result, events, states); the reply and the views are made after the
 * commit (store__render_events). */
void store__job_run(struct store *st, struct store_job *job);

/* 1 when the calling thread is st's writer thread, else 0 (writer.c).
 * Everything that runs inside the writer's transaction asserts it: the
 * write connection and its statement cache belong to that thread alone. */
int store__on_writer(struct store *st);

/* A reader thread's connection: read-only, its own statement cache, core/'s
 * rules registered. Only its reader thread uses it. */
struct store_conn {
	struct store *st;
	sqlite3 *db;
	struct stmt_cache cache;
	int64_t data_version;         /* store_data_changed: the last one seen, */
	int data_version_known;       /* once there is one */
	sqlite3 *rw;                  /* the admin API's read-write connection, once used */
};

/* The reader's read-write connection for the admin API (store__open_rw on
 * first use, then kept); NULL with err set. */
sqlite3 *store__conn_rw(struct store_conn *rd, char *err, size_t err_len);

/* The reader pool (reader.c): starts the readers over path, each with its
 * connection; 0, or -1 with err set. Stops them after they finish what is
 * queued (store_drain); frees them (store_close). */
int store__readers_start(struct store *st, const char *path, char *err, size_t err_len);
void store__readers_stop(struct store *st);
void store__readers_free(struct store *st);

/* A read-only connection like a reader's, for a caller that closes it
 * itself (test builds' query plans); NULL on error. */
sqlite3 *store__reader_db_open(struct store *st);

/* Nonzero on the thread store_loop_thread() recorded: the helpers that run
 * statements assert they are not on it, so a read put back on the loop
 * fails the test suite. */
int store__on_loop_thread(void);
void store__loop_thread_done(void);
#ifdef FORUMD_TESTING
#define STORE_ASSERT_OFF_LOOP() assert(!store__on_loop_thread())
#else
#define STORE_ASSERT_OFF_LOOP() ((void)0)
#endif

/* Removes history older than job->prune_before_ms (events, idempotency
 * records) and moves each room's first_seq; the count in job->out_count. */
int store__prune(struct store *st, struct store_job *job);

/* A cached prepared statement for sql on db, reset and with bindings cleared;
 * NULL on error (logged). */
sqlite3_stmt *store__stmt(struct stmt_cache *c, sqlite3 *db, const char *sql);
void store__stmt_cache_free(struct stmt_cache *c);

/* ---- connections and statements (db.c) ---------------------------------- */

/* Runs one statement without results; 0 or the SQLite error code. */
int store__exec(sqlite3 *db, const char *sql);

/* Steps a statement to completion and resets it: 0 or -1. */
int store__step_done(sqlite3_stmt *s);

/* A one-id query positioned on its row (the caller resets it), or NULL. */
sqlite3_stmt *store__row_by_id(struct stmt_cache *c, sqlite3 *db, const char *sql, int64_t id);

enum store_db_kind {
	STORE_DB_WRITER,       /* read-write, migrated, a large page cache: the writer thread's */
	STORE_DB_READER,       /* read only */
	STORE_DB_ADMIN,        /* read-write for the command line and the admin API, migrated once */
};

/* Opens the database at path as kind, with the store's busy handler and
 * pragmas (WAL, synchronous per sync, foreign keys, core/'s SQL functions);
 * the writer and admin kinds bring the schema to the newest version (the
 * admin kind only if this process has not yet). A new connection the caller
 * closes, or NULL with err set. */
sqlite3 *store__db_open(const char *path, enum store_db_kind kind, enum store_sync sync, char *err,
		       size_t err_len);

/* Registers core/'s visibility rules as SQL functions on db (rules.c):
 * SQLITE_OK or SQLite's error code. Every connection that reads rows a
 * rule filters calls it once after opening. */
int store__rules_register(sqlite3 *db);

/* Registers the "forumd" FTS5 tokenizer (fts.c: core/words' keys as the
 * search index's words) on db: SQLITE_OK or SQLite's error code. */
int store__fts_register(sqlite3 *db);

/* Writer thread, inside a write: indexes the posts the schema's triggers
 * queued in search_queue (search.c) and empties it. 0, or -1. */
int store__search_sync(struct store *st);

/* A read-write connection of its own for the command line and the HTTP
 * admin API (store__db_open's admin kind); NULL with err set. The caller
 * closes it. */
sqlite3 *store__open_rw(const char *path, char *err, size_t err_len);

/* 1 for a course language forumd speaks: en, es, pt. */
int store__lang_valid(const char *lang);

/* --dev: a demo course (and its staff's welcome thread) if there is none. */
int store__seed_demo(sqlite3 *db, int64_t now_ms);

/* Schema migrations (schema.c): brings db to the newest version. */
int store__migrate(sqlite3 *db, char *err, size_t err_len);

/* ---- inside a write transaction (writer thread) ------------------------- */

/*
 * Appends event ev about `subject` to room's log with the room's next seq
 * and records its facts (room, seq, type, subject, actor) on the job; its
 * views are rendered after the commit (store__render_events). Returns 0, or
 * -1 (the job's savepoint is then rolled back); -1 too when protocol.json
 * does not send ev to rooms of room's kind.
 */
int store__event_append(struct store *st, struct store_job *job, const char *room,
		       enum proto_event ev, int64_t subject, int64_t actor);

/* After a batch committed (writer thread, outside the write transaction):
 * makes each successful job's reply from its result, and renders its
 * events, once per view, from the current rows, and its state values, in
 * one read transaction. An event that cannot be
 * rendered is dropped from its job (counted, logged): subscribers get it
 * from the log by gap filling; the job keeps its reply. */
void store__render_events(struct store *st, struct store_job *head);


/* ---- the table of domains (dispatch.c) ----------------------------------- */

/* Applies one job's write op through the domain protocol.json names for it.
 * Returns PROTO_ERR_NONE with the reply's data JSON in *result (malloc'd,
 * caller frees; NULL for hello, whose reply the loop makes), or an error in
 * job->err. */
enum proto_err store__apply(struct store *st, struct store_job *job, char **result);

/*
 * Renders the event (ev, subject) of room at seq from the current rows
 * reachable through db/cache, through the domain protocol.json names for it,
 * as peers see it (*peer) and as staff see it (*staff, left NULL when it is
 * the same bytes). Returns 0 with new msgs, or -1 with both NULL. Shared by
 * the writer (live) and replay.
 */
int store__render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
		       enum proto_event ev, int64_t subject, struct msg **peer, struct msg **staff);

/*
 * What each domain file gives the table. apply: one of the domain's write
 * ops (as store__apply; an op of another domain is an internal error).
 * render_event: both views of one of the domain's events, each a new msg;
 * 0, or -1 (the caller releases what was made).
 */
enum proto_err store__forum_apply(struct store *st, struct store_job *job, char **result);
int store__forum_render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
			     enum proto_event ev, int64_t subject, struct msg **peer, struct msg **staff);
enum proto_err store__moderation_apply(struct store *st, struct store_job *job, char **result);
int store__moderation_render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
				  enum proto_event ev, int64_t subject, struct msg **peer, struct msg **staff);
enum proto_err store__qa_apply(struct store *st, struct store_job *job, char **result);
int store__qa_render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
			  enum proto_event ev, int64_t subject, struct msg **peer, struct msg **staff);
enum proto_err store__poll_apply(struct store *st, struct store_job *job, char **result);
enum proto_err store__writing_apply(struct store *st, struct store_job *job, char **result);
/* thread.edit's record of a title change (writing.c), before the thread's row
 * changes: the thread's first title (once) and then title, as revisions. */
int store__title_revision(struct store *st, struct store_job *job, int64_t thread, const char *title, size_t len);
/* render_state: one of the domain's state kinds, as store__state_render. */
int store__forum_render_state(struct stmt_cache *c, sqlite3 *db, struct store_state *s);
int store__qa_render_state(struct stmt_cache *c, sqlite3 *db, struct store_state *s);
int store__poll_render_state(struct stmt_cache *c, sqlite3 *db, struct store_state *s);
int store__poll_render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
			    enum proto_event ev, int64_t subject, struct msg **peer, struct msg **staff);
/* Hooks (NULL in the table when a domain has none). session_ended: a live
 * session ended inside this job (polls: every open poll closes, with
 * poll.updated for each); 0 or -1. */
int store__poll_session_ended(struct store *st, struct store_job *job, int64_t session);

/* Tells every domain that live session `session` ended inside this job
 * (writer thread); 0 or -1. */
int store__session_ended(struct store *st, struct store_job *job, int64_t session);

/* ---- jobs and the checks every domain shares (job.c) -------------------- */

/* Drops a job's results (events, states, reply), keeping the request. */
void store__job_clear_results(struct store_job *job);
/* Fails a job: its results dropped, code and message set. */
void store__job_fail(struct store_job *job, enum proto_err code, const char *message);
/* Records a changed state value on the job, taking both references (staff
 * NULL: the same for everyone). A NULL value fails (render OOM). For a
 * value that has no facts kind yet (poll results, retire). */
int store__state_add(struct store_job *job, const char *room, const char *key, int64_t version,
		    struct msg *value, struct msg *staff);
/* Records a changed state value on the job as its facts (kind, subject,
 * count: see enum store_state_kind); rendered after the commit. 0 or -1. */
int store__state_fact(struct store_job *job, const char *room, const char *key, int64_t version,
		     enum store_state_kind kind, int64_t subject, int64_t count);
/* Renders one state recorded as facts into s->value (and s->staff when the
 * views differ) through db/cache, by the domain that owns its kind
 * (dispatch.c): 0 (s->value NULL: nothing is to be sent any more, as for a
 * retired results room), or -1 with nothing made. A state made inside the
 * transaction is left as it is. */
int store__state_render(struct stmt_cache *c, sqlite3 *db, struct store_state *s);
/* Sets the job's error and returns its code. */
enum proto_err store__job_error(struct store_job *job, enum proto_err code, const char *field, const char *message);
/* A core/ rule's verdict: a refusal becomes the job's error; returns its code
 * (PROTO_ERR_NONE when allowed, the job untouched). */
enum proto_err store__job_verdict(struct store_job *job, struct verdict v);
/* "<kind>:<id>" into buf. */
void store__room_name(char *buf, size_t n, const char *kind, int64_t id);

/* Inside the write transaction (writer thread): */
/* Course window and role for a write (want_write) or a read. */
enum proto_err store__check_course(struct store *st, struct store_job *job, int64_t course, int want_write);
/* A muted participant may not write (staff are never muted). */
enum proto_err store__check_mute(struct store *st, struct store_job *job, int64_t course);
/* forbidden unless the job's user is staff in course (or a global admin). */
enum proto_err store__need_staff(struct store_job *job, int64_t course);
/* Abuse limits for participant writes: PROTO_ERR_NONE, or rate_limited with
 * job->retry_after_ms set. action: post, thread, flag, vote, edit. */
enum proto_err store__limit(struct store *st, struct store_job *job, int64_t course, const char *action);
/* Logs a staff action (audit.created in staff:<course>); 0 or -1. */
int store__audit_add(struct store *st, struct store_job *job, int64_t course, const char *action,
		    const char *kind, int64_t subject, const char *reason);
/* Tells one person what happened (notice in user:<id>); post holds the post
 * or question id the notice is about, 0 if none. 0 or -1. */
int store__notice_add(struct store *st, struct store_job *job, int64_t user, int64_t course, const char *kind,
		     int64_t post, int64_t until, const char *reason);

/* ---- notifications every domain makes (notify.c) ------------------------ */

struct forum_thread_facts;

/* hello: records the courses the token names (that exist) as the user's
 * memberships, with their role; 0 or -1. */
int store__notify_members(struct store *st, struct store_job *job, int64_t uid);
/* A new visible post pid in thread tf (a reply to parent, 0 if none): tells
 * its thread's followers, the parent's author and the course members its
 * text @mentions, each once (core/notify), grouping bursts; 0 or -1. */
int store__notify_post(struct store *st, struct store_job *job, const struct forum_thread_facts *tf, int64_t pid,
		       int64_t parent, int anonymous, const char *body, size_t body_len);
/* Staff endorsed post pid (by author) in question thread tf: tells its
 * author (their post endorsed) and the thread's author (their question
 * answered), naming the endorser; 0 or -1. */
int store__notify_endorsed(struct store *st, struct store_job *job, const struct forum_thread_facts *tf, int64_t pid,
			   int64_t author);
/* Staff pinned thread tf: when its author is staff of the course and it
 * was never announced, tells every member of the course (but the author
 * and the job's user) of the announcement, naming who pinned it; 0 or -1. */
int store__notify_announce(struct store *st, struct store_job *job, const struct forum_thread_facts *tf);
enum proto_err store__notify_apply(struct store *st, struct store_job *job, char **result);
int store__notify_render_event(struct stmt_cache *c, sqlite3 *db, const char *room, int64_t seq,
			      enum proto_event ev, int64_t subject, struct msg **peer, struct msg **staff);

/* ---- threads and posts every domain shares (threads.c) ------------------ */

#include "core/forum.h"

/* Column lists whose order store__thread_row and store__post_row read. */
#define THREAD_COLUMNS \
	"t.id, t.course_id, t.kind, t.title, t.author_id, u.ext_id, u.name, t.anonymous," \
	" t.first_post_id, t.created_at, t.last_activity_at, t.reply_count, t.votes, t.stats_v," \
	" t.pinned, t.locked, t.answered, t.state, lp.author_id, lu.ext_id, lu.name, lp.anonymous"
#define THREAD_JOINS \
	" FROM threads t JOIN users u ON u.id = t.author_id" \
	" LEFT JOIN posts lp ON lp.id = t.last_post_id LEFT JOIN users lu ON lu.id = lp.author_id"
/* Column 14 holds both marks of a post: endorsed (bit 0) and accepted (bit 1),
 * so that the columns after it keep their places. */
#define POST_COLUMNS \
	"p.id, p.thread_id, p.parent_id, p.author_id, u.ext_id, u.name, p.anonymous, p.body," \
	" p.created_at, p.edited_at, p.revision, p.state, p.votes, p.votes_v, p.endorsed | (p.accepted << 1)," \
	" t.first_post_id = p.id"

extern const char store__q_post[], store__q_thread[];

/* Fills p / t from the current row of a store__q_post-shaped / THREAD_COLUMNS
 * statement; the strings point into the statement's row. */
void store__post_row(sqlite3_stmt *s, struct forum_post *p);
void store__thread_row(sqlite3_stmt *s, struct forum_thread *t);
/* Inside the write transaction (writer thread): */
/* Loads a thread / post (not_found if gone or hidden from this user). */
enum proto_err store__thread_facts(struct store *st, struct store_job *job, int64_t thread, struct forum_thread_facts *f);
enum proto_err store__post_facts(struct store *st, struct store_job *job, int64_t post, struct forum_post_facts *f);
/* Course window, mute and lock for a write into a thread. */
enum proto_err store__check_thread_write(struct store *st, struct store_job *job, const struct forum_thread_facts *f);
/* Queues the thread's thread.stats state (its facts) on the job. */
int store__thread_stats_state(struct store *st, struct store_job *job, int64_t thread);
/* Renders a thread.stats state fact (s->subject: the thread) from the
 * thread's current row, both views, with the row's current version. 0 or -1. */
int store__thread_stats_render(struct stmt_cache *c, sqlite3 *db, struct store_state *s);
/* {"post": …} for the author's (or staff's) view; malloc'd or NULL. */
char *store__post_result(struct store *st, const struct store_job *job, int64_t post, int64_t course);
/* Starts a thread with its opening post (events thread.created and
 * post.created); returns the thread id (and *post) or -1. votes seeds the
 * opening post's count (a bridged question carries its votes). */
int64_t store__thread_insert(struct store *st, struct store_job *job, int64_t course, const char *kind,
			    const char *title, int title_len, const char *body, int body_len, int64_t author,
			    int anonymous, int64_t votes, int64_t *post);

/* Live Q&A (qa.c). */
struct msg *store__session_snapshot(struct store_conn *rd, const char *req_id, const char *room, int64_t session,
				   int staff_view, int64_t uid, int64_t seq);
/* A session's current question vote counts (published questions voted on at
 * least once), the first resume_votes_max by id, as a new list; NULL on
 * error. For the reply of a resuming subscribe. */
struct render_list *store__session_votes(struct store_conn *rd, int64_t session);
/* A page of vote counts that sql selects (forum_read.c; for both room kinds). */
struct render_list *store__votes_page(struct store_conn *rd, const char *sql, int64_t id, const char *kind);
long store__session_state(struct store_conn *rd, const char *room, int64_t session,
			 void (*emit)(void *arg, struct msg *m), void *arg);

/* Polls, surveys and word clouds (poll.c). */
/* The session snapshot's polls and surveys, inside the caller's read
 * transaction; new lists or NULL (OOM). */
struct render_list *store__session_polls(struct store_conn *rd, int64_t session, int staff_view, int64_t uid);
struct render_list *store__session_surveys(struct store_conn *rd, int64_t session, int staff_view);
/* results:<n>: access, snapshot and current state. */
enum proto_err store__results_access(struct store_conn *rd, const struct identity *who, int64_t uid, int64_t n,
				    int64_t now_s, int *staff_view);
struct msg *store__results_snapshot(struct store_conn *rd, const char *req_id, const char *room, int64_t n);
long store__results_state(struct store_conn *rd, const char *room, int64_t n, void (*emit)(void *arg, struct msg *m),
			 void *arg);
/* Frees the writer's normalizers (store_close). */
void store__poll_free(struct store *st);

#endif
