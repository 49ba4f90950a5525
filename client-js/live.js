// The participant's live session page (#/session/<id>): ask a question (optionally anonymous
// to classmates), vote for others' questions, see which one is being answered now, edit or
// withdraw your own until it is answered, and read the answers. Everything arrives live
// from the session:<id> room; news is read out by the polite live region, at most every
// few seconds.
import { t } from './i18n.js';
import { h, timeEl, errorText, charCount, isBlank, formatNumber, fullDate } from './ui.js';
import { newKey } from './transport.js';
import { LIMITS } from './protocol.js';
import { createSessionStore, stateBadge, askerLabel, voteCount, keepFocus, createNewsTicker, OPEN, SORT_KEYS } from './questions.js';
import { createPollStore } from './polls.js';
import { createPollAnswers } from './pollanswer.js';

const POLL_SUMMARY_EVERY_MS = 8000; // a poll's results summary is spoken at most this often

const MAX = LIMITS.max_question_chars;
const SORT_STORE = 'forumd.live.sort';

function savedSort() {
  try { const v = localStorage.getItem(SORT_STORE); return SORT_KEYS.includes(v) ? v : 'votes'; } catch { return 'votes'; }
}

export function createLive(ctx, { sessionId }) {
  const ui = {
    sort: savedSort(), editing: new Map(), confirming: new Set(), busy: new Set(),
    ask: { body: '', anonymous: false, key: null, keyText: null, sending: false, status: '', error: null },
  };
  let root = null;
  let headEl = null;
  let nowEl = null;
  let pollsEl = null;
  let askEl = null;
  let listEl = null;
  let answeredEl = null;
  let queued = false;
  let askState = null; // the session state the ask form was built for
  const ticker = createNewsTicker(ctx);
  const summaryTicker = createNewsTicker(ctx, POLL_SUMMARY_EVERY_MS);

  const store = createSessionStore(ctx, sessionId, {
    changed(what, q, live) {
      if (what === 'new' && live && q && !store.isMine(q)) ticker.question(q.body);
      if (what === 'answering' && live && q) ticker.say(t('live.announce.answering', { body: q.body }), 'answering');
      if (what === 'session' && live && store.session) ticker.say(t(`live.announce.session_${store.session.state}`), 'session');
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
  const pollsUi = createPollAnswers(ctx, polls, { ticker, summaryTicker });

  // Bursts (a frame with many messages) render once.
  function schedule() {
    if (queued) return;
    queued = true;
    Promise.resolve().then(() => { queued = false; if (store.alive) renderLive(); });
  }

  // ---- actions --------------------------------------------------------------

  async function act(id, fn, fail) {
    if (ui.busy.has(id)) return;
    ui.busy.add(id);
    try { await fn(); } catch (err) { (fail || ctx.showError)(err); } finally { ui.busy.delete(id); schedule(); }
  }

  async function submitAsk(e) {
    e.preventDefault();
    const a = ui.ask;
    const input = document.getElementById('live-ask-body');
    a.body = input.value;
    a.error = null;
    a.status = '';
    if (isBlank(a.body)) { a.error = t('live.ask_empty'); renderAskMessages(); input.focus(); return; }
    if (charCount(a.body) > MAX) { a.error = t('live.ask_too_long', { max: formatNumber(MAX) }); renderAskMessages(); input.focus(); return; }
    if (a.sending) return;
    const text = `${a.anonymous ? 1 : 0}:${a.body}`;
    if (!a.key || a.keyText !== text) { a.key = newKey(); a.keyText = text; }
    a.sending = true;
    renderAskMessages();
    try {
      const r = await store.ask(a.body, a.anonymous, a.key);
      a.body = '';
      a.key = null;
      a.keyText = null;
      input.value = '';
      a.status = r && r.question && r.question.state === 'pending' ? t('live.asked_pending') : t('live.asked');
    } catch (err) {
      a.error = errorText(err);
    } finally {
      a.sending = false;
      renderAskMessages();
      updateCounter();
    }
  }

  // ---- rendering ------------------------------------------------------------

  function render() {
    if (!root) return;
    headEl = h('div', { class: 'page-head' });
    nowEl = h('section', { class: 'now-answering-wrap', aria: { labelledby: 'now-heading' } });
    pollsEl = h('section', { class: 'live-polls', aria: { labelledby: 'polls-heading' }, hidden: true });
    askEl = h('div', { class: 'ask-wrap' });
    listEl = h('section', { class: 'live-questions', aria: { labelledby: 'questions-heading' } });
    answeredEl = h('section', { class: 'live-answered', aria: { labelledby: 'answered-heading' } });
    askState = null;
    root.replaceChildren(h('div', { class: 'live-page' }, headEl, nowEl, pollsEl, askEl, listEl, answeredEl));
    pollsUi.mount(pollsEl);
    renderLive();
  }

  function renderLive() {
    if (!root) return;
    keepFocus(root, () => {
      renderHead();
      if (!store.loaded) {
        nowEl.hidden = true; askEl.hidden = true; answeredEl.hidden = true;
        listEl.replaceChildren(store.error
          ? h('p', { class: 'notice error-notice' }, errorText(store.error))
          : h('p', { class: 'loading' }, t('live.loading')));
        return;
      }
      askEl.hidden = false;
      renderNow();
      if (askState !== store.session.state) renderAsk();
      renderList();
      renderAnswered();
    });
  }

  function renderHead() {
    const s = store.session;
    const course = s ? ctx.courseNow(s.course) : null;
    const title = s ? s.title : t('live.title_loading');
    ctx.setTitle(title);
    const crumbs = s ? [{ href: `#/course/${s.course}`, label: course ? course.title : t('account.course', { id: s.course }) }] : [];
    const parts = [ctx.breadcrumbs(crumbs), h('h1', { id: 'page-heading', tabindex: '-1' }, title)];
    if (s) {
      const when = s.state === 'live' && s.started_at ? t('live.started', { time: fullDate(s.started_at) })
        : s.state === 'ended' && s.ended_at ? t('live.ended_at', { time: fullDate(s.ended_at) })
        : t('live.starts', { time: fullDate(s.starts_at * 1000) });
      parts.push(h('p', { class: 'session-meta' }, stateBadge(s), h('span', {}, when),
        s.premoderated ? h('span', { class: 'badge premod' }, t('sessions.premoderated_badge')) : null));
      if (store.isStaff()) {
        parts.push(h('div', { class: 'board-actions' },
          h('a', { href: `#/session/${sessionId}/present`, class: 'button', id: 'presenter-link' }, t('live.presenter_link'))));
      }
    }
    headEl.replaceChildren(...parts);
  }

  function renderNow() {
    const q = store.answering();
    nowEl.hidden = !q;
    if (!q) { nowEl.replaceChildren(); return; }
    nowEl.replaceChildren(h('div', { class: 'now-answering', id: 'now-answering', data: { question: q.id } },
      h('h2', { id: 'now-heading', class: 'now-label' }, t('live.now_answering')),
      h('p', { class: 'now-body' }, q.body),
      h('p', { class: 'question-meta' }, askerLabel(ctx, store, q), h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '), voteCount(q))));
  }

  function updateCounter() {
    const input = document.getElementById('live-ask-body');
    const counter = document.getElementById('live-ask-count');
    if (!input || !counter) return;
    const n = charCount(input.value);
    counter.textContent = t('live.char_count', { count: formatNumber(n), max: formatNumber(MAX) });
    counter.classList.toggle('over', n > MAX);
    input.setAttribute('aria-invalid', String(n > MAX));
  }

  function renderAskMessages() {
    const status = document.getElementById('live-ask-status');
    const error = document.getElementById('live-ask-error');
    const button = document.getElementById('live-ask-submit');
    if (status) status.textContent = ui.ask.status;
    if (error) error.replaceChildren(...(ui.ask.error ? [h('p', {}, ui.ask.error)] : []));
    if (button) { button.disabled = ui.ask.sending; button.textContent = t(ui.ask.sending ? 'live.asking' : 'live.ask'); }
  }

  function renderAsk() {
    const s = store.session;
    askState = s.state;
    if (s.state !== 'live') {
      askEl.replaceChildren(h('p', { class: 'notice', id: 'live-closed' },
        t(s.state === 'ended' ? 'live.closed_ended' : 'live.closed_scheduled')));
      return;
    }
    const input = h('textarea', { id: 'live-ask-body', name: 'body', rows: 3, class: 'input',
                                  aria: { describedby: 'live-ask-count' + (s.premoderated ? ' live-premod-note' : '') },
                                  on: { input: () => { ui.ask.body = input.value; updateCounter(); } } });
    input.value = ui.ask.body;
    const anon = h('input', { type: 'checkbox', id: 'live-ask-anon', name: 'anonymous', aria: { describedby: 'live-ask-anon-hint' },
                              on: { change: () => { ui.ask.anonymous = anon.checked; } } });
    anon.checked = ui.ask.anonymous;
    const form = h('form', { class: 'compose ask-form', id: 'live-ask', novalidate: true, on: { submit: submitAsk } },
      h('div', { class: 'field' },
        h('label', { for: 'live-ask-body', class: 'field-label' }, t('live.ask_label')),
        input,
        h('div', { class: 'field-foot' }, h('p', { class: 'counter', id: 'live-ask-count' }))),
      h('div', { class: 'check' }, anon,
        h('label', { for: 'live-ask-anon' }, t('live.anonymous_label')),
        h('p', { class: 'hint', id: 'live-ask-anon-hint' }, t('live.anonymous_hint'))),
      s.premoderated ? h('p', { class: 'hint premod-note', id: 'live-premod-note' }, t('live.premod_note')) : null,
      h('div', { class: 'form-error', role: 'alert', id: 'live-ask-error' }),
      h('div', { class: 'compose-actions' },
        h('button', { type: 'submit', class: 'button primary', id: 'live-ask-submit' }, t('live.ask'))),
      h('p', { class: 'compose-status', role: 'status', id: 'live-ask-status' }));
    askEl.replaceChildren(h('section', { class: 'card compose-card', aria: { labelledby: 'ask-heading' } },
      h('h2', { id: 'ask-heading' }, t('live.ask_heading')), form));
    updateCounter();
    renderAskMessages();
  }

  const inList = (q) => OPEN.has(q.state) || (store.isMine(q) && (q.state === 'pending' || q.state === 'dismissed'));

  function renderList() {
    const qs = store.sorted(ui.sort, inList);
    const sortButtons = SORT_KEYS.map((k) => h('button', {
      type: 'button', class: 'sort', id: `live-sort-${k}`, aria: { pressed: String(ui.sort === k) },
      on: { click: () => {
        ui.sort = k;
        try { localStorage.setItem(SORT_STORE, k); } catch { /* not kept */ }
        renderLive();
      } },
    }, t(`live.sort.${k}`)));
    const parts = [h('div', { class: 'threads-head' },
      h('h2', { id: 'questions-heading' }, t('live.questions'), ' ', h('span', { class: 'count-pill' }, formatNumber(qs.length))),
      h('div', { class: 'sorts', role: 'group', aria: { label: t('live.sort_label') } }, h('ul', {}, sortButtons.map((b) => h('li', {}, b)))))];
    if (!qs.length) {
      parts.push(h('p', { class: 'empty' }, t(store.session.state === 'live' ? 'live.empty' : 'live.empty_closed')));
    } else {
      parts.push(h('ol', { class: 'question-list', aria: { labelledby: 'questions-heading' } }, qs.map(item)));
    }
    listEl.replaceChildren(...parts);
  }

  function item(q) {
    const mine = store.isMine(q);
    const bodyId = `q-${q.id}-body`;
    const meta = h('p', { class: 'question-meta' }, h('span', { class: `who${q.author ? '' : ' anonymous'}` }, askerLabel(ctx, store, q)),
      h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '), timeEl(q.created_at),
      q.edited_at ? h('span', { class: 'edited' }, t('live.edited')) : null);
    const badges = h('ul', { class: 'badges', aria: { label: t('live.badges') } });
    if (q.state === 'answering') badges.append(h('li', { class: 'badge answering' }, t('live.badge.answering')));
    if (q.state === 'pending') badges.append(h('li', { class: 'badge pending' }, t('live.badge.pending')));
    if (q.state === 'dismissed') badges.append(h('li', { class: 'badge hidden' }, t('live.badge.dismissed')));
    if (mine && q.anonymous) badges.append(h('li', { class: 'badge following' }, t('live.badge.anonymous')));
    const li = h('li', { class: `question-item state-${q.state}${mine ? ' mine' : ''}`, id: `q-${q.id}`, data: { question: q.id } });
    const main = h('div', { class: 'question-main' });
    if (ui.editing.has(q.id) && mine) main.append(editForm(q));
    else main.append(h('p', { class: 'question-body', id: bodyId }, q.body));
    main.append(meta);
    if (badges.children.length) main.append(badges);
    main.append(actions(q, mine));
    li.append(voteBox(q, mine, bodyId), main);
    return li;
  }

  function voteBox(q, mine, bodyId) {
    const canVote = !mine && OPEN.has(q.state) && store.session.state !== 'ended';
    if (!canVote) {
      return h('p', { class: 'vote-static', data: { role: 'votes' } },
        h('span', { class: 'count', aria: { hidden: 'true' } }, formatNumber(q.votes || 0)),
        h('span', { class: 'visually-hidden' }, voteCount(q)));
    }
    const voted = store.voted.has(q.id);
    const b = h('button', { type: 'button', class: 'vote live-vote', id: `vote-${q.id}`, data: { role: 'votes' },
                            aria: { pressed: String(voted), label: t('live.vote_label', { votes: voteCount(q) }), describedby: bodyId },
                            on: { click: () => act(`vote:${q.id}`, () => store.vote(store.questions.get(q.id) || q)) } },
      h('span', { class: 'arrow', aria: { hidden: 'true' } }, '▲'),
      h('span', { class: 'count' }, formatNumber(q.votes || 0)));
    return b;
  }

  function actions(q, mine) {
    const bar = h('div', { class: 'post-actions' });
    const editable = mine && (q.state === 'pending' || OPEN.has(q.state));
    if (!editable || ui.editing.has(q.id)) return bar;
    if (ui.confirming.has(q.id)) {
      bar.append(h('div', { class: 'confirm', role: 'group', aria: { labelledby: `withdraw-q-${q.id}` } },
        h('p', { id: `withdraw-q-${q.id}` }, t('live.withdraw_confirm')),
        h('button', { type: 'button', class: 'button danger small', id: `withdraw-yes-${q.id}`,
                      on: { click: () => act(`w:${q.id}`, async () => {
                        await store.withdraw(q);
                        ui.confirming.delete(q.id);
                        ctx.say(t('live.withdrawn'));
                        document.getElementById('questions-heading')?.setAttribute('tabindex', '-1');
                        Promise.resolve().then(() => document.getElementById('questions-heading')?.focus());
                      }) } }, t('live.withdraw_yes')),
        h('button', { type: 'button', class: 'button small', id: `withdraw-no-${q.id}`,
                      on: { click: () => { ui.confirming.delete(q.id); renderLive(); document.getElementById(`withdraw-${q.id}`)?.focus(); } } },
          t('live.cancel'))));
      return bar;
    }
    bar.append(
      h('button', { type: 'button', class: 'link-button', id: `edit-${q.id}`, aria: { describedby: `q-${q.id}-body` },
                    on: { click: () => { ui.editing.set(q.id, q.body); renderLive(); document.getElementById(`edit-body-${q.id}`)?.focus(); } } },
        t('live.edit')),
      h('button', { type: 'button', class: 'link-button danger-link', id: `withdraw-${q.id}`, aria: { describedby: `q-${q.id}-body` },
                    on: { click: () => { ui.confirming.add(q.id); renderLive(); document.getElementById(`withdraw-yes-${q.id}`)?.focus(); } } },
        t('live.withdraw')));
    return bar;
  }

  function editForm(q) {
    const id = `edit-body-${q.id}`;
    const err = h('div', { class: 'form-error', role: 'alert', id: `edit-error-${q.id}` });
    const input = h('textarea', { id, class: 'input', rows: 3, aria: { describedby: `edit-count-${q.id}` },
                                  on: { input: () => { ui.editing.set(q.id, input.value); count(); } } });
    input.value = ui.editing.get(q.id) ?? q.body;
    const counter = h('p', { class: 'counter', id: `edit-count-${q.id}` });
    const count = () => {
      const n = charCount(input.value);
      counter.textContent = t('live.char_count', { count: formatNumber(n), max: formatNumber(MAX) });
      counter.classList.toggle('over', n > MAX);
    };
    count();
    const close = () => { ui.editing.delete(q.id); renderLive(); document.getElementById(`edit-${q.id}`)?.focus(); };
    return h('form', { class: 'compose edit-question', novalidate: true, on: { submit: (e) => {
      e.preventDefault();
      const body = input.value;
      if (isBlank(body) || charCount(body) > MAX) {
        err.replaceChildren(h('p', {}, isBlank(body) ? t('live.ask_empty') : t('live.ask_too_long', { max: formatNumber(MAX) })));
        input.focus();
        return;
      }
      act(`e:${q.id}`, async () => { await store.edit(q, body); close(); ctx.say(t('live.saved')); },
        (e2) => { err.replaceChildren(h('p', {}, errorText(e2))); });
    } } },
      h('div', { class: 'field' }, h('label', { for: id, class: 'field-label' }, t('live.edit_label')), input,
        h('div', { class: 'field-foot' }, counter)),
      err,
      h('div', { class: 'compose-actions' },
        h('button', { type: 'submit', class: 'button primary small', id: `edit-save-${q.id}` }, t('live.save')),
        h('button', { type: 'button', class: 'button small', on: { click: close } }, t('live.cancel'))));
  }

  function renderAnswered() {
    const qs = store.sorted('newest', (q) => q.state === 'answered').sort((a, b) => (b.answered_at || 0) - (a.answered_at || 0));
    answeredEl.hidden = qs.length === 0;
    if (!qs.length) { answeredEl.replaceChildren(); return; }
    answeredEl.replaceChildren(
      h('h2', { id: 'answered-heading' }, t('live.answered'), ' ', h('span', { class: 'count-pill' }, formatNumber(qs.length))),
      h('ol', { class: 'question-list answered-list', aria: { labelledby: 'answered-heading' } }, qs.map((q) =>
        h('li', { class: 'question-item state-answered', id: `q-${q.id}`, data: { question: q.id } },
          h('div', { class: 'question-main' },
            h('p', { class: 'question-body' }, q.body),
            h('p', { class: 'question-meta' }, askerLabel(ctx, store, q), h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '),
              voteCount(q), q.answered_at ? [h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '), timeEl(q.answered_at)] : null),
            q.answer ? h('div', { class: 'answer' }, h('p', { class: 'answer-label' }, t('live.answer')), h('p', { class: 'answer-body' }, q.answer)) : null)))));
  }

  return {
    kind: 'session',
    get rooms() { return [store.room]; },
    get courseId() { return store.session ? store.session.course : null; },
    mount(container) { root = container; render(); store.start(); },
    render() { render(); },
    destroy() { ticker.stop(); summaryTicker.stop(); polls.destroy(); pollsUi.destroy(); store.destroy(); root = null; },
    onEvent(m) { store.onEvent(m); },
    onState(m) { store.onState(m); polls.onState(m); },
    onResume(r) { if (!polls.onResume(r)) store.onResume(r); },
    onOpen() {},
    // A notice about one of your questions. A pending question's dismissal reaches only
    // staff and the asker's notices (never the session room), so it is applied from here.
    onNotice(n) {
      const q = n && n.question ? store.questions.get(n.question) : null;
      if (q && n.kind === 'question_dismissed' && q.state === 'pending') q.state = 'dismissed';
      schedule();
    },
  };
}

