// The bell: its accessible name counts the unread notifications and follows new ones live
// (a burst of replies is one notification); its panel lists them, marks them all read and holds
// the settings; the thread page has a mute toggle; axe finds nothing on any of it in en, es, pt.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startDaemon } from '../lib/daemon.mjs';
import { helloClient } from '../lib/helpers.mjs';
import { launchBrowser, openPage, runAxe } from './browser.mjs';
import { fill } from './forum-helpers.mjs';
import en from '../../client-js/strings/en.js';
import es from '../../client-js/strings/es.js';
import pt from '../../client-js/strings/pt.js';

const T = { timeout: 180000 };
const STRINGS = { en, es, pt };
let d, browser;
before(async () => {
  [d, browser] = await Promise.all([startDaemon(), launchBrowser()]);
});
after(async () => {
  await Promise.all([browser && browser.close(), d && d.stop()]);
});

const key = () => `k${randomBytes(12).toString('hex')}`;
const report = (violations) => violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n');

async function write(c, op, data) {
  const r = await c.request(op, { ...data, key: key() }, { timeoutMs: 20000 });
  assert.equal(r.ok, true, `${op}: ${JSON.stringify(r)}`);
  return r.data;
}

const bellName = (S, n) => (n ? fill(S[n === 1 ? 'notify.bell_unread.one' : 'notify.bell_unread.other'], { count: n }) : S['notify.bell_none']);

test('the bell counts live, the panel lists, marks all read and keeps settings; axe in en, es, pt', T, async () => {
  const course = d.course({ title: 'Bell course' });
  const roles = [`${course}:participant`];
  const { c: ana } = await helloClient(d, { user: 'ana', name: 'Ana', roles });
  const { c: bob } = await helloClient(d, { user: 'bob', name: 'Bob', roles });
  const th = await write(ana, 'thread.create', { course, kind: 'discussion', title: 'Reading list', body: 'What should we read?' });

  const { page, problems, close } = await openPage(browser, { bypassCSP: true });
  try {
    await page.goto(`${d.url}/`);
    await page.fill('#token', d.token({ user: 'ana', name: 'Ana', roles }));
    await page.click('#connect:enabled');
    await page.locator('#status-text', { hasText: en['status.online'] }).waitFor();
    const bell = page.locator('#bell');
    await bell.waitFor();
    await page.locator(`#bell[aria-label="${bellName(en, 0)}"]`).waitFor();

    // The panel with nothing in it yet, in each language.
    await bell.click();
    for (const lang of ['en', 'es', 'pt']) {
      await page.selectOption('#lang', lang);
      await page.locator('#notif-empty', { hasText: STRINGS[lang]['notify.empty'] }).waitFor();
      assert.equal(await bell.getAttribute('aria-label'), bellName(STRINGS[lang], 0));
      const v = await runAxe(page);
      assert.deepEqual(v, [], `${lang}, empty panel:\n${report(v)}`);
    }
    await page.selectOption('#lang', 'en');
    await page.locator('#notif-heading').focus();
    await page.keyboard.press('Escape');
    assert.equal(await bell.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'bell');

    // Two replies: one notification that grew, the count says 1.
    await write(bob, 'post.create', { thread: th.thread.id, body: 'Chapter one' });
    await page.locator(`#bell[aria-label="${bellName(en, 1)}"]`).waitFor();
    await write(bob, 'post.create', { thread: th.thread.id, body: 'And chapter two' });
    await bell.click();
    assert.equal(await bell.getAttribute('aria-expanded'), 'true');
    const item = page.locator('#notif-panel .notif');
    await item.filter({ hasText: fill(en['notify.reply.other'], { count: 2, title: 'Reading list' }) }).waitFor();
    assert.equal(await item.count(), 1, 'a burst is one notification');
    assert.equal(await bell.getAttribute('aria-label'), bellName(en, 1));
    // One polite summary was spoken for the burst.
    await page.locator('#announcer', { hasText: fill(en['notify.announce.one'], { count: 1 }) }).waitFor();

    for (const lang of ['en', 'es', 'pt']) {
      const S = STRINGS[lang];
      await page.selectOption('#lang', lang);
      await page.locator('#notif-heading', { hasText: S['notify.heading'] }).waitFor();
      assert.equal(await bell.getAttribute('aria-label'), bellName(S, 1));
      const v = await runAxe(page);
      assert.deepEqual(v, [], `${lang}, panel open with an unread notification:\n${report(v)}`);
    }
    await page.selectOption('#lang', 'en');

    // A second thread's reply, followed from the panel: the link leads to the post and reads it.
    const th2 = await write(ana, 'thread.create', { course, kind: 'discussion', title: 'Second', body: 'Another' });
    const r2 = await write(bob, 'post.create', { thread: th2.thread.id, body: 'Here' });
    await page.locator(`#bell[aria-label="${bellName(en, 2)}"]`).waitFor();
    await page.locator('#notif-panel .notif-link', { hasText: 'Second' }).click();
    await page.waitForURL(new RegExp(`#/thread/${th2.thread.id}\\?post=${r2.post.id}$`));
    await page.locator(`#bell[aria-label="${bellName(en, 1)}"]`).waitFor();
    await bell.click();

    // Mark all read: the bell says none, and so does the server.
    await page.click('#notif-read-all');
    await page.locator(`#bell[aria-label="${bellName(en, 0)}"]`).waitFor();
    const listed = await ana.request('notification.list', {}, { timeoutMs: 20000 });
    assert.equal(listed.data.unread, 0);
    assert.equal(listed.data.notifications[0].read, true);

    // A setting turned off in the panel is the server's setting.
    await page.uncheck('#notif-setting-reply');
    await page.locator('#announcer', { hasText: en['notify.settings_saved'] }).waitFor();
    const after = await ana.request('notification.list', {}, { timeoutMs: 20000 });
    assert.equal(after.data.settings.reply, false);

    // The thread page: a mute toggle; and axe on the page with the panel closed, in each language.
    await page.keyboard.press('Escape');
    assert.equal(await bell.getAttribute('aria-expanded'), 'false');
    await page.goto(`${d.url}/#/thread/${th.thread.id}`);
    const mute = page.locator('#mute-thread');
    await mute.waitFor();
    await mute.click();
    await page.locator('#mute-thread[aria-pressed="true"]').waitFor();
    for (const lang of ['en', 'es', 'pt']) {
      await page.selectOption('#lang', lang);
      await page.locator('#mute-thread', { hasText: STRINGS[lang]['thread.mute'] }).waitFor();
      const v = await runAxe(page);
      assert.deepEqual(v, [], `${lang}, thread page:\n${report(v)}`);
    }
    // Mention someone: the course's members are offered; Insert puts @id into the message, and
    // posting it tells them.
    const mention = page.locator(`#compose-${th.thread.id}-mention`);
    await mention.fill('Bo');
    await page.locator(`#compose-${th.thread.id}-mention-list option[value="bob"]`).waitFor({ state: 'attached' });
    await mention.fill('bob');
    await page.click(`#compose-${th.thread.id}-mention-insert`);
    const body = page.locator(`#compose-${th.thread.id}-body`);
    assert.equal(await body.inputValue(), '@bob ');
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), `compose-${th.thread.id}-body`);
    await body.type('see chapter four');
    await page.locator(`#compose-${th.thread.id} button[type="submit"]`).click();
    let told = null;
    for (let i = 0; i < 100 && !told; i++) {
      const r = await bob.request('notification.list', {}, { timeoutMs: 20000 });
      told = r.data.notifications.find((n) => n.kind === 'mention');
      if (!told) await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(told, 'bob was told of the mention');
    assert.deepEqual(told.by, { id: 'ana', name: 'Ana' });

    // Muted on the server: a reply tells nobody.
    await write(ana, 'notification.settings', { reply: true });
    await write(bob, 'post.create', { thread: th.thread.id, body: 'Chapter three' });
    const muted = await ana.request('notification.list', {}, { timeoutMs: 20000 });
    assert.equal(muted.data.unread, 0);
    assert.deepEqual(problems, []);
  } finally {
    await close();
    await ana.close();
    await bob.close();
  }
});
