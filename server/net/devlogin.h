/*
 * devlogin.h - demo sign-in for --dev: a fixed cast of demo users in the
 * demo course, and tokens for them minted by the daemon itself. Never
 * served without --dev.
 */
#ifndef FORUMD_NET_DEVLOGIN_H
#define FORUMD_NET_DEVLOGIN_H

#include <stddef.h>

#include "proto/msg.h"

/* GET /dev/users: the demo users as JSON. New msg or NULL. */
struct msg *devlogin_users(void);

/* GET /dev/token?user=ID: a token for that demo user, valid for ttl_s.
 * NULL if there is no such user (or on OOM). */
struct msg *devlogin_token(const char *user, const unsigned char *secret, size_t secret_len,
			   long ttl_s);

#endif
