// Small DOM and formatting helpers shared by the pages. User text only ever goes in as
// text nodes or attribute values; nothing here parses HTML.
import { t, getLang, TABLES } from './i18n.js';

// h('button', {class: 'button', type: 'button', aria: {pressed: 'true'}, on: {click}}, 'Text', node)
//   class, text, id, type, href, ...: set as attributes (boolean true = present, false/null = absent)
//   aria: {label: ...} -> aria-label;  data: {id: 3} -> data-id;  on: {click: fn}
//   props: {value: ...} set as DOM properties
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'aria') {
      for (const [ak, av] of Object.entries(v)) if (av !== null && av !== undefined) node.setAttribute(`aria-${ak}`, String(av));
    } else if (k === 'data') {
      for (const [dk, dv] of Object.entries(v)) if (dv !== null && dv !== undefined) node.dataset[dk] = String(dv);
    } else if (k === 'on') {
      for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    } else if (k === 'props') {
      Object.assign(node, v);
    } else if (k === 'text') {
      node.textContent = String(v);
    } else {
      node.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(node, c);
    else node.append(c instanceof Node ? c : String(c));
  }
}

// A translated template with some placeholders filled by nodes (or text):
//   tNodes('post.by', {name: h('strong', {}, user)})
export function tNodes(key, params = {}) {
  const s = TABLES[getLang()][key] ?? TABLES.en[key] ?? key;
  const out = [];
  let last = 0;
  for (const m of s.matchAll(/\{(\w+)\}/g)) {
    if (m.index > last) out.push(s.slice(last, m.index));
    const v = params[m[1]];
    out.push(v === undefined ? m[0] : (v instanceof Node ? v : String(v)));
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

// Plural-aware strings: key.one / key.other (and whatever else the language's plural
// rules name, falling back to key.other), with {count} formatted for the language.
export function tn(key, count, params = {}) {
  const lang = getLang();
  const table = TABLES[lang];
  const cat = new Intl.PluralRules(lang).select(count);
  const k = table[`${key}.${cat}`] !== undefined ? `${key}.${cat}` : `${key}.other`;
  return t(k, { ...params, count: formatNumber(count) });
}

export function formatNumber(n) {
  return new Intl.NumberFormat(getLang()).format(n);
}

// ---- time -------------------------------------------------------------------

let skewMs = 0; // server clock minus this browser's clock
export function setServerTime(serverMs) {
  if (typeof serverMs === 'number' && Number.isFinite(serverMs)) skewMs = serverMs - Date.now();
}
export function serverNow() {
  return Date.now() + skewMs;
}

const UNITS = [
  ['year', 365 * 86400000], ['month', 30 * 86400000], ['week', 7 * 86400000],
  ['day', 86400000], ['hour', 3600000], ['minute', 60000],
];

export function relativeTime(ms) {
  const diff = ms - serverNow();
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(getLang(), { numeric: 'auto' });
  if (abs < 45000) return rtf.format(0, 'second');
  for (const [unit, size] of UNITS) {
    if (abs >= size || unit === 'minute') return rtf.format(Math.round(diff / size), unit);
  }
  return rtf.format(0, 'second');
}

// A moment the server gave in seconds (mutes, notices) or in ms, as ms.
export function untilMs(v) {
  const n = Number(v);
  return n > 1e11 ? n : n * 1000;
}

export function fullDate(ms) {
  return new Intl.DateTimeFormat(getLang(), { dateStyle: 'long', timeStyle: 'short' }).format(new Date(ms));
}

// <time datetime="ISO" title="25 November 2026 at 10:02">5 minutes ago</time>
export function timeEl(ms, cls = 'time') {
  const d = new Date(ms);
  return h('time', { class: cls, datetime: d.toISOString(), title: fullDate(ms), data: { ts: ms } }, relativeTime(ms));
}

// Refreshes every relative time under root.
export function refreshTimes(root) {
  for (const node of root.querySelectorAll('time[data-ts]')) {
    const ms = Number(node.dataset.ts);
    const text = relativeTime(ms);
    if (node.textContent !== text) node.textContent = text;
  }
}

// ---- errors -----------------------------------------------------------------

// A TransportError (or anything with .code) as a translated sentence.
export function errorText(err) {
  const code = err && err.code ? String(err.code) : 'internal';
  if ((code === 'rate_limited' || code === 'muted') && err.retryAfterMs > 0) {
    const seconds = Math.ceil(err.retryAfterMs / 1000);
    if (code === 'rate_limited') return t('error.rate_limited_wait', { seconds });
    return t('error.muted_until', { time: fullDate(serverNow() + err.retryAfterMs) });
  }
  const key = `error.${code}`;
  return t(key) === key ? t('error.unknown', { code }) : t(key);
}

// ---- text -------------------------------------------------------------------

export function charCount(s) {
  let n = 0;
  for (const _ of s) n++; // code points, as the server counts
  return n;
}

export function isBlank(s) {
  return !/[^ \t\r\n]/.test(s);
}
