/*
 * workers.c - `forumd serve --workers N`: a supervisor that forks N worker
 * processes before any database or Redis connection exists. The workers
 * share the listening port (SO_REUSEPORT, the kernel spreads connections),
 * the database file and the bus. A worker that dies is started again; SIGINT
 * or SIGTERM is passed to every worker, and the supervisor exits once they
 * all have.
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server.h"

#define WORKERS_MAX 64
#define READY_TIMEOUT_S 60

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/*
 * With --port 0 every worker must bind the same port, so the supervisor
 * picks one: it binds port 0 with SO_REUSEPORT and keeps that socket (not
 * listening) until the workers have bound theirs. Returns the fd or -1.
 */
static int reserve_port(const char *bind_addr, int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)*port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind_addr && inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1) {
		close(fd);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || getsockname(fd, (struct sockaddr *)&sa, &len)) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Forks one worker; returns its pid (parent) or never returns (child). */
static pid_t start_worker(const struct server_opts *base, int port, int ready_fd, int unused_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct server_opts o = *base;
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		if (unused_fd >= 0)
			close(unused_fd);
		o.port = port;
		o.reuse_port = 1;
		o.ready_fd = ready_fd;
		o.quiet = 1;
		_exit(server_run(&o));
	}
	return pid;
}

/* Runs n worker processes of server_run() on one port until SIGINT or
 * SIGTERM (server.h): 0, or 1 if they could not start. */
int server_run_workers(const struct server_opts *o, int n)
{
	pid_t pids[WORKERS_MAX];
	int port = o->port, reserve_fd, ready[2], alive = 0, rc = 0, forwarded = 0;
	struct sigaction sa;
	char buf[WORKERS_MAX];
	size_t got = 0;

	if (n < 1 || n > WORKERS_MAX) {
		fprintf(stderr, "forumd: --workers takes 1 to %d\n", WORKERS_MAX);
		return 2;
	}
	reserve_fd = reserve_port(o->bind, &port);
	if (reserve_fd < 0 || pipe(ready)) {
		fprintf(stderr, "forumd: cannot reserve port %d: %s\n", o->port, strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	for (int i = 0; i < n; i++) {
		pids[i] = start_worker(o, port, ready[1], ready[0]);
		if (pids[i] > 0)
			alive++;
	}
	close(ready[1]);
	/* Every worker writes one byte once it listens (or exits on failure). */
	alarm(READY_TIMEOUT_S);
	while (got < (size_t)n) {
		ssize_t r = read(ready[0], buf, sizeof(buf));

		if (r <= 0 && !(r < 0 && errno == EINTR && !stop_signal))
			break;
		if (r > 0)
			got += (size_t)r;
	}
	alarm(0);
	close(ready[0]);
	close(reserve_fd);
	if (got < (size_t)n) {
		fprintf(stderr, "forumd: only %zu of %d workers started\n", got, n);
		stop_signal = SIGTERM;
		rc = 1;
	} else {
		printf("forumd listening on http://%s:%d (pid %d, %d workers)\n",
		       o->bind ? o->bind : "localhost", port, (int)getpid(), n);
		fflush(stdout);
	}

	while (alive > 0) {
		int status;
		pid_t pid;

		if (stop_signal && !forwarded) {
			forwarded = 1;
			for (int i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], (int)stop_signal);
		}
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < n; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			alive--;
			if (!stop_signal) {
				/* A worker died on its own: its sockets resume
				 * elsewhere; start another in its place. */
				fprintf(stderr, "forumd: worker %d exited (%d); starting another\n", (int)pid,
					WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
				pids[i] = start_worker(o, port, -1, -1);
				if (pids[i] > 0)
					alive++;
			} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
				rc = 1;
			}
		}
	}
	return rc;
}
