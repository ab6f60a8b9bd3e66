// nvr's web app: a hash router over one page per route, the navigation bar, and the logged-in user.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './components/html.js';
import { me, get, logout } from './api.js';
import { LivePage, gridHash } from './pages/live.js';
import { CameraPage } from './pages/camera.js';
import { CameraNewPage } from './pages/camera-new.js';
import { CameraSettingsPage } from './pages/camera-settings.js';
import { UsersPage } from './pages/users.js';
import { AccountPage } from './pages/account.js';
import { EventsPage } from './pages/events.js';
import { SystemPage } from './pages/system.js';
import { TimelinePage } from './pages/timeline.js';
import { AuditPage } from './pages/audit.js';
import { SettingsPage } from './pages/settings.js';
import { WallPage } from './pages/wall.js';

/** parseRoute turns location.hash into {page, id, query} (query: the URLSearchParams after a "?"). */
function parseRoute(hash) {
  const [path, qs] = hash.replace(/^#\/?/, '').split('?');
  const route = parsePath(path);
  route.query = new URLSearchParams(qs || '');
  return route;
}

function parsePath(path) {
  const p = path.split('/').map(decodeURIComponent);
  if (p[0] === 'camera' && p[1]) return { page: 'camera', id: p[1] };
  if (p[0] === 'cameras' && p[1] === 'new') return { page: 'camera-new' };
  if (p[0] === 'cameras' && p[1]) return { page: 'camera-settings', id: p[1] };
  if (p[0] === 'users') return { page: 'users' };
  if (p[0] === 'account') return { page: 'account' };
  if (p[0] === 'events') return { page: 'events' };
  if (p[0] === 'system') return { page: 'system' };
  if (p[0].replace(/\?.*/, '') === 'timeline') return { page: 'timeline', id: p[1] && p[1].replace(/\?.*/, '') };
  if (p[0] === 'settings') return { page: 'settings' };
  if (p[0] === 'audit') return { page: 'audit' };
  if (p[0] === 'wall') return { page: 'wall' };
  if (p[0] === '' || p[0] === undefined) return { page: 'live' };
  return { page: 'missing' };
}

function useRoute() {
  const [route, setRoute] = useState(parseRoute(location.hash));
  useEffect(() => {
    const f = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);
  return route;
}

function Nav({ user, route }) {
  const admin = user.role === 'admin';
  const link = (href, label, on) => html`<a href=${href} aria-current=${on ? 'page' : undefined}>${label}</a>`;
  return html`<header class="top">
    <a class="brand" href="#/">nvr</a>
    <nav aria-label="Main">
      ${link(gridHash(), 'Live', route.page === 'live' || route.page === 'camera')}
      ${admin && link('#/cameras/new', 'Add camera', route.page === 'camera-new')}
      ${link('#/timeline', 'Timeline', route.page === 'timeline')}
      ${admin && link('#/users', 'Users', route.page === 'users')}
      ${link('#/events', 'Events', route.page === 'events')}
      ${admin && link('#/system', 'System', route.page === 'system')}
      ${admin && link('#/audit', 'Audit', route.page === 'audit')}
      ${link('#/settings', 'Settings', route.page === 'settings')}
    </nav>
    <span class="who"><a id="health" href="#/account" aria-current=${route.page === 'account' ? 'page' : undefined}
        aria-label=${'Your account: ' + user.user}>${user.user}</a>
      <button class="link" id="logout" onClick=${logout}>Log out</button></span>
  </header>`;
}

function NotSetUp({ message }) {
  const sentence = message.replace(/([^.])$/, '$1.');
  return html`<header class="top"><span class="brand">nvr</span></header>
  <main class="narrow"><section class="card">
    <h1>Welcome to nvr</h1>
    <p><strong>${sentence}</strong></p>
    <p>The first administrator is created from the setup link that <code>nvrd start</code> printed in its log
      (it looks like <code>http://…/login.html?setup#token=…</code>). Open that link, choose a user name and a password, and you are in.</p>
    <p>Lost the link? Run <code>nvrd user add NAME --role admin</code> on the server, then <a href="login.html">log in</a>.</p>
  </section></main>`;
}

function App() {
  const route = useRoute();
  const [user, setUser] = useState(null);
  const [fatal, setFatal] = useState(null);
  const [cameras, setCameras] = useState(null);
  const [camError, setCamError] = useState('');

  useEffect(() => {
    me().then(setUser, (e) => { if (e.status !== 401) setFatal(e); });
  }, []);
  const reload = () => get('api/cameras').then((c) => { setCameras(c); setCamError(''); }, (e) => setCamError(e.message));
  useEffect(() => { if (user) reload(); }, [user, route.page, route.id]);

  // Keyboard: 1–9 open a camera, g the grid, Esc back to the grid (f is the single view's).
  useEffect(() => {
    const onKey = (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
      if (e.key >= '1' && e.key <= '9' && cameras) {
        // On the grid, the number is the tile's place as shown (a group's order); elsewhere the list's.
        const tiles = route.page === 'live' ? [...document.querySelectorAll('.grid [data-camera]')].map((t) => t.dataset.camera) : [];
        const id = tiles.length ? tiles[Number(e.key) - 1] : (cameras[Number(e.key) - 1] || {}).id;
        if (id) location.hash = '#/camera/' + encodeURIComponent(id);
      } else if (e.key === 'g') location.hash = gridHash();
      else if (e.key === 'Escape' && !document.fullscreenElement && route.page === 'camera') location.hash = gridHash();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [cameras, route.page]);

  if (fatal && fatal.status === 503) return html`<${NotSetUp} message=${fatal.message} />`;
  if (fatal) return html`<main class="narrow"><p class="error" role="alert">${fatal.message}</p></main>`;
  if (!user) return html`<p class="boot muted">Loading…</p>`;
  const props = { user, cameras, camError, reload, id: route.id, query: route.query };
  let page;
  switch (route.page) {
    case 'live': page = html`<${LivePage} ...${props} />`; break;
    case 'camera': page = html`<${CameraPage} ...${props} />`; break;
    case 'camera-new': page = html`<${CameraNewPage} ...${props} />`; break;
    case 'camera-settings': page = html`<${CameraSettingsPage} ...${props} />`; break;
    case 'users': page = html`<${UsersPage} ...${props} />`; break;
    case 'account': page = html`<${AccountPage} ...${props} />`; break;
    case 'events': page = html`<${EventsPage} ...${props} />`; break;
    case 'system': page = html`<${SystemPage} ...${props} />`; break;
    case 'timeline': page = html`<${TimelinePage} ...${props} />`; break;
    case 'audit': page = html`<${AuditPage} ...${props} />`; break;
    case 'settings': page = html`<${SettingsPage} ...${props} />`; break;
    case 'wall': return route.query.get('cams') ? html`<${WallPage} ...${props} />` : html`<${Nav} user=${user} route=${route} /><${WallPage} ...${props} />`;
    default: page = html`<main class="narrow"><p>There is no such page. <a href="#/">Go to the live view.</a></p></main>`;
  }
  return html`<${Nav} user=${user} route=${route} />${page}`;
}

// The old address /?camera=ID opens that camera's single view.
const legacy = new URLSearchParams(location.search).get('camera');
if (legacy && !location.hash) location.replace('#/camera/' + encodeURIComponent(legacy));
// A wall link carries its own token: it needs no login, so it never asks who is logged in.
function Root() {
  const route = useRoute();
  if (route.page === 'wall' && route.query.get('token')) return html`<${WallPage} query=${route.query} />`;
  return html`<${App} />`;
}
render(html`<${Root} />`, document.getElementById('app'));
