// Notifications: the bell in the header of every page (its accessible name says how many are
// unread), the panel it opens (the list, newest activity first, with "mark as read", "mark all as
// read", older pages and the settings), and one polite spoken summary of new notifications at
// most every ANNOUNCE_EVERY_MS, however many arrive ("3 new notifications"), never one per post.
//
//   const n = createNotifications({ bell, panel, announce, showError });
//   n.attach(transport);           // after hello: loads the first page
//   n.onEvent(m);                  // a `notification` event from the user's own room
//   n.detach();                    // signed out
//
// Notifications arrive in the user:<id> room that app.js follows (and resumes after a drop).
import { t } from './i18n.js';
import { h, tn, timeEl } from './ui.js';
import { LIMITS } from './protocol.js';

const PAGE = LIMITS.notification_page_default;

export const ANNOUNCE_EVERY_MS = 10000;
export const KINDS = Object.freeze(['reply', 'reply_to_post', 'mention', 'answer', 'announcement']);

// The sentence for one notification, in the current language.
export function notificationText(n) {
  const title = n.title || t('notify.gone_thread');
  const by = n.by && n.by.name ? n.by.name : t('notify.someone');
  const count = Number(n.count) || 1;
  switch (n.kind) {
    case 'reply': return tn('notify.reply', count, { by, title });
    case 'reply_to_post': return tn('notify.reply_to_post', count, { by, title });
    case 'mention': return tn('notify.mention', count, { by, title });
    case 'answer': return t('notify.answer', { by, title });
    case 'announcement': return t('notify.announcement', { title });
    default: return t('notify.other', { title });
  }
}

// Where a notification leads: its thread, at its newest post.
export function notificationHref(n) {
  if (!n.thread) return null;
  return n.post ? `#/thread/${n.thread}?post=${n.post}` : `#/thread/${n.thread}`;
}

export function createNotifications({ bell, panel, announce, showError = () => {} }) {
  const st = { unread: 0, items: [], settings: null, next: null, loaded: false, loading: false, open: false };
  let tr = null;
  let fresh = 0;               // new ones since the last spoken summary
  let lastSaid = -Infinity;
  let timer = null;

  bell.addEventListener('click', () => setOpen(!st.open));
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && st.open) { e.preventDefault(); setOpen(false); bell.focus(); }
  });

  function attach(transport) {
    tr = transport;
    bell.hidden = false;
    reload();
  }

  function detach() {
    tr = null;
    st.unread = 0; st.items = []; st.settings = null; st.next = null; st.loaded = false;
    fresh = 0;
    if (timer) { clearTimeout(timer); timer = null; }
    setOpen(false);
    bell.hidden = true;
    renderBell();
  }

  // The first page again (after a reconnect: the count and the order may have moved).
  async function reload() {
    const mine = tr;
    if (!mine) return;
    st.loading = true;
    try {
      const d = await mine.request('notification.list', { limit: PAGE });
      if (tr !== mine) return;
      st.items = d.notifications || [];
      st.unread = d.unread || 0;
      st.settings = d.settings || null;
      st.next = d.next_cursor || null;
      st.loaded = true;
    } catch (err) {
      if (tr === mine) showError(err);
    } finally {
      st.loading = false;
    }
    renderBell();
    renderPanel();
  }

  async function loadMore() {
    const mine = tr;
    if (!mine || !st.next) return;
    try {
      const d = await mine.request('notification.list', { cursor: st.next, limit: PAGE });
      if (tr !== mine) return;
      const have = new Set(st.items.map((n) => n.id));
      const added = (d.notifications || []).filter((n) => !have.has(n.id));
      st.items.push(...added);
      st.next = d.next_cursor || null;
      renderPanel();
      const first = added[0] && document.getElementById(`notif-${added[0].id}`);
      if (first) first.focus();
    } catch (err) {
      showError(err);
    }
  }

  // A new or grown notification: it moves to the top; the count is the server's.
  function onEvent(m) {
    const n = m && m.data && m.data.notification;
    if (!n || typeof n.id !== 'number') return;
    st.items = [n, ...st.items.filter((x) => x.id !== n.id)];
    if (typeof m.data.unread === 'number') st.unread = m.data.unread;
    if (!n.read) { fresh += 1; schedule(); }
    renderBell();
    if (st.open) renderPanel();
  }

  function schedule() {
    if (timer) return;
    const wait = lastSaid + ANNOUNCE_EVERY_MS - performance.now();
    timer = setTimeout(say, Math.max(0, wait));
  }

  function say() {
    timer = null;
    if (!fresh) return;
    announce(tn('notify.announce', fresh));
    fresh = 0;
    lastSaid = performance.now();
  }

  async function markRead(n, button) {
    if (!tr) return;
    button.disabled = true;
    try {
      const r = await tr.write('notification.read', { ids: [n.id] });
      n.read = true;
      st.unread = r.unread;
      renderBell();
      renderPanel();
      const link = document.getElementById(`notif-${n.id}`);
      if (link) link.focus();
    } catch (err) {
      button.disabled = false;
      showError(err);
    }
  }

  // Following a notification's link reads it (the page moves on; a failure only leaves it unread).
  function opened(n) {
    if (!tr || n.read) return;
    n.read = true;
    tr.write('notification.read', { ids: [n.id] }).then((r) => { st.unread = r.unread; renderBell(); }, () => {});
  }

  async function markAll(button) {
    if (!tr) return;
    button.disabled = true;
    try {
      const r = await tr.write('notification.read_all', {});
      for (const n of st.items) n.read = true;
      st.unread = r.unread;
      renderBell();
      renderPanel();
      announce(t('notify.all_read'));
      const heading = document.getElementById('notif-heading');
      if (heading) heading.focus();
    } catch (err) {
      button.disabled = false;
      showError(err);
    }
  }

  // The box keeps focus while the setting is saved (disabling it would drop focus to the page).
  async function setKind(kind, box) {
    if (!tr) return;
    try {
      const r = await tr.write('notification.settings', { [kind]: box.checked });
      st.settings = r.settings;
      box.checked = r.settings[kind] !== false;
      announce(t('notify.settings_saved'));
    } catch (err) {
      box.checked = !box.checked;
      showError(err);
    }
  }

  function setOpen(open) {
    st.open = open;
    bell.setAttribute('aria-expanded', String(open));
    panel.hidden = !open;
    if (open) {
      renderPanel();
      if (!st.loaded) reload();
      const heading = document.getElementById('notif-heading');
      if (heading) heading.focus();
    }
  }

  function renderBell() {
    const count = bell.querySelector('.bell-count');
    bell.setAttribute('aria-label', st.unread ? tn('notify.bell_unread', st.unread) : t('notify.bell_none'));
    bell.dataset.unread = String(st.unread);
    if (count) {
      count.textContent = st.unread ? String(st.unread > 99 ? '99+' : st.unread) : '';
      count.hidden = !st.unread;
    }
    const label = bell.querySelector('.bell-label');
    if (label) label.textContent = t('notify.heading');
  }

  function renderPanel() {
    if (!st.open) return;
    const parts = [h('h2', { id: 'notif-heading', tabindex: '-1' }, t('notify.heading'))];
    const tools = h('div', { class: 'notif-tools' });
    if (st.unread) {
      const all = h('button', { type: 'button', class: 'button small', id: 'notif-read-all', on: { click: () => markAll(all) } },
        t('notify.mark_all'));
      tools.append(all);
    }
    tools.append(h('button', { type: 'button', class: 'button small', on: { click: () => { setOpen(false); bell.focus(); } } },
      t('notify.close')));
    parts.push(tools);
    if (!st.loaded) {
      parts.push(h('p', { class: 'hint' }, t('notify.loading')));
    } else if (!st.items.length) {
      parts.push(h('p', { class: 'hint', id: 'notif-empty' }, t('notify.empty')));
    } else {
      const list = h('ul', { class: 'notif-list', aria: { labelledby: 'notif-heading' } });
      for (const n of st.items) {
        const text = notificationText(n);
        const href = notificationHref(n);
        const link = href
          ? h('a', { href, id: `notif-${n.id}`, class: 'notif-link', on: { click: () => { opened(n); setOpen(false); } } }, text)
          : h('span', { id: `notif-${n.id}`, tabindex: '-1' }, text);
        const row = h('li', { class: `notif kind-${n.kind}${n.read ? ' read' : ' unread'}`, data: { id: n.id, kind: n.kind } },
          n.read ? null : h('span', { class: 'badge unread-badge' }, t('notify.unread')), link, ' ', timeEl(n.updated_at));
        if (!n.read) {
          const b = h('button', { type: 'button', class: 'button small', aria: { label: t('notify.mark_read_label', { text }) },
                                  on: { click: () => markRead(n, b) } }, t('notify.mark_read'));
          row.append(' ', b);
        }
        list.append(row);
      }
      parts.push(list);
      if (st.next) {
        const more = h('button', { type: 'button', class: 'button small', id: 'notif-more', on: { click: () => loadMore() } },
          t('notify.more'));
        parts.push(more);
      }
    }
    if (st.settings) {
      const fs = h('fieldset', { class: 'notif-settings' }, h('legend', {}, t('notify.settings_heading')));
      for (const kind of KINDS) {
        const id = `notif-setting-${kind}`;
        const box = h('input', { type: 'checkbox', id, props: { checked: st.settings[kind] !== false },
                                 on: { change: () => setKind(kind, box) } });
        fs.append(h('div', { class: 'check' }, box, ' ', h('label', { for: id }, t(`notify.setting.${kind}`))));
      }
      parts.push(fs);
    }
    panel.replaceChildren(...parts);
  }

  function render() { renderBell(); renderPanel(); }

  renderBell();
  return { attach, detach, reload, onEvent, render, get unread() { return st.unread; } };
}

