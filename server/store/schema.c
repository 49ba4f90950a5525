/*
 * schema.c - versioned migrations, applied in order at start.
 *
 * PRAGMA user_version holds the number of migrations applied. They run in one
 * transaction; a migration is never edited once released, only followed by
 * another.
 */
#include <stdio.h>

#include "internal.h"

static const char *const migrations[] = {
	/* 1: courses, users, the forum, the event log, idempotency, counters,
	 * and what moderation needs. */
	"CREATE TABLE courses("
	"  id INTEGER PRIMARY KEY,"
	"  title TEXT NOT NULL,"
	"  lang TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en','es','pt')),"
	"  starts_at INTEGER NOT NULL,"          /* seconds, UTC */
	"  ends_at INTEGER NOT NULL,"            /* seconds, UTC */
	"  created_at INTEGER NOT NULL,"         /* ms */
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE users("
	"  id INTEGER PRIMARY KEY,"
	"  ext_id TEXT NOT NULL UNIQUE,"         /* the token's sub */
	"  name TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE threads("
	"  id INTEGER PRIMARY KEY,"
	"  course_id INTEGER NOT NULL REFERENCES courses(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('discussion','question')),"
	"  title TEXT NOT NULL,"
	"  author_id INTEGER NOT NULL REFERENCES users(id),"
	"  anonymous INTEGER NOT NULL DEFAULT 0,"
	"  first_post_id INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  last_activity_at INTEGER NOT NULL,"
	"  last_post_id INTEGER,"
	"  reply_count INTEGER NOT NULL DEFAULT 0,"
	"  votes INTEGER NOT NULL DEFAULT 0,"
	"  stats_v INTEGER NOT NULL DEFAULT 0,"  /* bumped when counts or activity change */
	"  pinned INTEGER NOT NULL DEFAULT 0,"
	"  locked INTEGER NOT NULL DEFAULT 0,"
	"  answered INTEGER NOT NULL DEFAULT 0,"
	"  state TEXT NOT NULL DEFAULT 'visible' CHECK (state IN ('visible','hidden','deleted')));"
	"CREATE INDEX threads_by_activity ON threads(course_id, pinned DESC, last_activity_at DESC, id DESC);"
	"CREATE INDEX threads_by_votes ON threads(course_id, votes DESC, id DESC);"
	"CREATE TABLE posts("
	"  id INTEGER PRIMARY KEY,"
	"  thread_id INTEGER NOT NULL REFERENCES threads(id),"
	"  parent_id INTEGER REFERENCES posts(id),"
	"  author_id INTEGER NOT NULL REFERENCES users(id),"
	"  anonymous INTEGER NOT NULL DEFAULT 0,"
	"  body TEXT NOT NULL,"
	"  revision INTEGER NOT NULL DEFAULT 1,"
	"  created_at INTEGER NOT NULL,"
	"  edited_at INTEGER,"
	"  state TEXT NOT NULL DEFAULT 'visible' CHECK (state IN ('visible','hidden','deleted')),"
	"  state_reason TEXT,"
	"  state_by INTEGER REFERENCES users(id),"
	"  votes INTEGER NOT NULL DEFAULT 0,"
	"  votes_v INTEGER NOT NULL DEFAULT 0,"
	"  endorsed INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX posts_by_thread ON posts(thread_id, id);"
	"CREATE TABLE post_revisions("
	"  post_id INTEGER NOT NULL REFERENCES posts(id),"
	"  revision INTEGER NOT NULL,"
	"  body TEXT NOT NULL,"
	"  edited_by INTEGER NOT NULL REFERENCES users(id),"
	"  edited_at INTEGER NOT NULL,"
	"  PRIMARY KEY (post_id, revision)) WITHOUT ROWID;"
	"CREATE TABLE post_votes("
	"  post_id INTEGER NOT NULL REFERENCES posts(id),"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (post_id, user_id)) WITHOUT ROWID;"
	"CREATE TABLE follows("
	"  thread_id INTEGER NOT NULL REFERENCES threads(id),"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (thread_id, user_id)) WITHOUT ROWID;"
	"CREATE TABLE mutes("
	"  course_id INTEGER NOT NULL REFERENCES courses(id),"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  until INTEGER NOT NULL,"              /* seconds */
	"  reason TEXT NOT NULL,"
	"  by_user INTEGER NOT NULL REFERENCES users(id),"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (course_id, user_id)) WITHOUT ROWID;"
	"CREATE TABLE audit("
	"  id INTEGER PRIMARY KEY,"
	"  course_id INTEGER NOT NULL,"
	"  actor_id INTEGER NOT NULL,"
	"  action TEXT NOT NULL,"
	"  subject_kind TEXT NOT NULL,"
	"  subject_id INTEGER NOT NULL,"
	"  reason TEXT,"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX audit_by_course ON audit(course_id, id);"
	/* The event log: one gap-free seq per room. */
	"CREATE TABLE rooms("
	"  name TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL,"
	"  first_seq INTEGER NOT NULL DEFAULT 1,"  /* oldest seq still held (retention) */
	"  updated_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE events("
	"  room TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  type TEXT NOT NULL,"
	"  subject INTEGER NOT NULL,"
	"  actor INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (room, seq)) WITHOUT ROWID;"
	/* A retried write returns its first result. */
	"CREATE TABLE idempotency("
	"  user_id INTEGER NOT NULL,"
	"  key TEXT NOT NULL,"
	"  op TEXT NOT NULL,"
	"  result TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (user_id, key)) WITHOUT ROWID;"
	/* Abuse limits that survive reconnects and restarts. */
	"CREATE TABLE daily_counters("
	"  user_id INTEGER NOT NULL,"
	"  course_id INTEGER NOT NULL,"
	"  action TEXT NOT NULL,"
	"  day INTEGER NOT NULL,"                /* days since the epoch, UTC */
	"  count INTEGER NOT NULL,"
	"  PRIMARY KEY (user_id, course_id, action, day)) WITHOUT ROWID;",

	/* 2: moderation: flags, notices to one person, per-action rate marks. */
	"CREATE TABLE flags("
	"  id INTEGER PRIMARY KEY,"
	"  course_id INTEGER NOT NULL REFERENCES courses(id),"
	"  post_id INTEGER NOT NULL REFERENCES posts(id),"
	"  flagger_id INTEGER NOT NULL REFERENCES users(id),"
	"  reason TEXT NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','dismissed','resolved')),"
	"  created_at INTEGER NOT NULL,"
	"  resolved_by INTEGER REFERENCES users(id),"
	"  resolved_at INTEGER,"
	"  UNIQUE (post_id, flagger_id));"
	"CREATE INDEX flags_open ON flags(course_id, state, id);"
	"CREATE INDEX flags_by_post ON flags(post_id, state);"
	"CREATE TABLE notices("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  course_id INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  post_id INTEGER,"
	"  until INTEGER,"
	"  reason TEXT,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE action_marks("
	"  user_id INTEGER NOT NULL,"
	"  action TEXT NOT NULL,"
	"  last_at INTEGER NOT NULL,"             /* ms */
	"  PRIMARY KEY (user_id, action)) WITHOUT ROWID;",

	/* 3: live sessions and their questions. */
	"CREATE TABLE live_sessions("
	"  id INTEGER PRIMARY KEY,"
	"  course_id INTEGER NOT NULL REFERENCES courses(id),"
	"  title TEXT NOT NULL,"
	"  starts_at INTEGER NOT NULL,"           /* seconds, scheduled */
	"  state TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled','live','ended')),"
	"  premoderated INTEGER NOT NULL DEFAULT 0,"
	"  started_at INTEGER,"                   /* ms */
	"  ended_at INTEGER,"
	"  answering_id INTEGER,"
	"  answering_v INTEGER NOT NULL DEFAULT 0,"
	"  created_by INTEGER NOT NULL REFERENCES users(id),"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX live_sessions_by_course ON live_sessions(course_id, id);"
	"CREATE TABLE questions("
	"  id INTEGER PRIMARY KEY,"
	"  session_id INTEGER NOT NULL REFERENCES live_sessions(id),"
	"  author_id INTEGER NOT NULL REFERENCES users(id),"
	"  anonymous INTEGER NOT NULL DEFAULT 0,"
	"  body TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('pending','visible','answering','answered','dismissed','withdrawn')),"
	"  votes INTEGER NOT NULL DEFAULT 0,"
	"  votes_v INTEGER NOT NULL DEFAULT 0,"
	"  answer TEXT,"
	"  dismiss_reason TEXT,"
	"  published INTEGER NOT NULL DEFAULT 0,"   /* ever shown to the session room */
	"  created_at INTEGER NOT NULL,"
	"  published_at INTEGER,"
	"  answered_at INTEGER,"
	"  edited_at INTEGER,"
	"  bridged_thread INTEGER);"
	"CREATE INDEX questions_by_session ON questions(session_id, id);"
	"CREATE TABLE question_votes("
	"  question_id INTEGER NOT NULL REFERENCES questions(id),"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (question_id, user_id)) WITHOUT ROWID;",

	/* 4: polls, surveys and word clouds. A poll's counts live beside it
	 * (poll_options: one row per option, or per rating value) and are
	 * kept exact in the write transaction; open text answers and
	 * word-cloud entries are grouped by key (poll_groups), with every
	 * spelling counted (poll_spellings) so the most common one is shown.
	 * A poll's results go to the room results:<n>, n from results_rooms;
	 * a poll gets a new n whenever who may see its results narrows. */
	"CREATE TABLE surveys("
	"  id INTEGER PRIMARY KEY,"
	"  session_id INTEGER NOT NULL REFERENCES live_sessions(id),"
	"  course_id INTEGER NOT NULL REFERENCES courses(id),"
	"  title TEXT NOT NULL,"
	"  created_by INTEGER NOT NULL REFERENCES users(id),"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX surveys_by_session ON surveys(session_id, id);"
	"CREATE TABLE polls("
	"  id INTEGER PRIMARY KEY,"
	"  session_id INTEGER NOT NULL REFERENCES live_sessions(id),"
	"  course_id INTEGER NOT NULL REFERENCES courses(id),"
	"  survey_id INTEGER REFERENCES surveys(id),"
	"  position INTEGER NOT NULL DEFAULT 0,"     /* order within the survey */
	"  kind TEXT NOT NULL CHECK (kind IN ('single','multiple','rating','text','words')),"
	"  prompt TEXT NOT NULL,"
	"  min_choices INTEGER,"                      /* single, multiple */
	"  max_choices INTEGER,"
	"  scale INTEGER,"                            /* rating: 5 or 10 */
	"  max_entries INTEGER,"                      /* words */
	"  correct INTEGER,"                          /* bit i set: option i is right; NULL: not set */
	"  visibility TEXT NOT NULL DEFAULT 'live' CHECK (visibility IN ('live','after_answer','on_reveal','staff_only')),"
	"  state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','open','closed')),"
	"  revealed INTEGER NOT NULL DEFAULT 0,"
	"  results_room INTEGER NOT NULL,"            /* n of results:<n> (results_rooms.n) */
	"  respondents INTEGER NOT NULL DEFAULT 0,"   /* people who answered (words: sent an entry) */
	"  entries INTEGER NOT NULL DEFAULT 0,"       /* words: entries counted */
	"  results_v INTEGER NOT NULL DEFAULT 0,"     /* version of the poll.results state */
	"  created_by INTEGER NOT NULL REFERENCES users(id),"
	"  created_at INTEGER NOT NULL,"              /* ms */
	"  opened_at INTEGER,"                        /* ms, first opening; NULL: a draft */
	"  closed_at INTEGER);"
	"CREATE INDEX polls_by_session ON polls(session_id, id);"
	"CREATE INDEX polls_by_survey ON polls(survey_id, position);"
	"CREATE TABLE poll_options("
	"  poll_id INTEGER NOT NULL REFERENCES polls(id),"
	"  idx INTEGER NOT NULL,"                     /* option index; rating: value - 1 */
	"  label TEXT NOT NULL,"                      /* rating: '' */
	"  count INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (poll_id, idx)) WITHOUT ROWID;"
	"CREATE TABLE poll_answers("
	"  poll_id INTEGER NOT NULL REFERENCES polls(id),"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  choices INTEGER,"                          /* single, multiple: bit i = option i */
	"  rating INTEGER,"
	"  text TEXT,"                                /* text: as sent */
	"  text_key TEXT,"                            /* text: its group (poll_groups.key) */
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (poll_id, user_id)) WITHOUT ROWID;"
	"CREATE TABLE cloud_entries("
	"  id INTEGER PRIMARY KEY,"
	"  poll_id INTEGER NOT NULL REFERENCES polls(id),"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  key TEXT NOT NULL,"                        /* the word (poll_groups.key), after merges */
	"  spelling TEXT NOT NULL,"                   /* display form as typed */
	"  removed INTEGER NOT NULL DEFAULT 0,"       /* staff removed its word; still counts toward max_entries */
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX cloud_entries_by_user ON cloud_entries(poll_id, user_id);"
	"CREATE INDEX cloud_entries_by_key ON cloud_entries(poll_id, key);"
	"CREATE TABLE poll_groups("
	"  poll_id INTEGER NOT NULL REFERENCES polls(id),"
	"  key TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  first_v INTEGER NOT NULL,"                 /* results_v when it first appeared: ties in order */
	"  PRIMARY KEY (poll_id, key)) WITHOUT ROWID;"
	"CREATE INDEX poll_groups_by_count ON poll_groups(poll_id, count DESC, first_v);"
	"CREATE TABLE poll_spellings("
	"  poll_id INTEGER NOT NULL REFERENCES polls(id),"
	"  key TEXT NOT NULL,"
	"  spelling TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  first_v INTEGER NOT NULL,"
	"  PRIMARY KEY (poll_id, key, spelling)) WITHOUT ROWID;"
	/* Staff decisions about a word cloud's words that later entries obey:
	 * into NULL: removed (refused); else merged into that word. */
	"CREATE TABLE cloud_aliases("
	"  poll_id INTEGER NOT NULL REFERENCES polls(id),"
	"  key TEXT NOT NULL,"
	"  into_key TEXT,"
	"  PRIMARY KEY (poll_id, key)) WITHOUT ROWID;"
	"CREATE TABLE results_rooms("
	"  n INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  poll_id INTEGER NOT NULL REFERENCES polls(id),"
	"  created_at INTEGER NOT NULL);"
	/* Words refused in word clouds, per course language; matched by the
	 * normalizer's key, so a blocked word blocks its every spelling. */
	"CREATE TABLE blocked_words("
	"  lang TEXT NOT NULL CHECK (lang IN ('en','es','pt')),"
	"  word TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (lang, word)) WITHOUT ROWID;"
	/* Named counters; blocked_words bumps its own on every change so a
	 * process reloads its normalizers when (and only when) the list moved. */
	"CREATE TABLE counters("
	"  name TEXT PRIMARY KEY,"
	"  value INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT INTO counters(name, value) VALUES ('blocked_words', 0);"
	"CREATE TRIGGER blocked_words_ins AFTER INSERT ON blocked_words BEGIN"
	"  UPDATE counters SET value = value + 1 WHERE name = 'blocked_words'; END;"
	"CREATE TRIGGER blocked_words_del AFTER DELETE ON blocked_words BEGIN"
	"  UPDATE counters SET value = value + 1 WHERE name = 'blocked_words'; END;"
	"CREATE TRIGGER blocked_words_upd AFTER UPDATE ON blocked_words BEGIN"
	"  UPDATE counters SET value = value + 1 WHERE name = 'blocked_words'; END;",

	/* 5: a poll counts its resets, so a client can tell a reset (its own
	 * answer is gone) from results merely hidden again. */
	"ALTER TABLE polls ADD COLUMN resets INTEGER NOT NULL DEFAULT 0;",

	/* 6: thread.list sort=unanswered walks this partial index in its
	 * order (newest first) instead of scanning and sorting every thread
	 * of the course. */
	"CREATE INDEX threads_unanswered ON threads(course_id, created_at DESC, id DESC)"
	"  WHERE kind = 'question' AND answered = 0;",

	/* 7: search. One FTS5 index per course language, tokenized by core/words
	 * (fts.c), holding every post that is not deleted: rowid = post id, the
	 * thread's title on its opening post. Triggers only queue the posts whose
	 * indexed text may have changed, newest last (they need no tokenizer, so
	 * any tool may write posts); the writer indexes the queue inside the
	 * same transaction (search.c). Existing posts are indexed here. */
	"CREATE VIRTUAL TABLE search_en USING fts5(title, body, tokenize = 'forumd en');"
	"CREATE VIRTUAL TABLE search_es USING fts5(title, body, tokenize = 'forumd es');"
	"CREATE VIRTUAL TABLE search_pt USING fts5(title, body, tokenize = 'forumd pt');"
	"CREATE TABLE search_queue(id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL UNIQUE);"
	"CREATE TRIGGER search_post_ins AFTER INSERT ON posts BEGIN"
	"  INSERT OR REPLACE INTO search_queue(post_id) VALUES (new.id); END;"
	"CREATE TRIGGER search_post_upd AFTER UPDATE OF body, state, thread_id ON posts BEGIN"
	"  INSERT OR REPLACE INTO search_queue(post_id) VALUES (new.id); END;"
	"CREATE TRIGGER search_thread_upd AFTER UPDATE OF title, first_post_id, course_id ON threads"
	"  WHEN new.first_post_id IS NOT NULL BEGIN"
	"  INSERT OR REPLACE INTO search_queue(post_id) VALUES (new.first_post_id); END;"
	"CREATE TRIGGER search_course_lang AFTER UPDATE OF lang ON courses BEGIN"
	"  INSERT OR REPLACE INTO search_queue(post_id)"
	"    SELECT p.id FROM posts p JOIN threads t ON t.id = p.thread_id WHERE t.course_id = new.id; END;"
	"INSERT INTO search_en(rowid, title, body)"
	"  SELECT p.id, CASE WHEN t.first_post_id = p.id THEN t.title ELSE '' END, p.body"
	"  FROM posts p JOIN threads t ON t.id = p.thread_id JOIN courses c ON c.id = t.course_id"
	"  WHERE c.lang = 'en' AND p.state <> 'deleted';"
	"INSERT INTO search_es(rowid, title, body)"
	"  SELECT p.id, CASE WHEN t.first_post_id = p.id THEN t.title ELSE '' END, p.body"
	"  FROM posts p JOIN threads t ON t.id = p.thread_id JOIN courses c ON c.id = t.course_id"
	"  WHERE c.lang = 'es' AND p.state <> 'deleted';"
	"INSERT INTO search_pt(rowid, title, body)"
	"  SELECT p.id, CASE WHEN t.first_post_id = p.id THEN t.title ELSE '' END, p.body"
	"  FROM posts p JOIN threads t ON t.id = p.thread_id JOIN courses c ON c.id = t.course_id"
	"  WHERE c.lang = 'pt' AND p.state <> 'deleted';",

	/* 8: reserved for a change of its own (empty here). */
	"SELECT 1;",

	/* 9: in-app notifications. course_members: who has been seen in a
	 * course (by hello, with the token's role), so an @handle resolves only
	 * to the course's members. notify_users: a user's settings (one bit per
	 * kind, core/notify.h), unread count and the last rank given out, so
	 * neither needs a count over the notifications. A notification's rank
	 * orders the list (newest activity first) and moves up when a burst
	 * joins it; a page is one range of notifications_by_rank. An unread one
	 * is found for grouping by (user, thread, kind) in notifications_unread.
	 * actor_id is NULL when the post was anonymous. notify_announced: the
	 * staff threads already announced (a thread is announced once). */
	"CREATE TABLE course_members("
	"  course_id INTEGER NOT NULL,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  role TEXT NOT NULL,"
	"  seen_at INTEGER NOT NULL,"
	"  PRIMARY KEY (course_id, user_id)) WITHOUT ROWID;"
	"CREATE TABLE notify_users("
	"  user_id INTEGER PRIMARY KEY REFERENCES users(id),"
	"  wants INTEGER NOT NULL DEFAULT 62,"
	"  unread INTEGER NOT NULL DEFAULT 0,"
	"  last_rank INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE notifications("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  rank INTEGER NOT NULL,"
	"  course_id INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  thread_id INTEGER,"
	"  post_id INTEGER,"
	"  actor_id INTEGER,"
	"  count INTEGER NOT NULL DEFAULT 1,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  read_at INTEGER);"
	"CREATE UNIQUE INDEX notifications_by_rank ON notifications(user_id, rank);"
	"CREATE INDEX notifications_unread ON notifications(user_id, thread_id, kind) WHERE read_at IS NULL;"
	"CREATE TABLE thread_mutes("
	"  thread_id INTEGER NOT NULL REFERENCES threads(id),"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (user_id, thread_id)) WITHOUT ROWID;"
	"CREATE TABLE notify_announced(thread_id INTEGER PRIMARY KEY REFERENCES threads(id));",

	/* 10: writing that can be fixed. A response accepted by the asker
	 * (one per thread, beside staff's endorsement); a thread's titles, so
	 * a retitle keeps the old one; drafts, private to their writer, one per
	 * user and place ('t<thread>' for a response, 'c<course>' for a new
	 * thread), dropped oldest first past max_drafts_per_user. */
	"ALTER TABLE posts ADD COLUMN accepted INTEGER NOT NULL DEFAULT 0;"
	"CREATE UNIQUE INDEX posts_accepted ON posts(thread_id) WHERE accepted;"
	"CREATE TABLE thread_titles("
	"  thread_id INTEGER NOT NULL REFERENCES threads(id),"
	"  revision INTEGER NOT NULL,"
	"  title TEXT NOT NULL,"
	"  edited_by INTEGER NOT NULL REFERENCES users(id),"
	"  edited_at INTEGER NOT NULL,"
	"  PRIMARY KEY (thread_id, revision)) WITHOUT ROWID;"
	"CREATE TABLE drafts("
	"  id INTEGER PRIMARY KEY,"               /* a save replaces the row: higher is newer */
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  place TEXT NOT NULL,"
	"  course_id INTEGER NOT NULL REFERENCES courses(id),"
	"  thread_id INTEGER REFERENCES threads(id),"
	"  title TEXT NOT NULL DEFAULT '',"
	"  body TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  UNIQUE (user_id, place));",
};

/* The schema version, read inside the caller's transaction. */
static int read_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int store__migrate(sqlite3 *db, char *err, size_t err_len)
{
	const int n = (int)(sizeof(migrations) / sizeof(migrations[0]));
	int version = 0;
	char *msg = NULL;

	/* The version is read under the write lock: several workers may open
	 * a new database at once, and only the first may migrate it. */
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK || read_version(db, &version)) {
		snprintf(err, err_len, "cannot read the schema version: %s", msg ? msg : sqlite3_errmsg(db));
		goto fail;
	}
	if (version > n) {
		snprintf(err, err_len, "the database is from a newer forumd (schema %d > %d)", version, n);
		goto fail;
	}
	for (int v = version; v < n; v++) {
		char set[64];

		snprintf(set, sizeof(set), "PRAGMA user_version = %d", v + 1);
		if (sqlite3_exec(db, migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, set, NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(err, err_len, "migration %d failed: %s", v + 1, msg ? msg : sqlite3_errmsg(db));
			goto fail;
		}
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, err_len, "cannot commit the schema: %s", msg ? msg : sqlite3_errmsg(db));
		goto fail;
	}
	return 0;
fail:
	sqlite3_free(msg);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
