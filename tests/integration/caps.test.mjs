// Caps on sockets: per peer address (generous and configurable; a webinar may sit
// behind one NAT).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { connect } from '../lib/client.mjs';

test('sockets from one address past --max-sockets-per-ip are closed with 4006; a freed place is reusable', async () => {
  const d = await startDaemon({ args: ['--max-sockets-per-ip', '3'] });
  try {
    const open = [];
    for (let i = 0; i < 3; i++) {
      const c = await connect(d.wsUrl);
      const r = await c.request('hello', { token: d.token({ user: `ip${i}`, name: 'N' }) });
      assert.equal(r.ok, true);
      open.push(c);
    }
    const extra = await connect(d.wsUrl);
    const { code, reason } = await extra.closed;
    assert.equal(code, 4006);
    assert.equal(reason, 'too_many_sockets');
    await open[0].close();
    await new Promise((res) => setTimeout(res, 200));
    const again = await connect(d.wsUrl);
    const r = await again.request('hello', { token: d.token({ user: 'ip9', name: 'N' }) });
    assert.equal(r.ok, true);
    for (const c of [...open.slice(1), again]) await c.close();
  } finally {
    assert.equal(await d.stop(), 0);
  }
});
