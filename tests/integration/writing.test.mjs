// Writing that can be fixed: a thread's titles kept by thread.edit (thread.history, staff only),
// the asker's accepted answer (post.accept) beside staff's endorsement, and drafts kept on the
// server per writer and place (draft.save, draft.get, draft.delete), private to their writer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { LIMITS, assertError } from '../lib/helpers.mjs';
import { forum, ok, read, send, request, subscribe, snapshot, postIn, eventsOf, waitEvent, newKey } from '../lib/forum.mjs';

let d, f;
before(async () => { d = await startDaemon(); f = forum(d); });
after(async () => {
  if (f) await f.clock.close();
  if (d) assert.equal(await d.stop(), 0, 'forumd exit code');
});

// An asker, a peer who answers, another participant and a facilitator in a new course.
async function cast(tag) {
  const course = d.course({ title: `Writing ${tag}` });
  return {
    course,
    asker: await f.as(`${tag}-asker`, [`${course}:participant`]),
    peer: await f.as(`${tag}-peer`, [`${course}:participant`]),
    other: await f.as(`${tag}-other`, [`${course}:participant`]),
    staff: await f.as(`${tag}-staff`, [`${course}:facilitator`]),
  };
}
const closeAll = async (o) => { for (const c of [o.asker, o.peer, o.other, o.staff]) await c.close(); };

test('thread.history: a retitle keeps the first title and each new one; staff only', async () => {
  const o = await cast('titles');
  const t = await ok(o.asker, 'thread.create', { course: o.course, kind: 'discussion', title: 'Frist', body: 'hello' });
  const thread = t.thread.id;

  // Never retitled: its one title.
  let h = await read(o.staff, 'thread.history', { thread });
  assert.equal(h.thread, thread);
  assert.deepEqual(h.titles.map((x) => [x.revision, x.title]), [[1, 'Frist']]);

  await ok(o.asker, 'thread.edit', { thread, title: 'First' });
  await ok(o.asker, 'thread.edit', { thread, title: 'First' });          // unchanged: no revision
  await ok(o.staff, 'thread.edit', { thread, title: 'Week 1: first' });
  h = await read(o.staff, 'thread.history', { thread });
  assert.deepEqual(h.titles.map((x) => [x.revision, x.title]), [[1, 'Frist'], [2, 'First'], [3, 'Week 1: first']]);
  assert.deepEqual(h.titles.map((x) => x.edited_by.id), [o.asker.user.id, o.asker.user.id, o.staff.user.id]);
  assert.ok(h.titles.every((x) => Number.isInteger(x.edited_at)));

  assertError(await request(o.asker, 'thread.history', { thread }), 'forbidden');
  assertError(await request(o.staff, 'thread.history', { thread: 987654 }), 'not_found', { field: 'thread' });
  await closeAll(o);
});

test('post.accept: the asker marks one answer, events in both rooms, answered follows', async () => {
  const o = await cast('accept');
  const q = await ok(o.asker, 'thread.create', { course: o.course, kind: 'question', title: 'How?', body: 'Tell me' });
  const thread = q.thread.id, room = `thread:${thread}`, croom = `course:${o.course}`;
  const a1 = (await ok(o.peer, 'post.create', { thread, body: 'Like this' })).post.id;
  const a2 = (await ok(o.other, 'post.create', { thread, body: 'Or like that' })).post.id;
  const reply = (await ok(o.asker, 'post.create', { thread, parent: a1, body: 'Thanks!' })).post.id;
  await subscribe(o.other, room);
  await subscribe(o.other, croom);
  const answered = async () => (await read(o.other, 'thread.list', { course: o.course })).threads.find((x) => x.id === thread).answered;
  const unanswered = async () => (await read(o.other, 'thread.list', { course: o.course, sort: 'unanswered' })).threads.map((x) => x.id);
  // Search's answered filter follows the same flag.
  const searchAnswered = async () => (await read(o.other, 'search', { course: o.course, q: 'Tell', answered: true }))
    .results.some((x) => x.post.thread === thread);
  assert.equal(await answered(), false);
  assert.ok((await unanswered()).includes(thread));
  assert.equal(await searchAnswered(), false);

  // Only the asker (or staff); only a response of the question.
  assertError(await send(o.peer, 'post.accept', { post: a1, accepted: true }), 'forbidden', { field: 'post' });
  assertError(await send(o.other, 'post.accept', { post: a1, accepted: true }), 'forbidden');
  assertError(await send(o.asker, 'post.accept', { post: q.post.id, accepted: true }), 'bad_field', { field: 'post' });
  assertError(await send(o.asker, 'post.accept', { post: reply, accepted: true }), 'bad_field', { field: 'post' });
  assertError(await send(o.asker, 'post.accept', { post: 987654, accepted: true }), 'not_found');

  const r = await ok(o.asker, 'post.accept', { post: a1, accepted: true });
  assert.equal(r.post.id, a1);
  assert.equal(r.post.accepted, true);
  assert.equal(r.post.endorsed, false);
  const ev = await waitEvent(o.other, room, 'post.accepted', (m) => m.data.post.id === a1);
  assert.equal(ev.data.post.accepted, true);
  const up = await waitEvent(o.other, croom, 'thread.updated', (m) => m.data.thread.id === thread);
  assert.equal(up.data.thread.answered, true);
  await waitEvent(o.other, room, 'thread.updated', (m) => m.data.thread.answered === true);
  assert.equal(await answered(), true);
  assert.ok(!(await unanswered()).includes(thread), 'an accepted answer takes it off the unanswered list');
  assert.equal((await postIn(o.other, thread, a1)).accepted, true);
  assert.equal(await searchAnswered(), true);

  // Accepting it again changes nothing: no event. Accepting another moves the mark: two events.
  const before = eventsOf(o.other, room).length;
  assert.equal((await ok(o.asker, 'post.accept', { post: a1, accepted: true })).post.accepted, true);
  assert.equal((await ok(o.asker, 'post.accept', { post: a2, accepted: true })).post.accepted, true);
  await waitEvent(o.other, room, 'post.accepted', (m) => m.data.post.id === a2);
  const moved = eventsOf(o.other, room).slice(before).filter((m) => m.ev === 'post.accepted');
  assert.deepEqual(moved.map((m) => [m.data.post.id, m.data.post.accepted]), [[a1, false], [a2, true]]);
  const s = await snapshot(o.other, thread);
  assert.deepEqual(s.posts.filter((p) => p.accepted).map((p) => p.id), [a2], 'one accepted answer per thread');

  // Staff's endorsement is separate: both marks show on one post.
  await ok(o.staff, 'post.endorse', { post: a2, endorsed: true });
  const both = await postIn(o.other, thread, a2);
  assert.equal(both.accepted, true);
  assert.equal(both.endorsed, true);
  // Unaccepting leaves it answered while the endorsement stands; then neither: unanswered.
  assert.equal((await ok(o.asker, 'post.accept', { post: a2, accepted: false })).post.accepted, false);
  assert.equal(await answered(), true);
  await ok(o.staff, 'post.endorse', { post: a2, endorsed: false });
  assert.equal(await answered(), false);
  assert.ok((await unanswered()).includes(thread));

  // A deleted accepted answer no longer answers the question.
  await ok(o.asker, 'post.accept', { post: a1, accepted: true });
  assert.equal(await answered(), true);
  await ok(o.peer, 'post.delete', { post: a1 });
  assert.equal(await answered(), false);

  // The asker's own acceptance is not audited; staff accepting is.
  const audit = () => read(o.staff, 'audit.list', { course: o.course });
  assert.deepEqual((await audit()).entries.filter((e) => e.action === 'post.accept'), []);
  await ok(o.staff, 'post.accept', { post: a2, accepted: true });
  assert.equal((await audit()).entries.filter((e) => e.action === 'post.accept').length, 1);

  // A discussion has no accepted answer.
  const dsc = await ok(o.asker, 'thread.create', { course: o.course, kind: 'discussion', title: 'Chat', body: 'hi' });
  const resp = (await ok(o.peer, 'post.create', { thread: dsc.thread.id, body: 'hey' })).post.id;
  assertError(await send(o.asker, 'post.accept', { post: resp, accepted: true }), 'bad_field');
  await closeAll(o);
});

test('post.accept: a lock stops the asker, not staff; an anonymous asker stays anonymous', async () => {
  const o = await cast('anon');
  const q = await ok(o.asker, 'thread.create', { course: o.course, kind: 'question', title: 'Secret?', body: 'shh', anonymous: true });
  const thread = q.thread.id, room = `thread:${thread}`;
  const a = (await ok(o.peer, 'post.create', { thread, body: 'answer' })).post.id;
  await subscribe(o.peer, room);
  await subscribe(o.peer, `course:${o.course}`);

  await ok(o.staff, 'thread.lock', { thread, locked: true });
  assertError(await send(o.asker, 'post.accept', { post: a, accepted: true }), 'thread_locked');
  await ok(o.staff, 'thread.lock', { thread, locked: false });

  await ok(o.asker, 'post.accept', { post: a, accepted: true });
  await waitEvent(o.peer, room, 'post.accepted', (m) => m.data.post.id === a);
  await waitEvent(o.peer, `course:${o.course}`, 'thread.updated', (m) => m.data.thread.answered === true);
  // Nothing the peer received names the asker.
  const seen = JSON.stringify(o.peer.messages);
  assert.ok(!seen.includes(o.asker.user.id), 'the asker\'s id reached a peer');
  assert.ok(!seen.includes(o.asker.user.name), 'the asker\'s name reached a peer');
  await closeAll(o);
});

test('drafts: kept per writer and place, read back on another socket, private, deleted', async () => {
  const o = await cast('drafts');
  const t = await ok(o.asker, 'thread.create', { course: o.course, kind: 'discussion', title: 'Drafts', body: 'x' });
  const thread = t.thread.id;

  assert.deepEqual(await read(o.peer, 'draft.get', { thread }), { draft: null });
  const saved = await ok(o.peer, 'draft.save', { thread, body: 'half a tho' });
  assert.equal(saved.draft.thread, thread);
  assert.equal(saved.draft.course, o.course);
  assert.equal(saved.draft.body, 'half a tho');
  await ok(o.peer, 'draft.save', { thread, body: 'half a thought' });
  // A new thread's draft in the course: title and body.
  await ok(o.peer, 'draft.save', { course: o.course, title: 'My question', body: '' });

  // Another socket of the same writer (another device) reads them back.
  const again = await f.as('drafts-peer', [`${o.course}:participant`]);
  let g = (await read(again, 'draft.get', { thread })).draft;
  assert.equal(g.body, 'half a thought');
  assert.equal(g.thread, thread);
  g = (await read(again, 'draft.get', { course: o.course })).draft;
  assert.deepEqual([g.thread, g.course, g.title, g.body], [null, o.course, 'My question', '']);

  // Nobody else, staff included, reads them.
  for (const c of [o.asker, o.staff]) {
    assert.deepEqual(await read(c, 'draft.get', { thread }), { draft: null });
    assert.deepEqual(await read(c, 'draft.get', { course: o.course }), { draft: null });
  }

  // A retried save (same key) answers the first result and changes nothing.
  const key = newKey();
  const first = await request(o.peer, 'draft.save', { thread, body: 'retry one', key });
  const second = await request(o.peer, 'draft.save', { thread, body: 'retry two', key });
  assert.deepEqual(second, { ...first, re: second.re });
  assert.equal((await read(again, 'draft.get', { thread })).draft.body, 'retry one');

  // Place: exactly one of thread and course; bounds; a thread that does not exist.
  assertError(await send(o.peer, 'draft.save', { body: 'where?' }), 'bad_field', { field: 'thread' });
  assertError(await send(o.peer, 'draft.save', { thread, course: o.course, body: 'both' }), 'bad_field', { field: 'course' });
  assertError(await request(o.peer, 'draft.get', {}), 'bad_field');
  assertError(await send(o.peer, 'draft.save', { thread: 987654, body: 'ghost' }), 'not_found', { field: 'thread' });
  assertError(await send(o.peer, 'draft.save', { thread, body: 'x'.repeat(LIMITS.max_body_chars + 1) }), 'too_long',
    { field: 'body', limit: LIMITS.max_body_chars });
  const outsider = await f.as('drafts-outsider', []);
  assertError(await send(outsider, 'draft.save', { thread, body: 'not my course' }), 'forbidden');
  await outsider.close();

  // An empty save deletes; draft.delete deletes, once.
  assert.deepEqual(await ok(o.peer, 'draft.save', { course: o.course, title: ' ', body: '\n' }), { draft: null });
  assert.deepEqual(await read(again, 'draft.get', { course: o.course }), { draft: null });
  assert.deepEqual(await ok(o.peer, 'draft.delete', { thread }), { deleted: true });
  assert.deepEqual(await ok(o.peer, 'draft.delete', { thread }), { deleted: false });
  assert.deepEqual(await read(again, 'draft.get', { thread }), { draft: null });
  await again.close();
  await closeAll(o);
});

test(`drafts: past max_drafts_per_user (${LIMITS.max_drafts_per_user}) the least recently saved is dropped`, async () => {
  const course = d.course({ title: 'Many drafts' });
  const staff = await f.as('many-staff', [`${course}:facilitator`]);   // staff: no daily thread limit
  const n = LIMITS.max_drafts_per_user;
  const threads = [];
  for (let i = 0; i <= n; i++) {
    threads.push((await ok(staff, 'thread.create', { course, kind: 'discussion', title: `T${i}`, body: 'b' })).thread.id);
  }
  for (let i = 0; i < n; i++) await ok(staff, 'draft.save', { thread: threads[i], body: `draft ${i}` });
  // Saving the first again makes it the most recent: the second is now the oldest.
  await ok(staff, 'draft.save', { thread: threads[0], body: 'draft 0 again' });
  await ok(staff, 'draft.save', { thread: threads[n], body: 'one too many' });
  assert.deepEqual(await read(staff, 'draft.get', { thread: threads[1] }), { draft: null });
  assert.equal((await read(staff, 'draft.get', { thread: threads[0] })).draft.body, 'draft 0 again');
  assert.equal((await read(staff, 'draft.get', { thread: threads[2] })).draft.body, 'draft 2');
  assert.equal((await read(staff, 'draft.get', { thread: threads[n] })).draft.body, 'one too many');
  await staff.close();
});
