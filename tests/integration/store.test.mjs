// The durable event store: every event is in its room's log with the next seq, resume replays
// exactly what was missed (also across a restart), idempotent retries, group commit, gap fill.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startDaemon } from '../lib/daemon.mjs';
import { connect } from '../lib/client.mjs';
import { SLOW, LIMITS, assertError, helloClient, nextMessage, sleep } from '../lib/helpers.mjs';

const WAIT = 30000 * SLOW;

const newKey = () => `k${randomBytes(12).toString('hex')}`;

// A write op with a fresh idempotency key; asserts it succeeded and returns its data.
async function write(c, op, data) {
  const r = await c.request(op, { ...data, key: newKey() }, { timeoutMs: WAIT });
  assert.equal(r.ok, true, `${op}: ${JSON.stringify(r)}`);
  return r.data;
}

// The events of one room a client has received so far, in arrival order.
const eventsOf = (c, room) => c.messages.filter((m) => m && typeof m === 'object' && m.ev && m.room === room);

// Resolves with fn()'s value once it is truthy; rejects after ms.
async function until(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
}

// Asserts that the events carry exactly the seqs from, from+1, … in that order.
function assertSeqs(events, from, count, what) {
  const seqs = events.map((e) => e.seq);
  const want = Array.from({ length: count }, (_, i) => from + i);
  assert.deepEqual(seqs, want, `${what}: seqs`);
}

const participant = (course) => [`${course}:participant`];

// Makes a course, a writer socket and a thread in it.
async function setup(d, { user = 'writer' } = {}) {
  const course = d.course({ title: 'Store course' });
  const token = d.token({ user, name: 'Writer', roles: participant(course) });
  const { c: w } = await helloClient(d, {}, { token });
  const { thread, post } = await write(w, 'thread.create',
    { course, kind: 'discussion', title: 'A thread', body: 'The opening post' });
  return { course, w, token, thread, first: post, room: `thread:${thread.id}` };
}

// Posts n replies in a thread from several sockets at once, each staying inside the
// per-socket request burst, each its own writer (one user may hold only
// max_sockets_per_user sockets); resolves with the posts in reply order per socket.
async function postMany(d, course, thread, n, { user = 'bulk', per = 50 } = {}) {
  const jobs = [];
  for (let start = 0; start < n; start += per) {
    const count = Math.min(per, n - start);
    const token = d.token({ user: `${user}-${start / per}`, name: 'Bulk', roles: participant(course) });
    jobs.push((async () => {
      const { c } = await helloClient(d, {}, { token });
      const replies = await Promise.all(Array.from({ length: count }, (_, i) =>
        c.request('post.create', { thread, body: `bulk reply ${start + i}`, key: newKey() }, { timeoutMs: WAIT * 2 })));
      for (const r of replies) assert.equal(r.ok, true, `bulk post.create: ${JSON.stringify(r)}`);
      await c.close();
      return replies.map((r) => r.data.post);
    })());
  }
  return (await Promise.all(jobs)).flat();
}

async function adminStats(d) {
  const { c } = await helloClient(d, { user: 'admin', name: 'Admin', admin: true });
  const r = await c.request('stats', {});
  assert.equal(r.ok, true, `stats: ${JSON.stringify(r)}`);
  await c.close();
  return r.data;
}

// Stops the daemon (SIGTERM, clean exit) and starts it again on the same database.
async function restart(d) {
  assert.equal(await d.stop(), 0, 'forumd exit code on SIGTERM');
  return startDaemon({ dir: d.dir, secret: d.secret, keepDir: true });
}

test('resume after a daemon restart replays exactly the missed events', async () => {
  let d = await startDaemon({ keepDir: true });
  const dir = d.dir;
  try {
    const { course, w, thread, room } = await setup(d);
    const readerToken = d.token({ user: 'reader', name: 'Reader', roles: participant(course) });
    const { c: a } = await helloClient(d, {}, { token: readerToken });
    const sub = await a.request('subscribe', { room });
    assert.equal(sub.ok, true, JSON.stringify(sub));
    assert.equal(sub.data.mode, 'snapshot');
    const lastSeq = sub.data.seq;
    assert.ok(Number.isInteger(lastSeq) && lastSeq >= 1, `seq after the opening post: ${lastSeq}`);
    await a.close();

    const missed = [];
    for (let i = 0; i < 5; i++) {
      missed.push((await write(w, 'post.create', { thread: thread.id, body: `missed ${i}` })).post.id);
    }
    await w.close();

    d = await restart(d);

    const a2 = await connect(d.wsUrl);
    const hello = await a2.request('hello', { token: readerToken, resume: { [room]: lastSeq } });
    assert.equal(hello.ok, true, JSON.stringify(hello));
    const rr = await a2.waitFor((m) => m.re === `resume:${room}`, WAIT);
    assert.equal(rr.ok, true, `resume reply: ${JSON.stringify(rr)}`);
    assert.equal(rr.data.mode, 'replay');
    assert.equal(rr.data.seq, lastSeq + 5);
    assert.equal(rr.data.replay, 5);

    await until(() => eventsOf(a2, room).length >= 5, WAIT, 'replayed events');
    const replayed = eventsOf(a2, room);
    assertSeqs(replayed, lastSeq + 1, 5, 'replay');
    assert.deepEqual(replayed.map((e) => e.ev), Array(5).fill('post.created'));
    assert.deepEqual(replayed.map((e) => e.data.post.id), missed, 'the missed posts, in order');
    assert.ok(a2.messages.indexOf(rr) < a2.messages.indexOf(replayed[0]),
      'the resume reply comes before the replayed events');

    // The seam: a live post follows with the next seq, and nothing is sent twice.
    const token = d.token({ user: 'writer', name: 'Writer', roles: participant(course) });
    const { c: w2 } = await helloClient(d, {}, { token });
    const live = (await write(w2, 'post.create', { thread: thread.id, body: 'live after restart' })).post;
    const ev = await a2.waitFor((m) => m.ev === 'post.created' && m.room === room && m.data.post.id === live.id, WAIT);
    assert.equal(ev.seq, lastSeq + 6);
    assertSeqs(eventsOf(a2, room), lastSeq + 1, 6, 'replay then live');
    await a2.close();
    await w2.close();
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a retried write gets the first reply byte for byte, even after the post changed', async () => {
  const d = await startDaemon();
  try {
    const { w, thread } = await setup(d);
    const key = newKey();
    const req = { thread: thread.id, body: 'the first words', key };
    // The raw frame that answered request id `re`, with its id taken out.
    const replyBytes = (re) => {
      const f = w.frames.find((t) => t.startsWith(`{"re":${JSON.stringify(re)},`));
      assert.ok(f, `the frame of reply ${re}`);
      return f.slice(`{"re":${JSON.stringify(re)},`.length);
    };
    const r1 = await w.request('post.create', req, { timeoutMs: WAIT });
    assert.equal(r1.ok, true, JSON.stringify(r1));
    // The rows move on: a retry must still get what the first write answered, not a render of
    // the post as it is now.
    const ed = await w.request('post.edit', { post: r1.data.post.id, body: 'other words', key: newKey() },
      { timeoutMs: WAIT });
    assert.equal(ed.ok, true, JSON.stringify(ed));
    const r2 = await w.request('post.create', req, { timeoutMs: WAIT });
    assert.equal(r2.ok, true, JSON.stringify(r2));
    assert.notEqual(r2.re, r1.re);
    assert.equal(replyBytes(r2.re), replyBytes(r1.re), 'the retried reply is the first one, byte for byte');
    assert.equal(r2.data.post.body, 'the first words');
    await w.close();
  } finally {
    await d.stop();
  }
});

test('an idempotent retry after a restart returns the first result and stores nothing twice', async () => {
  let d = await startDaemon({ keepDir: true });
  const dir = d.dir;
  try {
    const { w, token, thread, room, course } = await setup(d);
    const K = newKey();
    const req = { thread: thread.id, body: 'exactly once', key: K };
    const r1 = await w.request('post.create', req, { timeoutMs: WAIT });
    assert.equal(r1.ok, true, JSON.stringify(r1));
    await w.close();

    d = await restart(d);

    const { c: w2 } = await helloClient(d, {}, { token });
    const r2 = await w2.request('post.create', req, { timeoutMs: WAIT });
    assert.equal(r2.ok, true, JSON.stringify(r2));
    assert.equal(r2.data.post.id, r1.data.post.id, 'same post id');
    assert.deepEqual(r2.data, r1.data, 'identical data');

    const snap = await w2.request('subscribe', { room });
    assert.equal(snap.ok, true, JSON.stringify(snap));
    assert.equal(snap.data.posts.filter((p) => p.id === r1.data.post.id).length, 1, 'the post is stored once');
    assert.equal(snap.data.posts.length, 2, 'opening post and one reply');
    assert.equal(snap.data.seq, 2, 'one post.created event for the reply');

    const list = await w2.request('thread.list', { course });
    assert.equal(list.ok, true, JSON.stringify(list));
    assert.equal(list.data.threads.find((t) => t.id === thread.id).reply_count, 1);

    const stats = await adminStats(d);
    assert.ok(stats.store.deduped >= 1, `deduped ${stats.store.deduped}`);

    // The same key for another op is refused, and changes nothing.
    const other = await w2.request('post.edit', { post: r1.data.post.id, body: 'changed', key: K }, { timeoutMs: WAIT });
    assertError(other, 'bad_field', { field: 'key' });
    const snap2 = await w2.request('subscribe', { room });
    const p = snap2.data.posts.find((x) => x.id === r1.data.post.id);
    assert.equal(p.body, 'exactly once');
    assert.equal(p.revision, 1);
    assert.equal(snap2.data.seq, 2, 'no event for the refused edit');

    // Keys are per user: another user's K is a new write.
    const { c: o } = await helloClient(d, { user: 'other', name: 'Other', roles: participant(course) });
    const r3 = await o.request('post.create', { ...req, body: 'another user, same key' }, { timeoutMs: WAIT });
    assert.equal(r3.ok, true, JSON.stringify(r3));
    assert.notEqual(r3.data.post.id, r1.data.post.id);
    assert.equal(r3.data.post.body, 'another user, same key');
    await o.close();
    await w2.close();
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an event replayed after its subject changed renders the current state', async () => {
  const d = await startDaemon();
  try {
    const { course, w, thread, room } = await setup(d);
    const sinceSeq = 1;                                   // after the opening post, before the replies
    const edited = (await write(w, 'post.create', { thread: thread.id, body: 'first text' })).post;
    const deleted = (await write(w, 'post.create', { thread: thread.id, body: 'soon gone' })).post;
    const e = await write(w, 'post.edit', { post: edited.id, body: 'second text' });
    assert.equal(e.post.revision, 2);
    await write(w, 'post.delete', { post: deleted.id });

    const c = await connect(d.wsUrl);
    const token = d.token({ user: 'late', name: 'Late', roles: participant(course) });
    const hello = await c.request('hello', { token, resume: { [room]: sinceSeq } });
    assert.equal(hello.ok, true, JSON.stringify(hello));
    const rr = await c.waitFor((m) => m.re === `resume:${room}`, WAIT);
    assert.equal(rr.ok, true, JSON.stringify(rr));
    assert.equal(rr.data.mode, 'replay');
    await until(() => eventsOf(c, room).length >= 4, WAIT, 'replayed events');
    const evs = eventsOf(c, room);
    assertSeqs(evs, sinceSeq + 1, 4, 'replay');
    assert.deepEqual(evs.map((m) => m.ev), ['post.created', 'post.created', 'post.edited', 'post.deleted']);

    const createdEdited = evs[0].data.post;
    assert.equal(createdEdited.id, edited.id);
    assert.equal(createdEdited.body, 'second text', 'replayed post.created shows the edited text');
    assert.equal(createdEdited.revision, 2);
    assert.ok(Number.isInteger(createdEdited.edited_at), 'edited_at is set');

    const createdDeleted = evs[1].data.post;
    assert.equal(createdDeleted.id, deleted.id);
    assert.equal(createdDeleted.state, 'deleted', 'replayed post.created shows the post deleted');
    assert.equal(createdDeleted.body, null, 'and without its text');
    assert.equal(evs[3].data.post.body, null);
    assert.ok(!c.frames.some((f) => f.includes('soon gone')), 'the deleted text never reaches the socket');
    await c.close();
    await w.close();
  } finally {
    await d.stop();
  }
});

test('many events to one socket arrive in multi-message frames', async () => {
  const d = await startDaemon();
  try {
    const { course, w, thread, room } = await setup(d);
    const posts = await postMany(d, course, thread.id, 300);
    assert.equal(posts.length, 300);

    const { c } = await helloClient(d, { user: 'catchup', name: 'Catch Up', roles: participant(course) });
    const sub = await c.request('subscribe', { room, since: 0 }, { timeoutMs: WAIT });
    assert.equal(sub.ok, true, JSON.stringify(sub));
    assert.equal(sub.data.mode, 'replay');
    assert.equal(sub.data.seq, 301);
    assert.equal(sub.data.replay, 301);
    await until(() => eventsOf(c, room).length >= 301, WAIT, 'replay of 301 events');
    await sleep(300);                                    // anything extra would show up now
    const evs = eventsOf(c, room);
    assertSeqs(evs, 1, 301, 'replay from 0');
    const ids = evs.map((m) => m.data.post.id);
    assert.equal(new Set(ids).size, 301, 'every post once');
    for (const p of posts) assert.ok(ids.includes(p.id), `post ${p.id} replayed`);

    const batched = c.frames.map((f) => JSON.parse(f)).filter((x) => Array.isArray(x) && x.length > 1);
    assert.ok(batched.length >= 1, `at least one frame holds several messages (${c.frames.length} frames)`);
    await c.close();
    await w.close();
  } finally {
    await d.stop();
  }
});

test('under concurrent writers, stats show fewer commits than writes', async () => {
  const d = await startDaemon();
  try {
    const { course, w, thread } = await setup(d);
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      helloClient(d, { user: `w${i}`, name: `Writer ${i}`, roles: participant(course) }).then((x) => x.c)));
    const replies = await Promise.all(clients.flatMap((c, i) => Array.from({ length: 50 }, (_, j) =>
      c.request('post.create', { thread: thread.id, body: `c${i} p${j}`, key: newKey() }, { timeoutMs: WAIT * 2 }))));
    assert.equal(replies.length, 1000);
    const bad = replies.filter((r) => r.ok !== true);
    assert.equal(bad.length, 0, `failed writes: ${JSON.stringify(bad.slice(0, 3))}`);
    assert.equal(new Set(replies.map((r) => r.data.post.id)).size, 1000, 'a post per request');

    const { threads } = (await w.request('thread.list', { course })).data;
    assert.equal(threads.find((t) => t.id === thread.id).reply_count, 1000, 'every acknowledged write landed');

    const { store } = await adminStats(d);
    assert.ok(store.writes >= 1000, `writes ${store.writes}`);
    assert.ok(store.commits < store.writes, `commits ${store.commits} < writes ${store.writes}`);
    assert.ok(store.batch_max > 1, `batch_max ${store.batch_max}`);
    await Promise.all(clients.map((c) => c.close()));
    await w.close();
  } finally {
    await d.stop();
  }
});

test('a lost message in the in-process bus is noticed and filled', async () => {
  const d = await startDaemon();
  try {
    const { course, w, thread, room } = await setup(d);
    const { c: s } = await helloClient(d, { user: 'sub', name: 'Sub', roles: participant(course) });
    const sub = await s.request('subscribe', { room });
    assert.equal(sub.ok, true, JSON.stringify(sub));
    const base = sub.data.seq;
    const ctl = await connect(d.wsUrl);

    // A lost message followed by another: the gap is filled from the log.
    const drop1 = await ctl.request('test.bus_drop', { count: 1 });
    assert.equal(drop1.ok, true, JSON.stringify(drop1));
    const p1 = (await write(w, 'post.create', { thread: thread.id, body: 'lost on the bus' })).post;
    const p2 = (await write(w, 'post.create', { thread: thread.id, body: 'after the loss' })).post;
    await until(() => eventsOf(s, room).length >= 2, WAIT, 'both events');
    let evs = eventsOf(s, room);
    assertSeqs(evs, base + 1, 2, 'filled gap');
    assert.deepEqual(evs.map((m) => m.data.post.id), [p1.id, p2.id]);

    // A lost last message: the room's periodic seq beacon brings it.
    const drop2 = await ctl.request('test.bus_drop', { count: 1 });
    assert.equal(drop2.ok, true, JSON.stringify(drop2));
    const p3 = (await write(w, 'post.create', { thread: thread.id, body: 'lost and last' })).post;
    const t0 = Date.now();
    const ev3 = await s.waitFor((m) => m.ev === 'post.created' && m.room === room && m.data.post.id === p3.id,
      5000 * SLOW);
    assert.ok(Date.now() - t0 <= 5000 * SLOW, 'the lost last message came within about 5 s');
    assert.equal(ev3.seq, base + 3);

    await sleep(2500);                                   // a few more beacons: nothing may come twice
    evs = eventsOf(s, room);
    assertSeqs(evs, base + 1, 3, 'no duplicates');
    const { net } = await adminStats(d);
    assert.ok(net.gaps_filled >= 2, `gaps_filled ${net.gaps_filled}: the drops happened and were filled`);
    await ctl.close();
    await s.close();
    await w.close();
  } finally {
    await d.stop();
  }
});

test('replay beyond replay_max gives mode snapshot (reload)', async () => {
  const max = LIMITS.replay_max;
  const d = await startDaemon();
  try {
    const { course, w, thread, room } = await setup(d);
    await postMany(d, course, thread.id, max + 1);     // seqs 1 (opening post) … max + 2
    const top = max + 2;

    const { c } = await helloClient(d, { user: 'far', name: 'Far Behind', roles: participant(course) });
    const r = await c.request('subscribe', { room, since: 1 }, { timeoutMs: WAIT });
    assert.equal(r.ok, true, JSON.stringify(r).slice(0, 300));
    assert.equal(r.data.mode, 'snapshot', 'too far behind: reload');
    assert.equal(r.data.seq, top);
    assert.ok(Array.isArray(r.data.posts), 'the reply carries the posts');
    assert.equal(r.data.posts.length, top);
    assert.equal(r.data.thread.id, thread.id);

    // After the snapshot, live events go on from its seq; nothing older is replayed.
    const live = (await write(w, 'post.create', { thread: thread.id, body: 'after the reload' })).post;
    const ev = await c.waitFor((m) => m.ev === 'post.created' && m.room === room && m.data.post.id === live.id, WAIT);
    assert.equal(ev.seq, top + 1);
    assert.deepEqual(eventsOf(c, room).map((m) => m.seq), [top + 1]);

    // Exactly replay_max behind is still a replay.
    const { c: c2 } = await helloClient(d, { user: 'near', name: 'Near', roles: participant(course) });
    const r2 = await c2.request('subscribe', { room, since: top + 1 - max }, { timeoutMs: WAIT });
    assert.equal(r2.ok, true, JSON.stringify(r2).slice(0, 300));
    assert.equal(r2.data.mode, 'replay');
    assert.equal(r2.data.replay, max);
    await until(() => eventsOf(c2, room).length >= max, WAIT * 2, 'replay of replay_max events');
    assertSeqs(eventsOf(c2, room), top + 2 - max, max, 'replay at the cap');
    await c.close();
    await c2.close();
    await w.close();
  } finally {
    await d.stop();
  }
});

test('a subscriber that resumes with since equal to the current seq gets mode live and no replay', async () => {
  const d = await startDaemon();
  try {
    const { course, w, thread, room } = await setup(d);
    await write(w, 'post.create', { thread: thread.id, body: 'one' });
    await write(w, 'post.create', { thread: thread.id, body: 'two' });

    const { c } = await helloClient(d, { user: 'current', name: 'Current', roles: participant(course) });
    const r = await c.request('subscribe', { room, since: 3 });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.data.mode, 'live');
    assert.equal(r.data.seq, 3);
    assert.equal(r.data.replay, 0);
    assert.equal(r.data.posts, undefined, 'no snapshot');

    // The next event the socket sees is the next live one.
    const next = nextMessage(c, (m) => m.ev && m.room === room, WAIT);
    const p = (await write(w, 'post.create', { thread: thread.id, body: 'three' })).post;
    const ev = await next;
    assert.equal(ev.seq, 4);
    assert.equal(ev.data.post.id, p.id);
    assert.deepEqual(eventsOf(c, room).map((m) => m.seq), [4], 'no replayed events');

    // The same through hello's resume map.
    const c2 = await connect(d.wsUrl);
    const token = d.token({ user: 'current2', name: 'Current 2', roles: participant(course) });
    const hello = await c2.request('hello', { token, resume: { [room]: 4 } });
    assert.equal(hello.ok, true, JSON.stringify(hello));
    const rr = await c2.waitFor((m) => m.re === `resume:${room}`, WAIT);
    assert.equal(rr.data.mode, 'live');
    assert.equal(rr.data.replay, 0);
    const next2 = nextMessage(c2, (m) => m.ev && m.room === room, WAIT);
    await write(w, 'post.create', { thread: thread.id, body: 'four' });
    assert.equal((await next2).seq, 5);
    assert.deepEqual(eventsOf(c2, room).map((m) => m.seq), [5]);
    await c.close();
    await c2.close();
    await w.close();
  } finally {
    await d.stop();
  }
});
