/**
 * ISO 8601 times for records, made cheaply: `Date#toISOString` measured ~1 µs, most of a
 * record's cost; requests of one second share its prefix, so only the milliseconds are new.
 * @module
 */

let second = Number.NaN;
let prefix = '';

/** `new Date(ms).toISOString()`, from a one-second cache. */
export function isoTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s !== second) {
    const iso = new Date(s * 1000).toISOString();
    // a year past 9999 has a longer form: no cache for it
    if (iso.length !== 24) return new Date(ms).toISOString();
    second = s;
    prefix = iso.slice(0, 20);
  }
  const milli = ms - s * 1000;
  return `${prefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
