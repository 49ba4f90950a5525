// Word clouds: entries normalized in the course's language end to end (accents, plurals, case,
// ñ, stop words, blocked words), the 40-character limit in characters, max_entries per person,
// the most common spelling shown, staff removing and merging words (counts move, the audit log
// has it, later entries follow), and idempotent retries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, stopClean } from '../lib/daemon.mjs';
import { LIMITS, assertError } from '../lib/helpers.mjs';
import { forum, ok, send, read, request, subscribe, newKey, waitState } from '../lib/forum.mjs';
import { liveSession, sessionSnapshot } from '../lib/qa.mjs';
import { createPoll, openPoll, answer, tryAnswer, resultsSnapshot, blockWords } from '../lib/polls.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(() => stopClean(d));

const closeAll = (cs) => Promise.all(cs.map((c) => c.close()));

async function cloudIn(lang, name, def = {}, participants = 4) {
  const course = d.course({ title: name, lang });
  const f = forum(d);
  const staff = await f.as(`${name}-staff`, [`${course}:facilitator`]);
  const ps = [];
  for (let i = 0; i < participants; i++) ps.push(await f.as(`${name}-p${i}`, [`${course}:participant`]));
  const s = await liveSession(staff, course, { title: name });
  const poll = await openPoll(staff, (await createPoll(staff, s.id, { kind: 'words', prompt: 'One word', ...def })).id);
  return { course, f, staff, ps, s, poll };
}

const words = async (c, poll) => (await resultsSnapshot(c, poll.results_room)).results;
const countOf = (res, text) => res.words.find((w) => w.text === text)?.count ?? 0;

test('Spanish: Éxito, exitos and éxitos are one word, año and ano two; the most common spelling shows', async () => {
  const { staff, ps: [a, b, c, e], poll } = await cloudIn('es', 'es-cloud');
  await answer(a, poll.id, { text: 'Éxito' });
  await answer(b, poll.id, { text: 'exitos' });
  await answer(c, poll.id, { text: 'éxitos!' });
  await answer(e, poll.id, { text: '  éxitos ' });
  await answer(a, poll.id, { text: 'año' });
  await answer(b, poll.id, { text: 'ano' });
  await answer(c, poll.id, { text: 'Trabajo en equipo' });
  const res = await words(staff, poll);
  assert.equal(res.kind, 'words');
  assert.equal(res.respondents, 4);
  assert.equal(res.entries, 7);
  assert.equal(res.words[0].count, 4, JSON.stringify(res.words));
  assert.equal(res.words[0].text, 'éxitos', 'the spelling sent most often');
  assert.equal(countOf(res, 'año'), 1);
  assert.equal(countOf(res, 'ano'), 1);
  assert.notEqual(res.words.find((w) => w.text === 'año').word, res.words.find((w) => w.text === 'ano').word);
  assert.equal(countOf(res, 'Trabajo en equipo'), 1);
  // Sorted by count, then by first appearance.
  assert.deepEqual(res.words.map((w) => w.count), [4, 1, 1, 1]);
  assert.deepEqual(res.words.slice(1).map((w) => w.text), ['año', 'ano', 'Trabajo en equipo']);
  await closeAll([staff, a, b, c, e]);
});

test('entries: stop words and blocked words refused, 40 characters, max_entries, retries count once', async () => {
  const { staff, ps: [a, b], poll, course } = await cloudIn('es', 'es-rules', { max_entries: 2 }, 2);
  assertError(await tryAnswer(a, poll.id, { text: 'de la' }), 'word_refused', { field: 'text' });
  assertError(await tryAnswer(a, poll.id, { text: '¡¿...?!' }), 'word_refused', { field: 'text' });
  assertError(await tryAnswer(a, poll.id, { text: '   ' }), 'bad_answer', { field: 'text' });
  assertError(await tryAnswer(a, poll.id, { choices: [0] }), 'bad_answer', { field: 'choices' });
  // 40 characters of the display form, counted in characters (ñ is two bytes), punctuation aside.
  assertError(await tryAnswer(a, poll.id, { text: 'ñ'.repeat(LIMITS.max_word_chars + 1) }), 'too_long',
    { field: 'text', limit: LIMITS.max_word_chars });
  const r40 = await answer(a, poll.id, { text: `¡${'ñ'.repeat(LIMITS.max_word_chars)}!` });
  assert.deepEqual(r40.mine, { entries: ['ñ'.repeat(LIMITS.max_word_chars)] });
  assert.equal(r40.entries_left, 1);
  assert.equal(r40.results_visible, true);

  // Blocked words of the course's language, by every spelling; other languages' lists do not apply.
  blockWords(d.dbPath, 'es', ['tonto']);
  blockWords(d.dbPath, 'en', ['liderazgo']);
  assertError(await tryAnswer(b, poll.id, { text: 'Tontos' }), 'word_refused', { field: 'text' });
  assertError(await tryAnswer(b, poll.id, { text: 'eres un tonto' }), 'word_refused', { field: 'text' });
  await answer(b, poll.id, { text: 'liderazgo' });

  // An idempotent retry: the same reply, one entry.
  const key = newKey();
  const first = await request(b, 'poll.answer', { poll: poll.id, text: 'Equipo', key });
  const retry = await request(b, 'poll.answer', { poll: poll.id, text: 'Equipo', key });
  assert.equal(first.ok, true, JSON.stringify(first));
  assert.deepEqual(retry.data, first.data);
  assert.equal(first.data.entries_left, 0);
  assertError(await tryAnswer(b, poll.id, { text: 'otra' }), 'entry_limit', { field: 'text', limit: 2 });
  const res = await words(staff, poll);
  assert.equal(res.entries, 3);
  assert.equal(countOf(res, 'Equipo'), 1);
  // Refusals used up nothing: a still has one entry left.
  assert.equal((await answer(a, poll.id, { text: 'equipos' })).entries_left, 0);
  assert.equal(countOf(await words(staff, poll), 'Equipo'), 2);
  void course;
  await closeAll([staff, a, b]);
});

test('staff remove and merge words: counts move, the audit log has both, later entries follow', async () => {
  const { f, staff, ps: [a, b, c, e], poll, course } = await cloudIn('en', 'en-mod');
  const watch = await f.as('en-mod-watch', [`${course}:instructor`]);
  await subscribe(watch, poll.results_room);
  await answer(a, poll.id, { text: 'Leadership' });
  await answer(b, poll.id, { text: 'leaders' });
  await answer(c, poll.id, { text: 'teamwork' });
  await answer(e, poll.id, { text: 'Teamwork' });
  await answer(a, poll.id, { text: 'spam' });
  await answer(b, poll.id, { text: 'spam' });
  let res = await words(staff, poll);
  const key = (text) => res.words.find((w) => w.text.toLowerCase() === text.toLowerCase())?.word;
  const lead = key('leadership'), leaders = key('leaders'), team = key('teamwork'), spam = key('spam');
  assert.ok(lead && leaders && team && spam, JSON.stringify(res.words));
  assert.equal(countOf(res, 'spam'), 2);

  // Participants may not.
  assertError(await send(a, 'cloud.remove', { poll: poll.id, word: spam }), 'forbidden');
  assertError(await send(staff, 'cloud.remove', { poll: poll.id, word: 'nosuchword' }), 'not_found', { field: 'word' });
  const rm = await ok(staff, 'cloud.remove', { poll: poll.id, word: spam });
  assert.deepEqual(rm, { poll: poll.id, word: spam, removed: 2 });
  await waitState(watch, poll.results_room, 'poll.results', (m) => m.data.entries === 4);
  res = await words(staff, poll);
  assert.equal(res.words.find((w) => w.word === spam), undefined);
  assert.equal(res.entries, 4);
  // The word stays removed for later entries.
  assertError(await tryAnswer(c, poll.id, { text: 'SPAM!' }), 'word_refused', { field: 'text' });
  // The removed entry no longer shows among a's own, but still counts against a's entries.
  const mine = (await sessionSnapshot(a, poll.session)).polls.find((p) => p.id === poll.id);
  assert.deepEqual(mine.mine, { entries: ['Leadership'] });
  assert.equal(mine.entries_left, poll.max_entries - 2);

  assert.notEqual(lead, leaders, "two words before the merge");
  {
    assertError(await send(staff, 'cloud.merge', { poll: poll.id, word: leaders, into: leaders }), 'bad_field', { field: 'into' });
    const mg = await ok(staff, 'cloud.merge', { poll: poll.id, word: leaders, into: lead });
    assert.deepEqual(mg, { poll: poll.id, word: lead, count: 2 });
    res = await words(staff, poll);
    assert.equal(res.words.find((w) => w.word === leaders), undefined);
    assert.equal(res.words.find((w) => w.word === lead).count, 2);
    await answer(e, poll.id, { text: 'leader' });    // a spelling of the merged word counts for the kept one
    res = await words(staff, poll);
    assert.equal(res.words.find((w) => w.word === lead).count, 3);
  }
  const mg2 = await ok(staff, 'cloud.merge', { poll: poll.id, word: team, into: lead });
  assert.equal(mg2.count, res.words.find((w) => w.word === lead).count + 2);
  res = await words(staff, poll);
  assert.deepEqual(res.words.map((w) => w.word), [lead]);
  assert.equal(res.entries, mg2.count);

  const audit = await read(staff, 'audit.list', { course });
  const actions = audit.entries.map((x) => x.action);
  assert.ok(actions.includes('cloud.remove'), JSON.stringify(actions));
  assert.ok(actions.includes('cloud.merge'), JSON.stringify(actions));
  const rmEntry = audit.entries.find((x) => x.action === 'cloud.remove');
  assert.equal(rmEntry.subject.id, poll.id);
  assert.equal(rmEntry.reason, spam);

  // Not a word cloud: refused.
  const text = await openPoll(staff, (await createPoll(staff, poll.session, { kind: 'text', prompt: 'T' })).id);
  assertError(await send(staff, 'cloud.remove', { poll: text.id, word: 'x' }), 'bad_field', { field: 'poll' });
  await closeAll([staff, watch, a, b, c, e]);
});
