// Plain HTTP on the WebSocket port: health check, static client files, security headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startDaemon } from '../lib/daemon.mjs';
import { helloClient, httpGet } from '../lib/helpers.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(async () => { if (d) assert.equal(await d.stop(), 0, 'forumd exit code'); });

function assertSecurityHeaders(res) {
  const csp = res.headers['content-security-policy'];
  assert.ok(csp, 'Content-Security-Policy header present');
  assert.ok(csp.includes("script-src 'self'"), `CSP: ${csp}`);
  assert.ok(csp.includes("default-src 'self'"), `CSP: ${csp}`);
  assert.ok(csp.includes("object-src 'none'"), `CSP: ${csp}`);
  assert.ok(!csp.includes('unsafe-inline'), `CSP allows inline code: ${csp}`);
  assert.ok(!csp.includes('unsafe-eval'), `CSP allows eval: ${csp}`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
}

const health = async () => JSON.parse((await httpGet(`${d.url}/healthz`)).body);

test('GET /healthz is 200 JSON with status ok', async () => {
  const res = await httpGet(`${d.url}/healthz`);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] || '', /^application\/json/);
  const body = JSON.parse(res.body);
  assert.equal(body.status, 'ok');
  assert.match(body.process, /^.+:\d+$/);
  assert.equal(Number(body.process.split(':').pop()), d.proc.pid);
  assert.ok(Number.isInteger(body.connections) && body.connections >= 0);
});

test('/healthz counts open WebSocket connections', async () => {
  const before = (await health()).connections;
  const { c: a } = await helloClient(d);
  const { c: b } = await helloClient(d);
  assert.equal((await health()).connections, before + 2);
  await a.close();
  await b.close();
});

test('GET / serves index.html with the Content-Security-Policy header', async () => {
  const res = await httpGet(`${d.url}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] || '', /^text\/html/);
  assertSecurityHeaders(res);
  assert.match(res.body, /<html/i);
});

test('GET /protocol.js is served as JavaScript', async () => {
  const res = await httpGet(`${d.url}/protocol.js`);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] || '', /^(text|application)\/javascript/);
  assertSecurityHeaders(res);
  assert.ok(res.body.includes('forumd.v1'));
});

test('an unknown path is 404', async () => {
  const res = await httpGet(`${d.url}/no-such-file-here.js`);
  assert.equal(res.status, 404);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
});

test('an unknown path on a kept-alive connection after /healthz is 404, not the health JSON', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await httpGet(`${d.url}/healthz`, { agent });
    assert.equal(first.status, 200);
    const res = await httpGet(`${d.url}/no-such-file-here.js`, { agent });
    assert.ok(!res.body.includes('"status"'), `unknown path answered with: ${res.status} ${res.body.slice(0, 100)}`);
    assert.equal(res.status, 404);
  } finally {
    agent.destroy();
  }
});

test('paths cannot climb out of the client directory', async () => {
  for (const p of ['/../Makefile', '/%2e%2e/Makefile', '/..%2fMakefile', '/%2e%2e%2fprotocol%2fprotocol.json',
                   '/../protocol/protocol.json']) {
    let res;
    try { res = await httpGet(`${d.url}${p}`); } catch { continue; }  // closed unanswered: not served
    assert.notEqual(res.status, 200, `${p} served: ${res.body.slice(0, 80)}`);
    assert.ok(!res.body.includes('BIN_release') && !res.body.includes('"close_codes"'), `${p} leaked a file`);
  }
});
