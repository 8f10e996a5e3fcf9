import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads a JSON fixture under test/fixtures, a fresh copy each call. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')) as T;
}
