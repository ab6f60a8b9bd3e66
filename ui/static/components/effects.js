// Live effects of the video wall, drawn with pixi.js (WebGL) from the tile's own <video>, so the camera
// stream is never re-encoded and the server pays nothing. A tile's chain comes from the URL as
// fx=item,item,... in order; an item is name[=text]:value:value:... (values in the order of EFFECTS'
// params; a missing one takes its default), e.g. fx=grayscale,pixelate:12 or fx=motion:8:300,clock,text=Shop:6:50:90
// The text of a text item has "%", "," and ":" written as %25, %2C, %3A. The effects and their parameters
// are in EFFECTS below (the wall's panel makes a slider of every parameter); clock and text are drawn
// over the picture (size in % of its width, position in % of its width and height).
// Where WebGL is unavailable the tile keeps its plain video and says so.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { timeOfDay } from './when.js';

const p = (label, min, max, step, def, unit = '') => ({ label, min, max, step, def, unit });
const SIZE_POS = (size, x, y) => [p('Size', 1, 30, 0.5, size, '%'), p('Across', 0, 100, 1, x, '%'), p('Down', 0, 100, 1, y, '%')];

/** EFFECTS: every effect's label and parameters (label, min, max, step, default, unit), in URL order. */
export const EFFECTS = {
  grayscale: { label: 'Grayscale', params: [] },
  sepia: { label: 'Sepia', params: [] },
  invert: { label: 'Invert', params: [] },
  hue: { label: 'Hue', params: [p('Hue', 0, 360, 1, 90, '°')] },
  huecycle: { label: 'Hue cycle', params: [p('Animation speed', 0, 180, 1, 20, '°/s')] },
  contrast: { label: 'Contrast', params: [p('Contrast', -1, 1, 0.05, 0.5)] },
  tint: { label: 'Tint', params: [p('Tint hue', 0, 360, 1, 30, '°')] },
  pixelate: { label: 'Pixelate', params: [p('Pixelate size', 2, 64, 1, 12, 'px')] },
  blur: { label: 'Blur', params: [p('Blur strength', 0, 30, 0.5, 4)] },
  edge: { label: 'Edges', params: [p('Edge strength', 0.5, 5, 0.1, 1.5)] },
  emboss: { label: 'Emboss', params: [p('Emboss depth', 0.5, 5, 0.1, 1.5, 'px')] },
  rgbsplit: { label: 'RGB split', params: [p('Split', 0, 40, 1, 6, 'px')] },
  kaleido: { label: 'Kaleidoscope', params: [p('Segments', 2, 16, 1, 6)] },
  motion: { label: 'Motion amplify', params: [p('Amplify gain', 1, 30, 0.5, 8), p('Amplify delay', 50, 2000, 50, 300, 'ms')] },
  clock: { label: 'Clock', params: SIZE_POS(4.5, 1, 1) },
  text: { label: 'Text', text: true, params: SIZE_POS(6, 50, 90) },
};
export const EFFECT_NAMES = Object.keys(EFFECTS);

const esc = (s) => s.replace(/[%,:]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const unesc = (s) => { try { return decodeURIComponent(s); } catch { return s; } };

/** parseChain turns "grayscale,pixelate:12" into [{name, text, values}] with every parameter's value
 * (defaults where missing or out of range; unknown names are left out). */
export function parseChain(s) {
  const out = [];
  for (const part of (s || '').split(',')) {
    const [head, ...vs] = part.trim().split(':');
    const eq = head.indexOf('=');
    const name = eq < 0 ? head : head.slice(0, eq);
    const fx = EFFECTS[name];
    if (!fx) continue;
    const values = fx.params.map((q, i) => {
      const v = vs[i] === undefined || vs[i] === '' ? NaN : Number(vs[i]);
      return Number.isFinite(v) ? Math.min(q.max, Math.max(q.min, v)) : q.def;
    });
    out.push({ name, text: fx.text ? unesc(eq < 0 ? '' : head.slice(eq + 1)) : undefined, values });
  }
  return out;
}

/** formatChain is parseChain's inverse: the URL's form of a chain. */
export function formatChain(chain) {
  return chain.map((f) => f.name + (f.text !== undefined ? '=' + esc(f.text) : '') + f.values.map((v) => ':' + v).join('')).join(',');
}

/** newEffect is an effect with its default parameters (the panel's "Add"). */
export function newEffect(name) {
  const fx = EFFECTS[name];
  return { name, text: fx.text ? 'Text' : undefined, values: fx.params.map((q) => q.def) };
}

/** capLRU empties one of pixi's LRU caches (tiny-lru) and keeps it to 64 entries; it leaves anything else. */
function capLRU(lru) {
  if (lru && typeof lru.clear === 'function' && 'max' in lru) { lru.clear(); lru.max = 64; }
}

let loading = null;
/** loadPixi imports pixi.js once, with its unsafe-eval polyfill (the page's policy forbids eval, which
 * pixi's shader code generation would otherwise use). */
function loadPixi() {
  if (!loading) {
    loading = import('pixi.js').then((PIXI) => new Promise((resolve, reject) => {
      // pixi keeps the measurements of the last 1000 texts it drew (an LRU shared by every Text, each
      // entry holding the browser's shaped text, ~1.3 KB): a clock draws a new text every second, so a
      // wall's heap grew ~1 MB over its first quarter hour (BenchmarkWallSoak's heap snapshots). The
      // wall's overlays need a few: 64. (The LRU evicts only when full to exactly its max, so it is
      // emptied first.)
      capLRU(PIXI.CanvasTextMetrics && PIXI.CanvasTextMetrics._measurementCache);
      // The same for the layouts of bitmap texts (the wall's overlays, overlayFont).
      capLRU(PIXI.BitmapFontManager && PIXI.BitmapFontManager.measureCache);
      // The polyfill is a classic script that patches the classes it finds on window.PIXI, and its
      // functions look PIXI up there when they run: the one global this page keeps, for pixi alone.
      window.PIXI = { ...PIXI };
      const s = document.createElement('script');
      s.src = 'vendor/pixi-unsafe-eval.js';
      s.onload = () => resolve(PIXI);
      s.onerror = () => { reject(new Error('vendor/pixi-unsafe-eval.js is missing: run make setup')); };
      document.head.appendChild(s);
    }));
  }
  return loading;
}

const FRAG_HEAD = `in vec2 vTextureCoord;
out vec4 finalColor;
uniform sampler2D uTexture;
uniform highp vec4 uInputSize; // highp as in the vertex stage: a uniform of both stages must match
uniform highp vec4 uOutputFrame;
`;

const SHADERS = {
  pixelate: `uniform float uBlock;
void main() {
  vec2 px = vTextureCoord * uInputSize.xy;
  vec2 c = (floor(px / uBlock) + 0.5) * uBlock;
  finalColor = texture(uTexture, c * uInputSize.zw);
}`,
  edge: `uniform float uBlock;
float l(vec2 d) { vec3 c = texture(uTexture, vTextureCoord + d * uInputSize.zw).rgb; return dot(c, vec3(0.299, 0.587, 0.114)); }
void main() {
  float gx = -l(vec2(-1,-1)) - 2.0*l(vec2(-1,0)) - l(vec2(-1,1)) + l(vec2(1,-1)) + 2.0*l(vec2(1,0)) + l(vec2(1,1));
  float gy = -l(vec2(-1,-1)) - 2.0*l(vec2(0,-1)) - l(vec2(1,-1)) + l(vec2(-1,1)) + 2.0*l(vec2(0,1)) + l(vec2(1,1));
  float e = clamp(length(vec2(gx, gy)) * uBlock, 0.0, 1.0);
  finalColor = vec4(vec3(e), 1.0);
}`,
  emboss: `uniform float uBlock;
void main() {
  vec3 a = texture(uTexture, vTextureCoord - uInputSize.zw * uBlock).rgb;
  vec3 b = texture(uTexture, vTextureCoord + uInputSize.zw * uBlock).rgb;
  float e = 0.5 + dot(b - a, vec3(0.299, 0.587, 0.114)) * 2.0;
  finalColor = vec4(vec3(e), 1.0);
}`,
  rgbsplit: `uniform float uBlock;
void main() {
  vec2 d = vec2(uBlock, 0.0) * uInputSize.zw;
  vec4 c = texture(uTexture, vTextureCoord);
  finalColor = vec4(texture(uTexture, vTextureCoord - d).r, c.g, texture(uTexture, vTextureCoord + d).b, c.a);
}`,
  kaleido: `uniform float uBlock;
uniform vec2 uScreen;
void main() {
  vec2 px = vTextureCoord * uInputSize.xy;
  vec2 p = px - uScreen * 0.5;
  float seg = 6.2831853 / max(uBlock, 2.0);
  float a = atan(p.y, p.x);
  a = mod(a, seg);
  a = min(a, seg - a);
  vec2 q = vec2(cos(a), sin(a)) * length(p) + uScreen * 0.5;
  finalColor = texture(uTexture, clamp(q, vec2(1.0), uScreen - 1.0) * uInputSize.zw);
}`,
  motion: `uniform float uBlock;
uniform vec2 uScreen;
uniform sampler2D uPast;
void main() {
  vec4 c = texture(uTexture, vTextureCoord);
  vec2 screen = (vTextureCoord * uInputSize.xy + uOutputFrame.xy) / uScreen;
  vec3 p = texture(uPast, screen).rgb;
  float d = max(max(abs(c.r - p.r), abs(c.g - p.g)), abs(c.b - p.b));
  float m = clamp((d - 0.06) * uBlock, 0.0, 1.0);
  float y = dot(c.rgb, vec3(0.299, 0.587, 0.114)) * 0.3;
  finalColor = vec4(mix(vec3(y), vec3(1.0, 0.85, 0.2), m), 1.0);
}`,
};

function shaderFilter(PIXI, name, value, extra = {}) {
  const res = { fx: { uBlock: { value, type: 'f32' }, uScreen: { value: [1, 1], type: 'vec2<f32>' } } };
  return new PIXI.Filter({
    glProgram: PIXI.GlProgram.from({ vertex: PIXI.defaultFilterVert, fragment: FRAG_HEAD + SHADERS[name], name: 'nvr-' + name }),
    resources: { ...res, ...extra },
  });
}

const COLOUR = ['grayscale', 'sepia', 'invert', 'hue', 'huecycle', 'contrast', 'tint'];

/** colourPart is one ColorMatrixFilter for a run of colour items (one pass instead of one per item). The
 * items apply in chain order: pixi's multiply puts a new matrix before the current one (M·N applies N
 * first), so the matrix is built from the last item back. */
function colourPart(PIXI, items, old) {
  const f = new PIXI.ColorMatrixFilter();
  if (!old) f.resolution = 'inherit';
  let cur = items;
  const load = (t) => {
    let first = true;
    const m = () => { const r = !first; first = false; return r; };
    for (let k = cur.length - 1; k >= 0; k--) {
      const { name, values: [v] } = cur[k];
      if (name === 'grayscale') f.saturate(-1, m()); // every row the same weights: R=G=B
      else if (name === 'sepia') f.sepia(m());
      else if (name === 'invert') f.negative(m());
      else if (name === 'hue') f.hue(v, m());
      else if (name === 'huecycle') f.hue(((t / 1000) * v) % 360, m());
      else if (name === 'contrast') f.contrast(v, m());
      else if (name === 'tint') { f.hue(v, m()); f.saturate(0.6, true); }
    }
  };
  load(performance.now());
  return {
    filter: f,
    set: (its) => { cur = its; load(performance.now()); },
    update: (t) => { if (!cur.some((it) => it.name === 'huecycle')) return false; load(t); return true; },
  };
}

/** makePart makes the filter or overlay of one chain item (or, for colourPart, of a run of colour items);
 * it returns {filter | text, set(items), update(t, w, h, label, pic), delay()}: set applies new parameter
 * values to the same filter (a slider moving), update runs every frame and says whether it changed
 * what is drawn. old: the former path (filters at pixi's default resolution), for the benchmark. */
function makePart(PIXI, items, past, old) {
  const item = items[0];
  const { name } = item;
  let cur = item;
  if (COLOUR.includes(name)) return colourPart(PIXI, items, old);
  if (name === 'blur') {
    const f = new PIXI.BlurFilter({ strength: item.values[0], quality: 2, ...(old ? {} : { resolution: 'inherit' }) });
    return { filter: f, set: ([it]) => { f.strength = it.values[0]; } };
  }
  if (SHADERS[name]) {
    const f = shaderFilter(PIXI, name, item.values[0], name === 'motion' ? { uPast: past.source } : {});
    if (!old) f.resolution = 'inherit';
    return {
      filter: f,
      set: ([it]) => { cur = it; f.resources.fx.uniforms.uBlock = it.values[0]; },
      update: (t, w, h) => {
        const u = f.resources.fx.uniforms;
        if (u.uScreen[0] !== w || u.uScreen[1] !== h) u.uScreen = [w, h];
        return false;
      },
      delay: () => (name === 'motion' ? cur.values[1] : 0),
    };
  }
  // clock and text: drawn over the filtered picture in the overlays' bitmap font (overlayFont); the
  // benchmark's former path keeps a canvas text
  const text = old
    ? new PIXI.Text({ text: '', style: { fill: 0xffffff, fontSize: 22, fontFamily: 'sans-serif', fontWeight: '600',
      dropShadow: { color: 0x000000, distance: 2, alpha: 0.8, blur: 2 } } })
    : new PIXI.BitmapText({ text: '', style: { fontFamily: overlayFont(PIXI), fontSize: 22 } });
  let shown = '';
  return {
    text,
    set: ([it]) => { cur = it; },
    update: (t, w, h, label, pic) => {
      const [size, x, y] = cur.values;
      const ox = pic ? pic.x : 0;
      const oy = pic ? pic.y : 0;
      if (pic) { w = pic.w; h = pic.h; } // on the picture, not on the tile's letterbox bars
      const s = name === 'clock' ? timeOfDay(Date.now()) + (label ? '  ' + label : '') : cur.text;
      const px = Math.max(8, Math.round((w * size) / 100));
      const key = [s, px, x, y, w, h, ox, oy].join('|');
      if (key === shown) return false; // the same text in the same place: nothing to draw
      shown = key;
      text.text = s;
      text.style.fontSize = px;
      text.anchor.set(x / 100, y / 100);
      // a margin of 2 % of the tile at the edges, so the text stays on it
      const m = Math.min(w, h) * 0.02;
      // a text wider than the picture is made smaller until it fits (a long label or a large size)
      if (!old && text.width > w - 2 * m) text.style.fontSize = Math.max(8, Math.floor((px * (w - 2 * m)) / text.width));
      text.position.set(ox + m + (x / 100) * (w - 2 * m), oy + m + (y / 100) * (h - 2 * m));
      return true;
    },
  };
}

// OVERLAY_FONT is the bitmap font of the clock and text overlays: its glyphs (printable ASCII at first;
// another character of a label is added when first shown) are drawn once, at 64 px with their shadow,
// into a texture every overlay shares and scales (no kerning pairs: measuring them shapes 95² texts).
// A canvas text (PIXI.Text) would be shaped and drawn anew each second for a clock, and Blink keeps
// every text it shapes for a canvas (~1.24 KB a text: 1212 more blink::PlainTextNode, +1.5 MB, over
// 5 minutes of four clocks in BenchmarkWallSoak's heap snapshots). Installed on first use.
const OVERLAY_FONT = 'nvr-overlay';
function overlayFont(PIXI) {
  if (!PIXI.Cache.has(OVERLAY_FONT + '-bitmap')) {
    PIXI.BitmapFont.install({ name: OVERLAY_FONT, chars: [[' ', '~']], resolution: Math.min(2, devicePixelRatio || 1), padding: 8, skipKerning: true,
      style: { fill: 0xffffff, fontSize: 64, fontFamily: 'sans-serif', fontWeight: '600',
        dropShadow: { color: 0x000000, distance: 5, alpha: 0.8, blur: 5 } } });
  }
  return OVERLAY_FONT;
}

/** groups splits a chain into the items of each part: a run of colour items is one part (unless old). */
function groups(chain, old) {
  const out = [];
  chain.forEach((it, i) => {
    const last = out[out.length - 1];
    if (!old && last && COLOUR.includes(it.name) && COLOUR.includes(chain[last[0]].name)) last.push(i);
    else out.push([i]);
  });
  return out;
}

// A tile's canvas has at most this many pixels (a 1080p camera full screen draws 1280×720, CSS scales it
// up): software GL's cost follows the pixel count.
const MAX_PIXELS = 1280 * 720;
// Animated effects (hue cycle) with no new video picture are drawn at most this often (ms).
const ANIMATE_MS = 40;

/** newPictures returns a function telling whether the video shows a picture not drawn yet: from
 * requestVideoFrameCallback once it has fired (it does in headless Chromium with SwiftShader), else
 * from the count of pictures shown (a browser where it never fires), else from currentTime (which moves
 * continuously, not per picture). cancel() ends it. */
function newPictures(video) {
  let called = false;
  let pending = false;
  let handle = 0;
  let stopped = false;
  const onFrame = () => {
    called = true;
    pending = true;
    if (!stopped) handle = video.requestVideoFrameCallback(onFrame);
  };
  if (video.requestVideoFrameCallback) handle = video.requestVideoFrameCallback(onFrame);
  let last = -1;
  const fresh = () => {
    if (called) { const p = pending; pending = false; return p; }
    const q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
    const n = q ? q.totalVideoFrames - q.droppedVideoFrames : video.currentTime;
    if (n === last) return false;
    last = n;
    return true;
  };
  fresh.source = () => (called ? 'rvfc' : 'frames');
  fresh.cancel = () => { stopped = true; if (handle && video.cancelVideoFrameCallback) video.cancelVideoFrameCallback(handle); };
  return fresh;
}

/** releaseSource frees a pixi VideoSource and takes its listeners off the video, leaving the video
 * playing: VideoSource.destroy would pause it and empty its src, and a source merely dropped stays
 * reachable from the video's listeners (with its texture) for the video's life. */
function releaseSource(source, video) {
  for (const [ev, fn] of [['play', source._onPlayStart], ['pause', source._onPlayStop], ['seeked', source._onSeeked],
    ['canplay', source._onCanPlay], ['canplaythrough', source._onCanPlayThrough], ['loadedmetadata', source._onLoadedMetadata]]) {
    if (fn) video.removeEventListener(ev, fn);
  }
  if (source._onError) video.removeEventListener('error', source._onError, true);
  source.autoUpdate = false;
  source.resource = null;
  source.destroy();
}

// CSS_FX: the effects the browser's compositor draws as a CSS filter on the <video> itself (each the CSS
// function of the pixi path's matrix: pixi's contrast(a) is contrast(1+a), its saturate(0.6) is
// saturate(1.4); blur is close to pixi's, not equal). Under software GL a pixi canvas costs 30–45 ms a
// picture; the filter costs next to nothing, so a chain of these alone gets no canvas.
const CSS_FX = {
  grayscale: () => 'grayscale(1)',
  sepia: () => 'sepia(1)',
  invert: () => 'invert(1)',
  hue: ([v]) => `hue-rotate(${v}deg)`,
  huecycle: ([v], t) => `hue-rotate(${Math.round(((t / 1000) * v) % 360)}deg)`,
  contrast: ([v]) => `contrast(${+(1 + v).toFixed(3)})`,
  tint: ([v]) => `saturate(1.4) hue-rotate(${v}deg)`,
  blur: ([v]) => `blur(${+(v / 2).toFixed(2)}px)`,
};

/** isOverlay says whether a chain item is drawn over the picture (clock, text) rather than changing it. */
export const isOverlay = (it) => it.name === 'clock' || it.name === 'text';

/** cssChain says whether a chain's picture effects can all be a CSS filter (its overlays, if any, still
 * need a canvas of their own); a chain with no picture effect is not one. */
export const cssChain = (chain) => chain.some((it) => CSS_FX[it.name]) && chain.every((it) => CSS_FX[it.name] || isOverlay(it));

/** cssFilter is the CSS filter of a chain's picture effects at time t (ms), in chain order. */
export const cssFilter = (chain, t) => chain.filter((it) => CSS_FX[it.name]).map((it) => CSS_FX[it.name](it.values, t)).join(' ');

/** CssEffects puts the chain's colour and blur effects on the tile's video as a CSS filter (see CSS_FX),
 * again when the chain changes (the panel), and from the animation tick while an item animates (hue
 * cycle: the filter is written only when its whole degree changes). Unmounted, the video is plain again.
 * Its hidden marker carries the chain and filter shown (for the tests and BenchmarkWallEffects). */
export function CssEffects({ video, chain }) {
  const key = formatChain(chain);
  const mark = useRef(null);
  useEffect(() => {
    let timer = 0;
    let shown = null;
    const animated = chain.some((it) => it.name === 'huecycle');
    const tick = () => {
      const f = cssFilter(chain, performance.now());
      if (f !== shown) {
        shown = f;
        video.style.filter = f;
        if (mark.current) mark.current.dataset.filter = f;
      }
      timer = animated ? requestAnimationFrame(tick) : 0;
    };
    tick();
    return () => { cancelAnimationFrame(timer); video.style.filter = ''; };
  }, [video, key]);
  return html`<i class="fx-css" hidden data-chain=${key} ref=${mark}></i>`;
}

/** WallEffects draws the chain over the tile from its video; props: video, chain, label, old (the
 * former drawing path, kept for BenchmarkWallEffects' same-run baseline: a render whenever currentTime
 * moves, filters at pixi's default resolution, one pass per colour item, the video drawn under overlays).
 * A new chain with the same effects in the same order changes their parameters in place; another one
 * rebuilds the filters; neither touches the video. A chain of overlays only (clock, text) is drawn on a
 * transparent canvas over the plain video, redrawn only when its text changes. */
export function WallEffects({ video, chain, label, old }) {
  const canvas = useRef(null);
  const want = useRef(chain);
  want.current = chain;
  const [note, setNote] = useState('');
  useEffect(() => {
    let stopped = false;
    let app = null;
    let timer = 0;
    let pictures = null;
    let release = null;
    (async () => {
      let PIXI;
      try { PIXI = await loadPixi(); } catch (e) { setNote('Effects are off: ' + e.message); return; }
      if (stopped) return;
      if (!(await PIXI.isWebGLSupported())) { setNote('Effects need WebGL, which this browser lacks: plain video.'); return; }
      const el = canvas.current;
      const box = el.parentElement;
      // A chain of overlays only is drawn on a transparent canvas over the video: the canvas's alpha is
      // chosen once, when it is made (a WebGL context cannot change it), from the first chain (the wall
      // gives such a chain a WallEffects of its own).
      const overlaysFirst = !old && want.current.every((it) => it.name === 'clock' || it.name === 'text');
      app = new PIXI.Application();
      try {
        await app.init({ canvas: el, preference: 'webgl', width: box.clientWidth || 320, height: box.clientHeight || 180,
          background: 0x000000, backgroundAlpha: overlaysFirst ? 0 : 1, preserveDrawingBuffer: true, antialias: false,
          autoStart: false, resolution: 1 });
      } catch (e) {
        app = null;
        setNote('Effects need WebGL, which this browser lacks: plain video.');
        return;
      }
      if (stopped) { app.destroy(); app = null; return; }
      const transparent = overlaysFirst;
      el.dataset.path = old ? 'old' : 'new';
      const past = PIXI.RenderTexture.create({ width: app.screen.width, height: app.screen.height });
      // The video's texture is made once the video has a size, and again when the size changes (a
      // texture takes its frame from its source when made).
      let source = null;
      let sprite = null;
      // Motion's reference is drawn from a sprite of its own, outside the stage: rendering the stage's
      // sprite alone makes it a render group of its own (pixi's render does), after which the tile drew
      // its picture one letterbox bar lower (seen on a 640×360 camera in a 640×400 tile).
      let pastSprite = null;
      release = () => {
        if (pastSprite) pastSprite.destroy();
        if (source) releaseSource(source, video);
        source = null;
        past.destroy(true);
      };
      const box2 = new PIXI.Container();
      box2.filterArea = app.screen;
      app.stage.addChild(box2);
      let built = null; // {names, key, parts: [{items, filter | text, set, update, delay}], picture}
      const apply = (c) => {
        const key = formatChain(c);
        if (built && built.key === key) return false;
        const names = c.map((f) => f.name).join(',');
        if (built && built.names === names) {
          for (const part of built.parts) part.set(part.items.map((i) => c[i]));
        } else {
          if (built) {
            box2.filters = [];
            for (const e of built.parts) {
              if (e.text) { app.stage.removeChild(e.text); e.text.destroy(); } else e.filter.destroy();
            }
          }
          const parts = groups(c, old).map((items) => ({ items, ...makePart(PIXI, items.map((i) => c[i]), past, old) }));
          box2.filters = parts.filter((e) => e.filter).map((e) => e.filter);
          // The picture is opaque: each pass replaces the pixels instead of blending them (a read and a
          // blend per pixel less in software GL).
          if (!old) for (const f of box2.filters) f.blendMode = 'none';
          for (const e of parts) if (e.text) app.stage.addChild(e.text);
          // The picture is drawn unless the chain is overlays only and the canvas is transparent.
          const picture = !transparent || parts.some((e) => e.filter);
          app.renderer.background.alpha = picture ? 1 : 0;
          box2.visible = picture;
          built = { names, parts, picture };
        }
        built.key = key;
        el.dataset.chain = key;
        el.dataset.overlay = built.picture ? '' : '1';
        return true;
      };
      pictures = old ? null : newPictures(video);
      let lastT = -1;
      let lastPast = 0;
      let lastUpload = 0;
      let lastRender = 0;
      let newFrames = 0;
      let renders = 0;
      let w = 0;
      let h = 0;
      let pic = null; // where the picture is drawn in the tile
      let res = 1; // the canvas's pixels per CSS pixel
      const draw = () => {
        if (stopped) return;
        const rebuilt = apply(want.current);
        const now = performance.now();
        const bw = box.clientWidth;
        const bh = box.clientHeight;
        const vw = video.videoWidth;
        const vh = video.videoHeight;
        // Drawn at no more pixels than the video has (a 640×360 camera on a 1280×720 tile: a quarter of
        // the pixels, CSS scales the canvas up), nor than the screen shows, nor than MAX_PIXELS.
        let r = 1;
        if (vw && bw && bh) {
          r = Math.max(vw / bw, vh / bh);
          if (!old) r = Math.min(r, devicePixelRatio || 1, Math.sqrt(MAX_PIXELS / (bw * bh)));
          r = Math.min(1, Math.ceil(20 * r) / 20);
        }
        if (bw && bh && (bw !== w || bh !== h || r !== res)) {
          w = bw; h = bh; res = r;
          app.renderer.resize(w, h, res);
          if (old) past.resize(w, h); else past.resize(w, h, res);
        }
        const picture = built.picture;
        // A new picture, or (every 250 ms, or 1 s) the same one again: an upload made before the video had
        // data would otherwise leave the texture black until the picture changes.
        let fresh = false;
        if (picture && vw > 0 && video.readyState >= 2) {
          const moved = old ? video.currentTime !== lastT : pictures();
          fresh = moved || now - lastUpload > (old ? 250 : 1000);
          if (moved) newFrames++;
        }
        const delay = Math.max(0, ...built.parts.map((e) => (e.delay ? e.delay() : 0)));
        if (fresh) {
          lastT = video.currentTime;
          lastUpload = now;
          // Motion's reference: the picture shown until now (before this frame's upload), every delay ms.
          if (delay && sprite && now - lastPast > delay) {
            app.renderer.render({ container: old ? sprite : pastSprite, target: past, clear: true });
            lastPast = now;
          }
          if (!source || source.width !== vw || source.height !== vh) {
            if (sprite) { box2.removeChild(sprite); sprite.destroy({ texture: true, textureSource: false }); pastSprite.destroy(); }
            if (source) releaseSource(source, video);
            source = new PIXI.VideoSource({ resource: video, autoPlay: false, autoLoad: false, updateFPS: 0 });
            source.autoUpdate = false; // updated here when the video shows a new picture
            sprite = new PIXI.Sprite(new PIXI.Texture({ source }));
            if (!old) sprite.blendMode = 'none'; // opaque: drawn without blending
            box2.addChild(sprite);
            pastSprite = new PIXI.Sprite(sprite.texture);
          }
          source.update();
          const s = Math.min(w / vw, h / vh);
          // Drawn one video pixel to one canvas pixel (a camera no larger than the tile): the nearest
          // texel is the same picture as a bilinear one, for less work per pixel.
          const mode = Math.abs(vw * s * res - vw) < 1 ? 'nearest' : 'linear';
          if (!old && source.scaleMode !== mode) source.scaleMode = mode;
          sprite.width = vw * s;
          sprite.height = vh * s;
          sprite.position.set((w - vw * s) / 2, (h - vh * s) / 2);
          pastSprite.width = sprite.width;
          pastSprite.height = sprite.height;
          pastSprite.position.copyFrom(sprite.position);
          pic = { x: sprite.position.x, y: sprite.position.y, w: sprite.width, h: sprite.height };
        } else if (!picture && vw > 0 && w) {
          // overlays over the plain video: placed on the picture as the video shows it (object-fit: contain)
          const s = Math.min(w / vw, h / vh);
          pic = { x: (w - vw * s) / 2, y: (h - vh * s) / 2, w: vw * s, h: vh * s };
        }
        let animated = false;
        for (const e of built.parts) if (e.update && e.update(now, w, h, label, pic)) animated = true;
        // An animation alone (no new picture) is drawn at most every ANIMATE_MS.
        if (animated && !old && !fresh && now - lastRender < ANIMATE_MS) animated = false;
        const changed = rebuilt || el.dataset.drawn !== built.key;
        if (fresh || animated || changed) {
          app.renderer.render(app.stage);
          renders++;
          lastRender = now;
          el.dataset.renders = String(renders);
          el.dataset.drawn = built.key;
          if (fresh) el.dataset.frames = String(newFrames);
          if (pictures) el.dataset.clock = pictures.source(); // what tells a new picture: rvfc or frames
          el.classList.toggle('live', vw > 0);
        }
        timer = requestAnimationFrame(draw);
      };
      timer = requestAnimationFrame(draw);
    })();
    return () => {
      stopped = true;
      cancelAnimationFrame(timer);
      if (pictures) pictures.cancel();
      if (app) {
        try {
          if (release) release();
          app.destroy({ removeView: false }, { children: true, texture: true, textureSource: false });
        } catch { /* gone */ }
      }
    };
  }, [video]);
  return html`<canvas class="fx" ref=${canvas}></canvas>${note && html`<p class="fx-note" role="status">${note}</p>`}`;
}
