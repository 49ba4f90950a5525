/*
 * text.c - UTF-8 validation and counting (RFC 3629, table 3-7 of Unicode).
 */
#include <string.h>

#include "text.h"

/* Returns the length of the well-formed sequence at s (1..4), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		if (avail < 2 || (s[1] & 0xC0) != 0x80)
			return 0;
		return 2;
	}
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = 0x80, hi = 0xBF;

		if (c == 0xE0)
			lo = 0xA0;              /* no overlongs */
		else if (c == 0xED)
			hi = 0x9F;              /* no surrogates */
		if (avail < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80)
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = 0x80, hi = 0xBF;

		if (c == 0xF0)
			lo = 0x90;              /* no overlongs */
		else if (c == 0xF4)
			hi = 0x8F;              /* nothing past U+10FFFF */
		if (avail < 4 || s[1] < lo || s[1] > hi ||
		    (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

int text_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_seq_len(p + i, len - i);

		if (!n)
			return 0;
		i += n;
	}
	return 1;
}

size_t text_utf8_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

void text_utf8_trim(char *s)
{
	size_t len = strlen(s), start = len;

	/* Find the start of the last sequence; drop it if it is incomplete. */
	while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80 && len - start < 3)
		start--;
	if (start > 0 && (unsigned char)s[start - 1] >= 0xC0)
		start--;
	else if (start == len)
		return;
	if (!text_utf8_valid(s + start, len - start))
		s[start] = '\0';
}

int text_has_nul(const char *s, size_t len)
{
	return memchr(s, 0, len) != NULL;
}
