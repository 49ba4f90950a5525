// Shutdown: SIGTERM closes every socket with 1001 and the process exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { connect } from '../lib/client.mjs';
import { SLOW, closedWithin, helloClient, withTimeout } from '../lib/helpers.mjs';

test('SIGTERM with 3 clients connected: each gets 1001, exit code 0', async () => {
  const d = await startDaemon();
  const clients = [];
  try {
    for (let i = 0; i < 3; i++) clients.push((await helloClient(d, { user: `u${i}` })).c);
    const closes = clients.map((c) => closedWithin(c, 15000 * SLOW, 'close on shutdown'));
    const code = await withTimeout(d.stop('SIGTERM'), 20000 * SLOW, 'forumd exit');
    assert.equal(code, 0, `exit code; stderr:\n${d.stderr}`);
    for (const { code: cc, reason } of await Promise.all(closes)) {
      assert.equal(cc, 1001, `close code (reason ${reason})`);
      assert.equal(reason, 'going_away');
    }
  } finally {
    if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
  }
});

test('SIGTERM also closes sockets that have not said hello', async () => {
  const d = await startDaemon();
  const c = await connect(d.wsUrl);
  const { c: authed } = await helloClient(d);
  const closes = [closedWithin(c, 15000 * SLOW), closedWithin(authed, 15000 * SLOW)];
  assert.equal(await withTimeout(d.stop('SIGINT'), 20000 * SLOW, 'forumd exit'), 0, 'exit code on SIGINT');
  for (const { code } of await Promise.all(closes)) assert.equal(code, 1001);
});
