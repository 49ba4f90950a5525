// A thread longer than one snapshot page: the page shows the first posts and says that the
// rest is not shown, and it keeps working (a new response appears live).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startDaemon } from '../lib/daemon.mjs';
import { launchBrowser, openPage } from './browser.mjs';
import { seedThread, demoSignIn, signedIn } from './forum-helpers.mjs';
import en from '../../client-js/strings/en.js';

const T = { timeout: 180000 };

let d, browser;
before(async () => {
  [d, browser] = await Promise.all([startDaemon({ args: ['--dev'] }), launchBrowser()]);
});
after(async () => {
  await Promise.all([browser && browser.close(), d && d.stop()]);
});

test('a thread over snapshot_max_bytes shows its first posts and says more exist', T, async () => {
  const threadId = await seedThread(d, 'ana', { title: `A very long thread ${Date.now()}`, body: 'Where it starts.' });
  // 120 responses of 15,000 characters: about 1.8 MB, more than one snapshot page.
  execFileSync('sqlite3', [d.dbPath, `PRAGMA busy_timeout = 5000;
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 120)
    INSERT INTO posts(thread_id, author_id, body, created_at)
    SELECT ${threadId}, (SELECT author_id FROM threads WHERE id = ${threadId}),
           'Response ' || i || '. ' || substr(replace(hex(zeroblob(7500)), '0', 'w'), 1, 15000),
           CAST(strftime('%s', 'now') AS INTEGER) * 1000 FROM k;`]);
  const { page, problems, close } = await openPage(browser);
  try {
    await demoSignIn(page, d.url, 'bruno');
    await page.goto(`${d.url}/#/thread/${threadId}`);
    await page.locator('#more-not-shown').waitFor();
    assert.equal((await page.locator('#more-not-shown').textContent()).trim(), en['thread.more_not_shown']);
    const shown = await page.locator('article.response').count();
    assert.ok(shown > 10 && shown < 120, `${shown} responses shown`);
    assert.equal(await page.locator('article.response', { hasText: 'Response 1.' }).count(), 1);
    assert.equal(await page.locator('article.response', { hasText: 'Response 120.' }).count(), 0);

    // Still live: a new response appears.
    const ana = await signedIn(d, 'ana');
    try {
      await ana.call('post.create', { thread: threadId, body: 'A fresh response at the end' });
    } finally {
      await ana.close();
    }
    await page.locator('article.response', { hasText: 'A fresh response at the end' }).waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
