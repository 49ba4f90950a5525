// Runs a real redis-server for a test, on a unix socket in a temp dir (no TCP port, so no
// port races between parallel tests), without persistence.
//
//   const r = await startRedis();
//   startDaemon({ args: ['--redis', r.url] });      // r.url is 'unix:' + r.sockPath
//   await r.kill('SIGKILL');                         // dies at once; the socket file may stay
//   await r.restart();                               // a fresh server on the same socket path
//   await r.stop();                                  // stops it and removes the temp dir
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_BIN = process.env.REDIS_SERVER || 'redis-server';

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// Resolves true if a PING on the unix socket gets +PONG within ms, false otherwise.
export function pingRedis(sockPath, ms = 1000) {
  return new Promise((res) => {
    let buf = '';
    let done = false;
    const finish = (v) => { if (!done) { done = true; clearTimeout(t); s.destroy(); res(v); } };
    const s = net.createConnection(sockPath);
    const t = setTimeout(() => finish(false), ms);
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (b) => { buf += b; if (buf.includes('\r\n')) finish(buf.startsWith('+PONG')); });
    s.on('error', () => finish(false));
    s.on('close', () => finish(false));
  });
}

// Sends one inline command on the unix socket and resolves with the raw reply
// once it has stopped growing for a moment (enough for INFO's bulk string).
export function redisCommand(sockPath, line, ms = 2000) {
  return new Promise((res, rej) => {
    let buf = '';
    let quiet = null;
    const s = net.createConnection(sockPath);
    const t = setTimeout(() => { s.destroy(); rej(new Error(`redis: no reply to ${line}`)); }, ms);
    s.on('connect', () => s.write(`${line}\r\n`));
    s.on('data', (b) => {
      buf += b;
      clearTimeout(quiet);
      quiet = setTimeout(() => { clearTimeout(t); s.destroy(); res(buf); }, 50);
    });
    s.on('error', (e) => { clearTimeout(t); rej(e); });
  });
}

export async function startRedis({ timeoutMs = 15000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'forumd-redis-'));
  const sockPath = join(dir, 'redis.sock');
  let proc = null;
  let exited = null;
  let log = '';

  async function launch() {
    log = '';
    proc = spawn(REDIS_BIN, ['--port', '0', '--unixsocket', sockPath, '--unixsocketperm', '700',
                             '--save', '', '--appendonly', 'no', '--dir', dir,
                             '--daemonize', 'no', '--loglevel', 'warning'],
                 { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout.on('data', (b) => { log += b; });
    proc.stderr.on('data', (b) => { log += b; });
    const p = proc;
    exited = new Promise((res) => p.on('exit', (code, sig) => res(sig || code)));
    let gone = false;
    exited.then(() => { gone = true; });
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (gone) throw new Error(`redis-server exited before accepting PING\n${log}`);
      if (await pingRedis(sockPath, 500)) return;
      if (Date.now() > end) {
        p.kill('SIGKILL');
        throw new Error(`redis-server did not answer PING within ${timeoutMs} ms\n${log}`);
      }
      await sleep(50);
    }
  }

  const alive = () => proc && proc.exitCode === null && proc.signalCode === null;

  await launch();

  const r = {
    dir, sockPath,
    url: `unix:${sockPath}`,
    get pid() { return proc?.pid; },
    get log() { return log; },
    // Sends a signal (SIGKILL by default) and resolves once the process has exited.
    async kill(signal = 'SIGKILL') {
      if (alive()) proc.kill(signal);
      return exited;
    },
    // Starts a fresh server on the same socket path (after kill), waiting for PING.
    async restart() {
      if (alive()) { proc.kill('SIGKILL'); await exited; }
      rmSync(sockPath, { force: true });
      await launch();
    },
    // How many PUBLISH commands the server has run (INFO commandstats).
    async publishCalls() {
      const info = await redisCommand(sockPath, 'INFO commandstats');
      const m = /cmdstat_publish:calls=(\d+)/.exec(info);
      return m ? Number(m[1]) : 0;
    },
    // Stops the server and removes its temp dir.
    async stop() {
      if (alive()) { proc.kill('SIGTERM'); await exited; }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return r;
}
