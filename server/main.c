/*
 * main.c - the forumd command line. Wiring only: parse flags and environment,
 * load the secret, hand over to the module that does the work.
 *
 *   forumd serve   run the daemon
 *   forumd token   mint an access token (for the course platform, tests, demos)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "net/server.h"
#include "proto/token.h"

#define FORUMD_VERSION "0.1.0"
#define SECRET_MAX 1024

/* ------------------------------------------------------------------------- */
/* Options shared by the commands                                            */
/* ------------------------------------------------------------------------- */

struct opts {
	const char *bind;
	int port;
	const char *db;
	const char *secret_file;
	const char *static_dir;
	int dev;
	/* token */
	const char *user, *name;
	int admin;
	long long ttl, nbf;
	int has_nbf;
	struct identity_course courses[PROTO_MAX_COURSES_PER_TOKEN];
	size_t ncourses;
};

static void usage(FILE *f)
{
	fprintf(f,
		"forumd " FORUMD_VERSION " - real-time course forum and live webinar Q&A\n"
		"\n"
		"Usage:\n"
		"  forumd serve [options]        run the daemon\n"
		"  forumd token [options]        print a signed access token\n"
		"  forumd --help | --version\n"
		"\n"
		"serve options (environment variable in brackets):\n"
		"  --port N              port to listen on; 0 = any free port [FORUMD_PORT] (8080)\n"
		"  --bind ADDR           address to listen on [FORUMD_BIND] (all)\n"
		"  --db PATH             SQLite database file [FORUMD_DB] (forumd.db)\n"
		"  --jwt-secret-file F   file holding the HS256 secret shared with the course\n"
		"                        platform [FORUMD_JWT_SECRET_FILE]; or put the secret\n"
		"                        itself in FORUMD_JWT_SECRET\n"
		"  --static-dir DIR      client-js directory to serve [FORUMD_STATIC_DIR]\n"
		"  --dev                 development mode: makes and keeps a random secret next to\n"
		"                        the database [FORUMD_DEV=1]\n"
		"\n"
		"token options (plus --jwt-secret-file, or --dev with --db):\n"
		"  --user ID             user id (letters, digits, . _ @ -)\n"
		"  --name NAME           display name\n"
		"  --role COURSE:ROLE    role in a course: participant, facilitator or instructor;\n"
		"                        repeat for several courses\n"
		"  --admin               global administrator\n"
		"  --ttl SECONDS         lifetime (3600)\n"
		"  --nbf SECONDS         not valid until SECONDS from now\n");
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_role(const char *s, struct opts *o)
{
	const char *colon = strchr(s, ':');
	long long course;
	char num[24];
	size_t n;

	if (!colon || (n = (size_t)(colon - s)) == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	if (parse_int(num, 1, 999999999999999999LL, &course) || o->ncourses == PROTO_MAX_COURSES_PER_TOKEN)
		return -1;
	for (int r = 1; r < PROTO_ROLE__COUNT; r++) {
		if (strcmp(colon + 1, proto_roles[r]) == 0) {
			o->courses[o->ncourses].course = course;
			o->courses[o->ncourses].role = (enum proto_role)r;
			o->ncourses++;
			return 0;
		}
	}
	return -1;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_PORT = 1, O_BIND, O_DB, O_SECRET, O_STATIC, O_DEV, O_USER, O_NAME, O_ROLE, O_ADMIN,
	       O_TTL, O_NBF, O_HELP };
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, O_PORT },
		{ "bind", required_argument, NULL, O_BIND },
		{ "db", required_argument, NULL, O_DB },
		{ "jwt-secret-file", required_argument, NULL, O_SECRET },
		{ "static-dir", required_argument, NULL, O_STATIC },
		{ "dev", no_argument, NULL, O_DEV },
		{ "user", required_argument, NULL, O_USER },
		{ "name", required_argument, NULL, O_NAME },
		{ "role", required_argument, NULL, O_ROLE },
		{ "admin", no_argument, NULL, O_ADMIN },
		{ "ttl", required_argument, NULL, O_TTL },
		{ "nbf", required_argument, NULL, O_NBF },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	long long v;
	int ch;

	o->bind = env_or("FORUMD_BIND", NULL);
	o->db = env_or("FORUMD_DB", "forumd.db");
	o->secret_file = env_or("FORUMD_JWT_SECRET_FILE", NULL);
	o->static_dir = env_or("FORUMD_STATIC_DIR", NULL);
	o->dev = strcmp(env_or("FORUMD_DEV", "0"), "1") == 0;
	o->ttl = 3600;
	if (parse_int(env_or("FORUMD_PORT", "8080"), 0, 65535, &v)) {
		fprintf(stderr, "forumd: FORUMD_PORT must be a port number\n");
		return -1;
	}
	o->port = (int)v;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case O_PORT:
			if (parse_int(optarg, 0, 65535, &v)) {
				fprintf(stderr, "forumd: --port must be 0..65535\n");
				return -1;
			}
			o->port = (int)v;
			break;
		case O_BIND: o->bind = optarg; break;
		case O_DB: o->db = optarg; break;
		case O_SECRET: o->secret_file = optarg; break;
		case O_STATIC: o->static_dir = optarg; break;
		case O_DEV: o->dev = 1; break;
		case O_USER: o->user = optarg; break;
		case O_NAME: o->name = optarg; break;
		case O_ROLE:
			if (parse_role(optarg, o)) {
				fprintf(stderr, "forumd: --role takes COURSE:ROLE, ROLE one of participant, "
						"facilitator, instructor\n");
				return -1;
			}
			break;
		case O_ADMIN: o->admin = 1; break;
		case O_TTL:
			if (parse_int(optarg, -315360000LL, 315360000LL, &o->ttl)) {
				fprintf(stderr, "forumd: --ttl takes seconds\n");
				return -1;
			}
			break;
		case O_NBF:
			if (parse_int(optarg, -315360000LL, 315360000LL, &o->nbf)) {
				fprintf(stderr, "forumd: --nbf takes seconds from now\n");
				return -1;
			}
			o->has_nbf = 1;
			break;
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "forumd: unexpected argument %s\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------- */
/* The secret                                                                */
/* ------------------------------------------------------------------------- */

/* Reads a secret file into buf, trimming trailing white space. */
static int read_secret_file(const char *path, unsigned char *buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "forumd: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, SECRET_MAX, f);
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	*len = n;
	return 0;
}

/* --dev: the secret lives in "<db>.jwt-secret", made once with 0600. */
static int dev_secret(const char *db, unsigned char *buf, size_t *len)
{
	char path[PATH_MAX];
	unsigned char raw[32];
	int fd;

	if (snprintf(path, sizeof(path), "%s.jwt-secret", db) >= (int)sizeof(path))
		return -1;
	if (access(path, F_OK) == 0)
		return read_secret_file(path, buf, len);
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -1;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf((char *)buf + 2 * i, 3, "%02x", raw[i]);
	*len = 2 * sizeof(raw);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || write(fd, buf, *len) != (ssize_t)*len || close(fd) != 0) {
		fprintf(stderr, "forumd: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(stderr, "forumd: development secret written to %s\n", path);
	return 0;
}

static int load_secret(const struct opts *o, unsigned char *buf, size_t *len)
{
	const char *env = getenv("FORUMD_JWT_SECRET");

	if (o->secret_file) {
		if (read_secret_file(o->secret_file, buf, len))
			return -1;
	} else if (env && *env) {
		*len = strlen(env) < SECRET_MAX ? strlen(env) : SECRET_MAX;
		memcpy(buf, env, *len);
	} else if (o->dev) {
		if (dev_secret(o->db, buf, len))
			return -1;
	} else {
		fprintf(stderr, "forumd: no JWT secret: pass --jwt-secret-file, set FORUMD_JWT_SECRET, "
				"or use --dev\n");
		return -1;
	}
	if (*len < PROTO_MIN_SECRET_BYTES) {
		fprintf(stderr, "forumd: the JWT secret must be at least %d bytes\n", PROTO_MIN_SECRET_BYTES);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Commands                                                                  */
/* ------------------------------------------------------------------------- */

/* The client-js directory: as given, else next to the binary (build/forumd,
 * build/<kind>/forumd), else ./client-js. Returns a static buffer. */
static const char *find_static_dir(const char *given)
{
	static char dir[PATH_MAX];
	static const char *const rel[] = { "/../client-js", "/../../client-js" };
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;
	struct stat st;

	if (given)
		return given;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			char probe[PATH_MAX + 32];

			snprintf(probe, sizeof(probe), "%s%s/index.html", exe, rel[i]);
			if (stat(probe, &st) == 0 &&
			    realpath(probe, dir) && (slash = strrchr(dir, '/'))) {
				*slash = '\0';
				return dir;
			}
		}
	}
	return "client-js";
}

static int cmd_serve(const struct opts *o)
{
	unsigned char secret[SECRET_MAX];
	struct server_opts so;
	size_t slen;

	if (load_secret(o, secret, &slen))
		return 1;
	memset(&so, 0, sizeof(so));
	so.bind = o->bind;
	so.port = o->port;
	so.static_dir = find_static_dir(o->static_dir);
	so.secret = secret;
	so.secret_len = slen;
	so.version = FORUMD_VERSION;
	return server_run(&so);
}

static int cmd_token(struct opts *o)
{
	unsigned char secret[SECRET_MAX];
	struct identity who;
	size_t slen;
	int64_t now = clock_now_ms() / 1000;
	char *tok;

	if (!o->user || !identity_user_id_valid(o->user)) {
		fprintf(stderr, "forumd: --user is required (letters, digits, . _ @ -; up to %d)\n",
			PROTO_MAX_USER_ID_CHARS);
		return 2;
	}
	if (!o->name || !*o->name || strlen(o->name) >= sizeof(who.name)) {
		fprintf(stderr, "forumd: --name is required\n");
		return 2;
	}
	if (load_secret(o, secret, &slen))
		return 1;
	memset(&who, 0, sizeof(who));
	snprintf(who.user, sizeof(who.user), "%s", o->user);
	snprintf(who.name, sizeof(who.name), "%s", o->name);
	who.admin = o->admin;
	who.courses = o->courses;     /* borrowed; not freed */
	who.ncourses = o->ncourses;
	tok = token_mint(&who, now, o->ttl, o->has_nbf ? now + o->nbf : 0, secret, slen);
	if (!tok) {
		fprintf(stderr, "forumd: could not mint the token\n");
		return 1;
	}
	printf("%s\n", tok);
	free(tok);
	return 0;
}

int main(int argc, char **argv)
{
	static struct opts o;
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("forumd " FORUMD_VERSION "\n");
		return 0;
	}
	if (parse_opts(argc - 1, argv + 1, &o))
		return 2;
	if (!strcmp(cmd, "serve"))
		return cmd_serve(&o);
	if (!strcmp(cmd, "token"))
		return cmd_token(&o);
	fprintf(stderr, "forumd: unknown command %s (try --help)\n", cmd);
	return 2;
}
