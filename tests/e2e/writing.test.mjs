// Writing that can be fixed, in Chromium, in en, es and pt: the thread's author retitles it in
// place (errors shown, other readers see the new title live); the asker accepts an answer (only
// the asker sees the control, with its hint; "Accepted by the asker" and "Endorsed by staff" both
// show); the composer's Preview tab; a draft typed in one browser appears in another after a
// reload, and is gone once sent. axe-core scans each state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { launchBrowser, openPage, runAxe } from './browser.mjs';
import { demoSignIn, signedIn } from './forum-helpers.mjs';
import en from '../../client-js/strings/en.js';
import es from '../../client-js/strings/es.js';
import pt from '../../client-js/strings/pt.js';

const T = { timeout: 240000 };
const report = (violations) => violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n');
const noAxe = async (page, what) => {
  const v = await runAxe(page);
  assert.deepEqual(v, [], `${what}:\n${report(v)}`);
};

let d, browser;
before(async () => {
  // No interval between posts: the cast posts several times within seconds.
  [d, browser] = await Promise.all([startDaemon({ args: ['--dev', '--limits', 'post_interval_s=0'] }), launchBrowser()]);
});
after(async () => {
  await Promise.all([browser && browser.close(), d && d.stop()]);
});

async function openThread(page, threadId) {
  await page.goto(`${d.url}/#/thread/${threadId}`);
  await page.locator('article.opening').waitFor();
}

for (const [lang, S, locale] of [['en', en, 'en-US'], ['es', es, 'es-ES'], ['pt', pt, 'pt-BR']]) {
  test(`${lang}: title edit, accept answer, preview, drafts across two pages; no axe violations`, T, async () => {
    // ana asks; bruno answers twice; carla (staff) endorses the second answer.
    const ana = await signedIn(d, 'ana');
    const bruno = await signedIn(d, 'bruno');
    const carla = await signedIn(d, 'carla');
    let threadId, a1, a2;
    try {
      threadId = (await ana.call('thread.create', { course: 1, kind: 'question', title: `Frist question ${lang}`, body: 'How do I start?' })).thread.id;
      a1 = (await bruno.call('post.create', { thread: threadId, body: 'Start with the notes.' })).post.id;
      a2 = (await bruno.call('post.create', { thread: threadId, body: 'Or with the video.' })).post.id;
      await carla.call('post.endorse', { post: a2, endorsed: true });
    } finally {
      await carla.close();
      await ana.close();
    }

    const A = await openPage(browser, { bypassCSP: true, locale });      // ana, the asker
    const B = await openPage(browser, { bypassCSP: true, locale });      // bruno, another reader
    // Every draft.save bruno's page sends: typing must not make one per keystroke.
    const saves = [];
    B.page.on('websocket', (ws) => ws.on('framesent', (f) => {
      if (typeof f.payload === 'string' && f.payload.includes('"op":"draft.save"')) saves.push(f.payload);
    }));
    try {
      await demoSignIn(A.page, d.url, 'ana');
      await demoSignIn(B.page, d.url, 'bruno');
      await openThread(A.page, threadId);
      await openThread(B.page, threadId);
      assert.equal(await A.page.getAttribute('html', 'lang'), lang);

      // ---- title edit: the author's control; an empty title is refused in the form ----
      assert.equal(await B.page.locator('#edit-title').count(), 0, 'not the author: no Edit title');
      await A.page.click('#edit-title');
      await A.page.locator('#title-input').waitFor();
      assert.equal(await A.page.evaluate(() => document.activeElement.id), 'title-input');
      await A.page.fill('#title-input', '   ');
      await A.page.press('#title-input', 'Enter');
      await A.page.locator('#title-error', { hasText: S['compose.error.title_empty'] }).waitFor();
      assert.equal(await A.page.getAttribute('#title-input', 'aria-invalid'), 'true');
      await noAxe(A.page, 'title form with an error');
      await A.page.fill('#title-input', `First question ${lang}`);
      await A.page.click('#title-form button[type="submit"]');
      await A.page.locator('#page-heading', { hasText: `First question ${lang}` }).waitFor();
      assert.equal(await A.page.locator('#title-form').count(), 0);
      assert.equal(await A.page.evaluate(() => document.activeElement.id), 'edit-title');
      // The other reader's page follows (thread.updated).
      await B.page.locator('#page-heading', { hasText: `First question ${lang}` }).waitFor();

      // ---- staff read the titles the thread had ----
      const F = await openPage(browser, { bypassCSP: true, locale });
      try {
        await demoSignIn(F.page, d.url, 'carla');
        await openThread(F.page, threadId);
        await F.page.click('#title-history');
        await F.page.locator('#titles .revision').nth(1).waitFor();
        assert.deepEqual(await F.page.locator('#titles .revision-title').allTextContents(),
          [`Frist question ${lang}`, `First question ${lang}`]);
        await noAxe(F.page, 'title history');
        await F.page.keyboard.press('Escape');
        await F.page.locator('#titles').waitFor({ state: 'detached' });
        assert.equal(await F.page.evaluate(() => document.activeElement.id), 'title-history');
        assert.deepEqual(F.problems, []);
      } finally {
        await F.close();
      }
      assert.equal(await B.page.locator('#title-history').count(), 0, 'title history is for staff');

      // ---- accept: the asker's control with its hint; another reader has none ----
      const accept = A.page.locator(`#accept-post-${a1}`);
      await accept.waitFor();
      assert.equal(await accept.textContent(), S['post.accept']);
      assert.equal(await accept.getAttribute('aria-pressed'), 'false');
      const hintId = await accept.getAttribute('aria-describedby');
      assert.equal(await A.page.locator(`#${hintId}`).textContent(), S['post.accept_hint']);
      assert.equal(await B.page.locator('button.accept').count(), 0, 'only the asker may accept');
      await noAxe(A.page, 'accept control');
      await accept.click();
      await A.page.locator(`#post-${a1} .badge.accepted`, { hasText: S['post.accepted'] }).waitFor();
      assert.equal(await A.page.getAttribute(`#accept-post-${a1}`, 'aria-pressed'), 'true');
      assert.equal(await A.page.textContent(`#accept-post-${a1}`), S['post.unaccept']);
      await A.page.locator('.badges .badge.answered').waitFor();
      // Moving the mark to the endorsed answer: both badges on it, none left on the first.
      await A.page.click(`#accept-post-${a2}`);
      await A.page.locator(`#post-${a2} .badge.accepted`).waitFor();
      await A.page.locator(`#post-${a1} .badge.accepted`).waitFor({ state: 'detached' });
      assert.equal(await A.page.textContent(`#post-${a2} .badge.endorsed`), S['post.endorsed']);
      // The other reader sees both marks live.
      await B.page.locator(`#post-${a2} .badge.accepted`, { hasText: S['post.accepted'] }).waitFor();
      await B.page.locator(`#post-${a1} .badge.accepted`).waitFor({ state: 'detached' });
      assert.equal(await B.page.textContent(`#post-${a2} .badge.endorsed`), S['post.endorsed']);
      await noAxe(A.page, 'accepted and endorsed');
      await noAxe(B.page, 'accepted and endorsed, as another reader');

      // ---- preview ----
      await B.page.click(`#compose-${threadId}-tab-preview`);
      await B.page.locator(`#compose-${threadId}-preview .placeholder`).waitFor();
      await B.page.click(`#compose-${threadId}-tab-write`);

      // ---- drafts: typed in B, read back in another browser context (C) after a reload ----
      const C = await openPage(browser, { bypassCSP: true, locale });
      try {
        await demoSignIn(C.page, d.url, 'bruno');
        await openThread(C.page, threadId);
        const text = `A **draft** typed in one page (${lang})`;
        await B.page.locator(`#compose-${threadId}-body`).pressSequentially(text, { delay: 20 });
        await B.page.click(`#compose-${threadId}-tab-preview`);
        await B.page.locator(`#compose-${threadId}-preview strong`, { hasText: 'draft' }).waitFor();
        await noAxe(B.page, 'preview');
        await B.page.click(`#compose-${threadId}-tab-write`);
        // Saved on the server once typing has stopped: C finds it after a reload.
        const body = C.page.locator(`#compose-${threadId}-body`);
        for (let i = 0; ; i++) {
          await C.page.reload();
          await body.waitFor();
          await C.page.waitForTimeout(500);
          if ((await body.inputValue()) === text) break;
          assert.ok(i < 30, 'the draft never reached the other page');
        }
        await C.page.locator(`#compose-${threadId}-status`, { hasText: S['compose.draft_restored'] }).waitFor();
        assert.ok(saves.length >= 1 && saves.length <= 3, `${text.length} keystrokes made ${saves.length} draft.save writes`);
        await noAxe(C.page, 'restored draft');

        // Sent from C: the server's draft is gone.
        await C.page.click(`#compose-${threadId} button[type="submit"]`);
        await C.page.locator('article.response', { hasText: 'typed in one page' }).waitFor();
        const probe = await signedIn(d, 'bruno');
        try {
          for (let i = 0; ; i++) {
            const r = await probe.call('draft.get', { thread: threadId }, { write: false });
            if (r.draft === null) break;
            assert.ok(i < 50, 'the draft outlived the post');
            await new Promise((res) => setTimeout(res, 200));
          }
        } finally {
          await probe.close();
        }
        assert.deepEqual(C.problems, []);
      } finally {
        await C.close();
      }
      assert.deepEqual(A.problems, []);
      assert.deepEqual(B.problems, []);
    } finally {
      await A.close();
      await B.close();
      await bruno.close();
    }
  });
}
