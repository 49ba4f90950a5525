// "Answered" follows endorsements: a question thread is answered while an endorsed
// response exists, and stops being answered when that response is deleted or removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { connect } from '../lib/client.mjs';

test('removing or deleting the endorsed response makes the question unanswered again', async () => {
  const d = await startDaemon();
  try {
    const course = d.course({});
    let k = 0;
    const key = () => `answered-key-${String(k++).padStart(6, '0')}`;
    const f = await connect(d.wsUrl);
    await f.request('hello', { token: d.token({ user: 'fac', name: 'Fac', roles: [`${course}:facilitator`] }) });
    const answered = async () => (await f.request('thread.list', { course })).data.threads[0].answered;
    const t = await f.request('thread.create', { course, kind: 'question', title: 'Q', body: 'q', key: key() });
    for (const op of ['post.remove', 'post.delete']) {
      const p = await f.request('post.create', { thread: t.data.thread.id, body: 'an answer', key: key() });
      assert.equal(await answered(), false, 'a reply alone does not answer');
      assert.equal((await f.request('post.endorse', { post: p.data.post.id, endorsed: true, key: key() })).ok, true);
      assert.equal(await answered(), true);
      const r = await f.request(op, op === 'post.remove' ? { post: p.data.post.id, reason: 'wrong', key: key() }
                                                         : { post: p.data.post.id, key: key() });
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(await answered(), false, `after ${op}`);
    }
    await f.close();
  } finally {
    assert.equal(await d.stop(), 0);
  }
});
