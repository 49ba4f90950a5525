/*
 * msg.c - reference-counted outbound messages.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

struct msg *msg_new(size_t len)
{
	struct msg *m = malloc(sizeof(*m) + MSG_HEADROOM + len + 1);

	if (!m)
		return NULL;
	m->refs = 1;
	m->len = len;
	m->buf[MSG_HEADROOM + len] = '\0';
	return m;
}

struct msg *msg_from(const char *p, size_t len)
{
	struct msg *m = msg_new(len);

	if (m)
		memcpy(msg_data(m), p, len);
	return m;
}

void msg_unref(struct msg *m)
{
	if (!m)
		return;
	assert(m->refs > 0);
	if (--m->refs == 0)
		free(m);
}
