// In-app notifications: each cause (a reply in a followed thread, a reply to your post, an
// @mention, your question answered or your post endorsed, a staff announcement) tells each reader
// exactly once, live in their user room and after a reconnect; bursts group; anonymous authors stay
// anonymous; mentions of non-members are plain text; settings and thread mutes are respected; read
// marks; a list of 100,000 costs one page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startDaemon, stopClean } from '../lib/daemon.mjs';
import { LIMITS, assertError } from '../lib/helpers.mjs';
import { forum, ok, read, request, send, subscribe, isEvent, waitEvent } from '../lib/forum.mjs';

let d, f;
before(async () => { d = await startDaemon(); f = forum(d); });
after(async () => { await f.clock.close(); await stopClean(d); });

const notificationsOf = (c) => c.messages.filter((m) => isEvent(m) && m.ev === 'notification');
const list = (c, data = {}) => read(c, 'notification.list', data);

// A socket for user in course (role), following its own user room live.
async function member(user, course, role = 'participant', extra = []) {
  const c = await f.as(user, [`${course}:${role}`, ...extra]);
  await subscribe(c, c.user.room);
  return c;
}

// The next notification event on c's user room that pred accepts.
async function nextNotification(c, pred = () => true) {
  return waitEvent(c, c.user.room, 'notification', (m) => pred(m.data.notification, m));
}

// A round trip through the writer on c: every event of the writes acknowledged before it has
// been published by the time its reply arrives.
const settle = (c) => ok(c, 'notification.read', { ids: [1e12] });

test('a reply, a reply to your post and a mention each tell once; bursts group', async () => {
  const course = d.course({ title: 'Causes' });
  const a = await member('c-a', course);
  const b = await member('c-b', course);
  const c = await member('c-c', course);
  const m = await member('c-m', course);

  const t = await ok(a, 'thread.create', { course, kind: 'discussion', title: 'Causes', body: 'Start' });
  const thread = t.thread.id;

  // b replies: a follows their own thread and is told; b (the replier) is not.
  const r1 = await ok(b, 'post.create', { thread, body: 'First reply' });
  const n1 = (await nextNotification(a)).data;
  assert.equal(n1.notification.kind, 'reply');
  assert.equal(n1.notification.thread, thread);
  assert.equal(n1.notification.title, 'Causes');
  assert.equal(n1.notification.post, r1.post.id);
  assert.equal(n1.notification.count, 1);
  assert.deepEqual(n1.notification.by, { id: 'c-b', name: 'User c-b' });
  assert.equal(n1.notification.read, false);
  assert.equal(n1.unread, 1);

  // c replies to b's post: b is told of a reply to their post (not also of a reply in the
  // thread they follow by replying), a's unread reply notification grows to 2.
  const r2 = await ok(c, 'post.create', { thread, parent: r1.post.id, body: 'To b' });
  const nb = (await nextNotification(b)).data;
  assert.equal(nb.notification.kind, 'reply_to_post');
  assert.equal(nb.notification.post, r2.post.id);
  const grown = (await nextNotification(a, (n) => n.count === 2)).data;
  assert.equal(grown.notification.id, n1.notification.id, 'the burst joins the unread notification');
  assert.equal(grown.unread, 1);

  // A mention of m (a member who does not follow the thread), and of an unknown handle.
  const r3 = await ok(c, 'post.create', { thread, body: 'Look @c-m and @nobody-here, see @c-m.' });
  const nm = (await nextNotification(m)).data;
  assert.equal(nm.notification.kind, 'mention');
  assert.equal(nm.notification.post, r3.post.id);
  assert.equal(r3.post.body, 'Look @c-m and @nobody-here, see @c-m.', 'mentions stay as they were written');
  await nextNotification(a, (n) => n.count === 3);

  for (const s of [a, b, c, m]) await settle(s);
  // Exactly once: a has one notification (3 replies); b one of the reply to their post and one
  // of the later reply in the thread they follow since replying; c none; m one.
  assert.equal(notificationsOf(a).length, 3);
  assert.equal(new Set(notificationsOf(a).map((e) => e.data.notification.id)).size, 1);
  assert.deepEqual(notificationsOf(b).map((e) => [e.data.notification.kind, e.data.notification.post]),
    [['reply_to_post', r2.post.id], ['reply', r3.post.id]]);
  assert.equal(notificationsOf(c).length, 0);
  assert.equal(notificationsOf(m).length, 1);
  const la = await list(a);
  assert.equal(la.notifications.length, 1);
  assert.equal(la.notifications[0].count, 3);
  assert.equal(la.unread, 1);
  assert.equal(la.next_cursor, null);
  assert.deepEqual(la.settings, { reply: true, reply_to_post: true, mention: true, answer: true, announcement: true });
  assert.equal((await list(c)).notifications.length, 0);

  // Read, then a new reply makes a new notification instead of joining the read one.
  const rd = await ok(a, 'notification.read', { ids: [la.notifications[0].id] });
  assert.deepEqual(rd, { read: 1, unread: 0 });
  await ok(b, 'post.create', { thread, body: 'After reading' });
  const fresh = (await nextNotification(a, (n) => n.id !== n1.notification.id)).data;
  assert.equal(fresh.notification.count, 1);
  assert.equal(fresh.unread, 1);
  const later = await list(a);
  assert.deepEqual(later.notifications.map((n) => [n.id, n.read]),
    [[fresh.notification.id, false], [n1.notification.id, true]], 'newest activity first');
});

test('mentions resolve to members of the course only; an anonymous post names nobody', async () => {
  const course = d.course({ title: 'Mentions' });
  const other = d.course({ title: 'Elsewhere' });
  const a = await member('m-a', course);
  const out = await member('m-out', other);             // a user, but not of this course
  const staff = await member('m-staff', course, 'facilitator');
  const t = await ok(a, 'thread.create', { course, kind: 'discussion', title: 'Hi', body: 'Start' });
  const p = await f.as('m-p', [`${course}:participant`]);

  await ok(p, 'post.create', { thread: t.thread.id, body: 'Hey @m-out and @m-staff', anonymous: true });
  const ns = (await nextNotification(staff)).data.notification;
  assert.equal(ns.kind, 'mention');
  assert.equal(ns.by, null, 'an anonymous post names nobody, not even to staff');
  const na = (await nextNotification(a)).data.notification;
  assert.equal(na.kind, 'reply');
  assert.equal(na.by, null);
  assert.doesNotMatch(JSON.stringify(a.messages.filter(isEvent)), /m-p/);
  await settle(out);
  assert.equal(notificationsOf(out).length, 0, 'a mention of a user of another course is plain text');
  assert.equal((await list(out)).notifications.length, 0);
});

test('an endorsement tells the answer\'s author and the asker once; a pinned staff thread is announced once', async () => {
  const course = d.course({ title: 'Answers' });
  const asker = await member('e-asker', course);
  const answerer = await member('e-ans', course);
  const staff = await member('e-staff', course, 'instructor');
  const q = await ok(asker, 'thread.create', { course, kind: 'question', title: 'Why?', body: 'Tell me' });
  const ans = await ok(answerer, 'post.create', { thread: q.thread.id, body: 'Because' });
  await nextNotification(asker, (n) => n.kind === 'reply');

  await ok(staff, 'post.endorse', { post: ans.post.id, endorsed: true });
  const na = (await nextNotification(answerer, (n) => n.kind === 'answer')).data.notification;
  assert.equal(na.post, ans.post.id);
  assert.deepEqual(na.by, { id: 'e-staff', name: 'User e-staff' });
  const nq = (await nextNotification(asker, (n) => n.kind === 'answer')).data.notification;
  assert.equal(nq.post, ans.post.id);
  await ok(staff, 'post.endorse', { post: ans.post.id, endorsed: true });   // already endorsed: nothing new

  const ann = await ok(staff, 'thread.create', { course, kind: 'discussion', title: 'Week 2', body: 'Read chapter 2' });
  await ok(staff, 'thread.pin', { thread: ann.thread.id, pinned: true });
  for (const c of [asker, answerer]) {
    const n = (await nextNotification(c, (x) => x.kind === 'announcement')).data.notification;
    assert.equal(n.thread, ann.thread.id);
    assert.equal(n.title, 'Week 2');
  }
  await ok(staff, 'thread.pin', { thread: ann.thread.id, pinned: false });
  await ok(staff, 'thread.pin', { thread: ann.thread.id, pinned: true });
  // A participant's thread pinned is no announcement.
  const pt = await ok(asker, 'thread.create', { course, kind: 'discussion', title: 'Mine', body: 'x' });
  await ok(staff, 'thread.pin', { thread: pt.thread.id, pinned: true });

  for (const c of [asker, answerer, staff]) await settle(c);
  const kinds = (c) => notificationsOf(c).map((e) => e.data.notification.kind).sort();
  assert.deepEqual(kinds(asker), ['announcement', 'answer', 'reply']);
  assert.deepEqual(kinds(answerer), ['announcement', 'answer']);
  assert.deepEqual(kinds(staff), [], 'the staff member who acted is told of nothing');
});

test('settings and thread mutes are respected', async () => {
  const course = d.course({ title: 'Settings' });
  const a = await member('s-a', course);
  const b = await member('s-b', course);
  const t = await ok(a, 'thread.create', { course, kind: 'discussion', title: 'Quiet', body: 'Start' });
  const thread = t.thread.id;

  assert.deepEqual(await ok(a, 'notification.settings', { reply: false }),
    { settings: { reply: false, reply_to_post: true, mention: true, answer: true, announcement: true } });
  await ok(b, 'post.create', { thread, body: 'Unheard reply' });
  // Still told of a mention with replies off.
  await ok(b, 'post.create', { thread, body: 'But @s-a hears this' });
  assert.equal((await nextNotification(a)).data.notification.kind, 'mention');

  await ok(a, 'notification.settings', { reply: true });
  assert.deepEqual(await ok(a, 'thread.mute', { thread, muted: true }), { thread, muted: true });
  await ok(b, 'post.create', { thread, body: 'Muted reply, even @s-a' });
  await settle(a);
  assert.equal(notificationsOf(a).length, 1, 'nothing from a muted thread');

  await ok(a, 'thread.mute', { thread, muted: false });
  await ok(b, 'post.create', { thread, body: 'Heard again' });
  assert.equal((await nextNotification(a, (n) => n.kind === 'reply')).data.notification.count, 1);
  const l = await list(a);
  assert.equal(l.settings.reply, true);
  assert.equal(l.unread, 2);

  assertError(await send(a, 'thread.mute', { thread: 987654321, muted: true }), 'not_found');
  assertError(await send(a, 'notification.read', {}), 'bad_field', { field: 'ids' });
  const tooMany = Array.from({ length: LIMITS.notification_read_ids_max + 1 }, (_, i) => i + 1);
  assert.equal((await send(a, 'notification.read', { ids: tooMany })).ok, false);
  assertError(await request(a, 'notification.list', { cursor: 'zz' }), 'bad_cursor', { field: 'cursor' });
  assert.deepEqual(await ok(a, 'notification.read_all', {}), { read: 2, unread: 0 });
  assert.equal((await list(a)).unread, 0);
});

test('after a reconnect: the list, and the user room resumed from its seq', async () => {
  const course = d.course({ title: 'Reconnect' });
  let a = await member('r-a', course);
  const b = await member('r-b', course);
  const t = await ok(a, 'thread.create', { course, kind: 'discussion', title: 'Away', body: 'Start' });
  await ok(b, 'post.create', { thread: t.thread.id, body: 'one' });
  const first = await nextNotification(a);
  const seq = first.seq;
  const room = a.user.room;
  await a.close();

  // While a is away: the burst grows, and a mention elsewhere.
  await ok(b, 'post.create', { thread: t.thread.id, body: 'two' });
  const t2 = await ok(b, 'thread.create', { course, kind: 'discussion', title: 'Other', body: 'Hi @r-a' });
  await settle(b);

  a = await f.as('r-a', [`${course}:participant`]);
  const resumed = await subscribe(a, room, { since: seq });
  assert.ok(resumed.seq >= seq + 2, JSON.stringify(resumed));
  const replayed = await waitEvent(a, room, 'notification', (m) => m.data.notification.kind === 'mention');
  assert.equal(replayed.data.notification.thread, t2.thread.id);
  const again = notificationsOf(a).filter((m) => m.data.notification.id === first.data.notification.id);
  assert.equal(again.length, 1, 'the grown notification is replayed once');
  assert.equal(again[0].data.notification.count, 2);

  const l = await list(a);
  assert.deepEqual(l.notifications.map((n) => [n.kind, n.count]), [['mention', 1], ['reply', 2]]);
  assert.equal(l.unread, 2);
});

test('a user with 100,000 notifications opens one page, and pages on by cursor', async () => {
  const course = d.course({ title: 'Many' });
  const a = await member('big-a', course);
  const N = 100000;
  const uid = Number(a.user.room.split(':')[1]);
  execFileSync('sqlite3', [d.dbPath, `PRAGMA busy_timeout = 10000; BEGIN;
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${N})
    INSERT INTO notifications(user_id, rank, course_id, kind, count, created_at, updated_at)
      SELECT ${uid}, i, ${course}, 'reply', 1, i, i FROM k;
    INSERT INTO notify_users(user_id, unread, last_rank) VALUES (${uid}, ${N}, ${N})
      ON CONFLICT(user_id) DO UPDATE SET unread = ${N}, last_rank = ${N};
    COMMIT;`]);

  const p1 = await list(a);
  assert.equal(p1.notifications.length, LIMITS.notification_page_default);
  assert.equal(p1.unread, N);
  assert.equal(p1.notifications[0].updated_at, N, 'newest first');
  assert.ok(p1.next_cursor);
  const p2 = await list(a, { cursor: p1.next_cursor, limit: LIMITS.notification_page_max });
  assert.equal(p2.notifications.length, LIMITS.notification_page_max);
  assert.equal(p2.notifications[0].updated_at, N - LIMITS.notification_page_default);

  // One page is one range of one index, whatever the count: the plan of the list's query.
  const plan = execFileSync('sqlite3', [d.dbPath, `EXPLAIN QUERY PLAN SELECT n.id FROM notifications n
    LEFT JOIN threads t ON t.id = n.thread_id LEFT JOIN users a ON a.id = n.actor_id
    WHERE n.user_id = ${uid} AND n.rank < 50 ORDER BY n.rank DESC LIMIT 21`], { encoding: 'utf8' });
  assert.match(plan, /notifications_by_rank/);
  assert.doesNotMatch(plan, /TEMP B-TREE|SCAN n\b/);

  assert.deepEqual(await ok(a, 'notification.read', { upto: p1.notifications[0].id }), { read: N, unread: 0 });
});

test('course.members offers the course\'s members to mention, by id or name prefix', async () => {
  const course = d.course({ title: 'Members' });
  const other = d.course({ title: 'Other members' });
  const a = await f.as('mb-ana', [`${course}:participant`], { name: 'Ana Lima' });
  await f.as('mb-bruno', [`${course}:facilitator`], { name: 'Bruno' });
  await f.as('mb-anton', [`${other}:participant`], { name: 'Anton' });   // another course
  const all = await read(a, 'course.members', { course });
  assert.deepEqual(all.members, [{ id: 'mb-ana', name: 'Ana Lima' }, { id: 'mb-bruno', name: 'Bruno' }]);
  assert.deepEqual((await read(a, 'course.members', { course, prefix: 'AN' })).members, [{ id: 'mb-ana', name: 'Ana Lima' }]);
  assert.deepEqual((await read(a, 'course.members', { course, prefix: 'mb-b' })).members.map((m) => m.id), ['mb-bruno']);
  assert.deepEqual((await read(a, 'course.members', { course, prefix: '%' })).members, [], '% is only a character');
  assertError(await request(a, 'course.members', { course: other }), 'forbidden');
  // A later token without the course ends the membership: no longer offered, no longer told.
  const left = await member('mb-bruno', other);
  assert.deepEqual((await read(a, 'course.members', { course, prefix: 'mb-b' })).members, []);
  const t = await ok(a, 'thread.create', { course, kind: 'discussion', title: 'Gone', body: 'Hi @mb-bruno' });
  assert.equal(t.post.body, 'Hi @mb-bruno');
  await settle(left);
  assert.equal(notificationsOf(left).length, 0);
  for (let i = 0; i < LIMITS.members_page_max + 2; i++) await f.as(`mb-x${String(i).padStart(2, '0')}`, [`${course}:participant`]);
  assert.equal((await read(a, 'course.members', { course })).members.length, LIMITS.members_page_max);
});
