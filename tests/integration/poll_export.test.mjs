// Poll results exports for staff: one poll or a whole session, JSON and CSV, with and without each
// participant's answers, over HTTP and from the command line; staff only; formula cells guarded;
// counts equal to what the results room says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startDaemon, BIN, stopClean } from '../lib/daemon.mjs';
import { parseCsv } from '../lib/csv.mjs';
import { forum, ok } from '../lib/forum.mjs';
import { liveSession } from '../lib/qa.mjs';
import { createPoll, openPoll, closePoll, answer, resultsSnapshot } from '../lib/polls.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(() => stopClean(d));

async function get(path, token) {
  const r = await fetch(`${d.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* CSV or an error page */ }
  return { status: r.status, type: r.headers.get('content-type'), text, json };
}

const cli = (...a) => execFileSync(BIN, ['export', ...a, '--db', d.dbPath], { encoding: 'utf8' });

// A session with four opened polls answered by three participants, and one draft.
async function setup(name) {
  const course = d.course({ title: name, lang: 'es' });
  const f = forum(d);
  const staff = await f.as(`${name}-staff`, [`${course}:instructor`]);
  const ps = [];
  for (const n of ['Ana', 'Bruno', '=Chloé']) ps.push(await f.as(`${name}-${ps.length}`, [`${course}:participant`], { name: n }));
  const s = await liveSession(staff, course, { title: name });
  const quiz = await createPoll(staff, s.id, { kind: 'single', prompt: 'Capital of Peru?', options: ['Lima', '=Cusco', 'Quito, Ecuador'], correct: [0] });
  const multi = await createPoll(staff, s.id, { kind: 'multiple', prompt: 'Tools?', options: ['Slack', 'Teams', 'Zoom'], visibility: 'staff_only' });
  const rating = await createPoll(staff, s.id, { kind: 'rating', prompt: 'How useful?', scale: 5 });
  const cloud = await createPoll(staff, s.id, { kind: 'words', prompt: 'One word', max_entries: 2 });
  const draft = await createPoll(staff, s.id, { kind: 'text', prompt: 'Not yet' });
  for (const p of [quiz, multi, rating, cloud]) await openPoll(staff, p.id);
  const [a, b, c] = ps;
  await answer(a, quiz.id, { choices: [0] });
  await answer(b, quiz.id, { choices: [1] });
  await answer(c, quiz.id, { choices: [0] });
  await answer(a, multi.id, { choices: [0, 2] });
  await answer(b, multi.id, { choices: [2] });
  await answer(a, rating.id, { rating: 5 });
  await answer(b, rating.id, { rating: 4 });
  await answer(c, rating.id, { rating: 5 });
  await answer(a, cloud.id, { text: 'Éxito' });
  await answer(b, cloud.id, { text: 'éxitos' });
  await answer(c, cloud.id, { text: 'liderazgo' });
  await answer(c, cloud.id, { text: 'exitos' });
  await closePoll(staff, quiz.id);
  return { course, f, staff, ps, s, quiz, multi, rating, cloud, draft };
}

test('one poll: JSON results match the results room; CSV guards formulas; answers name who answered', async () => {
  const { course, staff, s, quiz, cloud, rating } = await setup('export-one');
  const st = d.token({ user: 'export-one-staff', name: 'Staff', roles: [`${course}:instructor`] });
  let r = await get(`/api/polls/${quiz.id}/export`, st);
  assert.equal(r.status, 200, r.text);
  assert.match(r.type, /application\/json/);
  assert.equal(r.json.poll.id, quiz.id);
  assert.equal(r.json.poll.session, s.id);
  assert.equal(r.json.poll.kind, 'single');
  assert.equal(r.json.poll.state, 'closed');
  assert.deepEqual(r.json.poll.options, ['Lima', '=Cusco', 'Quito, Ecuador']);
  assert.equal(r.json.poll.respondents, 3);
  assert.equal(r.json.answers, undefined);
  const room = (await resultsSnapshot(staff, quiz.results_room)).results;
  assert.deepEqual(r.json.results.map((x) => x.count), room.counts);
  assert.deepEqual(r.json.results.map((x) => x.item), ['Lima', '=Cusco', 'Quito, Ecuador']);
  assert.deepEqual(r.json.results.map((x) => x.correct), [true, false, false]);
  assert.deepEqual(r.json.results.map((x) => x.share), [66.7, 33.3, 0]);

  r = await get(`/api/polls/${quiz.id}/export?format=csv`, st);
  assert.equal(r.status, 200);
  assert.match(r.type, /text\/csv/);
  const rows = parseCsv(r.text);
  assert.deepEqual(rows[0], ['poll', 'kind', 'prompt', 'item', 'count', 'share', 'correct']);
  assert.deepEqual(rows.slice(1).map((x) => x.slice(3)), [
    ['Lima', '2', '66.7', 'yes'], ["'=Cusco", '1', '33.3', 'no'], ['Quito, Ecuador', '0', '0', 'no'],
  ]);

  r = await get(`/api/polls/${quiz.id}/export?format=csv&answers=1`, st);
  const ans = parseCsv(r.text);
  assert.deepEqual(ans[0], ['poll', 'user', 'name', 'answer', 'removed', 'answered_at_s']);
  assert.deepEqual(ans.slice(1).map((x) => [x[2], x[3]]).sort(), [["'=Chloé", 'Lima'], ['Ana', 'Lima'], ['Bruno', "'=Cusco"]].sort());
  for (const x of ans.slice(1)) assert.ok(Number(x[5]) >= 0);

  // A word cloud: the groups as the results room shows them, and one answers row per entry.
  r = await get(`/api/polls/${cloud.id}/export?answers=1`, st);
  const words = (await resultsSnapshot(staff, cloud.results_room)).results.words;
  assert.deepEqual(r.json.results.map((x) => [x.item, x.count]), words.map((w) => [w.text, w.count]));
  assert.equal(r.json.results[0].count, 3);         // Éxito, éxitos, exitos
  assert.deepEqual(r.json.answers.map((x) => x.answer), ['Éxito', 'éxitos', 'liderazgo', 'exitos']);

  // Rating: one row per value of the scale.
  r = await get(`/api/polls/${rating.id}/export`, st);
  assert.deepEqual(r.json.results.map((x) => [x.item, x.count]), [['1', 0], ['2', 0], ['3', 0], ['4', 1], ['5', 2]]);

  // The command line gives what a global admin gets over HTTP.
  const admin = d.token({ user: 'export-admin', name: 'Admin', admin: true });
  assert.equal(cli('poll', String(quiz.id), '--format', 'csv'), (await get(`/api/polls/${quiz.id}/export?format=csv`, admin)).text);
  assert.deepEqual(JSON.parse(cli('poll', String(cloud.id), '--answers')), (await get(`/api/polls/${cloud.id}/export?answers=1`, admin)).json);
});

test('a whole session: every opened poll, drafts left out; staff only', async () => {
  const { course, s, quiz, multi, rating, cloud, draft } = await setup('export-session');
  const st = d.token({ user: 'export-session-staff', name: 'Staff', roles: [`${course}:instructor`] });
  const pt = d.token({ user: 'export-session-0', name: 'Ana', roles: [`${course}:participant`] });
  let r = await get(`/api/sessions/${s.id}/polls/export`, st);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.session.id, s.id);
  const polls = [...new Set(r.json.results.map((x) => x.poll))];
  assert.deepEqual(polls, [quiz.id, multi.id, rating.id, cloud.id]);
  assert.ok(!polls.includes(draft.id));
  // A staff_only poll is exported too: its counts are the staff's to see.
  assert.deepEqual(r.json.results.filter((x) => x.poll === multi.id).map((x) => x.count), [1, 0, 2]);
  r = await get(`/api/sessions/${s.id}/polls/export?format=csv&answers=1`, st);
  const rows = parseCsv(r.text);
  assert.equal(rows.length - 1, 3 + 2 + 3 + 4);

  // Participants, tokens of another course, no token: refused.
  r = await get(`/api/sessions/${s.id}/polls/export`, pt);
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'forbidden');
  r = await get(`/api/polls/${quiz.id}/export`, pt);
  assert.equal(r.status, 403);
  r = await get(`/api/polls/${quiz.id}/export`, d.token({ user: 'other', name: 'Other', roles: ['999:instructor'] }));
  assert.equal(r.status, 403);
  r = await get(`/api/polls/${quiz.id}/export`);
  assert.equal(r.status, 401);
  r = await get('/api/polls/987654/export', st);
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'not_found');
  r = await get('/api/sessions/987654/polls/export', st);
  assert.equal(r.status, 404);
  assert.throws(() => execFileSync(BIN, ['export', 'poll', '987654', '--db', d.dbPath], { stdio: 'pipe' }));
});
