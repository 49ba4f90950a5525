#!/usr/bin/env node
// Measures forumd's memory per idle authenticated WebSocket connection.
//
//   node scripts/measure-idle-memory.mjs [--conns N] [--settle-ms MS]
//
// Starts the release binary (build/forumd, or FORUMD_BIN) on a free port with a temp
// database, reads VmRSS from /proc/PID/status while idle, opens N connections (default
// 1000) that each complete hello, waits for the process to settle, reads VmRSS again and
// prints:
//
//   idle RSS: X KiB; with N authenticated connections: Y KiB; per connection: Z bytes
//
// Each connection costs this process one file descriptor and the daemon another, and the
// daemon sizes its connection table from its own soft limit when it starts. This script
// raises nothing itself: run it from a shell whose `ulimit -n` is above N plus a margin,
// for example `ulimit -n 20000` (at most the hard limit, `ulimit -Hn`).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { signJwt, claimsFor } from '../tests/lib/helpers.mjs';
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

const N = arg('--conns', 1000);
const SETTLE_MS = arg('--settle-ms', 2000);
const BATCH = 100;

if (!process.env.FORUMD_BIN) process.env.FORUMD_BIN = 'build/forumd';
const bin = resolve(ROOT, process.env.FORUMD_BIN);
if (!existsSync(bin)) {
  console.error(`${bin} does not exist; build it first (make build/forumd)`);
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rssKiB(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]);
}

function fdLimitHint(err) {
  const text = `${err && err.code} ${err && err.message}`;
  if (/EMFILE|ENFILE/.test(text)) {
    console.error(`\nout of file descriptors (${text.trim()}).\n` +
      `Each connection needs one descriptor here and one in forumd. Raise the limit in this shell\n` +
      `first, e.g. \`ulimit -n 20000\` (the hard limit is \`ulimit -Hn\`), then run this script again.`);
    return true;
  }
  return false;
}

const d = await startDaemon();
const pid = d.proc.pid;
const clients = [];
let code = 0;
try {
  // One user per socket: a user may hold only max_sockets_per_user sockets.
  const token = (i) => signJwt({ secret: d.secret, claims: claimsFor({ user: `mem${i}`, name: 'Memory Probe',
                                                                       courses: { 1: 'participant' } }) });
  let made = 0;
  await sleep(SETTLE_MS);
  const idle = rssKiB(pid);

  for (let done = 0; done < N;) {
    const n = Math.min(BATCH, N - done);
    const batch = await Promise.all(Array.from({ length: n }, async () => {
      const c = await connect(d.wsUrl, { timeoutMs: 30000 });
      const r = await c.request('hello', { token: token(made++) }, { timeoutMs: 30000 });
      if (!r.ok) throw new Error(`hello failed: ${JSON.stringify(r)}`);
      return c;
    }));
    clients.push(...batch);
    done += n;
  }
  const dead = clients.filter((c) => c.closeInfo);
  if (dead.length) throw new Error(`${dead.length} connections closed early (first: ${JSON.stringify(dead[0].closeInfo)})`);

  await sleep(SETTLE_MS);
  const busy = rssKiB(pid);
  const per = N ? Math.round(((busy - idle) * 1024) / N) : 0;
  console.log(`idle RSS: ${idle} KiB; with ${N} authenticated connections: ${busy} KiB; per connection: ${per} bytes`);
} catch (err) {
  if (!fdLimitHint(err)) console.error(`measurement failed: ${err && err.stack ? err.stack : err}`);
  code = 1;
} finally {
  for (const c of clients) c.ws.terminate();
  await d.stop();
}
process.exit(code);
