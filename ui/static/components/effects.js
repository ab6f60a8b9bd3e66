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

let loading = null;
/** loadPixi imports pixi.js once, with its unsafe-eval polyfill (the page's policy forbids eval, which
 * pixi's shader code generation would otherwise use). */
function loadPixi() {
  if (!loading) {
    loading = import('pixi.js').then((PIXI) => new Promise((resolve, reject) => {
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

/** makeEffect makes one chain item's filter or overlay; it returns {filter | text, set(item), update(t, w, h)}:
 * set applies new parameter values to the same filter (a slider moving), update runs every frame. */
function makeEffect(PIXI, item, past) {
  const { name } = item;
  let cur = item;
  if (COLOUR.includes(name)) {
    const f = new PIXI.ColorMatrixFilter();
    const set = (it) => {
      cur = it;
      const v = it.values[0];
      if (name === 'grayscale') f.desaturate(); // every row the same luminance weights: R=G=B
      if (name === 'sepia') f.sepia(false);
      if (name === 'invert') f.negative(false);
      if (name === 'hue') f.hue(v, false);
      if (name === 'contrast') f.contrast(v, false);
      if (name === 'tint') { f.hue(v, false); f.saturate(0.6, true); }
    };
    set(item);
    const update = name === 'huecycle' ? (t) => { f.hue(((t / 1000) * cur.values[0]) % 360, false); return true; } : null;
    return { filter: f, set, update };
  }
  if (name === 'blur') {
    const f = new PIXI.BlurFilter({ strength: item.values[0], quality: 2 });
    return { filter: f, set: (it) => { f.strength = it.values[0]; } };
  }
  if (SHADERS[name]) {
    const f = shaderFilter(PIXI, name, item.values[0], name === 'motion' ? { uPast: past.source } : {});
    return {
      filter: f,
      set: (it) => { cur = it; f.resources.fx.uniforms.uBlock = it.values[0]; },
      update: (t, w, h) => { f.resources.fx.uniforms.uScreen = [w, h]; return false; },
      delay: () => (name === 'motion' ? cur.values[1] : 0),
    };
  }
  // clock and text: drawn over the filtered picture
  const text = new PIXI.Text({ text: '', style: { fill: 0xffffff, fontSize: 22, fontFamily: 'sans-serif', fontWeight: '600',
    dropShadow: { color: 0x000000, distance: 2, alpha: 0.8, blur: 2 } } });
  let shown = '';
  return {
    text,
    set: (it) => { cur = it; },
    update: (t, w, h, label, pic) => {
      const [size, x, y] = cur.values;
      const ox = pic ? pic.x : 0;
      const oy = pic ? pic.y : 0;
      if (pic) { w = pic.w; h = pic.h; } // on the picture, not on the tile's letterbox bars
      const s = name === 'clock' ? new Date().toLocaleTimeString() + (label ? '  ' + label : '') : cur.text;
      const px = Math.max(8, Math.round((w * size) / 100));
      const key = [s, px, x, y, w, h, ox, oy].join('|');
      if (key === shown) return false; // the same text in the same place: nothing to draw
      shown = key;
      text.text = s;
      text.style.fontSize = px;
      text.anchor.set(x / 100, y / 100);
      // a margin of 2 % of the tile at the edges, so the text stays on it
      const m = Math.min(w, h) * 0.02;
      text.position.set(ox + m + (x / 100) * (w - 2 * m), oy + m + (y / 100) * (h - 2 * m));
      return true;
    },
  };
}

/** WallEffects draws the chain over the tile from its video; props: video, chain, label. A new chain
 * with the same effects in the same order changes their parameters in place; another one rebuilds the
 * filters; neither touches the video. */
export function WallEffects({ video, chain, label }) {
  const canvas = useRef(null);
  const want = useRef(chain);
  want.current = chain;
  const [note, setNote] = useState('');
  useEffect(() => {
    let stopped = false;
    let app = null;
    let timer = 0;
    (async () => {
      let PIXI;
      try { PIXI = await loadPixi(); } catch (e) { setNote('Effects are off: ' + e.message); return; }
      if (stopped) return;
      if (!(await PIXI.isWebGLSupported())) { setNote('Effects need WebGL, which this browser lacks: plain video.'); return; }
      const el = canvas.current;
      const box = el.parentElement;
      app = new PIXI.Application();
      try {
        await app.init({ canvas: el, preference: 'webgl', width: box.clientWidth || 320, height: box.clientHeight || 180,
          background: 0x000000, preserveDrawingBuffer: true, antialias: false, autoStart: false, resolution: 1 });
      } catch (e) {
        app = null;
        setNote('Effects need WebGL, which this browser lacks: plain video.');
        return;
      }
      if (stopped) { app.destroy(); app = null; return; }
      const past = PIXI.RenderTexture.create({ width: app.screen.width, height: app.screen.height });
      // The video's texture is made once the video has a size, and again when the size changes (a
      // texture takes its frame from its source when made).
      let source = null;
      let sprite = null;
      const box2 = new PIXI.Container();
      box2.filterArea = app.screen;
      app.stage.addChild(box2);
      let built = null; // {names, key, effects}
      const apply = (c) => {
        const key = formatChain(c);
        if (built && built.key === key) return;
        const names = c.map((f) => f.name).join(',');
        if (built && built.names === names) {
          c.forEach((it, i) => built.effects[i].set(it));
        } else {
          if (built) {
            box2.filters = [];
            for (const e of built.effects) {
              if (e.text) { app.stage.removeChild(e.text); e.text.destroy(); } else e.filter.destroy();
            }
          }
          const effects = c.map((it) => makeEffect(PIXI, it, past));
          box2.filters = effects.filter((e) => e.filter).map((e) => e.filter);
          for (const e of effects) if (e.text) app.stage.addChild(e.text);
          built = { names, effects };
        }
        built.key = key;
        el.dataset.chain = key;
      };
      let lastT = -1;
      let lastPast = 0;
      let lastUpload = 0;
      let newFrames = 0;
      let renders = 0;
      let w = 0;
      let h = 0;
      let pic = null; // where the picture is drawn in the tile
      let res = 1; // the canvas's pixels per CSS pixel
      const draw = () => {
        if (stopped) return;
        apply(want.current);
        const now = performance.now();
        const bw = box.clientWidth;
        const bh = box.clientHeight;
        const vw = video.videoWidth;
        const vh = video.videoHeight;
        // Drawn at no more pixels than the video has (a 640×360 camera on a 1280×720 tile: a quarter of
        // the pixels, CSS scales the canvas up): software GL's cost follows the pixel count.
        const r = vw && bw && bh ? Math.min(1, Math.ceil(20 * Math.max(vw / bw, vh / bh)) / 20) : 1;
        if (bw && bh && (bw !== w || bh !== h || r !== res)) {
          w = bw; h = bh; res = r;
          app.renderer.resize(w, h, res);
          past.resize(w, h);
        }
        // A new picture, or (every 250 ms) the same one again: an upload made before the video had data
        // would otherwise leave the texture black until the picture changes.
        const fresh = vw > 0 && video.readyState >= 2 && (video.currentTime !== lastT || now - lastUpload > 250);
        const delay = Math.max(0, ...built.effects.map((e) => (e.delay ? e.delay() : 0)));
        if (fresh) {
          if (video.currentTime !== lastT) newFrames++;
          lastT = video.currentTime;
          lastUpload = now;
          // Motion's reference: the picture shown until now (before this frame's upload), every delay ms.
          if (delay && sprite && now - lastPast > delay) {
            app.renderer.render({ container: sprite, target: past, clear: true });
            lastPast = now;
          }
          if (!source || source.width !== vw || source.height !== vh) {
            if (sprite) { box2.removeChild(sprite); sprite.destroy({ texture: true, textureSource: false }); }
            source = new PIXI.VideoSource({ resource: video, autoPlay: false, autoLoad: false, updateFPS: 0 });
            source.autoUpdate = false; // updated here when the video shows a new picture (no rVFC in headless)
            sprite = new PIXI.Sprite(new PIXI.Texture({ source }));
            box2.addChild(sprite);
          }
          source.update();
          const s = Math.min(w / vw, h / vh);
          sprite.width = vw * s;
          sprite.height = vh * s;
          sprite.position.set((w - vw * s) / 2, (h - vh * s) / 2);
          pic = { x: sprite.position.x, y: sprite.position.y, w: sprite.width, h: sprite.height };
        }
        let animated = false;
        for (const e of built.effects) if (e.update && e.update(now, w, h, label, pic)) animated = true;
        const changed = el.dataset.drawn !== built.key;
        if (fresh || animated || changed) {
          app.renderer.render(app.stage);
          renders++;
          el.dataset.renders = String(renders);
          el.dataset.drawn = built.key;
          if (fresh) el.dataset.frames = String(newFrames);
          el.classList.toggle('live', vw > 0);
        }
        timer = requestAnimationFrame(draw);
      };
      timer = requestAnimationFrame(draw);
    })();
    return () => {
      stopped = true;
      cancelAnimationFrame(timer);
      if (app) { try { app.destroy({ removeView: false }, { children: true, texture: true, textureSource: false }); } catch { /* gone */ } }
    };
  }, [video]);
  return html`<canvas class="fx" ref=${canvas}></canvas>${note && html`<p class="fx-note" role="status">${note}</p>`}`;
}
