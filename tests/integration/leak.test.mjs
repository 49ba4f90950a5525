// Leak check: a daemon run under valgrind with clients connected at shutdown frees everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startDaemon, ASAN } from '../lib/daemon.mjs';
import { connect } from '../lib/client.mjs';
import { closedWithin, sendRawExpectReply, withTimeout } from '../lib/helpers.mjs';

function haveValgrind() {
  try { execFileSync('valgrind', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

const skip = ASAN ? 'sanitizer build (valgrind cannot run it)' : !haveValgrind() ? 'valgrind is not installed' : false;

test('no leaks under valgrind with clients connected at SIGTERM', { skip, timeout: 300000 }, async () => {
  const d = await startDaemon({
    wrapper: ['valgrind', '--leak-check=full', '--errors-for-leak-kinds=definite,indirect',
              '--error-exitcode=99', '--num-callers=30'],
    timeoutMs: 60000,
  });
  let code;
  try {
    const opts = { timeoutMs: 30000 };
    const clients = [];
    for (let i = 0; i < 5; i++) clients.push(await connect(d.wsUrl, opts));
    for (let i = 0; i < 3; i++) {
      const r = await clients[i].request('hello', { token: d.token({ user: `u${i}`, roles: ['1:participant'] }) }, opts);
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal((await clients[i].request('ping', {}, opts)).ok, true);
    }
    // A few requests of every outcome, on authenticated and unauthenticated sockets.
    await clients[0].request('auth.refresh', { token: d.token({ user: 'u0' }) }, opts);
    await clients[0].request('auth.refresh', { token: d.token({ user: 'other' }) }, opts);
    await clients[1].request('no.such.op', {}, opts);
    await clients[1].request('ping', { extra: 'x'.repeat(1000) }, opts);
    await sendRawExpectReply(clients[2], '{"op":"ping","id":"q","data":{"a":[[[[1]]]]}}', 30000);
    await sendRawExpectReply(clients[2], '{nope', 30000);
    await clients[3].request('ping', {}, opts);
    await clients[3].request('hello', { token: 'bad.token.here' }, opts);
    await clients[4].request('test.clock', { advance: 0 }, opts);
    // One socket closed by the server before shutdown.
    const extra = await connect(d.wsUrl, opts);
    extra.sendRaw(Buffer.from([1]), { binary: true });
    await closedWithin(extra, 30000);

    const closes = clients.map((c) => closedWithin(c, 120000));
    code = await withTimeout(d.stop('SIGTERM'), 180000, 'forumd exit under valgrind');
    await Promise.all(closes);
  } finally {
    if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
  }
  const err = d.stderr;
  assert.match(err, /ERROR SUMMARY/, `valgrind did not report; stderr:\n${err.slice(-4000)}`);
  const lost = [...err.matchAll(/(definitely|indirectly) lost: ([\d,]+) bytes/g)]
    .filter((m) => m[2].replace(/,/g, '') !== '0');
  assert.deepEqual(lost.map((m) => m[0]), [], `valgrind found leaks:\n${err.slice(-8000)}`);
  assert.equal(code, 0, `exit code under valgrind:\n${err.slice(-8000)}`);
});
