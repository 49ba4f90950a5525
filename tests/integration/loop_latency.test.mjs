// The loop thread never waits on SQLite: while other sockets take snapshots of a thread of
// 10,000 posts, replay 1,000 events and download a 5,000-question export, a socket that pings
// is answered promptly. Read on the loop, each snapshot held every socket of the process for
// the whole read; off it, the loop only moves the finished bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startDaemon, stopClean, BIN } from '../lib/daemon.mjs';
import { SLOW } from '../lib/helpers.mjs';
import { seedLoopLoad, runLoopLoad } from '../lib/loop_latency.mjs';

// Generous: a noisy 2-core machine shares its cores between the daemon, its readers and this
// test's own clients. When the machine is so loaded that a snapshot takes seconds to arrive, the
// bound is half the median snapshot's round trip instead: a ping that waited for snapshot reads
// (as on a loop that runs them) waits about as long as a snapshot takes, one that did not, far
// less.
const BOUND_MS = 250 * SLOW;

test('pings stay prompt while big snapshots, replays and an export are read', { timeout: 300000 }, async () => {
  const d = await startDaemon();
  try {
    const seeded = await seedLoopLoad(d, { posts: 10000, replay: 1000, questions: 5000 });
    const r = await runLoopLoad(d, seeded, { ms: 8000 * SLOW, snapshotters: 6 });
    console.log(`# loop latency: ${r.pings} pings in ${r.seconds.toFixed(1)} s: p50 ${r.p50.toFixed(1)} ms, ` +
      `p99 ${r.p99.toFixed(1)} ms (snapshot round trip p50 ${r.snapshot_p50.toFixed(0)} ms), p99.9 ${r.p999.toFixed(1)} ms, max ${r.max.toFixed(1)} ms; meanwhile ` +
      `${r.snapshots} snapshots in ${r.bursts} bursts (a ping behind them first in ${r.probe_first}), ${r.replays} replays (${r.replayed} events), ${r.exports} exports ` +
      `(${(r.export_bytes / 1e6).toFixed(1)} MB)`);
    assert.ok(r.snapshots >= 3 && r.replays >= 1 && r.exports >= 1, `the reads ran: ${JSON.stringify(r)}`);
    // A ping sent right behind a crowd's snapshot requests is answered before their snapshots
    // (the loop does not read them itself), whatever else the machine is doing.
    assert.ok(r.probe_first >= r.bursts / 2,
      `the ping behind a burst of snapshot requests came first in only ${r.probe_first} of ${r.bursts} bursts`);
    assert.ok(r.pings >= 50, `only ${r.pings} pings answered`);
    const bound = Math.max(BOUND_MS, r.snapshot_p50 / 2);
    assert.ok(r.p99 < bound, `ping p99 ${r.p99.toFixed(1)} ms >= ${bound} ms while the reads ran ` +
      `(a snapshot's round trip: median ${r.snapshot_p50.toFixed(0)} ms)`);
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

test('--readers 1 serves snapshots, replays and exports on its one reader; --readers 0 and 17 are refused', { timeout: 300000 }, async () => {
  for (const n of ['0', '17']) {
    const r = spawnSync(BIN, ['serve', '--readers', n, '--port', '0', '--db', ':memory:'], { encoding: 'utf8' });
    assert.equal(r.status, 2, `--readers ${n}: exit ${r.status}`);
    assert.match(r.stderr, /--readers takes 1\.\.16/);
  }
  const d = await startDaemon({ args: ['--readers', '1'] });
  try {
    const seeded = await seedLoopLoad(d, { posts: 3000, replay: 300, questions: 500 });
    const r = await runLoopLoad(d, seeded, { ms: 3000 * SLOW, snapshotters: 2, replayers: 1, exporters: 1 });
    assert.ok(r.snapshots >= 2 && r.replays >= 1 && r.exports >= 1, `the reads ran: ${JSON.stringify(r)}`);
    await stopClean(d);
  } finally {
    await d.stop();
  }
});
