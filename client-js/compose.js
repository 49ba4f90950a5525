// The compose form: a new thread, a response, a reply, or an edit of your own post.
//
//   const c = createCompose({ mode: 'response', id: 'c-t42', draftKey, submit, done });
//   parent.append(c.el);
//
// submit(values, key) sends the write and resolves with its reply (or throws a
// TransportError); done(reply) runs after the draft is cleared. The draft (per thread and
// parent, in sessionStorage) is kept on every keystroke and cleared only once the server
// has confirmed the write. The idempotency key is made when the text is first sent and
// reused for as long as the text stays the same, so a retry, even after a reload, posts once.
// The message box sits under Write and Preview tabs (the preview is markdown.js's rendering,
// its headings from `headingLevel`, one below the heading the form sits under), with a
// formatting help below.
//
// With `serverDraft: { transport, place }` (place: { thread } for a response, { course } for a
// new thread) the draft is also kept on the server (draft.save), so it follows the writer to
// another device: saved once typing has stopped for SERVER_DRAFT_DELAY_MS and when the page is
// hidden (never a write per keystroke), read back (draft.get) when the form opens with nothing
// typed, and deleted (draft.delete) once the post is sent.
import { t } from './i18n.js';
import { h, charCount, isBlank, errorText, formatNumber } from './ui.js';
import { loadDraft, saveDraft, clearDraft } from './local.js';
import { newKey } from './transport.js';
import { LIMITS } from './protocol.js';
import { renderMarkdown } from './markdown.js';

const LIMIT = { title: LIMITS.max_title_chars, body: LIMITS.max_body_chars };
export const SERVER_DRAFT_DELAY_MS = 2000;

// Saves waiting for their delay, run at once when the page is hidden (another tab, closing,
// a phone locking), so what was typed last is on the server before the page may be gone.
const pendingSaves = new Set();
let flushHooked = false;
function hookFlush() {
  if (flushHooked || typeof document === 'undefined') return;
  flushHooked = true;
  const flush = () => { for (const f of [...pendingSaves]) f(); };
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flush(); });
  window.addEventListener('pagehide', flush);
}

export function createCompose({ mode, id, draftKey = null, initial = {}, submit, done, cancel = null,
                                labelKey = null, submitKey = null, headingLevel = 3, serverDraft = null,
                                members = null }) {
  const draft = (draftKey && loadDraft(draftKey)) || {};
  const values = {
    kind: draft.kind ?? initial.kind ?? 'discussion',
    title: draft.title ?? initial.title ?? '',
    body: draft.body ?? initial.body ?? '',
    anonymous: draft.anonymous ?? initial.anonymous ?? false,
  };
  let pendingKey = draft.key && draft.keyText === textOf(values) ? draft.key : null;
  let keyText = pendingKey ? draft.keyText : null;
  let sending = false;
  const fields = {};

  const form = h('form', { class: `compose compose-${mode}`, id, novalidate: true, data: { mode } });
  const status = h('p', { class: 'compose-status', role: 'status', id: `${id}-status` });
  const formError = h('div', { class: 'form-error', role: 'alert', id: `${id}-error` });

  function field(name, { multiline }) {
    const inputId = `${id}-${name}`;
    const label = h('label', { for: inputId, class: 'field-label' },
      t(name === 'title' ? 'compose.title' : (labelKey || 'compose.body')));
    const hint = name === 'body' ? h('p', { class: 'hint', id: `${inputId}-hint` }, t('compose.format_hint')) : null;
    const input = multiline
      ? h('textarea', { id: inputId, name, rows: mode === 'thread' || mode === 'response' ? 6 : 4, class: 'input' })
      : h('input', { id: inputId, name, type: 'text', class: 'input', autocomplete: 'off' });
    input.value = values[name];
    const counter = h('p', { class: 'counter', id: `${inputId}-count` });
    const error = h('p', { class: 'field-error', id: `${inputId}-error` });
    const f = { name, input, counter, error, hint, error_: null };
    fields[name] = f;
    input.addEventListener('input', () => {
      values[name] = input.value;
      updateCounter(f);
      if (f.error_) validateField(f, false);
      keep();
      scheduleSave();
    });
    updateCounter(f);
    describe(f);
    const foot = h('div', { class: 'field-foot' }, error, counter);
    if (name !== 'body') return h('div', { class: 'field' }, label, hint, input, foot);
    return h('div', { class: 'field' }, label, hint, editorTabs(f), foot, mentionHelper(f), formatHelp());
  }

  // "Mention someone": a text box offering the course's members (members(prefix) resolves with
  // [{id, name}], course.members) as a native list, and a button that puts @id into the message
  // at the caret. Only members are offered, and nothing here is tied to a post: an anonymous
  // author is never offered as "the author of this post".
  function mentionHelper(f) {
    if (!members) return null;
    const inputId = `${id}-mention`;
    const listId = `${id}-mention-list`;
    const options = h('datalist', { id: listId });
    const input = h('input', { id: inputId, type: 'text', class: 'input mention-input', autocomplete: 'off',
                               list: listId, aria: { describedby: `${inputId}-hint` } });
    let timer = null;
    let asked = null;
    async function lookup() {
      const prefix = input.value.trim().replace(/^@/, '');
      if (prefix === asked) return;
      asked = prefix;
      try {
        const found = await members(prefix);
        if (asked !== prefix) return;
        options.replaceChildren(...found.map((m) => h('option', { value: m.id }, m.name)));
      } catch { /* no suggestions this time: typing on still works */ }
    }
    input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(lookup, 250); });
    input.addEventListener('focus', () => { if (asked === null) lookup(); });
    const insert = () => {
      const handle = input.value.trim().replace(/^@/, '');
      if (!handle) { input.focus(); return; }
      const box = f.input;
      const at = box.selectionStart ?? box.value.length;
      const before = box.value.slice(0, at);
      const text = `${before && !/\s$/.test(before) ? ' ' : ''}@${handle} `;
      box.value = before + text + box.value.slice(box.selectionEnd ?? at);
      box.dispatchEvent(new Event('input'));
      if (f.showWrite) f.showWrite();
      box.focus();
      box.selectionStart = box.selectionEnd = at + text.length;
      input.value = '';
    };
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); insert(); } });
    const button = h('button', { type: 'button', class: 'button small', id: `${inputId}-insert`, on: { click: insert } },
      t('compose.mention_insert'));
    return h('div', { class: 'mention' },
      h('label', { for: inputId, class: 'field-label' }, t('compose.mention_label')),
      h('p', { class: 'hint', id: `${inputId}-hint` }, t('compose.mention_hint')),
      h('div', { class: 'mention-row' }, input, options, button));
  }

  // "Write" and "Preview" tabs over the message (the ARIA tabs pattern: one tab stop, arrow
  // keys, Home and End move between the tabs and show each one's panel). The preview is the
  // text rendered by the same code that renders posts.
  function editorTabs(f) {
    const names = ['write', 'preview'];
    const tabId = (n) => `${id}-tab-${n}`;
    const panelId = (n) => `${id}-panel-${n}`;
    const preview = h('div', { class: 'post-body preview-body', id: `${id}-preview` });
    const panels = {
      write: h('div', { role: 'tabpanel', id: panelId('write'), class: 'tab-panel', aria: { labelledby: tabId('write') } }, f.input),
      preview: h('div', { role: 'tabpanel', id: panelId('preview'), class: 'tab-panel preview-panel', tabindex: '0',
                          aria: { labelledby: tabId('preview') }, hidden: true }, preview),
    };
    const tabs = {};
    const select = (n, focus) => {
      for (const m of names) {
        const on = m === n;
        tabs[m].setAttribute('aria-selected', String(on));
        tabs[m].tabIndex = on ? 0 : -1;
        panels[m].hidden = !on;
      }
      if (n === 'preview') {
        preview.replaceChildren(isBlank(f.input.value)
          ? h('p', { class: 'placeholder' }, t('compose.preview_empty'))
          : renderMarkdown(f.input.value, { headingLevel }));
      }
      if (focus) tabs[n].focus();
    };
    for (const n of names) {
      tabs[n] = h('button', { type: 'button', role: 'tab', id: tabId(n), class: 'tab',
                              aria: { selected: String(n === 'write'), controls: panelId(n) },
                              tabindex: n === 'write' ? '0' : '-1',
                              on: { click: () => select(n, true) } }, t(`compose.tab_${n}`));
    }
    const list = h('div', { role: 'tablist', class: 'tabs', aria: { label: t('compose.editor') } }, tabs.write, tabs.preview);
    list.addEventListener('keydown', (e) => {
      const at = names.indexOf(e.target.id === tabId('preview') ? 'preview' : 'write');
      let next = null;
      if (e.key === 'ArrowRight') next = names[(at + 1) % names.length];
      else if (e.key === 'ArrowLeft') next = names[(at + names.length - 1) % names.length];
      else if (e.key === 'Home') next = names[0];
      else if (e.key === 'End') next = names[names.length - 1];
      if (!next) return;
      e.preventDefault();
      select(next, true);
    });
    f.showWrite = () => select('write', false);
    return h('div', { class: 'editor' }, list, panels.write, panels.preview);
  }

  // The syntax the renderer knows, in a disclosure under the message box.
  function formatHelp() {
    const rows = [
      [t('md.help.bold'), 'md.help.bold_desc'],
      [t('md.help.italic'), 'md.help.italic_desc'],
      ['`code`', 'md.help.code_desc'],
      [t('md.help.link'), 'md.help.link_desc'],
      [t('md.help.list'), 'md.help.list_desc'],
      [t('md.help.quote'), 'md.help.quote_desc'],
      ['```python', 'md.help.fence_desc'],
      [t('md.help.heading'), 'md.help.heading_desc'],
      ['| a | b |\n|---|:-:|', 'md.help.table_desc'],
      ['---', 'md.help.rule_desc'],
      ['$x^2$', 'md.help.math_desc'],
      ['\\*', 'md.help.escape_desc'],
    ];
    const list = h('dl', { class: 'format-help-list' });
    for (const [syntax, desc] of rows) list.append(h('dt', {}, h('code', {}, syntax)), h('dd', {}, t(desc)));
    return h('details', { class: 'format-help', id: `${id}-help` },
      h('summary', {}, t('md.help.summary')),
      h('p', {}, t('md.help.intro')), list);
  }

  function describe(f) {
    const ids = [f.hint && f.hint.id, f.error_ ? f.error.id : null, f.counter.id].filter(Boolean);
    f.input.setAttribute('aria-describedby', ids.join(' '));
    if (f.error_) f.input.setAttribute('aria-invalid', 'true'); else f.input.removeAttribute('aria-invalid');
  }

  function updateCounter(f) {
    const n = charCount(f.input.value);
    const max = LIMIT[f.name];
    const left = max - n;
    f.counter.classList.toggle('over', left < 0);
    f.counter.textContent = left >= 0
      ? t('compose.chars_left', { count: formatNumber(left) })
      : t('compose.chars_over', { count: formatNumber(-left) });
  }

  function validateField(f, show = true) {
    const v = f.input.value;
    const n = charCount(v);
    let msg = null;
    if (isBlank(v)) msg = t(f.name === 'title' ? 'compose.error.title_empty' : 'compose.error.body_empty');
    else if (n > LIMIT[f.name]) {
      msg = t(f.name === 'title' ? 'compose.error.title_long' : 'compose.error.body_long',
              { count: formatNumber(n), max: formatNumber(LIMIT[f.name]) });
    }
    if (show || !msg) setFieldError(f, msg);
    return !msg;
  }

  function setFieldError(f, msg) {
    f.error_ = msg;
    f.error.textContent = msg || '';
    describe(f);
  }

  function textOf(v) {
    return JSON.stringify([v.kind, v.title, v.body, v.anonymous]);
  }

  // ---- the server's copy of the draft ----
  let serverTimer = null;
  let serverText = null;      // the text the server holds (as far as we know)
  let typed = false;          // the writer typed here: a draft read later must not overwrite it
  const serverFields = () => (mode === 'thread' ? { title: values.title, body: values.body } : { body: values.body });
  function saveNow() {
    if (serverTimer) { clearTimeout(serverTimer); serverTimer = null; }
    pendingSaves.delete(saveNow);
    const text = JSON.stringify(serverFields());
    if (text === serverText || sending) return;
    serverText = text;
    serverDraft.transport.write('draft.save', { ...serverDraft.place, ...serverFields() }).catch(() => { serverText = null; });
  }
  function scheduleSave() {
    if (!serverDraft) return;
    typed = true;
    if (serverTimer) clearTimeout(serverTimer);
    serverTimer = setTimeout(saveNow, SERVER_DRAFT_DELAY_MS);
    hookFlush();
    pendingSaves.add(saveNow);
  }
  function dropServerDraft() {
    if (!serverDraft) return;
    if (serverTimer) { clearTimeout(serverTimer); serverTimer = null; }
    pendingSaves.delete(saveNow);
    serverText = JSON.stringify(mode === 'thread' ? { title: '', body: '' } : { body: '' });
    serverDraft.transport.write('draft.delete', { ...serverDraft.place }).catch(() => {});
  }
  // Opening with nothing typed: the draft saved on the server (maybe on another device) fills in.
  function restoreServerDraft() {
    if (!serverDraft || !isBlank(values.body) || !isBlank(values.title)) return;
    serverDraft.transport.request('draft.get', { ...serverDraft.place }).then((data) => {
      const d = data && data.draft;
      if (!d || typed || sending || !isBlank(values.body) || !isBlank(values.title)) return;
      if (fields.title && d.title) { values.title = d.title; fields.title.input.value = d.title; updateCounter(fields.title); }
      values.body = d.body || '';
      fields.body.input.value = values.body;
      updateCounter(fields.body);
      serverText = JSON.stringify(serverFields());
      keep();
      status.textContent = t('compose.draft_restored');
    }, () => {});
  }

  function keep() {
    if (!draftKey) return;
    const empty = isBlank(values.body) && isBlank(values.title);
    if (empty && !pendingKey) { clearDraft(draftKey); return; }
    saveDraft(draftKey, { ...values, key: pendingKey, keyText });
  }

  // ---- the form's parts ----
  if (mode === 'thread') {
    const kindName = `${id}-kind`;
    const radio = (kind) => {
      const rid = `${id}-kind-${kind}`;
      const input = h('input', { type: 'radio', name: kindName, id: rid, value: kind,
                                 on: { change: () => { values.kind = kind; keep(); } } });
      input.checked = values.kind === kind;
      return h('div', { class: 'choice' }, input,
        h('label', { for: rid }, h('span', { class: 'choice-title' }, t(`thread.kind.${kind}`)),
          h('span', { class: 'choice-hint' }, t(`compose.kind_hint.${kind}`))));
    };
    form.append(h('fieldset', { class: 'kinds' }, h('legend', {}, t('compose.kind')), radio('question'), radio('discussion')));
    form.append(field('title', { multiline: false }));
  }
  form.append(field('body', { multiline: true }));
  if (mode !== 'edit') {
    const aid = `${id}-anon`;
    const cb = h('input', { type: 'checkbox', id: aid, aria: { describedby: `${aid}-hint` },
                            on: { change: () => { values.anonymous = cb.checked; keep(); } } });
    cb.checked = !!values.anonymous;
    form.append(h('div', { class: 'check' }, cb,
      h('label', { for: aid }, t('compose.anonymous')),
      h('p', { class: 'hint', id: `${aid}-hint` }, t('compose.anonymous_hint'))));
  }
  const sendLabel = t(submitKey || (mode === 'thread' ? 'compose.submit_thread' : mode === 'edit' ? 'compose.save' : 'compose.submit'));
  const button = h('button', { type: 'submit', class: 'button primary' }, sendLabel);
  const actions = h('div', { class: 'compose-actions' }, button);
  if (cancel) actions.append(h('button', { type: 'button', class: 'button', on: { click: () => cancel() } }, t('compose.cancel')));
  form.append(formError, actions, status);

  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && cancel && !sending) { e.preventDefault(); cancel(); }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (sending) return;
    formError.textContent = '';
    status.textContent = '';
    const order = ['title', 'body'].filter((n) => fields[n]);
    let first = null;
    for (const n of order) if (!validateField(fields[n]) && !first) first = fields[n];
    if (first) { if (first.showWrite) first.showWrite(); first.input.focus(); return; }
    const text = textOf(values);
    if (!pendingKey || keyText !== text) { pendingKey = newKey(); keyText = text; }
    keep();
    sending = true;
    button.disabled = true;
    button.textContent = t(mode === 'edit' ? 'compose.saving' : 'compose.sending');
    form.setAttribute('aria-busy', 'true');
    try {
      const reply = await submit({ ...values }, pendingKey);
      pendingKey = null;
      keyText = null;
      if (draftKey) clearDraft(draftKey);
      dropServerDraft();
      if (mode !== 'edit') {
        values.title = '';
        values.body = '';
        values.anonymous = false;
        for (const f of Object.values(fields)) {
          f.input.value = ''; updateCounter(f); setFieldError(f, null);
          if (f.showWrite) f.showWrite();
        }
        const cb = form.querySelector('input[type="checkbox"]');
        if (cb) cb.checked = false;
        status.textContent = t(mode === 'thread' ? 'compose.sent_thread' : 'compose.sent');
      }
      if (done) done(reply);
    } catch (err) {
      const code = err && err.code;
      const f = err && err.field && fields[err.field];
      if (f && (code === 'too_long' || code === 'bad_field')) {
        validateField(f);
        if (!f.error_) setFieldError(f, errorText(err));
        if (f.showWrite) f.showWrite();
        f.input.focus();
      } else {
        formError.replaceChildren(h('p', {}, errorText(err)));
      }
    } finally {
      sending = false;
      button.disabled = false;
      button.textContent = sendLabel;
      form.removeAttribute('aria-busy');
    }
  });

  restoreServerDraft();

  return {
    el: form,
    focus() { (fields.title || fields.body).input.focus(); },
    get sending() { return sending; },
    get dirty() { return !isBlank(values.body) || !isBlank(values.title); },
  };
}
