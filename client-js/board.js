// The course board: a course's threads, sorted three ways, paged with "load more", kept live
// by the course:<id> room (new threads appear, counts move), and the "new thread" form.
import { t } from './i18n.js';
import { h, tn, timeEl, tNodes, errorText } from './ui.js';
import { createCompose } from './compose.js';
import { draftKey, loadDraft } from './local.js';
import { createSessionsSection } from './sessions.js';
import { createSearchForm, searchHash } from './search.js';

export const SORTS = ['latest', 'votes', 'unanswered'];

// The server's orders (PROTOCOL.md, thread.list): ties broken by thread id, highest first.
const ORDER = {
  latest: (a, b) => (Number(b.pinned) - Number(a.pinned)) || (b.last_activity_at - a.last_activity_at) || (b.id - a.id),
  votes: (a, b) => (b.votes - a.votes) || (b.id - a.id),
  unanswered: (a, b) => (b.created_at - a.created_at) || (b.id - a.id),
};
const belongs = (sort, th) => th.state !== 'deleted' && (sort !== 'unanswered' || (th.kind === 'question' && !th.answered));

export function createBoard(ctx, { courseId, sort }) {
  const room = `course:${courseId}`;
  const view = {
    room, rooms: [room],
    threads: [], nextCursor: null, loaded: false, loading: false, loadingMore: false,
    error: null, buffer: [], composeOpen: false, course: null,
  };
  let root = null;
  let listEl = null;
  let moreEl = null;
  let gen = 0; // bumped per (re)load, so a stale thread.list reply is dropped
  const sessions = createSessionsSection(ctx, courseId); // the course's live sessions, above the threads

  const compose = () => createCompose({
    mode: 'thread', id: `new-thread-${courseId}`,
    draftKey: draftKey(ctx.user.id, `course.${courseId}`),
    serverDraft: { transport: ctx.transport, place: { course: courseId } },
    members: (prefix) => ctx.transport.request('course.members', { course: courseId, ...(prefix ? { prefix } : {}) })
      .then((r) => r.members || []),
    submit: (v, key) => ctx.transport.write('thread.create', {
      course: courseId, kind: v.kind, title: v.title, body: v.body, anonymous: !!v.anonymous, key,
    }, { timeoutMs: ctx.writeTimeoutMs }),
    done: (reply) => {
      if (reply && reply.thread) {
        ctx.mineThreads.toggle(reply.thread.id, true);
        if (reply.post) ctx.mine.toggle(reply.post.id, true);
        ctx.follows.toggle(reply.thread.id, true);
        ctx.rememberThread(reply.thread);
        ctx.navigate(`#/thread/${reply.thread.id}`);
      }
    },
    cancel: () => { view.composeOpen = false; renderHead(); document.getElementById('new-thread-toggle')?.focus(); },
  });

  function start() {
    view.course = ctx.courseNow(courseId);
    render();
    subscribe();
    load();
    sessions.load();
  }

  function subscribe() {
    ctx.transport.request('subscribe', { room }).then((data) => {
      if (!view.alive) return;
      ctx.transport.lastSeq.set(room, data.seq);
      ctx.transport.subscribeRoom(room);
    }, (err) => {
      if (!view.alive) return;
      if (!view.error) { view.error = err; renderList(); }
    });
  }

  async function load({ more = false } = {}) {
    const my = more ? gen : ++gen;
    if (more) view.loadingMore = true; else view.loading = true;
    renderMore();
    try {
      const data = await ctx.transport.request('thread.list', {
        course: courseId, sort, ...(more && view.nextCursor ? { cursor: view.nextCursor } : {}),
      });
      if (!view.alive || my !== gen) return [];
      const fresh = [];
      if (!more) view.threads = [];
      const have = new Set(view.threads.map((x) => x.id));
      for (const th of data.threads || []) {
        ctx.follows.toggle(th.id, !!th.following);
        if (th.mine === true) ctx.mineThreads.toggle(th.id, true);
        ctx.rememberThread(th);
        if (have.has(th.id)) continue;
        view.threads.push(th);
        fresh.push(th);
      }
      view.nextCursor = data.next_cursor || null;
      view.loaded = true;
      view.error = null;
      const buffered = view.buffer;
      view.buffer = [];
      if (!more) renderList();
      else { for (const th of fresh) listEl.append(item(th)); }
      for (const m of buffered) apply(m, false);
      return fresh;
    } catch (err) {
      if (!view.alive || my !== gen) return [];
      if (!more) { view.error = err; renderList(); } else ctx.showError(err);
      return [];
    } finally {
      if (my === gen) { view.loading = false; view.loadingMore = false; }
      if (view.alive) renderMore();
    }
  }

  // ---- live -----------------------------------------------------------------

  function apply(m, announce = true) {
    if (!view.loaded) { view.buffer.push(m); return; }
    if (m.ev === 'thread.created' && m.data && m.data.thread) {
      const th = m.data.thread;
      ctx.rememberThread(th);
      if (view.threads.some((x) => x.id === th.id)) return;
      if (ctx.mineThreads.has(th.id)) th.following = true;
      if (!belongs(sort, th)) { if (announce && !ctx.mineThreads.has(th.id)) ctx.announceThread(th); return; }
      insert(th, true);
      if (announce && !ctx.mineThreads.has(th.id)) ctx.announceThread(th);
    } else if (m.ev === 'thread.updated' && m.data && m.data.thread) {
      const th = m.data.thread;
      const i = view.threads.findIndex((x) => x.id === th.id);
      if (i < 0) return;
      if (!belongs(sort, th) || th.state === 'hidden' && !ctx.isStaff(courseId)) {
        view.threads.splice(i, 1);
        removeItem(th.id);
      } else {
        view.threads[i] = { ...view.threads[i], ...th };
        replaceItem(view.threads[i]);
      }
    } else if (m.st === 'thread.stats' && m.data) {
      const d = m.data;
      const i = view.threads.findIndex((x) => x.id === d.thread);
      if (i < 0) return;
      const th = view.threads[i];
      for (const k of ['reply_count', 'votes', 'last_activity_at', 'answered', 'last_poster']) if (k in d) th[k] = d[k];
      if (!belongs(sort, th)) {
        // An unanswered question that got its answer leaves the "unanswered" list.
        view.threads.splice(i, 1);
        removeItem(th.id);
        return;
      }
      updateStats(th);
    }
  }

  // Inserts a new thread where the current sort puts it, unless that is past the end of
  // what is loaded while more remains (then "load more" brings it).
  function insert(th, fresh) {
    const cmp = ORDER[sort];
    let i = view.threads.findIndex((x) => cmp(th, x) < 0);
    if (i < 0) {
      if (view.nextCursor) return;
      i = view.threads.length;
    }
    view.threads.splice(i, 0, th);
    if (!listEl) { renderList(); return; }
    const node = item(th);
    if (fresh) node.classList.add('arrived');
    const before = listEl.children[i] || null;
    listEl.insertBefore(node, before);
    const empty = root && root.querySelector('.empty');
    if (empty) empty.remove();
    listEl.hidden = false;
  }

  function removeItem(id) {
    const node = listEl && listEl.querySelector(`[data-thread="${id}"]`);
    if (!node) return;
    const hadFocus = node.contains(document.activeElement);
    const next = node.nextElementSibling || node.previousElementSibling;
    node.remove();
    if (hadFocus) {
      const target = next && next.querySelector('a');
      if (target) target.focus(); else ctx.focusHeading();
    }
    if (!view.threads.length) renderList();
  }

  function replaceItem(th) {
    const node = listEl && listEl.querySelector(`[data-thread="${th.id}"]`);
    if (!node) return;
    const hadFocus = node.contains(document.activeElement);
    const fresh = item(th);
    node.replaceWith(fresh);
    if (hadFocus) fresh.querySelector('a').focus();
  }

  function updateStats(th) {
    const node = listEl && listEl.querySelector(`[data-thread="${th.id}"]`);
    if (!node) return;
    node.querySelector('.stats').replaceWith(stats(th));
    node.querySelector('.thread-meta').replaceWith(meta(th));
    node.querySelector('.badges').replaceWith(badges(th));
  }

  // ---- rendering ------------------------------------------------------------

  function badges(th) {
    const list = h('ul', { class: 'badges', aria: { label: t('board.badges') } });
    const add = (cls, key) => list.append(h('li', { class: `badge ${cls}` }, t(key)));
    add(`kind-${th.kind}`, `thread.kind.${th.kind === 'question' ? 'question' : 'discussion'}`);
    if (th.pinned) add('pinned', 'thread.pinned');
    if (th.locked) add('locked', 'thread.locked');
    if (th.kind === 'question') add(th.answered ? 'answered' : 'unanswered', th.answered ? 'thread.answered' : 'thread.unanswered');
    if (th.state === 'hidden') add('hidden', 'thread.hidden');
    if (th.following || ctx.follows.has(th.id)) add('following', 'thread.following');
    return list;
  }

  function meta(th) {
    return h('p', { class: 'thread-meta' },
      h('span', {}, tNodes('board.started_by', { name: h('span', { class: 'who' }, ctx.authorName(th.author, th.mine === true || ctx.mineThreads.has(th.id))) })),
      h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '),
      h('span', {}, tNodes('board.last_activity', { time: timeEl(th.last_activity_at) })));
  }

  function stats(th) {
    return h('p', { class: 'stats' },
      h('span', { class: 'stat replies' }, tn('count.replies', th.reply_count)),
      h('span', { class: 'stat votes' }, tn('count.votes', th.votes)));
  }

  function item(th) {
    return h('li', { class: 'thread-item', data: { thread: th.id } },
      h('div', { class: 'thread-main' },
        h('h3', { class: 'thread-title' }, h('a', { href: `#/thread/${th.id}` }, th.title)),
        badges(th),
        meta(th)),
      stats(th));
  }

  function renderMore() {
    if (!moreEl) return;
    moreEl.replaceChildren();
    if (view.loaded && view.nextCursor) {
      const b = h('button', { type: 'button', class: 'button', id: 'load-more', on: { click: async () => {
        const fresh = await load({ more: true });
        const first = fresh.length && listEl.querySelector(`[data-thread="${fresh[0].id}"] a`);
        if (first) first.focus();
      } } }, t(view.loadingMore ? 'board.loading' : 'board.load_more'));
      b.disabled = view.loadingMore;
      moreEl.append(b);
    }
  }

  // The page has two parts that render on their own: the head (title, course, the new
  // thread form) and the list, so reloading the list never disturbs a half-written thread.
  let headEl = null;
  let listWrap = null;
  let sortLinks = [];
  let composeInst = null;
  let searchForm = null;

  function render({ relabel = false } = {}) {
    if (!root) return;
    if (relabel) composeInst = null;
    const active = document.activeElement;
    const focusId = active && root.contains(active) ? active.id : null;
    headEl = h('div', { class: 'page-head' });
    renderHead();
    // The search form keeps what was typed across a language switch.
    const typed = searchForm ? searchForm.values() : null;
    searchForm = createSearchForm({ params: typed, onSearch: (v) => ctx.navigate(searchHash(courseId, v)) });
    const section = h('section', { class: 'threads-section', aria: { labelledby: 'threads-heading' } });
    sortLinks = SORTS.map((s) => h('a', { href: `#/course/${courseId}${s === 'latest' ? '' : `?sort=${s}`}`, class: 'sort', data: { sort: s } },
      t(`board.sort.${s}`)));
    section.append(h('div', { class: 'threads-head' },
      h('h2', { id: 'threads-heading' }, t('board.threads')),
      h('nav', { class: 'sorts', aria: { label: t('board.sort_label') } },
        h('ul', {}, sortLinks.map((a) => h('li', {}, a))))));
    listWrap = h('div', { class: 'threads-wrap' });
    section.append(listWrap);
    root.replaceChildren(headEl, searchForm.el, sessions.el, section);
    sessions.render();
    renderList();
    if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus();
  }

  function renderHead() {
    const course = view.course;
    const title = course ? course.title : t('account.course', { id: courseId });
    ctx.setTitle(title);
    const parts = [];
    parts.push(ctx.breadcrumbs([]));
    parts.push(h('h1', { id: 'page-heading', tabindex: '-1' }, title));
    if (course) {
      parts.push(h('p', { class: 'course-meta' },
        h('span', { class: 'role', data: { role: course.role } }, ctx.roleName(course.role)),
        course.access && course.access !== 'write' ? h('span', { class: 'access-note' }, t(`course.access.${course.access}`)) : null));
    }
    if (!ctx.canWrite(courseId) && consoleLink()) parts.push(h('div', { class: 'board-actions' }, consoleLink()));
    if (ctx.canWrite(courseId)) {
      const draft = loadDraft(draftKey(ctx.user.id, `course.${courseId}`));
      if (!composeInst && draft && (draft.body || draft.title)) view.composeOpen = true;
      const toggle = h('button', { type: 'button', class: `button ${view.composeOpen ? '' : 'primary'}`, id: 'new-thread-toggle',
                                   aria: { expanded: String(view.composeOpen), controls: 'new-thread-panel' },
                                   on: { click: () => {
                                     view.composeOpen = !view.composeOpen;
                                     renderHead();
                                     if (view.composeOpen) composeInst.focus();
                                     else document.getElementById('new-thread-toggle')?.focus();
                                   } } }, t('board.new_thread'));
      parts.push(h('div', { class: 'board-actions' }, toggle, consoleLink()));
      const panel = h('section', { id: 'new-thread-panel', class: 'card compose-card', aria: { labelledby: 'new-thread-heading' } });
      panel.hidden = !view.composeOpen;
      if (view.composeOpen) {
        if (!composeInst) composeInst = compose();
        panel.append(h('h2', { id: 'new-thread-heading' }, t('board.new_thread_heading')), composeInst.el);
      }
      parts.push(panel);
    }
    headEl.replaceChildren(...parts);
  }

  // Staff get a way into the course's moderation console.
  function consoleLink() {
    if (!ctx.isStaff(courseId)) return null;
    return h('a', { href: `#/course/${courseId}/moderation`, class: 'button console-link', id: 'moderation-link' }, t('mod.console_link'));
  }

  function renderList() {
    if (!listWrap) return;
    for (const a of sortLinks) {
      if (a.dataset.sort === sort) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    const parts = [];
    if (view.error && !view.loaded) {
      parts.push(h('p', { class: 'notice error-notice' }, errorText(view.error)));
    } else if (!view.loaded) {
      parts.push(h('p', { class: 'loading' }, t('board.loading')));
    }
    const hadFocus = listEl && listEl.contains(document.activeElement) ? document.activeElement.closest('[data-thread]')?.dataset.thread : null;
    listEl = h('ol', { class: 'threads', aria: { labelledby: 'threads-heading' } });
    for (const th of view.threads) listEl.append(item(th));
    listEl.hidden = view.threads.length === 0;
    parts.push(listEl);
    if (view.loaded && view.threads.length === 0) {
      parts.push(h('p', { class: 'empty' }, t(sort === 'unanswered' ? 'board.empty_unanswered' : 'board.empty')));
    }
    moreEl = h('div', { class: 'more' });
    parts.push(moreEl);
    listWrap.replaceChildren(...parts);
    renderMore();
    if (hadFocus) listEl.querySelector(`[data-thread="${hadFocus}"] a`)?.focus();
  }

  return {
    ...view,
    get rooms() { return [room]; },
    mount(container) { root = container; view.alive = true; start(); },
    // A language switch: everything again, in the new language.
    render() { render({ relabel: true }); },
    // Another sort of the same board: only the list changes, focus stays on the sort link.
    setSort(next) {
      if (next === sort) return;
      sort = next;
      view.threads = [];
      view.nextCursor = null;
      view.loaded = false;
      view.buffer = [];
      renderList();
      load();
    },
    get courseId() { return courseId; },
    destroy() {
      view.alive = false;
      sessions.destroy();
      ctx.transport.unsubscribeRoom(room);
      ctx.transport.request('unsubscribe', { room }).catch(() => {});
    },
    onEvent(m) { if (m.room === room) { sessions.onEvent(m); apply(m); } },
    onState(m) { if (m.room === room) apply(m); },
    onResume(r) {
      if (r.room !== room) return;
      if (!r.ok) { view.error = r.error; renderList(); }
    },
    // After a reconnect the list is read again: stats are not replayed for course rooms.
    onOpen() { if (view.loaded) load(); sessions.load(); },
  };
}
