/*
 * store_tmp.h - a store on a fresh database in a temporary directory (where
 * TMPDIR says, the usual one otherwise), for unit tests of the store, and
 * its removal.
 */
#ifndef FORUMD_TESTS_STORE_TMP_H
#define FORUMD_TESTS_STORE_TMP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/store.h"

struct store_tmp {
	char dir[200];
	char name[32];          /* the database file's name in dir */
	struct store *st;
};

/* Opens t->st on <TMPDIR>/forumd-<tag>-XXXXXX/<tag>.db, migrated, with
 * notify as the writer's hook. 0, or -1 (said on stderr). */
static inline int store_tmp_open(struct store_tmp *t, const char *tag, void (*notify)(void *arg))
{
	static const struct mod_limits limits = MOD_LIMITS_DEFAULT;
	const char *tmp = getenv("TMPDIR");
	char path[256], err[256] = "";

	snprintf(t->dir, sizeof(t->dir), "%s/forumd-%s-XXXXXX", tmp && *tmp ? tmp : P_tmpdir, tag);
	snprintf(t->name, sizeof(t->name), "%s.db", tag);
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(path, sizeof(path), "%s/%s", t->dir, t->name);
	t->st = store_open(path, STORE_SYNC_NORMAL, 0, &limits, notify, NULL, err, sizeof(err));
	if (!t->st) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	return 0;
}

/* Closes the store and removes its files and directory. */
static inline void store_tmp_close(struct store_tmp *t)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	char path[300];

	store_close(t->st);
	t->st = NULL;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s%s", t->dir, t->name, suffixes[i]);
		unlink(path);
	}
	rmdir(t->dir);
}

#endif
