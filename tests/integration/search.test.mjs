// search: a course's posts found the way a reader types in the course language (accents and
// inflections folded), ranked, with snippets, paged by cursor, filtered, and within every
// visibility rule: hidden posts for staff only, deleted never, anonymous authors anonymous (and
// never findable by their name), the course window. Query syntax is only text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { LIMITS, assertError } from '../lib/helpers.mjs';
import { DAY, nowS, forum, ok, read, request } from '../lib/forum.mjs';

let d, f;
before(async () => { d = await startDaemon(); f = forum(d); });
after(async () => {
  if (f) await f.clock.close();
  if (d) assert.equal(await d.stop(), 0, 'forumd exit code');
});

// The words of a snippet that are marked (odd parts), and the whole text.
const marked = (parts) => parts.filter((_, i) => i % 2 === 1);
const text = (parts) => parts.join('');
const ids = (data) => data.results.map((h) => h.post.id);

async function search(c, course, q, extra = {}) {
  return read(c, 'search', { course, q, ...extra });
}

test('search folds accents, case and inflections in the course language, and marks the words', async () => {
  const es = d.course({ title: 'Curso', lang: 'es' });
  const pt = d.course({ title: 'Curso PT', lang: 'pt' });
  const en = d.course({ title: 'Course EN', lang: 'en' });
  const a = await f.as('fold-a', [`${es}:participant`, `${pt}:participant`, `${en}:participant`]);

  const t = await ok(a, 'thread.create', { course: es, kind: 'discussion', title: 'Programación orientada a objetos',
                                          body: 'Las clases y los objetos del curso. La comunicación del equipo fue difícil.' });
  await ok(a, 'thread.create', { course: es, kind: 'discussion', title: 'Otra cosa', body: 'Nada que ver aquí.' });
  for (const q of ['programacion', 'PROGRAMACIONES', 'objeto', 'comunicacion dificil']) {
    const r = await search(a, es, q);
    assert.deepEqual(ids(r), [t.thread.first_post], q);
  }
  const r = await search(a, es, 'programacion');
  const hit = r.results[0];
  assert.equal(hit.title, 'Programación orientada a objetos');
  assert.deepEqual(marked(hit.title_snippet), ['Programación']);
  assert.equal(hit.post.first, true);
  assert.equal(hit.post.thread, t.thread.id);
  assert.equal(hit.kind, 'discussion');
  assert.equal('body' in hit.post, false, 'the snippet stands for the body');
  assert.deepEqual(r.terms, ['programacion']);
  assert.equal(r.next_cursor, null);

  const b = await search(a, es, 'objetos');
  assert.deepEqual(marked(b.results[0].snippet), ['objetos']);
  assert.equal(text(b.results[0].snippet), 'Las clases y los objetos del curso. La comunicación del equipo fue difícil.');

  const p = await ok(a, 'thread.create', { course: pt, kind: 'discussion', title: 'Plano', body: 'Plano de ação e as informações.' });
  assert.deepEqual(ids(await search(a, pt, 'acao informacoes')), [p.thread.first_post]);
  const e = await ok(a, 'thread.create', { course: en, kind: 'discussion', title: 'Tests', body: 'The runner runs every test.' });
  assert.deepEqual(ids(await search(a, en, 'running tested')), [e.thread.first_post]);
  // The same words in another course are not found here.
  assert.deepEqual(ids(await search(a, en, 'programacion')), []);
});

test('query syntax is only text; a query with no words is a clear error', async () => {
  const course = d.course({ title: 'Syntax' });
  const a = await f.as('syn-a', [`${course}:participant`]);
  const t = await ok(a, 'thread.create', { course, kind: 'discussion', title: 'Near the end', body: 'A star and a minus sign.' });
  assert.deepEqual(ids(await search(a, course, 'NEAR(')), [t.thread.first_post]);
  assert.deepEqual(ids(await search(a, course, '"star" -minus* OR NOT')), []);   // "or" and "not" are words too
  assert.deepEqual(ids(await search(a, course, '"star" -minus*')), [t.thread.first_post]);
  for (const q of ['"', '*', '-', '()', '   ', ':^']) assertError(await request(a, 'search', { course, q }), 'bad_field', { field: 'q' });
  assertError(await request(a, 'search', { course, q: 'x'.repeat(LIMITS.max_query_chars + 1) }), 'too_long', { field: 'q' });
  // A run of letters too long to be a word is no term: the rest is still searched.
  const long = await search(a, course, `${'x'.repeat(LIMITS.max_query_chars - 5)} star`);
  assert.deepEqual(long.terms, ['star']);
  assert.deepEqual(ids(long), [t.thread.first_post]);
  // Words past search_terms_max are counted, not searched.
  const many = await search(a, course, 'star a b c d e f g h i');
  assert.equal(many.terms.length, LIMITS.search_terms_max);
  assert.equal(many.ignored_terms, 2);
  assertError(await request(a, 'search', { course, q: 'star', cursor: 'nope' }), 'bad_cursor', { field: 'cursor' });
  assertError(await request(a, 'search', { course, q: 'star', limit: LIMITS.search_page_max + 1 }), 'bad_field', { field: 'limit' });
  assert.equal((await search(a, course, 'star', { limit: LIMITS.search_page_max })).results.length, 1);
  assertError(await request(a, 'search', { course, q: 'star', cursor: '-1e-6,0' }), 'bad_cursor', { field: 'cursor' });
});

test('visibility: anonymous authors stay anonymous and unfindable by name; hidden for staff; deleted for nobody', async () => {
  const course = d.course({ title: 'Visibility' });
  const SENTINEL = 'Zyxwvut Sentinel';
  const anon = await f.as('vis-anon', [`${course}:participant`], { name: SENTINEL });
  const peer = await f.as('vis-peer', [`${course}:participant`]);
  const staff = await f.as('vis-staff', [`${course}:facilitator`]);

  const t = await ok(peer, 'thread.create', { course, kind: 'question', title: 'Pregunta', body: 'What is a quokka?' });
  const r1 = await ok(anon, 'post.create', { thread: t.thread.id, body: 'A quokka is a small marsupial.', anonymous: true });
  const shown = await ok(peer, 'post.create', { thread: t.thread.id, body: 'Quokka photos are everywhere.' });
  const hidden = await ok(peer, 'post.create', { thread: t.thread.id, body: 'Quokka spam spam.' });
  const gone = await ok(peer, 'post.create', { thread: t.thread.id, body: 'Quokka deleted words.' });
  await ok(staff, 'post.hide', { post: hidden.post.id, reason: 'spam' });
  await ok(peer, 'post.delete', { post: gone.post.id });

  const peerView = await search(peer, course, 'quokka', { limit: 50 });
  const sorted = (xs) => [...xs].sort((x, y) => x - y);
  assert.deepEqual(sorted(ids(peerView)), sorted([t.thread.first_post, r1.post.id, shown.post.id]));
  const anonHit = peerView.results.find((h) => h.post.id === r1.post.id);
  assert.equal(anonHit.post.author, null);
  assert.equal(anonHit.post.anonymous, true);
  // The author sees themself; staff see who wrote it and the hidden post too.
  const own = (await search(anon, course, 'marsupial')).results[0];
  assert.deepEqual(own.post.author, { id: anon.user.id, name: SENTINEL });
  const staffView = await search(staff, course, 'quokka', { limit: 50 });
  assert.deepEqual(sorted(ids(staffView)), sorted([t.thread.first_post, r1.post.id, shown.post.id, hidden.post.id]));
  assert.deepEqual(staffView.results.find((h) => h.post.id === r1.post.id).post.author, { id: anon.user.id, name: SENTINEL });
  // The hidden post's own author does not find it (staff only), and nobody finds the deleted one.
  assert.equal(ids(await search(peer, course, 'spam')).length, 0);
  assert.equal(ids(await search(staff, course, 'deleted')).length, 0);

  // The anonymous author's name finds nothing, and no peer reply carries it.
  for (const q of ['Zyxwvut', 'Sentinel', 'Zyxwvut Sentinel', 'vis-anon']) {
    const r = await request(peer, 'search', { course, q });
    assert.equal(r.ok, true);
    assert.deepEqual(ids(r.data), [], q);
  }
  for (const q of ['quokka', 'marsupial', 'small']) {
    const raw = JSON.stringify(await request(peer, 'search', { course, q }));
    assert.equal(raw.includes('Zyxwvut'), false, q);
    assert.equal(raw.includes('vis-anon'), false, q);
  }
  // "mine": only the searcher's own posts, anonymous ones included.
  assert.deepEqual(ids(await search(anon, course, 'quokka', { mine: true })), [r1.post.id]);
  assert.deepEqual(ids(await search(peer, course, 'marsupial', { mine: true })), []);
});

test('the course window and roles decide who may search', async () => {
  const later = d.course({ title: 'Later', starts: nowS() + 30 * DAY, ends: nowS() + 60 * DAY });
  const open = d.course({ title: 'Open' });
  const p = await f.as('win-p', [`${later}:participant`, `${open}:participant`]);
  const outsider = await f.as('win-out', []);
  assertError(await request(p, 'search', { course: later, q: 'anything' }), 'course_not_open', { field: 'course' });
  assertError(await request(outsider, 'search', { course: open, q: 'anything' }), 'forbidden', { field: 'course' });
  assertError(await request(p, 'search', { course: 987654, q: 'anything' }), 'not_found', { field: 'course' });
});

test('pages by cursor with nothing missing or repeated; filters by kind and answered', async () => {
  const course = d.course({ title: 'Paging' });
  const a = await f.as('page-a', [`${course}:participant`]);
  const staff = await f.as('page-staff', [`${course}:facilitator`]);
  const q = await ok(a, 'thread.create', { course, kind: 'question', title: 'Wombat question', body: 'wombat?' });
  const made = [q.thread.first_post];
  for (let i = 0; i < 24; i++) made.push((await ok(a, 'post.create', { thread: q.thread.id, body: `wombat reply ${i}` })).post.id);
  const seen = [];
  let cursor;
  let pages = 0;
  do {
    const r = await search(a, course, 'wombat', { limit: 10, ...(cursor ? { cursor } : {}) });
    seen.push(...ids(r));
    cursor = r.next_cursor;
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  assert.deepEqual([...seen].sort((x, y) => x - y), [...made].sort((x, y) => x - y));
  assert.equal(new Set(seen).size, seen.length);
  // The title counts more: the opening post (title and body) ranks first.
  assert.equal(seen[0], q.thread.first_post);

  const disc = await ok(a, 'thread.create', { course, kind: 'discussion', title: 'Wombat chat', body: 'wombat talk' });
  assert.deepEqual(ids(await search(a, course, 'chat wombat', { kind: 'question' })), []);
  assert.deepEqual(ids(await search(a, course, 'chat wombat', { kind: 'discussion' })), [disc.thread.first_post]);
  assert.equal(ids(await search(a, course, 'wombat', { answered: true, limit: 50 })).length, 0);
  await ok(staff, 'post.endorse', { post: made[1], endorsed: true });
  const answered = ids(await search(a, course, 'wombat', { answered: true, limit: 50 }));
  assert.equal(answered.length, made.length);
  assert.equal(ids(await search(a, course, 'wombat', { answered: false, limit: 50 })).includes(disc.thread.first_post), true);
});

test('edits, retitles and deletions reach the index in the same write', async () => {
  const course = d.course({ title: 'Edits' });
  const a = await f.as('edit-a', [`${course}:participant`]);
  const t = await ok(a, 'thread.create', { course, kind: 'discussion', title: 'Platypus', body: 'echidna' });
  const post = t.thread.first_post;
  await ok(a, 'post.edit', { post, body: 'numbat' });
  assert.deepEqual(ids(await search(a, course, 'echidna')), []);
  assert.deepEqual(ids(await search(a, course, 'numbat')), [post]);
  await ok(a, 'thread.edit', { thread: t.thread.id, title: 'Bilby' });
  assert.deepEqual(ids(await search(a, course, 'platypus')), []);
  assert.deepEqual(ids(await search(a, course, 'bilby')), [post]);
  const r = await ok(a, 'post.create', { thread: t.thread.id, body: 'quoll' });
  assert.deepEqual(ids(await search(a, course, 'quoll')), [r.post.id]);
  await ok(a, 'post.delete', { post: r.post.id });
  assert.deepEqual(ids(await search(a, course, 'quoll')), []);
});

test('searches are limited per user over all their sockets', async () => {
  const course = d.course({ title: 'Rate' });
  const one = await f.as('rate-a', [`${course}:participant`]);
  const two = await f.as('rate-a', [`${course}:participant`]);
  let refused = null;
  for (let i = 0; i < LIMITS.searches_per_minute + 1 && !refused; i++) {
    const r = await request(i % 2 ? two : one, 'search', { course, q: `word${i}` });
    if (!r.ok) refused = { i, r };
  }
  assert.ok(refused, 'the searches past searches_per_minute are refused');
  assert.equal(refused.i, LIMITS.searches_per_minute);
  assertError(refused.r, 'rate_limited');
  assert.ok(refused.r.error.retry_after_ms > 0 || refused.r.retry_after_ms > 0, JSON.stringify(refused.r));
});
