// Snapshots are pages bounded in bytes and in count, every byte queued for a socket counts
// against its bound (a message written on an empty queue too), and vote counts come with the
// snapshot or the resume reply instead of one state message per voted post.
//
// Big threads and sessions are seeded with the sqlite3 shell (the daemon reads the rows as
// they are): posting megabytes through the socket would only measure the rate limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startDaemon, stopClean } from '../lib/daemon.mjs';
import { LIMITS, SLOW, sleep } from '../lib/helpers.mjs';
import { forum, ok, read, request, subscribe, newKey, WAIT } from '../lib/forum.mjs';
import { liveSession, ask, barrier } from '../lib/qa.mjs';

const P = (course) => [`${course}:participant`];
const KB = 1024;

function sql(dbPath, text) {
  return execFileSync('sqlite3', [dbPath, `PRAGMA busy_timeout = 5000; ${text}`], { encoding: 'utf8' });
}

// n posts of `chars` characters each (then "|<i>"), replies of the thread's author, some voted.
function seedPosts(dbPath, thread, n, chars) {
  sql(dbPath, `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${n})
    INSERT INTO posts(thread_id, author_id, body, created_at, votes, votes_v)
    SELECT ${thread}, (SELECT author_id FROM threads WHERE id = ${thread}),
           substr(replace(hex(zeroblob(${chars})), '00', 'p"'), 1, ${chars}) || '|' || i,
           CAST(strftime('%s', 'now') AS INTEGER) * 1000, i % 3, i % 3 FROM k;`);
}

// n published questions of `chars` characters each in a session, by the asker of question `like`.
function seedQuestions(dbPath, session, like, n, chars) {
  const author = `(SELECT author_id FROM questions WHERE id = ${like})`;
  sql(dbPath, `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${n})
    INSERT INTO questions(session_id, author_id, body, state, published, created_at, published_at, votes, votes_v)
    SELECT ${session}, ${author}, substr(replace(hex(zeroblob(${chars})), '00', 'q?'), 1, ${chars}) || '|' || i,
           'visible', 1, CAST(strftime('%s', 'now') AS INTEGER) * 1000,
           CAST(strftime('%s', 'now') AS INTEGER) * 1000, i % 4, i % 4 FROM k;`);
}

async function until(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(25);
  }
}

const stats = async (admin) => (await read(admin, 'stats', {})).net;
const bytesOf = (v) => Buffer.byteLength(JSON.stringify(v));

// Asserts that `items` are consecutive ids from firstId (in order), fewer than total, within the byte budget.
function assertPage(items, firstId, total, what) {
  assert.ok(items.length > 1 && items.length < total, `${what}: ${items.length} of ${total} sent`);
  items.forEach((x, i) => assert.equal(x.id, firstId + i, `${what}: item ${i} is the ${i + 1}th by id`));
  const bytes = bytesOf(items);
  assert.ok(bytes <= LIMITS.snapshot_max_bytes, `${what}: ${bytes} bytes > snapshot_max_bytes`);
  return bytes;
}

test('a thread snapshot is the first posts that fit in snapshot_max_bytes; non-reading subscribers hold no more', async () => {
  // A small kernel send buffer: what a socket does not read stays in the server, where it counts.
  const d = await startDaemon({ args: ['--socket-sndbuf', '16384'] });
  try {
    const f = forum(d);
    const course = d.course({ title: 'Snapshot course' });
    const writer = await f.as('snap-writer', P(course));
    const { thread } = await ok(writer, 'thread.create',
      { course, kind: 'discussion', title: 'A long thread', body: 'The opening post' });
    const room = `thread:${thread.id}`;
    const N = 240, CHARS = 15000;       // 3.6 MB of posts, four times the byte budget
    seedPosts(d.dbPath, thread.id, N, CHARS);

    const reader = await f.as('snap-reader', P(course));
    const snap = await subscribe(reader, room);
    assert.equal(snap.mode, 'snapshot');
    assert.equal(snap.more, true, 'the snapshot says posts were left out');
    assert.equal(snap.posts[0].id, thread.first_post);
    assert.equal(snap.posts[0].first, true);
    const bytes = assertPage(snap.posts, thread.first_post, N + 1, 'thread snapshot');
    // The byte budget cut it, not the count: one more post would not have fitted. A post's
    // printed size is more than its characters (each '"' of the body is escaped, and the post
    // has its other members), so measure one.
    assert.ok(snap.posts.length < LIMITS.snapshot_posts_max);
    const one = bytesOf(snap.posts[snap.posts.length - 1]) + 1;
    assert.ok(bytes + one > LIMITS.snapshot_max_bytes - 2 * KB, `${bytes} bytes: room for one more of ${one}`);
    // Every post carries its vote count and the state version it reflects.
    for (const p of snap.posts.slice(1)) {
      const i = Number(p.body.split('|')[1]);
      assert.equal(p.votes, i % 3);
      assert.equal(p.votes_v, i % 3);
    }

    // Four sockets subscribe and never read their reply.
    const admin = await f.as('snap-admin', [], { admin: true });
    const before = await stats(admin);
    const K = 4;
    const sleepers = [];
    for (let i = 0; i < K; i++) {
      const c = await f.as('snap-sleeper', P(course));
      c.ws._socket.pause();
      c.ws.send(JSON.stringify({ op: 'subscribe', id: `s${i}`, data: { room } }));
      sleepers.push(c);
    }
    const held = await until(async () => {
      const s = await stats(admin);
      return s.subscriptions >= before.subscriptions + K && s;
    }, WAIT, 'the sleepers are subscribed');
    await sleep(200);
    const st = await stats(admin);
    const bound = K * (LIMITS.snapshot_max_bytes + 64 * KB);
    console.log(`# ${K} non-reading subscribers of a thread of ${N} posts of ${CHARS} characters: ` +
      `${st.queued_bytes} bytes queued (${held.queued_bytes} at first); snapshot ${bytes} bytes, ` +
      `${snap.posts.length} posts`);
    assert.ok(st.queued_bytes <= bound, `${st.queued_bytes} bytes held > ${bound}`);
    assert.ok(st.queued_bytes > K * 256 * KB, `the sleepers do hold their snapshots (${st.queued_bytes})`);

    // A socket that goes away takes what was queued for it along.
    for (const c of sleepers) c.ws._socket.destroy();
    await until(async () => (await stats(admin)).queued_bytes < 64 * KB, WAIT, 'queued bytes are freed');
    await Promise.all([writer, reader, admin].map((c) => c.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

test('a partly sent message counts against outq_max_bytes: a non-reading socket never holds more', async () => {
  const d = await startDaemon({ args: ['--socket-sndbuf', '16384'] });
  try {
    const f = forum(d);
    const course = d.course({ title: 'Bound course' });
    const writer = await f.as('bound-writer', P(course));
    const { thread } = await ok(writer, 'thread.create',
      { course, kind: 'discussion', title: 'Bound thread', body: 'The opening post' });
    const room = `thread:${thread.id}`;
    seedPosts(d.dbPath, thread.id, 100, 15000);
    const admin = await f.as('bound-admin', [], { admin: true });

    // The sleeper's snapshot (about snapshot_max_bytes) is written on an empty queue: the
    // kernel takes a little, the rest is held as a partly sent frame; then events queue behind.
    const sleeper = await f.as('bound-sleeper', P(course));
    sleeper.ws._socket.pause();
    sleeper.ws.send(JSON.stringify({ op: 'subscribe', id: 'big', data: { room } }));
    await until(async () => (await stats(admin)).queued_bytes > 512 * KB, WAIT, 'the snapshot is held');

    const writers = [writer, ...await Promise.all(Array.from({ length: 5 },
      () => f.as('bound-writer', P(course))))];
    const pad = 'z'.repeat(15000);
    let peak = 0, n = 0, closed = false;
    while (!closed) {
      const replies = await Promise.all(writers.map((w, j) =>
        w.request('post.create', { thread: thread.id, body: `B${n + j}|${pad}`, key: newKey() },
          { timeoutMs: WAIT })));
      assert.ok(replies.every((r) => r.ok), JSON.stringify(replies.find((r) => !r.ok)));
      n += writers.length;
      const q = (await stats(admin)).queued_bytes;
      if (q > peak) peak = q;
      // Closed with 4003 once over the bound: its queue is dropped.
      closed = peak > LIMITS.outq_max_bytes / 2 && q < peak / 2;
      assert.ok(n < 800, `no close after ${n} posts (peak ${peak} bytes)`);
      await sleep(20);
    }
    console.log(`# non-reading socket: peak ${peak} bytes held (outq_max_bytes ${LIMITS.outq_max_bytes}), ` +
      `closed after ${n} posts of 15 KB`);
    assert.ok(peak <= LIMITS.outq_max_bytes + 4 * KB, `${peak} bytes held for one socket`);
    assert.ok(peak > LIMITS.outq_max_bytes - 512 * KB, `the bound was reached (${peak})`);
    sleeper.ws._socket.resume();
    const info = await until(() => sleeper.closeInfo, WAIT, 'the sleeper sees its close');
    assert.equal(info.code, 4003);
    await Promise.all([...writers, admin].map((c) => c.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

test('a session snapshot is paged by bytes too', async () => {
  const d = await startDaemon();
  try {
    const f = forum(d);
    const course = d.course({ title: 'Session snapshot course' });
    const staff = await f.as('ss-staff', [`${course}:instructor`]);
    const session = await liveSession(staff, course);
    const asker = await f.as('ss-asker', P(course));
    const q1 = await ask(asker, session.id, 'The first question');
    const N = 300, CHARS = 6000;        // 1.8 MB of questions
    seedQuestions(d.dbPath, session.id, q1.id, N, CHARS);

    const peer = await f.as('ss-peer', P(course));
    const snap = await subscribe(peer, `session:${session.id}`);
    assert.equal(snap.more, true);
    assert.ok(Array.isArray(snap.polls) && Array.isArray(snap.surveys));
    // The newest questions, in id order.
    const k = snap.questions.length;
    const bytes = assertPage(snap.questions, q1.id + N + 1 - k, N + 1, 'session snapshot');
    assert.ok(bytes + CHARS > LIMITS.snapshot_max_bytes - 4 * KB, `${bytes} bytes: room for one more`);
    for (const q of snap.questions.slice(1)) {
      const i = Number(q.body.split('|')[1]);
      assert.equal(q.votes, i % 4);
      assert.equal(q.votes_v, i % 4);
    }
    await Promise.all([staff, asker, peer].map((c) => c.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

test('vote counts come in the snapshot and in one resume reply, not as a state message per post', async () => {
  const d = await startDaemon();
  try {
    const f = forum(d);
    const course = d.course({ title: 'Votes course' });
    const author = await f.as('v-author', P(course));
    const voter = await f.as('v-voter', P(course));
    const { thread } = await ok(author, 'thread.create',
      { course, kind: 'discussion', title: 'Votes', body: 'Opening' });
    const posts = [];
    for (let i = 0; i < 3; i++) posts.push((await ok(author, 'post.create', { thread: thread.id, body: `R${i}` })).post);
    await ok(voter, 'post.vote', { post: posts[0].id, up: true });
    await ok(voter, 'post.vote', { post: posts[2].id, up: true });
    const voter2 = await f.as('v-voter2', P(course));
    await ok(voter2, 'post.vote', { post: posts[2].id, up: true });
    const room = `thread:${thread.id}`;

    const c = await f.as('v-reader', P(course));
    const snap = await subscribe(c, room);
    const byId = new Map(snap.posts.map((p) => [p.id, p]));
    assert.deepEqual([posts[0], posts[1], posts[2]].map((p) => [byId.get(p.id).votes, byId.get(p.id).votes_v]),
      [[1, 1], [0, 0], [2, 2]]);

    // Resuming (live mode: nothing missed), the reply carries every voted post's count.
    const c2 = await f.as('v-resumer', P(course));
    const r = await subscribe(c2, room, { since: snap.seq });
    assert.equal(r.mode, 'live');
    assert.deepEqual(r.votes, [{ post: posts[0].id, votes: 1, v: 1 }, { post: posts[2].id, votes: 2, v: 2 }]);
    assert.equal(r.votes_more, false);
    await barrier(c2);
    await sleep(LIMITS.state_interval_ms * 2);
    await barrier(c2);
    assert.deepEqual(c2.messages.filter((m) => m && m.st && m.room === room), [], 'no state messages');

    // A session room: question counts in the reply; "now answering" still comes as its state.
    const staff = await f.as('v-staff', [`${course}:instructor`]);
    const session = await liveSession(staff, course);
    const q = await ask(author, session.id, 'Why?');
    await ok(voter, 'question.vote', { question: q.id, up: true });
    const sroom = `session:${session.id}`;
    const s1 = await subscribe(c, sroom);
    assert.equal(s1.questions.find((x) => x.id === q.id).votes_v, 1);
    const s2 = await subscribe(c2, sroom, { since: s1.seq });
    assert.deepEqual(s2.votes, [{ question: q.id, votes: 1, v: 1 }]);
    await barrier(c2);
    assert.deepEqual(c2.messages.filter((m) => m && m.st === 'question.votes'), []);
    assert.equal((await request(c2, 'ping', {})).ok, true);
    await Promise.all([author, voter, voter2, c, c2, staff].map((x) => x.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

test('a replay of big events is paced by bytes: a reading socket is not closed for it', async () => {
  const d = await startDaemon();
  try {
    const f = forum(d);
    const course = d.course({ title: 'Replay course' });
    const writers = [];
    for (let i = 0; i < 6; i++) writers.push(await f.as('r-writer', P(course)));
    const { thread } = await ok(writers[0], 'thread.create',
      { course, kind: 'discussion', title: 'Big replay', body: 'Opening' });
    const room = `thread:${thread.id}`;
    // 200 posts (replay_chunk) of max_body_chars quotes: 40 KB each as sent, 8 MB in all,
    // twice outq_max_bytes in one chunk of events.
    const N = LIMITS.replay_chunk, pad = '"'.repeat(LIMITS.max_body_chars - 8);
    for (let n = 0; n < N;) {
      const batch = writers.map((w, j) => n + j < N &&
        w.request('post.create', { thread: thread.id, body: `R${n + j}|${pad}`, key: newKey() }, { timeoutMs: WAIT }));
      const replies = await Promise.all(batch.filter(Boolean));
      assert.ok(replies.every((r) => r.ok), JSON.stringify(replies.find((r) => !r.ok))?.slice(0, 300));
      n += replies.length;
    }
    const c = await f.as('r-reader', P(course));
    const r = await subscribe(c, room, { since: 1 });
    assert.equal(r.mode, 'replay');
    assert.equal(r.replay, N);
    const evs = () => c.messages.filter((m) => m && m.ev && m.room === room);
    await until(() => evs().length >= N || c.closeInfo, WAIT * 2, 'the replay arrives');
    assert.equal(c.closeInfo, undefined, `closed during the replay: ${JSON.stringify(c.closeInfo)}`);
    assert.deepEqual(evs().map((m) => m.seq), Array.from({ length: N }, (_, i) => i + 2));
    await Promise.all([...writers, c].map((x) => x.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

test('post.history is one page too: the newest revisions that fit, oldest first, more: true', async () => {
  const d = await startDaemon();
  try {
    const f = forum(d);
    const course = d.course({ title: 'History course' });
    const author = await f.as('h-author', P(course));
    const staff = await f.as('h-staff', [`${course}:facilitator`]);
    const { thread } = await ok(author, 'thread.create', { course, kind: 'discussion', title: 'Edited', body: 'Opening' });
    const { post } = await ok(author, 'post.create', { thread: thread.id, body: 'v1' });
    // 40 revisions of max_body_chars quotes: 40 KB each as sent, 1.6 MB in all.
    const pad = '"'.repeat(LIMITS.max_body_chars - 8);
    const E = 40;
    for (let i = 2; i <= E; i++) await ok(author, 'post.edit', { post: post.id, body: `v${i}|${pad}` });
    const h = await read(staff, 'post.history', { post: post.id });
    assert.equal(h.more, true);
    const revs = h.revisions.map((r) => r.revision);
    assert.ok(revs.length > 1 && revs.length < E, `${revs.length} revisions`);
    assert.deepEqual(revs, Array.from({ length: revs.length }, (_, i) => E - revs.length + 1 + i), 'the newest, oldest first');
    assert.ok(h.revisions.at(-1).body.startsWith(`v${E}|`), 'the last is the current text');
    assert.ok(bytesOf(h.revisions) <= LIMITS.snapshot_max_bytes);
    // A short history is whole and says nothing more.
    const h1 = await read(staff, 'post.history', { post: thread.first_post });
    assert.equal(h1.more, undefined);
    assert.equal(h1.revisions.length, 1);
    await Promise.all([author, staff].map((x) => x.close()));
    await stopClean(d);
  } finally {
    await d.stop();
  }
});

void SLOW;
