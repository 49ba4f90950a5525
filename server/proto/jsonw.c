/*
 * jsonw.c - compact JSON from cJSON trees, in two passes: measure, then
 * write into a buffer of exactly that size.
 *
 * Rendering is on the write path (events, states and replies are printed in
 * the writer's transaction), where cJSON_PrintUnformatted's number printing
 * (sprintf "%1.15g", then sscanf to check the round trip, for every value
 * beyond the int range: every millisecond time) and its growing buffer were
 * a tenth of the writer's CPU.
 */
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

#define NUMBER_MAX 32

/* ------------------------------------------------------------------------- */
/* Scalars                                                                   */
/* ------------------------------------------------------------------------- */

/* Writes the decimal digits of v (with its sign) to out; returns the length. */
static size_t int_text(int64_t v, char *out)
{
	char tmp[24];
	size_t n = 0, len = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[len++] = '-';
	while (n)
		out[len++] = tmp[--n];
	return len;
}

/*
 * A number as JSON text in out (NUMBER_MAX bytes); returns the length.
 * NaN and infinities have no JSON form and print as null, as cJSON does.
 * A whole number whose digits a double holds exactly prints as an integer;
 * anything else as cJSON would: 15 significant digits when they read back
 * as the same double, else 17.
 */
static size_t number_text(double d, char *out)
{
	int n;

	if (isnan(d) || isinf(d)) {
		memcpy(out, "null", 4);
		return 4;
	}
	if (fabs(d) < 1e17) {
		int64_t i = (int64_t)d;

		if ((double)i == d)
			return int_text(i, out);
	}
	n = snprintf(out, NUMBER_MAX, "%1.15g", d);
	if (strtod(out, NULL) != d)
		n = snprintf(out, NUMBER_MAX, "%1.17g", d);
	assert(n > 0 && n < NUMBER_MAX);
	return (size_t)n;
}

/* The escape for byte c, or 0 when c stands for itself. */
static char short_escape(unsigned char c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '\b': return 'b';
	case '\f': return 'f';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\t': return 't';
	default: return 0;
	}
}

/* 1 for a byte that needs an escape: controls, the quote, the backslash. */
static int needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

static size_t string_len(const char *s)
{
	size_t n = 2;

	if (!s)
		return n;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += !needs_escape(*p) ? 1 : short_escape(*p) ? 2 : 6;
	return n;
}

/* Writes s quoted and escaped at out; plain runs (nearly all of a post's
 * text) are copied whole. Returns the end. */
static char *string_write(const char *s, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	*out++ = '"';
	for (;;) {
		const unsigned char *run = p;
		char e;

		while (*p && !needs_escape(*p))
			p++;
		memcpy(out, run, (size_t)(p - run));
		out += p - run;
		if (!*p)
			break;
		if ((e = short_escape(*p))) {
			*out++ = '\\';
			*out++ = e;
		} else {
			memcpy(out, "\\u00", 4);
			out[4] = hex[*p >> 4];
			out[5] = hex[*p & 15];
			out += 6;
		}
		p++;
	}
	*out++ = '"';
	return out;
}

/* ------------------------------------------------------------------------- */
/* Trees                                                                     */
/* ------------------------------------------------------------------------- */

/* Bytes `item` prints as, or (size_t)-1 when it cannot be printed. */
static size_t measure(const cJSON *item)
{
	char num[NUMBER_MAX];
	size_t n;

	switch (item->type & 0xff) {
	case cJSON_False:
		return 5;
	case cJSON_True:
		return 4;
	case cJSON_NULL:
		return 4;
	case cJSON_Number:
		return number_text(item->valuedouble, num);
	case cJSON_String:
		return string_len(item->valuestring);
	case cJSON_Raw:
		return item->valuestring ? strlen(item->valuestring) : (size_t)-1;
	case cJSON_Array:
	case cJSON_Object:
		n = 2;
		for (const cJSON *c = item->child; c; c = c->next) {
			size_t v = measure(c);

			if (v == (size_t)-1)
				return v;
			n += v + (c->next ? 1 : 0);
			if ((item->type & 0xff) == cJSON_Object)
				n += string_len(c->string) + 1;
		}
		return n;
	default:
		return (size_t)-1;
	}
}

/* Writes `item` (already measured) at out; returns the end. */
static char *emit(const cJSON *item, char *out)
{
	size_t n;

	switch (item->type & 0xff) {
	case cJSON_False:
		memcpy(out, "false", 5);
		return out + 5;
	case cJSON_True:
		memcpy(out, "true", 4);
		return out + 4;
	case cJSON_NULL:
		memcpy(out, "null", 4);
		return out + 4;
	case cJSON_Number:
		return out + number_text(item->valuedouble, out);
	case cJSON_String:
		return string_write(item->valuestring, out);
	case cJSON_Raw:
		n = strlen(item->valuestring);
		memcpy(out, item->valuestring, n);
		return out + n;
	default: {
		int object = (item->type & 0xff) == cJSON_Object;

		assert(object || (item->type & 0xff) == cJSON_Array);
		*out++ = object ? '{' : '[';
		for (const cJSON *c = item->child; c; c = c->next) {
			if (object) {
				out = string_write(c->string, out);
				*out++ = ':';
			}
			out = emit(c, out);
			if (c->next)
				*out++ = ',';
		}
		*out++ = object ? '}' : ']';
		return out;
	}
	}
}

/* ------------------------------------------------------------------------- */
/* Public                                                                    */
/* ------------------------------------------------------------------------- */

char *jsonw_print(const cJSON *item, size_t *len)
{
	size_t n = item ? measure(item) : (size_t)-1;
	char *s, *end;

	if (n == (size_t)-1 || !(s = malloc(n + 1)))
		return NULL;
	end = emit(item, s);
	assert((size_t)(end - s) == n);
	*end = '\0';
	if (len)
		*len = n;
	return s;
}

struct msg *jsonw_print_msg(const cJSON *item)
{
	size_t n = item ? measure(item) : (size_t)-1;
	struct msg *m;
	char *end;

	if (n == (size_t)-1 || !(m = msg_new(n)))
		return NULL;
	end = emit(item, msg_data(m));
	assert((size_t)(end - msg_data(m)) == n);
	(void)end;
	return m;
}
