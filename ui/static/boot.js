// Loads the app; when a vendored library is missing (scripts/setup was not run before the build)
// the page says so instead of staying blank.
const vendor = ['preact.module.js', 'hooks.module.js', 'htm.module.js', 'mpegts.js', 'uPlot.esm.js'];

import('./main.js').catch(async (err) => {
  const missing = [];
  for (const f of vendor) {
    const r = await fetch('vendor/' + f, { method: 'HEAD' }).catch(() => null);
    if (!r || !r.ok) missing.push(f);
  }
  const el = document.getElementById('app');
  el.textContent = '';
  const p = document.createElement('p');
  p.className = 'error boot';
  p.setAttribute('role', 'alert');
  p.textContent = missing.length
    ? `The page's libraries are missing (${missing.join(', ')}): run make setup, then make build, and restart nvrd.`
    : `The page could not start: ${err.message}`;
  el.appendChild(p);
});
