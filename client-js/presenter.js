// The presenter view (#/session/<id>/present), for the instructor's shared screen and the
// facilitators beside them: large text, high contrast, the question being answered big at
// the top, the queue sorted by votes with Answer now / Mark answered / Dismiss, the
// premoderation queue (approve with an optional fix, dismiss with a reason), the session's
// start and end, the exports and the move of unanswered questions to the forum.
//
// Keyboard shortcuts (J/K or arrows to move, Enter to answer now, A to mark answered) only
// work while the queue has focus, and only once turned on with the visible toggle (WCAG
// 2.1.4); the choice is kept in this browser.
import { t } from './i18n.js';
import { h, tn, timeEl, errorText, charCount, isBlank, formatNumber, fullDate } from './ui.js';
import { LIMITS } from './protocol.js';
import { createSessionStore, stateBadge, askerLabel, voteCount, keepFocus, createNewsTicker, downloadExport } from './questions.js';
import { createPollStore } from './polls.js';
import { createPollPresenter } from './pollpresent.js';

const POLL_SUMMARY_EVERY_MS = 6000; // a poll's results summary is spoken at most this often

const SHORTCUTS_STORE = 'forumd.presenter.shortcuts';
const NAMES_STORE = 'forumd.presenter.names';

function readFlag(key) {
  try { return localStorage.getItem(key) === '1'; } catch { return false; }
}
function writeFlag(key, on) {
  try { localStorage.setItem(key, on ? '1' : '0'); } catch { /* not kept */ }
}

export function createPresenter(ctx, { sessionId }) {
  const ui = {
    shortcuts: readFlag(SHORTCUTS_STORE), names: readFlag(NAMES_STORE), current: null,
    answering: new Map(),   // question id -> typed answer, while its "mark answered" form is open
    dismissing: new Map(),  // question id -> reason, while its "dismiss" form is open
    approving: new Map(),   // pending question id -> edited text
    busy: new Set(), confirmEnd: false, confirmBridge: false, bridged: null, exportStatus: '', toolError: null,
  };
  let root = null;
  let parts = null;
  let queued = false;
  const ticker = createNewsTicker(ctx);
  const summaryTicker = createNewsTicker(ctx, POLL_SUMMARY_EVERY_MS);

  const store = createSessionStore(ctx, sessionId, {
    changed(what, q, live) {
      if (live && what === 'new' && q) ticker.question(q.body);
      if (live && what === 'pending' && q) ticker.say(tn('present.announce.pending', pendingList().length), 'pending');
      if (what === 'snapshot' || what === 'error') { render(); return; }
      schedule();
    },
    snapshot: (data) => polls.fromSnapshot(data),
    message: (m, live) => polls.apply(m, live),
  });
  const polls = createPollStore(ctx, sessionId, {
    isStaff: () => store.isStaff(),
    changed: (what, id, live) => pollsUi.changed(what, id, live),
  });
  const pollsUi = createPollPresenter(ctx, polls, { summaryTicker });

  const isStaff = () => store.isStaff();
  const queueList = () => store.sorted('votes', (q) => q.state === 'visible');
  const pendingList = () => store.sorted('newest', (q) => q.state === 'pending').reverse();

  function schedule() {
    if (queued) return;
    queued = true;
    Promise.resolve().then(() => { queued = false; if (store.alive) renderLive(); });
  }

  async function act(id, fn, { fail, focus } = {}) {
    if (ui.busy.has(id)) return;
    ui.busy.add(id);
    try {
      await fn();
    } catch (err) {
      if (fail) fail(err); else ctx.showError(err);
    } finally {
      ui.busy.delete(id);
      renderLive();
      if (focus) focus();
    }
  }

  // ---- the queue's actions ------------------------------------------------------

  // Where focus goes once a question leaves the queue: its neighbour, else the queue heading.
  function neighbourOf(id) {
    const list = queueList();
    const i = list.findIndex((x) => x.id === id);
    const next = list[i + 1] || list[i - 1] || null;
    return next ? next.id : null;
  }
  function focusQueue(id) {
    const target = (id && document.getElementById(`pq-${id}`)) || document.getElementById('present-queue-heading');
    if (target) target.focus();
  }

  function highlight(q) {
    const next = neighbourOf(q.id);
    act(`hl:${q.id}`, async () => {
      await store.highlight(q);
      ctx.say(t('present.announce.highlighted', { body: q.body }));
      ui.current = next;
    }, { focus: () => focusQueue(next) });
  }

  function markAnswered(q, answer, from) {
    const next = from === 'queue' ? neighbourOf(q.id) : null;
    act(`ans:${q.id}`, async () => {
      await store.answer(q, answer);
      ui.answering.delete(q.id);
      ctx.say(t('present.announce.answered'));
      if (next) ui.current = next;
    }, { focus: () => (from === 'queue' ? focusQueue(next) : document.getElementById('present-now-heading')?.focus()) });
  }

  function dismiss(q, reason) {
    const pending = q.state === 'pending';
    const next = pending ? null : neighbourOf(q.id);
    act(`dis:${q.id}`, async () => {
      await store.dismiss(q, reason);
      ui.dismissing.delete(q.id);
      ui.approving.delete(q.id);
      ctx.say(t('present.announce.dismissed'));
    }, { focus: () => (pending ? document.getElementById('present-pending-heading')?.focus() : focusQueue(next)) });
  }

  function approve(q) {
    const text = ui.approving.get(q.id);
    const body = text !== undefined && text !== q.body ? text : undefined;
    if (body !== undefined && (isBlank(body) || charCount(body) > LIMITS.max_question_chars)) {
      ctx.showError({ code: isBlank(body) ? 'bad_field' : 'too_long' });
      return;
    }
    act(`ap:${q.id}`, async () => {
      await store.approve(q, body);
      ui.approving.delete(q.id);
      ctx.say(t('present.announce.approved'));
    }, { focus: () => document.getElementById('present-pending-heading')?.focus() });
  }

  function onQueueKey(e) {
    if (!ui.shortcuts || e.altKey || e.ctrlKey || e.metaKey) return;
    const li = e.target.closest && e.target.closest('li.queue-item');
    if (!li || e.target !== li) return; // typing in a field or pressing a button stays as it is
    const list = queueList();
    const i = list.findIndex((x) => x.id === Number(li.dataset.question));
    if (i < 0) return;
    const move = (j) => {
      const q = list[Math.max(0, Math.min(list.length - 1, j))];
      ui.current = q.id;
      setRoving();
      document.getElementById(`pq-${q.id}`)?.focus();
    };
    const k = e.key;
    if (k === 'j' || k === 'J' || k === 'ArrowDown') move(i + 1);
    else if (k === 'k' || k === 'K' || k === 'ArrowUp') move(i - 1);
    else if (k === 'Home') move(0);
    else if (k === 'End') move(list.length - 1);
    else if (k === 'Enter') highlight(list[i]);
    else if (k === 'a' || k === 'A') markAnswered(list[i], undefined, 'queue');
    else return;
    e.preventDefault();
  }

  function setRoving() {
    const ol = document.getElementById('present-queue');
    if (!ol) return;
    const items = [...ol.querySelectorAll(':scope > li.queue-item')];
    if (!items.some((li) => Number(li.dataset.question) === ui.current)) ui.current = items.length ? Number(items[0].dataset.question) : null;
    for (const li of items) li.tabIndex = Number(li.dataset.question) === ui.current ? 0 : -1;
  }

  // ---- rendering --------------------------------------------------------------

  function render() {
    if (!root) return;
    parts = {
      head: h('div', { class: 'page-head' }),
      now: h('section', { class: 'present-now', aria: { labelledby: 'present-now-heading' } }),
      polls: h('section', { class: 'present-polls', aria: { labelledby: 'present-polls-heading' } }),
      queue: h('section', { class: 'present-queue', aria: { labelledby: 'present-queue-heading' } }),
      pending: h('section', { class: 'present-pending', aria: { labelledby: 'present-pending-heading' } }),
      answered: h('section', { class: 'present-answered', aria: { labelledby: 'present-answered-heading' } }),
      tools: h('section', { class: 'present-tools', aria: { labelledby: 'present-tools-heading' } }),
    };
    root.replaceChildren(h('div', { class: 'presenter' }, parts.head, parts.now, parts.polls, parts.pending, parts.queue, parts.answered, parts.tools));
    renderLive();
  }

  function renderLive() {
    if (!root || !parts) return;
    keepFocus(root, () => {
      renderHead();
      const ready = store.loaded && isStaff();
      for (const k of ['now', 'polls', 'queue', 'pending', 'answered', 'tools']) parts[k].hidden = !ready;
      if (!ready) return;
      if (!parts.polls.firstChild) pollsUi.mount(parts.polls);
      renderNow();
      renderPending();
      renderQueue();
      renderAnswered();
      renderTools();
    });
  }

  function renderHead() {
    const s = store.session;
    const course = s ? ctx.courseNow(s.course) : null;
    const title = s ? s.title : t('live.title_loading');
    ctx.setTitle(t('present.title', { title }));
    const crumbs = s ? [{ href: `#/course/${s.course}`, label: course ? course.title : t('account.course', { id: s.course }) },
                        { href: `#/session/${sessionId}`, label: s.title }] : [];
    const out = [ctx.breadcrumbs(crumbs),
      h('h1', { id: 'page-heading', tabindex: '-1' }, h('span', { class: 'present-kicker' }, t('present.heading')), ' ', h('span', {}, title))];
    if (!store.loaded) {
      out.push(store.error ? h('p', { class: 'notice error-notice' }, errorText(store.error)) : h('p', { class: 'loading' }, t('live.loading')));
    } else if (!isStaff()) {
      out.push(h('p', { class: 'notice' }, t('present.staff_only'), ' ', h('a', { href: `#/session/${sessionId}` }, t('present.participant_link'))));
    } else {
      const ctl = h('div', { class: 'tool-buttons session-controls' });
      if (s.state === 'scheduled') {
        ctl.append(h('button', { type: 'button', class: 'button primary', id: 'present-start',
                                 on: { click: () => act('start', async () => { await store.setState('session.start'); ctx.say(t('live.announce.session_live')); },
                                   { focus: () => document.getElementById('present-end')?.focus() }) } }, t('sessions.start')));
      } else if (s.state === 'live' && !ui.confirmEnd) {
        ctl.append(h('button', { type: 'button', class: 'button', id: 'present-end',
                                 on: { click: () => { ui.confirmEnd = true; renderLive(); document.getElementById('present-end-yes')?.focus(); } } },
          t('sessions.end')));
      } else if (s.state === 'live') {
        ctl.append(h('div', { class: 'confirm', role: 'group', aria: { labelledby: 'present-end-q' } },
          h('p', { id: 'present-end-q' }, t('present.end_confirm')),
          h('button', { type: 'button', class: 'button danger small', id: 'present-end-yes',
                        on: { click: () => act('end', async () => { await store.setState('session.end'); ui.confirmEnd = false; ctx.say(t('live.announce.session_ended')); },
                          { focus: () => document.getElementById('page-heading')?.focus() }) } }, t('sessions.end')),
          h('button', { type: 'button', class: 'button small', id: 'present-end-no',
                        on: { click: () => { ui.confirmEnd = false; renderLive(); document.getElementById('present-end')?.focus(); } } }, t('live.cancel'))));
      }
      ctl.append(h('a', { href: `#/session/${sessionId}`, class: 'button', id: 'participant-link' }, t('present.participant_link')));
      out.push(h('p', { class: 'session-meta' }, stateBadge(s),
        s.premoderated ? h('span', { class: 'badge premod' }, t('sessions.premoderated_badge')) : null,
        h('span', {}, s.state === 'scheduled' ? t('live.starts', { time: fullDate(s.starts_at * 1000) })
          : s.state === 'live' ? tn('present.waiting_count', queueList().length) : t('live.ended_at', { time: fullDate(s.ended_at || Date.now()) }))),
      ctl);
    }
    parts.head.replaceChildren(...out);
  }

  function answerForm(q, from) {
    const id = `${from}-answer-${q.id}`;
    const input = h('textarea', { id, class: 'input', rows: 2, maxlength: LIMITS.max_answer_chars,
                                  on: { input: () => ui.answering.set(q.id, input.value) } });
    input.value = ui.answering.get(q.id) || '';
    return h('form', { class: 'inline-form', id: `${from}-answer-form-${q.id}`, novalidate: true, on: { submit: (e) => {
      e.preventDefault();
      markAnswered(q, isBlank(input.value) ? undefined : input.value.trim(), from);
    } } },
      h('label', { for: id, class: 'field-label' }, t('present.answer_label')),
      input,
      h('div', { class: 'tool-buttons' },
        h('button', { type: 'submit', class: 'button primary small', id: `${from}-answer-save-${q.id}` }, t('present.mark_answered')),
        h('button', { type: 'button', class: 'button small', on: { click: () => {
          ui.answering.delete(q.id); renderLive(); document.getElementById(`${from}-answer-open-${q.id}`)?.focus();
        } } }, t('live.cancel'))));
  }

  function dismissForm(q, prefix) {
    const id = `${prefix}-reason-${q.id}`;
    const input = h('input', { id, type: 'text', class: 'input', maxlength: LIMITS.max_reason_chars, autocomplete: 'off',
                               aria: { describedby: `${id}-hint` }, on: { input: () => ui.dismissing.set(q.id, input.value) } });
    input.value = ui.dismissing.get(q.id) || '';
    return h('form', { class: 'inline-form', id: `${prefix}-dismiss-form-${q.id}`, novalidate: true, on: { submit: (e) => {
      e.preventDefault();
      dismiss(q, isBlank(input.value) ? undefined : input.value.trim());
    } } },
      h('label', { for: id, class: 'field-label' }, t('present.reason_label')),
      h('p', { class: 'hint', id: `${id}-hint` }, t('present.reason_hint')),
      input,
      h('div', { class: 'tool-buttons' },
        h('button', { type: 'submit', class: 'button danger small', id: `${prefix}-dismiss-save-${q.id}` }, t('present.dismiss')),
        h('button', { type: 'button', class: 'button small', on: { click: () => {
          ui.dismissing.delete(q.id); renderLive(); document.getElementById(`${prefix}-dismiss-open-${q.id}`)?.focus();
        } } }, t('live.cancel'))));
  }

  function renderNow() {
    const q = store.answering();
    const out = [h('h2', { id: 'present-now-heading', tabindex: '-1', class: 'now-label' }, t('live.now_answering'))];
    if (!q) {
      out.push(h('p', { class: 'present-none' }, t('present.none_highlighted')));
    } else {
      out.push(h('div', { class: 'now-answering present-big', id: 'present-now', data: { question: q.id } },
        h('p', { class: 'now-body', id: `pn-${q.id}-body` }, q.body),
        h('p', { class: 'question-meta' }, askerLabel(ctx, store, q, { shared: true }), h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '),
          h('span', { class: 'now-votes' }, voteCount(q)))));
      if (ui.answering.has(q.id)) out.push(answerForm(q, 'now'));
      else {
        out.push(h('div', { class: 'tool-buttons' },
          h('button', { type: 'button', class: 'button primary', id: `now-answer-open-${q.id}`,
                        on: { click: () => { ui.answering.set(q.id, ''); renderLive(); document.getElementById(`now-answer-${q.id}`)?.focus(); } } },
            t('present.mark_answered')),
          h('button', { type: 'button', class: 'button', id: 'present-clear',
                        on: { click: () => act('clear', async () => { await store.highlight(null); ctx.say(t('present.announce.cleared')); },
                          { focus: () => document.getElementById('present-now-heading')?.focus() }) } }, t('present.clear'))));
      }
    }
    parts.now.replaceChildren(...out);
  }

  function renderQueue() {
    const list = queueList();
    const toggle = h('button', { type: 'button', class: 'button small shortcut-toggle', id: 'present-shortcuts',
                                 aria: { pressed: String(ui.shortcuts), describedby: 'present-shortcuts-help' },
                                 on: { click: () => { ui.shortcuts = !ui.shortcuts; writeFlag(SHORTCUTS_STORE, ui.shortcuts); renderLive();
                                   ctx.say(t(ui.shortcuts ? 'present.shortcuts_on' : 'present.shortcuts_off')); } } },
      t('present.shortcuts'), ' ', h('span', { class: 'toggle-state' }, t(ui.shortcuts ? 'present.on' : 'present.off')));
    const out = [
      h('div', { class: 'panel-head' },
        h('h2', { id: 'present-queue-heading', tabindex: '-1' }, t('present.queue'), ' ', h('span', { class: 'count-pill' }, formatNumber(list.length))),
        toggle),
      h('p', { class: 'hint shortcut-help', id: 'present-shortcuts-help' }, t(ui.shortcuts ? 'present.shortcuts_help_on' : 'present.shortcuts_help_off')),
    ];
    if (!list.length) {
      out.push(h('p', { class: 'present-none' }, t('present.queue_empty')));
    } else {
      const ol = h('ol', { class: 'present-list', id: 'present-queue', aria: { labelledby: 'present-queue-heading', keyshortcuts: ui.shortcuts ? 'J K ArrowDown ArrowUp Enter A' : null },
                           on: { keydown: onQueueKey } });
      list.forEach((q, i) => ol.append(queueItem(q, i + 1)));
      out.push(ol);
    }
    parts.queue.replaceChildren(...out);
    setRoving();
  }

  function queueItem(q, rank) {
    const bodyId = `pq-${q.id}-body`;
    const li = h('li', { class: 'queue-item', id: `pq-${q.id}`, tabindex: '-1', data: { question: q.id },
                         aria: { labelledby: bodyId, describedby: `pq-${q.id}-meta` },
                         on: { focus: (e) => { if (e.target === li) { ui.current = q.id; setRoving(); } } } },
      h('p', { class: 'queue-votes', aria: { hidden: 'true' }, data: { rank } }, h('span', { class: 'arrow' }, '▲'), ' ', h('span', { class: 'count' }, formatNumber(q.votes || 0))),
      h('div', { class: 'queue-main' },
        h('p', { class: 'queue-body', id: bodyId }, q.body),
        h('p', { class: 'question-meta', id: `pq-${q.id}-meta` }, voteCount(q), h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '),
          askerLabel(ctx, store, q, { shared: true }), h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '), timeEl(q.created_at)),
        ui.answering.has(q.id) ? answerForm(q, 'queue')
          : ui.dismissing.has(q.id) ? dismissForm(q, 'queue')
          : h('div', { class: 'tool-buttons' },
            h('button', { type: 'button', class: 'button primary small', id: `highlight-${q.id}`, aria: { describedby: bodyId },
                          on: { click: () => highlight(q) } }, t('present.answer_now')),
            h('button', { type: 'button', class: 'button small', id: `queue-answer-open-${q.id}`, aria: { describedby: bodyId },
                          on: { click: () => { ui.answering.set(q.id, ''); renderLive(); document.getElementById(`queue-answer-${q.id}`)?.focus(); } } },
              t('present.mark_answered')),
            h('button', { type: 'button', class: 'button small danger-outline', id: `queue-dismiss-open-${q.id}`, aria: { describedby: bodyId },
                          on: { click: () => { ui.dismissing.set(q.id, ''); renderLive(); document.getElementById(`queue-reason-${q.id}`)?.focus(); } } },
              t('present.dismiss')))));
    return li;
  }

  function renderPending() {
    const list = pendingList();
    const s = store.session;
    parts.pending.hidden = !s.premoderated && list.length === 0;
    if (parts.pending.hidden) { parts.pending.replaceChildren(); return; }
    const out = [h('h2', { id: 'present-pending-heading', tabindex: '-1' }, t('present.pending'), ' ', h('span', { class: 'count-pill' }, formatNumber(list.length)))];
    if (!list.length) out.push(h('p', { class: 'present-none' }, t('present.pending_empty')));
    else {
      out.push(h('ol', { class: 'present-list pending-list', aria: { labelledby: 'present-pending-heading' } }, list.map((q) => {
        const editId = `approve-body-${q.id}`;
        const input = h('textarea', { id: editId, class: 'input', rows: 2, aria: { describedby: `approve-hint-${q.id}` },
                                      on: { input: () => ui.approving.set(q.id, input.value) } });
        input.value = ui.approving.has(q.id) ? ui.approving.get(q.id) : q.body;
        return h('li', { class: 'pending-item', id: `pp-${q.id}`, data: { question: q.id } },
          h('p', { class: 'queue-body', id: `pp-${q.id}-body` }, q.body),
          h('p', { class: 'question-meta' }, askerLabel(ctx, store, q, { shared: true }), q.anonymous ? [' ', h('span', { class: 'badge' }, t('live.badge.anonymous'))] : null,
            h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '), timeEl(q.created_at)),
          ui.dismissing.has(q.id) ? dismissForm(q, 'pending') : [
            h('div', { class: 'field' }, h('label', { for: editId, class: 'field-label' }, t('present.approve_edit_label')),
              h('p', { class: 'hint', id: `approve-hint-${q.id}` }, t('present.approve_edit_hint')), input),
            h('div', { class: 'tool-buttons' },
              h('button', { type: 'button', class: 'button primary small', id: `approve-${q.id}`, aria: { describedby: `pp-${q.id}-body` },
                            on: { click: () => approve(q) } }, t('present.approve')),
              h('button', { type: 'button', class: 'button small danger-outline', id: `pending-dismiss-open-${q.id}`, aria: { describedby: `pp-${q.id}-body` },
                            on: { click: () => { ui.dismissing.set(q.id, ''); renderLive(); document.getElementById(`pending-reason-${q.id}`)?.focus(); } } },
                t('present.dismiss')))]);
      })));
    }
    parts.pending.replaceChildren(...out);
  }

  function renderAnswered() {
    const list = store.sorted('votes', (q) => q.state === 'answered').sort((a, b) => (b.answered_at || 0) - (a.answered_at || 0));
    parts.answered.hidden = list.length === 0;
    if (!list.length) { parts.answered.replaceChildren(); return; }
    parts.answered.replaceChildren(
      h('h2', { id: 'present-answered-heading' }, t('live.answered'), ' ', h('span', { class: 'count-pill' }, formatNumber(list.length))),
      h('ol', { class: 'present-list answered-list', aria: { labelledby: 'present-answered-heading' } }, list.map((q) =>
        h('li', { class: 'answered-item', id: `pa-${q.id}`, data: { question: q.id } },
          h('p', { class: 'queue-body' }, q.body),
          h('p', { class: 'question-meta' }, voteCount(q), h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '), askerLabel(ctx, store, q, { shared: true })),
          q.answer ? h('p', { class: 'answer-body' }, h('span', { class: 'answer-label' }, t('live.answer')), ' ', q.answer) : null))));
  }

  function renderTools() {
    const names = h('input', { type: 'checkbox', id: 'export-names', on: { change: () => { ui.names = names.checked; writeFlag(NAMES_STORE, ui.names); } } });
    names.checked = ui.names;
    const exportButton = (format) => h('button', { type: 'button', class: 'button small', id: `export-${format}`,
                                                   on: { click: () => act(`export:${format}`, async () => {
                                                     ui.toolError = null;
                                                     await downloadExport(ctx, sessionId, format, ui.names);
                                                     ui.exportStatus = t('present.export_done', { format: format.toUpperCase() });
                                                   }, { fail: (err) => { ui.toolError = errorText(err); } }) } },
      t(`present.export_${format}`));
    const unanswered = store.list((q) => q.state === 'visible' || q.state === 'answering').length;
    const bridge = [];
    if (ui.confirmBridge) {
      bridge.push(h('div', { class: 'confirm', role: 'group', aria: { labelledby: 'bridge-q' } },
        h('p', { id: 'bridge-q' }, tn('present.bridge_confirm', unanswered)),
        h('button', { type: 'button', class: 'button primary small', id: 'bridge-yes',
                      on: { click: () => act('bridge', async () => {
                        ui.toolError = null;
                        const r = await store.bridge('unanswered');
                        ui.confirmBridge = false;
                        ui.bridged = (r && r.threads) || [];
                        ctx.say(tn('present.bridged', ui.bridged.length));
                      }, { fail: (err) => { ui.toolError = errorText(err); ui.confirmBridge = false; },
                           focus: () => document.getElementById('bridge-result')?.focus() }) } }, t('present.bridge_yes')),
        h('button', { type: 'button', class: 'button small', id: 'bridge-no',
                      on: { click: () => { ui.confirmBridge = false; renderLive(); document.getElementById('bridge-open')?.focus(); } } }, t('live.cancel'))));
    } else {
      bridge.push(h('button', { type: 'button', class: 'button small', id: 'bridge-open', aria: { describedby: 'bridge-hint' },
                                on: { click: () => { ui.confirmBridge = true; renderLive(); document.getElementById('bridge-yes')?.focus(); } } },
        t('present.bridge')));
    }
    if (ui.bridged) {
      const byQ = new Map([...store.questions.values()].map((q) => [q.id, q]));
      bridge.push(h('div', { class: 'bridge-result', id: 'bridge-result', tabindex: '-1' },
        h('p', {}, tn('present.bridged', ui.bridged.length)),
        ui.bridged.length ? h('ul', {}, ui.bridged.map((b) => h('li', {},
          h('a', { href: `#/thread/${b.thread}` }, byQ.get(b.question) ? byQ.get(b.question).body : t('present.thread_n', { id: b.thread }))))) : null));
    }
    parts.tools.replaceChildren(
      h('h2', { id: 'present-tools-heading' }, t('present.tools')),
      h('div', { class: 'tool-row' },
        h('h3', { id: 'export-heading' }, t('present.export')),
        h('div', { class: 'check' }, names, h('label', { for: 'export-names' }, t('present.export_names')),
          h('p', { class: 'hint' }, t('present.export_names_hint'))),
        h('div', { class: 'tool-buttons', role: 'group', aria: { labelledby: 'export-heading' } }, exportButton('csv'), exportButton('json')),
        h('p', { class: 'compose-status', role: 'status', id: 'export-status' }, ui.exportStatus)),
      h('div', { class: 'tool-row' },
        h('h3', { id: 'bridge-heading' }, t('present.bridge_heading')),
        h('p', { class: 'hint', id: 'bridge-hint' }, t('present.bridge_hint')),
        ...bridge),
      h('div', { class: 'form-error', role: 'alert', id: 'tools-error' }, ui.toolError ? h('p', {}, ui.toolError) : null));
  }

  return {
    kind: 'present',
    get rooms() { return [store.room]; },
    get courseId() { return store.session ? store.session.course : null; },
    mount(container) { root = container; render(); store.start(); },
    render() { render(); },
    destroy() { ticker.stop(); summaryTicker.stop(); polls.destroy(); pollsUi.destroy(); store.destroy(); root = null; },
    onEvent(m) { store.onEvent(m); },
    onState(m) { store.onState(m); polls.onState(m); },
    onResume(r) { if (!polls.onResume(r)) store.onResume(r); },
    onOpen() {},
    onNotice() {},
  };
}
