/*
 * decode.c - client message -> struct proto_request.
 *
 * Order of checks: prescan (depth, NUL, UTF-8, escaped lone surrogates) on
 * the raw bytes, because Debian's cJSON nests 1000 levels deep, silently
 * cuts strings at \u0000 and calls a lone surrogate bad JSON;
 * then cJSON parses with an explicit length; then the envelope; then each
 * field against the generated spec table.
 */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../core/text.h"
#include "decode.h"

/* ------------------------------------------------------------------------- */
/* Errors                                                                    */
/* ------------------------------------------------------------------------- */

static enum proto_err fail(struct proto_error *err, enum proto_err code, const char *field,
			   int64_t limit, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	err->limit = limit;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	/* Both may have been cut inside a character; replies must be UTF-8. */
	text_utf8_trim(err->field);
	text_utf8_trim(err->message);
	return code;
}

/* ------------------------------------------------------------------------- */
/* Prescan                                                                   */
/* ------------------------------------------------------------------------- */

/* The value of the 4 hex digits at buf[i..i+3], or -1 when they are not
 * 4 hex digits within len. */
static long hex4(const char *buf, size_t len, size_t i)
{
	long v = 0;

	if (i + 4 > len)
		return -1;
	for (size_t k = i; k < i + 4; k++) {
		char h = buf[k];

		v <<= 4;
		if (h >= '0' && h <= '9')
			v |= h - '0';
		else if (h >= 'a' && h <= 'f')
			v |= h - 'a' + 10;
		else if (h >= 'A' && h <= 'F')
			v |= h - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * A \u escape whose 'u' is at buf[*i]. Refused: one without 4 hex digits
 * (bad JSON; cJSON would read it as a NUL and silently cut the string
 * there), NUL (\u0000), and a surrogate that is not a high one followed at
 * once by an escaped low one (an escaped lone surrogate stands for no
 * character: the string would not be valid UTF-8 once decoded). Advances
 * *i to the escape's last byte.
 */
static enum proto_err prescan_u_escape(const char *buf, size_t len, size_t *i)
{
	long u = hex4(buf, len, *i + 1), lo;

	if (u < 0)
		return PROTO_ERR_BAD_JSON;
	if (u == 0)
		return PROTO_ERR_NUL_IN_TEXT;
	if (u >= 0xDC00 && u <= 0xDFFF)
		return PROTO_ERR_BAD_UTF8;      /* a low surrogate first */
	if (u >= 0xD800 && u <= 0xDBFF) {
		lo = *i + 6 < len && buf[*i + 5] == '\\' && buf[*i + 6] == 'u' ? hex4(buf, len, *i + 7) : -1;
		if (lo == 0)
			return PROTO_ERR_NUL_IN_TEXT;
		if (lo < 0xDC00 || lo > 0xDFFF)
			return PROTO_ERR_BAD_UTF8;  /* a high surrogate alone */
		*i += 6;
	}
	*i += 4;
	return PROTO_ERR_NONE;
}

enum proto_err proto_prescan(const char *buf, size_t len, int max_depth)
{
	int depth = 0, in_string = 0;
	enum proto_err rc;

	if (text_has_nul(buf, len))
		return PROTO_ERR_NUL_IN_TEXT;
	if (!text_utf8_valid(buf, len))
		return PROTO_ERR_BAD_UTF8;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_string) {
			if (c == '"') {
				in_string = 0;
			} else if (c == '\\' && i + 1 < len) {
				i++;
				if (buf[i] == 'u' && (rc = prescan_u_escape(buf, len, &i)) != PROTO_ERR_NONE)
					return rc;
			}
			continue;
		}
		if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return PROTO_ERR_TOO_DEEP;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return PROTO_ERR_NONE;
}

/* ------------------------------------------------------------------------- */
/* Small helpers                                                             */
/* ------------------------------------------------------------------------- */

enum proto_op proto_op_lookup(const char *name)
{
	for (int op = 1; op < PROTO_OP__COUNT; op++)
		if (strcmp(proto_ops[op].name, name) == 0)
			return (enum proto_op)op;
	return PROTO_OP_NONE;
}

int proto_room_valid(const char *name, size_t len)
{
	size_t i = 0, digits = 0;

	if (len > PROTO_MAX_ROOM_CHARS)
		return 0;
	while (i < len && name[i] >= 'a' && name[i] <= 'z')
		i++;
	if (i == 0 || i > 16 || i >= len || name[i] != ':')
		return 0;
	for (i++; i < len; i++, digits++)
		if (name[i] < '0' || name[i] > '9')
			return 0;
	return digits >= 1 && digits <= 18;
}

static int json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parses exactly one JSON value: only JSON white space may surround it
 * (cJSON alone skips any control byte before it and ignores what follows). */
static cJSON *json_parse_exact(const char *buf, size_t len)
{
	const char *end = NULL;
	size_t i = 0;
	cJSON *root;

	while (i < len && json_space(buf[i]))
		i++;
	if (i == len || (unsigned char)buf[i] < 0x20)
		return NULL;
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (!root)
		return NULL;
	for (i = (size_t)(end - buf); i < len; i++) {
		if (!json_space(buf[i])) {
			cJSON_Delete(root);
			return NULL;
		}
	}
	return root;
}

/* A JSON number that is an integer within +-2^53 (exact in a double). */
static int json_int(const cJSON *j, int64_t *out)
{
	double d;

	if (!cJSON_IsNumber(j))
		return 0;
	d = j->valuedouble;
	if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740991.0)
		return 0;
	*out = (int64_t)d;
	return 1;
}

static int key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* Bump allocator over one malloc'd block sized before decoding starts. */
struct arena {
	char *base;
	size_t used, cap;
};

static void *arena_alloc(struct arena *a, size_t n)
{
	void *p;

	n = (n + 7) & ~(size_t)7;
	assert(a->used + n <= a->cap);
	p = a->base + a->used;
	a->used += n;
	return p;
}

static const char *arena_strdup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_alloc(a, len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* ------------------------------------------------------------------------- */
/* Fields                                                                    */
/* ------------------------------------------------------------------------- */

static enum proto_err decode_string(const struct proto_field_spec *fs, const cJSON *j,
				    struct arena *a, struct proto_value *v, struct proto_error *err)
{
	const char *s;
	size_t len, n;

	if (!cJSON_IsString(j))
		return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0, "%s must be a string", fs->name);
	s = j->valuestring;
	len = strlen(s);
	/* cJSON turns escapes into bytes; check the decoded result again. */
	if (!text_utf8_valid(s, len))
		return fail(err, PROTO_ERR_BAD_UTF8, fs->name, 0, "%s is not valid UTF-8", fs->name);
	n = fs->type == PROTO_FT_TEXT ? text_utf8_chars(s, len) : len;
	if (fs->max && (int64_t)n > fs->max)
		return fail(err, PROTO_ERR_TOO_LONG, fs->name, fs->max, "%s is longer than %lld %s",
			    fs->name, (long long)fs->max, fs->type == PROTO_FT_TEXT ? "characters" : "bytes");
	if ((int64_t)n < fs->min)
		return fail(err, PROTO_ERR_BAD_FIELD, fs->name, fs->min, "%s is shorter than %lld",
			    fs->name, (long long)fs->min);
	if (fs->type == PROTO_FT_KEY) {
		for (size_t i = 0; i < len; i++)
			if (!key_char(s[i]))
				return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0,
					    "%s may hold only letters, digits, - and _", fs->name);
	}
	v->u.s.p = arena_strdup(a, s, len);
	v->u.s.len = len;
	return PROTO_ERR_NONE;
}

static enum proto_err decode_resume(const struct proto_field_spec *fs, const cJSON *j,
				    struct arena *a, struct proto_value *v, struct proto_error *err)
{
	const cJSON *it;
	size_t n = 0;

	if (!cJSON_IsObject(j))
		return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0, "%s must be an object of room: seq", fs->name);
	n = (size_t)cJSON_GetArraySize(j);
	if (n > PROTO_MAX_RESUME_ROOMS)
		return fail(err, PROTO_ERR_TOO_LONG, fs->name, PROTO_MAX_RESUME_ROOMS,
			    "%s names more than %d rooms", fs->name, PROTO_MAX_RESUME_ROOMS);
	v->u.resume.items = n ? arena_alloc(a, n * sizeof(*v->u.resume.items)) : NULL;
	v->u.resume.n = 0;
	cJSON_ArrayForEach(it, j) {
		int64_t seq;
		size_t klen = strlen(it->string);

		if (!proto_room_valid(it->string, klen))
			return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0, "%s: bad room name", fs->name);
		if (!json_int(it, &seq) || seq < 0)
			return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0, "%s: seq must be an integer >= 0", fs->name);
		v->u.resume.items[v->u.resume.n].room = arena_strdup(a, it->string, klen);
		v->u.resume.items[v->u.resume.n].since = seq;
		v->u.resume.n++;
	}
	return PROTO_ERR_NONE;
}

/* The common part of a list field: j must be an array of at most
 * max_items; *n gets its length. `what` names the items in the message. */
static enum proto_err list_size(const struct proto_field_spec *fs, const cJSON *j, const char *what,
				size_t *n, struct proto_error *err)
{
	if (!cJSON_IsArray(j))
		return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0, "%s must be an array of %s", fs->name, what);
	*n = (size_t)cJSON_GetArraySize(j);
	if ((int64_t)*n > fs->max_items)
		return fail(err, PROTO_ERR_TOO_LONG, fs->name, fs->max_items, "%s holds more than %lld items",
			    fs->name, (long long)fs->max_items);
	return PROTO_ERR_NONE;
}

/* ints: an array of at most max_items integers, each within min..max. */
static enum proto_err decode_ints(const struct proto_field_spec *fs, const cJSON *j, struct arena *a,
				  struct proto_value *v, struct proto_error *err)
{
	const cJSON *it;
	size_t n;
	enum proto_err rc = list_size(fs, j, "integers", &n, err);

	if (rc != PROTO_ERR_NONE)
		return rc;
	v->u.ints.items = n ? arena_alloc(a, n * sizeof(*v->u.ints.items)) : NULL;
	v->u.ints.n = 0;
	cJSON_ArrayForEach(it, j) {
		int64_t x;

		if (!json_int(it, &x) || x < fs->min || x > fs->max)
			return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0, "%s: each item must be an integer from %lld to %lld",
				    fs->name, (long long)fs->min, (long long)fs->max);
		v->u.ints.items[v->u.ints.n++] = x;
	}
	return PROTO_ERR_NONE;
}

/* texts: an array of at most max_items strings, each valid UTF-8 of at most
 * max characters (NUL was refused by the prescan). */
static enum proto_err decode_texts(const struct proto_field_spec *fs, const cJSON *j, struct arena *a,
				   struct proto_value *v, struct proto_error *err)
{
	const cJSON *it;
	size_t n;
	enum proto_err rc = list_size(fs, j, "strings", &n, err);

	if (rc != PROTO_ERR_NONE)
		return rc;
	v->u.texts.items = n ? arena_alloc(a, n * sizeof(*v->u.texts.items)) : NULL;
	v->u.texts.n = 0;
	cJSON_ArrayForEach(it, j) {
		size_t len;

		if (!cJSON_IsString(it))
			return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0, "%s: each item must be a string", fs->name);
		len = strlen(it->valuestring);
		if (!text_utf8_valid(it->valuestring, len))
			return fail(err, PROTO_ERR_BAD_UTF8, fs->name, 0, "%s is not valid UTF-8", fs->name);
		if (fs->max && (int64_t)text_utf8_chars(it->valuestring, len) > fs->max)
			return fail(err, PROTO_ERR_TOO_LONG, fs->name, fs->max, "an item of %s is longer than %lld characters",
				    fs->name, (long long)fs->max);
		v->u.texts.items[v->u.texts.n].p = arena_strdup(a, it->valuestring, len);
		v->u.texts.items[v->u.texts.n].len = len;
		v->u.texts.n++;
	}
	return PROTO_ERR_NONE;
}

static enum proto_err decode_field(const struct proto_field_spec *fs, const cJSON *j,
				   struct arena *a, struct proto_value *v, struct proto_error *err)
{
	enum proto_err rc = PROTO_ERR_NONE;

	switch (fs->type) {
	case PROTO_FT_STRING:
	case PROTO_FT_TEXT:
	case PROTO_FT_KEY:
		rc = decode_string(fs, j, a, v, err);
		break;
	case PROTO_FT_INT:
	case PROTO_FT_ID:
		if (!json_int(j, &v->u.i))
			return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0, "%s must be an integer", fs->name);
		if (v->u.i < fs->min || v->u.i > fs->max)
			return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0, "%s must be between %lld and %lld",
				    fs->name, (long long)fs->min, (long long)fs->max);
		break;
	case PROTO_FT_BOOL:
		if (!cJSON_IsBool(j))
			return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0, "%s must be true or false", fs->name);
		v->u.b = cJSON_IsTrue(j);
		break;
	case PROTO_FT_ENUM:
		if (!cJSON_IsString(j))
			return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0, "%s must be a string", fs->name);
		for (int i = 0; fs->values[i]; i++) {
			if (strcmp(fs->values[i], j->valuestring) == 0) {
				v->u.e = i;
				goto ok;
			}
		}
		return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0, "%s has no such value", fs->name);
	case PROTO_FT_RESUME:
		rc = decode_resume(fs, j, a, v, err);
		break;
	case PROTO_FT_INTS:
		rc = decode_ints(fs, j, a, v, err);
		break;
	case PROTO_FT_TEXTS:
		rc = decode_texts(fs, j, a, v, err);
		break;
	case PROTO_FT_ROOM:
		if (!cJSON_IsString(j) || !proto_room_valid(j->valuestring, strlen(j->valuestring)))
			return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0,
				    "%s must be a room name such as thread:42", fs->name);
		v->u.s.len = strlen(j->valuestring);
		v->u.s.p = arena_strdup(a, j->valuestring, v->u.s.len);
		break;
	}
ok:
	if (rc == PROTO_ERR_NONE)
		v->present = 1;
	return rc;
}

/* ------------------------------------------------------------------------- */
/* Envelope                                                                  */
/* ------------------------------------------------------------------------- */

static int id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PROTO_MAX_ID_CHARS)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	return 1;
}

static enum proto_err decode_envelope(const cJSON *root, int allow_test_ops,
				      struct proto_request *req, const cJSON **data,
				      struct proto_error *err)
{
	const cJSON *op, *id, *it;

	if (!cJSON_IsObject(root))
		return fail(err, PROTO_ERR_BAD_REQUEST, NULL, 0, "a request is a JSON object");
	id = cJSON_GetObjectItemCaseSensitive(root, "id");
	if (!cJSON_IsString(id) || !id_valid(id->valuestring))
		return fail(err, PROTO_ERR_BAD_REQUEST, "id", PROTO_MAX_ID_CHARS,
			    "id must be a string of 1 to %d printable ASCII characters", PROTO_MAX_ID_CHARS);
	strcpy(req->id, id->valuestring);
	req->has_id = 1;

	cJSON_ArrayForEach(it, root) {
		if (strcmp(it->string, "op") && strcmp(it->string, "id") && strcmp(it->string, "data"))
			return fail(err, PROTO_ERR_BAD_REQUEST, it->string, 0, "unexpected member %.40s", it->string);
	}
	op = cJSON_GetObjectItemCaseSensitive(root, "op");
	if (!cJSON_IsString(op))
		return fail(err, PROTO_ERR_BAD_REQUEST, "op", 0, "op must be a string");
	if (strlen(op->valuestring) > PROTO_MAX_OP_CHARS)
		return fail(err, PROTO_ERR_UNKNOWN_OP, "op", 0, "no such op");
	req->op = proto_op_lookup(op->valuestring);
	if (req->op == PROTO_OP_NONE || (proto_ops[req->op].test_only && !allow_test_ops)) {
		req->op = PROTO_OP_NONE;
		return fail(err, PROTO_ERR_UNKNOWN_OP, "op", 0, "no such op: %.48s", op->valuestring);
	}
	*data = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (*data && !cJSON_IsObject(*data))
		return fail(err, PROTO_ERR_BAD_REQUEST, "data", 0, "data must be an object");
	return PROTO_ERR_NONE;
}

static enum proto_err decode_fields(const cJSON *data, struct arena *a, struct proto_request *req,
				    struct proto_error *err)
{
	const struct proto_op_spec *os = &proto_ops[req->op];
	const cJSON *it;

	/* Unknown members are refused so a typo never silently means "absent". */
	if (data) {
		cJSON_ArrayForEach(it, data) {
			int known = 0;

			for (int i = 0; i < os->nfields && !known; i++)
				known = strcmp(os->fields[i].name, it->string) == 0;
			if (!known)
				return fail(err, PROTO_ERR_BAD_FIELD, it->string, 0, "unknown field %.40s", it->string);
		}
	}
	for (int i = 0; i < os->nfields; i++) {
		const struct proto_field_spec *fs = &os->fields[i];
		const cJSON *j = data ? cJSON_GetObjectItemCaseSensitive(data, fs->name) : NULL;
		enum proto_err rc;

		if (!j || cJSON_IsNull(j)) {
			if (fs->required)
				return fail(err, PROTO_ERR_BAD_FIELD, fs->name, 0, "%s is required", fs->name);
			continue;
		}
		rc = decode_field(fs, j, a, &req->f[i], err);
		if (rc != PROTO_ERR_NONE)
			return rc;
	}
	return PROTO_ERR_NONE;
}

/* Pulls the id out of a request the envelope refused, so the error names it. */
static void salvage_id(const cJSON *root, struct proto_request *req)
{
	const cJSON *id;

	if (req->has_id || !cJSON_IsObject(root))
		return;
	id = cJSON_GetObjectItemCaseSensitive(root, "id");
	if (cJSON_IsString(id) && id_valid(id->valuestring)) {
		strcpy(req->id, id->valuestring);
		req->has_id = 1;
	}
}

enum proto_err proto_decode_request(const char *buf, size_t len, int allow_test_ops,
				    struct proto_request *req, struct proto_error *err)
{
	cJSON *root = NULL;
	const cJSON *data = NULL;
	struct arena a = { 0 };
	enum proto_err rc;

	memset(req, 0, sizeof(*req));
	memset(err, 0, sizeof(*err));

	rc = proto_prescan(buf, len, PROTO_MAX_DEPTH);
	if (rc == PROTO_ERR_TOO_DEEP) {
		fail(err, rc, NULL, PROTO_MAX_DEPTH, "nested deeper than %d", PROTO_MAX_DEPTH);
		goto out;
	}
	if (rc != PROTO_ERR_NONE) {
		fail(err, rc, NULL, 0, rc == PROTO_ERR_NUL_IN_TEXT ? "NUL is not allowed in text"
				       : rc == PROTO_ERR_BAD_JSON ? "not valid JSON (a \\u escape needs 4 hex digits)"
								    : "not valid UTF-8");
		goto out;
	}
	root = json_parse_exact(buf, len);
	if (!root) {
		rc = fail(err, PROTO_ERR_BAD_JSON, NULL, 0, "not valid JSON");
		goto out;
	}
	rc = decode_envelope(root, allow_test_ops, req, &data, err);
	if (rc != PROTO_ERR_NONE)
		goto out;

	/* Every string we keep is a substring of the input, so len bytes plus
	 * up to 7 bytes of terminator and alignment per string (each string costs at least 2 input bytes) always suffice; the
	 * resume array and the item arrays of list fields (bounded by their
	 * max_items, checked before they are allocated) need their own room. */
	a.cap = 4 * len + 64 + PROTO_MAX_RESUME_ROOMS * sizeof(struct proto_resume_item);
	for (int i = 0; i < proto_ops[req->op].nfields; i++)
		if (proto_ops[req->op].fields[i].type == PROTO_FT_INTS || proto_ops[req->op].fields[i].type == PROTO_FT_TEXTS)
			a.cap += (size_t)proto_ops[req->op].fields[i].max_items * sizeof(struct proto_str);
	a.base = malloc(a.cap);
	if (!a.base) {
		rc = fail(err, PROTO_ERR_INTERNAL, NULL, 0, "out of memory");
		goto out;
	}
	rc = decode_fields(data, &a, req, err);
	if (rc == PROTO_ERR_NONE) {
		req->arena = a.base;
		a.base = NULL;
	}
out:
	if (rc != PROTO_ERR_NONE) {
		salvage_id(root, req);
		memset(req->f, 0, sizeof(req->f));
	}
	free(a.base);
	cJSON_Delete(root);
	return rc;
}

void proto_request_free(struct proto_request *req)
{
	free(req->arena);
	req->arena = NULL;
	memset(req->f, 0, sizeof(req->f));
}

/* ------------------------------------------------------------------------- */
/* The admin API's course object                                             */
/* ------------------------------------------------------------------------- */

static int course_time(const cJSON *j, int64_t *out)
{
	return json_int(j, out) && *out > 0 && *out < 253402300800LL;
}

enum proto_err proto_decode_course(const char *buf, size_t len, struct proto_course *out,
				   struct proto_error *err)
{
	cJSON *root = NULL;
	const cJSON *it;
	enum proto_err rc;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	rc = proto_prescan(buf, len, PROTO_MAX_DEPTH);
	if (rc != PROTO_ERR_NONE)
		return fail(err, rc, NULL, 0, "the body is not valid text");
	if (!(root = json_parse_exact(buf, len)) || !cJSON_IsObject(root)) {
		rc = fail(err, PROTO_ERR_BAD_JSON, NULL, 0, "the body must be a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(it, root) {
		const char *k = it->string;

		if (!strcmp(k, "id")) {
			if (!json_int(it, &out->id) || out->id <= 0) {
				rc = fail(err, PROTO_ERR_BAD_FIELD, "id", 0, "id must be a positive integer");
				goto out;
			}
		} else if (!strcmp(k, "title")) {
			size_t n;

			if (!cJSON_IsString(it) || !(n = strlen(it->valuestring)) ||
			    !text_utf8_valid(it->valuestring, n) || n >= sizeof(out->title) ||
			    text_utf8_chars(it->valuestring, n) > PROTO_MAX_TITLE_CHARS) {
				rc = fail(err, PROTO_ERR_BAD_FIELD, "title", PROTO_MAX_TITLE_CHARS,
					  "title must be 1 to %d characters", PROTO_MAX_TITLE_CHARS);
				goto out;
			}
			memcpy(out->title, it->valuestring, n + 1);
			out->has_title = 1;
		} else if (!strcmp(k, "lang")) {
			if (!cJSON_IsString(it) || (strcmp(it->valuestring, "en") && strcmp(it->valuestring, "es") &&
						    strcmp(it->valuestring, "pt"))) {
				rc = fail(err, PROTO_ERR_BAD_FIELD, "lang", 0, "lang must be en, es or pt");
				goto out;
			}
			snprintf(out->lang, sizeof(out->lang), "%s", it->valuestring);
			out->has_lang = 1;
		} else if (!strcmp(k, "starts_at") || !strcmp(k, "ends_at")) {
			if (!course_time(it, !strcmp(k, "starts_at") ? &out->starts_at : &out->ends_at)) {
				rc = fail(err, PROTO_ERR_BAD_FIELD, k, 0, "%s must be seconds since the epoch", k);
				goto out;
			}
		} else {
			rc = fail(err, PROTO_ERR_BAD_FIELD, k, 0, "unknown member %.40s", k);
			goto out;
		}
	}
	rc = PROTO_ERR_NONE;
out:
	cJSON_Delete(root);
	return rc;
}

/* ------------------------------------------------------------------------- */
/* Word lists (admin API)                                                    */
/* ------------------------------------------------------------------------- */

void proto_words_free(struct proto_words *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		free(w->words[i]);
	free(w->words);
	w->words = NULL;
	w->n = 0;
}

enum proto_err proto_decode_words(const char *buf, size_t len, struct proto_words *out,
				  struct proto_error *err)
{
	cJSON *root = NULL;
	const cJSON *list, *it;
	enum proto_err rc;
	int n;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	rc = proto_prescan(buf, len, PROTO_MAX_DEPTH);
	if (rc != PROTO_ERR_NONE)
		return fail(err, rc, NULL, 0, "the body is not valid text");
	if (!(root = json_parse_exact(buf, len)) || !cJSON_IsObject(root)) {
		rc = fail(err, PROTO_ERR_BAD_JSON, NULL, 0, "the body must be a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(it, root) {
		if (strcmp(it->string, "words") != 0) {
			rc = fail(err, PROTO_ERR_BAD_FIELD, it->string, 0, "unknown member %.40s", it->string);
			goto out;
		}
	}
	list = cJSON_GetObjectItemCaseSensitive(root, "words");
	if (!cJSON_IsArray(list)) {
		rc = fail(err, PROTO_ERR_BAD_FIELD, "words", 0, "words must be an array of strings");
		goto out;
	}
	n = cJSON_GetArraySize(list);
	if (n > PROTO_MAX_BLOCKED_WORDS) {
		rc = fail(err, PROTO_ERR_TOO_LONG, "words", PROTO_MAX_BLOCKED_WORDS, "at most %d words",
			  PROTO_MAX_BLOCKED_WORDS);
		goto out;
	}
	if (n && !(out->words = calloc((size_t)n, sizeof(*out->words)))) {
		rc = fail(err, PROTO_ERR_INTERNAL, NULL, 0, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(it, list) {
		size_t wl;

		if (!cJSON_IsString(it) || !(wl = strlen(it->valuestring)) ||
		    !text_utf8_valid(it->valuestring, wl)) {
			rc = fail(err, PROTO_ERR_BAD_FIELD, "words", 0, "each word must be a non-empty string");
			goto out;
		}
		if (text_utf8_chars(it->valuestring, wl) > PROTO_MAX_WORD_CHARS) {
			rc = fail(err, PROTO_ERR_TOO_LONG, "words", PROTO_MAX_WORD_CHARS,
				  "a word is at most %d characters", PROTO_MAX_WORD_CHARS);
			goto out;
		}
		if (!(out->words[out->n] = strdup(it->valuestring))) {
			rc = fail(err, PROTO_ERR_INTERNAL, NULL, 0, "out of memory");
			goto out;
		}
		out->n++;
	}
	rc = PROTO_ERR_NONE;
out:
	if (rc != PROTO_ERR_NONE)
		proto_words_free(out);
	cJSON_Delete(root);
	return rc;
}
