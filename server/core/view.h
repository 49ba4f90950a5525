/*
 * view.h - whose eyes an object is rendered for.
 *
 * There are exactly three views:
 *
 *   peer    what any participant may see: an anonymous author is nobody.
 *           Events are rendered once in it and shared by every peer socket.
 *   author  the peer view plus what is the reader's own: their own anonymous
 *           posts, threads and questions show them as the author. For every
 *           other object (a reply under their thread, the thread's last
 *           poster) the reader is a peer.
 *   staff   staff of the object's course and global admins: who wrote
 *           what, anonymous or not.
 *
 * A non-staff reader never gets the staff view: being the author of a thread
 * grants nothing over the other posts in it.
 */
#ifndef FORUMD_CORE_VIEW_H
#define FORUMD_CORE_VIEW_H

#include <stdint.h>

#include "forum.h"

struct view {
	int staff;                    /* 1: the staff view */
	int64_t reader;               /* the reader's user id (author view); 0: nobody's (peer view) */
};

/* The peer view, as shared by every participant subscribed to a room. */
struct view view_peer(void);
/* The staff view. */
struct view view_staff(void);
/* The view of one reader: staff if they are staff, else the author view. */
struct view view_of(int staff, int64_t reader);
/* A room's shared view: staff, or the peer view (no reader). */
struct view view_shared(int staff);

/* 1 if the object written by author uid is the reader's own. */
int view_is_own(struct view v, int64_t author_uid);
/* 1 if the view may see who wrote an object by this author. */
int view_sees_author(struct view v, int64_t author_uid, int anonymous);
/*
 * 1 if the view may read the text of a post in this state by this author:
 * a visible post's for everybody; a post hidden by a moderator is for staff
 * and for its author (it is theirs); a deleted post's for nobody, staff
 * included. A post the view may not read still shows, with no text.
 */
int view_sees_body(struct view v, const char *state, int64_t author_uid);

#endif
