// Live webinar Q&A in real Chromium against the real daemon (--dev: demo course 1 with ana,
// bruno and chloe as participants, carla as facilitator and diego as instructor): the
// participant page and the presenter view side by side, premoderation, the presenter's
// keyboard shortcuts (off until turned on, and only while the queue has focus), the export
// and the move to the forum, and axe-core on both pages with their data loaded.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startDaemon } from '../lib/daemon.mjs';
import { launchBrowser, openPage, runAxe } from './browser.mjs';
import { demoSignIn, signedIn, fill } from './forum-helpers.mjs';
import en from '../../client-js/strings/en.js';
import es from '../../client-js/strings/es.js';

const T = { timeout: 180000 };

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { if (browser) await browser.close(); });

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const report = (violations) => violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n');

// A live session started over the wire by diego; resolves with its id.
async function liveSession(d, { title = 'Office hours', premoderated = false } = {}) {
  const diego = await signedIn(d, 'diego');
  try {
    const { session } = await diego.call('session.create', { course: 1, title, starts_at: inAnHour(), premoderated });
    await diego.call('session.start', { session: session.id });
    return session.id;
  } finally {
    await diego.close();
  }
}

// Signs a demo user in and opens a page of the app (the hash route) without a reload.
async function openAs(page, d, user, hash) {
  await demoSignIn(page, d.url, user);
  await page.evaluate((h) => { location.hash = h; }, hash);
}

const questionId = async (locator) => Number(await locator.getAttribute('data-question'));

describe('live Q&A', () => {
  test('participant page and presenter view side by side: ask, vote, highlight, answer', T, async () => {
    const d = await startDaemon({ args: ['--dev'] });
    const D = await openPage(browser);
    const A = await openPage(browser);
    const B = await openPage(browser);
    try {
      // diego schedules a session from the board and starts it.
      await demoSignIn(D.page, d.url, 'diego');
      await D.page.locator('#live-sessions .empty').waitFor();
      await D.page.click('#schedule-toggle');
      assert.equal(await D.page.evaluate(() => document.activeElement.id), 'session-title');
      await D.page.fill('#session-title', 'Week 3: feedback across time zones');
      await D.page.click('#session-submit');
      const item = D.page.locator('.session-item', { hasText: 'Week 3: feedback across time zones' });
      await item.locator('.badge', { hasText: en['sessions.state.scheduled'] }).waitFor();
      const sessionId = Number(await item.getAttribute('data-session'));
      await D.page.click(`#session-${sessionId}-start`);
      await item.locator('.badge', { hasText: en['sessions.state.live'] }).waitFor();
      await D.page.click(`#session-${sessionId}-present`);
      await D.page.locator('#present-queue-heading').waitFor();
      await D.page.locator('.presenter .present-none', { hasText: en['present.queue_empty'] }).waitFor();

      // ana finds it live on her board and joins.
      await demoSignIn(A.page, d.url, 'ana');
      await A.page.click(`#session-${sessionId}-join`);
      await A.page.locator('#live-ask-body').waitFor();
      const body = 'How do you give feedback to someone nine hours ahead?';
      await A.page.fill('#live-ask-body', body);
      assert.equal(await A.page.textContent('#live-ask-count'), fill(en['live.char_count'], { count: [...body].length, max: 300 }));
      await A.page.click('#live-ask-submit');
      await A.page.locator('#live-ask-status', { hasText: en['live.asked'] }).waitFor();
      const mine = A.page.locator('.live-questions .question-item', { hasText: body });
      await mine.waitFor();
      const qid = await questionId(mine);
      // Your own question: no vote button, but Edit and Withdraw.
      assert.equal(await mine.locator('button.vote').count(), 0);
      await mine.locator(`#edit-${qid}`).waitFor();
      await mine.locator(`#withdraw-${qid}`).waitFor();

      // It shows up in diego's queue without a reload.
      const queued = D.page.locator(`#pq-${qid}`);
      await queued.locator('.queue-body', { hasText: body }).waitFor();

      // bruno votes; the count moves on ana's page and in the presenter view.
      await openAs(B.page, d, 'bruno', `#/session/${sessionId}`);
      const vote = B.page.locator(`#vote-${qid}`);
      await vote.waitFor();
      assert.equal(await vote.getAttribute('aria-pressed'), 'false');
      assert.equal(await vote.getAttribute('aria-label'), fill(en['live.vote_label'], { votes: fill(en['count.votes.other'], { count: 0 }) }));
      await vote.click();
      await B.page.locator(`#vote-${qid}[aria-pressed="true"]`).waitFor();
      assert.equal(await vote.getAttribute('aria-label'), fill(en['live.vote_label'], { votes: fill(en['count.votes.one'], { count: 1 }) }));
      await A.page.locator(`#q-${qid} .vote-static .count`, { hasText: '1' }).waitFor();
      await queued.locator('.queue-votes .count', { hasText: '1' }).waitFor();
      // Voting again takes the vote back.
      await vote.click();
      await B.page.locator(`#vote-${qid}[aria-pressed="false"]`).waitFor();
      await queued.locator('.queue-votes .count', { hasText: '0' }).waitFor();
      await vote.click();
      await queued.locator('.queue-votes .count', { hasText: '1' }).waitFor();

      // diego highlights it: ana sees "Now answering" live.
      await D.page.click(`#highlight-${qid}`);
      await D.page.locator('#present-now .now-body', { hasText: body }).waitFor();
      const now = A.page.locator('#now-answering');
      await now.locator('.now-label', { hasText: en['live.now_answering'] }).waitFor();
      await now.locator('.now-body', { hasText: body }).waitFor();
      await B.page.locator('#now-answering .now-body', { hasText: body }).waitFor();
      // ...and the polite live region tells it, once.
      const said = fill(en['live.announce.answering'], { body });
      await A.page.waitForFunction((text) => document.getElementById('announcer').textContent.includes(text), said, { timeout: 8000 })
        .catch(async (e) => { throw new Error(`${e.message}; announcer: ${await A.page.textContent('#announcer')}`); });

      // diego marks it answered with a short answer: it moves to ana's Answered section.
      await D.page.click(`#now-answer-open-${qid}`);
      assert.equal(await D.page.evaluate(() => document.activeElement.id), `now-answer-${qid}`);
      await D.page.fill(`#now-answer-${qid}`, 'Record a short video and reply in writing.');
      await D.page.click(`#now-answer-save-${qid}`);
      const answered = A.page.locator(`.live-answered #q-${qid}`);
      await answered.locator('.answer-body', { hasText: 'Record a short video' }).waitFor();
      await now.waitFor({ state: 'detached' });
      assert.equal(await A.page.locator(`.live-questions #q-${qid}`).count(), 0);
      await D.page.locator(`#pa-${qid}`).waitFor();
      assert.equal(await D.page.locator(`#pq-${qid}`).count(), 0);
      // ana is told in her own notices.
      await A.page.locator('#notices .notice-banner', { hasText: fill(en['notice.question_answered'], { course: 'Leading Remote Teams (demo)' }) }).waitFor();

      // The export downloads with the token (never in the address), names included on request.
      await D.page.check('#export-names');
      const [download] = await Promise.all([D.page.waitForEvent('download'), D.page.click('#export-json')]);
      const exported = await readFile(await download.path(), 'utf8');
      assert.match(exported, /nine hours ahead/);
      assert.match(exported, /Ana/);
      await D.page.locator('#export-status', { hasText: fill(en['present.export_done'], { format: 'JSON' }) }).waitFor();

      // A second question, left unanswered, goes to the forum after a confirmation.
      await A.page.fill('#live-ask-body', 'Which tools do you use for async stand-ups?');
      await A.page.click('#live-ask-submit');
      await D.page.locator('#present-queue .queue-body', { hasText: 'async stand-ups' }).waitFor();
      await D.page.click('#bridge-open');
      await D.page.locator('#bridge-q', { hasText: fill(en['present.bridge_confirm.one'], { count: 1 }) }).waitFor();
      await D.page.click('#bridge-yes');
      const link = D.page.locator('#bridge-result a', { hasText: 'async stand-ups' });
      await link.waitFor();
      assert.match(await link.getAttribute('href'), /^#\/thread\/\d+$/);

      for (const P of [D, A, B]) assert.deepEqual(P.problems, []);
    } finally {
      await Promise.all([D.close(), A.close(), B.close()]);
      await d.stop();
    }
  });

  test('premoderated: a question stays hidden from others until a facilitator approves it', T, async () => {
    const d = await startDaemon({ args: ['--dev'] });
    const C = await openPage(browser);
    const F = await openPage(browser);
    const B = await openPage(browser);
    try {
      const sessionId = await liveSession(d, { title: 'Reviewed Q&A', premoderated: true });
      await openAs(F.page, d, 'carla', `#/session/${sessionId}/present`);
      await F.page.locator('#present-pending-heading').waitFor();
      await openAs(B.page, d, 'bruno', `#/session/${sessionId}`);
      await B.page.locator('.live-questions .empty').waitFor();
      await openAs(C.page, d, 'chloe', `#/session/${sessionId}`);
      await C.page.locator('#live-premod-note', { hasText: en['live.premod_note'] }).waitFor();

      const body = 'Is it ok to share my screen wiht the client?';
      await C.page.fill('#live-ask-body', body);
      await C.page.check('#live-ask-anon');
      await C.page.click('#live-ask-submit');
      await C.page.locator('#live-ask-status', { hasText: en['live.asked_pending'] }).waitFor();
      const own = C.page.locator('.live-questions .question-item', { hasText: body });
      await own.locator('.badge', { hasText: en['live.badge.pending'] }).waitFor();
      const qid = await questionId(own);

      // carla sees it waiting; bruno does not see it at all.
      const pending = F.page.locator(`#pp-${qid}`);
      await pending.locator('.queue-body', { hasText: body }).waitFor();
      // Anonymous on the shared screen too, but marked as asked anonymously.
      await pending.locator('.question-meta', { hasText: en['live.badge.anonymous'] }).waitFor();
      assert.doesNotMatch(await F.page.textContent('.presenter'), /Chloé/);
      await B.page.waitForTimeout(500);
      assert.equal(await B.page.locator('.question-item').count(), 0);
      assert.doesNotMatch(await B.page.textContent('#view-forum'), /share my screen/);

      // carla fixes the typo and approves: bruno sees the fixed text, anonymous.
      await F.page.fill(`#approve-body-${qid}`, 'Is it ok to share my screen with the client?');
      await F.page.click(`#approve-${qid}`);
      await F.page.locator(`#pq-${qid} .queue-body`, { hasText: 'with the client' }).waitFor();
      assert.equal(await F.page.locator(`#pp-${qid}`).count(), 0);
      const seen = B.page.locator(`#q-${qid}`);
      await seen.locator('.question-body', { hasText: 'with the client' }).waitFor();
      assert.equal(await seen.locator('.question-meta .who').textContent(), en['live.anonymous']);
      await C.page.locator(`#q-${qid} .question-body`, { hasText: 'with the client' }).waitFor();
      assert.equal(await C.page.locator(`#q-${qid} .badge`, { hasText: en['live.badge.pending'] }).count(), 0);

      // A second one is dismissed with a reason: chloe is told, bruno never sees it.
      await C.page.fill('#live-ask-body', 'Off-topic: where is the parking?');
      await C.page.click('#live-ask-submit');
      const second = F.page.locator('.pending-item', { hasText: 'parking' });
      await second.waitFor();
      const q2 = await questionId(second);
      await F.page.click(`#pending-dismiss-open-${q2}`);
      await F.page.fill(`#pending-reason-${q2}`, 'Please ask the venue team.');
      await F.page.click(`#pending-dismiss-save-${q2}`);
      await second.waitFor({ state: 'detached' });
      await C.page.locator('#notices .notice-banner', { hasText: 'Please ask the venue team.' }).waitFor();
      await C.page.locator(`#q-${q2} .badge`, { hasText: en['live.badge.dismissed'] }).waitFor();
      assert.equal(await B.page.locator(`#q-${q2}`).count(), 0);

      for (const P of [C, F, B]) assert.deepEqual(P.problems, []);
    } finally {
      await Promise.all([C.close(), F.close(), B.close()]);
      await d.stop();
    }
  });

  test('presenter shortcuts: off until turned on, and only while the queue has focus', T, async () => {
    const d = await startDaemon({ args: ['--dev'] });
    const D = await openPage(browser);
    try {
      const sessionId = await liveSession(d);
      const ids = [];
      for (const [user, body, voters] of [['ana', 'First: most votes', ['bruno', 'chloe']], ['bruno', 'Second: one vote', ['ana']], ['chloe', 'Third: no votes', []]]) {
        const c = await signedIn(d, user);
        const { question } = await c.call('question.ask', { session: sessionId, body });
        ids.push(question.id);
        await c.close();
        for (const v of voters) {
          const cv = await signedIn(d, v);
          await cv.call('question.vote', { question: question.id, up: true });
          await cv.close();
        }
      }
      await openAs(D.page, d, 'diego', `#/session/${sessionId}/present`);
      await D.page.locator(`#pq-${ids[2]}`).waitFor();
      // Sorted by votes.
      assert.deepEqual(await D.page.locator('#present-queue > li').evaluateAll((n) => n.map((x) => Number(x.dataset.question))), ids);

      const toggle = D.page.locator('#present-shortcuts');
      assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
      await D.page.focus(`#pq-${ids[0]}`);
      await D.page.keyboard.press('j');
      await D.page.keyboard.press('a');
      await D.page.waitForTimeout(300);
      assert.equal(await D.page.evaluate(() => document.activeElement.id), `pq-${ids[0]}`, 'j moved focus while shortcuts were off');
      assert.equal(await D.page.locator('#present-answered-heading').count(), 0, 'a marked answered while shortcuts were off');

      await toggle.click();
      assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
      await D.page.locator('#present-shortcuts-help', { hasText: en['present.shortcuts_help_on'] }).waitFor();
      // Keys typed outside the queue do nothing.
      await D.page.focus('#present-shortcuts');
      await D.page.keyboard.press('a');
      await D.page.waitForTimeout(200);
      assert.equal(await D.page.locator('#present-answered-heading').count(), 0);

      await D.page.focus(`#pq-${ids[0]}`);
      await D.page.keyboard.press('j');
      assert.equal(await D.page.evaluate(() => document.activeElement.id), `pq-${ids[1]}`);
      await D.page.keyboard.press('ArrowDown');
      assert.equal(await D.page.evaluate(() => document.activeElement.id), `pq-${ids[2]}`);
      await D.page.keyboard.press('k');
      assert.equal(await D.page.evaluate(() => document.activeElement.id), `pq-${ids[1]}`);
      // Only the focused question is in the tab order (a roving tab stop).
      assert.deepEqual(await D.page.locator('#present-queue > li').evaluateAll((n) => n.map((x) => x.tabIndex)), [-1, 0, -1]);
      await D.page.keyboard.press('Enter');
      await D.page.locator('#present-now .now-body', { hasText: 'Second: one vote' }).waitFor();
      await D.page.focus(`#pq-${ids[0]}`);
      await D.page.keyboard.press('a');
      await D.page.locator(`#pa-${ids[0]}`).waitFor();
      await D.page.waitForFunction((id) => document.activeElement && document.activeElement.id === id, `pq-${ids[2]}`);

      // The choice is kept after a reload.
      await D.page.reload();
      await D.page.locator('#present-shortcuts[aria-pressed="true"]').waitFor();
      assert.deepEqual(D.problems, []);
    } finally {
      await D.close();
      await d.stop();
    }
  });

  for (const [lang, S, locale] of [['en', en, 'en-US'], ['es', es, 'es-ES']]) {
    test(`no axe violations in ${lang}: participant page and presenter view with data loaded`, T, async () => {
      const d = await startDaemon({ args: ['--dev'] });
      const P = await openPage(browser, { bypassCSP: true, locale });
      const Q = await openPage(browser, { bypassCSP: true, locale, colorScheme: 'dark' });
      try {
        const sessionId = await liveSession(d, { title: 'Q&A: remote rituals', premoderated: true });
        const diego = await signedIn(d, 'diego');
        const ask = async (user, body, anonymous = false) => {
          const c = await signedIn(d, user);
          const { question } = await c.call('question.ask', { session: sessionId, body, anonymous });
          await c.close();
          return question.id;
        };
        const q1 = await ask('ana', 'What is a good length for a retro?');
        const q2 = await ask('bruno', 'Do you record the daily stand-up?', true);
        const q3 = await ask('chloe', 'How do we onboard someone fully remote?');
        const q4 = await ask('ana', 'Can we get the slides afterwards?');
        await ask('chloe', 'Still waiting for approval');
        for (const q of [q1, q2, q3, q4]) await diego.call('question.approve', { question: q });
        const chloe = await signedIn(d, 'chloe');
        await chloe.call('question.vote', { question: q1, up: true });
        await chloe.call('question.vote', { question: q2, up: true });
        await chloe.close();
        await diego.call('question.answer', { question: q4, answer: 'Yes, in the course files.' });
        await diego.call('question.answering', { session: sessionId, question: q2 });
        await diego.close();

        await openAs(P.page, d, 'ana', `#/session/${sessionId}`);
        await P.page.locator('#now-answering .now-body', { hasText: 'record the daily' }).waitFor();
        await P.page.locator(`.live-answered #q-${q4}`).waitFor();
        await P.page.locator(`#q-${q1}`).waitFor();
        assert.equal(await P.page.getAttribute('html', 'lang'), lang);
        await P.page.locator('#live-ask-body').fill('x'.repeat(301));
        await P.page.click('#live-ask-submit');
        await P.page.locator('#live-ask-error p').waitFor();
        await P.page.click(`#edit-${q1}`);
        let v = await runAxe(P.page);
        assert.deepEqual(v, [], `participant page:\n${report(v)}`);
        assert.equal(await P.page.locator('#now-answering .now-label').textContent(), S['live.now_answering']);

        await openAs(Q.page, d, 'diego', `#/session/${sessionId}/present`);
        await Q.page.locator('#present-now .now-body', { hasText: 'record the daily' }).waitFor();
        await Q.page.locator(`#pq-${q1}`).waitFor();
        await Q.page.locator('.pending-item').waitFor();
        await Q.page.click(`#queue-dismiss-open-${q3}`);
        await Q.page.click('#present-shortcuts');
        v = await runAxe(Q.page);
        assert.deepEqual(v, [], `presenter view:\n${report(v)}`);
        assert.equal(await Q.page.locator('#present-queue-heading').evaluate((n) => n.firstChild.textContent), S['present.queue']);

        // Narrow (a phone held by a facilitator): still clean, nothing scrolls sideways.
        for (const page of [P.page, Q.page]) {
          await page.setViewportSize({ width: 360, height: 740 });
          v = await runAxe(page);
          assert.deepEqual(v, [], `narrow:\n${report(v)}`);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
        }
      } finally {
        await Promise.all([P.close(), Q.close()]);
        await d.stop();
      }
    });
  }
});
