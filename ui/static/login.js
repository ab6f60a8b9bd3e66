// Login and first-run setup (login.html?setup#token=...): plain forms posting JSON to the API.
'use strict';

const setupToken = new URLSearchParams(location.hash.slice(1)).get('token');
const isSetup = new URLSearchParams(location.search).has('setup');
const $ = (id) => document.getElementById(id);

if (isSetup) {
  $('title').textContent = 'Set up nvr';
  $('intro').hidden = false;
  $('submit').textContent = 'Create administrator';
  $('password').autocomplete = 'new-password';
}

async function post(url, body) {
  const r = await fetch(url, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const out = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(out.error || `${r.status} ${r.statusText}`);
  return out;
}

$('form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('msg').textContent = '';
  const user = $('user').value.trim();
  const password = $('password').value;
  try {
    if (isSetup) {
      if (!setupToken) throw new Error('This setup link has no token; copy the whole link that nvrd start printed.');
      await post('api/setup', { token: setupToken, user, password });
    }
    await post('api/login', { user, password });
    // Only a same-site path: never an open redirect to another origin.
    const next = new URLSearchParams(location.search).get('next') || '';
    location.href = /^\/(?![\/\\])/.test(next) ? next : './';
  } catch (e) {
    $('msg').textContent = e.message;
  }
});
