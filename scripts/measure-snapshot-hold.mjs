#!/usr/bin/env node
// Measures what subscribing to the largest thread costs the server: the bytes held for a
// socket that subscribes and never reads, and the ping round trip of another socket while
// clients connect, subscribe and drop in a loop.
//
//   node scripts/measure-snapshot-hold.mjs [--posts N] [--chars C] [--loop-s S] [--loops L] [--plain] [--sndbuf B]
//
// Starts forumd (build/forumd, or FORUMD_BIN) with a temp database, seeds one thread with
// N posts (default 2000, snapshot_posts_max) of C characters (default 20000, max_body_chars)
// with the sqlite3 shell, then:
// (The characters are U+0001, which JSON sends as six bytes, \u0001: the largest thread a
// participant can write. With --plain they are letters. --sndbuf B starts the daemon with
// --socket-sndbuf B, so that less of what a socket does not read hides in the kernel.)
//
//  1. one socket subscribes to the thread and never reads: after it settles, the stats op's
//     net.queued_bytes (what the server holds for sockets) and the daemon's VmRSS growth;
//  2. a reading socket pings every 40 ms for S seconds (default 15) with nothing else going on,
//     then again while L loops (default 4) each connect, hello, subscribe to the thread (without
//     reading the reply) and drop the socket 50 ms later, over and over; prints p50/p99/max
//     of the ping round trip in both phases and the number of subscribes done.
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { startDaemon, ROOT } from '../tests/lib/daemon.mjs';
import { connect } from '../tests/lib/client.mjs';

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`${name} needs a whole number`);
    process.exit(2);
  }
  return v;
}

const POSTS = arg('--posts', 2000);
const CHARS = arg('--chars', 20000);
const LOOP_S = arg('--loop-s', 15);
const LOOPS = arg('--loops', 4);
const SNDBUF = arg('--sndbuf', 0);
const FILL = process.argv.includes('--plain') ? "'a'" : 'char(1)';

if (!process.env.FORUMD_BIN) process.env.FORUMD_BIN = 'build/forumd';
const bin = resolve(ROOT, process.env.FORUMD_BIN);
if (!existsSync(bin)) {
  console.error(`${bin} does not exist; build it first (make build/forumd)`);
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssKiB = (pid) => Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function hello(d, token) {
  const c = await connect(d.wsUrl);
  const r = await c.request('hello', { token }, { timeoutMs: 60000 });
  if (!r.ok) throw new Error(`hello: ${JSON.stringify(r)}`);
  return c;
}

async function pings(c, ms) {
  const rtt = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t0 = process.hrtime.bigint();
    const r = await c.request('ping', {}, { timeoutMs: 120000 });
    if (!r.ok) throw new Error(`ping: ${JSON.stringify(r)}`);
    rtt.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await sleep(40);            // 25 a second: under the socket's request rate
  }
  return rtt.sort((a, b) => a - b);
}

const fmt = (xs) => `p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms, max ${xs.at(-1).toFixed(1)} ms (${xs.length} pings)`;

const d = await startDaemon({ limits: 'default', args: SNDBUF ? ['--socket-sndbuf', String(SNDBUF)] : [] });
try {
  const course = d.course({ title: 'Measure' });
  const role = [`${course}:participant`];
  const tok = (user) => d.token({ user, name: user, roles: role });
  const admin = await hello(d, d.token({ user: 'admin', name: 'Admin', admin: true }));
  const w = await hello(d, tok('writer'));
  const r = await w.request('thread.create', { course, kind: 'discussion', title: 'Largest thread', body: 'Opening',
                                               key: 'measure-snapshot-hold-1' });
  if (!r.ok) throw new Error(JSON.stringify(r));
  const thread = r.data.thread.id;
  const room = `thread:${thread}`;
  execFileSync('sqlite3', [d.dbPath, `PRAGMA busy_timeout = 5000;
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${POSTS - 1})
    INSERT INTO posts(thread_id, author_id, body, created_at)
    SELECT ${thread}, (SELECT author_id FROM threads WHERE id = ${thread}),
           substr(replace(hex(zeroblob(${CHARS})), '0', ${FILL}), 1, ${CHARS}), 0 FROM k;`]);
  const stats = async () => (await admin.request('stats', {}, { timeoutMs: 120000 })).data.net;

  // 1. One socket subscribes and never reads.
  await sleep(500);
  const rss0 = rssKiB(d.proc.pid);
  const q0 = (await stats()).queued_bytes;
  const sleeper = await hello(d, tok('sleeper'));
  sleeper.ws._socket.pause();
  sleeper.ws.send(JSON.stringify({ op: 'subscribe', id: 'big', data: { room } }));
  let st;
  for (let i = 0; i < 40; i++) {
    await sleep(250);
    st = await stats();
    if (st.subscriptions >= 1 && i >= 8) break;
  }
  const rss1 = rssKiB(d.proc.pid);
  console.log(`${bin}; thread: ${POSTS} posts of ${CHARS} characters (${FILL})${SNDBUF ? `, socket send buffer ${SNDBUF}` : ''}`);
  console.log(`non-reading subscriber: ${st.queued_bytes - q0} bytes queued; VmRSS +${rss1 - rss0} KiB`);
  sleeper.ws._socket.destroy();
  await sleep(1000);

  // 2. Ping round trips, quiet and during a connect/subscribe/drop loop.
  const pinger = await hello(d, tok('pinger'));
  const quiet = await pings(pinger, Math.min(LOOP_S, 5) * 1000);
  console.log(`ping, quiet: ${fmt(quiet)}`);
  let stop = false, subscribes = 0;
  const loop = async (k) => {
    const t = tok(`looper${k}`);
    while (!stop) {
      try {
        const c = await hello(d, t);
        c.ws.send(JSON.stringify({ op: 'subscribe', id: 's', data: { room } }));
        subscribes++;
        await sleep(50);
        c.ws.terminate();
      } catch {
        await sleep(50);
      }
    }
  };
  const loops = Array.from({ length: LOOPS }, (_, k) => loop(k));
  const busy = await pings(pinger, LOOP_S * 1000);
  stop = true;
  await Promise.all(loops);
  console.log(`ping, during ${LOOPS} connect/subscribe/drop loops (${subscribes} subscribes in ${LOOP_S} s): ${fmt(busy)}`);
  console.log(`VmRSS at the end: ${rssKiB(d.proc.pid)} KiB`);
  for (const c of [admin, w, pinger]) await c.close();
} finally {
  await d.stop();
}
