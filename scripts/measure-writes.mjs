#!/usr/bin/env node
// Measures durable acknowledged writes: how many post.create per second the
// daemon acknowledges (each reply comes only after its commit), the ack
// latency, and how many writes each commit carried (group commit). With
// --workers 2 it shows what contention for SQLite's write lock between
// processes costs.
//
//   node scripts/measure-writes.mjs [--workers N] [--clients C] [--seconds S] [--redis] [--sync full|normal]
//
// Starts the release build (build/forumd, or FORUMD_BIN) on a temp database;
// with --redis also a redis-server on a unix socket. Each client keeps one
// write in flight and sends the next when the reply arrives, within the
// per-socket rate limit (protocol.json: rate_burst, rate_per_sec), so the
// offered load is about C x rate_per_sec writes per second at most.
import { startDaemon } from '../tests/lib/daemon.mjs';
import { connect } from '../tests/lib/client.mjs';
import { startRedis } from '../tests/lib/redis.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const workers = Number(arg('workers', 1));
const clients = Number(arg('clients', 200));
const seconds = Number(arg('seconds', 10));
const sync = arg('sync', 'full');
const useRedis = process.argv.includes('--redis');

process.env.FORUMD_BIN ||= 'build/forumd';
const redis = useRedis ? await startRedis() : null;
const args = ['--workers', String(workers), '--sync', sync];
if (redis) args.push('--redis', redis.url);
const d = await startDaemon({ args });
const course = d.course({ title: 'Load' });
const admin = d.token({ user: 'admin', name: 'Admin', admin: true });

let key = 0;
const k = () => `k${process.pid}x${(key++).toString(36).padStart(14, '0')}`;

// Connect writers; each its own user so per-user limits never bind.
const cs = [];
for (let i = 0; i < clients; i++) {
  const c = await connect(d.wsUrl);
  const h = await c.request('hello', { token: d.token({ user: `w${i}`, name: `Writer ${i}`, roles: [`${course}:participant`] }) });
  c.proc = h.data.server.process;
  cs.push(c);
}
const procs = [...new Set(cs.map((c) => c.proc))];
const t = await cs[0].request('thread.create', { course, kind: 'discussion', title: 'Load', body: 'Load test', key: k() });
const thread = t.data.thread.id;

async function statsOf(proc) {
  // Admin sockets until one lands on proc.
  for (let i = 0; i < 50; i++) {
    const c = await connect(d.wsUrl);
    const h = await c.request('hello', { token: admin });
    if (h.data.server.process === proc) {
      const s = (await c.request('stats', {})).data.store;
      c.close();
      return s;
    }
    c.close();
  }
  return null;
}
const before = {};
for (const p of procs) before[p] = await statsOf(p);

const lat = [];
let acked = 0, refused = 0, errors = 0;
const end = Date.now() + seconds * 1000;
await Promise.all(cs.map(async (c) => {
  while (Date.now() < end) {
    const t0 = process.hrtime.bigint();
    const r = await c.request('post.create', { thread, body: 'x'.repeat(100), key: k() }, { timeoutMs: 30000 });
    if (r.ok) {
      acked++;
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    } else if (r.error.code === 'rate_limited') {
      refused++;
      await new Promise((res) => setTimeout(res, r.error.retry_after_ms));
    } else {
      errors++;
    }
  }
}));
const elapsed = seconds;
lat.sort((a, b) => a - b);
const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1) : '-');

let writes = 0, commits = 0, batchMax = 0;
for (const p of procs) {
  const s = await statsOf(p);
  if (!s || !before[p]) continue;
  writes += s.writes - before[p].writes;
  commits += s.commits - before[p].commits;
  batchMax = Math.max(batchMax, s.batch_max);
}
console.log(`workers ${workers}${redis ? ' (redis bus)' : ''}, sync ${sync}, ${clients} writers for ${elapsed} s: ` +
            `${Math.round(acked / elapsed)} acknowledged writes/s; ack latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms; ` +
            `${commits} commits for ${writes} writes (${commits ? (writes / commits).toFixed(1) : '-'} per commit, ` +
            `largest batch ${batchMax}); ${refused} rate-limited, ${errors} errors`);
for (const c of cs) c.close();
await d.stop();
if (redis) await redis.stop();
process.exit(0);
