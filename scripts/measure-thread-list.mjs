#!/usr/bin/env node
// Measures thread.list page time per sort in a course of many threads.
//
//   node scripts/measure-thread-list.mjs [--threads N] [--pages P]
//
// Starts forumd (build/forumd, or FORUMD_BIN) with a temp database, seeds one course with
// N threads (default 20000; two thirds questions, a third of those answered) with the sqlite3
// shell, then for each sort reads the first page P times (default 100) and walks P pages by
// cursor, and prints the median and p90 round trip of a page (30 threads) per sort.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { startDaemon, ROOT } from '../tests/lib/daemon.mjs';
import { connect } from '../tests/lib/client.mjs';

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

const THREADS = arg('--threads', 20000);
const PAGES = arg('--pages', 100);

if (!process.env.FORUMD_BIN) process.env.FORUMD_BIN = 'build/forumd';
const bin = resolve(ROOT, process.env.FORUMD_BIN);
if (!existsSync(bin)) {
  console.error(`${bin} does not exist; build it first (make build/forumd)`);
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const d = await startDaemon({ limits: 'default' });
try {
  const course = d.course({ title: 'Many threads' });
  const c = await connect(d.wsUrl);
  const h = await c.request('hello', { token: d.token({ user: 'reader', name: 'Reader', roles: [`${course}:participant`] }) });
  if (!h.ok) throw new Error(JSON.stringify(h));
  execFileSync('sqlite3', [d.dbPath, `PRAGMA busy_timeout = 5000;
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${THREADS})
    INSERT INTO threads(course_id, kind, title, author_id, created_at, last_activity_at, answered, votes)
    SELECT ${course}, CASE WHEN i % 3 = 0 THEN 'discussion' ELSE 'question' END, 'Thread ' || i,
           (SELECT id FROM users LIMIT 1), 1700000000000 + i * 1000, 1700000000000 + i * 997,
           CASE WHEN i % 3 = 1 THEN 1 ELSE 0 END, i % 17 FROM k;
    ANALYZE;`]);
  console.log(`${bin}; ${THREADS} threads in one course`);
  for (const sort of ['latest', 'votes', 'unanswered']) {
    const times = [];
    const page = async (cursor) => {
      const t0 = process.hrtime.bigint();
      const r = await c.request('thread.list', cursor ? { course, sort, cursor } : { course, sort }, { timeoutMs: 60000 });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (!r.ok) throw new Error(JSON.stringify(r));
      await sleep(40);            // under the socket's request rate
      return r.data.next_cursor;
    };
    for (let i = 0; i < PAGES; i++) await page(null);
    let cursor = null;
    for (let i = 0; i < PAGES; i++) cursor = await page(cursor);
    times.sort((a, b) => a - b);
    console.log(`sort ${sort}: page p50 ${pct(times, 50).toFixed(2)} ms, p90 ${pct(times, 90).toFixed(2)} ms (${times.length} pages)`);
  }
  await c.close();
} finally {
  await d.stop();
}
