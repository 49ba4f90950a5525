// The moderation actions, shared by the thread view and the moderation console: flag a post
// (anyone), and for staff hide, restore, remove, endorse, read a post's edit history and mute
// someone. Each opens a dialog where a reason is needed; each resolves through done(reply).
import { t } from './i18n.js';
import { h, timeEl, errorText, formatNumber, fullDate, untilMs } from './ui.js';
import { renderMarkdown } from './markdown.js';
import { openDialog, formDialog, reasonField } from './dialog.js';
import { LIMITS } from './protocol.js';

const opts = (ctx) => ({ timeoutMs: ctx.writeTimeoutMs });

export function flagPost(ctx, post, { name, returnFocus, done }) {
  const reason = reasonField(`flag-${post.id}`, 'mod.flag_reason', { hintKey: 'mod.flag_hint' });
  return formDialog({
    id: `flag-${post.id}`, title: t('mod.flag_title', { name }), intro: t('mod.flag_intro'),
    fields: [reason], values: () => ({ reason: reason.value }), submitKey: 'mod.flag_submit', returnFocus,
    run: (v, key) => ctx.transport.write('post.flag', { post: post.id, reason: v.reason, key }, opts(ctx)),
    done: (reply) => { ctx.say(t('mod.flagged_done')); if (done) done(reply); },
  });
}

export function hidePost(ctx, post, { name, returnFocus, done }) {
  const reason = reasonField(`hide-${post.id}`, 'mod.reason', { hintKey: 'mod.reason_hint' });
  return formDialog({
    id: `hide-${post.id}`, title: t('mod.hide_title', { name }), intro: t('mod.hide_intro'),
    fields: [reason], values: () => ({ reason: reason.value }), submitKey: 'mod.hide_submit', returnFocus,
    run: (v, key) => ctx.transport.write('post.hide', { post: post.id, reason: v.reason, key }, opts(ctx)),
    done: (reply) => { ctx.say(t('mod.hidden_done')); if (done) done(reply); },
  });
}

export function removePost(ctx, post, { name, returnFocus, done }) {
  const reason = reasonField(`remove-${post.id}`, 'mod.reason', { hintKey: 'mod.reason_hint' });
  return formDialog({
    id: `remove-${post.id}`, title: t('mod.remove_title', { name }),
    intro: t(post.first ? 'mod.remove_intro_thread' : 'mod.remove_intro'),
    fields: [reason], values: () => ({ reason: reason.value }), submitKey: 'mod.remove_submit', danger: true, returnFocus,
    run: (v, key) => ctx.transport.write('post.remove', { post: post.id, reason: v.reason, key }, opts(ctx)),
    done: (reply) => { ctx.say(t('mod.removed_done')); if (done) done(reply); },
  });
}

// Restore and endorse need no reason: they act at once, the button shows it is busy.
export async function directWrite(ctx, button, op, data, doneKey) {
  if (button) button.disabled = true;
  try {
    const reply = await ctx.transport.write(op, data, opts(ctx));
    if (doneKey) ctx.say(t(doneKey));
    return reply;
  } catch (err) {
    ctx.showError(err);
    return null;
  } finally {
    if (button && button.isConnected) button.disabled = false;
  }
}

export function showHistory(ctx, post, { name, returnFocus }) {
  const body = h('div', { class: 'history', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('mod.history_loading')));
  const d = openDialog({ id: `history-${post.id}`, title: t('mod.history_title', { name }), content: [body], returnFocus, wide: true,
                         initialFocus: () => document.getElementById(`history-${post.id}-title`) });
  ctx.transport.request('post.history', { post: post.id }).then((data) => {
    if (d.closed) return;
    const revs = (data.revisions || []).slice().sort((a, b) => a.revision - b.revision);
    const list = h('ol', { class: 'revisions' });
    for (const r of revs) {
      list.append(h('li', { class: 'revision' },
        h('h3', { class: 'revision-head' }, t('mod.revision', { n: formatNumber(r.revision) })),
        h('p', { class: 'revision-meta' }, t('mod.revision_by', { name: r.edited_by ? r.edited_by.name : t('post.anonymous') }), ' · ',
          timeEl(r.edited_at)),
        r.body === null || r.body === undefined ? h('p', { class: 'placeholder' }, t('post.deleted')) : h('div', { class: 'post-body' }, renderMarkdown(r.body, { headingLevel: 4 }))));
    }
    body.replaceChildren(revs.length ? list : h('p', { class: 'empty' }, t('mod.history_empty')));
    body.removeAttribute('aria-busy');
  }, (err) => {
    if (d.closed) return;
    body.replaceChildren(h('p', { class: 'notice error-notice', role: 'alert' }, errorText(err)));
    body.removeAttribute('aria-busy');
  });
  return d;
}

export const MUTE_PRESETS = [['hour', 60], ['day', 1440], ['week', 10080]];

// people: [{id, name}] seen in the course; preset: {id, name} to choose at once.
export function muteUser(ctx, { course, people = [], preset = null, returnFocus, done }) {
  const id = 'mute-dialog';
  const known = new Map(people.filter((p) => p && p.id && p.id !== ctx.user.id).map((p) => [p.id, p]));
  if (preset && preset.id) known.set(preset.id, preset);
  const sorted = [...known.values()].sort((a, b) => String(a.name).localeCompare(String(b.name)));

  const other = h('input', { type: 'text', id: `${id}-other`, class: 'input', autocomplete: 'off', spellcheck: 'false',
                             maxlength: String(LIMITS.max_user_id_chars || 64), aria: { describedby: `${id}-other-hint` } });
  const otherHint = h('p', { class: 'hint', id: `${id}-other-hint` }, t('mod.mute_other_hint'));
  const otherBox = h('div', { class: 'field' }, h('label', { for: `${id}-other`, class: 'field-label' }, t('mod.mute_other')), otherHint, other);
  const personError = h('p', { class: 'field-error', id: `${id}-person-error` });
  let select = null;
  const personParts = [];
  if (sorted.length) {
    select = h('select', { id: `${id}-person`, name: 'person' },
      sorted.map((p) => h('option', { value: p.id }, t('mod.person_option', { name: p.name, id: p.id }))),
      h('option', { value: '' }, t('mod.mute_someone_else')));
    if (preset && preset.id) select.value = preset.id;
    const sync = () => { otherBox.hidden = select.value !== ''; };
    select.addEventListener('change', sync);
    sync();
    personParts.push(h('div', { class: 'field' }, h('label', { for: `${id}-person`, class: 'field-label' }, t('mod.mute_person')), select));
  }
  personParts.push(otherBox, personError);
  const person = {
    el: h('div', { class: 'person-fields' }, personParts),
    input: select && select.value !== '' ? select : other,
    validate() {
      const v = select && select.value !== '' ? select.value : other.value.trim();
      const ok = /^[A-Za-z0-9._@-]{1,64}$/.test(v);
      personError.textContent = ok ? '' : t('mod.error.person');
      if (ok) other.removeAttribute('aria-invalid'); else other.setAttribute('aria-invalid', 'true');
      this.input = select && select.value !== '' ? select : other;
      return ok;
    },
    get value() { return select && select.value !== '' ? select.value : other.value.trim(); },
  };

  const radios = [];
  const custom = h('input', { type: 'number', id: `${id}-minutes`, class: 'input minutes', min: '1', max: String(LIMITS.max_mute_minutes),
                              step: '1', inputmode: 'numeric', value: '30', aria: { describedby: `${id}-minutes-error` } });
  const durError = h('p', { class: 'field-error', id: `${id}-minutes-error` });
  const choice = (value, label) => {
    const rid = `${id}-dur-${value}`;
    const r = h('input', { type: 'radio', name: `${id}-dur`, id: rid, value });
    radios.push(r);
    return h('div', { class: 'choice compact' }, r, h('label', { for: rid }, label));
  };
  const fs = h('fieldset', { class: 'durations' }, h('legend', {}, t('mod.mute_duration')),
    MUTE_PRESETS.map(([k, m]) => choice(String(m), t(`mod.mute_${k}`))),
    choice('custom', t('mod.mute_custom')));
  radios[0].checked = true;
  const customBox = h('div', { class: 'field custom-minutes' }, h('label', { for: `${id}-minutes`, class: 'field-label' }, t('mod.mute_minutes')), custom, durError);
  const syncDur = () => { customBox.hidden = !radios[radios.length - 1].checked; };
  for (const r of radios) r.addEventListener('change', syncDur);
  syncDur();
  const duration = {
    el: h('div', {}, fs, customBox),
    input: custom,
    validate() {
      const r = radios.find((x) => x.checked);
      if (r.value !== 'custom') { durError.textContent = ''; return true; }
      const n = Number(custom.value);
      const ok = Number.isInteger(n) && n >= 1 && n <= LIMITS.max_mute_minutes;
      durError.textContent = ok ? '' : t('mod.error.minutes', { max: formatNumber(LIMITS.max_mute_minutes) });
      if (ok) custom.removeAttribute('aria-invalid'); else custom.setAttribute('aria-invalid', 'true');
      return ok;
    },
    get value() { const r = radios.find((x) => x.checked); return r.value === 'custom' ? Number(custom.value) : Number(r.value); },
  };
  const reason = reasonField(id, 'mod.reason', { hintKey: 'mod.mute_reason_hint' });
  return formDialog({
    id, title: t('mod.mute_title'), intro: t('mod.mute_intro'),
    fields: [person, duration, reason], submitKey: 'mod.mute_submit', returnFocus,
    values: () => ({ user: person.value, minutes: duration.value, reason: reason.value }),
    run: (v, key) => ctx.transport.write('user.mute', { course, user: v.user, minutes: v.minutes, reason: v.reason, key }, opts(ctx)),
    done: (reply, v) => {
      const m = reply && reply.mute;
      const who = (m && m.user && m.user.name) || (known.get(v.user) || {}).name || v.user;
      ctx.say(m && m.until ? t('mod.muted_done', { name: who, time: fullDate(untilMs(m.until)) }) : t('mod.muted_done_short', { name: who }));
      if (done) done(reply, v);
    },
  });
}
