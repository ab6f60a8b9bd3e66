// EventThumb is an event's snapshot with the boxes of its objects drawn over it, and the words for an
// event's kind, score and duration that the events page and the player share.
import { html } from './html.js';

/** kindWords names an event kind for people. */
export const kindWords = {
  motion: 'Motion', object: 'Object', qr: 'QR code', manual: 'Manual', offline: 'Offline', tamper: 'Tamper',
};

/** scoreWords says an event's peak score in its kind's unit, or ''. */
export function scoreWords(ev) {
  if (!ev.score) return '';
  if (ev.kind === 'object') return `${Math.round(ev.score * 100)} %`;
  if (ev.kind === 'tamper') return `picture detail ${ev.score.toFixed(1)}`;
  return `score ${ev.score.toFixed(1)}`;
}

/** durationWords says how long an event lasted ("ongoing" while open). */
export function durationWords(ev) {
  if (!ev.end) return 'ongoing';
  const s = Math.max(0, Math.round((Date.parse(ev.end) - Date.parse(ev.start)) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** EventThumb props: ev (an event from /api/events). */
export function EventThumb({ ev }) {
  const boxes = ev.boxes || [];
  return html`<div class="ev-thumb">
    ${ev.snapshot ? html`<img src=${ev.snapshot.replace(/^\//, '')} alt="" loading="lazy" decoding="async" />`
      : html`<span class="ev-nosnap">${kindWords[ev.kind] || ev.kind}</span>`}
    ${ev.snapshot && boxes.length > 0 && html`<svg viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true">
      ${boxes.map((b, i) => html`<rect key=${i} class=${i === 0 ? 'own' : ''} x=${b.box[0]} y=${b.box[1]}
        width=${b.box[2] - b.box[0]} height=${b.box[3] - b.box[1]} />`)}
    </svg>`}
  </div>`;
}
