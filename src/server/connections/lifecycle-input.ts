/**
 * The checks of what the lifecycle API (`scim.connections`) is given: its callers are host code
 * passing on what an admin typed, so bad input is a 400 ScimError, never a TypeError or a 500.
 * @module
 */
import { ScimError } from '../../core/errors.js';
import type { JsonObject } from '../../core/schema/resource.js';
import { DAY_MS } from './options.js';

/** `value` when it is a non-empty string of at most `max` characters; else 400 naming it `name`. */
export function text(value: unknown, name: string, max = 200): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max)
    throw ScimError.invalidValue(`${name} must be a non-empty string of at most ${max} characters`);
  return value;
}

/** A copy of `value` when it is a JSON object (the copy: the caller's object can change later); else 400. */
export function jsonObject(value: unknown): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw ScimError.invalidValue('settings must be a JSON object');
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/** The overlap of a rotation in ms: 24 h when not given; else a finite number ≥ 0, or 400. */
export function overlapOf(ms: unknown): number {
  if (ms === undefined) return DAY_MS;
  if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) throw ScimError.invalidValue('overlapMs must be a number of ms ≥ 0');
  return ms;
}

/** A new credential's expiry as ISO 8601: null (never) when not given; else a time after `now` (epoch ms), or 400. */
export function expiryOf(value: unknown, now: number): string | null {
  if (value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : Date.parse(String(value));
  if (!(ms > now)) throw ScimError.invalidValue('expiresAt must be a time in the future');
  return new Date(ms).toISOString();
}
