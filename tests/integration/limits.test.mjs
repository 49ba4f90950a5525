// Rate limits, floods and token expiry: the limits that end in a refusal or a close.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, ASAN } from '../lib/daemon.mjs';
import { connect } from '../lib/client.mjs';
import {
  SLOW, sleep, assertError, assertUsable, closedWithin, helloClient, blast, repliesFor,
  withTimeout, nextMessage, LIMITS,
} from '../lib/helpers.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(async () => { if (d) assert.equal(await d.stop(), 0, 'forumd exit code'); });

// Waits until every id has a reply (or the socket closed).
async function allReplies(c, ids, ms) {
  const set = new Set(ids);
  const done = () => repliesFor(c, set).length >= set.size || c.closeInfo !== undefined;
  await withTimeout((async () => { while (!done()) await sleep(20); })(), ms, 'replies');
  return repliesFor(c, set);
}

// Longest run of rate_limited replies in a row, in arrival order.
function longestRefusalRun(msgs) {
  let run = 0, best = 0;
  for (const m of msgs) {
    if (m.ok === false && m.error?.code === 'rate_limited') best = Math.max(best, ++run);
    else run = 0;
  }
  return best;
}

test('300 pings as fast as possible: some are rate_limited, the socket stays open', async () => {
  const { c } = await helloClient(d);
  // Two bursts of 150 with a pause between: at most ~90 refusals in a row each
  // (the bucket holds 60), far from the 200 that close a socket.
  const ids1 = blast(c, 150, 'ping', 'r1-');
  const first = await allReplies(c, ids1, 20000 * SLOW);
  await sleep(2500);  // the bucket refills (30/s) to full
  const ids2 = blast(c, 150, 'ping', 'r2-');
  const second = await allReplies(c, ids2, 20000 * SLOW);

  assert.equal(c.closeInfo, undefined, `socket closed: ${JSON.stringify(c.closeInfo)}`);
  const replies = [...first, ...second];
  assert.equal(replies.length, 300, 'every ping got a reply');
  const refused = replies.filter((m) => !m.ok);
  const accepted = replies.filter((m) => m.ok);
  for (const m of refused) {
    assertError(m, 'rate_limited');
    assert.ok(Number.isFinite(m.error.retry_after_ms) && m.error.retry_after_ms > 0,
      `retry_after_ms of ${JSON.stringify(m)}`);
  }
  for (const m of accepted) assert.ok(Number.isInteger(m.data.time_ms));
  assert.ok(refused.length > 0, 'some pings were refused');
  assert.ok(accepted.length >= 60, `at least the burst was accepted (${accepted.length})`);
  assert.ok(longestRefusalRun(replies) <= 200);

  const wait = Math.max(...refused.map((m) => m.error.retry_after_ms));
  await sleep(Math.min(wait, 5000) + 100);
  await assertUsable(c);
  await c.close();
});

test('a flood of rate_limited refusals in a row closes with 4005', async () => {
  const { c } = await helloClient(d);
  blast(c, 1000, 'ping', 'fl-');
  const { code, reason } = await closedWithin(c, 30000 * SLOW, 'flood close');
  assert.equal(code, 4005, `close code (reason ${reason})`);
  assert.equal(reason, 'flood');
  // Replies queued at the close may be dropped; nothing after the close is served.
  assert.ok(c.messages.some((m) => m.error?.code === 'rate_limited') || c.messages.length === 0);
});

test('60 malformed messages quickly close the socket with 4002', async () => {
  const max = LIMITS.bad_requests_max;
  const { c } = await helloClient(d);
  for (let i = 0; i < max + 10; i++) c.sendRaw(`{bad json ${i}`);
  const { code, reason } = await closedWithin(c, 20000 * SLOW, 'bad-input flood close');
  assert.equal(code, 4002, `close code (reason ${reason})`);
  assert.equal(reason, 'bad_input_flood');
  const bad = c.messages.filter((m) => m.error?.code === 'bad_json');
  assert.ok(bad.length >= max && bad.length <= max + 1, `${bad.length} bad_json replies before the close`);
});

test('50 bad inputs are tolerated', async () => {
  const { c } = await helloClient(d);
  for (let i = 0; i < LIMITS.bad_requests_max; i++) assertError(await sendRaw(c, `{bad ${i}`), 'bad_json');
  await assertUsable(c);
  await c.close();
});

function sendRaw(c, text) {
  const p = nextMessage(c, (m) => 're' in m);
  c.sendRaw(text);
  return p;
}

test('a token that expires without refresh closes the socket with 4004', { timeout: 60000 }, async () => {
  const ttl = ASAN ? 6 : 3;
  const token = d.token({ user: 'u1', ttl });
  const c = await connect(d.wsUrl);
  const r = await c.request('hello', { token });
  assert.equal(r.ok, true, JSON.stringify(r));
  const { code, reason } = await closedWithin(c, 15000 * SLOW, 'expiry close');
  assert.equal(code, 4004, `close code (reason ${reason})`);
  assert.equal(reason, 'token_expired');
});

test('a refreshed token keeps the socket open past the first expiry', { timeout: 60000 }, async () => {
  const ttl = ASAN ? 6 : 3;
  const c = await connect(d.wsUrl);
  const r = await c.request('hello', { token: d.token({ user: 'u1', ttl }) });
  assert.equal(r.ok, true, JSON.stringify(r));
  const rr = await c.request('auth.refresh', { token: d.token({ user: 'u1', ttl: 3600 }) });
  assert.equal(rr.ok, true, JSON.stringify(rr));
  await sleep((ttl + 3) * 1000);
  await assertUsable(c);
  await c.close();
});

test('moving the clock past a token expiry closes the socket with 4004', async () => {
  // Its own daemon: the clock is per process.
  const d2 = await startDaemon();
  try {
    const { c } = await helloClient(d2, { user: 'u1', ttl: 3600 });
    const clk = await c.request('test.clock', { advance: 7200 });
    assert.equal(clk.ok, true, JSON.stringify(clk));
    // The next request finds the token expired: the socket is closed with 4004, and
    // the request is not served.
    const reply = c.request('ping', {}, { id: 'after' }).catch(() => null);
    const { code, reason } = await closedWithin(c, 15000 * SLOW, 'expiry close');
    assert.equal(code, 4004, `close code (reason ${reason})`);
    const m = await reply;
    assert.ok(!m || m.ok === false, `ping after expiry was served: ${JSON.stringify(m)}`);

    // A fresh socket: the old token is now refused, and a token minted by the moved
    // clock's standards (ttl beyond the offset) is accepted.
    const c2 = await connect(d2.wsUrl);
    assertError(await c2.request('hello', { token: d2.token({ user: 'u1', ttl: 3600 }) }), 'token_expired');
    await c2.request('test.clock', { set: 0 });
    await assertUsable(c2, { token: d2.token({ user: 'u1', ttl: 3600 }) });
    await c2.close();
  } finally {
    assert.equal(await d2.stop(), 0, 'forumd exit code');
  }
});
