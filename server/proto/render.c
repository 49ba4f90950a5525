/*
 * render.c - cJSON trees -> shared JSON bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonw.h"
#include "render.h"

/* Prints and frees `root`, returning its bytes as a new msg. */
static struct msg *finish(cJSON *root)
{
	struct msg *m;

	if (!root)
		return NULL;
	m = jsonw_print_msg(root);
	cJSON_Delete(root);
	return m;
}

/* {"re":id,"ok":ok}; NULL on OOM. */
static cJSON *reply_head(const char *id, int ok)
{
	cJSON *root = cJSON_CreateObject();

	if (!root)
		return NULL;
	if (!(id ? cJSON_AddStringToObject(root, "re", id) : cJSON_AddNullToObject(root, "re")) ||
	    !cJSON_AddBoolToObject(root, "ok", ok)) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

struct msg *render_error(const char *id, const struct proto_error *err, int64_t retry_after_ms)
{
	cJSON *root = reply_head(id, 0), *e;

	if (!root)
		return NULL;
	e = cJSON_AddObjectToObject(root, "error");
	if (!e || !cJSON_AddStringToObject(e, "code", proto_errs[err->code].code) ||
	    !cJSON_AddStringToObject(e, "message", err->message))
		goto fail;
	if (err->field[0] && !cJSON_AddStringToObject(e, "field", err->field))
		goto fail;
	if (err->limit && !cJSON_AddNumberToObject(e, "limit", (double)err->limit))
		goto fail;
	if (retry_after_ms > 0 && !cJSON_AddNumberToObject(e, "retry_after_ms", (double)retry_after_ms))
		goto fail;
	return finish(root);
fail:
	cJSON_Delete(root);
	return NULL;
}

struct msg *render_hello_ok(const char *id, const struct identity *who, int64_t uid,
			    const struct render_server_info *srv, int64_t now_ms)
{
	cJSON *root = reply_head(id, 1), *data, *user, *courses, *server;
	char room[32];

	if (!root)
		return NULL;
	if (!(data = cJSON_AddObjectToObject(root, "data")) ||
	    !(user = cJSON_AddObjectToObject(data, "user")) ||
	    !cJSON_AddStringToObject(user, "id", who->user) ||
	    !cJSON_AddStringToObject(user, "name", who->name) ||
	    !cJSON_AddBoolToObject(user, "admin", who->admin) ||
	    (snprintf(room, sizeof(room), "user:%lld", (long long)uid), !cJSON_AddStringToObject(user, "room", room)) ||
	    !(courses = cJSON_AddObjectToObject(user, "courses")))
		goto fail;
	for (size_t i = 0; i < who->ncourses; i++) {
		char key[24];

		snprintf(key, sizeof(key), "%lld", (long long)who->courses[i].course);
		if (!cJSON_AddStringToObject(courses, key, proto_roles[who->courses[i].role]))
			goto fail;
	}
	if (!cJSON_AddNumberToObject(data, "expires_at", (double)who->exp) ||
	    !(server = cJSON_AddObjectToObject(data, "server")) ||
	    !cJSON_AddStringToObject(server, "version", srv->version) ||
	    !cJSON_AddStringToObject(server, "process", srv->process) ||
	    !cJSON_AddNumberToObject(server, "time_ms", (double)now_ms))
		goto fail;
	return finish(root);
fail:
	cJSON_Delete(root);
	return NULL;
}

struct msg *render_ok_int(const char *id, const char *name, int64_t value)
{
	cJSON *root = reply_head(id, 1), *data;

	if (!root)
		return NULL;
	if (!(data = cJSON_AddObjectToObject(root, "data")) ||
	    !cJSON_AddNumberToObject(data, name, (double)value)) {
		cJSON_Delete(root);
		return NULL;
	}
	return finish(root);
}

struct msg *render_health(const struct render_server_info *srv, const char *status,
			  unsigned connections)
{
	cJSON *root = cJSON_CreateObject();

	if (!root)
		return NULL;
	if (!cJSON_AddStringToObject(root, "status", status) ||
	    !cJSON_AddStringToObject(root, "version", srv->version) ||
	    !cJSON_AddStringToObject(root, "process", srv->process) ||
	    !cJSON_AddNumberToObject(root, "connections", connections)) {
		cJSON_Delete(root);
		return NULL;
	}
	return finish(root);
}

struct msg *render_ok_raw(const char *id, const char *data_json)
{
	cJSON *idj = cJSON_CreateString(id);
	char *ids = idj ? jsonw_print(idj, NULL) : NULL;
	struct msg *m = NULL;
	size_t n;

	if (ids) {
		static const char head[] = "{\"re\":", mid[] = ",\"ok\":true,\"data\":";

		n = sizeof(head) - 1 + strlen(ids) + sizeof(mid) - 1 + strlen(data_json) + 1;
		m = msg_new(n);
		if (m)
			snprintf(msg_data(m), n + 1, "%s%s%s%s}", head, ids, mid, data_json);
	}
	free(ids);
	cJSON_Delete(idj);
	return m;
}

struct msg *render_stats(const char *id, const struct render_stats *s)
{
	cJSON *root = id ? reply_head(id, 1) : cJSON_CreateObject(), *o, *st, *ws;

	if (!root)
		return NULL;
	o = id ? cJSON_AddObjectToObject(root, "data") : root;
	if (!o || !(st = cJSON_AddObjectToObject(o, "store")) || !(ws = cJSON_AddObjectToObject(o, "net")) ||
	    !cJSON_AddNumberToObject(st, "jobs", (double)s->jobs) ||
	    !cJSON_AddNumberToObject(st, "writes", (double)s->writes) ||
	    !cJSON_AddNumberToObject(st, "deduped", (double)s->deduped) ||
	    !cJSON_AddNumberToObject(st, "commits", (double)s->commits) ||
	    !cJSON_AddNumberToObject(st, "commit_failures", (double)s->commit_failures) ||
	    !cJSON_AddNumberToObject(st, "batch_max", (double)s->batch_max) ||
	    !cJSON_AddNumberToObject(st, "events", (double)s->events) ||
	    !cJSON_AddNumberToObject(st, "queue", (double)s->write_queue) ||
	    !cJSON_AddNumberToObject(st, "render_failures", (double)s->render_failures) ||
	    !cJSON_AddStringToObject(st, "synchronous", s->synchronous) ||
	    !cJSON_AddNumberToObject(ws, "sockets", s->sockets) ||
	    !cJSON_AddNumberToObject(ws, "queued_bytes", (double)s->queued_bytes) ||
	    !cJSON_AddNumberToObject(ws, "partial_sends", (double)s->partial_sends) ||
	    !cJSON_AddNumberToObject(ws, "rooms", s->rooms) ||
	    !cJSON_AddNumberToObject(ws, "subscriptions", s->subscriptions) ||
	    !cJSON_AddNumberToObject(ws, "events_delivered", (double)s->events_delivered) ||
	    !cJSON_AddNumberToObject(ws, "gaps_filled", (double)s->gaps_filled) ||
	    !cJSON_AddNumberToObject(ws, "invariant_violations", (double)s->invariant_violations) ||
	    !cJSON_AddStringToObject(ws, "bus", s->bus)) {
		cJSON_Delete(root);
		return NULL;
	}
	return finish(root);
}

struct msg *render_unsubscribed(const char *id, const char *room)
{
	cJSON *root = reply_head(id, 1), *data;

	if (!root)
		return NULL;
	if (!(data = cJSON_AddObjectToObject(root, "data")) || !cJSON_AddStringToObject(data, "room", room) ||
	    !cJSON_AddBoolToObject(data, "following", 0)) {
		cJSON_Delete(root);
		return NULL;
	}
	return finish(root);
}

struct msg *render_subscription_ended(const char *room, const char *reason)
{
	cJSON *root = cJSON_CreateObject(), *data;

	if (!root)
		return NULL;
	if (!cJSON_AddStringToObject(root, "ev", "subscription.ended") || !cJSON_AddStringToObject(root, "room", room) ||
	    !(data = cJSON_AddObjectToObject(root, "data")) || !cJSON_AddStringToObject(data, "reason", reason)) {
		cJSON_Delete(root);
		return NULL;
	}
	return finish(root);
}

struct msg *render_ok_named(const char *id, const char *name, int64_t count)
{
	cJSON *root = reply_head(id, 1), *data;

	if (!root)
		return NULL;
	if (!(data = cJSON_AddObjectToObject(root, "data")) || !cJSON_AddStringToObject(data, "name", name) ||
	    !cJSON_AddNumberToObject(data, "count", (double)count)) {
		cJSON_Delete(root);
		return NULL;
	}
	return finish(root);
}
