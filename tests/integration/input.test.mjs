// Every bad input gets its exact error code and the socket lives on; frames the protocol
// cannot accept at all close the socket with the documented code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { connect } from '../lib/client.mjs';
import {
  SLOW, assertError, assertUsable, closedWithin, helloClient, nextMessage, sendRawExpectReply, LIMITS,
} from '../lib/helpers.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(async () => { if (d) assert.equal(await d.stop(), 0, 'forumd exit code'); });

const raw = (c, text) => sendRawExpectReply(c, text);

// The request object is level 1, data level 2, then `arrays` more levels inside data.a.
const nested = (id, arrays) =>
  `{"op":"ping","id":"${id}","data":{"a":${'['.repeat(arrays)}${']'.repeat(arrays)}}}`;

test('malformed JSON is bad_json with re null', async () => {
  const { c } = await helloClient(d);
  for (const text of ['{nope', '{"op":"ping","id":"1"', '', 'pi ng', "{'op':'ping'}", '{"op":"ping",}']) {
    assertError(await raw(c, text), 'bad_json', { re: null });
  }
  await assertUsable(c);
  await c.close();
});

test('trailing data after the JSON value is bad_json', async () => {
  const { c } = await helloClient(d);
  assertError(await raw(c, '{"op":"ping","id":"t1"} x'), 'bad_json', { re: null });
  assertError(await raw(c, '{"op":"ping","id":"t2"}{"op":"ping","id":"t3"}'), 'bad_json', { re: null });
  await assertUsable(c);
  await c.close();
});

test('JSON that is not a request is bad_request', async () => {
  const { c } = await helloClient(d);
  assertError(await raw(c, '"ping"'), 'bad_request', { re: null });
  assertError(await raw(c, '42'), 'bad_request', { re: null });
  assertError(await raw(c, 'null'), 'bad_request', { re: null });
  assertError(await raw(c, '[{"op":"ping","id":"1"}]'), 'bad_request', { re: null });
  assertError(await raw(c, '{"op":"ping"}'), 'bad_request', { re: null });                 // missing id
  assertError(await raw(c, '{"op":"ping","id":7}'), 'bad_request', { re: null });          // id not a string
  assertError(await raw(c, '{"op":"ping","id":""}'), 'bad_request', { re: null });         // empty id
  assertError(await raw(c, `{"op":"ping","id":"${'x'.repeat(65)}"}`), 'bad_request', { re: null });
  assertError(await raw(c, '{"op":"ping","id":"a b"}'), 'bad_request', { re: null });      // not printable ASCII
  assertError(await raw(c, '{"op":"ping","id":"caf\\u00e9"}'), 'bad_request', { re: null });
  assertError(await raw(c, '{"op":"ping","id":"x1","extra":1}'), 'bad_request', { re: 'x1' });
  assertError(await raw(c, '{"id":"x2"}'), 'bad_request', { re: 'x2' });                   // missing op
  assertError(await raw(c, '{"op":5,"id":"x3"}'), 'bad_request', { re: 'x3' });
  assertError(await raw(c, '{"op":"ping","id":"x4","data":[]}'), 'bad_request', { re: 'x4' });
  assertError(await raw(c, '{"op":"ping","id":"x5","data":"s"}'), 'bad_request', { re: 'x5' });
  // The longest id is fine and is echoed whole.
  const id64 = '~'.repeat(32) + '!'.repeat(32);
  const r = await raw(c, JSON.stringify({ op: 'ping', id: id64 }));
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.re, id64);
  await assertUsable(c);
  await c.close();
});

test('an unknown op is unknown_op', async () => {
  const { c } = await helloClient(d);
  assertError(await raw(c, '{"op":"no.such.op","id":"u1"}'), 'unknown_op', { re: 'u1' });
  assertError(await raw(c, '{"op":"Ping","id":"u2"}'), 'unknown_op', { re: 'u2' });
  assertError(await raw(c, `{"op":"${'p'.repeat(49)}","id":"u3"}`), 'unknown_op', { re: 'u3' });
  await assertUsable(c);
  await c.close();
});

test('missing, mistyped and unknown fields are bad_field naming the field', async () => {
  const { c } = await helloClient(d);
  assertError(await c.request('auth.refresh', {}, { id: 'f1' }), 'bad_field', { re: 'f1', field: 'token' });
  assertError(await c.request('auth.refresh', undefined, { id: 'f2' }), 'bad_field', { re: 'f2', field: 'token' });
  assertError(await c.request('auth.refresh', { token: 5 }, { id: 'f3' }), 'bad_field', { re: 'f3', field: 'token' });
  assertError(await c.request('auth.refresh', { token: ['a'] }, { id: 'f4' }), 'bad_field', { re: 'f4', field: 'token' });
  assertError(await c.request('ping', { x: 1 }, { id: 'f5' }), 'bad_field', { re: 'f5', field: 'x' });
  assertError(await c.request('auth.refresh', { token: d.token(), tokn: 'x' }, { id: 'f6' }), 'bad_field', { re: 'f6', field: 'tokn' });
  assertError(await c.request('test.clock', { advance: 'soon' }, { id: 'f7' }), 'bad_field', { re: 'f7', field: 'advance' });
  assertError(await c.request('test.clock', { advance: 1.5 }, { id: 'f8' }), 'bad_field', { re: 'f8', field: 'advance' });
  assertError(await c.request('test.clock', { set: -1 }, { id: 'f9' }), 'bad_field', { re: 'f9', field: 'set' });
  await assertUsable(c);
  await c.close();
});

test('hello fields are checked before hello too', async () => {
  const c = await connect(d.wsUrl);
  assertError(await c.request('hello', {}, { id: 'h1' }), 'bad_field', { re: 'h1', field: 'token' });
  assertError(await c.request('hello', { token: 1 }, { id: 'h2' }), 'bad_field', { re: 'h2', field: 'token' });
  assertError(await c.request('hello', { token: d.token(), resume: [] }, { id: 'h3' }), 'bad_field', { re: 'h3', field: 'resume' });
  assertError(await c.request('hello', { token: d.token(), resume: { 'not a room': 1 } }, { id: 'h4' }), 'bad_field', { re: 'h4', field: 'resume' });
  assertError(await c.request('hello', { token: d.token(), resume: { 'thread:1': -1 } }, { id: 'h5' }), 'bad_field', { re: 'h5', field: 'resume' });
  await assertUsable(c, { token: d.token() });
  await c.close();
});

test('nesting: 33 levels is too_deep, 32 levels passes the depth check', async () => {
  const { c } = await helloClient(d);
  const max = LIMITS.max_depth;
  const deep = await raw(c, nested('d33', max - 1));
  assertError(deep, 'too_deep', { re: null, limit: max });
  // max_depth levels get past the depth check; `a` is not a field of ping.
  assertError(await raw(c, nested('d32', max - 2)), 'bad_field', { re: 'd32', field: 'a' });
  // Brackets inside strings do not count.
  assertError(await raw(c, `{"op":"ping","id":"ds","data":{"a":"${'['.repeat(100)}"}}`), 'bad_field', { re: 'ds', field: 'a' });
  // Far deeper than cJSON's own limit is refused the same way.
  assertError(await raw(c, '['.repeat(5000) + ']'.repeat(5000)), 'too_deep', { re: null });
  await assertUsable(c);
  await c.close();
});

test('NUL in a string is nul_in_text', async () => {
  const { c } = await helloClient(d);
  assertError(await raw(c, String.raw`{"op":"auth.refresh","id":"n1","data":{"token":"ab\u0000cd"}}`), 'nul_in_text', { re: null });
  assertError(await raw(c, String.raw`{"op":"ping","id":"n2","data":{"\u0000":1}}`), 'nul_in_text', { re: null });
  // An escaped backslash followed by u0000 is not a NUL.
  assertError(await raw(c, String.raw`{"op":"ping","id":"n3","data":{"x\\u0000":1}}`), 'bad_field', { re: 'n3' });
  await assertUsable(c);
  await c.close();
});

test('an escaped lone surrogate is bad_utf8 with re null, and the socket lives', async () => {
  const { c } = await helloClient(d);
  for (const [i, token] of [String.raw`\ud800`, String.raw`\udc00`, String.raw`\ud800\u0041`, String.raw`x\udbff`].entries()) {
    assertError(await raw(c, `{"op":"auth.refresh","id":"s${i}","data":{"token":"${token}"}}`), 'bad_utf8', { re: null });
  }
  // A proper pair is text: the token is only refused as a token.
  assertError(await raw(c, String.raw`{"op":"auth.refresh","id":"p1","data":{"token":"\ud83d\ude00"}}`), 'bad_token', { re: 'p1' });
  await assertUsable(c);
  await c.close();
});

test('a \\u escape without 4 hex digits is bad_json, not a string cut short', async () => {
  const { c } = await helloClient(d);
  assertError(await raw(c, String.raw`{"op":"auth.refresh","id":"h1","data":{"token":"abc\uzzzzdef"}}`), 'bad_json', { re: null });
  await assertUsable(c);
  await c.close();
});

test('a message of exactly max_frame_bytes (131072) is read; one byte more closes with 1009', async () => {
  const { c } = await helloClient(d);
  const frame = (id, size) => {
    const head = `{"op":"auth.refresh","id":"${id}","data":{"token":"`;
    const tail = '"}}';
    return head + 'a'.repeat(size - head.length - tail.length) + tail;
  };
  const max = LIMITS.max_frame_bytes;
  const exact = frame('big', max);
  assert.equal(Buffer.byteLength(exact), max);
  assertError(await raw(c, exact), 'too_long', { re: 'big', field: 'token', limit: LIMITS.max_token_bytes });
  await assertUsable(c);

  const over = frame('over', max + 1);
  assert.equal(Buffer.byteLength(over), max + 1);
  c.sendRaw(over);
  const { code, reason } = await closedWithin(c, 10000 * SLOW);
  assert.equal(code, 1009, `close code (reason ${reason})`);
  assert.ok(!c.messages.some((m) => m.re === 'over'), 'no reply to the oversize message');
});

test('a large message sent in fragments is reassembled and limited as a whole', async () => {
  const { c } = await helloClient(d);
  const head = '{"op":"ping","id":"frag","data":{"pad":"';
  const body = head + 'z'.repeat(100000) + '"}}';
  const parts = [body.slice(0, 30000), body.slice(30000, 70000), body.slice(70000)];
  const reply = nextMessage(c, (m) => m.re === 'frag');
  parts.forEach((part, i) => c.ws.send(part, { fin: i === parts.length - 1 }));
  assertError(await reply, 'bad_field', { re: 'frag', field: 'pad' });

  // 3 fragments of about a third of the limit each: each is small, the message is not.
  const third = Math.ceil((LIMITS.max_frame_bytes + 1) / 3);
  const big = 'x'.repeat(3 * third);
  c.ws.send(big.slice(0, third), { fin: false });
  c.ws.send(big.slice(third, 2 * third), { fin: false });
  c.ws.send(big.slice(2 * third), { fin: true });
  const { code } = await closedWithin(c, 10000 * SLOW);
  assert.equal(code, 1009);
});

test('invalid UTF-8 in a text frame closes with 1007', async () => {
  const { c } = await helloClient(d);
  c.sendRaw(Buffer.from([0x7b, 0x22, 0x6f, 0x70, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
  const { code, reason } = await closedWithin(c, 10000 * SLOW);
  assert.equal(code, 1007, `close code (reason ${reason})`);
  assert.equal(reason, 'invalid_utf8', 'the close reason is the close code\'s name');
});

test('invalid UTF-8 split across fragments closes with 1007 invalid_utf8', async () => {
  const { c } = await helloClient(d);
  // Each fragment alone could be the start or end of a character; the message is not UTF-8.
  c.ws.send(Buffer.from([0x7b, 0x22, 0x6f, 0x70, 0x22, 0x3a, 0x22, 0xe2, 0x82]), { binary: false, fin: false });
  c.ws.send(Buffer.from([0x41, 0x22, 0x7d]), { fin: true });
  const { code, reason } = await closedWithin(c, 10000 * SLOW);
  assert.equal(code, 1007, `close code (reason ${reason})`);
  assert.equal(reason, 'invalid_utf8');
});

test('an overlong UTF-8 encoding closes with 1007', async () => {
  const c = await connect(d.wsUrl);
  // "/" encoded in two bytes (0xC0 0xAF) is not valid UTF-8.
  c.sendRaw(Buffer.concat([Buffer.from('{"op":"hello","id":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), { binary: false });
  const { code, reason } = await closedWithin(c, 10000 * SLOW);
  assert.equal(code, 1007);
  assert.equal(reason, 'invalid_utf8');
});

test('a binary frame closes with 1003', async () => {
  const { c } = await helloClient(d);
  c.sendRaw(Buffer.from('{"op":"ping","id":"bin"}'), { binary: true });
  const { code, reason } = await closedWithin(c, 10000 * SLOW);
  assert.equal(code, 1003, `close code (reason ${reason})`);
  assert.ok(!c.messages.some((m) => m.re === 'bin'), 'no reply to the binary frame');
});

test('other sockets are unaffected by one that was closed for bad frames', async () => {
  const { c } = await helloClient(d);
  const { c: bad } = await helloClient(d);
  bad.sendRaw(Buffer.from([1, 2, 3]), { binary: true });
  await closedWithin(bad, 10000 * SLOW);
  await assertUsable(c);
  await c.close();
});
