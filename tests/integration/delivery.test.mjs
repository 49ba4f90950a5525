// Delivery under stress: two processes on a real Redis bus, Redis killed mid-stream, the daemon
// killed with -9 under write load, lost bus messages, a slow consumer, write failures inside the
// store, and history retention. Every subscriber must end with every event once and in order.
//
// Some tests print figures (writes per second, latency percentiles, longest delivery gap): they
// are measurements for the benchmark notes, never asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startDaemon, createCourse } from '../lib/daemon.mjs';
import { connect } from '../lib/client.mjs';
import { startRedis } from '../lib/redis.mjs';
import { SLOW, assertError, helloClient, httpGet, sleep } from '../lib/helpers.mjs';

const WAIT = 30000 * SLOW;

const newKey = () => `k${randomBytes(12).toString('hex')}`;
const participant = (course) => [`${course}:participant`];

// The events of one room a client has received so far, in arrival order.
const eventsOf = (c, room) => c.messages.filter((m) => m && typeof m === 'object' && m.ev && m.room === room);

// Resolves with fn()'s value once it is truthy; rejects after ms.
async function until(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(25);
  }
}

// Asserts that the events carry exactly the seqs from, from+1, … in that order.
function assertSeqs(events, from, count, what) {
  const seqs = events.map((e) => e.seq);
  if (seqs.length === count && seqs.every((s, i) => s === from + i)) return;
  // A short account instead of a diff of thousands of numbers.
  const seen = new Map();
  const dups = [];
  for (const s of seqs) { if (seen.has(s)) dups.push(s); seen.set(s, true); }
  const missing = [];
  for (let s = from; s < from + count; s++) if (!seen.has(s)) missing.push(s);
  const disorder = seqs.findIndex((s, i) => i > 0 && s <= seqs[i - 1]);
  assert.fail(`${what}: expected seqs ${from}..${from + count - 1} once and in order; got ${seqs.length} events, ` +
    `missing ${missing.length} [${missing.slice(0, 10)}], duplicated [${dups.slice(0, 10)}], ` +
    `first disorder at index ${disorder} (${seqs.slice(Math.max(0, disorder - 2), disorder + 3)})`);
}

// A write op with a fresh idempotency key; asserts it succeeded and returns its data.
async function write(c, op, data) {
  const r = await c.request(op, { ...data, key: newKey() }, { timeoutMs: WAIT });
  assert.equal(r.ok, true, `${op}: ${JSON.stringify(r)}`);
  return r.data;
}

async function subscribe(c, room, since) {
  const data = since === undefined ? { room } : { room, since };
  const r = await c.request('subscribe', data, { timeoutMs: WAIT });
  assert.equal(r.ok, true, `subscribe ${room}: ${JSON.stringify(r).slice(0, 300)}`);
  return r.data;
}

// Records the local arrival time of every message: c.times[i] belongs to c.messages[i].
function stampTimes(c) {
  c.times = c.messages.map(() => Date.now());
  c.ws.on('message', () => {
    const now = Date.now();
    while (c.times.length < c.messages.length) c.times.push(now);
  });
  return c;
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function adminClient(d, { ttl = 3600 } = {}) {
  return (await helloClient(d, { user: 'admin', name: 'Admin', admin: true, ttl })).c;
}

async function stats(c) {
  const r = await c.request('stats', {}, { timeoutMs: WAIT });
  assert.equal(r.ok, true, `stats: ${JSON.stringify(r)}`);
  return r.data;
}

// Opens authenticated connections until each of `procs` processes (told apart by hello's
// server.process) holds `perProcess` of them; the extras are closed.
// tokenFor(k) gives the token of the k-th connection opened. Returns [{proc, clients}].
async function clientsByProcess(d, tokenFor, perProcess, procs = 2) {
  const by = new Map();
  const extras = [];
  let k = 0;
  const full = () => by.size >= procs && [...by.values()].every((a) => a.length >= perProcess);
  while (!full()) {
    assert.ok(k < perProcess * procs * 8, `connections did not reach ${procs} processes: ` +
      JSON.stringify([...by].map(([p, a]) => [p, a.length])));
    const batch = await Promise.all(Array.from({ length: 8 }, () => {
      const token = tokenFor(k++);
      return helloClient(d, {}, { token });
    }));
    for (const { c, reply } of batch) {
      const p = reply.data.server.process;
      assert.equal(typeof p, 'string', `hello server.process: ${JSON.stringify(reply.data.server)}`);
      const a = by.get(p) || [];
      if (a.length < perProcess && (by.has(p) || by.size < procs)) { a.push(c); by.set(p, a); } else extras.push(c);
    }
  }
  await Promise.all(extras.map((c) => c.close()));
  return [...by].map(([proc, clients]) => ({ proc, clients }));
}

// /healthz of whichever process the kernel hands this connection to.
async function health(d) {
  try {
    const r = await httpGet(`${d.url}/healthz`);
    return JSON.parse(r.body);
  } catch (e) {
    return { status: 'error', error: String(e) };
  }
}

// Stops the daemon with SIGTERM and asserts a clean exit (sanitizer builds exit non-zero on a
// leak or an error report).
async function stopClean(d) {
  const code = await d.stop();
  assert.equal(code, 0, `forumd exit code ${code}\n${d.stderr.slice(-4000)}`);
  assert.doesNotMatch(d.stderr, /Sanitizer|runtime error:/, d.stderr.slice(-4000));
}

const twoWorkersOn = (redis) => ({ args: ['--workers', '2', '--redis', redis.url] });

// Two processes on the Redis bus, on a database that already exists (made by creating the
// course first), so these tests do not depend on how workers race to create a new database;
// that case has a test of its own. Returns {d, course}.
async function twoWorkers(redis, title) {
  const dir = mkdtempSync(join(tmpdir(), 'forumd-test-'));
  let course;
  try {
    course = createCourse(join(dir, 'forumd.db'), { title });
    return { d: await startDaemon({ dir, ...twoWorkersOn(redis) }), course };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------

test('two processes start together on a new database', async () => {
  const redis = await startRedis();
  try {
    for (let i = 0; i < 6; i++) {                      // a race shows up on some starts only
      const d = await startDaemon(twoWorkersOn(redis));
      try {
        const h = await health(d);
        assert.equal(h.status, 'ok', JSON.stringify(h));
        await stopClean(d);
      } finally {
        await d.stop();
      }
    }
  } finally {
    await redis.stop();
  }
});

test('two processes on Redis: 2,000 posts from both reach every subscriber once, in order, batched into fewer PUBLISHes', async () => {
  const redis = await startRedis();
  let d;
  try {
    let course;
    ({ d, course } = await twoWorkers(redis, 'Fanout course'));
    const tokenFor = (k) => d.token({ user: `fan${k}`, name: `Fan ${k}`, roles: participant(course) });
    const [A, B] = await clientsByProcess(d, tokenFor, 23);

    const { thread } = await write(A.clients[3], 'thread.create',
      { course, kind: 'discussion', title: 'Busy thread', body: 'The opening post' });
    const room = `thread:${thread.id}`;
    const subs = [...A.clients.slice(0, 3), ...B.clients.slice(0, 3)];
    for (const s of subs) {
      const r = await subscribe(s, room);
      assert.equal(r.mode, 'snapshot');
      assert.equal(r.seq, 1, 'only the opening post so far');
    }

    // 40 writers (20 per process), 50 posts each, all pipelined: inside the per-socket burst.
    const writers = [...A.clients.slice(3), ...B.clients.slice(3)];
    assert.equal(writers.length, 40);
    const publishes0 = await redis.publishCalls();
    const t0 = Date.now();
    const replies = (await Promise.all(writers.map((w, i) => Promise.all(Array.from({ length: 50 }, (_, j) =>
      w.request('post.create', { thread: thread.id, body: `w${i} p${j}`, key: newKey() }, { timeoutMs: WAIT * 2 })))))).flat();
    const ackSecs = (Date.now() - t0) / 1000;
    const bad = replies.filter((r) => r.ok !== true);
    assert.equal(bad.length, 0, `failed writes: ${JSON.stringify(bad.slice(0, 3))}`);
    const acked = new Set(replies.map((r) => r.data.post.id));
    assert.equal(acked.size, 2000, 'a post per request');

    await until(() => subs.every((s) => eventsOf(s, room).length >= 2000), WAIT * 2,
      'every subscriber has 2000 events');
    const allSecs = (Date.now() - t0) / 1000;
    await sleep(1500);                                   // beacons and late duplicates would show now
    const orders = subs.map((s, i) => {
      const evs = eventsOf(s, room);
      assertSeqs(evs, 2, 2000, `subscriber ${i} (${i < 3 ? A.proc : B.proc})`);
      assert.ok(evs.every((e) => e.ev === 'post.created'), 'only post.created events');
      return evs.map((e) => e.data.post.id);
    });
    for (let i = 1; i < orders.length; i++) assert.deepEqual(orders[i], orders[0], `subscriber ${i}: same posts, same order`);
    assert.deepEqual(new Set(orders[0]), acked, 'the events are exactly the acknowledged posts');
    // Each post is an event in the thread (and a stats state in the course): at
    // least 2,000 records. Writes committed together go out as one PUBLISH per room.
    const publishes = await redis.publishCalls() - publishes0;
    console.log(`# fanout: ${publishes} PUBLISH commands carried 2000 events and their states`);
    assert.ok(publishes > 0 && publishes < 2000, `records are batched: ${publishes} PUBLISHes for 2,000 posts`);
    console.log(`# fanout: 2000 posts over 2 processes acknowledged in ${ackSecs.toFixed(1)} s ` +
      `(${Math.round(2000 / ackSecs)}/s); all 6 subscribers complete after ${allSecs.toFixed(1)} s`);
    await Promise.all([...A.clients, ...B.clients].map((c) => c.close()));
    await stopClean(d);
  } finally {
    if (d) await d.stop();
    await redis.stop();
  }
});

test('Redis killed mid-stream: writes go on, processes see each other through SQLite, nothing is lost', async () => {
  const redis = await startRedis();
  let d;
  let stop = false;
  try {
    let course;
    ({ d, course } = await twoWorkers(redis, 'Outage course'));
    const tokenFor = (k) => d.token({ user: `out${k}`, name: `Out ${k}`, roles: participant(course) });
    const [A, B] = await clientsByProcess(d, tokenFor, 4);

    const { thread } = await write(A.clients[2], 'thread.create',
      { course, kind: 'discussion', title: 'Outage thread', body: 'The opening post' });
    const room = `thread:${thread.id}`;
    // Per process: two live subscribers, one writer, one subscriber that leaves during the outage.
    const subsA = A.clients.slice(0, 2), subsB = B.clients.slice(0, 2);
    const live = [...subsA, ...subsB];
    const leavers = [A.clients[3], B.clients[3]];
    for (const s of [...live, ...leavers]) { stampTimes(s); await subscribe(s, room); }

    const acks = [];                                     // {id, tag, sentAt, ackAt}
    const failures = [];
    const writerLoop = async (w, tag) => {
      for (let n = 0; !stop; n++) {
        let r;
        const sentAt = Date.now();
        try {
          r = await w.request('post.create', { thread: thread.id, body: `${tag} ${n}`, key: newKey() }, { timeoutMs: WAIT });
        } catch (e) { failures.push(String(e)); return; }
        if (r.ok) acks.push({ id: r.data.post.id, tag, sentAt, ackAt: Date.now() });
        else failures.push(JSON.stringify(r));
        await sleep(40);
      }
    };
    const loops = [writerLoop(A.clients[2], 'A'), writerLoop(B.clients[2], 'B')];

    await until(() => acks.length >= 20, WAIT, 'writes before the outage');
    const killAt = Date.now();
    await redis.kill('SIGKILL');
    const deadAt = Date.now();
    await Promise.all(leavers.map((c) => c.close()));
    const left = leavers.map((c) => ({ before: eventsOf(c, room), last: eventsOf(c, room).at(-1)?.seq ?? 1 }));

    // /healthz says degraded on each process (connections land on either).
    const degradedAt = new Map();
    const seenProcs = new Set();
    await until(async () => {
      const h = await health(d);
      if (h.process) seenProcs.add(h.process);
      if (h.status === 'degraded' && !degradedAt.has(h.process)) degradedAt.set(h.process, Date.now() - killAt);
      return degradedAt.size >= 2 || (degradedAt.size >= 1 && Date.now() - killAt > 12000 * SLOW);
    }, 20000 * SLOW, 'healthz degraded after the Redis kill');
    const firstDegraded = Math.min(...degradedAt.values());
    assert.ok(firstDegraded <= 10000 * SLOW, `degraded reported ${firstDegraded} ms after the kill`);

    // A process sees the other's new posts (sent once Redis was dead) through SQLite.
    const crossed = (subs, tag) => subs.every((s) => eventsOf(s, room).some((e) =>
      acks.some((a) => a.tag === tag && a.sentAt > deadAt && a.id === e.data.post.id)));
    await until(() => crossed(subsB, 'A') && crossed(subsA, 'B'), 20000 * SLOW,
      'posts made on one process during the outage reach the other');
    const waitMore = 5000 - (Date.now() - killAt);
    if (waitMore > 0) await sleep(waitMore);
    const ackedDuring = acks.filter((a) => a.ackAt > killAt).length;
    const restartAt = Date.now();
    await redis.restart();

    // Back to ok: several consecutive healthy answers.
    let okRun = 0;
    await until(async () => {
      const h = await health(d);
      okRun = h.status === 'ok' ? okRun + 1 : 0;
      return okRun >= 6;
    }, 30000 * SLOW, 'healthz ok after Redis is back');
    await sleep(1500);                                   // writes after the re-sync too
    stop = true;
    await Promise.all(loops);
    assert.deepEqual(failures, [], 'every write was acknowledged, before, during and after the outage');
    const total = acks.length;
    assert.equal(new Set(acks.map((a) => a.id)).size, total);

    // The subscribers that left come back (on whichever process) and resume.
    const resumed = [];
    for (let i = 0; i < left.length; i++) {
      const c = stampTimes(await connect(d.wsUrl));
      const token = d.token({ user: `back${i}`, name: `Back ${i}`, roles: participant(course) });
      const h = await c.request('hello', { token, resume: { [room]: left[i].last } }, { timeoutMs: WAIT });
      assert.equal(h.ok, true, JSON.stringify(h));
      const rr = await c.waitFor((m) => m.re === `resume:${room}`, WAIT);
      assert.equal(rr.ok, true, JSON.stringify(rr));
      assert.equal(rr.data.mode, 'replay', `resume from ${left[i].last}: ${JSON.stringify(rr.data).slice(0, 200)}`);
      // What it held before leaving plus what it got now.
      resumed.push({ c, before: left[i].before, replay: rr.data.replay, at: Date.now() });
    }

    const want = total;                                  // seqs 2 .. total+1
    const ackedIds = new Set(acks.map((a) => a.id));
    await until(() => live.every((s) => eventsOf(s, room).length >= want) &&
      resumed.every((r) => r.before.length + eventsOf(r.c, room).length >= want), WAIT * 2,
      'every subscriber has every event');
    const caughtUp = Date.now() - Math.min(...resumed.map((r) => r.at));
    await sleep(1500);
    let lost = 0;
    for (const [i, s] of live.entries()) {
      const evs = eventsOf(s, room);
      lost += [...ackedIds].filter((id) => !evs.some((e) => e.data.post.id === id)).length;
      assertSeqs(evs, 2, want, `live subscriber ${i}`);
      assert.deepEqual(new Set(evs.map((e) => e.data.post.id)), ackedIds, `live subscriber ${i}: the acknowledged posts`);
    }
    for (const [i, r] of resumed.entries()) {
      const evs = [...r.before, ...eventsOf(r.c, room)];
      assertSeqs(evs, 2, want, `resumed subscriber ${i}`);
      assert.deepEqual(new Set(evs.map((e) => e.data.post.id)), ackedIds, `resumed subscriber ${i}: the acknowledged posts`);
    }
    const order = eventsOf(live[0], room).map((e) => e.data.post.id);
    for (const s of live.slice(1)) assert.deepEqual(eventsOf(s, room).map((e) => e.data.post.id), order, 'same order everywhere');

    // Figures: the longest time a live subscriber went without an event while posts kept coming.
    let longest = 0;
    for (const s of live) {
      const idx = s.messages.map((m, i) => (m && m.ev && m.room === room ? i : -1)).filter((i) => i >= 0);
      for (let j = 1; j < idx.length; j++) longest = Math.max(longest, s.times[idx[j]] - s.times[idx[j - 1]]);
    }
    console.log(`# redis outage: degraded seen on ${degradedAt.size}/${seenProcs.size} processes, first after ` +
      `${firstDegraded} ms (${JSON.stringify(Object.fromEntries(degradedAt))}); ${ackedDuring} writes acknowledged ` +
      `during the outage before the restart (${restartAt - killAt} ms after the kill); ${total} writes in all; ` +
      `longest delivery gap of a live subscriber ${longest} ms; resumed replays ${resumed.map((r) => r.replay)} events, ` +
      `all subscribers complete ${caughtUp} ms after the resumes; ` +
      `messages lost ${lost}`);
    await Promise.all([...live, ...resumed.map((r) => r.c), A.clients[2], B.clients[2]].map((c) => c.close()));
    await stopClean(d);
  } finally {
    stop = true;
    if (d) await d.stop();
    await redis.stop();
  }
});

test('kill -9 under write load loses no acknowledged write and leaves no half-written post', async () => {
  let d = await startDaemon({ keepDir: true });
  const dir = d.dir;
  const N = 50;
  try {
    const course = d.course({ title: 'Crash course' });
    // One thread per client, so each thread stays well inside a snapshot and a replay.
    const clients = await Promise.all(Array.from({ length: N }, async (_, i) => {
      const { c } = await helloClient(d, { user: `crash${i}`, name: `Crash ${i}`, roles: participant(course) });
      const { thread, post } = await write(c, 'thread.create',
        { course, kind: 'discussion', title: `Crash thread ${i}`, body: `opening ${i}` });
      return { c, thread: thread.id, sent: new Set([`opening ${i}`]), acked: [post.id], ackedBodies: [] };
    }));

    let killed = false;
    let lastAck = 0;
    let refused = 0;
    const failures = [];
    const loop = async (cl, i) => {
      for (let n = 0; !killed; n++) {
        const body = `c${i} n${n}`;
        const key = newKey();
        cl.sent.add(body);
        for (;;) {                                     // a refused request is retried with its key
          let r;
          try {
            r = await cl.c.request('post.create', { thread: cl.thread, body, key }, { timeoutMs: WAIT });
          } catch { return; }                          // the daemon is gone
          if (r.ok) { cl.acked.push(r.data.post.id); cl.ackedBodies.push(body); lastAck = Date.now(); break; }
          if (r.error?.code === 'rate_limited') { refused++; await sleep(r.error.retry_after_ms); if (killed) return; continue; }
          failures.push(JSON.stringify(r));
          return;
        }
      }
    };
    const t0 = Date.now();
    const loops = clients.map(loop);
    await sleep(2000);
    killed = true;
    d.proc.kill('SIGKILL');
    assert.equal(await d.exited, 'SIGKILL');
    await Promise.all(loops);
    const ackedCount = clients.reduce((s, cl) => s + cl.acked.length - 1, 0);
    const secs = (lastAck - t0) / 1000;
    assert.deepEqual(failures, [], 'no write failed before the kill');
    assert.ok(ackedCount > 0, 'some writes were acknowledged');
    console.log(`# kill -9: ${ackedCount} post.create acknowledged by ${N} clients in ${secs.toFixed(2)} s = ` +
      `${Math.round(ackedCount / secs)} posts/s, ${refused} rate_limited refusals retried (one request in flight ` +
      `per client; the per-socket rate limit allows 60 at once, then 30/s)`);

    d = await startDaemon({ dir, secret: d.secret, keepDir: true });
    const snapC = await adminClient(d);
    const replayC = await adminClient(d);
    let extra = 0;
    for (const [i, cl] of clients.entries()) {
      const room = `thread:${cl.thread}`;
      const snap = await subscribe(snapC, room);
      assert.equal(snap.mode, 'snapshot');
      const stored = new Map(snap.posts.map((p) => [p.id, p]));
      for (const id of cl.acked) assert.ok(stored.has(id), `thread ${i}: acknowledged post ${id} is stored`);
      for (const p of snap.posts) assert.ok(cl.sent.has(p.body), `thread ${i}: stored body ${JSON.stringify(p.body)} was sent`);
      extra += snap.posts.length - cl.acked.length;

      const rep = await subscribe(replayC, room, 0);
      assert.ok(rep.mode === 'replay' || rep.mode === 'snapshot', `resume from 0: ${rep.mode}`);
      assert.equal(rep.seq, snap.seq, `thread ${i}: same seq`);
      let created;
      if (rep.mode === 'replay') {
        await until(() => eventsOf(replayC, room).length >= rep.seq, WAIT, `thread ${i}: replay`);
        const evs = eventsOf(replayC, room);
        assertSeqs(evs, 1, rep.seq, `thread ${i}: replay from 0`);
        created = evs.filter((e) => e.ev === 'post.created').map((e) => e.data.post.id);
      } else {
        created = rep.posts.map((p) => p.id);
      }
      // Every stored post has its event, and every event its post: nothing is half there.
      assert.equal(created.length, snap.posts.length, `thread ${i}: post.created events = posts`);
      assert.deepEqual(new Set(created), new Set(stored.keys()), `thread ${i}: the same posts`);
      for (const id of cl.acked) assert.ok(created.includes(id), `thread ${i}: acknowledged post ${id} replayed`);
    }
    console.log(`# kill -9: after restart every acknowledged post is stored and replayed; ` +
      `${extra} more posts were committed but their replies never arrived`);
    await snapC.close();
    await replayC.close();
    await stopClean(d);
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lost Redis message and a lost last message are filled on the other process', async () => {
  const redis = await startRedis();
  let d;
  try {
    let course;
    ({ d, course } = await twoWorkers(redis, 'Drop course'));
    const tokenFor = (k) => d.token({ user: `drop${k}`, name: `Drop ${k}`, roles: participant(course) });
    const [A, B] = await clientsByProcess(d, tokenFor, 2);
    const [w, sA] = A.clients;
    const [sB] = B.clients;
    const { thread } = await write(w, 'thread.create',
      { course, kind: 'discussion', title: 'Drop thread', body: 'The opening post' });
    const room = `thread:${thread.id}`;
    const base = (await subscribe(sA, room)).seq;
    assert.equal((await subscribe(sB, room)).seq, base);

    // The writer's process does not publish the next event: the one after it shows the gap.
    const drop1 = await w.request('test.bus_drop', { count: 1 });
    assert.equal(drop1.ok, true, JSON.stringify(drop1));
    assert.equal(drop1.data.count, 1);
    const p1 = (await write(w, 'post.create', { thread: thread.id, body: 'lost on the bus' })).post;
    const p2 = (await write(w, 'post.create', { thread: thread.id, body: 'after the loss' })).post;
    for (const s of [sA, sB]) {
      await until(() => eventsOf(s, room).length >= 2, WAIT, 'both events');
      assertSeqs(eventsOf(s, room), base + 1, 2, 'filled gap');
      assert.deepEqual(eventsOf(s, room).map((m) => m.data.post.id), [p1.id, p2.id]);
    }

    // A lost last message: the room's seq beacon shows it.
    const drop2 = await w.request('test.bus_drop', { count: 1 });
    assert.equal(drop2.ok, true, JSON.stringify(drop2));
    const p3 = (await write(w, 'post.create', { thread: thread.id, body: 'lost and last' })).post;
    const t0 = Date.now();
    const got = await Promise.allSettled([sA, sB].map((s) =>
      s.waitFor((m) => m.ev === 'post.created' && m.room === room && m.data.post.id === p3.id, WAIT)));
    const filledIn = Date.now() - t0;
    for (const [i, where] of ['on the writer\'s process', 'on the other process'].entries()) {
      assert.equal(got[i].status, 'fulfilled', `the lost last message never reached the subscriber ${where} ` +
        `(it holds seqs ${eventsOf([sA, sB][i], room).map((e) => e.seq)})`);
      assert.equal(got[i].value.seq, base + 3);
    }
    await sleep(2500);                                   // more beacons: nothing may come twice
    for (const s of [sA, sB]) assertSeqs(eventsOf(s, room), base + 1, 3, 'no duplicates');
    console.log(`# bus drop on Redis: the lost last message reached the other process after ${filledIn} ms`);
    await Promise.all([...A.clients, ...B.clients].map((c) => c.close()));
    await stopClean(d);
  } finally {
    if (d) await d.stop();
    await redis.stop();
  }
});

// A subscriber that keeps only what the test needs (seq, post number, arrival time) of each event,
// so a hundred of them can take hundreds of megabytes of posts.
function leanSubscriber(url) {
  return new Promise((res, rej) => {
    const ws = new WebSocket(url, 'forumd.v1');
    const s = { ws, events: [], pending: new Map(), nextId: 1, closeInfo: undefined };
    s.closed = new Promise((r) => ws.on('close', (code) => { s.closeInfo = { code }; r(s.closeInfo); }));
    s.request = (op, data) => new Promise((ok, fail) => {
      const id = `l${s.nextId++}`;
      const t = setTimeout(() => fail(new Error(`no reply to ${op}`)), WAIT);
      s.pending.set(id, (m) => { clearTimeout(t); ok(m); });
      ws.send(JSON.stringify({ op, id, data }));
    });
    ws.on('error', () => {});
    ws.on('message', (buf) => {
      const t = Date.now();
      const parsed = JSON.parse(buf.toString());
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
        if (m.ev) {
          const body = m.data?.post?.body || '';
          s.events.push({ seq: m.seq, n: Number(/^L(\d+)\|/.exec(body)?.[1] ?? -1), t });
        } else if (m.re && s.pending.has(m.re)) {
          s.pending.get(m.re)(m);
          s.pending.delete(m.re);
        }
      }
    });
    ws.once('open', () => res(s));
    ws.once('error', rej);
  });
}

// A stream of `posts` big posts to 100 subscribers, optionally with one more that never reads.
// The posts go out in small waves, each only once every subscriber is less than `ahead` posts
// behind, so the readers stay far below the queue bound whatever the machine's speed, while the
// one that does not read passes it (its kernel socket buffers take the first ~3 MB).
// Returns the latencies (send of post.create to arrival) and what the slow one saw.
async function burstRun({ slow, posts = 560, bodyBytes = 16000, subscribers = 100, wave = 10, ahead = 40 }) {
  const d = await startDaemon();
  try {
    const course = d.course({ title: 'Burst course' });
    const wtok = d.token({ user: 'burst-writer', name: 'Writer', roles: participant(course) });
    const { c: opener } = await helloClient(d, {}, { token: wtok });
    const { thread } = await write(opener, 'thread.create',
      { course, kind: 'discussion', title: 'Burst thread', body: 'The opening post' });
    const room = `thread:${thread.id}`;
    // One reader user per socket: a user may hold only max_sockets_per_user sockets.
    const rtok = (n) => d.token({ user: `burst-reader-${n}`, name: 'Reader', roles: participant(course) });
    const subs = [];
    for (let i = 0; i < subscribers; i += 10) {
      subs.push(...await Promise.all(Array.from({ length: Math.min(10, subscribers - i) }, async (_, j) => {
        const s = await leanSubscriber(d.wsUrl);
        const h = await s.request('hello', { token: rtok(i + j) }, { timeoutMs: 30000 });
        assert.equal(h.ok, true, JSON.stringify(h));
        const r = await s.request('subscribe', { room });
        assert.equal(r.ok, true, JSON.stringify(r).slice(0, 200));
        return s;
      })));
    }
    let slowC = null;
    if (slow) {
      ({ c: slowC } = await helloClient(d, { user: 'slowpoke', name: 'Slow', roles: participant(course) }));
      await subscribe(slowC, room);
      slowC.ws._socket.pause();                        // reads nothing more from now on
    }
    const admin = await adminClient(d);

    const nWriters = 12;                                 // well inside each socket's request rate
    const writers = await Promise.all(Array.from({ length: nWriters }, () =>
      helloClient(d, {}, { token: wtok }).then((x) => x.c)));
    const pad = 'x'.repeat(bodyBytes);
    const sentAt = new Array(posts);
    const pending = [];
    const behind = (n) => {
      const closed = subs.find((s) => s.closeInfo);
      if (closed) throw new Error(`a reading subscriber was closed: ${JSON.stringify(closed.closeInfo)}`);
      return subs.every((s) => s.events.length >= n - ahead);
    };
    const t0 = Date.now();
    for (let n = 0; n < posts;) {
      await until(() => behind(n), WAIT * 2, `subscribers keep up at post ${n}`);
      for (let j = 0; j < wave && n < posts; j++, n++) {
        sentAt[n] = Date.now();
        pending.push(writers[n % nWriters].request('post.create',
          { thread: thread.id, body: `L${n}|${pad}`, key: newKey() }, { timeoutMs: WAIT * 2 }));
      }
      await sleep(10);
    }
    const replies = await Promise.all(pending);
    const bad = replies.filter((r) => r.ok !== true);
    assert.equal(bad.length, 0, `failed writes: ${JSON.stringify(bad.slice(0, 2)).slice(0, 300)}`);
    await until(() => behind(posts + ahead), WAIT * 3, `${subscribers} subscribers have ${posts} events`);
    const secs = (Date.now() - t0) / 1000;
    await sleep(500);
    const lat = [];
    for (const [i, s] of subs.entries()) {
      assertSeqs(s.events, 2, posts, `subscriber ${i}`);
      assert.equal(new Set(s.events.map((e) => e.n)).size, posts, `subscriber ${i}: every post once`);
      for (const e of s.events) lat.push(e.t - sentAt[e.n]);
    }
    lat.sort((a, b) => a - b);

    let slowSeen = null;
    if (slow) {
      const st = await stats(admin);
      // Reading again lets the close frame through.
      slowC.ws._socket.resume();
      const info = await until(() => slowC.closeInfo, WAIT, 'the slow consumer is closed');
      const evs = eventsOf(slowC, room);
      slowSeen = { code: info.code, reason: info.reason, events: evs.length, queued: st.net.queued_bytes };
      // What it did get is a gap-free prefix, so it can resume from its last seq.
      if (evs.length) assertSeqs(evs, 2, evs.length, 'slow consumer prefix');
      assert.equal(info.code, 4003, `slow consumer close: ${JSON.stringify(info)}`);
      assert.equal(info.reason, 'slow_consumer');
      // And it can: a resume from its last seq completes the sequence.
      const last = evs.at(-1)?.seq ?? 1;
      const { c: back } = await helloClient(d, { user: 'slowpoke', name: 'Slow', roles: participant(course) });
      const r = await subscribe(back, room, last);
      assert.equal(r.mode, 'replay');
      await until(() => eventsOf(back, room).length >= posts + 1 - last, WAIT, 'the slow consumer catches up');
      assertSeqs(eventsOf(back, room), last + 1, posts + 1 - last, 'slow consumer after resuming');
      await back.close();
    }
    await Promise.all(subs.map((s) => { s.ws.close(); return s.closed; }));
    await Promise.all([...writers, opener, admin].map((c) => c.close()));
    await stopClean(d);
    return { lat, secs, slowSeen };
  } finally {
    await d.stop();
  }
}

test('a slow consumer is closed with 4003 and the others get everything', async () => {
  // Alternate the two kinds of run, so warm-up and machine noise fall on both.
  const runs = [];
  for (const slow of [false, true, false, true]) runs.push({ slow, ...await burstRun({ slow }) });
  const pool = (slow) => {
    const rs = runs.filter((r) => r.slow === slow);
    return { lat: rs.flatMap((r) => r.lat).sort((a, b) => a - b), secs: rs.reduce((t, r) => t + r.secs, 0),
             slowSeen: rs.map((r) => r.slowSeen) };
  };
  const without = pool(false), withSlow = pool(true);
  const fmt = (r) => `p50 ${percentile(r.lat, 50)} ms, p99 ${percentile(r.lat, 99)} ms, max ${r.lat.at(-1)} ms ` +
    `(${r.lat.length} deliveries in ${r.secs.toFixed(1)} s)`;
  console.log(`# post-to-delivery latency, 100 subscribers, 560 posts of 16 KB: without a slow client ${fmt(without)}; ` +
    `with one ${fmt(withSlow)} (two runs of each, pooled); the slow ones got ` +
    `${withSlow.slowSeen.map((x) => `${x.events} events, then close ${x.code}`).join('; ')}`);
});

test('a reader that stops reading for a while, then reads again, gets every event whole and in order', async () => {
  // The kernel takes part of a frame when the socket's buffer fills: the rest
  // must go out before anything else, and the frames after it batched behind.
  // A small kernel send buffer makes that happen after a few hundred KB.
  const d = await startDaemon({ args: ['--socket-sndbuf', '16384'] });
  try {
    const course = d.course({ title: 'Pause course' });
    const { c: writer } = await helloClient(d, { user: 'pause-writer', name: 'Writer', roles: participant(course) });
    const { thread } = await write(writer, 'thread.create',
      { course, kind: 'discussion', title: 'Paused reader', body: 'The opening post' });
    const room = `thread:${thread.id}`;
    const { c: reader } = await helloClient(d, { user: 'pause-reader', name: 'Reader', roles: participant(course) });
    await subscribe(reader, room);
    reader.ws._socket.pause();
    const pad = 'y'.repeat(12000);
    // Six sockets at 25 posts a second each: inside the per-socket request rate.
    // Posts go on until the kernel has taken only part of a frame for the
    // reader (at most about 3.6 MB: under outq_max_bytes).
    const writers = [writer, ...await Promise.all(Array.from({ length: 5 }, () =>
      helloClient(d, { user: 'pause-writer', name: 'Writer', roles: participant(course) }).then((x) => x.c)))];
    const admin = await adminClient(d);
    const partial0 = (await stats(admin)).net.partial_sends;
    let n = 0, st;
    for (;;) {
      const replies = await Promise.all(writers.map((w, j) =>
        w.request('post.create', { thread: thread.id, body: `P${n + j}|${pad}`, key: newKey() },
          { timeoutMs: WAIT * 2 })));
      const bad = replies.filter((r) => r.ok !== true);
      assert.equal(bad.length, 0, `failed writes: ${JSON.stringify(bad.slice(0, 2)).slice(0, 300)}`);
      n += writers.length;
      st = await stats(admin);
      if (st.net.partial_sends > partial0 && n >= 60) break;
      assert.ok(n < 300, `no partial send after ${n} posts of 12 KB`);
      await sleep(40);
    }
    assert.ok(st.net.queued_bytes > 0, `the paused reader has bytes waiting (${st.net.queued_bytes})`);
    await sleep(300);
    reader.ws._socket.resume();
    await until(() => eventsOf(reader, room).length >= n, WAIT * 2, 'the reader has every event');
    const evs = eventsOf(reader, room);
    assertSeqs(evs, 2, n, 'paused reader');
    evs.forEach((e, i) => assert.equal(e.data.post.body, `P${i}|${pad}`, `event ${i} is whole`));
    assert.ok(!reader.closeInfo, `the reader stays connected: ${JSON.stringify(reader.closeInfo)}`);
    console.log(`# paused reader: ${n} posts of 12 KB, ${st.net.partial_sends - partial0} partial sends, ` +
      `${st.net.queued_bytes} bytes waiting when it read again; every event whole`);
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

test('store failures (commit, busy, disk full) fail the write cleanly and a retry succeeds once', async () => {
  const d = await startDaemon();
  try {
    const course = d.course({ title: 'Failure course' });
    const token = d.token({ user: 'fwriter', name: 'Writer', roles: participant(course) });
    const { c: w } = await helloClient(d, {}, { token });
    const { thread } = await write(w, 'thread.create',
      { course, kind: 'discussion', title: 'Failure thread', body: 'The opening post' });
    const room = `thread:${thread.id}`;
    const { c: s } = await helloClient(d, { user: 'fsub', name: 'Sub', roles: participant(course) });
    let seq = (await subscribe(s, room)).seq;
    const { c: reader } = await helloClient(d, { user: 'freader', name: 'Reader', roles: participant(course) });

    const fpReplies = [];                                // checked last: the behaviour matters more
    for (const name of ['commit', 'busy', 'disk_full']) {
      const seen = eventsOf(s, room).length;
      const fp = await w.request('test.failpoint', { name, count: 1 });
      assert.equal(fp.ok, true, `test.failpoint ${name}: ${JSON.stringify(fp)}`);
      assert.equal(fp.data.count, 1, JSON.stringify(fp));
      fpReplies.push([fp.data, { name, count: 1 }]);

      const body = `written despite ${name}`;
      const key = newKey();
      const r1 = await w.request('post.create', { thread: thread.id, body, key }, { timeoutMs: WAIT });
      assertError(r1, 'internal');
      if (name === 'disk_full') {
        // The disk stays full until cleared.
        const again = await w.request('post.create', { thread: thread.id, body, key }, { timeoutMs: WAIT });
        assertError(again, 'internal');
        const clear = await w.request('test.failpoint', { name, count: 0 });
        assert.equal(clear.ok, true, JSON.stringify(clear));
        assert.equal(clear.data.count, 0, JSON.stringify(clear));
        fpReplies.push([clear.data, { name, count: 0 }]);
      }
      const ping = await w.request('ping', {}, { timeoutMs: WAIT });
      assert.equal(ping.ok, true, `responsive after ${name}`);
      await sleep(1200);                                 // a beacon would have brought a phantom event
      assert.equal(eventsOf(s, room).length, seen, `${name}: no event for the failed write`);

      const r2 = await w.request('post.create', { thread: thread.id, body, key }, { timeoutMs: WAIT });
      assert.equal(r2.ok, true, `${name}: retry with the same key: ${JSON.stringify(r2)}`);
      const r3 = await w.request('post.create', { thread: thread.id, body, key }, { timeoutMs: WAIT });
      assert.equal(r3.ok, true, JSON.stringify(r3));
      assert.equal(r3.data.post.id, r2.data.post.id, `${name}: a second retry returns the first result`);

      const ev = await s.waitFor((m) => m.ev === 'post.created' && m.room === room && m.data.post.id === r2.data.post.id, WAIT);
      assert.equal(ev.seq, seq + 1, `${name}: the failed write took no seq`);
      seq += 1;
      const snap = await subscribe(reader, room);
      assert.equal(snap.seq, seq);
      assert.equal(snap.posts.filter((p) => p.body === body).length, 1, `${name}: one post stored`);
      // A new socket (its hello is a write too) works.
      const { c: fresh } = await helloClient(d, { user: `after-${name}`, name: 'After', roles: participant(course) });
      await fresh.close();
    }
    await sleep(1200);
    assertSeqs(eventsOf(s, room), 2, 3, 'the subscriber saw each retried post once');
    const admin = await adminClient(d);
    const { store } = await stats(admin);
    assert.ok(store.commit_failures >= 2, `commit_failures ${store.commit_failures}`);
    for (const [got, want] of fpReplies) assert.deepEqual(got, want, 'test.failpoint reply');
    await Promise.all([w, s, reader, admin].map((c) => c.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

test('an event that cannot be rendered after its commit: the write is answered ok and subscribers get it from the log', async () => {
  const d = await startDaemon();
  try {
    const course = d.course({ title: 'Render course' });
    const token = d.token({ user: 'rwriter', name: 'Writer', roles: participant(course) });
    const { c: w } = await helloClient(d, {}, { token });
    const { thread } = await write(w, 'thread.create',
      { course, kind: 'discussion', title: 'Render thread', body: 'The opening post' });
    const room = `thread:${thread.id}`;
    const { c: s } = await helloClient(d, { user: 'rsub', name: 'Sub', roles: participant(course) });
    const seq = (await subscribe(s, room)).seq;

    const fp = await w.request('test.failpoint', { name: 'render', count: 1 });
    assert.equal(fp.ok, true, `test.failpoint render: ${JSON.stringify(fp)}`);
    assert.deepEqual(fp.data, { name: 'render', count: 1 });
    // The write committed: its author gets the reply all the same.
    const r1 = await w.request('post.create', { thread: thread.id, body: 'not rendered live', key: newKey() },
      { timeoutMs: WAIT });
    assert.equal(r1.ok, true, `the write whose event was not rendered: ${JSON.stringify(r1)}`);
    assert.equal(r1.data.post.body, 'not rendered live');
    // The next write's event shows the gap, which the log fills first.
    const r2 = await w.request('post.create', { thread: thread.id, body: 'rendered', key: newKey() },
      { timeoutMs: WAIT });
    assert.equal(r2.ok, true, JSON.stringify(r2));
    await s.waitFor((m) => m.ev === 'post.created' && m.room === room && m.data.post.id === r2.data.post.id, WAIT);
    const evs = eventsOf(s, room);
    assertSeqs(evs, seq + 1, 2, 'both posts, once, in order');
    assert.equal(evs[0].data.post.id, r1.data.post.id, 'the unrendered event came from the log');
    assert.equal(evs[0].data.post.body, 'not rendered live');
    assert.ok(!s.closeInfo, `the subscriber stays connected: ${JSON.stringify(s.closeInfo)}`);
    const admin = await adminClient(d);
    const { net, store } = await stats(admin);
    assert.ok(net.gaps_filled >= 1, `gaps_filled ${net.gaps_filled}`);
    assert.equal(store.render_failures, 1, 'the event left to the log is counted');

    // The room's last event not rendered, and no write after it: the room's beacon names its
    // seq, and the subscriber fills the gap from the log without waiting for another event.
    assert.equal((await w.request('test.failpoint', { name: 'render', count: 1 })).ok, true);
    const r3 = await w.request('post.create', { thread: thread.id, body: 'last, not rendered live', key: newKey() },
      { timeoutMs: WAIT });
    assert.equal(r3.ok, true, JSON.stringify(r3));
    const got = await s.waitFor((m) => m.ev === 'post.created' && m.room === room && m.data.post.id === r3.data.post.id,
      WAIT);
    assert.equal(got.seq, seq + 3);
    assert.equal(got.data.post.body, 'last, not rendered live');
    await Promise.all([w, s, admin].map((c) => c.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

test('history older than --history-days is pruned; an older resume gets a snapshot, a current one live', async () => {
  const d = await startDaemon({ args: ['--history-days', '1'] });
  try {
    const course = d.course({ title: 'Retention course' });
    const ttl = 10 * 86400;                              // the clock moves two days ahead
    const { c: w } = await helloClient(d, { user: 'rwriter', name: 'Writer', roles: participant(course), ttl });
    const { thread } = await write(w, 'thread.create',
      { course, kind: 'discussion', title: 'Old thread', body: 'The opening post' });
    const room = `thread:${thread.id}`;
    for (let i = 0; i < 3; i++) await write(w, 'post.create', { thread: thread.id, body: `old ${i}` });

    const admin = await adminClient(d, { ttl });
    const clock = await admin.request('test.clock', { advance: 2 * 86400 });
    assert.equal(clock.ok, true, JSON.stringify(clock));
    const pr = await admin.request('test.prune', {}, { timeoutMs: WAIT });
    assert.equal(pr.ok, true, `test.prune: ${JSON.stringify(pr)}`);
    assert.ok(pr.data.pruned > 0, `pruned ${pr.data.pruned}`);

    const { c: old } = await helloClient(d, { user: 'rold', name: 'Old', roles: participant(course), ttl });
    const r1 = await subscribe(old, room, 1);
    assert.equal(r1.mode, 'snapshot', 'the log no longer holds what follows seq 1');
    assert.equal(r1.seq, 4);
    assert.equal(r1.posts.length, 4);

    const { c: cur } = await helloClient(d, { user: 'rcur', name: 'Current', roles: participant(course), ttl });
    const r2 = await subscribe(cur, room, 4);
    assert.equal(r2.mode, 'live');
    assert.equal(r2.replay, 0);
    const p = (await write(w, 'post.create', { thread: thread.id, body: 'new after the prune' })).post;
    for (const c of [old, cur]) {
      const ev = await c.waitFor((m) => m.ev === 'post.created' && m.room === room && m.data.post.id === p.id, WAIT);
      assert.equal(ev.seq, 5);
      assertSeqs(eventsOf(c, room), 5, 1, 'only the new event');
    }
    await Promise.all([w, admin, old, cur].map((c) => c.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});
