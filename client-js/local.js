// What the page keeps in the browser between reloads. Drafts and the posts written in this
// tab live in sessionStorage (per tab, so two windows can be two people); what a user voted
// for and follows lives in localStorage, keyed by user, because the server's objects do not
// say it. Storage can be blocked (private modes): then everything still works for the page's
// lifetime, it is just not kept.

function store(kind) {
  try { return kind === 'local' ? globalThis.localStorage : globalThis.sessionStorage; } catch { return null; }
}

function readJSON(kind, key, fallback) {
  try {
    const s = store(kind);
    const raw = s && s.getItem(key);
    return raw ? JSON.parse(raw) : fallback;
  } catch { return fallback; }
}

function writeJSON(kind, key, value) {
  try {
    const s = store(kind);
    if (!s) return;
    if (value === null) s.removeItem(key); else s.setItem(key, JSON.stringify(value));
  } catch { /* full or blocked: kept in memory only */ }
}

// ---- drafts -----------------------------------------------------------------
// A draft is {title?, body, kind?, anonymous?, key?, sent?}: key is the idempotency key of a
// write that was sent with exactly this text (sent), so pressing send again after a reload or
// an error cannot post it twice.

const memDrafts = new Map();

export function draftKey(user, where) {
  return `forumd.draft.${user}.${where}`;
}

export function loadDraft(key) {
  return readJSON('session', key, null) ?? memDrafts.get(key) ?? null;
}

export function saveDraft(key, draft) {
  memDrafts.set(key, draft);
  writeJSON('session', key, draft);
}

export function clearDraft(key) {
  memDrafts.delete(key);
  writeJSON('session', key, null);
}

// ---- small per-user sets ------------------------------------------------------

class IdSet {
  constructor(kind, key) {
    this.kind = kind;
    this.key = key;
    this.set = new Set(readJSON(kind, key, []));
  }
  has(id) { return this.set.has(Number(id)); }
  toggle(id, on) {
    const n = Number(id);
    if (on) this.set.add(n); else this.set.delete(n);
    // Keep the newest few thousand only.
    const arr = [...this.set].slice(-5000);
    writeJSON(this.kind, this.key, arr);
  }
}

// Posts and threads this tab created (an anonymous post comes back from others without an
// author, and this is how the page still knows it is yours).
export const mine = (user) => new IdSet('session', `forumd.mine.${user}`);
// Posts this user voted for.
export const votes = (user) => new IdSet('local', `forumd.votes.${user}`);
// Threads this user follows, as last seen in a list or set here.
export const follows = (user) => new IdSet('local', `forumd.follows.${user}`);
// Posts this user flagged (the server answers a second flag with the first one).
export const flagged = (user) => new IdSet('session', `forumd.flagged.${user}`);
// Threads this user muted for their notifications, as set here (the server keeps the truth).
export const mutedThreads = (user) => new IdSet('local', `forumd.muted.${user}`);
