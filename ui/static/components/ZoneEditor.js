// ZoneEditor draws motion zones (where motion counts) and masks (where it is ignored) as polygons on
// the camera's snapshot, with the mouse or a finger: add corners by clicking, finish, move a corner
// by dragging it, delete a polygon. Corners are fractions of the picture (0..1), as the API stores them.
import { useRef, useState } from 'preact/hooks';
import { html } from './html.js';

const clamp = (v) => Math.min(1, Math.max(0, Math.round(v * 1000) / 1000));

/** ZoneEditor props: src (snapshot URL), zones, masks, onChange({zones, masks}). */
export function ZoneEditor({ src, zones, masks, onChange }) {
  const box = useRef(null);
  const [drawing, setDrawing] = useState(null); // {kind: 'zones'|'masks', points: [...]}
  const [drag, setDrag] = useState(null); // {kind, i, j}
  const [imgError, setImgError] = useState(false);
  const all = { zones: zones || [], masks: masks || [] };

  const at = (e) => {
    const r = box.current.getBoundingClientRect();
    return { x: clamp((e.clientX - r.left) / r.width), y: clamp((e.clientY - r.top) / r.height) };
  };
  const onDown = (e) => {
    if (!drawing || drag) return;
    setDrawing({ ...drawing, points: [...drawing.points, at(e)] });
  };
  const onMove = (e) => {
    if (!drag) return;
    const list = all[drag.kind].map((p) => p.slice());
    list[drag.i][drag.j] = at(e);
    onChange({ ...all, [drag.kind]: list });
  };
  const finish = () => {
    if (drawing.points.length >= 3) onChange({ ...all, [drawing.kind]: [...all[drawing.kind], drawing.points] });
    setDrawing(null);
  };
  const remove = (kind, i) => onChange({ ...all, [kind]: all[kind].filter((_, k) => k !== i) });
  const pts = (p) => p.map((q) => `${q.x * 1000},${q.y * 1000}`).join(' ');
  const corners = (kind, i, p) => p.map((q, j) => html`<span class=${'corner ' + kind} key=${kind + i + '-' + j}
      style=${{ left: q.x * 100 + '%', top: q.y * 100 + '%' }} aria-hidden="true"
      onPointerDown=${(e) => { e.stopPropagation(); e.currentTarget.setPointerCapture(e.pointerId); setDrag({ kind, i, j }); }}
      onPointerMove=${onMove} onPointerUp=${() => setDrag(null)}></span>`);

  return html`<div class="zones">
    <div class=${'zone-canvas' + (drawing ? ' drawing' : '')} ref=${box} onPointerDown=${onDown}
      onPointerMove=${onMove} onPointerUp=${() => setDrag(null)}>
      ${imgError ? html`<div class="zone-noimg">No picture from the camera yet; zones can still be drawn.</div>`
        : html`<img src=${src} alt="The camera's latest picture" draggable="false" onError=${() => setImgError(true)} />`}
      <svg viewBox="0 0 1000 1000" preserveAspectRatio="none" aria-hidden="true">
        ${all.zones.map((p, i) => html`<polygon class="zone" key=${'z' + i} points=${pts(p)} />`)}
        ${all.masks.map((p, i) => html`<polygon class="mask" key=${'m' + i} points=${pts(p)} />`)}
        ${drawing && html`<polyline class=${'new ' + drawing.kind} points=${pts(drawing.points)} />`}
      </svg>
      ${all.zones.map((p, i) => corners('zones', i, p))}
      ${all.masks.map((p, i) => corners('masks', i, p))}
      ${drawing && drawing.points.map((q, j) => html`<span class=${'corner ' + drawing.kind} key=${'n' + j} style=${{ left: q.x * 100 + '%', top: q.y * 100 + '%' }}></span>`)}
    </div>
    <div class="actions">
      ${drawing
        ? html`<span class="muted">Click the picture to add corners (${drawing.points.length}).</span>
            <button type="button" class="primary" disabled=${drawing.points.length < 3} onClick=${finish}>${drawing.kind === 'zones' ? 'Finish zone' : 'Finish mask'}</button>
            <button type="button" onClick=${() => setDrawing(null)}>Cancel</button>`
        : html`<button type="button" onClick=${() => setDrawing({ kind: 'zones', points: [] })}>Add zone</button>
            <button type="button" onClick=${() => setDrawing({ kind: 'masks', points: [] })}>Add mask</button>`}
    </div>
    <ul class="list">
      ${all.zones.map((p, i) => html`<li key=${'lz' + i}><span class="swatch zone"></span>Zone ${i + 1} (${p.length} corners)
        <button type="button" class="danger" onClick=${() => remove('zones', i)}>Delete zone ${i + 1}</button></li>`)}
      ${all.masks.map((p, i) => html`<li key=${'lm' + i}><span class="swatch mask"></span>Mask ${i + 1} (${p.length} corners)
        <button type="button" class="danger" onClick=${() => remove('masks', i)}>Delete mask ${i + 1}</button></li>`)}
    </ul>
    <p class="hint">Motion counts only inside zones (no zone: the whole picture) and never inside masks. Save to apply.</p>
  </div>`;
}
