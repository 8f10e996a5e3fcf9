/**
 * A duration as an operator types it on the command line (`24h`, `30m`, `90s`, `7d`, `500ms`,
 * `0`), in milliseconds.
 * @module
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 24 * 3600_000 };

/** `text` in ms, or null when it is no duration (a bare number other than 0 is refused: minutes or hours?). */
export function durationMs(text: string): number | null {
  if (text.trim() === '0') return 0;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  return Number.isFinite(ms) ? Math.round(ms) : null;
}
