// Live effects of the video wall, drawn with pixi.js (WebGL) from the tile's own <video>, so the camera
// stream is never re-encoded and the server pays nothing. A tile's chain comes from the URL as
// fx=name[:value],name[:value],... in order, e.g. fx=grayscale,pixelate:12 or fx=motion:8,clock:
//   grayscale  sepia  invert  hue:degrees  huecycle:degrees-per-second  contrast:amount (0..1)
//   pixelate:block-pixels  blur:strength  edge  emboss  rgbsplit:pixels  kaleido:segments  tint:hue-degrees
//   motion:gain (the difference with the picture of ~300 ms ago, boosted and laid over a dimmed picture)
//   clock (the time and the camera's name drawn over the tile)
// Where WebGL is unavailable the tile keeps its plain video and says so.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';

export const EFFECT_NAMES = ['grayscale', 'sepia', 'invert', 'hue', 'huecycle', 'contrast', 'pixelate', 'blur',
  'edge', 'emboss', 'rgbsplit', 'kaleido', 'tint', 'motion', 'clock'];

const PAST_MS = 300; // how old the motion effect's reference picture is

/** parseChain turns "grayscale,pixelate:12" into [{name, value}] (unknown names are left out). */
export function parseChain(s) {
  return (s || '').split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const [name, v] = p.split(':');
    return { name, value: v === undefined || v === '' ? undefined : Number(v) };
  }).filter((f) => EFFECT_NAMES.includes(f.name) && (f.value === undefined || Number.isFinite(f.value)));
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

const DEFAULTS = { pixelate: 12, edge: 1.5, emboss: 1.5, rgbsplit: 6, kaleido: 6, motion: 8, blur: 4, hue: 90, huecycle: 20, contrast: 0.5, tint: 30 };

function shaderFilter(PIXI, name, value, extra = {}) {
  const res = { fx: { uBlock: { value, type: 'f32' }, uScreen: { value: [1, 1], type: 'vec2<f32>' } } };
  return new PIXI.Filter({
    glProgram: PIXI.GlProgram.from({ vertex: PIXI.defaultFilterVert, fragment: FRAG_HEAD + SHADERS[name], name: 'nvr-' + name }),
    resources: { ...res, ...extra },
  });
}

/** buildChain makes the filters of a chain; it returns them with per-frame updates (animation, sizes). */
function buildChain(PIXI, chain, past) {
  const filters = [];
  const updates = [];
  for (const { name, value } of chain) {
    const v = value ?? DEFAULTS[name];
    if (['grayscale', 'sepia', 'invert', 'hue', 'huecycle', 'contrast', 'tint'].includes(name)) {
      const f = new PIXI.ColorMatrixFilter();
      if (name === 'grayscale') f.desaturate(); // every row the same luminance weights: R=G=B
      if (name === 'sepia') f.sepia(false);
      if (name === 'invert') f.negative(false);
      if (name === 'hue') f.hue(v, false);
      if (name === 'contrast') f.contrast(v, false);
      if (name === 'tint') { f.hue(v, false); f.saturate(0.6, true); }
      if (name === 'huecycle') updates.push((t) => f.hue((t / 1000) * v % 360, false));
      filters.push(f);
    } else if (name === 'blur') {
      filters.push(new PIXI.BlurFilter({ strength: v, quality: 2 }));
    } else if (SHADERS[name]) {
      const f = shaderFilter(PIXI, name, v, name === 'motion' ? { uPast: past.source } : {});
      updates.push((t, w, h) => { f.resources.fx.uniforms.uScreen = [w, h]; });
      filters.push(f);
    }
  }
  return { filters, updates };
}

/** WallEffects draws the chain over the tile from its video; props: video, chain, label. */
export function WallEffects({ video, chain, label }) {
  const canvas = useRef(null);
  const [note, setNote] = useState('');
  const key = JSON.stringify(chain);
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
      const wantsMotion = chain.some((f) => f.name === 'motion');
      const wantsClock = chain.some((f) => f.name === 'clock');
      const past = PIXI.RenderTexture.create({ width: app.screen.width, height: app.screen.height });
      // The video's texture is made once the video has a size, and again when the size changes (a
      // texture takes its frame from its source when made).
      let source = null;
      let sprite = null;
      const box2 = new PIXI.Container();
      const { filters, updates } = buildChain(PIXI, chain, past);
      box2.filters = filters;
      box2.filterArea = app.screen;
      app.stage.addChild(box2);
      let text = null;
      if (wantsClock) {
        text = new PIXI.Text({ text: '', style: { fill: 0xffffff, fontSize: 22, fontFamily: 'monospace', dropShadow: { color: 0x000000, distance: 2, alpha: 0.8 } } });
        text.position.set(10, 8);
        app.stage.addChild(text);
      }
      let lastT = -1;
      let lastPast = 0;
      let lastUpload = 0;
      let newFrames = 0;
      let frames = 0;
      let w = 0;
      let h = 0;
      el.dataset.chain = chain.map((f) => f.name + (f.value !== undefined ? ':' + f.value : '')).join(',');
      const draw = () => {
        if (stopped) return;
        const now = performance.now();
        const bw = box.clientWidth;
        const bh = box.clientHeight;
        if (bw && bh && (bw !== w || bh !== h)) {
          w = bw; h = bh;
          app.renderer.resize(w, h);
          past.resize(w, h);
        }
        const vw = video.videoWidth;
        const vh = video.videoHeight;
        // A new picture, or (every 250 ms) the same one again: an upload made before the video had data
        // would otherwise leave the texture black until the picture changes.
        const fresh = vw > 0 && video.readyState >= 2 && (video.currentTime !== lastT || now - lastUpload > 250);
        if (fresh) {
          if (video.currentTime !== lastT) newFrames++;
          lastT = video.currentTime;
          lastUpload = now;
          // Motion's reference: the picture shown until now (before this frame's upload), every PAST_MS.
          if (wantsMotion && sprite && now - lastPast > PAST_MS) {
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
        }
        for (const u of updates) u(now, w, h);
        if (text) {
          text.text = new Date().toLocaleTimeString() + (label ? '  ' + label : '');
          text.style.fontSize = Math.max(10, Math.min(22, Math.round(w / 22))); // fits a phone's small tile
        }
        if (fresh || updates.length || text) {
          app.renderer.render(app.stage);
          if (fresh) { frames = newFrames; el.dataset.frames = String(frames); }
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
  }, [video, key]);
  return html`<canvas class="fx" ref=${canvas}></canvas>${note && html`<p class="fx-note" role="status">${note}</p>`}`;
}
