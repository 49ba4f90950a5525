// The course forum in real Chromium against the real daemon (--dev: demo course 1 and the
// demo cast): two people in two browser contexts see each other's threads, replies, votes,
// edits and deletions arrive without a reload; nothing is lost across a reload or a daemon
// restart; drafts survive a reload; user text is never markup; es and pt show no English;
// and the whole round works from the keyboard.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { launchBrowser, openPage, TIMEOUT } from './browser.mjs';
import { seedThread, demoSignIn, boardItem, tabUntil, fill } from './forum-helpers.mjs';
import en from '../../client-js/strings/en.js';
import es from '../../client-js/strings/es.js';
import pt from '../../client-js/strings/pt.js';

const T = { timeout: 180000 };

let d, browser;
before(async () => {
  [d, browser] = await Promise.all([startDaemon({ args: ['--dev'] }), launchBrowser()]);
});
after(async () => {
  await Promise.all([browser && browser.close(), d && d.stop()]);
});

// Puts a marker on the page's window: if it is still there later, the page never reloaded.
const mark = (page) => page.evaluate(() => { window.__noReload = true; });
const notReloaded = async (page) => assert.equal(await page.evaluate(() => window.__noReload), true, 'the page reloaded');

async function startThread(page, { kind = 'discussion', title, body }) {
  await page.click('#new-thread-toggle');
  await page.check(`#new-thread-1-kind-${kind}`);
  await page.fill('#new-thread-1-title', title);
  await page.fill('#new-thread-1-body', body);
  await page.click('#new-thread-1 button[type="submit"]');
  await page.waitForURL(/#\/thread\/\d+$/);
  await page.locator('article.opening .post-body').waitFor();
  return Number(/#\/thread\/(\d+)$/.exec(page.url())[1]);
}

async function respond(page, threadId, body) {
  await page.fill(`#compose-${threadId}-body`, body);
  await page.click(`#compose-${threadId} button[type="submit"]`);
  await page.locator('article.response .post-body', { hasText: body }).waitFor();
}

describe('forum', () => {
  test('two people: a thread and a reply appear live on the other side, and stay after a reload', T, async () => {
    const A = await openPage(browser);
    const B = await openPage(browser);
    try {
      await demoSignIn(A.page, d.url, 'ana');
      await demoSignIn(B.page, d.url, 'bruno');
      // A demo sign-in lands on the demo course's board, focus on its heading.
      assert.match(B.page.url(), /#\/course\/1$/);
      assert.equal(await B.page.evaluate(() => document.activeElement.id), 'page-heading');
      assert.match(await B.page.title(), /Leading Remote Teams/);
      await mark(B.page);

      const title = `Time zones and retros ${Date.now()}`;
      const threadId = await startThread(A.page, { kind: 'question', title, body: 'How do you run a retro across **nine** time zones?' });

      // Bruno, on the board, sees it without reloading, with its badges and author.
      const item = boardItem(B.page, threadId);
      await item.waitFor();
      await notReloaded(B.page);
      assert.equal(await item.locator('.thread-title a').textContent(), title);
      const itemText = await item.textContent();
      assert.ok(itemText.includes(en['thread.kind.question']), itemText);
      assert.ok(itemText.includes(en['thread.unanswered']), itemText);
      assert.ok(itemText.includes(fill(en['board.started_by'], { name: 'Ana García' })), itemText);
      // ... and the polite live region says so.
      await B.page.locator('#announcer', { hasText: fill(en['announce.thread'], { title }) }).waitFor();

      // Bruno opens it and replies; Ana, in the thread, sees the reply arrive.
      await A.page.evaluate(() => { window.__noReload = true; });
      await item.locator('.thread-title a').click();
      await B.page.locator('article.opening .post-body strong', { hasText: 'nine' }).waitFor();
      assert.equal(await B.page.evaluate(() => document.activeElement.id), 'page-heading');
      await respond(B.page, threadId, 'Rotate the meeting time every sprint.');
      const reply = A.page.locator('article.response', { hasText: 'Rotate the meeting time every sprint.' });
      await reply.waitFor();
      await notReloaded(A.page);
      assert.equal(await reply.locator('.author').textContent(), 'Bruno Costa');
      await A.page.locator('#announcer', { hasText: fill(en['announce.post'], { name: 'Bruno Costa' }) }).waitFor();
      await A.page.locator('#responses-heading', { hasText: fill(en['thread.responses.one'], { count: 1 }) }).waitFor();

      // Ana answers Bruno's response (one level of replies); Bruno sees it nested.
      const responseId = Number(await reply.getAttribute('data-post'));
      await A.page.click(`#reply-to-${responseId}`);
      assert.equal(await A.page.evaluate(() => document.activeElement.id), `compose-reply-${responseId}-body`);
      await A.page.keyboard.insertText('Good idea, we will try it.');
      await A.page.click(`#compose-reply-${responseId} button[type="submit"]`);
      await B.page.locator(`#post-${responseId} .reply-list article.reply`, { hasText: 'Good idea' }).waitFor();

      // Back on the board (Back button), the counts moved.
      await B.page.goBack();
      await boardItem(B.page, threadId).locator('.stats', { hasText: fill(en['count.replies.other'], { count: 2 }) }).waitFor();
      // Replies alone do not answer a question: only a staff endorsement does.
      assert.ok((await boardItem(B.page, threadId).textContent()).includes(en['thread.unanswered']));
      await B.page.goForward();
      await B.page.locator('article.reply', { hasText: 'Good idea' }).waitFor();

      // A reload loses nothing, and the tab is still Bruno's.
      await B.page.reload();
      await B.page.locator('article.opening .post-body', { hasText: 'nine' }).waitFor();
      await B.page.locator('article.response', { hasText: 'Rotate the meeting time' }).waitFor();
      await B.page.locator('article.reply', { hasText: 'Good idea' }).waitFor();
      assert.equal(await B.page.locator('#whoami strong').textContent(), 'Bruno Costa');
      assert.deepEqual(A.problems, []);
      assert.deepEqual(B.problems, []);
    } finally {
      await A.close();
      await B.close();
    }
  });

  test('vote, edit and delete through the page, seen live on the other side', T, async () => {
    const A = await openPage(browser);
    const B = await openPage(browser);
    try {
      await demoSignIn(A.page, d.url, 'ana');
      await demoSignIn(B.page, d.url, 'bruno');
      const threadId = await startThread(A.page, { title: `Feedback rituals ${Date.now()}`, body: 'What works for you?' });
      await B.page.goto(`${d.url}/#/thread/${threadId}`);
      await B.page.locator('article.opening .post-body').waitFor();
      await respond(B.page, threadId, 'Weekly one-to-ones.');
      const resp = A.page.locator('article.response', { hasText: 'Weekly one-to-ones.' });
      await resp.waitFor();
      const postId = Number(await resp.getAttribute('data-post'));

      // No vote button on your own posts; a count instead.
      assert.equal(await A.page.locator('article.opening button.vote').count(), 0);
      assert.equal(await B.page.locator(`#post-${postId} button.vote`).count(), 0);

      // Ana votes for Bruno's response: the button says whose post and how many votes.
      const vote = A.page.locator(`#post-${postId} button.vote`);
      assert.equal(await vote.getAttribute('aria-label'),
                   fill(en['post.vote_label'], { name: 'Bruno Costa', votes: fill(en['count.votes.other'], { count: 0 }) }));
      await vote.click();
      await A.page.locator(`#post-${postId} button.vote[aria-pressed="true"]`).waitFor();
      await B.page.locator(`#post-${postId} .votes-static`, { hasText: fill(en['count.votes.one'], { count: 1 }) }).waitFor();
      // Taking it back.
      await vote.click();
      await A.page.locator(`#post-${postId} button.vote[aria-pressed="false"]`).waitFor();
      await B.page.locator(`#post-${postId} .votes-static`, { hasText: fill(en['count.votes.other'], { count: 0 }) }).waitFor();
      await vote.click();
      await B.page.locator(`#post-${postId} .votes-static`, { hasText: fill(en['count.votes.one'], { count: 1 }) }).waitFor();

      // Bruno edits his response in place; Ana sees the new text and the "edited" mark.
      await B.page.click(`#edit-${postId}`);
      const editBox = B.page.locator(`#edit-post-${postId}-body`);
      assert.equal(await editBox.inputValue(), 'Weekly one-to-ones.');
      await editBox.fill('Weekly one-to-ones, and a monthly retro.');
      await B.page.click(`#edit-post-${postId} button[type="submit"]`);
      await B.page.locator(`#post-${postId} .edited`).waitFor();
      await A.page.locator(`#post-${postId} .post-body`, { hasText: 'and a monthly retro' }).waitFor();
      assert.equal(await A.page.locator(`#post-${postId} .edited`).textContent(), en['post.edited']);

      // Bruno deletes it, with a confirm step; Ana sees the placeholder.
      await B.page.click(`#delete-${postId}`);
      assert.equal(await B.page.evaluate(() => document.activeElement.id), `cancel-delete-${postId}`);
      await B.page.locator(`#confirm-${postId}`, { hasText: en['post.confirm_delete'] }).waitFor();
      await B.page.click(`#confirm-delete-${postId}`);
      await B.page.locator(`#post-${postId} .placeholder`, { hasText: en['post.deleted'] }).waitFor();
      await A.page.locator(`#post-${postId} .placeholder`, { hasText: en['post.deleted'] }).waitFor();
      assert.equal(await A.page.locator(`#post-${postId} .post-body`).count(), 0);
      assert.equal(await A.page.locator(`#post-${postId} button.vote`).count(), 0);
      await A.page.locator('#responses-heading', { hasText: fill(en['thread.responses.other'], { count: 0 }) }).waitFor();
      assert.deepEqual(A.problems, []);
      assert.deepEqual(B.problems, []);
    } finally {
      await A.close();
      await B.close();
    }
  });

  test('drafts survive a reload; text that looks like HTML stays text', T, async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await demoSignIn(page, d.url, 'chloe');
      const evil = '<img src=x onerror="window.__xss=1"> & <b>not bold</b>';
      // A half-written thread is kept across a reload, form open.
      await page.click('#new-thread-toggle');
      await page.fill('#new-thread-1-title', 'Draft title <script>');
      await page.fill('#new-thread-1-body', evil);
      await page.reload();
      await page.locator('#new-thread-1-body').waitFor();
      assert.equal(await page.inputValue('#new-thread-1-title'), 'Draft title <script>');
      assert.equal(await page.inputValue('#new-thread-1-body'), evil);
      await page.click('#new-thread-1 button[type="submit"]');
      await page.waitForURL(/#\/thread\/\d+$/);
      const threadId = Number(/#\/thread\/(\d+)$/.exec(page.url())[1]);
      const body = page.locator('article.opening .post-body');
      await body.waitFor();
      assert.equal((await body.textContent()).trim(), evil);
      assert.equal(await page.locator('article.opening img, article.opening b, article.opening script').count(), 0);
      assert.equal(await page.locator('#page-heading').textContent(), 'Draft title <script>');
      assert.equal(await page.evaluate(() => window.__xss), undefined);
      // The thread's draft is gone once the server confirmed the thread.
      await page.goBack();
      await page.locator('#new-thread-toggle').waitFor();
      assert.equal(await page.locator('#new-thread-toggle').getAttribute('aria-expanded'), 'false');
      await page.goForward();
      await body.waitFor();

      // A half-written response too, and a reply.
      await page.fill(`#compose-${threadId}-body`, 'Half a thought…');
      await page.reload();
      await page.locator(`#compose-${threadId}-body`).waitFor();
      assert.equal(await page.inputValue(`#compose-${threadId}-body`), 'Half a thought…');
      await page.click(`#compose-${threadId} button[type="submit"]`);
      await page.locator('article.response', { hasText: 'Half a thought…' }).waitFor();
      assert.equal(await page.inputValue(`#compose-${threadId}-body`), '');
      await page.reload();
      await page.locator('article.response', { hasText: 'Half a thought…' }).waitFor();
      assert.equal(await page.inputValue(`#compose-${threadId}-body`), '');
      assert.equal(await page.locator('article.response').count(), 1, 'posted once');

      // Markdown subset: built from nodes, links are https only and marked as user content.
      await page.fill(`#compose-${threadId}-body`, 'See https://example.com/a_(b). and javascript:alert(1) or `<i>code</i>`\n\nSecond *para*');
      await page.click(`#compose-${threadId} button[type="submit"]`);
      const md = page.locator('article.response', { hasText: 'Second' });
      await md.waitFor();
      assert.equal(await md.locator('.post-body p').count(), 2);
      const link = md.locator('.post-body a');
      assert.equal(await link.count(), 1);
      assert.equal(await link.getAttribute('href'), 'https://example.com/a_(b)');
      assert.equal(await link.getAttribute('rel'), 'noopener noreferrer nofollow ugc');
      assert.equal(await md.locator('.post-body code').textContent(), '<i>code</i>');
      assert.equal(await md.locator('.post-body em').textContent(), 'para');
      assert.equal(await md.locator('.post-body i').count(), 0);

      // Validation: empty and too long, tied to the field.
      await page.fill(`#compose-${threadId}-body`, '   ');
      await page.click(`#compose-${threadId} button[type="submit"]`);
      const field = page.locator(`#compose-${threadId}-body`);
      await page.locator(`#compose-${threadId}-body-error`, { hasText: en['compose.error.body_empty'] }).waitFor();
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      assert.match(await field.getAttribute('aria-describedby'), new RegExp(`compose-${threadId}-body-error`));
      assert.equal(await page.evaluate(() => document.activeElement.id), `compose-${threadId}-body`);
      await field.fill('x'.repeat(20005));
      await page.locator(`#compose-${threadId}-body-count.over`).waitFor();
      await page.click(`#compose-${threadId} button[type="submit"]`);
      await page.locator(`#compose-${threadId}-body-error`, { hasText: fill(en['compose.error.body_long'], { count: '20,005', max: '20,000' }) }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('everything from the keyboard: demo sign-in, a new thread, open a thread, post a response', T, async () => {
    const threadId = await seedThread(d, 'diego', { title: `Keyboard thread ${Date.now()}`, body: 'Welcome!' });
    const { page, problems, close } = await openPage(browser);
    try {
      await page.goto(`${d.url}/`);
      await page.locator('.demo-user[data-user="chloe"]').waitFor();
      await tabUntil(page, '.demo-user[data-user="chloe"]');
      await page.keyboard.press('Enter');
      await page.locator('#view-forum #page-heading').waitFor();
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'page-heading');

      // A new thread, keys only.
      await tabUntil(page, '#new-thread-toggle');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'new-thread-1-title');
      await page.keyboard.press('Shift+Tab'); // the kind: a radio group, arrows choose
      await page.keyboard.press('ArrowUp');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'new-thread-1-kind-question');
      await page.keyboard.press('Tab');
      await page.keyboard.insertText('Typed with keys');
      await page.keyboard.press('Tab'); // the Write/Preview tabs, then the message
      assert.equal(await page.evaluate(() => document.activeElement.id), 'new-thread-1-tab-write');
      await page.keyboard.press('Tab');
      await page.keyboard.insertText('No mouse needed.');
      await tabUntil(page, '#new-thread-1 button[type="submit"]');
      await page.keyboard.press('Enter');
      await page.waitForURL(/#\/thread\/\d+$/);
      await page.locator('article.opening .post-body', { hasText: 'No mouse needed.' }).waitFor();
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'page-heading');

      // Back to the board through the breadcrumb, then into the seeded thread.
      await tabUntil(page, 'a[href="#/course/1"]');
      await page.keyboard.press('Enter');
      await page.locator(`[data-thread="${threadId}"]`).waitFor();
      await tabUntil(page, `a[href="#/thread/${threadId}"]`);
      await page.keyboard.press('Enter');
      await page.locator('article.opening .post-body', { hasText: 'Welcome!' }).waitFor();
      await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'page-heading');

      // The response box, then its submit button; the focused control is visibly outlined.
      await tabUntil(page, `#compose-${threadId}-body`);
      await page.keyboard.insertText('Answered from the keyboard.');
      await tabUntil(page, `#compose-${threadId} button[type="submit"]`);
      assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');
      await page.keyboard.press('Enter');
      await page.locator('article.response', { hasText: 'Answered from the keyboard.' }).waitFor();

      // Vote for the opening post with Space.
      await tabUntil(page, 'article.opening button.vote');
      await page.keyboard.press('Space');
      await page.locator('article.opening button.vote[aria-pressed="true"]').waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('sorting and paging the board; a thread that does not exist', T, async () => {
    const course = d.course({ title: 'Paging course' });
    const ids = [];
    for (let i = 0; i < 33; i++) {
      ids.push(await seedThread(d, 'diego', { course, kind: i % 3 === 0 ? 'question' : 'discussion', title: `Thread number ${i}`, body: `Body ${i}` }));
    }
    const { page, problems, close } = await openPage(browser);
    try {
      await page.goto(`${d.url}/#token=${encodeURIComponent(d.token({ user: 'pat', name: 'Pat Doe', roles: [`${course}:participant`] }))}`);
      await page.locator('#courses a', { hasText: 'Paging course' }).click();
      await page.locator('.thread-item').nth(29).waitFor();
      assert.equal(await page.locator('.thread-item').count(), 30);
      assert.equal(await page.locator('.thread-item .thread-title').first().textContent(), 'Thread number 32');
      await page.click('#load-more');
      await page.locator('.thread-item').nth(32).waitFor();
      assert.equal(await page.locator('#load-more').count(), 0);
      // Focus goes to the first thread that came in.
      assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Thread number 2');

      // Unanswered: only questions; the sort link is current, and the address can be shared.
      await page.click(`a.sort[data-sort="unanswered"]`);
      await page.waitForURL(/sort=unanswered$/);
      await page.locator('a.sort[data-sort="unanswered"][aria-current="page"]').waitFor();
      await page.waitForFunction(() => document.querySelectorAll('.thread-item').length === 11);
      const kinds = await page.locator('.thread-item .badge.kind-question').count();
      assert.equal(kinds, 11);
      // An endorsed answer takes it off the unanswered list, live.
      await seedReply(ids[30], { endorse: true });
      await page.waitForFunction(() => document.querySelectorAll('.thread-item').length === 10);

      const missing = await openPage(browser);
      await missing.page.goto(page.url().replace(/#.*$/, '#/thread/999999'));
      // Same origin, new context: sign in first, then the route is shown.
      await missing.page.fill('#token', d.token({ user: 'pat', name: 'Pat Doe', roles: [`${course}:participant`] }));
      await missing.page.click('#connect');
      await missing.page.locator('.error-notice', { hasText: en['thread.not_found'] }).waitFor();
      await missing.close();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }

    async function seedReply(threadId, { endorse = false } = {}) {
      const { connect } = await import('../lib/client.mjs');
      const key = () => `k${Date.now()}${Math.random().toString(36).slice(2)}`.slice(0, 40);
      const c = await connect(d.wsUrl);
      await c.request('hello', { token: d.token({ user: 'sam', name: 'Sam', roles: [`${course}:facilitator`] }) });
      const r = await c.request('post.create', { thread: threadId, body: 'An answer', key: key() });
      assert.equal(r.ok, true, JSON.stringify(r));
      if (endorse) {
        const e = await c.request('post.endorse', { post: r.data.post.id, endorsed: true, key: key() });
        assert.equal(e.ok, true, JSON.stringify(e));
      }
      await c.close();
    }
  });

  for (const [lang, S, locale] of [['es', es, 'es-ES'], ['pt', pt, 'pt-BR']]) {
    test(`the board and a thread in ${lang} show no English`, T, async () => {
      const threadId = await seedThread(d, 'diego', { kind: 'question', title: `Pregunta ${lang}`, body: 'Hola' });
      await seedThread(d, 'ana', { title: `Otro ${lang}`, body: 'Olá', anonymous: true });
      const { page, problems, close } = await openPage(browser, { locale });
      try {
        await demoSignIn(page, d.url, 'bruno');
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        await boardItem(page, threadId).waitFor();
        await page.click('#new-thread-toggle');
        await assertNoEnglish(page, S);
        assert.ok((await page.locator('main').innerText()).includes(S['board.sort.unanswered']));
        assert.ok((await page.locator('main').innerText()).includes(S['post.anonymous']));

        await page.goto(`${d.url}/#/thread/${threadId}`);
        await page.locator('article.opening .post-body').waitFor();
        await respond(page, threadId, 'Obrigado / Gracias');
        await assertNoEnglish(page, S);
        assert.ok((await page.locator('main').innerText()).includes(S['thread.answer_heading']));
        // Times are words of the language too.
        const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }).format(0, 'second');
        assert.equal(await page.locator('article.opening time').textContent(), rtf);
        assert.deepEqual(problems, []);
      } finally {
        await close();
      }
    });
  }
});

// No visible text node or accessible label on the page is an English string (other than
// the ones that are the same in every language), and no "{placeholder}" leaked.
async function assertNoEnglish(page, S) {
  const english = Object.entries(en)
    .filter(([k, v]) => S[k] !== v && !/\{\w+\}/.test(v))
    .map(([, v]) => v);
  const templates = Object.entries(en)
    .filter(([k, v]) => S[k] !== v && /\{\w+\}/.test(v))
    .map(([, v]) => v.split(/\{\w+\}/).map((s) => s.trim()).filter((s) => s.length >= 4))
    .flat();
  const texts = await page.evaluate(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('[hidden], script, .post-body, .thread-title, h1, .author, .who, option, .brand-name')) continue;
      const s = n.textContent.trim();
      if (s) out.push(s);
    }
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
      for (const a of ['aria-label', 'title', 'placeholder']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    }
    return out;
  });
  for (const s of texts) {
    assert.ok(!english.includes(s), `English text on the page: ${JSON.stringify(s)}`);
    assert.ok(!/\{\w+\}/.test(s), `placeholder left in ${JSON.stringify(s)}`);
    for (const part of templates) assert.ok(!s.includes(part), `English "${part}" in ${JSON.stringify(s)}`);
  }
}

describe('daemon restart', () => {
  test('stopping and starting the daemon on the same database loses nothing', T, async () => {
    const first = await startDaemon({ args: ['--dev'], keepDir: true });
    const A = await openPage(browser);
    let second = null;
    try {
      await demoSignIn(A.page, first.url, 'ana');
      const threadId = await startThread(A.page, { title: 'Survives a restart', body: 'Written before the restart.' });
      await respond(A.page, threadId, 'A response before the restart.');
      await A.page.locator('#status-text', { hasText: en['status.online'] }).waitFor();

      assert.equal(await first.stop('SIGTERM'), 0);
      // The open page notices.
      await A.page.waitForFunction((labels) => labels.includes(document.getElementById('status-text').textContent),
                                   [en['status.offline'], en['status.connecting']], { timeout: TIMEOUT });

      second = await startDaemon({ dir: first.dir, secret: first.secret, keepDir: true, args: ['--dev'] });
      // The new daemon listens on another port: a new page there, signed in as someone else.
      const B = await openPage(browser);
      try {
        await demoSignIn(B.page, second.url, 'bruno');
        const item = boardItem(B.page, threadId);
        await item.waitFor();
        assert.equal(await item.locator('.thread-title a').textContent(), 'Survives a restart');
        await item.locator('.thread-title a').click();
        await B.page.locator('article.opening .post-body', { hasText: 'Written before the restart.' }).waitFor();
        await B.page.locator('article.response .post-body', { hasText: 'A response before the restart.' }).waitFor();
        // And it goes on working: a new response.
        await respond(B.page, threadId, 'And one after it.');
        assert.deepEqual(B.problems, []);
      } finally {
        await B.close();
      }
    } finally {
      await A.close();
      if (second) await second.stop();
      else await first.stop();
      const { rmSync } = await import('node:fs');
      rmSync(first.dir, { recursive: true, force: true });
    }
  });
});
