/*
 * notify.c - the rules of in-app notifications (see notify.h).
 */
#include <string.h>

#include "notify.h"

static const char *const kind_names[NOTIFY__COUNT] = {
	[NOTIFY_NONE] = NULL,
	[NOTIFY_REPLY] = "reply",
	[NOTIFY_REPLY_TO_POST] = "reply_to_post",
	[NOTIFY_MENTION] = "mention",
	[NOTIFY_ANSWER] = "answer",
	[NOTIFY_ANNOUNCEMENT] = "announcement",
};

enum notify_kind notify_for_post(const struct notify_post *p, const struct notify_reader *r)
{
	enum notify_kind kind = NOTIFY_NONE;

	/* Nobody is told of their own post, of a post they may not read, of
	 * anything in a thread they muted, or of a post not yet visible (it
	 * is told of when it becomes visible). */
	if (!p->visible || r->uid == p->author || !r->may_read || r->muted)
		return NOTIFY_NONE;
	if (r->mentioned)
		kind = NOTIFY_MENTION;
	else if (r->wrote_parent)
		kind = NOTIFY_REPLY_TO_POST;
	else if (r->follows)
		kind = NOTIFY_REPLY;
	/* A reader who turned the strongest reason off may still want a
	 * weaker one: a mention in a followed thread is at least a reply. */
	while (kind != NOTIFY_NONE && !(r->wants & NOTIFY_WANT(kind))) {
		if (kind == NOTIFY_MENTION && r->wrote_parent)
			kind = NOTIFY_REPLY_TO_POST;
		else if (kind != NOTIFY_REPLY && r->follows)
			kind = NOTIFY_REPLY;
		else
			kind = NOTIFY_NONE;
	}
	return kind;
}

int notify_groups(const struct notify_unread *existing, enum notify_kind kind, int64_t thread)
{
	if (!existing || existing->read || existing->kind != kind || existing->thread != thread)
		return 0;
	return kind == NOTIFY_REPLY || kind == NOTIFY_REPLY_TO_POST || kind == NOTIFY_MENTION;
}

const char *notify_kind_name(enum notify_kind kind)
{
	return kind > NOTIFY_NONE && kind < NOTIFY__COUNT ? kind_names[kind] : NULL;
}

enum notify_kind notify_kind_find(const char *name)
{
	for (int k = NOTIFY_NONE + 1; k < NOTIFY__COUNT; k++)
		if (name && strcmp(kind_names[k], name) == 0)
			return (enum notify_kind)k;
	return NOTIFY_NONE;
}

/* A byte that may be part of a handle. */
static int handle_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-' || c == '@';
}

int notify_mentions(const char *text, size_t len, struct notify_handle *out, int max)
{
	int n = 0;

	for (size_t i = 0; i < len && n < max; i++) {
		size_t j;
		int dup = 0;

		if (text[i] != '@' || (i > 0 && handle_char((unsigned char)text[i - 1])))
			continue;
		for (j = i + 1; j < len && handle_char((unsigned char)text[j]); j++)
			;
		while (j > i + 1 && text[j - 1] == '.')
			j--;
		if (j == i + 1 || j - i - 1 > NOTIFY_HANDLE_MAX) {
			i = j - 1 > i ? j - 1 : i;
			continue;
		}
		for (int k = 0; k < n && !dup; k++)
			dup = (size_t)out[k].len == j - i - 1 && memcmp(out[k].p, text + i + 1, j - i - 1) == 0;
		if (!dup) {
			out[n].p = text + i + 1;
			out[n].len = (int)(j - i - 1);
			n++;
		}
		i = j - 1;
	}
	return n;
}
