// axe-core (WCAG 2.0 and 2.1, A and AA) on the first page: signed out and signed in,
// in English and Spanish, in light and dark colour schemes, wide and narrow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { launchBrowser, openPage, runAxe } from './browser.mjs';
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
