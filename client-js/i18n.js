// Strings in English, Spanish and Portuguese.
//
//   import { t, setLang, initLang } from './i18n.js';
//   initLang();                      // saved choice, else the browser's languages, else English
//   t('account.signed_in_as', { name: 'Ana' })
//
// The choice is saved in localStorage and sets <html lang>. Listeners added with
// onLangChange() run after every switch, so a page can re-render its strings.
import en from './strings/en.js';
import es from './strings/es.js';
import pt from './strings/pt.js';

export const TABLES = Object.freeze({ en, es, pt });
export const LANGS = Object.freeze(Object.keys(TABLES));
export const DEFAULT_LANG = 'en';
const STORAGE_KEY = 'forumd.lang';

let current = DEFAULT_LANG;
const listeners = new Set();

function storage() {
  try { return globalThis.localStorage || null; } catch { return null; } // blocked storage throws
}

// Picks a supported language from a saved choice, then a list like navigator.languages
// ('pt-BR' counts as 'pt'), then English.
export function pickLang(saved, preferred = []) {
  if (saved && LANGS.includes(saved)) return saved;
  for (const tag of preferred || []) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (LANGS.includes(base)) return base;
  }
  return DEFAULT_LANG;
}

export function initLang() {
  const s = storage();
  let saved = null;
  try { saved = s && s.getItem(STORAGE_KEY); } catch { /* no storage */ }
  const nav = globalThis.navigator;
  const preferred = nav ? (nav.languages && nav.languages.length ? nav.languages : [nav.language]) : [];
  apply(pickLang(saved, preferred));
  return current;
}

export function getLang() {
  return current;
}

// Switches language, saves the choice and tells the listeners.
export function setLang(lang) {
  if (!LANGS.includes(lang)) return current;
  const s = storage();
  try { if (s) s.setItem(STORAGE_KEY, lang); } catch { /* private mode: not saved */ }
  if (lang !== current) {
    apply(lang);
    for (const fn of listeners) fn(lang);
  }
  return current;
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function apply(lang) {
  current = lang;
  const doc = globalThis.document;
  if (doc && doc.documentElement) doc.documentElement.lang = lang;
}

// The string for key in the current language (falling back to English, then to the key
// itself), with each {param} replaced. Unknown placeholders are left as they are.
export function t(key, params = {}) {
  const s = TABLES[current][key] ?? en[key] ?? key;
  return interpolate(s, params);
}

export function interpolate(s, params = {}) {
  return s.replace(/\{(\w+)\}/g, (m, p) => (Object.prototype.hasOwnProperty.call(params, p) ? String(params[p]) : m));
}

// Splits a translated template into text and placeholders, for pages that put user text
// into the DOM as nodes (never as HTML): 'Signed in as {name}' ->
//   [{text: 'Signed in as '}, {param: 'name'}]
export function tParts(key) {
  const s = TABLES[current][key] ?? en[key] ?? key;
  const parts = [];
  let last = 0;
  for (const m of s.matchAll(/\{(\w+)\}/g)) {
    if (m.index > last) parts.push({ text: s.slice(last, m.index) });
    parts.push({ param: m[1] });
    last = m.index + m[0].length;
  }
  if (last < s.length) parts.push({ text: s.slice(last) });
  return parts;
}
