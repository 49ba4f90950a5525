// A Socket.IO server as a team would typically write it: clients join rooms
// named in the handshake query (rooms=a,b), a client emits
// "publish" {room, msg} and the server emits "msg" to that room. With
// REDIS_URL the @socket.io/redis-adapter carries broadcasts between
// processes.
//
//   PORT=0 [REDIS_URL=redis://127.0.0.1:6379] node sio-server.mjs
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });

if (process.env.REDIS_URL) {
  const pub = createClient({ url: process.env.REDIS_URL });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
}

io.on('connection', (socket) => {
  const rooms = String(socket.handshake.query.rooms || '').split(',').filter(Boolean);
  if (rooms.length) socket.join(rooms);
  socket.on('publish', (m) => {
    if (m && typeof m.room === 'string' && typeof m.msg === 'string') io.to(m.room).emit('msg', m.msg);
  });
});

http.listen(Number(process.env.PORT || 0), process.env.HOST || '127.0.0.1', () => {
  console.log(`sio-server listening on http://127.0.0.1:${http.address().port} (pid ${process.pid})`);
});
process.on('SIGTERM', () => process.exit(0));
