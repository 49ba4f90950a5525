// "Loop never blocked": one socket pings while other sockets read the biggest things the server
// reads (thread snapshots, paced replays, session exports). Used by the integration test
// (tests/integration/loop_latency.test.mjs) and by `make bench` (scripts/bench.mjs).
//
//   const seeded = await seedLoopLoad(d, { posts: 10000, replay: 1000, questions: 5000 });
//   const r = await runLoopLoad(d, seeded, { ms: 8000 });  // {pings, p50, p99, p999, max, snapshots, ...}
//
// Rows are seeded with the sqlite3 shell (the daemon reads them as they are): writing tens of
// thousands of posts through the socket would only measure the rate limits.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { getPriority, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { forum, ok } from './forum.mjs';
import { liveSession, ask, exportSession, leanSocket } from './qa.mjs';
import { sleep } from './helpers.mjs';

// Requests of one socket are spaced so that the per-socket rate limit never refuses them.
const PACE_MS = 40;
const PINGER = fileURLToPath(new URL('./pinger_worker.mjs', import.meta.url));
const BURSTS = fileURLToPath(new URL('./burst_worker.mjs', import.meta.url));

// Starts a worker and resolves once it posts {ready}; its later messages go to onMessage.
function worker(file, workerData, onMessage) {
  const w = new Worker(file, { workerData });
  return new Promise((res, rej) => {
    w.on('message', (m) => {
      if (m.error) { rej(new Error(m.error)); onMessage({ error: m.error }); } else if (m.ready) res(w); else onMessage(m);
    });
    w.on('error', (e) => { rej(e); onMessage({ error: String(e) }); });
  });
}

function sql(dbPath, text) {
  return execFileSync('sqlite3', [dbPath, '-cmd', '.timeout 5000', text], { encoding: 'utf8' }).trim();
}

// A course with a thread of `posts` posts (snapshots), a thread whose log holds `replay` events
// after `since` (replays), and a live session of `questions` published questions (exports).
export async function seedLoopLoad(d, { posts = 10000, replay = 1000, questions = 5000, chars = 400 } = {}) {
  const f = forum(d);
  const course = d.course({ title: 'Loop latency' });
  const staff = await f.as('loop-staff', [`${course}:instructor`]);
  const writer = await f.as('loop-writer', [`${course}:participant`]);
  const big = (await ok(writer, 'thread.create', { course, kind: 'discussion', title: 'Big', body: 'Opening' })).thread;
  const log = (await ok(writer, 'thread.create', { course, kind: 'discussion', title: 'Log', body: 'Opening' })).thread;
  const session = await liveSession(staff, course, { title: 'Big session' });
  const q = await ask(writer, session.id, 'seed question');
  const room = `thread:${log.id}`;
  const since = Number(sql(d.dbPath, `SELECT seq FROM rooms WHERE name = '${room}';`));
  const body = (tag) => `substr(replace(hex(zeroblob(${chars})), '00', '${tag}'), 1, ${chars}) || '|' || i`;
  sql(d.dbPath, `BEGIN;
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${posts})
    INSERT INTO posts(thread_id, author_id, body, created_at, votes, votes_v)
      SELECT ${big.id}, (SELECT author_id FROM threads WHERE id = ${big.id}), ${body('p ')},
             CAST(strftime('%s', 'now') AS INTEGER) * 1000, i % 3, i % 3 FROM k;
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${replay})
    INSERT INTO posts(thread_id, author_id, body, created_at)
      SELECT ${log.id}, (SELECT author_id FROM threads WHERE id = ${log.id}), ${body('r ')},
             CAST(strftime('%s', 'now') AS INTEGER) * 1000 FROM k;
    INSERT INTO events(room, seq, type, subject, actor, created_at)
      SELECT '${room}', ${since} + row_number() OVER (ORDER BY id), 'post.created', id, author_id, created_at
      FROM posts WHERE thread_id = ${log.id} AND id > ${log.first_post};
    UPDATE rooms SET seq = seq + ${replay} WHERE name = '${room}';
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${questions})
    INSERT INTO questions(session_id, author_id, body, state, published, created_at, published_at, votes, votes_v)
      SELECT ${session.id}, (SELECT author_id FROM questions WHERE id = ${q.id}), ${body('q ')}, 'visible', 1,
             CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000,
             i % 4, i % 4 FROM k;
    COMMIT;`);
  await Promise.all([staff.close(), writer.close()]);
  return { course, bigRoom: `thread:${big.id}`, logRoom: room, since, upto: since + replay, session: session.id };
}

function pct(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// Runs the load for `ms`: `snapshotters` sockets subscribe to the big thread together (a
// snapshot each), with a probe ping right behind them, unsubscribe and again
// (burst_worker.mjs); `replayers` sockets resume the log thread from `since` (every event
// replayed, paced) and again; `exporters` download the session's export one after another
// (each download by a user of its own: exports are limited per user). Meanwhile sockets on a
// thread of their own ping (pinger_worker.mjs). Returns the ping round trips' percentiles (ms),
// in how many bursts the probe was answered first, and the work done.
export async function runLoopLoad(d, s, { ms = 8000, snapshotters = 3, replayers = 2, exporters = 1 } = {}) {
  const roles = [`${s.course}:participant`];
  // The pinger and the crowd of snapshotters run on threads of their own (workers), created
  // before this thread lowers its priority, so they keep the normal one.
  let pingDone, burstDone;
  const pinged = new Promise((res, rej) => { pingDone = (m) => (m.error ? rej(new Error(m.error)) : res(m.rtts)); });
  const bursted = new Promise((res, rej) => { burstDone = (m) => (m.error ? rej(new Error(m.error)) : res(m)); });
  pinged.catch(() => {});
  bursted.catch(() => {});
  const pinger = await worker(PINGER, { url: d.wsUrl, token: d.token({ user: 'loop-pinger', roles }) }, pingDone);
  const bursts = snapshotters ? await worker(BURSTS, {
    url: d.wsUrl, room: s.bigRoom, paceMs: PACE_MS, probeToken: d.token({ user: 'loop-probe', roles }),
    tokens: Array.from({ length: snapshotters }, (_, i) => d.token({ user: `loop-snap-${i}`, roles })),
  }, burstDone) : null;
  // The clients that make the load run below the pinger's priority (on Linux, the priority of
  // this thread only; the pinger's thread keeps its own): on a machine with few cores, what the
  // pinger measures is then the daemon's loop, not a queue of this process's own work.
  const prio = getPriority(0);
  try { setPriority(0, Math.min(19, prio + 10)); } catch { /* not allowed: measure as it is */ }

  const counts = { replays: 0, replayed: 0, exports: 0, export_bytes: 0 };
  let running = true;
  const replayLoop = async (i) => {
    let last = 0, wake = null;
    const c = await leanSocket(d.wsUrl, (m) => {
      if (m && m.room === s.logRoom && typeof m.seq === 'number') {
        last = m.seq;
        counts.replayed++;
        if (wake && last >= s.upto) wake();
      }
    });
    const h = await c.request('hello', { token: d.token({ user: `loop-replay-${i}`, roles }) });
    assert.equal(h.ok, true, JSON.stringify(h));
    while (running) {
      last = s.since;
      const done = new Promise((res) => { wake = res; });
      await sleep(PACE_MS);
      const r = await c.request('subscribe', { room: s.logRoom, since: s.since });
      assert.equal(r.ok, true, JSON.stringify(r).slice(0, 300));
      assert.equal(r.data.mode, 'replay');
      await done;
      counts.replays++;
      await sleep(PACE_MS);
      await c.request('unsubscribe', { room: s.logRoom });
    }
    await c.close();
  };
  const exportLoop = async (i) => {
    for (let n = 0; running; n++) {
      const r = await exportSession(d, d.token({ user: `loop-export-${i}-${n}`, roles }), s.session);
      assert.equal(r.status, 200, `${r.status} ${String(r.body).slice(0, 200)}`);
      counts.exports++;
      counts.export_bytes += r.body.length;
    }
  };
  const started = Date.now();
  const loops = [
    ...Array.from({ length: replayers }, (_, i) => replayLoop(i)),
    ...Array.from({ length: exporters }, (_, i) => exportLoop(i)),
  ];
  const stopAt = new Promise((res) => setTimeout(res, ms));
  let rtts, crowd;
  try {
    await Promise.race([stopAt, Promise.all(loops).then(() => stopAt)]);  // a failing loop ends it early
    pinger.postMessage('stop');
    if (bursts) bursts.postMessage('stop');
    rtts = await pinged;
    crowd = bursts ? await bursted : { bursts: 0, probe_first: 0, snapshots: 0, snapshot_ms: [] };
    running = false;
    await Promise.all(loops);
  } finally {
    running = false;
    await pinger.terminate();
    if (bursts) await bursts.terminate();
    try { setPriority(0, prio); } catch { /* lowering is one-way without privileges */ }
  }
  const sorted = [...rtts].sort((x, y) => x - y);
  const snaps = crowd.snapshot_ms.sort((x, y) => x - y);
  return {
    pings: sorted.length, p50: pct(sorted, 50), p90: pct(sorted, 90), p99: pct(sorted, 99), p999: pct(sorted, 99.9),
    max: sorted[sorted.length - 1], over20: sorted.filter((x) => x > 20).length / sorted.length,
    snapshot_p50: pct(snaps, 50), seconds: (Date.now() - started) / 1000, ...counts,
    bursts: crowd.bursts, probe_first: crowd.probe_first, snapshots: crowd.snapshots,
  };
}
