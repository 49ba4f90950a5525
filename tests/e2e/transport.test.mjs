// client-js/transport.js in Node, with the `ws` package standing in for the browser's
// WebSocket. First against a small scripted server (exact frames, drops and close codes),
// then against the real daemon, stopped and started again on a new port.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import WebSocket, { WebSocketServer } from 'ws';
import { startDaemon } from '../lib/daemon.mjs';
import { Transport, TransportError, newKey, backoffDelay } from '../../client-js/transport.js';

globalThis.WebSocket = WebSocket;

const T = { timeout: 60000 };
const FAST = { backoff: { baseMs: 20, capMs: 200 }, quickRetryMs: 20, pingIntervalMs: 0 };

// Resolves with the next detail of `type` that satisfies pred.
function next(tr, type, pred = () => true, timeoutMs = 15000) {
  return new Promise((res, rej) => {
    const t = setTimeout(() => { off(); rej(new Error(`no '${type}' event in time`)); }, timeoutMs);
    const off = tr.on(type, (d) => { if (pred(d)) { clearTimeout(t); off(); res(d); } });
  });
}

// A scripted server: every socket's messages are recorded; `onMessage(sock, msg, n)` answers.
async function scriptedServer(onMessage) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1',
                                    handleProtocols: (p) => (p.has('forumd.v1') ? 'forumd.v1' : false) });
  await once(wss, 'listening');
  const srv = { wss, sockets: [], received: [], url: `ws://127.0.0.1:${wss.address().port}/ws` };
  wss.on('connection', (sock) => {
    const n = srv.sockets.push(sock) - 1;
    sock.on('message', (buf) => {
      const msg = JSON.parse(buf.toString());
      srv.received.push({ n, msg });
      onMessage(sock, msg, n);
    });
  });
  srv.close = async () => {
    for (const s of srv.sockets) s.terminate();
    await new Promise((r) => wss.close(r));
  };
  return srv;
}

const USER = { id: 'u1', name: 'Ana', admin: false, courses: { 1: 'participant' } };
const helloOk = (msg, extra = {}) => ({ re: msg.id, ok: true, data: {
  user: USER, expires_at: Math.floor(Date.now() / 1000) + 3600,
  server: { version: 'test', process: 'p', time_ms: Date.now() }, resume: {}, ...extra } });
const reply = (msg, data) => JSON.stringify({ re: msg.id, ok: true, data });

describe('transport helpers', () => {
  test('idempotency keys: 22+ characters of [A-Za-z0-9_-], all different', () => {
    const keys = new Set();
    for (let i = 0; i < 1000; i++) {
      const k = newKey();
      assert.match(k, /^[A-Za-z0-9_-]{22,64}$/);
      keys.add(k);
    }
    assert.equal(keys.size, 1000);
  });

  test('backoff: full jitter under an exponential ceiling with a cap', () => {
    const top = (a) => backoffDelay(a, { baseMs: 500, capMs: 30000 }, () => 0.999999);
    assert.deepEqual([0, 1, 2, 3].map(top), [499, 999, 1999, 3999]);
    assert.equal(top(10), 29999);
    assert.equal(top(1000), 29999);
    assert.equal(backoffDelay(5, {}, () => 0), 0);
  });

  test('TransportError keeps code, field and retry_after_ms', () => {
    const e = TransportError.fromWire({ code: 'rate_limited', message: 'slow down', retry_after_ms: 4200 });
    assert.equal(e.code, 'rate_limited');
    assert.equal(e.retryAfterMs, 4200);
    assert.ok(e instanceof Error);
    const f = TransportError.fromWire({ code: 'bad_field', message: 'x', field: 'thread' });
    assert.equal(f.field, 'thread');
  });
});

describe('transport against a scripted server', () => {
  test('hello first; arrays of messages; duplicate events and old state dropped', T, async () => {
    const srv = await scriptedServer((sock, msg) => {
      if (msg.op === 'hello') {
        sock.send(JSON.stringify([
          helloOk(msg),
          { ev: 'post.created', room: 'thread:1', seq: 1, data: { a: 1 } },
          { ev: 'post.created', room: 'thread:1', seq: 2, data: { a: 2 } },
        ]));
        sock.send(JSON.stringify({ ev: 'post.created', room: 'thread:1', seq: 2, data: { dup: true } }));
        sock.send(JSON.stringify([
          { ev: 'post.created', room: 'thread:1', seq: 1, data: { dup: true } },
          { st: 'question.votes', room: 'session:9', v: 3, data: { votes: 3 } },
          { st: 'question.votes', room: 'session:9', v: 2, data: { votes: 2 } },
          { ev: 'post.created', room: 'thread:1', seq: 3, data: { a: 3 } },
        ]));
      } else if (msg.op === 'ping') {
        sock.send(reply(msg, { time_ms: 1 }));
      }
    });
    const tr = new Transport({ url: srv.url, getToken: async () => 'tok', ...FAST });
    const events = [], states = [];
    tr.on('event', (e) => events.push(e));
    tr.on('state', (s) => states.push(s));
    try {
      const third = next(tr, 'event', (e) => e.seq === 3);
      const hello = await tr.connect();
      assert.equal(hello.user.name, 'Ana');
      assert.equal(tr.status, 'online');
      await third;
      assert.deepEqual(events.map((e) => e.seq), [1, 2, 3]);
      assert.ok(events.every((e) => !e.data.dup));
      assert.deepEqual(states.map((s) => s.v), [3]);
      assert.equal(tr.lastSeq.get('thread:1'), 3);
      assert.deepEqual(await tr.request('ping'), { time_ms: 1 });
      assert.equal(srv.received[0].msg.op, 'hello');
      assert.equal(srv.received[0].msg.data.token, 'tok');
    } finally {
      tr.close();
      await srv.close();
    }
  });

  test('errors reject with code, field and retryAfterMs; the socket lives on', T, async () => {
    const srv = await scriptedServer((sock, msg) => {
      if (msg.op === 'hello') sock.send(JSON.stringify(helloOk(msg)));
      else if (msg.op === 'slow') sock.send(JSON.stringify({ re: msg.id, ok: false, error: { code: 'rate_limited', message: 'wait', retry_after_ms: 1500 } }));
      else if (msg.op === 'field') sock.send(JSON.stringify({ re: msg.id, ok: false, error: { code: 'bad_field', message: 'no', field: 'body' } }));
      else sock.send(reply(msg, { echo: msg.data }));
    });
    const tr = new Transport({ url: srv.url, getToken: async () => 'tok', ...FAST });
    try {
      await tr.connect();
      // Replies come back out of order relative to the calls; ids keep them apart.
      const [a, b, c] = await Promise.allSettled([tr.request('slow'), tr.request('echo', { x: 1 }), tr.request('field')]);
      assert.equal(a.reason.code, 'rate_limited');
      assert.equal(a.reason.retryAfterMs, 1500);
      assert.deepEqual(b.value, { echo: { x: 1 } });
      assert.equal(c.reason.code, 'bad_field');
      assert.equal(c.reason.field, 'body');
      assert.equal(tr.status, 'online');
    } finally {
      tr.close();
      await srv.close();
    }
  });

  test('a write survives a drop: queued, resent after hello with the same key, resumed rooms', T, async () => {
    let dropped = false;
    const srv = await scriptedServer((sock, msg, n) => {
      if (msg.op === 'hello') {
        sock.send(JSON.stringify([helloOk(msg), { ev: 'post.created', room: 'thread:7', seq: 41, data: {} }]));
      } else if (msg.op === 'post.create' && !dropped) {
        dropped = true;
        sock.terminate(); // the write is lost with the socket: no reply
      } else {
        sock.send(reply(msg, { n, key: msg.data.key }));
      }
    });
    const tr = new Transport({ url: srv.url, getToken: async () => 'tok', ...FAST });
    try {
      tr.subscribeRoom('thread:7');
      await tr.connect();
      const statuses = [];
      tr.on('status', ({ status }) => statuses.push(status));
      const res = await tr.write('post.create', { thread: 7, body: 'hi' });
      assert.equal(res.n, 1, 'answered on the second socket');
      const writes = srv.received.filter((r) => r.msg.op === 'post.create');
      assert.equal(writes.length, 2);
      assert.match(writes[0].msg.data.key, /^[A-Za-z0-9_-]{22,64}$/);
      assert.equal(writes[1].msg.data.key, writes[0].msg.data.key, 'the retry carries the same key');
      assert.deepEqual(writes[0].msg.data.body, 'hi');
      const hellos = srv.received.filter((r) => r.msg.op === 'hello');
      assert.equal(hellos.length, 2);
      assert.deepEqual(hellos[1].msg.data.resume, { 'thread:7': 41 });
      // Nothing but hello goes first on the new socket.
      const second = srv.received.filter((r) => r.n === 1);
      assert.equal(second[0].msg.op, 'hello');
      assert.ok(statuses.includes('offline') || statuses.includes('connecting'));
      assert.equal(statuses.at(-1), 'online');

      // A second logical write gets a key of its own.
      const again = await tr.write('post.create', { thread: 7, body: 'again' });
      assert.notEqual(again.key, writes[0].msg.data.key);
    } finally {
      tr.close();
      await srv.close();
    }
  });

  test('resumed rooms: each reply is a resume event; a snapshot resets the last seq', T, async () => {
    const srv = await scriptedServer((sock, msg) => {
      if (msg.op !== 'hello') return;
      sock.send(JSON.stringify(helloOk(msg)));
      if (!msg.data.resume) return;
      // thread:1 is far behind the log (a snapshot, with a seq lower than the client's),
      // thread:2 replays, thread:3 is gone.
      sock.send(JSON.stringify([
        { re: 'resume:thread:1', ok: true, data: { room: 'thread:1', seq: 3, mode: 'snapshot', replay: 0, posts: [] } },
        { ev: 'post.created', room: 'thread:1', seq: 4, data: { post: { id: 9 } } },
        { re: 'resume:thread:2', ok: true, data: { room: 'thread:2', seq: 8, mode: 'replay', replay: 1 } },
        { ev: 'post.created', room: 'thread:2', seq: 8, data: { post: { id: 10 } } },
        { re: 'resume:thread:3', ok: false, error: { code: 'not_found', message: 'no such room', field: 'room' } },
      ]));
    });
    const tr = new Transport({ url: srv.url, getToken: async () => 'tok', ...FAST });
    try {
      tr.subscribeRoom('thread:1', 10);
      tr.subscribeRoom('thread:2', 7);
      tr.subscribeRoom('thread:3', 1);
      const resumes = [];
      const events = [];
      tr.on('resume', (r) => resumes.push(r));
      tr.on('event', (e) => events.push(`${e.room}#${e.seq}`));
      const done = next(tr, 'event', (e) => e.room === 'thread:2');
      await tr.connect();
      await done;
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(resumes.map((r) => [r.room, r.ok, r.ok ? r.data.mode : r.error.code]),
                       [['thread:1', true, 'snapshot'], ['thread:2', true, 'replay'], ['thread:3', false, 'not_found']]);
      assert.equal(resumes[2].error.field, 'room');
      // Past a snapshot, events after its seq are delivered even though the client once held more.
      assert.deepEqual(events, ['thread:1#4', 'thread:2#8']);
      assert.equal(tr.lastSeq.get('thread:1'), 4);
    } finally {
      tr.close();
      await srv.close();
    }
  });

  test('subscription.ended: an ended event, and the room is not resumed after a reconnect', T, async () => {
    let hellos = 0;
    const srv = await scriptedServer((sock, msg) => {
      if (msg.op !== 'hello') return;
      hellos++;
      sock.send(JSON.stringify(helloOk(msg)));
      if (hellos === 1) {
        sock.send(JSON.stringify([
          { ev: 'post.created', room: 'staff:1', seq: 5, data: {} },
          { ev: 'subscription.ended', room: 'staff:1', data: { reason: 'forbidden' } },
        ]));
        setTimeout(() => sock.close(4003, 'slow_consumer'), 50);
      }
    });
    const tr = new Transport({ url: srv.url, getToken: async () => 'tok', ...FAST });
    try {
      tr.subscribeRoom('staff:1');
      tr.subscribeRoom('thread:2', 6);
      const endedP = next(tr, 'ended');
      await tr.connect();
      assert.deepEqual(await endedP, { room: 'staff:1', reason: 'forbidden' });
      assert.equal(tr.rooms.has('staff:1'), false);
      await next(tr, 'open');
      const resumes = srv.received.filter((r) => r.msg.op === 'hello').map((r) => r.msg.data.resume);
      assert.deepEqual(resumes[1], { 'thread:2': 6 }, 'the ended room is not resumed');
    } finally {
      tr.close();
      await srv.close();
    }
  });

  test('requests made while disconnected wait for the next hello', T, async () => {
    const srv = await scriptedServer((sock, msg) => {
      if (msg.op === 'hello') setTimeout(() => sock.send(JSON.stringify(helloOk(msg))), 200);
      else sock.send(reply(msg, { op: msg.op }));
    });
    const tr = new Transport({ url: srv.url, getToken: async () => 'tok', ...FAST });
    try {
      tr.connect();
      const r = await Promise.all([tr.request('a'), tr.request('b')]);
      assert.deepEqual(r, [{ op: 'a' }, { op: 'b' }]);
      assert.deepEqual(srv.received.map((x) => x.msg.op), ['hello', 'a', 'b']);
    } finally {
      tr.close();
      await srv.close();
    }
  });

  test('a refused token is asked for again once, then the transport stops', T, async () => {
    const srv = await scriptedServer((sock, msg) => {
      if (msg.op !== 'hello') return;
      if (msg.data.token === 'good') sock.send(JSON.stringify(helloOk(msg)));
      else sock.send(JSON.stringify({ re: msg.id, ok: false, error: { code: 'bad_token', message: 'no' } }));
    });
    try {
      const reasons = [];
      const tokens = ['stale', 'good'];
      const ok = new Transport({ url: srv.url, getToken: async ({ reason }) => { reasons.push(reason); return tokens.shift(); }, ...FAST });
      const hello = await ok.connect();
      assert.equal(hello.user.id, 'u1');
      assert.deepEqual(reasons, ['connect', 'rejected']);
      ok.close();

      const calls = [];
      const bad = new Transport({ url: srv.url, getToken: async ({ reason }) => { calls.push(reason); return 'bad'; }, ...FAST });
      const fatal = next(bad, 'error', (e) => e.fatal);
      await assert.rejects(bad.connect(), (e) => e.code === 'bad_token');
      assert.equal((await fatal).error.code, 'bad_token');
      assert.equal(bad.status, 'offline');
      await assert.rejects(bad.request('ping'), (e) => e.code === 'closed');
      const before = srv.received.length;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(srv.received.length, before, 'no reconnect after a refused token');
      assert.deepEqual(calls, ['connect', 'rejected']);
    } finally {
      await srv.close();
    }
  });

  test('close 4004 gets a fresh token before reconnecting; 4003 reconnects and resumes', T, async () => {
    const srv = await scriptedServer((sock, msg, n) => {
      if (msg.op !== 'hello') return;
      sock.send(JSON.stringify([helloOk(msg), { ev: 'x', room: 'course:1', seq: 10 + n, data: {} }]));
      if (n === 0) setTimeout(() => sock.close(4004, 'token expired'), 50);
      if (n === 1) setTimeout(() => sock.close(4003, 'slow consumer'), 50);
    });
    let i = 0;
    const reasons = [];
    const tr = new Transport({ url: srv.url, getToken: async ({ reason }) => { reasons.push(reason); return `t${i++}`; },
                               ...FAST, backoff: { baseMs: 5000, capMs: 30000 }, stableMs: 20 });
    try {
      tr.subscribeRoom('course:1');
      const closes = [];
      tr.on('close', (c) => closes.push(c));
      const third = next(tr, 'open', () => srv.received.filter((r) => r.msg.op === 'hello').length === 3);
      await tr.connect();
      await third; // the quick retry after 4004/4003 does not wait out a 5 s backoff
      const hellos = srv.received.filter((r) => r.msg.op === 'hello').map((r) => r.msg.data);
      assert.deepEqual(hellos.map((h) => h.token), ['t0', 't1', 't1']);
      assert.deepEqual(reasons, ['connect', 'expired']);
      assert.deepEqual(hellos[2].resume, { 'course:1': 11 });
      assert.deepEqual(closes.map((c) => c.code), [4004, 4003]);
      assert.ok(closes.every((c) => c.retryInMs !== null && c.retryInMs < 5000));
    } finally {
      tr.close();
      await srv.close();
    }
  });

  test('auth.refresh goes out before the token expires', T, async () => {
    const srv = await scriptedServer((sock, msg) => {
      const now = Date.now();
      if (msg.op === 'hello') sock.send(JSON.stringify(helloOk(msg, { expires_at: Math.floor(now / 1000) + 2, server: { version: 't', process: 'p', time_ms: now } })));
      else if (msg.op === 'auth.refresh') sock.send(reply(msg, { expires_at: Math.floor(now / 1000) + 3600 }));
    });
    const reasons = [];
    const tr = new Transport({ url: srv.url, getToken: async ({ reason }) => { reasons.push(reason); return `tok-${reason}`; },
                               ...FAST, refreshLeadMs: 1000 });
    try {
      await tr.connect();
      const before = tr.expiresAt;
      while (!srv.received.some((r) => r.msg.op === 'auth.refresh')) await new Promise((r) => setTimeout(r, 50));
      const refresh = srv.received.find((r) => r.msg.op === 'auth.refresh');
      assert.equal(refresh.msg.data.token, 'tok-refresh');
      while (tr.expiresAt === before) await new Promise((r) => setTimeout(r, 20));
      assert.ok(tr.expiresAt > before + 1000);
      assert.deepEqual(reasons, ['connect', 'refresh']);
    } finally {
      tr.close();
      await srv.close();
    }
  });

  test('close() stops for good and rejects what is pending', T, async () => {
    const srv = await scriptedServer((sock, msg) => {
      if (msg.op === 'hello') sock.send(JSON.stringify(helloOk(msg)));
      // anything else: never answered
    });
    const tr = new Transport({ url: srv.url, getToken: async () => 'tok', ...FAST });
    try {
      await tr.connect();
      const pending = tr.request('never');
      tr.close();
      await assert.rejects(pending, (e) => e.code === 'closed');
      assert.equal(tr.status, 'offline');
      const n = srv.sockets.length;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(srv.sockets.length, n, 'no reconnect after close()');
    } finally {
      await srv.close();
    }
  });
});

describe('transport against the real daemon', () => {
  let d1;
  before(async () => { d1 = await startDaemon({ keepDir: true }); });
  after(async () => {
    if (!d1) return;
    await d1.stop();
    rmSync(d1.dir, { recursive: true, force: true });
  });

  test('reconnects to a restarted daemon (same database and secret, new port)', { timeout: 120000 }, async () => {
    let current = d1;
    const token = d1.token({ user: 'u1', name: 'Ana María', roles: ['1:participant', '2:facilitator'] });
    const tr = new Transport({ url: () => current.wsUrl, getToken: async () => token,
                               backoff: { baseMs: 100, capMs: 1000 }, quickRetryMs: 100, pingIntervalMs: 0 });
    const statuses = [];
    tr.on('status', ({ status }) => statuses.push(status));
    let d2 = null;
    try {
      const hello = await tr.connect();
      assert.equal(hello.user.name, 'Ana María');
      assert.deepEqual(hello.user.courses, { 1: 'participant', 2: 'facilitator' });
      assert.ok(hello.expires_at > Date.now() / 1000);
      assert.equal(typeof (await tr.request('ping')).time_ms, 'number');

      const closed = next(tr, 'close', () => true, 30000);
      const code = await d1.stop();
      assert.equal(code, 0, `daemon exit code\n${d1.stderr}`);
      const c = await closed;
      assert.notEqual(c.retryInMs, null, 'keeps trying');
      assert.notEqual(tr.status, 'online');

      // Asked while the daemon is down: waits in the queue.
      const ping = tr.request('ping');
      const reopened = next(tr, 'open', () => true, 60000);
      d2 = await startDaemon({ dir: d1.dir, secret: d1.secret });
      current = d2;
      const { hello: again } = await reopened;
      assert.equal(again.user.id, 'u1');
      assert.equal(typeof (await ping).time_ms, 'number');
      assert.equal(tr.status, 'online');
      assert.ok(statuses.includes('offline'));
      assert.ok(statuses.includes('connecting'));
    } finally {
      tr.close();
      if (d2) await d2.stop();
    }
  });
});
