// axe-core (WCAG 2.0 and 2.1, A and AA) on the first page (signed out and signed in), on
// the forum pages and on the moderation console, in English and Spanish, in light and dark
// colour schemes, wide and narrow.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { launchBrowser, openPage, runAxe } from './browser.mjs';
import { seedThread, signedIn } from './forum-helpers.mjs';
import en from '../../client-js/strings/en.js';
import es from '../../client-js/strings/es.js';

const T = { timeout: 120000 };
let d, browser;
before(async () => {
  [d, browser] = await Promise.all([startDaemon(), launchBrowser()]);
});
after(async () => {
  await Promise.all([browser && browser.close(), d && d.stop()]);
});

const report = (violations) => violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n');

for (const [lang, S] of [['en', en], ['es', es]]) {
  for (const colorScheme of ['light', 'dark']) {
    test(`no axe violations in ${lang}, ${colorScheme}: signed out, with an error, signed in`, T, async () => {
      // axe is injected as a script tag, which the page's CSP refuses; bypass it here only.
      const { page, close } = await openPage(browser, { bypassCSP: true, colorScheme,
                                                        locale: lang === 'es' ? 'es-ES' : 'en-US' });
      try {
        await page.goto(`${d.url}/`);
        await page.locator('#connect:enabled').waitFor({ state: 'attached' });
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        let v = await runAxe(page);
        assert.deepEqual(v, [], `signed out:\n${report(v)}`);

        await page.fill('#token', 'not.a.token');
        await page.click('#connect');
        await page.locator('#error').getByText(S['error.bad_token']).waitFor();
        v = await runAxe(page);
        assert.deepEqual(v, [], `with an error:\n${report(v)}`);

        await page.fill('#token', d.token({ user: 'u1', name: 'Ana María', roles: ['1:participant', '2:facilitator'] }));
        await page.click('#connect');
        await page.locator('#courses li').nth(1).waitFor();
        await page.locator('#status-text', { hasText: S['status.online'] }).waitFor();
        v = await runAxe(page);
        assert.deepEqual(v, [], `signed in:\n${report(v)}`);

        // Narrow screen (a phone): still no violations, and nothing scrolls sideways.
        await page.setViewportSize({ width: 360, height: 740 });
        v = await runAxe(page);
        assert.deepEqual(v, [], `signed in, narrow:\n${report(v)}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
      } finally {
        await close();
      }
    });
  }
}

// The forum pages with their data loaded: the demo sign-in, a course board and a thread
// with responses, replies, an edited and a deleted post, an open reply box and a form error.
describe('forum pages', () => {
  let dev;
  let threadId;
  before(async () => {
    dev = await startDaemon({ args: ['--dev'] });
    threadId = await seedThread(dev, 'diego', { kind: 'question', title: 'How do we share notes?', body: 'Use **one** doc: https://example.com/notes' });
    await seedThread(dev, 'carla', { title: 'Welcome, everyone', body: 'Say hello!', anonymous: false });
    await seedThread(dev, 'bruno', { title: 'An anonymous worry', body: 'Is it OK to ask basic questions?', anonymous: true });
  });
  after(async () => { if (dev) await dev.stop(); });

  for (const [lang, S, locale] of [['en', en, 'en-US'], ['es', es, 'es-ES']]) {
    for (const colorScheme of ['light', 'dark']) {
      test(`no axe violations in ${lang}, ${colorScheme}: demo sign-in, board, thread`, T, async () => {
        const { page, close } = await openPage(browser, { bypassCSP: true, colorScheme, locale });
        try {
          await page.goto(`${dev.url}/`);
          await page.locator('#demo .demo-user').first().waitFor();
          let v = await runAxe(page);
          assert.deepEqual(v, [], `demo sign-in:\n${report(v)}`);

          await page.click('.demo-user[data-user="ana"]');
          await page.locator(`.thread-item[data-thread="${threadId}"]`).waitFor();
          await page.click('#new-thread-toggle');
          await page.click('#new-thread-1 button[type="submit"]'); // empty: errors on the fields
          await page.locator('#new-thread-1-title-error', { hasText: S['compose.error.title_empty'] }).waitFor();
          v = await runAxe(page);
          assert.deepEqual(v, [], `board:\n${report(v)}`);

          await page.click(`.thread-item[data-thread="${threadId}"] a`);
          await page.locator('article.opening .post-body').waitFor();
          await page.fill(`#compose-${threadId}-body`, `A response in ${lang} ${colorScheme}`);
          await page.click(`#compose-${threadId} button[type="submit"]`);
          const mine = page.locator('article.response.mine', { hasText: `A response in ${lang} ${colorScheme}` });
          await mine.waitFor();
          const mineId = await mine.getAttribute('data-post');
          await page.click(`#edit-${mineId}`);
          await page.fill(`#edit-post-${mineId}-body`, 'Edited text');
          await page.click(`#edit-post-${mineId} button[type="submit"]`);
          await page.locator(`#post-${mineId} .edited`).waitFor();
          await page.fill(`#compose-${threadId}-body`, 'To be deleted');
          await page.click(`#compose-${threadId} button[type="submit"]`);
          const gone = page.locator('article.response.mine', { hasText: 'To be deleted' });
          await gone.waitFor();
          const goneId = await gone.getAttribute('data-post');
          await page.click(`#delete-${goneId}`);
          await page.click(`#confirm-delete-${goneId}`);
          await page.locator(`#post-${goneId} .placeholder`).waitFor();
          await page.click(`#reply-to-${mineId}`);
          await page.fill(`#compose-reply-${mineId}-body`, 'A reply to myself');
          await page.click(`#compose-reply-${mineId} button[type="submit"]`);
          await page.locator(`#post-${mineId} article.reply`).waitFor();
          await page.click(`#reply-to-${mineId}`); // an open reply box
          await page.click(`#delete-${mineId}`);   // and an open confirm step
          v = await runAxe(page);
          assert.deepEqual(v, [], `thread:\n${report(v)}`);

          await page.setViewportSize({ width: 360, height: 740 });
          v = await runAxe(page);
          assert.deepEqual(v, [], `thread, narrow:\n${report(v)}`);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
        } finally {
          await close();
        }
      });
    }
  }
});

// The moderation console with its flag queue loaded (an anonymous author named for staff, an
// edited post, a hidden one), the audit log, the mute dialog open, and a thread as staff sees
// it; and a participant's page with a notice banner.
describe('moderation console', () => {
  let dev;
  let threadId;
  before(async () => {
    dev = await startDaemon({ args: ['--dev'] });
    threadId = await seedThread(dev, 'bruno', { kind: 'question', title: 'Do we need APA style?', body: 'For the **final** essay.' });
    const anonId = await seedThread(dev, 'chloe', { title: 'This course is a waste', body: 'Nothing here is useful!!!', anonymous: true });
    const ana = await signedIn(dev, 'ana');
    const bruno = await signedIn(dev, 'bruno');
    const carla = await signedIn(dev, 'carla');
    const anon = await ana.call('subscribe', { room: `thread:${anonId}` }, { write: false });
    const r = await ana.call('post.create', { thread: threadId, body: 'Copied: use APA 7.', anonymous: false });
    await ana.call('post.edit', { post: r.post.id, body: 'Use APA 7, as the syllabus says.' });
    const r2 = await ana.call('post.create', { thread: threadId, body: 'Also cite page numbers.', anonymous: false });
    await ana.call('post.flag', { post: anon.posts[0].id, reason: 'Rude and not constructive.' });
    await bruno.call('post.flag', { post: r.post.id, reason: 'Copied from somewhere.' });
    await bruno.call('post.flag', { post: r2.post.id, reason: 'Off topic.' });
    await carla.call('post.hide', { post: r2.post.id, reason: 'Kept for review.' });
    // A hidden post in the queue: the server answers Bruno's second flag with his first
    // (resolved) one, so Chloé flags it.
    const chloe = await signedIn(dev, 'chloe');
    await chloe.call('post.flag', { post: r2.post.id, reason: 'Still off topic.' });
    await chloe.close();
    await carla.call('post.endorse', { post: r.post.id, endorsed: true });
    await carla.call('thread.lock', { thread: threadId, locked: true });
    await carla.call('user.mute', { course: 1, user: 'chloe', minutes: 60, reason: 'Cool down, please.' });
    await Promise.all([ana.close(), bruno.close(), carla.close()]);
  });
  after(async () => { if (dev) await dev.stop(); });

  for (const [lang, S, locale] of [['en', en, 'en-US'], ['es', es, 'es-ES']]) {
    for (const colorScheme of ['light', 'dark']) {
      test(`no axe violations in ${lang}, ${colorScheme}: moderation console, dialogs, staff thread, notices`, T, async () => {
        const { page, close } = await openPage(browser, { bypassCSP: true, colorScheme, locale });
        try {
          await page.goto(`${dev.url}/`);
          await page.click('.demo-user[data-user="carla"]');
          await page.locator('#moderation-link').click();
          await page.locator('.flag-item').nth(1).waitFor();
          assert.equal(await page.locator('#page-heading').textContent(), S['mod.heading']);
          let v = await runAxe(page);
          assert.deepEqual(v, [], `flag queue:\n${report(v)}`);

          await page.click('#tab-audit');
          await page.locator('#audit-rows tr').nth(2).waitFor();
          v = await runAxe(page);
          assert.deepEqual(v, [], `audit log:\n${report(v)}`);

          await page.click('#tab-mutes');
          await page.locator('.mute-item').waitFor();
          await page.click('#mute-open');
          await page.check('#mute-dialog-dur-custom');
          await page.click('#mute-dialog-submit'); // no reason: errors on the fields
          await page.locator('#mute-dialog-reason-error:not(:empty)').waitFor();
          v = await runAxe(page);
          assert.deepEqual(v, [], `mute dialog:\n${report(v)}`);
          await page.keyboard.press('Escape');

          await page.goto(`${dev.url}/#/thread/${threadId}`);
          await page.locator('article.response .badge.endorsed').waitFor();
          await page.locator('article.response .badge.hidden').waitFor();
          await page.locator('.locked-notice').waitFor();
          v = await runAxe(page);
          assert.deepEqual(v, [], `thread as staff:\n${report(v)}`);
          await page.locator('button[id^="history-post-"]').first().click();
          await page.locator('dialog .revision').nth(1).waitFor();
          v = await runAxe(page);
          assert.deepEqual(v, [], `history dialog:\n${report(v)}`);
          await page.keyboard.press('Escape');

          await page.setViewportSize({ width: 360, height: 740 });
          await page.goto(`${dev.url}/#/course/1/moderation`);
          await page.locator('.flag-item').nth(1).waitFor();
          v = await runAxe(page);
          assert.deepEqual(v, [], `flag queue, narrow:\n${report(v)}`);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
        } finally {
          await close();
        }
      });
    }
  }

  test('no axe violations: a participant with notices, a flag dialog and a hidden post', T, async () => {
    const { page, close } = await openPage(browser, { bypassCSP: true });
    try {
      await page.goto(`${dev.url}/`);
      await page.click('.demo-user[data-user="chloe"]');
      await page.goto(`${dev.url}/#/thread/${threadId}`);
      await page.locator('article.opening .post-body').waitFor();
      const carla = await signedIn(dev, 'carla');
      await carla.call('user.unmute', { course: 1, user: 'chloe' });
      await carla.call('user.mute', { course: 1, user: 'chloe', minutes: 30, reason: 'Second warning.' });
      await carla.close();
      await page.locator('#notices .notice-banner[data-kind="muted"]').waitFor();
      await page.locator('article.response .placeholder').first().waitFor();
      let v = await runAxe(page);
      assert.deepEqual(v, [], `participant thread with notices:\n${report(v)}`);
      await page.locator('button[id^="flag-post-"]').first().click();
      await page.locator('dialog[open]').waitFor();
      v = await runAxe(page);
      assert.deepEqual(v, [], `flag dialog:\n${report(v)}`);
    } finally {
      await close();
    }
  });
});
