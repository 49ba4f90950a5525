// The course platform's HTTP admin API with an admin token: /api/courses and the word clouds'
// blocked words (/api/blocked-words/<lang>), and the same lists from the command line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { startDaemon, BIN } from '../lib/daemon.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(async () => { assert.equal(await d.stop(), 0); });

async function api(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(`${d.url}${path}`, { method, headers, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)) });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

test('the admin API refuses requests without an admin token', async () => {
  let r = await api('GET', '/api/courses');
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'not_authenticated');
  r = await api('GET', '/api/courses', { token: d.token({ user: 'p', name: 'P', roles: ['1:facilitator'] }) });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'forbidden');
  r = await api('GET', '/api/courses', { token: d.token({ user: 'a', name: 'A', admin: true, ttl: -60 }) });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'token_expired');
  r = await api('POST', '/api/courses', { token: 'not.a.token', body: { title: 'x' } });
  assert.equal(r.status, 401);
});

test('an admin creates, changes and lists courses', async () => {
  const token = d.token({ user: 'root', name: 'Root', admin: true });
  let r = await api('POST', '/api/courses', { token, body: { title: 'Liderazgo remoto', lang: 'es', starts_at: 1767225600, ends_at: 1798761600 } });
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  assert.deepEqual(r.json, { id, title: 'Liderazgo remoto', lang: 'es', starts_at: 1767225600, ends_at: 1798761600 });
  r = await api('PUT', `/api/courses/${id}`, { token, body: { title: 'Liderazgo remoto II', ends_at: 1800000000 } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.title, 'Liderazgo remoto II');
  assert.equal(r.json.lang, 'es');
  assert.equal(r.json.ends_at, 1800000000);
  r = await api('GET', '/api/courses', { token });
  assert.equal(r.status, 200);
  assert.ok(r.json.some((c) => c.id === id && c.title === 'Liderazgo remoto II'));
  // The daemon sees the course: a participant of it can list it.
  const { connect } = await import('../lib/client.mjs');
  const c = await connect(d.wsUrl);
  await c.request('hello', { token: d.token({ user: 'p2', name: 'P2', roles: [`${id}:participant`] }) });
  const list = await c.request('course.list', {});
  assert.equal(list.data.courses[0].title, 'Liderazgo remoto II');
  await c.close();
});

test('bad course bodies get 400 with a stable code; unknown ids 404', async () => {
  const token = d.token({ user: 'root', name: 'Root', admin: true });
  const cases = [
    [{ title: 'x', lang: 'fr', starts_at: 1, ends_at: 2 }, 'bad_field', 'lang'],
    [{ title: '', starts_at: 1, ends_at: 2 }, 'bad_field', 'title'],
    [{ title: 'x'.repeat(201), starts_at: 1, ends_at: 2 }, 'bad_field', 'title'],
    [{ title: 'x', starts_at: 'soon', ends_at: 2 }, 'bad_field', 'starts_at'],
    [{ title: 'x', starts_at: 1, ends_at: 2, colour: 'red' }, 'bad_field', 'colour'],
    ['{"title":', 'bad_json', undefined],
    ['[1,2]', 'bad_json', undefined],
  ];
  for (const [body, code, field] of cases) {
    const r = await api('POST', '/api/courses', { token, body });
    assert.equal(r.status, 400, `${JSON.stringify(body)} -> ${r.text}`);
    assert.equal(r.json.error.code, code);
    if (field) assert.equal(r.json.error.field, field);
  }
  let r = await api('POST', '/api/courses', { token, body: { title: 'ends before it starts', starts_at: 2000000000, ends_at: 1900000000 } });
  assert.equal(r.status, 400);
  r = await api('PUT', '/api/courses/987654', { token, body: { title: 'x' } });
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'not_found');
  r = await api('POST', '/api/courses', { token, body: 'x'.repeat(140000) });
  assert.equal(r.status, 413);
  r = await api('DELETE', '/api/courses/1', { token });
  assert.notEqual(r.status, 200);
});

test('an admin keeps a blocked-words list per language; a list with a bad word is refused whole', async () => {
  const token = d.token({ user: 'root', name: 'Root', admin: true });
  let r = await api('GET', '/api/blocked-words/es', { token });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { lang: 'es', words: [] });
  r = await api('PUT', '/api/blocked-words/es', { token, body: { words: ['idiota', 'tonto', 'idiota'] } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { lang: 'es', words: ['idiota', 'tonto'] });
  // Other languages keep their own lists.
  r = await api('GET', '/api/blocked-words/pt', { token });
  assert.deepEqual(r.json.words, []);
  // A word at the 40-character limit is taken; one over it, or one that is only punctuation, is not,
  // and the list stays as it was.
  const forty = 'ñ'.repeat(40);
  r = await api('PUT', '/api/blocked-words/es', { token, body: { words: ['tonto', forty] } });
  assert.equal(r.status, 200, r.text);
  r = await api('PUT', '/api/blocked-words/es', { token, body: { words: ['tonto', forty + 'ñ'] } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'too_long');
  assert.equal(r.json.error.limit, 40);
  r = await api('PUT', '/api/blocked-words/es', { token, body: { words: ['¡¿!?'] } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'bad_field');
  // 1,000 words of 40 characters each (80 KB) are taken; 1,001 are not.
  const many = Array.from({ length: 1000 }, (_, i) => `${'ñ'.repeat(36)}${String(i).padStart(4, '0')}`);
  r = await api('PUT', '/api/blocked-words/pt', { token, body: { words: many } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.words.length, 1000);
  r = await api('PUT', '/api/blocked-words/pt', { token, body: { words: [] } });
  assert.deepEqual(r.json.words, []);
  r = await api('PUT', '/api/blocked-words/es', { token, body: { words: Array.from({ length: 1001 }, (_, i) => `w${i}`) } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'too_long');
  assert.equal(r.json.error.limit, 1000);
  for (const body of [{ words: 'tonto' }, { words: [1] }, { words: [''] }, { words: [], extra: 1 }, '{"words":']) {
    r = await api('PUT', '/api/blocked-words/es', { token, body });
    assert.equal(r.status, 400, JSON.stringify(body));
  }
  r = await api('GET', '/api/blocked-words/es', { token });
  assert.deepEqual(r.json.words, [forty, 'tonto'].sort());
  r = await api('GET', '/api/blocked-words/fr', { token });
  assert.equal(r.status, 404);
  r = await api('PUT', '/api/blocked-words/es', { token: d.token({ user: 'f', name: 'F', roles: ['1:facilitator'] }), body: { words: [] } });
  assert.equal(r.status, 403);
  // The command line edits the same list.
  const cli = (...a) => JSON.parse(execFileSync(BIN, ['words', ...a, '--db', d.dbPath], { encoding: 'utf8' }));
  assert.deepEqual(cli('block', '--lang', 'es', 'menso').words, [forty, 'menso', 'tonto'].sort());
  assert.deepEqual(cli('unblock', '--lang', 'es', forty, 'menso').words, ['tonto']);
  assert.deepEqual(cli('list', '--lang', 'pt').words, []);
  assert.throws(() => execFileSync(BIN, ['words', 'block', '--lang', 'es', '--db', d.dbPath, '...'], { stdio: 'pipe' }));
  r = await api('PUT', '/api/blocked-words/es', { token, body: { words: [] } });
  assert.deepEqual(r.json.words, []);
});

test('forumd CMD --help prints that command\'s usage on stdout and exits 0', () => {
  for (const args of [['serve', '--help'], ['token', '--help'], ['course', '--help'], ['course', 'create', '--help'],
    ['export', '--help'], ['export', 'session', '-h'], ['words', '--help'], ['words', 'block', '--help']]) {
    const r = spawnSync(BIN, args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `forumd ${args.join(' ')}: exit ${r.status}; stderr: ${r.stderr}`);
    assert.equal(r.stderr, '', `forumd ${args.join(' ')}: nothing on stderr`);
    assert.match(r.stdout, new RegExp(`^Usage:\\n  forumd ${args[0]} `), `forumd ${args.join(' ')}: its own usage`);
  }
  // The usage of one command, not every command's.
  const words = spawnSync(BIN, ['words', '--help'], { encoding: 'utf8' }).stdout;
  assert.doesNotMatch(words, /forumd serve|--jwt-secret-file/);
  // Wrong use still fails with 2.
  assert.equal(spawnSync(BIN, ['course', 'frobnicate'], { encoding: 'utf8' }).status, 2);
  assert.equal(spawnSync(BIN, ['words'], { encoding: 'utf8' }).status, 2);
});
