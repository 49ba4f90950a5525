/*
 * db.c - connections and statements: the one way the store opens SQLite
 * (one busy handler, one set of pragmas, migrations at the opens that may
 * create the schema), the statement cache every connection keeps, and the
 * small exec/step helpers the rest of the store calls.
 *
 * Three kinds of connection, all opened by store__db_open: the writer's
 * (read-write, migrated, a large page cache), the read connection (read
 * only), and the command line's and admin API's own read-write connection
 * (store__open_rw: migrated once per process and database path, since the
 * daemon's store_open has already brought the schema up to date).
 */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* Page cache of the write connection, in KiB. A batch of a few hundred
 * writes touches more pages than SQLite's default 2 MiB holds (random
 * idempotency keys and limit counters land on scattered index pages), and a
 * cache that spills in the middle of a transaction writes and reads those
 * pages again: measured with 1,000 writers, 32 MiB gives about 30% more
 * acknowledged writes per second. */
#define WRITER_CACHE_KIB 32768

/* Checkpoint the WAL into the database once it holds this many pages
 * (SQLite's default is 1,000). Under a write storm every commit rewrites the
 * same hot pages (index roots, the rooms row, the thread, table tails), and
 * a checkpoint copies each page once however many commits changed it: at
 * 1,000 pages the checkpoints were a tenth of the writer's CPU. The WAL
 * file is cut back to WAL_KEEP_BYTES after each checkpoint. */
#define WAL_CHECKPOINT_PAGES "8192"
/* The write connection keeps temporary data in memory (PRAGMA temp_store):
 * every job runs in a savepoint, and SQLite copies the first change to each
 * page inside one into a sub-journal, which past 64 KiB spills to a temp
 * file, a pwrite per page. In memory that was 15% more writes per second. */
#define WAL_KEEP_BYTES "67108864"

/* ------------------------------------------------------------------------- */
/* Statements                                                                */
/* ------------------------------------------------------------------------- */

_Static_assert(STMT_CACHE_MAX < 65536 && STMT_CACHE_MAX * 2 <= STMT_CACHE_SLOTS,
	       "stmt cache slots hold 1 + an index in 16 bits, at most half full");

static unsigned stmt_slot(const char *sql)
{
	uintptr_t a = (uintptr_t)sql;

	return (unsigned)((a >> 3) * 2654435761u) % STMT_CACHE_SLOTS;
}

sqlite3_stmt *store__stmt(struct stmt_cache *c, sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	unsigned h = stmt_slot(sql);

	STORE_ASSERT_OFF_LOOP();

	for (; c->slot[h]; h = (h + 1) % STMT_CACHE_SLOTS) {
		int i = c->slot[h] - 1;

		if (c->sql[i] == sql) {
			sqlite3_reset(c->stmt[i]);
			sqlite3_clear_bindings(c->stmt[i]);
			return c->stmt[i];
		}
	}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "forumd: store: cannot prepare: %s\n  %s\n", sqlite3_errmsg(db), sql);
		return NULL;
	}
	assert(c->n < STMT_CACHE_MAX);
	if (c->n == STMT_CACHE_MAX)
		return s;       /* uncached: would leak; assert in debug builds */
	c->sql[c->n] = sql;
	c->stmt[c->n] = s;
	c->slot[h] = (uint16_t)(c->n + 1);   /* h is the empty slot the probe ended on */
	c->n++;
	return s;
}

void store__stmt_cache_free(struct stmt_cache *c)
{
	for (int i = 0; i < c->n; i++)
		sqlite3_finalize(c->stmt[i]);
	c->n = 0;
	memset(c->slot, 0, sizeof(c->slot));
}

int store__exec(sqlite3 *db, const char *sql)
{
	STORE_ASSERT_OFF_LOOP();
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

int store__step_done(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Steps a one-id query; returns the statement positioned on its row, or
 * NULL (not found or error). The caller resets it when done. */
sqlite3_stmt *store__row_by_id(struct stmt_cache *c, sqlite3 *db, const char *sql, int64_t id)
{
	sqlite3_stmt *s = store__stmt(c, db, sql);

	if (!s)
		return NULL;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		return NULL;
	}
	return s;
}

/* ------------------------------------------------------------------------- */
/* Connections                                                               */
/* ------------------------------------------------------------------------- */

/* Waits briefly and often instead of SQLite's default 1-100 ms sleeps, which
 * would undo group commit when another process holds the write lock. */
static int busy_wait(void *arg, int count)
{
	struct timespec ts = { 0, count < 20 ? 100000 : 1000000 };

	(void)arg;
	if (count > 5000)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

/* Switching a new file to WAL needs it to ourselves for a moment; when
 * sibling workers open it at once, the busy handler is not always asked
 * (SQLite returns SQLITE_BUSY straight away), so wait and try again here. */
static int setup_wal(sqlite3 *db)
{
	struct timespec ts = { 0, 5000000 };
	int rc = SQLITE_BUSY;

	for (int i = 0; i < 1000 && (rc & 0xff) == SQLITE_BUSY; i++) {
		rc = store__exec(db, "PRAGMA journal_mode = WAL");
		if ((rc & 0xff) == SQLITE_BUSY)
			nanosleep(&ts, NULL);
	}
	return rc;
}

static sqlite3 *open_db(const char *path, int flags, enum store_sync sync, char *err, size_t err_len)
{
	sqlite3 *db = NULL;
	int on = 1;

	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, err_len, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on);
	sqlite3_busy_handler(db, busy_wait, NULL);
	if (setup_wal(db) != SQLITE_OK ||
	    store__exec(db, sync == STORE_SYNC_FULL ? "PRAGMA synchronous = FULL"
						   : "PRAGMA synchronous = NORMAL") != SQLITE_OK ||
	    store__exec(db, "PRAGMA foreign_keys = ON") != SQLITE_OK ||
	    store__exec(db, "PRAGMA temp_store = MEMORY") != SQLITE_OK ||
	    store__exec(db, "PRAGMA wal_autocheckpoint = " WAL_CHECKPOINT_PAGES) != SQLITE_OK ||
	    store__exec(db, "PRAGMA journal_size_limit = " WAL_KEEP_BYTES) != SQLITE_OK ||
	    store__rules_register(db) != SQLITE_OK || store__fts_register(db) != SQLITE_OK) {
		snprintf(err, err_len, "cannot configure %s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/* Process-wide SQLite settings, made once before the first connection.
 * Memory statistics off: with them on, every allocation SQLite makes takes
 * a global mutex, and the writer allocates on every statement. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_setup(void)
{
	/* SQLITE_MISUSE when SQLite was already initialised (by a caller that
	 * used it first): the defaults then stay, which is only slower. */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* The database paths this process has migrated (store_open, or the first
 * command-line or admin open of a path): a later admin open of the same
 * path skips the migration's write transaction. Held for the process's
 * life. */
struct migrated {
	struct migrated *next;
	char path[];
};
static struct migrated *migrated_paths;
static pthread_mutex_t migrated_mu = PTHREAD_MUTEX_INITIALIZER;

/* Brings db (opened from path) to the newest schema unless this process did
 * so already (once_only; the writer always migrates). 0, or -1 with err. */
static int migrate_once(sqlite3 *db, const char *path, int once_only, char *err, size_t err_len)
{
	struct migrated *m;
	int rc = 0;

	pthread_mutex_lock(&migrated_mu);
	for (m = migrated_paths; m; m = m->next)
		if (strcmp(m->path, path) == 0)
			break;
	if (!m || !once_only) {
		rc = store__migrate(db, err, err_len);
		if (rc == 0 && !m && (m = malloc(sizeof(*m) + strlen(path) + 1))) {
			strcpy(m->path, path);
			m->next = migrated_paths;
			migrated_paths = m;
		}
	}
	pthread_mutex_unlock(&migrated_mu);
	return rc;
}

sqlite3 *store__db_open(const char *path, enum store_db_kind kind, enum store_sync sync, char *err,
		       size_t err_len)
{
	int flags = kind == STORE_DB_READER ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	sqlite3 *db;

	err[0] = '\0';
	pthread_once(&sqlite_once, sqlite_setup);
	if (!(db = open_db(path, flags, sync, err, err_len)))
		return NULL;
	if (kind != STORE_DB_READER && migrate_once(db, path, kind == STORE_DB_ADMIN, err, err_len))
		goto fail;
	if (kind == STORE_DB_WRITER) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", WRITER_CACHE_KIB);
		if (store__exec(db, sql) != SQLITE_OK) {
			snprintf(err, err_len, "cannot size the page cache: %s", sqlite3_errmsg(db));
			goto fail;
		}
	}
	return db;
fail:
	if (!err[0])
		snprintf(err, err_len, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	return NULL;
}

sqlite3 *store__open_rw(const char *path, char *err, size_t err_len)
{
	return store__db_open(path, STORE_DB_ADMIN, STORE_SYNC_FULL, err, err_len);
}
