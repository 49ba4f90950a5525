// The "Polls" part of the presenter view (staff): make polls of every kind and surveys; open,
// close, reveal, reset (after a confirmation) and duplicate them; and show each one's live
// results, large: a bar chart for choices and ratings, the answers of a text poll, a word
// cloud. Every chart has its table and every cloud its ordered word list, drawn from the same
// counts; a spoken summary per poll goes to the polite live region at most every few seconds.
// From a cloud's word list staff remove a word or merge one word into another.
import { t } from './i18n.js';
import { h, tn, formatNumber, charCount, isBlank } from './ui.js';
import { newKey } from './transport.js';
import { keepFocus } from './questions.js';
import { POLL_LIMITS, KINDS, VISIBILITIES, kindLabel, pollStateBadge, resultsBlock, resultsAnnouncer, createCloud, pollErrorText, shortText } from './polls.js';

function blankForm() {
  return {
    kind: 'single', prompt: '', options: [{ text: '', correct: false }, { text: '', correct: false }, { text: '', correct: false }],
    min: '', max: '', scale: 5, maxEntries: 3, visibility: 'live', survey: '', error: null, key: null, sig: null, sending: false,
  };
}

export function createPollPresenter(ctx, polls, { summaryTicker }) {
  const ui = {
    creating: false, form: blankForm(), formEl: null, status: null, // messages are functions: a language switch says them anew
    surveyTitle: '', surveyOpen: false, surveyError: null,
    confirmReset: null, word: null, // {poll, word, action: 'remove'|'merge', into}
    busy: new Set(), errors: new Map(), // poll id -> error text
  };
  const clouds = new Map();
  let el = null;
  let queued = false;

  function schedule() {
    if (queued) return;
    queued = true;
    Promise.resolve().then(() => { queued = false; renderNow(); });
  }

  async function act(id, fn, { pollId = null, focus = null } = {}) {
    if (ui.busy.has(id)) return;
    ui.busy.add(id);
    if (pollId !== null) ui.errors.delete(pollId);
    try {
      await fn();
    } catch (err) {
      if (pollId !== null) ui.errors.set(pollId, () => pollErrorText(err)); else ctx.showError(err);
    } finally {
      ui.busy.delete(id);
      renderNow();
      if (focus) document.getElementById(focus())?.focus();
    }
  }

  // ---- the create form ------------------------------------------------------

  function formFields() {
    const f = ui.form;
    const out = { kind: f.kind, prompt: f.prompt.trim(), visibility: f.visibility };
    if (f.kind === 'single' || f.kind === 'multiple') {
      const opts = f.options.map((o) => ({ text: o.text.trim(), correct: o.correct })).filter((o) => o.text);
      out.options = opts.map((o) => o.text);
      const correct = opts.map((o, i) => (o.correct ? i : -1)).filter((i) => i >= 0);
      if (correct.length) out.correct = correct;
      if (f.kind === 'multiple') {
        if (f.min !== '') out.min_choices = Number(f.min);
        if (f.max !== '') out.max_choices = Number(f.max);
      }
    }
    if (f.kind === 'rating') out.scale = Number(f.scale);
    if (f.kind === 'words') out.max_entries = Number(f.maxEntries);
    if (f.survey) out.survey = Number(f.survey);
    return out;
  }

  // A message for what the server would refuse anyway, said before sending; else null.
  function formProblem(fields) {
    if (isBlank(fields.prompt)) return { text: () => t('polls.form.error_prompt'), focus: 'poll-new-prompt' };
    if (charCount(fields.prompt) > POLL_LIMITS.prompt) return { text: () => t('polls.form.error_prompt_long', { max: formatNumber(POLL_LIMITS.prompt) }), focus: 'poll-new-prompt' };
    if (fields.options) {
      if (fields.options.length < 2) return { text: () => t('polls.form.error_options'), focus: 'poll-new-opt-0' };
      const long = fields.options.findIndex((o) => charCount(o) > POLL_LIMITS.option);
      if (long >= 0) return { text: () => t('polls.form.error_option_long', { max: formatNumber(POLL_LIMITS.option) }), focus: 'poll-new-opt-0' };
      if (fields.kind === 'single' && fields.correct && fields.correct.length > 1) return { text: () => t('polls.form.error_correct_one'), focus: 'poll-new-correct-0' };
      if (fields.kind === 'multiple') {
        const n = fields.options.length;
        const min = fields.min_choices ?? 1;
        const max = fields.max_choices ?? n;
        if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max <= n && min <= max)) {
          return { text: () => t('polls.form.error_minmax', { n: formatNumber(n) }), focus: 'poll-new-min' };
        }
      }
    }
    if (fields.kind === 'words' && !(Number.isInteger(fields.max_entries) && fields.max_entries >= 1 && fields.max_entries <= POLL_LIMITS.entries)) {
      return { text: () => t('polls.form.error_entries', { max: formatNumber(POLL_LIMITS.entries) }), focus: 'poll-new-entries' };
    }
    return null;
  }

  async function submitCreate(openNow) {
    const f = ui.form;
    if (f.sending) return;
    const fields = formFields();
    const problem = formProblem(fields);
    f.error = problem ? () => problem.text() : null;
    if (problem) { rebuildForm(); document.getElementById(problem.focus)?.focus(); return; }
    const sig = JSON.stringify(fields);
    if (f.sig !== sig) { f.key = newKey(); f.sig = sig; }
    f.sending = true;
    rebuildForm();
    try {
      const r = await polls.create(fields, f.key);
      let poll = r && r.poll;
      if (openNow && poll) {
        const o = await polls.control('poll.open', poll);
        poll = (o && o.poll) || poll;
      }
      ui.form = blankForm();
      ui.form.survey = f.survey; // the next poll most likely goes to the same survey
      ui.creating = false;
      ui.formEl = null;
      ui.status = () => t(openNow ? 'polls.form.created_open' : 'polls.form.created', { prompt: shortText(fields.prompt, 80) });
      ctx.say(ui.status());
      renderNow();
      if (poll) document.getElementById(`pp-${poll.id}-heading`)?.focus();
    } catch (err) {
      f.error = () => (err && err.code === 'bad_field' && err.field ? t('polls.form.error_field', { field: fieldName(err.field) }) : pollErrorText(err));
      f.sending = false;
      rebuildForm();
      document.getElementById('poll-new-error')?.focus();
    } finally {
      f.sending = false;
    }
  }

  function fieldName(field) {
    const key = `polls.field.${field}`;
    const s = t(key);
    return s === key ? field : s;
  }

  function rebuildForm(focusId) {
    const old = ui.formEl;
    ui.formEl = buildForm();
    if (old && old.isConnected) old.replaceWith(ui.formEl);
    if (focusId) document.getElementById(focusId)?.focus();
  }

  function buildForm() {
    const f = ui.form;
    const counter = (id, value, max) => {
      const n = charCount(value);
      const p = h('p', { class: `counter${n > max ? ' over' : ''}`, id: `${id}-count` }, t('live.char_count', { count: formatNumber(n), max: formatNumber(max) }));
      return p;
    };
    const bindText = (input, set, max) => input.addEventListener('input', () => {
      set(input.value);
      const c = document.getElementById(`${input.id}-count`);
      if (c && max) {
        const n = charCount(input.value);
        c.textContent = t('live.char_count', { count: formatNumber(n), max: formatNumber(max) });
        c.classList.toggle('over', n > max);
      }
    });

    const kinds = h('fieldset', { class: 'kinds poll-kinds' }, h('legend', { class: 'field-label' }, t('polls.form.kind')),
      KINDS.map((k) => {
        const input = h('input', { type: 'radio', name: 'poll-new-kind', id: `poll-new-kind-${k}`, value: k,
                                   on: { change: () => { f.kind = k; rebuildForm(`poll-new-kind-${k}`); } } });
        input.checked = f.kind === k;
        return h('div', { class: 'choice' }, input, h('label', { for: `poll-new-kind-${k}` },
          h('span', { class: 'choice-title' }, kindLabel(k)), h('span', { class: 'choice-hint' }, ` ${t(`polls.kind_hint.${k}`)}`)));
      }));

    const prompt = h('textarea', { id: 'poll-new-prompt', class: 'input', rows: 2, aria: { describedby: 'poll-new-prompt-count' } });
    prompt.value = f.prompt;
    bindText(prompt, (v) => { f.prompt = v; }, POLL_LIMITS.prompt);

    const parts = [kinds,
      h('div', { class: 'field' }, h('label', { for: 'poll-new-prompt', class: 'field-label' }, t('polls.form.prompt')), prompt,
        h('div', { class: 'field-foot' }, counter('poll-new-prompt', f.prompt, POLL_LIMITS.prompt)))];

    if (f.kind === 'single' || f.kind === 'multiple') {
      const rows = f.options.map((o, i) => {
        const input = h('input', { type: 'text', id: `poll-new-opt-${i}`, class: 'input', autocomplete: 'off' });
        input.value = o.text;
        bindText(input, (v) => { o.text = v; }, 0);
        const correct = h('input', { type: 'checkbox', id: `poll-new-correct-${i}`, on: { change: () => { o.correct = correct.checked; } } });
        correct.checked = o.correct;
        return h('li', { class: 'option-row' },
          h('label', { for: `poll-new-opt-${i}`, class: 'field-label' }, t('polls.form.option_n', { n: formatNumber(i + 1) })),
          input,
          h('div', { class: 'check' }, correct, h('label', { for: `poll-new-correct-${i}` }, t('polls.form.correct_n', { n: formatNumber(i + 1) }))),
          f.options.length > 2 ? h('button', { type: 'button', class: 'button small', id: `poll-new-remove-${i}`,
                                               on: { click: () => { f.options.splice(i, 1); rebuildForm(`poll-new-opt-${Math.max(0, i - 1)}`); } } },
            t('polls.form.remove_option', { n: formatNumber(i + 1) })) : null);
      });
      parts.push(h('fieldset', { class: 'poll-new-options' }, h('legend', { class: 'field-label' }, t('polls.form.options')),
        h('p', { class: 'hint' }, t('polls.form.options_hint', { max: formatNumber(POLL_LIMITS.options) })),
        h('ol', { class: 'option-rows' }, rows),
        f.options.length < POLL_LIMITS.options ? h('button', { type: 'button', class: 'button small', id: 'poll-new-add',
                                                                on: { click: () => { f.options.push({ text: '', correct: false }); rebuildForm(`poll-new-opt-${f.options.length - 1}`); } } },
          t('polls.form.add_option')) : null));
      if (f.kind === 'multiple') {
        const num = (id, key, label) => {
          const input = h('input', { type: 'number', id, class: 'input narrow', min: 1, max: POLL_LIMITS.options, inputmode: 'numeric' });
          input.value = f[key];
          input.addEventListener('input', () => { f[key] = input.value; });
          return h('div', { class: 'field' }, h('label', { for: id, class: 'field-label' }, label), input);
        };
        parts.push(h('div', { class: 'field-row' }, num('poll-new-min', 'min', t('polls.form.min')), num('poll-new-max', 'max', t('polls.form.max'))),
          h('p', { class: 'hint' }, t('polls.form.minmax_hint')));
      }
    }
    if (f.kind === 'rating') {
      const sel = h('select', { id: 'poll-new-scale', on: { change: () => { f.scale = Number(sel.value); } } },
        [5, 10].map((n) => h('option', { value: String(n) }, t('polls.form.scale_n', { n: formatNumber(n) }))));
      sel.value = String(f.scale);
      parts.push(h('div', { class: 'field' }, h('label', { for: 'poll-new-scale', class: 'field-label' }, t('polls.form.scale')), sel));
    }
    if (f.kind === 'words') {
      const input = h('input', { type: 'number', id: 'poll-new-entries', class: 'input narrow', min: 1, max: POLL_LIMITS.entries, inputmode: 'numeric',
                                 aria: { describedby: 'poll-new-entries-hint' } });
      input.value = String(f.maxEntries);
      input.addEventListener('input', () => { f.maxEntries = input.value; });
      parts.push(h('div', { class: 'field' }, h('label', { for: 'poll-new-entries', class: 'field-label' }, t('polls.form.entries')),
        h('p', { class: 'hint', id: 'poll-new-entries-hint' }, t('polls.form.entries_hint', { max: formatNumber(POLL_LIMITS.entries) })), input));
    }
    const vis = h('select', { id: 'poll-new-visibility', aria: { describedby: 'poll-new-visibility-hint' },
                              on: { change: () => { f.visibility = vis.value; const hint = document.getElementById('poll-new-visibility-hint'); if (hint) hint.textContent = t(`polls.visibility_hint.${vis.value}`); } } },
      VISIBILITIES.map((v) => h('option', { value: v }, t(`polls.visibility.${v}`))));
    vis.value = f.visibility;
    parts.push(h('div', { class: 'field' }, h('label', { for: 'poll-new-visibility', class: 'field-label' }, t('polls.form.visibility')), vis,
      h('p', { class: 'hint', id: 'poll-new-visibility-hint' }, t(`polls.visibility_hint.${f.visibility}`))));
    const surveys = [...polls.surveys.values()].sort((a, b) => a.id - b.id);
    if (surveys.length) {
      const sel = h('select', { id: 'poll-new-survey', on: { change: () => { f.survey = sel.value; } } },
        h('option', { value: '' }, t('polls.form.no_survey')), surveys.map((sv) => h('option', { value: String(sv.id) }, sv.title)));
      sel.value = f.survey;
      parts.push(h('div', { class: 'field' }, h('label', { for: 'poll-new-survey', class: 'field-label' }, t('polls.form.survey')), sel));
    }
    parts.push(h('div', { class: 'form-error', role: 'alert', id: 'poll-new-error', tabindex: '-1' }, f.error ? h('p', {}, f.error()) : null),
      h('div', { class: 'tool-buttons' },
        h('button', { type: 'submit', class: 'button primary', id: 'poll-new-open', disabled: f.sending }, t('polls.form.create_open')),
        h('button', { type: 'button', class: 'button', id: 'poll-new-draft', disabled: f.sending, on: { click: () => submitCreate(false) } }, t('polls.form.create_draft')),
        h('button', { type: 'button', class: 'button', id: 'poll-new-cancel', on: { click: () => {
          ui.creating = false; ui.formEl = null; renderNow(); document.getElementById('poll-new-toggle')?.focus();
        } } }, t('live.cancel'))));
    return h('form', { class: 'compose poll-new card', id: 'poll-new', novalidate: true, aria: { labelledby: 'poll-new-heading' },
                       on: { submit: (e) => { e.preventDefault(); submitCreate(true); } } },
      h('h3', { id: 'poll-new-heading' }, t('polls.form.heading')), ...parts);
  }

  // ---- surveys ------------------------------------------------------------------

  async function submitSurvey(e) {
    e.preventDefault();
    const title = ui.surveyTitle.trim();
    ui.surveyError = null;
    if (isBlank(title)) ui.surveyError = () => t('polls.survey_form.error_title');
    else if (charCount(title) > POLL_LIMITS.survey) ui.surveyError = () => t('polls.form.error_prompt_long', { max: formatNumber(POLL_LIMITS.survey) });
    if (ui.surveyError) { renderNow(); document.getElementById('survey-new-title')?.focus(); return; }
    await act('survey.create', async () => {
      const r = await polls.createSurvey(title, newKey());
      ui.surveyTitle = '';
      ui.surveyOpen = false;
      if (r && r.survey) { ui.form.survey = String(r.survey.id); ui.formEl = null; }
      ui.status = () => t('polls.survey_form.created', { title });
      ctx.say(ui.status());
    }, { focus: () => 'present-polls-heading' });
  }

  // ---- rendering ------------------------------------------------------------------

  function renderNow() {
    if (!el || !el.isConnected) return;
    keepFocus(el, () => el.replaceChildren(...content()));
  }

  function content() {
    const all = polls.list();
    const out = [h('h2', { id: 'present-polls-heading', tabindex: '-1' }, t('polls.heading'), ' ', h('span', { class: 'count-pill' }, formatNumber(all.length)))];
    const bar = h('div', { class: 'tool-buttons' });
    if (!ui.creating) {
      bar.append(h('button', { type: 'button', class: 'button primary', id: 'poll-new-toggle',
                               on: { click: () => { ui.creating = true; ui.status = null; renderNow(); document.getElementById('poll-new-prompt')?.focus(); } } },
        t('polls.form.new')));
    }
    if (!ui.surveyOpen) {
      bar.append(h('button', { type: 'button', class: 'button', id: 'survey-new-toggle',
                               on: { click: () => { ui.surveyOpen = true; renderNow(); document.getElementById('survey-new-title')?.focus(); } } },
        t('polls.survey_form.new')));
    }
    out.push(bar, h('p', { class: 'compose-status', role: 'status', id: 'polls-status' }, ui.status ? ui.status() : ''));
    if (ui.surveyOpen) {
      const input = h('input', { type: 'text', id: 'survey-new-title', class: 'input', autocomplete: 'off', on: { input: () => { ui.surveyTitle = input.value; } } });
      input.value = ui.surveyTitle;
      out.push(h('form', { class: 'inline-form survey-new', id: 'survey-new', novalidate: true, on: { submit: submitSurvey } },
        h('label', { for: 'survey-new-title', class: 'field-label' }, t('polls.survey_form.title')), input,
        h('div', { class: 'form-error', role: 'alert' }, ui.surveyError ? h('p', {}, ui.surveyError()) : null),
        h('div', { class: 'tool-buttons' },
          h('button', { type: 'submit', class: 'button primary small', id: 'survey-new-submit' }, t('polls.survey_form.create')),
          h('button', { type: 'button', class: 'button small', on: { click: () => {
            ui.surveyOpen = false; ui.surveyError = null; renderNow(); document.getElementById('survey-new-toggle')?.focus();
          } } }, t('live.cancel')))));
    }
    if (ui.creating) {
      if (!ui.formEl) ui.formEl = buildForm();
      out.push(ui.formEl);
    }
    if (!all.length) {
      out.push(h('p', { class: 'present-none' }, t('polls.none_yet')));
      return out;
    }
    const inSurvey = new Set();
    const surveys = [...polls.surveys.values()].sort((a, b) => b.id - a.id);
    const blocks = [];
    for (const sv of surveys) {
      const ps = polls.surveyPolls(sv);
      for (const p of ps) inSurvey.add(p.id);
      blocks.push({ at: ps.length ? Math.max(...ps.map((p) => p.id)) : Infinity, node: surveyBlock(sv, ps) });
    }
    for (const p of all) if (!inSurvey.has(p.id)) blocks.push({ at: p.id, node: pollItem(p, 'h3') });
    // The newest first: the poll being run is near the top.
    blocks.sort((a, b) => b.at - a.at);
    out.push(h('ul', { class: 'present-list present-polls-list', aria: { labelledby: 'present-polls-heading' } }, blocks.map((b) => b.node)));
    return out;
  }

  function surveyBlock(sv, ps) {
    const headingId = `ps-survey-${sv.id}-heading`;
    const anyOpen = ps.some((p) => p.state === 'open');
    const anyNotOpen = ps.some((p) => p.state !== 'open');
    return h('li', { class: 'present-survey', id: `ps-survey-${sv.id}`, data: { survey: sv.id } },
      h('h3', { id: headingId }, t('polls.survey', { title: sv.title })),
      h('p', { class: 'poll-meta' }, tn('polls.survey_count', ps.length)),
      h('div', { class: 'tool-buttons' },
        anyNotOpen && ps.length ? h('button', { type: 'button', class: 'button small', id: `ps-survey-${sv.id}-open`, aria: { describedby: headingId },
                                               on: { click: () => act(`sv:${sv.id}`, async () => { await polls.surveyControl('survey.open', sv); ctx.say(t('polls.announce.survey_opened', { title: sv.title })); }) } },
          t('polls.survey_open')) : null,
        anyOpen ? h('button', { type: 'button', class: 'button small', id: `ps-survey-${sv.id}-close`, aria: { describedby: headingId },
                                on: { click: () => act(`sv:${sv.id}`, async () => { await polls.surveyControl('survey.close', sv); ctx.say(t('polls.announce.survey_closed', { title: sv.title })); }) } },
          t('polls.survey_close')) : null),
      ps.length ? h('ol', { class: 'present-list', aria: { labelledby: headingId } }, ps.map((p) => pollItem(p, 'h4')))
        : h('p', { class: 'present-none' }, t('polls.survey_empty')));
  }

  function pollItem(poll, hTag) {
    const headingId = `pp-${poll.id}-heading`;
    const res = polls.results.get(poll.id);
    const parts = [
      h(hTag, { class: 'poll-prompt', id: headingId, tabindex: '-1' }, poll.prompt),
      h('p', { class: 'poll-meta' }, pollStateBadge(poll), ' ', h('span', { class: 'poll-kind' }, kindLabel(poll.kind)),
        h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '), h('span', {}, t(`polls.visibility.${poll.visibility}`)),
        poll.revealed ? [h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '), h('span', { class: 'badge revealed' }, t('polls.revealed_badge'))] : null),
      controls(poll, headingId),
      h('div', { class: 'form-error', role: 'alert', id: `pp-${poll.id}-error` }, ui.errors.has(poll.id) ? h('p', {}, ui.errors.get(poll.id)()) : null),
    ];
    if (res) {
      parts.push(resultsFor(poll, res));
    } else if (poll.state !== 'draft') {
      parts.push(polls.refused.get(poll.id) === poll.results_room
        ? h('p', { class: 'notice error-notice' }, t('polls.results_failed'))
        : h('p', { class: 'loading' }, t('polls.results_loading')));
    }
    return h('li', { class: `present-poll state-${poll.state}`, id: `pp-${poll.id}`, data: { poll: poll.id, state: poll.state } }, parts);
  }

  function resultsFor(poll, res) {
    let cloud = null;
    if (poll.kind === 'words') {
      cloud = clouds.get(poll.id);
      if (!cloud) { cloud = createCloud(); clouds.set(poll.id, cloud); }
    }
    // The presenter view is shown to the room: a quiz's answer stays unmarked until it is revealed.
    return resultsBlock(poll, res, { idp: 'ps', cloud, showCorrect: !!poll.revealed, wordActions: (w, words) => wordActions(poll, w, words) });
  }

  function controls(poll, headingId) {
    const bar = h('div', { class: 'tool-buttons poll-controls' });
    const button = (id, label, fn, cls = 'button small') => h('button', { type: 'button', class: cls, id: `pp-${poll.id}-${id}`, aria: { describedby: headingId },
                                                                          on: { click: fn } }, label);
    const op = (name, opName, say, extra) => () => act(`${name}:${poll.id}`, async () => {
      await polls.control(opName, poll, extra);
      ctx.say(t(say, { prompt: shortText(poll.prompt, 80) }));
    }, { pollId: poll.id, focus: () => (document.getElementById(`pp-${poll.id}-${name}`) ? `pp-${poll.id}-${name}` : headingId) });
    if (ui.confirmReset === poll.id) {
      bar.append(h('div', { class: 'confirm', role: 'group', aria: { labelledby: `pp-${poll.id}-reset-q` } },
        h('p', { id: `pp-${poll.id}-reset-q` }, t('polls.reset_confirm', { prompt: shortText(poll.prompt, 80) })),
        button('reset-yes', t('polls.reset_yes'), () => act(`reset:${poll.id}`, async () => {
          await polls.control('poll.reset', poll);
          ui.confirmReset = null;
          ctx.say(t('polls.announce.reset', { prompt: shortText(poll.prompt, 80) }));
        }, { pollId: poll.id, focus: () => `pp-${poll.id}-reset` }), 'button danger small'),
        button('reset-no', t('live.cancel'), () => { ui.confirmReset = null; renderNow(); document.getElementById(`pp-${poll.id}-reset`)?.focus(); })));
      return bar;
    }
    if (poll.state === 'open') bar.append(button('close', t('polls.close'), op('close', 'poll.close', 'polls.announce.closed')));
    else bar.append(button('open', t(poll.state === 'draft' ? 'polls.open' : 'polls.reopen'), op('open', 'poll.open', 'polls.announce.opened'), 'button primary small'));
    if (poll.state !== 'draft') {
      bar.append(poll.revealed
        ? button('reveal', t('polls.hide'), op('reveal', 'poll.reveal', 'polls.announce.hidden', { revealed: false }))
        : button('reveal', t('polls.reveal'), op('reveal', 'poll.reveal', 'polls.announce.revealed', { revealed: true })));
      bar.append(button('reset', t('polls.reset'), () => { ui.confirmReset = poll.id; renderNow(); document.getElementById(`pp-${poll.id}-reset-yes`)?.focus(); }, 'button small danger-outline'));
    }
    bar.append(button('duplicate', t('polls.duplicate'), () => act(`dup:${poll.id}`, async () => {
      const r = await polls.control('poll.duplicate', poll);
      ui.status = () => t('polls.duplicated', { prompt: shortText(poll.prompt, 80) });
      ctx.say(ui.status());
      if (r && r.poll) setTimeout(() => document.getElementById(`pp-${r.poll.id}-heading`)?.focus(), 0);
    }, { pollId: poll.id })));
    return bar;
  }

  // Remove / Merge beside each word of a cloud's list, each with its confirmation.
  function wordActions(poll, w, words) {
    const c = ui.word && ui.word.poll === poll.id && ui.word.word === w.word ? ui.word : null;
    const base = `pw-${poll.id}-${wordId(w.word)}`;
    const textId = `${base}-text`;
    const cancel = (focus) => { ui.word = null; renderNow(); document.getElementById(focus)?.focus(); };
    if (c && c.action === 'remove') {
      return h('div', { class: 'confirm', role: 'group', aria: { labelledby: `${base}-q` } },
        h('p', { id: `${base}-q` }, tn('polls.word_remove_confirm', w.count, { word: w.text })),
        h('button', { type: 'button', class: 'button danger small', id: `${base}-remove-yes`,
                      on: { click: () => act(`rm:${poll.id}`, async () => {
                        const r = await polls.cloudRemove(poll, w.word);
                        ui.word = null;
                        ctx.say(tn('polls.word_removed', (r && r.removed) ?? w.count, { word: w.text }));
                      }, { pollId: poll.id, focus: () => `pp-${poll.id}-heading` }) } }, t('polls.word_remove')),
        h('button', { type: 'button', class: 'button small', id: `${base}-remove-no`, on: { click: () => cancel(`${base}-remove`) } }, t('live.cancel')));
    }
    if (c && c.action === 'merge') {
      const others = words.filter((x) => x.word !== w.word);
      const sel = h('select', { id: `${base}-into`, on: { change: () => { c.into = sel.value; } } },
        others.map((x) => h('option', { value: x.word }, `${x.text} (${formatNumber(x.count)})`)));
      if (!c.into || !others.some((x) => x.word === c.into)) c.into = others[0] ? others[0].word : '';
      sel.value = c.into;
      return h('div', { class: 'confirm', role: 'group', aria: { labelledby: `${base}-mq` } },
        h('p', { id: `${base}-mq` }, t('polls.word_merge_confirm', { word: w.text })),
        h('label', { for: `${base}-into` }, t('polls.word_merge_into')), sel,
        h('button', { type: 'button', class: 'button primary small', id: `${base}-merge-yes`, disabled: !others.length,
                      on: { click: () => act(`mg:${poll.id}`, async () => {
                        const into = others.find((x) => x.word === c.into);
                        if (!into) return;
                        await polls.cloudMerge(poll, w.word, into.word);
                        ui.word = null;
                        ctx.say(t('polls.word_merged', { word: w.text, into: into.text }));
                      }, { pollId: poll.id, focus: () => `pp-${poll.id}-heading` }) } }, t('polls.word_merge')),
        h('button', { type: 'button', class: 'button small', id: `${base}-merge-no`, on: { click: () => cancel(`${base}-merge`) } }, t('live.cancel')));
    }
    return h('span', { class: 'word-actions' },
      h('span', { class: 'visually-hidden', id: textId }, w.text),
      h('button', { type: 'button', class: 'link-button danger-link', id: `${base}-remove`, aria: { describedby: textId },
                    on: { click: () => { ui.word = { poll: poll.id, word: w.word, action: 'remove' }; renderNow(); document.getElementById(`${base}-remove-yes`)?.focus(); } } },
        t('polls.word_remove')),
      words.length > 1 ? h('button', { type: 'button', class: 'link-button', id: `${base}-merge`, aria: { describedby: textId },
                                       on: { click: () => { ui.word = { poll: poll.id, word: w.word, action: 'merge' }; renderNow(); document.getElementById(`${base}-into`)?.focus(); } } },
        t('polls.word_merge_open')) : null);
  }

  // New counts for results already on show: only that block is drawn again.
  function updateResults(id) {
    const poll = polls.polls.get(id);
    const res = polls.results.get(id);
    const block = document.getElementById(`ps-results-${id}`);
    if (!poll || !res || !block || !el || !el.contains(block)) return false;
    keepFocus(block, () => block.replaceWith(resultsFor(poll, res)));
    return true;
  }

  const summarize = resultsAnnouncer(polls, summaryTicker);

  return {
    mount(container) { el = container; ui.formEl = null; renderNow(); },
    render: renderNow,
    changed(what, id) {
      if (what === 'results' && id) summarize(id);
      if (what === 'results' && id && !queued && updateResults(id)) return;
      if (what === 'survey' && ui.creating && !ui.form.sending) ui.formEl = null; // the survey menu changed
      schedule();
    },
    destroy() { for (const c of clouds.values()) c.destroy(); clouds.clear(); el = null; },
  };
}

// A word's group key as part of an element id (any characters, so hex of its code points).
function wordId(word) {
  return [...String(word)].map((c) => c.codePointAt(0).toString(16)).join('-');
}
