/*
 * notify.h - who is told of what: the rules of in-app notifications.
 *
 * A new post may tell several people; each is told once, of the one reason
 * that matters most to them (a mention, then a reply to their post, then
 * a reply in a thread they follow), and only if they want that kind, have
 * not muted the thread, may read the post, and did not write it. Bursts
 * are grouped: a new notification about a thread joins the reader's unread
 * one of the same kind about that thread ("5 new replies in ...") instead
 * of making a sixth.
 *
 * Pure: plain facts in, a decision out. store/ gathers the facts inside the
 * write transaction and keeps the result; proto/ renders it.
 */
#ifndef FORUMD_CORE_NOTIFY_H
#define FORUMD_CORE_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

/* The kinds, in the order of how much they matter (a higher one wins when
 * one post gives a reader several reasons). Names on the wire: see
 * notify_kind_name. */
enum notify_kind {
	NOTIFY_NONE = 0,
	NOTIFY_REPLY,                 /* a reply in a thread the reader follows */
	NOTIFY_REPLY_TO_POST,         /* a reply to the reader's post */
	NOTIFY_MENTION,               /* the reader is @mentioned */
	NOTIFY_ANSWER,                /* the reader's question answered, or their post endorsed or accepted */
	NOTIFY_ANNOUNCEMENT,          /* staff announced something to the course */
	NOTIFY__COUNT
};

/* A reader's settings: one bit per kind they want (1u << kind). */
#define NOTIFY_WANT(kind) (1u << (kind))
#define NOTIFY_WANT_ALL (((1u << NOTIFY__COUNT) - 1) & ~1u)

/* What the store knows about one possible reader of a new post. */
struct notify_reader {
	int64_t uid;
	unsigned wants;               /* NOTIFY_WANT bits */
	int follows;                  /* follows the thread (by choice, as its author or as a replier) */
	int muted;                    /* muted the thread: told of nothing in it */
	int wrote_parent;             /* wrote the post this one replies to */
	int mentioned;                /* named in the post's mentions */
	int may_read;                 /* may read the post now (access, and the post is visible to them) */
};

/* The new post, as far as notifying goes. */
struct notify_post {
	int64_t author;               /* users.id */
	int visible;                  /* 0: held for review or hidden: nobody is told yet */
};

/* Which kind (or NOTIFY_NONE) reader r is told of new post p. */
enum notify_kind notify_for_post(const struct notify_post *p, const struct notify_reader *r);

/* An unread notification the reader already has (the newest about the
 * same thread). */
struct notify_unread {
	enum notify_kind kind;
	int64_t thread;
	int read;                     /* 1: the reader has read it */
};

/* 1 when a new notification of kind about thread joins existing (same
 * kind, same thread, still unread; announcements and answers never
 * group: each is news of its own). */
int notify_groups(const struct notify_unread *existing, enum notify_kind kind, int64_t thread);

/* The kind's name on the wire ("reply", "reply_to_post", "mention",
 * "answer", "announcement"), or NULL. */
const char *notify_kind_name(enum notify_kind kind);

/* The kind named name, or NOTIFY_NONE. */
enum notify_kind notify_kind_find(const char *name);

/* The most bytes of one @handle (a user id: max_user_id_chars). */
#define NOTIFY_HANDLE_MAX 64

/* One @handle found in a post's text: points into the text. */
struct notify_handle {
	const char *p;
	int len;
};

/*
 * Finds the distinct @handles in text[0..len): an '@' at the start or after
 * a character that cannot be in a handle (so "bob@example.org" is no
 * mention), followed by 1..NOTIFY_HANDLE_MAX of letters, digits, '.', '_',
 * '-' and '@', without a trailing '.' (the end of a sentence). Fills up to
 * max into out, in order of first appearance; returns how many.
 */
int notify_mentions(const char *text, size_t len, struct notify_handle *out, int max);

/* One notification as the store read it, for rendering (strings point
 * into the store's row). */
struct notify_item {
	int64_t id;
	int64_t course;
	const char *kind;             /* notify_kind_name */
	int64_t thread;               /* 0: none */
	const char *thread_title;     /* NULL: none, or the reader may not see the thread */
	int64_t post;                 /* the newest post it is about; 0: none */
	int64_t actor;                /* users.id; 0: nobody named (anonymous, or none) */
	const char *actor_ext_id, *actor_name;
	int64_t count;                /* grouped: how many posts it stands for */
	int64_t created_at, updated_at;   /* ms */
	int read;
};

#endif
