// Helpers for tests that act as several people in a course: sockets by role, writes with fresh
// idempotency keys, snapshots, events, the test clock. Requests on one socket are paced below the
// per-socket rate limit, so a long scripted sequence is never refused by it (only by the rules
// under test).
//
//   const f = forum(d);
//   const p = await f.as('u1', [`${course}:participant`]);      // p.user: hello's user (room, ...)
//   const t = await ok(p, 'thread.create', { course, kind: 'question', title: 'T', body: 'B' });
//   const snap = await snapshot(staff, t.thread.id);            // {thread, posts}
//   await f.clock.set(epochSeconds);                             // on a socket of its own
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from './client.mjs';
import { SLOW, LIMITS, helloClient, sleep } from './helpers.mjs';

export const WAIT = 15000 * SLOW;
export const DAY = 86400;
export const nowS = () => Math.floor(Date.now() / 1000);
export const newKey = () => `k${randomBytes(12).toString('hex')}`;

// A client-side token bucket per socket, a little under the server's (rate_burst, rate_per_sec).
const BURST = Math.floor(LIMITS.rate_burst * 0.8);
const PER_SEC = Math.floor(LIMITS.rate_per_sec * 0.8);
const buckets = new WeakMap();

async function paced(c) {
  let b = buckets.get(c);
  if (!b) { b = { tokens: BURST, at: Date.now() }; buckets.set(c, b); }
  for (;;) {
    const now = Date.now();
    b.tokens = Math.min(BURST, b.tokens + ((now - b.at) / 1000) * PER_SEC);
    b.at = now;
    if (b.tokens >= 1) { b.tokens -= 1; return; }
    await sleep(Math.ceil(((1 - b.tokens) / PER_SEC) * 1000));
  }
}

// Sends any op (paced) and resolves with the reply, ok or not.
export async function request(c, op, data = {}) {
  await paced(c);
  return c.request(op, data, { timeoutMs: WAIT });
}

// A write with a fresh key; resolves with the reply, ok or not.
export const send = (c, op, data = {}) => request(c, op, { ...data, key: newKey() });

// A write that must succeed: its data.
export async function ok(c, op, data = {}) {
  const r = await send(c, op, data);
  assert.equal(r.ok, true, `${op} ${JSON.stringify(data)}: ${JSON.stringify(r)}`);
  return r.data;
}

// A read that must succeed: its data.
export async function read(c, op, data = {}) {
  const r = await request(c, op, data);
  assert.equal(r.ok, true, `${op} ${JSON.stringify(data)}: ${JSON.stringify(r)}`);
  return r.data;
}

// Rooms each socket follows (through these helpers).
const following = new WeakMap();
const roomsOf = (c) => { if (!following.has(c)) following.set(c, new Set()); return following.get(c); };

export async function subscribe(c, room, extra = {}) {
  const data = await read(c, 'subscribe', { room, ...extra });
  roomsOf(c).add(room);
  return data;
}
export async function unsubscribe(c, room) {
  const data = await read(c, 'unsubscribe', { room });
  roomsOf(c).delete(room);
  return data;
}

// A fresh snapshot of a thread room: {thread, posts}. A socket that did not follow the room
// before does not follow it after (subscriptions are capped); one that did follows it still.
export async function snapshot(c, thread) {
  const room = `thread:${thread}`;
  const was = roomsOf(c).has(room);
  const s = await subscribe(c, room);
  if (!was) await unsubscribe(c, room);
  return s;
}

export async function postIn(c, thread, post) {
  const p = (await snapshot(c, thread)).posts.find((x) => x.id === post);
  assert.ok(p, `post ${post} in the snapshot of thread ${thread}`);
  return p;
}

export const isEvent = (m) => m && typeof m === 'object' && typeof m.ev === 'string';
export const eventsOf = (c, room) => c.messages.filter((m) => isEvent(m) && m.room === room);
// Waits for a message; on timeout says what the socket did receive from that room.
function waitIn(c, room, what, pred) {
  return c.waitFor(pred, WAIT).catch((e) => {
    const got = c.messages.filter((m) => m && m.room === room).slice(-8).map((m) => JSON.stringify(m).slice(0, 300));
    throw new Error(`${e.message}: no ${what} in ${room} on ${c.user?.id ?? 'a socket'}; the last from there:\n${got.join('\n')}`);
  });
}
export const waitEvent = (c, room, ev, pred = () => true) =>
  waitIn(c, room, ev, (m) => isEvent(m) && m.ev === ev && m.room === room && pred(m));
export const waitState = (c, room, st, pred = () => true) =>
  waitIn(c, room, st, (m) => m && m.st === st && m.room === room && pred(m));

// Every user room notice a socket received.
export const noticesOf = (c) => c.messages.filter((m) => isEvent(m) && m.ev === 'notice');

export function forum(d) {
  let clk = null;
  const clock = {
    // The server's clock in ms after the change.
    async set(epochS) { return (await clockOp({ set: epochS })).time_ms; },
    async advance(s) { return (await clockOp({ advance: s })).time_ms; },
    async now() { return (await clockOp({ advance: 0 })).time_ms; },
    async close() { if (clk) { await clk.close(); clk = null; } },
  };
  async function clockOp(data) {
    if (!clk) clk = await connect(d.wsUrl);
    const r = await clk.request('test.clock', data, { timeoutMs: WAIT });
    assert.equal(r.ok, true, `test.clock ${JSON.stringify(data)}: ${JSON.stringify(r)}`);
    return r.data;
  }
  // An authenticated socket; .user is the hello reply's user (id, name, room, ...).
  async function as(user, roles = [], { name = `User ${user}`, admin = false, ttl = 3600 } = {}) {
    const { c, reply } = await helloClient(d, { user, name, roles, admin, ttl });
    c.user = reply.data.user;
    return c;
  }
  return { as, clock };
}
