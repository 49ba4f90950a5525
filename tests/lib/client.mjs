// A WebSocket test client that records every frame it receives, so tests
// (and later audits) can look at exactly what reached a socket.
//
//   const c = await connect(d.wsUrl);
//   const r = await c.request('hello', { token });   // resolves with the reply message
//   c.frames      every raw frame received, in order
//   c.messages    every message, with multi-message frames flattened
//   await c.closed  -> { code, reason }
import WebSocket from 'ws';

let nextId = 1;

export function connect(url, { protocol = 'forumd.v1', timeoutMs = 10000 } = {}) {
  return new Promise((res, rej) => {
    const ws = protocol ? new WebSocket(url, protocol) : new WebSocket(url);
    const c = new Client(ws);
    const t = setTimeout(() => { ws.terminate(); rej(new Error('connect timeout')); }, timeoutMs);
    ws.once('open', () => { clearTimeout(t); res(c); });
    ws.once('error', (e) => { clearTimeout(t); rej(e); });
  });
}

export class Client {
  constructor(ws) {
    this.ws = ws;
    this.frames = [];
    this.messages = [];
    this.pending = new Map();
    this.waiters = [];
    this.closed = new Promise((res) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const [, p] of this.pending) p.rej(new Error(`socket closed ${code} ${reason}`));
        this.pending.clear();
        res(this.closeInfo);
      });
    });
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      const text = data.toString();
      this.frames.push(text);
      let parsed;
      try { parsed = JSON.parse(text); } catch { parsed = { unparsable: text }; }
      const list = Array.isArray(parsed) ? parsed : [parsed];
      for (const m of list) {
        this.messages.push(m);
        if (m && m.re !== undefined && m.re !== null && this.pending.has(m.re)) {
          this.pending.get(m.re).res(m);
          this.pending.delete(m.re);
        }
        this.waiters = this.waiters.filter((w) => { if (w.pred(m)) { w.res(m); return false; } return true; });
      }
    });
  }

  // Sends {op, id, data} and resolves with the reply (ok or not).
  request(op, data, { id = String(nextId++), timeoutMs = 10000 } = {}) {
    return new Promise((res, rej) => {
      const t = setTimeout(() => { this.pending.delete(id); rej(new Error(`no reply to ${op} #${id}`)); }, timeoutMs);
      this.pending.set(id, { res: (m) => { clearTimeout(t); res(m); }, rej: (e) => { clearTimeout(t); rej(e); } });
      const msg = { op, id };
      if (data !== undefined) msg.data = data;
      this.ws.send(JSON.stringify(msg));
    });
  }

  // Sends raw text (or a Buffer with {binary:true}) without waiting.
  sendRaw(payload, opts = {}) { this.ws.send(payload, opts); }

  // Resolves with the next received message for which pred(m) is true.
  waitFor(pred, timeoutMs = 10000) {
    const found = this.messages.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((res, rej) => {
      const w = { pred, res: (m) => { clearTimeout(t); res(m); } };
      const t = setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); rej(new Error('waitFor timeout')); }, timeoutMs);
      this.waiters.push(w);
    });
  }

  close(code = 1000) { this.ws.close(code); return this.closed; }
}
