// Pipelined HTTP/1.1: several requests written at once on one kept-alive connection are each
// answered, in order, and nothing a connection held outlives it (the ASan run checks leaks at stop).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startDaemon, stopClean } from '../lib/daemon.mjs';
import { SLOW } from '../lib/helpers.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(async () => { await stopClean(d); });

// Parses HTTP/1.1 responses (Content-Length bodies) from a byte buffer; returns the complete ones.
function parseResponses(buf) {
  const out = [];
  let at = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = buf.subarray(at, end).toString('latin1');
    const [statusLine, ...lines] = head.split('\r\n');
    const headers = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const len = Number(headers['content-length'] || 0);
    if (buf.length < end + 4 + len) break;
    out.push({ status: Number(statusLine.split(' ')[1]), headers, body: buf.subarray(end + 4, end + 4 + len).toString() });
    at = end + 4 + len;
  }
  return { responses: out, rest: buf.length - at };
}

// Writes every request in one write and collects responses until n are complete (or the
// server closes, or a generous time passes).
function pipelined(requests, { closeLast = false } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(d.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let closed = false;
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve({ ...parseResponses(buf), closed });
    };
    const t = setTimeout(done, 5000 * SLOW);
    s.on('data', (b) => {
      buf = Buffer.concat([buf, b]);
      if (parseResponses(buf).responses.length >= requests.length) done();
    });
    s.on('end', () => { closed = true; done(); });
    s.on('error', reject);
    s.write(requests.map((r, i) => {
      const [method, path, extra = '', body = ''] = Array.isArray(r) ? r : ['GET', r];
      const conn = closeLast && i === requests.length - 1 ? 'Connection: close\r\n' : '';
      return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${conn}${extra}\r\n${body}`;
    }).join(''));
  });
}

const isHealth = (r) => r.status === 200 && JSON.parse(r.body).status === 'ok';

test('two pipelined GET /healthz are both answered', async () => {
  const { responses } = await pipelined(['/healthz', '/healthz']);
  assert.equal(responses.length, 2, `responses: ${JSON.stringify(responses.map((r) => r.status))}`);
  assert.ok(responses.every(isHealth));
});

test('three pipelined requests of every kind are answered in order', async () => {
  const kinds = [
    ['/healthz', isHealth],
    ['/api/courses', (r) => r.status === 401 && JSON.parse(r.body).error.code === 'not_authenticated'],
    ['/index.html', (r) => r.status === 200 && /<html/i.test(r.body)],
    ['/no-such-file.js', (r) => r.status === 404],
    ['/dev/users', (r) => r.status === 404],
    ['/dev/token?user=ana', (r) => r.status === 404],
    ['/api/sessions/999/export', (r) => r.status === 401],
    ['/protocol.js', (r) => r.status === 200 && r.body.includes('forumd.v1')],
  ];
  // Every ordered triple over a few kinds, and each kind after each other kind.
  for (let i = 0; i < kinds.length; i++) {
    for (let j = 0; j < kinds.length; j++) {
      const seq = [kinds[i], kinds[j], kinds[(i + j + 1) % kinds.length]];
      const { responses } = await pipelined(seq.map((k) => k[0]));
      assert.equal(responses.length, 3, `${seq.map((k) => k[0]).join(' ')}: got ${responses.map((r) => r.status)}`);
      seq.forEach(([path, ok], n) => assert.ok(ok(responses[n]), `${path} as request ${n + 1} of ${seq.map((k) => k[0])}: ${responses[n].status} ${responses[n].body.slice(0, 80)}`));
    }
  }
});

test('a request with a body pipelined first is answered, and so is the one after it', async () => {
  const token = d.token({ user: 'admin', admin: true });
  const body = JSON.stringify({ title: 'Pipelined', starts_at: 1, ends_at: 2 });
  const { responses } = await pipelined([
    ['POST', '/api/courses', `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`, body],
    ['GET', '/api/courses', `Authorization: Bearer ${token}\r\n`],
    '/healthz',
  ]);
  assert.equal(responses.length, 3, `statuses ${responses.map((r) => `${r.status} ${r.body.slice(0, 120)}`)}`);
  assert.equal(responses[0].status, 201, responses[0].body);
  assert.equal(responses[1].status, 200, responses[1].body);
  assert.ok(responses[1].body.includes('Pipelined'));
  assert.ok(isHealth(responses[2]));
});

test('a request with a body pipelined behind another is never answered wrongly: the connection closes', async () => {
  // lws hands such a request its own request line as the body; the server closes rather than guess.
  const token = d.token({ user: 'admin', admin: true });
  const body = JSON.stringify({ title: 'Behind', starts_at: 1, ends_at: 2 });
  const { responses, closed } = await pipelined([
    '/healthz',
    ['POST', '/api/courses', `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`, body],
  ]);
  assert.ok(isHealth(responses[0]));
  if (responses.length === 2) {
    assert.equal(responses[1].status, 201, responses[1].body);  // a later lws reads it right
  } else {
    assert.equal(responses.length, 1);
    assert.ok(closed, 'the connection was left open with a request unanswered');
  }
});

test('many connections each sending pipelined requests then dropping leave the daemon serving', async () => {
  // Half read their answers, half hang up at once: the stop at the end (ASan: leak check) must be clean.
  for (let i = 0; i < 50; i++) {
    const s = net.connect(d.port, '127.0.0.1');
    await new Promise((res) => s.on('connect', res));
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /dev/users HTTP/1.1\r\nHost: x\r\n\r\n');
    if (i % 2) s.destroy();
    else setTimeout(() => s.destroy(), 50);
  }
  const { responses } = await pipelined(['/healthz', '/healthz', '/healthz']);
  assert.equal(responses.length, 3);
});
