/*
 * coalesce.c - latest-value store with per-key rate limiting.
 *
 * Layout:
 *   - rooms live in a chained hash table keyed by name; each room keeps a
 *     list of its entries (first recorded first) and a list of its dirty
 *     entries (first dirtied first), so snapshot and drop_room touch only
 *     that room;
 *   - entries live in a chained hash table keyed by (room, key);
 *   - rooms holding dirty entries form a doubly linked list, so a flush
 *     visits only dirty entries.
 * Both tables double when they hold more items than buckets. A table that
 * cannot grow (out of memory) keeps working with longer chains.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "coalesce.h"

#define CO_INITIAL_BUCKETS 16      /* power of two */
#define CO_HASH_SEED 0xcbf29ce484222325ULL   /* FNV-1a offset basis */

struct co_room;

struct co_entry {
	struct co_entry *hash_next;     /* chain in the entry table */
	struct co_entry *room_next;     /* room's entries, first recorded first */
	struct co_entry *dirty_next;    /* room's dirty entries, first dirtied first */
	struct co_room *room;
	uint64_t hash;
	int64_t version;
	int64_t dirty_ms;               /* when it last went from clean to dirty */
	int64_t emit_ms;                /* when it was last emitted, if emitted */
	int dirty;
	int emitted;
	unsigned char *value;           /* owned; never NULL once linked */
	size_t len;
	char key[];                     /* NUL-terminated */
};

struct co_room {
	struct co_room *hash_next;      /* chain in the room table */
	struct co_room *dirty_prev;     /* list of rooms holding dirty entries */
	struct co_room *dirty_next;
	struct co_entry *first;         /* entries, first recorded first */
	struct co_entry *last;
	struct co_entry *dirty_first;   /* dirty entries, first dirtied first */
	struct co_entry **dirty_tail;   /* the NULL link ending that list */
	int in_dirty;                   /* 1 while on the dirty-room list */
	uint64_t hash;
	char name[];                    /* NUL-terminated */
};

struct coalesce {
	int64_t interval_ms;
	int64_t next_due;               /* minimum due time of dirty entries; -1 if none */
	struct co_entry **ebuckets;
	size_t nebuckets;               /* power of two */
	size_t nentries;
	struct co_room **rbuckets;
	size_t nrbuckets;               /* power of two */
	size_t nrooms;
	struct co_room *dirty_first;    /* rooms holding dirty entries */
	struct co_room *dirty_last;
	int flushing;                   /* 1 while coalesce_flush calls emit */
};

/* ---- hashing and names ------------------------------------------------- */

/* FNV-1a over s[0..len) starting from `seed`, then a 64-bit finalizer so
 * the low bits used for bucket selection are well mixed. */
static uint64_t co_hash(const char *s, size_t len, uint64_t seed)
{
	uint64_t h = seed;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* Stores strlen(s) in *len and returns 1 when s is 1..COALESCE_NAME_MAX
 * bytes; else returns 0. Reads at most COALESCE_NAME_MAX + 1 bytes. */
static int co_name_len(const char *s, size_t *len)
{
	size_t n;

	if (!s)
		return 0;
	n = strnlen(s, COALESCE_NAME_MAX + 1);
	if (n == 0 || n > COALESCE_NAME_MAX)
		return 0;
	*len = n;
	return 1;
}

/* Due time of a dirty entry: when it went dirty if never emitted, else one
 * interval after its last emission. */
static int64_t co_entry_due(const struct coalesce *co, const struct co_entry *e)
{
	assert(e->dirty);
	return e->emitted ? e->emit_ms + co->interval_ms : e->dirty_ms;
}

/* ---- room table -------------------------------------------------------- */

static struct co_room *room_find(const struct coalesce *co, const char *name, uint64_t h)
{
	struct co_room *r = co->rbuckets[h & (co->nrbuckets - 1)];

	for (; r; r = r->hash_next)
		if (r->hash == h && strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

/* Doubles the room table; on allocation failure leaves it as it is. */
static void room_table_grow(struct coalesce *co)
{
	size_t n = co->nrbuckets * 2;
	struct co_room **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < co->nrbuckets; i++) {
		struct co_room *r = co->rbuckets[i], *next;

		for (; r; r = next) {
			next = r->hash_next;
			r->hash_next = b[r->hash & (n - 1)];
			b[r->hash & (n - 1)] = r;
		}
	}
	free(co->rbuckets);
	co->rbuckets = b;
	co->nrbuckets = n;
}

/* Allocates an empty room, not yet in the table. The caller owns it until
 * room_link. Returns NULL when out of memory. */
static struct co_room *room_alloc(const char *name, size_t len, uint64_t h)
{
	struct co_room *r = calloc(1, sizeof(*r) + len + 1);

	if (!r)
		return NULL;
	memcpy(r->name, name, len + 1);
	r->hash = h;
	r->dirty_tail = &r->dirty_first;
	return r;
}

/* Puts a room from room_alloc into the table; the coalescer owns it. */
static void room_link(struct coalesce *co, struct co_room *r)
{
	struct co_room **b;

	if (co->nrooms >= co->nrbuckets)
		room_table_grow(co);
	b = &co->rbuckets[r->hash & (co->nrbuckets - 1)];
	r->hash_next = *b;
	*b = r;
	co->nrooms++;
}

/* Frees a room's entries and the room itself; tables are not touched. */
static void room_free(struct co_room *r)
{
	struct co_entry *e = r->first, *next;

	for (; e; e = next) {
		next = e->room_next;
		free(e->value);
		free(e);
	}
	free(r);
}

static void room_unlink(struct coalesce *co, struct co_room *r)
{
	struct co_room **pp = &co->rbuckets[r->hash & (co->nrbuckets - 1)];

	while (*pp != r) {
		assert(*pp);
		pp = &(*pp)->hash_next;
	}
	*pp = r->hash_next;
	r->hash_next = NULL;
	co->nrooms--;
}

/* ---- dirty-room list --------------------------------------------------- */

static void dirty_rooms_append(struct coalesce *co, struct co_room *r)
{
	assert(!r->in_dirty);
	r->dirty_prev = co->dirty_last;
	r->dirty_next = NULL;
	if (co->dirty_last)
		co->dirty_last->dirty_next = r;
	else
		co->dirty_first = r;
	co->dirty_last = r;
	r->in_dirty = 1;
}

static void dirty_rooms_remove(struct coalesce *co, struct co_room *r)
{
	assert(r->in_dirty);
	if (r->dirty_prev)
		r->dirty_prev->dirty_next = r->dirty_next;
	else
		co->dirty_first = r->dirty_next;
	if (r->dirty_next)
		r->dirty_next->dirty_prev = r->dirty_prev;
	else
		co->dirty_last = r->dirty_prev;
	r->dirty_prev = r->dirty_next = NULL;
	r->in_dirty = 0;
}

/* Recomputes co->next_due from every dirty entry: O(dirty). */
static void co_recompute_next_due(struct coalesce *co)
{
	int64_t best = -1;

	for (struct co_room *r = co->dirty_first; r; r = r->dirty_next)
		for (struct co_entry *e = r->dirty_first; e; e = e->dirty_next) {
			int64_t due = co_entry_due(co, e);

			if (best < 0 || due < best)
				best = due;
		}
	co->next_due = best;
}

/* ---- entry table ------------------------------------------------------- */

static struct co_entry *entry_find(const struct coalesce *co, const struct co_room *room,
                                   const char *key, uint64_t h)
{
	struct co_entry *e = co->ebuckets[h & (co->nebuckets - 1)];

	for (; e; e = e->hash_next)
		if (e->hash == h && e->room == room && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Doubles the entry table; on allocation failure leaves it as it is. */
static void entry_table_grow(struct coalesce *co)
{
	size_t n = co->nebuckets * 2;
	struct co_entry **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < co->nebuckets; i++) {
		struct co_entry *e = co->ebuckets[i], *next;

		for (; e; e = next) {
			next = e->hash_next;
			e->hash_next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(co->ebuckets);
	co->ebuckets = b;
	co->nebuckets = n;
}

/* Replaces the value of e with a copy of value[0..len), resizing the owned
 * buffer when the size changes. Returns 0, or -1 (e unchanged) when out of
 * memory. */
static int entry_set_value(struct co_entry *e, const void *value, size_t len)
{
	if (!e->value || len != e->len) {
		unsigned char *p = realloc(e->value, len ? len : 1);

		if (!p)
			return -1;
		e->value = p;
	}
	if (len)
		memcpy(e->value, value, len);
	e->len = len;
	return 0;
}

/* Allocates an entry holding a copy of the value, not yet in any table or
 * list. The caller owns it until entry_link. Returns NULL when out of
 * memory. */
static struct co_entry *entry_alloc(const char *key, size_t klen, uint64_t h,
                                    int64_t version, const void *value, size_t len)
{
	struct co_entry *e = calloc(1, sizeof(*e) + klen + 1);

	if (!e)
		return NULL;
	memcpy(e->key, key, klen + 1);
	e->hash = h;
	e->version = version;
	if (entry_set_value(e, value, len) < 0) {
		free(e);
		return NULL;
	}
	return e;
}

/* Puts an entry from entry_alloc into the table and at the end of its
 * room's list; the coalescer owns it. */
static void entry_link(struct coalesce *co, struct co_room *room, struct co_entry *e)
{
	struct co_entry **b;

	if (co->nentries >= co->nebuckets)
		entry_table_grow(co);
	b = &co->ebuckets[e->hash & (co->nebuckets - 1)];
	e->hash_next = *b;
	*b = e;
	e->room = room;
	if (room->last)
		room->last->room_next = e;
	else
		room->first = e;
	room->last = e;
	co->nentries++;
}

static void entry_unlink_hash(struct coalesce *co, struct co_entry *e)
{
	struct co_entry **pp = &co->ebuckets[e->hash & (co->nebuckets - 1)];

	while (*pp != e) {
		assert(*pp);
		pp = &(*pp)->hash_next;
	}
	*pp = e->hash_next;
	e->hash_next = NULL;
	co->nentries--;
}

/* Marks e dirty at now_ms unless it already is: appends it to its room's
 * dirty list, the room to the dirty-room list, and lowers next_due. */
static void entry_mark_dirty(struct coalesce *co, struct co_entry *e, int64_t now_ms)
{
	struct co_room *r = e->room;
	int64_t due;

	if (e->dirty)
		return;
	e->dirty = 1;
	e->dirty_ms = now_ms;
	e->dirty_next = NULL;
	*r->dirty_tail = e;
	r->dirty_tail = &e->dirty_next;
	if (!r->in_dirty)
		dirty_rooms_append(co, r);
	due = co_entry_due(co, e);
	if (co->next_due < 0 || due < co->next_due)
		co->next_due = due;
}

/* ---- public ------------------------------------------------------------ */

struct coalesce *coalesce_new(int64_t min_interval_ms)
{
	struct coalesce *co;

	assert(min_interval_ms >= 0);
	co = calloc(1, sizeof(*co));
	if (!co)
		return NULL;
	co->interval_ms = min_interval_ms;
	co->next_due = -1;
	co->nebuckets = co->nrbuckets = CO_INITIAL_BUCKETS;
	co->ebuckets = calloc(co->nebuckets, sizeof(*co->ebuckets));
	co->rbuckets = calloc(co->nrbuckets, sizeof(*co->rbuckets));
	if (!co->ebuckets || !co->rbuckets) {
		coalesce_free(co);
		return NULL;
	}
	return co;
}

void coalesce_free(struct coalesce *co)
{
	if (!co)
		return;
	assert(!co->flushing);
	if (co->rbuckets) {
		for (size_t i = 0; i < co->nrbuckets; i++) {
			struct co_room *r = co->rbuckets[i], *next;

			for (; r; r = next) {
				next = r->hash_next;
				room_free(r);
			}
		}
	}
	free(co->rbuckets);
	free(co->ebuckets);
	free(co);
}

int coalesce_update(struct coalesce *co, const char *room, const char *key,
                    int64_t version, const void *value, size_t len, int64_t now_ms)
{
	struct co_room *r, *new_room = NULL;
	struct co_entry *e;
	size_t rlen, klen;
	uint64_t rh, kh;
	int rc = -1;

	assert(co && !co->flushing);
	assert(value || len == 0);
	if (!co_name_len(room, &rlen) || !co_name_len(key, &klen))
		return -1;
	rh = co_hash(room, rlen, CO_HASH_SEED);
	kh = co_hash(key, klen, rh);

	r = room_find(co, room, rh);
	if (r && (e = entry_find(co, r, key, kh)) != NULL) {
		if (version <= e->version)
			return 0;
		if (entry_set_value(e, value, len) < 0)
			return -1;
		e->version = version;
		entry_mark_dirty(co, e, now_ms);
		return 1;
	}

	if (!r) {
		new_room = room_alloc(room, rlen, rh);
		if (!new_room)
			goto out;
		r = new_room;
	}
	e = entry_alloc(key, klen, kh, version, value, len);
	if (!e)
		goto out;
	if (new_room)
		room_link(co, new_room);
	new_room = NULL;
	entry_link(co, r, e);
	entry_mark_dirty(co, e, now_ms);
	rc = 1;
out:
	if (new_room)
		room_free(new_room);
	return rc;
}

size_t coalesce_flush(struct coalesce *co, int64_t now_ms, coalesce_emit_fn *emit, void *arg)
{
	struct co_room *r, *next_room;
	int64_t next_due = -1;
	size_t n = 0;

	assert(co && emit && !co->flushing);
	co->flushing = 1;
	for (r = co->dirty_first; r; r = next_room) {
		struct co_entry **pp = &r->dirty_first;

		next_room = r->dirty_next;
		while (*pp) {
			struct co_entry *e = *pp;

			assert(e->dirty && e->room == r);
			if (e->emitted && now_ms - e->emit_ms < co->interval_ms) {
				int64_t due = co_entry_due(co, e);

				if (next_due < 0 || due < next_due)
					next_due = due;
				pp = &e->dirty_next;
				continue;
			}
			emit(arg, r->name, e->key, e->version, e->value, e->len);
			e->dirty = 0;
			e->emitted = 1;
			e->emit_ms = now_ms;
			*pp = e->dirty_next;
			e->dirty_next = NULL;
			n++;
		}
		r->dirty_tail = pp;
		if (!r->dirty_first)
			dirty_rooms_remove(co, r);
	}
	co->next_due = next_due;
	co->flushing = 0;
	return n;
}

int64_t coalesce_next_due(const struct coalesce *co)
{
	assert(co);
	return co->next_due;
}

size_t coalesce_snapshot(const struct coalesce *co, const char *room,
                         coalesce_emit_fn *emit, void *arg)
{
	const struct co_room *r;
	size_t rlen, n = 0;

	assert(co && emit);
	if (!co_name_len(room, &rlen))
		return 0;
	r = room_find(co, room, co_hash(room, rlen, CO_HASH_SEED));
	if (!r)
		return 0;
	for (const struct co_entry *e = r->first; e; e = e->room_next) {
		emit(arg, r->name, e->key, e->version, e->value, e->len);
		n++;
	}
	return n;
}

void coalesce_drop_room(struct coalesce *co, const char *room)
{
	struct co_room *r;
	size_t rlen;
	int had_dirty;

	assert(co && !co->flushing);
	if (!co_name_len(room, &rlen))
		return;
	r = room_find(co, room, co_hash(room, rlen, CO_HASH_SEED));
	if (!r)
		return;
	had_dirty = r->in_dirty;
	if (r->in_dirty)
		dirty_rooms_remove(co, r);
	for (struct co_entry *e = r->first; e; e = e->room_next)
		entry_unlink_hash(co, e);
	room_unlink(co, r);
	room_free(r);
	if (had_dirty)
		co_recompute_next_due(co);
}

size_t coalesce_count(const struct coalesce *co)
{
	assert(co);
	return co->nentries;
}
