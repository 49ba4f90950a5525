// The first page: sign in with an access token, see who you are and your courses, and
// watch the connection. Every string comes from i18n.js; user text goes in as textContent.
import { Transport } from './transport.js';
import { t, tParts, initLang, setLang, getLang, onLangChange } from './i18n.js';
import { ROLES } from './protocol.js';

const TOKEN_KEY = 'forumd.token';
const ANNOUNCE_EVERY_MS = 3000; // the polite live region speaks at most this often

const $ = (id) => document.getElementById(id);
const el = {
  lang: $('lang'), error: $('error'),
  statusDot: $('status-dot'), statusText: $('status-text'), statusDetail: $('status-detail'),
  announcer: $('announcer'),
  signin: $('signin'), signinHeading: $('signin-heading'), form: $('signin-form'), token: $('token'), connectButton: $('connect'),
  account: $('account'), accountHeading: $('account-heading'), signedInAs: $('signed-in-as'),
  adminNote: $('admin-note'), courses: $('courses'), noCourses: $('no-courses'), signout: $('signout'),
  serverVersion: $('server-version'),
};

// Everything shown is rendered from this, so a language switch re-renders it all.
const state = {
  status: 'signed_out',   // 'signed_out' | 'connecting' | 'online' | 'offline'
  detail: null,           // {key, params}: why the connection dropped, when it retries
  error: null,            // {key, params}: the last error, shown in the alert region
  hello: null,            // hello reply data while signed in
};
let transport = null;

// ---- token storage ----------------------------------------------------------

function loadToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}
function saveToken(tok) {
  try { sessionStorage.setItem(TOKEN_KEY, tok); } catch { /* storage blocked: this tab only */ }
}
function forgetToken() {
  try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing stored */ }
}

// A token handed over in the address (#token=...) is kept in this tab's sessionStorage
// and removed from the address bar, so it does not stay in history or get shared.
function takeTokenFromFragment() {
  const hash = location.hash.replace(/^#/, '');
  if (!hash) return '';
  const tok = new URLSearchParams(hash).get('token');
  if (!tok) return '';
  history.replaceState(history.state, '', location.pathname + location.search);
  return tok.trim();
}

// ---- connection -------------------------------------------------------------

function connect(token, { focus = false } = {}) {
  disconnect();
  saveToken(token);
  state.error = null;
  state.detail = null;
  state.status = 'connecting';
  render();

  const tr = new Transport({ getToken: async () => loadToken() || token });
  transport = tr;
  tr.on('status', ({ status }) => {
    if (transport !== tr) return;
    state.status = status;
    if (status === 'online') state.detail = null;
    renderStatus(true);
  });
  tr.on('close', ({ code, retryInMs }) => {
    if (transport !== tr || retryInMs === null) return;
    state.detail = { key: closeKey(code), params: {}, retryS: Math.max(1, Math.ceil(retryInMs / 1000)) };
    renderStatus(false);
  });
  tr.on('open', ({ hello }) => {
    if (transport !== tr) return;
    const first = !state.hello;
    state.hello = hello;
    state.error = null;
    render();
    if (first && focus) el.accountHeading.focus();
  });
  tr.on('error', ({ error, fatal }) => {
    if (transport !== tr) return;
    state.error = errorMessage(error);
    if (fatal) {
      // The token was refused: back to the sign-in form, which keeps what was pasted.
      forgetToken();
      transport = null;
      state.hello = null;
      state.status = 'signed_out';
      state.detail = null;
      render();
      el.token.focus();
      return;
    }
    renderError();
  });
  tr.connect().catch(() => { /* reported through the 'error' event */ });
}

function disconnect() {
  if (transport) {
    const tr = transport;
    transport = null;
    tr.close();
  }
  state.hello = null;
  state.status = 'signed_out';
  state.detail = null;
}

function closeKey(code) {
  const key = `close.${code}`;
  return t(key) === key ? 'close.1006' : key;
}

function errorMessage(err) {
  const code = err && err.code ? String(err.code) : 'internal';
  if (code === 'rate_limited' && err.retryAfterMs > 0) {
    return { key: 'error.rate_limited_wait', params: { seconds: Math.ceil(err.retryAfterMs / 1000) } };
  }
  const key = `error.${code}`;
  return t(key) === key ? { key: 'error.unknown', params: { code } } : { key, params: {} };
}

// ---- rendering --------------------------------------------------------------

function render() {
  renderStatic();
  renderStatus(false);
  renderAccount();
  renderError();
}

function renderStatic() {
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  document.title = t('app.name');
  el.lang.value = getLang();
}

function statusLabel() {
  return t(`status.${state.status}`);
}

function renderStatus(announceChange) {
  const label = statusLabel();
  el.statusText.textContent = label;
  el.statusDot.dataset.status = state.status;
  let detail = '';
  if (state.detail && state.status === 'offline') {
    detail = `${t(state.detail.key, state.detail.params)} ${t('status.retry_in', { seconds: state.detail.retryS })}`;
  } else if (state.detail && state.status === 'connecting') {
    detail = t(state.detail.key, state.detail.params);
  }
  el.statusDetail.textContent = detail;
  if (announceChange) announce(detail ? `${label}. ${detail}` : label);
}

function renderAccount() {
  const hello = state.hello;
  el.signin.hidden = !!hello;
  el.account.hidden = !hello;
  el.serverVersion.textContent = hello && hello.server && hello.server.version
    ? t('app.server_version', { version: hello.server.version }) : '';
  if (!hello) return;
  const user = hello.user || {};

  // "Signed in as {name}" with the name as a text node inside <strong>.
  el.signedInAs.replaceChildren();
  for (const part of tParts('account.signed_in_as')) {
    if (part.param === 'name') {
      const strong = document.createElement('strong');
      strong.textContent = user.name || user.id || '';
      el.signedInAs.append(strong);
    } else {
      el.signedInAs.append(part.text ?? `{${part.param}}`);
    }
  }
  el.adminNote.hidden = !user.admin;

  const courses = Object.entries(user.courses || {})
    .sort(([a], [b]) => (Number(a) - Number(b)) || a.localeCompare(b));
  el.courses.replaceChildren();
  for (const [id, role] of courses) {
    const li = document.createElement('li');
    li.className = 'course';
    const name = document.createElement('span');
    name.className = 'course-name';
    name.textContent = t('account.course', { id });
    const sep = document.createElement('span');
    sep.className = 'visually-hidden';
    sep.textContent = ': ';
    const badge = document.createElement('span');
    badge.className = 'role';
    badge.dataset.role = ROLES.includes(role) ? role : 'other';
    badge.textContent = ROLES.includes(role) ? t(`role.${role}`) : t('role.unknown', { role: String(role) });
    li.append(name, sep, badge);
    el.courses.append(li);
  }
  el.courses.hidden = courses.length === 0;
  el.noCourses.hidden = courses.length !== 0;
}

function renderError() {
  el.error.replaceChildren();
  if (!state.error) return;
  const p = document.createElement('p');
  p.textContent = t(state.error.key, state.error.params);
  el.error.append(p);
}

// Polite announcements, at most one per ANNOUNCE_EVERY_MS; the latest one wins.
let lastAnnounceAt = -Infinity;
let lastAnnounced = '';
let pendingAnnounce = null;
let announceTimer = null;
function announce(text) {
  pendingAnnounce = text;
  if (announceTimer) return;
  const wait = lastAnnounceAt + ANNOUNCE_EVERY_MS - performance.now();
  const flush = () => {
    announceTimer = null;
    const msg = pendingAnnounce;
    pendingAnnounce = null;
    if (!msg || msg === lastAnnounced) return;
    lastAnnounced = msg;
    lastAnnounceAt = performance.now();
    el.announcer.textContent = msg;
  };
  if (wait <= 0) flush(); else announceTimer = setTimeout(flush, wait);
}

// ---- wiring -----------------------------------------------------------------

el.form.addEventListener('submit', (e) => {
  e.preventDefault();
  const tok = el.token.value.trim();
  if (!tok) {
    state.error = { key: 'error.no_token', params: {} };
    renderError();
    el.token.focus();
    return;
  }
  connect(tok, { focus: true });
});

el.signout.addEventListener('click', () => {
  disconnect();
  forgetToken();
  el.token.value = '';
  state.error = null;
  render();
  lastAnnounced = '';
  announce(t('account.signed_out'));
  el.signinHeading.focus();
});

el.lang.addEventListener('change', () => setLang(el.lang.value));
onLangChange(() => render());

initLang();
render();
// The button starts disabled in the HTML, so without this script the form never submits
// (a plain submit would put the token into the address).
el.connectButton.disabled = false;
const fromFragment = takeTokenFromFragment();
const saved = fromFragment || loadToken();
if (saved) connect(saved);
