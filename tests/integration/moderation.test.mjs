// Moderation over real WebSockets: each staff action as a participant sees it live, flags and the
// audit log as staff see them, mutes, post history; a leak audit of everything that reached the
// participants' sockets; the abuse limits at their edges, across a restart; sockets per user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startDaemon } from '../lib/daemon.mjs';
import { connect } from '../lib/client.mjs';
import { LIMITS, assertError, closedWithin, sleep } from '../lib/helpers.mjs';
import {
  DAY, WAIT, forum, request, send, ok, read, subscribe, snapshot, postIn, waitEvent, waitState,
  isEvent, eventsOf, noticesOf,
} from '../lib/forum.mjs';

// The defaults of --limits (PROTOCOL.md, Abuse limits).
const LIMITS_DEFAULT = { post_interval_s: 5, threads_per_day: 20, flags_per_day: 20, votes_per_day: 500, edits_per_day: 200 };

let d, f;
before(async () => { d = await startDaemon(); f = forum(d); });
after(async () => {
  if (f) await f.clock.close();
  if (d) assert.equal(await d.stop(), 0, 'forumd exit code');
});

// A participant, a second participant and a facilitator in a new course.
async function cast(tag, { extra = [] } = {}) {
  const course = d.course({ title: `Moderation ${tag}` });
  const p = (id) => f.as(`${tag}-${id}`, [`${course}:participant`]);
  const people = {
    course,
    author: await p('author'),
    peer: await p('peer'),
    staff: await f.as(`${tag}-staff`, [`${course}:facilitator`]),
  };
  for (const id of extra) people[id] = await p(id);
  return people;
}

const closeAll = async (...cs) => { for (const c of cs) await c.close(); };
const listIds = async (c, course, sort) => (await read(c, 'thread.list', { course, sort, limit: 100 })).threads;
const noticeOf = (c, kind, pred = () => true) =>
  waitEvent(c, c.user.room, 'notice', (m) => m.data.notice.kind === kind && pred(m.data.notice));

test('hide, restore, remove: the peer view live, and a notice to the author', async () => {
  const { course, author, peer, staff } = await cast('hrr');
  const t = await ok(author, 'thread.create', { course, kind: 'discussion', title: 'Hide me', body: 'opening' });
  const thread = t.thread.id;
  const room = `thread:${thread}`;
  const text = 'An answer staff will hide';
  const post = (await ok(author, 'post.create', { thread, body: text })).post.id;
  await subscribe(peer, room);
  await subscribe(staff, room);
  await subscribe(author, author.user.room);

  // Hide: peers get body null, staff keep the text, the author is told why.
  const hid = (await ok(staff, 'post.hide', { post, reason: 'Off topic, sorry' })).post;
  assert.equal(hid.state, 'hidden');
  assert.equal(hid.body, text, 'the reply is in the staff view');
  const pe = await waitEvent(peer, room, 'post.hidden', (m) => m.data.post.id === post);
  assert.equal(pe.data.post.state, 'hidden');
  assert.equal(pe.data.post.body, null);
  const se = await waitEvent(staff, room, 'post.hidden', (m) => m.data.post.id === post);
  assert.equal(se.data.post.body, text);
  const n1 = (await noticeOf(author, 'post_hidden')).data.notice;
  assert.ok(Number.isInteger(n1.created_at));
  assert.deepEqual({ ...n1, created_at: 0 },
    { kind: 'post_hidden', course, post, reason: 'Off topic, sorry', created_at: 0 });
  const ps = await postIn(peer, thread, post);
  assert.equal(ps.state, 'hidden');
  assert.equal(ps.body, null);
  assertError(await send(author, 'post.edit', { post, body: 'sneaky' }), 'forbidden');
  assertError(await send(peer, 'post.vote', { post, up: true }), 'not_found');
  assertError(await send(staff, 'post.hide', { post, reason: 'again' }), 'bad_field', { field: 'post' });

  // Restore: the text is back for everyone.
  assert.equal((await ok(staff, 'post.restore', { post })).post.state, 'visible');
  const re = await waitEvent(peer, room, 'post.restored', (m) => m.data.post.id === post);
  assert.equal(re.data.post.state, 'visible');
  assert.equal(re.data.post.body, text);
  const n2 = (await noticeOf(author, 'post_restored')).data.notice;
  assert.equal(n2.post, post);
  assert.equal(n2.course, course);
  assert.equal('reason' in n2, false, 'a restore has no reason');
  assertError(await send(staff, 'post.restore', { post }), 'bad_field', { field: 'post' });

  // Remove: deleted for everyone, with the reason to the author only.
  assertError(await send(staff, 'post.remove', { post, reason: '  ' }), 'bad_field', { field: 'reason' });
  const rm = (await ok(staff, 'post.remove', { post, reason: 'Personal data' })).post;
  assert.equal(rm.state, 'deleted');
  assert.equal(rm.body, null);
  const de = await waitEvent(peer, room, 'post.deleted', (m) => m.data.post.id === post);
  assert.equal(de.data.post.state, 'deleted');
  assert.equal(de.data.post.body, null);
  const n3 = (await noticeOf(author, 'post_removed')).data.notice;
  assert.equal(n3.reason, 'Personal data');
  assert.equal(n3.post, post);
  assert.equal((await listIds(peer, course)).find((x) => x.id === thread).reply_count, 0);
  assertError(await send(staff, 'post.remove', { post, reason: 'twice' }), 'not_found');

  // Removing the opening post takes the thread away.
  await subscribe(peer, `course:${course}`);
  await ok(staff, 'post.remove', { post: t.post.id, reason: 'Whole thread off topic' });
  const tu = await waitEvent(peer, `course:${course}`, 'thread.updated', (m) => m.data.thread.id === thread);
  assert.equal(tu.data.thread.state, 'deleted');
  assert.equal((await listIds(peer, course)).some((x) => x.id === thread), false);
  await noticeOf(author, 'post_removed', (n) => n.post === t.post.id);

  assert.deepEqual(noticesOf(author).map((m) => m.data.notice.kind),
    ['post_hidden', 'post_restored', 'post_removed', 'post_removed']);
  assert.deepEqual(noticesOf(peer), [], 'notices go to the author only');
  await closeAll(author, peer, staff);
});

test('endorse: live on the thread, answered, and the thread leaves "unanswered"', async () => {
  const { course, author, peer, staff } = await cast('end');
  const q = await ok(author, 'thread.create', { course, kind: 'question', title: 'How?', body: 'How does it work?' });
  const other = await ok(author, 'thread.create', { course, kind: 'question', title: 'Other', body: '?' });
  const thread = q.thread.id;
  const room = `thread:${thread}`;
  const croom = `course:${course}`;
  const answer = (await ok(peer, 'post.create', { thread, body: 'Like this' })).post.id;
  const reply = (await ok(author, 'post.create', { thread, parent: answer, body: 'Thanks' })).post.id;
  await subscribe(peer, room);
  await subscribe(peer, croom);
  assert.deepEqual((await listIds(peer, course, 'unanswered')).map((x) => x.id), [other.thread.id, thread]);

  const e = (await ok(staff, 'post.endorse', { post: answer, endorsed: true })).post;
  assert.equal(e.endorsed, true);
  const ev = await waitEvent(peer, room, 'post.endorsed', (m) => m.data.post.id === answer);
  assert.equal(ev.data.post.endorsed, true);
  await waitState(peer, croom, 'thread.stats', (m) => m.data.thread === thread && m.data.answered === true);
  assert.deepEqual((await listIds(peer, course, 'unanswered')).map((x) => x.id), [other.thread.id]);
  assert.equal((await listIds(peer, course)).find((x) => x.id === thread).answered, true);
  assert.equal((await snapshot(peer, thread)).thread.answered, true);

  // Taken back: unanswered again.
  await ok(staff, 'post.endorse', { post: answer, endorsed: false });
  await waitEvent(peer, room, 'post.endorsed', (m) => m.data.post.id === answer && m.data.post.endorsed === false);
  await waitState(peer, croom, 'thread.stats', (m) => m.data.thread === thread && m.data.answered === false);
  assert.deepEqual((await listIds(peer, course, 'unanswered')).map((x) => x.id), [other.thread.id, thread]);

  // Only a response in a question thread.
  assertError(await send(staff, 'post.endorse', { post: q.post.id, endorsed: true }), 'bad_field', { field: 'post' });
  assertError(await send(staff, 'post.endorse', { post: reply, endorsed: true }), 'bad_field', { field: 'post' });
  const talk = await ok(author, 'thread.create', { course, kind: 'discussion', title: 'Talk', body: 'hi' });
  const inTalk = (await ok(peer, 'post.create', { thread: talk.thread.id, body: 'hello' })).post.id;
  assertError(await send(staff, 'post.endorse', { post: inTalk, endorsed: true }), 'bad_field', { field: 'post' });
  await closeAll(author, peer, staff);
});

test('lock: thread.updated in both rooms, participants refused, staff still post', async () => {
  const { course, author, peer, staff } = await cast('lock');
  const t = await ok(author, 'thread.create', { course, kind: 'discussion', title: 'Heated', body: 'opening' });
  const thread = t.thread.id;
  const mine = (await ok(peer, 'post.create', { thread, body: 'my two cents' })).post.id;
  const room = `thread:${thread}`;
  const croom = `course:${course}`;
  await subscribe(peer, room);
  await subscribe(peer, croom);

  assert.equal((await ok(staff, 'thread.lock', { thread, locked: true })).thread.locked, true);
  for (const r of [room, croom]) {
    const ev = await waitEvent(peer, r, 'thread.updated', (m) => m.data.thread.id === thread);
    assert.equal(ev.data.thread.locked, true, r);
  }
  assertError(await send(peer, 'post.create', { thread, body: 'let me in' }), 'thread_locked');
  assertError(await send(peer, 'post.edit', { post: mine, body: 'changed' }), 'thread_locked');
  assertError(await send(peer, 'post.delete', { post: mine }), 'thread_locked');
  const staffPost = (await ok(staff, 'post.create', { thread, body: 'Locked: please see the FAQ' })).post;
  await waitEvent(peer, room, 'post.created', (m) => m.data.post.id === staffPost.id);
  // Votes and flags do not follow locks.
  assert.equal((await ok(peer, 'post.vote', { post: t.post.id, up: true })).votes, 1);
  assert.equal((await ok(peer, 'post.flag', { post: staffPost.id, reason: 'unfair' })).flag.state, 'open');
  assert.equal((await snapshot(peer, thread)).thread.locked, true);

  await ok(staff, 'thread.lock', { thread, locked: false });
  await waitEvent(peer, croom, 'thread.updated', (m) => m.data.thread.id === thread && m.data.thread.locked === false);
  await ok(peer, 'post.create', { thread, body: 'thanks for unlocking' });
  await closeAll(author, peer, staff);
});

test('pin: the pinned thread is listed first, live on the course room', async () => {
  const { course, author, peer, staff } = await cast('pin');
  const ids = [];
  for (const title of ['Oldest', 'Middle', 'Newest']) {
    ids.push((await ok(author, 'thread.create', { course, kind: 'discussion', title, body: 'b' })).thread.id);
  }
  const croom = `course:${course}`;
  await subscribe(peer, croom);
  assert.deepEqual((await listIds(peer, course)).map((x) => x.id), [...ids].reverse());

  assert.equal((await ok(staff, 'thread.pin', { thread: ids[0], pinned: true })).thread.pinned, true);
  const ev = await waitEvent(peer, croom, 'thread.updated', (m) => m.data.thread.id === ids[0]);
  assert.equal(ev.data.thread.pinned, true);
  const later = (await ok(author, 'thread.create', { course, kind: 'discussion', title: 'Latest', body: 'b' })).thread.id;
  const pinned = await listIds(peer, course);
  assert.deepEqual(pinned.map((x) => x.id), [ids[0], later, ids[2], ids[1]]);
  assert.deepEqual(pinned.map((x) => x.pinned), [true, false, false, false]);

  await ok(staff, 'thread.pin', { thread: ids[0], pinned: false });
  await waitEvent(peer, croom, 'thread.updated', (m) => m.data.thread.id === ids[0] && m.data.thread.pinned === false);
  assert.deepEqual((await listIds(peer, course)).map((x) => x.id), [later, ids[2], ids[1], ids[0]]);
  await closeAll(author, peer, staff);
});

test('mute: a notice with until and reason, writes refused with retry_after_ms, unmute', async () => {
  const { course, author, peer, staff } = await cast('mute');
  const fac2 = await f.as('mute-fac2', [`${course}:facilitator`]);
  const t = await ok(author, 'thread.create', { course, kind: 'discussion', title: 'Talk', body: 'opening' });
  const thread = t.thread.id;
  const mine = (await ok(peer, 'post.create', { thread, body: 'before the mute' })).post.id;
  await subscribe(peer, peer.user.room);
  await subscribe(author, author.user.room);

  const before = await f.clock.now();
  const m = (await ok(staff, 'user.mute', { course, user: peer.user.id, minutes: 10, reason: 'Please cool down' })).mute;
  const after = await f.clock.now();
  assert.equal(m.course, course);
  assert.deepEqual(m.user, { id: peer.user.id, name: peer.user.name });
  assert.equal(m.reason, 'Please cool down');
  assert.ok(m.until >= Math.floor(before / 1000) + 600 && m.until <= Math.ceil(after / 1000) + 600, `until ${m.until}`);
  const n = (await noticeOf(peer, 'muted')).data.notice;
  assert.equal(n.until, m.until);
  assert.equal(n.reason, 'Please cool down');
  assert.equal(n.course, course);
  assert.equal('post' in n, false);

  const muted = (r) => {
    assertError(r, 'muted');
    assert.ok(r.error.retry_after_ms > 0 && r.error.retry_after_ms <= 600 * 1000, JSON.stringify(r));
  };
  muted(await send(peer, 'post.create', { thread, body: 'can I?' }));
  muted(await send(peer, 'thread.create', { course, kind: 'discussion', title: 'New', body: 'b' }));
  muted(await send(peer, 'post.vote', { post: t.post.id, up: true }));
  muted(await send(peer, 'post.edit', { post: mine, body: 'edited' }));
  muted(await send(peer, 'post.delete', { post: mine }));
  // Following and flagging still work while muted (PROTOCOL.md, user.mute).
  assert.equal((await ok(peer, 'thread.follow', { thread, follow: true })).following, true);
  assert.equal((await ok(peer, 'post.flag', { post: t.post.id, reason: 'I can still flag' })).flag.state, 'open');
  // Reading works; others write on.
  assert.equal((await snapshot(peer, thread)).posts.length, 2);
  await ok(author, 'post.create', { thread, body: 'not muted' });
  assert.deepEqual(noticesOf(author), [], 'the mute notice is for the muted user only');

  // Staff are never muted; nobody mutes themselves; the user must exist.
  assert.equal((await ok(staff, 'user.mute', { course, user: fac2.user.id, minutes: 5, reason: 'test' })).mute.user.id, fac2.user.id);
  await ok(fac2, 'post.create', { thread, body: 'staff speak on' });
  assertError(await send(staff, 'user.mute', { course, user: staff.user.id, minutes: 5, reason: 'me' }), 'forbidden', { field: 'user' });
  assertError(await send(staff, 'user.mute', { course, user: 'never-seen', minutes: 5, reason: 'who' }), 'not_found', { field: 'user' });
  assertError(await send(staff, 'user.mute', { course, user: peer.user.id, minutes: 0, reason: 'x' }), 'bad_field', { field: 'minutes' });
  assertError(await send(staff, 'user.mute', { course, user: peer.user.id, minutes: 5, reason: ' ' }), 'bad_field', { field: 'reason' });

  // Unmute: told, and writing works again.
  assert.deepEqual(await ok(staff, 'user.unmute', { course, user: peer.user.id }), { mute: null });
  const un = (await noticeOf(peer, 'unmuted')).data.notice;
  assert.equal(un.course, course);
  assert.equal('until' in un, false);
  await ok(peer, 'post.create', { thread, body: 'back again' });

  // A mute ends by itself when its time is up (the server clock decides).
  await ok(staff, 'user.mute', { course, user: peer.user.id, minutes: 1, reason: 'one minute' });
  muted(await send(peer, 'post.create', { thread, body: 'still muted' }));
  try {
    await f.clock.advance(61);
    await ok(peer, 'post.create', { thread, body: 'the minute is over' });
  } finally {
    await f.clock.advance(-61);
  }
  await noticeOf(peer, 'muted', (x) => x.reason === 'one minute');
  assert.deepEqual(noticesOf(peer).map((x) => x.data.notice.kind), ['muted', 'unmuted', 'muted']);
  await closeAll(author, peer, staff, fac2);
});

test('flags: to the staff room only, the queue, dismiss, hide and remove resolve them', async () => {
  const { course, author, peer, staff, watcher } = await cast('flag', { extra: ['watcher'] });
  const t = await ok(author, 'thread.create', { course, kind: 'discussion', title: 'Flag me', body: 'opening' });
  const thread = t.thread.id;
  const posts = [];
  for (let i = 0; i < 3; i++) posts.push((await ok(author, 'post.create', { thread, body: `post ${i}` })).post.id);
  const sroom = `staff:${course}`;
  for (const c of [peer, watcher]) {
    await subscribe(c, `thread:${thread}`);
    await subscribe(c, `course:${course}`);
    await subscribe(c, c.user.room);
  }
  await subscribe(staff, sroom);
  assertError(await request(peer, 'subscribe', { room: sroom }), 'forbidden');

  const flag = (await ok(peer, 'post.flag', { post: posts[0], reason: 'Copied from a website' })).flag;
  assert.equal(flag.state, 'open');
  assert.equal(flag.course, course);
  assert.equal(flag.reason, 'Copied from a website');
  assert.deepEqual(flag.flagger, { id: peer.user.id, name: peer.user.name });
  assert.ok(Number.isInteger(flag.created_at));
  assert.equal('post' in flag, false);
  const ev = await waitEvent(staff, sroom, 'flag.created', (m) => m.data.flag.id === flag.id);
  assert.equal(ev.data.flag.post.id, posts[0]);
  assert.equal(ev.data.flag.post.body, 'post 0');
  assert.deepEqual(ev.data.flag.thread, { id: thread, title: 'Flag me' });

  const queue = (await read(staff, 'flag.list', { course })).flags;
  assert.deepEqual(queue.map((x) => x.id), [flag.id]);
  assert.equal(queue[0].reason, 'Copied from a website');
  assert.deepEqual(queue[0].thread, { id: thread, title: 'Flag me' });
  assert.equal(queue[0].post.id, posts[0]);
  // Flagging again answers with the first flag; your own post is not yours to flag.
  assert.equal((await ok(peer, 'post.flag', { post: posts[0], reason: 'again' })).flag.id, flag.id);
  assertError(await send(author, 'post.flag', { post: posts[0], reason: 'mine' }), 'forbidden', { field: 'post' });
  assertError(await send(peer, 'post.flag', { post: posts[0], reason: ' ' }), 'bad_field', { field: 'reason' });

  // Dismiss.
  const dis = (await ok(staff, 'flag.dismiss', { flag: flag.id })).flag;
  assert.equal(dis.state, 'dismissed');
  const res = await waitEvent(staff, sroom, 'flag.resolved', (m) => m.data.flag.id === flag.id);
  assert.equal(res.data.flag.state, 'dismissed');
  assert.deepEqual((await read(staff, 'flag.list', { course })).flags, []);
  const audits = (await read(staff, 'audit.list', { course })).entries.length;
  assert.equal((await ok(staff, 'flag.dismiss', { flag: flag.id })).flag.state, 'dismissed');
  assert.equal((await read(staff, 'audit.list', { course })).entries.length, audits, 'no second audit entry');
  assertError(await send(staff, 'flag.dismiss', { flag: 987654 }), 'not_found', { field: 'flag' });

  // Hiding a flagged post resolves its open flags; so does removing one.
  const f1 = (await ok(peer, 'post.flag', { post: posts[1], reason: 'rude' })).flag.id;
  const f2 = (await ok(watcher, 'post.flag', { post: posts[1], reason: 'very rude' })).flag.id;
  const f3 = (await ok(peer, 'post.flag', { post: posts[2], reason: 'spam' })).flag.id;
  assert.deepEqual((await read(staff, 'flag.list', { course })).flags.map((x) => x.id), [f3, f2, f1], 'newest first');
  await ok(staff, 'post.hide', { post: posts[1], reason: 'rude indeed' });
  for (const id of [f1, f2]) {
    const r = await waitEvent(staff, sroom, 'flag.resolved', (m) => m.data.flag.id === id);
    assert.equal(r.data.flag.state, 'resolved');
  }
  assert.deepEqual((await read(staff, 'flag.list', { course })).flags.map((x) => x.id), [f3]);
  await ok(staff, 'post.remove', { post: posts[2], reason: 'spam indeed' });
  assert.equal((await waitEvent(staff, sroom, 'flag.resolved', (m) => m.data.flag.id === f3)).data.flag.state, 'resolved');
  assert.deepEqual((await read(staff, 'flag.list', { course })).flags, []);

  // None of it reached the participants' rooms.
  await sleep(200);
  for (const c of [peer, watcher]) {
    const bad = c.messages.filter((m) => isEvent(m) && (/^(flag|audit)\./.test(m.ev) || m.room.startsWith('staff:')));
    assert.deepEqual(bad, [], `staff events on ${c.user.id}'s socket`);
    assert.ok(eventsOf(c, `thread:${thread}`).some((m) => m.ev === 'post.hidden'), 'the public effect did arrive');
  }
  await closeAll(author, peer, staff, watcher);
});

test('audit.list: every action, newest first, by action, paged with a cursor', async () => {
  const { course, author, peer, staff } = await cast('aud');
  const ins = await f.as('aud-ins', [`${course}:instructor`]);
  const sroom = `staff:${course}`;
  await subscribe(ins, sroom);
  const q = await ok(author, 'thread.create', { course, kind: 'question', title: 'Audited', body: 'opening' });
  const thread = q.thread.id;
  const p1 = (await ok(peer, 'post.create', { thread, body: 'one' })).post.id;
  const p2 = (await ok(peer, 'post.create', { thread, body: 'two' })).post.id;
  const p3 = (await ok(peer, 'post.create', { thread, body: 'three' })).post.id;
  // (A flag on p2: the hide of p1 below would resolve a flag on p1 before its dismissal.)
  const flag = (await ok(author, 'post.flag', { post: p2, reason: 'check this' })).flag.id;
  const peerUid = Number(peer.user.room.split(':')[1]);

  const steps = [
    [staff, 'post.hide', { post: p1, reason: 'reason one' }, 'post.hide', 'post', p1, 'reason one'],
    [staff, 'post.restore', { post: p1 }, 'post.restore', 'post', p1, null],
    [ins, 'thread.lock', { thread, locked: true }, 'thread.lock', 'thread', thread, null],
    [ins, 'thread.lock', { thread, locked: false }, 'thread.unlock', 'thread', thread, null],
    [staff, 'thread.pin', { thread, pinned: true }, 'thread.pin', 'thread', thread, null],
    [staff, 'post.endorse', { post: p1, endorsed: true }, 'post.endorse', 'post', p1, null],
    [staff, 'post.endorse', { post: p1, endorsed: false }, 'post.unendorse', 'post', p1, null],
    [ins, 'user.mute', { course, user: peer.user.id, minutes: 5, reason: 'reason mute' }, 'user.mute', 'user', peerUid, 'reason mute'],
    [ins, 'user.unmute', { course, user: peer.user.id }, 'user.unmute', 'user', peerUid, null],
    [staff, 'flag.dismiss', { flag }, 'flag.dismiss', 'flag', flag, null],
    [staff, 'post.hide', { post: p2, reason: 'reason two' }, 'post.hide', 'post', p2, 'reason two'],
    [staff, 'post.remove', { post: p3, reason: 'reason three' }, 'post.remove', 'post', p3, 'reason three'],
    [staff, 'thread.pin', { thread, pinned: false }, 'thread.unpin', 'thread', thread, null],
    [ins, 'post.hide', { post: p1, reason: 'reason four' }, 'post.hide', 'post', p1, 'reason four'],
  ];
  for (const [c, op, data] of steps) await ok(c, op, data);

  const all = await read(staff, 'audit.list', { course });
  assert.equal(all.next_cursor, null);
  const expected = [...steps].reverse();
  assert.deepEqual(all.entries.map((e) => e.action), expected.map((s) => s[3]), 'newest first');
  all.entries.forEach((e, i) => {
    const [c, , , action, kind, id, reason] = expected[i];
    assert.equal(e.course, course);
    assert.deepEqual(e.actor, { id: c.user.id, name: c.user.name }, action);
    assert.equal(e.subject.kind, kind, action);
    assert.equal(e.subject.id, id, action);
    if (kind === 'user') assert.equal(e.subject.user, peer.user.id);
    assert.equal(e.reason, reason, action);
    assert.ok(Number.isInteger(e.created_at));
    if (i > 0) assert.ok(e.id < all.entries[i - 1].id, 'ids fall');
  });

  // The staff room saw the same entries, as they happened.
  await waitEvent(ins, sroom, 'audit.created', (m) => m.data.entry.id === all.entries[0].id);
  const live = eventsOf(ins, sroom).filter((m) => m.ev === 'audit.created').map((m) => m.data.entry);
  assert.deepEqual(live.map((e) => e.id), all.entries.map((e) => e.id).reverse());
  assert.deepEqual(live.at(-1), all.entries[0]);

  // Paged: every entry once, in order.
  const pages = [];
  let cursor = null;
  do {
    const page = await read(staff, 'audit.list', { course, limit: 5, ...(cursor ? { cursor } : {}) });
    pages.push(page.entries);
    cursor = page.next_cursor;
    assert.ok(pages.length <= 4, 'paging ends');
  } while (cursor);
  assert.deepEqual(pages.map((p) => p.length), [5, 5, 4]);
  assert.deepEqual(pages.flat(), all.entries);

  // By action, paged too.
  const hides = all.entries.filter((e) => e.action === 'post.hide');
  assert.equal(hides.length, 3);
  const h1 = await read(staff, 'audit.list', { course, action: 'post.hide', limit: 2 });
  assert.deepEqual(h1.entries, hides.slice(0, 2));
  assert.ok(h1.next_cursor);
  const h2 = await read(staff, 'audit.list', { course, action: 'post.hide', limit: 2, cursor: h1.next_cursor });
  assert.deepEqual(h2.entries, hides.slice(2));
  assert.equal(h2.next_cursor, null);
  assert.deepEqual((await read(staff, 'audit.list', { course, action: 'user.mute' })).entries.map((e) => e.reason), ['reason mute']);
  assert.deepEqual((await read(staff, 'audit.list', { course, action: 'no.such' })).entries, []);

  assertError(await request(staff, 'audit.list', { course, cursor: 'garbage' }), 'bad_cursor', { field: 'cursor' });
  assertError(await request(staff, 'audit.list', { course, limit: 0 }), 'bad_field', { field: 'limit' });
  assertError(await request(staff, 'audit.list', { course, limit: LIMITS.audit_page_max + 1 }), 'bad_field', { field: 'limit' });
  assertError(await request(staff, 'audit.list', { course: 987654 }), 'not_found');
  assertError(await request(peer, 'audit.list', { course }), 'forbidden');
  await closeAll(author, peer, staff, ins);
});

test('post.history: revisions after edits, for staff only', async () => {
  const { course, author, peer, staff } = await cast('hist');
  const t = await ok(author, 'thread.create', { course, kind: 'discussion', title: 'History', body: 'opening' });
  const post = (await ok(author, 'post.create', { thread: t.thread.id, body: 'v1', anonymous: true })).post.id;
  await ok(author, 'post.edit', { post, body: 'v2' });
  await ok(author, 'post.edit', { post, body: 'v3' });
  await ok(author, 'post.edit', { post, body: 'v3' });   // unchanged: no revision

  const h = await read(staff, 'post.history', { post });
  assert.equal(h.post, post);
  assert.deepEqual(h.revisions.map((r) => [r.revision, r.body]), [[1, 'v1'], [2, 'v2'], [3, 'v3']]);
  for (const r of h.revisions) {
    assert.deepEqual(r.edited_by, { id: author.user.id, name: author.user.name }, 'staff see who, anonymous or not');
    assert.ok(Number.isInteger(r.edited_at));
  }
  assert.ok(h.revisions[0].edited_at <= h.revisions[1].edited_at && h.revisions[1].edited_at <= h.revisions[2].edited_at);
  assert.equal((await postIn(staff, t.thread.id, post)).revision, 3);

  assertError(await request(author, 'post.history', { post }), 'forbidden');
  assertError(await request(peer, 'post.history', { post }), 'forbidden');
  assertError(await request(staff, 'post.history', { post: 987654 }), 'not_found', { field: 'post' });
  // Deleted posts keep their history for staff.
  await ok(staff, 'post.remove', { post, reason: 'gone' });
  assert.equal((await read(staff, 'post.history', { post })).revisions.length, 3);
  await closeAll(author, peer, staff);
});

test('leak audit: staff-only facts never reach a participant socket, live or replayed', async () => {
  const course = d.course({ title: 'Leak audit' });
  const SID = 'zq9sentinel';
  const SNAME = 'Zq9Sentinel Xv';
  const R = {
    flagP1: 'Qx7FlagReasonAlpha', flagP2: 'Qx7FlagReasonBeta', flagS: 'Qx7FlagReasonGamma',
    hideS: 'Qx7HideReasonS', removeS: 'Qx7RemoveReasonS', muteS: 'Qx7MuteReasonS',
    muteP2: 'Qx7MuteReasonP2', hideP2: 'Qx7HideReasonP2',
  };
  const HIDDEN = 'Qx7HiddenBodyText';
  const sen = await f.as(SID, [`${course}:participant`], { name: SNAME });
  const p1 = await f.as('leak-p1', [`${course}:participant`]);
  const p2 = await f.as('leak-p2', [`${course}:participant`]);
  const fac = await f.as('leak-fac', [`${course}:facilitator`]);
  const ins = await f.as('leak-ins', [`${course}:instructor`]);
  const peers = [p1, p2];
  const everyone = [sen, p1, p2, fac, ins];
  const croom = `course:${course}`;
  const sroom = `staff:${course}`;
  for (const c of everyone) {
    await subscribe(c, croom);
    await subscribe(c, c.user.room);
  }
  for (const c of [fac, ins]) await subscribe(c, sroom);
  const follow = async (thread) => { for (const c of everyone) await subscribe(c, `thread:${thread}`); };
  const own = new Map(peers.map((c) => [c, new Set()]));   // ids of a peer's own flag requests
  const flagAs = async (c, post, reason) => {
    const r = await send(c, 'post.flag', { post, reason });
    assert.equal(r.ok, true, JSON.stringify(r));
    own.get(c)?.add(r.re);
    return r.data.flag.id;
  };

  // The sentinel writes only anonymously.
  const anon = { anonymous: true };
  const t1 = await ok(sen, 'thread.create', { course, kind: 'question', title: 'Shy question', body: 'Anon opening', ...anon });
  const th1 = t1.thread.id;
  await follow(th1);
  const s1 = (await ok(sen, 'post.create', { thread: th1, body: 'Anon reply one', ...anon })).post.id;
  const s2 = (await ok(sen, 'post.create', { thread: th1, body: HIDDEN, ...anon })).post.id;
  const s3 = (await ok(sen, 'post.create', { thread: th1, body: 'Anon to be removed', ...anon })).post.id;
  const r1 = (await ok(p1, 'post.create', { thread: th1, body: 'P1 answers' })).post.id;
  const r2 = (await ok(p2, 'post.create', { thread: th1, body: 'P2 comments' })).post.id;
  await ok(sen, 'post.edit', { post: s1, body: 'Anon reply one, edited' });
  await ok(sen, 'post.vote', { post: r1, up: true });
  await ok(sen, 'post.create', { thread: th1, parent: r1, body: 'Anon thanks', ...anon });
  await ok(sen, 'thread.follow', { thread: th1, follow: true });
  const t2 = await ok(sen, 'thread.create', { course, kind: 'discussion', title: 'Anon talk', body: 'Anon talk opening', ...anon });
  await follow(t2.thread.id);
  await ok(p1, 'post.create', { thread: t2.thread.id, body: 'P1 talks' });
  await ok(sen, 'post.create', { thread: t2.thread.id, body: 'Anon has the last word', ...anon });

  // Flags, by peers and by the sentinel.
  const fl1 = await flagAs(p1, s1, R.flagP1);
  const fl2 = await flagAs(p2, t1.post.id, R.flagP2);
  await flagAs(sen, r2, R.flagS);

  // Staff at work.
  await ok(fac, 'post.hide', { post: s2, reason: R.hideS });
  await ok(fac, 'flag.dismiss', { flag: fl2 });
  await ok(fac, 'post.endorse', { post: r1, endorsed: true });
  await ok(ins, 'thread.lock', { thread: th1, locked: true });
  await ok(ins, 'thread.pin', { thread: th1, pinned: true });
  await ok(fac, 'post.create', { thread: th1, body: 'Staff note' });
  await ok(ins, 'thread.lock', { thread: th1, locked: false });
  await ok(fac, 'post.remove', { post: s3, reason: R.removeS });
  await ok(fac, 'post.hide', { post: r2, reason: R.hideP2 });
  await ok(fac, 'post.restore', { post: r2 });
  await ok(fac, 'user.mute', { course, user: SID, minutes: 30, reason: R.muteS });
  await ok(ins, 'user.mute', { course, user: p2.user.id, minutes: 30, reason: R.muteP2 });
  await ok(ins, 'user.unmute', { course, user: p2.user.id });
  await read(fac, 'post.history', { post: s1 });
  await read(fac, 'flag.list', { course });
  await read(fac, 'audit.list', { course });
  assert.ok(fl1);
  // The last action's public event marks the end of the live traffic.
  await ok(fac, 'thread.pin', { thread: t2.thread.id, pinned: true });
  for (const c of everyone) {
    await waitEvent(c, croom, 'thread.updated', (m) => m.data.thread.id === t2.thread.id && m.data.thread.pinned);
  }
  await noticeOf(sen, 'muted');
  await noticeOf(p2, 'unmuted');
  await sleep(400);   // coalesced state flushes

  // A participant tries what is not theirs (refusals are recorded too).
  for (const c of peers) {
    assertError(await request(c, 'subscribe', { room: sroom }), 'forbidden');
    assertError(await request(c, 'flag.list', { course }), 'forbidden');
    assertError(await request(c, 'audit.list', { course }), 'forbidden');
    assertError(await request(c, 'post.history', { post: s1 }), 'forbidden');
    assertError(await request(c, 'subscribe', { room: sen.user.room }), 'forbidden');
  }

  // Each peer comes back on a new socket and resumes every room from seq 0, then reads lists and snapshots.
  const rooms = [croom, `thread:${th1}`, `thread:${t2.thread.id}`];
  const resumed = [];
  for (const c of peers) {
    const r = await connect(d.wsUrl);
    r.user = c.user;
    const map = Object.fromEntries([...rooms, c.user.room].map((room) => [room, 0]));
    const h = await r.request('hello', { token: d.token({ user: c.user.id, name: c.user.name, roles: [`${course}:participant`] }), resume: map }, { timeoutMs: WAIT });
    assert.equal(h.ok, true, JSON.stringify(h));
    for (const room of Object.keys(map)) {
      const rr = await r.waitFor((m) => m.re === `resume:${room}`, WAIT);
      assert.equal(rr.ok, true, JSON.stringify(rr));
      assert.equal(rr.data.mode, rr.data.seq > 0 ? 'replay' : 'live', room);
      await r.waitFor(() => eventsOf(r, room).length >= rr.data.replay, WAIT).catch(() => {});
      assert.equal(eventsOf(r, room).length, rr.data.replay, `replayed events of ${room}`);
    }
    for (const sort of ['latest', 'votes', 'unanswered']) await read(r, 'thread.list', { course, sort });
    await read(r, 'course.list', {});
    await snapshot(r, th1);
    await snapshot(r, t2.thread.id);
    await read(r, 'subscribe', { room: croom });
    resumed.push(r);
  }
  // The replay did carry the moderation facts a peer may see.
  const replayed = eventsOf(resumed[0], `thread:${th1}`).map((m) => m.ev);
  for (const ev of ['post.created', 'post.edited', 'post.hidden', 'post.deleted', 'post.endorsed', 'thread.updated', 'post.restored']) {
    assert.ok(replayed.includes(ev), `${ev} replayed`);
  }
  const s2Replayed = eventsOf(resumed[0], `thread:${th1}`).find((m) => m.ev === 'post.created' && m.data.post.id === s2);
  assert.equal(s2Replayed.data.post.state, 'hidden');
  assert.equal(s2Replayed.data.post.body, null);

  // The audit.
  const STAFF_KEYS = new Set(['flagger', 'flags', 'entry', 'entries', 'revisions', 'actor']);
  const keysIn = (v, out = []) => {
    if (Array.isArray(v)) v.forEach((x) => keysIn(x, out));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.push(k); keysIn(x, out); }
    return out;
  };
  const ownReasons = new Map([[p1, [R.flagP1]], [p2, [R.flagP2, R.muteP2, R.hideP2]]]);
  peers.forEach((c, i) => {
    const sockets = [c, resumed[i]];
    const who = c.user.id;
    const mayHave = ownReasons.get(c);
    const ownFlagReplies = own.get(c);
    for (const s of sockets) {
      for (const fr of s.frames) {
        assert.ok(!fr.toLowerCase().includes(SID), `${who}: a frame names the sentinel: ${fr.slice(0, 300)}`);
        for (const reason of Object.values(R)) {
          if (!mayHave.includes(reason)) assert.ok(!fr.includes(reason), `${who}: a frame holds "${reason}": ${fr.slice(0, 300)}`);
        }
      }
      for (const m of s.messages) {
        const text = JSON.stringify(m);
        if (ownFlagReplies.has(m.re)) continue;          // the reply to their own flag shows their own flag
        for (const reason of [R.flagP1, R.flagP2]) assert.ok(!text.includes(reason), `${who}: a flag reason outside its reply: ${text}`);
        if (isEvent(m)) {
          assert.ok(!/^(flag|audit)\./.test(m.ev), `${who}: staff event ${text}`);
          assert.ok(!m.room.startsWith('staff:'), `${who}: staff room ${text}`);
          if (m.ev === 'notice') assert.equal(m.room, c.user.room, `${who}: someone else's notice ${text}`);
        }
        const leaked = keysIn(m).filter((k) => STAFF_KEYS.has(k));
        assert.deepEqual(leaked, [], `${who}: staff-only members in ${text.slice(0, 300)}`);
      }
    }
    // The hidden post's text never comes back after the hide.
    for (const fr of resumed[i].frames) assert.ok(!fr.includes(HIDDEN), `${who}: hidden text replayed: ${fr.slice(0, 300)}`);
  });
  // Only p2's own notices reached p2; p1 got none.
  assert.deepEqual(noticesOf(p1), []);
  assert.deepEqual(noticesOf(resumed[0]), []);
  assert.deepEqual(noticesOf(p2).map((m) => m.data.notice.kind), ['post_hidden', 'post_restored', 'muted', 'unmuted']);
  assert.deepEqual(noticesOf(resumed[1]).map((m) => m.data.notice.kind), ['post_hidden', 'post_restored', 'muted', 'unmuted']);

  // Sanity: the same audit finds all of it on a staff socket.
  const staffText = fac.frames.join('\n');
  for (const s of [SID, SNAME, R.flagP1, R.flagS, R.hideS, R.muteS, HIDDEN]) assert.ok(staffText.includes(s), `staff see ${s}`);
  assert.ok(fac.messages.some((m) => isEvent(m) && m.ev === 'audit.created'));
  assert.ok(fac.messages.some((m) => isEvent(m) && m.ev === 'flag.created' && m.data.flag.flagger.id === SID));
  assert.ok(noticesOf(sen).some((m) => m.data.notice.reason === R.muteS), 'the sentinel got its own notice');
  await closeAll(...everyone, ...resumed);
});

test('sockets per user: 20 hellos, the 21st is refused and closed with 4006, a freed place is reusable', async () => {
  const max = LIMITS.max_sockets_per_user;
  const token = d.token({ user: 'many-sockets', roles: [] });
  const socks = [];
  for (let i = 0; i < max; i++) {
    const c = await connect(d.wsUrl);
    const r = await c.request('hello', { token }, { timeoutMs: WAIT });
    assert.equal(r.ok, true, `hello ${i + 1}: ${JSON.stringify(r)}`);
    socks.push(c);
  }
  const extra = await connect(d.wsUrl);
  assertError(await extra.request('hello', { token }, { timeoutMs: WAIT }), 'too_many_sockets');
  const { code, reason } = await closedWithin(extra, WAIT, 'close after too_many_sockets');
  assert.equal(code, 4006);
  assert.equal(reason, 'too_many_sockets');
  // Another user is not affected.
  const other = await connect(d.wsUrl);
  assert.equal((await other.request('hello', { token: d.token({ user: 'few-sockets' }) }, { timeoutMs: WAIT })).ok, true);
  // Closing one frees a place.
  await socks.pop().close();
  const again = await connect(d.wsUrl);
  assert.equal((await again.request('hello', { token }, { timeoutMs: WAIT })).ok, true);
  for (const c of socks) assert.equal((await c.request('ping', {}, { timeoutMs: WAIT })).ok, true, 'the first 20 live on');
  await closeAll(...socks, again, other);
});

// ---------------------------------------------------------------------------------------------
// Abuse limits at their defaults, on a daemon of their own (its clock is moved).

test('abuse limits: post interval, threads per day across a restart, flags per day, staff exempt', async () => {
  const secret = randomBytes(32).toString('hex');
  let dl = await startDaemon({ limits: 'default', secret, keepDir: true });
  const dir = dl.dir;
  const LONG = 400 * DAY;   // the clock moves by more than a day
  // Noon (UTC) ahead of now: a whole afternoon of server time before the next UTC midnight.
  const now = Math.floor(Date.now() / 1000);
  let noon = Math.floor(now / DAY) * DAY + DAY / 2;
  if (noon <= now) noon += DAY;
  const course = dl.course({ title: 'Limits', starts: noon - 7 * DAY, ends: noon + 60 * DAY });
  let fl = forum(dl);
  const untilMidnight = (ms) => DAY * 1000 - (ms % (DAY * 1000));
  const others = [];
  try {
    await fl.clock.set(noon);
    let p = await fl.as('lim-p', [`${course}:participant`], { ttl: LONG });
    const fac = await fl.as('lim-f', [`${course}:facilitator`], { ttl: LONG });
    others.push(fac);
    const newThread = (c, i) => send(c, 'thread.create', { course, kind: 'discussion', title: `T${i}`, body: `b${i}` });

    // One post per 5 s: the second within the interval is refused, with when to retry.
    const t1 = await newThread(p, 1);
    assert.equal(t1.ok, true, JSON.stringify(t1));
    const thread = t1.data.thread.id;
    const early = await send(p, 'post.create', { thread, body: 'too soon' });
    assertError(early, 'rate_limited');
    const wait = early.error.retry_after_ms;
    assert.ok(wait > 0 && wait <= 5000, `retry_after_ms ${wait}`);
    await fl.clock.advance(Math.ceil(wait / 1000) + 1);
    assert.equal((await ok(p, 'post.create', { thread, body: 'now' })).post.body, 'now');
    assertError(await send(p, 'post.create', { thread, body: 'too soon again' }), 'rate_limited');
    // Refused writes stored nothing.
    assert.equal((await snapshot(p, thread)).posts.length, 2);

    // 20 threads a day: the 21st waits until the next UTC midnight.
    for (let i = 2; i <= LIMITS_DEFAULT.threads_per_day; i++) {
      await fl.clock.advance(6);
      const r = await newThread(p, i);
      assert.equal(r.ok, true, `thread ${i}: ${JSON.stringify(r)}`);
    }
    await fl.clock.advance(6);
    const t0 = await fl.clock.now();
    const over = await newThread(p, 21);
    const t1ms = await fl.clock.now();
    assertError(over, 'rate_limited');
    assert.ok(over.error.retry_after_ms <= untilMidnight(t0) && over.error.retry_after_ms >= untilMidnight(t1ms),
      `retry_after_ms ${over.error.retry_after_ms}, until midnight ${untilMidnight(t1ms)}..${untilMidnight(t0)}`);
    assert.ok(over.error.retry_after_ms > 5000, 'a daily limit, not the interval');
    const serverNow = Math.ceil(t1ms / 1000);

    // Staff are exempt: many threads and posts in a row, no waiting.
    for (let i = 0; i < LIMITS_DEFAULT.threads_per_day + 2; i++) {
      const r = await newThread(fac, `staff ${i}`);
      assert.equal(r.ok, true, `staff thread ${i}: ${JSON.stringify(r)}`);
    }
    await ok(fac, 'post.create', { thread, body: 'staff one' });
    await ok(fac, 'post.create', { thread, body: 'staff two' });

    // The count is in the database: a restart on the same database still refuses the 21st.
    await p.close();
    await fac.close();
    others.length = 0;
    await fl.clock.close();
    assert.equal(await dl.stop(), 0, 'forumd exit code before the restart');
    dl = await startDaemon({ dir, secret, keepDir: true, limits: 'default' });
    fl = forum(dl);
    await fl.clock.set(serverNow + 10);
    p = await fl.as('lim-p', [`${course}:participant`], { ttl: LONG });
    others.push(p);
    const still = await newThread(p, '21 after restart');
    assertError(still, 'rate_limited');
    assert.ok(still.error.retry_after_ms > 5000 && still.error.retry_after_ms <= untilMidnight(await fl.clock.now()) + 1000,
      `retry_after_ms ${still.error.retry_after_ms}`);
    // The next UTC day counts afresh.
    await fl.clock.set(noon + DAY / 2 + 60);
    assert.equal((await newThread(p, 'next day')).ok, true);

    // Flags: 20 a day, then refused until midnight.
    const fac2 = await fl.as('lim-f', [`${course}:facilitator`], { ttl: LONG });
    const flagger = await fl.as('lim-flagger', [`${course}:participant`], { ttl: LONG });
    others.push(fac2, flagger);
    const posts = [];
    for (let i = 0; i <= LIMITS_DEFAULT.flags_per_day; i++) {
      posts.push((await ok(fac2, 'post.create', { thread, body: `flag me ${i}` })).post.id);
    }
    for (let i = 0; i < LIMITS_DEFAULT.flags_per_day; i++) {
      const r = await send(flagger, 'post.flag', { post: posts[i], reason: `flag ${i}` });
      assert.equal(r.ok, true, `flag ${i + 1}: ${JSON.stringify(r)}`);
    }
    // Flagging a post already flagged answers with the first flag and does not count.
    assert.equal((await send(flagger, 'post.flag', { post: posts[0], reason: 'again' })).ok, true);
    const f21 = await send(flagger, 'post.flag', { post: posts[LIMITS_DEFAULT.flags_per_day], reason: 'one too many' });
    assertError(f21, 'rate_limited');
    assert.ok(f21.error.retry_after_ms > 5000 && f21.error.retry_after_ms <= untilMidnight(await fl.clock.now()) + 1000,
      `retry_after_ms ${f21.error.retry_after_ms}`);
    assert.equal((await read(fac2, 'flag.list', { course })).flags.length, LIMITS_DEFAULT.flags_per_day);
    // Staff flag without limit.
    const fac3 = await fl.as('lim-f3', [`${course}:facilitator`], { ttl: LONG });
    others.push(fac3);
    for (const post of posts) await ok(fac3, 'post.flag', { post, reason: 'staff flag' });
  } finally {
    for (const c of others) await c.close();
    await fl.clock.set(0).catch(() => {});
    await fl.clock.close();
    assert.equal(await dl.stop(), 0, 'forumd exit code');
    rmSync(dir, { recursive: true, force: true });
  }
});
