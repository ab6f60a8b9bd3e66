// nvr's minimal live page: lists cameras and plays one live over WebSocket MPEG-TS with mpegts.js.
'use strict';

const $ = (id) => document.getElementById(id);
let player = null;
let statusTimer = null;

async function getJSON(url) {
  const r = await fetch(url, { credentials: 'same-origin' });
  if (r.status === 401) {
    location.href = 'login.html?next=' + encodeURIComponent(location.pathname + location.search);
    throw new Error('not logged in');
  }
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || `${r.status} ${r.statusText}`);
  return body;
}

async function loadCameras() {
  const nav = $('cameras');
  try {
    const cams = await getJSON('api/cameras');
    nav.textContent = '';
    if (cams.length === 0) {
      nav.innerHTML = '<p class="muted">No cameras yet. Add one with <code>nvrd camera add</code>.</p>';
      return;
    }
    for (const c of cams) {
      const b = document.createElement('button');
      b.textContent = c.name + (c.enabled ? '' : ' (disabled)');
      b.dataset.id = c.id;
      b.onclick = () => play(c);
      nav.appendChild(b);
    }
    const wanted = new URLSearchParams(location.search).get('camera');
    play(cams.find((c) => c.id === wanted) || cams[0]);
  } catch (e) {
    nav.innerHTML = '';
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = 'Cannot load cameras: ' + e.message;
    nav.appendChild(p);
  }
}

function play(cam) {
  for (const b of document.querySelectorAll('nav button')) b.setAttribute('aria-current', String(b.dataset.id === cam.id));
  $('viewer').hidden = false;
  $('cam-name').textContent = cam.name;
  if (player) { player.destroy(); player = null; }
  if (!window.mpegts || !mpegts.getFeatureList().mseLivePlayback) {
    $('cam-status').textContent = 'This browser cannot play live MPEG-TS (no Media Source Extensions).';
    return;
  }
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${proto}//${location.host}${location.pathname.replace(/[^/]*$/, '')}api/cameras/${encodeURIComponent(cam.id)}/live`;
  player = mpegts.createPlayer({ type: 'mpegts', isLive: true, url }, {
    enableWorker: false,
    enableStashBuffer: false,
    lazyLoad: false,
    liveBufferLatencyChasing: true,
    liveBufferLatencyMaxLatency: 0.9,
    liveBufferLatencyMinRemain: 0.2,
    autoCleanupSourceBuffer: true,
  });
  player.attachMediaElement($('video'));
  player.on(mpegts.Events.ERROR, (type, detail) => { $('cam-status').textContent = `Playback error: ${type} ${detail}`; });
  player.load();
  const p = player.play();
  if (p && p.catch) p.catch(() => {});
  clearInterval(statusTimer);
  const showStatus = async () => {
    try {
      const s = await getJSON(`api/cameras/${encodeURIComponent(cam.id)}/status`);
      const parts = [s.state];
      if (s.width) parts.push(`${s.width}×${s.height}`);
      if (s.bitrate_bps) parts.push(`${(s.bitrate_bps / 1e6).toFixed(2)} Mbit/s`);
      if (s.error) parts.push(s.error);
      const rec = s.recording;
      if (rec && rec.recording) parts.push('recording');
      if (rec && rec.error) parts.push(rec.error);
      const an = s.analysis;
      if (an && an.motion_enabled) parts.push(`motion ${an.motion_score.toFixed(1)}${an.motion_active ? ' (active)' : ''}`);
      if (an && !an.detect_available && !(cam.detect && cam.detect.enabled === false)) parts.push(an.detect_error || 'object detection is unavailable');
      $('cam-status').textContent = parts.join(' · ');
    } catch (e) { $('cam-status').textContent = e.message; }
  };
  showStatus();
  statusTimer = setInterval(showStatus, 2000);
}

let csrf = '';

async function logout() {
  await fetch('api/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } });
  location.href = 'login.html';
}

(async () => {
  try {
    const me = await getJSON('api/me');
    csrf = me.csrf;
    $('health').textContent = me.user;
    const a = document.createElement('a');
    a.href = '#'; a.textContent = 'Log out'; a.id = 'logout';
    a.onclick = (e) => { e.preventDefault(); logout(); };
    document.querySelector('header').appendChild(a);
  } catch (e) { return; }
  loadCameras();
})();
