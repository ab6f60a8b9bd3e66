// when.js formats times the same way on every page: the user's language for dates and a 24-hour clock
// (the timeline's, and the usual one on recorded video), so an event's time reads the same in its card,
// the timeline and the audit log.

const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium', hourCycle: 'h23' });
const timeFmt = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium', hourCycle: 'h23' });
const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

function fmt(f, t) {
  if (t === undefined || t === null || t === '') return '';
  const d = t instanceof Date ? t : new Date(t);
  return isNaN(d) ? String(t) : f.format(d);
}

/** dateTime is a moment with its date, e.g. "2 Dec 2026, 14:05:10". */
export const dateTime = (t) => fmt(dateTimeFmt, t);

/** timeOfDay is a moment's clock time, e.g. "14:05:10". */
export const timeOfDay = (t) => fmt(timeFmt, t);

/** dateOnly is a moment's day, e.g. "2 Dec 2026". */
export const dateOnly = (t) => fmt(dateFmt, t);

/** clock24 turns a uPlot date template into the 24-hour one (pass it as uPlot's fmtDate:
 * `(tpl) => uPlot.fmtDate(clock24(tpl))`), so chart axes read like the rest of the app. */
export const clock24 = (tpl) => tpl.replace(/\{h\}\{aa?\}/gi, '{HH}:{mm}').replace(/\{h\}/g, '{HH}').replace(/\s*\{aa?\}/gi, '');
