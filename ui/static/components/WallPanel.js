// The wall's effects panel: hidden by default (the wall stays chrome-free), opened by the faint corner
// button or the E key, closed by Hide or Escape. For every tile, or one tile, it adds and removes effects
// and makes a slider of every parameter (effects.js's EFFECTS); each change goes to the URL at once (the
// wall stays a bookmark) and to the tiles live, without reloading their video.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { EFFECTS, EFFECT_NAMES, parseChain, formatChain, newEffect } from './effects.js';

/** WallPanel: props fx (Map of URL key "fx" | "fxN" → chain text), cams (tile order), onChange(key, text). */
export function WallPanel({ fx, cams, onChange }) {
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState('fx');
  const [adding, setAdding] = useState('pixelate');
  useEffect(() => {
    const key = (e) => {
      if (e.target.closest && e.target.closest('input, select, textarea')) return;
      if (e.key === 'e' || e.key === 'E') setOpen((o) => !o);
      else if (e.key === 'Escape') setOpen(false);
    };
    addEventListener('keydown', key);
    return () => removeEventListener('keydown', key);
  }, []);
  if (!open) {
    return html`<button type="button" class="wall-fx-open" aria-label="Effects" title="Effects (E)"
      onClick=${() => setOpen(true)}>✦</button>`;
  }
  // A tile without its own chain starts from the wall's.
  const own = target === 'fx' || fx.has(target);
  const chain = parseChain(own ? fx.get(target) : fx.get('fx'));
  const put = (c) => onChange(target, formatChain(c));
  const setItem = (i, it) => put(chain.map((x, j) => (j === i ? it : x)));
  const move = (i, d) => { const c = [...chain]; [c[i], c[i + d]] = [c[i + d], c[i]]; put(c); };
  return html`<aside class="wall-panel" aria-label="Effects panel">
    <div class="wall-panel-head">
      <h2>Effects</h2>
      <button type="button" onClick=${() => setOpen(false)}>Hide</button>
    </div>
    <label for="wall-panel-tile">Tile</label>
    <select id="wall-panel-tile" value=${target} onChange=${(e) => setTarget(e.target.value)}>
      <option value="fx">Every tile</option>
      ${cams.map((id, i) => html`<option value=${'fx' + i}>Tile ${i + 1} (${id})${fx.has('fx' + i) ? ' · own effects' : ''}</option>`)}
    </select>
    ${!own && html`<p class="muted">This tile shows the effects of every tile; a change here gives it its own.</p>`}
    ${chain.length === 0 && html`<p class="muted">No effects: the plain video.</p>`}
    <ol class="wall-panel-chain">
      ${chain.map((it, i) => {
        const fxd = EFFECTS[it.name];
        const id = `wp-${target}-${i}`;
        return html`<li key=${i + it.name}>
          <div class="wall-panel-item">
            <strong>${fxd.label}</strong>
            <span class="spacer"></span>
            <button type="button" aria-label=${'Move ' + fxd.label + ' up'} disabled=${i === 0} onClick=${() => move(i, -1)}>↑</button>
            <button type="button" aria-label=${'Remove ' + fxd.label} onClick=${() => put(chain.filter((_, j) => j !== i))}>Remove</button>
          </div>
          ${fxd.text && html`<label for=${id + '-text'}>Text</label>
            <input id=${id + '-text'} value=${it.text} maxlength="200" onInput=${(e) => setItem(i, { ...it, text: e.target.value })} />`}
          ${fxd.params.map((q, k) => html`<div class="wall-panel-slider">
            <label for=${id + '-' + k}>${q.label}</label>
            <input type="range" id=${id + '-' + k} min=${q.min} max=${q.max} step=${q.step} value=${it.values[k]}
              onInput=${(e) => setItem(i, { ...it, values: it.values.map((v, m) => (m === k ? Number(e.target.value) : v)) })} />
            <output for=${id + '-' + k}>${it.values[k]}${q.unit}</output>
          </div>`)}
        </li>`;
      })}
    </ol>
    <div class="wall-panel-add">
      <label for="wall-panel-add">Add effect</label>
      <select id="wall-panel-add" value=${adding} onChange=${(e) => setAdding(e.target.value)}>
        ${EFFECT_NAMES.map((n) => html`<option value=${n}>${EFFECTS[n].label}</option>`)}
      </select>
      <button type="button" onClick=${() => put([...chain, newEffect(adding)])}>Add</button>
    </div>
  </aside>`;
}
