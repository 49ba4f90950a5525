/*
 * test_rules.c - the forum's and the live session's rules in core/, each at
 * the edges that decide: who sees a hidden or deleted post or thread in each
 * of the three views (peer, author, staff), and who an anonymous author is to
 * each; who may write into a locked thread; reply depth; votes; a live
 * question's visibility in each of its states; the role table and staff-only
 * checks.
 *
 * The people: ASKER (uid 11) writes anonymously; OTHER (uid 12) is another
 * participant, the author of the thread the post is in; staff read in the
 * staff view.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/access.h"
#include "core/forum.h"
#include "core/qa.h"
#include "core/view.h"

#define ASKER 11
#define OTHER 12
#define COURSE 5

static const char *const post_states[] = { "visible", "hidden", "deleted" };

static struct forum_post_facts post(int64_t id, int64_t thread, int64_t parent, int64_t author, const char *state)
{
	struct forum_post_facts p = { id, thread, parent, author, "" };

	snprintf(p.state, sizeof(p.state), "%s", state);
	return p;
}

static struct qa_question_facts question(int published, const char *state)
{
	struct qa_question_facts q = { 1, 2, COURSE, ASKER, published, "" };

	snprintf(q.state, sizeof(q.state), "%s", state);
	return q;
}

/* ------------------------------------------------------------------------- */
/* Posts and threads per view                                                */
/* ------------------------------------------------------------------------- */

/* An anonymous post by ASKER: staff and ASKER see who wrote it; the peer view
 * and the thread's author (a peer for every post not theirs) do not. A post
 * signed with a name is signed for everybody. */
static void test_anonymous_author_per_view(void **state)
{
	(void)state;
	assert_false(view_sees_author(view_peer(), ASKER, 1));
	assert_false(view_sees_author(view_of(0, OTHER), ASKER, 1));
	assert_true(view_sees_author(view_of(0, ASKER), ASKER, 1));
	assert_true(view_sees_author(view_staff(), ASKER, 1));
	assert_true(view_sees_author(view_of(1, OTHER), ASKER, 1));
	assert_true(view_sees_author(view_peer(), ASKER, 0));
	assert_true(view_sees_author(view_of(0, OTHER), ASKER, 0));
	/* The peer view is nobody's: a row without an author (uid 0) is not its own. */
	assert_false(view_sees_author(view_peer(), 0, 1));
	assert_false(view_is_own(view_peer(), 0));
}

/* A post's text per state and view: visible for all, hidden for staff and
 * its author, deleted for nobody; whether the author is anonymous changes
 * nothing here. */
static void test_post_body_per_view(void **state)
{
	(void)state;
	assert_true(view_sees_body(view_peer(), "visible", ASKER));
	assert_true(view_sees_body(view_of(0, OTHER), "visible", ASKER));
	assert_true(view_sees_body(view_of(0, ASKER), "visible", ASKER));
	assert_true(view_sees_body(view_staff(), "visible", ASKER));

	assert_false(view_sees_body(view_peer(), "hidden", ASKER));
	assert_false(view_sees_body(view_of(0, OTHER), "hidden", ASKER));
	assert_true(view_sees_body(view_of(0, ASKER), "hidden", ASKER));
	assert_true(view_sees_body(view_staff(), "hidden", ASKER));

	assert_false(view_sees_body(view_peer(), "deleted", ASKER));
	assert_false(view_sees_body(view_of(0, OTHER), "deleted", ASKER));
	assert_false(view_sees_body(view_of(0, ASKER), "deleted", ASKER));
	assert_false(view_sees_body(view_staff(), "deleted", ASKER));
	/* A hidden post without an author is nobody's own in the peer view. */
	assert_false(view_sees_body(view_peer(), "hidden", 0));
}

/* A deleted thread is gone for everybody; a hidden one is there for staff
 * only, its author included among those who no longer see it. */
static void test_thread_visible(void **state)
{
	(void)state;
	assert_true(forum_thread_visible("visible", 0));
	assert_true(forum_thread_visible("visible", 1));
	assert_false(forum_thread_visible("hidden", 0));
	assert_true(forum_thread_visible("hidden", 1));
	assert_false(forum_thread_visible("deleted", 0));
	assert_false(forum_thread_visible("deleted", 1));
}

/* A deleted post is no subject for a write: not_found, naming the post. */
static void test_post_target(void **state)
{
	struct forum_post_facts p;
	struct verdict v;

	(void)state;
	p = post(3, 1, 0, ASKER, "visible");
	assert_true(verdict_allowed(forum_post_target(&p)));
	p = post(3, 1, 0, ASKER, "hidden");
	assert_true(verdict_allowed(forum_post_target(&p)));
	p = post(3, 1, 0, ASKER, "deleted");
	v = forum_post_target(&p);
	assert_int_equal(v.code, PROTO_ERR_NOT_FOUND);
	assert_string_equal(v.field, "post");
	assert_non_null(v.message);
}

/* ------------------------------------------------------------------------- */
/* Lock and reply depth                                                      */
/* ------------------------------------------------------------------------- */

static void test_locked_thread_takes_staff_writes_only(void **state)
{
	struct forum_thread_facts t = { 1, COURSE, 2, 0, 0, "visible" };
	struct verdict v;

	(void)state;
	assert_true(verdict_allowed(forum_thread_write(&t, 0)));
	assert_true(verdict_allowed(forum_thread_write(&t, 1)));
	t.locked = 1;
	v = forum_thread_write(&t, 0);
	assert_int_equal(v.code, PROTO_ERR_THREAD_LOCKED);
	assert_string_equal(v.field, "thread");
	assert_true(verdict_allowed(forum_thread_write(&t, 1)));
}

/* One level of replies: a reply's parent is a response of the same thread,
 * not the opening post, not a reply, not deleted, and it must exist. */
static void test_reply_depth(void **state)
{
	struct forum_thread_facts t = { 1, COURSE, 2, 0, 0, "visible" };
	struct forum_post_facts p;

	(void)state;
	p = post(3, 1, 0, OTHER, "visible");           /* a response */
	assert_true(verdict_allowed(forum_reply_parent(&p, &t)));
	p = post(3, 1, 0, OTHER, "hidden");            /* a hidden response still takes replies */
	assert_true(verdict_allowed(forum_reply_parent(&p, &t)));

	p = post(2, 1, 0, OTHER, "visible");           /* the opening post */
	assert_int_equal(forum_reply_parent(&p, &t).code, PROTO_ERR_BAD_FIELD);
	p = post(4, 1, 3, OTHER, "visible");           /* a reply: no second level */
	assert_int_equal(forum_reply_parent(&p, &t).code, PROTO_ERR_BAD_FIELD);
	p = post(5, 9, 0, OTHER, "visible");           /* another thread's response */
	assert_int_equal(forum_reply_parent(&p, &t).code, PROTO_ERR_BAD_FIELD);
	p = post(3, 1, 0, OTHER, "deleted");
	assert_int_equal(forum_reply_parent(&p, &t).code, PROTO_ERR_BAD_FIELD);
	assert_int_equal(forum_reply_parent(NULL, &t).code, PROTO_ERR_BAD_FIELD);
	assert_string_equal(forum_reply_parent(NULL, &t).field, "parent");
}

/* ------------------------------------------------------------------------- */
/* The author's own changes and votes                                        */
/* ------------------------------------------------------------------------- */

static void test_own_post_change(void **state)
{
	struct forum_post_facts p = post(3, 1, 0, ASKER, "visible");

	(void)state;
	assert_true(verdict_allowed(forum_own_post_change(&p, ASKER)));
	assert_int_equal(forum_own_post_change(&p, OTHER).code, PROTO_ERR_FORBIDDEN);
	p = post(3, 1, 0, ASKER, "hidden");            /* frozen while hidden, even for its author */
	assert_int_equal(forum_own_post_change(&p, ASKER).code, PROTO_ERR_FORBIDDEN);
	assert_string_equal(forum_own_post_change(&p, ASKER).message, "the post is hidden by a moderator");
	/* Not the author comes first: a stranger learns nothing of the state. */
	assert_string_equal(forum_own_post_change(&p, OTHER).message, "only the author may change this post");
}

static void test_post_vote(void **state)
{
	struct forum_post_facts p;

	(void)state;
	for (size_t i = 0; i < sizeof(post_states) / sizeof(post_states[0]); i++) {
		p = post(3, 1, 0, ASKER, post_states[i]);
		if (i == 0) {
			assert_true(verdict_allowed(forum_post_vote(&p, OTHER)));
			assert_int_equal(forum_post_vote(&p, ASKER).code, PROTO_ERR_FORBIDDEN);
		} else {
			/* A post the voter may not read is no post to vote for. */
			assert_int_equal(forum_post_vote(&p, OTHER).code, PROTO_ERR_NOT_FOUND);
			assert_int_equal(forum_post_vote(&p, ASKER).code, PROTO_ERR_NOT_FOUND);
		}
	}
}

static void test_thread_title_change(void **state)
{
	(void)state;
	assert_true(verdict_allowed(forum_thread_title_change(ASKER, 1, ASKER, 0)));
	assert_int_equal(forum_thread_title_change(ASKER, 1, OTHER, 0).code, PROTO_ERR_FORBIDDEN);
	assert_int_equal(forum_thread_title_change(ASKER, 0, ASKER, 0).code, PROTO_ERR_FORBIDDEN);
	/* Staff change any title, the opening post hidden or not. */
	assert_true(verdict_allowed(forum_thread_title_change(ASKER, 1, OTHER, 1)));
	assert_true(verdict_allowed(forum_thread_title_change(ASKER, 0, OTHER, 1)));
}

/* Hide a visible post, restore a hidden one, remove either. */
static void test_post_moderate(void **state)
{
	struct forum_post_facts p;

	(void)state;
	p = post(3, 1, 0, ASKER, "visible");
	assert_true(verdict_allowed(forum_post_moderate(&p, "hidden")));
	assert_int_equal(forum_post_moderate(&p, "visible").code, PROTO_ERR_BAD_FIELD);
	assert_true(verdict_allowed(forum_post_moderate(&p, "deleted")));
	p = post(3, 1, 0, ASKER, "hidden");
	assert_int_equal(forum_post_moderate(&p, "hidden").code, PROTO_ERR_BAD_FIELD);
	assert_true(verdict_allowed(forum_post_moderate(&p, "visible")));
	assert_true(verdict_allowed(forum_post_moderate(&p, "deleted")));
	p = post(3, 1, 0, ASKER, "deleted");
	assert_int_equal(forum_post_moderate(&p, "hidden").code, PROTO_ERR_NOT_FOUND);
	assert_int_equal(forum_post_moderate(&p, "visible").code, PROTO_ERR_NOT_FOUND);
	assert_int_equal(forum_post_moderate(&p, "deleted").code, PROTO_ERR_NOT_FOUND);
}

/* ------------------------------------------------------------------------- */
/* Live questions                                                            */
/* ------------------------------------------------------------------------- */

/* Every state, published or not, in the three views: staff and the asker
 * always; peers only a published question that is open or answered. The
 * asker's question is anonymous to peers, which changes who, not whether. */
static void test_question_listed_per_view(void **state)
{
	static const struct {
		int published;
		const char *state;
		int peer;
	} rows[] = {
		{ 0, "pending", 0 },   { 0, "dismissed", 0 }, { 0, "withdrawn", 0 },
		{ 1, "visible", 1 },   { 1, "answering", 1 }, { 1, "answered", 1 },
		{ 1, "dismissed", 0 }, { 1, "withdrawn", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int p = rows[i].published;
		const char *s = rows[i].state;

		assert_int_equal(qa_question_listed(p, s, ASKER, view_peer()), rows[i].peer);
		assert_int_equal(qa_question_listed(p, s, ASKER, view_of(0, OTHER)), rows[i].peer);
		assert_true(qa_question_listed(p, s, ASKER, view_of(0, ASKER)));
		assert_true(qa_question_listed(p, s, ASKER, view_staff()));
		assert_true(qa_question_listed(p, s, ASKER, view_of(1, OTHER)));
	}
	/* The export reads with no reader: a question by nobody is nobody's. */
	assert_false(qa_question_listed(0, "pending", 0, view_of(0, 0)));
}

/* A published question exists for everybody whatever became of it (its
 * events stay in the session room); an unpublished one for staff and its
 * asker only. */
static void test_question_exists_for(void **state)
{
	(void)state;
	assert_true(qa_question_exists_for(1, ASKER, view_peer()));
	assert_true(qa_question_exists_for(1, ASKER, view_of(0, OTHER)));
	assert_false(qa_question_exists_for(0, ASKER, view_of(0, OTHER)));
	assert_false(qa_question_exists_for(0, ASKER, view_peer()));
	assert_true(qa_question_exists_for(0, ASKER, view_of(0, ASKER)));
	assert_true(qa_question_exists_for(0, ASKER, view_staff()));
}

static void test_question_dismiss_reason(void **state)
{
	(void)state;
	assert_false(qa_question_sees_reason(view_peer(), ASKER));
	assert_false(qa_question_sees_reason(view_of(0, OTHER), ASKER));
	assert_true(qa_question_sees_reason(view_of(0, ASKER), ASKER));
	assert_true(qa_question_sees_reason(view_staff(), ASKER));
}

static void test_question_own_change(void **state)
{
	static const struct {
		const char *state;
		int edit, withdraw;
	} rows[] = {
		{ "pending", 1, 1 },   { "visible", 1, 1 },   { "answering", 0, 1 },
		{ "answered", 0, 0 },  { "dismissed", 0, 0 }, { "withdrawn", 0, 0 },
	};
	struct qa_question_facts q;

	(void)state;
	q = question(1, "visible");
	assert_true(verdict_allowed(qa_question_asker(&q, ASKER)));
	assert_int_equal(qa_question_asker(&q, OTHER).code, PROTO_ERR_FORBIDDEN);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		q = question(1, rows[i].state);
		assert_int_equal(qa_question_own_change(&q, 1).code,
				 rows[i].edit ? PROTO_ERR_NONE : PROTO_ERR_QUESTION_CLOSED);
		assert_int_equal(qa_question_own_change(&q, 0).code,
				 rows[i].withdraw ? PROTO_ERR_NONE : PROTO_ERR_QUESTION_CLOSED);
	}
}

static void test_question_vote(void **state)
{
	static const struct {
		int published;
		const char *state;
		int open;
	} rows[] = {
		{ 0, "pending", 0 },   { 1, "visible", 1 },   { 1, "answering", 1 }, { 1, "answered", 1 },
		{ 1, "dismissed", 0 }, { 1, "withdrawn", 0 }, { 0, "dismissed", 0 },
	};
	struct qa_question_facts q;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		q = question(rows[i].published, rows[i].state);
		assert_int_equal(qa_question_vote(&q, OTHER).code,
				 rows[i].open ? PROTO_ERR_NONE : PROTO_ERR_QUESTION_CLOSED);
		/* One's own question: closed says more than forbidden, so it comes first. */
		assert_int_equal(qa_question_vote(&q, ASKER).code,
				 rows[i].open ? PROTO_ERR_FORBIDDEN : PROTO_ERR_QUESTION_CLOSED);
	}
	assert_int_equal(qa_question_vote_again(1).code, PROTO_ERR_ALREADY_VOTED);
	assert_true(verdict_allowed(qa_question_vote_again(0)));
}

/* Asked only in a live session; pending first where premoderated, unless
 * staff asked. */
static void test_question_ask(void **state)
{
	int pending = -1;

	(void)state;
	assert_true(verdict_allowed(qa_question_ask("live", 0, 0, &pending)));
	assert_int_equal(pending, 0);
	assert_true(verdict_allowed(qa_question_ask("live", 1, 0, &pending)));
	assert_int_equal(pending, 1);
	assert_true(verdict_allowed(qa_question_ask("live", 1, 1, &pending)));
	assert_int_equal(pending, 0);
	assert_int_equal(qa_question_ask("scheduled", 0, 0, &pending).code, PROTO_ERR_SESSION_NOT_LIVE);
	assert_int_equal(qa_question_ask("ended", 0, 1, &pending).code, PROTO_ERR_SESSION_NOT_LIVE);
}

/* Approve a pending question only; dismiss an open one; answer a published
 * open one; put on "now answering" a published one of this session. */
static void test_question_moderate(void **state)
{
	static const struct {
		int published;
		const char *state;
		int approve, dismiss, answered, answering;
	} rows[] = {
		{ 0, "pending", 1, 1, 0, 0 },    { 1, "visible", 0, 1, 1, 1 },
		{ 1, "answering", 0, 1, 1, 0 },  { 1, "answered", 0, 0, 0, 1 },
		{ 1, "dismissed", 0, 0, 0, 0 },  { 1, "withdrawn", 0, 0, 0, 0 },
		{ 0, "dismissed", 0, 0, 0, 0 },
	};
	struct qa_question_facts q;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		q = question(rows[i].published, rows[i].state);
		assert_int_equal(verdict_allowed(qa_question_moderate(&q, "visible")), rows[i].approve);
		assert_int_equal(verdict_allowed(qa_question_moderate(&q, "dismissed")), rows[i].dismiss);
		assert_int_equal(verdict_allowed(qa_question_moderate(&q, "answered")), rows[i].answered);
		assert_int_equal(verdict_allowed(qa_question_answering(&q, q.session)), rows[i].answering);
		assert_false(verdict_allowed(qa_question_answering(&q, q.session + 1)));
	}
	q = question(0, "pending");
	assert_int_equal(qa_question_moderate(&q, "answered").code, PROTO_ERR_QUESTION_CLOSED);
}

/* A bridge carries published open questions, and answered ones for "all". */
static void test_question_bridged(void **state)
{
	(void)state;
	assert_true(qa_question_bridged(1, "visible", 0));
	assert_true(qa_question_bridged(1, "answering", 0));
	assert_false(qa_question_bridged(1, "answered", 0));
	assert_true(qa_question_bridged(1, "answered", 1));
	assert_false(qa_question_bridged(1, "dismissed", 1));
	assert_false(qa_question_bridged(1, "withdrawn", 1));
	assert_false(qa_question_bridged(0, "pending", 1));
	assert_false(qa_question_bridged(0, "visible", 1));
}

/* ------------------------------------------------------------------------- */
/* Roles and staff                                                           */
/* ------------------------------------------------------------------------- */

static struct identity_course courses[2];
static struct identity who;

static void as(enum proto_role role, int admin)
{
	memset(&who, 0, sizeof(who));
	courses[0].course = COURSE;
	courses[0].role = role;
	who.courses = courses;
	who.ncourses = role ? 1 : 0;
	who.admin = admin;
}

static void test_role_allows(void **state)
{
	(void)state;
	as(PROTO_ROLE_PARTICIPANT, 0);
	assert_true(access_role_allows(&who, PROTO_ROLES_ANY));
	assert_false(access_role_allows(&who, PROTO_ROLES_STAFF));
	assert_false(access_role_allows(&who, PROTO_ROLES_ADMIN));
	as(PROTO_ROLE_FACILITATOR, 0);
	assert_true(access_role_allows(&who, PROTO_ROLES_STAFF));
	assert_false(access_role_allows(&who, PROTO_ROLES_ADMIN));
	as(PROTO_ROLE_INSTRUCTOR, 0);
	assert_true(access_role_allows(&who, PROTO_ROLES_STAFF));
	as(PROTO_ROLE_NONE, 1);
	assert_true(access_role_allows(&who, PROTO_ROLES_STAFF));
	assert_true(access_role_allows(&who, PROTO_ROLES_ADMIN));
	as(PROTO_ROLE_NONE, 0);
	assert_true(access_role_allows(&who, PROTO_ROLES_ANY));
	assert_false(access_role_allows(&who, PROTO_ROLES_STAFF));
	/* Staff in one course and participant in another still passes the first
	 * cut; the op checks the course in hand (access_staff_only). */
	as(PROTO_ROLE_PARTICIPANT, 0);
	courses[1].course = COURSE + 1;
	courses[1].role = PROTO_ROLE_FACILITATOR;
	who.ncourses = 2;
	assert_true(access_role_allows(&who, PROTO_ROLES_STAFF));
	assert_int_equal(access_staff_only(&who, COURSE).code, PROTO_ERR_FORBIDDEN);
	assert_true(verdict_allowed(access_staff_only(&who, COURSE + 1)));
}

static void test_staff_only(void **state)
{
	(void)state;
	as(PROTO_ROLE_PARTICIPANT, 0);
	assert_int_equal(access_staff_only(&who, COURSE).code, PROTO_ERR_FORBIDDEN);
	assert_null(access_staff_only(&who, COURSE).field);
	as(PROTO_ROLE_FACILITATOR, 0);
	assert_true(verdict_allowed(access_staff_only(&who, COURSE)));
	assert_int_equal(access_staff_only(&who, COURSE + 1).code, PROTO_ERR_FORBIDDEN);
	as(PROTO_ROLE_NONE, 1);
	assert_true(verdict_allowed(access_staff_only(&who, COURSE + 1)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anonymous_author_per_view),
		cmocka_unit_test(test_post_body_per_view),
		cmocka_unit_test(test_thread_visible),
		cmocka_unit_test(test_post_target),
		cmocka_unit_test(test_locked_thread_takes_staff_writes_only),
		cmocka_unit_test(test_reply_depth),
		cmocka_unit_test(test_own_post_change),
		cmocka_unit_test(test_post_vote),
		cmocka_unit_test(test_thread_title_change),
		cmocka_unit_test(test_post_moderate),
		cmocka_unit_test(test_question_listed_per_view),
		cmocka_unit_test(test_question_exists_for),
		cmocka_unit_test(test_question_dismiss_reason),
		cmocka_unit_test(test_question_own_change),
		cmocka_unit_test(test_question_vote),
		cmocka_unit_test(test_question_ask),
		cmocka_unit_test(test_question_moderate),
		cmocka_unit_test(test_question_bridged),
		cmocka_unit_test(test_role_allows),
		cmocka_unit_test(test_staff_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
