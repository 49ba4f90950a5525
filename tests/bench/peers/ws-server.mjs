// A WebSocket broadcast server as a team would typically write it with the
// `ws` package: clients name their rooms in the URL (/?rooms=a,b), a client
// publishes with {"room": "...", "msg": "..."}, and every process delivers
// what arrives on Redis pub/sub to its own sockets in that room, so several
// processes behind one address share rooms. Without REDIS_URL it broadcasts
// in-process.
//
//   PORT=0 [REDIS_URL=redis://127.0.0.1:6379] node ws-server.mjs
import { WebSocketServer } from 'ws';
import { createClient } from 'redis';

const rooms = new Map();          // room -> Set of sockets
const redisUrl = process.env.REDIS_URL;
let pub = null, sub = null;

function deliver(room, msg) {
  const members = rooms.get(room);
  if (!members) return;
  for (const ws of members) if (ws.readyState === 1) ws.send(msg);
}

async function join(ws, room) {
  let members = rooms.get(room);
  if (!members) {
    members = new Set();
    rooms.set(room, members);
    if (sub) await sub.subscribe(room, (msg) => deliver(room, msg));
  }
  members.add(ws);
}

function leave(ws, room) {
  const members = rooms.get(room);
  if (!members) return;
  members.delete(ws);
  if (members.size === 0) {
    rooms.delete(room);
    if (sub) sub.unsubscribe(room).catch(() => {});
  }
}

if (redisUrl) {
  pub = createClient({ url: redisUrl });
  sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
}

const wss = new WebSocketServer({ host: process.env.HOST || '127.0.0.1', port: Number(process.env.PORT || 0),
                                  perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const url = new URL(req.url, 'http://x');
  const mine = (url.searchParams.get('rooms') || '').split(',').filter(Boolean);
  for (const r of mine) join(ws, r);
  ws.on('message', (data) => {
    let m;
    try { m = JSON.parse(data); } catch { return; }
    if (typeof m.room !== 'string' || typeof m.msg !== 'string') return;
    if (pub) pub.publish(m.room, m.msg);
    else deliver(m.room, m.msg);
  });
  ws.on('close', () => { for (const r of mine) leave(ws, r); });
});
wss.on('listening', () => {
  console.log(`ws-server listening on http://127.0.0.1:${wss.address().port} (pid ${process.pid})`);
});
process.on('SIGTERM', () => process.exit(0));
