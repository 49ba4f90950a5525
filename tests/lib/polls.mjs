// Helpers for the poll, survey and word-cloud tests, on top of forum.mjs and qa.mjs.
//
//   const p = await createPoll(staff, s.id, { kind: 'single', prompt: 'Which?', options: ['A', 'B'] });
//   const p2 = await openPoll(staff, p.id);
//   const a = await answer(c, p.id, { choices: [1] });          // the reply data
//   const snap = await resultsSnapshot(c, p.results_room);       // {room, seq, mode, poll, results}
//   const frames = resultFramesFor(c, p.id);                     // raw frames carrying its tallies
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ok, send, read, request } from './forum.mjs';

export const createPoll = async (staff, session, def) => (await ok(staff, 'poll.create', { session, ...def })).poll;
export const openPoll = async (staff, poll) => (await ok(staff, 'poll.open', { poll })).poll;
export const closePoll = async (staff, poll) => (await ok(staff, 'poll.close', { poll })).poll;
export const revealPoll = async (staff, poll, revealed = true) => (await ok(staff, 'poll.reveal', { poll, revealed })).poll;

// An answer that must succeed: the reply data.
export const answer = (c, poll, data) => ok(c, 'poll.answer', { poll, ...data });
// An answer's reply, ok or not.
export const tryAnswer = (c, poll, data) => send(c, 'poll.answer', { poll, ...data });

// Subscribes to a results room and unsubscribes again: the snapshot's data.
export async function resultsSnapshot(c, room) {
  const s = await read(c, 'subscribe', { room });
  await read(c, 'unsubscribe', { room });
  return s;
}

// The subscribe reply for a room, ok or not (the socket keeps following it when ok).
export const trySubscribe = (c, room) => request(c, 'subscribe', { room });

// Every raw frame a socket received that carries results of poll `id`: a poll.results state, or
// a results snapshot. Compared on the parsed messages, so no formatting can hide one.
export function resultMessagesFor(c, id) {
  return c.messages.filter((m) => m && typeof m === 'object' &&
    ((m.st === 'poll.results' && m.data?.poll === id) || (m.data && m.data.results && m.data.results.poll === id)));
}

// Frame-level: no raw frame holds a tally of poll `id` (the state name next to its id, or a results object).
export function assertNoResultFrames(c, id, who) {
  for (const f of c.frames) {
    const hasState = f.includes('"poll.results"') && f.includes(`"poll":${id}`);
    const hasResults = f.includes('"results"') && f.includes(`"poll":${id}`);
    assert.ok(!hasState && !hasResults, `${who} received results of poll ${id}: ${f.slice(0, 300)}`);
  }
  assert.equal(resultMessagesFor(c, id).length, 0, `${who} received results of poll ${id}`);
}

// Adds words to a language's blocked list with the sqlite3 shell (the daemon may be running).
export function blockWords(dbPath, lang, words) {
  const values = words.map((w) => `('${lang}', '${w.replaceAll("'", "''")}')`).join(', ');
  execFileSync('sqlite3', [dbPath, `PRAGMA busy_timeout = 5000; INSERT OR IGNORE INTO blocked_words(lang, word) VALUES ${values};`]);
}
