/*
 * listen.c - one listening TCP socket on the loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"

#define BACKLOG 4096

struct listener {
	uv_poll_t poll;
	int fd;
	void (*on_accept)(int fd, void *arg);
	void *arg;
};

static void on_readable(uv_poll_t *p, int status, int events)
{
	struct listener *l = p->data;

	(void)events;
	if (status < 0)
		return;
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;

		if (fd < 0)
			return;         /* EAGAIN: drained; EMFILE etc.: try on the next wakeup */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		l->on_accept(fd, l->arg);
	}
}

/* Fills sa for bind_addr (NULL: IPv6 any, which also takes IPv4). */
static int make_addr(const char *bind_addr, int port, struct sockaddr_storage *sa, socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)sa;

	memset(sa, 0, sizeof(*sa));
	if (bind_addr && inet_pton(AF_INET, bind_addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof(*v4);
		return 0;
	}
	v6->sin6_family = AF_INET6;
	v6->sin6_port = htons((uint16_t)port);
	*len = sizeof(*v6);
	if (!bind_addr || !*bind_addr)
		v6->sin6_addr = in6addr_any;
	else if (inet_pton(AF_INET6, bind_addr, &v6->sin6_addr) != 1)
		return -1;
	return 0;
}

/* Binds and listens (listen.h); the caller owns the listener until
 * listener_close(), and on_accept owns each accepted socket. NULL with
 * errno on failure. */
struct listener *listener_open(uv_loop_t *loop, const char *bind_addr, int port, int reuse_port,
			       void (*on_accept)(int fd, void *arg), void *arg, int *bound_port)
{
	struct sockaddr_storage sa;
	socklen_t len;
	struct listener *l;
	int fd, one = 1, zero = 0, saved;

	if (make_addr(bind_addr, port, &sa, &len)) {
		errno = EINVAL;
		return NULL;
	}
	fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (sa.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&sa, len) || listen(fd, BACKLOG) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len))
		goto fail;
	*bound_port = ntohs(sa.ss_family == AF_INET ? ((struct sockaddr_in *)&sa)->sin_port
						    : ((struct sockaddr_in6 *)&sa)->sin6_port);
	l = calloc(1, sizeof(*l));
	if (!l)
		goto fail;
	l->fd = fd;
	l->on_accept = on_accept;
	l->arg = arg;
	if (uv_poll_init(loop, &l->poll, fd)) {
		free(l);
		goto fail;
	}
	l->poll.data = l;
	uv_poll_start(&l->poll, UV_READABLE, on_readable);
	return l;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return NULL;
}

static void poll_closed(uv_handle_t *h)
{
	struct listener *l = h->data;

	close(l->fd);
	free(l);
}

/* Stops accepting and closes the socket; the struct is freed once libuv has
 * let go of it. NULL is ignored. */
void listener_close(struct listener *l)
{
	if (!l)
		return;
	uv_poll_stop(&l->poll);
	uv_close((uv_handle_t *)&l->poll, poll_closed);
}
