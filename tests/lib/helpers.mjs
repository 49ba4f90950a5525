// Small helpers shared by the integration tests, on top of daemon.mjs and client.mjs.
//
//   const { c, reply } = await helloClient(d, { user: 'u1' });  // connected and authenticated
//   const m = await sendRawExpectReply(c, '{nope');               // next reply after a raw send
//   const { code } = await closedWithin(c, 15000);                 // rejects if still open by then
//   const jwt = signJwt({ alg: 'HS512', secret: d.secret, claims }); // a token built here, not by forumd
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from './client.mjs';
import { ASAN, ROOT, mintToken } from './daemon.mjs';

// The limits of protocol/protocol.json by name, so tests follow the one source of truth.
export const LIMITS = Object.freeze(Object.fromEntries(
  JSON.parse(readFileSync(join(ROOT, 'protocol/protocol.json'), 'utf8')).limits.map((l) => [l.name, l.value])));

// Sanitizer builds run several times slower: scale waits (never the daemon's own limits) by this.
export const SLOW = ASAN ? 3 : 1;

export const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// Resolves with p's value, or rejects with `what` after ms.
export function withTimeout(p, ms, what = 'operation') {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: no result within ${ms} ms`)), ms); }),
  ]);
}

// Resolves with the first message received from now on for which pred(m) holds.
export function nextMessage(c, pred = () => true, timeoutMs = 10000 * SLOW) {
  const start = c.messages.length;
  return c.waitFor((m) => c.messages.indexOf(m) >= start && pred(m), timeoutMs);
}

// Sends raw text and resolves with the next reply (any message carrying `re`, even null).
export async function sendRawExpectReply(c, text, timeoutMs = 10000 * SLOW) {
  const p = nextMessage(c, (m) => m && typeof m === 'object' && 're' in m, timeoutMs);
  c.sendRaw(text);
  return p;
}

// Resolves with {code, reason} once the socket closes; rejects if it is still open after ms.
export function closedWithin(c, ms, what = 'socket close') {
  return withTimeout(c.closed, ms, what);
}

// Asserts that the socket is still open and usable by a round trip.
// Authenticated sockets prove it with ping, others with a hello carrying `token`.
export async function assertUsable(c, { token = null } = {}) {
  assert.equal(c.closeInfo, undefined, `socket closed: ${JSON.stringify(c.closeInfo)}`);
  const r = token ? await c.request('hello', { token }) : await c.request('ping', {});
  assert.equal(r.ok, true, `round trip failed: ${JSON.stringify(r)}`);
  return r;
}

// Asserts an error reply with the given code (and optional re / field / limit).
export function assertError(m, code, { re, field, limit } = {}) {
  assert.equal(m.ok, false, `expected error ${code}, got ${JSON.stringify(m)}`);
  assert.equal(m.error?.code, code, `expected error ${code}, got ${JSON.stringify(m)}`);
  assert.equal(typeof m.error.message, 'string');
  if (re !== undefined) assert.equal(m.re, re, `re of ${JSON.stringify(m)}`);
  if (field !== undefined) assert.equal(m.error.field, field, `field of ${JSON.stringify(m)}`);
  if (limit !== undefined) assert.equal(m.error.limit, limit, `limit of ${JSON.stringify(m)}`);
}

// Connects and completes hello. tokenOpts go to mintToken (user, name, roles, admin, ttl, nbf).
export async function helloClient(d, tokenOpts = {}, { token = null } = {}) {
  // Minted before connecting: minting runs the forumd binary synchronously,
  // and many clients started at once would otherwise spend their sockets'
  // hello deadline waiting for each other's tokens.
  const tok = token || d.token(tokenOpts);
  const c = await connect(d.wsUrl);
  const reply = await c.request('hello', { token: tok });
  assert.equal(reply.ok, true, `hello failed: ${JSON.stringify(reply)}`);
  return { c, reply, token: tok };
}

export const b64url = (buf) => Buffer.from(buf).toString('base64url');

// Builds a JWT without forumd: alg HS256/HS384/HS512 signed with `secret`, or 'none' unsigned.
export function signJwt({ alg = 'HS256', secret, claims, header = null }) {
  const h = b64url(JSON.stringify(header || { alg, typ: 'JWT' }));
  const p = b64url(JSON.stringify(claims));
  if (alg === 'none') return `${h}.${p}.`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  if (!hash) throw new Error(`signJwt: unsupported alg ${alg}`);
  const sig = createHmac(hash, secret).update(`${h}.${p}`).digest();
  return `${h}.${p}.${b64url(sig)}`;
}

// Claims like those `forumd token` writes.
export function claimsFor({ user = 'u1', name = 'Test User', courses = {}, admin = false, ttl = 3600 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const c = { sub: user, name, iat: now, exp: now + ttl, courses };
  if (admin) c.admin = true;
  return c;
}

// Sends many requests without waiting; returns the ids used.
export function blast(c, n, op = 'ping', prefix = 'b') {
  const ids = [];
  for (let i = 0; i < n; i++) {
    const id = `${prefix}${i}`;
    ids.push(id);
    c.sendRaw(JSON.stringify({ op, id, data: {} }));
  }
  return ids;
}

// Replies received so far whose re is one of ids (a Set or array).
export function repliesFor(c, ids) {
  const set = ids instanceof Set ? ids : new Set(ids);
  return c.messages.filter((m) => m && typeof m === 'object' && set.has(m.re));
}

// Mints a token with `forumd token` under a secret of its own (default: a fresh random one),
// for example to forge a token the daemon under test must refuse.
export function mintWithSecret(opts = {}, secret = randomBytes(32).toString('hex')) {
  const dir = mkdtempSync(join(tmpdir(), 'forumd-secret-'));
  try {
    const f = join(dir, 'jwt.secret');
    writeFileSync(f, secret + '\n', { mode: 0o600 });
    return mintToken(f, opts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// HTTP GET with node:http: resolves {status, headers, body}; rejects if the server closes
// without answering. Each call uses a fresh connection unless an agent is given.
// The path is sent as written (no dot-segment normalisation), so traversal attempts reach the server.
export function httpGet(url, { agent = false, headers = {} } = {}) {
  return new Promise((res, rej) => {
    const u = new URL(url);
    const path = url.slice(u.origin.length) || '/';
    const req = http.get({ host: u.hostname, port: u.port, path, agent, headers }, (r) => {
      const chunks = [];
      r.on('data', (b) => chunks.push(b));
      r.on('end', () => res({ status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks).toString() }));
      r.on('error', rej);
    });
    req.on('error', rej);
    req.setTimeout(10000 * SLOW, () => req.destroy(new Error(`GET ${url}: timeout`)));
  });
}
