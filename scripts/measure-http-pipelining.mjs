#!/usr/bin/env node
// Measures what pipelined HTTP requests leave behind in forumd's memory.
//
//   node scripts/measure-http-pipelining.mjs [--conns N] [--parallel P] [--settle-ms MS]
//
// Starts the daemon (FORUMD_BIN, default build/forumd) on a free loopback port with a temp
// database, reads VmRSS from /proc/PID/status, then opens N connections (default 100000),
// P at a time (default 50), each writing two pipelined `GET /healthz` in one write, reading
// until both are answered (or 200 ms pass without more bytes) and closing. Then it waits for the daemon to settle
// and prints:
//
//   before: X KiB; after N connections: Y KiB (+Z KiB); answered A of 2N requests
//
// Local only: it talks to the daemon it started, on 127.0.0.1.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import net from 'node:net';
import { startDaemon, ROOT } from '../tests/lib/daemon.mjs';

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) {
    console.error(`${name} needs a positive whole number`);
    process.exit(2);
  }
  return v;
}

const N = arg('--conns', 100000);
const P = arg('--parallel', 50);
const SETTLE_MS = arg('--settle-ms', 2000);
const REQ = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(2);

if (!process.env.FORUMD_BIN) process.env.FORUMD_BIN = 'build/forumd';
if (!existsSync(resolve(ROOT, process.env.FORUMD_BIN))) {
  console.error(`no binary at ${process.env.FORUMD_BIN}: build it first (make), or set FORUMD_BIN`);
  process.exit(2);
}

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Complete responses (headers and Content-Length body) at the start of text.
function complete(text) {
  let n = 0, at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) return n;
    const m = /content-length:\s*(\d+)/i.exec(text.slice(at, end));
    const len = m ? Number(m[1]) : 0;
    if (text.length < end + 4 + len) return n;
    n++;
    at = end + 4 + len;
  }
}

// One connection: both requests in one write; resolves to the number of complete responses
// once both are in, or 200 ms after the last bytes came (2 s if none come).
function one(port) {
  return new Promise((res) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const done = () => { clearTimeout(t); s.destroy(); res(complete(text)); };
    let t = setTimeout(done, 2000);
    s.on('connect', () => s.write(REQ));
    s.on('data', (b) => {
      text += b.toString('latin1');
      clearTimeout(t);
      if (complete(text) >= 2) done();
      else t = setTimeout(done, 200);
    });
    s.on('error', done);
    s.on('end', done);
  });
}

const d = await startDaemon();
try {
  await sleep(SETTLE_MS);
  const before = rssKiB(d.proc.pid);
  let answered = 0, next = 0;
  const worker = async () => { while (next < N) { next++; const n = await one(d.port); answered += n; } };
  await Promise.all(Array.from({ length: P }, worker));
  await sleep(SETTLE_MS);
  const after = rssKiB(d.proc.pid);
  console.log(`before: ${before} KiB; after ${N} connections: ${after} KiB (+${after - before} KiB); ` +
              `answered ${answered} of ${2 * N} requests`);
} finally {
  await d.stop();
}
