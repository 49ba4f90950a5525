// The forum ops: thread.create, post.create, post.edit, post.delete, post.vote, thread.follow,
// thread.list; their refusals, bad input, course windows, anonymity and live delivery.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startDaemon } from '../lib/daemon.mjs';
import { SLOW, LIMITS, assertError, helloClient, nextMessage, sleep } from '../lib/helpers.mjs';

const WAIT = 15000 * SLOW;
const DAY = 86400;
const nowS = () => Math.floor(Date.now() / 1000);

const newKey = () => `k${randomBytes(12).toString('hex')}`;

let d;
before(async () => { d = await startDaemon(); });
after(async () => { if (d) assert.equal(await d.stop(), 0, 'forumd exit code'); });

// An authenticated socket for user `id` with `role` in `course` (or several roles).
async function as(id, course, role = 'participant', { name = `User ${id}`, roles = null } = {}) {
  const { c } = await helloClient(d, { user: id, name, roles: roles || [`${course}:${role}`] });
  return c;
}

// Sends a write op with a fresh key; resolves with the reply (ok or not).
const send = (c, op, data) => c.request(op, { ...data, key: newKey() }, { timeoutMs: WAIT });

// A write op that must succeed; returns its data.
async function ok(c, op, data) {
  const r = await send(c, op, data);
  assert.equal(r.ok, true, `${op}: ${JSON.stringify(r)}`);
  return r.data;
}

async function list(c, data) {
  const r = await c.request('thread.list', data, { timeoutMs: WAIT });
  assert.equal(r.ok, true, `thread.list: ${JSON.stringify(r)}`);
  return r.data;
}

async function subscribe(c, room, data = {}) {
  const r = await c.request('subscribe', { room, ...data }, { timeoutMs: WAIT });
  assert.equal(r.ok, true, `subscribe ${room}: ${JSON.stringify(r)}`);
  return r.data;
}

const newThread = (c, course, title = 'A thread', extra = {}) =>
  ok(c, 'thread.create', { course, kind: 'discussion', title, body: `Opening post of ${title}`, ...extra });

const eventsOf = (c, room) => c.messages.filter((m) => m && typeof m === 'object' && m.ev && m.room === room);

const waitEvent = (c, room, ev, pred = () => true) =>
  c.waitFor((m) => m && m.ev === ev && m.room === room && pred(m), WAIT);

const waitState = (c, room, st, pred = () => true) =>
  c.waitFor((m) => m && m.st === st && m.room === room && pred(m), WAIT);

test('thread.create: both kinds, and its refusals', async () => {
  const course = d.course({ title: 'Create' });
  const other = d.course({ title: 'Not mine' });
  const a = await as('tc-a', course);
  const watcher = await as('tc-w', course);
  await subscribe(watcher, `course:${course}`);

  for (const kind of ['discussion', 'question']) {
    const r = await ok(a, 'thread.create', { course, kind, title: `A ${kind}`, body: `About ${kind}s` });
    assert.equal(r.thread.kind, kind);
    assert.equal(r.thread.course, course);
    assert.equal(r.thread.title, `A ${kind}`);
    assert.equal(r.thread.reply_count, 0);
    assert.equal(r.thread.state, 'visible');
    assert.equal(r.thread.first_post, r.post.id);
    assert.equal(r.post.first, true);
    assert.equal(r.post.thread, r.thread.id);
    assert.equal(r.post.body, `About ${kind}s`);
    assert.equal(r.post.revision, 1);
    assert.deepEqual(r.thread.author, { id: 'tc-a', name: 'User tc-a' });
    const ev = await waitEvent(watcher, `course:${course}`, 'thread.created', (m) => m.data.thread.id === r.thread.id);
    assert.equal(ev.data.thread.kind, kind);
  }

  // A title of max_title_chars characters (not bytes) is fine.
  const wide = 'é'.repeat(LIMITS.max_title_chars);
  assert.equal((await ok(a, 'thread.create', { course, kind: 'discussion', title: wide, body: 'b' })).thread.title, wide);

  const base = { course, kind: 'discussion', title: 'Fine', body: 'Fine' };
  assertError(await send(a, 'thread.create', { ...base, title: '' }), 'bad_field', { field: 'title' });
  assertError(await send(a, 'thread.create', { ...base, title: ' \t\n ' }), 'bad_field', { field: 'title' });
  assertError(await send(a, 'thread.create', { ...base, body: '' }), 'bad_field', { field: 'body' });
  assertError(await send(a, 'thread.create', { ...base, body: '  \r\n\t' }), 'bad_field', { field: 'body' });
  assertError(await send(a, 'thread.create', { ...base, title: 'x'.repeat(LIMITS.max_title_chars + 1) }), 'too_long',
    { field: 'title', limit: LIMITS.max_title_chars });
  assertError(await send(a, 'thread.create', { ...base, kind: 'poll' }), 'bad_field', { field: 'kind' });
  assertError(await send(a, 'thread.create', { ...base, course: 987654 }), 'not_found');
  assertError(await send(a, 'thread.create', { ...base, course: other }), 'forbidden');
  const noKey = await a.request('thread.create', base, { timeoutMs: WAIT });
  assertError(noKey, 'bad_field', { field: 'key' });
  const shortKey = await a.request('thread.create', { ...base, key: 'short' }, { timeoutMs: WAIT });
  assertError(shortKey, 'bad_field', { field: 'key' });

  // Nothing refused made a thread.
  const { threads } = await list(a, { course });
  assert.equal(threads.length, 3);
  await a.close();
  await watcher.close();
});

test('course windows: not open, read-only, closed', async () => {
  const now = nowS();
  const future = d.course({ title: 'Future', starts: now + 7 * DAY, ends: now + 60 * DAY });
  const ended31 = d.course({ title: 'Ended 31', starts: now - 120 * DAY, ends: now - 31 * DAY });
  const ended91 = d.course({ title: 'Ended 91', starts: now - 200 * DAY, ends: now - 91 * DAY });
  const roles = (role) => [future, ended31, ended91].map((c) => `${c}:${role}`);
  const p = await as('win-p', null, null, { roles: roles('participant') });
  const f = await as('win-f', null, null, { roles: roles('facilitator') });
  const q = (course) => ({ course, kind: 'question', title: 'Window', body: 'Is it open?' });

  // Not started: participants may not write (nor read); facilitators may.
  assertError(await send(p, 'thread.create', q(future)), 'course_not_open');
  const early = await ok(f, 'thread.create', q(future));
  assert.equal(early.thread.course, future);
  assertError(await p.request('thread.list', { course: future }), 'course_not_open');

  // Ended more than 30 days ago: reading yes, writing no (staff unlimited).
  const old = await ok(f, 'thread.create', q(ended31));
  assertError(await send(p, 'thread.create', q(ended31)), 'course_read_only');
  assertError(await send(p, 'post.create', { thread: old.thread.id, body: 'late' }), 'course_read_only');
  assertError(await send(p, 'post.vote', { post: old.post.id, up: true }), 'course_read_only');
  const ro = await list(p, { course: ended31 });
  assert.deepEqual(ro.threads.map((t) => t.id), [old.thread.id]);
  const snap = await subscribe(p, `thread:${old.thread.id}`);
  assert.equal(snap.posts.length, 1);
  await ok(f, 'post.create', { thread: old.thread.id, body: 'staff may still answer' });

  // Ended more than 90 days ago: nothing for participants.
  const gone = await ok(f, 'thread.create', q(ended91));
  assertError(await send(p, 'thread.create', q(ended91)), 'course_closed');
  assertError(await p.request('thread.list', { course: ended91 }), 'course_closed');
  assertError(await p.request('subscribe', { room: `thread:${gone.thread.id}` }), 'course_closed');
  assertError(await p.request('subscribe', { room: `course:${ended91}` }), 'course_closed');
  assert.equal((await list(f, { course: ended91 })).threads.length, 1);

  const cl = await p.request('course.list', {});
  assert.equal(cl.ok, true, JSON.stringify(cl));
  const access = Object.fromEntries(cl.data.courses.map((c) => [c.id, c.access]));
  assert.deepEqual(access, { [future]: 'course_not_open', [ended31]: 'read', [ended91]: 'course_closed' });
  await p.close();
  await f.close();
});

test('post.create: responses, replies and their refusals', async () => {
  const course = d.course({ title: 'Replies' });
  const a = await as('pc-a', course);
  const b = await as('pc-b', course);
  const t = await newThread(a, course, 'Replies');
  const t2 = await newThread(a, course, 'Another');
  const thread = t.thread.id;

  const response = (await ok(b, 'post.create', { thread, body: 'A response' })).post;
  assert.equal(response.thread, thread);
  assert.equal(response.parent, null);
  assert.equal(response.first, false);
  assert.equal(response.body, 'A response');
  assert.deepEqual(response.author, { id: 'pc-b', name: 'User pc-b' });

  const reply = (await ok(a, 'post.create', { thread, parent: response.id, body: 'A reply to it' })).post;
  assert.equal(reply.parent, response.id);

  assertError(await send(b, 'post.create', { thread, parent: reply.id, body: 'too deep' }), 'bad_field', { field: 'parent' });
  assertError(await send(b, 'post.create', { thread, parent: t.post.id, body: 'to the opening post' }), 'bad_field',
    { field: 'parent' });
  const elsewhere = (await ok(b, 'post.create', { thread: t2.thread.id, body: 'over there' })).post;
  assertError(await send(b, 'post.create', { thread, parent: elsewhere.id, body: 'cross' }), 'bad_field', { field: 'parent' });
  assertError(await send(b, 'post.create', { thread, parent: 987654, body: 'nobody' }), 'bad_field', { field: 'parent' });
  assertError(await send(b, 'post.create', { thread: 987654, body: 'nowhere' }), 'not_found');
  assertError(await send(b, 'post.create', { thread, body: ' \n ' }), 'bad_field', { field: 'body' });

  const snap = await subscribe(b, `thread:${thread}`);
  assert.deepEqual(snap.posts.map((p) => p.id), [t.post.id, response.id, reply.id], 'refusals stored nothing');
  const row = (await list(a, { course })).threads.find((x) => x.id === thread);
  assert.equal(row.reply_count, 2);
  await a.close();
  await b.close();
});

test('post.edit: own post, someone else\'s, same text', async () => {
  const course = d.course({ title: 'Edits' });
  const a = await as('pe-a', course);
  const b = await as('pe-b', course);
  const t = await newThread(a, course, 'Edits');
  const room = `thread:${t.thread.id}`;
  const mine = (await ok(a, 'post.create', { thread: t.thread.id, body: 'before' })).post;
  assert.equal(mine.revision, 1);
  assert.equal(mine.edited_at, null);
  await subscribe(b, room);

  const edited = (await ok(a, 'post.edit', { post: mine.id, body: 'after' })).post;
  assert.equal(edited.body, 'after');
  assert.equal(edited.revision, 2);
  assert.ok(Number.isInteger(edited.edited_at), `edited_at ${edited.edited_at}`);
  const ev = await waitEvent(b, room, 'post.edited', (m) => m.data.post.id === mine.id);
  assert.equal(ev.data.post.body, 'after');
  assert.equal(ev.data.post.revision, 2);

  assertError(await send(b, 'post.edit', { post: mine.id, body: 'hijack' }), 'forbidden');
  assertError(await send(b, 'post.edit', { post: t.post.id, body: 'hijack' }), 'forbidden');
  assertError(await send(a, 'post.edit', { post: 987654, body: 'ghost' }), 'not_found');
  assertError(await send(a, 'post.edit', { post: mine.id, body: '   ' }), 'bad_field', { field: 'body' });

  // The same text again: no revision, no event. The next event is the next post.
  const same = (await ok(a, 'post.edit', { post: mine.id, body: 'after' })).post;
  assert.equal(same.revision, 2);
  assert.equal(same.edited_at, edited.edited_at);
  const marker = (await ok(a, 'post.create', { thread: t.thread.id, body: 'marker' })).post;
  await waitEvent(b, room, 'post.created', (m) => m.data.post.id === marker.id);
  const evs = eventsOf(b, room);
  assert.deepEqual(evs.map((m) => m.ev), ['post.edited', 'post.created']);
  assert.equal(evs[1].seq, evs[0].seq + 1, 'no event in between');
  const snap = await subscribe(b, room);
  assert.equal(snap.posts.find((p) => p.id === mine.id).body, 'after');
  await a.close();
  await b.close();
});

test('post.delete: a reply, and the opening post deletes the thread', async () => {
  const course = d.course({ title: 'Deletes' });
  const a = await as('pd-a', course);
  const b = await as('pd-b', course);
  const t = await newThread(a, course, 'Deletes');
  const thread = t.thread.id;
  const room = `thread:${thread}`;
  const r1 = (await ok(a, 'post.create', { thread, body: 'to be deleted' })).post;
  await ok(b, 'post.create', { thread, body: 'stays' });
  assert.equal((await list(a, { course })).threads.find((x) => x.id === thread).reply_count, 2);
  await subscribe(b, room);
  await subscribe(b, `course:${course}`);

  assertError(await send(b, 'post.delete', { post: r1.id }), 'forbidden');
  const del = (await ok(a, 'post.delete', { post: r1.id })).post;
  assert.equal(del.state, 'deleted');
  assert.equal(del.body, null);
  const ev = await waitEvent(b, room, 'post.deleted', (m) => m.data.post.id === r1.id);
  assert.equal(ev.data.post.body, null);
  assert.equal(ev.data.post.state, 'deleted');
  assert.equal((await list(a, { course })).threads.find((x) => x.id === thread).reply_count, 1);
  assertError(await send(a, 'post.delete', { post: r1.id }), 'not_found');
  assertError(await send(a, 'post.edit', { post: r1.id, body: 'revive' }), 'not_found');

  // The opening post: the thread goes with it.
  await ok(a, 'post.delete', { post: t.post.id });
  const up = await waitEvent(b, `course:${course}`, 'thread.updated', (m) => m.data.thread.id === thread);
  assert.equal(up.data.thread.state, 'deleted');
  const gone = await list(b, { course });
  assert.equal(gone.threads.find((x) => x.id === thread), undefined, 'the thread left the list');
  assertError(await b.request('subscribe', { room }), 'not_found');
  assertError(await send(b, 'post.create', { thread, body: 'into the void' }), 'not_found');
  await a.close();
  await b.close();
});

test('post.vote: up, again, down, own post, and sort by votes', async () => {
  const course = d.course({ title: 'Votes' });
  const a = await as('pv-a', course);
  const b = await as('pv-b', course);
  const c = await as('pv-c', course);
  const t = await newThread(a, course, 'Votes');
  const room = `thread:${t.thread.id}`;
  const post = (await ok(a, 'post.create', { thread: t.thread.id, body: 'vote for me' })).post;
  await subscribe(c, room);

  const v1 = await ok(b, 'post.vote', { post: post.id, up: true });
  assert.deepEqual(v1, { post: post.id, votes: 1, voted: true });
  const st1 = await waitState(c, room, 'post.votes', (m) => m.data.post === post.id && m.data.votes === 1);
  assert.ok(Number.isInteger(st1.v));
  assert.equal(st1.seq, undefined, 'state sits outside the seq');

  const v2 = await ok(b, 'post.vote', { post: post.id, up: true });
  assert.equal(v2.votes, 1, 'a second up vote counts once');
  const v3 = await ok(b, 'post.vote', { post: post.id, up: false });
  assert.deepEqual(v3, { post: post.id, votes: 0, voted: false });
  const st0 = await waitState(c, room, 'post.votes', (m) => m.data.post === post.id && m.data.votes === 0);
  assert.ok(st0.v > st1.v, 'the version grows');

  assertError(await send(a, 'post.vote', { post: post.id, up: true }), 'forbidden');
  assertError(await send(b, 'post.vote', { post: 987654, up: true }), 'not_found');
  assert.equal((await subscribe(b, room)).posts.find((p) => p.id === post.id).votes, 0);

  // thread.list sort votes follows the opening post's votes.
  const sorted = d.course({ title: 'Sorted by votes' });
  const roles = [`${sorted}:participant`];
  const sa = await as('sv-a', sorted);
  const sb = await as('sv-b', null, null, { roles });
  const sc = await as('sv-c', null, null, { roles });
  const x = await newThread(sa, sorted, 'X');
  const y = await newThread(sa, sorted, 'Y');
  const z = await newThread(sa, sorted, 'Z');
  await ok(sb, 'post.vote', { post: y.post.id, up: true });
  await ok(sc, 'post.vote', { post: y.post.id, up: true });
  await ok(sb, 'post.vote', { post: x.post.id, up: true });
  // A reply's votes do not count for the thread.
  const zr = (await ok(sc, 'post.create', { thread: z.thread.id, body: 'reply in Z' })).post;
  await ok(sa, 'post.vote', { post: zr.id, up: true });
  await ok(sb, 'post.vote', { post: zr.id, up: true });
  const byVotes = (await list(sb, { course: sorted, sort: 'votes' })).threads;
  assert.deepEqual(byVotes.map((th) => th.id), [y.thread.id, x.thread.id, z.thread.id]);
  assert.deepEqual(byVotes.map((th) => th.votes), [2, 1, 0]);
  for (const s of [a, b, c, sa, sb, sc]) await s.close();
});

test('thread.follow: on and off, the following flag, the author follows', async () => {
  const course = d.course({ title: 'Follows' });
  const a = await as('tf-a', course);
  const b = await as('tf-b', course);
  const t = await newThread(a, course, 'Follow me');
  const thread = t.thread.id;
  const flag = async (c) => (await list(c, { course })).threads.find((x) => x.id === thread).following;

  assert.equal(await flag(a), true, 'the author follows');
  assert.equal(await flag(b), false);
  assert.deepEqual(await ok(b, 'thread.follow', { thread, follow: true }), { thread, following: true });
  assert.equal(await flag(b), true);
  assert.deepEqual(await ok(b, 'thread.follow', { thread, follow: true }), { thread, following: true });
  assert.deepEqual(await ok(b, 'thread.follow', { thread, follow: false }), { thread, following: false });
  assert.equal(await flag(b), false);
  assert.deepEqual(await ok(a, 'thread.follow', { thread, follow: false }), { thread, following: false });
  assert.equal(await flag(a), false);
  assertError(await send(b, 'thread.follow', { thread: 987654, follow: true }), 'not_found');
  await a.close();
  await b.close();
});

test('thread.list: pagination, latest, unanswered, bad cursor', async () => {
  const course = d.course({ title: 'Lists' });
  const a = await as('tl-a', course);
  const b = await as('tl-b', course);
  const made = [];
  for (let i = 0; i < 5; i++) made.push((await newThread(a, course, `Page ${i}`)).thread.id);

  const seen = [];
  let cursor;
  let pages = 0;
  do {
    const page = await list(b, { course, limit: 2, ...(cursor ? { cursor } : {}) });
    assert.ok(page.threads.length <= 2);
    seen.push(...page.threads.map((t) => t.id));
    cursor = page.next_cursor;
    pages++;
    assert.ok(pages <= 5, 'pagination ends');
  } while (cursor);
  assert.equal(pages, 3);
  assert.equal(seen.length, 5);
  assert.deepEqual([...seen].sort((x, y) => x - y), [...made].sort((x, y) => x - y), 'every thread exactly once');

  // latest: the thread with the newest reply first.
  await sleep(10);
  await ok(b, 'post.create', { thread: made[1], body: 'bump' });
  const latest = (await list(b, { course, sort: 'latest' })).threads;
  assert.equal(latest[0].id, made[1]);
  assert.equal(latest[0].reply_count, 1);
  assert.deepEqual((await list(b, { course })).threads.map((t) => t.id), latest.map((t) => t.id), 'latest is the default');

  // unanswered: question threads without an endorsed answer (a reply alone does not answer).
  const uc = d.course({ title: 'Unanswered' });
  const ua = await as('tl-ua', uc);
  const uf = await as('tl-uf', uc, 'facilitator');
  const q1 = await ok(ua, 'thread.create', { course: uc, kind: 'question', title: 'Open question', body: '?' });
  const q2 = await ok(ua, 'thread.create', { course: uc, kind: 'question', title: 'Answered question', body: '?' });
  const q3 = await ok(ua, 'thread.create', { course: uc, kind: 'question', title: 'Replied, not endorsed', body: '?' });
  await ok(ua, 'thread.create', { course: uc, kind: 'discussion', title: 'Talk', body: 'hi' });
  const answer = await ok(uf, 'post.create', { thread: q2.thread.id, body: 'the answer' });
  await ok(uf, 'post.create', { thread: q3.thread.id, body: 'a guess' });
  await ok(uf, 'post.endorse', { post: answer.post.id, endorsed: true });
  const un = (await list(ua, { course: uc, sort: 'unanswered' })).threads;
  assert.deepEqual(un.map((t) => t.id), [q3.thread.id, q1.thread.id]);
  assert.equal(un[0].answered, false);

  assertError(await b.request('thread.list', { course, cursor: 'garbage' }), 'bad_cursor', { field: 'cursor' });
  const first = await list(b, { course, limit: 1 });
  assert.ok(first.next_cursor);
  assertError(await b.request('thread.list', { course, sort: 'votes', cursor: first.next_cursor }), 'bad_cursor');
  assertError(await b.request('thread.list', { course, limit: 0 }), 'bad_field', { field: 'limit' });
  assertError(await b.request('thread.list', { course, limit: LIMITS.thread_page_max + 1 }), 'bad_field', { field: 'limit' });
  assertError(await b.request('thread.list', { course: 987654 }), 'not_found');
  assertError(await b.request('thread.list', { course: uc }), 'forbidden');
  for (const s of [a, b, ua, uf]) await s.close();
});

test('anonymity: peers get author null, staff see who', async () => {
  const course = d.course({ title: 'Anonymous' });
  const secretId = 'zelda-anon-7';
  const secretName = 'Zelda Hiddenname';
  const author = await as(secretId, course, 'participant', { name: secretName });
  const peer = await as('an-peer', course);
  const staff = await as('an-staff', course, 'facilitator');
  const croom = `course:${course}`;
  await subscribe(peer, croom);
  await subscribe(staff, croom);

  const t = await ok(author, 'thread.create',
    { course, kind: 'question', title: 'Shy question', body: 'Asked anonymously', anonymous: true });
  assert.equal(t.thread.anonymous, true);
  assert.deepEqual(t.post.author, { id: secretId, name: secretName }, 'the author sees who in the reply');
  const pt = await waitEvent(peer, croom, 'thread.created', (m) => m.data.thread.id === t.thread.id);
  const st = await waitEvent(staff, croom, 'thread.created', (m) => m.data.thread.id === t.thread.id);
  assert.equal(pt.data.thread.author, null);
  assert.deepEqual(st.data.thread.author, { id: secretId, name: secretName });

  const room = `thread:${t.thread.id}`;
  await subscribe(peer, room);
  await subscribe(staff, room);
  const p = (await ok(author, 'post.create', { thread: t.thread.id, body: 'More, anonymously', anonymous: true })).post;
  const pe = await waitEvent(peer, room, 'post.created', (m) => m.data.post.id === p.id);
  const se = await waitEvent(staff, room, 'post.created', (m) => m.data.post.id === p.id);
  assert.equal(pe.data.post.anonymous, true);
  assert.equal(pe.data.post.author, null);
  assert.deepEqual(se.data.post.author, { id: secretId, name: secretName });
  // The thread list's last poster is anonymous too.
  const ps = await waitState(peer, croom, 'thread.stats', (m) => m.data.thread === t.thread.id);
  assert.equal(ps.data.last_poster, null);
  const ss = await waitState(staff, croom, 'thread.stats', (m) => m.data.thread === t.thread.id);
  assert.deepEqual(ss.data.last_poster, { id: secretId, name: secretName });

  const peerSnap = await subscribe(peer, room);
  assert.equal(peerSnap.thread.author, null);
  assert.deepEqual(peerSnap.posts.map((x) => x.author), [null, null]);
  const staffSnap = await subscribe(staff, room);
  assert.deepEqual(staffSnap.posts.map((x) => x.author?.id), [secretId, secretId]);

  const peerList = (await list(peer, { course })).threads.find((x) => x.id === t.thread.id);
  assert.equal(peerList.author, null);
  assert.equal(peerList.last_poster, null);
  const staffList = (await list(staff, { course })).threads.find((x) => x.id === t.thread.id);
  assert.equal(staffList.author.id, secretId);

  await sleep(300);                                    // let coalesced state flush
  for (const f of peer.frames) {
    assert.ok(!f.includes(secretId) && !f.includes(secretName), `a peer frame names the author: ${f.slice(0, 200)}`);
  }
  for (const s of [author, peer, staff]) await s.close();
});

test('live: a post by one client appears on the other\'s socket', async () => {
  const course = d.course({ title: 'Live' });
  const a = await as('lv-a', course);
  const b = await as('lv-b', course);
  const t = await newThread(a, course, 'Live');
  const room = `thread:${t.thread.id}`;
  const sa = await subscribe(a, room);
  await subscribe(b, room);

  const next = nextMessage(a, (m) => m.ev === 'post.created' && m.room === room, WAIT);
  const p = (await ok(b, 'post.create', { thread: t.thread.id, body: 'hello from b' })).post;
  const ev = await next;
  assert.equal(ev.seq, sa.seq + 1);
  assert.equal(ev.data.post.id, p.id);
  assert.equal(ev.data.post.body, 'hello from b');
  assert.deepEqual(ev.data.post.author, { id: 'lv-b', name: 'User lv-b' });
  // The writer's own socket gets it too, once.
  await waitEvent(b, room, 'post.created', (m) => m.data.post.id === p.id);
  await sleep(200);
  assert.equal(eventsOf(a, room).length, 1);
  assert.equal(eventsOf(b, room).length, 1);
  await a.close();
  await b.close();
});
