// The client's address behind a trusted reverse proxy (X-Forwarded-For), the token size the
// HTTP API takes, and /dev/users without --dev.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startDaemon, stopClean } from '../lib/daemon.mjs';
import { Client } from '../lib/client.mjs';
import { httpGet } from '../lib/helpers.mjs';

// A WebSocket that says it comes through a proxy for `xff`; resolves to the Client once open.
function connectVia(d, xff) {
  return new Promise((res, rej) => {
    const ws = new WebSocket(d.wsUrl, 'forumd.v1', xff ? { headers: { 'X-Forwarded-For': xff } } : {});
    const c = new Client(ws);
    ws.once('open', () => res(c));
    ws.once('error', rej);
  });
}

// Opens `n` sockets claiming `xff` and says how many the server refused with 4006.
async function refusedOf(d, xff, n) {
  const socks = [];
  for (let i = 0; i < n; i++) socks.push(await connectVia(d, xff));
  const refused = await Promise.all(socks.map((c) => Promise.race([
    c.closed.then(({ code }) => code === 4006),
    new Promise((res) => setTimeout(() => res(false), 1500)),
  ])));
  return { socks, refused: refused.filter(Boolean).length };
}

test('behind --trusted-proxy, X-Forwarded-For names the client for the per-address cap', async () => {
  const d = await startDaemon({ args: ['--max-sockets-per-ip', '2', '--trusted-proxy', '127.0.0.1'] });
  try {
    // Three clients behind the one proxy address: each may hold two sockets.
    const a = await refusedOf(d, '203.0.113.1', 2);
    const b = await refusedOf(d, '198.51.100.7, 203.0.113.2', 2);   // the last entry is the client
    const c = await refusedOf(d, '203.0.113.3', 3);
    assert.equal(a.refused, 0);
    assert.equal(b.refused, 0);
    assert.equal(c.refused, 1, 'the third socket of one forwarded client is refused');
    for (const s of [...a.socks, ...b.socks, ...c.socks]) s.ws.terminate();
  } finally {
    await stopClean(d);
  }
});

test('without --trusted-proxy, X-Forwarded-For is ignored', async () => {
  const d = await startDaemon({ args: ['--max-sockets-per-ip', '2'] });
  try {
    const r = await refusedOf(d, null, 0);
    const x = await refusedOf(d, '203.0.113.1', 1);
    const y = await refusedOf(d, '203.0.113.2', 1);
    const z = await refusedOf(d, '203.0.113.3', 1);
    assert.equal(r.refused + x.refused + y.refused + z.refused, 1, 'all three count as 127.0.0.1');
    for (const s of [...x.socks, ...y.socks, ...z.socks]) s.ws.terminate();
    // /metrics: loopback peer, header ignored.
    assert.equal((await httpGet(`${d.url}/metrics`, { headers: { 'X-Forwarded-For': '203.0.113.9' } })).status, 200);
  } finally {
    await stopClean(d);
  }
});

test('/metrics through a trusted proxy answers only a loopback client', async () => {
  const d = await startDaemon({ args: ['--trusted-proxy', '127.0.0.1,::1'] });
  try {
    assert.equal((await httpGet(`${d.url}/metrics`, { headers: { 'X-Forwarded-For': '203.0.113.9' } })).status, 403);
    assert.equal((await httpGet(`${d.url}/metrics`, { headers: { 'X-Forwarded-For': '127.0.0.1, 203.0.113.9' } })).status, 403,
                 'a client-written entry left of the real one proves nothing');
    assert.equal((await httpGet(`${d.url}/metrics`, { headers: { 'X-Forwarded-For': '203.0.113.9, 127.0.0.1' } })).status, 403,
                 'trusted proxies are skipped from the right');
    assert.equal((await httpGet(`${d.url}/metrics`, { headers: { 'X-Forwarded-For': '::1' } })).status, 200);
    assert.equal((await httpGet(`${d.url}/metrics`)).status, 200, 'the proxy host itself, no header');
  } finally {
    await stopClean(d);
  }
});

test('a --trusted-proxy that is not a list of addresses is refused at start', async () => {
  await assert.rejects(startDaemon({ args: ['--trusted-proxy', 'proxy.example'] }), /exited \(2\)/);
});

test('the HTTP API takes a token as long as hello does (about 7 KB)', async () => {
  const d = await startDaemon();
  try {
    const roles = Array.from({ length: 100 }, (_, i) => `${900000000000000 + i}:facilitator`);
    const token = d.token({ user: 'many', name: 'é'.repeat(80), roles, admin: true });
    assert.ok(token.length > 4500 && token.length <= 8192, `token of ${token.length} bytes`);
    const res = await httpGet(`${d.url}/api/courses`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, `${res.status} ${res.body.slice(0, 200)}`);
    assert.ok(Array.isArray(JSON.parse(res.body).courses ?? JSON.parse(res.body)));
  } finally {
    await stopClean(d);
  }
});

test('/dev/users and /dev/token are 404 without --dev, and the demo cast with it', async () => {
  const d = await startDaemon();
  try {
    assert.equal((await httpGet(`${d.url}/dev/users`)).status, 404);
    assert.equal((await httpGet(`${d.url}/dev/token?user=ana`)).status, 404);
  } finally {
    await stopClean(d);
  }
  const dev = await startDaemon({ args: ['--dev'] });
  try {
    const res = await httpGet(`${dev.url}/dev/users`);
    assert.equal(res.status, 200);
    assert.ok(JSON.parse(res.body).users.some((u) => u.id === 'ana'));
  } finally {
    await stopClean(dev);
  }
});
