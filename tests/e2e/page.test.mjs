// The first page in real Chromium against the real daemon: loads clean under its CSP,
// signs in with a pasted token or one in the address, speaks en/es/pt, shows refused
// tokens, and reports a lost connection.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { launchBrowser, openPage, TIMEOUT } from './browser.mjs';
import en from '../../client-js/strings/en.js';
import es from '../../client-js/strings/es.js';
import pt from '../../client-js/strings/pt.js';

const T = { timeout: 120000 };
const fill = (s, params) => s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? params[k] : m));

let d, browser;
before(async () => {
  [d, browser] = await Promise.all([startDaemon(), launchBrowser()]);
});
after(async () => {
  await Promise.all([browser && browser.close(), d && d.stop()]);
});

const anaToken = () => d.token({ user: 'u1', name: 'Ana María', roles: ['1:participant', '2:facilitator'] });

// The Connect button is enabled by app.js once it runs.
const ready = (page) => page.locator('#connect:enabled').waitFor({ state: 'attached' });

// Opens the page in a fresh context and waits until its script has rendered.
async function open(opts) {
  const p = await openPage(browser, opts);
  await p.page.goto(`${d.url}/`);
  await ready(p.page);
  return p;
}

async function signIn(page, token) {
  await page.fill('#token', token);
  await page.click('#connect');
}

async function expectSignedIn(page, S) {
  const who = page.locator('#signed-in-as');
  await who.waitFor({ state: 'visible' });
  assert.equal(await who.textContent(), fill(S['account.signed_in_as'], { name: 'Ana María' }));
  const courses = await page.locator('#courses li').allTextContents();
  assert.deepEqual(courses.map((c) => c.replace(/\s+/g, ' ').trim()), [
    `${fill(S['account.course'], { id: 1 })}: ${S['role.participant']}`,
    `${fill(S['account.course'], { id: 2 })}: ${S['role.facilitator']}`,
  ]);
  await page.locator('#status-text', { hasText: S['status.online'] }).waitFor();
  assert.equal(await page.locator('#signin').isHidden(), true);
}

describe('first page', () => {
  test('loads with no console errors and no CSP violations; the CSP header is set', T, async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      const res = await page.goto(`${d.url}/`);
      assert.equal(res.status(), 200);
      const csp = res.headers()['content-security-policy'] || '';
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      await ready(page);
      await page.waitForLoadState('networkidle');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.equal(await page.locator('.brand-name').textContent(), 'forumd');
      assert.equal(await page.locator('h1:visible').textContent(), en['signin.heading']);
      assert.equal(await page.locator('#status-text').textContent(), en['status.signed_out']);
      // No inline script, style or handler for the CSP to have to allow.
      const inline = await page.evaluate(() => ({
        scripts: [...document.scripts].filter((s) => !s.src).length,
        styles: document.querySelectorAll('style, [style]').length,
        handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
      }));
      assert.deepEqual(inline, { scripts: 0, styles: 0, handlers: 0 });
      // The CSP really is enforced: an inline script is refused and reported.
      await page.evaluate(() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.append(s); });
      assert.equal(await page.evaluate(() => window.__ran), undefined);
      assert.ok(problems.some((p) => /CSP violation/.test(p)), 'a refused inline script is reported');
      problems.length = 0;
      // Signed in too: still nothing in the console.
      await signIn(page, anaToken());
      await expectSignedIn(page, en);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('signing in with a pasted token shows the user and both courses', T, async () => {
    const { page, problems, close } = await open();
    try {
      await signIn(page, anaToken());
      await expectSignedIn(page, en);
      // Focus moves to the account heading, and the live region says so politely.
      assert.equal(await page.evaluate(() => document.activeElement.id), 'account-heading');
      await page.locator('#announcer', { hasText: en['status.online'] }).waitFor();
      assert.equal(await page.getAttribute('#announcer', 'aria-live'), 'polite');
      // The name is text, not markup.
      assert.equal(await page.locator('#signed-in-as strong').textContent(), 'Ana María');
      assert.deepEqual(problems, []);

      // Sign out: back to the form, token forgotten.
      await page.click('#signout');
      await page.locator('#signin').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#account').isHidden(), true);
      assert.equal(await page.evaluate(() => sessionStorage.getItem('forumd.token')), null);
      assert.equal(await page.locator('#status-text').textContent(), en['status.signed_out']);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'signin-heading');
    } finally {
      await close();
    }
  });

  test('names are never parsed as markup', T, async () => {
    const { page, problems, close } = await open();
    try {
      const name = '<img src=x onerror="window.__xss=1">Eve';
      await signIn(page, d.token({ user: 'u9', name, roles: ['3:instructor'] }));
      const who = page.locator('#signed-in-as strong');
      await who.waitFor();
      assert.equal(await who.textContent(), name);
      assert.equal(await page.locator('#signed-in-as img').count(), 0);
      assert.equal(await page.evaluate(() => window.__xss), undefined);
      assert.deepEqual((await page.locator('#courses li').allTextContents()).map((c) => c.trim()),
                       [`${fill(en['account.course'], { id: 3 })}: ${en['role.instructor']}`]);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  for (const [lang, S] of [['es', es], ['pt', pt]]) {
    test(`in ${lang} through the language menu, before and after signing in`, T, async () => {
      const { page, problems, close } = await open();
      try {
        await page.selectOption('#lang', lang);
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        assert.equal(await page.locator('#signin-heading').textContent(), S['signin.heading']);
        assert.equal(await page.locator('label[for="token"]').textContent(), S['signin.token_label']);
        assert.equal(await page.locator('label[for="lang"]').textContent(), S['lang.label']);
        assert.equal(await page.locator('#connect').textContent(), S['signin.connect']);
        assert.equal(await page.locator('.skip-link').textContent(), S['app.skip']);
        await signIn(page, anaToken());
        await expectSignedIn(page, S);
        assert.equal(await page.locator('#signout').textContent(), S['account.sign_out']);
        assert.equal(await page.locator('#courses-heading').textContent(), S['account.courses_heading']);

        // Switching back re-renders everything, signed-in parts included.
        await page.selectOption('#lang', 'en');
        await expectSignedIn(page, en);
        assert.equal(await page.getAttribute('html', 'lang'), 'en');

        // The choice is remembered across a reload (and the tab stays signed in).
        await page.selectOption('#lang', lang);
        await page.reload();
        await ready(page);
        await expectSignedIn(page, S);
        assert.equal(await page.locator('#lang').inputValue(), lang);
        assert.deepEqual(problems, []);
      } finally {
        await close();
      }
    });
  }

  test('the browser language is used when nothing was chosen', T, async () => {
    const { page, close } = await open({ locale: 'pt-BR' });
    try {
      assert.equal(await page.getAttribute('html', 'lang'), 'pt');
      assert.equal(await page.locator('#signin-heading').textContent(), pt['signin.heading']);
      assert.equal(await page.locator('#lang').inputValue(), 'pt');
    } finally {
      await close();
    }
  });

  test('a bad token shows the translated error in an alert', T, async () => {
    const { page, problems, close } = await open();
    try {
      const alert = page.locator('#error[role="alert"]');
      await page.click('#connect');
      await alert.getByText(en['error.no_token']).waitFor();

      await signIn(page, 'not.a.token');
      await alert.getByText(en['error.bad_token']).waitFor();
      assert.equal(await page.locator('#signin').isVisible(), true);
      assert.equal(await page.locator('#status-text').textContent(), en['status.signed_out']);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'token');

      await page.selectOption('#lang', 'es');
      await alert.getByText(es['error.bad_token']).waitFor();
      await page.selectOption('#lang', 'pt');
      await alert.getByText(pt['error.bad_token']).waitFor();

      // An expired token gets its own message.
      await signIn(page, d.token({ user: 'u1', name: 'Ana María', roles: ['1:participant'], ttl: -120 }));
      await alert.getByText(pt['error.token_expired']).waitFor();

      // A good token afterwards clears the error.
      await signIn(page, anaToken());
      await expectSignedIn(page, pt);
      assert.equal((await alert.textContent()).trim(), '');
      // The refused token is reported in the page, never as a script error.
      assert.deepEqual(problems.filter((p) => !/WebSocket/.test(p)), []);
    } finally {
      await close();
    }
  });

  test('a token in the address fragment signs in and is removed from the address', T, async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      const tok = anaToken();
      await page.goto(`${d.url}/#token=${encodeURIComponent(tok)}`);
      await expectSignedIn(page, en);
      const href = await page.evaluate(() => location.href);
      assert.equal(href, `${d.url}/`);
      assert.ok(!href.includes(tok));
      assert.equal(await page.evaluate(() => sessionStorage.getItem('forumd.token')), tok);
      assert.equal(await page.inputValue('#token'), '', 'the token is not echoed into the form');
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('everything works from the keyboard: skip link, language menu, sign in, sign out', T, async () => {
    const { page, close } = await open();
    try {
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
      assert.equal(await page.locator('.skip-link').isVisible(), true);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'lang');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'token');
      await page.keyboard.insertText(anaToken());
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'connect');
      // Focus is visible: the focused button has an outline.
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.notEqual(outline, 'none');
      await page.keyboard.press('Enter');
      await expectSignedIn(page, en);
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'signout');
      await page.keyboard.press('Enter');
      await page.locator('#signin').waitFor({ state: 'visible' });

      // The skip link moves focus to <main>.
      await page.reload();
      await ready(page);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    } finally {
      await close();
    }
  });
});

describe('lost connection', () => {
  test('the page says it is offline and trying again when the daemon stops', T, async () => {
    const own = await startDaemon();
    const { page, close } = await openPage(browser);
    try {
      await page.goto(`${own.url}/`);
      await ready(page);
      await signIn(page, own.token({ user: 'u2', name: 'Bia', roles: ['1:participant'] }));
      await page.locator('#status-text', { hasText: en['status.online'] }).waitFor();
      await own.stop();
      await page.waitForFunction((labels) => labels.includes(document.getElementById('status-text').textContent),
                                 [en['status.offline'], en['status.connecting']], { timeout: TIMEOUT });
      // While it waits between attempts the page gives the reason and the delay; while an
      // attempt is under way ("connecting") it gives only the reason. A slow machine may be
      // in either when the stop is seen, so wait for the waiting state rather than read once.
      await page.waitForFunction(() => /Reconnecting in \d+ s\./.test(document.getElementById('status-detail').textContent),
                                 null, { timeout: TIMEOUT });
      const detail = await page.locator('#status-detail').textContent();
      assert.ok(detail.includes(en['close.1001']) || detail.includes(en['close.1006']), detail);
      // Still signed in as far as the page goes: it keeps trying, the account stays shown.
      assert.equal(await page.locator('#account').isVisible(), true);
      // The live region announced the change (throttled, so allow a few seconds).
      await page.waitForFunction((labels) => labels.some((l) => document.getElementById('announcer').textContent.startsWith(l)),
                                 [en['status.offline'], en['status.connecting']], { timeout: TIMEOUT });
    } finally {
      await close();
      await own.stop();
    }
  });
});
