// The moderation console of a course (staff only): the flag queue, the audit log and the
// mutes, in three tabs. Kept live by the staff:<course> room: new flags appear, flags that
// were dismissed or resolved leave, and every staff action lands at the top of the audit log.
import { t } from './i18n.js';
import { h, tn, timeEl, errorText, fullDate, untilMs, serverNow } from './ui.js';
import { renderMarkdown } from './markdown.js';
import { hidePost, removePost, directWrite, showHistory, muteUser } from './modactions.js';
import { LIMITS } from './protocol.js';

export const AUDIT_ACTIONS = ['post.hide', 'post.restore', 'post.remove', 'post.endorse', 'post.unendorse',
  'thread.lock', 'thread.unlock', 'thread.pin', 'thread.unpin', 'user.mute', 'user.unmute', 'flag.dismiss'];
const TABS = ['flags', 'audit', 'mutes'];
const AUDIT_PAGE = 30;

export function createModeration(ctx, { courseId }) {
  const room = `staff:${courseId}`;
  const st = {
    alive: false, tab: 'flags', denied: false, error: null,
    flags: [], flagsLoaded: false, flagsError: null, buffer: [],
    audit: [], auditCursor: null, auditFilter: '', auditLoaded: false, auditLoading: false, auditError: null,
    mutes: new Map(), mutesLoaded: false,
    people: new Map(),
  };
  let root = null;
  let gen = 0;
  const panels = {};
  const tabs = {};

  const see = (u) => { if (u && u.id && u.name && u.id !== ctx.user.id) st.people.set(u.id, { id: u.id, name: u.name }); };
  const nameOf = (id) => (st.people.get(id) || {}).name || id;

  // ---- data -----------------------------------------------------------------

  async function start() {
    render();
    await ctx.course(courseId);
    if (!st.alive) return;
    if (!ctx.isStaff(courseId)) { st.denied = true; render(); return; }
    render();
    subscribe();
    loadPeople();
  }

  function subscribe() {
    const my = ++gen;
    ctx.transport.request('subscribe', { room }).then((data) => {
      if (!st.alive || my !== gen) return;
      ctx.transport.lastSeq.set(room, data.seq);
      ctx.transport.subscribeRoom(room);
      reloadAll();
    }, (err) => {
      if (!st.alive || my !== gen) return;
      if (err.code === 'forbidden') st.denied = true; else st.error = err;
      render();
    });
  }

  function reloadAll() {
    st.flagsLoaded = false;
    st.buffer = [];
    loadFlags();
    loadAudit({ more: false });
    loadMutes();
  }

  async function loadFlags() {
    const my = gen;
    try {
      const data = await ctx.transport.request('flag.list', { course: courseId });
      if (!st.alive || my !== gen) return;
      st.flags = (data.flags || []).slice();
      for (const f of st.flags) { see(f.flagger); if (f.post) see(f.post.author); if (f.thread) ctx.rememberThread({ ...f.thread, course: courseId }); }
      st.flagsLoaded = true;
      st.flagsError = null;
      const buffered = st.buffer;
      st.buffer = [];
      for (const m of buffered) apply(m, false);
      renderFlags();
    } catch (err) {
      if (!st.alive || my !== gen) return;
      st.flagsError = err;
      renderFlags();
    }
  }

  async function loadAudit({ more }) {
    const my = gen;
    const filter = st.auditFilter;
    st.auditLoading = true;
    renderAuditMore();
    try {
      const data = await ctx.transport.request('audit.list', {
        course: courseId, limit: AUDIT_PAGE, ...(filter ? { action: filter } : {}),
        ...(more && st.auditCursor ? { cursor: st.auditCursor } : {}),
      });
      if (!st.alive || my !== gen || filter !== st.auditFilter) return [];
      const have = new Set(more ? st.audit.map((e) => e.id) : []);
      const fresh = (data.entries || []).filter((e) => !have.has(e.id));
      for (const e of fresh) see(e.actor);
      st.audit = more ? st.audit.concat(fresh) : fresh;
      st.auditCursor = data.next_cursor || null;
      st.auditLoaded = true;
      st.auditError = null;
      if (more) { const list = root && root.querySelector('#audit-rows'); if (list) for (const e of fresh) list.append(auditRow(e)); }
      else renderAudit();
      return fresh;
    } catch (err) {
      if (!st.alive || my !== gen) return [];
      if (more) ctx.showError(err); else { st.auditError = err; renderAudit(); }
      return [];
    } finally {
      if (my === gen) st.auditLoading = false;
      if (st.alive) renderAuditMore();
    }
  }

  // Who is muted now, as the audit log tells it: the latest user.mute or user.unmute of each
  // person, kept when it is a mute that has not run out yet.
  async function loadMutes() {
    const my = gen;
    try {
      const [m, u] = await Promise.all(['user.mute', 'user.unmute'].map((action) =>
        ctx.transport.request('audit.list', { course: courseId, action, limit: LIMITS.audit_page_max })));
      if (!st.alive || my !== gen) return;
      const all = [...(m.entries || []), ...(u.entries || [])].sort((a, b) => a.created_at - b.created_at || a.id - b.id);
      st.mutes = new Map();
      for (const e of all) noteMute(e);
      st.mutesLoaded = true;
      renderMutes();
    } catch (err) {
      if (!st.alive || my !== gen) return;
      st.mutesLoaded = true;
      renderMutes(err);
    }
  }

  function noteMute(e, until = null) {
    if (!e || !e.subject) return;
    // A user's subject names them by their token id in `user` (its `id` is the server's own).
    const id = String(e.subject.user ?? e.subject.id);
    if (e.subject.name) see({ id, name: e.subject.name });
    if (e.action === 'user.unmute') { st.mutes.delete(id); return; }
    if (e.action !== 'user.mute') return;
    const end = until ?? e.until ?? (e.details && e.details.until) ?? null;
    st.mutes.set(id, { id, at: e.created_at, actor: e.actor, reason: e.reason, until: end === null ? null : untilMs(end) });
  }

  async function loadPeople() {
    try {
      const data = await ctx.transport.request('thread.list', { course: courseId, sort: 'latest' });
      for (const th of data.threads || []) { see(th.author); see(th.last_poster); }
    } catch { /* the people picker still has a text field */ }
  }

  // ---- live -----------------------------------------------------------------

  function apply(m, announce = true) {
    if (m.ev === 'audit.created' && m.data && m.data.entry) {
      const e = m.data.entry;
      see(e.actor);
      if (e.action === 'user.mute' || e.action === 'user.unmute') { noteMute(e); renderMutes(); }
      if (st.auditLoaded && (!st.auditFilter || st.auditFilter === e.action) && !st.audit.some((x) => x.id === e.id)) {
        st.audit.unshift(e);
        const list = root && root.querySelector('#audit-rows');
        if (list) { root.querySelector('#audit-empty')?.remove(); list.closest('table').hidden = false; list.prepend(auditRow(e, true)); }
      }
      return;
    }
    if (!st.flagsLoaded) { st.buffer.push(m); return; }
    const f = m.data && m.data.flag;
    if (!f) return;
    if (m.ev === 'flag.created') {
      if (st.flags.some((x) => x.id === f.id) || (f.state && f.state !== 'open')) return;
      see(f.flagger);
      if (f.post) see(f.post.author);
      st.flags.unshift(f);
      const list = root && root.querySelector('#flag-list');
      if (list) {
        root.querySelector('#flags-empty')?.remove();
        list.hidden = false;
        const node = flagItem(f);
        node.classList.add('arrived');
        list.prepend(node);
      }
      updateFlagCount();
      if (announce) ctx.announceFlag(f.thread ? f.thread.title : '');
    } else if (m.ev === 'flag.resolved') {
      dropFlags((x) => x.id === f.id);
    }
  }

  function dropFlags(match) {
    const gone = st.flags.filter(match);
    if (!gone.length) return;
    st.flags = st.flags.filter((x) => !match(x));
    for (const f of gone) {
      const node = root && root.querySelector(`#flag-${f.id}`);
      if (!node) continue;
      const hadFocus = node.contains(document.activeElement) || document.activeElement === document.body;
      const next = node.nextElementSibling || node.previousElementSibling;
      node.remove();
      if (hadFocus && !document.querySelector('dialog[open]')) {
        const target = next && next.querySelector('.flag-actions button');
        if (target) target.focus(); else document.getElementById('flags-heading')?.focus();
      }
    }
    if (!st.flags.length) renderFlags();
    updateFlagCount();
  }

  // ---- actions --------------------------------------------------------------

  const postName = (p) => (p && p.author ? p.author.name : t('post.anonymous'));
  const focusBack = (id) => () => document.getElementById(id) || document.getElementById('flags-heading');

  function onPost(p) {
    // A reply in the staff view: refresh every flag of that post.
    for (const f of st.flags) if (f.post && f.post.id === p.id) f.post = { ...f.post, ...p };
    for (const f of st.flags) if (f.post && f.post.id === p.id) replaceFlag(f);
  }

  function replaceFlag(f) {
    const node = root && root.querySelector(`#flag-${f.id}`);
    if (!node) return;
    const focusId = node.contains(document.activeElement) ? document.activeElement.id : null;
    const fresh = flagItem(f);
    node.replaceWith(fresh);
    if (focusId) document.getElementById(focusId)?.focus();
  }

  function flagActions(f) {
    const p = f.post || {};
    const bar = h('div', { class: 'flag-actions post-actions' });
    const name = postName(p);
    if (p.state === 'visible') {
      bar.append(h('button', { type: 'button', class: 'button small', id: `flag-${f.id}-hide`,
        on: { click: () => hidePost(ctx, p, { name, returnFocus: focusBack(`flag-${f.id}-hide`),
                                             done: (r) => { if (r && r.post) onPost(r.post); dropFlags((x) => x.post && x.post.id === p.id); } }) } },
        t('mod.hide')));
    } else if (p.state === 'hidden') {
      const b = h('button', { type: 'button', class: 'button small', id: `flag-${f.id}-restore`,
        on: { click: async () => {
          const r = await directWrite(ctx, b, 'post.restore', { post: p.id }, 'mod.restored_done');
          if (r && r.post) onPost(r.post);
          document.getElementById(`flag-${f.id}-hide`)?.focus();
        } } },
        t('mod.restore'));
      bar.append(b);
    }
    if (p.state !== 'deleted') {
      bar.append(h('button', { type: 'button', class: 'button small danger-outline', id: `flag-${f.id}-remove`,
        on: { click: () => removePost(ctx, p, { name, returnFocus: focusBack(`flag-${f.id}-remove`),
                                               done: (r) => { if (r && r.post) onPost(r.post); dropFlags((x) => x.post && x.post.id === p.id); } }) } },
        t('mod.remove')));
    }
    const dismiss = h('button', { type: 'button', class: 'button small', id: `flag-${f.id}-dismiss`,
      on: { click: async () => {
        const r = await directWrite(ctx, dismiss, 'flag.dismiss', { flag: f.id }, 'mod.dismissed_done');
        if (r) dropFlags((x) => x.id === f.id);
      } } }, t('mod.dismiss'));
    bar.append(dismiss);
    if (p.author && p.author.id !== ctx.user.id) {
      bar.append(h('button', { type: 'button', class: 'link-button', id: `flag-${f.id}-mute`,
        on: { click: () => openMute({ preset: p.author, returnFocus: focusBack(`flag-${f.id}-mute`) }) } },
        t('mod.mute_author', { name: p.author.name })));
    }
    if (p.edited_at && p.state !== 'deleted') {
      bar.append(h('button', { type: 'button', class: 'link-button', id: `flag-${f.id}-history`,
        on: { click: () => showHistory(ctx, p, { name, returnFocus: focusBack(`flag-${f.id}-history`) }) } }, t('mod.history')));
    }
    return bar;
  }

  function openMute({ preset = null, returnFocus }) {
    muteUser(ctx, {
      course: courseId, people: [...st.people.values()], preset, returnFocus,
      done: (reply, v) => {
        const m = reply && reply.mute;
        if (m && m.user) see(m.user);
        const id = m && m.user && m.user.id ? String(m.user.id) : v.user;
        st.mutes.set(id, { id, at: serverNow(), actor: { id: ctx.user.id, name: ctx.user.name }, reason: v.reason,
                           until: m && m.until ? untilMs(m.until) : null, name: m && m.user ? m.user.name : null });
        renderMutes();
      },
    });
  }

  async function unmute(m, button) {
    const r = await directWrite(ctx, button, 'user.unmute', { course: courseId, user: m.id }, null);
    if (!r) return;
    ctx.say(t('mod.unmuted_done', { name: m.name || nameOf(m.id) }));
    st.mutes.delete(m.id);
    renderMutes();
    document.getElementById('mute-open')?.focus();
  }

  // ---- rendering ------------------------------------------------------------

  function render() {
    if (!root) return;
    const active = document.activeElement;
    const focusId = active && root.contains(active) ? active.id : null;
    const course = ctx.courseNow(courseId);
    const title = course ? course.title : t('account.course', { id: courseId });
    ctx.setTitle(`${t('mod.heading')} · ${title}`);
    const head = h('div', { class: 'page-head' },
      ctx.breadcrumbs([{ label: title, href: `#/course/${courseId}` }]),
      h('h1', { id: 'page-heading', tabindex: '-1' }, t('mod.heading')),
      h('p', { class: 'course-meta' }, t('mod.intro', { course: title })));
    const parts = [head];
    if (st.denied) {
      parts.push(h('div', { class: 'notice error-notice' }, h('p', {}, t('mod.staff_only')),
        h('p', {}, h('a', { href: `#/course/${courseId}` }, t('thread.back_to_board')))));
      root.replaceChildren(...parts);
      return;
    }
    if (st.error) {
      parts.push(h('p', { class: 'notice error-notice' }, errorText(st.error)));
      root.replaceChildren(...parts);
      return;
    }
    const list = h('div', { class: 'tabs', role: 'tablist', aria: { label: t('mod.sections') } });
    for (const name of TABS) {
      const tab = h('button', { type: 'button', role: 'tab', class: 'tab', id: `tab-${name}`,
                                aria: { selected: String(st.tab === name), controls: `panel-${name}` },
                                tabindex: st.tab === name ? '0' : '-1',
                                on: { click: () => select(name, false), keydown: (e) => tabKey(e, name) } });
      tabs[name] = tab;
      list.append(tab);
    }
    parts.push(list);
    for (const name of TABS) {
      const panel = h('section', { role: 'tabpanel', class: 'tab-panel', id: `panel-${name}`, aria: { labelledby: `tab-${name}` }, tabindex: '0' });
      panel.hidden = st.tab !== name;
      panels[name] = panel;
      parts.push(panel);
    }
    root.replaceChildren(...parts);
    labelTabs();
    renderFlags();
    renderAudit();
    renderMutes();
    if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus();
  }

  function labelTabs() {
    if (!tabs.flags) return;
    tabs.flags.replaceChildren(t('mod.tab.flags'), ' ', h('span', { class: 'count-pill' }, st.flagsLoaded ? String(st.flags.length) : '…'));
    tabs.flags.setAttribute('aria-label', st.flagsLoaded ? tn('mod.tab.flags_count', st.flags.length) : t('mod.tab.flags'));
    tabs.audit.textContent = t('mod.tab.audit');
    tabs.mutes.replaceChildren(t('mod.tab.mutes'), ' ', h('span', { class: 'count-pill' }, String(activeMutes().length)));
    tabs.mutes.setAttribute('aria-label', tn('mod.tab.mutes_count', activeMutes().length));
  }

  function select(name, focus) {
    st.tab = name;
    for (const n of TABS) {
      tabs[n].setAttribute('aria-selected', String(n === name));
      tabs[n].tabIndex = n === name ? 0 : -1;
      panels[n].hidden = n !== name;
    }
    if (focus) tabs[name].focus();
  }

  // Arrow keys move between the tabs while one of them has focus (the ARIA tabs pattern).
  function tabKey(e, name) {
    const i = TABS.indexOf(name);
    let next = null;
    if (e.key === 'ArrowRight') next = TABS[(i + 1) % TABS.length];
    else if (e.key === 'ArrowLeft') next = TABS[(i + TABS.length - 1) % TABS.length];
    else if (e.key === 'Home') next = TABS[0];
    else if (e.key === 'End') next = TABS[TABS.length - 1];
    if (!next) return;
    e.preventDefault();
    select(next, true);
  }

  function updateFlagCount() { labelTabs(); const hd = root && root.querySelector('#flags-count'); if (hd) hd.textContent = flagsCountText(); }
  const flagsCountText = () => (st.flagsLoaded ? tn('mod.flags_open', st.flags.length) : '');

  function renderFlags() {
    const panel = panels.flags;
    if (!panel) return;
    const active = document.activeElement;
    const focusId = active && panel.contains(active) ? active.id : null;
    const parts = [h('div', { class: 'panel-head' }, h('h2', { id: 'flags-heading', tabindex: '-1' }, t('mod.flags_heading')),
      h('p', { class: 'panel-count', id: 'flags-count' }, flagsCountText()))];
    if (st.flagsError) parts.push(h('p', { class: 'notice error-notice' }, errorText(st.flagsError)));
    else if (!st.flagsLoaded) parts.push(h('p', { class: 'loading' }, t('board.loading')));
    const list = h('ol', { class: 'flag-list', id: 'flag-list', aria: { labelledby: 'flags-heading' } });
    for (const f of st.flags) list.append(flagItem(f));
    list.hidden = !st.flags.length;
    parts.push(list);
    if (st.flagsLoaded && !st.flags.length) parts.push(h('p', { class: 'empty', id: 'flags-empty' }, t('mod.flags_empty')));
    panel.replaceChildren(...parts);
    labelTabs();
    if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus();
    else if (focusId) document.getElementById('flags-heading')?.focus();
  }

  function flagItem(f) {
    const p = f.post || {};
    const th = f.thread || {};
    const headingId = `flag-${f.id}-title`;
    const author = p.author
      ? [h('span', { class: 'author' }, p.author.name), p.anonymous ? h('span', { class: 'anon-marker' }, t('mod.anonymous_to_classmates')) : null]
      : [h('span', { class: 'author anonymous' }, t('post.anonymous'))];
    const quote = h('div', { class: `flagged-post post${p.state && p.state !== 'visible' ? ` ${p.state}` : ''}` },
      h('p', { class: 'post-head' }, t('mod.post_by'), ' ', author,
        h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '), p.created_at ? timeEl(p.created_at) : null,
        p.edited_at ? h('span', { class: 'edited', title: fullDate(p.edited_at) }, t('post.edited')) : null,
        p.state === 'hidden' ? h('span', { class: 'badge hidden' }, t('mod.state.hidden')) : null,
        p.state === 'deleted' ? h('span', { class: 'badge hidden' }, t('mod.state.deleted')) : null),
      p.body === null || p.body === undefined ? h('p', { class: 'placeholder' }, t('post.deleted')) : h('div', { class: 'post-body' }, renderMarkdown(p.body, { headingLevel: 4 })));
    return h('li', { class: 'flag-item card', id: `flag-${f.id}`, data: { flag: f.id, post: p.id }, aria: { labelledby: headingId } },
      h('h3', { class: 'flag-title', id: headingId }, th.id ? h('a', { href: `#/thread/${th.id}` }, th.title || t('mod.thread_n', { id: th.id })) : t('mod.thread_unknown')),
      h('p', { class: 'flag-meta' }, t('mod.flagged_by', { name: f.flagger ? f.flagger.name : '?' }), ' ', timeEl(f.created_at)),
      h('p', { class: 'flag-reason' }, h('strong', {}, t('mod.flag_reason_label')), ' ', f.reason || ''),
      quote,
      flagActions(f));
  }

  function renderAudit() {
    const panel = panels.audit;
    if (!panel) return;
    const active = document.activeElement;
    const focusId = active && panel.contains(active) ? active.id : null;
    const filter = h('select', { id: 'audit-filter', on: { change: () => {
      st.auditFilter = filter.value;
      st.auditLoaded = false;
      st.audit = [];
      st.auditCursor = null;
      renderAuditBody();
      loadAudit({ more: false });
    } } },
    h('option', { value: '' }, t('mod.audit_all')),
    AUDIT_ACTIONS.map((a) => h('option', { value: a }, t(`mod.action.${a}`))));
    filter.value = st.auditFilter;
    panel.replaceChildren(
      h('div', { class: 'panel-head' }, h('h2', { id: 'audit-heading', tabindex: '-1' }, t('mod.audit_heading')),
        h('div', { class: 'filter' }, h('label', { for: 'audit-filter' }, t('mod.audit_filter')), filter)),
      h('div', { id: 'audit-body' }),
      h('div', { class: 'more', id: 'audit-more' }));
    renderAuditBody();
    renderAuditMore();
    if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus();
  }

  function renderAuditBody() {
    const body = root && root.querySelector('#audit-body');
    if (!body) return;
    const parts = [];
    if (st.auditError) parts.push(h('p', { class: 'notice error-notice' }, errorText(st.auditError)));
    else if (!st.auditLoaded) parts.push(h('p', { class: 'loading' }, t('board.loading')));
    const rows = h('tbody', { id: 'audit-rows' });
    for (const e of st.audit) rows.append(auditRow(e));
    const table = h('table', { class: 'audit' },
      h('caption', { class: 'visually-hidden' }, t('mod.audit_heading')),
      h('thead', {}, h('tr', {}, ['when', 'who', 'action', 'subject', 'reason'].map((c) => h('th', { scope: 'col' }, t(`mod.col.${c}`))))),
      rows);
    table.hidden = !st.audit.length;
    parts.push(h('div', { class: 'table-wrap' }, table));
    if (st.auditLoaded && !st.audit.length) parts.push(h('p', { class: 'empty', id: 'audit-empty' }, t('mod.audit_empty')));
    body.replaceChildren(...parts);
  }

  function subjectEl(s) {
    if (!s) return '';
    if (s.kind === 'thread') {
      const th = ctx.knownThread(Number(s.id));
      return h('a', { href: `#/thread/${s.id}` }, th ? th.title : t('mod.thread_n', { id: s.id }));
    }
    if (s.kind === 'post') return t('mod.post_n', { id: s.id });
    if (s.kind === 'flag') return t('mod.flag_n', { id: s.id });
    if (s.kind === 'user') return s.name || nameOf(String(s.user ?? s.id));
    return `${s.kind} ${s.id}`;
  }

  function auditRow(e, arrived = false) {
    const label = t(`mod.action.${e.action}`);
    return h('tr', { class: arrived ? 'arrived' : null, data: { entry: e.id, action: e.action } },
      h('td', {}, timeEl(e.created_at)),
      h('td', {}, e.actor ? e.actor.name : ''),
      h('td', {}, label === `mod.action.${e.action}` ? e.action : label),
      h('td', {}, subjectEl(e.subject)),
      h('td', { class: 'reason' }, e.reason || h('span', { class: 'muted-text' }, t('mod.no_reason'))));
  }

  function renderAuditMore() {
    const more = root && root.querySelector('#audit-more');
    if (!more) return;
    more.replaceChildren();
    if (st.auditLoaded && st.auditCursor) {
      const b = h('button', { type: 'button', class: 'button', id: 'audit-load-more', on: { click: async () => {
        const fresh = await loadAudit({ more: true });
        const first = fresh.length && root.querySelector(`#audit-rows tr[data-entry="${fresh[0].id}"] td`);
        if (first) { first.tabIndex = -1; first.focus(); }
      } } }, t(st.auditLoading ? 'board.loading' : 'mod.audit_more'));
      b.disabled = st.auditLoading;
      more.append(b);
    }
  }

  function activeMutes() {
    const now = serverNow();
    return [...st.mutes.values()].filter((m) => m.until === null || m.until > now);
  }

  function renderMutes(err = null) {
    const panel = panels.mutes;
    if (!panel) return;
    const active = document.activeElement;
    const focusId = active && panel.contains(active) ? active.id : null;
    const open = h('button', { type: 'button', class: 'button primary', id: 'mute-open',
                               on: { click: () => openMute({ returnFocus: () => document.getElementById('mute-open') }) } }, t('mod.mute_open'));
    const parts = [h('div', { class: 'panel-head' }, h('h2', { id: 'mutes-heading', tabindex: '-1' }, t('mod.mutes_heading')), open),
      h('p', { class: 'hint' }, t('mod.mutes_hint'))];
    if (err) parts.push(h('p', { class: 'notice error-notice' }, errorText(err)));
    else if (!st.mutesLoaded) parts.push(h('p', { class: 'loading' }, t('board.loading')));
    const list = h('ul', { class: 'mute-list', id: 'mute-list', aria: { labelledby: 'mutes-heading' } });
    for (const m of activeMutes().sort((a, b) => b.at - a.at)) {
      const who = m.name || nameOf(m.id);
      const b = h('button', { type: 'button', class: 'button small', id: `unmute-${m.id.replace(/[^A-Za-z0-9_-]/g, '_')}`,
                              aria: { label: t('mod.unmute_label', { name: who }) }, on: { click: () => unmute(m, b) } }, t('mod.unmute'));
      list.append(h('li', { class: 'mute-item', data: { user: m.id } },
        h('div', {},
          h('p', { class: 'mute-who' }, h('strong', {}, who), who !== m.id ? h('span', { class: 'muted-text' }, ` (${m.id})`) : null),
          h('p', { class: 'mute-meta' }, m.until !== null ? t('mod.mute_until', { time: fullDate(m.until) }) : t('mod.mute_until_unknown'),
            ' · ', t('mod.mute_by', { name: m.actor ? m.actor.name : '?' }), ' ', timeEl(m.at)),
          m.reason ? h('p', { class: 'mute-reason' }, h('strong', {}, t('mod.flag_reason_label')), ' ', m.reason) : null),
        b));
    }
    list.hidden = !list.children.length;
    parts.push(list);
    if (st.mutesLoaded && !list.children.length) parts.push(h('p', { class: 'empty' }, t('mod.mutes_empty')));
    panel.replaceChildren(...parts);
    labelTabs();
    if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus();
    else if (focusId) document.getElementById('mute-open')?.focus();
  }

  return {
    room,
    get rooms() { return [room]; },
    get courseId() { return courseId; },
    mount(container) { root = container; st.alive = true; start(); },
    render() { render(); },
    destroy() {
      st.alive = false;
      if (!st.denied) {
        ctx.transport.unsubscribeRoom(room);
        ctx.transport.request('unsubscribe', { room }).catch(() => {});
      }
    },
    onEvent(m) { if (m.room === room) apply(m); },
    onState() {},
    onResume(r) {
      if (r.room !== room) return;
      if (!r.ok) { if (r.error && r.error.code === 'forbidden') st.denied = true; else st.error = r.error; render(); return; }
      if (r.data && r.data.mode === 'snapshot') { gen++; reloadAll(); }
    },
    onGap(g) { if (g.room === room) subscribe(); },
    onOpen() {},
  };
}
