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
import { t } from './i18n.js';
import { h, charCount, isBlank, errorText, formatNumber } from './ui.js';
import { loadDraft, saveDraft, clearDraft } from './local.js';
import { newKey } from './transport.js';
import { LIMITS } from './protocol.js';

const LIMIT = { title: LIMITS.max_title_chars, body: LIMITS.max_body_chars };

export function createCompose({ mode, id, draftKey = null, initial = {}, submit, done, cancel = null,
                                labelKey = null, submitKey = null }) {
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
    const hint = name === 'body' && mode !== 'edit' ? h('p', { class: 'hint', id: `${inputId}-hint` }, t('compose.format_hint')) : null;
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
    });
    updateCounter(f);
    describe(f);
    return h('div', { class: 'field' }, label, hint, input, h('div', { class: 'field-foot' }, error, counter));
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
    if (first) { first.input.focus(); return; }
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
      if (mode !== 'edit') {
        values.title = '';
        values.body = '';
        values.anonymous = false;
        for (const f of Object.values(fields)) { f.input.value = ''; updateCounter(f); setFieldError(f, null); }
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

  return {
    el: form,
    focus() { (fields.title || fields.body).input.focus(); },
    get sending() { return sending; },
    get dirty() { return !isBlank(values.body) || !isBlank(values.title); },
  };
}
