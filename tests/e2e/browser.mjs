// Browser helpers for the e2e tests: Debian's Chromium through playwright-core, a fresh
// context per test, console/CSP problem collection, and axe-core.
//
//   const browser = await launchBrowser();
//   const { page, problems, close } = await openPage(browser, { locale: 'es-ES' });
//   await page.goto(d.url + '/');
//   assert.deepEqual(problems, []);
//   const violations = await runAxe(page);
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const AXE_PATH = require.resolve('axe-core/axe.min.js');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// Generous: the tests run on a slow 2-core machine, two files at a time.
export const TIMEOUT = 30000;

export function chromiumAvailable() {
  return existsSync(CHROMIUM);
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--no-first-run'],
  });
}

// A fresh context (no cookies, storage or cache shared with other tests) and one page.
// `problems` collects console errors, page errors and CSP violations as strings.
// bypassCSP: for axe only; the page's CSP (script-src 'self') rightly refuses the inline
// script that addScriptTag injects. The CSP itself is checked by the tests that leave it on.
export async function openPage(browser, { locale = 'en-US', viewport = { width: 1024, height: 768 },
                                           reducedMotion = 'reduce', colorScheme = 'light',
                                           bypassCSP = false } = {}) {
  const context = await browser.newContext({ locale, viewport, reducedMotion, colorScheme, bypassCSP });
  context.setDefaultTimeout(TIMEOUT);
  // Runs before the page's own scripts; injected by the browser's debugging channel, so
  // the page's CSP does not apply to it. It turns CSP violations into console errors.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // The start page asks GET /dev/users whether the server offers demo sign-in; a server
    // without --dev answers 404, which Chromium reports in the console. That one is expected.
    if (/\/dev\/users$/.test(msg.location().url || '') && /404/.test(msg.text())) return;
    problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => {
    // A WebSocket that drops is not a page problem; a missing script or stylesheet is.
    if (req.resourceType() !== 'websocket') problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText}`);
  });
  return { context, page, problems, close: () => context.close() };
}

// Runs axe-core on the page with the WCAG 2.0/2.1 A and AA rules; returns the violations,
// each reduced to {id, impact, help, nodes: [selector...]} so a failure message is readable.
export async function runAxe(page, tags = AXE_TAGS) {
  // Needs a context opened with bypassCSP: true (see openPage).
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE_PATH });
  const result = await page.evaluate(async (runTags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: runTags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.map((n) => n.target.join(' ')) }));
  }, tags);
  return result;
}
