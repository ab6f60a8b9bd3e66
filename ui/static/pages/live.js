// Live (#/): a grid of the cameras the user may see, in a chosen layout.
import { useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { LiveTile } from '../components/LiveTile.js';

const LAYOUTS = [
  { id: '1', label: '1', cols: 1 },
  { id: '2', label: '2×2', cols: 2 },
  { id: '3', label: '3×3', cols: 3 },
  { id: '4', label: '4×4', cols: 4 },
  { id: 'fit', label: 'Fit all', cols: 0 },
];

/** LivePage shows the grid. */
export function LivePage({ user, cameras, camError }) {
  const [layout, setLayoutState] = useState(localStorage.getItem('nvr-layout') || 'fit');
  const [page, setPage] = useState(0);
  const setLayout = (l) => { localStorage.setItem('nvr-layout', l); setLayoutState(l); setPage(0); };
  if (camError) return html`<main><p class="error" role="alert">Cannot load cameras: ${camError}</p></main>`;
  if (!cameras) return html`<main><p class="muted">Loading cameras…</p></main>`;
  if (cameras.length === 0) {
    return html`<main class="narrow"><section class="card empty">
      <h1>No cameras yet</h1>
      ${user.role === 'admin'
        ? html`<p>Add your first camera: you need its RTSP address, and its user name and password if it has one.</p>
            <p><a class="button primary" href="#/cameras/new">Add camera</a></p>`
        : html`<p>No camera has been shared with you yet. Ask an administrator for access.</p>`}
    </section></main>`;
  }
  const l = LAYOUTS.find((x) => x.id === layout) || LAYOUTS[4];
  const cols = l.cols || Math.ceil(Math.sqrt(cameras.length));
  const per = l.cols ? cols * cols : cameras.length;
  const pages = Math.ceil(cameras.length / per);
  const p = Math.min(page, pages - 1);
  const shown = cameras.slice(p * per, p * per + per);
  return html`<main class="live">
    <div class="toolbar">
      <div class="segmented" role="group" aria-label="Layout">
        ${LAYOUTS.map((x) => html`<button aria-pressed=${x.id === l.id} onClick=${() => setLayout(x.id)}>${x.label}</button>`)}
      </div>
      ${pages > 1 && html`<div class="pager">
        <button disabled=${p === 0} onClick=${() => setPage(p - 1)} aria-label="Previous page">‹</button>
        <span class="muted">${p + 1} / ${pages}</span>
        <button disabled=${p === pages - 1} onClick=${() => setPage(p + 1)} aria-label="Next page">›</button>
      </div>`}
    </div>
    <div class="grid" style=${{ '--cols': String(cols) }}>
      ${shown.map((c) => html`<${LiveTile} key=${c.id} camera=${c} onOpen=${true} stream="sub" />`)}
    </div>
  </main>`;
}
