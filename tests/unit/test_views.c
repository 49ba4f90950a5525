/*
 * test_views.c - no renderer unmasks an anonymous author.
 *
 * Every renderer in proto/ that puts out an object with an author (posts,
 * threads and their last poster, live questions, flags, audit entries,
 * mutes, revisions, the Q&A export) is listed in the table below. Each is
 * fed objects whose anonymous author carries a sentinel name and id, and is
 * rendered in every view: the peer view, the author view of someone else
 * (the thread's own author, who is a peer for every post not theirs), the
 * author view of the sentinel person, and the staff view. The sentinel may
 * appear only in the staff view and in the sentinel's own view; in the staff
 * view it must appear, so the table cannot pass by rendering nothing.
 *
 * And so that a renderer added later cannot be forgotten here, the test
 * reads every header of server/proto/ and fails on any function that takes
 * an object with an author but is in no table entry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <dirent.h>
#include <cmocka.h>

#include "core/view.h"
#include "proto/render_internal.h"
#include "proto/render_forum.h"
#include "proto/render_mod.h"
#include "proto/render_qa.h"

#define SENT_UID 4242
#define SENT_ID "sentinel-uid-8841"
#define SENT_NAME "SENTINEL-ZQX"
#define TA_UID 7                 /* the thread's author, anonymous too */

static const struct forum_author sentinel = { SENT_UID, SENT_ID, SENT_NAME };
static const struct forum_author thread_author = { TA_UID, "thread-author", "Thread Author" };

/* ---- fixtures: every author field of each object is anonymous ------------- */

static struct forum_post post_fixture(void)
{
	struct forum_post p = {
		.id = 21, .thread = 3, .parent = 20, .author = sentinel, .anonymous = 1, .body = "a reply",
		.created_at = 1000, .revision = 1, .state = "visible", .votes = 1, .first = 0,
	};
	return p;
}

/* The case of the bug: the thread's author is anonymous, the last poster is
 * the sentinel, anonymous too. */
static struct forum_thread thread_fixture(void)
{
	struct forum_thread t = {
		.id = 3, .course = 1, .kind = "question", .title = "T", .author = thread_author, .anonymous = 1,
		.first_post = 20, .created_at = 1, .last_activity_at = 2, .reply_count = 1, .stats_v = 2,
		.state = "visible", .has_last = 1, .last = sentinel, .last_anonymous = 1,
	};
	return t;
}

/* A thread the sentinel started anonymously, and answered last. */
static struct forum_thread own_thread_fixture(void)
{
	struct forum_thread t = thread_fixture();

	t.id = 4;
	t.author = sentinel;
	return t;
}

static struct qa_question question_fixture(void)
{
	struct qa_question q = {
		.id = 9, .session = 2, .course = 1, .author = sentinel, .anonymous = 1, .body = "why?",
		.state = "dismissed", .dismiss_reason = "off topic", .published = 1, .created_at = 5,
	};
	return q;
}

static struct mod_flag flag_fixture(void)
{
	struct mod_flag f = {
		.id = 1, .course = 1, .state = "open", .reason = "spam", .created_at = 3, .flagger = sentinel,
		.has_post = 1, .post = post_fixture(), .thread = 3, .thread_title = "T",
	};
	return f;
}

/* ---- rendering into text --------------------------------------------------- */

/* Appends a msg's bytes to *out (malloc'd, NUL-terminated) and drops the msg. */
static void add_msg(char **out, struct msg *m)
{
	size_t n = *out ? strlen(*out) : 0;

	assert_non_null(m);
	*out = realloc(*out, n + m->len + 2);
	assert_non_null(*out);
	memcpy(*out + n, msg_data(m), m->len);
	(*out)[n + m->len] = '\n';
	(*out)[n + m->len + 1] = '\0';
	msg_unref(m);
}

static void add_str(char **out, char *s)
{
	size_t n = *out ? strlen(*out) : 0;

	assert_non_null(s);
	*out = realloc(*out, n + strlen(s) + 2);
	assert_non_null(*out);
	strcpy(*out + n, s);
	strcat(*out, "\n");
	free(s);
}

static char *r_post_json(struct view v)
{
	struct forum_post p = post_fixture();
	cJSON *o = cJSON_CreateObject();
	char *out = NULL;

	assert_true(render_add_author(o, "author", &p.author, 1, v));
	add_str(&out, render_print_str(o));
	add_str(&out, render_print_str(render_post_json(&p, v)));
	return out;
}

static char *r_post(struct view v)
{
	struct forum_post p = post_fixture();
	char *out = NULL;

	add_msg(&out, render_event_post("post.created", "thread:3", 1, &p, v));
	add_str(&out, render_result_post(&p, v));
	return out;
}

static char *r_thread(struct view v)
{
	struct forum_thread t = thread_fixture(), o = own_thread_fixture();
	struct forum_post first = post_fixture();
	char *out = NULL;

	add_msg(&out, render_event_thread("thread.updated", "course:1", 1, &t, v));
	add_msg(&out, render_event_thread("thread.updated", "course:1", 2, &o, v));
	add_msg(&out, render_state_thread_stats("course:1", &t, v));
	add_str(&out, render_result_thread(&t, &first, v));
	add_str(&out, render_result_thread(&o, &first, v));
	add_str(&out, render_result_thread_only(&t, v));
	return out;
}

static char *r_thread_list(struct view v)
{
	struct forum_thread t = thread_fixture(), o = own_thread_fixture();
	struct render_list *l = render_list_new();
	char *out = NULL;

	assert_int_equal(render_list_add_thread(l, &t, v, 1), 0);
	assert_int_equal(render_list_add_thread(l, &o, v, 0), 0);
	add_msg(&out, render_thread_list("1", l, NULL));
	return out;
}

static char *r_snapshot(struct view v)
{
	struct forum_thread t = thread_fixture();
	struct forum_post p = post_fixture();
	struct render_list *l = render_list_new();
	char *out = NULL;

	assert_int_equal(render_list_add_post(l, &p, v, 1), 0);
	add_msg(&out, render_subscribe_ok("1", "thread:3", 5, "snapshot", 0, &t, NULL, l, v, 1));
	return out;
}

static char *r_question(struct view v)
{
	struct qa_question q = question_fixture();
	struct qa_session s = { .id = 2, .course = 1, .title = "S", .state = "live" };
	struct render_list *l = render_list_new(), *polls = render_list_new(), *surveys = render_list_new();
	char *out = NULL;

	add_msg(&out, render_event_question("question.updated", "session:2", 1, &q, v));
	add_str(&out, render_result_question(&q, v));
	assert_int_equal(render_list_add_question(l, &q, v, 0), 0);
	add_msg(&out, render_session_snapshot("1", "session:2", 3, &s, l, polls, surveys));
	return out;
}

static char *r_qa_export(struct view v)
{
	struct qa_session s = { .id = 2, .course = 1, .title = "S", .state = "ended" };
	struct qa_export_row r = { .id = 9, .state = "visible", .anonymous = 1, .asker = SENT_NAME,
				   .question = "why?", .answered_at_s = -1 };
	char *out = NULL;

	for (int csv = 0; csv <= 1; csv++) {
		struct qa_export *e = qa_export_new(&s, v, 1);   /* names asked for */

		assert_non_null(e);
		assert_int_equal(qa_export_add(e, &r), 0);
		add_str(&out, qa_export_finish(e, csv));
	}
	return out;
}

static char *r_flag(struct view v)
{
	struct mod_flag f = flag_fixture();
	struct render_list *l = render_list_new();
	char *out = NULL;

	add_msg(&out, render_event_flag("flag.created", "staff:1", 1, &f, v));
	add_str(&out, render_result_flag(&f, v));
	assert_int_equal(render_list_add_flag(l, &f, v), 0);
	add_msg(&out, render_list_reply("1", "flags", l, 0, NULL, 0));
	return out;
}

static char *r_audit(struct view v)
{
	struct mod_audit a = { .id = 1, .course = 1, .actor = { 99, "staff-1", "Staff One" }, .action = "user.mute",
			       .subject_kind = "user", .subject_id = SENT_UID, .subject_user = SENT_ID,
			       .reason = "calm down", .created_at = 4 };
	struct render_list *l = render_list_new();
	char *out = NULL;

	add_msg(&out, render_event_audit("staff:1", 1, &a, v));
	assert_int_equal(render_list_add_audit(l, &a, v), 0);
	add_str(&out, render_list_result(l, "entries"));
	return out;
}

static char *r_mute_revision(struct view v)
{
	struct mod_mute m = { .course = 1, .user = sentinel, .until = 100, .reason = "calm down" };
	struct mod_revision rv = { .revision = 2, .body = "edited", .by = sentinel, .at = 6 };
	struct render_list *l = render_list_new();
	char *out = NULL;

	add_str(&out, render_result_mute(&m, v));
	assert_int_equal(render_list_add_revision(l, &rv, v), 0);
	add_msg(&out, render_list_reply("1", "revisions", l, 0, NULL, 21));
	return out;
}

/* ---- the table ------------------------------------------------------------- */

struct renderer {
	const char *covers;           /* the header functions it exercises, space-separated */
	char *(*render)(struct view v);
	int own_shows;                /* the sentinel's own view shows them (their own objects) */
};

static const struct renderer renderers[] = {
	{ "render_add_author render_post_json", r_post_json, 1 },
	{ "render_event_post render_result_post", r_post, 1 },
	{ "render_event_thread render_state_thread_stats render_result_thread render_result_thread_only",
	  r_thread, 1 },
	{ "render_list_add_thread render_thread_list", r_thread_list, 1 },
	{ "render_list_add_post render_subscribe_ok", r_snapshot, 1 },
	{ "render_event_question render_result_question render_list_add_question render_session_snapshot",
	  r_question, 1 },
	{ "qa_export_new qa_export_add qa_export_finish", r_qa_export, 0 },
	{ "render_event_flag render_result_flag render_list_add_flag", r_flag, 1 },
	{ "render_event_audit render_list_add_audit", r_audit, 0 },
	{ "render_result_mute render_list_add_revision", r_mute_revision, 1 },
};
#define NRENDERERS (sizeof(renderers) / sizeof(renderers[0]))

static int has_sentinel(const char *s)
{
	return strstr(s, SENT_NAME) != NULL || strstr(s, SENT_ID) != NULL;
}

static void test_sentinel_only_in_staff_and_own_views(void **state)
{
	struct {
		const char *name;
		struct view v;
		int may_show;
	} views[] = {
		{ "peer", { 0, 0 }, 0 },
		{ "author of the thread (a peer for the sentinel's posts)", { 0, TA_UID }, 0 },
		{ "another participant", { 0, 31337 }, 0 },
		{ "the sentinel's own", { 0, SENT_UID }, 1 },
		{ "staff", { 1, 99 }, 1 },
	};

	(void)state;
	for (size_t i = 0; i < NRENDERERS; i++) {
		for (size_t k = 0; k < sizeof(views) / sizeof(views[0]); k++) {
			char *out = renderers[i].render(views[k].v);
			int shown = has_sentinel(out);

			if (shown && !views[k].may_show)
				fail_msg("%s: the %s view names the anonymous author:\n%s", renderers[i].covers,
					 views[k].name, out);
			if (!shown && views[k].v.staff)
				fail_msg("%s: the staff view does not name the author (the test renders nothing?):\n%s",
					 renderers[i].covers, out);
			if (!shown && views[k].v.reader == SENT_UID && renderers[i].own_shows)
				fail_msg("%s: the author does not see themself on their own objects:\n%s",
					 renderers[i].covers, out);
			free(out);
		}
	}
}

/* The renderers shared by every socket of a room get the peer view (reader
 * 0); a row whose author is missing (uid 0) is nobody's own. */
static void test_peer_view_owns_nothing(void **state)
{
	(void)state;
	assert_false(view_is_own(view_peer(), 0));
	assert_false(view_is_own(view_of(0, 0), 0));
	assert_false(view_sees_author(view_peer(), 0, 1));
	assert_true(view_sees_author(view_peer(), 5, 0));
	assert_false(view_of(0, 5).staff);
	assert_true(view_of(1, 5).staff);
	assert_true(view_is_own(view_of(1, 5), 5));
}

/* ---- every author-bearing renderer is in the table ------------------------- */

/* Types whose objects carry an author. */
static const char *const author_types[] = {
	"forum_author", "forum_post", "forum_thread", "qa_question", "qa_export_row",
	"mod_flag", "mod_audit", "mod_mute", "mod_revision",
};

static int covered(const char *fn)
{
	size_t n = strlen(fn);

	for (size_t i = 0; i < NRENDERERS; i++) {
		for (const char *p = renderers[i].covers; (p = strstr(p, fn)); p += n) {
			if ((p == renderers[i].covers || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
				return 1;
		}
	}
	return 0;
}

/* The header's text with comments and preprocessor lines blanked. */
static char *read_header(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (char *p = s; *p; p++) {
		if (p[0] == '/' && p[1] == '*') {
			char *e = strstr(p + 2, "*/");

			e = e ? e + 2 : p + strlen(p);
			memset(p, ' ', (size_t)(e - p));
			p = e - 1;
		} else if ((p[0] == '/' && p[1] == '/') || (p[0] == '#' && (p == s || p[-1] == '\n'))) {
			while (*p && *p != '\n')
				*p++ = ' ';
			if (!*p)
				break;
		}
	}
	return s;
}

/* Counts the functions declared in one header that take an object with an
 * author; fails for each that no table entry covers. */
static int check_header(const char *path)
{
	char *s = read_header(path), *decl, *save = NULL;
	int found = 0;

	for (decl = strtok_r(s, ";", &save); decl; decl = strtok_r(NULL, ";", &save)) {
		char *open = strchr(decl, '('), *close, *b, name[128];
		int takes_author = 0;
		size_t len;

		if (!open || !(close = strrchr(decl, ')')))
			continue;
		for (b = open; b > decl && isspace((unsigned char)b[-1]); b--)
			;
		len = 0;
		while (b > decl && (isalnum((unsigned char)b[-1]) || b[-1] == '_')) {
			b--;
			len++;
		}
		if (len == 0 || len >= sizeof(name))
			continue;
		memcpy(name, b, len);
		name[len] = '\0';
		*close = '\0';
		for (size_t i = 0; i < sizeof(author_types) / sizeof(author_types[0]); i++) {
			const char *t = strstr(open, author_types[i]);
			size_t tl = strlen(author_types[i]);

			if (t && !(isalnum((unsigned char)t[tl]) || t[tl] == '_'))
				takes_author = 1;
		}
		if (!takes_author)
			continue;
		found++;
		if (!covered(name))
			fail_msg("%s: %s renders an object with an author but is not in test_views.c's table", path,
				 name);
		if (strstr(open, "staff_view"))
			fail_msg("%s: %s takes an int staff_view; objects with an author take a struct view", path, name);
	}
	free(s);
	return found;
}

static void test_every_author_renderer_is_in_the_table(void **state)
{
	/* The repository root, from this file's path as the compiler saw it. */
	static const char self[] = "tests/unit/test_views.c";
	char root[512], dir[600], path[900];
	size_t n = strlen(__FILE__);
	struct dirent *de;
	DIR *dp;
	int headers = 0, found = 0;

	(void)state;
	assert_true(n >= sizeof(self) - 1 && strcmp(__FILE__ + n - (sizeof(self) - 1), self) == 0);
	snprintf(root, sizeof(root), "%.*s", (int)(n - (sizeof(self) - 1)), __FILE__);
	snprintf(dir, sizeof(dir), "%sserver/proto", root[0] ? root : "./");
	dp = opendir(dir);
	if (!dp)
		fail_msg("cannot read %s: run the unit tests from the repository root", dir);
	while ((de = readdir(dp))) {
		size_t l = strlen(de->d_name);

		if (l < 3 || strcmp(de->d_name + l - 2, ".h") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		found += check_header(path);
		headers++;
	}
	closedir(dp);
	assert_true(headers >= 5);
	/* The table's own functions are all found, so the scan itself works. */
	assert_true(found >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sentinel_only_in_staff_and_own_views),
		cmocka_unit_test(test_peer_view_owns_nothing),
		cmocka_unit_test(test_every_author_renderer_is_in_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
