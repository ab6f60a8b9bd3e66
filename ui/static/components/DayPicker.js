// A month calendar for the timeline's day: the days with footage (GET /api/cameras/{id}/timeline/days
// of every camera shown) are marked; the others can still be picked (they show an empty timeline).
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { get, cameraPath } from '../api.js';

const pad = (n) => String(n).padStart(2, '0');
/** dayKey is the local YYYY-MM-DD of a Date. */
export const dayKey = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** DayPicker shows the month of day with footage days marked; onPick(Date at local midnight). */
export function DayPicker({ day, cameraIds, onPick }) {
  const [open, setOpen] = useState(false);
  const [month, setMonth] = useState(new Date(day.getFullYear(), day.getMonth(), 1));
  const [days, setDays] = useState(new Set());
  const [err, setErr] = useState('');
  useEffect(() => setMonth(new Date(day.getFullYear(), day.getMonth(), 1)), [day.getTime()]);
  const ids = cameraIds.join(',');
  useEffect(() => {
    let live = true;
    const since = month.toISOString();
    const until = new Date(month.getFullYear(), month.getMonth() + 1, 1).toISOString();
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    Promise.all(cameraIds.map((id) => get(cameraPath(id, `/timeline/days?since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}&tz=${encodeURIComponent(tz)}`))))
      .then((rs) => { if (live) { setDays(new Set(rs.flatMap((r) => r.days))); setErr(''); } },
        (e) => { if (live) setErr(e.message); });
    return () => { live = false; };
  }, [month.getTime(), ids]);

  const first = (month.getDay() + 6) % 7; // Monday first
  const n = new Date(month.getFullYear(), month.getMonth() + 1, 0).getDate();
  const cells = [];
  for (let i = 0; i < first; i++) cells.push(null);
  for (let d = 1; d <= n; d++) cells.push(new Date(month.getFullYear(), month.getMonth(), d));
  const label = day.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
  const today = dayKey(new Date());
  return html`<div class="daypicker">
    <button aria-haspopup="dialog" aria-expanded=${open} aria-label=${'Date: ' + label} onClick=${() => setOpen(!open)}>${label} ▾</button>
    ${open && html`<div class="dp-pop card" role="dialog" aria-label="Pick a day">
      <div class="dp-head">
        <button aria-label="Previous month" onClick=${() => setMonth(new Date(month.getFullYear(), month.getMonth() - 1, 1))}>‹</button>
        <strong>${month.toLocaleDateString(undefined, { month: 'long', year: 'numeric' })}</strong>
        <button aria-label="Next month" onClick=${() => setMonth(new Date(month.getFullYear(), month.getMonth() + 1, 1))}>›</button>
      </div>
      <div class="dp-grid">${['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'].map((w) => html`<span class="dp-wd muted">${w}</span>`)}
        ${cells.map((c) => {
          if (!c) return html`<span></span>`;
          const k = dayKey(c);
          const has = days.has(k);
          return html`<button class=${'dp-day' + (has ? ' has-footage' : '') + (k === dayKey(day) ? ' on' : '') + (k === today ? ' today' : '')}
            data-day=${k} aria-label=${c.toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' }) + (has ? ', has footage' : '')}
            aria-pressed=${k === dayKey(day)} onClick=${() => { setOpen(false); onPick(c); }}>${c.getDate()}</button>`;
        })}
      </div>
      ${err ? html`<p class="error">${err}</p>` : html`<p class="muted dp-note"><span class="dp-dot"></span> days with footage</p>`}
    </div>`}
  </div>`;
}
