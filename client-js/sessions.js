// The "Live sessions" part of a course board: the course's sessions (live ones first, with
// a way to join; scheduled ones with their start time), kept live by session.created and
// session.updated in the course:<id> room the board already follows. Staff also get the
// form to schedule a session and the Start / End buttons.
//
//   const s = createSessionsSection(ctx, courseId);
//   parent.append(s.el); s.load(); ... s.onEvent(m); s.render(); s.destroy();
import { t } from './i18n.js';
import { h, errorText, fullDate, isBlank, charCount, formatNumber } from './ui.js';
import { newKey } from './transport.js';
import { LIMITS } from './protocol.js';
import { stateBadge } from './questions.js';

const RANK = { live: 0, scheduled: 1, ended: 2 };
const ORDER = (a, b) => (RANK[a.state] - RANK[b.state])
  || (a.state === 'scheduled' ? a.starts_at - b.starts_at : (b.started_at || b.starts_at * 1000) - (a.started_at || a.starts_at * 1000))
  || (b.id - a.id);
const SHOW_ENDED = 5;

const pad = (n) => String(n).padStart(2, '0');
const dateValue = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const timeValue = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

export function createSessionsSection(ctx, courseId) {
  const st = { sessions: [], loaded: false, error: null, formOpen: false, busy: new Set(), alive: true,
               form: null, formError: null, sending: false, key: null, keyText: null };
  const el = h('section', { class: 'sessions-section', id: 'live-sessions', aria: { labelledby: 'sessions-heading' } });
  const staff = () => ctx.isStaff(courseId);

  async function load() {
    try {
      const data = await ctx.transport.request('session.list', { course: courseId });
      if (!st.alive) return;
      st.sessions = data.sessions || [];
      st.loaded = true;
      st.error = null;
    } catch (err) {
      if (!st.alive) return;
      st.error = err;
    }
    render();
  }

  function upsert(s) {
    const i = st.sessions.findIndex((x) => x.id === s.id);
    if (i >= 0) st.sessions[i] = { ...st.sessions[i], ...s }; else st.sessions.push(s);
  }

  function onEvent(m) {
    if (m.room !== `course:${courseId}`) return;
    if ((m.ev === 'session.created' || m.ev === 'session.updated') && m.data && m.data.session) {
      const before = st.sessions.find((x) => x.id === m.data.session.id);
      upsert(m.data.session);
      if (m.data.session.state === 'live' && (!before || before.state !== 'live')) ctx.say(t('sessions.announce_live', { title: m.data.session.title }));
      if (st.loaded) render();
    }
  }

  async function setState(s, op) {
    const id = `${op}:${s.id}`;
    if (st.busy.has(id)) return;
    st.busy.add(id);
    try {
      const r = await ctx.transport.write(op, { session: s.id }, { timeoutMs: ctx.writeTimeoutMs });
      if (r && r.session) upsert(r.session);
      ctx.say(t(op === 'session.start' ? 'live.announce.session_live' : 'live.announce.session_ended'));
    } catch (err) {
      ctx.showError(err);
    } finally {
      st.busy.delete(id);
      render();
      document.getElementById(`session-${s.id}-link`)?.focus();
    }
  }

  function defaults() {
    const d = new Date(Date.now() + 3600000);
    d.setMinutes(0, 0, 0);
    return { title: '', date: dateValue(d), time: timeValue(d), premoderated: false };
  }

  async function submit(e) {
    e.preventDefault();
    const f = st.form;
    st.formError = null;
    const when = new Date(`${f.date}T${f.time}`);
    if (isBlank(f.title)) st.formError = { field: 'title', text: t('sessions.title_missing') };
    else if (charCount(f.title) > LIMITS.max_session_title_chars) st.formError = { field: 'title', text: t('sessions.title_too_long', { max: formatNumber(LIMITS.max_session_title_chars) }) };
    else if (!f.date || !f.time || Number.isNaN(when.getTime())) st.formError = { field: 'date', text: t('sessions.when_missing') };
    if (st.formError) {
      render();
      document.getElementById(st.formError.field === 'title' ? 'session-title' : 'session-date')?.focus();
      return;
    }
    if (st.sending) return;
    const data = { course: courseId, title: f.title.trim(), starts_at: Math.floor(when.getTime() / 1000), premoderated: !!f.premoderated };
    const text = JSON.stringify(data);
    if (!st.key || st.keyText !== text) { st.key = newKey(); st.keyText = text; }
    st.sending = true;
    render();
    try {
      const r = await ctx.transport.write('session.create', { ...data, key: st.key }, { timeoutMs: ctx.writeTimeoutMs });
      if (r && r.session) upsert(r.session);
      st.key = null;
      st.form = null;
      st.formOpen = false;
      ctx.say(t('sessions.scheduled', { title: data.title }));
      st.sending = false;
      render();
      document.getElementById(r && r.session ? `session-${r.session.id}-link` : 'schedule-toggle')?.focus();
      return;
    } catch (err) {
      st.formError = { field: null, text: errorText(err) };
    }
    st.sending = false;
    render();
  }

  function scheduleForm() {
    const f = st.form || (st.form = defaults());
    const input = (id, attrs, key) => {
      const node = h('input', { id, class: 'input', ...attrs,
                                aria: { invalid: st.formError && st.formError.field === key.replace('time', 'date') ? 'true' : null,
                                        describedby: st.formError && st.formError.field === key.replace('time', 'date') ? 'session-form-error' : null },
                                on: { input: () => { f[key] = node.value; } } });
      node.value = f[key];
      return node;
    };
    const premod = h('input', { type: 'checkbox', id: 'session-premod', aria: { describedby: 'session-premod-hint' },
                                on: { change: () => { f.premoderated = premod.checked; } } });
    premod.checked = f.premoderated;
    const button = h('button', { type: 'submit', class: 'button primary', id: 'session-submit' }, t(st.sending ? 'sessions.scheduling' : 'sessions.schedule_submit'));
    button.disabled = st.sending;
    return h('section', { class: 'card compose-card', id: 'schedule-panel', aria: { labelledby: 'schedule-heading' } },
      h('h3', { id: 'schedule-heading' }, t('sessions.schedule_heading')),
      h('form', { class: 'compose', id: 'schedule-form', novalidate: true, on: { submit } },
        h('div', { class: 'field' }, h('label', { for: 'session-title', class: 'field-label' }, t('sessions.title_label')),
          input('session-title', { type: 'text', autocomplete: 'off', maxlength: LIMITS.max_session_title_chars }, 'title')),
        h('div', { class: 'field-row' },
          h('div', { class: 'field' }, h('label', { for: 'session-date', class: 'field-label' }, t('sessions.date_label')),
            input('session-date', { type: 'date' }, 'date')),
          h('div', { class: 'field' }, h('label', { for: 'session-time', class: 'field-label' }, t('sessions.time_label')),
            input('session-time', { type: 'time' }, 'time'))),
        h('div', { class: 'check' }, premod, h('label', { for: 'session-premod' }, t('sessions.premoderated_label')),
          h('p', { class: 'hint', id: 'session-premod-hint' }, t('sessions.premoderated_hint'))),
        h('div', { class: 'form-error', role: 'alert', id: 'session-form-error' }, st.formError ? h('p', {}, st.formError.text) : null),
        h('div', { class: 'compose-actions' }, button,
          h('button', { type: 'button', class: 'button', on: { click: () => {
            st.formOpen = false; st.formError = null; render(); document.getElementById('schedule-toggle')?.focus();
          } } }, t('live.cancel')))));
  }

  function item(s) {
    const when = s.state === 'live' ? t('sessions.live_since', { time: fullDate(s.started_at || s.starts_at * 1000) })
      : s.state === 'ended' ? t('live.ended_at', { time: fullDate(s.ended_at || s.starts_at * 1000) })
      : t('live.starts', { time: fullDate(s.starts_at * 1000) });
    const titleId = `session-${s.id}-title`;
    const actions = h('div', { class: 'tool-buttons session-actions' });
    if (s.state === 'live') {
      actions.append(h('a', { href: `#/session/${s.id}`, class: 'button primary small', id: `session-${s.id}-join`, aria: { describedby: titleId } }, t('sessions.join')));
    }
    if (staff()) {
      if (s.state !== 'ended') actions.append(h('a', { href: `#/session/${s.id}/present`, class: 'button small', id: `session-${s.id}-present`, aria: { describedby: titleId } }, t('sessions.presenter')));
      if (s.state === 'scheduled') {
        actions.append(h('button', { type: 'button', class: 'button small', id: `session-${s.id}-start`, aria: { describedby: titleId },
                                     on: { click: () => setState(s, 'session.start') } }, t('sessions.start')));
      } else if (s.state === 'live') {
        actions.append(h('button', { type: 'button', class: 'button small danger-outline', id: `session-${s.id}-end`, aria: { describedby: titleId },
                                     on: { click: () => setState(s, 'session.end') } }, t('sessions.end')));
      }
    }
    return h('li', { class: `session-item state-${s.state}`, data: { session: s.id } },
      h('div', { class: 'session-main' },
        h('h3', { class: 'session-title', id: titleId }, h('a', { href: `#/session/${s.id}`, id: `session-${s.id}-link` }, s.title)),
        h('p', { class: 'session-meta' }, stateBadge(s), h('span', {}, when),
          s.premoderated ? h('span', { class: 'badge premod' }, t('sessions.premoderated_badge')) : null)),
      actions.children.length ? actions : null);
  }

  function render() {
    if (!st.alive) return;
    const active = document.activeElement;
    const focusId = active && el.contains(active) ? active.id : null;
    const parts = [h('div', { class: 'threads-head' }, h('h2', { id: 'sessions-heading' }, t('sessions.heading')))];
    if (staff()) {
      parts[0].append(h('button', { type: 'button', class: `button small${st.formOpen ? '' : ' primary'}`, id: 'schedule-toggle',
                                    aria: { expanded: String(st.formOpen), controls: 'schedule-panel' },
                                    on: { click: () => {
                                      st.formOpen = !st.formOpen;
                                      render();
                                      document.getElementById(st.formOpen ? 'session-title' : 'schedule-toggle')?.focus();
                                    } } }, t('sessions.schedule')));
      if (st.formOpen) parts.push(scheduleForm());
    }
    if (st.error && !st.loaded) parts.push(h('p', { class: 'notice error-notice' }, errorText(st.error)));
    else if (!st.loaded) parts.push(h('p', { class: 'loading' }, t('sessions.loading')));
    else {
      const list = [...st.sessions].sort(ORDER);
      const shown = list.filter((s) => s.state !== 'ended').concat(list.filter((s) => s.state === 'ended').slice(0, SHOW_ENDED));
      if (!shown.length) parts.push(h('p', { class: 'empty' }, t('sessions.empty')));
      else parts.push(h('ul', { class: 'session-list', aria: { labelledby: 'sessions-heading' } }, shown.map(item)));
    }
    el.replaceChildren(...parts);
    if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus();
  }

  return {
    el, load, render, onEvent,
    destroy() { st.alive = false; },
  };
}
