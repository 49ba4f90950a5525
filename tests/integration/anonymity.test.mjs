// Anonymity audit: who may learn who wrote an anonymous post, thread or live question.
//
// Two participants act only anonymously: the author of the threads (T) and a replier (A). A
// bystander (B) and a member of staff (S) take part too. Every socket records every frame it
// receives, across thread lists (every sort), snapshots, replays (subscribe with since), live
// events and state, notices (user: rooms), write replies, Q&A sessions with anonymous questions
// (plain and premoderated), polls, and the HTTP exports. Then, over the raw text of those frames
// and downloads: no participant ever receives another anonymous person's display name or user id.
// Staff do receive them (so the search below looks for something that is really sent), and each
// anonymous person receives their own, in the author's copies of their own posts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, stopClean } from '../lib/daemon.mjs';
import { httpGet } from '../lib/helpers.mjs';
import { forum, ok, read, subscribe, snapshot, waitEvent } from '../lib/forum.mjs';
import { liveSession, ask, barrier, exportSession } from '../lib/qa.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(() => stopClean(d));

// Distinctive, so a substring search over raw frames finds them and nothing else.
const T = { user: 'zqx-thread-author-4417', name: 'Zqxthread Authorname' };
const A = { user: 'zqx-anon-replier-7731', name: 'Zqxanon Repliername' };
const B = { user: 'audit-bystander', name: 'Plain Bystander' };
const S = { user: 'audit-staff', name: 'Staff Member' };

const SORTS = ['latest', 'votes', 'unanswered'];

// Every place a raw frame or download mentions one of the people in secrets.
function findings(texts, secrets) {
  const out = [];
  for (const [where, text] of texts) {
    for (const s of secrets) {
      for (const needle of [s.user, s.name]) {
        const i = text.indexOf(needle);
        if (i >= 0) out.push(`${where} holds ${JSON.stringify(needle)}: …${text.slice(Math.max(0, i - 200), i + 80)}…`);
      }
    }
  }
  return out;
}

test('anonymous authors stay anonymous to every participant, in every kind of message', async () => {
  const course = d.course({ title: 'Anonymity audit' });
  const f = forum(d);
  const P = [`${course}:participant`];
  const tokenOf = (who, roles) => d.token({ user: who.user, name: who.name, roles });
  const sockets = [];    // [person, socket]
  const downloads = [];  // [person, where, body]
  const replays = [];    // [person, socket] that resumed every room from seq 0
  const open = async (who, roles) => {
    const c = await f.as(who.user, roles, { name: who.name });
    sockets.push([who, c]);
    await subscribe(c, c.user.room);               // notices
    await subscribe(c, `course:${course}`);        // thread list events and thread.stats
    if (who === S) await subscribe(c, `staff:${course}`);   // flags, audit, pending questions
    return c;
  };
  const staff = await open(S, [`${course}:facilitator`]);
  const t = await open(T, P);
  const a = await open(A, P);
  const b = await open(B, P);

  // Threads started anonymously by T: a question and a discussion, followed live by everyone.
  const q1 = await ok(t, 'thread.create', { course, kind: 'question', title: 'Audit question', body: 'Who answers?', anonymous: true });
  const d1 = await ok(t, 'thread.create', { course, kind: 'discussion', title: 'Audit discussion', body: 'Talk', anonymous: true });
  const threads = [q1.thread.id, d1.thread.id];
  for (const [, c] of sockets) for (const id of threads) await subscribe(c, `thread:${id}`);

  // A replies anonymously to both, and becomes their last poster.
  const r1 = (await ok(a, 'post.create', { thread: q1.thread.id, body: 'An anonymous answer', anonymous: true })).post;
  const r2 = (await ok(a, 'post.create', { thread: d1.thread.id, body: 'An anonymous remark', anonymous: true })).post;
  // A's own anonymous thread, where T answers anonymously and A has the last word.
  const a1 = await ok(a, 'thread.create', { course, kind: 'question', title: 'Asked by A', body: 'Mine', anonymous: true });
  threads.push(a1.thread.id);
  for (const [, c] of sockets) await subscribe(c, `thread:${a1.thread.id}`);
  const tr = (await ok(t, 'post.create', { thread: a1.thread.id, body: 'T answers', anonymous: true })).post;
  await ok(a, 'post.create', { thread: a1.thread.id, body: 'A thanks', anonymous: true, parent: tr.id });

  // Edits, votes, a flag, moderation with notices.
  await ok(a, 'post.edit', { post: r1.id, body: 'An anonymous answer, edited' });
  await ok(b, 'post.vote', { post: r1.id, up: true });
  await ok(t, 'post.vote', { post: r2.id, up: true });
  await ok(b, 'post.flag', { post: r2.id, reason: 'Audit flag' });
  await ok(staff, 'post.endorse', { post: r1.id, endorsed: true });
  await ok(staff, 'post.hide', { post: r2.id, reason: 'Audit hide' });
  await ok(staff, 'post.restore', { post: r2.id });
  await ok(staff, 'post.hide', { post: tr.id, reason: 'Audit hide of T' });
  await ok(staff, 'post.restore', { post: tr.id });
  await ok(a, 'post.create', { thread: d1.thread.id, body: 'The last word', anonymous: true });
  await waitEvent(b, `thread:${d1.thread.id}`, 'post.created', (m) => m.data.post.body === 'The last word');

  // Live Q&A: an anonymous question answered, one premoderated and approved, one dismissed.
  const s1 = await liveSession(staff, course, { title: 'Audit webinar' });
  const s2 = await liveSession(staff, course, { title: 'Audit premoderated', premoderated: true });
  for (const [, c] of sockets) for (const s of [s1, s2]) await subscribe(c, `session:${s.id}`);
  const qa1 = await ask(a, s1.id, 'Anonymous live question', { anonymous: true });
  await ok(t, 'question.vote', { question: qa1.id, up: true });
  await ok(staff, 'question.answering', { session: s1.id, question: qa1.id });
  await ok(staff, 'question.answer', { question: qa1.id, answer: 'Answered live' });
  const qa2 = await ask(a, s2.id, 'Anonymous premoderated question', { anonymous: true });
  await ok(staff, 'question.approve', { question: qa2.id });
  const qa3 = await ask(a, s1.id, 'Anonymous question to dismiss', { anonymous: true });
  await ok(staff, 'question.dismiss', { question: qa3.id, reason: 'Audit dismiss' });
  await ask(t, s1.id, 'T asks anonymously too', { anonymous: true });
  // A poll A answers: its exports name those who answered, for staff only.
  const { poll } = await ok(staff, 'poll.create', { session: s1.id, kind: 'single', prompt: 'Audit poll?', options: ['Yes', 'No'] });
  await ok(staff, 'poll.open', { poll: poll.id });
  await ok(a, 'poll.answer', { poll: poll.id, choices: [0] });

  // Lists in every sort, and on fresh sockets: snapshots and replays of every room from the start.
  for (const who of [T, A, B, S]) {
    const roles = who === S ? [`${course}:facilitator`] : P;
    const c = await f.as(who.user, roles, { name: who.name });
    sockets.push([who, c]);
    for (const sort of SORTS) await read(c, 'thread.list', { course, sort });
    for (const id of threads) await read(c, 'subscribe', { room: `thread:${id}` });
    for (const s of [s1, s2]) await read(c, 'subscribe', { room: `session:${s.id}` });
    const r = await f.as(who.user, roles, { name: who.name });
    sockets.push([who, r]);
    const rooms = [`course:${course}`, r.user.room, ...threads.map((id) => `thread:${id}`),
                   ...[s1, s2].map((s) => `session:${s.id}`), ...(who === S ? [`staff:${course}`] : [])];
    for (const room of rooms) await read(r, 'subscribe', { room, since: 0 });
    // The replays have reached their ends.
    await waitEvent(r, `thread:${d1.thread.id}`, 'post.created', (m) => m.data.post.body === 'The last word');
    await waitEvent(r, `session:${s1.id}`, 'question.updated', (m) => m.data.question.state === 'answered');
    replays.push([who, r]);
  }

  // The downloads: the session export (names asked for) and the poll exports, by each person.
  for (const who of [T, A, B, S]) {
    const token = tokenOf(who, who === S ? [`${course}:facilitator`] : P);
    for (const format of ['json', 'csv']) {
      for (const s of [s1, s2]) {
        const e = await exportSession(d, token, s.id, { format, names: true });
        downloads.push([who, `session ${s.id} export (${format})`, `${e.status} ${e.body}`]);
      }
      const headers = { Authorization: `Bearer ${token}` };
      const pe = await httpGet(`${d.url}/api/polls/${poll.id}/export?format=${format}&answers=1`, { headers });
      downloads.push([who, `poll export (${format})`, `${pe.status} ${pe.body}`]);
      const se = await httpGet(`${d.url}/api/sessions/${s1.id}/polls/export?format=${format}&answers=1`, { headers });
      downloads.push([who, `session polls export (${format})`, `${se.status} ${se.body}`]);
    }
  }

  for (const [, c] of sockets) await barrier(c);
  // Whatever is still in flight (coalesced state) has had its time.
  await new Promise((res) => setTimeout(res, 600));
  for (const [, c] of sockets) await barrier(c);

  // What was recorded covers what the audit is about.
  const msgs = (c, pred) => c.messages.filter(pred).length;
  assert.ok(msgs(t, (m) => m.ev === 'notice') >= 2, 'T got the notices of the hide and restore');
  assert.ok(msgs(a, (m) => m.ev === 'notice') >= 3, 'A got notices (hidden, restored, dismissed)');
  assert.ok(msgs(b, (m) => m.st === 'thread.stats') > 0, 'B got thread.stats');
  assert.ok(msgs(b, (m) => m.ev === 'question.published') >= 3, 'B got the published questions');
  assert.ok(msgs(staff, (m) => m.ev === 'flag.created') > 0, 'staff got the flag');
  for (const [who, r] of replays.filter(([p]) => p === T || p === A)) {
    assert.ok(msgs(r, (m) => m.ev === 'notice') > 0, `${who.user} replayed their notices`);
  }
  for (const [who, where, body] of downloads) {
    if (/^session \d+ export/.test(where)) assert.match(body, /^200 /, `${who.user} ${where}`);
  }

  // The audit. Each participant may hold only their own identity; staff hold everyone's.
  const anonymous = [T, A];
  const leaks = [];
  for (const who of [T, A, B]) {
    const others = anonymous.filter((p) => p !== who);
    const texts = [];
    sockets.filter(([p]) => p === who).forEach(([, c], i) => c.frames.forEach((fr, j) => texts.push([`${who.user} socket ${i} frame ${j}`, fr])));
    downloads.filter(([p]) => p === who).forEach(([, where, body]) => texts.push([`${who.user} ${where}`, body]));
    leaks.push(...findings(texts, others));
  }
  assert.deepEqual(leaks, [], `anonymous authors unmasked:\n${leaks.slice(0, 12).join('\n')}`);

  // The search finds what is there: staff received both names, in frames and in the downloads.
  const staffTexts = [];
  sockets.filter(([p]) => p === S).forEach(([, c]) => c.frames.forEach((fr) => staffTexts.push(['staff', fr])));
  for (const p of anonymous) assert.ok(findings(staffTexts, [p]).length > 0, `staff frames name ${p.user}`);
  assert.ok(findings(downloads.filter(([p]) => p === S).map(([, w, body]) => [w, body]), [A]).length > 0,
    'the staff export with names names A');

  // The author's view: each sees themself on their own anonymous posts, and nobody else.
  const aSnap = await snapshot(a, a1.thread.id);
  assert.equal(aSnap.thread.mine, true);
  assert.equal(aSnap.thread.author?.name, A.name);
  assert.equal(aSnap.thread.last_poster?.name, A.name);
  const tsPost = aSnap.posts.find((p) => p.id === tr.id);
  assert.equal(tsPost.author, null, 'T\'s anonymous answer in A\'s own thread');
  assert.equal(tsPost.mine, false);
  const tList = (await read(t, 'thread.list', { course, sort: 'latest' })).threads;
  for (const id of [q1.thread.id, d1.thread.id]) {
    const th = tList.find((x) => x.id === id);
    assert.equal(th.mine, true);
    assert.equal(th.author?.name, T.name, 'T sees themself as the author of their thread');
    assert.equal(th.last_poster, null, 'the last poster of T\'s thread is A, anonymous to T');
  }
  await Promise.all(sockets.map(([, c]) => c.close()));
});
