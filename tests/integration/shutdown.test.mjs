// Shutdown: SIGTERM closes every socket with 1001 after the events of every acknowledged write,
// and the process exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { connect } from '../lib/client.mjs';
import { SLOW, closedWithin, helloClient, sleep, withTimeout } from '../lib/helpers.mjs';
import { eventsOf, forum, newKey, ok, subscribe } from '../lib/forum.mjs';
import { startRedis } from '../lib/redis.mjs';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

// Every write acknowledged before the stop has its event delivered to a live subscriber before
// that subscriber's 1001 close. 20 writers send 20 posts each, a few in flight at a time, and
// SIGTERM arrives while they are still writing.
async function ackedEventsBeforeClose(extraArgs) {
  const d = await startDaemon({ args: extraArgs });
  try {
    const course = d.course({ title: 'Shutdown course' });
    const f = forum(d);
    const roles = [`${course}:participant`];
    const sub = await f.as('listener', roles);
    const { thread } = await ok(sub, 'thread.create', { course, kind: 'discussion', title: 'Busy', body: 'Opening post' });
    const room = `thread:${thread.id}`;
    await subscribe(sub, room);
    const writers = [];
    for (let i = 0; i < 20; i++) writers.push(await f.as(`writer${i}`, roles));

    const acked = [];
    const writeLoop = async (w, i) => {
      const inFlight = new Set();
      for (let j = 0; j < 20 && !w.closeInfo; j++) {
        const p = w.request('post.create', { thread: thread.id, body: `w${i} p${j}`, key: newKey() }, { timeoutMs: 20000 * SLOW })
          .then((r) => { if (r.ok) acked.push(r.data.post.id); }, () => {})
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= 4) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    };
    const subClosed = closedWithin(sub, 30000 * SLOW, 'subscriber close on shutdown');
    const loops = writers.map((w, i) => writeLoop(w, i));
    const t0 = Date.now();
    while (acked.length < 100 && Date.now() - t0 < 20000 * SLOW) await sleep(2);
    const ackedAtSignal = acked.length;
    const exited = d.stop('SIGTERM');
    await Promise.all(loops);
    const { code } = await subClosed;
    assert.equal(code, 1001, 'the subscriber is closed with going_away');
    assert.equal(await withTimeout(exited, 30000 * SLOW, 'forumd exit'), 0, `exit code; stderr:\n${d.stderr}`);
    const got = new Set(eventsOf(sub, room).filter((m) => m.ev === 'post.created').map((m) => m.data.post.id));
    const missing = acked.filter((id) => !got.has(id));
    console.log(`# shutdown${extraArgs.length ? ' (redis)' : ''}: ${acked.length} writes acknowledged ` +
      `(${ackedAtSignal} at the signal), ${acked.length - missing.length} of their events reached the subscriber`);
    assert.ok(acked.length > ackedAtSignal, 'writes were in flight at the signal and acknowledged');
    assert.deepEqual(missing, [], `acknowledged posts whose event did not arrive before the close (${missing.length} of ${acked.length})`);
  } finally {
    if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
  }
}

test('SIGTERM while writes are in flight: every acknowledged write reaches a live subscriber before its 1001 (in-process bus)', async () => {
  await ackedEventsBeforeClose([]);
});

test('SIGTERM while writes are in flight: every acknowledged write reaches a live subscriber before its 1001 (Redis bus)', async () => {
  const redis = await startRedis();
  try {
    await ackedEventsBeforeClose(['--redis', redis.url]);
  } finally {
    await redis.stop();
  }
});

test('a clean stop checkpoints the WAL: no -wal data is left and the database file alone holds every write', async () => {
  const d = await startDaemon({ keepDir: true });
  const copy = mkdtempSync(join(tmpdir(), 'forumd-wal-'));
  try {
    const course = d.course({ title: 'WAL course' });
    const f = forum(d);
    const w = await f.as('walwriter', [`${course}:participant`]);
    const { thread } = await ok(w, 'thread.create', { course, kind: 'discussion', title: 'Kept', body: 'Opening post' });
    for (let i = 0; i < 30; i++) await ok(w, 'post.create', { thread: thread.id, body: `reply ${i}` });
    const wal = `${d.dbPath}-wal`;
    assert.ok(existsSync(wal) && statSync(wal).size > 0, 'the writes sit in the WAL while the daemon runs');

    assert.equal(await withTimeout(d.stop('SIGTERM'), 20000 * SLOW, 'forumd exit'), 0, `exit code; stderr:\n${d.stderr}`);
    assert.ok(!existsSync(wal) || statSync(wal).size === 0,
      `after a clean stop the WAL is gone or empty (${existsSync(wal) ? statSync(wal).size : 0} bytes left)`);
    // The database file on its own, without any -wal or -shm beside it, has every post.
    copyFileSync(d.dbPath, join(copy, 'alone.db'));
    const n = execFileSync('sqlite3', [join(copy, 'alone.db'), `SELECT count(*) FROM posts WHERE thread_id = ${thread.id}`],
      { encoding: 'utf8' }).trim();
    assert.equal(Number(n), 31, 'the opening post and 30 replies');
  } finally {
    if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
    rmSync(d.dir, { recursive: true, force: true });
    rmSync(copy, { recursive: true, force: true });
  }
});
