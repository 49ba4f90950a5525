// A crowd opening one thread at once, on a thread of its own at the pinger's priority: `tokens`
// sockets send subscribe (a snapshot each) in the same instant, and right behind them a probe
// socket sends ping. Which answer arrives first is what counts: a loop that reads snapshots
// itself answers the ping only after them, one that hands them to readers answers it first.
// Big replies are not parsed (only their first bytes are read), so that this thread stays
// quick. workerData: {url, tokens, probeToken, room, paceMs}. Posts {ready}, then, when told
// 'stop', {bursts, probe_first, snapshots, snapshot_ms}.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

const { url, tokens, probeToken, room, paceMs = 40 } = workerData;
const out = { bursts: 0, probe_first: 0, snapshots: 0, snapshot_ms: [] };
let running = true;

const fail = (what) => { parentPort.postMessage({ error: what }); running = false; };

// A socket whose replies resolve request(id): {id, head} with the reply's first bytes.
function open(token) {
  return new Promise((res, rej) => {
    const ws = new WebSocket(url, 'forumd.v1', { perMessageDeflate: false });
    const waiting = new Map();
    let next = 1;
    const s = {
      request(op, data) {
        const id = `b${next++}`;
        return new Promise((ok) => { waiting.set(id, ok); ws.send(JSON.stringify({ op, id, data })); });
      },
      close: () => ws.close(),
    };
    ws.on('message', (buf) => {
      const head = buf.subarray(0, 200).toString('latin1');
      const m = /^\{"re":"([^"]+)"/.exec(head);
      if (m && waiting.has(m[1])) {
        waiting.get(m[1])({ at: performance.now(), head });
        waiting.delete(m[1]);
      }
    });
    ws.on('error', (e) => rej(e));
    ws.on('open', async () => {
      const r = await s.request('hello', { token });
      if (!r.head.includes('"ok":true')) rej(new Error(r.head));
      else res(s);
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cs = await Promise.all(tokens.map(open));
const probe = await open(probeToken);
parentPort.on('message', (m) => { if (m === 'stop') running = false; });
parentPort.postMessage({ ready: true });
while (running) {
  await sleep(paceMs);
  const t0 = performance.now();
  let first = null;
  const subs = cs.map((c) => c.request('subscribe', { room }).then((r) => {
    if (!r.head.includes('"ok":true') || !r.head.includes('"mode":"snapshot"')) fail(`subscribe: ${r.head}`);
    first = first || 'snapshot';
    out.snapshots++;
    out.snapshot_ms.push(r.at - t0);
  }));
  const ping = probe.request('ping', {}).then((r) => {
    if (!r.head.includes('"ok":true')) fail(`ping: ${r.head}`);
    first = first || 'ping';
  });
  await Promise.all([...subs, ping]);
  out.bursts++;
  if (first === 'ping') out.probe_first++;
  await sleep(paceMs);
  await Promise.all(cs.map((c) => c.request('unsubscribe', { room })));
}
for (const c of [...cs, probe]) c.close();
parentPort.postMessage(out);
