// Moderation in real Chromium against the real daemon (--dev: the demo cast): Carla, the
// facilitator, and Ana, a participant, in two browser contexts. Carla hides Ana's post and
// Ana sees the placeholder and a notice live; Ana flags Bruno's post and it reaches Carla's
// flag queue live; Carla dismisses it, mutes Ana, reads the audit log, restores, endorses and
// locks, and Ana sees each of these without reloading. Dialogs work from the keyboard.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { launchBrowser, openPage } from './browser.mjs';
import { seedThread, demoSignIn, signedIn, openingPostId, fill } from './forum-helpers.mjs';
import en from '../../client-js/strings/en.js';
import es from '../../client-js/strings/es.js';

const T = { timeout: 240000 };

let d, browser;
before(async () => {
  [d, browser] = await Promise.all([startDaemon({ args: ['--dev'] }), launchBrowser()]);
});
after(async () => {
  await Promise.all([browser && browser.close(), d && d.stop()]);
});

// The text of a template before its first placeholder: enough to recognise a sentence whose
// placeholder is a localised date.
const lead = (s) => s.split('{')[0];
const focusedId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

async function openThread(page, threadId) {
  await page.goto(`${d.url}/#/thread/${threadId}`);
  await page.locator('article.opening .post-body').waitFor();
}

async function openConsole(page) {
  await page.goto(`${d.url}/#/course/1`);
  await page.locator('#moderation-link').click();
  await page.waitForURL(/#\/course\/1\/moderation$/);
  await page.locator('#flags-count').filter({ hasText: /\d/ }).waitFor();
}

describe('moderation', () => {
  test('hide, flag, dismiss, mute, audit, restore, endorse and lock, seen live on both sides', T, async () => {
    const A = await openPage(browser);   // Ana, participant
    const C = await openPage(browser);   // Carla, facilitator
    const C2 = await openPage(browser);  // Carla again, on the console
    try {
      const title = `Citing sources ${Date.now()}`;
      const threadId = await seedThread(d, 'bruno', { kind: 'question', title, body: 'Do we need APA style for the essay?' });
      await demoSignIn(A.page, d.url, 'ana');
      await demoSignIn(C.page, d.url, 'carla');
      await demoSignIn(C2.page, d.url, 'carla');
      // Participants get no way into the console; staff do.
      assert.equal(await A.page.locator('#moderation-link').count(), 0);
      await openConsole(C2.page);
      await C2.page.locator('#flags-empty', { hasText: en['mod.flags_empty'] }).waitFor();

      await openThread(A.page, threadId);
      await openThread(C.page, threadId);
      const openingId = await openingPostId(A.page);
      // Staff moderate, participants flag; nobody flags their own post.
      assert.equal(await C.page.locator(`#flag-post-${openingId}`).count(), 0);
      await C.page.locator(`#hide-post-${openingId}`).waitFor();
      await C.page.locator('#lock-thread', { hasText: en['mod.lock'] }).waitFor();
      assert.equal(await A.page.locator('#lock-thread').count(), 0);
      assert.equal(await A.page.locator(`#hide-post-${openingId}`).count(), 0);

      // Ana answers, then edits her answer.
      await A.page.fill(`#compose-${threadId}-body`, 'Copied straight from the style guide.');
      await A.page.click(`#compose-${threadId} button[type="submit"]`);
      const mine = A.page.locator('article.response.mine');
      await mine.waitFor();
      const postId = Number(await mine.getAttribute('data-post'));
      await A.page.click(`#edit-${postId}`);
      await A.page.fill(`#edit-post-${postId}-body`, 'APA, 7th edition, as the syllabus says.');
      await A.page.click(`#edit-post-${postId} button[type="submit"]`);
      await C.page.locator(`#post-${postId} .post-body`, { hasText: '7th edition' }).waitFor();

      // Carla reads the edit history in a dialog: both versions; Escape closes it and focus
      // goes back to the History button.
      await C.page.click(`#history-post-${postId}`);
      const history = C.page.locator(`#history-${postId}`);
      await history.locator('.revision').nth(1).waitFor();
      assert.ok((await history.textContent()).includes('Copied straight from the style guide.'));
      assert.ok((await history.textContent()).includes('7th edition'));
      await C.page.keyboard.press('Escape');
      await history.waitFor({ state: 'detached' });
      assert.equal(await focusedId(C.page), `history-post-${postId}`);

      // Carla hides it with a reason, from the keyboard: the dialog opens on the reason field,
      // an empty reason is refused, Tab stays inside the dialog.
      await C.page.focus(`#hide-post-${postId}`);
      await C.page.keyboard.press('Enter');
      const hide = C.page.locator(`#hide-${postId}`);
      await hide.waitFor();
      assert.equal(await focusedId(C.page), `hide-${postId}-reason`);
      await C.page.click(`#hide-${postId}-submit`);
      await hide.locator('.field-error', { hasText: en['mod.error.reason_empty'] }).waitFor();
      for (let i = 0; i < 8; i++) {
        await C.page.keyboard.press('Tab');
        assert.equal(await C.page.evaluate((id) => document.getElementById(id).contains(document.activeElement), `hide-${postId}`), true,
                     'focus left the dialog');
      }
      await C.page.fill(`#hide-${postId}-reason`, 'Please cite rather than copy.');
      await C.page.click(`#hide-${postId}-submit`);
      await hide.waitFor({ state: 'detached' });
      await C.page.locator(`#post-${postId} .badge.hidden`).waitFor();
      await C.page.locator(`#restore-post-${postId}`).waitFor();
      assert.equal(await focusedId(C.page), `restore-post-${postId}`);

      // Ana sees the placeholder without reloading, and a notice with the reason.
      await A.page.locator(`#post-${postId} .placeholder`, { hasText: en['post.hidden'] }).waitFor();
      assert.equal(await A.page.locator(`#post-${postId} .post-body`).count(), 0);
      const hiddenNotice = A.page.locator('#notices .notice-banner[data-kind="post_hidden"]');
      await hiddenNotice.waitFor();
      assert.ok((await hiddenNotice.textContent()).includes('Please cite rather than copy.'));
      await A.page.locator('#announcer', { hasText: lead(en['notice.post_hidden']) }).waitFor();

      // Ana flags Bruno's opening post; it shows up in Carla's queue live, with the post's
      // text, the thread, who flagged it and why.
      await A.page.click(`#flag-post-${openingId}`);
      const flagDialog = A.page.locator(`#flag-${openingId}`);
      await flagDialog.waitFor();
      await A.page.fill(`#flag-${openingId}-reason`, 'Looks like a homework answer request.');
      await A.page.click(`#flag-${openingId}-submit`);
      await flagDialog.waitFor({ state: 'detached' });
      await A.page.locator(`#flagged-post-${openingId}`, { hasText: en['mod.flagged'] }).waitFor();

      const item = C2.page.locator('.flag-item', { hasText: 'Looks like a homework answer request.' });
      await item.waitFor();
      const itemText = await item.textContent();
      assert.ok(itemText.includes('Do we need APA style for the essay?'), itemText);
      assert.ok(itemText.includes(title), itemText);
      assert.ok(itemText.includes(fill(en['mod.flagged_by'], { name: 'Ana García' })), itemText);
      assert.equal(await item.locator('.flag-title a').getAttribute('href'), `#/thread/${threadId}`);
      await C2.page.locator('#tab-flags .count-pill', { hasText: '1' }).waitFor();
      await C2.page.locator('#announcer', { hasText: fill(en['announce.flag'], { title }) }).waitFor();

      // Carla dismisses it: it leaves the queue.
      await item.locator('button', { hasText: en['mod.dismiss'] }).click();
      await item.waitFor({ state: 'detached' });
      await C2.page.locator('#flags-empty').waitFor();

      // Carla mutes Ana for an hour from the Mutes tab (arrow keys move between the tabs).
      await C2.page.focus('#tab-flags');
      await C2.page.keyboard.press('ArrowRight');
      await C2.page.keyboard.press('ArrowRight');
      assert.equal(await focusedId(C2.page), 'tab-mutes');
      assert.equal(await C2.page.locator('#panel-mutes').isVisible(), true);
      await C2.page.click('#mute-open');
      const mute = C2.page.locator('#mute-dialog');
      await mute.waitFor();
      await C2.page.selectOption('#mute-dialog-person', 'ana');
      assert.equal(await C2.page.isChecked('#mute-dialog-dur-60'), true);
      await C2.page.fill('#mute-dialog-reason', 'Cool down for an hour, please.');
      await C2.page.click('#mute-dialog-submit');
      await mute.waitFor({ state: 'detached' });
      assert.equal(await focusedId(C2.page), 'mute-open');
      const muted = C2.page.locator('.mute-item[data-user="ana"]');
      await muted.waitFor();
      assert.ok((await muted.textContent()).includes('Cool down for an hour, please.'));

      // Ana is told, with the end time, and her next post is refused with that time.
      const muteNotice = A.page.locator('#notices .notice-banner[data-kind="muted"]');
      await muteNotice.waitFor();
      const noticeText = await muteNotice.textContent();
      assert.ok(noticeText.startsWith(lead(en['notice.muted'])), noticeText);
      assert.ok(noticeText.includes('Leading Remote Teams'), noticeText);
      assert.match(noticeText, /\d/);
      assert.ok(noticeText.includes('Cool down for an hour, please.'), noticeText);
      await A.page.fill(`#compose-${threadId}-body`, 'Can I still post?');
      await A.page.click(`#compose-${threadId} button[type="submit"]`);
      await A.page.locator(`#compose-${threadId}-error`, { hasText: lead(en['error.muted_until']) }).waitFor();
      assert.match(await A.page.locator(`#compose-${threadId}-error`).textContent(), /\d/);

      // The audit log lists what Carla did, newest first, and filters by action.
      await C2.page.click('#tab-audit');
      for (const action of ['post.hide', 'flag.dismiss', 'user.mute']) {
        await C2.page.locator(`#audit-rows tr[data-action="${action}"]`).first().waitFor();
      }
      const actions = await C2.page.locator('#audit-rows tr').evaluateAll((rows) => rows.map((r) => r.dataset.action));
      assert.deepEqual(actions.slice(0, 3), ['user.mute', 'flag.dismiss', 'post.hide']);
      assert.ok((await C2.page.locator('#audit-rows tr[data-action="post.hide"]').textContent()).includes('Please cite rather than copy.'));
      await C2.page.selectOption('#audit-filter', 'user.mute');
      await C2.page.locator('#audit-rows tr[data-action="post.hide"]').waitFor({ state: 'detached' });
      await C2.page.locator('#audit-rows tr[data-action="user.mute"]').waitFor();
      await C2.page.selectOption('#audit-filter', '');
      await C2.page.locator('#audit-rows tr[data-action="post.hide"]').waitFor();

      // Unmute: Ana is told she can post again; the audit log gets the entry live.
      await C2.page.click('#tab-mutes');
      await muted.locator('button', { hasText: en['mod.unmute'] }).click();
      await muted.waitFor({ state: 'detached' });
      await A.page.locator('#notices .notice-banner[data-kind="unmuted"]').waitFor();
      assert.equal(await A.page.locator('#notices .notice-banner[data-kind="muted"]').count(), 0);
      await C2.page.click('#tab-audit');
      await C2.page.locator('#audit-rows tr[data-action="user.unmute"]').waitFor();

      // Restore, then endorse: Ana sees her text come back and the badge appear, live.
      await C.page.click(`#restore-post-${postId}`);
      await A.page.locator(`#post-${postId} .post-body`, { hasText: '7th edition' }).waitFor();
      await C.page.click(`#endorse-post-${postId}`);
      await C.page.locator(`#endorse-post-${postId}[aria-pressed="true"]`).waitFor();
      await A.page.locator(`#post-${postId} .badge.endorsed`, { hasText: en['post.endorsed'] }).waitFor();

      // Lock: Ana's answer box goes away and the locked notice shows, live; unlock brings it back.
      await C.page.click('#lock-thread');
      await C.page.locator('#lock-thread', { hasText: en['mod.unlock'] }).waitFor();
      await A.page.locator('.locked-notice', { hasText: en['thread.locked_notice'] }).waitFor();
      assert.equal(await A.page.locator(`#compose-${threadId}`).count(), 0);
      assert.equal(await A.page.locator(`#reply-to-${postId}`).count(), 0);
      await C.page.locator('.locked-notice', { hasText: en['thread.locked_staff'] }).waitFor();
      await C.page.click('#lock-thread');
      await A.page.locator(`#compose-${threadId}`).waitFor();
      await C2.page.locator('#audit-rows tr[data-action="thread.unlock"]').waitFor();

      // Pin: the badge shows for Ana too.
      await C.page.click('#pin-thread');
      await A.page.locator('.page-head .badge.pinned').waitFor();

      assert.deepEqual(A.problems, []);
      assert.deepEqual(C.problems, []);
      assert.deepEqual(C2.problems, []);
    } finally {
      await Promise.all([A.close(), C.close(), C2.close()]);
    }
  });

  test('remove from the queue with a reason; an anonymous author is named for staff only', T, async () => {
    const A = await openPage(browser);
    const C = await openPage(browser);
    try {
      const threadId = await seedThread(d, 'chloe', { title: `Anonymous rant ${Date.now()}`, body: 'This course is a waste of time!!!', anonymous: true });
      const ana = await signedIn(d, 'ana');
      const snap = await ana.call('subscribe', { room: `thread:${threadId}` }, { write: false });
      const opening = snap.posts.find((p) => p.first);
      await ana.call('post.flag', { post: opening.id, reason: 'Rude and off topic.' });
      await ana.close();

      await demoSignIn(C.page, d.url, 'carla');
      await openConsole(C.page);
      const item = C.page.locator('.flag-item', { hasText: 'Rude and off topic.' });
      await item.waitFor();
      assert.ok((await item.textContent()).includes('Chloé Martin'), await item.textContent());
      await item.locator('.anon-marker', { hasText: en['mod.anonymous_to_classmates'] }).waitFor();

      await demoSignIn(A.page, d.url, 'ana');
      await openThread(A.page, threadId);
      assert.equal(await A.page.locator('article.opening .author').textContent(), en['post.anonymous']);

      // Remove asks for a reason and says it cannot be undone; the item leaves the queue.
      await item.locator('button', { hasText: en['mod.remove'] }).click();
      const dlg = C.page.locator(`#remove-${opening.id}`);
      await dlg.waitFor();
      assert.ok((await dlg.textContent()).includes(en['mod.remove_intro_thread']));
      await C.page.fill(`#remove-${opening.id}-reason`, 'Not a constructive post.');
      await C.page.click(`#remove-${opening.id}-submit`);
      await item.waitFor({ state: 'detached' });
      await C.page.locator('#flags-empty').waitFor();
      // The opening post went, so the thread went: Ana's page says so.
      await A.page.locator('.notice', { hasText: en['thread.deleted'] }).waitFor();
      await C.page.click('#tab-audit');
      await C.page.locator('#audit-rows tr[data-action="post.remove"]', { hasText: 'Not a constructive post.' }).waitFor();
      assert.deepEqual(C.problems, []);
      assert.deepEqual(A.problems, []);
    } finally {
      await Promise.all([A.close(), C.close()]);
    }
  });

  test('the snapshot says what is yours: your anonymous post, your votes, what you follow', T, async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      // Chloé, who nobody muted in the tests above.
      const threadId = await seedThread(d, 'chloe', { title: `Asking anonymously ${Date.now()}`, body: 'Is it fine to be late?', anonymous: true });
      const bruno = await signedIn(d, 'bruno');
      const r = await bruno.call('post.create', { thread: threadId, body: 'Yes, just say so.', anonymous: false });
      await bruno.close();
      const chloe = await signedIn(d, 'chloe');
      await chloe.call('post.vote', { post: r.post.id, up: true });
      await chloe.close();

      // A fresh browser context: nothing of Chloé's is stored in it.
      await demoSignIn(page, d.url, 'chloe');
      await openThread(page, threadId);
      const opening = page.locator('article.opening');
      await opening.locator('.you', { hasText: en['post.you_anonymous'] }).waitFor();
      assert.equal(await opening.locator('.author').textContent(), 'Chloé Martin');
      await page.locator(`#edit-${await openingPostId(page)}`).waitFor();
      await page.locator(`#post-${r.post.id} button.vote[aria-pressed="true"]`).waitFor();
      assert.equal(await page.getAttribute('#follow', 'aria-pressed'), 'true');
      assert.equal(await page.locator(`#flag-post-${await openingPostId(page)}`).count(), 0);
      await page.locator(`#flag-post-${r.post.id}`).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('a participant who opens the console is told it is for staff; the console speaks Spanish', T, async () => {
    const A = await openPage(browser);
    const C = await openPage(browser, { locale: 'es-ES' });
    try {
      await demoSignIn(A.page, d.url, 'ana');
      await A.page.goto(`${d.url}/#/course/1/moderation`);
      await A.page.locator('.notice', { hasText: en['mod.staff_only'] }).waitFor();

      await demoSignIn(C.page, d.url, 'carla');
      await openConsole(C.page);
      assert.equal(await C.page.locator('#page-heading').textContent(), es['mod.heading']);
      assert.equal(await C.page.locator('#tab-audit').textContent(), es['mod.tab.audit']);
      await C.page.click('#tab-mutes');
      await C.page.click('#mute-open');
      await C.page.locator('#mute-dialog legend', { hasText: es['mod.mute_duration'] }).waitFor();
      // A custom length out of range is refused in Spanish, on the field.
      await C.page.check('#mute-dialog-dur-custom');
      await C.page.fill('#mute-dialog-minutes', '0');
      await C.page.selectOption('#mute-dialog-person', '').catch(() => {});
      await C.page.fill('#mute-dialog-other', 'ana');
      await C.page.fill('#mute-dialog-reason', 'Prueba');
      await C.page.click('#mute-dialog-submit');
      await C.page.locator('#mute-dialog-minutes-error', { hasText: lead(es['mod.error.minutes']) }).waitFor();
      await C.page.keyboard.press('Escape');
      await C.page.locator('#mute-dialog').waitFor({ state: 'detached' });
      assert.equal(await focusedId(C.page), 'mute-open');
      assert.deepEqual(A.problems, []);
      assert.deepEqual(C.problems, []);
    } finally {
      await Promise.all([A.close(), C.close()]);
    }
  });
});
