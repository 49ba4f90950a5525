// A live session as the pages see it: the session:<id> room (the session, its published
// questions, and this person's own pending or dismissed ones), kept live by events
// (question.published, question.updated, session.updated) and coalesced state
// (question.votes, session.answering). Staff also follow staff:<course>, where questions
// waiting for approval arrive (question.pending).
//
//   const s = createSessionStore(ctx, sessionId, { changed(what, q) {...}, failed(err) {...} });
//   (snapshot(data) and message(m, live) -> handled? let a page read the rest of the room: polls)
//   s.start();  s.questions  s.session  s.sorted('votes')  s.destroy();
//
// Both live pages (the participant's and the presenter's) are built on it, and it has the
// writes they share (ask, vote, the staff actions) and the export download.
import { t } from './i18n.js';
import { h, tn } from './ui.js';

export const OPEN = new Set(['visible', 'answering']);
export const SORT_KEYS = ['votes', 'newest'];

// Most votes first, ties by age (the older question first); or the newest first.
export const ORDERS = {
  votes: (a, b) => (b.votes - a.votes) || (a.created_at - b.created_at) || (a.id - b.id),
  newest: (a, b) => (b.created_at - a.created_at) || (b.id - a.id),
};

export function createSessionStore(ctx, sessionId, hooks = {}) {
  const room = `session:${sessionId}`;
  const s = {
    room, staffRoom: null, alive: false, loaded: false, error: null,
    session: null, questions: new Map(), mine: new Set(), voted: new Set(), buffer: [],
  };
  const changed = (what, q, live = false) => { if (s.alive && hooks.changed) hooks.changed(what, q, live); };

  s.isStaff = () => !!s.session && ctx.isStaff(s.session.course);
  s.isMine = (q) => !!q && (q.mine === true || s.mine.has(q.id) || (q.author && q.author.id === ctx.user.id));
  s.answering = () => {
    const id = s.session && s.session.answering;
    const q = id ? s.questions.get(id) : null;
    if (q && q.state !== 'answered' && q.state !== 'dismissed' && q.state !== 'withdrawn') return q;
    for (const x of s.questions.values()) if (x.state === 'answering') return x;
    return null;
  };
  s.list = (pred) => [...s.questions.values()].filter(pred);
  s.sorted = (sort, pred) => s.list(pred).sort(ORDERS[sort] || ORDERS.votes);

  s.start = () => {
    s.alive = true;
    ctx.transport.request('subscribe', { room }).then((data) => {
      if (!s.alive) return;
      ctx.transport.lastSeq.set(room, data.seq);
      ctx.transport.subscribeRoom(room);
      snapshot(data);
      if (s.isStaff() && !s.staffRoom) subscribeStaff();
    }, (err) => {
      if (!s.alive) return;
      s.error = err;
      changed('error');
    });
  };

  function subscribeStaff() {
    const staffRoom = `staff:${s.session.course}`;
    s.staffRoom = staffRoom;
    ctx.transport.request('subscribe', { room: staffRoom }).then((data) => {
      if (!s.alive) return;
      ctx.transport.lastSeq.set(staffRoom, data.seq);
      ctx.transport.subscribeRoom(staffRoom);
    }, () => { /* the room's own snapshot already has the pending questions */ });
  }

  function snapshot(data) {
    s.session = data.session || s.session;
    s.questions = new Map();
    for (const q of data.questions || []) {
      s.questions.set(q.id, q);
      if (q.mine === true) s.mine.add(q.id);
      if (typeof q.voted === 'boolean') { if (q.voted) s.voted.add(q.id); else s.voted.delete(q.id); }
    }
    s.loaded = true;
    s.error = null;
    if (hooks.snapshot) hooks.snapshot(data);
    const buffered = s.buffer.filter((m) => m.seq === undefined || m.room !== room || m.seq > data.seq);
    s.buffer = [];
    changed('snapshot');
    for (const m of buffered) s.apply(m, false);
  }

  // Keeps what the page knew that a newer copy leaves out: the peer view has no author for
  // an anonymous question, not even for the one who asked it.
  function merge(q) {
    const old = s.questions.get(q.id);
    if (old && old.author && !q.author && s.isMine(old)) q = { ...q, author: old.author };
    const next = old ? { ...old, ...q } : q;
    if (old && old.mine !== undefined && q.mine === undefined) next.mine = old.mine;
    s.questions.set(q.id, next);
    return next;
  }
  s.merge = merge;

  // Applies an event or a state message; `live` is false for buffered ones (not announced).
  s.apply = (m, live = true) => {
    if (!s.loaded) { s.buffer.push(m); return; }
    if (hooks.message && hooks.message(m, live)) return;
    const d = m.data || {};
    if (m.st === 'question.votes') {
      const id = d.question ?? d.q;
      const q = s.questions.get(id);
      if (!q || typeof d.votes !== 'number') return;
      q.votes = d.votes;
      changed('votes', q);
      return;
    }
    if (m.st === 'session.answering') {
      if (!s.session) return;
      const qd = d.question;
      const id = qd && typeof qd === 'object' ? qd.id : qd || null;
      if (qd && typeof qd === 'object') merge(qd);
      const before = s.session.answering;
      s.session = { ...s.session, answering: id };
      // The one answered before goes back to the queue, unless it was answered.
      for (const q of s.questions.values()) {
        if (q.state === 'answering' && q.id !== id) q.state = 'visible';
        if (q.id === id && q.state === 'visible') q.state = 'answering';
      }
      if (before !== id) changed('answering', id ? s.questions.get(id) : null, live);
      return;
    }
    if ((m.ev === 'session.updated' || m.ev === 'session.created') && d.session) {
      if (d.session.id !== sessionId) return;
      s.session = { ...s.session, ...d.session };
      changed('session', null, live);
      return;
    }
    const q = d.question;
    if (!q || typeof q !== 'object' || q.session !== sessionId) return;
    const known = s.questions.get(q.id);
    const wasState = known ? known.state : null;
    if (m.ev === 'question.pending' && !s.isStaff()) return;
    const next = merge(q);
    const answeringBefore = s.session ? s.session.answering : null;
    if (next.state === 'answering' && s.session) s.session = { ...s.session, answering: next.id };
    else if (s.session && s.session.answering === next.id && next.state !== 'answering') s.session = { ...s.session, answering: null };
    // The event may come before the session.answering state: either one tells the news once.
    if (s.session && s.session.answering !== answeringBefore) changed('answering', s.answering(), live);
    if (m.ev === 'question.published' && !known) changed('new', next, live);
    else if (m.ev === 'question.pending' && !known) changed('pending', next, live);
    else changed(wasState !== next.state ? 'state' : 'question', next, live);
  };

  s.onEvent = (m) => { if (m.room === room || m.room === s.staffRoom) s.apply(m); };
  s.onState = (m) => { if (m.room === room) s.apply(m); };
  s.onResume = (r) => {
    if (r.room !== room) return;
    if (!r.ok) { s.error = r.error; changed('error'); return; }
    if (r.data && r.data.mode === 'snapshot') snapshot(r.data);
    // A resumed room's reply carries the vote counts as they are now.
    else if (r.data && Array.isArray(r.data.votes)) {
      for (const x of r.data.votes) s.apply({ st: 'question.votes', room, v: x.v, data: { question: x.question, votes: x.votes } }, false);
    }
  };
  s.destroy = () => {
    s.alive = false;
    for (const r of [room, s.staffRoom]) {
      if (!r) continue;
      ctx.transport.unsubscribeRoom(r);
      ctx.transport.request('unsubscribe', { room: r }).catch(() => {});
    }
  };

  // ---- writes ---------------------------------------------------------------

  const write = (op, data) => ctx.transport.write(op, data, { timeoutMs: ctx.writeTimeoutMs });
  const took = (r) => { if (r && r.question && typeof r.question === 'object') { merge(r.question); changed('question', s.questions.get(r.question.id), false); } return r; };

  s.ask = async (body, anonymous, key) => {
    const r = await write('question.ask', { session: sessionId, body, anonymous: !!anonymous, key });
    if (r && r.question) {
      s.mine.add(r.question.id);
      const known = s.questions.has(r.question.id);
      merge({ ...r.question, mine: true });
      changed(known ? 'question' : 'asked', s.questions.get(r.question.id), false);
    }
    return r;
  };
  s.vote = async (q) => {
    const up = !s.voted.has(q.id);
    let r;
    try {
      r = await write('question.vote', { question: q.id, up });
    } catch (err) {
      if (err && err.code === 'already_voted') { s.voted.add(q.id); changed('votes', s.questions.get(q.id)); return null; }
      throw err;
    }
    if (r.voted) s.voted.add(q.id); else s.voted.delete(q.id);
    const cur = s.questions.get(q.id);
    if (cur && typeof r.votes === 'number') cur.votes = r.votes;
    changed('votes', cur);
    return r;
  };
  s.edit = async (q, body) => took(await write('question.edit', { question: q.id, body }));
  s.withdraw = async (q) => took(await write('question.withdraw', { question: q.id }));
  s.approve = async (q, body) => took(await write('question.approve', { question: q.id, ...(body ? { body } : {}) }));
  s.dismiss = async (q, reason) => took(await write('question.dismiss', { question: q.id, ...(reason ? { reason } : {}) }));
  s.answer = async (q, answer) => took(await write('question.answer', { question: q.id, ...(answer ? { answer } : {}) }));
  s.highlight = async (q) => {
    const r = await write('question.answering', { session: sessionId, question: q ? q.id : 0 });
    if (r && r.session) s.apply({ st: 'session.answering', room, data: { session: sessionId, question: r.session.answering } }, false);
    return r;
  };
  s.setState = async (op) => {
    const r = await write(op, { session: sessionId });
    if (r && r.session) { s.session = { ...s.session, ...r.session }; changed('session', null, false); }
    return r;
  };
  s.bridge = (which) => write('session.bridge', { session: sessionId, which });
  return s;
}

// ---- shared pieces of the live pages -------------------------------------------

// "Live", "Scheduled" or "Ended", as a badge.
export function stateBadge(session) {
  return h('span', { class: `badge session-state state-${session.state}` }, t(`sessions.state.${session.state}`));
}

// The asker as the page may show them: a name, "Anonymous", and "(you)" for your own.
// shared: for a screen others see (the presenter view), where an anonymous question stays
// anonymous even though staff are told who asked it.
export function askerLabel(ctx, store, q, { shared = false } = {}) {
  const mine = store.isMine(q);
  if (shared && q.anonymous) return t('live.anonymous');
  if (q.author && q.author.name) return mine ? t('live.you_named', { name: q.author.name }) : q.author.name;
  return mine ? t('live.you') : t('live.anonymous');
}

export function voteCount(q) {
  return tn('count.votes', q.votes || 0);
}

// Fetches the export with the token (never in the address) and saves it as a file.
export async function downloadExport(ctx, sessionId, format, names) {
  const token = await ctx.transport.getToken({ reason: 'export' });
  const url = `/api/sessions/${sessionId}/export?format=${format}${names ? '&names=1' : ''}`;
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
  if (!res.ok) {
    let code = res.status === 404 ? 'not_found' : res.status === 403 ? 'forbidden' : 'internal';
    try { const j = await res.json(); if (j && j.error && j.error.code) code = j.error.code; } catch { /* not JSON */ }
    throw Object.assign(new Error(code), { code });
  }
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = h('a', { href, download: `session-${sessionId}.${format}`, class: 'visually-hidden' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
  return blob;
}

// Restores focus (by id) and a text field's caret after a part of the page was rebuilt.
export function keepFocus(container, rebuild) {
  const active = document.activeElement;
  const inside = active && container && container.contains(active) && active.id ? active : null;
  const id = inside ? inside.id : null;
  const sel = inside && typeof inside.selectionStart === 'number' ? [inside.selectionStart, inside.selectionEnd] : null;
  rebuild();
  if (!id) return;
  const again = document.getElementById(id);
  if (!again) return false;
  if (again !== document.activeElement) again.focus({ preventScroll: true });
  if (sel && typeof again.setSelectionRange === 'function') { try { again.setSelectionRange(sel[0], sel[1]); } catch { /* not a text field */ } }
  return true;
}

// A polite announcer for a live page: news gathered for a few seconds, then said once
// ("3 new questions"), so a busy session does not flood a screen reader.
export function createNewsTicker(ctx, everyMs = 4000) {
  let fresh = [];
  let other = new Map(); // kind -> text: a later "now answering" replaces the earlier one
  let timer = null;
  let last = -Infinity;
  let n = 0;
  function flush() {
    timer = null;
    const parts = [];
    if (fresh.length === 1) parts.push(t('live.announce.new_one', { body: shorten(fresh[0], 80) }));
    else if (fresh.length > 1) parts.push(tn('live.announce.new_many', fresh.length));
    parts.push(...other.values());
    fresh = [];
    other = new Map();
    if (!parts.length) return;
    last = performance.now();
    ctx.say(parts.join(' '));
  }
  function schedule() {
    if (timer) return;
    const wait = last + everyMs - performance.now();
    timer = setTimeout(flush, Math.max(50, wait));
  }
  return {
    question(body) { fresh.push(body); schedule(); },
    say(text, kind = null) { other.set(kind || `x${++n}`, text); schedule(); },
    stop() { if (timer) clearTimeout(timer); timer = null; },
  };
}

export function shorten(text, max) {
  const s = String(text || '').replace(/\s+/g, ' ').trim();
  const cps = [...s];
  return cps.length > max ? `${cps.slice(0, max - 1).join('')}…` : s;
}
