// Live webinar Q&A: sessions, questions, votes as coalesced state, now answering, answers,
// dismissals with notices, premoderation, anonymity, the export (HTTP and the command line) and
// the bridge to forum threads. Frame-level checks look at the raw frames each socket recorded.
//
// The vote storm prints a few figures (connect time, storm length, state messages seen); they are
// measurements, only the bounds in the contract are asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseCsv } from '../lib/csv.mjs';
import { startDaemon, BIN, stopClean } from '../lib/daemon.mjs';
import { SLOW, LIMITS, assertError, sleep, signJwt, claimsFor } from '../lib/helpers.mjs';
import {
  forum, ok, send, read, request, subscribe, unsubscribe, WAIT, nowS, newKey,
  eventsOf, waitEvent, waitState, noticesOf,
} from '../lib/forum.mjs';
import {
  liveSession, sessionSnapshot, ask, noticeQuestion, mentionsQuestion, assertNoFrameHas, barrier,
  exportSession, leanSocket,
} from '../lib/qa.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(() => stopClean(d));

const P = (course) => [`${course}:participant`];
const noticeOf = (c, kind, pred = () => true) =>
  waitEvent(c, c.user.room, 'notice', (m) => m.data?.notice?.kind === kind && pred(m.data.notice));
const questionEvent = (c, room, ev, id, pred = () => true) =>
  waitEvent(c, room, ev, (m) => m.data?.question?.id === id && pred(m.data.question));
const closeAll = (cs) => Promise.all(cs.map((c) => c.close()));


// What a spreadsheet-safe cell holds for a text.
const safeCell = (s) => (s == null ? '' : /^[=+\-@]/.test(s) ? `'${s}` : s);
const csvBool = (s) => {
  assert.ok(['true', 'false', '1', '0', 'yes', 'no'].includes(s), `a boolean cell: ${JSON.stringify(s)}`);
  return s === 'true' || s === '1' || s === 'yes';
};

test('parseCsv: the parser itself', () => {
  assert.deepEqual(parseCsv('a,b\r\n1,"x,""y""\r\nz"\r\n'), [['a', 'b'], ['1', 'x,"y"\r\nz']]);
  assert.deepEqual(parseCsv('a,b\n,\n'), [['a', 'b'], ['', '']]);
  assert.throws(() => parseCsv('a,"b\n'));
  assert.throws(() => parseCsv('a,b"c\n'));
});

test('asking and voting: limits, already_voted, undo, own question forbidden, idempotent retry', async () => {
  const course = d.course({ title: 'Ask and vote' });
  const f = forum(d);
  const staff = await f.as('av-staff', [`${course}:instructor`]);
  const a = await f.as('av-a', P(course));
  const b = await f.as('av-b', P(course));
  const c = await f.as('av-c', P(course));
  const w = await f.as('av-w', P(course));
  const s = await liveSession(staff, course, { title: 'Ask and vote' });
  assert.equal(s.state, 'live');
  const room = `session:${s.id}`;
  const snap0 = await subscribe(w, room);
  assert.equal(snap0.room, room);
  assert.equal(snap0.session.id, s.id);
  assert.deepEqual(snap0.questions, []);

  const q = await ask(a, s.id, 'When is the deadline?');
  assert.equal(q.session, s.id);
  assert.equal(q.body, 'When is the deadline?');
  assert.equal(q.anonymous, false);
  assert.deepEqual(q.author, { id: 'av-a', name: 'User av-a' });
  assert.equal(q.state, 'visible');
  assert.equal(q.votes, 0);
  assert.equal(q.answer, null);
  assert.equal(typeof q.created_at, 'number');
  assert.equal(typeof q.published_at, 'number');
  assert.equal(q.answered_at, null);
  assert.equal(q.edited_at, null);
  const pub = await questionEvent(w, room, 'question.published', q.id);
  assert.equal(pub.seq, snap0.seq + 1);
  assert.equal(pub.data.question.body, q.body);
  assert.deepEqual(pub.data.question.author, { id: 'av-a', name: 'User av-a' });

  // Length in characters, not bytes; refusals make nothing.
  const wide = 'é'.repeat(LIMITS.max_question_chars);
  assert.equal((await ask(b, s.id, wide)).body, wide);
  assertError(await send(a, 'question.ask', { session: s.id, body: 'x'.repeat(LIMITS.max_question_chars + 1) }),
    'too_long', { field: 'body', limit: LIMITS.max_question_chars });
  assertError(await send(a, 'question.ask', { session: s.id, body: ' \n ' }), 'bad_field', { field: 'body' });
  assertError(await send(a, 'question.ask', { session: 987654, body: 'Where?' }), 'not_found');
  assertError(await request(a, 'question.ask', { session: s.id, body: 'No key' }), 'bad_field', { field: 'key' });

  // Votes: one per person, undo, no vote for your own question.
  assert.deepEqual(await ok(b, 'question.vote', { question: q.id, up: true }), { question: q.id, votes: 1, voted: true });
  assertError(await send(b, 'question.vote', { question: q.id, up: true }), 'already_voted');
  assertError(await send(a, 'question.vote', { question: q.id, up: true }), 'forbidden');
  await waitState(w, room, 'question.votes', (m) => m.data.question === q.id && m.data.votes === 1);
  assert.deepEqual(await ok(b, 'question.vote', { question: q.id, up: false }), { question: q.id, votes: 0, voted: false });
  await waitState(w, room, 'question.votes', (m) => m.data.question === q.id && m.data.votes === 0);
  assert.deepEqual(await ok(b, 'question.vote', { question: q.id, up: true }), { question: q.id, votes: 1, voted: true });
  // A retried write (same key) returns the first result and counts once.
  const key = newKey();
  const r1 = await request(c, 'question.vote', { question: q.id, up: true, key });
  const r2 = await request(c, 'question.vote', { question: q.id, up: true, key });
  assert.equal(r1.ok, true, JSON.stringify(r1));
  assert.deepEqual(r2, { ...r1, re: r2.re }, 'a retried vote returns the first result');
  assert.equal(r1.data.votes, 2);
  assert.equal((await ok(staff, 'question.vote', { question: q.id, up: true })).votes, 3, 'staff may vote too');
  await waitState(w, room, 'question.votes', (m) => m.data.question === q.id && m.data.votes === 3);

  // Snapshots say who voted and whose question it is.
  const sb = (await sessionSnapshot(b, s.id)).questions.find((x) => x.id === q.id);
  assert.equal(sb.votes, 3);
  assert.equal(sb.voted, true);
  assert.equal(sb.mine, false);
  const sa = (await sessionSnapshot(a, s.id)).questions.find((x) => x.id === q.id);
  assert.equal(sa.voted, false);
  assert.equal(sa.mine, true);

  // The watcher's vote states for q carry increasing versions and end at the true count.
  await sleep(LIMITS.state_interval_ms * 2);
  const states = w.messages.filter((m) => m && m.st === 'question.votes' && m.room === room && m.data.question === q.id);
  assert.ok(states.length >= 1);
  for (let i = 1; i < states.length; i++) assert.ok(states[i].v > states[i - 1].v, `versions increase: ${states.map((m) => m.v)}`);
  assert.equal(states.at(-1).data.votes, 3);
  await closeAll([staff, a, b, c, w]);
});

test('every state change reaches the right people in the right form', async () => {
  const course = d.course({ title: 'State changes' });
  const f = forum(d);
  const staff = await f.as('sc-staff', [`${course}:facilitator`]);
  const a = await f.as('sc-a', P(course));                 // the asker
  const b = await f.as('sc-b', P(course));                 // a peer in the session
  const c = await f.as('sc-c', P(course));                 // in the course, not in the session
  const s = await liveSession(staff, course, { title: 'State changes' });
  const room = `session:${s.id}`;
  for (const x of [a, b, staff]) await subscribe(x, room);
  await subscribe(staff, `staff:${course}`);
  for (const x of [a, b, c]) await subscribe(x, x.user.room);     // where notices arrive

  const q1 = await ask(a, s.id, 'First: how do I submit?');
  const q2 = await ask(a, s.id, 'Second: what about the football match?');
  const q3 = await ask(a, s.id, 'Third: never mind');
  for (const q of [q1, q2, q3]) await questionEvent(b, room, 'question.published', q.id);

  // Edited by its asker: everyone sees the new text; nobody else may edit or withdraw it.
  const edited = (await ok(a, 'question.edit', { question: q1.id, body: 'First, edited: how do I submit late?' })).question;
  assert.equal(edited.body, 'First, edited: how do I submit late?');
  assert.equal(typeof edited.edited_at, 'number');
  const ue = await questionEvent(b, room, 'question.updated', q1.id, (x) => x.body === edited.body);
  assert.equal(typeof ue.data.question.edited_at, 'number');
  assertError(await send(b, 'question.edit', { question: q1.id, body: 'hijacked' }), 'forbidden');
  assertError(await send(b, 'question.withdraw', { question: q1.id }), 'forbidden');
  assertError(await send(staff, 'question.edit', { question: q1.id, body: 'staff edit' }), 'forbidden');

  // Answering now: the session says so, as state and in the question.
  const an = await ok(staff, 'question.answering', { session: s.id, question: q1.id });
  assert.equal(an.session.answering, q1.id);
  await waitState(b, room, 'session.answering', (m) => m.data.session === s.id && m.data.question === q1.id);
  await questionEvent(b, room, 'question.updated', q1.id, (x) => x.state === 'answering');

  // Answered, with a typed answer: the room sees it, the asker gets a notice.
  const answered = (await ok(staff, 'question.answer', { question: q1.id, answer: 'Use the late form.' })).question;
  assert.equal(answered.state, 'answered');
  assert.equal(answered.answer, 'Use the late form.');
  assert.equal(typeof answered.answered_at, 'number');
  const ua = await questionEvent(b, room, 'question.updated', q1.id, (x) => x.state === 'answered');
  assert.equal(ua.data.question.answer, 'Use the late form.');
  const na = (await noticeOf(a, 'question_answered', (n) => noticeQuestion(n) === q1.id)).data.notice;
  assert.equal(noticeQuestion(na), q1.id);
  assertError(await send(a, 'question.edit', { question: q1.id, body: 'too late' }), 'question_closed');
  assertError(await send(a, 'question.withdraw', { question: q1.id }), 'question_closed');
  const cleared = await ok(staff, 'question.answering', { session: s.id, question: 0 });
  assert.equal(cleared.session.answering, null);
  await waitState(b, room, 'session.answering', (m) => m.data.session === s.id && m.data.question === null);

  // Dismissed with a reason: the room sees the state, only the asker and staff see why.
  const reason = 'Outside this session; reason-4711';
  const dismissed = (await ok(staff, 'question.dismiss', { question: q2.id, reason })).question;
  assert.equal(dismissed.state, 'dismissed');
  const ud = await questionEvent(b, room, 'question.updated', q2.id, (x) => x.state === 'dismissed');
  assert.ok(!JSON.stringify(ud).includes(reason));
  const sd = await questionEvent(staff, room, 'question.updated', q2.id, (x) => x.state === 'dismissed');
  assert.ok(JSON.stringify(sd).includes(reason), `staff see the reason: ${JSON.stringify(sd)}`);
  const nd = (await noticeOf(a, 'question_dismissed', (n) => noticeQuestion(n) === q2.id)).data.notice;
  assert.equal(nd.reason, reason);
  assertError(await send(a, 'question.edit', { question: q2.id, body: 'but why' }), 'question_closed');

  // Withdrawn by its asker.
  const withdrawn = (await ok(a, 'question.withdraw', { question: q3.id })).question;
  assert.equal(withdrawn.state, 'withdrawn');
  await questionEvent(b, room, 'question.updated', q3.id, (x) => x.state === 'withdrawn');
  await questionEvent(staff, room, 'question.updated', q3.id, (x) => x.state === 'withdrawn');
  assertError(await send(a, 'question.withdraw', { question: q3.id }), 'question_closed');

  // q1 went answering then answered, in that order, on the peer's socket.
  const q1States = eventsOf(b, room).filter((m) => m.ev === 'question.updated' && m.data.question.id === q1.id)
    .map((m) => m.data.question.state);
  assert.deepEqual(q1States.filter((x) => x !== 'visible'), ['answering', 'answered']);

  // Staff-only ops are refused to participants.
  for (const [op, data] of [
    ['question.answering', { session: s.id, question: q1.id }], ['question.answer', { question: q1.id }],
    ['question.dismiss', { question: q1.id }], ['question.approve', { question: q1.id }],
    ['session.create', { course, title: 'Mine', starts_at: nowS() }], ['session.start', { session: s.id }],
    ['session.end', { session: s.id }], ['session.bridge', { session: s.id, which: 'all' }],
  ]) assertError(await send(b, op, data), 'forbidden');
  assertError(await request(b, 'subscribe', { room: `staff:${course}` }), 'forbidden');

  // Snapshots: staff see every state; a peer's view of what it may see matches.
  const ss = await sessionSnapshot(staff, s.id, { keep: true });
  const st = Object.fromEntries(ss.questions.map((x) => [x.id, x.state]));
  assert.deepEqual(st, { [q1.id]: 'answered', [q2.id]: 'dismissed', [q3.id]: 'withdrawn' });
  const bs = await sessionSnapshot(b, s.id, { keep: true });
  for (const x of bs.questions) {
    assert.equal(x.state, st[x.id]);
    assert.ok(!JSON.stringify(x).includes(reason), 'no reason in a peer snapshot');
  }
  assert.equal(bs.questions.find((x) => x.id === q1.id).answer, 'Use the late form.');

  await barrier(b);
  await barrier(c);
  await sleep(LIMITS.state_interval_ms * 2);
  assertNoFrameHas(b, [reason], 'a peer in the session');
  assertNoFrameHas(c, [reason, 'football'], 'a course member outside the session');
  assert.deepEqual(noticesOf(b), [], 'notices go to the asker only');
  assert.deepEqual(noticesOf(c), []);
  assert.deepEqual(noticesOf(a).map((m) => m.data.notice.kind).sort(), ['question_answered', 'question_dismissed']);
  await closeAll([staff, a, b, c]);
});

test('premoderation: pending questions stay off other participants\' sockets until approved', async () => {
  const course = d.course({ title: 'Premoderated' });
  const f = forum(d);
  const staff = await f.as('pm-staff', [`${course}:instructor`]);
  const a = await f.as('pm-a', P(course));
  const b = await f.as('pm-b', P(course));
  const c = await f.as('pm-c', P(course));
  const s = await liveSession(staff, course, { title: 'Premoderated', premoderated: true });
  assert.equal(s.premoderated, true);
  const room = `session:${s.id}`;
  const sroom = `staff:${course}`;
  for (const x of [a, c, staff]) await subscribe(x, room);
  const bsnap = await subscribe(b, room);
  await subscribe(staff, sroom);
  for (const x of [a, b, c]) await subscribe(x, x.user.room);

  const secret = 'PENDING-ONLY is the exam open book premod-8841';
  const hidden = 'PENDING-THEN-DISMISSED premod-9902';
  const reason = 'Duplicate premod-reason-5530';
  const q = await ask(a, s.id, secret);
  assert.equal(q.state, 'pending');
  assert.equal(q.published_at, null);
  const q2 = await ask(a, s.id, hidden, { anonymous: true });
  assert.equal(q2.state, 'pending');
  const pe = await questionEvent(staff, sroom, 'question.pending', q.id);
  assert.equal(pe.data.question.body, secret);
  assert.deepEqual(pe.data.question.author, { id: 'pm-a', name: 'User pm-a' });
  const pe2 = await questionEvent(staff, sroom, 'question.pending', q2.id);
  assert.deepEqual(pe2.data.question.author, { id: 'pm-a', name: 'User pm-a' }, 'staff see who asked anonymously');

  // Snapshots: the asker sees their own pending questions, staff all, a peer none.
  const as = await sessionSnapshot(a, s.id, { keep: true });
  assert.deepEqual(as.questions.map((x) => [x.id, x.state, x.mine]).sort(), [[q.id, 'pending', true], [q2.id, 'pending', true]]);
  const ss = await sessionSnapshot(staff, s.id, { keep: true });
  assert.deepEqual(ss.questions.map((x) => x.id).sort(), [q.id, q2.id].sort());
  assert.deepEqual((await sessionSnapshot(b, s.id, { keep: true })).questions, []);
  // A peer can do nothing with a pending question it cannot see.
  assert.equal((await send(b, 'question.vote', { question: q.id, up: true })).ok, false);
  assert.equal((await send(b, 'question.edit', { question: q.id, body: 'guess' })).ok, false);

  await barrier(b);
  await barrier(c);
  const clean = (x, who) => {
    assertNoFrameHas(x, [secret, hidden, reason], who);
    const m = x.messages.find((y) => mentionsQuestion(y, q.id) || mentionsQuestion(y, q2.id));
    assert.equal(m, undefined, `${who} heard of a pending question: ${JSON.stringify(m)}`);
  };
  clean(b, 'peer b before approval');
  clean(c, 'peer c before approval');

  // Approved with its text fixed: everyone gets question.published with the new text.
  const fixed = 'Is the exam open book? (approved)';
  const ap = (await ok(staff, 'question.approve', { question: q.id, body: fixed })).question;
  assert.equal(ap.state, 'visible');
  assert.equal(ap.body, fixed);
  assert.equal(typeof ap.published_at, 'number');
  for (const x of [a, b, c, staff]) {
    const ev = await questionEvent(x, room, 'question.published', q.id);
    assert.equal(ev.data.question.body, fixed);
    assert.equal(ev.data.question.state, 'visible');
  }
  // Dismissed while pending: the asker is told why, nobody else hears of it.
  await ok(staff, 'question.dismiss', { question: q2.id, reason });
  const nd = (await noticeOf(a, 'question_dismissed', (n) => noticeQuestion(n) === q2.id)).data.notice;
  assert.equal(nd.reason, reason);
  await barrier(b);
  await barrier(c);
  await sleep(LIMITS.state_interval_ms * 2);
  for (const [x, who] of [[b, 'peer b'], [c, 'peer c']]) {
    assertNoFrameHas(x, [secret, hidden, reason], who);
    assert.equal(x.messages.find((y) => mentionsQuestion(y, q2.id)), undefined, `${who} heard of the dismissed pending question`);
  }

  // A replay from seq 0 tells the same story: the approved text, nothing pending.
  const b2 = await f.as('pm-b', P(course));
  const rr = await subscribe(b2, room, { since: 0 });
  assert.equal(rr.mode, 'replay', JSON.stringify(rr).slice(0, 300));
  await b2.waitFor(() => eventsOf(b2, room).length >= rr.replay, WAIT);
  const replayed = eventsOf(b2, room);
  assert.ok(replayed.some((m) => m.ev === 'question.published' && m.data.question.id === q.id && m.data.question.body === fixed));
  for (let i = 1; i < replayed.length; i++) assert.ok(replayed[i].seq > replayed[i - 1].seq, 'replay in order');
  await barrier(b2);
  assertNoFrameHas(b2, [secret, hidden, reason], 'a replaying peer');
  assert.equal(b2.messages.find((y) => mentionsQuestion(y, q2.id)), undefined, 'a replaying peer heard of the dismissed pending question');
  // Nothing pending took a seq in the public room: the peer's events have no gap.
  const live = eventsOf(b, room);
  for (let i = 0; i < live.length; i++) assert.equal(live[i].seq, bsnap.seq + 1 + i, `seqs in ${room}: ${live.map((m) => m.seq)}`);
  await closeAll([staff, a, b, c, b2]);
});

test('anonymity holds live, in replay, in the export and in bridged threads', async () => {
  const course = d.course({ title: 'Anonymous questions' });
  const f = forum(d);
  const secretId = 'qa-zelda-anon-3';
  const secretName = 'Zelda Qasecret';
  const staff = await f.as('an-staff', [`${course}:facilitator`]);
  const a = await f.as(secretId, P(course), { name: secretName });
  const named = await f.as('an-named', P(course), { name: 'Norma Named' });
  const b = await f.as('an-b', P(course));
  const s = await liveSession(staff, course, { title: 'Anonymous questions' });
  const room = `session:${s.id}`;
  for (const x of [b, staff]) {
    await subscribe(x, room);
    await subscribe(x, `course:${course}`);
  }
  await subscribe(a, a.user.room);

  const q = await ask(a, s.id, 'Anonymous: is attendance graded?', { anonymous: true });
  assert.equal(q.anonymous, true);
  assert.deepEqual(q.author, { id: secretId, name: secretName }, 'the asker sees who in the reply');
  const q2 = await ask(a, s.id, 'Anonymous: will slides be shared?', { anonymous: true });
  const qn = await ask(named, s.id, 'Named: can we get an extension?');
  const pb = await questionEvent(b, room, 'question.published', q.id);
  assert.equal(pb.data.question.anonymous, true);
  assert.equal(pb.data.question.author, null);
  const ps = await questionEvent(staff, room, 'question.published', q.id);
  assert.deepEqual(ps.data.question.author, { id: secretId, name: secretName });
  assert.deepEqual((await questionEvent(b, room, 'question.published', qn.id)).data.question.author,
    { id: 'an-named', name: 'Norma Named' });

  // Changes to anonymous questions stay anonymous.
  await ok(a, 'question.edit', { question: q.id, body: 'Anonymous: is attendance graded at all?' });
  assert.equal((await questionEvent(b, room, 'question.updated', q.id)).data.question.author, null);
  await ok(b, 'question.vote', { question: q.id, up: true });
  await ok(staff, 'question.answering', { session: s.id, question: q2.id });
  await ok(staff, 'question.answer', { question: q2.id, answer: 'Yes, after the session.' });
  const u2 = await questionEvent(b, room, 'question.updated', q2.id, (x) => x.state === 'answered');
  assert.equal(u2.data.question.author, null);
  await noticeOf(a, 'question_answered', (n) => noticeQuestion(n) === q2.id);

  // Snapshots.
  const bs = await sessionSnapshot(b, s.id, { keep: true });
  assert.deepEqual(bs.questions.filter((x) => x.anonymous).map((x) => x.author), [null, null]);
  const ss = await sessionSnapshot(staff, s.id, { keep: true });
  assert.deepEqual(ss.questions.filter((x) => x.anonymous).map((x) => x.author?.id), [secretId, secretId]);
  const mine = await sessionSnapshot(a, s.id);
  assert.ok(mine.questions.filter((x) => x.anonymous).every((x) => x.mine === true));

  // Replay from seq 0 on a fresh peer socket.
  const b2 = await f.as('an-b2', P(course));
  const rr = await subscribe(b2, room, { since: 0 });
  assert.equal(rr.mode, 'replay', JSON.stringify(rr).slice(0, 300));
  await b2.waitFor(() => eventsOf(b2, room).length >= rr.replay, WAIT);
  const rq = eventsOf(b2, room).filter((m) => m.data?.question?.anonymous === true);
  assert.ok(rq.length >= 2, 'the anonymous questions were replayed');
  assert.ok(rq.every((m) => m.data.question.author === null));
  const rs = await f.as('an-staff2', [`${course}:facilitator`]);
  const rsr = await subscribe(rs, room, { since: 0 });
  await rs.waitFor(() => eventsOf(rs, room).length >= rsr.replay, WAIT);
  assert.ok(eventsOf(rs, room).some((m) => m.data?.question?.author?.id === secretId), 'staff replay shows who');

  // The export: participants never get names, staff only with names=1.
  const btok = d.token({ user: 'an-b', name: 'User an-b', roles: P(course) });
  const stok = d.token({ user: 'an-staff', name: 'User an-staff', roles: [`${course}:facilitator`] });
  for (const names of [false, true]) {
    const j = await exportSession(d, btok, s.id, { format: 'json', names });
    assert.equal(j.status, 200, j.body.slice(0, 300));
    assert.ok(!j.body.includes(secretId) && !j.body.includes(secretName), `participant export names the asker: ${j.body}`);
    assert.ok(!j.body.includes('Norma Named'), 'participant export carries no names at all');
    for (const x of JSON.parse(j.body).questions) assert.ok(!('asker' in x), `asker in a participant export: ${JSON.stringify(x)}`);
    const cs = await exportSession(d, btok, s.id, { format: 'csv', names });
    assert.equal(cs.status, 200);
    assert.ok(!cs.body.includes(secretName) && !cs.body.includes('Norma Named'));
    assert.ok(!parseCsv(cs.body)[0].includes('asker'));
  }
  const sj = await exportSession(d, stok, s.id, { format: 'json' });
  assert.equal(sj.status, 200);
  assert.ok(!sj.body.includes(secretName) && !sj.body.includes('Norma Named'), 'no names without names=1');
  for (const x of JSON.parse(sj.body).questions) assert.ok(!('asker' in x));
  const sn = JSON.parse((await exportSession(d, stok, s.id, { format: 'json', names: true })).body);
  const askerOf = Object.fromEntries(sn.questions.map((x) => [x.id, x.asker]));
  assert.ok(String(askerOf[qn.id]).includes('Norma Named'), `asker with names=1: ${JSON.stringify(askerOf)}`);
  assert.ok(String(askerOf[q.id]).includes(secretName), `staff see who asked anonymously: ${JSON.stringify(askerOf)}`);

  // Bridged to the forum: the thread of an anonymous question is anonymous to peers.
  const br = await ok(staff, 'session.bridge', { session: s.id, which: 'unanswered' });
  const tq = br.threads.find((x) => x.question === q.id)?.thread;
  assert.ok(tq, `q was bridged: ${JSON.stringify(br)}`);
  const created = await waitEvent(b, `course:${course}`, 'thread.created', (m) => m.data.thread.id === tq);
  assert.equal(created.data.thread.author, null);
  const pl = (await read(b, 'thread.list', { course })).threads.find((t) => t.id === tq);
  assert.equal(pl.author, null);
  const sl = (await read(staff, 'thread.list', { course })).threads.find((t) => t.id === tq);
  assert.equal(sl.author?.id, secretId, `staff see who in the bridged thread: ${JSON.stringify(sl.author)}`);
  const tsnap = await subscribe(b, `thread:${tq}`);
  assert.equal(tsnap.thread.author, null);
  assert.equal(tsnap.posts[0].author, null);
  await unsubscribe(b, `thread:${tq}`);

  await barrier(b);
  await barrier(b2);
  await sleep(LIMITS.state_interval_ms * 2);
  assertNoFrameHas(b, [secretId, secretName], 'a peer');
  assertNoFrameHas(b2, [secretId, secretName], 'a replaying peer');
  await closeAll([staff, a, named, b, b2, rs]);
});

test('1,000 participants vote at once: counts arrive during the storm, frames stay bounded, the total is exact',
  { timeout: 240000 * SLOW }, async () => {
    const N = 1000;
    const BATCH = 50;
    const course = d.course({ title: 'Vote storm' });
    const f = forum(d);
    const staff = await f.as('vs-staff', [`${course}:instructor`]);
    const asker = await f.as('vs-asker', P(course));
    const s = await liveSession(staff, course, { title: 'Vote storm' });
    const q = await ask(asker, s.id, 'Which topic next week?');
    const room = `session:${s.id}`;
    // Tokens signed here: a thousand runs of `forumd token` would take longer than the storm.
    const tokenFor = (user) => signJwt({ secret: d.secret, claims: claimsFor({ user, name: `Voter ${user}`, courses: { [course]: 'participant' } }) });

    // Each socket keeps only the question's vote states: {votes, v, t}.
    async function participant(user) {
      const rec = [];
      const sock = await leanSocket(d.wsUrl, (m, t) => {
        if (m && m.st === 'question.votes' && m.room === room && m.data?.question === q.id) rec.push({ votes: m.data.votes, v: m.v, t });
      });
      sock.rec = rec;
      const h = await sock.request('hello', { token: tokenFor(user) });
      assert.equal(h.ok, true, `hello ${user}: ${JSON.stringify(h)}`);
      const r = await sock.request('subscribe', { room });
      assert.equal(r.ok, true, `subscribe ${user}: ${JSON.stringify(r).slice(0, 200)}`);
      return sock;
    }
    const watcher = await participant('vs-watcher');
    const tc = Date.now();
    const voters = [];
    for (let i = 0; i < N; i += BATCH) {
      voters.push(...await Promise.all(Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => participant(`vs-${i + j}`))));
    }
    const connectS = (Date.now() - tc) / 1000;

    // The storm: N votes in 20 waves, one wave every 100 ms, each wave sent in one tick.
    const WAVES = 20;
    const perWave = Math.ceil(N / WAVES);
    const t0 = Date.now();
    const replies = [];
    for (let w = 0; w < WAVES; w++) {
      const at = t0 + w * 100;
      if (Date.now() < at) await sleep(at - Date.now());
      for (let k = w * perWave; k < Math.min(N, (w + 1) * perWave); k++) {
        replies.push(voters[k].request('question.vote', { question: q.id, up: true, key: newKey() }, WAIT * 2)
          .then((r) => ({ r, t: Date.now() })));
      }
    }
    const results = await Promise.all(replies);
    const tLastReply = Math.max(...results.map((x) => x.t));
    const bad = results.filter((x) => x.r.ok !== true || x.r.data.voted !== true);
    assert.equal(bad.length, 0, `refused votes: ${JSON.stringify(bad.slice(0, 3))}`);
    assert.equal(Math.max(...results.map((x) => x.r.data.votes)), N, 'the last vote reply counts them all');

    const deadline = Date.now() + WAIT * 2;
    while (watcher.rec.at(-1)?.votes !== N && Date.now() < deadline) await sleep(50);
    assert.equal(watcher.rec.at(-1)?.votes, N, `the watcher's final count: ${JSON.stringify(watcher.rec.slice(-3))}`);
    await sleep(Math.max(1000, LIMITS.state_interval_ms * 4));     // anything still coalescing arrives now

    // During the storm: several increasing counts before the final one.
    const seen = watcher.rec.filter((x) => x.t >= t0);
    for (let i = 1; i < seen.length; i++) {
      assert.ok(seen[i].v > seen[i - 1].v, `versions increase: ${seen.map((x) => x.v)}`);
      assert.ok(seen[i].votes >= seen[i - 1].votes, `counts never go down: ${seen.map((x) => x.votes)}`);
    }
    assert.equal(seen.at(-1).votes, N, 'nothing after the final count changes it');
    const during = seen.filter((x) => x.votes < N);
    assert.ok(new Set(during.map((x) => x.votes)).size >= 3,
      `several counts before the final one: ${seen.map((x) => x.votes)}`);
    assert.ok(during[0].t < tLastReply, 'the first count arrived while votes were still being acknowledged');

    // Frames per client stay bounded: at most 4 a second per question (plus a margin of 4).
    const bound = (rec) => ((rec.at(-1).t - t0) / 1000) * LIMITS.state_msgs_per_key_per_sec + 4;
    assert.ok(seen.length <= bound(seen), `watcher: ${seen.length} vote states in ${(seen.at(-1).t - t0) / 1000} s`);
    let worst = 0;
    for (const [i, v] of voters.entries()) {
      const r = v.rec.filter((x) => x.t >= t0);
      assert.equal(r.at(-1)?.votes, N, `voter ${i} ends with the final count`);
      assert.ok(r.length <= bound(r), `voter ${i}: ${r.length} vote states in ${(r.at(-1).t - t0) / 1000} s`);
      worst = Math.max(worst, r.length);
    }
    assert.ok(voters.every((v) => v.closeInfo === undefined), 'no socket was closed');

    // The total equals the database: a fresh snapshot and the export.
    const snap = await sessionSnapshot(staff, s.id);
    assert.equal(snap.questions.find((x) => x.id === q.id).votes, N);
    const stok = d.token({ user: 'vs-staff', name: 'User vs-staff', roles: [`${course}:instructor`] });
    const ex = JSON.parse((await exportSession(d, stok, s.id, { format: 'json' })).body);
    assert.equal(ex.questions.find((x) => x.id === q.id).votes, N);

    console.log(`# vote storm: ${N} sockets connected in ${connectS.toFixed(1)} s; votes acknowledged in ` +
      `${((tLastReply - t0) / 1000).toFixed(2)} s; watcher saw ${seen.length} vote states ` +
      `(${during.length} before the final), the busiest voter ${worst}`);
    for (let i = 0; i < voters.length; i += 100) await Promise.all(voters.slice(i, i + 100).map((v) => v.close()));
    await watcher.close();
    await closeAll([staff, asker]);
  });

test('export: CSV (RFC 4180, spreadsheet-safe) and JSON match the database, over HTTP and the command line', async () => {
  const course = d.course({ title: 'Export' });
  const other = d.course({ title: 'Not this one' });
  const f = forum(d);
  const staff = await f.as('ex-staff', [`${course}:instructor`]);
  const a = await f.as('ex-a', P(course), { name: 'Ana Export' });
  const b = await f.as('ex-b', P(course), { name: 'Bo Export' });
  const title = 'Export, "quoted" session';
  const s = await liveSession(staff, course, { title });
  const bodies = {
    formula: '=1+1 is it two?',
    link: '=HYPERLINK("http://evil.example","click")',
    plus: '+1 for recordings',
    minus: '-minus leads here',
    at: '@everyone please',
    quoted: 'Plain, with a comma and "quotes"\nand a second line',
    dismissed: 'This one gets dismissed',
    withdrawn: 'This one gets withdrawn',
    answered: 'This one gets answered',
    anon: 'Anonymous and fine',
  };
  const askerOf = { plus: b, quoted: b, withdrawn: b, anon: b };     // a asks the others
  const q = {};
  for (const [k, body] of Object.entries(bodies)) {
    q[k] = await ask(askerOf[k] || a, s.id, body, k === 'anon' ? { anonymous: true } : {});
  }
  await ok(staff, 'question.vote', { question: q.quoted.id, up: true });
  await ok(a, 'question.vote', { question: q.quoted.id, up: true });
  await ok(b, 'question.vote', { question: q.formula.id, up: true });
  await ok(staff, 'question.answering', { session: s.id, question: q.answered.id });
  await ok(staff, 'question.answer', { question: q.answered.id, answer: '=2+2, "as said"' });
  await ok(staff, 'question.dismiss', { question: q.dismissed.id, reason: 'not now' });
  await ok(b, 'question.withdraw', { question: q.withdrawn.id });

  const snap = await sessionSnapshot(staff, s.id);
  const byId = new Map(snap.questions.map((x) => [x.id, x]));
  assert.equal(byId.size, Object.keys(bodies).length);
  const startedMs = snap.session.started_at;
  const stok = d.token({ user: 'ex-staff', name: 'User ex-staff', roles: [`${course}:instructor`] });
  const btok = d.token({ user: 'ex-b', name: 'Bo Export', roles: P(course) });

  // CSV, staff view.
  const cr = await exportSession(d, stok, s.id, { format: 'csv' });
  assert.equal(cr.status, 200, cr.body.slice(0, 300));
  assert.match(String(cr.headers['content-type']), /text\/csv/);
  const rows = parseCsv(cr.body);
  const header = rows[0];
  // The header is checked at the end (so one run reports every difference); the id column is
  // looked up under its contract name, or else the first column.
  const later = [];
  later.push(() => assert.deepEqual(header, ['id', 'asked_at_s', 'state', 'votes', 'anonymous', 'question', 'answer', 'answered_at_s'],
    'the CSV header'));
  const data = rows.slice(1);
  assert.equal(data.length, byId.size, 'one row per question');
  const col = (name) => (name === 'id' && !header.includes('id') ? 0 : header.indexOf(name));
  for (const r of data) {
    assert.equal(r.length, header.length, `row ${JSON.stringify(r)}`);
    const x = byId.get(Number(r[col('id')]));
    assert.ok(x, `row for an unknown question: ${JSON.stringify(r)}`);
    assert.equal(r[col('state')], x.state);
    assert.equal(Number(r[col('votes')]), x.votes);
    assert.equal(csvBool(r[col('anonymous')]), x.anonymous);
    assert.equal(r[col('question')], safeCell(x.body));
    assert.equal(r[col('answer')], safeCell(x.answer));
    const asked = Number(r[col('asked_at_s')]);
    assert.ok(Number.isInteger(asked) && Math.abs(asked - (x.created_at - startedMs) / 1000) <= 1, `asked_at_s ${asked}`);
    if (x.answered_at === null) assert.equal(r[col('answered_at_s')], '');
    else assert.ok(Math.abs(Number(r[col('answered_at_s')]) - (x.answered_at - startedMs) / 1000) <= 1);
  }
  assert.deepEqual(data.map((r) => Number(r[0])).sort((m, n) => m - n), [...byId.keys()].sort((m, n) => m - n));
  const cell = (id, name) => data.find((r) => Number(r[0]) === id)[col(name)];
  assert.equal(cell(q.formula.id, 'question'), "'=1+1 is it two?");
  assert.ok(cell(q.link.id, 'question').startsWith("'=HYPERLINK("));
  assert.equal(cell(q.plus.id, 'question'), "'+1 for recordings");
  assert.equal(cell(q.minus.id, 'question'), "'-minus leads here");
  assert.equal(cell(q.at.id, 'question'), "'@everyone please");
  assert.equal(cell(q.answered.id, 'answer'), "'=2+2, \"as said\"");
  assert.equal(cell(q.quoted.id, 'question'), bodies.quoted);
  assert.ok(cr.body.includes(",'=1+1 is it two?,") || cr.body.includes(",\"'=1+1 is it two?\","), 'the raw cell begins with \'=');
  assert.ok(!/(^|[,\n])"?=/.test(cr.body), 'no cell begins with =');

  // JSON, staff view.
  const jr = await exportSession(d, stok, s.id, { format: 'json' });
  assert.equal(jr.status, 200);
  assert.match(String(jr.headers['content-type']), /json/);
  const j = JSON.parse(jr.body);
  assert.equal(j.session.id, s.id);
  assert.equal(j.session.title, title);
  assert.equal(j.session.course, course);
  assert.ok(j.session.started_at !== null && j.session.started_at !== undefined);
  assert.equal(j.questions.length, byId.size);
  for (const x of j.questions) {
    const y = byId.get(x.id);
    assert.ok(y, `JSON row for an unknown question ${x.id}`);
    assert.equal(x.state, y.state);
    assert.equal(x.votes, y.votes);
    assert.equal(x.anonymous, y.anonymous);
    assert.equal(x.question, y.body, 'JSON carries the text as it is');
    assert.equal(x.answer, y.answer);
    assert.ok(!('asker' in x));
    assert.ok(Math.abs(x.asked_at_s - (y.created_at - startedMs) / 1000) <= 1);
    if (y.answered_at === null) assert.equal(x.answered_at_s, null);
    else assert.ok(Math.abs(x.answered_at_s - (y.answered_at - startedMs) / 1000) <= 1);
  }
  // The CSV and the JSON list the same questions in the same order.
  assert.deepEqual(data.map((r) => Number(r[0])), j.questions.map((x) => x.id));

  // names=1 adds the asker (staff only).
  const jn = JSON.parse((await exportSession(d, stok, s.id, { format: 'json', names: true })).body);
  assert.ok(String(jn.questions.find((x) => x.id === q.formula.id).asker).includes('Ana Export'));
  assert.ok(String(jn.questions.find((x) => x.id === q.plus.id).asker).includes('Bo Export'));
  const cn = parseCsv((await exportSession(d, stok, s.id, { format: 'csv', names: true })).body);
  later.push(() => assert.deepEqual(cn[0], ['id', 'asked_at_s', 'state', 'votes', 'anonymous', 'asker', 'question', 'answer', 'answered_at_s'],
    'the CSV header with names=1'));
  assert.ok(cn[0].includes('asker'));
  assert.ok(cn.slice(1).some((r) => r[cn[0].indexOf('asker')].includes('Ana Export')));

  // Participants: only published questions, never names.
  // Compared with the snapshot of a participant who asked nothing (an asker also sees their own).
  const c = await f.as('ex-c', P(course));
  const peer = await sessionSnapshot(c, s.id);
  await c.close();
  const pj = JSON.parse((await exportSession(d, btok, s.id, { format: 'json', names: true })).body);
  assert.deepEqual(pj.questions.map((x) => x.id).sort(), peer.questions.map((x) => x.id).sort());
  for (const x of pj.questions) {
    assert.ok(['visible', 'answering', 'answered'].includes(x.state) || peer.questions.some((y) => y.id === x.id && y.state === x.state));
    assert.ok(!('asker' in x));
  }
  const pc = parseCsv((await exportSession(d, btok, s.id, { format: 'csv', names: true })).body);
  assert.ok(!pc[0].includes('asker'));
  assert.equal(pc.length - 1, pj.questions.length);

  // Refused: no token, a bad token, someone outside the course, an unknown session.
  const otok = d.token({ user: 'ex-out', roles: P(other) });
  for (const [tok, sid, what] of [[null, s.id, 'no token'], ['not.a.token', s.id, 'a bad token'],
    [otok, s.id, 'an outsider'], [stok, 987654, 'an unknown session']]) {
    const r = await exportSession(d, tok, sid, { format: 'json' });
    assert.ok(r.status >= 400 && r.status < 500, `${what}: ${r.status}`);
    assert.ok(!r.body.includes('This one gets answered'), `${what}: the export leaked`);
  }

  // The command line prints the staff view.
  const cli = (...extra) => execFileSync(BIN, ['export', 'session', String(s.id), '--db', d.dbPath, ...extra], { encoding: 'utf8' });
  assert.equal(cli('--format', 'csv'), cr.body);
  assert.deepEqual(JSON.parse(cli('--format', 'json')), j);
  assert.deepEqual(JSON.parse(cli('--format', 'json', '--names')), jn);
  assert.deepEqual(parseCsv(cli('--format', 'csv', '--names')), cn);
  await closeAll([staff, a, b]);
  for (const check of later) check();
});

test('session lifecycle: scheduled, live, ended; session_not_live outside; session.updated to the course', async () => {
  const course = d.course({ title: 'Lifecycle' });
  const other = d.course({ title: 'Elsewhere' });
  const f = forum(d);
  const staff = await f.as('lc-staff', [`${course}:instructor`]);
  const p = await f.as('lc-p', P(course));
  const w = await f.as('lc-w', P(course));
  const o = await f.as('lc-o', P(other));
  const admin = await f.as('lc-admin', [], { admin: true });
  const croom = `course:${course}`;
  await subscribe(w, croom);

  const startsAt = nowS() + 3600;
  const { session } = await ok(staff, 'session.create', { course, title: 'Week 3 webinar', starts_at: startsAt });
  assert.equal(session.course, course);
  assert.equal(session.title, 'Week 3 webinar');
  assert.equal(session.starts_at, startsAt);
  assert.equal(session.state, 'scheduled');
  assert.equal(session.premoderated, false);
  assert.equal(session.started_at, null);
  assert.equal(session.ended_at, null);
  assert.equal(session.answering, null);
  const sc = await waitEvent(w, croom, 'session.created', (m) => m.data.session.id === session.id);
  assert.equal(sc.data.session.state, 'scheduled');
  const listed = (await read(p, 'session.list', { course })).sessions.find((x) => x.id === session.id);
  assert.equal(listed.state, 'scheduled');
  const room = `session:${session.id}`;
  const snap = await subscribe(p, room);
  assert.equal(snap.session.state, 'scheduled');
  assert.deepEqual(snap.questions, []);

  assertError(await send(p, 'question.ask', { session: session.id, body: 'Too early?' }), 'session_not_live');
  assertError(await send(p, 'session.start', { session: session.id }), 'forbidden');
  assertError(await send(staff, 'session.create', { course, title: 'x'.repeat(LIMITS.max_session_title_chars + 1), starts_at: startsAt }),
    'too_long', { field: 'title' });
  assertError(await send(staff, 'session.create', { course: other, title: 'Not my course', starts_at: startsAt }), 'forbidden');

  // Live: the course room and the session room hear it.
  const live = (await ok(staff, 'session.start', { session: session.id })).session;
  assert.equal(live.state, 'live');
  assert.equal(typeof live.started_at, 'number');
  const cu = await waitEvent(w, croom, 'session.updated', (m) => m.data.session.id === session.id && m.data.session.state === 'live');
  assert.equal(cu.data.session.started_at, live.started_at);
  await waitEvent(p, room, 'session.updated', (m) => m.data.session.state === 'live');
  const q = await ask(p, session.id, 'Now it is live?');
  assert.equal(q.state, 'visible');
  assert.equal((await read(w, 'session.list', { course })).sessions.find((x) => x.id === session.id).state, 'live');

  // Someone outside the course sees nothing of it.
  assertError(await request(o, 'session.list', { course }), 'forbidden');
  assertError(await request(o, 'subscribe', { room }), 'forbidden');
  assert.equal((await send(o, 'question.ask', { session: session.id, body: 'Let me in' })).ok, false);
  assert.equal((await send(o, 'question.vote', { question: q.id, up: true })).ok, false);

  // Ended.
  const ended = (await ok(admin, 'session.end', { session: session.id })).session;
  assert.equal(ended.state, 'ended');
  assert.equal(typeof ended.ended_at, 'number');
  await waitEvent(w, croom, 'session.updated', (m) => m.data.session.id === session.id && m.data.session.state === 'ended');
  await waitEvent(p, room, 'session.updated', (m) => m.data.session.state === 'ended');
  assertError(await send(p, 'question.ask', { session: session.id, body: 'Too late?' }), 'session_not_live');
  assert.equal((await read(p, 'session.list', { course })).sessions.find((x) => x.id === session.id).state, 'ended');
  await closeAll([staff, p, w, o, admin]);
});

test('bridge: unanswered questions become forum question threads, once', async () => {
  const course = d.course({ title: 'Bridge' });
  const f = forum(d);
  const staff = await f.as('br-staff', [`${course}:instructor`]);
  const a = await f.as('br-a', P(course));
  const b = await f.as('br-b', P(course));
  const w = await f.as('br-w', P(course));
  await subscribe(w, `course:${course}`);
  const title = 'Bridge webinar 12';
  const s = await liveSession(staff, course, { title });
  const q = {
    answered: await ask(a, s.id, 'Bridge: answered during the session'),
    popular: await ask(a, s.id, 'Bridge: the popular unanswered one'),
    quiet: await ask(b, s.id, 'Bridge: the quiet unanswered one'),
    now: await ask(b, s.id, 'Bridge: being answered at the end'),
    withdrawn: await ask(a, s.id, 'Bridge: withdrawn by its asker'),
    dismissed: await ask(b, s.id, 'Bridge: dismissed by staff'),
  };
  for (const v of [b, w, staff]) await ok(v, 'question.vote', { question: q.popular.id, up: true });
  await ok(staff, 'question.answering', { session: s.id, question: q.answered.id });
  await ok(staff, 'question.answer', { question: q.answered.id, answer: 'Done' });
  await ok(staff, 'question.answering', { session: s.id, question: q.now.id });
  await ok(a, 'question.withdraw', { question: q.withdrawn.id });
  await ok(staff, 'question.dismiss', { question: q.dismissed.id });
  await ok(staff, 'session.end', { session: s.id });
  assert.deepEqual((await read(w, 'thread.list', { course })).threads, []);

  const br = await ok(staff, 'session.bridge', { session: s.id, which: 'unanswered' });
  assert.deepEqual(br.threads.map((x) => x.question).sort((m, n) => m - n),
    [q.popular.id, q.quiet.id, q.now.id].sort((m, n) => m - n), `bridged: ${JSON.stringify(br)}`);
  const threadOf = new Map(br.threads.map((x) => [x.question, x.thread]));
  assert.equal(new Set(threadOf.values()).size, 3, 'one thread per question');
  const listed = (await read(w, 'thread.list', { course })).threads;
  assert.deepEqual(listed.map((t) => t.id).sort((m, n) => m - n), [...threadOf.values()].sort((m, n) => m - n));
  const votesOf = { [q.popular.id]: 3, [q.quiet.id]: 0, [q.now.id]: 0 };
  for (const [qid, tid] of threadOf) {
    const t = listed.find((x) => x.id === tid);
    assert.equal(t.kind, 'question');
    await waitEvent(w, `course:${course}`, 'thread.created', (m) => m.data.thread.id === tid);
    const ts = await subscribe(w, `thread:${tid}`);
    await unsubscribe(w, `thread:${tid}`);
    const opening = ts.posts[0];
    const body = Object.values(q).find((x) => x.id === qid).body;
    assert.ok(t.title.includes(body) || opening.body.includes(body), `the question's text in thread ${JSON.stringify(t)}`);
    assert.ok(opening.body.includes(title), `the opening post mentions the session: ${opening.body}`);
    assert.match(opening.body, new RegExp(`(^|\\D)${votesOf[qid]}(\\D|$)`), `the opening post gives the votes: ${opening.body}`);
  }
  for (const k of ['answered', 'withdrawn', 'dismissed']) {
    assert.ok(!listed.some((t) => t.title.includes(q[k].body)), `${k} was bridged`);
  }

  // Again: nothing new. Then all: the answered one too, once.
  const again = await ok(staff, 'session.bridge', { session: s.id, which: 'unanswered' });
  for (const x of again.threads) assert.equal(threadOf.get(x.question), x.thread, `re-bridged: ${JSON.stringify(again)}`);
  assert.equal((await read(w, 'thread.list', { course })).threads.length, 3);
  const all = await ok(staff, 'session.bridge', { session: s.id, which: 'all' });
  const newOnes = all.threads.filter((x) => !threadOf.has(x.question));
  assert.deepEqual(newOnes.map((x) => x.question), [q.answered.id], `bridge all: ${JSON.stringify(all)}`);
  await ok(staff, 'session.bridge', { session: s.id, which: 'all' });
  const final = (await read(w, 'thread.list', { course })).threads;
  assert.equal(final.length, 4);
  assert.ok(!final.some((t) => t.title.includes(q.withdrawn.body) || t.title.includes(q.dismissed.body)));
  assertError(await send(a, 'session.bridge', { session: s.id, which: 'all' }), 'forbidden');
  await closeAll([staff, a, b, w]);
});
