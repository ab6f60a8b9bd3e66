// Live (#/): a grid of the cameras the user may see, in a chosen layout, all of them or one camera group
// (#/?group=Outside keeps the choice in the address).
import { useEffect, useState } from 'preact/hooks';
import { html } from '../components/html.js';
import { LiveTile } from '../components/LiveTile.js';
import { get } from '../api.js';

/** groupHash is the grid's address showing group name ('' for every camera). */
const groupHash = (name) => (name ? '#/?group=' + encodeURIComponent(name) : '#/');

/** gridHash is the grid's address with the group last shown in this tab, for the ways back to the grid. */
export const gridHash = () => groupHash(sessionStorage.getItem('nvr-group') || '');

function useGroups() {
  const [groups, setGroups] = useState(null); // null until loaded
  useEffect(() => { get('api/groups').then((g) => setGroups(g || []), () => setGroups([])); }, []);
  return groups;
}

const LAYOUTS = [
  { id: '1', label: '1', cols: 1 },
  { id: '2', label: '2×2', cols: 2 },
  { id: '3', label: '3×3', cols: 3 },
  { id: '4', label: '4×4', cols: 4 },
  { id: 'fit', label: 'Fit all', cols: 0 },
];

/** LivePage shows the grid. */
export function LivePage({ user, cameras, camError, query }) {
  const [layout, setLayoutState] = useState(localStorage.getItem('nvr-layout') || 'fit');
  const [page, setPage] = useState(0);
  const loaded = useGroups();
  const groups = loaded || [];
  const wanted = (query && query.get('group')) || '';
  useEffect(() => { setPage(0); sessionStorage.setItem('nvr-group', wanted); }, [wanted]);
  const setLayout = (l) => { localStorage.setItem('nvr-layout', l); setLayoutState(l); setPage(0); };
  if (camError) return html`<main><p class="error" role="alert">Cannot load cameras: ${camError}</p></main>`;
  if (!cameras || (wanted && !loaded)) return html`<main><p class="muted">Loading cameras…</p></main>`;
  if (cameras.length === 0) {
    return html`<main class="narrow"><section class="card empty">
      <h1>No cameras yet</h1>
      ${user.role === 'admin'
        ? html`<p>Add your first camera: you need its RTSP address, and its user name and password if it has one.</p>
            <p><a class="button primary" href="#/cameras/new">Add camera</a></p>`
        : html`<p>No camera has been shared with you yet. Ask an administrator for access.</p>`}
    </section></main>`;
  }
  const group = wanted ? groups.find((g) => g.name.toLowerCase() === wanted.toLowerCase()) : null;
  const byId = new Map(cameras.map((c) => [c.id, c]));
  const list = group ? group.cameras.map((id) => byId.get(id)).filter(Boolean) : cameras;
  const l = LAYOUTS.find((x) => x.id === layout) || LAYOUTS[4];
  const cols = l.cols || Math.max(1, Math.ceil(Math.sqrt(list.length)));
  const per = l.cols ? cols * cols : Math.max(1, list.length);
  const pages = Math.max(1, Math.ceil(list.length / per));
  const p = Math.min(page, pages - 1);
  const shown = list.slice(p * per, p * per + per);
  return html`<main class="live">
    <div class="toolbar">
      ${groups.length > 0 && html`<div class="field group-pick">
        <label for="group-pick">Group</label>
        <select id="group-pick" value=${group ? group.name : ''} onChange=${(e) => { location.hash = groupHash(e.target.value); }}>
          <option value="" selected=${!group}>All cameras</option>
          ${groups.map((g) => html`<option value=${g.name} selected=${group && g.name === group.name}>${g.name} (${g.cameras.filter((c) => byId.has(c)).length})</option>`)}
        </select>
      </div>`}
      <div class="segmented" role="group" aria-label="Layout">
        ${LAYOUTS.map((x) => html`<button aria-pressed=${x.id === l.id} onClick=${() => setLayout(x.id)}>${x.label}</button>`)}
      </div>
      ${pages > 1 && html`<div class="pager">
        <button disabled=${p === 0} onClick=${() => setPage(p - 1)} aria-label="Previous page">‹</button>
        <span class="muted">${p + 1} / ${pages}</span>
        <button disabled=${p === pages - 1} onClick=${() => setPage(p + 1)} aria-label="Next page">›</button>
      </div>`}
    </div>
    ${wanted && groups.length > 0 && !group && html`<p class="note" role="status">There is no group “${wanted}”; showing every camera.</p>`}
    ${group && list.length === 0 && html`<p class="note" role="status">The group ${group.name} has no cameras${user.role === 'admin' ? html`: choose them on the <a href="#/users">Users page</a>` : ' that you may see'}.</p>`}
    <div class="grid" style=${{ '--cols': String(cols) }}>
      ${shown.map((c) => html`<${LiveTile} key=${c.id} camera=${c} onOpen=${true} stream="sub" />`)}
    </div>
  </main>`;
}
