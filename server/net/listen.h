/*
 * listen.h - the daemon's listening socket, owned here rather than by lws:
 * it binds exactly the address asked for, can share its port with sibling
 * workers (SO_REUSEPORT), and can stop accepting at shutdown while open
 * connections finish. Each accepted socket is handed to a callback.
 */
#ifndef FORUMD_NET_LISTEN_H
#define FORUMD_NET_LISTEN_H

#include <uv.h>

struct listener;

/*
 * Listens on bind_addr (NULL: every address, IPv6 and IPv4) and port (0: any
 * free port; the port bound is stored in *bound_port). on_accept(fd, arg)
 * receives each accepted, non-blocking socket and owns it. NULL on failure,
 * with errno set.
 */
struct listener *listener_open(uv_loop_t *loop, const char *bind_addr, int port, int reuse_port,
			       void (*on_accept)(int fd, void *arg), void *arg, int *bound_port);

/* Stops accepting and closes the socket; the struct is freed once libuv has
 * let go of it. NULL is ignored. */
void listener_close(struct listener *l);

#endif
