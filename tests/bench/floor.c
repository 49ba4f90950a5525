/*
 * floor.c - what the machine's kernel alone costs for a delivery, measured
 * the way the servers are measured.
 *
 *   floor serve [--bind ADDR] [--port N]
 *       The least a pub/sub server can do: a connection that starts with
 *       "S\n" subscribes, one that starts with "P\n" publishes; every line a
 *       publisher sends is written, as it is, once to every subscriber, with
 *       one write() each. No framing, no parsing beyond the newline, no
 *       allocation per message. The load generator (--proto raw) drives it
 *       with the same connections and rate as the servers, so its CPU time
 *       per delivery is the kernel's cost of one small write on loopback.
 *
 *   floor fsync DIR SECONDS
 *       Appends 4 KiB and calls fdatasync() in a loop, as a WAL commit does,
 *       in a file under DIR for SECONDS; prints "FSYNC <count> <per second>".
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define LINE_MAX_BYTES 8192

enum kind { K_NEW, K_SUB, K_PUB };

/* A subscriber holds only its descriptor and the few bytes of "S\n"; a
 * publisher gets a line buffer when it says "P\n". */
struct peer {
	int fd, kind;
	size_t len, cap;
	char *buf;
	char first[4];
};

static int *subs;
static size_t nsubs, subs_cap;
static unsigned long long writes, short_writes;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sub_add(int fd)
{
	if (nsubs == subs_cap) {
		subs_cap = subs_cap ? subs_cap * 2 : 1024;
		subs = realloc(subs, subs_cap * sizeof(*subs));
		if (!subs) {
			perror("floor");
			exit(1);
		}
	}
	subs[nsubs++] = fd;
}

static void sub_remove(int fd)
{
	for (size_t i = 0; i < nsubs; i++)
		if (subs[i] == fd) {
			subs[i] = subs[--nsubs];
			return;
		}
}

/* One write per subscriber; a subscriber that cannot take it loses it and
 * is counted (it never happens at the rates measured). */
static void fanout(const char *line, size_t len)
{
	for (size_t i = 0; i < nsubs; i++) {
		ssize_t n = write(subs[i], line, len);

		writes++;
		if (n != (ssize_t)len)
			short_writes++;
	}
}

/* Reads what the peer sent; returns -1 when it is gone. */
static int peer_input(struct peer *p)
{
	if (!p->buf) {
		p->buf = p->first;
		p->cap = sizeof(p->first);
	}
	for (;;) {
		ssize_t n = read(p->fd, p->buf + p->len, p->cap - p->len);
		char *start, *nl;

		if (n == 0)
			return -1;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		p->len += (size_t)n;
		start = p->buf;
		while ((nl = memchr(start, '\n', p->len - (size_t)(start - p->buf))) != NULL) {
			size_t l = (size_t)(nl - start) + 1;

			if (p->kind == K_NEW) {
				p->kind = start[0] == 'S' ? K_SUB : K_PUB;
				if (p->kind == K_SUB)
					sub_add(p->fd);
			} else if (p->kind == K_PUB) {
				fanout(start, l);
			}
			start = nl + 1;
		}
		p->len -= (size_t)(start - p->buf);
		memmove(p->buf, start, p->len);
		if (p->kind == K_PUB && p->buf == p->first) {
			char *big = malloc(LINE_MAX_BYTES);

			if (!big)
				return -1;
			memcpy(big, p->buf, p->len);
			p->buf = big;
			p->cap = LINE_MAX_BYTES;
		}
		if (p->len == p->cap)
			p->len = 0;     /* a line over the limit: drop it */
	}
}

static int serve(const char *bind_addr, int port)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	struct epoll_event ev, evs[MAX_EVENTS];
	struct rlimit rl;
	int one = 1, ls, ep;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, bind_addr, &a.sin_addr) != 1) {
		fprintf(stderr, "floor: bad address %s\n", bind_addr);
		return 2;
	}
	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 4096) ||
	    getsockname(ls, (struct sockaddr *)&a, &al)) {
		perror("floor: listen");
		return 1;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	printf("floor listening on http://%s:%d (pid %d)\n", bind_addr, ntohs(a.sin_port), (int)getpid());
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < n; i++) {
			struct peer *p = evs[i].data.ptr;

			if (!p) {
				int fd;

				while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct peer *np = calloc(1, sizeof(*np));

					if (!np) {
						close(fd);
						continue;
					}
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					np->fd = fd;
					ev.events = EPOLLIN;
					ev.data.ptr = np;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			if (peer_input(p) < 0) {
				if (p->kind == K_SUB)
					sub_remove(p->fd);
				close(p->fd);
				if (p->buf != p->first)
					free(p->buf);
				free(p);
			}
		}
	}
	fprintf(stderr, "floor: %llu writes, %llu short\n", writes, short_writes);
	return 0;
}

static int fsync_rate(const char *dir, double seconds)
{
	char path[4096], block[4096];
	double t0, t;
	long n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/floor-fsync.tmp", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror("floor: open");
		return 1;
	}
	memset(block, 'w', sizeof(block));
	t0 = now_s();
	do {
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block) || fdatasync(fd)) {
			perror("floor: write");
			close(fd);
			unlink(path);
			return 1;
		}
		n++;
		t = now_s();
	} while (t - t0 < seconds && n < 10000000);
	close(fd);
	unlink(path);
	printf("FSYNC %ld %.1f\n", n, (double)n / (t - t0));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "serve") == 0) {
		const char *bind_addr = "127.0.0.1";
		int port = 0;

		for (int i = 2; i + 1 < argc; i += 2) {
			if (strcmp(argv[i], "--bind") == 0)
				bind_addr = argv[i + 1];
			else if (strcmp(argv[i], "--port") == 0)
				port = atoi(argv[i + 1]);
		}
		return serve(bind_addr, port);
	}
	if (argc == 4 && strcmp(argv[1], "fsync") == 0)
		return fsync_rate(argv[2], atof(argv[3]));
	fprintf(stderr, "usage: floor serve [--bind ADDR] [--port N] | floor fsync DIR SECONDS\n");
	return 2;
}
