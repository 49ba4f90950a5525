// A strict RFC 4180 reader for the exports' CSV: quoted fields, doubled quotes, CRLF or LF line
// ends; anything else throws, so a malformed export fails the test that reads it.

export function parseCsv(text) {
  const rows = [];
  let row = [];
  let i = 0;
  const n = text.length;
  if (n === 0) return rows;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new Error('CSV: unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        throw new Error(`CSV: text after a closing quote at ${i}: ${JSON.stringify(text.slice(i - 10, i + 10))}`);
      }
    } else {
      while (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') throw new Error(`CSV: a quote inside an unquoted field at ${i}`);
        field += text[i++];
      }
    }
    row.push(field);
    if (i >= n) { rows.push(row); break; }
    if (text[i] === ',') { i++; continue; }
    if (text[i] === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`CSV: a bare CR at ${i}`);
      i++;
    }
    i++;                                                // the LF
    rows.push(row);
    row = [];
    if (i >= n) break;                                  // a final line end
  }
  return rows;
}
