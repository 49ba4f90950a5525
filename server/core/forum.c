/*
 * forum.c - forum rules that need no storage.
 */
#include "forum.h"

int forum_text_present(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return 1;
	}
	return 0;
}
