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
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "net/server.h"
#include "proto/token.h"
#include "store/store.h"

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
	int sync_normal;
	const char *redis;
	const char *trusted_proxy;        /* --trusted-proxy / FORUMD_TRUSTED_PROXY */
	long long workers, history_days, per_ip, sndbuf, readers;
	int csv, names, answers;
	struct mod_limits limits;
	/* words: the words after the options (GNU getopt moves them last) */
	int allow_args;
	char **args;
	int nargs;
	/* course */
	long long course_id, starts, ends;
	const char *title, *lang;
	/* token */
	const char *user, *name;
	int admin;
	long long ttl, nbf;
	int has_nbf;
	struct identity_course courses[PROTO_MAX_COURSES_PER_TOKEN];
	size_t ncourses;
};

/* The help text, piece by piece: `forumd --help` prints it all, `forumd CMD
 * --help` the pieces of that command. */
static const char HELP_HEAD[] =
	"forumd " FORUMD_VERSION " - real-time course forum and live webinar Q&A\n"
	"\n";
static const char SYN_SERVE[] =
	"  forumd serve [options]        run the daemon\n";
static const char SYN_TOKEN[] =
	"  forumd token [options]        print a signed access token\n";
static const char SYN_COURSE[] =
	"  forumd course create|update|list [options]   manage courses\n";
static const char SYN_EXPORT[] =
	"  forumd export session ID --db F [--format csv|json] [--names]\n"
	"                                export a live session's questions\n"
	"  forumd export poll ID | polls SESSION_ID --db F [--format csv|json] [--answers]\n"
	"                                export poll results (one poll, or a session's)\n";
static const char SYN_WORDS[] =
	"  forumd words list|block|unblock --lang en|es|pt --db F [WORD...]\n"
	"                                words refused in word clouds of that language\n";
static const char SYN_HELP[] =
	"  forumd --help | --version\n";
static const char OPTS_SERVE[] =
	"serve options (environment variable in brackets):\n"
	"  --port N              port to listen on; 0 = any free port [FORUMD_PORT] (8080)\n"
	"  --bind ADDR           address to listen on [FORUMD_BIND] (all)\n"
	"  --db PATH             SQLite database file [FORUMD_DB] (forumd.db)\n"
	"  --jwt-secret-file F   file holding the HS256 secret shared with the course\n"
	"                        platform [FORUMD_JWT_SECRET_FILE]; or put the secret\n"
	"                        itself in FORUMD_JWT_SECRET\n"
	"  --static-dir DIR      client-js directory to serve [FORUMD_STATIC_DIR]\n"
	"  --dev                 development mode: makes and keeps a random secret next to\n"
	"                        the database, creates a demo course, offers demo sign-in\n"
	"                        [FORUMD_DEV=1]\n"
	"  --redis URL           Redis bus between processes: redis://host:port or\n"
	"                        unix:/path [FORUMD_REDIS] (default: in-process bus)\n"
	"  --history-days D      room history kept for resuming clients [FORUMD_HISTORY_DAYS]\n"
	"                        (30); older events are pruned, such clients get a snapshot\n"
	"  --limits SPEC         abuse limits for participants, e.g.\n"
	"                        post_interval_s=5,threads_per_day=20,flags_per_day=20,\n"
	"                        votes_per_day=500,edits_per_day=200 (these are the defaults;\n"
	"                        0 turns one off) [FORUMD_LIMITS]\n"
	"  --max-sockets-per-ip N  WebSockets from one address per process [FORUMD_MAX_SOCKETS_PER_IP]\n"
	"                        (10000: a whole webinar may sit behind one NAT)\n"
	"  --socket-sndbuf BYTES  kernel send buffer of each WebSocket [FORUMD_SOCKET_SNDBUF]\n"
	"                        (0: the kernel sizes it, up to net.ipv4.tcp_wmem's maximum;\n"
	"                        a fixed size bounds the kernel memory a slow reader holds)\n"
	"  --trusted-proxy ADDR[,ADDR...]  reverse proxies whose X-Forwarded-For names the\n"
	"                        client, for /metrics and the per-address cap\n"
	"                        [FORUMD_TRUSTED_PROXY] (none: the header is ignored)\n"
	"  --workers N           processes sharing the port, database and bus [FORUMD_WORKERS] (1)\n"
	"  --readers N           reader threads per process, each with its own database\n"
	"                        connection, for snapshots, replays, lists and exports\n"
	"                        [FORUMD_READERS] (2)\n"
	"  --sync full|normal    SQLite synchronous level [FORUMD_SYNC] (full: an acknowledged\n"
	"                        write survives power loss; normal: it survives a crash of\n"
	"                        the process, power loss may lose the last ones)\n";
static const char OPTS_TOKEN[] =
	"token options (plus --jwt-secret-file, or --dev with --db):\n"
	"  --user ID             user id (letters, digits, . _ @ -)\n"
	"  --name NAME           display name\n"
	"  --role COURSE:ROLE    role in a course: participant, facilitator or instructor;\n"
	"                        repeat for several courses\n"
	"  --admin               global administrator\n"
	"  --ttl SECONDS         lifetime (3600)\n"
	"  --nbf SECONDS         not valid until SECONDS from now\n";
static const char OPTS_COURSE[] =
	"course options (plus --db):\n"
	"  --id N                the course id (update; optional for create)\n"
	"  --title TEXT          title\n"
	"  --lang en|es|pt       the course's language (en)\n"
	"  --starts WHEN         start, as YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or epoch seconds\n"
	"  --ends WHEN           end, likewise\n";

static void usage(FILE *f)
{
	fprintf(f, "%sUsage:\n%s%s%s%s%s%s\n%s\n%s\n%s", HELP_HEAD, SYN_SERVE, SYN_TOKEN, SYN_COURSE,
		SYN_EXPORT, SYN_WORDS, SYN_HELP, OPTS_SERVE, OPTS_TOKEN, OPTS_COURSE);
}

/* `forumd CMD --help`: the usage of that command on stdout; 0, or -1 when
 * CMD is not a command. */
static int command_usage(const char *cmd)
{
	static const struct {
		const char *cmd, *syn, *opts;
	} cmds[] = {
		{ "serve", SYN_SERVE, OPTS_SERVE },
		{ "token", SYN_TOKEN, OPTS_TOKEN },
		{ "course", SYN_COURSE, OPTS_COURSE },
		{ "export", SYN_EXPORT, NULL },
		{ "words", SYN_WORDS, NULL },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmd, cmds[i].cmd) == 0) {
			printf("Usage:\n%s", cmds[i].syn);
			if (cmds[i].opts)
				printf("\n%s", cmds[i].opts);
			return 0;
		}
	}
	return -1;
}

/* 1 if the arguments ask for help (--help or -h before any "--"). */
static int asks_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
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

/* A UTC time as YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or epoch seconds. */
static int parse_when(const char *s, long long *out)
{
	struct tm tm;
	const char *end;

	if (parse_int(s, 1, 253402300799LL, out) == 0)
		return 0;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
		if (!end || *end)
			return -1;
	}
	*out = (long long)timegm(&tm);
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
	enum { OPT_PORT = 1, OPT_BIND, OPT_DB, OPT_SECRET, OPT_STATIC, OPT_DEV, OPT_USER, OPT_NAME, OPT_ROLE, OPT_ADMIN,
	       OPT_TTL, OPT_NBF, OPT_HELP, OPT_SYNC, OPT_ID, OPT_TITLE, OPT_LANG, OPT_STARTS, OPT_ENDS,
	       OPT_REDIS, OPT_WORKERS, OPT_READERS, OPT_HISTORY, OPT_LIMITS, OPT_PER_IP, OPT_FORMAT, OPT_NAMES,
	       OPT_ANSWERS, OPT_SNDBUF, OPT_PROXY };
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, OPT_PORT },
		{ "bind", required_argument, NULL, OPT_BIND },
		{ "db", required_argument, NULL, OPT_DB },
		{ "jwt-secret-file", required_argument, NULL, OPT_SECRET },
		{ "static-dir", required_argument, NULL, OPT_STATIC },
		{ "dev", no_argument, NULL, OPT_DEV },
		{ "user", required_argument, NULL, OPT_USER },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "admin", no_argument, NULL, OPT_ADMIN },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "nbf", required_argument, NULL, OPT_NBF },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "sync", required_argument, NULL, OPT_SYNC },
		{ "id", required_argument, NULL, OPT_ID },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "lang", required_argument, NULL, OPT_LANG },
		{ "starts", required_argument, NULL, OPT_STARTS },
		{ "ends", required_argument, NULL, OPT_ENDS },
		{ "redis", required_argument, NULL, OPT_REDIS },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "readers", required_argument, NULL, OPT_READERS },
		{ "history-days", required_argument, NULL, OPT_HISTORY },
		{ "limits", required_argument, NULL, OPT_LIMITS },
		{ "max-sockets-per-ip", required_argument, NULL, OPT_PER_IP },
		{ "socket-sndbuf", required_argument, NULL, OPT_SNDBUF },
		{ "trusted-proxy", required_argument, NULL, OPT_PROXY },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "names", no_argument, NULL, OPT_NAMES },
		{ "answers", no_argument, NULL, OPT_ANSWERS },
		{ NULL, 0, NULL, 0 }
	};
	long long v;
	int ch;

	o->bind = env_or("FORUMD_BIND", NULL);
	o->db = env_or("FORUMD_DB", "forumd.db");
	o->secret_file = env_or("FORUMD_JWT_SECRET_FILE", NULL);
	o->static_dir = env_or("FORUMD_STATIC_DIR", NULL);
	o->dev = strcmp(env_or("FORUMD_DEV", "0"), "1") == 0;
	o->sync_normal = strcmp(env_or("FORUMD_SYNC", "full"), "normal") == 0;
	o->redis = env_or("FORUMD_REDIS", NULL);
	o->trusted_proxy = env_or("FORUMD_TRUSTED_PROXY", NULL);
	{
		const struct mod_limits dflt = MOD_LIMITS_DEFAULT;

		o->limits = dflt;
		if (mod_limits_parse(&o->limits, env_or("FORUMD_LIMITS", ""))) {
			fprintf(stderr, "forumd: FORUMD_LIMITS: see --help\n");
			return -1;
		}
	}
	if (parse_int(env_or("FORUMD_SOCKET_SNDBUF", "0"), 0, 1 << 30, &o->sndbuf)) {
		fprintf(stderr, "forumd: FORUMD_SOCKET_SNDBUF must be 0..1073741824\n");
		return -1;
	}
	if (parse_int(env_or("FORUMD_MAX_SOCKETS_PER_IP", "10000"), 1, 1000000, &o->per_ip)) {
		fprintf(stderr, "forumd: FORUMD_MAX_SOCKETS_PER_IP must be 1..1000000\n");
		return -1;
	}
	if (parse_int(env_or("FORUMD_HISTORY_DAYS", "30"), 1, 3650, &o->history_days)) {
		fprintf(stderr, "forumd: FORUMD_HISTORY_DAYS must be 1..3650\n");
		return -1;
	}
	if (parse_int(env_or("FORUMD_WORKERS", "1"), 1, 64, &o->workers)) {
		fprintf(stderr, "forumd: FORUMD_WORKERS must be 1..64\n");
		return -1;
	}
	if (parse_int(env_or("FORUMD_READERS", "2"), 1, STORE_READERS_MAX, &o->readers)) {
		fprintf(stderr, "forumd: FORUMD_READERS must be 1..%d\n", STORE_READERS_MAX);
		return -1;
	}
	o->ttl = 3600;
	if (parse_int(env_or("FORUMD_PORT", "8080"), 0, 65535, &v)) {
		fprintf(stderr, "forumd: FORUMD_PORT must be a port number\n");
		return -1;
	}
	o->port = (int)v;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_PORT:
			if (parse_int(optarg, 0, 65535, &v)) {
				fprintf(stderr, "forumd: --port must be 0..65535\n");
				return -1;
			}
			o->port = (int)v;
			break;
		case OPT_BIND: o->bind = optarg; break;
		case OPT_DB: o->db = optarg; break;
		case OPT_SECRET: o->secret_file = optarg; break;
		case OPT_STATIC: o->static_dir = optarg; break;
		case OPT_DEV: o->dev = 1; break;
		case OPT_USER: o->user = optarg; break;
		case OPT_NAME: o->name = optarg; break;
		case OPT_ROLE:
			if (parse_role(optarg, o)) {
				fprintf(stderr, "forumd: --role takes COURSE:ROLE, ROLE one of participant, "
						"facilitator, instructor\n");
				return -1;
			}
			break;
		case OPT_ADMIN: o->admin = 1; break;
		case OPT_TTL:
			if (parse_int(optarg, -315360000LL, 315360000LL, &o->ttl)) {
				fprintf(stderr, "forumd: --ttl takes seconds\n");
				return -1;
			}
			break;
		case OPT_NBF:
			if (parse_int(optarg, -315360000LL, 315360000LL, &o->nbf)) {
				fprintf(stderr, "forumd: --nbf takes seconds from now\n");
				return -1;
			}
			o->has_nbf = 1;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case OPT_SYNC:
			if (strcmp(optarg, "full") && strcmp(optarg, "normal")) {
				fprintf(stderr, "forumd: --sync takes full or normal\n");
				return -1;
			}
			o->sync_normal = strcmp(optarg, "normal") == 0;
			break;
		case OPT_ID:
			if (parse_int(optarg, 1, 999999999999999999LL, &o->course_id)) {
				fprintf(stderr, "forumd: --id takes a positive integer\n");
				return -1;
			}
			break;
		case OPT_TITLE: o->title = optarg; break;
		case OPT_REDIS: o->redis = optarg; break;
		case OPT_PROXY: o->trusted_proxy = optarg; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "csv") && strcmp(optarg, "json")) {
				fprintf(stderr, "forumd: --format takes csv or json\n");
				return -1;
			}
			o->csv = strcmp(optarg, "csv") == 0;
			break;
		case OPT_NAMES: o->names = 1; break;
		case OPT_ANSWERS: o->answers = 1; break;
		case OPT_SNDBUF:
			if (parse_int(optarg, 0, 1 << 30, &o->sndbuf)) {
				fprintf(stderr, "forumd: --socket-sndbuf takes 0..1073741824\n");
				return -1;
			}
			break;
		case OPT_PER_IP:
			if (parse_int(optarg, 1, 1000000, &o->per_ip)) {
				fprintf(stderr, "forumd: --max-sockets-per-ip takes 1..1000000\n");
				return -1;
			}
			break;
		case OPT_LIMITS:
			if (mod_limits_parse(&o->limits, optarg)) {
				fprintf(stderr, "forumd: --limits takes name=value,... (see --help)\n");
				return -1;
			}
			break;
		case OPT_HISTORY:
			if (parse_int(optarg, 1, 3650, &o->history_days)) {
				fprintf(stderr, "forumd: --history-days takes 1..3650\n");
				return -1;
			}
			break;
		case OPT_WORKERS:
			if (parse_int(optarg, 1, 64, &o->workers)) {
				fprintf(stderr, "forumd: --workers takes 1..64\n");
				return -1;
			}
			break;
		case OPT_READERS:
			if (parse_int(optarg, 1, STORE_READERS_MAX, &o->readers)) {
				fprintf(stderr, "forumd: --readers takes 1..%d\n", STORE_READERS_MAX);
				return -1;
			}
			break;
		case OPT_LANG: o->lang = optarg; break;
		case OPT_STARTS:
		case OPT_ENDS:
			if (parse_when(optarg, ch == OPT_STARTS ? &o->starts : &o->ends)) {
				fprintf(stderr, "forumd: dates are YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or epoch seconds\n");
				return -1;
			}
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (o->allow_args) {
		o->args = argv + optind;
		o->nargs = argc - optind;
	} else if (optind != argc) {
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

	if (o->trusted_proxy && server_proxies_valid(o->trusted_proxy)) {
		fprintf(stderr, "forumd: --trusted-proxy takes IP addresses separated by commas (at most 16)\n");
		return 2;
	}
	if (load_secret(o, secret, &slen))
		return 1;
	memset(&so, 0, sizeof(so));
	so.bind = o->bind;
	so.port = o->port;
	so.static_dir = find_static_dir(o->static_dir);
	so.secret = secret;
	so.secret_len = slen;
	so.version = FORUMD_VERSION;
	so.db = o->db;
	so.sync_normal = o->sync_normal;
	so.seed_demo = o->dev;
	so.redis = o->redis;
	so.history_days = (int)o->history_days;
	so.limits = o->limits;
	so.max_sockets_per_ip = (int)o->per_ip;
	so.socket_sndbuf = (int)o->sndbuf;
	so.trusted_proxies = o->trusted_proxy;
	so.ready_fd = -1;
	store_set_readers((unsigned)o->readers);
	if (o->workers > 1) {
		if (!o->redis)
			fprintf(stderr, "forumd: note: without --redis, workers see each other's events "
					"through SQLite only (within a fraction of a second)\n");
		return server_run_workers(&so, (int)o->workers);
	}
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
	if (!o->name || !*o->name || strlen(o->name) > PROTO_MAX_NAME_CHARS * 4) {
		fprintf(stderr, "forumd: --name is required\n");
		return 2;
	}
	if (load_secret(o, secret, &slen))
		return 1;
	memset(&who, 0, sizeof(who));
	if (identity_set_names(&who, o->user, o->name)) {
		fprintf(stderr, "forumd: out of memory\n");
		return 1;
	}
	who.admin = o->admin;
	who.courses = o->courses;     /* borrowed; not freed */
	who.ncourses = o->ncourses;
	tok = token_mint(&who, now, o->ttl, o->has_nbf ? now + o->nbf : 0, secret, slen);
	free(who.user);               /* the names */
	if (!tok) {
		fprintf(stderr, "forumd: could not mint the token\n");
		return 1;
	}
	printf("%s\n", tok);
	free(tok);
	return 0;
}

static int cmd_course(const char *sub, const struct opts *o)
{
	struct store_course_args a = { o->course_id, o->title, o->lang, o->starts, o->ends };
	char err[256];
	int64_t id;

	if (!strcmp(sub, "list"))
		return store_course_print(o->db, stdout, err, sizeof(err)) ? (fprintf(stderr, "forumd: %s\n", err), 1) : 0;
	if (strcmp(sub, "create") && strcmp(sub, "update")) {
		fprintf(stderr, "forumd: course create|update|list\n");
		return 2;
	}
	if (!strcmp(sub, "update") && !o->course_id) {
		fprintf(stderr, "forumd: course update needs --id\n");
		return 2;
	}
	id = store_course_put(o->db, &a, !strcmp(sub, "update"), clock_now_ms(), err, sizeof(err));
	if (id < 0) {
		fprintf(stderr, "forumd: %s\n", err);
		return 1;
	}
	printf("%lld\n", (long long)id);
	return 0;
}

/* forumd export session ID | poll ID | polls SESSION_ID: what the HTTP
 * exports give a global admin. */
static int cmd_export(int argc, char **argv, struct opts *o)
{
	struct identity admin;
	long long id;
	char err[256] = "";
	char *out;
	enum proto_err code;

	if (argc < 2 || (strcmp(argv[0], "session") && strcmp(argv[0], "poll") && strcmp(argv[0], "polls")) ||
	    parse_int(argv[1], 1, 999999999999999999LL, &id)) {
		fprintf(stderr, "forumd: export session ID --db F [--format csv|json] [--names]\n"
				"        export poll ID | polls SESSION_ID --db F [--format csv|json] [--answers]\n");
		return 2;
	}
	if (parse_opts(argc - 1, argv + 1, o))
		return 2;
	memset(&admin, 0, sizeof(admin));
	if (identity_set_names(&admin, "cli", "Command line"))
		return 1;
	admin.admin = 1;
	if (!strcmp(argv[0], "session"))
		out = store_session_export(o->db, id, &admin, o->names, o->csv, &code, err, sizeof(err));
	else
		out = store_poll_export(o->db, id, !strcmp(argv[0], "polls"), &admin, o->answers, o->csv, &code, err,
					sizeof(err));
	identity_free(&admin);
	if (!out) {
		fprintf(stderr, "forumd: %s\n", err);
		return 1;
	}
	fputs(out, stdout);
	if (!o->csv)
		fputc('\n', stdout);
	free(out);
	return 0;
}

/* forumd words list|block|unblock --lang L --db F [WORD...]: the words refused
 * in word clouds of courses in language L. */
static int cmd_words(int argc, char **argv, struct opts *o)
{
	const char *sub = argc > 1 ? argv[1] : "";      /* argv[0] is "words" */
	enum store_blocked_mode mode = STORE_BLOCKED_ADD;
	char err[256] = "";
	char *out;

	o->allow_args = 1;
	if ((strcmp(sub, "list") && strcmp(sub, "block") && strcmp(sub, "unblock")) ||
	    parse_opts(argc - 1, argv + 1, o) || !o->lang) {
		fprintf(stderr, "forumd: words list|block|unblock --lang en|es|pt --db F [WORD...]\n");
		return 2;
	}
	if (strcmp(sub, "list")) {
		if (o->nargs == 0) {
			fprintf(stderr, "forumd: words %s needs at least one word\n", sub);
			return 2;
		}
		mode = strcmp(sub, "block") ? STORE_BLOCKED_REMOVE : STORE_BLOCKED_ADD;
		if (store_blocked_change(o->db, o->lang, mode, (const char *const *)o->args, (size_t)o->nargs,
					 clock_now_ms(), err, sizeof(err))) {
			fprintf(stderr, "forumd: %s\n", err);
			return 1;
		}
	}
	if (!(out = store_blocked_json(o->db, o->lang, err, sizeof(err)))) {
		fprintf(stderr, "forumd: %s\n", err);
		return 1;
	}
	printf("%s\n", out);
	free(out);
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
	if (asks_help(argc - 2, argv + 2) && command_usage(cmd) == 0)
		return 0;
	if (!strcmp(cmd, "export"))
		return cmd_export(argc - 2, argv + 2, &o);
	if (!strcmp(cmd, "words"))
		return cmd_words(argc - 1, argv + 1, &o);
	if (!strcmp(cmd, "course")) {
		if (argc < 3) {
			fprintf(stderr, "forumd: course create|update|list\n");
			return 2;
		}
		if (parse_opts(argc - 2, argv + 2, &o))
			return 2;
		return cmd_course(argv[2], &o);
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
