#!/usr/bin/env node
// `make bench`: forumd side by side with what a team would otherwise deploy
// (nginx + Nchan, a Node `ws` server, Socket.IO) and with the machine's floor
// (build/bench/floor: one write() per delivery and nothing else), under one
// load generator (build/bench/loadgen), on this machine, in one run.
//
//   node scripts/bench.mjs [--runs N] [--quick] [--only forumd,nchan,ws,sio,floor]
//                          [--skip capacity,fanout,redis,writes,rwrites,loop,search] [--perf]
//                          [--forumd PATH] [--writes-workers N]
//
// "Search" (search): `search` over 100,000 posts in one course, p50/p90/p99 per kind of query
// (scripts/measure-search.mjs, run once).
// "Loop never blocked" (loop): one socket pings while other sockets take snapshots of a
// thread of 10,000 posts (a crowd at once), replay 1,000 events and download a 5,000-question
// export; reports the ping round trip's p50/p99/p99.9 (tests/lib/loop_latency.mjs). Alone:
//   node scripts/bench.mjs --skip capacity,fanout,redis,writes,rwrites [--forumd PATH]
// (--forumd: another build of forumd, e.g. an older one, for this scenario; no peers needed).
//
// --perf records each delivery run's server processes with `perf record -g`
// into build/bench/perf-<scenario>-<server>.data (read with `perf report -i`).
//
// Servers (and Redis) run on core 0, the load generator on core 1 (taskset).
// Every figure is the median of --runs runs (3). Prints one table and writes
// it to build/bench/results.md (raw figures in build/bench/results.json).
// Installs what it needs first: Debian nginx + libnginx-mod-nchan and
// redis-server (apt-get, as root), the peers' npm packages (npm ci).
// All traffic stays on 127.0.0.0/8.
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, mkdirSync, existsSync, statSync, readdirSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, createHmac } from 'node:crypto';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'build/bench');
const FORUMD = join(ROOT, 'build/forumd');
const LOADGEN = join(ROOT, 'build/bench/loadgen');
const FLOOR = join(ROOT, 'build/bench/floor');
const PEERS = join(ROOT, 'tests/bench/peers');
const NO_LIMITS = 'post_interval_s=0,threads_per_day=0,flags_per_day=0,votes_per_day=0,edits_per_day=0';
const SERVER_CORE = '0', LOAD_CORE = '1';
const SOURCES = '127.0.0.2,127.0.0.17';

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const QUICK = argv.includes('--quick');
const RUNS = Number(opt('runs', QUICK ? 1 : 3));
const ONLY = opt('only', 'forumd,nchan,ws,sio,floor').split(',');
const SKIP = opt('skip', '').split(',');
const PERF = argv.includes('--perf');
const LOOP_BIN = resolve(opt('forumd', join(ROOT, 'build/forumd')));
const LOOP_ONLY = ['capacity', 'fanout', 'redis', 'writes', 'rwrites'].every((k) => SKIP.includes(k));
// The writes scenario's processes (--workers, no Redis): with 2, two writers
// contend for one database's write lock.
const WRITES_WORKERS = Number(opt('writes-workers', 1));
// Durations scaled down so that the whole run stays near 20 minutes here.
const WARMUP = QUICK ? 1 : 1.5, DURATION = QUICK ? 3 : 5;
const CAP_STEPS = QUICK ? [2500, 5000, 10000] : [5000, 10000, 19000];
const IDLE_N = 10000;
const PINGS = 200;
const WRITERS = 1000, WRITER_RATE = 28;   // under the per-socket rate limit (30/s)
const PING_LIMIT_MS = 100, MEM_LIMIT = 4 * 1024 ** 3;

const SERVERS = {
  forumd: 'forumd', nchan: 'nginx + Nchan', ws: 'Node ws', sio: 'Socket.IO', floor: 'floor',
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = new Set();
const log = (s) => process.stderr.write(`bench: ${s}\n`);

// ---------------------------------------------------------------------------
// Install

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }).trim();
}

function installed(pkg) {
  try { return sh('dpkg-query', ['-W', '-f=${Status}', pkg]) === 'install ok installed'; } catch { return false; }
}

function install() {
  const missing = ['nginx', 'libnginx-mod-nchan', 'redis-server', 'util-linux'].filter((p) => !installed(p));
  if (missing.length) {
    if (process.getuid() !== 0) {
      console.error(`bench: missing Debian packages. Run:\n  sudo apt-get install -y ${missing.join(' ')}`);
      process.exit(1);
    }
    log(`installing ${missing.join(' ')}`);
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing],
                 { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const lock = join(PEERS, 'package-lock.json'), mark = join(PEERS, 'node_modules/.package-lock.json');
  if (!existsSync(mark) || statSync(lock).mtimeMs > statSync(mark).mtimeMs) {
    log('npm ci --prefix tests/bench/peers');
    execFileSync('npm', ['ci', '--prefix', PEERS, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
  }
}

// ---------------------------------------------------------------------------
// A small forumd client for setup (threads, stats), on the peers' own `ws`.

const b64url = (x) => Buffer.from(x).toString('base64url');

// An HS256 token with the claims `forumd token` writes.
function token(secret, { user, name, courses = {}, admin = false, ttl = 7200 }) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: user, name, iat: now, exp: now + ttl, courses, ...(admin ? { admin: true } : {}) };
  const hp = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${hp}.${createHmac('sha256', secret).update(hp).digest('base64url')}`;
}

let WebSocket = null;
async function connect(url) {
  if (!WebSocket) WebSocket = (await import(pathToFileURL(join(PEERS, 'node_modules/ws/wrapper.mjs')).href)).default;
  const ws = new WebSocket(url, 'forumd.v1');
  const pending = new Map();
  let next = 1;
  ws.on('message', (data) => {
    const text = data.toString();
    for (const m of [JSON.parse(text)].flat()) {
      const p = m && pending.get(m.re);
      if (p) { pending.delete(m.re); p(m); }
    }
  });
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  return {
    request(op, data) {
      const id = `r${next++}`;
      ws.send(JSON.stringify({ op, id, data }));
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`${op}: no reply`)), 30000);
        pending.set(id, (m) => { clearTimeout(t); res(m); });
      });
    },
    close() { ws.close(); },
  };
}

// ---------------------------------------------------------------------------
// Processes

// Starts cmd on `core` with the descriptor limit raised to the hard limit.
function startProc(core, cmd, args, { env = {}, cwd = ROOT } = {}) {
  const p = spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec taskset -c "$0" "$@"', core, cmd, ...args],
                  { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  p.out = '';
  p.err = '';
  p.stdout.on('data', (b) => { p.out += b; });
  p.stderr.on('data', (b) => { p.err += b; if (p.err.length > 1e6) p.err = p.err.slice(-1e5); });
  p.done = new Promise((res) => p.on('exit', (code, sig) => { children.delete(p); res(sig || code); }));
  children.add(p);
  return p;
}

async function stopProc(p, ms = 5000) {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), ms);
  await p.done;
  clearTimeout(t);
}

async function waitFor(p, re, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const m = re.exec(p.out);
    if (m) return m;
    if (p.exitCode !== null) throw new Error(`${p.spawnargs.join(' ')} exited: ${p.err.slice(-2000)}`);
    await sleep(20);
  }
  throw new Error(`no ${re} from ${p.spawnargs.join(' ')}: ${p.err.slice(-2000)}`);
}

async function waitPort(port, ms = 15000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((res) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); res(true); });
      s.once('error', () => res(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

function childPids(pid) {
  const out = [];
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const c = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      if (c) out.push(...c.split(/\s+/).map(Number));
    }
  } catch { /* gone */ }
  return out;
}

function rssBytes(pids) {
  let kib = 0;
  for (const pid of pids) {
    try {
      const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kib += Number(m[1]);
    } catch { /* gone */ }
  }
  return kib * 1024;
}

// Kernel slab memory (sockets, files, epoll items of both ends), in bytes.
function slabBytes() {
  const m = /^Slab:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

// Kernel memory of TCP sockets, in bytes (the "mem" pages of /proc/net/sockstat).
function sockstatBytes() {
  const m = /^TCP:.* mem (\d+)/m.exec(readFileSync('/proc/net/sockstat', 'utf8'));
  return m ? Number(m[1]) * 4096 : 0;
}

// ---------------------------------------------------------------------------
// Servers. Each start() returns { pids, loadArgs, extra, stop }.

async function startRedis() {
  const port = await freePort();
  const p = startProc(SERVER_CORE, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
                                                    '--appendonly', 'no', '--protected-mode', 'yes']);
  await waitPort(port);
  return { p, pid: p.pid, url: `redis://127.0.0.1:${port}`, stop: () => stopProc(p) };
}

const serverStarters = {
  async forumd({ procs = 1, redis = null, users = 0 } = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'forumd-bench-'));
    const secret = randomBytes(32).toString('hex');
    const secretFile = join(dir, 'jwt.secret');
    writeFileSync(secretFile, secret + '\n', { mode: 0o600 });
    const db = join(dir, 'forumd.db');
    const now = Math.floor(Date.now() / 1000);
    const args = ['serve', '--port', '0', '--bind', '127.0.0.1', '--db', db, '--jwt-secret-file', secretFile,
                  '--limits', NO_LIMITS];
    if (redis) args.push('--redis', redis.url);
    if (procs > 1) args.push('--workers', String(procs));
    const p = startProc(SERVER_CORE, FORUMD, args);
    const port = Number((await waitFor(p, /listening on http:\/\/[^:\s]+:(\d+)/))[1]);
    await sleep(procs > 1 ? 500 : 100);
    // The daemon made the schema; SQLite in WAL mode takes this second writer.
    const course = Number(sh(FORUMD, ['course', 'create', '--db', db, '--title', 'Bench', '--starts', String(now - 7 * 86400),
                                      '--ends', String(now + 60 * 86400)]));
    const pids = procs > 1 ? childPids(p.pid) : [p.pid];
    const admin = token(secret, { user: 'bench-admin', name: 'Bench', admin: true });
    const c = await connect(`ws://127.0.0.1:${port}/ws`);
    await c.request('hello', { token: admin });
    const threads = [];
    for (let i = 0; i < 2; i++) {
      const r = await c.request('thread.create', { course, kind: 'discussion', title: `Bench ${i}`, body: 'bench',
                                                   key: `benchthread${i}x${randomBytes(6).toString('hex')}` });
      if (!r.ok) throw new Error(`thread.create: ${JSON.stringify(r)}`);
      threads.push(r.data.thread.id);
    }
    c.close();
    const tokens = [];
    for (let i = 0; i < users; i++) {
      tokens.push(token(secret, { user: `b${i}`, name: `Bench ${i}`, courses: { [course]: 'participant' } }));
    }
    const tokFile = join(dir, 'tokens');
    writeFileSync(tokFile, tokens.join('\n') + '\n');
    return {
      pids, dir,
      loadArgs: ['--proto', 'forumd', '--target', `127.0.0.1:${port}`, '--path', '/ws',
                 '--rooms', `thread:${threads[0]},thread:${threads[1]}`, '--tokens', tokFile,
                 '--pub-token', admin, '--pub-room', String(threads[0])],
      async stats() {
        const s = await connect(`ws://127.0.0.1:${port}/ws`);
        await s.request('hello', { token: admin });
        const r = await s.request('stats', {});
        s.close();
        return r.data.store;
      },
      async stop() { await stopProc(p, 10000); rmSync(dir, { recursive: true, force: true }); },
    };
  },

  async nchan({ procs = 1, redis = null } = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'nchan-bench-'));
    const port = await freePort();
    const conf = `# generated by scripts/bench.mjs
load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
daemon off;
master_process ${procs > 1 ? 'on' : 'off'};
worker_processes ${procs};
worker_rlimit_nofile 20000;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${redis ? `  nchan_redis_url "${redis.url}";\n  nchan_use_redis on;\n` : ''}  server {
    listen 127.0.0.1:${port}${procs > 1 ? ' reuseport' : ''};
    location = /sub {
      nchan_subscriber websocket;
      nchan_channel_id $arg_a $arg_b;
    }
    location = /pub {
      nchan_publisher websocket;
      nchan_channel_id $arg_a;
    }
  }
}
`;
    writeFileSync(join(dir, 'nginx.conf'), conf);
    const p = startProc(SERVER_CORE, 'nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')]);
    await waitPort(port);
    await sleep(300);
    const pids = procs > 1 ? childPids(p.pid) : [p.pid];
    return {
      pids: procs > 1 ? [p.pid, ...pids] : pids,
      loadArgs: ['--proto', 'ws', '--target', `127.0.0.1:${port}`, '--path', '/sub?a=r1&b=r2', '--pub-path', '/pub?a=r1'],
      async stop() { await stopProc(p); rmSync(dir, { recursive: true, force: true }); },
    };
  },

  async ws(o) { return nodePeer('ws-server.mjs', o); },
  async sio(o) { return nodePeer('sio-server.mjs', o); },

  async floor() {
    const p = startProc(SERVER_CORE, FLOOR, ['serve', '--bind', '127.0.0.1', '--port', '0']);
    const port = Number((await waitFor(p, /listening on http:\/\/[^:\s]+:(\d+)/))[1]);
    return { pids: [p.pid], loadArgs: ['--proto', 'raw', '--target', `127.0.0.1:${port}`], stop: () => stopProc(p) };
  },
};

async function nodePeer(script, { procs = 1, redis = null } = {}) {
  const ps = [], targets = [];
  for (let i = 0; i < procs; i++) {
    const p = startProc(SERVER_CORE, process.execPath, [join(PEERS, script)],
                        { env: { PORT: '0', HOST: '127.0.0.1', ...(redis ? { REDIS_URL: redis.url } : {}) }, cwd: PEERS });
    const port = Number((await waitFor(p, /listening on http:\/\/[^:\s]+:(\d+)/))[1]);
    ps.push(p);
    targets.push('--target', `127.0.0.1:${port}`);
  }
  const sio = script.startsWith('sio');
  return {
    pids: ps.map((p) => p.pid),
    loadArgs: sio
      ? ['--proto', 'sio', ...targets, '--path', '/socket.io/?EIO=4&transport=websocket&rooms=r1,r2',
         '--pub-path', '/socket.io/?EIO=4&transport=websocket', '--pub-room', 'r1']
      : ['--proto', 'ws', ...targets, '--path', '/?rooms=r1,r2', '--pub-path', '/', '--pub-room', 'r1'],
    async stop() { for (const p of ps) await stopProc(p); },
  };
}

// ---------------------------------------------------------------------------
// The load generator

function loadgen(args, { onLine = null, timeoutS = 300 } = {}) {
  const p = startProc(LOAD_CORE, LOADGEN, [...args, '--sources', SOURCES, '--timeout', String(timeoutS)]);
  const lines = [];
  const rl = createInterface({ input: p.stdout });
  rl.on('line', (l) => { lines.push(l); if (onLine) onLine(l, p); });
  return p.done.then((code) => {
    const err = lines.find((l) => l.startsWith('ERR '));
    if (code !== 0 || err) throw new Error(`loadgen failed (${code}): ${err || p.err.slice(-1000)}`);
    const res = lines.find((l) => l.startsWith('RESULT '));
    return { lines, result: res ? JSON.parse(res.slice(7)) : null };
  });
}

// ---------------------------------------------------------------------------
// Scenarios

// Memory per idle connection at IDLE_N, and connections held before a ping's
// p99 passes PING_LIMIT_MS or memory reaches MEM_LIMIT.
async function scenarioCapacity(name) {
  const max = CAP_STEPS[CAP_STEPS.length - 1];
  const srv = await serverStarters[name]({ users: max });
  try {
    await sleep(1000);
    const rss0 = rssBytes(srv.pids), sock0 = sockstatBytes(), slab0 = slabBytes();
    const steps = [];
    await loadgen([...srv.loadArgs, '--subs', String(max), '--steps', CAP_STEPS.join(','), '--pings', String(PINGS),
                   '--interactive'], {
      timeoutS: 600,
      onLine: (l, p) => {
        if (l.startsWith('STEP ')) log(`${name}: ${l}`);
        if (l.startsWith('STEP ') && name === 'floor') {   // no pings: raw TCP
          const n = Number(l.split(' ')[1]);
          sleep(1000).then(() => {
            steps.push({ n, sent: 0, recv: 0, p99_ms: null, rss: rssBytes(srv.pids) - rss0, sock: sockstatBytes() - sock0,
                         slab: slabBytes() - slab0 });
            p.stdin.write('\n');
          });
          return;
        }
        const m = /^PING (\d+) sent=(\d+) recv=(\d+) p50_us=([\d.]+) p99_us=([\d.]+)/.exec(l);
        if (!m) return;
        sleep(1000).then(() => {
          steps.push({ n: Number(m[1]), sent: Number(m[2]), recv: Number(m[3]), p99_ms: Number(m[5]) / 1000,
                       rss: rssBytes(srv.pids) - rss0, sock: sockstatBytes() - sock0, slab: slabBytes() - slab0 });
          p.stdin.write('\n');
        });
      },
    });
    const at = steps.find((s) => s.n === IDLE_N) || steps[steps.length - 1];
    let held = name === 'floor' ? null : 0, capped = name !== 'floor';
    for (const s of (name === 'floor' ? [] : steps)) {
      if (s.p99_ms > PING_LIMIT_MS || s.recv < s.sent || s.rss + rss0 > MEM_LIMIT) { capped = false; break; }
      held = s.n;
    }
    return { mem_user: at.rss / at.n, mem_kernel: Math.max(0, at.sock / at.n), mem_slab: at.slab / at.n, held, held_all: capped && held === max,
             steps: steps.map((s) => ({ n: s.n, p99_ms: s.p99_ms, rss_mib: s.rss / 2 ** 20 })) };
  } finally {
    await srv.stop();
  }
}

async function scenarioFanout(name, subs, rate, { redis = false } = {}) {
  const r = redis ? await startRedis() : null;
  const procs = redis ? 2 : 1;
  let srv, perf = null;
  try {
    srv = await serverStarters[name]({ procs, redis: r, users: subs });
    await sleep(500);
    const pids = [...srv.pids, ...(r ? [r.pid] : [])];
    // The profile covers the publishing phase only, not the connect burst.
    const startPerf = (l) => {
      if (!PERF || perf || !l.startsWith('MEASURE')) return;
      perf = startProc(LOAD_CORE, 'perf', ['record', '-F', '1999', '--call-graph', process.env.BENCH_PERF_CALLGRAPH || 'fp',
                                           '-p', srv.pids.join(','),
                                           '-o', join(OUT, `perf-${redis ? 'r' : 'f'}${subs}-${name}.data`)]);
    };
    const { result } = await loadgen([...srv.loadArgs, '--subs', String(subs), '--rate', String(rate),
                                      '--pubs', String(Math.max(1, Math.ceil(rate / 25))),
                                      '--warmup', String(WARMUP), '--duration', String(DURATION), '--drain', '3',
                                      '--watch-pids', pids.join(',')], { onLine: startPerf });
    const nsrv = srv.pids.length;
    const cpuAll = result.cpu_s.reduce((a, b) => a + b, 0);
    const cpuSrv = result.cpu_s.slice(0, nsrv).reduce((a, b) => a + b, 0);
    const userSrv = result.user_cpu_s.slice(0, nsrv).reduce((a, b) => a + b, 0);
    const d = Math.max(1, result.delivered);
    return {
      cpu100k: (cpuAll / d) * 1e5,
      user_us: (userSrv / d) * 1e6,
      server_cpu100k: (cpuSrv / d) * 1e5,
      redis_cpu_pct: r ? (result.cpu_s[nsrv] / result.seconds) * 100 : null,
      per_process: result.cpu_s.map((c) => (c / d) * 1e5),
      p50: result.p50_us / 1000, p99: result.p99_us / 1000, p999: result.p999_us / 1000,
      loss: result.expected ? 1 - result.delivered / result.expected : 0,
      loadgen_cpu_pct: (result.self_cpu_s / (result.seconds + 3)) * 100,
      events_per_s: result.events / result.seconds, pub_errors: result.pub_errors, error: result.error,
    };
  } finally {
    if (perf) { perf.kill('SIGINT'); await perf.done; }
    if (srv) await srv.stop();
    if (r) await r.stop();
  }
}

async function scenarioWrites() {
  const srv = await serverStarters.forumd({ procs: WRITES_WORKERS, users: WRITERS });
  let perf = null;
  try {
    const fs = sh('taskset', ['-c', LOAD_CORE, FLOOR, 'fsync', srv.dir, '2']);
    const fsyncPerS = Number(/^FSYNC \d+ ([\d.]+)/.exec(fs)[1]);
    const before = await srv.stats();
    perf = PERF ? startProc(LOAD_CORE, 'perf', ['record', '-F', '1999', '--call-graph', process.env.BENCH_PERF_CALLGRAPH || 'fp',
                                               '-p', srv.pids.join(','),
                                               '-o', join(OUT, 'perf-writes-forumd.data')]) : null;
    const { result } = await loadgen([...srv.loadArgs, '--writers', String(WRITERS), '--writer-rate', String(WRITER_RATE),
                                      '--warmup', '2', '--duration', String(DURATION + 3), '--watch-pids', srv.pids.join(',')]);
    const after = await srv.stats();
    const writes = after.writes - before.writes, commits = after.commits - before.commits;
    // CPU the server processes spent per acknowledged write: less swayed by
    // other work on a shared machine than writes/s.
    const cpu = result.cpu_s.slice(0, srv.pids.length).reduce((a, b) => a + b, 0);
    const acked = result.writes_per_s * result.seconds;
    return {
      writes_per_s: result.writes_per_s, ack_p50: result.ack_p50_us / 1000, ack_p99: result.ack_p99_us / 1000,
      cpu_us_per_write: acked ? (cpu / acked) * 1e6 : null,
      fsync_per_s: fsyncPerS, per_commit: commits ? writes / commits : 0, errors: result.write_errors,
      rate_limited: result.write_rate_limited, offered: WRITERS * WRITER_RATE,
    };
  } finally {
    if (perf) { perf.kill('SIGINT'); await perf.done; }
    await srv.stop();
  }
}

// Durable writes through Redis: two forumd processes (each with its own writer
// on the one database) and Redis on the server core, writers split between
// the processes by the kernel, and a few subscribers of the written room on
// each so that every record Redis carries is delivered. Reports Redis's CPU
// and how many PUBLISH commands carried the records (INFO commandstats).
const RW_SUBS = 20;

function redisInfo(url, section) {
  const port = Number(/:(\d+)$/.exec(url)[1]);
  return new Promise((res, rej) => {
    let buf = '';
    let quiet = null;
    const s = net.createConnection(port, '127.0.0.1');
    const t = setTimeout(() => { s.destroy(); rej(new Error('redis INFO: no reply')); }, 3000);
    s.on('connect', () => s.write(`INFO ${section}\r\n`));
    s.on('data', (b) => {
      buf += b;
      clearTimeout(quiet);
      quiet = setTimeout(() => { clearTimeout(t); s.destroy(); res(buf); }, 50);
    });
    s.on('error', (e) => { clearTimeout(t); rej(e); });
  });
}

async function publishCalls(url) {
  const m = /cmdstat_publish:calls=(\d+)/.exec(await redisInfo(url, 'commandstats'));
  return m ? Number(m[1]) : 0;
}

async function scenarioRedisWrites() {
  const r = await startRedis();
  let srv;
  try {
    srv = await serverStarters.forumd({ procs: 2, redis: r, users: WRITERS + RW_SUBS });
    await sleep(500);
    const pub0 = await publishCalls(r.url);
    const { result } = await loadgen([...srv.loadArgs, '--subs', String(RW_SUBS), '--writers', String(WRITERS),
                                      '--writer-rate', String(WRITER_RATE), '--warmup', '2', '--duration', String(DURATION + 3),
                                      '--watch-pids', [...srv.pids, r.pid].join(',')]);
    const publishes = await publishCalls(r.url) - pub0;
    const nsrv = srv.pids.length;
    const redisPct = (result.cpu_s[nsrv] / result.seconds) * 100;
    return {
      writes_per_s: result.writes_per_s, ack_p99: result.ack_p99_us / 1000,
      redis_cpu_pct: redisPct,
      // Whole run (warm-up included) for the commands, measured part for the writes:
      // the ratio is what matters, and both windows see the same steady load.
      writes_per_publish: publishes ? (result.writes_per_s * result.seconds) / publishes : 0,
      redis_pct_at_50k: result.writes_per_s ? redisPct * 50000 / result.writes_per_s : null,
      per_process: result.cpu_s.slice(0, nsrv).map((c) => (c / result.seconds) * 100),
      errors: result.write_errors,
    };
  } finally {
    if (srv) await srv.stop();
    await r.stop();
  }
}

// ---------------------------------------------------------------------------
// Table

// Search: `search` over 100,000 posts in one Spanish course (scripts/measure-search.mjs, run once:
// seeding and indexing take a minute or two). Per kind of query (a word in a third of the posts,
// one in 1 in 200, one in 1 in 20,000, two words together) the round trip's p50/p90/p99.
async function scenarioSearch() {
  const out = execFileSync('node', [join(ROOT, 'scripts/measure-search.mjs'), '--posts', '100000', '--searches', '200'],
                           { encoding: 'utf8', env: { ...process.env, FORUMD_BIN: FORUMD }, maxBuffer: 1 << 20 });
  const kinds = {};
  for (const line of out.split('\n')) {
    const m = /^(\w+)\s+"([^"]*)": p50 ([\d.]+) ms, p90 ([\d.]+) ms, p99 ([\d.]+) ms/.exec(line);
    if (m) kinds[m[1]] = { q: m[2], p50: Number(m[3]), p90: Number(m[4]), p99: Number(m[5]) };
  }
  const indexed = /indexed by (\d+) writes in ([\d.]+) s/.exec(out);
  return { kinds, index_s: indexed ? Number(indexed[2]) : null };
}

// Loop never blocked: the ping round trip while the biggest reads run (see the top). The daemon,
// its readers and the clients share the machine's cores (no taskset): the figure includes the
// machine's own queueing, which a loop that waits on SQLite adds its reads to.
const LOOP_MS = QUICK ? 8000 : 15000;

async function scenarioLoop() {
  process.env.FORUMD_BIN = LOOP_BIN;
  const { startDaemon } = await import('../tests/lib/daemon.mjs');
  const { seedLoopLoad, runLoopLoad } = await import('../tests/lib/loop_latency.mjs');
  const d = await startDaemon();
  try {
    const seeded = await seedLoopLoad(d, { posts: 10000, replay: 1000, questions: 5000 });
    const r = await runLoopLoad(d, seeded, { ms: LOOP_MS, snapshotters: 6 });
    return {
      pings: r.pings, p50: r.p50, p99: r.p99, p999: r.p999, max: r.max,
      probe_first: r.bursts ? r.probe_first / r.bursts : null, snapshot_p50: r.snapshot_p50,
      snapshots: r.snapshots, replays: r.replays, exports: r.exports,
    };
  } finally {
    await d.stop();
  }
}

function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

function medianOf(runs) {
  const out = {};
  for (const k of Object.keys(runs[0] || {})) {
    const vals = runs.map((r) => r[k]);
    out[k] = typeof vals[0] === 'number' || vals[0] === null ? median(vals) : vals[Math.floor(vals.length / 2)];
  }
  return out;
}

function fmt(v, digits = 2) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(digits);
}

function versions() {
  const v = {};
  const tryv = (k, f) => { try { v[k] = f(); } catch { v[k] = '?'; } };
  tryv('forumd', () => sh(FORUMD, ['--version']).split('\n')[0]);
  tryv('nginx', () => spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim().replace('nginx version: ', ''));
  tryv('nchan', () => sh('dpkg-query', ['-W', '-f=${Version}', 'libnginx-mod-nchan']));
  tryv('node', () => process.version);
  for (const m of ['ws', 'socket.io', '@socket.io/redis-adapter', 'redis']) {
    tryv(m, () => JSON.parse(readFileSync(join(PEERS, 'node_modules', m, 'package.json'), 'utf8')).version);
  }
  tryv('redis-server', () => /v=([\d.]+)/.exec(sh('redis-server', ['--version']))[1]);
  tryv('libwebsockets', () => sh('pkg-config', ['--modversion', 'libwebsockets']));
  tryv('libuv', () => sh('pkg-config', ['--modversion', 'libuv']));
  tryv('sqlite', () => sh('pkg-config', ['--modversion', 'sqlite3']));
  tryv('kernel', () => sh('uname', ['-r']));
  return v;
}

function table(R, meta) {
  const cols = ONLY;
  const L = [];
  const head = `| | ${cols.map((c) => SERVERS[c]).join(' | ')} |`;
  L.push(`# forumd benchmark`, '');
  L.push(`Machine: ${meta.cpu}, ${meta.cores} cores, ${meta.mem_gib} GiB, Linux ${meta.v.kernel}. ` +
         `Servers (and Redis) on core ${SERVER_CORE}, load generator on core ${LOAD_CORE}.`);
  L.push(`Versions: forumd ${meta.v.forumd} (libwebsockets ${meta.v.libwebsockets}, libuv ${meta.v.libuv}, SQLite ${meta.v.sqlite}); ` +
         `nginx ${meta.v.nginx} + Nchan ${meta.v.nchan}; Node ${meta.v.node}, ws ${meta.v.ws}, socket.io ${meta.v['socket.io']}, ` +
         `@socket.io/redis-adapter ${meta.v['@socket.io/redis-adapter']}, redis (npm) ${meta.v.redis}; Redis ${meta.v['redis-server']}.`);
  L.push(`Each figure is the median of ${RUNS} run(s); each delivery run ${WARMUP} s warm-up + ${DURATION} s measured ` +
         `(scaled down to keep \`make bench\` near 20 minutes). Cells: value (×ratio to forumd); CPU rows also ` +
         `[×multiple of the floor]. Messages: 100-byte bodies; every subscriber follows 2 rooms, events go to one.`);
  L.push('', head, `|---|${cols.map(() => '---:').join('|')}|`);

  const cell = (row, name, key, { digits = 2, floorKey = null, lowerBetter = true } = {}) => {
    const r = row[name];
    if (!r || r[key] === null || r[key] === undefined) return '–';
    const v = r[key];
    let s = fmt(v, digits);
    const f = row.forumd && row.forumd[key];
    if (name !== 'forumd' && f) s += ` (×${fmt(v / f, 2)})`;
    if (floorKey && row.floor && row.floor[floorKey] && name !== 'floor') s += ` [×${fmt(v / row.floor[floorKey], 2)}]`;
    if (r.loss > 0.001 && key === 'p99') s += ` (lost ${(r.loss * 100).toFixed(1)}%)`;
    void lowerBetter;
    return s;
  };
  const line = (label, row, key, o) => L.push(`| ${label} | ${cols.map((c) => cell(row || {}, c, key, o)).join(' | ')} |`);

  if (R.capacity) {
    line(`Memory per idle connection at ${IDLE_N.toLocaleString('en-US')} (2 rooms), user space: RSS Δ / N, KB`,
         mapRow(R.capacity, (r) => ({ v: r.mem_user / 1000 })), 'v');
    line('… kernel socket buffers beside it (/proc/net/sockstat TCP mem Δ / N), KB', mapRow(R.capacity, (r) => ({ v: r.mem_kernel / 1000 })), 'v');
    line('… kernel slab beside it (/proc/meminfo Slab Δ / N, both ends of each connection), KB', mapRow(R.capacity, (r) => ({ v: r.mem_slab / 1000 })), 'v');
    const max = CAP_STEPS[CAP_STEPS.length - 1].toLocaleString('en-US');
    L.push(`| Connections held before ping p99 > ${PING_LIMIT_MS} ms or 4 GiB (ramp ${CAP_STEPS.join(', ')}; ` +
           `≥ ${max}: the descriptor limit, 20,000 per process here, ended the ramp first) | ` +
           `${cols.map((c) => { const r = R.capacity[c]; if (!r || r.held === null) return '–';
                                 return r.held_all ? `≥ ${max}` : fmt(r.held, 0); }).join(' | ')} |`);
  }
  for (const [key, label] of [['f20', '2,000 subscribers, 20,000 deliveries/s'], ['f100', '5,000 subscribers, 100,000 deliveries/s'],
                              ['r20', 'Redis, 2 processes: 2,000 subscribers, 20,000 deliveries/s'],
                              ['r100', 'Redis, 2 processes: 5,000 subscribers, 100,000 deliveries/s']]) {
    const row = R[key];
    if (!row) continue;
    const redis = key.startsWith('r');
    line(`${label}: CPU-seconds per 100,000 deliveries${redis ? ' (servers + Redis)' : ''}`, row, 'cpu100k', { floorKey: 'cpu100k' });
    line('… user-space CPU per delivery, µs', row, 'user_us');
    line('… latency p50, ms', row, 'p50');
    line('… latency p99, ms', row, 'p99', { floorKey: 'p99' });
    line('… latency p99.9, ms', row, 'p999');
    if (redis) {
      L.push(`| … CPU per process per 100,000 deliveries (each server process, then Redis), s | ${cols.map((c) => row[c] && row[c].per_process
        ? row[c].per_process.map((x) => fmt(x)).join(' + ') : '–').join(' | ')} |`);
      line('… Redis CPU, % of a core', row, 'redis_cpu_pct', { digits: 1 });
    }
  }
  if (R.writes) {
    const w = R.writes;
    const procs = WRITES_WORKERS > 1 ? `${WRITES_WORKERS} processes on one database (--workers, no Redis; writes per commit: one process's), ` : '';
    L.push('', `Durable acknowledged writes (forumd, ${procs}synchronous=FULL, ${WRITERS.toLocaleString('en-US')} writers, each one in flight ` +
           `and at most ${WRITER_RATE}/s: offered at most ${(WRITERS * WRITER_RATE).toLocaleString('en-US')}/s):`, '');
    L.push('| writes/s | ack p50, ms | ack p99, ms | server CPU per write, µs | disk fdatasync/s (same run) | writes per commit | errors |');
    L.push('|---:|---:|---:|---:|---:|---:|---:|');
    L.push(`| ${fmt(w.writes_per_s)} | ${fmt(w.ack_p50)} | ${fmt(w.ack_p99)} | ${fmt(w.cpu_us_per_write)} | ${fmt(w.fsync_per_s)} | ${fmt(w.per_commit, 1)} | ${fmt(w.errors, 0)} |`);
  }
  if (R.rwrites) {
    const w = R.rwrites;
    L.push('', `The same through Redis (two forumd processes on one database, Redis beside them on the server core, ` +
           `${RW_SUBS} subscribers of the written room):`, '');
    L.push('| writes/s | ack p99, ms | forumd CPU per process, % of a core | Redis CPU, % of a core | writes per PUBLISH | Redis CPU scaled to 50,000 writes/s | errors |');
    L.push('|---:|---:|---:|---:|---:|---:|---:|');
    L.push(`| ${fmt(w.writes_per_s)} | ${fmt(w.ack_p99)} | ${(w.per_process || []).map((x) => fmt(x)).join(' / ')} | ` +
           `${fmt(w.redis_cpu_pct)} | ${fmt(w.writes_per_publish, 1)} | ${fmt(w.redis_pct_at_50k)}% | ${fmt(w.errors, 0)} |`);
  }
  if (R.search) {
    L.push('', `Search over 100,000 posts in one course (forumd; indexing them took ${fmt(R.search.index_s)} s), round trip per query kind, ms:`, '');
    L.push('| query | p50 | p90 | p99 |', '|---|---:|---:|---:|');
    for (const [k, v] of Object.entries(R.search.kinds)) L.push(`| ${k} ("${v.q}") | ${fmt(v.p50)} | ${fmt(v.p90)} | ${fmt(v.p99)} |`);
  }
  if (R.loop) {
    const w = R.loop;
    L.push('', `Loop never blocked (forumd ${LOOP_BIN.replace(ROOT + '/', '')}; ${LOOP_MS / 1000} s): a socket pings while 6 ` +
           `sockets take snapshots of a thread of 10,000 posts together, 2 replay 1,000 events and one downloads a ` +
           `5,000-question export, over and over:`, '');
    L.push('| ping p50, ms | p99, ms | p99.9, ms | max, ms | pings | a ping behind a burst of snapshot requests answered first | snapshots (round trip p50, ms) | replays | exports |');
    L.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    L.push(`| ${fmt(w.p50)} | ${fmt(w.p99)} | ${fmt(w.p999)} | ${fmt(w.max)} | ${fmt(w.pings, 0)} | ` +
           `${w.probe_first === null ? '–' : `${fmt(100 * w.probe_first, 0)}%`} | ${fmt(w.snapshots, 0)} (${fmt(w.snapshot_p50, 0)}) | ` +
           `${fmt(w.replays, 0)} | ${fmt(w.exports, 0)} |`);
  }
  if (R.notes.length) L.push('', 'Notes:', '', ...R.notes.map((n) => `- ${n}`));
  return L.join('\n') + '\n';
}

function mapRow(row, f) {
  const out = {};
  for (const [k, v] of Object.entries(row)) if (v) out[k] = f(v);
  return out;
}

// ---------------------------------------------------------------------------

function loadavg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

// CPU time the hypervisor gave to others while we waited (steal), in ticks.
function stealTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return { steal: f[8] || 0, total: f.slice(1).reduce((a, b) => a + (b || 0), 0) };
}

async function repeat(label, fn) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const t = Date.now();
    const s0 = stealTicks();
    try {
      const r = await fn();
      const s1 = stealTicks();
      r.steal_pct = (100 * (s1.steal - s0.steal)) / Math.max(1, s1.total - s0.total);
      if (r.steal_pct > 5) R.notes.push(`${label}, run ${i + 1}: the hypervisor took ${r.steal_pct.toFixed(0)}% of the CPU time (steal)`);
      runs.push(r);
      log(`${label} run ${i + 1}/${RUNS}: ${JSON.stringify(runs[runs.length - 1])} (${((Date.now() - t) / 1000).toFixed(0)} s)`);
    } catch (e) {
      log(`${label} run ${i + 1}/${RUNS} failed: ${e.message}`);
      R.notes.push(`${label}, run ${i + 1}: ${e.message.split('\n')[0].slice(0, 300)}`);
    }
  }
  return runs.length ? medianOf(runs) : null;
}

const R = { notes: [] };

async function main() {
  if (!LOOP_ONLY) install();
  mkdirSync(OUT, { recursive: true });
  for (const f of LOOP_ONLY ? [LOOP_BIN] : [FORUMD, LOADGEN, FLOOR]) if (!existsSync(f)) throw new Error(`${f} is missing: run make bench-build`);
  const t0 = Date.now();
  const load0 = loadavg();
  const meta = { cpu: (cpus()[0] || {}).model || '?', cores: cpus().length,
                 mem_gib: (totalmem() / 2 ** 30).toFixed(0), v: versions() };

  if (!SKIP.includes('capacity')) {
    R.capacity = {};
    for (const s of ONLY) R.capacity[s] = await repeat(`capacity ${s}`, () => scenarioCapacity(s));
  }
  for (const [key, subs, rate] of [['f20', 2000, 10], ['f100', 5000, 20]]) {
    if (SKIP.includes('fanout')) break;
    R[key] = {};
    for (const s of ONLY) R[key][s] = await repeat(`${key} ${s}`, () => scenarioFanout(s, subs, rate));
  }
  for (const [key, subs, rate] of [['r20', 2000, 10], ['r100', 5000, 20]]) {
    if (SKIP.includes('redis')) break;
    R[key] = {};
    for (const s of ONLY.filter((x) => x !== 'floor')) R[key][s] = await repeat(`${key} ${s}`, () => scenarioFanout(s, subs, rate, { redis: true }));
  }
  if (!SKIP.includes('writes') && ONLY.includes('forumd')) R.writes = await repeat('writes forumd', scenarioWrites);
  if (!SKIP.includes('rwrites') && ONLY.includes('forumd')) R.rwrites = await repeat('writes forumd through Redis', scenarioRedisWrites);
  if (!SKIP.includes('loop') && ONLY.includes('forumd')) R.loop = await repeat('loop never blocked', scenarioLoop);
  if (!SKIP.includes('search') && ONLY.includes('forumd')) {
    log('search over 100,000 posts');
    R.search = await scenarioSearch();
  }

  for (const key of ['f20', 'f100', 'r20', 'r100']) {
    for (const [s, r] of Object.entries(R[key] || {})) {
      if (r && r.loss > 0.001) R.notes.push(`${key} ${SERVERS[s]}: ${(r.loss * 100).toFixed(1)}% of deliveries missing at the end of the drain`);
      if (r && r.pub_errors) R.notes.push(`${key} ${SERVERS[s]}: ${r.pub_errors} publishes refused (${r.error})`);
    }
  }
  R.notes.push(`whole run: ${((Date.now() - t0) / 60000).toFixed(1)} minutes; load average at the start ${load0}, ` +
               `at the end ${loadavg()} (above 2, other work shared these two cores: latencies then show the machine's ` +
               `queueing more than the servers', while CPU per delivery still counts each server's own time)`);
  const md = table(R, meta);
  writeFileSync(join(OUT, 'results.md'), md);
  writeFileSync(join(OUT, 'results.json'), JSON.stringify({ meta, R }, null, 2));
  process.stdout.write(md);
}

function cleanup() {
  for (const p of children) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
}
process.on('SIGINT', () => { cleanup(); process.exit(130); });
process.on('SIGTERM', () => { cleanup(); process.exit(143); });
main().then(() => { cleanup(); process.exit(0); }, (e) => { console.error(`bench: ${e.stack || e}`); cleanup(); process.exit(1); });
