// thread.edit: a thread's title changed by its author (the rules of post.edit: author only, window,
// mute, lock, a hidden opening post, each checked in the write's transaction) or by staff (audited).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { LIMITS, assertError } from '../lib/helpers.mjs';
import { DAY, nowS, forum, ok, read, send, subscribe, snapshot, eventsOf, waitEvent } from '../lib/forum.mjs';

let d, f;
before(async () => { d = await startDaemon(); f = forum(d); });
after(async () => {
  if (f) await f.clock.close();
  if (d) assert.equal(await d.stop(), 0, 'forumd exit code');
});

// An author, a peer and a facilitator in a new course (opts: its dates).
async function cast(tag, opts = {}) {
  const course = d.course({ title: `Titles ${tag}`, ...opts });
  return {
    course,
    author: await f.as(`${tag}-author`, [`${course}:participant`]),
    peer: await f.as(`${tag}-peer`, [`${course}:participant`]),
    staff: await f.as(`${tag}-staff`, [`${course}:facilitator`]),
  };
}

const newThread = (c, course, title = 'Frist post') =>
  ok(c, 'thread.create', { course, kind: 'discussion', title, body: 'the opening post' });

test('thread.edit: the author retitles; thread.updated in the course and thread rooms', async () => {
  const { course, author, peer, staff } = await cast('own');
  const t = await newThread(author, course);
  const thread = t.thread.id;
  const croom = `course:${course}`, room = `thread:${thread}`;
  await subscribe(peer, croom);
  await subscribe(peer, room);

  const r = (await ok(author, 'thread.edit', { thread, title: 'First post' })).thread;
  assert.equal(r.id, thread);
  assert.equal(r.title, 'First post');
  assert.deepEqual(r.author, { id: author.user.id, name: author.user.name });
  for (const x of [croom, room]) {
    const ev = await waitEvent(peer, x, 'thread.updated', (m) => m.data.thread.id === thread);
    assert.equal(ev.data.thread.title, 'First post', x);
  }
  assert.equal((await snapshot(peer, thread)).thread.title, 'First post');
  const listed = (await read(peer, 'thread.list', { course })).threads.find((x) => x.id === thread);
  assert.equal(listed.title, 'First post');

  // The same title again: no event. The next event in the course room is the next thread.
  assert.equal((await ok(author, 'thread.edit', { thread, title: 'First post' })).thread.title, 'First post');
  const marker = await newThread(author, course, 'Marker');
  await waitEvent(peer, croom, 'thread.created', (m) => m.data.thread.id === marker.thread.id);
  const evs = eventsOf(peer, croom);
  assert.deepEqual(evs.map((m) => m.ev), ['thread.updated', 'thread.created']);
  assert.equal(evs[1].seq, evs[0].seq + 1, 'no event in between');

  // Not the author: forbidden; no such thread; bad titles; no audit entry for the author's own edit.
  assertError(await send(peer, 'thread.edit', { thread, title: 'Mine now' }), 'forbidden', { field: 'thread' });
  assertError(await send(author, 'thread.edit', { thread: 987654, title: 'Ghost' }), 'not_found', { field: 'thread' });
  assertError(await send(author, 'thread.edit', { thread, title: '  ' }), 'bad_field', { field: 'title' });
  assertError(await send(author, 'thread.edit', { thread, title: 'x'.repeat(LIMITS.max_title_chars + 1) }), 'too_long',
    { field: 'title', limit: LIMITS.max_title_chars });
  assert.deepEqual((await read(staff, 'audit.list', { course })).entries.filter((e) => e.action === 'thread.edit'), []);
  for (const c of [author, peer, staff]) await c.close();
});

test('thread.edit: staff retitle any thread, audited; a lock stops the author, not staff', async () => {
  const { course, author, peer, staff } = await cast('staff');
  const t = await newThread(author, course);
  const thread = t.thread.id;
  await subscribe(peer, `thread:${thread}`);

  assert.equal((await ok(staff, 'thread.edit', { thread, title: 'Week 1: introductions' })).thread.title,
    'Week 1: introductions');
  await waitEvent(peer, `thread:${thread}`, 'thread.updated', (m) => m.data.thread.title === 'Week 1: introductions');
  const audit = (await read(staff, 'audit.list', { course })).entries.filter((e) => e.action === 'thread.edit');
  assert.equal(audit.length, 1);
  assert.deepEqual(audit[0].subject, { kind: 'thread', id: thread });
  assert.equal(audit[0].actor.id, staff.user.id);

  await ok(staff, 'thread.lock', { thread, locked: true });
  assertError(await send(author, 'thread.edit', { thread, title: 'Locked?' }), 'thread_locked');
  assert.equal((await ok(staff, 'thread.edit', { thread, title: 'Week 1 (closed)' })).thread.title, 'Week 1 (closed)');
  await ok(staff, 'thread.lock', { thread, locked: false });
  assert.equal((await ok(author, 'thread.edit', { thread, title: 'Week 1' })).thread.title, 'Week 1');

  // An opening post hidden by a moderator: its author may not retitle the thread; staff may.
  await ok(staff, 'post.hide', { post: t.post.id, reason: 'off topic' });
  assertError(await send(author, 'thread.edit', { thread, title: 'Back again' }), 'forbidden', { field: 'thread' });
  assert.equal((await ok(staff, 'thread.edit', { thread, title: 'Hidden' })).thread.title, 'Hidden');
  for (const c of [author, peer, staff]) await c.close();
});

test('thread.edit: a muted author is refused, with retry_after_ms', async () => {
  const { course, author, peer, staff } = await cast('mute');
  const thread = (await newThread(author, course)).thread.id;
  await ok(staff, 'user.mute', { course, user: author.user.id, minutes: 10, reason: 'cool down' });
  const r = await send(author, 'thread.edit', { thread, title: 'Muted?' });
  assertError(r, 'muted');
  assert.ok(r.error.retry_after_ms > 0 && r.error.retry_after_ms <= 600 * 1000, JSON.stringify(r));
  await ok(staff, 'user.unmute', { course, user: author.user.id });
  assert.equal((await ok(author, 'thread.edit', { thread, title: 'Unmuted' })).thread.title, 'Unmuted');
  for (const c of [author, peer, staff]) await c.close();
});

test('thread.edit: the course\'s write window, by the server clock', async () => {
  // Ended almost 30 days ago: writable for one more minute (tokens outlive the two minutes).
  const now = nowS();
  const { course, author, peer, staff } = await cast('window', { starts: now - 120 * DAY, ends: now - 30 * DAY + 60 });
  const thread = (await newThread(author, course)).thread.id;
  await f.clock.set(now + 120);
  try {
    assertError(await send(author, 'thread.edit', { thread, title: 'Too late' }), 'course_read_only');
    assert.equal((await ok(staff, 'thread.edit', { thread, title: 'Archived' })).thread.title, 'Archived');
  } finally {
    await f.clock.set(nowS());
  }
  for (const c of [author, peer, staff]) await c.close();
});
