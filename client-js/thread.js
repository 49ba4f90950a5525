// A thread: the opening post, the responses, one level of replies under each response, and
// the forms to add to it. Kept live by the thread:<id> room: new, edited and deleted posts
// and vote counts arrive as they happen, and a reconnect resumes where it left off.
// Staff also get the moderation actions here (hide, restore, remove, endorse, history, lock,
// pin); everyone can flag someone else's post. The thread's author (within the write window)
// and staff retitle it in place; the asker of a question accepts the answer that solved it
// (staff may too), shown beside staff's endorsement; staff read the thread's earlier titles.
import { t } from './i18n.js';
import { h, tn, timeEl, errorText, fullDate, formatNumber, charCount, isBlank } from './ui.js';
import { renderMarkdown } from './markdown.js';
import { createCompose } from './compose.js';
import { draftKey, loadDraft } from './local.js';
import { flagPost, hidePost, removePost, directWrite, showHistory } from './modactions.js';
import { openDialog } from './dialog.js';
import { LIMITS } from './protocol.js';

export function createThread(ctx, { threadId, postId = null }) {
  const room = `thread:${threadId}`;
  const st = {
    alive: false, loaded: false, error: null, gone: false,
    thread: ctx.knownThread(threadId), posts: new Map(), buffer: [],
    replyOpen: new Set(), editing: new Set(), confirming: new Set(),
    titleEdit: null,     // the title form while open: { value, error, busy }
  };
  let root = null;
  let bodyEl = null;     // everything below the page head
  let headEl = null;
  const composers = new Map(); // 'response' | 'reply:<id>' | 'edit:<id>' -> compose instance

  const mineOf = (p) => !!p && (p.mine === true || (p.author && p.author.id === ctx.user.id) || ctx.mine.has(p.id));
  const courseId = () => (st.thread ? st.thread.course : null);
  const isStaff = () => courseId() !== null && ctx.isStaff(courseId());
  const canWrite = () => courseId() !== null && ctx.canWrite(courseId());
  const canPost = () => canWrite() && (!st.thread.locked || isStaff());

  // ---- data ---------------------------------------------------------------

  function subscribe() {
    ctx.transport.request('subscribe', { room }).then((data) => {
      if (!st.alive) return;
      ctx.transport.lastSeq.set(room, data.seq);
      ctx.transport.subscribeRoom(room);
      snapshot(data);
    }, (err) => {
      if (!st.alive) return;
      st.error = err;
      render();
    });
  }

  async function snapshot(data) {
    const firstTime = !st.loaded;
    st.thread = data.thread || st.thread;
    st.more = data.more === true;   // the snapshot is the thread's first page only
    st.posts = new Map();
    // The snapshot says what is this person's: their posts, their votes, whether they follow.
    for (const p of data.posts || []) {
      st.posts.set(p.id, p);
      if (typeof p.voted === 'boolean') ctx.votes.toggle(p.id, p.voted);
      if (p.mine === true) ctx.mine.toggle(p.id, true);
    }
    if (data.thread && typeof data.thread.following === 'boolean') ctx.follows.toggle(threadId, data.thread.following);
    if (data.thread && data.thread.mine === true) ctx.mineThreads.toggle(threadId, true);
    st.loaded = true;
    st.error = null;
    ctx.rememberThread(st.thread);
    // A reply that was being written before a reload opens again with its draft.
    for (const p of st.posts.values()) {
      if (p.first || p.parent !== null) continue;
      const draft = loadDraft(draftKey(ctx.user.id, `thread.${threadId}.${p.id}`));
      if (draft && draft.body) st.replyOpen.add(p.id);
    }
    if (firstTime) await ctx.course(st.thread.course);
    if (!st.alive) return;
    const buffered = st.buffer.filter((m) => m.seq === undefined || m.seq > data.seq);
    st.buffer = [];
    render();
    for (const m of buffered) apply(m, false);
    if (firstTime && postId !== null) showPost(postId);
  }

  // A link to one post (#/thread/42?post=7, as search results make): focus moves to it,
  // which scrolls it into view, and it stays marked. A post that is not in the page (gone,
  // or past the snapshot's first posts) leaves focus on the heading.
  function showPost(id) {
    const art = root && root.querySelector(`#post-${id}`);
    if (!art) return;
    st.targeted = id;
    art.classList.add('targeted');
    art.focus();
    art.scrollIntoView({ block: 'start' });
  }

  function merge(p) {
    const old = st.posts.get(p.id);
    // The peer view hides an anonymous author, even from the author: keep what we knew.
    if (old && old.author && !p.author && p.anonymous && mineOf(old)) p = { ...p, author: old.author };
    st.posts.set(p.id, old ? { ...old, ...p } : p);
    return st.posts.get(p.id);
  }

  function apply(m, announce = true) {
    if (!st.loaded) { st.buffer.push(m); return; }
    if (m.st === 'post.votes' && m.data) {
      const p = st.posts.get(m.data.post);
      if (!p) return;
      p.votes = m.data.votes;
      updateVotes(p);
      return;
    }
    if (m.ev === 'thread.updated' && m.data && m.data.thread) {
      if (m.data.thread.id !== threadId) return;
      const was = st.thread;
      st.thread = { ...st.thread, ...m.data.thread };
      ctx.rememberThread(st.thread);
      if (was && (was.locked !== st.thread.locked || was.pinned !== st.thread.pinned) && announce) {
        if (was.locked !== st.thread.locked) ctx.say(t(st.thread.locked ? 'mod.thread_locked_live' : 'mod.thread_unlocked_live'));
      }
      render();
      return;
    }
    const p = m.data && m.data.post;
    if (!p) return;
    const known = st.posts.has(p.id);
    const post = merge(p);
    if (m.ev === 'post.hidden' || m.ev === 'post.restored' || m.ev === 'post.endorsed' || m.ev === 'post.accepted') {
      if (known) patchPost(post); else insertPost(post, false);
      if (m.ev === 'post.endorsed' && post.endorsed && st.thread.kind === 'question') st.thread.answered = true;
      if (m.ev === 'post.accepted' && announce && post.accepted) ctx.say(t('post.accepted_live'));
      updateCounts();
      return;
    }
    if (m.ev === 'post.created') {
      if (known) { patchPost(post); return; }
      insertPost(post, true);
      if (announce && !mineOf(post)) ctx.announcePost(post);
    } else if (m.ev === 'post.edited' || m.ev === 'post.deleted') {
      if (post.first && post.state === 'deleted') { st.gone = true; render(); return; }
      if (known) patchPost(post); else insertPost(post, false);
    }
    updateCounts();
  }

  // ---- writes ---------------------------------------------------------------

  async function vote(p, button) {
    const up = !ctx.votes.has(p.id);
    button.disabled = true;
    try {
      const r = await ctx.transport.write('post.vote', { post: p.id, up }, { timeoutMs: ctx.writeTimeoutMs });
      ctx.votes.toggle(p.id, !!r.voted);
      const cur = st.posts.get(p.id);
      if (cur) { cur.votes = r.votes; updateVotes(cur); }
    } catch (err) {
      ctx.showError(err);
    } finally {
      button.disabled = false;
    }
  }

  // Mutes (or unmutes) this thread's notifications for this person.
  async function mute(button) {
    const on = !ctx.muted.has(threadId);
    button.disabled = true;
    try {
      const r = await ctx.transport.write('thread.mute', { thread: threadId, muted: on }, { timeoutMs: ctx.writeTimeoutMs });
      ctx.muted.toggle(threadId, !!r.muted);
      button.setAttribute('aria-pressed', String(!!r.muted));
      ctx.say(t(r.muted ? 'thread.muted_said' : 'thread.unmuted_said'));
    } catch (err) {
      ctx.showError(err);
    } finally {
      button.disabled = false;
    }
  }

  async function follow(button) {
    const on = !ctx.follows.has(threadId);
    button.disabled = true;
    try {
      const r = await ctx.transport.write('thread.follow', { thread: threadId, follow: on }, { timeoutMs: ctx.writeTimeoutMs });
      ctx.follows.toggle(threadId, !!r.following);
      button.setAttribute('aria-pressed', String(!!r.following));
      button.querySelector('.follow-state').textContent = t(r.following ? 'thread.following' : 'thread.not_following');
      ctx.say(t(r.following ? 'thread.followed' : 'thread.unfollowed'));
    } catch (err) {
      ctx.showError(err);
    } finally {
      button.disabled = false;
    }
  }

  async function remove(p, box) {
    const buttons = box.querySelectorAll('button');
    for (const b of buttons) b.disabled = true;
    try {
      const r = await ctx.transport.write('post.delete', { post: p.id }, { timeoutMs: ctx.writeTimeoutMs });
      st.confirming.delete(p.id);
      const post = merge(r.post || { ...p, state: 'deleted', body: null });
      if (post.first) { st.gone = true; render(); ctx.focusHeading(); return; }
      patchPost(post);
      updateCounts();
      document.getElementById(`post-${p.id}`)?.focus();
      ctx.say(t('post.deleted_done'));
    } catch (err) {
      for (const b of buttons) b.disabled = false;
      ctx.showError(err);
    }
  }

  // ---- rendering ------------------------------------------------------------

  function render() {
    if (!root) return;
    // Focus on the heading (just navigated here) stays there; focus anywhere else in the
    // page goes back to the control with the same id, if it still exists.
    const active = document.activeElement;
    const focusId = active && root.contains(active) ? active.id : null;
    composers.clear();
    headEl = h('div', { class: 'page-head' });
    bodyEl = h('div', { class: 'thread-body' });
    root.replaceChildren(headEl, bodyEl);
    renderHead();
    renderBody();
    if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus();
    else if (active && active !== document.body && !document.body.contains(active)) ctx.focusHeading();
  }

  function renderHead() {
    const th = st.thread;
    const course = th ? ctx.courseNow(th.course) : null;
    const courseTitle = course ? course.title : th ? t('account.course', { id: th.course }) : null;
    const title = th ? th.title : t('thread.loading');
    ctx.setTitle(th ? `${th.title} · ${courseTitle}` : title);
    const crumbs = th ? [{ label: courseTitle, href: `#/course/${th.course}` }] : [];
    const parts = [ctx.breadcrumbs(crumbs), h('h1', { id: 'page-heading', tabindex: '-1' }, st.error && !th ? t('thread.not_found_title') : title)];
    if (th && st.loaded && !st.gone && st.titleEdit) parts.push(titleForm());
    if (th && st.loaded && !st.gone) {
      const badges = h('ul', { class: 'badges', aria: { label: t('board.badges') } });
      const add = (cls, key) => badges.append(h('li', { class: `badge ${cls}` }, t(key)));
      add(`kind-${th.kind}`, `thread.kind.${th.kind === 'question' ? 'question' : 'discussion'}`);
      if (th.pinned) add('pinned', 'thread.pinned');
      if (th.locked) add('locked', 'thread.locked');
      if (th.kind === 'question') add(answered() ? 'answered' : 'unanswered', answered() ? 'thread.answered' : 'thread.unanswered');
      const following = ctx.follows.has(threadId);
      const fb = h('button', { type: 'button', class: 'button small follow', id: 'follow', aria: { pressed: String(following) },
                               on: { click: () => follow(fb) } },
        h('span', { class: 'follow-label' }, t('thread.follow')),
        h('span', { class: 'follow-state' }, t(following ? 'thread.following' : 'thread.not_following')));
      const mb = h('button', { type: 'button', class: 'button small mute', id: 'mute-thread',
                               aria: { pressed: String(ctx.muted.has(threadId)) }, on: { click: () => mute(mb) } },
        t('thread.mute'));
      parts.push(h('div', { class: 'thread-tools' }, badges, h('div', { class: 'tool-buttons' }, titleTools(), threadTools(), fb, mb)));
    }
    headEl.replaceChildren(...parts);
  }

  // A question is answered when its asker accepted a response or staff endorsed one (the
  // server's rule).
  function answered() {
    if (st.thread.answered) return true;
    for (const p of st.posts.values()) if (!p.first && (p.endorsed || p.accepted) && p.state !== 'deleted') return true;
    return false;
  }

  // ---- the title: edit in place (author within the write window, or staff), history (staff) ----

  const threadMine = () => !!st.thread && (st.thread.mine === true || ctx.mineThreads.has(threadId) ||
                                          (st.thread.author && st.thread.author.id === ctx.user.id));
  function canEditTitle() {
    if (!st.thread || st.thread.state === 'deleted') return false;
    if (isStaff()) return true;
    const opening = [...st.posts.values()].find((p) => p.first);
    return threadMine() && canWrite() && !st.thread.locked && (!opening || opening.state === 'visible');
  }

  function titleTools() {
    const out = [];
    if (canEditTitle() && !st.titleEdit) {
      out.push(h('button', { type: 'button', class: 'button small', id: 'edit-title', on: { click: () => {
        st.titleEdit = { value: st.thread.title, error: null, busy: false };
        renderHead();
        document.getElementById('title-input')?.focus();
      } } }, t('thread.edit_title')));
    }
    if (isStaff()) {
      out.push(h('button', { type: 'button', class: 'button small', id: 'title-history',
                             on: { click: () => showTitles(() => document.getElementById('title-history')) } },
        t('thread.title_history')));
    }
    return out;
  }

  function titleForm() {
    const te = st.titleEdit;
    const input = h('input', { type: 'text', id: 'title-input', class: 'input', autocomplete: 'off', name: 'title',
                               aria: { describedby: te.error ? 'title-error' : null, invalid: te.error ? 'true' : null } });
    input.value = te.value;
    input.addEventListener('input', () => { te.value = input.value; });
    const close = () => { st.titleEdit = null; renderHead(); document.getElementById('edit-title')?.focus(); };
    const form = h('form', { class: 'title-form', id: 'title-form', novalidate: true, aria: { label: t('thread.edit_title') } },
      h('label', { for: 'title-input', class: 'field-label' }, t('thread.title_label')),
      input,
      h('p', { class: 'field-error', id: 'title-error', role: 'alert' }, te.error || ''),
      h('div', { class: 'compose-actions' },
        h('button', { type: 'submit', class: 'button primary', disabled: te.busy ? true : null }, t(te.busy ? 'compose.saving' : 'thread.title_save')),
        h('button', { type: 'button', class: 'button', on: { click: close } }, t('compose.cancel'))));
    form.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !te.busy) { e.preventDefault(); close(); } });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (te.busy) return;
      const n = charCount(te.value);
      te.error = isBlank(te.value) ? t('compose.error.title_empty')
        : n > LIMITS.max_title_chars ? t('compose.error.title_long', { count: formatNumber(n), max: formatNumber(LIMITS.max_title_chars) })
        : null;
      if (te.error) { renderHead(); document.getElementById('title-input')?.focus(); return; }
      te.busy = true;
      renderHead();
      try {
        const r = await ctx.transport.write('thread.edit', { thread: threadId, title: te.value }, { timeoutMs: ctx.writeTimeoutMs });
        if (r && r.thread) { st.thread = { ...st.thread, ...r.thread }; ctx.rememberThread(st.thread); }
        st.titleEdit = null;
        renderHead();
        document.getElementById('edit-title')?.focus();
        ctx.say(t('thread.title_saved'));
      } catch (err) {
        if (st.titleEdit !== te) return;
        te.busy = false;
        te.error = errorText(err);
        renderHead();
        document.getElementById('title-input')?.focus();
      }
    });
    return form;
  }

  function showTitles(returnFocus) {
    const body = h('div', { class: 'history', 'aria-busy': 'true' }, h('p', { class: 'loading' }, t('thread.title_history_loading')));
    const d = openDialog({ id: 'titles', title: t('thread.title_history_title'), content: [body], returnFocus, wide: true,
                           initialFocus: () => document.getElementById('titles-title') });
    ctx.transport.request('thread.history', { thread: threadId }).then((data) => {
      if (d.closed) return;
      const list = h('ol', { class: 'revisions' });
      for (const r of data.titles || []) {
        list.append(h('li', { class: 'revision' },
          h('p', { class: 'revision-title' }, r.title),
          h('p', { class: 'revision-meta' }, t('mod.revision', { n: formatNumber(r.revision) }), ' · ',
            t('thread.title_by', { name: r.edited_by ? r.edited_by.name : t('post.anonymous') }), ' · ', timeEl(r.edited_at))));
      }
      body.replaceChildren(list);
      body.removeAttribute('aria-busy');
    }, (err) => {
      if (d.closed) return;
      body.replaceChildren(h('p', { class: 'notice error-notice', role: 'alert' }, errorText(err)));
      body.removeAttribute('aria-busy');
    });
    return d;
  }

  function renderBody() {
    const parts = [];
    if (st.gone) {
      parts.push(h('div', { class: 'notice' }, h('p', {}, t('thread.deleted')),
        st.thread ? h('p', {}, h('a', { href: `#/course/${st.thread.course}` }, t('thread.back_to_board'))) : null));
      bodyEl.replaceChildren(...parts);
      return;
    }
    if (st.error) {
      const gone = st.error.code === 'not_found';
      parts.push(h('div', { class: 'notice error-notice' }, h('p', {}, gone ? t('thread.not_found') : errorText(st.error)),
        h('p', {}, h('a', { href: '#/' }, t('nav.courses')))));
      bodyEl.replaceChildren(...parts);
      return;
    }
    if (!st.loaded) {
      bodyEl.replaceChildren(h('p', { class: 'loading' }, t('thread.loading')));
      return;
    }
    const th = st.thread;
    const course = ctx.courseNow(th.course);
    const all = [...st.posts.values()].sort((a, b) => a.id - b.id);
    const opening = all.find((p) => p.first) || st.posts.get(th.first_post);
    if (opening) parts.push(postEl(opening));

    if (th.locked) {
      parts.push(h('p', { class: 'notice locked-notice' }, t(isStaff() ? 'thread.locked_staff' : 'thread.locked_notice')));
    } else if (course && course.access && course.access !== 'write') {
      parts.push(h('p', { class: 'notice' }, t(`course.access.${course.access}`)));
    }

    const section = h('section', { class: 'responses', aria: { labelledby: 'responses-heading' } });
    section.append(h('h2', { id: 'responses-heading' }, responsesTitle()));
    const list = h('ol', { class: 'response-list', id: 'responses' });
    for (const p of all) if (!p.first && p.parent === null) list.append(responseItem(p));
    section.append(list);
    if (!list.children.length) section.append(h('p', { class: 'empty', id: 'no-responses' }, t('thread.no_responses')));
    if (st.more) section.append(h('p', { class: 'notice', id: 'more-not-shown' }, t('thread.more_not_shown')));
    parts.push(section);

    const muted = ctx.mutedUntil(th.course);
    if (muted && canPost()) {
      parts.push(h('p', { class: 'notice muted-notice' },
        muted === Infinity ? t('mod.you_are_muted') : t('mod.you_are_muted_until', { time: fullDate(muted) })));
    }
    if (canPost()) {
      const box = h('section', { class: 'card compose-card', aria: { labelledby: 'respond-heading' } },
        h('h2', { id: 'respond-heading' }, t(th.kind === 'question' ? 'thread.answer_heading' : 'thread.respond_heading')),
        composer('response').el);
      parts.push(box);
    }
    bodyEl.replaceChildren(...parts);
  }

  function responsesTitle() {
    let n = 0;
    for (const p of st.posts.values()) if (!p.first && p.parent === null && p.state !== 'deleted') n++;
    return tn('thread.responses', n);
  }

  function updateCounts() {
    const heading = root && root.querySelector('#responses-heading');
    if (heading) heading.textContent = responsesTitle();
    renderHeadBadges();
  }

  function renderHeadBadges() {
    if (!headEl || !st.thread || st.thread.kind !== 'question') return;
    const b = headEl.querySelector('.badge.answered, .badge.unanswered');
    if (!b) return;
    const a = answered();
    b.className = `badge ${a ? 'answered' : 'unanswered'}`;
    b.textContent = t(a ? 'thread.answered' : 'thread.unanswered');
  }

  function composer(which, parent = null) {
    const name = which === 'reply' ? `reply:${parent.id}` : which;
    if (composers.has(name)) return composers.get(name);
    const where = which === 'reply' ? `thread.${threadId}.${parent.id}` : `thread.${threadId}.0`;
    const c = createCompose({
      mode: which, id: which === 'reply' ? `compose-reply-${parent.id}` : `compose-${threadId}`,
      draftKey: draftKey(ctx.user.id, where),
      // A response's draft is also kept on the server (replies' drafts stay in this browser).
      serverDraft: which === 'reply' ? null : { transport: ctx.transport, place: { thread: threadId } },
      labelKey: which === 'reply' ? 'compose.reply_label' : (st.thread.kind === 'question' ? 'compose.answer_label' : 'compose.response_label'),
      submitKey: which === 'reply' ? 'compose.submit_reply' : 'compose.submit',
      members: (prefix) => ctx.transport.request('course.members', { course: st.thread.course, ...(prefix ? { prefix } : {}) })
        .then((r) => r.members || []),
      submit: (v, key) => ctx.transport.write('post.create', {
        thread: threadId, body: v.body, anonymous: !!v.anonymous, key,
        ...(parent ? { parent: parent.id } : {}),
      }, { timeoutMs: ctx.writeTimeoutMs }),
      done: (reply) => {
        if (!reply || !reply.post) return;
        ctx.mine.toggle(reply.post.id, true);
        ctx.follows.toggle(threadId, true);
        const known = st.posts.has(reply.post.id);
        const post = merge(reply.post);
        if (known) patchPost(post); else insertPost(post, false);
        updateCounts();
        if (which === 'reply') {
          st.replyOpen.delete(parent.id);
          composers.delete(name);
          patchPost(st.posts.get(parent.id));
          document.getElementById(`post-${post.id}`)?.focus();
        }
        const fb = document.getElementById('follow');
        if (fb) { fb.setAttribute('aria-pressed', 'true'); fb.querySelector('.follow-state').textContent = t('thread.following'); }
      },
      cancel: which === 'reply' ? () => {
        st.replyOpen.delete(parent.id);
        composers.delete(name);
        patchPost(st.posts.get(parent.id));
        document.getElementById(`reply-to-${parent.id}`)?.focus();
      } : null,
    });
    composers.set(name, c);
    return c;
  }

  function responseItem(p) {
    const li = h('li', { class: 'response-item', data: { post: p.id } }, postEl(p));
    return li;
  }

  function authorLabel(p) {
    return ctx.authorName(p.author, mineOf(p));
  }

  // One post, as an <article>; responses carry their replies and reply form inside.
  function postEl(p) {
    const kind = p.first ? 'opening' : p.parent === null ? 'response' : 'reply';
    const mine = mineOf(p);
    const name = authorLabel(p);
    const art = h('article', { class: `post ${kind}${mine ? ' mine' : ''}${p.state !== 'visible' ? ` ${p.state}` : ''}${p.id === st.targeted ? ' targeted' : ''}`,
                               id: `post-${p.id}`, tabindex: '-1', data: { post: p.id },
                               aria: { label: t(`post.label.${kind}`, { name }) } });
    const head = h('header', { class: 'post-head' },
      h('span', { class: `author${p.author ? '' : ' anonymous'}` }, name),
      mine ? h('span', { class: 'you' }, t(p.anonymous ? 'post.you_anonymous' : 'post.you')) : null,
      h('span', { class: 'sep', aria: { hidden: 'true' } }, ' · '),
      timeEl(p.created_at),
      p.edited_at && p.state === 'visible' ? h('span', { class: 'edited', title: fullDate(p.edited_at) }, t('post.edited')) : null,
      p.accepted ? h('span', { class: 'badge accepted' }, t('post.accepted')) : null,
      p.endorsed ? h('span', { class: 'badge endorsed' }, t('post.endorsed')) : null,
      p.state === 'hidden' && p.body !== null ? h('span', { class: 'badge hidden' }, t('mod.state.hidden')) : null);
    art.append(head);

    if (p.state === 'deleted') {
      art.append(h('p', { class: 'placeholder' }, t('post.deleted')));
    } else if (p.state === 'hidden' && p.body === null) {
      art.append(h('p', { class: 'placeholder' }, t('post.hidden')));
    } else if (st.editing.has(p.id)) {
      const c = editComposer(p);
      art.append(c.el);
    } else {
      // Staff see a hidden post's text; so does its author, in their own snapshot.
      if (p.state === 'hidden') art.append(h('p', { class: 'placeholder' }, t(isStaff() || !mine ? 'post.hidden_staff' : 'post.hidden_own')));
      // The opening post sits under the page's <h1>, the others under "Responses" (<h2>):
      // a heading in a post starts one level below.
      art.append(h('div', { class: 'post-body' }, renderMarkdown(p.body, { headingLevel: p.first ? 2 : 3 })));
    }

    if (p.state !== 'deleted' && !(p.state === 'hidden' && p.body === null) && !st.editing.has(p.id)) art.append(actions(p, mine, name));

    if (kind === 'response') {
      const replies = [...st.posts.values()].filter((r) => r.parent === p.id).sort((a, b) => a.id - b.id);
      const ol = h('ol', { class: 'reply-list', aria: { label: t('post.replies_to', { name }) } });
      for (const r of replies) ol.append(h('li', { class: 'reply-item', data: { post: r.id } }, postEl(r)));
      ol.hidden = replies.length === 0;
      art.append(ol);
      if (st.replyOpen.has(p.id) && canPost() && p.state !== 'deleted') {
        art.append(h('div', { class: 'reply-box' }, composer('reply', p).el));
      }
    }
    return art;
  }

  function voteLabel(p, name) {
    return t('post.vote_label', { name, votes: tn('count.votes', p.votes) });
  }

  function actions(p, mine, name) {
    const bar = h('div', { class: 'post-actions' });
    const more = modActions(p, mine, name);
    if (mine || !canWrite() || p.state !== 'visible') {
      bar.append(h('span', { class: 'votes-static', data: { role: 'votes' } }, tn('count.votes', p.votes)));
    } else {
      const voted = ctx.votes.has(p.id);
      const b = h('button', { type: 'button', class: 'vote', data: { role: 'votes' },
                              aria: { pressed: String(voted), label: voteLabel(p, name) },
                              on: { click: () => vote(st.posts.get(p.id) || p, b) } },
        h('span', { class: 'arrow', aria: { hidden: 'true' } }, '▲'),
        h('span', { class: 'count' }, formatNumber(p.votes)));
      bar.append(b);
    }
    const kind = p.first ? 'opening' : p.parent === null ? 'response' : 'reply';
    if (kind === 'response' && canPost() && p.state === 'visible') {
      bar.append(h('button', { type: 'button', class: 'link-button', id: `reply-to-${p.id}`,
                               aria: { expanded: String(st.replyOpen.has(p.id)), label: t('post.reply_to', { name }) },
                               on: { click: () => {
                                 if (st.replyOpen.has(p.id)) { document.getElementById(`compose-reply-${p.id}-body`)?.focus(); return; }
                                 st.replyOpen.add(p.id);
                                 patchPost(st.posts.get(p.id));
                                 document.getElementById(`compose-reply-${p.id}-body`)?.focus();
                               } } }, t('post.reply')));
    }
    if (kind === 'response' && st.thread.kind === 'question' && (p.state === 'visible' || p.accepted) &&
        (isStaff() || (threadMine() && canWrite() && !st.thread.locked))) {
      bar.append(...acceptControl(p));
    }
    if (mine && p.state === 'visible' && canWrite() && (!st.thread.locked || isStaff())) {
      bar.append(h('button', { type: 'button', class: 'link-button', id: `edit-${p.id}`,
                               on: { click: () => {
                                 st.editing.add(p.id);
                                 patchPost(st.posts.get(p.id));
                                 document.getElementById(`edit-post-${p.id}-body`)?.focus();
                               } } }, t('post.edit')));
      if (st.confirming.has(p.id)) {
        const box = h('div', { class: 'confirm', role: 'group', aria: { labelledby: `confirm-${p.id}` } });
        box.append(h('p', { id: `confirm-${p.id}` }, t(p.first ? 'post.confirm_delete_thread' : 'post.confirm_delete')),
          h('button', { type: 'button', class: 'button danger small', id: `confirm-delete-${p.id}`, on: { click: () => remove(p, box) } }, t('post.delete_yes')),
          h('button', { type: 'button', class: 'button small', id: `cancel-delete-${p.id}`, on: { click: () => {
            st.confirming.delete(p.id);
            patchPost(st.posts.get(p.id));
            document.getElementById(`delete-${p.id}`)?.focus();
          } } }, t('compose.cancel')));
        bar.append(h('button', { type: 'button', class: 'link-button', id: `delete-${p.id}`, aria: { expanded: 'true' },
                                 on: { click: () => document.getElementById(`cancel-delete-${p.id}`)?.focus() } }, t('post.delete')));
        bar.append(box);
      } else {
        bar.append(h('button', { type: 'button', class: 'link-button', id: `delete-${p.id}`, aria: { expanded: 'false' },
                                 on: { click: () => {
                                   st.confirming.add(p.id);
                                   patchPost(st.posts.get(p.id));
                                   document.getElementById(`cancel-delete-${p.id}`)?.focus();
                                 } } }, t('post.delete')));
      }
    }
    if (more.length) {
      // The confirm box takes a whole row; moderation comes before it.
      const confirm = bar.querySelector(':scope > .confirm');
      for (const b of more) bar.insertBefore(b, confirm);
    }
    return bar;
  }

  // "Accept answer" for the asker (and staff), with a hint that says what it does.
  function acceptControl(p) {
    const on = !!p.accepted;
    const hintId = `accept-hint-${p.id}`;
    const b = h('button', { type: 'button', class: 'link-button accept', id: `accept-post-${p.id}`,
                            aria: { pressed: String(on), describedby: hintId },
                            on: { click: async () => {
                              const cur = st.posts.get(p.id) || p;
                              const r = await directWrite(ctx, b, 'post.accept', { post: p.id, accepted: !cur.accepted },
                                                          cur.accepted ? 'post.unaccepted_done' : 'post.accepted_done');
                              if (r && r.post) {
                                // The mark moves: the post that had it loses it (its event follows too).
                                if (r.post.accepted) {
                                  for (const o of st.posts.values()) if (o.id !== p.id && o.accepted) { o.accepted = false; patchPost(o); }
                                }
                                patchPost(merge(r.post));
                                updateCounts();
                              }
                              document.getElementById(`accept-post-${p.id}`)?.focus();
                            } } }, t(on ? 'post.unaccept' : 'post.accept'));
    const hint = h('span', { class: 'hint accept-hint', id: hintId }, t(threadMine() ? 'post.accept_hint' : 'post.accept_hint_staff'));
    return [b, hint];
  }

  // Flag (anyone, on someone else's visible post) and, for staff, the moderation actions.
  function modActions(p, mine, name) {
    const out = [];
    const cur = () => st.posts.get(p.id) || p;
    const back = (...ids) => () => ids.map((id) => document.getElementById(id)).find(Boolean) || document.getElementById(`post-${p.id}`);
    const onReply = (r) => { if (r && r.post) { const post = merge(r.post); patchPost(post); updateCounts(); } };
    if (!mine && p.state === 'visible' && !isStaff()) {
      if (ctx.flagged.has(p.id)) {
        out.push(h('span', { class: 'flag-state', id: `flagged-post-${p.id}` }, t('mod.flagged')));
      } else {
        out.push(h('button', { type: 'button', class: 'link-button flag', id: `flag-post-${p.id}`,
                               aria: { label: t('mod.flag_label', { name }) },
                               on: { click: () => flagPost(ctx, cur(), { name, returnFocus: back(`flag-post-${p.id}`),
                                                                          done: () => { ctx.flagged.toggle(p.id, true); patchPost(cur()); } }) } },
          t('mod.flag')));
      }
    }
    if (!isStaff()) return out;
    if (p.state === 'visible') {
      out.push(h('button', { type: 'button', class: 'link-button', id: `hide-post-${p.id}`, aria: { label: t('mod.hide_label', { name }) },
                             on: { click: () => hidePost(ctx, cur(), { name, returnFocus: back(`restore-post-${p.id}`, `hide-post-${p.id}`), done: onReply }) } },
        t('mod.hide')));
    } else if (p.state === 'hidden') {
      const b = h('button', { type: 'button', class: 'link-button', id: `restore-post-${p.id}`, aria: { label: t('mod.restore_label', { name }) },
                              on: { click: async () => {
                                const r = await directWrite(ctx, b, 'post.restore', { post: p.id }, 'mod.restored_done');
                                onReply(r);
                                document.getElementById(`hide-post-${p.id}`)?.focus();
                              } } }, t('mod.restore'));
      out.push(b);
    }
    if (p.state !== 'deleted') {
      out.push(h('button', { type: 'button', class: 'link-button danger-link', id: `remove-post-${p.id}`, aria: { label: t('mod.remove_label', { name }) },
                             on: { click: () => removePost(ctx, cur(), { name, returnFocus: back(`remove-post-${p.id}`), done: (r) => {
                               if (r && r.post && r.post.first) { st.gone = true; render(); ctx.focusHeading(); return; }
                               onReply(r);
                             } }) } },
        t('mod.remove')));
    }
    if (st.thread.kind === 'question' && !p.first && p.parent === null && p.state === 'visible') {
      const b = h('button', { type: 'button', class: 'link-button', id: `endorse-post-${p.id}`, aria: { pressed: String(!!p.endorsed) },
                              on: { click: async () => {
                                const r = await directWrite(ctx, b, 'post.endorse', { post: p.id, endorsed: !cur().endorsed },
                                                            cur().endorsed ? 'mod.unendorsed_done' : 'mod.endorsed_done');
                                onReply(r);
                                document.getElementById(`endorse-post-${p.id}`)?.focus();
                              } } }, t('mod.endorse'));
      out.push(b);
    }
    if (p.edited_at || p.revision > 1) {
      out.push(h('button', { type: 'button', class: 'link-button', id: `history-post-${p.id}`, aria: { label: t('mod.history_label', { name }) },
                             on: { click: () => showHistory(ctx, cur(), { name, returnFocus: back(`history-post-${p.id}`) }) } },
        t('mod.history')));
    }
    return out;
  }

  // Lock and pin, for staff, next to Follow.
  function threadTools() {
    if (!isStaff()) return [];
    const th = st.thread;
    const lock = h('button', { type: 'button', class: 'button small', id: 'lock-thread', on: { click: async () => {
      const r = await directWrite(ctx, lock, 'thread.lock', { thread: threadId, locked: !st.thread.locked },
                                  st.thread.locked ? 'mod.unlocked_done' : 'mod.locked_done');
      if (r && r.thread) { st.thread = { ...st.thread, ...r.thread }; render(); document.getElementById('lock-thread')?.focus(); }
    } } }, t(th.locked ? 'mod.unlock' : 'mod.lock'));
    const pin = h('button', { type: 'button', class: 'button small', id: 'pin-thread', on: { click: async () => {
      const r = await directWrite(ctx, pin, 'thread.pin', { thread: threadId, pinned: !st.thread.pinned },
                                  st.thread.pinned ? 'mod.unpinned_done' : 'mod.pinned_done');
      if (r && r.thread) { st.thread = { ...st.thread, ...r.thread }; render(); document.getElementById('pin-thread')?.focus(); }
    } } }, t(th.pinned ? 'mod.unpin' : 'mod.pin'));
    return [lock, pin, h('a', { href: `#/course/${th.course}/moderation`, class: 'console-link' }, t('mod.console_link'))];
  }

  function editComposer(p) {
    const name = `edit:${p.id}`;
    if (composers.has(name)) return composers.get(name);
    const close = () => {
      st.editing.delete(p.id);
      composers.delete(name);
      patchPost(st.posts.get(p.id));
    };
    const c = createCompose({
      mode: 'edit', id: `edit-post-${p.id}`, initial: { body: p.body || '' }, labelKey: 'compose.edit_label',
      headingLevel: p.first ? 2 : 3,
      submit: (v, key) => ctx.transport.write('post.edit', { post: p.id, body: v.body, key }, { timeoutMs: ctx.writeTimeoutMs }),
      done: (reply) => {
        if (reply && reply.post) merge(reply.post);
        close();
        document.getElementById(`post-${p.id}`)?.focus();
        ctx.say(t('post.saved'));
      },
      cancel: () => { close(); document.getElementById(`edit-${p.id}`)?.focus(); },
    });
    composers.set(name, c);
    return c;
  }

  // Re-renders one post (with its replies) where it stands, keeping focus inside it when
  // the focused control still exists.
  function patchPost(p) {
    if (!p) return;
    const old = root && root.querySelector(`#post-${p.id}`);
    if (!old) { insertPost(p, false); return; }
    const active = document.activeElement;
    const focusId = old.contains(active) && active.id ? active.id : null;
    const hadFocus = old.contains(active);
    const fresh = postEl(p);
    old.replaceWith(fresh);
    if (focusId && document.getElementById(focusId)) document.getElementById(focusId).focus();
    else if (hadFocus) fresh.focus();
  }

  function insertPost(p, arrived) {
    if (!bodyEl || !st.loaded) return;
    if (p.first) { render(); return; }
    const node = postEl(p);
    if (arrived) node.classList.add('arrived');
    if (p.parent === null) {
      const list = root.querySelector('#responses');
      if (!list) return;
      root.querySelector('#no-responses')?.remove();
      const li = h('li', { class: 'response-item', data: { post: p.id } }, node);
      placeById(list, li, p.id);
    } else {
      const parent = root.querySelector(`#post-${p.parent}`);
      if (!parent) return;
      const ol = parent.querySelector(':scope > .reply-list');
      ol.hidden = false;
      placeById(ol, h('li', { class: 'reply-item', data: { post: p.id } }, node), p.id);
    }
  }

  function placeById(list, li, id) {
    for (const child of list.children) {
      if (Number(child.dataset.post) > id) { list.insertBefore(li, child); return; }
    }
    list.append(li);
  }

  function updateVotes(p) {
    const art = root && root.querySelector(`#post-${p.id}`);
    const node = art && art.querySelector(':scope > .post-actions [data-role="votes"]');
    if (!node) return;
    if (node.tagName === 'BUTTON') {
      node.querySelector('.count').textContent = formatNumber(p.votes);
      node.setAttribute('aria-label', voteLabel(p, authorLabel(p)));
      node.setAttribute('aria-pressed', String(ctx.votes.has(p.id)));
    } else {
      node.textContent = tn('count.votes', p.votes);
    }
  }

  return {
    room,
    get rooms() { return [room]; },
    get courseId() { return courseId(); },
    mount(container) {
      root = container;
      st.alive = true;
      render();
      subscribe();
    },
    render() { render(); },
    destroy() {
      st.alive = false;
      ctx.transport.unsubscribeRoom(room);
      ctx.transport.request('unsubscribe', { room }).catch(() => {});
    },
    onEvent(m) { if (m.room === room) apply(m); },
    onState(m) { if (m.room === room) apply(m); },
    onResume(r) {
      if (r.room !== room) return;
      if (!r.ok) { st.error = r.error; render(); return; }
      if (r.data && r.data.mode === 'snapshot') snapshot(r.data);
      // A resumed room's reply carries the vote counts as they are now.
      else if (r.data && Array.isArray(r.data.votes)) {
        for (const x of r.data.votes) apply({ st: 'post.votes', room, v: x.v, data: { post: x.post, votes: x.votes } }, false);
      }
    },
    onGap(g) {
      // The server fills gaps itself; if one shows anyway, read the thread afresh.
      if (g.room === room) subscribe();
    },
    onOpen() {},
    onNotice() { render(); },
  };
}
