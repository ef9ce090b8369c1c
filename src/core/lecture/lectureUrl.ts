/**
 * The lecture's place in the URL: `#lecture/<n>` (n 1-based) deep-links a step and follows
 * navigation, so a reload stays on it; `?lecture` is a switch that opens step 1. Both come from
 * outside (typed, pasted, bookmarked), so parsing accepts any string and never throws.
 */

const PREFIX = 'lecture';

/**
 * The 0-based step a hash asks for, or null when it is not a lecture hash. `#lecture` and
 * `#lecture/` mean step 1; a number is clamped into 1..count; anything else after the slash
 * (`#lecture/two`) opens step 1 rather than nothing, since the presenter did ask for the lecture.
 * The leading `#` is optional and the word is case-insensitive.
 */
export function parseLectureHash(hash: string, count: number): number | null {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  if (body.slice(0, PREFIX.length).toLowerCase() !== PREFIX) return null;
  const rest = body.slice(PREFIX.length);
  if (rest === '' || rest === '/') return 0;
  if (!rest.startsWith('/')) return null;
  const digits = rest.slice(1);
  if (!/^\d{1,9}$/.test(digits)) return /^\d+$/.test(digits) ? count - 1 : 0;
  return Math.max(0, Math.min(count - 1, Number(digits) - 1));
}

/** The hash for a 0-based step. */
export function formatLectureHash(step: number, count: number): string {
  if (!Number.isInteger(step) || step < 0 || step >= count) throw new RangeError(`invalid lecture step: ${step} (expected 0..${count - 1})`);
  return `#${PREFIX}/${step + 1}`;
}

/** Whether a query string (`?a&lecture&b=1`) holds the `lecture` switch, with or without a value. */
export function hasLectureSwitch(search: string): boolean {
  return queryEntries(search).some((entry) => switchName(entry) === PREFIX);
}

/**
 * The query string without the `lecture` switch, every other entry kept verbatim and in order
 * (`?empty&lecture&pack=x` -> `?empty&pack=x`), or '' when nothing is left. Once the lecture is
 * open the hash carries it; leaving the switch would reopen it after Esc and a reload.
 */
export function withoutLectureSwitch(search: string): string {
  const kept = queryEntries(search).filter((entry) => switchName(entry) !== PREFIX);
  return kept.length > 0 ? `?${kept.join('&')}` : '';
}

function queryEntries(search: string): string[] {
  return (search.startsWith('?') ? search.slice(1) : search).split('&').filter((e) => e !== '');
}

function switchName(entry: string): string {
  const name = entry.split('=', 1)[0]!;
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    // A malformed escape (`%zz`) is no switch of ours; it stays as it was.
    return name;
  }
}
