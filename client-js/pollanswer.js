// The "Polls" part of the participant's live page: every poll that is open or closed (drafts
// never reach participants), each with the form its kind asks for (one choice, several
// choices within min..max, a rating, a short text, words for a cloud), the answer given
// (changeable while the poll is open), and the results once they are visible to this person,
// with the correct answer marked when revealed. A survey is stepped through one poll at a
// time ("Question 2 of 5", Previous / Next).
import { t } from './i18n.js';
import { h, tn, formatNumber, charCount, isBlank } from './ui.js';
import { newKey } from './transport.js';
import { keepFocus } from './questions.js';
import { POLL_LIMITS, kindLabel, pollStateBadge, choiceLabels, resultsBlock, resultsAnnouncer, createCloud, pollErrorText } from './polls.js';

export function createPollAnswers(ctx, polls, { ticker, summaryTicker }) {
  const ui = {
    drafts: new Map(),   // poll id -> {choices, rating, text, word}: what is chosen but not sent
    status: new Map(),   // poll id -> {ok, error}: the last send's outcome
    sending: new Set(),
    keys: new Map(),     // poll id -> {key, sig}: one idempotency key per distinct answer
    step: new Map(),     // survey id -> index of the poll on show
  };
  const clouds = new Map();
  let el = null;
  let queued = false;

  const visiblePolls = () => polls.list().filter((p) => p.state !== 'draft');

  // ---- sending ------------------------------------------------------------

  function keyFor(poll, answer) {
    const sig = JSON.stringify(answer);
    const k = ui.keys.get(poll.id);
    if (k && k.sig === sig) return k.key;
    const key = newKey();
    ui.keys.set(poll.id, { key, sig });
    return key;
  }

  // Messages are kept as functions, so a language switch says them in the new language.
  function fail(poll, text, focusId) {
    ui.status.set(poll.id, { error: text });
    renderNow();
    if (focusId) document.getElementById(focusId)?.focus();
  }

  async function send(poll, answer, { focusId, okText, after } = {}) {
    if (ui.sending.has(poll.id)) return;
    ui.sending.add(poll.id);
    ui.status.set(poll.id, {});
    renderNow();
    try {
      await polls.answer(poll, answer, keyFor(poll, answer));
      ui.keys.delete(poll.id);
      if (after) after();
      ui.status.set(poll.id, { ok: okText || (() => t('polls.answer_saved')) });
    } catch (err) {
      ui.status.set(poll.id, { error: () => pollErrorText(err, poll) });
    } finally {
      ui.sending.delete(poll.id);
      renderNow();
      const st = ui.status.get(poll.id);
      if (st && st.error && focusId) document.getElementById(focusId)?.focus();
      // A word sent: ready for the next one, or on the note that all were sent.
      if (st && !st.error && poll.kind === 'words') (document.getElementById(focusId) || document.getElementById(`poll-${poll.id}-done`))?.focus();
    }
  }

  function draft(poll) {
    if (!ui.drafts.has(poll.id)) ui.drafts.set(poll.id, {});
    return ui.drafts.get(poll.id);
  }

  function submit(poll, e) {
    e.preventDefault();
    const d = draft(poll);
    const mine = polls.mine.get(poll.id) || {};
    const first = `poll-${poll.id}-in-0`;
    if (poll.kind === 'single') {
      const choices = d.choices ?? mine.choices ?? [];
      if (choices.length !== 1) return fail(poll, () => t('polls.error.choose_one'), first);
      return send(poll, { choices }, { focusId: first });
    }
    if (poll.kind === 'multiple') {
      const choices = [...(d.choices ?? mine.choices ?? [])].sort((a, b) => a - b);
      const min = poll.min_choices || 1;
      const max = poll.max_choices || choiceLabels(poll).length;
      if (choices.length < min || choices.length > max) return fail(poll, () => t('polls.error.bad_choices', { min: formatNumber(min), max: formatNumber(max) }), first);
      return send(poll, { choices }, { focusId: first });
    }
    if (poll.kind === 'rating') {
      const rating = d.rating ?? mine.rating;
      if (!Number.isInteger(rating)) return fail(poll, () => t('polls.error.choose_rating'), first);
      return send(poll, { rating }, { focusId: first });
    }
    if (poll.kind === 'text') {
      const id = `poll-${poll.id}-text`;
      const text = (d.text ?? mine.text ?? '').trim();
      if (isBlank(text)) return fail(poll, () => t('polls.error.blank'), id);
      if (charCount(text) > POLL_LIMITS.text) return fail(poll, () => t('polls.error.too_long', { max: formatNumber(POLL_LIMITS.text) }), id);
      return send(poll, { text }, { focusId: id });
    }
    if (poll.kind === 'words') {
      const id = `poll-${poll.id}-word`;
      const text = (d.word ?? '').trim();
      if (isBlank(text)) return fail(poll, () => t('polls.error.blank_word'), id);
      if (charCount(text) > POLL_LIMITS.word) return fail(poll, () => t('polls.error.too_long', { max: formatNumber(POLL_LIMITS.word) }), id);
      return send(poll, { text }, {
        focusId: id, okText: () => t('polls.word_added', { word: text }),
        after: () => { d.word = ''; },
      });
    }
    return undefined;
  }

  // ---- rendering ------------------------------------------------------------

  function schedule() {
    if (queued) return;
    queued = true;
    Promise.resolve().then(() => { queued = false; renderNow(); });
  }

  function renderNow() {
    if (!el || !el.isConnected) return;
    keepFocus(el, () => el.replaceChildren(...content()));
  }

  function content() {
    const list = visiblePolls();
    el.hidden = list.length === 0;
    if (!list.length) return [];
    const out = [h('h2', { id: 'polls-heading' }, t('polls.heading'), ' ', h('span', { class: 'count-pill' }, formatNumber(list.length)))];
    const items = [];
    const inSurvey = new Set();
    const surveys = [...polls.surveys.values()].sort((a, b) => a.id - b.id);
    for (const sv of surveys) {
      const ps = polls.surveyPolls(sv).filter((p) => p.state !== 'draft');
      for (const p of ps) inSurvey.add(p.id);
      if (ps.length) items.push({ at: Math.max(...ps.map((p) => p.id)), node: surveyCard(sv, ps) });
    }
    for (const p of list) {
      if (p.survey && inSurvey.has(p.id)) continue;
      items.push({ at: p.id, node: h('li', { class: 'poll-item', id: `poll-${p.id}`, data: { poll: p.id, state: p.state } }, pollCard(p, 'h3')) });
    }
    // Open polls first, the newest on top.
    items.sort((a, b) => b.at - a.at);
    out.push(h('ul', { class: 'poll-list', aria: { labelledby: 'polls-heading' } }, items.map((x) => x.node)));
    return out;
  }

  function surveyCard(sv, ps) {
    let i = ui.step.get(sv.id);
    if (i === undefined) {
      // Start at the first poll not yet answered.
      i = ps.findIndex((p) => p.state === 'open' && !polls.mine.has(p.id));
      if (i < 0) i = 0;
    }
    i = Math.max(0, Math.min(ps.length - 1, i));
    ui.step.set(sv.id, i);
    const poll = ps[i];
    const go = (j, focusId) => { ui.step.set(sv.id, j); renderNow(); document.getElementById(focusId)?.focus(); };
    const headingId = `survey-${sv.id}-heading`;
    return h('li', { class: 'poll-item survey-item', id: `survey-${sv.id}`, data: { survey: sv.id } },
      h('section', { class: 'survey', aria: { labelledby: headingId } },
        h('h3', { id: headingId }, t('polls.survey', { title: sv.title })),
        h('p', { class: 'survey-step', id: `survey-${sv.id}-step` }, t('polls.step', { n: formatNumber(i + 1), total: formatNumber(ps.length) })),
        h('div', { class: 'survey-poll', id: `poll-${poll.id}`, data: { poll: poll.id, state: poll.state } }, pollCard(poll, 'h4')),
        h('nav', { class: 'tool-buttons survey-nav', aria: { label: t('polls.survey_nav', { title: sv.title }) } },
          h('button', { type: 'button', class: 'button small', id: `survey-${sv.id}-prev`, disabled: i === 0,
                        on: { click: () => go(i - 1, i - 1 === 0 ? `survey-${sv.id}-next` : `survey-${sv.id}-prev`) } }, t('polls.previous')),
          h('button', { type: 'button', class: 'button small', id: `survey-${sv.id}-next`, disabled: i === ps.length - 1,
                        on: { click: () => go(i + 1, i + 1 === ps.length - 1 ? `survey-${sv.id}-prev` : `survey-${sv.id}-next`) } }, t('polls.next')))));
  }

  function pollCard(poll, hTag) {
    const promptId = `poll-${poll.id}-prompt`;
    const mine = polls.mine.get(poll.id) || null;
    const parts = [
      h(hTag, { class: 'poll-prompt', id: promptId }, poll.prompt),
      h('p', { class: 'poll-meta' }, pollStateBadge(poll), ' ', h('span', { class: 'poll-kind' }, kindLabel(poll.kind)),
        typeof poll.respondents === 'number' && !polls.results.has(poll.id) ? [h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '), tn('polls.answers', poll.respondents)] : null),
    ];
    if (mine) parts.push(h('p', { class: 'poll-mine', id: `poll-${poll.id}-mine` }, yourAnswer(poll, mine)));
    if (poll.state === 'open') parts.push(answerForm(poll, mine, promptId));
    else parts.push(h('p', { class: 'hint' }, t(mine ? 'polls.closed_answered' : 'polls.closed')));
    if (poll.revealed && Array.isArray(poll.correct) && poll.correct.length) {
      const labels = choiceLabels(poll);
      parts.push(h('p', { class: 'poll-correct', id: `poll-${poll.id}-correct` }, h('span', { class: 'correct-mark', aria: { hidden: 'true' } }, '✓ '),
        t('polls.correct_is', { answer: poll.correct.map((i) => labels[i]).join(', ') })));
    }
    parts.push(resultsPart(poll, mine));
    return parts;
  }

  function yourAnswer(poll, mine) {
    const labels = choiceLabels(poll);
    let text = '';
    if (Array.isArray(mine.choices)) text = mine.choices.map((i) => labels[i] ?? String(i + 1)).join(', ');
    else if (typeof mine.rating === 'number') text = t('polls.rating_value', { value: formatNumber(mine.rating), scale: formatNumber(poll.scale || 5) });
    else if (typeof mine.text === 'string') text = mine.text;
    if (Array.isArray(mine.entries)) return t('polls.your_words', { words: mine.entries.join(', ') });
    return t('polls.your_answer', { answer: text });
  }

  function resultsPart(poll, mine) {
    const res = polls.results.get(poll.id);
    const box = h('div', { class: 'poll-results-wrap', id: `poll-${poll.id}-results` });
    if (res) {
      let cloud = null;
      if (poll.kind === 'words') {
        cloud = clouds.get(poll.id);
        if (!cloud) { cloud = createCloud(); clouds.set(poll.id, cloud); }
      }
      box.append(h('p', { class: 'results-label' }, t('polls.results')), resultsBlock(poll, res, { idp: 'pr', cloud, showCorrect: !!poll.revealed }));
    } else {
      const why = poll.visibility === 'after_answer' && !mine ? 'polls.results_after_answer'
        : poll.visibility === 'on_reveal' && !poll.revealed ? 'polls.results_on_reveal'
        : poll.visibility === 'staff_only' ? 'polls.results_staff_only' : null;
      if (why) box.append(h('p', { class: 'hint results-hidden' }, t(why)));
    }
    return box;
  }

  function messages(poll) {
    const st = ui.status.get(poll.id) || {};
    return [
      h('div', { class: 'form-error', role: 'alert', id: `poll-${poll.id}-error` }, st.error ? h('p', {}, st.error()) : null),
      h('p', { class: 'compose-status', role: 'status', id: `poll-${poll.id}-status` }, st.ok ? st.ok() : ''),
    ];
  }

  function answerForm(poll, mine, promptId) {
    const d = draft(poll);
    const sending = ui.sending.has(poll.id);
    const form = h('form', { class: 'poll-form', id: `poll-${poll.id}-form`, novalidate: true, on: { submit: (e) => submit(poll, e) } });
    const submitLabel = t(poll.kind === 'words' ? 'polls.add_word' : mine ? 'polls.change_answer' : 'polls.send_answer');
    const button = () => h('button', { type: 'submit', class: 'button primary', id: `poll-${poll.id}-submit`, disabled: sending },
      sending ? t('polls.sending') : submitLabel);

    if (poll.kind === 'single' || poll.kind === 'multiple' || poll.kind === 'rating') {
      const multi = poll.kind === 'multiple';
      const rating = poll.kind === 'rating';
      const labels = choiceLabels(poll);
      const chosen = new Set(rating ? [(d.rating ?? mine?.rating ?? 0) - 1] : (d.choices ?? mine?.choices ?? []));
      const min = poll.min_choices || 1;
      const max = poll.max_choices || labels.length;
      const legend = rating ? t('polls.rate_legend', { max: formatNumber(labels.length) })
        : multi ? (min === max ? t('polls.choose_exactly', { n: formatNumber(min) }) : t('polls.choose_between', { min: formatNumber(min), max: formatNumber(max) }))
        : t('polls.choose_one');
      const countId = `poll-${poll.id}-chosen`;
      const inputs = labels.map((label, i) => {
        const id = `poll-${poll.id}-in-${i}`;
        const input = h('input', { type: multi ? 'checkbox' : 'radio', name: `poll-${poll.id}`, id, value: String(i),
                                   on: { change: () => {
                                     if (rating) d.rating = i + 1;
                                     else if (multi) {
                                       const set = new Set(d.choices ?? mine?.choices ?? []);
                                       if (input.checked) set.add(i); else set.delete(i);
                                       d.choices = [...set].sort((a, b) => a - b);
                                       const c = document.getElementById(countId);
                                       if (c) c.textContent = t('polls.chosen_count', { count: formatNumber(d.choices.length), max: formatNumber(max) });
                                     } else d.choices = [i];
                                   } } });
        input.checked = chosen.has(i);
        let text = label;
        if (rating && i === 0) text = t('polls.rating_low', { value: label });
        if (rating && i === labels.length - 1) text = t('polls.rating_high', { value: label });
        return h('div', { class: `poll-choice${rating ? ' rating-choice' : ''}` }, input, h('label', { for: id }, text));
      });
      form.append(h('fieldset', { class: `poll-options${rating ? ' rating' : ''}`, aria: { describedby: promptId + (multi ? ` ${countId}` : '') } },
        h('legend', {}, legend), ...inputs));
      if (multi) form.append(h('p', { class: 'hint', id: countId }, t('polls.chosen_count', { count: formatNumber(chosen.size), max: formatNumber(max) })));
      form.append(...messages(poll), h('div', { class: 'compose-actions' }, button()));
      return form;
    }

    const words = poll.kind === 'words';
    const id = `poll-${poll.id}-${words ? 'word' : 'text'}`;
    const max = words ? POLL_LIMITS.word : POLL_LIMITS.text;
    const countId = `${id}-count`;
    if (words) {
      const used = (mine && Array.isArray(mine.entries)) ? mine.entries.length : 0;
      const left = polls.entriesLeft.has(poll.id) ? polls.entriesLeft.get(poll.id) : Math.max(0, (poll.max_entries || 3) - used);
      if (left <= 0) {
        form.append(h('p', { class: 'notice', id: `poll-${poll.id}-done`, tabindex: '-1' }, t('polls.entries_done')), ...messages(poll));
        return form;
      }
      form.append(h('p', { class: 'hint entries-left', id: `poll-${poll.id}-left` }, tn('polls.entries_left', left)));
    }
    const input = h('input', { type: 'text', id, class: 'input', autocomplete: 'off', spellcheck: words ? 'true' : null,
                               aria: { describedby: `${countId}${words ? ` poll-${poll.id}-left` : ''}` },
                               on: { input: () => {
                                 if (words) d.word = input.value; else d.text = input.value;
                                 counter();
                               } } });
    input.value = words ? (d.word ?? '') : (d.text ?? mine?.text ?? '');
    const count = h('p', { class: 'counter', id: countId });
    function counter() {
      const n = charCount(input.value);
      count.textContent = t('live.char_count', { count: formatNumber(n), max: formatNumber(max) });
      count.classList.toggle('over', n > max);
      input.setAttribute('aria-invalid', String(n > max));
    }
    counter();
    form.append(h('div', { class: 'field' },
      h('label', { for: id, class: 'field-label' }, t(words ? 'polls.word_label' : 'polls.text_label')),
      input, h('div', { class: 'field-foot' }, count)),
    ...messages(poll), h('div', { class: 'compose-actions' }, button()));
    return form;
  }

  function updateResults(id) {
    const poll = polls.polls.get(id);
    const box = document.getElementById(`poll-${id}-results`);
    if (!poll || !box || !el || !el.contains(box) || !polls.results.has(id) || !box.querySelector('.poll-results')) return false;
    keepFocus(box, () => box.replaceWith(resultsPart(poll, polls.mine.get(id) || null)));
    return true;
  }

  // ---- news ------------------------------------------------------------------

  const summarize = resultsAnnouncer(polls, summaryTicker);

  return {
    mount(container) { el = container; renderNow(); },
    render: renderNow,
    changed(what, id, live) {
      const poll = id ? polls.polls.get(id) : null;
      if (live && what === 'opened' && poll) ticker.say(t('polls.announce.opened', { prompt: shortPrompt(poll) }), `opened:${id}`);
      if (live && what === 'revealed' && poll) ticker.say(t('polls.announce.revealed', { prompt: shortPrompt(poll) }), `revealed:${id}`);
      if (live && what === 'state' && poll && poll.state === 'closed') ticker.say(t('polls.announce.closed', { prompt: shortPrompt(poll) }), `closed:${id}`);
      if (what === 'results' && id) summarize(id);
      if (what === 'answer_gone' && id) { ui.drafts.delete(id); ui.status.delete(id); ui.keys.delete(id); }
      // New counts for results already on show: only that block changes, so the form someone
      // is filling in is left alone.
      if (what === 'results' && id && !queued && updateResults(id)) return;
      schedule();
    },
    destroy() { for (const c of clouds.values()) c.destroy(); clouds.clear(); el = null; },
  };
}

function shortPrompt(poll) {
  const s = String(poll.prompt || '').replace(/\s+/g, ' ').trim();
  const cps = [...s];
  return cps.length > 80 ? `${cps.slice(0, 79).join('')}…` : s;
}
