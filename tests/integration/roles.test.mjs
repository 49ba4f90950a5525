// The role table, op by op, for each role; and the edges of a participant's course window.
// The expected table is written out here, not read from protocol/: it is the test's own claim.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { assertError, sleep } from '../lib/helpers.mjs';
import {
  DAY, forum, request, send, ok, read, subscribe, unsubscribe, snapshot, postIn, waitEvent, nowS,
} from '../lib/forum.mjs';

const ROLES = ['participant', 'facilitator', 'instructor', 'admin'];

// Who may do what. "admin" is a global admin token without any course role.
const TABLE = `
op                          participant  facilitator  instructor  admin
thread.create               allowed      allowed      allowed     allowed
post.create                 allowed      allowed      allowed     allowed
post.edit                   allowed      allowed      allowed     allowed
post.vote                   allowed      allowed      allowed     allowed
post.flag                   allowed      allowed      allowed     allowed
thread.follow               allowed      allowed      allowed     allowed
thread.list                 allowed      allowed      allowed     allowed
course.list                 allowed      allowed      allowed     allowed
subscribe.staff             refused      allowed      allowed     allowed
flag.list                   refused      allowed      allowed     allowed
flag.dismiss                refused      allowed      allowed     allowed
post.hide                   refused      allowed      allowed     allowed
post.restore                refused      allowed      allowed     allowed
post.remove                 refused      allowed      allowed     allowed
post.endorse                refused      allowed      allowed     allowed
thread.lock                 refused      allowed      allowed     allowed
thread.pin                  refused      allowed      allowed     allowed
user.mute                   refused      allowed      allowed     allowed
user.unmute                 refused      allowed      allowed     allowed
audit.list                  refused      allowed      allowed     allowed
post.history                refused      allowed      allowed     allowed
stats                       refused      refused      refused     allowed
survey.create               refused      allowed      allowed     allowed
poll.create                 refused      allowed      allowed     allowed
poll.open                   refused      allowed      allowed     allowed
poll.reveal                 refused      allowed      allowed     allowed
poll.reset                  refused      allowed      allowed     allowed
cloud.remove                refused      allowed      allowed     allowed
poll.answer                 allowed      allowed      allowed     allowed
notification.list           allowed      allowed      allowed     allowed
thread.mute                 allowed      allowed      allowed     allowed
course.members              allowed      allowed      allowed     allowed
`;

const MATRIX = TABLE.trim().split('\n').slice(1).map((line) => {
  const [op, ...cells] = line.trim().split(/\s+/);
  assert.equal(cells.length, ROLES.length, `row ${op}`);
  return { op, allowed: Object.fromEntries(ROLES.map((r, i) => [r, cells[i] === 'allowed'])) };
});

let d, f, course, other;
let actors;          // role -> socket
let obs;             // a facilitator who sets things up and looks at the results
let victim;          // a participant whose posts are acted on
let flagger;         // another participant, who flags and answers
let shared;          // a thread for posts that need no thread of their own
let n = 0;
const uniq = (what) => `${what} ${++n} ${Math.random().toString(36).slice(2, 8)}`;

before(async () => {
  d = await startDaemon();
  f = forum(d);
  course = d.course({ title: 'Roles' });
  other = d.course({ title: 'Elsewhere' });
  actors = {
    participant: await f.as('role-p', [`${course}:participant`]),
    facilitator: await f.as('role-f', [`${course}:facilitator`]),
    instructor: await f.as('role-i', [`${course}:instructor`]),
    admin: await f.as('role-a', [], { admin: true }),
  };
  obs = await f.as('role-obs', [`${course}:facilitator`]);
  victim = await f.as('role-v', [`${course}:participant`]);
  flagger = await f.as('role-q', [`${course}:participant`]);
  shared = (await ok(victim, 'thread.create', { course, kind: 'discussion', title: 'Shared', body: 'shared' })).thread.id;
  await subscribe(obs, `staff:${course}`);
});

after(async () => {
  for (const c of [...Object.values(actors || {}), obs, victim, flagger]) if (c) await c.close();
  if (f) await f.clock.close();
  if (d) assert.equal(await d.stop(), 0, 'forumd exit code');
});

const victimThread = async (kind = 'discussion') =>
  (await ok(victim, 'thread.create', { course, kind, title: uniq('Thread'), body: 'opening' })).thread.id;
const victimPost = async (thread = shared) => (await ok(victim, 'post.create', { thread, body: uniq('Post') })).post.id;
const flagOf = async (post) => (await ok(flagger, 'post.flag', { post, reason: uniq('Reason') })).flag;
const openFlags = async () => (await read(obs, 'flag.list', { course })).flags;

// Audit entries (newest first, first page) of one action.
const audit = async (action) => (await read(obs, 'audit.list', { course, action, limit: 100 })).entries;
async function assertAudited(action, subjectId, actor, allowed) {
  const hit = (await audit(action)).filter((e) => e.subject.id === subjectId && e.actor.id === actor.user.id);
  assert.equal(hit.length, allowed ? 1 : 0, `${action} on ${subjectId} by ${actor.user.id} in the audit log`);
}

// A live session of the course, made once, for the poll ops.
let liveSessionId = null;
async function liveSession() {
  if (!liveSessionId) {
    const { session } = await ok(obs, 'session.create', { course, title: 'Roles live', starts_at: nowS() });
    liveSessionId = (await ok(obs, 'session.start', { session: session.id })).session.id;
  }
  return liveSessionId;
}
const obsPoll = async (def = { kind: 'single', prompt: uniq('Poll'), options: ['A', 'B'] }, open = true) => {
  const p = (await ok(obs, 'poll.create', { session: await liveSession(), ...def })).poll;
  return open ? (await ok(obs, 'poll.open', { poll: p.id })).poll : p;
};
// The session as staff see it: {polls, surveys, ...}.
async function liveSnapshot() {
  const room = `session:${await liveSession()}`;
  const s = await subscribe(obs, room);
  await unsubscribe(obs, room);
  return s;
}
const pollNow = async (id) => (await liveSnapshot()).polls.find((p) => p.id === id);
async function resultsNow(id) {
  const room = (await pollNow(id)).results_room;
  const s = await subscribe(obs, room);
  await unsubscribe(obs, room);
  return s.results;
}

// Per op: setup() -> state, run(actor, state) -> reply, effect(actor, state, allowed, reply).
const CASES = {
  'survey.create': {
    setup: async () => ({ title: uniq('Survey') }),
    run: async (a, s) => send(a, 'survey.create', { session: await liveSession(), title: s.title }),
    async effect(a, s, allowed) {
      assert.equal((await liveSnapshot()).surveys.some((x) => x.title === s.title), allowed);
    },
  },
  'poll.create': {
    setup: async () => ({ prompt: uniq('Prompt') }),
    run: async (a, s) => send(a, 'poll.create', { session: await liveSession(), kind: 'text', prompt: s.prompt }),
    async effect(a, s, allowed) {
      assert.equal((await liveSnapshot()).polls.some((p) => p.prompt === s.prompt), allowed);
    },
  },
  'poll.open': {
    setup: async () => ({ poll: await obsPoll(undefined, false) }),
    run: (a, s) => send(a, 'poll.open', { poll: s.poll.id }),
    async effect(a, s, allowed) {
      assert.equal((await pollNow(s.poll.id)).state, allowed ? 'open' : 'draft');
    },
  },
  'poll.reveal': {
    setup: async () => ({ poll: await obsPoll() }),
    run: (a, s) => send(a, 'poll.reveal', { poll: s.poll.id, revealed: true }),
    async effect(a, s, allowed) {
      assert.equal((await pollNow(s.poll.id)).revealed, allowed);
    },
  },
  'poll.reset': {
    async setup() {
      const poll = await obsPoll();
      await ok(flagger, 'poll.answer', { poll: poll.id, choices: [1] });
      return { poll };
    },
    run: (a, s) => send(a, 'poll.reset', { poll: s.poll.id }),
    async effect(a, s, allowed) {
      assert.equal((await resultsNow(s.poll.id)).respondents, allowed ? 0 : 1);
      await assertAudited('poll.reset', s.poll.id, a, allowed);
    },
  },
  'cloud.remove': {
    async setup() {
      const poll = await obsPoll({ kind: 'words', prompt: uniq('Cloud') });
      await ok(flagger, 'poll.answer', { poll: poll.id, text: 'Rolesword' });
      return { poll, word: (await resultsNow(poll.id)).words[0].word };
    },
    run: (a, s) => send(a, 'cloud.remove', { poll: s.poll.id, word: s.word }),
    async effect(a, s, allowed) {
      assert.equal((await resultsNow(s.poll.id)).words.some((w) => w.word === s.word), !allowed);
      await assertAudited('cloud.remove', s.poll.id, a, allowed);
    },
  },
  'poll.answer': {
    setup: async () => ({ poll: await obsPoll() }),
    run: (a, s) => send(a, 'poll.answer', { poll: s.poll.id, choices: [1] }),
    async effect(a, s, allowed) {
      assert.deepEqual((await resultsNow(s.poll.id)).counts, [0, allowed ? 1 : 0]);
    },
  },
  'thread.create': {
    setup: async () => ({ title: uniq('Created') }),
    run: (a, s) => send(a, 'thread.create', { course, kind: 'discussion', title: s.title, body: 'body' }),
    async effect(a, s, allowed) {
      const { threads } = await read(obs, 'thread.list', { course, limit: 100 });
      assert.equal(threads.some((t) => t.title === s.title), allowed);
    },
  },
  'post.create': {
    setup: async () => ({ thread: await victimThread(), body: uniq('Reply') }),
    run: (a, s) => send(a, 'post.create', { thread: s.thread, body: s.body }),
    async effect(a, s, allowed) {
      const { posts } = await snapshot(obs, s.thread);
      assert.equal(posts.some((p) => p.body === s.body && p.author.id === a.user.id), allowed);
    },
  },
  'post.edit': {
    setup: async (a) => ({ post: (await ok(a, 'post.create', { thread: shared, body: uniq('Mine') })).post.id, body: uniq('Edited') }),
    run: (a, s) => send(a, 'post.edit', { post: s.post, body: s.body }),
    async effect(a, s, allowed) {
      const p = await postIn(obs, shared, s.post);
      assert.equal(p.body === s.body && p.revision === 2, allowed, JSON.stringify(p));
    },
  },
  'post.vote': {
    setup: async () => ({ post: await victimPost() }),
    run: (a, s) => send(a, 'post.vote', { post: s.post, up: true }),
    async effect(a, s, allowed) {
      assert.equal((await postIn(obs, shared, s.post)).votes, allowed ? 1 : 0);
    },
  },
  'post.flag': {
    setup: async () => ({ post: await victimPost(), reason: uniq('Flagged') }),
    run: (a, s) => send(a, 'post.flag', { post: s.post, reason: s.reason }),
    async effect(a, s, allowed, r) {
      const mine = (await openFlags()).filter((x) => x.post.id === s.post && x.reason === s.reason);
      assert.equal(mine.length, allowed ? 1 : 0);
      if (allowed) {
        assert.equal(r.data.flag.state, 'open');
        assert.deepEqual(mine[0].flagger, { id: a.user.id, name: a.user.name });
      }
    },
  },
  'thread.follow': {
    setup: async () => ({ thread: await victimThread() }),
    run: (a, s) => send(a, 'thread.follow', { thread: s.thread, follow: true }),
    async effect(a, s, allowed) {
      const { threads } = await read(a, 'thread.list', { course, limit: 100 });
      assert.equal(threads.find((t) => t.id === s.thread).following, allowed);
    },
  },
  'thread.list': {
    setup: async () => ({ thread: await victimThread() }),
    run: (a) => request(a, 'thread.list', { course, limit: 100 }),
    async effect(a, s, allowed, r) {
      assert.equal(!!r.data?.threads?.some((t) => t.id === s.thread), allowed);
    },
  },
  'course.list': {
    setup: async () => ({}),
    run: (a) => request(a, 'course.list', {}),
    async effect(a, s, allowed, r) {
      const mine = r.data?.courses?.find((c) => c.id === course);
      assert.equal(!!mine, allowed);
      const role = Object.entries(actors).find(([, c]) => c === a)[0];
      if (allowed) {
        assert.equal(mine.role, role);
        assert.equal(mine.access, 'write');
      }
    },
  },
  'subscribe.staff': {
    setup: async () => ({ post: await victimPost() }),
    run: (a) => request(a, 'subscribe', { room: `staff:${course}` }),
    async effect(a, s, allowed) {
      const room = `staff:${course}`;
      const flag = await flagOf(s.post);
      await waitEvent(obs, room, 'flag.created', (m) => m.data.flag.id === flag.id);
      if (allowed) {
        await waitEvent(a, room, 'flag.created', (m) => m.data.flag.id === flag.id);
        await unsubscribe(a, room);
      } else {
        await sleep(100);
        assert.equal(a.messages.filter((m) => m.room === room).length, 0, 'nothing of the staff room');
      }
    },
  },
  'flag.list': {
    setup: async () => ({ flag: await flagOf(await victimPost()) }),
    run: (a) => request(a, 'flag.list', { course }),
    async effect(a, s, allowed, r) {
      assert.equal(!!r.data?.flags?.some((x) => x.id === s.flag.id && x.reason === s.flag.reason), allowed);
    },
  },
  'flag.dismiss': {
    setup: async () => ({ flag: await flagOf(await victimPost()) }),
    run: (a, s) => send(a, 'flag.dismiss', { flag: s.flag.id }),
    async effect(a, s, allowed, r) {
      assert.equal((await openFlags()).some((x) => x.id === s.flag.id), !allowed, 'still in the queue');
      if (allowed) assert.equal(r.data.flag.state, 'dismissed');
      await assertAudited('flag.dismiss', s.flag.id, a, allowed);
    },
  },
  'post.hide': {
    setup: async () => ({ post: await victimPost() }),
    run: (a, s) => send(a, 'post.hide', { post: s.post, reason: 'off topic' }),
    async effect(a, s, allowed) {
      assert.equal((await postIn(obs, shared, s.post)).state, allowed ? 'hidden' : 'visible');
      await assertAudited('post.hide', s.post, a, allowed);
    },
  },
  'post.restore': {
    async setup() {
      const post = await victimPost();
      await ok(obs, 'post.hide', { post, reason: 'to restore' });
      return { post };
    },
    run: (a, s) => send(a, 'post.restore', { post: s.post }),
    async effect(a, s, allowed) {
      assert.equal((await postIn(obs, shared, s.post)).state, allowed ? 'visible' : 'hidden');
      await assertAudited('post.restore', s.post, a, allowed);
    },
  },
  'post.remove': {
    setup: async () => ({ post: await victimPost() }),
    run: (a, s) => send(a, 'post.remove', { post: s.post, reason: 'spam' }),
    async effect(a, s, allowed) {
      const p = await postIn(obs, shared, s.post);
      assert.equal(p.state, allowed ? 'deleted' : 'visible');
      assert.equal(p.body === null, allowed);
      await assertAudited('post.remove', s.post, a, allowed);
    },
  },
  'post.endorse': {
    async setup() {
      const thread = await victimThread('question');
      const post = (await ok(flagger, 'post.create', { thread, body: uniq('Answer') })).post.id;
      return { thread, post };
    },
    run: (a, s) => send(a, 'post.endorse', { post: s.post, endorsed: true }),
    async effect(a, s, allowed) {
      const snap = await snapshot(obs, s.thread);
      assert.equal(snap.posts.find((p) => p.id === s.post).endorsed, allowed);
      assert.equal(snap.thread.answered, allowed);
      await assertAudited('post.endorse', s.post, a, allowed);
    },
  },
  'thread.lock': {
    setup: async () => ({ thread: await victimThread() }),
    run: (a, s) => send(a, 'thread.lock', { thread: s.thread, locked: true }),
    async effect(a, s, allowed) {
      assert.equal((await snapshot(obs, s.thread)).thread.locked, allowed);
      await assertAudited('thread.lock', s.thread, a, allowed);
    },
  },
  'thread.pin': {
    setup: async () => ({ thread: await victimThread() }),
    run: (a, s) => send(a, 'thread.pin', { thread: s.thread, pinned: true }),
    async effect(a, s, allowed) {
      assert.equal((await snapshot(obs, s.thread)).thread.pinned, allowed);
      await assertAudited('thread.pin', s.thread, a, allowed);
    },
  },
  'user.mute': {
    async setup(a) {
      const target = await f.as(`role-mt-${a.user.id}`, [`${course}:participant`]);
      return { target };
    },
    run: (a, s) => send(a, 'user.mute', { course, user: s.target.user.id, minutes: 30, reason: 'cool off' }),
    async effect(a, s, allowed) {
      const r = await send(s.target, 'post.create', { thread: shared, body: 'am I muted?' });
      if (allowed) assertError(r, 'muted');
      else assert.equal(r.ok, true, JSON.stringify(r));
      const hits = (await audit('user.mute')).filter((e) => e.subject.user === s.target.user.id);
      assert.equal(hits.length, allowed ? 1 : 0);
      await s.target.close();
    },
  },
  'user.unmute': {
    async setup(a) {
      const target = await f.as(`role-um-${a.user.id}`, [`${course}:participant`]);
      await ok(obs, 'user.mute', { course, user: target.user.id, minutes: 30, reason: 'to unmute' });
      return { target };
    },
    run: (a, s) => send(a, 'user.unmute', { course, user: s.target.user.id }),
    async effect(a, s, allowed, r) {
      if (allowed) assert.deepEqual(r.data, { mute: null });
      const w = await send(s.target, 'post.create', { thread: shared, body: 'may I speak?' });
      if (allowed) assert.equal(w.ok, true, JSON.stringify(w));
      else assertError(w, 'muted');
      const hits = (await audit('user.unmute')).filter((e) => e.subject.user === s.target.user.id && e.actor.id === a.user.id);
      assert.equal(hits.length, allowed ? 1 : 0);
      await s.target.close();
    },
  },
  'audit.list': {
    async setup() {
      const thread = await victimThread();
      await ok(obs, 'thread.pin', { thread, pinned: false });
      return { entry: (await audit('thread.unpin'))[0] };
    },
    run: (a) => request(a, 'audit.list', { course }),
    async effect(a, s, allowed, r) {
      const e = r.data?.entries?.find((x) => x.id === s.entry.id);
      assert.equal(!!e, allowed);
      if (allowed) assert.deepEqual(e, s.entry);
    },
  },
  'post.history': {
    async setup() {
      const post = await victimPost();
      await ok(victim, 'post.edit', { post, body: 'second version' });
      return { post };
    },
    run: (a, s) => request(a, 'post.history', { post: s.post }),
    async effect(a, s, allowed, r) {
      assert.equal(Array.isArray(r.data?.revisions), allowed);
      if (allowed) {
        assert.equal(r.data.post, s.post);
        assert.deepEqual(r.data.revisions.map((x) => x.revision), [1, 2]);
        assert.equal(r.data.revisions[1].body, 'second version');
      }
    },
  },
  'notification.list': {
    setup: async () => ({}),
    run: (a) => request(a, 'notification.list', {}),
    async effect(a, s, allowed, r) {
      assert.equal(Array.isArray(r.data?.notifications) && typeof r.data.unread === 'number', allowed);
    },
  },
  'thread.mute': {
    setup: async () => ({ thread: await victimThread() }),
    run: (a, s) => send(a, 'thread.mute', { thread: s.thread, muted: true }),
    async effect(a, s, allowed, r) {
      assert.equal(r.data?.muted === true && r.data.thread === s.thread, allowed);
    },
  },
  'course.members': {
    setup: async () => ({}),
    run: (a) => request(a, 'course.members', { course, prefix: 'role-v' }),
    async effect(a, s, allowed, r) {
      assert.equal(!!r.data?.members?.some((m) => m.id === 'role-v'), allowed);
    },
  },
  stats: {
    setup: async () => ({}),
    run: (a) => request(a, 'stats', {}),
    async effect(a, s, allowed, r) {
      assert.equal(Number.isInteger(r.data?.store?.writes) && r.data.net.sockets >= 1, allowed, JSON.stringify(r));
    },
  },
};

test('the table covers exactly the ops under test', () => {
  assert.deepEqual(MATRIX.map((row) => row.op).sort(), Object.keys(CASES).sort());
});

for (const { op, allowed } of MATRIX) {
  test(`role table: ${op}`, async (t) => {
    for (const role of ROLES) {
      await t.test(`${role}: ${allowed[role] ? 'allowed' : 'forbidden'}`, async () => {
        const a = actors[role];
        const c = CASES[op];
        const s = await c.setup(a);
        const r = await c.run(a, s);
        if (allowed[role]) assert.equal(r.ok, true, `${op} as ${role}: ${JSON.stringify(r)}`);
        else assertError(r, 'forbidden');
        await c.effect(a, s, allowed[role], r);
      });
    }
  });
}

test('a staff op needs staff in the course of its target, not just somewhere', async () => {
  // Facilitator of `other`, participant here: passes the first cut, refused on the target.
  const mixed = await f.as('role-mixed', [`${course}:participant`, `${other}:facilitator`]);
  const post = await victimPost();
  const flag = await flagOf(post);
  const thread = await victimThread('question');
  assertError(await send(mixed, 'post.hide', { post, reason: 'not yours' }), 'forbidden');
  assertError(await send(mixed, 'post.remove', { post, reason: 'not yours' }), 'forbidden');
  assertError(await send(mixed, 'thread.lock', { thread, locked: true }), 'forbidden');
  assertError(await send(mixed, 'flag.dismiss', { flag: flag.id }), 'forbidden');
  assertError(await send(mixed, 'user.mute', { course, user: victim.user.id, minutes: 5, reason: 'x' }), 'forbidden');
  assertError(await request(mixed, 'flag.list', { course }), 'forbidden', { field: 'course' });
  assertError(await request(mixed, 'audit.list', { course }), 'forbidden', { field: 'course' });
  assertError(await request(mixed, 'post.history', { post }), 'forbidden');
  assertError(await request(mixed, 'subscribe', { room: `staff:${course}` }), 'forbidden');
  assert.equal((await postIn(obs, shared, post)).state, 'visible');
  assert.equal((await snapshot(obs, thread)).thread.locked, false);
  assert.ok((await openFlags()).some((x) => x.id === flag.id));
  // ...and in its own course it is staff.
  assert.deepEqual((await read(mixed, 'flag.list', { course: other })).flags, []);
  await subscribe(mixed, `staff:${other}`);

  // An admin is staff everywhere, whatever course role the token also carries.
  const adminP = await f.as('role-admin-p', [`${course}:participant`], { admin: true });
  assert.equal((await ok(adminP, 'post.hide', { post, reason: 'admin here' })).post.state, 'hidden');
  await mixed.close();
  await adminP.close();
});

test('course window edges for participants, by the server clock', async () => {
  const now = nowS();
  const starts = now + 10 * DAY;
  const ends = now + 20 * DAY;
  const win = d.course({ title: 'Window edges', starts, ends });
  // The clock moves past the default token lifetime: tokens that outlive the test.
  const ttl = 400 * DAY;
  const p = await f.as('win-edge-p', [`${win}:participant`], { ttl });
  const fac = await f.as('win-edge-f', [`${win}:facilitator`], { ttl });
  const access = async () => (await read(p, 'course.list', {})).courses.find((c) => c.id === win).access;
  const newThread = (c) => send(c, 'thread.create', { course: win, kind: 'discussion', title: uniq('Edge'), body: 'b' });
  try {
    // One second before the start: nothing for participants; staff work.
    await f.clock.set(starts - 1);
    assertError(await request(p, 'thread.list', { course: win }), 'course_not_open');
    assertError(await newThread(p), 'course_not_open');
    assertError(await request(p, 'subscribe', { room: `course:${win}` }), 'course_not_open');
    assert.equal(await access(), 'course_not_open');
    const early = await ok(fac, 'thread.create', { course: win, kind: 'question', title: 'Before the start', body: 'b' });
    const thread = early.thread.id;
    assert.equal((await read(fac, 'thread.list', { course: win })).threads.length, 1);

    // At the start: open.
    await f.clock.set(starts);
    assert.equal((await read(p, 'thread.list', { course: win })).threads.length, 1);
    const mine = (await ok(p, 'post.create', { thread, body: 'first day' })).post.id;

    // One second before the write window closes: writing still works.
    await f.clock.set(ends + 30 * DAY - 1);
    assert.equal((await ok(p, 'post.create', { thread, body: 'just in time' })).post.body, 'just in time');
    // One second after: read-only.
    await f.clock.set(ends + 30 * DAY + 1);
    assertError(await send(p, 'post.create', { thread, body: 'too late' }), 'course_read_only');
    assertError(await newThread(p), 'course_read_only');
    assertError(await send(p, 'post.edit', { post: mine, body: 'too late' }), 'course_read_only');
    assertError(await send(p, 'post.vote', { post: early.post.id, up: true }), 'course_read_only');
    assertError(await send(p, 'post.flag', { post: early.post.id, reason: 'too late' }), 'course_read_only');
    assert.equal(await access(), 'read');
    assert.equal((await read(p, 'thread.list', { course: win })).threads.length, 1);
    assert.equal((await snapshot(p, thread)).posts.length, 3);
    assert.equal((await ok(fac, 'post.create', { thread, body: 'staff write on' })).post.thread, thread);

    // One second before reading ends: reading works, writing does not.
    // (The clock runs on after a set: set it again before each request at a "minus one" edge.)
    await f.clock.set(ends + 90 * DAY - 1);
    assert.equal((await read(p, 'thread.list', { course: win })).threads.length, 1);
    await f.clock.set(ends + 90 * DAY - 1);
    assert.equal((await subscribe(p, `thread:${thread}`)).posts.length, 4);
    await f.clock.set(ends + 90 * DAY - 1);
    assertError(await send(p, 'post.create', { thread, body: 'still too late' }), 'course_read_only');
    // One second after: closed.
    await f.clock.set(ends + 90 * DAY + 1);
    assertError(await request(p, 'thread.list', { course: win }), 'course_closed');
    assertError(await request(p, 'subscribe', { room: `thread:${thread}` }), 'course_closed');
    assertError(await request(p, 'subscribe', { room: `course:${win}` }), 'course_closed');
    assertError(await send(p, 'post.create', { thread, body: 'gone' }), 'course_closed');
    assert.equal(await access(), 'course_closed');
    assert.equal((await read(fac, 'thread.list', { course: win })).threads.length, 1);
    assert.equal((await ok(fac, 'thread.lock', { thread, locked: true })).thread.locked, true);
  } finally {
    await f.clock.set(0);
  }
  assert.equal(await access(), 'course_not_open', 'back on the real clock');
  await p.close();
  await fac.close();
});
