// Post bodies are Markdown text, stored as typed; this renders them in the page, building
// DOM nodes (user text is never parsed as HTML). The subset:
//
//   blank line           new paragraph; a single line break stays a line break (<br>)
//   **bold**, __bold__   <strong>;   *italic*, _italic_   <em>;   `code`   <code>
//   [text](https://…)    a link; bare https:// addresses become links too. Only https links:
//                        any other scheme (javascript:, data:, http:, …) stays plain text.
//   - item, * item, 1.   bullet and numbered lists, nested by indentation
//   > quote              block quotes, nested (>> …)
//   ```python            fenced code (``` or ~~~); the language is shown and set as
//                        class="language-python" on the <code>; no highlighting
//   # Heading            headings; `#` becomes the level given by `headingLevel` (the level
//                        just below the heading the post sits under), deeper ones follow,
//                        all clamped to <h6>, so a post never adds an <h1> to the page
//   | a | b |            GitHub tables: a header row, a |:--|:-:|--:| row for alignment
//   ---                  a horizontal rule
//   $x^2$, $$…$$         math, rendered by KaTeX (vendor/katex) to MathML, which screen
//                        readers read; $ needs a non-space after it and before its closing $
//                        (and no digit after that), so "$5 and $10" stays money
//   \*, \$, \|, …        a backslash keeps the next punctuation character as typed
//
// Bounds, so that one participant's post cannot make another participant's page hang:
// nesting of quotes and lists stops at MAX_DEPTH (deeper markers stay text), emphasis nests
// at most 3 deep, a post renders at most MAX_MATH formulas of at most MAX_TEX characters
// each (the rest show their TeX source), KaTeX gets maxSize and maxExpand, and every search
// for a closing delimiter is remembered so that the work stays linear in the text's length.
import { t } from './i18n.js';
import { tNodes } from './ui.js';

export const MAX_DEPTH = 8;
export const MAX_MATH = 400;
export const MAX_TEX = 4000;
const MAX_COLUMNS = 64;
const MAX_EMPHASIS = 3;

// KaTeX settings for text written by someone else: no \href, \url, \includegraphics or
// \htmlClass (trust), sizes capped (maxSize, in em) and macro expansion capped (maxExpand:
// `\def\a{\a\a}\a` stops with an error instead of doubling forever).
const KATEX_OPTIONS = Object.freeze({
  output: 'mathml', throwOnError: false, trust: false, strict: 'ignore',
  maxSize: 20, maxExpand: 300, globalGroup: false, errorColor: '#cc0001',
});

const TRAILING = /[.,;:!?)\]}'"»”’]/;
const PUNCT = /[!-/:-@[-`{-~]/;
const SPACE = /\s/;
const WORD = /[\p{L}\p{N}]/u;

// renderMarkdown(text, { headingLevel = 3, doc = document }) -> DocumentFragment (the caller's)
export function renderMarkdown(text, opts = {}) {
  const doc = opts.doc || (opts.nodeType ? opts : document);
  const base = Math.min(6, Math.max(2, Number(opts.headingLevel) || 3));
  const env = { doc, base, math: 0 };
  const lines = String(text ?? '').replace(/\r\n?/g, '\n').split('\n');
  const frag = doc.createDocumentFragment();
  renderBlocks(parseBlocks(lines, 0), frag, env, false);
  return frag;
}

// ---- blocks -------------------------------------------------------------------------------

const FENCE = /^(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/;
const HEADING = /^(#{1,6})(?:[ \t]+(.*))?$/;
const HR = /^([-*_])[ \t]*(?:\1[ \t]*){2,}$/;
const ITEM = /^([-*+]|(\d{1,9})([.)]))([ \t]+|$)/;
const DELIM_CELL = /^:?-+:?$/;

function indentOf(line) {
  let col = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === ' ') col++;
    else if (ch === '\t') col += 4 - (col % 4);
    else break;
  }
  return col;
}

// The line with n columns of leading indentation taken off (a tab counts to the next
// multiple of 4; a tab cut in half leaves the rest as spaces).
function dedent(line, n) {
  let col = 0;
  let i = 0;
  while (i < line.length && col < n) {
    if (line[i] === ' ') col++;
    else if (line[i] === '\t') {
      const w = 4 - (col % 4);
      if (col + w > n) return ' '.repeat(col + w - n) + line.slice(i + 1);
      col += w;
    } else break;
    i++;
  }
  return line.slice(i);
}

const blank = (line) => !/\S/.test(line);

// The line without up to 3 spaces of indentation, or null when it is indented more (then it
// can only continue a paragraph or a list item).
function lead(line) {
  const ind = indentOf(line);
  return ind > 3 ? null : line.replace(/^[ \t]+/, '');
}

function listMarker(s) {
  const m = ITEM.exec(s);
  if (!m) return null;
  const ordered = m[2] !== undefined;
  return { ordered, char: ordered ? m[3] : m[1], start: ordered ? Number(m[2]) : 1,
           width: m[1].length, spaces: m[4], rest: s.slice(m[0].length) };
}

// Would this line start a block of its own (and so end a paragraph)?
function startsBlock(line) {
  const s = lead(line);
  if (s === null || s === '') return false;
  if (FENCE.test(s) || HEADING.test(s) || HR.test(s) || s[0] === '>' || s.startsWith('$$')) return true;
  const li = listMarker(s);
  return !!li && li.rest.trim() !== '' && (!li.ordered || li.start === 1);
}

function splitRow(line) {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === '|') { cur += '\\|'; i++; continue; }
    if (s[i] === '|') { cells.push(cur.trim()); cur = ''; if (cells.length > MAX_COLUMNS) break; continue; }
    cur += s[i];
  }
  cells.push(cur.trim());
  return cells;
}

function tableStart(lines, i) {
  if (i + 1 >= lines.length || !lines[i].includes('|')) return null;
  const d = lead(lines[i + 1]);
  if (d === null || !d.includes('-') || !/^[\s|:-]+$/.test(d)) return null;
  const delim = splitRow(d);
  if (!delim.every((c) => DELIM_CELL.test(c))) return null;
  const head = splitRow(lines[i]);
  if (head.length !== delim.length || delim.length > MAX_COLUMNS) return null;
  const align = delim.map((c) => (c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : c.startsWith(':') ? 'left' : null));
  return { head, align };
}

// lines -> blocks: {type: 'p', lines} | {type: 'h', level, text} | {type: 'hr'} |
// {type: 'code', lang, text} | {type: 'math', tex} | {type: 'quote', blocks} |
// {type: 'list', ordered, start, loose, items: [blocks]} | {type: 'table', align, head, rows}
function parseBlocks(lines, depth) {
  const out = [];
  const n = lines.length;
  let para = null;
  let noMathCloseFrom = Infinity; // no line at or after this index closes a $$ block
  const endPara = () => { if (para) { out.push({ type: 'p', lines: para }); para = null; } };
  let i = 0;
  while (i < n) {
    const line = lines[i];
    if (blank(line)) { endPara(); i++; continue; }
    const s = lead(line);
    if (s === null) { (para || (para = [])).push(line); i++; continue; }

    let m = FENCE.exec(s);
    if (m) {
      endPara();
      const ind = indentOf(line);
      const fence = m[1];
      const lang = /^[\w#+.-]{1,32}$/.test(m[2]) ? m[2] : '';
      const closing = fence[0] === '`' ? new RegExp(`^\`{${fence.length},}[ \t]*$`) : new RegExp(`^~{${fence.length},}[ \t]*$`);
      const body = [];
      i++;
      while (i < n) {
        const c = lead(lines[i]);
        if (c !== null && closing.test(c)) { i++; break; }
        body.push(dedent(lines[i], ind));
        i++;
      }
      out.push({ type: 'code', lang, text: body.join('\n') });
      continue;
    }

    if (s.startsWith('$$')) {
      const one = s.trim();
      if (one.length > 4 && one.endsWith('$$')) {
        endPara();
        out.push({ type: 'math', tex: one.slice(2, -2) });
        i++;
        continue;
      }
      if (!one.slice(2).includes('$$') && i + 1 < noMathCloseFrom) {
        let j = i + 1;
        while (j < n && !lines[j].trimEnd().endsWith('$$')) j++;
        if (j < n) {
          endPara();
          const tex = [one.slice(2), ...lines.slice(i + 1, j), lines[j].trimEnd().slice(0, -2)].join('\n');
          out.push({ type: 'math', tex });
          i = j + 1;
          continue;
        }
        noMathCloseFrom = i + 1;
      }
    }

    m = HEADING.exec(s);
    if (m) {
      endPara();
      const text = (m[2] || '').replace(/(^|[ \t]+)#+[ \t]*$/, '').trim();
      out.push({ type: 'h', level: m[1].length, text });
      i++;
      continue;
    }

    if (HR.test(s)) {
      endPara();
      out.push({ type: 'hr' });
      i++;
      continue;
    }

    if (s[0] === '>' && depth < MAX_DEPTH) {
      endPara();
      const inner = [];
      let lastText = false;
      while (i < n) {
        const c = lead(lines[i]);
        if (c !== null && c[0] === '>') {
          const rest = c.slice(1);
          const stripped = rest[0] === ' ' ? rest.slice(1) : rest[0] === '\t' ? dedent(rest, 1) : rest;
          inner.push(stripped);
          lastText = !blank(stripped);
        } else if (lastText && !blank(lines[i]) && !startsBlock(lines[i])) {
          inner.push(lines[i]); // a lazy continuation of the quoted paragraph
        } else break;
        i++;
      }
      out.push({ type: 'quote', blocks: parseBlocks(inner, depth + 1) });
      continue;
    }

    const li = depth < MAX_DEPTH ? listMarker(s) : null;
    if (li && !(para && (li.rest.trim() === '' || (li.ordered && li.start !== 1)))) {
      endPara();
      const r = parseList(lines, i, depth);
      out.push(r.block);
      i = r.next;
      continue;
    }

    const tbl = tableStart(lines, i);
    if (tbl) {
      endPara();
      const rows = [];
      i += 2;
      while (i < n && !blank(lines[i]) && lines[i].includes('|') && !startsBlock(lines[i])) {
        const cells = splitRow(lines[i]).slice(0, tbl.head.length);
        while (cells.length < tbl.head.length) cells.push('');
        rows.push(cells);
        i++;
      }
      out.push({ type: 'table', align: tbl.align, head: tbl.head, rows });
      continue;
    }

    (para || (para = [])).push(line);
    i++;
  }
  endPara();
  return out;
}

// A list starting at lines[i]: its items, each parsed as blocks one level deeper.
function parseList(lines, i, depth) {
  const n = lines.length;
  const first = listMarker(lead(lines[i]));
  const items = [];
  let loose = false;
  let pendingBlank = false;
  let cur = null;
  let ind = 0;
  let content = 0;
  while (i < n) {
    const line = lines[i];
    if (blank(line)) {
      if (cur) { cur.push(''); pendingBlank = true; }
      i++;
      continue;
    }
    const lineInd = indentOf(line);
    const s = lineInd <= 3 || (cur && lineInd < content) ? line.replace(/^[ \t]+/, '') : null;
    const mk = s !== null ? listMarker(s) : null;
    const sameKind = mk && mk.ordered === first.ordered && mk.char === first.char;
    if (sameKind && (!cur || lineInd < content) && !HR.test(s)) {
      if (cur) { if (pendingBlank) loose = true; trimBlank(cur); items.push(cur); }
      ind = lineInd;
      const spaces = indentOf(mk.spaces);
      content = ind + mk.width + (mk.rest.trim() === '' || spaces > 4 ? 1 : spaces);
      cur = [mk.rest];
      pendingBlank = false;
      i++;
      continue;
    }
    if (cur && lineInd > ind) {
      // Indented past the item's marker: part of the item (a nested list needs no more).
      if (pendingBlank) loose = loose || cur.some((x) => x !== '');
      cur.push(dedent(line, Math.min(lineInd, content)));
      pendingBlank = false;
      i++;
      continue;
    }
    if (cur && !pendingBlank && !startsBlock(line)) {
      cur.push(line); // a lazy continuation of the item's paragraph
      i++;
      continue;
    }
    break;
  }
  if (cur) { trimBlank(cur); items.push(cur); }
  // A blank line inside an item between two of its blocks also makes the list loose.
  if (!loose) loose = items.some((it) => it.some((x, k) => x === '' && k > 0 && k < it.length - 1 && indentOf(it[k + 1]) === 0 && !listMarker(it[k + 1].trim())));
  // Blank lines trailing the list belong to what follows: hand them back.
  while (i > 0 && blank(lines[i - 1]) && i - 1 > 0 && items.length) i--;
  return {
    block: { type: 'list', ordered: first.ordered, start: first.start, loose,
             items: items.map((it) => parseBlocks(it, depth + 1)) },
    next: i,
  };
}

function trimBlank(arr) {
  while (arr.length && arr[arr.length - 1] === '') arr.pop();
}

function renderBlocks(blocks, parent, env, tight) {
  const { doc } = env;
  for (const b of blocks) {
    switch (b.type) {
      case 'p': {
        const target = tight ? parent : doc.createElement('p');
        if (tight && parent.childNodes.length) parent.append(doc.createElement('br'));
        b.lines.forEach((line, k) => {
          if (k > 0) target.append(doc.createElement('br'));
          inline(line.replace(/^[ \t]+/, ''), target, env, 0);
        });
        if (!tight) parent.append(target);
        break;
      }
      case 'h': {
        if (!b.text) break; // a bare # would be an empty heading, announced as nothing
        const level = Math.min(6, env.base + b.level - 1);
        const hd = doc.createElement(`h${level}`);
        hd.className = 'post-heading';
        inline(b.text, hd, env, 0);
        parent.append(hd);
        break;
      }
      case 'hr':
        parent.append(doc.createElement('hr'));
        break;
      case 'code': {
        const pre = doc.createElement('pre');
        const code = doc.createElement('code');
        code.textContent = b.text;
        pre.append(code);
        if (!b.lang) { parent.append(pre); break; }
        code.className = `language-${b.lang}`;
        // A figure named by its caption, so the language is heard before the code.
        const fig = doc.createElement('figure');
        fig.className = 'code-block';
        const cap = doc.createElement('figcaption');
        cap.className = 'code-lang';
        cap.textContent = b.lang;
        fig.append(cap, pre);
        parent.append(fig);
        break;
      }
      case 'math':
        parent.append(renderMath(b.tex, true, env));
        break;
      case 'quote': {
        const q = doc.createElement('blockquote');
        renderBlocks(b.blocks, q, env, false);
        parent.append(q);
        break;
      }
      case 'list': {
        const list = doc.createElement(b.ordered ? 'ol' : 'ul');
        if (b.ordered && b.start !== 1) list.setAttribute('start', String(b.start));
        for (const item of b.items) {
          const li = doc.createElement('li');
          renderBlocks(item, li, env, !b.loose);
          list.append(li);
        }
        parent.append(list);
        break;
      }
      case 'table':
        parent.append(renderTable(b, env));
        break;
      default:
        break;
    }
  }
}

function renderTable(b, env) {
  const { doc } = env;
  const label = t('md.table');
  // Wide tables scroll sideways inside their box; a scrolling box must take keyboard focus.
  const wrap = doc.createElement('div');
  wrap.className = 'table-scroll';
  wrap.setAttribute('tabindex', '0');
  wrap.setAttribute('role', 'group');
  wrap.setAttribute('aria-label', label);
  const table = doc.createElement('table');
  table.className = 'md-table';
  table.setAttribute('aria-label', label);
  const thead = doc.createElement('thead');
  const tr = doc.createElement('tr');
  b.head.forEach((cell, k) => {
    const th = doc.createElement('th');
    th.setAttribute('scope', 'col');
    if (b.align[k]) th.className = `align-${b.align[k]}`;
    inline(cell, th, env, 0);
    tr.append(th);
  });
  thead.append(tr);
  table.append(thead);
  if (b.rows.length) {
    const tbody = doc.createElement('tbody');
    for (const row of b.rows) {
      const r = doc.createElement('tr');
      row.forEach((cell, k) => {
        const td = doc.createElement('td');
        if (b.align[k]) td.className = `align-${b.align[k]}`;
        inline(cell, td, env, 0);
        r.append(td);
      });
      tbody.append(r);
    }
    table.append(tbody);
  }
  wrap.append(table);
  return wrap;
}

// ---- inline -------------------------------------------------------------------------------

const LINK = /\[([^[\]\n]{1,1000})\]\([ \t]*([^\s()<>]{1,2048}(?:\([^\s()<>]{0,512}\)[^\s()<>]{0,512})?)[ \t]*\)/y;
const AUTOLINK = /https:\/\/[^\s<>"'`]+/y;

// Positions in s of each match of a delimiter that can close, computed once per string and
// searched by bisection, so text full of unclosed openers costs n log n, not n squared.
function closerTable(s) {
  const cache = new Map();
  const table = (key, make) => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key);
  };
  const scan = (needle, ok) => {
    const out = [];
    for (let j = s.indexOf(needle); j !== -1; j = s.indexOf(needle, j + 1)) if (ok(j)) out.push(j);
    return out;
  };
  const after = (arr, from) => {
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid] < from) lo = mid + 1; else hi = mid; }
    return lo < arr.length ? arr[lo] : -1;
  };
  const spaceBefore = (j) => j === 0 || SPACE.test(s[j - 1]);
  return {
    // first `$` at or after `from` that can close inline math
    dollar: (from) => after(table('$', () => scan('$', (j) => !spaceBefore(j) && s[j - 1] !== '\\' && s[j + 1] !== '$'
                                                          && s[j - 1] !== '$' && !/[0-9]/.test(s[j + 1] || ''))), from),
    dollars: (from) => after(table('$$', () => scan('$$', () => true)), from),
    strong: (ch, from) => after(table(ch + ch, () => scan(ch + ch, (j) => !spaceBefore(j)
                                                                   && (ch === '*' || !WORD.test(s[j + 2] || '')))), from),
    run: (len, from) => after(table(`\`${len}`, () => {
      const out = [];
      for (let j = s.indexOf('`'); j !== -1;) {
        let k = j;
        while (s[k] === '`') k++;
        if (k - j === len) out.push(j);
        j = s.indexOf('`', k);
      }
      return out;
    }), from),
  };
}

function inline(s, parent, env, depth, inLink = false) {
  const { doc } = env;
  const close = closerTable(s);
  const n = s.length;
  let buf = '';
  const flush = () => { if (buf) { parent.append(buf); buf = ''; } };
  const put = (node) => { flush(); parent.append(node); };
  let i = 0;
  while (i < n) {
    const c = s[i];
    if (c === '\\' && i + 1 < n && PUNCT.test(s[i + 1])) { buf += s[i + 1]; i += 2; continue; }

    if (c === '`') {
      let k = i;
      while (s[k] === '`') k++;
      const end = close.run(k - i, k);
      if (end === -1) { buf += s.slice(i, k); i = k; continue; }
      let body = s.slice(k, end);
      if (body.length > 2 && body[0] === ' ' && body[body.length - 1] === ' ' && body.trim()) body = body.slice(1, -1);
      const code = doc.createElement('code');
      code.textContent = body;
      put(code);
      i = end + (k - i);
      continue;
    }

    if (c === '$') {
      if (s[i + 1] === '$') {
        const end = close.dollars(i + 2);
        if (end > i + 2 && s.slice(i + 2, end).trim()) {
          put(renderMath(s.slice(i + 2, end), true, env));
          i = end + 2;
          continue;
        }
        buf += '$$';
        i += 2;
        continue;
      }
      if (i + 1 < n && !SPACE.test(s[i + 1])) {
        const end = close.dollar(i + 2);
        if (end !== -1) {
          put(renderMath(s.slice(i + 1, end), false, env));
          i = end + 1;
          continue;
        }
      }
      buf += c;
      i++;
      continue;
    }

    if ((c === '*' || c === '_') && depth < MAX_EMPHASIS) {
      const intraword = c === '_' && i > 0 && WORD.test(s[i - 1]);
      if (s[i + 1] === c && !intraword) {
        if (i + 2 < n && !SPACE.test(s[i + 2])) {
          let end = close.strong(c, i + 3);
          if (end !== -1) {
            while (s[end + 2] === c) end++; // ***x***: the outer pair is the last two
            const node = doc.createElement('strong');
            inline(s.slice(i + 2, end), node, env, depth + 1, inLink);
            put(node);
            i = end + 2;
            continue;
          }
        }
        buf += c + c;
        i += 2;
        continue;
      }
      if (s[i + 1] !== c && !intraword && i + 1 < n && !SPACE.test(s[i + 1])) {
        const end = s.indexOf(c, i + 1);
        if (end > i + 1 && !SPACE.test(s[end - 1]) && s[end + 1] !== c && !(c === '_' && WORD.test(s[end + 1] || ''))) {
          const node = doc.createElement('em');
          inline(s.slice(i + 1, end), node, env, depth + 1, inLink);
          put(node);
          i = end + 1;
          continue;
        }
      }
      buf += c;
      i++;
      continue;
    }

    if (c === '[' && !inLink) {
      LINK.lastIndex = i;
      const m = LINK.exec(s);
      const url = m && safeUrl(m[2]);
      if (url) {
        const a = anchor(url, doc);
        inline(m[1], a, env, depth + 1, true);
        put(a);
        i = LINK.lastIndex;
        continue;
      }
      if (m) { buf += m[0]; i = LINK.lastIndex; continue; } // not https: the text as typed
    }

    if (c === 'h' && !inLink && s.startsWith('https://', i) && (i === 0 || !/[\w/]/.test(s[i - 1]))) {
      AUTOLINK.lastIndex = i;
      const m = AUTOLINK.exec(s);
      // Punctuation after an address ends the sentence, not the address; a closing
      // parenthesis stays when it closes one opened inside the address (…/a_(b)).
      let text = m[0];
      while (text.length > 8 && TRAILING.test(text[text.length - 1])) {
        if (text.endsWith(')') && count(text, '(') >= count(text, ')')) break;
        text = text.slice(0, -1);
      }
      const url = safeUrl(text);
      if (url) {
        const a = anchor(url, doc);
        a.textContent = text;
        put(a);
      } else buf += text;
      i += text.length;
      continue;
    }

    buf += c;
    i++;
  }
  flush();
}

function count(s, ch) {
  let k = 0;
  for (const c of s) if (c === ch) k++;
  return k;
}

// The address as the browser reads it, when that is an https address with a host; else null.
function safeUrl(url) {
  let parsed;
  try { parsed = new URL(url); } catch { return null; }
  return parsed.protocol === 'https:' && parsed.hostname ? parsed.href : null;
}

function anchor(href, doc) {
  const a = doc.createElement('a');
  a.href = href;
  a.rel = 'noopener noreferrer nofollow ugc';
  return a;
}

// ---- math ---------------------------------------------------------------------------------

const MATHML_NS = 'http://www.w3.org/1998/Math/MathML';
// What KaTeX's MathML output is made of. Anything else it (or a future version) produces is
// dropped, as is every attribute not listed here: no href, no style, no event handlers.
const MATH_TAGS = new Set(['math', 'semantics', 'annotation', 'mrow', 'mi', 'mn', 'mo', 'ms', 'mtext',
  'mspace', 'msub', 'msup', 'msubsup', 'mfrac', 'msqrt', 'mroot', 'mstyle', 'mpadded', 'mphantom',
  'menclose', 'mtable', 'mtr', 'mtd', 'mlabeledtr', 'munder', 'mover', 'munderover', 'mmultiscripts',
  'mprescripts', 'none', 'merror']);
const MATH_ATTRS = new Set(['display', 'displaystyle', 'scriptlevel', 'mathvariant', 'mathsize', 'mathcolor',
  'mathbackground', 'fence', 'separator', 'stretchy', 'symmetric', 'largeop', 'movablelimits', 'accent',
  'accentunder', 'form', 'lspace', 'rspace', 'minsize', 'maxsize', 'linethickness', 'width', 'height',
  'depth', 'voffset', 'columnalign', 'rowalign', 'columnspacing', 'rowspacing', 'columnlines',
  'rowlines', 'frame', 'framespacing', 'notation', 'encoding', 'columnspan', 'rowspan']);
const ATTR_VALUE = /^[\w\s#.%,:/+-]{0,200}$/;

const mathCache = new Map(); // 'D'|'I' + TeX -> a sanitized node to clone, or an error's text
const MATH_CACHE_MAX = 2000;

function renderMath(tex, display, env) {
  const { doc } = env;
  const katex = globalThis.katex;
  if (!katex || env.math >= MAX_MATH || tex.length > MAX_TEX) return mathSource(tex, display, doc);
  env.math++;
  const key = (display ? 'D' : 'I') + tex;
  let made = mathCache.get(key);
  if (made === undefined) {
    made = typeset(katex, tex, display);
    if (mathCache.size >= MATH_CACHE_MAX) mathCache.delete(mathCache.keys().next().value);
    mathCache.set(key, made);
  }
  if (typeof made === 'string') return mathError(tex, display, made, doc);
  return doc === document ? made.cloneNode(true) : doc.importNode(made, true);
}

// TeX -> a sanitized MathML tree (a node to clone), or the error's text.
//
// The one place where markup is parsed, and why it is safe: the string is KaTeX's output, in
// which KaTeX escapes every character taken from the TeX (& < > " '), and with trust off it
// makes no links, images, classes, ids or styles from the TeX. It is parsed as XML in a
// DOMParser document: no browsing context, so no script runs and nothing loads, and as XML
// an attribute such as style or onerror means nothing (the CSP is not even asked). The tree
// is then copied element by element into fresh nodes of the page, keeping only the MathML
// elements and attributes listed above, so even a KaTeX bug could not bring a script, a
// link, an event handler or an inline style into the page. A string that is not well-formed
// XML shows as the TeX source.
function typeset(katex, tex, display) {
  let markup;
  try {
    markup = katex.renderToString(tex, { ...KATEX_OPTIONS, displayMode: display, macros: {} });
  } catch (err) {
    return String(err && err.message ? err.message : err);
  }
  // The few style attributes KaTeX writes (\fcolorbox, \pmb, its error span) would be
  // dropped below anyway, but parsing them at all is reported as a CSP violation. Every "
  // from the TeX is escaped as &quot;, so this matches KaTeX's own attributes only.
  markup = markup.replace(/ style="[^"]*"/g, '');
  const parsed = new DOMParser().parseFromString(markup, 'application/xml');
  if (parsed.getElementsByTagName('parsererror').length) return 'error';
  const failed = parsed.querySelector('[class~="katex-error"]');
  if (failed) return failed.getAttribute('title') || 'error';
  const math = parsed.getElementsByTagNameNS(MATHML_NS, 'math')[0];
  if (!math) return 'error';
  // An unknown command does not stop KaTeX (throwOnError is off): it shows the command in
  // errorColor. Colour alone says nothing to a screen reader, so it becomes an error too.
  const unknown = [...math.getElementsByTagNameNS(MATHML_NS, '*')].find((e) => e.getAttribute('mathcolor') === KATEX_OPTIONS.errorColor);
  if (unknown) return unknown.textContent;
  // KaTeX's own wrappers, so its stylesheet sizes and centres the formula as it intends.
  const wrap = document.createElement('span');
  wrap.className = 'katex';
  wrap.append(copyMath(math, document, 0));
  if (!display) return wrap;
  const box = document.createElement('span');
  box.className = 'katex-display';
  // A wide formula scrolls sideways in its box, which must then take keyboard focus.
  box.setAttribute('tabindex', '0');
  box.append(wrap);
  return box;
}

function copyMath(node, doc, depth) {
  const out = doc.createElementNS(MATHML_NS, node.localName);
  for (const a of node.attributes) {
    if (MATH_ATTRS.has(a.name) && ATTR_VALUE.test(a.value)) out.setAttribute(a.name, a.value);
  }
  for (const c of node.childNodes) {
    if (c.nodeType === 3) out.append(c.data);
    else if (c.nodeType === 1 && c.namespaceURI === MATHML_NS && MATH_TAGS.has(c.localName) && depth < 200) {
      out.append(copyMath(c, doc, depth + 1));
    }
  }
  return out;
}

function mathSource(tex, display, doc) {
  const code = doc.createElement('code');
  code.className = `math-source${display ? ' math-display' : ''}`;
  code.textContent = display ? `$$${tex}$$` : `$${tex}$`;
  return code;
}

// A formula KaTeX could not read: its source, and a visible note saying why (read with it).
function mathError(tex, display, detail, doc) {
  const box = doc.createElement('span');
  box.className = `math-error${display ? ' math-display' : ''}`;
  const note = doc.createElement('span');
  note.className = 'math-error-note';
  const why = String(detail).replace(/^ParseError: /, '').replace(/^KaTeX parse error: /, '').slice(0, 200);
  const said = doc.createElement('span');
  said.lang = 'en'; // KaTeX's own words
  said.textContent = why;
  note.append(...tNodes('md.math_error', { detail: said }));
  box.append(mathSource(tex, display, doc), ' ', note);
  return box;
}
