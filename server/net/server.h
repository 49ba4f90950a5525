/*
 * server.h - the daemon's event loop: one libuv loop driving libwebsockets
 * (as a foreign loop), the HTTP mounts and signal handling.
 */
#ifndef FORUMD_NET_SERVER_H
#define FORUMD_NET_SERVER_H

#include <stddef.h>

#include "core/moderation.h"

struct server_opts {
	const char *bind;                 /* address to listen on; NULL = all */
	int port;                         /* 0 = any free port (printed at start) */
	const char *static_dir;           /* client-js directory served at / */
	const unsigned char *secret;      /* HS256 key; not copied, must outlive the run */
	size_t secret_len;
	const char *version;
	const char *db;                   /* SQLite file */
	int sync_normal;                  /* synchronous=NORMAL instead of FULL */
	int seed_demo;                    /* --dev: make a demo course if there is none */
	const char *redis;                /* bus address, NULL: in-process bus */
	int history_days;                 /* events older than this are pruned */
	struct mod_limits limits;         /* abuse limits for participants */
	int max_sockets_per_ip;           /* WebSockets from one address (a whole NAT) */
	int socket_sndbuf;                /* SO_SNDBUF of each accepted socket; 0: the kernel's */
	const char *trusted_proxies;      /* "ADDR[,ADDR...]": peers whose X-Forwarded-For names the client; NULL: none */
	int reuse_port;                   /* share the port with sibling workers */
	int ready_fd;                     /* >= 0: write one byte here once listening */
	int quiet;                        /* do not print the listening line */
};

/*
 * Runs the server until SIGINT or SIGTERM, then closes every socket with
 * 1001 and returns 0; returns 1 if it could not start (port in use, ...).
 * Prints "forumd listening on http://HOST:PORT (pid N)" once listening.
 */
int server_run(const struct server_opts *opts);

/* Checks a --trusted-proxy list ("ADDR[,ADDR...]", IPv4 or IPv6 literals,
 * at most 16): 0 when it parses, else -1. */
int server_proxies_valid(const char *list);

/* Runs n worker processes of server_run() sharing one port, restarting any
 * that dies, until SIGINT or SIGTERM. Prints the listening line once all
 * listen. Returns 0, or 1 if they could not start. */
int server_run_workers(const struct server_opts *opts, int n);

#endif
