/*
 * render_notify.h - notifications as JSON: the notification event, the
 * notification.list reply and the notify ops' results.
 *
 * Every function returns a new msg or a malloc'd string the caller owns
 * (msg_unref / free), or NULL when memory ran out.
 */
#ifndef FORUMD_PROTO_RENDER_NOTIFY_H
#define FORUMD_PROTO_RENDER_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "core/notify.h"
#include "msg.h"

/* {"ev":"notification","room":room,"seq":seq,"data":{"notification":{…},"unread":n}} */
struct msg *render_event_notification(const char *room, int64_t seq, const struct notify_item *n, int64_t unread);

/* Adds one notification to a list (render_list_new); 0, or -1 on OOM. */
struct render_list;
int render_list_add_notification(struct render_list *l, const struct notify_item *n);

/* The notification.list reply, taking l: {"notifications":[…],"unread":n,
 * "settings":{kind:bool…},"next_cursor":cursor|null}. */
struct msg *render_notification_list(const char *id, struct render_list *l, int64_t unread, unsigned wants,
				     const char *next_cursor);

/* course.members: adds {id, name} to a list; 0, or -1 on OOM. The reply
 * {"course":course,"members":[…]} takes l. */
int render_list_add_member(struct render_list *l, const char *ext_id, const char *name);
struct msg *render_members_reply(const char *id, int64_t course, struct render_list *l);

/* notification.read / read_all: {"read":changed,"unread":n}. */
char *render_result_notify_read(int64_t changed, int64_t unread);

/* notification.settings: {"settings":{kind:bool…}}. */
char *render_result_notify_settings(unsigned wants);

/* thread.mute: {"thread":id,"muted":bool}. */
char *render_result_thread_mute(int64_t thread, int muted);

#endif
