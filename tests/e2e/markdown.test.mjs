// Post bodies as Markdown: the renderer (client-js/markdown.js) run in Chromium on each
// construct, on nesting, on hostile text and on long text; a thread page holding every
// construct, scanned by axe-core in en, es and pt; and the composer's Write/Preview tabs
// driven by the keyboard.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon } from '../lib/daemon.mjs';
import { launchBrowser, openPage, runAxe } from './browser.mjs';
import { seedThread, demoSignIn, signedIn, tabUntil } from './forum-helpers.mjs';
import en from '../../client-js/strings/en.js';
import es from '../../client-js/strings/es.js';
import pt from '../../client-js/strings/pt.js';

const T = { timeout: 180000 };
const report = (violations) => violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n');

let d, browser;
before(async () => {
  [d, browser] = await Promise.all([startDaemon({ args: ['--dev'] }), launchBrowser()]);
});
after(async () => {
  await Promise.all([browser && browser.close(), d && d.stop()]);
});

// A page with the client loaded (KaTeX included), for calling the renderer directly.
async function rendererPage() {
  const p = await openPage(browser);
  await p.page.goto(`${d.url}/`);
  await p.page.waitForFunction(() => typeof window.katex === 'object');
  return p;
}

// Renders text into a fresh .post-body in the page; returns its innerHTML. The rendered
// node stays in the page as #out for the caller's queries.
function render(page, text, opts = {}) {
  return page.evaluate(async ([s, o]) => {
    const m = await import('/markdown.js');
    document.getElementById('out')?.remove();
    const div = document.createElement('div');
    div.id = 'out';
    div.className = 'post-body';
    div.append(m.renderMarkdown(s, o));
    document.body.append(div);
    return div.innerHTML;
  }, [text, opts]);
}

const q = (page, js) => page.evaluate(js);

describe('the renderer', () => {
  let P;
  before(async () => { P = await rendererPage(); });
  after(async () => { if (P) await P.close(); });

  test('inline: bold, italic, code, https links, escapes; angle brackets stay text', async () => {
    const html = await render(P.page, 'A **b** *i* __s__ _e_ `x < y` [doc](https://example.com/a) https://example.com/b. \\*no\\* snake_case_name <b>x</b>');
    assert.match(html, /<strong>b<\/strong> <em>i<\/em> <strong>s<\/strong> <em>e<\/em> <code>x &lt; y<\/code>/);
    assert.match(html, /<a href="https:\/\/example.com\/a" rel="noopener noreferrer nofollow ugc">doc<\/a>/);
    assert.match(html, /<a href="https:\/\/example.com\/b" [^>]*>https:\/\/example.com\/b<\/a>\./);
    assert.match(html, / \*no\* snake_case_name &lt;b&gt;x&lt;\/b&gt;<\/p>$/);
  });

  test('paragraphs and line breaks', async () => {
    assert.equal(await render(P.page, 'one\ntwo\n\nthree'), '<p>one<br>two</p><p>three</p>');
  });

  test('bullet and numbered lists, nested by indentation; a numbered list keeps its start', async () => {
    const html = await render(P.page, '- a\n- b\n  - b1\n    1. deep\n- c\n\n3. three\n4. four');
    assert.equal(html, '<ul><li>a</li><li>b<ul><li>b1<ol><li>deep</li></ol></li></ul></li><li>c</li></ul>'
                       + '<ol start="3"><li>three</li><li>four</li></ol>');
    // Blank lines between items: each item's text is a paragraph.
    assert.equal(await render(P.page, '* x\n\n* y'), '<ul><li><p>x</p></li><li><p>y</p></li></ul>');
  });

  test('block quotes, nested, with a lazy continuation line', async () => {
    assert.equal(await render(P.page, '> quoted\nlazy\n>> inner'),
                 '<blockquote><p>quoted<br>lazy</p><blockquote><p>inner</p></blockquote></blockquote>');
  });

  test('fenced code: the language shown as a label and set as language-* ; the text kept as typed', async () => {
    const html = await render(P.page, '```python\nif a < b:\n    print("**x**")\n```\n\n~~~\nplain\n~~~');
    assert.equal(html, '<figure class="code-block"><figcaption class="code-lang">python</figcaption>'
                       + '<pre><code class="language-python">if a &lt; b:\n    print("**x**")</code></pre></figure>'
                       + '<pre><code>plain</code></pre>');
  });

  test('headings start one level below the place of the post and stop at h6', async () => {
    const text = '# one\n## two\n### three\n#### four\n###### six';
    await render(P.page, text, { headingLevel: 3 });
    assert.deepEqual(await q(P.page, () => [...document.querySelectorAll('#out :is(h1,h2,h3,h4,h5,h6)')].map((e) => `${e.tagName}:${e.textContent}`)),
                     ['H3:one', 'H4:two', 'H5:three', 'H6:four', 'H6:six']);
    await render(P.page, '# top', { headingLevel: 1 }); // asked for h1: never
    assert.equal(await q(P.page, () => document.querySelector('#out h1')), null);
    assert.equal(await q(P.page, () => document.querySelector('#out h2').textContent), 'top');
    assert.equal(await render(P.page, '####### seven'), '<p>####### seven</p>');
    assert.equal(await render(P.page, 'a\n\n#\n\n## #\n\nb'), '<p>a</p><p>b</p>'); // no empty headings
  });

  test('tables: column headers, alignment from the delimiter row, a translated name', async () => {
    await render(P.page, '| Left | Mid | Right |\n|:--|:-:|--:|\n| a \\| b | `c` | 3 |\n| only one |');
    const t = await q(P.page, () => {
      const table = document.querySelector('#out table');
      return {
        label: table.getAttribute('aria-label'),
        th: [...table.querySelectorAll('thead th')].map((th) => [th.getAttribute('scope'), th.className, th.textContent]),
        rows: [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent)),
        wrapFocusable: table.parentElement.tabIndex === 0,
      };
    });
    assert.equal(t.label, en['md.table']);
    assert.deepEqual(t.th, [['col', 'align-left', 'Left'], ['col', 'align-center', 'Mid'], ['col', 'align-right', 'Right']]);
    assert.deepEqual(t.rows, [['a | b', 'c', '3'], ['only one', '', '']]);
    assert.equal(t.wrapFocusable, true);
  });

  test('horizontal rules', async () => {
    assert.equal(await render(P.page, 'a\n\n---\n\n* * *\n\nb'), '<p>a</p><hr><hr><p>b</p>');
  });

  test('math: $…$ and $$…$$ become MathML (no KaTeX HTML); money stays text', async () => {
    await render(P.page, 'Inline $x^2 + y_1$ and $$\\frac{a}{b}$$ costs $5 and $10.\n\n$$\n\\sum_{k=1}^{n} k\n$$');
    const r = await q(P.page, () => ({
      maths: [...document.querySelectorAll('#out math')].map((m) => [m.namespaceURI, m.getAttribute('display')]),
      msup: !!document.querySelector('#out math msup'),
      mfrac: !!document.querySelector('#out math mfrac'),
      munderover: !!document.querySelector('#out math munderover'),
      katexHtml: document.querySelectorAll('#out .katex-html, #out [style]').length,
      focusableDisplay: document.querySelectorAll('#out .katex-display[tabindex="0"] > .katex > math[display="block"]').length,
      text: document.querySelector('#out p').textContent,
    }));
    assert.deepEqual(r.maths, [['http://www.w3.org/1998/Math/MathML', null],
                               ['http://www.w3.org/1998/Math/MathML', 'block'],
                               ['http://www.w3.org/1998/Math/MathML', 'block']]);
    assert.ok(r.msup && r.mfrac && r.munderover, JSON.stringify(r));
    assert.equal(r.katexHtml, 0);
    assert.equal(r.focusableDisplay, 2); // a wide formula scrolls: its box takes focus
    assert.match(r.text, /costs \$5 and \$10\.$/);
    // \$ keeps a dollar sign as typed.
    assert.equal(await render(P.page, 'from \\$3 to \\$4'), '<p>from $3 to $4</p>');
  });

  test('bad TeX shows its source and a visible error note', async () => {
    await render(P.page, 'Try $\\frac{1}{$ and $\\nosuchcommand{x}$.');
    const notes = await q(P.page, () => [...document.querySelectorAll('#out .math-error')].map((e) => [e.querySelector('code').textContent, e.querySelector('.math-error-note').textContent]));
    assert.equal(notes.length, 2, JSON.stringify(notes));
    assert.equal(notes[0][0], '$\\frac{1}{$');
    assert.equal(notes[1][0], '$\\nosuchcommand{x}$');
    for (const [, note] of notes) assert.ok(note.startsWith(en['md.math_error'].split('{')[0]), note);
    assert.equal(await q(P.page, () => document.querySelectorAll('#out math').length), 0);
  });

  test('hostile text stays harmless, and the page stays responsive', async () => {
    const text = [
      '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>',
      '[x](javascript:alert(1)) [y](data:text/html,hi) [z](http://example.com/) javascript:alert(1)',
      '[**a**](JaVaScRiPt:window.__pwned=3) <a href="javascript:alert(1)">a</a>',
      '$\\href{javascript:window.__pwned=4}{x}$ $\\url{javascript:alert(1)}$ $\\htmlStyle{color:red}{x}$',
      '$\\includegraphics{https://example.com/x.png}$ $\\def\\a{\\a\\a}\\a$ $\\rule{99999em}{99999em}$',
      '```html\n<img src=x onerror=alert(1)>\n```',
      '| <img src=x onerror=alert(1)> |\n|---|\n| [x](javascript:alert(1)) |',
    ].join('\n\n');
    const t0 = Date.now();
    await render(P.page, text);
    const took = Date.now() - t0;
    const r = await q(P.page, () => {
      const all = [...document.querySelectorAll('#out *')];
      return {
        pwned: window.__pwned ?? null,
        tags: [...new Set(all.map((e) => e.localName))].filter((n) => ['img', 'script', 'iframe', 'object', 'embed', 'style'].includes(n)),
        links: [...document.querySelectorAll('#out a')].map((a) => a.href),
        handlers: all.flatMap((e) => [...e.attributes].map((a) => a.name)).filter((n) => n.startsWith('on') || n === 'style'),
        hrefs: all.filter((e) => e.localName !== 'a' && e.hasAttribute('href')).length,
        mspace: [...document.querySelectorAll('#out mspace')].map((e) => e.getAttribute('width')),
        text: document.getElementById('out').textContent,
      };
    });
    assert.equal(r.pwned, null);
    assert.deepEqual(r.tags, []);
    assert.deepEqual(r.links, []); // not one of those schemes became a link
    assert.deepEqual(r.handlers, []);
    assert.equal(r.hrefs, 0);
    assert.deepEqual(r.mspace, ['20em']); // \rule is capped by maxSize
    assert.ok(r.text.includes('<img src=x onerror="window.__pwned=1">'), 'the markup shows as text');
    assert.ok(r.text.includes('[x](javascript:alert(1))'));
    assert.ok(took < 10000, `took ${took} ms`);
    // Still responsive: a trivial evaluation comes back.
    assert.equal(await P.page.evaluate(() => 1 + 1), 2);
    await new Promise((res) => setTimeout(res, 200)); // an onerror would have fired by now
    assert.equal(await q(P.page, () => window.__pwned ?? null), null);
  });

  test('nesting stops at MAX_DEPTH; deeper markers stay text', async () => {
    const max = await q(P.page, async () => (await import('/markdown.js')).MAX_DEPTH);
    assert.equal(max, 8);
    await render(P.page, `${'>'.repeat(10000)} deep`);
    const depthOf = () => q(P.page, () => {
      let deepest = 0;
      for (const e of document.querySelectorAll('#out *')) {
        let n = 0;
        for (let x = e; x && x.id !== 'out'; x = x.parentElement) if (['blockquote', 'ul', 'ol'].includes(x.localName)) n++;
        deepest = Math.max(deepest, n);
      }
      return deepest;
    });
    assert.equal(await depthOf(), 8);
    assert.ok((await q(P.page, () => document.getElementById('out').textContent)).endsWith('> deep'));
    await render(P.page, Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i * 2)}- level ${i}`).join('\n'));
    assert.equal(await depthOf(), 8);
    await render(P.page, Array.from({ length: 3000 }, (_, i) => `${'> '.repeat(i % 40)}- x`).join('\n'));
    assert.ok(await depthOf() <= 8);
  });

  test('a 100,000-character post renders quickly, and so does text built to be slow', async (t) => {
    const unit = '## Week notes\n\nSome **bold**, *italic*, `code`, https://example.com/x and $e^{i\\pi}+1=0$.\n\n'
      + '- one\n- two\n  - nested $a_1$\n\n> quoted\n>> deeper\n\n```python\nfor i in range(3):\n    print(i)\n```\n\n'
      + '| a | b |\n|---|:-:|\n| 1 | 2 |\n\n---\n\n$$\\sum_{k=1}^n k = \\frac{n(n+1)}{2}$$\n\n';
    const fill = (u) => u.repeat(Math.ceil(100000 / u.length)).slice(0, 100000);
    const cases = {
      mixed: fill(unit),
      'unclosed **': fill('**a '), 'unclosed $': fill('$a '), 'unclosed $$': fill('$$a '), 'unclosed `': fill('`` a `'),
      'unclosed [': fill('[a](b '), 'quote markers': fill('>'), 'list lines': fill('- x\n  '),
      'open fences': fill('```\n'), 'open $$ lines': fill('$$\n'), 'distinct formulas': Array.from({ length: 20000 }, (_, i) => `$x_{${i}}$`).join(' ').slice(0, 100000),
      pipes: fill('| a | b |\n|---|---|\n'), underscores: fill('_a '), addresses: fill('https://a.b/('),
    };
    const times = await P.page.evaluate(async (all) => {
      const m = await import('/markdown.js');
      const out = {};
      for (const [k, v] of Object.entries(all)) {
        const t0 = performance.now();
        const div = document.createElement('div');
        div.className = 'post-body';
        div.append(m.renderMarkdown(v));
        const built = performance.now();
        document.body.append(div);
        div.getBoundingClientRect(); // laid out
        out[k] = { chars: v.length, build: Math.round(built - t0), total: Math.round(performance.now() - t0) };
        div.remove();
      }
      return out;
    }, cases);
    for (const [k, v] of Object.entries(times)) t.diagnostic(`${k}: ${v.chars} chars, built in ${v.build} ms, laid out by ${v.total} ms`);
    // Generous bounds for a slow shared machine; a quadratic path would take minutes.
    for (const [k, v] of Object.entries(times)) {
      assert.ok(v.build < 3000, `${k}: built in ${v.build} ms`);
      assert.ok(v.total < 8000, `${k}: ${v.total} ms`);
    }
  });
});

// Every construct in one post, as the thread page shows it.
const EVERYTHING = [
  '# Plan for week 2',
  'Intro with **bold**, *italic*, `code`, [the docs](https://example.com/docs) and $E = mc^2$.',
  '- first\n- second\n  1. nested one\n  2. nested two',
  '> A quote\n>> and a quote inside it',
  '```python\nprint("hello")\n```',
  '## Scores',
  '| Name | Score |\n|:-----|------:|\n| Ana | 9 |\n| Bruno | 8 |',
  '---',
  '$$\\int_0^1 x\\,dx = \\frac{1}{2}$$',
  'A typo: $\\frac{1}{$',
].join('\n\n');

describe('a thread page with every construct', () => {
  let threadId;
  before(async () => {
    threadId = await seedThread(d, 'diego', { kind: 'question', title: 'Everything Markdown can do', body: EVERYTHING });
    const ana = await signedIn(d, 'ana');
    try {
      await ana.call('post.create', { thread: threadId, body: `# A heading in a response\n\n${EVERYTHING}` });
    } finally {
      await ana.close();
    }
  });

  for (const [lang, S, locale, colorScheme] of [['en', en, 'en-US', 'light'], ['es', es, 'es-ES', 'light'], ['pt', pt, 'pt-BR', 'light'],
                                                 ['en', en, 'en-US', 'dark'], ['pt', pt, 'pt-BR', 'dark']]) {
    test(`no axe violations in ${lang}, ${colorScheme}: posts with every construct, the preview and the formatting help`, T, async () => {
      const { page, problems, close } = await openPage(browser, { bypassCSP: true, locale, colorScheme });
      try {
        await demoSignIn(page, d.url, 'bruno');
        await page.goto(`${d.url}/#/thread/${threadId}`);
        await page.locator('article.response math').first().waitFor();
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        // Under the page's <h1>, the opening post's # is an <h2>; a response's is an <h3>.
        assert.equal(await page.locator('article.opening .post-body h2', { hasText: 'Plan for week 2' }).count(), 1);
        assert.equal(await page.locator('article.opening .post-body h3', { hasText: 'Scores' }).count(), 1);
        assert.equal(await page.locator('article.response .post-body h3', { hasText: 'A heading in a response' }).count(), 1);
        assert.equal(await page.locator('#view-forum h1').count(), 1);
        assert.equal(await page.locator('article.opening .post-body math').count(), 2);
        assert.equal(await page.getAttribute('article.opening table', 'aria-label'), S['md.table']);
        assert.equal(await page.locator('article.opening .math-error').count(), 1);
        let v = await runAxe(page);
        assert.deepEqual(v, [], `thread:\n${report(v)}`);

        await page.fill(`#compose-${threadId}-body`, EVERYTHING);
        await page.click(`#compose-${threadId}-tab-preview`);
        await page.locator(`#compose-${threadId}-preview math`).first().waitFor();
        await page.click(`#compose-${threadId}-help summary`);
        v = await runAxe(page);
        assert.deepEqual(v, [], `preview and help:\n${report(v)}`);

        await page.setViewportSize({ width: 360, height: 740 });
        v = await runAxe(page);
        assert.deepEqual(v, [], `narrow:\n${report(v)}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
        assert.deepEqual(problems, []);
      } finally {
        await close();
      }
    });
  }

  test('the page keeps its CSP: rendering math reports no violation', T, async () => {
    const { page, problems, close } = await openPage(browser);
    try {
      await demoSignIn(page, d.url, 'bruno');
      await page.goto(`${d.url}/#/thread/${threadId}`);
      await page.locator('article.response math').first().waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});

describe('the composer preview', () => {
  test('Write and Preview tabs: one tab stop, arrow keys, Home and End; the preview is the rendered text', T, async () => {
    const threadId = await seedThread(d, 'ana', { title: `Preview ${Date.now()}`, body: 'Start here.' });
    const { page, problems, close } = await openPage(browser);
    const id = `compose-${threadId}`;
    const focused = () => page.evaluate(() => document.activeElement && document.activeElement.id);
    const selected = () => page.evaluate((cid) => ['write', 'preview'].map((n) => {
      const tab = document.getElementById(`${cid}-tab-${n}`);
      return [tab.getAttribute('aria-selected'), tab.tabIndex, document.getElementById(`${cid}-panel-${n}`).hidden];
    }), id);
    try {
      await demoSignIn(page, d.url, 'bruno');
      await page.goto(`${d.url}/#/thread/${threadId}`);
      await page.locator(`#${id}-body`).waitFor();
      assert.equal(await page.getAttribute(`#${id} [role="tablist"]`, 'aria-label'), en['compose.editor']);
      assert.equal(await page.getAttribute(`#${id}-tab-preview`, 'aria-controls'), `${id}-panel-preview`);
      assert.deepEqual(await selected(), [['true', 0, false], ['false', -1, true]]);

      await page.focus(`#${id}-body`);
      await page.keyboard.type('Sum: $\\sum_k k$\n\n- one\n- two');
      await page.keyboard.press('Shift+Tab'); // back from the text to the selected tab
      assert.equal(await focused(), `${id}-tab-write`);
      await page.keyboard.press('ArrowRight');
      assert.equal(await focused(), `${id}-tab-preview`);
      assert.deepEqual(await selected(), [['false', -1, true], ['true', 0, false]]);
      assert.equal(await page.locator(`#${id}-preview math`).count(), 1);
      assert.deepEqual(await page.locator(`#${id}-preview li`).allTextContents(), ['one', 'two']);
      // The panel itself is the next tab stop (the other tab is not one).
      await page.keyboard.press('Tab');
      assert.equal(await focused(), `${id}-panel-preview`);
      await page.keyboard.press('Shift+Tab');
      assert.equal(await focused(), `${id}-tab-preview`);
      await page.keyboard.press('ArrowRight'); // wraps around
      assert.equal(await focused(), `${id}-tab-write`);
      await page.keyboard.press('End');
      assert.equal(await focused(), `${id}-tab-preview`);
      await page.keyboard.press('Home');
      assert.equal(await focused(), `${id}-tab-write`);
      assert.deepEqual(await selected(), [['true', 0, false], ['false', -1, true]]);
      assert.equal(await page.inputValue(`#${id}-body`), 'Sum: $\\sum_k k$\n\n- one\n- two');

      // Sending from the preview with an empty message brings back the text box, focused.
      await page.fill(`#${id}-body`, '');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('ArrowLeft'); // wraps around the other way
      assert.equal(await focused(), `${id}-tab-preview`);
      assert.equal(await page.textContent(`#${id}-preview`), en['compose.preview_empty']);
      await tabUntil(page, `#${id} button[type="submit"]`);
      await page.keyboard.press('Enter');
      await page.locator(`#${id}-body-error`, { hasText: en['compose.error.body_empty'] }).waitFor();
      assert.equal(await focused(), `${id}-body`);
      assert.deepEqual(await selected(), [['true', 0, false], ['false', -1, true]]);

      // Posted from the preview: the post shows what the preview showed.
      await page.fill(`#${id}-body`, '1. **first**\n2. $x^2$');
      await page.click(`#${id}-tab-preview`);
      const preview = await page.innerHTML(`#${id}-preview`);
      await page.click(`#${id} button[type="submit"]`);
      const mine = page.locator('article.response.mine');
      await mine.waitFor();
      assert.equal(await mine.locator('.post-body').innerHTML(), preview);
      assert.deepEqual(await selected(), [['true', 0, false], ['false', -1, true]]);

      // The formatting help is a disclosure, closed at first.
      assert.equal(await page.locator(`#${id}-help`).getAttribute('open'), null);
      await page.click(`#${id}-help summary`);
      assert.ok((await page.locator(`#${id}-help`).textContent()).includes(en['md.help.math_desc']));
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});
