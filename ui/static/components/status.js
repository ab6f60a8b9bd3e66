// Words for a camera's status, shared by the tiles and the single view.

/** stateWords says in plain words what a camera status means. */
export function stateWords(s, enabled = true) {
  if (!enabled) return 'disabled';
  if (!s) return 'connecting';
  return s.state || 'connecting';
}

/** statusLine is the one-line summary of a status: state, size, bitrate, recording, motion, errors. */
export function statusLine(s) {
  if (!s) return '';
  const parts = [s.state];
  if (s.width) parts.push(`${s.width}×${s.height}`);
  if (s.bitrate_bps) parts.push(`${(s.bitrate_bps / 1e6).toFixed(2)} Mbit/s`);
  if (s.error) parts.push(s.error);
  const rec = s.recording;
  if (rec && rec.recording) parts.push('recording');
  if (rec && rec.error) parts.push(rec.error);
  const an = s.analysis;
  if (an && an.motion_enabled && typeof an.motion_score === 'number') parts.push(`motion ${an.motion_score.toFixed(1)}${an.motion_active ? ' (active)' : ''}`);
  if (an && an.detect_available === false && an.detect_error) parts.push(an.detect_error);
  return parts.filter(Boolean).join(' · ');
}
