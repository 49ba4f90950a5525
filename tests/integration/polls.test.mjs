// Live polls and surveys: definitions per kind, drafts, opening and closing, answers at the edges
// of each kind, changing an answer, idempotent retries, results only where and when they may be
// seen (checked on every frame a participant socket recorded), results rooms retired on reset and
// un-reveal, surveys, and a storm of 1,000 voters with exact tallies and bounded frames.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, stopClean } from '../lib/daemon.mjs';
import { SLOW, LIMITS, assertError, sleep, signJwt, claimsFor } from '../lib/helpers.mjs';
import { forum, ok, send, read, request, subscribe, WAIT, newKey, waitEvent, waitState } from '../lib/forum.mjs';
import { liveSession, sessionSnapshot, barrier, leanSocket } from '../lib/qa.mjs';
import {
  createPoll, openPoll, closePoll, revealPoll, answer, tryAnswer, resultsSnapshot, trySubscribe,
  resultMessagesFor, assertNoResultFrames,
} from '../lib/polls.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(() => stopClean(d));

const P = (course) => [`${course}:participant`];
const closeAll = (cs) => Promise.all(cs.map((c) => c.close()));

async function setup(name, { participants = 2 } = {}) {
  const course = d.course({ title: name });
  const f = forum(d);
  const staff = await f.as(`${name}-staff`, [`${course}:instructor`]);
  const ps = [];
  for (let i = 0; i < participants; i++) ps.push(await f.as(`${name}-p${i}`, P(course)));
  const s = await liveSession(staff, course, { title: name });
  return { course, f, staff, ps, s };
}

test('poll.create checks each kind and fills in defaults; drafts stay with staff', async () => {
  const { staff, ps: [a], s, course } = await setup('create');
  const bad = async (def, field) => {
    const r = await send(staff, 'poll.create', { session: s.id, prompt: 'Q?', ...def });
    assertError(r, 'bad_field', { field });
  };
  await bad({ kind: 'single', options: ['only one'] }, 'options');
  await bad({ kind: 'single' }, 'options');
  await bad({ kind: 'single', options: ['A', '   '] }, 'options');
  await bad({ kind: 'single', options: ['A', 'B'], correct: [0, 1] }, 'correct');
  await bad({ kind: 'single', options: ['A', 'B'], correct: [2] }, 'correct');
  await bad({ kind: 'multiple', options: ['A', 'B', 'C'], min_choices: 3, max_choices: 2 }, 'max_choices');
  await bad({ kind: 'multiple', options: ['A', 'B', 'C'], max_choices: 4 }, 'max_choices');
  await bad({ kind: 'rating', scale: 7 }, 'scale');
  await bad({ kind: 'rating', options: ['A', 'B'] }, 'options');
  await bad({ kind: 'text', scale: 5 }, 'scale');
  await bad({ kind: 'words', correct: [0] }, 'correct');
  await bad({ kind: 'text', prompt: '   ' }, 'prompt');
  // At the door: list sizes and item lengths.
  const many = Array.from({ length: LIMITS.max_poll_options + 1 }, (_, i) => `O${i}`);
  assertError(await send(staff, 'poll.create', { session: s.id, kind: 'single', prompt: 'Q', options: many }),
    'too_long', { field: 'options', limit: LIMITS.max_poll_options });
  assertError(await send(staff, 'poll.create', { session: s.id, kind: 'single', prompt: 'Q', options: ['A', 'é'.repeat(LIMITS.max_option_chars + 1)] }),
    'too_long', { field: 'options', limit: LIMITS.max_option_chars });
  assertError(await send(staff, 'poll.create', { session: s.id, kind: 'single', prompt: 'x'.repeat(LIMITS.max_poll_prompt_chars + 1), options: ['A', 'B'] }),
    'too_long', { field: 'prompt', limit: LIMITS.max_poll_prompt_chars });
  assertError(await send(a, 'poll.create', { session: s.id, kind: 'text', prompt: 'Q' }), 'forbidden');

  const full = await createPoll(staff, s.id, {
    kind: 'single', prompt: 'Largest', options: Array.from({ length: LIMITS.max_poll_options }, () => 'é'.repeat(LIMITS.max_option_chars)),
  });
  assert.equal(full.options.length, LIMITS.max_poll_options);
  const m = await createPoll(staff, s.id, { kind: 'multiple', prompt: 'Pick', options: ['A', 'B', 'C'], correct: [2, 0] });
  assert.equal(m.state, 'draft');
  assert.equal(m.min_choices, 1);
  assert.equal(m.max_choices, 3);
  assert.deepEqual(m.correct, [0, 2]);
  assert.equal(m.visibility, 'live');
  assert.match(m.results_room, /^results:\d+$/);
  const r = await createPoll(staff, s.id, { kind: 'rating', prompt: 'Rate' });
  assert.equal(r.scale, 5);
  assert.deepEqual(r.options, []);
  assert.equal(r.min_choices, null);
  const w = await createPoll(staff, s.id, { kind: 'words', prompt: 'One word' });
  assert.equal(w.max_entries, 3);

  // Drafts: not in the participant's snapshot, not answerable, no results room, no event.
  const peerSnap = await sessionSnapshot(a, s.id);
  assert.deepEqual(peerSnap.polls, []);
  const staffSnap = await sessionSnapshot(staff, s.id);
  assert.deepEqual(staffSnap.polls.map((p) => p.id), [full.id, m.id, r.id, w.id]);
  assertError(await tryAnswer(a, m.id, { choices: [0] }), 'not_found', { field: 'poll' });
  assertError(await trySubscribe(a, m.results_room), 'not_found', { field: 'room' });
  assertError(await send(staff, 'poll.answer', { poll: m.id, choices: [0] }), 'poll_closed', { field: 'poll' });
  for (const f of a.frames) assert.ok(!f.includes('"Pick"'), `a draft's prompt reached a participant: ${f.slice(0, 200)}`);

  // The course's staff room carried poll.created.
  await subscribe(staff, `staff:${course}`);
  const dup = (await ok(staff, 'poll.duplicate', { poll: m.id })).poll;
  await waitEvent(staff, `staff:${course}`, 'poll.created', (x) => x.data.poll.id === dup.id);
  assert.notEqual(dup.id, m.id);
  assert.notEqual(dup.results_room, m.results_room);
  assert.deepEqual(dup.options, m.options);
  assert.deepEqual(dup.correct, [0, 2]);
  assert.equal(dup.state, 'draft');
  await closeAll([staff, a]);
});

test('opening, closing and answering: each kind at its edges; changing an answer moves the count', async () => {
  const { staff, ps: [a, b], s } = await setup('answers');
  const room = `session:${s.id}`;
  await subscribe(a, room);
  const single = await createPoll(staff, s.id, { kind: 'single', prompt: 'One', options: ['A', 'B', 'C'] });
  const multi = await createPoll(staff, s.id, { kind: 'multiple', prompt: 'Some', options: ['A', 'B', 'C', 'D'], min_choices: 2, max_choices: 3 });
  const rate = await createPoll(staff, s.id, { kind: 'rating', prompt: 'Rate', scale: 10 });
  const text = await createPoll(staff, s.id, { kind: 'text', prompt: 'Say' });
  for (const p of [single, multi, rate, text]) await openPoll(staff, p.id);
  const ev = await waitEvent(a, room, 'poll.updated', (m) => m.data.poll.id === single.id);
  assert.equal(ev.data.poll.state, 'open');
  assert.equal(ev.data.poll.correct, null);
  // Opening an open poll answers with it as it is.
  const again = await send(staff, 'poll.open', { poll: single.id });
  assert.equal(again.ok, true);
  assert.equal(again.data.poll.state, 'open');

  // single
  assertError(await tryAnswer(a, single.id, { choices: [] }), 'bad_answer', { field: 'choices' });
  assertError(await tryAnswer(a, single.id, { choices: [0, 1] }), 'bad_answer', { field: 'choices' });
  assertError(await tryAnswer(a, single.id, { choices: [3] }), 'bad_answer', { field: 'choices' });
  assertError(await tryAnswer(a, single.id, { rating: 1 }), 'bad_answer', { field: 'rating' });
  assertError(await tryAnswer(a, single.id, {}), 'bad_answer', { field: 'choices' });
  assertError(await tryAnswer(a, single.id, { choices: [-1] }), 'bad_field', { field: 'choices' });
  let r = await answer(a, single.id, { choices: [2] });
  assert.deepEqual(r.mine, { choices: [2] });
  assert.equal(r.results_visible, true);
  assert.equal(r.results_room, single.results_room);
  assert.equal(r.entries_left, null);
  await answer(b, single.id, { choices: [2] });
  let res = (await resultsSnapshot(staff, single.results_room)).results;
  assert.deepEqual(res, { poll: single.id, kind: 'single', respondents: 2, counts: [0, 0, 2] });
  r = await answer(a, single.id, { choices: [0] });         // changed: the count moves
  res = (await resultsSnapshot(staff, single.results_room)).results;
  assert.deepEqual(res.counts, [1, 0, 1]);
  assert.equal(res.respondents, 2);

  // Idempotent retry: the same key answers with the first result and counts once.
  const key = newKey();
  const first = await request(b, 'poll.answer', { poll: single.id, choices: [1], key });
  const retry = await request(b, 'poll.answer', { poll: single.id, choices: [1], key });
  assert.deepEqual(retry, { ...first, re: retry.re });
  res = (await resultsSnapshot(staff, single.results_room)).results;
  assert.deepEqual(res.counts, [1, 1, 0]);

  // multiple: between 2 and 3 distinct options
  assertError(await tryAnswer(a, multi.id, { choices: [1] }), 'bad_answer', { field: 'choices' });
  assertError(await tryAnswer(a, multi.id, { choices: [0, 1, 2, 3] }), 'bad_answer', { field: 'choices' });
  assertError(await tryAnswer(a, multi.id, { choices: [1, 1] }), 'bad_answer', { field: 'choices' });
  assert.deepEqual((await answer(a, multi.id, { choices: [3, 1] })).mine, { choices: [1, 3] });
  await answer(b, multi.id, { choices: [0, 1, 2] });
  res = (await resultsSnapshot(a, multi.results_room)).results;
  assert.deepEqual(res.counts, [1, 2, 1, 1]);

  // rating 1..10
  assertError(await tryAnswer(a, rate.id, { rating: 0 }), 'bad_answer', { field: 'rating' });
  assertError(await tryAnswer(a, rate.id, { rating: 11 }), 'bad_answer', { field: 'rating' });
  assertError(await tryAnswer(a, rate.id, { choices: [1] }), 'bad_answer', { field: 'choices' });
  await answer(a, rate.id, { rating: 10 });
  await answer(b, rate.id, { rating: 1 });
  res = (await resultsSnapshot(a, rate.results_room)).results;
  assert.deepEqual(res.counts, [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(res.mean, 5.5);
  await answer(b, rate.id, { rating: 4 });
  res = (await resultsSnapshot(a, rate.results_room)).results;
  assert.deepEqual(res.counts, [0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
  assert.equal(res.mean, 7);

  // text: characters, not bytes; grouped by case and spacing; blank refused
  const max = 'ñ'.repeat(LIMITS.max_poll_text_chars);
  assertError(await tryAnswer(a, text.id, { text: `${max}ñ` }), 'too_long', { field: 'text', limit: LIMITS.max_poll_text_chars });
  assertError(await tryAnswer(a, text.id, { text: ' \n\t ' }), 'bad_answer', { field: 'text' });
  assert.deepEqual((await answer(a, text.id, { text: max })).mine, { text: max });
  await answer(a, text.id, { text: 'More  examples' });
  await answer(b, text.id, { text: ' more examples ' });
  res = (await resultsSnapshot(a, text.id && text.results_room)).results;
  assert.equal(res.respondents, 2);
  assert.equal(res.answers.length, 1);
  assert.equal(res.answers[0].count, 2);

  // closed: no more answers, and reopening is allowed
  await closePoll(staff, single.id);
  assertError(await tryAnswer(a, single.id, { choices: [1] }), 'poll_closed', { field: 'poll' });
  await openPoll(staff, single.id);
  await answer(a, single.id, { choices: [1] });

  // The participant's snapshot: their own answers and whether results are visible.
  const snap = await sessionSnapshot(a, s.id);
  const mineOf = (id) => snap.polls.find((p) => p.id === id);
  assert.deepEqual(mineOf(single.id).mine, { choices: [1] });
  assert.deepEqual(mineOf(rate.id).mine, { rating: 10 });
  assert.equal(mineOf(single.id).results_visible, true);
  assert.equal(mineOf(single.id).respondents, 2);
  await closeAll([staff, a, b]);
});

test('poll.open needs a live session; survey.open opens its polls in order', async () => {
  const { staff, ps: [a], s, course } = await setup('surveys');
  const later = (await ok(staff, 'session.create', { course, title: 'Later', starts_at: Math.floor(Date.now() / 1000) + 3600 })).session;
  const p0 = await createPoll(staff, later.id, { kind: 'text', prompt: 'Later?' });
  assertError(await send(staff, 'poll.open', { poll: p0.id }), 'session_not_live');

  const sv = (await ok(staff, 'survey.create', { session: s.id, title: 'Before we start' })).survey;
  assert.deepEqual(sv.polls, []);
  const q1 = await createPoll(staff, s.id, { kind: 'single', prompt: 'Role?', options: ['Dev', 'Ops'], survey: sv.id });
  const q2 = await createPoll(staff, s.id, { kind: 'rating', prompt: 'Mood?', survey: sv.id });
  const q3 = await createPoll(staff, s.id, { kind: 'text', prompt: 'Hopes?', survey: sv.id });
  assert.deepEqual([q1.position, q2.position, q3.position], [0, 1, 2]);
  assert.equal(q2.survey, sv.id);
  const other = (await ok(staff, 'survey.create', { session: later.id, title: 'Elsewhere' })).survey;
  assertError(await send(staff, 'poll.create', { session: s.id, kind: 'text', prompt: 'x', survey: other.id }), 'bad_field', { field: 'survey' });

  let snap = await sessionSnapshot(a, s.id);
  assert.deepEqual(snap.surveys, []);
  const room = `session:${s.id}`;
  await subscribe(a, room);
  const opened = await ok(staff, 'survey.open', { survey: sv.id });
  assert.deepEqual(opened.survey.polls, [q1.id, q2.id, q3.id]);
  assert.deepEqual(opened.polls.map((p) => [p.id, p.state]), [[q1.id, 'open'], [q2.id, 'open'], [q3.id, 'open']]);
  const su = await waitEvent(a, room, 'survey.updated', (m) => m.data.survey.id === sv.id);
  assert.deepEqual(su.data.survey.polls, [q1.id, q2.id, q3.id]);
  snap = await sessionSnapshot(a, s.id);
  assert.deepEqual(snap.surveys.map((x) => x.id), [sv.id]);
  assert.deepEqual(snap.polls.map((p) => p.id), [q1.id, q2.id, q3.id]);
  await answer(a, q2.id, { rating: 4 });
  const closed = await ok(staff, 'survey.close', { survey: sv.id });
  assert.ok(closed.polls.every((p) => p.state === 'closed'));
  assertError(await tryAnswer(a, q3.id, { text: 'late' }), 'poll_closed');
  await closeAll([staff, a]);
});

test('ending the session closes its open polls; a reset counts in the poll and empties everyone\'s answer', async () => {
  const { staff, ps: [a, b], s } = await setup('ending');
  const room = `session:${s.id}`;
  const p1 = await openPoll(staff, (await createPoll(staff, s.id, { kind: 'single', prompt: 'One?', options: ['A', 'B'], visibility: 'on_reveal' })).id);
  const p2 = await openPoll(staff, (await createPoll(staff, s.id, { kind: 'rating', prompt: 'Two?' })).id);
  const draft = await createPoll(staff, s.id, { kind: 'text', prompt: 'Never opened' });
  assert.equal(p1.resets, 0);
  await answer(a, p1.id, { choices: [1] });
  await answer(b, p1.id, { choices: [0] });

  // A reset moves the counter; a participant's snapshot no longer holds their answer, and the
  // event tells everyone in the room that answers were cleared (not only that results were hidden).
  await subscribe(b, room);
  const reset = (await ok(staff, 'poll.reset', { poll: p1.id })).poll;
  assert.equal(reset.resets, 1);
  const ev = await waitEvent(b, room, 'poll.updated', (m) => m.data.poll.id === p1.id && m.data.poll.resets === 1);
  assert.notEqual(ev.data.poll.results_room, p1.results_room);
  let snap = await sessionSnapshot(a, s.id);
  assert.equal(snap.polls.find((p) => p.id === p1.id).mine, null);
  assert.equal(snap.polls.find((p) => p.id === p1.id).resets, 1);
  // Hiding results again is not a reset.
  await ok(staff, 'poll.reveal', { poll: p1.id, revealed: true });
  const hidden = (await ok(staff, 'poll.reveal', { poll: p1.id, revealed: false })).poll;
  assert.equal(hidden.resets, 1);

  await answer(a, p2.id, { rating: 3 });
  await ok(staff, 'session.end', { session: s.id });
  for (const p of [p1, p2]) {
    const e = await waitEvent(b, room, 'poll.updated', (m) => m.data.poll.id === p.id && m.data.poll.state === 'closed');
    assert.ok(e.data.poll.closed_at > 0);
  }
  assertError(await tryAnswer(a, p2.id, { rating: 4 }), 'poll_closed');
  assertError(await send(staff, 'poll.open', { poll: p2.id }), 'session_not_live');
  snap = await sessionSnapshot(staff, s.id);
  assert.deepEqual(snap.polls.map((p) => [p.id, p.state]), [[p1.id, 'closed'], [p2.id, 'closed'], [draft.id, 'draft']]);
  // Results stay: the rating still counts the answer given before the end.
  assert.deepEqual((await resultsSnapshot(staff, p2.results_room)).results.counts, [0, 0, 1, 0, 0]);
  await closeAll([staff, a, b]);
});

// A participant socket that records every frame, subscribed to the session room.
async function watcherOf(f, course, user, s) {
  const c = await f.as(user, P(course));
  await subscribe(c, `session:${s.id}`);
  return c;
}

test('hidden results reach no participant socket before they may be seen (every frame checked)', async () => {
  const { f, staff, s, course } = await setup('hidden', { participants: 0 });
  const a = await watcherOf(f, course, 'hidden-a', s);
  const b = await watcherOf(f, course, 'hidden-b', s);
  const c = await watcherOf(f, course, 'hidden-c', s);
  await subscribe(staff, `session:${s.id}`);

  const after = await openPoll(staff, (await createPoll(staff, s.id, { kind: 'single', prompt: 'After', options: ['X', 'Y'], visibility: 'after_answer' })).id);
  const reveal = await openPoll(staff, (await createPoll(staff, s.id, { kind: 'single', prompt: 'Reveal', options: ['X', 'Y'], visibility: 'on_reveal', correct: [1] })).id);
  const only = await openPoll(staff, (await createPoll(staff, s.id, { kind: 'rating', prompt: 'Staff only', visibility: 'staff_only' })).id);

  // Staff follow every results room (staff always may) and see the tallies.
  for (const p of [after, reveal, only]) await subscribe(staff, p.results_room);
  // Nobody may follow a results room before the results are visible to them.
  for (const p of [after, reveal, only]) {
    assertError(await trySubscribe(a, p.results_room), 'forbidden', { field: 'room' });
  }
  // Votes from b and c: a sees nothing of them.
  const rb = await answer(b, after.id, { choices: [0] });
  assert.equal(rb.results_visible, true);
  assert.equal((await answer(b, reveal.id, { choices: [1] })).results_visible, false);
  assert.equal((await answer(b, only.id, { rating: 3 })).results_visible, false);
  await answer(c, reveal.id, { choices: [0] });
  await answer(c, only.id, { rating: 5 });
  await waitState(staff, only.results_room, 'poll.results', (m) => m.data.respondents === 2);
  // The peer view of a poll whose results are not public carries no respondents and no correct answer.
  const peerPolls = (await sessionSnapshot(a, s.id, { keep: true })).polls;
  for (const p of peerPolls) {
    assert.equal(p.respondents, null, `respondents of ${p.id} in the peer view`);
    assert.equal(p.correct, null);
    assert.equal(p.results_visible, false);
  }
  await barrier(a);
  for (const p of [after, reveal, only]) assertNoResultFrames(a, p.id, 'a (not answered)');
  assertNoResultFrames(b, reveal.id, 'b before the reveal');
  assertNoResultFrames(b, only.id, 'b (staff only)');

  // after_answer: once a answered, a may follow.
  assert.equal((await answer(a, after.id, { choices: [1] })).results_visible, true);
  const snapA = await read(a, 'subscribe', { room: after.results_room });
  assert.deepEqual(snapA.results.counts, [1, 1]);
  assert.equal(snapA.seq, 0);

  // on_reveal: after the reveal every participant may follow, and the correct answer shows.
  await revealPoll(staff, reveal.id);
  const upd = await waitEvent(a, `session:${s.id}`, 'poll.updated', (m) => m.data.poll.id === reveal.id && m.data.poll.revealed);
  assert.deepEqual(upd.data.poll.correct, [1]);
  assert.equal(upd.data.poll.respondents, 2);
  const sr = await read(a, 'subscribe', { room: reveal.results_room });
  assert.deepEqual(sr.results.counts, [1, 1]);

  // staff_only: reveal shows only the correct answer (none here); results stay with staff.
  await revealPoll(staff, only.id);
  assertError(await trySubscribe(a, only.results_room), 'forbidden', { field: 'room' });

  // Un-reveal: a new results room; the old one is gone and delivers nothing more to a.
  const hidden = await revealPoll(staff, reveal.id, false);
  assert.notEqual(hidden.results_room, reveal.results_room);
  assertError(await trySubscribe(b, reveal.results_room), 'not_found', { field: 'room' });
  assertError(await trySubscribe(a, hidden.results_room), 'forbidden', { field: 'room' });
  await subscribe(staff, hidden.results_room);
  const mark = a.frames.length;
  await answer(c, reveal.id, { choices: [1] });
  await answer(b, reveal.id, { choices: [0] });
  await waitState(staff, hidden.results_room, 'poll.results', (m) => m.data.counts[0] === 1 && m.data.counts[1] === 1 && m.data.respondents === 2);
  await sleep(LIMITS.state_interval_ms * 3);       // anything coalescing for the old room would be out by now
  await barrier(a);
  for (const fr of a.frames.slice(mark)) {
    assert.ok(!(fr.includes('"poll.results"') && fr.includes(`"poll":${reveal.id}`)), `after the un-reveal a received: ${fr.slice(0, 300)}`);
  }

  // Reset: every answer gone, a new room; a's after_answer access ends with its answer.
  const mark2 = a.frames.length;
  const reset = (await ok(staff, 'poll.reset', { poll: after.id })).poll;
  assert.notEqual(reset.results_room, after.results_room);
  assert.equal(reset.respondents, 0);
  assertError(await trySubscribe(a, reset.results_room), 'forbidden', { field: 'room' });
  assertError(await trySubscribe(a, after.results_room), 'not_found', { field: 'room' });
  await subscribe(staff, reset.results_room);
  await answer(b, after.id, { choices: [1] });
  await waitState(staff, reset.results_room, 'poll.results', (m) => m.data.respondents === 1);
  await sleep(LIMITS.state_interval_ms * 3);
  await barrier(a);
  for (const fr of a.frames.slice(mark2)) {
    assert.ok(!(fr.includes('"poll.results"') && fr.includes(`"poll":${after.id}`)), `after the reset a received: ${fr.slice(0, 300)}`);
  }
  const audit = await read(staff, 'audit.list', { course, action: 'poll.reset' });
  assert.ok(audit.entries.some((e) => e.subject?.id === after.id || e.subject_id === after.id || JSON.stringify(e).includes(`${after.id}`)),
    `poll.reset in the audit log: ${JSON.stringify(audit.entries)}`);

  // Everything c (who answered only hidden polls) ever received holds no tally of them.
  assertNoResultFrames(c, only.id, 'c (staff only)');
  await closeAll([staff, a, b, c]);
});

test('1,000 participants answer at once: exact tallies, bounded frames per socket',
  { timeout: 240000 * SLOW }, async () => {
    const N = 1000;
    const BATCH = 50;
    const course = d.course({ title: 'Poll storm' });
    const f = forum(d);
    const staff = await f.as('ps-staff', [`${course}:instructor`]);
    const s = await liveSession(staff, course, { title: 'Poll storm' });
    const poll = await openPoll(staff, (await createPoll(staff, s.id, { kind: 'single', prompt: 'Storm', options: ['A', 'B', 'C'] })).id);
    const room = poll.results_room;
    const tokenFor = (user) => signJwt({ secret: d.secret, claims: claimsFor({ user, name: `Voter ${user}`, courses: { [course]: 'participant' } }) });

    async function participant(user) {
      const rec = [];
      const sock = await leanSocket(d.wsUrl, (m, t) => {
        if (m && m.st === 'poll.results' && m.room === room) rec.push({ counts: m.data.counts, n: m.data.respondents, v: m.v, t });
      });
      sock.rec = rec;
      const h = await sock.request('hello', { token: tokenFor(user) });
      assert.equal(h.ok, true, `hello ${user}: ${JSON.stringify(h)}`);
      const r = await sock.request('subscribe', { room });
      assert.equal(r.ok, true, `subscribe ${user}: ${JSON.stringify(r).slice(0, 200)}`);
      return sock;
    }
    const watcher = await participant('ps-watcher');
    const voters = [];
    for (let i = 0; i < N; i += BATCH) {
      voters.push(...await Promise.all(Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => participant(`ps-${i + j}`))));
    }
    const want = [0, 0, 0];
    for (let i = 0; i < N; i++) want[i % 3]++;

    const WAVES = 20;
    const perWave = Math.ceil(N / WAVES);
    const t0 = Date.now();
    const replies = [];
    for (let w = 0; w < WAVES; w++) {
      const at = t0 + w * 100;
      if (Date.now() < at) await sleep(at - Date.now());
      for (let k = w * perWave; k < Math.min(N, (w + 1) * perWave); k++) {
        replies.push(voters[k].request('poll.answer', { poll: poll.id, choices: [k % 3], key: newKey() }, WAIT * 2));
      }
    }
    const results = await Promise.all(replies);
    assert.equal(results.filter((r) => r.ok !== true).length, 0, `refused: ${JSON.stringify(results.find((r) => !r.ok))}`);

    const deadline = Date.now() + WAIT * 2;
    while (watcher.rec.at(-1)?.n !== N && Date.now() < deadline) await sleep(50);
    await sleep(Math.max(1000, LIMITS.state_interval_ms * 4));
    const seen = watcher.rec.filter((x) => x.t >= t0);
    assert.deepEqual(seen.at(-1).counts, want, 'the final poll.results is exact');
    assert.equal(seen.at(-1).n, N);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].v > seen[i - 1].v, 'versions increase');
    const bound = (rec) => ((rec.at(-1).t - t0) / 1000) * LIMITS.state_msgs_per_key_per_sec + 4;
    assert.ok(seen.length <= bound(seen), `watcher: ${seen.length} results states in ${(seen.at(-1).t - t0) / 1000} s`);
    let worst = 0;
    for (const [i, v] of voters.entries()) {
      const r = v.rec.filter((x) => x.t >= t0);
      assert.deepEqual(r.at(-1)?.counts, want, `voter ${i} ends with the exact counts`);
      assert.ok(r.length <= bound(r), `voter ${i}: ${r.length} results states in ${(r.at(-1).t - t0) / 1000} s`);
      worst = Math.max(worst, r.length);
    }
    assert.ok(voters.every((v) => v.closeInfo === undefined), 'no socket was closed');
    const snap = await resultsSnapshot(staff, room);
    assert.deepEqual(snap.results.counts, want, 'the results room snapshot is exact');
    assert.equal(snap.results.respondents, N);
    console.log(`# poll storm: ${N} answers; watcher saw ${seen.length} results states, the busiest voter ${worst}`);
    for (let i = 0; i < voters.length; i += 100) await Promise.all(voters.slice(i, i + 100).map((v) => v.close()));
    await watcher.close();
    await staff.close();
  });
