/*
 * identity.h - who a socket speaks for: user id, display name, role per
 * course, global admin, and the validity of the token that said so.
 *
 * Plain data; filled by proto/token.c from a verified token.
 */
#ifndef FORUMD_CORE_IDENTITY_H
#define FORUMD_CORE_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/protocol_gen.h"

struct identity_course {
	int64_t course;
	enum proto_role role;
};

/* One lives in every authenticated socket, so the two strings are kept in
 * one allocation of their own size rather than in fixed arrays sized for the
 * longest name (which would cost every idle connection ~400 bytes). */
struct identity {
	char *user;                               /* owned (with name); NULL until set */
	char *name;                               /* UTF-8, up to max_name_chars characters; inside user's block */
	int admin;
	int packed;                               /* courses live in user's block (identity_pack) */
	int64_t exp, nbf, iat;                    /* seconds since the epoch; 0 = absent */
	size_t ncourses;
	struct identity_course *courses;          /* owned; sorted by course; freed by identity_free */
};

/*
 * Sets the user id and display name (copied into one block *who owns,
 * replacing any before). Returns 0, or -1 when memory ran out or either is
 * longer than the protocol allows in bytes (user: max_user_id_chars, name:
 * 4 × max_name_chars); *who is unchanged then.
 */
int identity_set_names(struct identity *who, const char *user, const char *name);

/*
 * Moves the courses into the block that holds the two strings, so that an
 * identity kept for long (a socket's) costs one allocation rather than two.
 * Returns 0 (also when there is nothing to pack), or -1 when memory ran out;
 * *who is unchanged then, and stays valid either way.
 */
int identity_pack(struct identity *who);

/* Frees what *who owns and zeroes it. */
void identity_free(struct identity *who);

/* Moves src into dst (freeing what dst held); src is left empty. */
void identity_move(struct identity *dst, struct identity *src);

/* Makes dst a deep copy of src. Returns 0, or -1 on OOM (dst left empty). */
int identity_copy(struct identity *dst, const struct identity *src);

/* The user's role in `course`, PROTO_ROLE_NONE if they have none. */
enum proto_role identity_role(const struct identity *who, int64_t course);

/* 1 if the user id is 1..max_user_id_chars of letters, digits, '.', '_', '@', '-'. */
int identity_user_id_valid(const char *s);

#endif
