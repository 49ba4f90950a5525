// A socket's life after it is told to close, and after what it was allowed changes: a closing
// socket is delivered nothing more (it leaves its rooms at once), every close completes within
// close_deadline_ms whatever the peer does, and a subscription the socket may no longer follow
// (a refreshed token with another role, a course window that closed) ends with
// subscription.ended.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { startDaemon, stopClean } from '../lib/daemon.mjs';
import { connect } from '../lib/client.mjs';
import { SLOW, LIMITS, helloClient, sleep } from '../lib/helpers.mjs';

const WAIT = 30000 * SLOW;
const DAY = 86400;
const newKey = () => `k${randomBytes(12).toString('hex')}`;
const participant = (course) => [`${course}:participant`];
const LIMIT_SOCKETS = LIMITS.max_sockets_per_user;
const LIMIT_DEADLINE = LIMITS.close_deadline_ms;

// Resolves with fn()'s value once it is truthy; rejects after ms. Polls every 100 ms, inside
// the request rate of a socket that asks for stats each time.
async function until(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

async function write(c, op, data) {
  const r = await c.request(op, { ...data, key: newKey() }, { timeoutMs: WAIT });
  assert.equal(r.ok, true, `${op}: ${JSON.stringify(r).slice(0, 300)}`);
  return r.data;
}

async function stats(c) {
  const r = await c.request('stats', {}, { timeoutMs: WAIT });
  assert.equal(r.ok, true, `stats: ${JSON.stringify(r)}`);
  return r.data.net;
}

const eventsOf = (c, room) => c.messages.filter((m) => m && m.ev && m.room === room && Number.isInteger(m.seq));

test('a replay the pruned log cannot serve, with the peer ignoring the 4003 close, does not stop the server', async () => {
  // The attack: resume a room from just inside its log, stop reading, let the history be pruned,
  // read a little (so the paced replay asks the log for more, finds nothing and closes with 4003),
  // stop reading again and ignore the close. The next event of the room used to reach the
  // subscription, still behind the room, and abort the process on an assert.
  const d = await startDaemon({ args: ['--history-days', '1', '--socket-sndbuf', '16384'] });
  try {
    const course = d.course({ title: 'Replay attack course' });
    const ttl = 10 * DAY;
    const { c: admin } = await helloClient(d, { user: 'admin', name: 'Admin', admin: true, ttl });
    const writers = await Promise.all(Array.from({ length: 6 }, () =>
      helloClient(d, { user: 'aw', name: 'Writer', roles: participant(course), ttl }).then((x) => x.c)));
    const { thread } = await write(writers[0], 'thread.create',
      { course, kind: 'discussion', title: 'Long thread', body: 'The opening post' });
    const room = `thread:${thread.id}`;
    // 300 posts of 10 KB: 3 MB to replay in chunks of at most 256 KiB, far more than the kernel
    // buffers hold.
    const pad = 'z'.repeat(10000);
    for (let n = 0; n < 300; n += writers.length) {
      await Promise.all(writers.map((w, j) => write(w, 'post.create', { thread: thread.id, body: `A${n + j}|${pad}` })));
    }
    const base = await stats(admin);

    const { c: att } = await helloClient(d, { user: 'attacker', name: 'Mallory', roles: participant(course), ttl });
    att.sendRaw(JSON.stringify({ op: 'subscribe', id: 's1', data: { room, since: 2 } }));
    att.ws._socket.pause();
    // The replay is under way and stuck behind the socket that does not read.
    await until(async () => (await stats(admin)).queued_bytes > 200000, WAIT, 'the replay fills the queue');

    assert.equal((await admin.request('test.clock', { advance: 2 * DAY })).ok, true);
    const pr = await admin.request('test.prune', {}, { timeoutMs: WAIT });
    assert.equal(pr.ok, true, JSON.stringify(pr));
    assert.ok(pr.data.pruned >= 300, `pruned ${pr.data.pruned}`);

    // Read a little at a time until the replay has asked the log for its next chunk (the queue
    // fell below the replay's low water), then stop again with the rest of the chunk and the
    // close frame still unread.
    let stopAt = 0;
    att.ws.on('message', () => {
      if (stopAt && eventsOf(att, room).some((e) => e.seq >= stopAt)) { att.ws._socket.pause(); stopAt = 0; }
    });
    const held = async () => (await stats(admin)).queued_bytes;
    for (let x = 5; ; x += 5) {
      assert.ok(x < 302, 'the replay never asked for its next chunk');
      stopAt = x;
      att.ws._socket.resume();
      // Up to seq x, or until the queue is short (the pruned log ends the replay before x).
      await until(async () => stopAt === 0 || (await held()) < 256 * 1024, WAIT, `the attacker reads up to seq ${x}`);
      att.ws._socket.pause();
      stopAt = 0;
      await sleep(100);
      if ((await held()) < 256 * 1024) break;
    }

    // The next event of the room.
    const live = await helloClient(d, { user: 'watcher', name: 'Watcher', roles: participant(course), ttl });
    const sub = await live.c.request('subscribe', { room }, { timeoutMs: WAIT });
    assert.equal(sub.ok, true, JSON.stringify(sub).slice(0, 200));
    const p = (await write(writers[1], 'post.create', { thread: thread.id, body: 'after the prune' })).post;
    await Promise.race([
      live.c.waitFor((m) => m.ev === 'post.created' && m.data.post.id === p.id, WAIT),
      d.exited.then((code) => assert.fail(`forumd exited (${code}):\n${d.stderr.slice(-2000)}`)),
    ]);
    const ping = await admin.request('ping', {}, { timeoutMs: WAIT });
    assert.equal(ping.ok, true, 'the server is still up');

    // The closing socket has left the room already, and nothing was found behind.
    const st = await stats(admin);
    assert.equal(st.subscriptions, base.subscriptions + 1, `only the watcher's subscription is new: ${JSON.stringify(st)}`);
    assert.equal(st.invariant_violations, 0);
    assert.ok(!eventsOf(att, room).some((e) => e.seq > 301), 'the closing socket got no later event');

    att.ws._socket.resume();
    const info = await att.closed;
    assert.ok(info.code === 4003 || info.code === 1006, `attacker closed with ${JSON.stringify(info)}`);
    await Promise.all([admin, live.c, ...writers].map((c) => c.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

test('a close to a peer that does not read completes within close_deadline_ms: queue, subscriptions and the user\'s place are freed', async () => {
  const d = await startDaemon({ args: ['--socket-sndbuf', '16384'] });
  try {
    const course = d.course({ title: 'Deadline course' });
    const long = 10 * 86400;
    const { c: admin } = await helloClient(d, { user: 'admin', name: 'Admin', admin: true, ttl: long });
    const { c: writer } = await helloClient(d, { user: 'dw', name: 'Writer', roles: participant(course), ttl: long });
    const { thread } = await write(writer, 'thread.create',
      { course, kind: 'discussion', title: 'Busy thread', body: 'The opening post' });
    const room = `thread:${thread.id}`;
    // The user's 20 sockets: one that will stop reading (its token expires first), 19 others.
    const { c: stuck } = await helloClient(d, { user: 'du', name: 'Stuck', roles: participant(course), ttl: 3600 });
    const others = [];
    for (let i = 1; i < LIMIT_SOCKETS; i++) {
      others.push((await helloClient(d, { user: 'du', name: 'Stuck', roles: participant(course), ttl: long })).c);
    }
    const sub = await stuck.request('subscribe', { room }, { timeoutMs: WAIT });
    assert.equal(sub.ok, true);
    stuck.ws._socket.pause();
    const pad = 'q'.repeat(12000);
    let st, n = 0;
    for (;;) {
      await write(writer, 'post.create', { thread: thread.id, body: `Q${n++}|${pad}` });
      st = await stats(admin);
      if (st.queued_bytes > 300000) break;
      assert.ok(n < 300, `the stuck socket's queue did not grow (${st.queued_bytes})`);
    }
    const before = st;

    // Its token expires; a request it sends (it still writes) makes the server close it, after
    // what is queued: which it never reads.
    assert.equal((await admin.request('test.clock', { advance: 7200 })).ok, true);
    stuck.sendRaw(JSON.stringify({ op: 'ping', id: 'late' }));
    const t0 = Date.now();
    await until(async () => {
      const s = await stats(admin);
      return s.sockets === before.sockets - 1 && s.queued_bytes === 0 && s.subscriptions === before.subscriptions - 1;
    }, LIMIT_DEADLINE + 15000 * SLOW, 'the stuck socket is dropped, its queue and subscription freed');
    console.log(`# a close to a socket that does not read: dropped after ${Date.now() - t0} ms ` +
      `(${before.queued_bytes} bytes were queued)`);
    // Its place is free: the user can open a 20th socket again.
    const again = await helloClient(d, { user: 'du', name: 'Stuck', roles: participant(course), ttl: long });
    assert.equal(again.reply.ok, true, JSON.stringify(again.reply));
    await Promise.all([admin, writer, again.c, ...others].map((c) => c.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

const ended = (c, room) => c.messages.find((m) => m && m.ev === 'subscription.ended' && m.room === room);

test('auth.refresh to a participant token ends the staff room and the staff view, and no staff event follows', async () => {
  const d = await startDaemon();
  try {
    const course = d.course({ title: 'Refresh course' });
    const { c: writer } = await helloClient(d, { user: 'rw', name: 'Writer', roles: participant(course) });
    const { thread, post } = await write(writer, 'thread.create',
      { course, kind: 'discussion', title: 'A thread', body: 'The opening post' });
    const staffRoom = `staff:${course}`, threadRoom = `thread:${thread.id}`, courseRoom = `course:${course}`;
    const { c: fac, reply: facHello } = await helloClient(d, { user: 'fac', name: 'Facilitator', roles: [`${course}:facilitator`] });
    const userRoom = facHello.data.user.room;
    for (const room of [staffRoom, threadRoom, courseRoom, userRoom]) {
      const r = await fac.request('subscribe', { room }, { timeoutMs: WAIT });
      assert.equal(r.ok, true, `${room}: ${JSON.stringify(r).slice(0, 200)}`);
    }
    // The same user, now a participant of the course.
    const token = d.token({ user: 'fac', name: 'Facilitator', roles: participant(course) });
    const r = await fac.request('auth.refresh', { token }, { timeoutMs: WAIT });
    assert.equal(r.ok, true, JSON.stringify(r));
    // The endings come before the refresh's reply.
    const iReply = fac.messages.indexOf(fac.messages.find((m) => m.re === r.re));
    const s = ended(fac, staffRoom), t = ended(fac, threadRoom);
    assert.ok(s, `staff room ended: ${JSON.stringify(fac.messages.slice(-5))}`);
    assert.deepEqual(s.data, { reason: 'forbidden' });
    assert.equal(s.seq, undefined, 'subscription.ended is outside the room\'s seq');
    assert.ok(t, 'the thread\'s staff view ended');
    assert.deepEqual(t.data, { reason: 'view_changed' });
    assert.ok(fac.messages.indexOf(s) < iReply && fac.messages.indexOf(t) < iReply);
    // The course room's thread list has a staff view too (anonymous last posters).
    assert.deepEqual(ended(fac, courseRoom)?.data, { reason: 'view_changed' });
    // A room whose view does not change goes on: the user's own room.
    assert.equal(ended(fac, userRoom), undefined, 'the user room goes on');

    // A flag: a staff event. The facilitator turned participant does not get it; a participant
    // may subscribe to the thread again, in the peer view.
    const { c: other } = await helloClient(d, { user: 'ro', name: 'Other', roles: participant(course) });
    const { c: fac2 } = await helloClient(d, { user: 'fac2', name: 'Staff', roles: [`${course}:facilitator`] });
    assert.equal((await fac2.request('subscribe', { room: staffRoom }, { timeoutMs: WAIT })).ok, true);
    const again = await fac.request('subscribe', { room: threadRoom }, { timeoutMs: WAIT });
    assert.equal(again.ok, true);
    await write(other, 'post.flag', { post: post.id, reason: 'copied from a book' });
    await fac2.waitFor((m) => m.ev === 'flag.created' && m.room === staffRoom, WAIT);
    const reply = await write(writer, 'post.create', { thread: thread.id, body: 'a reply' });
    await fac.waitFor((m) => m.ev === 'post.created' && m.data.post.id === reply.post.id, WAIT);
    assert.equal(fac.messages.filter((m) => m && m.room === staffRoom && m.ev !== 'subscription.ended').length, 0,
      'no staff event after the refresh');
    await Promise.all([writer, fac, other, fac2].map((c) => c.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

test('a participant\'s subscriptions end when the course window closes', async () => {
  const d = await startDaemon();
  try {
    const now = Math.floor(Date.now() / 1000);
    const course = d.course({ title: 'Closing course', starts: now - 10 * DAY, ends: now + 5 * DAY });
    const ttl = 400 * DAY;
    const { c: p } = await helloClient(d, { user: 'wp', name: 'Part', roles: participant(course), ttl });
    const { thread } = await write(p, 'thread.create',
      { course, kind: 'discussion', title: 'Before the end', body: 'The opening post' });
    const rooms = [`course:${course}`, `thread:${thread.id}`];
    for (const room of rooms) assert.equal((await p.request('subscribe', { room }, { timeoutMs: WAIT })).ok, true);
    const { c: clk } = await helloClient(d, { user: 'wadmin', name: 'Admin', admin: true, ttl });

    // Read-only after ends_at + 30 days: the subscriptions go on.
    assert.equal((await clk.request('test.clock', { advance: 40 * DAY })).ok, true);
    await sleep(200);
    for (const room of rooms) assert.equal(ended(p, room), undefined, `${room} still followed while readable`);
    // Closed from ends_at + 90 days: they end.
    assert.equal((await clk.request('test.clock', { advance: 60 * DAY })).ok, true);
    for (const room of rooms) {
      const e = await p.waitFor((m) => m.ev === 'subscription.ended' && m.room === room, WAIT);
      assert.deepEqual(e.data, { reason: 'course_closed' });
    }
    const st = await stats(clk);
    assert.equal(st.subscriptions, 0);
    // A staff post in the thread reaches it no more.
    const { c: fac } = await helloClient(d, { user: 'wf', name: 'Fac', roles: [`${course}:facilitator`], ttl });
    const r = await write(fac, 'post.create', { thread: thread.id, body: 'after the close' });
    await sleep(300);
    assert.ok(!p.messages.some((m) => m.ev === 'post.created' && m.data.post.id === r.post.id));
    await Promise.all([p, clk, fac].map((c) => c.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

test('the socket\'s timer is armed for the window boundary of a room it follows', async () => {
  const d = await startDaemon();
  try {
    const now = Math.floor(Date.now() / 1000);
    const ends = now + 5 * DAY;
    const course = d.course({ title: 'Boundary course', starts: now - 10 * DAY, ends });
    const ttl = 400 * DAY;
    const { c: clk } = await helloClient(d, { user: 'badmin', name: 'Admin', admin: true, ttl });
    // Two seconds before the course closes for participants (by the server's clock), with no
    // further move of the clock: only the socket's own timer can end the subscription.
    assert.equal((await clk.request('test.clock', { set: ends + 90 * DAY - 2 })).ok, true);
    const { c: p } = await helloClient(d, { user: 'bp', name: 'Part', roles: participant(course), ttl });
    const room = `course:${course}`;
    assert.equal((await p.request('subscribe', { room }, { timeoutMs: WAIT })).ok, true);
    const e = await p.waitFor((m) => m.ev === 'subscription.ended' && m.room === room, 10000 * SLOW);
    assert.deepEqual(e.data, { reason: 'course_closed' });
    await Promise.all([p, clk].map((c) => c.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

test('a token whose exp is near the largest int64 is served without overflow (a token that never expires)', async () => {
  const d = await startDaemon();
  try {
    // Written by hand: JSON.stringify would round the number to a double.
    const b64 = (s) => Buffer.from(s).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const sign = (exp) => {
      const h = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
      const p = b64(`{"sub":"far","name":"Far Future","iat":${now},"exp":${exp},"courses":{}}`);
      const sig = createHmac('sha256', d.secret).update(`${h}.${p}`).digest('base64url');
      return `${h}.${p}.${sig}`;
    };
    const c = await connect(d.wsUrl);
    const h = await c.request('hello', { token: sign('9223372036854775807') }, { timeoutMs: WAIT });
    assert.equal(h.ok, true, JSON.stringify(h));
    assert.equal((await c.request('ping', {}, { timeoutMs: WAIT })).ok, true);
    const r = await c.request('auth.refresh', { token: sign('9223372036854775000') }, { timeoutMs: WAIT });
    assert.equal(r.ok, true, JSON.stringify(r));
    // The clock moved by years: still not expired, and nothing overflowed.
    assert.equal((await c.request('test.clock', { advance: 300000000 }, { timeoutMs: WAIT })).ok, true);
    assert.equal((await c.request('ping', {}, { timeoutMs: WAIT })).ok, true);
    await c.close();
    await stopClean(d);
  } finally {
    await d.stop();
  }
});
