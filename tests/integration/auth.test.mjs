// Authentication: hello, token checks, retries, auth.refresh, the auth deadline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { connect } from '../lib/client.mjs';
import {
  SLOW, assertError, assertUsable, closedWithin, helloClient, signJwt, claimsFor, mintWithSecret, LIMITS,
} from '../lib/helpers.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(async () => { if (d) assert.equal(await d.stop(), 0, 'forumd exit code'); });

test('hello with a valid token returns user, expires_at and server', async () => {
  const token = d.token({ user: 'u1', name: 'Ana', roles: ['1:participant', '7:facilitator'], ttl: 3600 });
  const c = await connect(d.wsUrl);
  const before = Date.now();
  const r = await c.request('hello', { token });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(typeof r.re, 'string');
  const { user, expires_at: exp, server } = r.data;
  const { room, ...rest } = user;
  assert.deepEqual(rest, { id: 'u1', name: 'Ana', admin: false, courses: { 1: 'participant', 7: 'facilitator' } });
  assert.match(room, /^user:\d+$/, 'the person\'s own notice room');
  assert.ok(Number.isInteger(exp), 'expires_at is an integer');
  const nowS = before / 1000;
  assert.ok(exp > nowS + 3500 && exp < nowS + 3700, `expires_at ${exp} is about now + 3600`);
  assert.equal(typeof server.version, 'string');
  assert.match(server.version, /^\d+\.\d+\.\d+/);
  assert.match(server.process, /^.+:\d+$/);
  assert.equal(Number(server.process.split(':').pop()), d.proc.pid);
  assert.ok(Number.isInteger(server.time_ms));
  assert.ok(Math.abs(server.time_ms - Date.now()) < 60000, 'server time is close to ours');
  await assertUsable(c);
  await c.close();
});

test('hello with an admin token reports admin true', async () => {
  const { c, reply } = await helloClient(d, { user: 'boss', name: 'Root', admin: true });
  assert.equal(reply.data.user.admin, true);
  assert.deepEqual(reply.data.user.courses, {});
  await c.close();
});

test('before hello, other ops get not_authenticated and the socket stays open', async () => {
  const c = await connect(d.wsUrl);
  assertError(await c.request('ping', {}, { id: 'p1' }), 'not_authenticated', { re: 'p1' });
  assertError(await c.request('auth.refresh', { token: d.token() }, { id: 'p2' }), 'not_authenticated', { re: 'p2' });
  await assertUsable(c, { token: d.token() });
  await assertUsable(c);
  await c.close();
});

test('bad tokens are refused with their code and the socket may retry', async () => {
  // Mint everything first: the socket has 10 s to authenticate from its handshake.
  const forged = mintWithSecret({ user: 'u1' });
  const expired = d.token({ user: 'u1', ttl: -60 });
  const early = d.token({ user: 'u1', nbf: 3600 });
  const claims = claimsFor({ user: 'u1', name: 'Ana', courses: { 1: 'participant' } });
  const hs256 = signJwt({ alg: 'HS256', secret: d.secret, claims });
  const hs384 = signJwt({ alg: 'HS384', secret: d.secret, claims });
  const hs512 = signJwt({ alg: 'HS512', secret: d.secret, claims });
  const none = signJwt({ alg: 'none', claims });
  const good = d.token({ user: 'u1' });

  const c = await connect(d.wsUrl);
  assertError(await c.request('hello', { token: forged }, { id: 'f' }), 'bad_token', { re: 'f' });
  assertError(await c.request('hello', { token: expired }, { id: 'e' }), 'token_expired', { re: 'e' });
  assertError(await c.request('hello', { token: early }, { id: 'n' }), 'token_not_yet_valid', { re: 'n' });
  assertError(await c.request('hello', { token: hs512 }), 'bad_token');
  assertError(await c.request('hello', { token: hs384 }), 'bad_token');
  assertError(await c.request('hello', { token: none }), 'bad_token');
  assertError(await c.request('hello', { token: 'not.a.jwt' }), 'bad_token');
  assertError(await c.request('hello', { token: '' }), 'bad_token');
  const ok = await c.request('hello', { token: good });
  assert.equal(ok.ok, true, JSON.stringify(ok));
  await assertUsable(c);
  await c.close();

  // Control: the same claims signed here with HS256 are accepted, so the HS384/HS512
  // refusals above are about the algorithm, not about how the token was built.
  const c2 = await connect(d.wsUrl);
  const r = await c2.request('hello', { token: hs256 });
  assert.equal(r.ok, true, `HS256 token built in JS: ${JSON.stringify(r)}`);
  assert.equal(r.data.user.id, 'u1');
  await c2.close();
});

test('a token over max_token_bytes is too_long; one of exactly that size is read as a token', async () => {
  const max = LIMITS.max_token_bytes;
  const c = await connect(d.wsUrl);
  assertError(await c.request('hello', { token: 'a'.repeat(max + 1) }, { id: 'long' }), 'too_long',
    { re: 'long', field: 'token', limit: max });
  assertError(await c.request('hello', { token: 'a'.repeat(max) }), 'bad_token');
  await assertUsable(c, { token: d.token() });
  await c.close();
});

test('hello twice is already_authenticated', async () => {
  const { c } = await helloClient(d, { user: 'u1' });
  assertError(await c.request('hello', { token: d.token({ user: 'u1' }) }, { id: 'h2' }), 'already_authenticated', { re: 'h2' });
  await assertUsable(c);
  await c.close();
});

test('auth.refresh: same user ok, another user wrong_user, expired token_expired', async () => {
  const { c, reply } = await helloClient(d, { user: 'u1', ttl: 600 });
  const firstExp = reply.data.expires_at;

  const r = await c.request('auth.refresh', { token: d.token({ user: 'u1', ttl: 7200 }) });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.ok(Number.isInteger(r.data.expires_at));
  assert.ok(r.data.expires_at > firstExp + 6000, `new expires_at ${r.data.expires_at} vs ${firstExp}`);

  assertError(await c.request('auth.refresh', { token: d.token({ user: 'u2' }) }, { id: 'wu' }), 'wrong_user', { re: 'wu' });
  assertError(await c.request('auth.refresh', { token: d.token({ user: 'u1', ttl: -60 }) }, { id: 'ex' }), 'token_expired', { re: 'ex' });
  assertError(await c.request('auth.refresh', { token: 'garbage' }), 'bad_token');
  await assertUsable(c);
  await c.close();
});

test('test.clock works on the test build, also before hello', async () => {
  const c = await connect(d.wsUrl);
  try {
    const r0 = await c.request('test.clock', { advance: 0 });
    assert.equal(r0.ok, true, JSON.stringify(r0));
    assert.ok(Number.isInteger(r0.data.time_ms));
    const target = 2000000000;
    const r1 = await c.request('test.clock', { set: target });
    assert.equal(r1.ok, true, JSON.stringify(r1));
    assert.ok(Math.abs(r1.data.time_ms - target * 1000) < 5000, `set: time_ms ${r1.data.time_ms}`);
    const r2 = await c.request('test.clock', { advance: 60 });
    assert.ok(Math.abs(r2.data.time_ms - (target + 60) * 1000) < 5000 * SLOW, `advance: time_ms ${r2.data.time_ms}`);
    // A token valid by the real clock has expired by the moved one.
    assertError(await c.request('hello', { token: d.token({ ttl: 3600 }) }), 'token_expired');
  } finally {
    const back = await c.request('test.clock', { set: 0 });
    assert.equal(back.ok, true, JSON.stringify(back));
    assert.ok(Math.abs(back.data.time_ms - Date.now()) < 60000, 'clock is back to real time');
  }
  await assertUsable(c, { token: d.token() });
  await c.close();
});

test('a socket that never completes hello is closed with 4001 after about 10 s', { timeout: 60000 }, async () => {
  const c = await connect(d.wsUrl);
  const t0 = Date.now();
  // A refused hello does not extend the deadline.
  assertError(await c.request('hello', { token: 'x.y.z' }), 'bad_token');
  const { code, reason } = await closedWithin(c, 20000 * SLOW, 'auth deadline');
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 8000, `closed after ${elapsed} ms, expected about 10 s`);
  assert.equal(code, 4001, `close code (reason ${reason})`);
  assert.equal(reason, 'auth_timeout');
});
