// A small, safe subset of Markdown, built as DOM nodes (never parsed as HTML):
//   blank line      -> new paragraph
//   line break      -> <br>
//   **bold**        -> <strong>
//   *italic*        -> <em>
//   `code`          -> <code>
//   https://...     -> <a rel="noopener noreferrer nofollow ugc">
// Anything else, angle brackets included, stays exactly the text that was typed.

const INLINE = /(`+)([^`\n]+?)\1|\*\*(?=\S)([^\n]*?\S)\*\*|\*(?=[^\s*])([^*\n]*?[^\s*])\*|\bhttps:\/\/[^\s<>"'`]+/g;
const TRAILING = /[.,;:!?)\]}'"»”’]/;

export function renderMarkdown(text, doc = document) {
  const frag = doc.createDocumentFragment();
  const paragraphs = String(text ?? '').replace(/\r\n?/g, '\n').split(/\n[ \t]*\n+/);
  for (const para of paragraphs) {
    const trimmed = para.replace(/^\n+|\n+$/g, '');
    if (!trimmed.trim()) continue;
    const p = doc.createElement('p');
    const lines = trimmed.split('\n');
    lines.forEach((line, i) => {
      if (i > 0) p.append(doc.createElement('br'));
      inline(line, p, doc, 0);
    });
    frag.append(p);
  }
  return frag;
}

function inline(s, parent, doc, depth) {
  let last = 0;
  const re = new RegExp(INLINE.source, 'g'); // own lastIndex: inline() recurses
  let m;
  while ((m = re.exec(s)) !== null) {
    let end = re.lastIndex;
    let node = null;
    if (m[2] !== undefined) {
      node = doc.createElement('code');
      node.textContent = m[2];
    } else if (m[3] !== undefined && depth < 3) {
      node = doc.createElement('strong');
      inline(m[3], node, doc, depth + 1);
    } else if (m[4] !== undefined && depth < 3) {
      node = doc.createElement('em');
      inline(m[4], node, doc, depth + 1);
    } else if (m[0].startsWith('https://')) {
      // Punctuation after an address ends the sentence, not the address; a closing
      // parenthesis stays when it closes one opened inside the address (…/a_(b)).
      let url = m[0];
      while (url.length > 8 && TRAILING.test(url[url.length - 1])) {
        if (url.endsWith(')') && count(url, '(') >= count(url, ')')) break;
        url = url.slice(0, -1);
      }
      if (url.length !== m[0].length) {
        end = m.index + url.length;
        re.lastIndex = end;
      }
      node = link(url, doc);
    }
    if (!node) continue;
    if (m.index > last) parent.append(s.slice(last, m.index));
    parent.append(node);
    last = end;
  }
  if (last < s.length) parent.append(s.slice(last));
}

function count(s, ch) {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

function link(url, doc) {
  let parsed;
  try { parsed = new URL(url); } catch { return doc.createTextNode(url); }
  if (parsed.protocol !== 'https:' || !parsed.hostname) return doc.createTextNode(url);
  const a = doc.createElement('a');
  a.href = parsed.href;
  a.rel = 'noopener noreferrer nofollow ugc';
  a.textContent = url;
  return a;
}
