// The word cloud picture. The layout is wordcloud2.js (MIT, from npm; the build copies it to
// vendor/), loaded as a classic script the first time a cloud is shown, so pages without a
// cloud never fetch it. The canvas is only a picture: every page that shows one also shows
// the ordered list of words and counts it was drawn from (its text alternative).
//
//   const cloud = createCloud(label);      // one per poll; keeps its canvas across renders
//   cloud.update(words);                   // [{word, text, count}], most common first
//   container.append(cloud.el);

const SCRIPT = 'vendor/wordcloud2.js';
const WIDTH = 960;
const HEIGHT = 480;
const REDRAW_EVERY_MS = 1500; // a busy cloud is redrawn at most this often
const MAX_DRAWN = 100;

let loading = null;

export function loadWordCloud() {
  if (window.WordCloud) return Promise.resolve(window.WordCloud);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = SCRIPT;
      s.async = true;
      s.onload = () => (window.WordCloud && window.WordCloud.isSupported ? resolve(window.WordCloud) : reject(new Error('wordcloud unsupported')));
      s.onerror = () => { loading = null; reject(new Error('wordcloud not loaded')); };
      document.head.append(s);
    });
  }
  return loading;
}

export function reducedMotion() {
  return !!(window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches);
}

// Colours from the page's own palette (so the light, dark and presenter themes all keep
// their contrast), read from the canvas's place in the page.
function palette(el) {
  const cs = getComputedStyle(el);
  const v = (name, dflt) => (cs.getPropertyValue(name) || '').trim() || dflt;
  return {
    background: v('--surface', '#ffffff'),
    colors: [v('--text', '#1b1f24'), v('--accent', '#0b5cad'), v('--ok-text', '#17602a'), v('--q-text', '#4b2a85'), v('--warn-text', '#6b4500')],
  };
}

export function createCloud() {
  const canvas = document.createElement('canvas');
  canvas.width = WIDTH;
  canvas.height = HEIGHT;
  canvas.className = 'word-cloud';
  canvas.dataset.drawn = '';
  const wrap = document.createElement('div');
  wrap.className = 'word-cloud-wrap';
  wrap.append(canvas);
  let wanted = '';
  let drawn = '';
  let list = [];
  let last = -Infinity;
  let timer = null;
  let dead = false;

  function draw() {
    timer = null;
    if (dead || wanted === drawn) return;
    if (!canvas.isConnected) { timer = setTimeout(draw, 300); return; }
    const sig = wanted;
    const words = list;
    loadWordCloud().then((WordCloud) => {
      if (dead || sig !== wanted) return;
      last = performance.now();
      drawn = sig;
      const { background, colors } = palette(wrap);
      const max = words.reduce((m, w) => Math.max(m, w.count), 1);
      const rank = new Map(words.map((w, i) => [w.text, i]));
      const ctx = canvas.getContext('2d');
      if (!words.length) {
        ctx.fillStyle = background;
        ctx.fillRect(0, 0, WIDTH, HEIGHT);
        canvas.dataset.drawn = sig;
        return;
      }
      canvas.addEventListener('wordcloudstop', () => { if (drawn === sig) canvas.dataset.drawn = sig; }, { once: true });
      WordCloud(canvas, {
        list: words.map((w) => [w.text, w.count]),
        // Font sizes from 18 px (one entry) to 96 px (the most common word).
        weightFactor: (count) => 18 + (78 * Math.sqrt(count / max)),
        fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif',
        fontWeight: '600',
        color: (word) => colors[(rank.get(word) || 0) % colors.length],
        backgroundColor: background,
        gridSize: 10,
        rotateRatio: 0, // horizontal words read best on a shared screen
        shuffle: false, // the same counts give the same picture
        drawOutOfBound: false,
        shrinkToFit: true,
        // Words appear one by one unless the reader asked for less motion.
        wait: reducedMotion() ? 0 : 40,
      });
    }, () => { drawn = ''; wrap.dataset.failed = 'true'; });
  }

  return {
    el: wrap,
    canvas,
    update(words) {
      list = words.slice(0, MAX_DRAWN);
      wanted = JSON.stringify(list.map((w) => [w.text, w.count]));
      if (wanted === drawn || timer) return;
      timer = setTimeout(draw, Math.max(0, last + REDRAW_EVERY_MS - performance.now()));
    },
    destroy() { dead = true; if (timer) clearTimeout(timer); },
  };
}
