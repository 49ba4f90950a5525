// Helpers for the live Q&A tests, on top of forum.mjs: sessions, snapshots of a session room,
// the export over HTTP, frame-level checks of what reached a socket, and a lean socket for
// storms of many participants.
//
//   const s = await liveSession(staff, course, { title: 'Week 1', premoderated: true });
//   const snap = await sessionSnapshot(c, s.id);          // {session, questions}
//   const r = await exportSession(d, token, s.id, { format: 'csv', names: true });
//   assertNoFrameHas(peer, [secretName, secretId], 'peer');
//   const v = await leanSocket(d.wsUrl, (m) => ...);       // hello/subscribe/request, keeps little
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { ok, request, subscribe, unsubscribe, WAIT, nowS } from './forum.mjs';
import { httpGet } from './helpers.mjs';

// Creates a session and, unless start is false, starts it; returns the session object.
export async function liveSession(staff, course, { title = 'Live session', premoderated = false, start = true } = {}) {
  const { session } = await ok(staff, 'session.create', { course, title, starts_at: nowS(), premoderated });
  if (!start) return session;
  return (await ok(staff, 'session.start', { session: session.id })).session;
}

// Subscribes to session:<id> and returns the reply data; unsubscribes again unless keep.
export async function sessionSnapshot(c, session, { keep = false } = {}) {
  const room = `session:${session}`;
  const s = await subscribe(c, room);
  if (!keep) await unsubscribe(c, room);
  return s;
}

export const ask = async (c, session, body, extra = {}) =>
  (await ok(c, 'question.ask', { session, body, ...extra })).question;

// The id a notice names, whether it carries the question or only its id.
export const noticeQuestion = (n) => (n && typeof n.question === 'object' && n.question !== null ? n.question.id : n?.question);

// True when a message on a socket concerns live question `id` (an event's question or a state's key).
export function mentionsQuestion(m, id) {
  if (!m || typeof m !== 'object' || !m.data) return false;
  const q = m.data.question;
  if (q === id) return true;
  if (q && typeof q === 'object' && q.id === id) return true;
  if (Array.isArray(m.data.questions) && m.data.questions.some((x) => x.id === id)) return true;
  const n = m.data.notice;
  return !!(n && noticeQuestion(n) === id);
}

// Asserts that no raw frame received by c contains any of the strings.
export function assertNoFrameHas(c, needles, who) {
  for (const f of c.frames) {
    for (const n of needles) {
      assert.ok(!f.includes(n), `${who} received a frame containing ${JSON.stringify(n)}: ${f.slice(0, 400)}`);
    }
  }
}

// Round trip on a socket, so that anything sent to it before has arrived.
export async function barrier(c) {
  const r = await request(c, 'ping', {});
  assert.equal(r.ok, true, `ping: ${JSON.stringify(r)}`);
}

// GET /api/sessions/<id>/export with a bearer token (or none). Resolves {status, headers, body}.
export function exportSession(d, token, session, { format = 'json', names = false } = {}) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  return httpGet(`${d.url}/api/sessions/${session}/export?format=${format}${names ? '&names=1' : ''}`, { headers });
}

// A socket that keeps only what a storm test needs. onMessage(m, t) sees every message that is
// not a reply; replies resolve request(). One socket per simulated participant.
export function leanSocket(url, onMessage = () => {}) {
  return new Promise((res, rej) => {
    const ws = new WebSocket(url, 'forumd.v1', { perMessageDeflate: false });
    const s = { ws, pending: new Map(), nextId: 1, closeInfo: undefined };
    s.closed = new Promise((r) => ws.on('close', (code) => { s.closeInfo = { code }; r(s.closeInfo); }));
    s.request = (op, data, timeoutMs = WAIT) => new Promise((okf, fail) => {
      const id = `l${s.nextId++}`;
      const t = setTimeout(() => { s.pending.delete(id); fail(new Error(`no reply to ${op}`)); }, timeoutMs);
      s.pending.set(id, (m) => { clearTimeout(t); okf(m); });
      ws.send(JSON.stringify({ op, id, data }));
    });
    s.close = () => { if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(); return s.closed; };
    ws.on('error', () => {});
    ws.on('message', (buf) => {
      const t = Date.now();
      const parsed = JSON.parse(buf.toString());
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
        if (m && m.re !== undefined && s.pending.has(m.re)) {
          s.pending.get(m.re)(m);
          s.pending.delete(m.re);
        } else {
          onMessage(m, t);
        }
      }
    });
    const t = setTimeout(() => { ws.terminate(); rej(new Error('connect timeout')); }, WAIT);
    ws.once('open', () => { clearTimeout(t); res(s); });
    ws.once('error', (e) => { clearTimeout(t); rej(e); });
  });
}
