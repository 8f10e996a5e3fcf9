/**
 * When a failed delivery is tried again: shared by the dispatcher (per event) and the target
 * gate (per consumer cooldown).
 * @module
 */

/** The delay before attempt `attempts + 1`: exponential with full jitter in its upper half, bounded. */
export function retryDelay(attempts: number, base: number, max: number, random: () => number = Math.random): number {
  const exp = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}
