// Modal dialogs on the native <dialog> element: the rest of the page is inert while one is
// open, Tab and Shift+Tab stay inside it, Escape closes it, and focus goes back to where it
// came from (or to a fallback, when that control was re-rendered meanwhile).
//
//   const d = openDialog({ id: 'hide-7', title: 'Hide this post', content: [nodes], returnFocus: () => el });
//   d.close();
//
// formDialog() builds the common case on top: a form with fields, an alert region for errors,
// a submit button that shows it is busy, and Cancel. run(values, key) sends the write; the
// idempotency key is made on the first send and kept while the values stay the same, so
// pressing the button again after a timeout acts once.
import { t } from './i18n.js';
import { h, charCount, isBlank, errorText, formatNumber } from './ui.js';
import { newKey } from './transport.js';
import { LIMITS } from './protocol.js';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

let openCount = 0;

export function openDialog({ id, title, describedBy = null, content = [], returnFocus = null, onClose = null, wide = false, initialFocus = null }) {
  const opener = document.activeElement;
  const headingId = `${id}-title`;
  const dlg = h('dialog', { class: `dialog${wide ? ' wide' : ''}`, id, aria: { labelledby: headingId, describedby: describedBy, modal: 'true' } });
  const closeButton = h('button', { type: 'button', class: 'dialog-close link-button', aria: { label: t('dialog.close') },
                                    on: { click: () => close() } }, '×');
  dlg.append(h('div', { class: 'dialog-head' }, h('h2', { id: headingId, class: 'dialog-title', tabindex: '-1' }, title), closeButton),
    h('div', { class: 'dialog-body' }, content));
  let closed = false;

  function focusables() {
    return [...dlg.querySelectorAll(FOCUSABLE)].filter((n) => !n.closest('[hidden]') && n.getClientRects().length);
  }

  dlg.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const list = focusables();
    if (!list.length) { e.preventDefault(); return; }
    const first = list[0];
    const last = list[list.length - 1];
    if (e.shiftKey && (document.activeElement === first || !dlg.contains(document.activeElement))) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && (document.activeElement === last || !dlg.contains(document.activeElement))) { e.preventDefault(); first.focus(); }
  });
  // Escape: the browser fires 'cancel'; a busy dialog stays open.
  dlg.addEventListener('cancel', (e) => {
    e.preventDefault();
    if (dlg.dataset.busy !== 'true') close();
  });

  function close() {
    if (closed) return;
    closed = true;
    openCount--;
    if (dlg.open) dlg.close();
    dlg.remove();
    if (onClose) onClose();
    const back = (returnFocus && returnFocus()) || (opener && document.body.contains(opener) ? opener : null);
    if (back && typeof back.focus === 'function') back.focus();
    else document.getElementById('page-heading')?.focus();
  }

  document.body.append(dlg);
  openCount++;
  dlg.showModal();
  const target = (initialFocus && initialFocus()) || focusables().find((n) => n !== closeButton) || dlg.querySelector(`#${headingId}`);
  if (target) target.focus();
  return { el: dlg, close, get closed() { return closed; } };
}

export const dialogOpen = () => openCount > 0;

// A reason field with its counter, as every moderation form has one.
export function reasonField(id, labelKey, { required = true, hintKey = null } = {}) {
  const inputId = `${id}-reason`;
  const max = LIMITS.max_reason_chars;
  const input = h('textarea', { id: inputId, name: 'reason', rows: 3, class: 'input', required: required ? true : null });
  const counter = h('p', { class: 'counter', id: `${inputId}-count` });
  const error = h('p', { class: 'field-error', id: `${inputId}-error` });
  const hint = hintKey ? h('p', { class: 'hint', id: `${inputId}-hint` }, t(hintKey)) : null;
  const update = () => {
    const left = max - charCount(input.value);
    counter.classList.toggle('over', left < 0);
    counter.textContent = left >= 0 ? t('compose.chars_left', { count: formatNumber(left) }) : t('compose.chars_over', { count: formatNumber(-left) });
  };
  const describe = () => {
    input.setAttribute('aria-describedby', [hint && hint.id, error.textContent ? error.id : null, counter.id].filter(Boolean).join(' '));
    if (error.textContent) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  };
  input.addEventListener('input', () => { update(); if (error.textContent) validate(); });
  update();
  describe();
  function validate() {
    const v = input.value;
    let msg = '';
    if (required && isBlank(v)) msg = t('mod.error.reason_empty');
    else if (charCount(v) > max) msg = t('mod.error.reason_long', { max: formatNumber(max) });
    error.textContent = msg;
    describe();
    return !msg;
  }
  const el = h('div', { class: 'field' }, h('label', { for: inputId, class: 'field-label' }, t(labelKey)), hint, input,
    h('div', { class: 'field-foot' }, error, counter));
  return { el, input, validate, get value() { return input.value.trim(); } };
}

// A dialog with a form. fields: [{el, validate?, input?}]; values(): what run() gets.
export function formDialog({ id, title, intro = null, fields = [], values, submitKey, danger = false, run, done, returnFocus }) {
  const introId = intro ? `${id}-intro` : null;
  const formError = h('div', { class: 'form-error', role: 'alert', id: `${id}-error` });
  const submit = h('button', { type: 'submit', class: `button ${danger ? 'danger' : 'primary'}`, id: `${id}-submit` }, t(submitKey));
  const cancel = h('button', { type: 'button', class: 'button', id: `${id}-cancel`, on: { click: () => d.close() } }, t('compose.cancel'));
  const form = h('form', { class: 'compose dialog-form', novalidate: true },
    intro ? h('p', { id: introId, class: 'dialog-intro' }, intro) : null,
    fields.map((f) => f.el), formError, h('div', { class: 'compose-actions' }, submit, cancel));
  let key = null;
  let keyText = null;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (d.el.dataset.busy === 'true') return;
    formError.textContent = '';
    const bad = fields.find((f) => f.validate && !f.validate());
    if (bad) { (bad.input || bad.el.querySelector('input, textarea, select'))?.focus(); return; }
    const v = values();
    const text = JSON.stringify(v);
    if (!key || keyText !== text) { key = newKey(); keyText = text; }
    d.el.dataset.busy = 'true';
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const reply = await run(v, key);
      d.el.dataset.busy = 'false';
      // The page changes first (a Hide button becomes Restore), then focus goes back to it.
      try { if (done) done(reply, v); } finally { d.close(); }
    } catch (err) {
      formError.replaceChildren(h('p', {}, errorText(err)));
      submit.focus();
    } finally {
      d.el.dataset.busy = 'false';
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  const d = openDialog({ id, title, describedBy: introId, content: [form], returnFocus });
  return d;
}
