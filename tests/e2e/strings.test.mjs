// The three string tables: same keys, real translations, a message for every error code
// and close code in protocol/protocol.json, and placeholders kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import en from '../../client-js/strings/en.js';
import es from '../../client-js/strings/es.js';
import pt from '../../client-js/strings/pt.js';
import { pickLang, interpolate } from '../../client-js/i18n.js';

const protocol = JSON.parse(readFileSync(new URL('../../protocol/protocol.json', import.meta.url), 'utf8'));
const TABLES = { es, pt };

// Values that are the same in every language on purpose: the product name and the
// language names, which each language menu shows in that language itself.
const SAME_EVERYWHERE = new Set(['app.name', 'lang.en', 'lang.es', 'lang.pt']);
// Words that happen to be spelled the same as in English in one language.
const SAME_AS_EN = { es: new Set([]), pt: new Set([]) };

const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('es and pt have exactly the keys of en', () => {
  const keys = Object.keys(en).sort();
  for (const [lang, table] of Object.entries(TABLES)) {
    assert.deepEqual(Object.keys(table).sort(), keys, `${lang} keys differ from en`);
  }
});

// A key written twice in one table silently keeps only the last value: refuse it in the source.
test('no table defines a key twice', () => {
  for (const lang of ['en', 'es', 'pt']) {
    const src = readFileSync(new URL(`../../client-js/strings/${lang}.js`, import.meta.url), 'utf8');
    const keys = [...src.matchAll(/^\s*'([^']+)'\s*:/gm)].map((m) => m[1]);
    const seen = new Set();
    const twice = keys.filter((k) => (seen.has(k) ? true : (seen.add(k), false)));
    assert.ok(keys.length > 100, `${lang}: keys read from the source`);
    assert.deepEqual(twice, [], `${lang}: keys defined twice`);
  }
});

test('every value is a non-empty string with the same placeholders as en', () => {
  for (const [lang, table] of Object.entries({ en, ...TABLES })) {
    for (const [k, v] of Object.entries(table)) {
      assert.equal(typeof v, 'string', `${lang}:${k}`);
      assert.ok(v.trim().length > 0, `${lang}:${k} is empty`);
      assert.deepEqual(placeholders(v), placeholders(en[k]), `${lang}:${k} placeholders`);
    }
  }
});

test('es and pt are translated, not copies of en', () => {
  for (const [lang, table] of Object.entries(TABLES)) {
    const same = Object.keys(en).filter((k) => table[k] === en[k] && !SAME_EVERYWHERE.has(k) && !SAME_AS_EN[lang].has(k));
    assert.deepEqual(same, [], `${lang} values identical to en`);
  }
  // The whitelisted ones really are the same everywhere.
  for (const k of SAME_EVERYWHERE) assert.ok(es[k] === en[k] && pt[k] === en[k], k);
  // And es and pt are not copies of each other either, past a few shared words.
  const shared = Object.keys(en).filter((k) => es[k] === pt[k] && !SAME_EVERYWHERE.has(k));
  assert.ok(shared.length < 10, `es and pt share too many values: ${shared.join(', ')}`);
});

test('a message for every error code and close code in protocol.json', () => {
  for (const { code } of protocol.errors) {
    for (const [lang, table] of Object.entries({ en, ...TABLES })) {
      assert.ok(table[`error.${code}`], `${lang}: no message for error ${code}`);
    }
  }
  for (const { code } of protocol.close_codes) {
    for (const [lang, table] of Object.entries({ en, ...TABLES })) {
      assert.ok(table[`close.${code}`], `${lang}: no message for close ${code}`);
    }
  }
  for (const role of protocol.roles) assert.ok(en[`role.${role}`], `no name for role ${role}`);
});

test('language choice: saved, then the browser list, then English', () => {
  assert.equal(pickLang('pt', ['es-ES']), 'pt');
  assert.equal(pickLang(null, ['fr-FR', 'es-MX', 'en']), 'es');
  assert.equal(pickLang('xx', ['pt-BR']), 'pt');
  assert.equal(pickLang(null, ['de', 'fr']), 'en');
  assert.equal(pickLang(null, []), 'en');
  assert.equal(interpolate('Hi {name}, {missing}', { name: 'Ana' }), 'Hi Ana, {missing}');
});
