// Search in a course: the search form (on the board and on the results page) and the results
// page, #/course/<id>/search?q=…&kind=question&mine=1&answered=0. The query and its filters
// live in the address only, so back/forward, a reload and a shared link all show the same
// search. Results come from the `search` op (PROTOCOL.md, "search"), a page at a time; their
// snippets are arrays of plain text and matched words, put into the page as text nodes with
// the matched words in <mark>.
import { t } from './i18n.js';
import { h, tn, timeEl, errorText, charCount, formatNumber } from './ui.js';
import { LIMITS } from './protocol.js';

const KINDS = ['question', 'discussion'];

// What the server counts as a word (PROTOCOL.md, search): a run of letters, marks and digits.
// A query without one is refused, so it is caught here before it is sent.
const WORD = /[\p{L}\p{M}\p{N}]/u;

// The search's part of the address: {q, kind, mine, answered} from "q=…&kind=…".
// Unknown or malformed filters are left out, so a hand-edited link still shows something.
export function parseSearchParams(query) {
  const sp = new URLSearchParams(query || '');
  const kind = sp.get('kind');
  const answered = sp.get('answered');
  return {
    q: sp.get('q') || '',
    kind: KINDS.includes(kind) ? kind : '',
    mine: sp.get('mine') === '1',
    answered: answered === '1' ? true : answered === '0' ? false : null,
  };
}

// The address of a search; filters at their default are left out.
export function searchHash(courseId, p) {
  const sp = new URLSearchParams();
  sp.set('q', p.q);
  if (p.kind) sp.set('kind', p.kind);
  if (p.mine) sp.set('mine', '1');
  if (p.answered !== null && p.answered !== undefined) sp.set('answered', p.answered ? '1' : '0');
  return `#/course/${courseId}/search?${sp.toString()}`;
}

// Why a query cannot be sent (a translated sentence), or null when it can.
function queryProblem(q) {
  if (!WORD.test(q)) return t('search.error.empty');
  if (charCount(q) > LIMITS.max_query_chars) return t('search.error.too_long', { max: formatNumber(LIMITS.max_query_chars) });
  return null;
}

// The search form: a search landmark with a labelled field, a submit button and the filters.
// onSearch(params) runs with a query that has words; otherwise the field shows why, inline.
// Returns {el, values(), setValues(p), fieldError(text), focusField()}.
export function createSearchForm({ params, onSearch }) {
  const p = params || { q: '', kind: '', mine: false, answered: null };
  const input = h('input', { type: 'search', id: 'search-q', name: 'q', class: 'input search-input',
                             autocomplete: 'off', spellcheck: 'false', props: { value: p.q } });
  const error = h('p', { class: 'field-error', id: 'search-q-error' });
  const kind = h('select', { id: 'search-kind', name: 'kind' },
    h('option', { value: '' }, t('search.kind.any')),
    h('option', { value: 'question' }, t('search.kind.question')),
    h('option', { value: 'discussion' }, t('search.kind.discussion')));
  const answered = h('select', { id: 'search-answered', name: 'answered' },
    h('option', { value: '' }, t('search.answered.any')),
    h('option', { value: '1' }, t('search.answered.yes')),
    h('option', { value: '0' }, t('search.answered.no')));
  const mine = h('input', { type: 'checkbox', id: 'search-mine', name: 'mine' });

  function setValues(v) {
    input.value = v.q;
    kind.value = v.kind || '';
    answered.value = v.answered === true ? '1' : v.answered === false ? '0' : '';
    mine.checked = !!v.mine;
  }

  function values() {
    return {
      q: input.value,
      kind: KINDS.includes(kind.value) ? kind.value : '',
      mine: mine.checked,
      answered: answered.value === '1' ? true : answered.value === '0' ? false : null,
    };
  }

  // An error next to the field, read with it (aria-describedby); null clears it.
  function fieldError(text) {
    error.textContent = text || '';
    if (text) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', 'search-q-error');
    } else {
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-describedby');
    }
  }

  const form = h('form', { class: 'search-form', role: 'search', novalidate: true,
                           aria: { label: t('search.landmark') },
                           on: { submit: (e) => {
                             e.preventDefault();
                             const v = values();
                             const problem = queryProblem(v.q);
                             fieldError(problem);
                             if (problem) { input.focus(); return; }
                             onSearch(v);
                           } } },
    h('div', { class: 'search-row' },
      h('div', { class: 'field search-field' },
        h('label', { for: 'search-q', class: 'field-label' }, t('search.field')),
        h('div', { class: 'search-line' }, input, h('button', { type: 'submit', class: 'button primary', id: 'search-submit' }, t('search.submit'))),
        error)),
    h('fieldset', { class: 'search-filters' },
      h('legend', {}, t('search.filters')),
      h('div', { class: 'search-filter' }, h('label', { for: 'search-kind' }, t('search.kind')), kind),
      h('div', { class: 'search-filter' }, h('label', { for: 'search-answered' }, t('search.answered')), answered),
      h('div', { class: 'check search-filter' }, mine, h('label', { for: 'search-mine' }, t('search.mine')))));
  setValues(p);
  return { el: form, values, setValues, fieldError, focusField: () => input.focus() };
}

// A snippet (plain, match, plain, …) as nodes: matched words in <mark>.
function snippetNodes(parts) {
  return parts.map((s, i) => (i % 2 === 1 ? h('mark', {}, s) : s)).filter((x) => x !== '');
}

// The results page of one course.
export function createSearch(ctx, { courseId, params }) {
  const st = {
    alive: false, params, results: [], nextCursor: null, ignored: 0,
    loaded: false, loading: false, loadingMore: false, error: null, gen: 0,
  };
  let root = null;
  let form = null;
  let resultsEl = null;

  const hasQuery = () => st.params.q !== '' && !queryProblem(st.params.q);

  function request(cursor) {
    const p = st.params;
    return ctx.transport.request('search', {
      course: courseId, q: p.q,
      ...(p.kind ? { kind: p.kind } : {}),
      ...(p.mine ? { mine: true } : {}),
      ...(p.answered !== null ? { answered: p.answered } : {}),
      ...(cursor ? { cursor } : {}),
    });
  }

  // The first page of the current search; a stale reply (the search changed since) is dropped.
  async function run() {
    const my = ++st.gen;
    st.results = [];
    st.nextCursor = null;
    st.loaded = false;
    st.loadingMore = false; // a page of the previous search still on its way is dropped
    st.error = null;
    const problem = st.params.q === '' ? null : queryProblem(st.params.q);
    form.fieldError(problem);
    // A link with such a query: focus is on the heading, so the problem is also said.
    if (problem) ctx.say(problem);
    if (!hasQuery()) { st.loading = false; renderResults(); return; }
    st.loading = true;
    renderResults();
    try {
      const data = await request(null);
      if (!st.alive || my !== st.gen) return;
      st.results = data.results || [];
      st.nextCursor = data.next_cursor || null;
      st.ignored = data.ignored_terms || 0;
      st.loaded = true;
      st.loading = false;
      renderResults();
      ctx.say(summary());
    } catch (err) {
      if (!st.alive || my !== st.gen) return;
      st.loading = false;
      fail(err);
    }
  }

  async function more() {
    if (!st.nextCursor || st.loadingMore) return;
    const my = st.gen;
    st.loadingMore = true;
    renderMore();
    try {
      const data = await request(st.nextCursor);
      if (!st.alive || my !== st.gen) return;
      const have = new Set(st.results.map((r) => r.post.id));
      const fresh = (data.results || []).filter((r) => !have.has(r.post.id));
      st.results.push(...fresh);
      st.nextCursor = data.next_cursor || null;
      st.loadingMore = false;
      const list = resultsEl.querySelector('ol.search-results');
      for (const r of fresh) list.append(item(r));
      renderSummary();
      renderMore();
      if (fresh.length) list.querySelector(`[data-post="${fresh[0].post.id}"] a`)?.focus();
      ctx.say(st.nextCursor ? tn('search.loaded_more', fresh.length) : `${tn('search.loaded_more', fresh.length)} ${t('search.all_shown')}`);
    } catch (err) {
      if (!st.alive || my !== st.gen) return;
      st.loadingMore = false;
      renderMore();
      const text = errorFor(err);
      ctx.say(text);
      const box = resultsEl.querySelector('.search-more-error');
      if (box) box.textContent = text;
      document.getElementById('search-more')?.focus(); // renderMore drew a new button: focus goes back to it
    }
  }

  function errorFor(err) {
    if (err && err.code === 'rate_limited') {
      return err.retryAfterMs > 0 ? t('search.error.rate_limited', { seconds: formatNumber(Math.ceil(err.retryAfterMs / 1000)) })
        : t('error.rate_limited');
    }
    return errorText(err);
  }

  // A refused query is shown at the field; anything else where the results would be. The
  // server refuses queries this page let through when all their words are too long to be words.
  function fail(err) {
    if (err && err.field === 'q' && (err.code === 'bad_field' || err.code === 'too_long')) {
      const text = err.code === 'too_long' ? t('search.error.too_long', { max: formatNumber(LIMITS.max_query_chars) }) : t('search.error.no_words');
      form.fieldError(text);
      st.error = null;
      renderResults();
      ctx.say(text);
      return;
    }
    st.error = err;
    renderResults();
    ctx.say(errorFor(err));
  }

  // "20 results for “q”", or that there are more, or none.
  function summary() {
    const q = st.params.q.trim();
    const n = st.results.length;
    if (n === 0) return t('search.none', { q });
    return tn(st.nextCursor ? 'search.count_more' : 'search.count', n, { q });
  }

  // ---- rendering ------------------------------------------------------------

  function onSearch(v) {
    const hash = searchHash(courseId, v);
    // The same search again (say, to look for new posts): the address stays, the search runs.
    if (location.hash === hash) { st.params = v; run(); } else ctx.navigate(hash);
  }

  function render() {
    if (!root) return;
    const course = ctx.courseNow(courseId);
    const courseTitle = course ? course.title : t('account.course', { id: courseId });
    ctx.setTitle(`${t('search.title')} · ${courseTitle}`);
    const values = form ? form.values() : st.params;
    const invalid = form && form.el.querySelector('#search-q[aria-invalid="true"]') ? form.el.querySelector('#search-q-error').textContent : null;
    form = createSearchForm({ params: values, onSearch });
    resultsEl = h('section', { class: 'search-results-section', aria: { labelledby: 'search-results-heading' } });
    root.replaceChildren(
      h('div', { class: 'page-head' },
        ctx.breadcrumbs([{ label: courseTitle, href: `#/course/${courseId}` }]),
        h('h1', { id: 'page-heading', tabindex: '-1' }, t('search.heading', { course: courseTitle }))),
      form.el, resultsEl);
    if (invalid) form.fieldError(queryProblem(values.q) || invalid);
    renderResults();
  }

  function renderResults() {
    if (!resultsEl) return;
    const hadFocus = resultsEl.contains(document.activeElement)
      ? document.activeElement.closest('[data-post]')?.dataset.post || document.activeElement.id : null;
    const parts = [h('h2', { id: 'search-results-heading' }, t('search.results'))];
    if (!hasQuery()) {
      parts.push(h('p', { class: 'search-intro' }, t('search.intro')));
    } else if (st.loading) {
      parts.push(h('p', { class: 'loading' }, t('search.searching')));
    } else if (st.error) {
      parts.push(h('p', { class: 'notice error-notice' }, errorFor(st.error)));
    } else if (st.loaded) {
      parts.push(h('p', { class: 'search-summary', id: 'search-summary' }));
      if (st.ignored > 0) {
        parts.push(h('p', { class: 'search-ignored' }, tn('search.ignored', st.ignored, { max: formatNumber(LIMITS.search_terms_max) })));
      }
      const list = h('ol', { class: 'search-results', aria: { labelledby: 'search-results-heading' } });
      for (const r of st.results) list.append(item(r));
      list.hidden = st.results.length === 0;
      parts.push(list, h('div', { class: 'more search-more' }), h('p', { class: 'field-error search-more-error' }));
    }
    resultsEl.replaceChildren(...parts);
    renderSummary();
    renderMore();
    if (hadFocus) {
      // A result that is no longer shown (another search came, by back or forward): the
      // page's heading, so focus is not lost to the document.
      const target = resultsEl.querySelector(`[data-post="${hadFocus}"] a`) || document.getElementById(hadFocus);
      if (target) target.focus(); else ctx.focusHeading();
    }
  }

  function renderSummary() {
    const el = resultsEl && resultsEl.querySelector('#search-summary');
    if (el) el.textContent = summary();
  }

  function renderMore() {
    const box = resultsEl && resultsEl.querySelector('.search-more');
    if (!box) return;
    box.replaceChildren();
    if (!st.nextCursor) return;
    const b = h('button', { type: 'button', class: 'button', id: 'search-more',
                            on: { click: () => { const err = resultsEl.querySelector('.search-more-error'); if (err) err.textContent = ''; more(); } } },
      t(st.loadingMore ? 'search.searching' : 'search.load_more'));
    b.disabled = st.loadingMore;
    box.append(b);
  }

  function badges(r) {
    const list = h('ul', { class: 'badges', aria: { label: t('board.badges') } });
    const add = (cls, text) => list.append(h('li', { class: `badge ${cls}` }, text));
    add(`kind-${r.kind}`, t(`thread.kind.${r.kind === 'question' ? 'question' : 'discussion'}`));
    if (r.kind === 'question' || r.answered) add(r.answered ? 'answered' : 'unanswered', t(r.answered ? 'thread.answered' : 'thread.unanswered'));
    if (r.post.state === 'hidden') add('hidden', t('thread.hidden'));
    return list;
  }

  function item(r) {
    const p = r.post;
    const mine = ctx.mine.has(p.id);
    const title = r.title_snippet ? snippetNodes(r.title_snippet) : [r.title];
    const where = p.first ? t('search.in_opening') : t('search.in_response');
    let text;
    if (r.snippet) {
      text = h('p', { class: 'snippet', id: `search-snippet-${p.id}` },
        r.cut_before ? h('span', { class: 'cut' }, '… ') : null,
        snippetNodes(r.snippet),
        r.cut_after ? h('span', { class: 'cut' }, ' …') : null);
    } else {
      text = h('p', { class: 'snippet placeholder' }, t('search.no_text'));
    }
    return h('li', { class: 'search-result', data: { post: p.id, thread: p.thread } },
      // Several results may share a thread's title: the snippet tells their links apart.
      h('h3', { class: 'thread-title' }, h('a', { href: `#/thread/${p.thread}?post=${p.id}`,
                                                  aria: { describedby: r.snippet ? `search-snippet-${p.id}` : null } }, title)),
      text,
      badges(r),
      h('p', { class: 'thread-meta' },
        h('span', { class: 'where' }, where),
        h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '),
        h('span', { class: `who${p.author ? '' : ' anonymous'}` }, ctx.authorName(p.author, mine)),
        h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '),
        timeEl(p.created_at)));
  }

  return {
    get rooms() { return []; },
    get courseId() { return courseId; },
    mount(container) {
      root = container;
      st.alive = true;
      render();
      // A link or reload may come before course.list: the course title follows when it is known.
      ctx.course(courseId).then(() => { if (st.alive) renderHeadOnly(); });
      run();
    },
    render() { render(); },
    // Another search on the same page (submitted, or back/forward): the results change,
    // the form shows it, focus stays where it is.
    setParams(p) {
      st.params = p;
      if (form) form.setValues(p);
      run();
    },
    destroy() { st.alive = false; },
    onEvent() {},
    onState() {},
    onResume() {},
    // After a reconnect a search that failed is tried again.
    onOpen() { if (st.error) run(); },
  };

  function renderHeadOnly() {
    const course = ctx.courseNow(courseId);
    if (!course || !root) return;
    ctx.setTitle(`${t('search.title')} · ${course.title}`);
    const h1 = root.querySelector('#page-heading');
    if (h1) h1.textContent = t('search.heading', { course: course.title });
    const crumb = root.querySelector('.breadcrumbs li:last-child a');
    if (crumb) crumb.textContent = course.title;
  }
}
