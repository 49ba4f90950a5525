// The page shell: sign in (a pasted token, a #token= link, or a demo user on --dev servers),
// the connection status, the language menu, and the forum pages behind a hash router:
//   #/                  your account and courses
//   #/course/1          a course's threads (?sort=votes | ?sort=unanswered)
//   #/course/1/search?q=…  a search in a course (&kind=question|discussion &mine=1 &answered=1|0)
//   #/thread/42         a thread (?post=7: focused on that post)
//   #/course/1/moderation  the course's moderation console (staff)
//   #/session/7         a live session's questions (#/session/7/present: the presenter view, staff)
// Every string comes from i18n.js; user text goes in as text nodes, never as HTML.
import { Transport } from './transport.js';
import { t, tParts, initLang, setLang, getLang, onLangChange } from './i18n.js';
import { ROLES } from './protocol.js';
import { h, tn, errorText, setServerTime, refreshTimes, fullDate, untilMs, serverNow } from './ui.js';
import { mine, votes, follows, flagged, mutedThreads } from './local.js';
import { createBoard, SORTS } from './board.js';
import { createThread } from './thread.js';
import { createModeration } from './moderation.js';
import { createLive } from './live.js';
import { createPresenter } from './presenter.js';
import { createSearch, parseSearchParams } from './search.js';
import { createNotifications } from './notify.js';

const TOKEN_KEY = 'forumd.token';
const ANNOUNCE_EVERY_MS = 3000; // the polite live region speaks at most this often
const STAFF = new Set(['facilitator', 'instructor', 'admin']);

const $ = (id) => document.getElementById(id);
const el = {
  lang: $('lang'), error: $('error'),
  statusDot: $('status-dot'), statusText: $('status-text'), statusDetail: $('status-detail'),
  announcer: $('announcer'), whoami: $('whoami'), notices: $('notices'),
  home: $('view-home'), forum: $('view-forum'),
  signin: $('signin'), signinHeading: $('signin-heading'), form: $('signin-form'), token: $('token'), connectButton: $('connect'),
  demo: $('demo'), demoUsers: $('demo-users'),
  account: $('account'), accountHeading: $('account-heading'), signedInAs: $('signed-in-as'),
  adminNote: $('admin-note'), courses: $('courses'), noCourses: $('no-courses'), signout: $('signout'),
  serverVersion: $('server-version'),
};

// Everything shown is rendered from this, so a language switch re-renders it all.
const state = {
  status: 'signed_out',   // 'signed_out' | 'connecting' | 'online' | 'offline'
  detail: null,           // {key, params}: why the connection dropped, when it retries
  error: null,            // {key, params} or {text}: the last error, shown in the alert region
  hello: null,            // hello reply data while signed in
  courses: new Map(),     // course id -> course from course.list (with role and access)
  demo: null,             // {course, users} when the server offers demo sign-in
  goToDemoCourse: false,  // a demo sign-in goes straight to the demo course
  notices: [],            // notices from the user:<n> room, newest first: {id, kind, course, until, reason, post}
  userRoom: null,         // this person's own notice room, from hello
  mutes: new Map(),       // course id -> when this person's mute there ends (ms; Infinity: not said)
};
let noticeSeq = 0;
const MAX_NOTICES = 5;
let transport = null;
let view = null;          // the forum page being shown (board or thread), or null
let coursesLoaded = null; // promise of the course.list of this connection
const threads = new Map(); // thread id -> last thread object seen (titles for breadcrumbs)
let local = null;         // per-user sets: mine, votes, follows
// The bell and its panel, on every page; its spoken summaries go through the one live region.
const notifications = createNotifications({
  bell: $('bell'), panel: $('notif-panel'),
  announce: (text) => announce(text),
  showError: (err) => { state.error = errorMessage(err); renderError(); },
});

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
  if (!hash || hash.startsWith('/')) return '';
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
  tr.on('open', async ({ hello }) => {
    if (transport !== tr) return;
    const first = !state.hello;
    state.hello = hello;
    setServerTime(hello.server && hello.server.time_ms);
    if (first) local = { mine: mine(hello.user.id), mineThreads: mine(`${hello.user.id}.threads`), votes: votes(hello.user.id), follows: follows(hello.user.id), flagged: flagged(hello.user.id), muted: mutedThreads(hello.user.id) };
    if (first) subscribeNotices(tr, hello.user.room);
    if (first) notifications.attach(tr); else notifications.reload();
    if (state.error && state.error.key && state.error.key.startsWith('error.')) state.error = null;
    coursesLoaded = loadCourses(tr);
    if (first) {
      await coursesLoaded;
      if (transport !== tr) return;
      render();
      if (state.goToDemoCourse && state.demo && parseRoute().name === 'home') {
        state.goToDemoCourse = false;
        location.hash = `#/course/${state.demo.course}`; // hashchange shows it, focus on its heading
        return;
      }
      showRoute({ focus: false });
      if (focus && parseRoute().name === 'home') el.accountHeading.focus();
    } else {
      renderStatus(false);
      if (view) view.onOpen();
      coursesLoaded.then(() => { if (transport === tr && !view) renderAccount(); });
    }
  });
  tr.on('event', (m) => {
    if (transport !== tr) return;
    if (state.userRoom && m.room === state.userRoom) {
      if (m.ev === 'notification') notifications.onEvent(m); else onNotice(m);
      return;
    }
    if (view) view.onEvent(m);
  });
  tr.on('state', (m) => { if (transport === tr && view) view.onState(m); });
  tr.on('resume', (r) => { if (transport === tr && view) view.onResume(r); });
  tr.on('gap', (g) => { if (transport === tr && view && view.onGap) view.onGap(g); });
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
      destroyView();
      render();
      el.token.focus();
      return;
    }
    renderError();
  });
  tr.connect().catch(() => { /* reported through the 'error' event */ });
}

async function loadCourses(tr) {
  try {
    const data = await tr.request('course.list', {});
    if (transport !== tr) return;
    state.courses = new Map((data.courses || []).map((c) => [c.id, c]));
  } catch (err) {
    if (transport === tr) { state.error = errorMessage(err); renderError(); }
  }
}

function disconnect() {
  destroyView();
  if (transport) {
    const tr = transport;
    transport = null;
    tr.close();
  }
  state.hello = null;
  state.courses = new Map();
  state.notices = [];
  state.mutes = new Map();
  state.userRoom = null;
  notifications.detach();
  renderNotices();
  state.status = 'signed_out';
  state.detail = null;
  coursesLoaded = null;
}

// ---- notices: the user:<n> room ---------------------------------------------------
// Things that happened to you (muted, a post of yours hidden...) arrive in your own room: a
// banner shows them until dismissed (a mute until it ends) and the live region reads them.

function subscribeNotices(tr, room) {
  if (!room || typeof room !== 'string') return;
  state.userRoom = room;
  tr.request('subscribe', { room }).then((data) => {
    if (transport !== tr) return;
    tr.lastSeq.set(room, data.seq);
    tr.subscribeRoom(room);
  }, () => { /* no notices on this server: the pages still work */ });
}

function onNotice(m) {
  const n = m.data && (m.data.notice || m.data);
  if (!n || typeof n.kind !== 'string') return;
  const notice = { id: ++noticeSeq, kind: n.kind, course: n.course, until: n.until ?? null, reason: n.reason ?? null, post: n.post ?? null, question: n.question ?? null };
  // A mute or unmute replaces the earlier mute notices of that course.
  if (notice.kind === 'muted') state.mutes.set(notice.course, notice.until ? untilMs(notice.until) : Infinity);
  if (notice.kind === 'unmuted') state.mutes.delete(notice.course);
  if (notice.kind === 'muted' || notice.kind === 'unmuted') {
    state.notices = state.notices.filter((x) => !((x.kind === 'muted' || x.kind === 'unmuted') && x.course === notice.course));
  }
  state.notices.unshift(notice);
  state.notices = state.notices.slice(0, MAX_NOTICES);
  renderNotices();
  announce(noticeText(notice));
  if (view && view.onNotice) view.onNotice(notice);
}

function noticeText(n) {
  const c = state.courses.get(n.course);
  const course = c ? c.title : t('account.course', { id: n.course });
  const reason = n.reason ? ` ${t('notice.reason', { reason: n.reason })}` : '';
  switch (n.kind) {
    case 'muted': return (n.until ? t('notice.muted', { course, time: fullDate(untilMs(n.until)) }) : t('notice.muted_no_time', { course })) + reason;
    case 'unmuted': return t('notice.unmuted', { course });
    case 'post_hidden': return t('notice.post_hidden', { course }) + reason;
    case 'post_removed': return t('notice.post_removed', { course }) + reason;
    case 'post_restored': return t('notice.post_restored', { course });
    case 'question_dismissed': return t('notice.question_dismissed', { course }) + reason;
    case 'question_answered': return t('notice.question_answered', { course });
    default: return t('notice.other', { course });
  }
}

// When this person is muted in a course, as the notices told: ms, or null.
function mutedUntil(courseId) {
  const until = state.mutes.get(courseId);
  if (until === undefined) return null;
  if (until <= serverNow()) { state.mutes.delete(courseId); return null; }
  return until;
}

function renderNotices() {
  if (!el.notices) return;
  const now = serverNow();
  state.notices = state.notices.filter((n) => !(n.kind === 'muted' && n.until && untilMs(n.until) <= now));
  el.notices.replaceChildren();
  el.notices.hidden = state.notices.length === 0;
  if (!state.notices.length) return;
  el.notices.append(h('h2', { class: 'visually-hidden', id: 'notices-heading' }, t('notice.heading')));
  const list = h('ul', { class: 'notice-list', aria: { labelledby: 'notices-heading' } });
  for (const n of state.notices) {
    const dismiss = h('button', { type: 'button', class: 'button small', id: `notice-dismiss-${n.id}`,
                                  aria: { label: t('notice.dismiss_label') },
                                  on: { click: () => {
                                    const i = state.notices.findIndex((x) => x.id === n.id);
                                    state.notices = state.notices.filter((x) => x.id !== n.id);
                                    renderNotices();
                                    const next = state.notices[Math.min(i, state.notices.length - 1)];
                                    const target = next ? document.getElementById(`notice-dismiss-${next.id}`) : null;
                                    if (target) target.focus(); else focusHeading();
                                  } } }, t('notice.dismiss'));
    list.append(h('li', { class: `notice-banner kind-${n.kind}`, data: { kind: n.kind } }, h('p', {}, noticeText(n)), dismiss));
  }
  el.notices.append(list);
}

function closeKey(code) {
  const key = `close.${code}`;
  return t(key) === key ? 'close.1006' : key;
}

function errorMessage(err) {
  const code = err && err.code ? String(err.code) : 'internal';
  if (code === 'muted') return { text: errorText(err) };
  if (code === 'rate_limited' && err.retryAfterMs > 0) {
    return { key: 'error.rate_limited_wait', params: { seconds: Math.ceil(err.retryAfterMs / 1000) } };
  }
  const key = `error.${code}`;
  return t(key) === key ? { key: 'error.unknown', params: { code } } : { key, params: {} };
}

// ---- routing ----------------------------------------------------------------

function parseRoute(hash = location.hash) {
  const mod = /^#\/course\/(\d{1,15})\/moderation$/.exec(hash);
  const search = /^#\/course\/(\d{1,15})\/search(?:\?(.*))?$/.exec(hash);
  if (search) return { name: 'search', id: Number(search[1]), params: parseSearchParams(search[2]) };
  const live = /^#\/session\/(\d{1,15})(\/present)?$/.exec(hash);
  if (live) return { name: live[2] ? 'present' : 'session', id: Number(live[1]) };
  if (mod) return { name: 'moderation', id: Number(mod[1]) };
  const m = /^#\/(course|thread)\/(\d{1,15})(?:\?(.*))?$/.exec(hash);
  if (!m) return { name: 'home' };
  const id = Number(m[2]);
  if (m[1] === 'thread') {
    const post = new URLSearchParams(m[3] || '').get('post');
    return { name: 'thread', id, post: post && /^\d{1,15}$/.test(post) ? Number(post) : null };
  }
  const sort = new URLSearchParams(m[3] || '').get('sort');
  return { name: 'course', id, sort: SORTS.includes(sort) ? sort : 'latest' };
}

function destroyView() {
  if (!view) return;
  const v = view;
  view = null;
  v.destroy();
  el.forum.replaceChildren();
}

function showRoute({ focus }) {
  const r = parseRoute();
  if (!state.hello) {
    destroyView();
    const waiting = r.name !== 'home' && state.status !== 'signed_out';
    el.home.hidden = waiting;
    el.forum.hidden = !waiting;
    if (waiting) {
      el.forum.replaceChildren(h('h1', { id: 'page-heading', tabindex: '-1' }, t('status.connecting')));
    }
    document.title = t('app.name');
    return;
  }
  if (r.name === 'home') {
    destroyView();
    el.forum.hidden = true;
    el.home.hidden = false;
    document.title = t('app.name');
    renderAccount();
    if (focus) el.accountHeading.focus();
    return;
  }
  // Another sort of the board on show: the list changes, focus stays on the sort link.
  if (view && view.kind === 'course' && r.name === 'course' && view.courseId === r.id) {
    view.setSort(r.sort);
    return;
  }
  // Another search in the same course: the results change, focus stays in the form.
  if (view && view.kind === 'search' && r.name === 'search' && view.courseId === r.id) {
    view.setParams(r.params);
    return;
  }
  destroyView();
  state.error = null;
  renderError();
  el.home.hidden = true;
  el.forum.hidden = false;
  const ctx = makeContext();
  view = r.name === 'course' ? createBoard(ctx, { courseId: r.id, sort: r.sort })
    : r.name === 'moderation' ? createModeration(ctx, { courseId: r.id })
    : r.name === 'session' ? createLive(ctx, { sessionId: r.id })
    : r.name === 'present' ? createPresenter(ctx, { sessionId: r.id })
    : r.name === 'search' ? createSearch(ctx, { courseId: r.id, params: r.params })
    : createThread(ctx, { threadId: r.id, postId: r.post });
  view.kind = r.name;
  view.mount(el.forum);
  if (focus) {
    window.scrollTo(0, 0);
    focusHeading();
  }
}

function focusHeading() {
  const heading = $('page-heading');
  if (heading) heading.focus();
}

// What the forum pages get from the shell.
function makeContext() {
  const tr = transport;
  return {
    transport: tr,
    user: state.hello.user,
    writeTimeoutMs: 30000,
    ...local,
    course: async (id) => { if (coursesLoaded) await coursesLoaded; return state.courses.get(id) || null; },
    courseNow: (id) => state.courses.get(id) || null,
    isStaff: (id) => isStaff(id),
    canWrite: (id) => {
      const c = state.courses.get(id);
      if (c) return c.access === 'write';
      return isStaff(id);
    },
    roleName,
    authorName: (author, isMine) => (author ? author.name : isMine ? state.hello.user.name : t('post.anonymous')),
    breadcrumbs,
    setTitle: (text) => { document.title = `${text} · ${t('app.name')}`; },
    focusHeading,
    navigate: (hash) => { location.hash = hash; },
    showError: (err) => { state.error = { text: errorText(err) }; renderError(); },
    say: (text) => announce(text),
    announcePost: (post) => announceItem('posts', post.author ? post.author.name : t('post.anonymous')),
    announceThread: (th) => announceItem('threads', th.title),
    announceFlag: (title) => announceItem('flags', title),
    mutedUntil: (courseId) => mutedUntil(courseId),
    rememberThread: (th) => { if (th && th.id) threads.set(th.id, th); },
    knownThread: (id) => threads.get(id) || null,
  };
}

function isStaff(courseId) {
  const user = state.hello && state.hello.user;
  if (!user) return false;
  if (user.admin) return true;
  const c = state.courses.get(courseId);
  const role = c ? c.role : (user.courses || {})[String(courseId)];
  return STAFF.has(role);
}

function roleName(role) {
  if (ROLES.includes(role) || role === 'admin') return t(`role.${role}`);
  return t('role.unknown', { role: String(role) });
}

function breadcrumbs(items) {
  const ol = h('ol', {}, h('li', {}, h('a', { href: '#/' }, t('nav.courses'))));
  for (const it of items) {
    ol.append(h('li', {}, h('a', { href: it.href }, it.label)));
  }
  return h('nav', { class: 'breadcrumbs', aria: { label: t('nav.breadcrumbs') } }, ol);
}

// ---- rendering --------------------------------------------------------------

function render() {
  renderStatic();
  renderNotices();
  renderStatus(false);
  renderDemo();
  renderAccount();
  renderError();
}

function renderStatic() {
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  el.lang.value = getLang();
  if (!view) document.title = t('app.name');
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
  if (announceChange) announce(detail ? `${label}. ${detail}` : label, { status: true });
}

function renderDemo() {
  const show = !!(state.demo && state.demo.users && state.demo.users.length) && !state.hello;
  el.demo.hidden = !show;
  if (!show) return;
  el.demoUsers.replaceChildren(...state.demo.users.map((u) => h('li', {},
    h('button', { type: 'button', class: 'demo-user', data: { user: u.id }, on: { click: (e) => demoSignIn(u, e.currentTarget) } },
      h('span', { class: 'demo-name' }, u.name),
      h('span', { class: 'visually-hidden' }, ', '),
      h('span', { class: 'role', data: { role: u.role } }, roleName(u.role))))));
}

function renderAccount() {
  const hello = state.hello;
  el.signin.hidden = !!hello;
  el.account.hidden = !hello;
  el.serverVersion.textContent = hello && hello.server && hello.server.version
    ? t('app.server_version', { version: hello.server.version }) : '';
  el.whoami.hidden = !hello;
  if (!hello) return;
  const user = hello.user || {};

  // "Signed in as {name}" with the name as a text node inside <strong>, here and in the header.
  for (const target of [el.signedInAs, el.whoami]) {
    target.replaceChildren();
    for (const part of tParts('account.signed_in_as')) {
      if (part.param === 'name') target.append(h('strong', {}, user.name || user.id || ''));
      else target.append(part.text ?? `{${part.param}}`);
    }
  }
  el.adminNote.hidden = !user.admin;

  // The token's roles, with what course.list says about each course that exists here
  // (an admin's list also has courses without a role).
  const entries = new Map();
  for (const [id, role] of Object.entries(user.courses || {})) entries.set(Number(id), { id: Number(id), role, course: null });
  for (const c of state.courses.values()) entries.set(c.id, { id: c.id, role: c.role, course: c });
  const list = [...entries.values()].sort((a, b) => a.id - b.id);
  el.courses.replaceChildren();
  for (const { id, role, course } of list) {
    const name = course
      ? h('a', { class: 'course-name', href: `#/course/${id}` }, course.title)
      : h('span', { class: 'course-name' }, t('account.course', { id }));
    const li = h('li', { class: 'course' }, name, h('span', { class: 'visually-hidden' }, ': '));
    const badge = h('span', { class: 'role', data: { role: ROLES.includes(role) || role === 'admin' ? role : 'other' } }, roleName(role));
    const right = h('span', { class: 'course-tags' }, badge);
    if (course && course.access && course.access !== 'write') right.append(h('span', { class: 'access-note' }, t(`course.access.${course.access}`)));
    li.append(right);
    el.courses.append(li);
  }
  el.courses.hidden = list.length === 0;
  el.noCourses.hidden = list.length !== 0;
}

function renderError() {
  el.error.replaceChildren();
  if (!state.error) return;
  const text = state.error.text ?? t(state.error.key, state.error.params);
  el.error.append(h('p', {}, text));
}

// ---- announcements ----------------------------------------------------------
// One polite live region; at most one announcement per ANNOUNCE_EVERY_MS. Between two,
// news is gathered: "3 new replies" rather than three sentences.

const pending = { text: null, posts: [], threads: [], flags: [] };
let lastAnnounceAt = -Infinity;
let lastStatus = '';
let announceTimer = null;

function announce(text, { status = false } = {}) {
  if (status) {
    if (text === lastStatus) return;
    lastStatus = text;
  }
  // Two messages within one interval are read together, not the last one alone.
  pending.text = pending.text && !status ? `${pending.text} ${text}` : text;
  scheduleAnnounce();
}

function announceItem(kind, label) {
  pending[kind].push(label);
  scheduleAnnounce();
}

function scheduleAnnounce() {
  if (announceTimer) return;
  const wait = lastAnnounceAt + ANNOUNCE_EVERY_MS - performance.now();
  if (wait <= 0) flushAnnounce(); else announceTimer = setTimeout(flushAnnounce, wait);
}

function flushAnnounce() {
  announceTimer = null;
  const parts = [];
  if (pending.text) parts.push(pending.text);
  if (pending.threads.length === 1) parts.push(t('announce.thread', { title: pending.threads[0] }));
  else if (pending.threads.length > 1) parts.push(tn('announce.threads', pending.threads.length));
  if (pending.posts.length === 1) parts.push(t('announce.post', { name: pending.posts[0] }));
  else if (pending.posts.length > 1) parts.push(tn('announce.posts', pending.posts.length));
  if (pending.flags.length === 1) parts.push(t('announce.flag', { title: pending.flags[0] }));
  else if (pending.flags.length > 1) parts.push(tn('announce.flags', pending.flags.length));
  pending.text = null;
  pending.threads = [];
  pending.posts = [];
  pending.flags = [];
  if (!parts.length) return;
  const msg = parts.join(' ');
  lastAnnounceAt = performance.now();
  if (el.announcer.textContent === msg) {
    // The same words again: empty the region first so it is spoken again.
    el.announcer.textContent = '';
    setTimeout(() => { el.announcer.textContent = msg; }, 100);
  } else {
    el.announcer.textContent = msg;
  }
}

// ---- demo sign-in ---------------------------------------------------------------

async function loadDemo() {
  try {
    const res = await fetch('/dev/users', { cache: 'no-store' });
    // Read to the end whatever the status: a server without demo sign-in
    // answers 404, and a reply left unread counts as an aborted request.
    const text = await res.text();
    if (res.status !== 200) return;
    const data = JSON.parse(text);
    if (!data || !Array.isArray(data.users)) return;
    state.demo = { course: data.course, users: data.users.filter((u) => u && typeof u.id === 'string' && typeof u.name === 'string') };
    renderDemo();
  } catch { /* no demo on this server */ }
}

async function demoSignIn(user, button) {
  button.disabled = true;
  try {
    const res = await fetch(`/dev/token?user=${encodeURIComponent(user.id)}`, { cache: 'no-store' });
    const data = res.ok ? await res.json() : null;
    if (!data || !data.token) throw Object.assign(new Error('demo'), { code: 'bad_token' });
    state.goToDemoCourse = true;
    connect(data.token, { focus: true });
  } catch (err) {
    state.error = errorMessage(err);
    renderError();
  } finally {
    button.disabled = false;
  }
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
  showRoute({ focus: false });
  lastStatus = '';
  announce(t('account.signed_out'));
  el.signinHeading.focus();
});

el.lang.addEventListener('change', () => setLang(el.lang.value));
onLangChange(() => {
  render();
  notifications.render();
  if (view) view.render();
});

window.addEventListener('hashchange', () => {
  const tok = takeTokenFromFragment();
  if (tok) { connect(tok, { focus: true }); return; }
  showRoute({ focus: true });
});

// Relative times ("5 minutes ago") move on by themselves.
setInterval(() => {
  refreshTimes(document.body);
  if (state.notices.some((n) => n.kind === 'muted' && n.until && untilMs(n.until) <= serverNow())) renderNotices();
}, 30000);

initLang();
render();
// The button starts disabled in the HTML, so without this script the form never submits
// (a plain submit would put the token into the address).
el.connectButton.disabled = false;
loadDemo();
const fromFragment = takeTokenFromFragment();
const saved = fromFragment || loadToken();
if (saved) connect(saved);
showRoute({ focus: false });
