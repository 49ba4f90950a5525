#!/usr/bin/env node
// Measures `search` in a course of many posts.
//
//   node scripts/measure-search.mjs [--posts N] [--searches S]
//
// Starts forumd (build/forumd, or FORUMD_BIN) with a temp database, seeds one Spanish course with
// N posts (default 100000, in threads of 50) with the sqlite3 shell, lets the writer index them
// (posts written by another tool wait in the index's queue for the next writes), then runs S
// searches (default 300) of four kinds and prints the median, p90 and p99 round trip of each:
//   common  a word in about a third of the posts
//   medium  a word in about 1 in 200
//   rare    a word in about 1 in 20,000
//   two     a common word and a medium one together
// Searches are spread over several users (each may search searches_per_minute times a minute).
import { existsSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDaemon, ROOT } from '../tests/lib/daemon.mjs';
import { connect } from '../tests/lib/client.mjs';
import { LIMITS } from '../tests/lib/helpers.mjs';

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) {
    console.error(`${name} needs a whole number`);
    process.exit(2);
  }
  return v;
}

const POSTS = arg('--posts', 100000);
const SEARCHES = arg('--searches', 300);
const PER_THREAD = 50;

if (!process.env.FORUMD_BIN) process.env.FORUMD_BIN = 'build/forumd';
const bin = resolve(ROOT, process.env.FORUMD_BIN);
if (!existsSync(bin)) {
  console.error(`${bin} does not exist; build it first (make build/forumd)`);
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

// A deterministic generator, so every run seeds the same text.
let seed = 12345;
const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
const FILLER = ('la el de que en los una por con para como las del más pero sus sobre este entre ' +
  'proyecto equipo tarea entrega semana clase pregunta respuesta ejemplo código datos función ' +
  'problema solución idea tiempo parte trabajo caso forma punto manera grupo nivel lectura').split(' ');
const COMMON = 'programación', MEDIUM = 'refactorización', RARE = 'ornitorrinco';

function sentence(i) {
  const words = [];
  const n = 20 + Math.floor(rnd() * 30);
  for (let k = 0; k < n; k++) words.push(FILLER[Math.floor(rnd() * FILLER.length)]);
  if (i % 3 === 0) words.splice(Math.floor(rnd() * n), 0, COMMON);
  if (i % 200 === 7) words.splice(Math.floor(rnd() * n), 0, MEDIUM);
  if (i % 20000 === 11) words.splice(Math.floor(rnd() * n), 0, RARE);
  return words.join(' ');
}

const d = await startDaemon();   // abuse limits off: the indexing writes come fast
const dir = mkdtempSync(join(tmpdir(), 'forumd-search-'));
try {
  const course = d.course({ title: 'Muchos mensajes', lang: 'es' });
  const users = [];
  const nusers = Math.ceil(SEARCHES / (LIMITS.searches_per_minute - 2)) + 1;
  for (let u = 0; u < nusers; u++) {
    const c = await connect(d.wsUrl);
    const h = await c.request('hello', { token: d.token({ user: `s${u}`, name: `Searcher ${u}`, roles: [`${course}:participant`] }) });
    if (!h.ok) throw new Error(JSON.stringify(h));
    users.push(c);
  }
  const writer = users[0];

  const lines = ['PRAGMA busy_timeout = 5000;', 'BEGIN;'];
  const threads = Math.ceil(POSTS / PER_THREAD);
  for (let t = 1; t <= threads; t++) {
    lines.push(`INSERT INTO threads(id, course_id, kind, title, author_id, created_at, last_activity_at)` +
               ` VALUES (${t}, ${course}, 'question', 'Hilo ${t} sobre ${FILLER[t % FILLER.length]}', 1, 1700000000000, 1700000000000);`);
  }
  for (let i = 0; i < POSTS; i++) {
    const t = 1 + Math.floor(i / PER_THREAD);
    lines.push(`INSERT INTO posts(id, thread_id, author_id, body, created_at) VALUES (${i + 1}, ${t}, 1, '${sentence(i)}', 1700000000000);`);
  }
  lines.push(`UPDATE threads SET first_post_id = (SELECT min(id) FROM posts WHERE thread_id = threads.id);`, 'COMMIT;');
  const sqlFile = join(dir, 'seed.sql');
  writeFileSync(sqlFile, lines.join('\n'));
  let t0 = Date.now();
  execFileSync('sqlite3', [d.dbPath, `.read ${sqlFile}`]);
  console.log(`${bin}; ${POSTS} posts in ${threads} threads of one course, seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Each write indexes a slice of the queue; write until it is empty.
  t0 = Date.now();
  const { thread } = (await writer.request('thread.create', { course, kind: 'discussion', title: 'Índice', body: 'empieza', key: `k${'0'.repeat(20)}` })).data;
  let writes = 1;
  for (;;) {
    const left = Number(execFileSync('sqlite3', ['-cmd', '.timeout 5000', d.dbPath, 'SELECT count(*) FROM search_queue;'], { encoding: 'utf8' }).trim());
    if (left === 0) break;
    const r = await writer.request('post.create', { thread: thread.id, body: `índice ${writes}`, key: `k${String(writes).padStart(20, '0')}` }, { timeoutMs: 120000 });
    if (!r.ok) throw new Error(JSON.stringify(r));
    writes++;
    await sleep(5);
  }
  console.log(`indexed by ${writes} writes in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const kinds = { common: 'programacion', medium: 'refactorizacion', rare: 'ornitorrinco', two: 'programaciones refactorizacion' };
  const times = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  const found = {};
  let u = 0, used = 0;
  for (let i = 0; i < SEARCHES; i++) {
    const kind = Object.keys(kinds)[i % 4];
    if (used === LIMITS.searches_per_minute - 2) { u++; used = 0; }
    used++;
    const c = users[u];
    const s0 = process.hrtime.bigint();
    const r = await c.request('search', { course, q: kinds[kind] }, { timeoutMs: 60000 });
    times[kind].push(Number(process.hrtime.bigint() - s0) / 1e6);
    if (!r.ok) throw new Error(JSON.stringify(r));
    found[kind] = r.data.results.length;
    await sleep(40);            // under the socket's request rate
  }
  for (const [kind, xs] of Object.entries(times)) {
    xs.sort((a, b) => a - b);
    console.log(`${kind.padEnd(6)} "${kinds[kind]}": p50 ${pct(xs, 50).toFixed(1)} ms, p90 ${pct(xs, 90).toFixed(1)} ms, ` +
                `p99 ${pct(xs, 99).toFixed(1)} ms (${xs.length} searches, ${found[kind]} results on the first page)`);
  }
  for (const c of users) await c.close();
} finally {
  await d.stop();
  rmSync(dir, { recursive: true, force: true });
}
