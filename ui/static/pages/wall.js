// The video wall (#/wall?...): a full-screen, chrome-free layout of 1–16 live tiles for shop displays
// and installations. Every choice is in the URL, so a wall is a bookmark:
//   token=  a wall token (POST /api/tokens {"kind":"wall"}): the display needs no login
//   cams=   camera ids, comma-separated, in tile order (a camera may appear twice)
//   layout= auto | NxM (columns x rows) | 1+5 | 1+7 | 1+12 (one big tile and the rest small)
//   span=   custom spans, e.g. 0:2x2,3:1x2 (tile 0 spans 2 columns and 2 rows)
//   fx=     the effect chain of every tile; fx0=, fx1=, ... that of one tile (see effects.js); the
//           effects panel (corner button or the E key, WallPanel.js) edits them live and in the URL;
//           a chain of colour effects and blur (and overlays) is a CSS filter on the video, not a canvas
//   names=0 hides the camera names
//   fxpath=old draws the effects the former, costlier way (BenchmarkWallEffects' same-run baseline only)
// Without a token a logged-in administrator sees the "Make wall link" form instead.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { LiveTile } from '../components/LiveTile.js';
import { liveURL } from '../components/mpegts.js';
import { post } from '../api.js';
import { WallEffects, CssEffects, cssChain, isOverlay, parseChain, EFFECT_NAMES, EFFECTS } from '../components/effects.js';
import { WallPanel } from '../components/WallPanel.js';

/** layoutOf turns the layout and span parameters into {cols, rows, spans: Map(tile → [c, r])}; upright:
 * the screen is a narrow portrait one (a phone held upright), where layout=auto makes one column. */
export function layoutOf(layout, span, n, upright = false) {
  const spans = new Map();
  let cols;
  let m;
  if ((m = /^1\+(\d+)$/.exec(layout || ''))) {
    const small = Number(m[1]);
    // one big tile of (k-1)x(k-1) in a k-column grid leaves 2k-1 small places: 1+3, 1+5, 1+7, 1+9, 1+12 (k=...)
    cols = { 3: 2, 5: 3, 7: 4, 9: 5 }[small] || Math.max(2, Math.ceil((small + 1) / 2));
    spans.set(0, [cols - 1, cols - 1]);
  } else if ((m = /^(\d+)x(\d+)$/.exec(layout || ''))) {
    cols = Math.min(Math.max(Number(m[1]), 1), 16);
  } else if (upright) {
    cols = 1; // an upright phone: one column of full-width tiles, not a square grid of letterboxed ones
  } else {
    cols = Math.ceil(Math.sqrt(Math.max(n, 1)));
  }
  for (const part of (span || '').split(',')) {
    const s = /^(\d+):(\d+)x(\d+)$/.exec(part.trim());
    if (s) spans.set(Number(s[1]), [Math.min(Number(s[2]), cols), Number(s[3])]);
  }
  let cells = 0;
  for (let i = 0; i < n; i++) { const sp = spans.get(i) || [1, 1]; cells += sp[0] * sp[1]; }
  return { cols, rows: Math.max(1, Math.ceil(cells / cols)), spans };
}

/** isUpright says whether the window is a narrow portrait one (a phone held upright). */
const isUpright = () => window.innerWidth < window.innerHeight && window.innerWidth < 600;

/** tokenStream is the status source of a wall token's tiles: one push stream (GET /api/stream?token=;
 * an EventSource cannot send headers) carrying the live-view status of the token's cameras. While nvrd
 * does not answer, every watched tile is told "reconnecting", and the stream is opened again with
 * backoff (1 s doubling to 30 s). close() ends it. */
function tokenStream(token) {
  const watchers = new Map(); // camera id → Set of status callbacks
  const last = new Map(); // camera id → its latest status (a tile that comes later starts from it)
  let source = null;
  let timer = 0;
  let retry = 1000;
  let closed = false;
  const tell = (id, s) => { last.set(id, s); for (const fn of watchers.get(id) || []) fn(s); };
  const connect = () => {
    timer = 0;
    source = new EventSource('api/stream?token=' + encodeURIComponent(token));
    source.onopen = () => { retry = 1000; };
    source.addEventListener('camera', (m) => {
      let d;
      try { d = JSON.parse(m.data); } catch { return; }
      tell(d.camera, d.status ? { ...d.status, id: d.camera } : { id: d.camera, state: 'reconnecting' });
    });
    source.onerror = () => {
      for (const id of watchers.keys()) tell(id, { id, state: 'reconnecting', error: '' });
      if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      source.close();
      source = null;
      if (!closed) timer = setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  };
  const watch = (id, fn) => {
    if (!watchers.has(id)) watchers.set(id, new Set());
    watchers.get(id).add(fn);
    if (last.has(id)) fn(last.get(id));
    if (!source && !timer && !closed) connect();
    return () => { const set = watchers.get(id); set.delete(fn); if (!set.size) watchers.delete(id); };
  };
  watch.close = () => { closed = true; clearTimeout(timer); if (source) source.close(); source = null; };
  return watch;
}

// overlaysOnly: a chain of clock and text only, drawn on a transparent canvas over the plain video (a
// WebGL canvas's transparency is fixed when it is made, so such a chain gets a canvas of its own).
const overlaysOnly = (chain) => chain.every(isOverlay);

function WallTile({ id, index, fx, token, watch, span, names, oldFx }) {
  const [video, setVideo] = useState(null);
  const chain = parseChain(fx.get('fx' + index) ?? fx.get('fx') ?? '');
  const url = token ? liveURL(id) + '?token=' + encodeURIComponent(token) : undefined;
  const style = span ? `grid-column: span ${span[0]}; grid-row: span ${span[1]}` : '';
  // Colour and blur effects alone are a CSS filter on the video (no pixi canvas: CssEffects); the
  // chain's overlays, if any, are drawn on a transparent canvas over it. fxpath=old: pixi for everything.
  const css = !oldFx && cssChain(chain);
  const drawn = css ? chain.filter(isOverlay) : chain;
  return html`<div class=${'wall-cell' + (names ? '' : ' no-names')} style=${style}>
    <${LiveTile} camera=${{ id, name: id }} watch=${watch} url=${url} calm=${true} onVideo=${setVideo}>
      ${css && video && html`<${CssEffects} video=${video} chain=${chain.filter((it) => !isOverlay(it))} />`}
      ${drawn.length > 0 && video && html`<${WallEffects} key=${(oldFx ? 'old' : 'new') + (!oldFx && overlaysOnly(drawn) ? ':overlays' : '')} video=${video} chain=${drawn} label=${id} old=${oldFx} />`}
    <//>
  </div>`;
}

/** fxOf reads the effect chains of the URL: Map "fx" | "fxN" → chain text. */
function fxOf(query) {
  const m = new Map();
  for (const [k, v] of query) if (/^fx\d*$/.test(k)) m.set(k, v);
  return m;
}

/** useFx keeps the wall's effect chains: the URL's, and the panel's changes, which it writes to the URL
 * in place (replaceState: no history entry per slider step, no reload of the page or the video). */
function useFx(query) {
  const q = query.toString();
  const [fx, setFx] = useState(() => fxOf(query));
  useEffect(() => setFx(fxOf(query)), [q]);
  const set = (key, text) => {
    const m = new Map(fx);
    if (text || key !== 'fx') m.set(key, text); else m.delete(key); // an empty fxN: that tile has none
    setFx(m);
    const [path, qs] = location.hash.split('?');
    const u = new URLSearchParams(qs || '');
    for (const k of [...u.keys()]) if (/^fx\d*$/.test(k)) u.delete(k);
    for (const [k, v] of m) u.set(k, v);
    history.replaceState(null, '', path + '?' + u.toString());
  };
  return [fx, set];
}

/** Wall shows the tiles of the URL's cameras. */
function Wall({ query }) {
  const token = query.get('token') || '';
  const cams = (query.get('cams') || '').split(',').map((c) => c.trim()).filter(Boolean).slice(0, 16);
  const [watch] = useState(() => (token ? tokenStream(token) : undefined));
  const [fx, setChain] = useFx(query);
  const [upright, setUpright] = useState(isUpright);
  useEffect(() => {
    document.documentElement.classList.add('wall-mode');
    return () => {
      document.documentElement.classList.remove('wall-mode');
      if (watch) watch.close();
    };
  }, []);
  useEffect(() => { // a phone turned: layout=auto follows
    const onResize = () => setUpright(isUpright());
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  if (!cams.length) return html`<main class="wall-empty"><p>This wall shows no cameras: its link needs <code>cams=</code>.</p></main>`;
  const { cols, rows, spans } = layoutOf(query.get('layout'), query.get('span'), cams.length, upright);
  const names = query.get('names') !== '0';
  const oldFx = query.get('fxpath') === 'old';
  return html`<main class="wall" aria-label="Video wall" style=${`--wall-cols: ${cols}; --wall-rows: ${rows}`}>
    ${cams.map((id, i) => html`<${WallTile} key=${i + ':' + id} id=${id} index=${i} fx=${fx} token=${token}
      watch=${watch} span=${spans.get(i)} names=${names} oldFx=${oldFx} />`)}
    <${WallPanel} fx=${fx} cams=${cams} onChange=${setChain} />
  </main>`;
}

const LAYOUTS = [['auto', 'Automatic'], ['1x1', '1 tile'], ['2x2', '2 × 2'], ['3x3', '3 × 3'], ['4x4', '4 × 4'],
  ['1+5', 'One big, five small'], ['1+7', 'One big, seven small']];

/** MakeWallLink is the administrator's form: choose cameras, layout and effect, get a link with a
 * new wall token (revocable in Users). */
function MakeWallLink({ cameras }) {
  const [name, setName] = useState('Wall');
  const [chosen, setChosen] = useState([]);
  const [layout, setLayout] = useState('auto');
  const [fx, setFx] = useState('');
  const [link, setLink] = useState('');
  const [error, setError] = useState('');
  const toggle = (id) => setChosen(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const make = async (e) => {
    e.preventDefault();
    setError('');
    try {
      const t = await post('api/tokens', { name, kind: 'wall', cameras: chosen });
      const q = new URLSearchParams({ token: t.token, cams: chosen.join(','), layout });
      if (fx && !(EFFECTS[fx] && EFFECTS[fx].text)) q.set('fx', fx); // a Text effect needs its text: the wall's panel sets it
      setLink(location.origin + location.pathname + '#/wall?' + q.toString());
    } catch (err) { setError(err.message); }
  };
  return html`<main class="narrow wall-maker">
    <h1>Make wall link</h1>
    <p class="muted">A wall link opens a full-screen wall of live cameras with no login. Its token may only show
      these cameras live; revoke it in <a href="#/users">Users</a>.</p>
    <form onSubmit=${make}>
      <label for="wall-name">Name</label>
      <input id="wall-name" value=${name} onInput=${(e) => setName(e.target.value)} required />
      <fieldset><legend>Cameras (in tile order, up to 16)</legend>
        ${(cameras || []).map((c) => html`<label class="check"><input type="checkbox" checked=${chosen.includes(c.id)}
          onChange=${() => toggle(c.id)} disabled=${!chosen.includes(c.id) && chosen.length >= 16} /> ${c.name}</label>`)}
      </fieldset>
      <label for="wall-layout">Layout</label>
      <select id="wall-layout" value=${layout} onChange=${(e) => setLayout(e.target.value)}>
        ${LAYOUTS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
      </select>
      <label for="wall-fx">Effect</label>
      <select id="wall-fx" value=${fx} onChange=${(e) => setFx(e.target.value)}>
        <option value="">None</option>
        ${EFFECT_NAMES.filter((n) => !EFFECTS[n].text).map((n) => html`<option value=${n}>${EFFECTS[n].label}</option>`)}
      </select>
      <p><button type="submit" disabled=${!chosen.length}>Make wall link</button></p>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${link && html`<p><label for="wall-link">Wall link (shown once)</label>
      <input id="wall-link" readonly value=${link} onFocus=${(e) => e.target.select()} />
      <a class="button" href=${link} target="_blank" rel="noopener">Open the wall</a></p>`}
  </main>`;
}

/** WallPage: the wall of the URL's cameras, or (no cameras, logged in) the "Make wall link" form. */
export function WallPage({ query, user, cameras }) {
  if (!query.get('cams') && user) {
    if (user.role !== 'admin') return html`<main class="narrow"><p>Only an administrator may make wall links.</p></main>`;
    return html`<${MakeWallLink} cameras=${cameras} />`;
  }
  return html`<${Wall} query=${query} />`;
}
