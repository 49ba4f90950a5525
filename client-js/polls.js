// Polls, surveys and word clouds of a live session, as both live pages see them.
//
// The polls themselves travel in the session:<id> room (its snapshot has `polls` and
// `surveys`; poll.updated and survey.updated follow) and, for staff, in staff:<course>
// (poll.created, survey.created: new drafts). Tallies never do: each poll names a results
// room (results:<n>) whose `poll.results` state carries them, and which a participant may
// follow only while the results are visible to them. When visibility narrows the poll gets
// a new results room, so this store follows whatever room each poll names now.
//
//   const polls = createPollStore(ctx, sessionId, { isStaff, changed(what, pollId, live) {} });
//   polls.fromSnapshot(data)   polls.apply(m, live) -> handled?   polls.onState(m)   polls.onResume(r)
//   polls.list()  polls.results.get(id)  polls.mine.get(id)  polls.answer(poll, {choices:[1]}, key)
//
// Also here: the results as the pages draw them (bar chart, its table, the cloud and its
// word list), the spoken summary, and error messages for the poll ops.
import { t, getLang } from './i18n.js';
import { h, tn, formatNumber, errorText } from './ui.js';
import { LIMITS } from './protocol.js';
import { createCloud, reducedMotion } from './wordcloud.js';

export const POLL_LIMITS = Object.freeze({
  prompt: LIMITS.max_poll_prompt_chars,
  options: LIMITS.max_poll_options,
  option: LIMITS.max_option_chars,
  text: LIMITS.max_poll_text_chars,
  word: LIMITS.max_word_chars,
  entries: LIMITS.max_cloud_entries,
  survey: LIMITS.max_survey_title_chars,
});
export const KINDS = ['single', 'multiple', 'rating', 'text', 'words'];
export const VISIBILITIES = ['live', 'after_answer', 'on_reveal', 'staff_only'];

export function createPollStore(ctx, sessionId, hooks) {
  const p = {
    polls: new Map(),     // id -> poll
    surveys: new Map(),   // id -> survey
    mine: new Map(),      // poll id -> this person's answer ({choices} {rating} {text} {entries})
    results: new Map(),   // poll id -> results, while its results room is followed
    rooms: new Map(),     // poll id -> the results room followed (or being subscribed)
    allowed: new Map(),   // poll id -> a results room the server said this person may follow
    refused: new Map(),   // poll id -> a results room the server refused (not tried again)
    entriesLeft: new Map(), // words poll id -> entries left, as the last answer reply said
    alive: true,
  };
  const tr = ctx.transport;
  const changed = (what, id, live = false) => { if (p.alive && hooks.changed) hooks.changed(what, id, live); };
  const staff = () => hooks.isStaff();

  p.list = () => [...p.polls.values()].sort((a, b) => a.id - b.id);
  // A survey's polls in order: each poll names its survey (a new draft may be known before
  // the survey's own list names it).
  p.surveyPolls = (sv) => [...p.polls.values()].filter((x) => x.survey === sv.id || (sv.polls || []).includes(x.id))
    .sort((a, b) => (a.position - b.position) || (a.id - b.id));

  p.fromSnapshot = (data) => {
    if (!Array.isArray(data.polls)) return;
    p.polls = new Map();
    p.surveys = new Map();
    for (const poll of data.polls) {
      if (!poll || typeof poll.id !== 'number') continue;
      p.polls.set(poll.id, poll);
      if (poll.mine !== undefined) { if (poll.mine) p.mine.set(poll.id, poll.mine); else p.mine.delete(poll.id); }
      if (typeof poll.entries_left === 'number') p.entriesLeft.set(poll.id, poll.entries_left);
      if (poll.results_visible === true) p.allowed.set(poll.id, poll.results_room);
    }
    for (const sv of data.surveys || []) if (sv && typeof sv.id === 'number') p.surveys.set(sv.id, sv);
    sync();
    changed('polls');
  };

  function merge(poll) {
    const old = p.polls.get(poll.id);
    const next = old ? { ...old, ...poll } : poll;
    // The peer view leaves `correct` out until revealed; a staff copy keeps what it knew.
    if (old && old.correct && poll.correct === undefined) next.correct = old.correct;
    p.polls.set(poll.id, next);
    if (old && old.results_room !== next.results_room) p.refused.delete(poll.id);
    return { old, next };
  }
  p.merge = (poll) => { merge(poll); sync(); changed('poll', poll.id); };

  // An event of session:<id> or staff:<course>; true when it was about polls.
  p.apply = (m, live) => {
    const d = m.data || {};
    if ((m.ev === 'poll.created' || m.ev === 'poll.updated') && d.poll && typeof d.poll === 'object') {
      if (d.poll.session !== sessionId) return true;
      const { old, next } = merge(d.poll);
      // A reset deleted every answer, this person's too (hiding results again is no reset).
      if (old && typeof next.resets === 'number' && next.resets > (old.resets || 0) && p.mine.has(next.id)) forget(next.id);
      sync();
      const opened = next.state === 'open' && (!old || old.state !== 'open');
      const revealed = next.revealed && (!old || !old.revealed);
      changed(opened ? 'opened' : revealed ? 'revealed' : old && old.state !== next.state ? 'state' : 'poll', next.id, live);
      return true;
    }
    if ((m.ev === 'survey.created' || m.ev === 'survey.updated') && d.survey && typeof d.survey === 'object') {
      if (d.survey.session !== sessionId) return true;
      p.surveys.set(d.survey.id, { ...(p.surveys.get(d.survey.id) || {}), ...d.survey });
      changed('survey', d.survey.id, live);
      return true;
    }
    return false;
  };

  p.onState = (m) => {
    if (m.st !== 'poll.results' || !m.data) return;
    const id = m.data.poll;
    if (p.rooms.get(id) !== m.room) return;
    setResults(id, m.data);
  };

  p.onResume = (r) => {
    const id = pollOfRoom(r.room);
    if (id === null) return false;
    if (!r.ok) {
      drop(id);
      if (r.error && (r.error.code === 'forbidden' || r.error.code === 'not_found')) p.refused.set(id, r.room);
      changed('results', id);
      return true;
    }
    if (r.data && r.data.results) setResults(id, r.data.results);
    return true;
  };

  // This person's answer was deleted with every other one (poll.reset).
  function forget(id) {
    p.mine.delete(id);
    p.entriesLeft.delete(id);
    p.allowed.delete(id);
    changed('answer_gone', id);
  }

  function pollOfRoom(room) {
    for (const [id, r] of p.rooms) if (r === room) return id;
    return null;
  }

  function setResults(id, res) {
    if (!res || typeof res !== 'object') return;
    p.results.set(id, { ...res, room: p.rooms.get(id) });
    changed('results', id, true);
  }

  // May this person follow the poll's results room now? Staff: always (drafts have none to
  // show). Others: as the visibility table says, or as the server last said for this room.
  function wanted(poll) {
    if (!poll.results_room || poll.state === 'draft') return null;
    if (p.refused.get(poll.id) === poll.results_room) return null;
    if (staff() || p.allowed.get(poll.id) === poll.results_room) return poll.results_room;
    switch (poll.visibility) {
      case 'live': return poll.results_room;
      case 'after_answer': return p.mine.has(poll.id) || poll.revealed ? poll.results_room : null;
      case 'on_reveal': return poll.revealed ? poll.results_room : null;
      default: return null;
    }
  }

  function drop(id) {
    const room = p.rooms.get(id);
    if (!room) return;
    p.rooms.delete(id);
    tr.unsubscribeRoom(room);
    tr.request('unsubscribe', { room }).catch(() => {});
  }

  function sync() {
    if (!p.alive) return;
    for (const poll of p.polls.values()) {
      const want = wanted(poll);
      const cur = p.rooms.get(poll.id) || null;
      if (cur === want) continue;
      if (cur) drop(poll.id);
      if (!want) { if (p.results.delete(poll.id)) changed('results', poll.id); continue; }
      p.rooms.set(poll.id, want);
      tr.request('subscribe', { room: want }).then((data) => {
        if (!p.alive || p.rooms.get(poll.id) !== want) return;
        tr.lastSeq.set(want, Number.isInteger(data.seq) ? data.seq : 0);
        tr.subscribeRoom(want);
        setResults(poll.id, data.results);
      }, (err) => {
        if (!p.alive || p.rooms.get(poll.id) !== want) return;
        p.rooms.delete(poll.id);
        p.results.delete(poll.id);
        if (err && (err.code === 'forbidden' || err.code === 'not_found')) p.refused.set(poll.id, want);
        // Refused after answering, results after answering: the answer is gone (a reset).
        const cur = p.polls.get(poll.id);
        if (err && err.code === 'forbidden' && cur && cur.visibility === 'after_answer' && !cur.revealed && p.mine.has(poll.id)) {
          forget(poll.id);
          return;
        }
        changed('results', poll.id);
      });
    }
  }
  p.sync = sync;

  p.destroy = () => {
    p.alive = false;
    for (const room of p.rooms.values()) {
      tr.unsubscribeRoom(room);
      tr.request('unsubscribe', { room }).catch(() => {});
    }
    p.rooms.clear();
  };

  // ---- writes ---------------------------------------------------------------

  const write = (op, data) => tr.write(op, data, { timeoutMs: ctx.writeTimeoutMs });
  const took = (r) => { if (r && r.poll && typeof r.poll === 'object') p.merge(r.poll); return r; };

  p.answer = async (poll, answer, key) => {
    const r = await write('poll.answer', { poll: poll.id, ...answer, key });
    if (r && r.mine) p.mine.set(poll.id, r.mine);
    if (r && typeof r.entries_left === 'number') p.entriesLeft.set(poll.id, r.entries_left);
    if (r && r.results_room && r.results_visible) {
      p.allowed.set(poll.id, r.results_room);
      p.refused.delete(poll.id);
      const cur = p.polls.get(poll.id);
      if (cur && cur.results_room !== r.results_room) merge({ ...cur, results_room: r.results_room });
    }
    sync();
    changed('answer', poll.id);
    return r;
  };
  p.create = async (fields, key) => took(await write('poll.create', { session: sessionId, ...fields, key }));
  p.control = async (op, poll, extra = {}) => took(await write(op, { poll: poll.id, ...extra }));
  p.createSurvey = async (title, key) => {
    const r = await write('survey.create', { session: sessionId, title, key });
    if (r && r.survey) { p.surveys.set(r.survey.id, r.survey); changed('survey', r.survey.id); }
    return r;
  };
  p.surveyControl = async (op, sv) => {
    const r = await write(op, { survey: sv.id });
    if (r && r.survey) p.surveys.set(r.survey.id, { ...(p.surveys.get(r.survey.id) || {}), ...r.survey });
    for (const poll of (r && r.polls) || []) merge(poll);
    sync();
    changed('survey', sv.id);
    return r;
  };
  p.cloudRemove = (poll, word) => write('cloud.remove', { poll: poll.id, word });
  p.cloudMerge = (poll, word, into) => write('cloud.merge', { poll: poll.id, word, into });
  return p;
}

// ---- what the pages show ----------------------------------------------------------

export function kindLabel(kind) {
  return KINDS.includes(kind) ? t(`polls.kind.${kind}`) : kind;
}

export function pollStateBadge(poll) {
  return h('span', { class: `badge poll-state state-${poll.state}` }, t(`polls.state.${poll.state}`));
}

// Option labels of a choice poll, or the values 1..scale of a rating.
export function choiceLabels(poll) {
  if (poll.kind === 'rating') {
    const n = poll.scale || 5;
    return Array.from({ length: n }, (_, i) => formatNumber(i + 1));
  }
  return poll.options || [];
}

const isChoice = (poll) => poll.kind === 'single' || poll.kind === 'multiple' || poll.kind === 'rating';

function percent(count, total) {
  return new Intl.NumberFormat(getLang(), { style: 'percent', maximumFractionDigits: 0 }).format(total ? count / total : 0);
}

// The leader of a choice poll (most counted, the first on a tie), or null with no answers.
function leader(poll, res) {
  const counts = res.counts || [];
  let best = -1;
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0 && (best < 0 || counts[i] > counts[best])) best = i;
  return best < 0 ? null : { label: choiceLabels(poll)[best] ?? String(best + 1), count: counts[best] };
}

// One sentence for the screen reader: "Poll "X": 40 answers; A leads with 25."
// A poll's spoken summary for the ticker: summarize(id) says it when it changed since last said.
export function resultsAnnouncer(polls, ticker) {
  const said = new Map();
  return (id) => {
    const poll = polls.polls.get(id);
    const res = polls.results.get(id);
    if (!poll || !res) return;
    const text = resultsSummary(poll, res);
    if (said.get(id) === text) return;
    said.set(id, text);
    ticker.say(text, `poll:${id}`);
  };
}

export function resultsSummary(poll, res) {
  const prompt = shortText(poll.prompt, 80);
  const answers = tn('polls.answers', res.respondents || 0);
  let lead = '';
  if (isChoice(poll)) {
    const l = leader(poll, res);
    if (l) lead = t('polls.summary_leads', { option: l.label, count: formatNumber(l.count) });
    if (poll.kind === 'rating' && typeof res.mean === 'number') lead = `${lead}${lead ? ' ' : ''}${t('polls.mean', { mean: formatMean(res.mean), scale: formatNumber(poll.scale || 5) })}`;
  } else if (poll.kind === 'text' && res.answers && res.answers[0]) {
    lead = t('polls.summary_leads', { option: shortText(res.answers[0].text, 60), count: formatNumber(res.answers[0].count) });
  } else if (poll.kind === 'words' && res.words && res.words[0]) {
    lead = t('polls.summary_words', { words: res.words.slice(0, 3).map((w) => w.text).join(', ') });
  }
  return t(lead ? 'polls.summary' : 'polls.summary_none', { prompt, answers, lead });
}

function formatMean(m) {
  return new Intl.NumberFormat(getLang(), { maximumFractionDigits: 1 }).format(m);
}

export function shortText(text, max) {
  const s = String(text || '').replace(/\s+/g, ' ').trim();
  const cps = [...s];
  return cps.length > max ? `${cps.slice(0, max - 1).join('')}…` : s;
}

// Bars widths the page last showed, so a new count moves a bar from where it was.
const lastWidths = new Map();

function barFill(key, pct) {
  const fill = h('span', { class: 'bar-fill' });
  const from = lastWidths.get(key);
  lastWidths.set(key, pct);
  if (from === undefined || from === pct || reducedMotion()) {
    fill.style.width = `${pct}%`;
  } else {
    fill.style.width = `${from}%`;
    requestAnimationFrame(() => { void fill.offsetWidth; fill.style.width = `${pct}%`; });
  }
  return fill;
}

// A choice or rating poll's results: the bar chart (a picture, hidden from screen readers)
// and the table that says the same in text.
function choiceResults(poll, res, idp, { showCorrect }) {
  const labels = choiceLabels(poll);
  const total = res.respondents || 0;
  const correct = showCorrect && Array.isArray(poll.correct) ? new Set(poll.correct) : new Set();
  const rows = labels.map((label, i) => {
    const count = (res.counts || [])[i] || 0;
    return { label, count, pct: total ? Math.round((count * 100) / total) : 0, right: correct.has(i) };
  });
  const chart = h('div', { class: 'bar-chart', aria: { hidden: 'true' } }, rows.map((r, i) =>
    h('div', { class: `bar-row${r.right ? ' correct' : ''}` },
      h('span', { class: 'bar-label' }, r.label, r.right ? h('span', { class: 'correct-mark' }, ` ✓ ${t('polls.correct_short')}`) : null),
      h('span', { class: 'bar-track' }, barFill(`${idp}:${poll.id}:${res.room}:${i}`, r.pct)),
      h('span', { class: 'bar-value' }, `${formatNumber(r.count)} · ${percent(r.count, total)}`))));
  const table = h('table', { class: 'results-table', id: `${idp}-table-${poll.id}` },
    h('caption', {}, t('polls.table_caption', { prompt: shortText(poll.prompt, 120) })),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t(poll.kind === 'rating' ? 'polls.col_value' : 'polls.col_option')),
      h('th', { scope: 'col' }, t('polls.col_count')),
      h('th', { scope: 'col' }, t('polls.col_percent')))),
    h('tbody', {}, rows.map((r, i) => h('tr', { data: { option: i, count: r.count } },
      h('th', { scope: 'row' }, r.label, r.right ? ` (${t('polls.correct_answer')})` : ''),
      h('td', { class: 'count' }, formatNumber(r.count)),
      h('td', {}, percent(r.count, total))))));
  // The bars already show every label, count and share on screen; the table is for screen
  // readers (the chart is hidden from them), so it is visually hidden.
  const out = [chart, h('div', { class: 'visually-hidden' }, table)];
  if (poll.kind === 'rating') {
    out.push(h('p', { class: 'results-mean' }, typeof res.mean === 'number'
      ? t('polls.mean', { mean: formatMean(res.mean), scale: formatNumber(poll.scale || 5) }) : t('polls.mean_none')));
  }
  return out;
}

function textResults(poll, res, idp) {
  const answers = res.answers || [];
  if (!answers.length) return [h('p', { class: 'empty' }, t('polls.no_answers'))];
  return [h('ol', { class: 'text-answers', id: `${idp}-answers-${poll.id}`, aria: { label: t('polls.answers_label') } },
    answers.map((a) => h('li', { data: { count: a.count } },
      h('span', { class: 'answer-text' }, a.text), ' ',
      h('span', { class: 'answer-count' }, tn('polls.times', a.count)))))];
}

// The word list under a cloud: the cloud's text alternative, and where staff remove or merge.
function wordsResults(poll, res, idp, { cloud, wordActions }) {
  const words = res.words || [];
  const out = [];
  if (cloud) {
    cloud.canvas.setAttribute('role', 'img');
    cloud.canvas.setAttribute('aria-label', t('polls.cloud_label', { prompt: shortText(poll.prompt, 80) }));
    cloud.canvas.setAttribute('aria-describedby', `${idp}-words-${poll.id}-heading`);
    cloud.update(words);
    out.push(cloud.el);
  }
  out.push(h('p', { class: 'words-heading', id: `${idp}-words-${poll.id}-heading` },
    t('polls.words_heading', { words: formatNumber(words.length), entries: formatNumber(res.entries || 0) })));
  if (!words.length) {
    out.push(h('p', { class: 'empty' }, t('polls.no_words')));
    return out;
  }
  out.push(h('ol', { class: 'word-list', id: `${idp}-words-${poll.id}`, aria: { labelledby: `${idp}-words-${poll.id}-heading` } },
    words.map((w) => h('li', { data: { word: w.word, count: w.count } },
      h('span', { class: 'word-text' }, w.text), ' ',
      h('span', { class: 'word-count' }, tn('polls.times', w.count)),
      wordActions ? wordActions(w, words) : null))));
  return out;
}

// The results block of one poll. opts: {idp (id prefix), cloud (from createCloud),
// wordActions(word, words) -> node, showCorrect}.
export function resultsBlock(poll, res, opts) {
  const idp = opts.idp;
  const parts = [h('p', { class: 'results-total', id: `${idp}-total-${poll.id}` }, tn('polls.answers', res.respondents || 0))];
  if (isChoice(poll)) parts.push(...choiceResults(poll, res, idp, opts));
  else if (poll.kind === 'text') parts.push(...textResults(poll, res, idp));
  else if (poll.kind === 'words') parts.push(...wordsResults(poll, res, idp, opts));
  return h('div', { class: `poll-results kind-${poll.kind}`, id: `${idp}-results-${poll.id}`, data: { respondents: res.respondents || 0 } }, parts);
}

export { createCloud };

// A refused poll op as a sentence, with the limits the server named.
export function pollErrorText(err, poll) {
  const code = err && err.code;
  switch (code) {
    case 'poll_closed': return t('polls.error.poll_closed');
    case 'entry_limit': return t('polls.error.entry_limit', { max: formatNumber(err.limit ?? (poll && poll.max_entries) ?? 0) });
    case 'word_refused': {
      // The message starts with why ("stop word: ..."), as the protocol documents.
      const why = /^(empty|stop word|blocked|removed):/.exec(String(err.message || ''));
      const key = why ? { empty: 'word_empty', 'stop word': 'word_stop', blocked: 'word_blocked', removed: 'word_removed' }[why[1]] : 'word_refused';
      return t(`polls.error.${key}`);
    }
    case 'too_long': return t('polls.error.too_long', { max: formatNumber(err.limit ?? POLL_LIMITS.text) });
    case 'bad_answer':
      if (poll && poll.kind === 'multiple' && err.field === 'choices') return t('polls.error.bad_choices', { min: formatNumber(poll.min_choices || 1), max: formatNumber(poll.max_choices || 1) });
      if (poll && poll.kind === 'rating') return t('polls.error.bad_rating', { max: formatNumber(poll.scale || 5) });
      if (err.field === 'text') return t('polls.error.blank');
      return t('polls.error.bad_answer');
    default: return errorText(err);
  }
}
