// Sockets that ping forumd in a loop, on a thread of their own, so that what they measure is the
// daemon's answer time and not the time the test's own thread spends parsing big replies.
// workerData: {url, token, sockets, gapMs}: each socket pings every gapMs (under the per-socket
// rate limit). Posts {ready} once all are authenticated, and {rtts: [ms, ...]} when told 'stop'.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

const { url, token, sockets = 4, gapMs = 40 } = workerData;
const rtts = [];
let running = true, ready = 0, open = sockets;

function pinger(k) {
  const ws = new WebSocket(url, 'forumd.v1', { perMessageDeflate: false });
  let next = 1, sentAt = 0, waiting = null;
  const send = (op, data) => {
    waiting = `p${k}-${next++}`;
    sentAt = performance.now();
    ws.send(JSON.stringify({ op, id: waiting, data }));
  };
  const finish = () => { ws.close(); if (--open === 0) parentPort.postMessage({ rtts }); };
  ws.on('message', (buf) => {
    const t = performance.now();
    const parsed = JSON.parse(buf.toString());
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      if (!m || m.re !== waiting) continue;
      if (m.ok !== true) { parentPort.postMessage({ error: JSON.stringify(m) }); return; }
      if (next > 2) rtts.push(t - sentAt);
      else if (++ready === sockets) parentPort.postMessage({ ready: true });
      waiting = null;
      if (running) setTimeout(() => send('ping', {}), gapMs + (k * gapMs) / sockets * (next === 2 ? 1 : 0));
      else finish();
    }
  });
  ws.on('open', () => send('hello', { token }));
  ws.on('error', (e) => parentPort.postMessage({ error: String(e) }));
  return { idle: () => !waiting, finish };
}

const all = Array.from({ length: sockets }, (_, k) => pinger(k));
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  running = false;
  for (const p of all) if (p.idle()) p.finish();
});
