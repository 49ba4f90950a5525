// Live polls and word clouds in real Chromium against the real daemon (--dev: demo course 1
// with ana, bruno and chloe as participants, diego as instructor): diego makes polls in the
// presenter view, ana answers on her live page, others answer over the wire; the presenter's
// bar chart, table, word cloud and word list follow, and their text always equals the counts
// the server publishes. A poll whose results wait for a reveal shows participants nothing
// until then. axe-core finds nothing on either page with polls loaded.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

async function liveSession(d, title = 'Week 4: remote rituals') {
  const diego = await signedIn(d, 'diego');
  try {
    const { session } = await diego.call('session.create', { course: 1, title, starts_at: inAnHour() });
    await diego.call('session.start', { session: session.id });
    return session.id;
  } finally {
    await diego.close();
  }
}

async function openAs(page, d, user, hash) {
  await demoSignIn(page, d.url, user);
  await page.evaluate((h) => { location.hash = h; }, hash);
}

// The results the server publishes for a poll (a staff socket subscribes to its room).
async function serverResults(d, sessionId, pollId) {
  const diego = await signedIn(d, 'diego');
  try {
    const { polls } = await diego.call('subscribe', { room: `session:${sessionId}` }, { write: false });
    const poll = polls.find((p) => p.id === pollId);
    const snap = await diego.call('subscribe', { room: poll.results_room }, { write: false });
    return snap.results;
  } finally {
    await diego.close();
  }
}

const cellTexts = (page, sel) => page.locator(sel).evaluateAll((els) => els.map((e) => e.textContent.trim()));
const num = (s) => Number(String(s).replace(/[^\d]/g, ''));

// The presenter's table and bars against the server's counts.
async function assertChoiceAlternatives(page, idp, poll, res) {
  const table = `#${idp}-table-${poll.id}`;
  const counts = (await cellTexts(page, `${table} tbody td.count`)).map(num);
  assert.deepEqual(counts, res.counts, 'table counts');
  const dataCounts = await page.locator(`${table} tbody tr`).evaluateAll((els) => els.map((e) => Number(e.dataset.count)));
  assert.deepEqual(dataCounts, res.counts);
  const labels = await cellTexts(page, `${table} tbody th`);
  poll.options.forEach((o, i) => assert.ok(labels[i].startsWith(o), `row ${i}: ${labels[i]}`));
  const bars = (await cellTexts(page, `#${idp}-results-${poll.id} .bar-value`)).map((s) => num(s.split('·')[0]));
  assert.deepEqual(bars, res.counts, 'bar counts');
  assert.equal(await page.textContent(`#${idp}-total-${poll.id}`), fill(en[res.respondents === 1 ? 'polls.answers.one' : 'polls.answers.other'], { count: res.respondents }));
}

async function assertWordAlternatives(page, idp, pollId, res) {
  const items = await page.locator(`#${idp}-words-${pollId} > li`).evaluateAll((els) => els.map((e) => ({
    word: e.dataset.word, text: e.querySelector('.word-text').textContent, count: Number(e.dataset.count),
    said: e.querySelector('.word-count').textContent,
  })));
  assert.deepEqual(items.map((i) => [i.word, i.text, i.count]), res.words.map((w) => [w.word, w.text, w.count]));
  for (const i of items) assert.equal(i.said, fill(en[i.count === 1 ? 'polls.times.one' : 'polls.times.other'], { count: i.count }));
}

describe('live polls', () => {
  test('ana answers a poll and sends words; the presenter\'s chart and cloud follow the counts', T, async () => {
    const d = await startDaemon({ args: ['--dev'] });
    const D = await openPage(browser);
    const A = await openPage(browser);
    const others = [];
    try {
      const sessionId = await liveSession(d);
      await openAs(D.page, d, 'diego', `#/session/${sessionId}/present`);
      await D.page.locator('#present-polls-heading').waitFor();
      await D.page.locator('.present-polls .present-none', { hasText: en['polls.none_yet'] }).waitFor();

      // diego makes a single choice poll in the form and opens it at once.
      await D.page.click('#poll-new-toggle');
      assert.equal(await D.page.evaluate(() => document.activeElement.id), 'poll-new-prompt');
      const prompt = 'Which ritual helps your team most?';
      await D.page.fill('#poll-new-prompt', prompt);
      const options = ['Daily check-in', 'Weekly demo', 'Async standup'];
      for (let i = 0; i < 3; i++) await D.page.fill(`#poll-new-opt-${i}`, options[i]);
      await D.page.click('#poll-new-open');
      const item = D.page.locator('.present-poll', { hasText: prompt });
      await item.locator('.poll-state', { hasText: en['polls.state.open'] }).waitFor();
      const pollId = Number(await item.getAttribute('data-poll'));
      assert.equal(await D.page.evaluate(() => document.activeElement.id), `pp-${pollId}-heading`);
      await D.page.locator(`#ps-table-${pollId}`).waitFor();

      // A word cloud, two words each.
      await D.page.click('#poll-new-toggle');
      await D.page.check('#poll-new-kind-words');
      await D.page.fill('#poll-new-prompt', 'One word for a good remote meeting');
      await D.page.fill('#poll-new-entries', '2');
      await D.page.click('#poll-new-open');
      const cloudItem = D.page.locator('.present-poll', { hasText: 'One word for a good remote meeting' });
      await cloudItem.locator('.poll-state', { hasText: en['polls.state.open'] }).waitFor();
      const cloudId = Number(await cloudItem.getAttribute('data-poll'));

      // ana answers on her page.
      await openAs(A.page, d, 'ana', `#/session/${sessionId}`);
      const card = A.page.locator(`#poll-${pollId}`);
      await card.locator('.poll-prompt', { hasText: prompt }).waitFor();
      assert.equal(await card.locator('legend').textContent(), en['polls.choose_one']);
      // Sending nothing says what is missing.
      await A.page.click(`#poll-${pollId}-submit`);
      await A.page.locator(`#poll-${pollId}-error`, { hasText: en['polls.error.choose_one'] }).waitFor();
      await A.page.check(`#poll-${pollId}-in-1`);
      await A.page.click(`#poll-${pollId}-submit`);
      await A.page.locator(`#poll-${pollId}-status`, { hasText: en['polls.answer_saved'] }).waitFor();
      await A.page.locator(`#poll-${pollId}-mine`, { hasText: fill(en['polls.your_answer'], { answer: 'Weekly demo' }) }).waitFor();
      assert.equal(await A.page.textContent(`#poll-${pollId}-submit`), en['polls.change_answer']);
      // Results are live for everyone here: ana's page shows them too.
      await A.page.locator(`#pr-table-${pollId} tbody tr[data-option="1"][data-count="1"]`).waitFor();

      // bruno and chloe answer over the wire. ana's form is left as it is (only her results
      // block is drawn again), so nothing she is choosing or typing is disturbed.
      await A.page.focus(`#poll-${pollId}-in-0`);
      await A.page.evaluate((id) => { document.getElementById(`poll-${id}-in-0`).dataset.kept = 'yes'; }, pollId);
      for (const [who, choice] of [['bruno', 1], ['chloe', 2]]) {
        const c = await signedIn(d, who);
        others.push(c);
        const r = await c.call('poll.answer', { poll: pollId, choices: [choice] });
        assert.equal(r.results_visible, true);
      }
      await D.page.locator(`#ps-table-${pollId} tbody tr[data-option="2"][data-count="1"]`).waitFor();
      await D.page.locator(`#ps-table-${pollId} tbody tr[data-option="1"][data-count="2"]`).waitFor();
      let res = await serverResults(d, sessionId, pollId);
      assert.deepEqual(res.counts, [0, 2, 1]);
      const poll = { id: pollId, options };
      await assertChoiceAlternatives(D.page, 'ps', poll, res);
      await A.page.locator(`#pr-table-${pollId} tbody tr[data-option="1"][data-count="2"]`).waitFor();
      await assertChoiceAlternatives(A.page, 'pr', poll, res);
      assert.deepEqual(await A.page.evaluate((id) => [document.activeElement.id, document.activeElement.dataset.kept], pollId), [`poll-${pollId}-in-0`, 'yes']);
      // The polite live region gets a summary of the poll, at most every few seconds.
      const summary = fill(en['polls.summary'], { prompt, answers: fill(en['polls.answers.other'], { count: 3 }),
                                                   lead: fill(en['polls.summary_leads'], { option: 'Weekly demo', count: 2 }) });
      await D.page.waitForFunction((text) => document.getElementById('announcer').textContent.includes(text), summary, { timeout: 20000 })
        .catch(async (e) => { throw new Error(`${e.message}; announcer: ${await D.page.textContent('#announcer')}`); });

      // ana changes her answer: the counts move on the presenter's screen.
      await A.page.check(`#poll-${pollId}-in-0`);
      await A.page.click(`#poll-${pollId}-submit`);
      await A.page.locator(`#poll-${pollId}-mine`, { hasText: fill(en['polls.your_answer'], { answer: 'Daily check-in' }) }).waitFor();
      await D.page.locator(`#ps-table-${pollId} tbody tr[data-option="0"][data-count="1"]`).waitFor();
      res = await serverResults(d, sessionId, pollId);
      assert.deepEqual(res.counts, [1, 1, 1]);
      await D.page.locator(`#ps-table-${pollId} tbody tr[data-option="1"][data-count="1"]`).waitFor();
      await assertChoiceAlternatives(D.page, 'ps', poll, res);

      // Words: ana sends two, the form counts down, a third is not offered.
      const word = A.page.locator(`#poll-${cloudId}-word`);
      await word.waitFor();
      assert.equal(await A.page.textContent(`#poll-${cloudId}-left`), fill(en['polls.entries_left.other'], { count: 2 }));
      // A stop word is refused, and the page says why.
      await word.fill('the');
      await A.page.click(`#poll-${cloudId}-submit`);
      await A.page.locator(`#poll-${cloudId}-error`, { hasText: en['polls.error.word_stop'] }).waitFor();
      assert.equal(await A.page.evaluate(() => document.activeElement.id), `poll-${cloudId}-word`);
      await word.fill('Liderazgo');
      await A.page.click(`#poll-${cloudId}-submit`);
      await A.page.locator(`#poll-${cloudId}-status`, { hasText: fill(en['polls.word_added'], { word: 'Liderazgo' }) }).waitFor();
      await A.page.locator(`#poll-${cloudId}-left`, { hasText: fill(en['polls.entries_left.one'], { count: 1 }) }).waitFor();
      assert.equal(await word.inputValue(), '');
      await word.fill('agenda');
      await A.page.click(`#poll-${cloudId}-submit`);
      await A.page.locator(`#poll-${cloudId}-done`, { hasText: en['polls.entries_done'] }).waitFor();
      await A.page.locator(`#poll-${cloudId}-mine`, { hasText: fill(en['polls.your_words'], { words: 'Liderazgo, agenda' }) }).waitFor();
      await others[0].call('poll.answer', { poll: cloudId, text: 'liderazgo' });
      await others[1].call('poll.answer', { poll: cloudId, text: 'Agenda' });
      await others[0].call('poll.answer', { poll: cloudId, text: 'Teamwork!' });

      // The presenter's list and cloud: the list equals the server's words, in order.
      const list = `#ps-words-${cloudId}`;
      await D.page.locator(`${list} > li[data-count="2"]`).first().waitFor();
      await D.page.waitForFunction((sel) => document.querySelectorAll(`${sel} > li`).length === 3, list);
      res = await serverResults(d, sessionId, cloudId);
      assert.deepEqual(res.words.map((w) => [w.text, w.count]), [['Liderazgo', 2], ['agenda', 2], ['Teamwork', 1]]);
      await D.page.waitForFunction(([sel, n]) => [...document.querySelectorAll(`${sel} > li`)].reduce((s, li) => s + Number(li.dataset.count), 0) === n,
        [list, res.words.reduce((s, w) => s + w.count, 0)]);
      await assertWordAlternatives(D.page, 'ps', cloudId, res);
      // The cloud was drawn by the layout library (loaded from the served files) from these words.
      const canvas = D.page.locator(`#pp-${cloudId} canvas.word-cloud`);
      await D.page.waitForFunction((id) => {
        const c = document.querySelector(`#pp-${id} canvas.word-cloud`);
        return c && c.dataset.drawn && JSON.parse(c.dataset.drawn).length === 3;
      }, cloudId);
      assert.equal(await canvas.getAttribute('role'), 'img');
      assert.equal(await D.page.evaluate(() => typeof window.WordCloud), 'function');
      assert.deepEqual(JSON.parse(await canvas.getAttribute('data-drawn')), res.words.map((w) => [w.text, w.count]));
      // This reader asked for reduced motion: the bars do not slide.
      assert.notEqual(await D.page.locator(`#ps-results-${pollId} .bar-fill`).first().evaluate((e) => getComputedStyle(e).transitionDuration), '0.5s');

      // diego merges "Teamwork" into "Liderazgo": choose the word to keep, then confirm.
      const [keep, , merged] = res.words;
      await D.page.locator(`${list} > li[data-word="${merged.word}"]`).locator('button', { hasText: en['polls.word_merge_open'] }).click();
      const into = D.page.locator(`${list} select`);
      assert.equal(await D.page.evaluate(() => document.activeElement.tagName), 'SELECT');
      await into.selectOption(keep.word);
      await D.page.locator(`${list} button.primary`, { hasText: en['polls.word_merge'] }).click();
      await D.page.locator(`${list} > li[data-word="${keep.word}"][data-count="3"]`).waitFor();
      await D.page.waitForFunction((sel) => document.querySelectorAll(`${sel} > li`).length === 2, list);
      res = await serverResults(d, sessionId, cloudId);
      assert.deepEqual(res.words.map((w) => [w.text, w.count]), [['Liderazgo', 3], ['agenda', 2]]);
      await assertWordAlternatives(D.page, 'ps', cloudId, res);
      await D.page.waitForFunction(([id, n]) => JSON.parse(document.querySelector(`#pp-${id} canvas.word-cloud`).dataset.drawn || '[]').length === n, [cloudId, 2]);

      // diego removes a word from the cloud, after a confirmation.
      const gone = res.words[1];
      const li = D.page.locator(`${list} > li[data-word="${gone.word}"]`);
      await li.locator('button', { hasText: en['polls.word_remove'] }).click();
      const yes = D.page.locator(`${list} button.danger`, { hasText: en['polls.word_remove'] });
      await yes.waitFor();
      await yes.click();
      await D.page.waitForFunction((sel) => document.querySelectorAll(`${sel} > li`).length === 1, list);
      res = await serverResults(d, sessionId, cloudId);
      assert.equal(res.words.length, 1);
      await assertWordAlternatives(D.page, 'ps', cloudId, res);

      assert.deepEqual(D.problems, []);
      assert.deepEqual(A.problems, []);
    } finally {
      for (const c of others) await c.close();
      await Promise.all([D.close(), A.close()]);
      await d.stop();
    }
  });

  test('results shown on reveal stay hidden from participants until diego reveals them', T, async () => {
    const d = await startDaemon({ args: ['--dev'] });
    const D = await openPage(browser);
    const A = await openPage(browser);
    try {
      const sessionId = await liveSession(d);
      const diego = await signedIn(d, 'diego');
      const { poll } = await diego.call('poll.create', { session: sessionId, kind: 'single', prompt: 'Which time zone is UTC-3?',
                                                         options: ['São Paulo', 'Madrid', 'Lima'], correct: [0], visibility: 'on_reveal' });
      await diego.call('poll.open', { poll: poll.id });
      await diego.close();

      await openAs(A.page, d, 'ana', `#/session/${sessionId}`);
      await A.page.locator(`#poll-${poll.id}-in-0`).waitFor();
      await A.page.locator(`#poll-${poll.id} .results-hidden`, { hasText: en['polls.results_on_reveal'] }).waitFor();
      await A.page.check(`#poll-${poll.id}-in-2`);
      await A.page.click(`#poll-${poll.id}-submit`);
      await A.page.locator(`#poll-${poll.id}-status`, { hasText: en['polls.answer_saved'] }).waitFor();
      // No results and no correct answer yet.
      assert.equal(await A.page.locator(`#pr-results-${poll.id}`).count(), 0);
      assert.equal(await A.page.locator(`#poll-${poll.id}-correct`).count(), 0);

      // diego sees the count and reveals.
      await openAs(D.page, d, 'diego', `#/session/${sessionId}/present`);
      await D.page.locator(`#ps-table-${poll.id} tbody tr[data-option="2"][data-count="1"]`).waitFor();
      await D.page.click(`#pp-${poll.id}-reveal`);
      await D.page.locator(`#pp-${poll.id} .badge.revealed`).waitFor();

      // ana's page shows the results and marks the correct answer.
      await A.page.locator(`#pr-table-${poll.id} tbody tr[data-option="2"][data-count="1"]`).waitFor();
      await A.page.locator(`#poll-${poll.id}-correct`, { hasText: fill(en['polls.correct_is'], { answer: 'São Paulo' }) }).waitFor();
      // The polite live region tells ana.
      const said = fill(en['polls.announce.revealed'], { prompt: 'Which time zone is UTC-3?' });
      await A.page.waitForFunction((text) => document.getElementById('announcer').textContent.includes(text), said, { timeout: 15000 })
        .catch(async (e) => { throw new Error(`${e.message}; announcer: ${await A.page.textContent('#announcer')}`); });
      const row0 = await A.page.textContent(`#pr-table-${poll.id} tbody tr[data-option="0"] th`);
      assert.equal(row0, `São Paulo (${en['polls.correct_answer']})`);
      await A.page.locator(`#poll-${poll.id}`).locator('.hint', { hasText: en['polls.results_on_reveal'] }).waitFor({ state: 'detached' });

      // Hidden again: ana's results go away.
      await D.page.click(`#pp-${poll.id}-reveal`);
      await A.page.locator(`#pr-results-${poll.id}`).waitFor({ state: 'detached' });
      assert.deepEqual(D.problems, []);
      assert.deepEqual(A.problems, []);
    } finally {
      await Promise.all([D.close(), A.close()]);
      await d.stop();
    }
  });

  test('a survey is stepped through one question at a time; errors are translated', T, async () => {
    const d = await startDaemon({ args: ['--dev'] });
    const A = await openPage(browser, { locale: 'es-ES' });
    try {
      const sessionId = await liveSession(d);
      const diego = await signedIn(d, 'diego');
      const { survey } = await diego.call('survey.create', { session: sessionId, title: 'Antes de empezar' });
      const { poll: p1 } = await diego.call('poll.create', { session: sessionId, survey: survey.id, kind: 'multiple', prompt: '¿Qué herramientas usas?',
                                                             options: ['Slack', 'Teams', 'Zoom', 'Meet'], min_choices: 2, max_choices: 3 });
      const { poll: p2 } = await diego.call('poll.create', { session: sessionId, survey: survey.id, kind: 'rating', prompt: '¿Cómo va tu equipo?', scale: 5 });
      const { poll: p3 } = await diego.call('poll.create', { session: sessionId, survey: survey.id, kind: 'text', prompt: '¿Qué te preocupa?' });
      await diego.call('survey.open', { survey: survey.id });
      await diego.close();

      await openAs(A.page, d, 'ana', `#/session/${sessionId}`);
      const sv = A.page.locator(`#survey-${survey.id}`);
      await sv.locator('.survey-step', { hasText: fill(es['polls.step'], { n: 1, total: 3 }) }).waitFor();
      await sv.locator(`#poll-${p1.id}`).waitFor();
      assert.equal(await sv.locator('legend').textContent(), fill(es['polls.choose_between'], { min: 2, max: 3 }));
      // One choice is too few: the page says so before sending.
      await A.page.check(`#poll-${p1.id}-in-0`);
      await A.page.click(`#poll-${p1.id}-submit`);
      await A.page.locator(`#poll-${p1.id}-error`, { hasText: fill(es['polls.error.bad_choices'], { min: 2, max: 3 }) }).waitFor();
      await A.page.check(`#poll-${p1.id}-in-2`);
      await A.page.click(`#poll-${p1.id}-submit`);
      await A.page.locator(`#poll-${p1.id}-status`, { hasText: es['polls.answer_saved'] }).waitFor();

      await A.page.click(`#survey-${survey.id}-next`);
      await sv.locator('.survey-step', { hasText: fill(es['polls.step'], { n: 2, total: 3 }) }).waitFor();
      assert.equal(await A.page.evaluate(() => document.activeElement.id), `survey-${survey.id}-next`);
      await A.page.locator(`label[for="poll-${p2.id}-in-4"]`, { hasText: fill(es['polls.rating_high'], { value: 5 }) }).waitFor();
      await A.page.check(`#poll-${p2.id}-in-3`);
      await A.page.click(`#poll-${p2.id}-submit`);
      await A.page.locator(`#poll-${p2.id}-mine`, { hasText: fill(es['polls.your_answer'], { answer: fill(es['polls.rating_value'], { value: 4, scale: 5 }) }) }).waitFor();

      await A.page.click(`#survey-${survey.id}-next`);
      await sv.locator(`#poll-${p3.id}-text`).waitFor();
      await A.page.fill(`#poll-${p3.id}-text`, 'x'.repeat(201));
      assert.equal(await A.page.textContent(`#poll-${p3.id}-text-count`), fill(es['live.char_count'], { count: 201, max: 200 }));
      await A.page.click(`#poll-${p3.id}-submit`);
      await A.page.locator(`#poll-${p3.id}-error`, { hasText: fill(es['polls.error.too_long'], { max: 200 }) }).waitFor();
      await A.page.fill(`#poll-${p3.id}-text`, 'Los husos horarios');
      await A.page.click(`#poll-${p3.id}-submit`);
      await A.page.locator(`#poll-${p3.id}-status`, { hasText: es['polls.answer_saved'] }).waitFor();

      // Back to the first: ana's answer is there and can still change.
      await A.page.click(`#survey-${survey.id}-prev`);
      await A.page.click(`#survey-${survey.id}-prev`);
      await sv.locator('.survey-step', { hasText: fill(es['polls.step'], { n: 1, total: 3 }) }).waitFor();
      assert.equal(await A.page.isChecked(`#poll-${p1.id}-in-0`), true);
      assert.equal(await A.page.isChecked(`#poll-${p1.id}-in-2`), true);

      // A closed poll refuses answers with a translated message.
      const diego2 = await signedIn(d, 'diego');
      await diego2.call('survey.close', { survey: survey.id });
      await diego2.close();
      await sv.locator(`#poll-${p1.id} .poll-state`, { hasText: es['polls.state.closed'] }).waitFor();
      assert.equal(await A.page.locator(`#poll-${p1.id}-form`).count(), 0);
      assert.deepEqual(A.problems, []);
    } finally {
      await A.close();
      await d.stop();
    }
  });

  test('diego runs a quiz from the presenter view: form, close, open again, duplicate, reset', T, async () => {
    const d = await startDaemon({ args: ['--dev'] });
    const D = await openPage(browser, { reducedMotion: 'no-preference' });
    const A = await openPage(browser);
    try {
      const sessionId = await liveSession(d);
      await openAs(D.page, d, 'diego', `#/session/${sessionId}/present`);
      await openAs(A.page, d, 'ana', `#/session/${sessionId}`);
      await D.page.locator('#poll-new-toggle').click();
      await D.page.check('#poll-new-kind-multiple');
      assert.equal(await D.page.evaluate(() => document.activeElement.id), 'poll-new-kind-multiple');
      const prompt = 'Which of these are time zones?';
      await D.page.fill('#poll-new-prompt', prompt);
      await D.page.click('#poll-new-add');
      assert.equal(await D.page.evaluate(() => document.activeElement.id), 'poll-new-opt-3');
      const options = ['CET', 'JPEG', 'PST', 'IST'];
      for (let i = 0; i < 4; i++) await D.page.fill(`#poll-new-opt-${i}`, options[i]);
      for (const i of [0, 2, 3]) await D.page.check(`#poll-new-correct-${i}`);
      // Fewest above most is caught before sending.
      await D.page.fill('#poll-new-min', '3');
      await D.page.fill('#poll-new-max', '2');
      await D.page.click('#poll-new-open');
      await D.page.locator('#poll-new-error', { hasText: fill(en['polls.form.error_minmax'], { n: 4 }) }).waitFor();
      assert.equal(await D.page.evaluate(() => document.activeElement.id), 'poll-new-min');
      await D.page.fill('#poll-new-min', '2');
      await D.page.fill('#poll-new-max', '3');
      await D.page.selectOption('#poll-new-visibility', 'after_answer');
      await D.page.click('#poll-new-draft');
      const item = D.page.locator('.present-poll', { hasText: prompt });
      await item.locator('.poll-state', { hasText: en['polls.state.draft'] }).waitFor();
      const id = Number(await item.getAttribute('data-poll'));
      await D.page.locator('#polls-status', { hasText: fill(en['polls.form.created'], { prompt }) }).waitFor();

      // What the server keeps is what the form said.
      const diego = await signedIn(d, 'diego');
      const snap = await diego.call('subscribe', { room: `session:${sessionId}` }, { write: false });
      const made = snap.polls.find((p) => p.id === id);
      await diego.close();
      assert.deepEqual([made.kind, made.options, made.min_choices, made.max_choices, made.correct, made.visibility],
                       ['multiple', options, 2, 3, [0, 2, 3], 'after_answer']);
      // A draft is not on ana's page.
      assert.equal(await A.page.locator(`#poll-${id}`).count(), 0);

      await D.page.click(`#pp-${id}-open`);
      await item.locator('.poll-state', { hasText: en['polls.state.open'] }).waitFor();
      await A.page.locator(`#poll-${id}`).waitFor();
      await A.page.locator(`#poll-${id} legend`, { hasText: fill(en['polls.choose_between'], { min: 2, max: 3 }) }).waitFor();
      await A.page.locator(`#poll-${id} .results-hidden`, { hasText: en['polls.results_after_answer'] }).waitFor();
      await A.page.check(`#poll-${id}-in-0`);
      await A.page.check(`#poll-${id}-in-1`);
      await A.page.click(`#poll-${id}-submit`);
      // Results after answering: ana follows the results room now.
      await A.page.locator(`#pr-table-${id} tbody tr[data-option="1"][data-count="1"]`).waitFor();
      await D.page.locator(`#ps-table-${id} tbody tr[data-option="1"][data-count="1"]`).waitFor();
      // Motion is welcome here: the bars slide to their new length.
      assert.equal(await D.page.locator(`#ps-results-${id} .bar-fill`).first().evaluate((e) => getComputedStyle(e).transitionDuration), '0.5s');
      // The presenter view is on the room's screen: the answer is marked only once revealed.
      assert.equal(await D.page.textContent(`#ps-table-${id} tbody tr[data-option="2"] th`), 'PST');
      await D.page.click(`#pp-${id}-reveal`);
      await D.page.locator(`#ps-table-${id} tbody tr[data-option="2"] th`, { hasText: `PST (${en['polls.correct_answer']})` }).waitFor();
      await D.page.click(`#pp-${id}-reveal`);
      await D.page.locator(`#ps-table-${id} tbody tr[data-option="2"] th`, { hasText: /^PST$/ }).waitFor();

      // Closed: ana's form goes, her answer stays.
      await D.page.click(`#pp-${id}-close`);
      await A.page.locator(`#poll-${id} .poll-state`, { hasText: en['polls.state.closed'] }).waitFor();
      assert.equal(await A.page.locator(`#poll-${id}-form`).count(), 0);
      await A.page.locator(`#poll-${id}-mine`, { hasText: fill(en['polls.your_answer'], { answer: 'CET, JPEG' }) }).waitFor();
      await D.page.click(`#pp-${id}-open`);
      await A.page.locator(`#poll-${id}-form`).waitFor();

      // Duplicate: a new draft with the same question.
      await D.page.click(`#pp-${id}-duplicate`);
      await D.page.locator('#polls-status', { hasText: fill(en['polls.duplicated'], { prompt }) }).waitFor();
      await D.page.waitForFunction((p) => [...document.querySelectorAll('.present-poll')].filter((li) => li.textContent.includes(p)).length === 2, prompt);

      // Reset asks first; Cancel keeps everything.
      await D.page.click(`#pp-${id}-reset`);
      assert.equal(await D.page.evaluate(() => document.activeElement.id), `pp-${id}-reset-yes`);
      await D.page.click(`#pp-${id}-reset-no`);
      assert.equal(await D.page.evaluate(() => document.activeElement.id), `pp-${id}-reset`);
      await D.page.locator(`#ps-table-${id} tbody tr[data-option="1"][data-count="1"]`).waitFor();
      await D.page.click(`#pp-${id}-reset`);
      await D.page.click(`#pp-${id}-reset-yes`);
      await D.page.locator(`#ps-total-${id}`, { hasText: fill(en['polls.answers.other'], { count: 0 }) }).waitFor();
      // Ana's answer is gone with it, and so are her results (after answering, again).
      await A.page.locator(`#pr-results-${id}`).waitFor({ state: 'detached' });
      await A.page.locator(`#poll-${id} .results-hidden`, { hasText: en['polls.results_after_answer'] }).waitFor();
      assert.equal(await A.page.locator(`#poll-${id}-mine`).count(), 0);
      assert.equal(await A.page.isChecked(`#poll-${id}-in-0`), false);
      assert.equal(await A.page.textContent(`#poll-${id}-submit`), en['polls.send_answer']);
      // She answers again and follows the new results room.
      await A.page.check(`#poll-${id}-in-2`);
      await A.page.check(`#poll-${id}-in-3`);
      await A.page.click(`#poll-${id}-submit`);
      await A.page.locator(`#pr-table-${id} tbody tr[data-option="3"][data-count="1"]`).waitFor();
      await D.page.locator(`#ps-table-${id} tbody tr[data-option="3"][data-count="1"]`).waitFor();
      assert.deepEqual(D.problems, []);
      assert.deepEqual(A.problems, []);
    } finally {
      await Promise.all([D.close(), A.close()]);
      await d.stop();
    }
  });

  test('no axe violations on the participant page and the presenter view with polls loaded', T, async () => {
    const d = await startDaemon({ args: ['--dev'] });
    const D = await openPage(browser, { bypassCSP: true, reducedMotion: 'no-preference' });
    const A = await openPage(browser, { bypassCSP: true, colorScheme: 'dark' });
    try {
      const sessionId = await liveSession(d);
      const diego = await signedIn(d, 'diego');
      const bruno = await signedIn(d, 'bruno');
      const make = async (fields) => {
        const { poll } = await diego.call('poll.create', { session: sessionId, ...fields });
        await diego.call('poll.open', { poll: poll.id });
        return poll;
      };
      const single = await make({ kind: 'single', prompt: 'Best meeting length?', options: ['15 min', '30 min', '60 min'], correct: [1] });
      const multi = await make({ kind: 'multiple', prompt: 'Which tools?', options: ['Docs', 'Chat', 'Video'], max_choices: 2 });
      const rating = await make({ kind: 'rating', prompt: 'How clear was this?', scale: 10 });
      const text = await make({ kind: 'text', prompt: 'One tip for new leads' });
      const words = await make({ kind: 'words', prompt: 'Describe your team', max_entries: 3 });
      const { survey } = await diego.call('survey.create', { session: sessionId, title: 'Wrap-up' });
      await diego.call('poll.create', { session: sessionId, survey: survey.id, kind: 'single', prompt: 'Come back next week?', options: ['Yes', 'No'] });
      await diego.call('poll.create', { session: sessionId, kind: 'rating', prompt: 'A draft', visibility: 'staff_only' });
      await bruno.call('poll.answer', { poll: single.id, choices: [1] });
      await bruno.call('poll.answer', { poll: multi.id, choices: [0, 2] });
      await bruno.call('poll.answer', { poll: rating.id, rating: 8 });
      await bruno.call('poll.answer', { poll: text.id, text: 'Listen first' });
      for (const w of ['curious', 'kind', 'fast']) await bruno.call('poll.answer', { poll: words.id, text: w });
      await diego.call('poll.reveal', { poll: single.id, revealed: true });

      await openAs(A.page, d, 'ana', `#/session/${sessionId}`);
      await A.page.locator(`#pr-table-${single.id} tbody tr[data-count="1"]`).waitFor();
      await A.page.locator(`#pr-words-${words.id} > li`).nth(2).waitFor();
      await A.page.locator(`#pr-answers-${text.id} > li`).waitFor();
      await A.page.locator(`#poll-${single.id}-correct`).waitFor();
      let v = await runAxe(A.page);
      assert.deepEqual(v, [], `participant page:\n${report(v)}`);
      await A.page.click(`#poll-${multi.id}-submit`);
      await A.page.locator(`#poll-${multi.id}-error p`).waitFor();
      await A.page.setViewportSize({ width: 360, height: 740 });
      v = await runAxe(A.page);
      assert.deepEqual(v, [], `participant page, narrow, with an error:\n${report(v)}`);

      await openAs(D.page, d, 'diego', `#/session/${sessionId}/present`);
      await D.page.locator(`#ps-table-${rating.id} tbody tr[data-option="7"][data-count="1"]`).waitFor();
      await D.page.locator(`#ps-words-${words.id} > li`).nth(2).waitFor();
      await D.page.waitForFunction((id) => !!document.querySelector(`#pp-${id} canvas.word-cloud`)?.dataset.drawn, words.id);
      v = await runAxe(D.page);
      assert.deepEqual(v, [], `presenter view:\n${report(v)}`);
      // With the new poll form open (multiple choice), a reset and a merge being confirmed.
      await D.page.click('#poll-new-toggle');
      await D.page.check('#poll-new-kind-multiple');
      await D.page.click(`#pp-${single.id}-reset`);
      await D.page.locator(`#ps-words-${words.id} > li`).first().locator('button', { hasText: en['polls.word_merge_open'] }).click();
      await D.page.locator(`#ps-words-${words.id} select`).waitFor();
      v = await runAxe(D.page);
      assert.deepEqual(v, [], `presenter view with forms open:\n${report(v)}`);
      await diego.close();
      await bruno.close();
    } finally {
      await Promise.all([D.close(), A.close()]);
      await d.stop();
    }
  });
});
