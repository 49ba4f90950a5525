/*
 * qa.c - the life of a live question.
 *
 *   pending --approve--> visible <--> answering --> answered
 *      \                   |  \___________________/
 *       \--> dismissed <---+   (dismissed, withdrawn from any open state)
 */
#include <string.h>

#include "qa.h"

int qa_question_public(const struct qa_question *q)
{
	return q->published && strcmp(q->state, "pending") != 0;
}

int qa_state_change_allowed(const char *from, const char *to)
{
	int open = !strcmp(from, "pending") || !strcmp(from, "visible") || !strcmp(from, "answering");

	if (!strcmp(to, "visible"))
		return !strcmp(from, "pending") || !strcmp(from, "answering");
	if (!strcmp(to, "answering"))
		return !strcmp(from, "visible") || !strcmp(from, "answered");
	if (!strcmp(to, "answered"))
		return !strcmp(from, "visible") || !strcmp(from, "answering");
	if (!strcmp(to, "dismissed") || !strcmp(to, "withdrawn"))
		return open;
	return 0;
}
