// Starts the real forumd binary for a test: a temp dir, a real SQLite file,
// a fresh JWT secret, --port 0, and waits for the line that names the port.
//
//   const d = await startDaemon();          // FORUMD_BIN or build/test/forumd
//   const tok = d.token({ user: 'u1', name: 'Ana', roles: ['1:participant'] });
//   await d.stop();                         // SIGTERM, resolves to the exit code
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = resolve(ROOT, process.env.FORUMD_BIN || 'build/test/forumd');
export const ASAN = !!process.env.FORUMD_ASAN;

// Abuse limits are off unless a test asks for them (limits: 'default', or a
// --limits spec), so tests that post in bulk measure delivery, not limits.
export const NO_LIMITS = 'post_interval_s=0,threads_per_day=0,flags_per_day=0,votes_per_day=0,edits_per_day=0';

export async function startDaemon({ args = [], env = {}, wrapper = null, dir = null, secret = null,
                                    keepDir = false, timeoutMs = ASAN ? 30000 : 15000,
                                    limits = NO_LIMITS } = {}) {
  dir = dir || mkdtempSync(join(tmpdir(), 'forumd-test-'));
  const secretFile = join(dir, 'jwt.secret');
  secret = secret || randomBytes(32).toString('hex');
  writeFileSync(secretFile, secret + '\n', { mode: 0o600 });
  const dbPath = join(dir, 'forumd.db');
  const argv = ['serve', '--port', '0', '--bind', '127.0.0.1', '--db', dbPath,
                '--jwt-secret-file', secretFile, ...(limits === 'default' ? [] : ['--limits', limits]), ...args];
  const cmd = wrapper ? wrapper[0] : BIN;
  const cmdArgs = wrapper ? [...wrapper.slice(1), BIN, ...argv] : argv;
  const proc = spawn(cmd, cmdArgs, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  proc.stdout.on('data', (b) => { stdout += b; });
  proc.stderr.on('data', (b) => { stderr += b; });
  const exited = new Promise((res) => proc.on('exit', (code, sig) => res(sig ? sig : code)));

  const port = await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`forumd did not start in time\nstdout:${stdout}\nstderr:${stderr}`)), timeoutMs);
    const check = () => {
      const m = /listening on http:\/\/[^:\s]+:(\d+)/.exec(stdout);
      if (m) { clearTimeout(t); res(Number(m[1])); }
    };
    proc.stdout.on('data', check);
    exited.then((c) => { clearTimeout(t); rej(new Error(`forumd exited (${c}) before listening\n${stderr}`)); });
    check();
  });

  const d = {
    dir, dbPath, secret, secretFile, port, proc, exited,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    token(opts) { return mintToken(secretFile, opts); },
    // Creates a course with the real `forumd course create`; returns its id.
    course(opts) { return createCourse(dbPath, opts); },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const code = await exited;
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
  return d;
}

// Mints a token with the real `forumd token` command.
//   roles: ['12:participant', '3:facilitator'], admin: bool, ttl: seconds (may be negative),
//   nbf: seconds from now (optional)
export function mintToken(secretFile, { user = 'u1', name = 'Test User', roles = [], admin = false,
                                        ttl = 3600, nbf = null } = {}) {
  const args = ['token', '--jwt-secret-file', secretFile, '--user', user, '--name', name, '--ttl', String(ttl)];
  for (const r of roles) args.push('--role', r);
  if (admin) args.push('--admin');
  if (nbf !== null) args.push('--nbf', String(nbf));
  return execFileSync(BIN, args, { encoding: 'utf8' }).trim();
}

// Creates a course in the database at dbPath (the daemon may be running:
// SQLite in WAL mode takes the second writer). Times are epoch seconds;
// by default the course runs from a week ago to two months ahead.
export function createCourse(dbPath, { id = null, title = 'Test course', lang = 'en',
                                        starts = Math.floor(Date.now() / 1000) - 7 * 86400,
                                        ends = Math.floor(Date.now() / 1000) + 60 * 86400 } = {}) {
  const args = ['course', 'create', '--db', dbPath, '--title', title, '--lang', lang,
                '--starts', String(starts), '--ends', String(ends)];
  if (id !== null) args.push('--id', String(id));
  return Number(execFileSync(BIN, args, { encoding: 'utf8' }).trim());
}

// Stops d (if it started) and asserts a clean exit: status 0 and no sanitizer report.
export async function stopClean(d) {
  if (!d) return;
  const code = await d.stop();
  assert.equal(code, 0, `forumd exit code ${code}\n${d.stderr.slice(-4000)}`);
  assert.doesNotMatch(d.stderr, /Sanitizer|runtime error:/, d.stderr.slice(-4000));
}
