// One WebSocket to forumd, kept alive for the pages built on it.
//
//   const t = new Transport({ getToken: async () => token });
//   t.on('status', ({ status }) => ...);      // 'connecting' | 'online' | 'offline'
//   const hello = await t.connect();          // hello reply data: user, expires_at, server
//   const reply = await t.request('ping', {});
//   await t.write('post.create', { thread: 42, body: 'Hi' });   // gets a fresh idempotency key
//   t.subscribeRoom('thread:42');             // resumed from the last seq after a reconnect
//   t.close();
//
// What it does for the page:
// - hello with the token is always the first frame; nothing else is sent before its reply.
// - requests are matched to replies by id; while disconnected they wait in a queue and are
//   sent, in order, after the next successful hello. Requests sent but unanswered when a
//   socket drops are sent again, so use request() for reads and write() for changes: write()
//   adds a random idempotency key, made once and kept for every retry, so the server applies
//   a retried write once.
// - reconnects with exponential backoff and full jitter; sooner after 1001 (server restart)
//   and 4003 (slow consumer); with a fresh token after 4004; never after close().
// - remembers the last seq of every room and drops events it already has; resumes from there.
// - refreshes the token (auth.refresh) about a minute before it expires.
//
// Events (EventTarget; `on(type, fn)` passes event.detail and returns an unsubscribe):
//   status {status}            connection state changed
//   open   {hello}             a hello succeeded (first connect or reconnect)
//   close  {code, reason, retryInMs}   the socket closed; retryInMs is null when not retrying
//   event  {ev, room, seq, data}       a room event, each seq once, in order
//   state  {st, room, v, data}        a state snapshot newer than the last one
//   gap    {room, after, seq}          an event arrived past a missing seq
//   ended  {room, reason}              the server ended a subscription (subscription.ended:
//                                      access revoked, course closed, or view_changed); the room
//                                      is no longer resumed; subscribe again for view_changed
//   resume {room, ok, data, error}     hello's reply for a resumed room: data is the subscribe
//                                      reply (mode snapshot, replay or live), error a TransportError
//   error  {error, fatal}              auth failed for good (fatal), or a server error
//                                      that answers no request
import { PROTOCOL, CLOSE, LIMITS } from './protocol.js';

const AUTH_ERRORS = new Set(['bad_token', 'token_expired', 'token_not_yet_valid']);
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const MAX_TIMER_MS = 2147483647; // setTimeout's largest delay

// An error from the server ({code, message, field?, limit?, retry_after_ms?}) or from the
// transport itself (code 'closed', 'timeout', 'auth_failed').
export class TransportError extends Error {
  constructor(code, message, { field, limit, retryAfterMs } = {}) {
    super(message || code);
    this.name = 'TransportError';
    this.code = code;
    if (field !== undefined) this.field = field;
    if (limit !== undefined) this.limit = limit;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }

  static fromWire(e) {
    const err = e && typeof e === 'object' ? e : {};
    return new TransportError(String(err.code || 'internal'), err.message, {
      field: err.field, limit: err.limit, retryAfterMs: err.retry_after_ms,
    });
  }
}

// A random idempotency key: 32 characters of [A-Za-z0-9_-] (192 bits).
export function newKey(length = 32) {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += KEY_ALPHABET[b & 63];
  return s;
}

// Exponential backoff with full jitter: a random delay in [0, min(cap, base * 2^attempt)).
export function backoffDelay(attempt, { baseMs = 500, capMs = 30000 } = {}, random = Math.random) {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

function defaultUrl() {
  const loc = globalThis.location;
  if (!loc) throw new Error('Transport: no url given and no location to derive it from');
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}

export class Transport extends EventTarget {
  // url: string, or a function (may be async) returning one; default ws(s)://<host>/ws.
  // getToken: async ({reason}) => JWT; reason is 'connect', 'rejected', 'expired' or 'refresh'.
  constructor({ url, getToken, backoff = {}, quickRetryMs = 250, stableMs = 10000,
                refreshLeadMs = 60000, pingIntervalMs = 30000, pingTimeoutMs = 15000,
                random = Math.random } = {}) {
    super();
    if (typeof getToken !== 'function') throw new TypeError('Transport: getToken must be a function');
    this.url = url || defaultUrl;
    this.getToken = getToken;
    this.backoff = { baseMs: backoff.baseMs ?? 500, capMs: backoff.capMs ?? 30000 };
    this.quickRetryMs = quickRetryMs;
    this.stableMs = stableMs;
    this.refreshLeadMs = refreshLeadMs;
    this.pingIntervalMs = pingIntervalMs;
    this.pingTimeoutMs = pingTimeoutMs;
    this.random = random;

    this.status = 'offline';
    this.user = null;          // user from the last hello reply
    this.expiresAt = null;     // token expiry, unix seconds
    this.lastSeq = new Map();  // room -> last seq delivered
    this.stateVersion = new Map(); // "room\u0000st" -> last version delivered
    this.rooms = new Set();    // rooms to resume

    this._ws = null;
    this._gen = 0;             // bumped per socket, so late callbacks of an old socket are ignored
    this._authed = false;
    this._stopped = true;
    this._token = null;
    this._tokenStale = false;  // set by close 4004: the next connect asks for a fresh token
    this._attempt = 0;
    this._nextId = 1;
    this._pending = new Map(); // id -> {op, data, resolve, reject, sentGen, timer}
    this._timers = {};
    this._ready = null;
    this._onNetwork = null;
  }

  // Subscribe with a function that gets event.detail; returns a function that unsubscribes.
  on(type, fn) {
    const h = (e) => fn(e.detail);
    this.addEventListener(type, h);
    return () => this.removeEventListener(type, h);
  }

  // Resolves with the hello reply data once the socket is authenticated; rejects if the
  // token is refused twice (code bad_token, token_expired, ...) or on close().
  get ready() {
    return this._ready ? this._ready.promise : Promise.reject(new TransportError('closed', 'not connected'));
  }

  connect() {
    if (!this._stopped) return this.ready;
    this._stopped = false;
    this._token = null; // a new start asks getToken afresh (the user may have a new token)
    this._tokenStale = false;
    this._attempt = 0;
    this._ready = deferred();
    this._ready.promise.catch(() => {}); // callers that never await ready do not see an unhandled rejection
    this._watchNetwork(true);
    this._open();
    return this._ready.promise;
  }

  // Stops for good: closes the socket, cancels timers, rejects everything pending.
  close() {
    if (this._stopped && !this._ws) return;
    this._stop(new TransportError('closed', 'transport closed'));
    this._emit('close', { code: 1000, reason: 'closed by client', retryInMs: null });
  }

  // Records interest in a room: every hello after a reconnect resumes it from the last seq
  // delivered (events arriving for it move that on). sinceSeq is the seq of a snapshot the
  // page already holds; without any, the resume asks from 0 and the server replays the log
  // (paced, or it answers with a fresh snapshot when that is too far behind).
  subscribeRoom(room, sinceSeq) {
    this.rooms.add(room);
    if (Number.isInteger(sinceSeq) && sinceSeq > (this.lastSeq.get(room) ?? -1)) this.lastSeq.set(room, sinceSeq);
  }

  unsubscribeRoom(room) {
    this.rooms.delete(room);
  }

  // Sends {op, id, data}; resolves with the reply's data, rejects with a TransportError.
  request(op, data = {}, { timeoutMs = 0 } = {}) {
    return new Promise((resolve, reject) => {
      const id = String(this._nextId++);
      const entry = { op, data, resolve, reject, sentGen: 0, timer: null };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this._pending.delete(id);
          reject(new TransportError('timeout', `${op}: no reply within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this._pending.set(id, entry);
      if (this._stopped) {
        this._settle(id, null, new TransportError('closed', 'transport is not connected'));
        return;
      }
      if (this._authed) this._send(id, entry);
    });
  }

  // A request that changes something: data.key is one idempotency key for this logical
  // write, reused when the request is sent again after a reconnect. A caller that retries
  // on its own (after rate_limited, say) passes the same data.key again.
  write(op, data = {}, opts) {
    return this.request(op, { ...data, key: data.key || newKey() }, opts);
  }

  // ---- socket life -------------------------------------------------------

  async _open() {
    const gen = ++this._gen;
    this._setStatus('connecting');
    let url, token;
    try {
      url = typeof this.url === 'function' ? await this.url() : this.url;
      token = await this._currentToken(this._tokenStale ? 'expired' : 'connect');
    } catch (e) {
      if (gen !== this._gen || this._stopped) return;
      this._retry(0, String(e && e.message || e), false);
      return;
    }
    if (gen !== this._gen || this._stopped) return;  // close() or a newer attempt won meanwhile
    let ws;
    try {
      ws = new WebSocket(url, PROTOCOL);
    } catch (e) {
      this._retry(0, String(e && e.message || e), false);
      return;
    }
    this._ws = ws;
    this._authed = false;
    let helloRetried = false;
    const helloId = `h${gen}`;

    const sendHello = (tok) => {
      const resume = {};
      let n = 0;
      for (const room of this.rooms) {
        if (n++ >= LIMITS.max_resume_rooms) break;
        resume[room] = this.lastSeq.get(room) ?? 0;
      }
      const data = { token: tok };
      if (n > 0) data.resume = resume;
      ws.send(JSON.stringify({ op: 'hello', id: helloId, data }));
    };

    const onHello = async (m) => {
      if (m.ok) {
        this._authed = true;
        this._onHelloOk(m.data || {}, gen);
        return;
      }
      const err = TransportError.fromWire(m.error);
      if (AUTH_ERRORS.has(err.code) && !helloRetried) {
        // Ask once for a fresh token and try again on the same socket.
        helloRetried = true;
        try {
          this._token = await this.getToken({ reason: 'rejected', code: err.code });
        } catch { /* fall through with the old token: it fails again and stops */ }
        if (gen === this._gen && ws.readyState === 1) sendHello(this._token);
        return;
      }
      if (AUTH_ERRORS.has(err.code)) {
        // Refused twice: stop. 'error' goes first so a page can tell this stop from a drop.
        this._emit('error', { error: err, fatal: true });
        this._stop(err);
        this._emit('close', { code: 4001, reason: err.code, retryInMs: null });
        return;
      }
      // Anything else (shutting_down, rate_limited, internal): close and try again later.
      this._dropSocket(ws);
      this._retry(err.code === 'shutting_down' ? 1001 : 0, err.code, true);
    };

    ws.onopen = () => {
      if (gen !== this._gen) return;
      sendHello(token);
    };
    ws.onmessage = (e) => {
      if (gen !== this._gen) return;
      let parsed;
      try { parsed = JSON.parse(typeof e.data === 'string' ? e.data : String(e.data)); } catch { return; }
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
        if (!m || typeof m !== 'object') continue;
        if (m.re === helloId) onHello(m);
        else this._onMessage(m);
      }
    };
    ws.onerror = () => { /* a close event follows and carries what we need */ };
    ws.onclose = (e) => {
      if (gen !== this._gen) return;
      this._ws = null;
      this._authed = false;
      this._clearTimer('ping');
      this._clearTimer('pong');
      this._clearTimer('stable');
      this._clearTimer('refresh');
      if (this._stopped) return;
      if (e.code === CLOSE.token_expired) this._tokenStale = true;
      this._retry(e.code, e.reason || '', true);
    };
  }

  _onHelloOk(hello, gen) {
    this.user = hello.user || null;
    this.expiresAt = typeof hello.expires_at === 'number' ? hello.expires_at : null;
    this._scheduleRefresh(hello);
    this._setStatus('online');
    // Only after a while online does the backoff start again from the bottom, so a server
    // that accepts and then drops us at once is not hammered.
    this._setTimer('stable', this.stableMs, () => { this._attempt = 0; });
    this._schedulePing(gen);
    // Queued and unanswered requests go out now, oldest first.
    for (const [id, entry] of this._pending) this._send(id, entry);
    this._ready.resolve(hello);
    this._emit('open', { hello });
  }

  _onMessage(m) {
    if (m.re !== undefined) {
      const id = m.re === null ? null : String(m.re);
      if (id !== null && id.startsWith('resume:')) {
        this._onResume(id.slice(7), m);
        return;
      }
      const entry = id !== null ? this._pending.get(id) : undefined;
      if (!entry) {
        // re: null is an error the server could not tie to a request (bad_json, too_deep, ...).
        // A reply to a request that timed out meanwhile is dropped.
        if (id === null && !m.ok) this._emit('error', { error: TransportError.fromWire(m.error), fatal: false });
        return;
      }
      if (m.ok) {
        this._settle(id, m.data ?? {}, null);
      } else if (m.error && m.error.code === 'shutting_down') {
        entry.sentGen = 0; // the server is stopping: send it again after the reconnect
      } else {
        this._settle(id, null, TransportError.fromWire(m.error));
      }
      return;
    }
    if (m.ev === 'subscription.ended' && typeof m.room === 'string') {
      // Not a room event (no seq): the server no longer sends this room to us, so a reconnect
      // must not resume it.
      this.rooms.delete(m.room);
      this.lastSeq.delete(m.room);
      this._emit('ended', { room: m.room, reason: m.data && typeof m.data.reason === 'string' ? m.data.reason : null });
      return;
    }
    if (typeof m.ev === 'string' && typeof m.room === 'string' && Number.isInteger(m.seq)) {
      const last = this.lastSeq.get(m.room);
      if (last !== undefined && m.seq <= last) return; // already delivered
      if (last !== undefined && last > 0 && m.seq > last + 1) this._emit('gap', { room: m.room, after: last, seq: m.seq });
      this.lastSeq.set(m.room, m.seq);
      this._emit('event', { ev: m.ev, room: m.room, seq: m.seq, data: m.data });
      return;
    }
    if (typeof m.st === 'string' && typeof m.room === 'string') {
      const k = `${m.room}\u0000${m.st}`;
      if (typeof m.v === 'number') {
        const last = this.stateVersion.get(k);
        if (last !== undefined && m.v <= last) return; // an older snapshot than the one shown
        this.stateVersion.set(k, m.v);
      }
      this._emit('state', { st: m.st, room: m.room, v: m.v, data: m.data });
    }
  }

  // The reply hello sends for each room it resumed. A snapshot replaces what the page held
  // (the server's seq may even be lower than ours, after a restore), so the room's last seq
  // becomes the snapshot's; the page gets the reply as a 'resume' event either way.
  _onResume(room, m) {
    const data = m.ok ? (m.data ?? {}) : null;
    if (data && data.mode === 'snapshot' && Number.isInteger(data.seq)) this.lastSeq.set(room, data.seq);
    this._emit('resume', { room, ok: !!m.ok, data, error: m.ok ? null : TransportError.fromWire(m.error) });
  }

  _send(id, entry) {
    if (!this._ws || !this._authed || entry.sentGen === this._gen) return;
    entry.sentGen = this._gen;
    try {
      this._ws.send(JSON.stringify({ op: entry.op, id, data: entry.data }));
    } catch {
      entry.sentGen = 0; // the close handler reconnects; it goes out then
    }
  }

  _settle(id, data, err) {
    const entry = this._pending.get(id);
    if (!entry) return;
    this._pending.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    if (err) entry.reject(err); else entry.resolve(data);
  }

  // Schedules the next connection attempt after a close with `code`.
  _retry(code, reason, emitClose) {
    if (this._stopped) return;
    for (const entry of this._pending.values()) entry.sentGen = 0;
    const quick = code === CLOSE.going_away || code === CLOSE.slow_consumer || code === CLOSE.token_expired;
    let delay;
    if (quick && this._attempt === 0) delay = Math.floor(this.random() * this.quickRetryMs);
    else delay = backoffDelay(this._attempt, this.backoff, this.random);
    this._attempt++;
    const offline = globalThis.navigator && globalThis.navigator.onLine === false;
    this._setStatus('offline');
    if (emitClose) this._emit('close', { code, reason, retryInMs: offline ? null : delay });
    // Offline: wait for the browser's 'online' event instead of burning attempts.
    if (offline && this._onNetwork) return;
    this._setTimer('reconnect', delay, () => this._open());
  }

  _stop(err) {
    this._stopped = true;
    this._gen++;
    for (const name of Object.keys(this._timers)) this._clearTimer(name);
    this._watchNetwork(false);
    this._dropSocket(this._ws);
    this._ws = null;
    this._authed = false;
    for (const id of [...this._pending.keys()]) this._settle(id, null, err);
    if (this._ready) this._ready.reject(err);
    this._setStatus('offline');
  }

  _dropSocket(ws) {
    if (!ws) return;
    if (ws === this._ws) { this._gen++; this._ws = null; this._authed = false; }
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onerror = () => {};
    try { ws.close(1000); } catch { /* already closing */ }
  }

  // ---- token -------------------------------------------------------------

  async _currentToken(reason) {
    if (!this._token || this._tokenStale) {
      this._token = await this.getToken({ reason });
      this._tokenStale = false;
    }
    return this._token;
  }

  _scheduleRefresh(hello) {
    this._clearTimer('refresh');
    if (typeof hello.expires_at !== 'number') return;
    // Use the server's clock: the token expires by its clock, not the browser's.
    const serverNow = hello.server && typeof hello.server.time_ms === 'number' ? hello.server.time_ms : Date.now();
    const left = hello.expires_at * 1000 - serverNow;
    const delay = left > 2 * this.refreshLeadMs ? left - this.refreshLeadMs : Math.max(1000, left / 2);
    const gen = this._gen;
    this._setTimer('refresh', Math.min(delay, MAX_TIMER_MS), () => this._refresh(gen));
  }

  async _refresh(gen) {
    try {
      const token = await this.getToken({ reason: 'refresh' });
      if (gen !== this._gen || !this._authed) return;
      const before = this.expiresAt;
      const data = await this.request('auth.refresh', { token });
      this._token = token;
      this._tokenStale = false;
      this.expiresAt = data.expires_at ?? this.expiresAt;
      // Only plan another refresh if this one moved the expiry; otherwise the server
      // closes with 4004 at expiry and the reconnect asks for a fresh token.
      if (gen === this._gen && this.expiresAt > before) {
        this._scheduleRefresh({ expires_at: this.expiresAt, server: { time_ms: Date.now() } });
      }
    } catch (e) {
      if (gen === this._gen) this._emit('error', { error: e instanceof TransportError ? e : new TransportError('auth_failed', String(e)), fatal: false });
    }
  }

  // ---- liveness ----------------------------------------------------------

  // A ping now and then notices a connection that died without a close (a laptop lid,
  // a dropped NAT mapping); no reply in time closes the socket and reconnects.
  _schedulePing(gen) {
    if (!(this.pingIntervalMs > 0)) return;
    this._setTimer('ping', this.pingIntervalMs, () => {
      if (gen !== this._gen || !this._authed) return;
      const ws = this._ws;
      this._setTimer('pong', this.pingTimeoutMs, () => {
        if (gen !== this._gen || ws !== this._ws) return;
        this._dropSocket(ws);
        this._retry(0, 'no reply to ping', true);
      });
      this.request('ping', {}).then(
        () => { if (gen === this._gen) { this._clearTimer('pong'); this._schedulePing(gen); } },
        () => {});
    });
  }

  _watchNetwork(on) {
    const w = globalThis.window;
    if (!w || typeof w.addEventListener !== 'function') return;
    if (on && !this._onNetwork) {
      this._onNetwork = (e) => {
        if (this._stopped) return;
        if (e.type === 'offline') {
          this._setStatus(this._authed ? 'online' : 'offline');
        } else if (!this._ws) {
          // Back online: try at once rather than waiting out the backoff.
          this._clearTimer('reconnect');
          this._open();
        }
      };
      w.addEventListener('online', this._onNetwork);
      w.addEventListener('offline', this._onNetwork);
    } else if (!on && this._onNetwork) {
      w.removeEventListener('online', this._onNetwork);
      w.removeEventListener('offline', this._onNetwork);
      this._onNetwork = null;
    }
  }

  // ---- small helpers -----------------------------------------------------

  _setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this._emit('status', { status });
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _setTimer(name, ms, fn) {
    this._clearTimer(name);
    this._timers[name] = setTimeout(() => { delete this._timers[name]; fn(); }, ms);
  }

  _clearTimer(name) {
    if (this._timers[name] !== undefined) { clearTimeout(this._timers[name]); delete this._timers[name]; }
  }
}

function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  let done = false;
  return {
    promise,
    resolve: (v) => { if (!done) { done = true; resolve(v); } },
    reject: (e) => { if (!done) { done = true; reject(e); } },
  };
}
