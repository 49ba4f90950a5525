#!/usr/bin/env node
// Measures a live poll under a storm of answers: N participants follow the poll's results room,
// all of them answer within a few seconds, and every socket counts the poll.results frames it
// receives.
//
//   node scripts/measure-poll-storm.mjs [--voters N] [--seconds S] [--kind single|words]
//
// Starts the release binary (build/forumd, or FORUMD_BIN) with participant limits off, opens N
// authenticated sockets (one user each) subscribed to the results room, then sends the N answers
// spread evenly over S seconds (default 5,000 voters in 10 s). It prints whether the final tally
// is exact (last poll.results of every socket and the room's snapshot), the answers acknowledged
// per second, the ack p50/p99, and poll.results frames per socket (mean and most), which stay
// bounded by state_msgs_per_key_per_sec however many answer.
//
// Each socket costs a descriptor here and one in forumd: run it from a shell whose `ulimit -n`
// is above 2 × N, e.g. `ulimit -n 20000`.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { signJwt, claimsFor } from '../tests/lib/helpers.mjs';
import { startDaemon, ROOT } from '../tests/lib/daemon.mjs';
import { leanSocket } from '../tests/lib/qa.mjs';

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  return process.argv[i + 1];
}
const N = Number(arg('--voters', 5000));
const SECONDS = Number(arg('--seconds', 10));
const KIND = arg('--kind', 'single');
if (!Number.isInteger(N) || N < 1 || !(SECONDS > 0) || !['single', 'words'].includes(KIND)) {
  console.error('usage: measure-poll-storm.mjs [--voters N] [--seconds S] [--kind single|words]');
  process.exit(2);
}
if (!process.env.FORUMD_BIN) process.env.FORUMD_BIN = 'build/forumd';
if (!existsSync(resolve(ROOT, process.env.FORUMD_BIN))) {
  console.error(`${process.env.FORUMD_BIN} does not exist; build it first (make build/forumd)`);
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const WORDS = ['liderazgo', 'Liderazgo', 'confianza', 'equipo', 'Equipos', 'comunicación', 'comunicacion', 'foco'];
const cpuTicks = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); };
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))];

const d = await startDaemon();     // participant limits off (the test harness's default)
const socks = [];
let code = 0;
try {
  const course = d.course({ title: 'Poll storm', lang: 'es' });
  const tok = (user, role) => signJwt({ secret: d.secret, claims: claimsFor({ user, name: user, courses: { [course]: role } }) });
  const staff = await leanSocket(d.wsUrl);
  const call = async (s, op, data) => {
    const r = await s.request(op, { ...data, ...(op.includes('.') && op !== 'subscribe' ? { key: `k${Math.random().toString(36).slice(2)}${Date.now()}` } : {}) }, 60000);
    if (!r.ok) throw new Error(`${op}: ${JSON.stringify(r.error)}`);
    return r.data;
  };
  await call(staff, 'hello', { token: tok('storm-staff', 'instructor') });
  const { session } = await call(staff, 'session.create', { course, title: 'Storm', starts_at: Math.floor(Date.now() / 1000) });
  await call(staff, 'session.start', { session: session.id });
  const def = KIND === 'single' ? { kind: 'single', prompt: 'Storm', options: ['A', 'B', 'C', 'D'] } : { kind: 'words', prompt: 'Storm', max_entries: 1 };
  const { poll } = await call(staff, 'poll.create', { session: session.id, ...def });
  await call(staff, 'poll.open', { poll: poll.id });
  const room = poll.results_room;

  for (let i = 0; i < N; i += 200) {
    socks.push(...await Promise.all(Array.from({ length: Math.min(200, N - i) }, async (_, j) => {
      const rec = { frames: 0, last: null };
      const s = await leanSocket(d.wsUrl, (m) => { if (m && m.st === 'poll.results' && m.room === room) { rec.frames++; rec.last = m.data; } });
      s.rec = rec;
      await call(s, 'hello', { token: tok(`storm-${i + j}`, 'participant') });
      await call(s, 'subscribe', { room });
      return s;
    })));
  }
  for (const s of socks) s.rec.frames = 0;

  const cpu0 = cpuTicks(d.proc.pid);
  const t0 = performance.now();
  const acks = [];
  const sent = [];
  for (let i = 0; i < N; i++) {
    const at = t0 + (i * SECONDS * 1000) / N;
    const now = performance.now();
    if (at > now + 1) await sleep(at - now);
    const s = socks[i];
    const data = KIND === 'single' ? { choices: [i % 4] } : { text: WORDS[i % WORDS.length] };
    const st = performance.now();
    sent.push(s.request('poll.answer', { poll: poll.id, ...data, key: `storm-${i}-${Date.now()}` }, 120000)
      .then((r) => { if (!r.ok) throw new Error(`answer ${i}: ${JSON.stringify(r.error)}`); acks.push(performance.now() - st); }));
  }
  await Promise.all(sent);
  const tAcked = performance.now();
  // Let the last coalesced value reach everyone.
  const deadline = Date.now() + 30000;
  while (socks.some((s) => s.rec.last?.respondents !== N) && Date.now() < deadline) await sleep(100);
  const cpu = (cpuTicks(d.proc.pid) - cpu0) / 100;
  const snap = await call(staff, 'subscribe', { room });

  let exact = snap.results.respondents === N;
  if (KIND === 'single') {
    const want = [0, 0, 0, 0];
    for (let i = 0; i < N; i++) want[i % 4]++;
    exact = exact && JSON.stringify(snap.results.counts) === JSON.stringify(want);
  }
  const finals = socks.filter((s) => JSON.stringify(s.rec.last) === JSON.stringify(snap.results)).length;
  const frames = socks.map((s) => s.rec.frames).sort((a, b) => a - b);
  acks.sort((a, b) => a - b);
  const secs = (tAcked - t0) / 1000;
  console.log(`poll storm (${KIND}): ${N} voters answered within ${secs.toFixed(1)} s (${Math.round(N / secs)} answers/s acknowledged)`);
  console.log(`  tally exact: ${exact ? 'yes' : 'NO'}; sockets whose last poll.results equals the room snapshot: ${finals} of ${N}`);
  console.log(`  answer ack p50 ${pct(acks, 0.5).toFixed(1)} ms, p99 ${pct(acks, 0.99).toFixed(1)} ms`);
  console.log(`  poll.results frames per socket: mean ${(frames.reduce((a, b) => a + b, 0) / N).toFixed(1)}, most ${frames.at(-1)} ` +
              `(bound: ${Math.ceil(secs * 4 + 4)} at 4 per second)`);
  console.log(`  forumd CPU: ${cpu.toFixed(2)} s over the storm`);
  if (!exact || finals !== N) code = 1;
  await staff.close();
} catch (err) {
  console.error(`measurement failed: ${err && err.stack ? err.stack : err}`);
  code = 1;
} finally {
  for (const s of socks) s.ws.terminate();
  await d.stop();
}
process.exit(code);
