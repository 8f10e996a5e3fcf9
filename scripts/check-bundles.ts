/**
 * The last step of `npm run build`: fails when a class is defined in more than one bundle of
 * the same format in dist/. A subpath entry that bundles its own copy of a core class (as
 * `scimkit/postgres` once did with ScimError) makes `instanceof` fail across entries: the
 * server answered that copy's 503 as an unknown error, 500. Subpath entries reach the core
 * through `scimkit` (external to every bundle), so each class has one definition per format.
 *
 * Not duplicates: the same class in the ESM and the CommonJS build (an application loads one
 * format), declarations in .d.ts files (types, no identity), and functions (adapters share
 * node-body's helpers; a function has no `instanceof`).
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** One bundle: its file name and its JavaScript. */
export interface Bundle {
  file: string;
  code: string;
}

/** The format a bundle file is loaded as, by its extension; `undefined` for what is no bundle (maps, declarations). */
export function formatOf(file: string): 'esm' | 'cjs' | undefined {
  if (file.endsWith('.d.ts') || file.endsWith('.d.cts') || file.endsWith('.d.mts')) return undefined;
  if (file.endsWith('.cjs')) return 'cjs';
  if (file.endsWith('.js') || file.endsWith('.mjs')) return 'esm';
  return undefined;
}

// esbuild writes a class as `var X = class extends Y {`, or, when the class refers to itself
// (static members), `var X = class _X extends Y {`; `class X {` where it keeps a declaration.
// A class whose name another top-level name of the bundle takes is renamed X2 (its inner name
// stays _X): the bundle's local copy of a class it also imports is exactly what this looks for.
const ASSIGNED_CLASS = /\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*class\b(?:\s+_([A-Za-z_$][\w$]*))?/g;
const DECLARED_CLASS = /(?<![\w$.])(?<!=\s*)class\s+([A-Za-z_$][\w$]*)\s*(?:extends\b|\{)/g;

/**
 * Classes that are in several bundles by design, with the reason. Each is private to the
 * bundles that hold it: created and recognised (`instanceof`) within one bundle, never exported.
 */
export const DUPLICATES_BY_DESIGN: Readonly<Record<string, string>> = {
  BodyTooLarge:
    'src/adapters/node-body.ts, shared by the Node adapters: readBody throws it and bodyReadError recognises it in the same bundle; no application sees it',
  BodyTimeout: 'src/adapters/node-body.ts, as BodyTooLarge: readBody throws it past the deadline and bodyReadError recognises it in the same bundle',
};

/** The class's own name: `X` for a renamed `X2` when the bundle also names `X`. */
function originalName(name: string, code: string): string {
  const base = /^(.*[A-Za-z_$])\d+$/.exec(name)?.[1];
  return base !== undefined && new RegExp(`(?<![\\w$])${base.replace(/\$/g, '\\$')}(?![\\w$])`).test(code) ? base : name;
}

/** The names of the classes a bundle defines. */
export function classesOf(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(ASSIGNED_CLASS)) names.add(m[2] ?? originalName(m[1]!, code));
  for (const m of code.matchAll(DECLARED_CLASS)) names.add(originalName(m[1]!, code));
  return names;
}

/** Each class defined in more than one bundle of one format (those by design aside), with those bundles' files. */
export function duplicateClasses(bundles: readonly Bundle[]): Map<string, string[]> {
  const where = new Map<string, string[]>();
  for (const { file, code } of bundles) {
    const format = formatOf(file);
    if (format === undefined) continue;
    for (const name of classesOf(code)) {
      if (Object.hasOwn(DUPLICATES_BY_DESIGN, name)) continue;
      const key = `${format} ${name}`;
      where.set(key, [...(where.get(key) ?? []), file]);
    }
  }
  return new Map([...where].filter(([, files]) => files.length > 1));
}

/** The bundles in `dir`. */
export function bundlesIn(dir: string): Bundle[] {
  return readdirSync(dir)
    .filter((file) => formatOf(file) !== undefined)
    .sort()
    .map((file) => ({ file, code: readFileSync(join(dir, file), 'utf8') }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dist = resolve(import.meta.dirname, '../dist');
  const bundles = bundlesIn(dist);
  const duplicates = duplicateClasses(bundles);
  if (duplicates.size > 0) {
    for (const [key, files] of duplicates) console.error(`${key} is defined in ${files.length} bundles: ${files.join(', ')}`);
    console.error('A subpath entry bundles a copy of core code: import it from `scimkit` (docs/design.md, "One copy of each class").');
    process.exit(1);
  }
  console.log(`check-bundles: ${bundles.length} bundles, every class defined once per format`);
}
