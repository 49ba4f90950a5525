// Search in the browser: the search form on a course's board and the results page, in real
// Chromium against the real daemon. In a Spanish course "programacion" finds "Programación"
// and marks it; the filters narrow; "More results" pages; an anonymous author stays
// "Anonymous"; a result opens its thread at the post; the address restores the search on a
// reload and on back/forward; a query of punctuation only is refused at the field without
// asking the server; rate_limited says when to try again; axe-core finds nothing in en, es
// and pt, light and dark.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { connect } from '../lib/client.mjs';
import { launchBrowser, openPage, runAxe } from './browser.mjs';
import { tabUntil, fill } from './forum-helpers.mjs';
import en from '../../client-js/strings/en.js';
import es from '../../client-js/strings/es.js';
import pt from '../../client-js/strings/pt.js';

const T = { timeout: 180000 };
const SENTINEL = 'Rosa Centinela';
const PAGE = 20; // search_page_default

let d, browser, course;
const seeded = {};

let seq = 0;
const key = () => `srch${process.pid}x${Date.now()}x${++seq}`.padEnd(16, '0').slice(0, 64);

// A signed-in WebSocket for anyone with any role in the test course.
async function as(user, name, role) {
  const c = await connect(d.wsUrl);
  const hello = await c.request('hello', { token: d.token({ user, name, roles: [`${course}:${role}`] }) });
  assert.equal(hello.ok, true, JSON.stringify(hello));
  return {
    async call(op, data, { write = true } = {}) {
      const r = await c.request(op, write ? { ...data, key: key() } : data);
      assert.equal(r.ok, true, `${op}: ${JSON.stringify(r)}`);
      return r.data;
    },
    raw: (op, data) => c.request(op, data),
    close: () => c.close(),
  };
}

const tokenFor = (user, name) => d.token({ user, name, roles: [`${course}:participant`] });

before(async () => {
  [d, browser] = await Promise.all([startDaemon({ args: ['--dev'] }), launchBrowser()]);
  course = d.course({ title: 'Curso de programación', lang: 'es' });
  const profe = await as('profe', 'Profesora Díaz', 'instructor');
  const pat = await as('pat', 'Pat Pérez', 'participant');
  const rosa = await as('rosa', SENTINEL, 'participant');
  try {
    const q = await profe.call('thread.create', { course, kind: 'question', title: 'Programación orientada a objetos',
                                                  body: 'Las clases y los objetos del curso.' });
    seeded.question = q.thread.id;
    seeded.questionPost = q.thread.first_post;
    const anon = await rosa.call('post.create', { thread: q.thread.id, body: 'Una respuesta sobre programación funcional.', anonymous: true });
    seeded.anonPost = anon.post.id;
    const mine = await pat.call('thread.create', { course, kind: 'discussion', title: 'Dudas de tareas',
                                                   body: 'Mi primera programación en casa.' });
    seeded.mine = mine.thread.first_post;
    const answered = await profe.call('thread.create', { course, kind: 'question', title: 'Entregas del proyecto',
                                                         body: 'La programación del proyecto en equipo.' });
    const reply = await profe.call('post.create', { thread: answered.thread.id, body: 'Se entrega el viernes.' });
    await profe.call('post.endorse', { post: reply.post.id, endorsed: true });
    seeded.answered = answered.thread.first_post;
    for (let i = 0; i < PAGE + 5; i++) {
      await profe.call('thread.create', { course, kind: 'discussion', title: `Ejercicio ${i}`, body: `Un algoritmo de ordenación número ${i}.` });
    }
  } finally {
    await Promise.all([profe.close(), pat.close(), rosa.close()]);
  }
});
after(async () => {
  await Promise.all([browser && browser.close(), d && d.stop()]);
});

// Signs in through the address and opens the course's board.
async function openBoard(page, { user = 'pat', name = 'Pat Pérez' } = {}) {
  await page.goto(`${d.url}/#token=${encodeURIComponent(tokenFor(user, name))}`);
  await page.locator('#courses a', { hasText: 'Curso de programación' }).click();
  await page.locator('#view-forum .threads-wrap .loading').waitFor({ state: 'detached' });
  await page.locator('form[role="search"] #search-q').waitFor();
}

const resultIds = (page) => page.locator('.search-result').evaluateAll((els) => els.map((e) => Number(e.dataset.post)));
const searched = (page) => page.locator('.search-results-section .loading').waitFor({ state: 'detached' })
  .then(() => page.locator('#search-summary').waitFor());
const activeId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

describe('search', () => {
  test('from the board, by keyboard: "programacion" finds "Programación", marked; filters narrow; anonymous stays Anonymous', T, async () => {
    const { page, problems, close } = await openPage(browser, { locale: 'es-ES' });
    try {
      await openBoard(page);
      // The form is a search landmark with a labelled field.
      assert.equal(await page.locator('form[role="search"]').getAttribute('aria-label'), es['search.landmark']);
      assert.equal(await page.locator('label[for="search-q"]').textContent(), es['search.field']);
      await tabUntil(page, '#search-q');
      await page.keyboard.type('programacion');
      await page.keyboard.press('Enter');
      await page.waitForURL(/#\/course\/\d+\/search\?q=programacion$/);
      await searched(page);

      const ids = await resultIds(page);
      assert.deepEqual([...ids].sort((a, b) => a - b), [seeded.questionPost, seeded.anonPost, seeded.mine, seeded.answered].sort((a, b) => a - b));
      const summary = fill(es['search.count.other'], { count: 4, q: 'programacion' });
      assert.equal(await page.locator('#search-summary').textContent(), summary);
      // The announcer says it politely.
      await page.locator('#announcer', { hasText: summary }).waitFor();

      // The title's matched word is marked; so is the snippet's; cut text says so.
      const q = page.locator(`.search-result[data-post="${seeded.questionPost}"]`);
      assert.deepEqual(await q.locator('.thread-title mark').allTextContents(), ['Programación']);
      assert.equal(await q.locator('.thread-title').textContent(), 'Programación orientada a objetos');
      assert.ok((await q.textContent()).includes(es['thread.unanswered']));
      const a = page.locator(`.search-result[data-post="${seeded.anonPost}"]`);
      assert.deepEqual(await a.locator('.snippet mark').allTextContents(), ['programación']);
      assert.equal(await a.locator('.who').textContent(), es['post.anonymous']);
      assert.equal(await a.locator('.where').textContent(), es['search.in_response']);
      assert.ok(!(await page.locator('#view-forum').textContent()).includes(SENTINEL), 'the anonymous author\'s name is on the page');
      assert.ok((await page.locator(`.search-result[data-post="${seeded.answered}"]`).textContent()).includes(es['thread.answered']));

      // Filters: questions only, then not yet answered, then only mine. Each one is in the address.
      await page.selectOption('#search-kind', 'question');
      await page.click('#search-submit');
      await page.waitForURL(/kind=question$/);
      await page.waitForFunction(() => document.querySelectorAll('.search-result').length === 3);
      await searched(page);
      assert.deepEqual((await resultIds(page)).sort((x, y) => x - y), [seeded.questionPost, seeded.anonPost, seeded.answered].sort((x, y) => x - y));
      await page.selectOption('#search-answered', '0');
      await page.locator('#search-q').press('Enter');
      await page.waitForURL(/kind=question&answered=0$/);
      await page.waitForFunction(() => document.querySelectorAll('.search-result').length === 2);
      assert.equal(await activeId(page), 'search-q', 'focus stays in the field');
      await page.selectOption('#search-kind', '');
      await page.selectOption('#search-answered', '');
      await page.check('#search-mine');
      await page.click('#search-submit');
      await page.waitForURL(/q=programacion&mine=1$/);
      await page.waitForFunction(() => document.querySelectorAll('.search-result').length === 1);
      assert.deepEqual(await resultIds(page), [seeded.mine]);
      assert.equal(await page.locator('.search-result .who').textContent(), 'Pat Pérez');

      // Back: the previous search, with its filters in the form.
      await page.goBack();
      await page.waitForURL(/kind=question&answered=0$/);
      await page.waitForFunction(() => document.querySelectorAll('.search-result').length === 2);
      assert.equal(await page.inputValue('#search-kind'), 'question');
      assert.equal(await page.inputValue('#search-answered'), '0');
      assert.equal(await page.isChecked('#search-mine'), false);

      // A search with no match.
      await page.fill('#search-q', 'zanahoria');
      await page.click('#search-submit');
      await page.locator('#search-summary', { hasText: fill(es['search.none'], { q: 'zanahoria' }) }).waitFor();
      assert.equal(await page.locator('.search-result').count(), 0);
      // Words past the eighth are left out, and the page says how many.
      await page.fill('#search-q', 'uno dos tres cuatro cinco seis siete ocho nueve diez');
      await page.click('#search-submit');
      await page.locator('.search-ignored', { hasText: fill(es['search.ignored.other'], { count: 2, max: 8 }) }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('"More results" pages on, focus on the first new result; a reload restores the search', T, async () => {
    const { page, problems, close } = await openPage(browser, { locale: 'pt-BR' });
    try {
      await openBoard(page);
      await page.fill('#search-q', 'algoritmos');
      await page.press('#search-q', 'Enter');
      await searched(page);
      assert.equal(await page.locator('.search-result').count(), PAGE);
      const summary = fill(pt['search.count_more.other'], { count: PAGE, q: 'algoritmos' });
      assert.equal(await page.locator('#search-summary').textContent(), summary);
      await page.locator('#announcer', { hasText: summary }).waitFor();
      const firstPage = await resultIds(page);

      await page.click('#search-more');
      await page.waitForFunction((n) => document.querySelectorAll('.search-result').length === n, PAGE + 5);
      const all = await resultIds(page);
      assert.equal(new Set(all).size, PAGE + 5, 'a result shown twice');
      assert.deepEqual(all.slice(0, PAGE), firstPage);
      assert.equal(await page.locator('#search-more').count(), 0);
      assert.equal(await page.evaluate(() => document.activeElement.closest('.search-result')?.dataset.post), String(all[PAGE]));
      await page.locator('#announcer', { hasText: fill(pt['search.loaded_more.other'], { count: 5 }) }).waitFor();

      // Another language: the same results and query, the words in that language.
      await page.selectOption('#lang', 'es');
      await page.locator('#search-summary', { hasText: fill(es['search.count.other'], { count: PAGE + 5, q: 'algoritmos' }) }).waitFor();
      assert.equal(await page.inputValue('#search-q'), 'algoritmos');
      assert.deepEqual(await resultIds(page), all);
      assert.equal(await page.locator('label[for="search-q"]').textContent(), es['search.field']);

      // A reload shows the same search (the first page) with the query in the field.
      await page.reload();
      await page.locator('.search-result').nth(PAGE - 1).waitFor();
      assert.equal(await page.inputValue('#search-q'), 'algoritmos');
      assert.deepEqual(await resultIds(page), firstPage);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('a result opens its thread focused on the post', T, async () => {
    const { page, problems, close } = await openPage(browser, { locale: 'en-US' });
    try {
      await openBoard(page);
      await page.fill('#search-q', 'funcional');
      await page.press('#search-q', 'Enter');
      await searched(page);
      const link = page.locator(`.search-result[data-post="${seeded.anonPost}"] .thread-title a`);
      assert.equal(await link.getAttribute('href'), `#/thread/${seeded.question}?post=${seeded.anonPost}`);
      await link.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`#/thread/${seeded.question}\\?post=${seeded.anonPost}$`));
      await page.locator(`#post-${seeded.anonPost}.targeted`).waitFor();
      await page.waitForFunction((id) => document.activeElement && document.activeElement.id === id, `post-${seeded.anonPost}`);
      assert.equal(await page.locator(`#post-${seeded.anonPost} .author`).textContent(), en['post.anonymous']);
      // Back to the results.
      await page.goBack();
      await page.locator(`.search-result[data-post="${seeded.anonPost}"]`).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('punctuation only is refused at the field without asking the server; a long query too; rate_limited says when to retry', T, async () => {
    const { page, problems, close } = await openPage(browser, { locale: 'es-ES' });
    const sent = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => { if (typeof f.payload === 'string') sent.push(f.payload); }));
    try {
      await openBoard(page, { user: 'rl', name: 'Rita López' });
      const boardUrl = page.url();
      await page.fill('#search-q', '¿¡ "*" -- ()!?');
      await page.press('#search-q', 'Enter');
      await page.locator('#search-q-error', { hasText: es['search.error.empty'] }).waitFor();
      assert.equal(await page.getAttribute('#search-q', 'aria-invalid'), 'true');
      assert.equal(await page.getAttribute('#search-q', 'aria-describedby'), 'search-q-error');
      assert.equal(await activeId(page), 'search-q');
      assert.equal(page.url(), boardUrl, 'the page changed');
      assert.equal(sent.filter((s) => /"op":"search"/.test(s)).length, 0, 'a search was sent');
      await page.fill('#search-q', 'largo '.repeat(40));
      await page.press('#search-q', 'Enter');
      await page.locator('#search-q-error', { hasText: fill(es['search.error.too_long'], { max: 200 }) }).waitFor();
      assert.equal(sent.filter((s) => /"op":"search"/.test(s)).length, 0, 'a search was sent');

      // Letters only, but too long a run to be a word: the server says bad_field, shown at the field.
      await page.fill('#search-q', 'x'.repeat(150));
      await page.press('#search-q', 'Enter');
      await page.locator('#search-q-error', { hasText: es['search.error.no_words'] }).waitFor();
      assert.equal(await page.getAttribute('#search-q', 'aria-invalid'), 'true');
      assert.equal(sent.filter((s) => /"op":"search"/.test(s)).length, 1);
      await page.locator('#announcer', { hasText: es['search.error.no_words'] }).waitFor();
      assert.equal(await page.locator('.search-result').count(), 0);

      // The same query in a shared link: the field says why, nothing is asked either.
      await page.goto(`${d.url}/#/course/${course}/search?q=${encodeURIComponent('"*"')}`);
      await page.locator('#search-q-error', { hasText: es['search.error.empty'] }).waitFor();
      assert.equal(await page.locator('.search-result').count(), 0);

      // A fixed query works again and clears the error.
      await page.fill('#search-q', 'objetos');
      await page.press('#search-q', 'Enter');
      await searched(page);
      assert.equal(await page.getAttribute('#search-q', 'aria-invalid'), null);
      assert.equal(await page.locator('#search-q-error').textContent(), '');

      // Too many searches: this user's bucket is spent over another socket first, and kept
      // empty while the page searches (it refills one search every two seconds on a clock no
      // test op moves); should the page still win a refilled search, it tries again.
      const other = await as('rl', 'Rita López', 'participant');
      let draining = true;
      let drain = null;
      const notice = page.locator('.search-results-section .error-notice');
      try {
        let refused = false;
        for (let i = 0; i < 40 && !refused; i++) {
          const r = await other.raw('search', { course, q: 'objetos' });
          if (!r.ok) { assert.equal(r.error.code, 'rate_limited'); refused = true; }
        }
        assert.ok(refused, 'the bucket never ran out');
        drain = (async () => {
          while (draining) {
            await other.raw('search', { course, q: 'objetos' });
            await new Promise((res) => setTimeout(res, 100));
          }
        })();
        for (let i = 0; i < 3; i++) {
          const word = ['clases', 'curso', 'objeto'][i];
          await page.fill('#search-q', word);
          await page.press('#search-q', 'Enter');
          await page.waitForFunction((w) => !!document.querySelector('.search-results-section .error-notice')
            || (document.getElementById('search-summary')?.textContent || '').includes(w), word);
          if (await notice.count()) break;
        }
      } finally {
        draining = false;
        await drain;
        await other.close();
      }
      const esc = (x) => x.replace(/[.*+?^$(){}|[\]\\]/g, '\\$&');
      const [pre, post] = es['search.error.rate_limited'].split('{seconds}');
      const re = new RegExp(`${esc(pre)}\\d+${esc(post)}`);
      assert.match(await notice.textContent(), re);
      await page.locator('#announcer', { hasText: re }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});

// axe-core on the board with the search form (showing its field error) and on the results
// page with results, marks and "More results", in the three languages, light and dark.
const report = (violations) => violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n');
describe('search accessibility', () => {
  for (const [lang, S, locale] of [['en', en, 'en-US'], ['es', es, 'es-ES'], ['pt', pt, 'pt-BR']]) {
    for (const colorScheme of ['light', 'dark']) {
      test(`no axe violations in ${lang}, ${colorScheme}: search form with an error, results`, T, async () => {
        const { page, close } = await openPage(browser, { bypassCSP: true, colorScheme, locale });
        try {
          await openBoard(page, { user: `axe-${lang}-${colorScheme}`, name: 'Axe Tester' });
          assert.equal(await page.getAttribute('html', 'lang'), lang);
          await page.fill('#search-q', '...');
          await page.click('#search-submit');
          await page.locator('#search-q-error', { hasText: S['search.error.empty'] }).waitFor();
          let v = await runAxe(page);
          assert.deepEqual(v, [], `board with the search form:\n${report(v)}`);

          await page.fill('#search-q', 'programación algoritmo');
          await page.fill('#search-q', 'algoritmo');
          await page.selectOption('#search-kind', 'discussion');
          await page.click('#search-submit');
          await searched(page);
          await page.locator('.search-result mark').first().waitFor();
          await page.locator('#search-more').waitFor();
          v = await runAxe(page);
          assert.deepEqual(v, [], `results:\n${report(v)}`);

          await page.fill('#search-q', 'programacion');
          await page.selectOption('#search-kind', '');
          await page.click('#search-submit');
          await page.locator('.search-result .who.anonymous').waitFor();
          v = await runAxe(page);
          assert.deepEqual(v, [], `results with titles and an anonymous author:\n${report(v)}`);
        } finally {
          await close();
        }
      });
    }
  }
});
