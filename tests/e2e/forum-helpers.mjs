// Helpers for the forum browser tests: demo sign-in, seeding threads over the wire, and
// moving focus with the Tab key only.
import assert from 'node:assert/strict';
import { connect } from '../lib/client.mjs';

export const fill = (s, params) => s.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));

let seq = 0;
const key = () => `seed${process.pid}x${Date.now()}x${++seq}`.padEnd(16, '0').slice(0, 64);

// A token for a demo user (from the --dev server itself, so the display name is the cast's),
// or for a made-up participant of another course.
async function tokenFor(d, user, course) {
  if (course === 1) {
    const res = await fetch(`${d.url}/dev/token?user=${encodeURIComponent(user)}`);
    assert.equal(res.status, 200, `no demo user ${user}`);
    return (await res.json()).token;
  }
  return d.token({ user, name: user, roles: [`${course}:instructor`] });
}

// Starts a thread over a WebSocket of its own; resolves with the thread id.
export async function seedThread(d, user, { course = 1, kind = 'discussion', title, body, anonymous = false }) {
  const c = await connect(d.wsUrl);
  try {
    const hello = await c.request('hello', { token: await tokenFor(d, user, course) });
    assert.equal(hello.ok, true, JSON.stringify(hello));
    const r = await c.request('thread.create', { course, kind, title, body, anonymous, key: key() });
    assert.equal(r.ok, true, JSON.stringify(r));
    return r.data.thread.id;
  } finally {
    await c.close();
  }
}

// Opens the start page and signs in as a demo user; the page lands on the demo board.
export async function demoSignIn(page, url, user) {
  await page.goto(`${url}/`);
  await page.locator(`.demo-user[data-user="${user}"]`).click();
  await page.locator('#view-forum #page-heading').waitFor();
  await page.locator('#view-forum .threads-wrap .loading').waitFor({ state: 'detached' });
}

export function boardItem(page, threadId) {
  return page.locator(`.thread-item[data-thread="${threadId}"]`);
}

// Presses Tab until the focused element matches the CSS selector.
export async function tabUntil(page, selector, max = 120) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((sel) => !!document.activeElement && document.activeElement.matches(sel), selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

// A signed-in WebSocket of a demo user, for setting the scene: call(op, data) resolves with
// the reply's data (a write gets a fresh idempotency key), and fails the test on an error.
export async function signedIn(d, user, course = 1) {
  const c = await connect(d.wsUrl);
  const hello = await c.request('hello', { token: await tokenFor(d, user, course) });
  assert.equal(hello.ok, true, JSON.stringify(hello));
  return {
    hello: hello.data,
    async call(op, data = {}, { write = true } = {}) {
      const r = await c.request(op, write ? { ...data, key: key() } : data);
      assert.equal(r.ok, true, `${op}: ${JSON.stringify(r)}`);
      return r.data;
    },
    close: () => c.close(),
  };
}

// The thread's opening post id, as the thread page shows it.
export async function openingPostId(page) {
  return Number(await page.locator('article.opening').getAttribute('data-post'));
}
