/*
 * moderation.c - abuse-limit configuration and day arithmetic.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "moderation.h"

int mod_limits_parse(struct mod_limits *l, const char *spec)
{
	static const struct { const char *name; size_t off; } names[] = {
		{ "post_interval_s", offsetof(struct mod_limits, post_interval_s) },
		{ "threads_per_day", offsetof(struct mod_limits, threads_per_day) },
		{ "flags_per_day", offsetof(struct mod_limits, flags_per_day) },
		{ "votes_per_day", offsetof(struct mod_limits, votes_per_day) },
		{ "edits_per_day", offsetof(struct mod_limits, edits_per_day) },
	};
	const char *p = spec;

	while (*p) {
		const char *eq = strchr(p, '='), *end;
		char *num_end;
		long v;
		size_t n, i;

		if (!eq)
			return -1;
		n = (size_t)(eq - p);
		v = strtol(eq + 1, &num_end, 10);
		end = num_end;
		if (end == eq + 1 || v < 0 || v > 1000000 || (*end && *end != ','))
			return -1;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n && strncmp(names[i].name, p, n) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return -1;
		*(int *)((char *)l + names[i].off) = (int)v;
		p = *end ? end + 1 : end;
	}
	return 0;
}

int64_t mod_until_next_day_ms(int64_t now_ms)
{
	const int64_t day = 86400LL * 1000;

	return day - now_ms % day;
}
