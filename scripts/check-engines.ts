/**
 * Part of `npm run check:package`: fails when a locked package's `engines.node` excludes Node
 * versions scimkit supports (package.json's `engines.node`). A runtime dependency (one an
 * application installs with scimkit) must support every Node scimkit claims; a development
 * dependency must run on some Node of scimkit's oldest major line, where `npm test` runs in CI
 * (cookie@2, reached through fastify's light-my-request, needs Node 22).
 * @module
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';

/** The part of package-lock.json (lockfileVersion 2 or 3) this check reads. */
export interface Lockfile {
  packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } | string[] }>;
}

/** One sentence for each locked package whose Node range excludes what `supported` (scimkit's `engines.node`) needs of it. */
export function enginesProblems(lock: Lockfile, supported: string): string[] {
  const oldest = semver.minVersion(supported);
  if (!oldest) throw new TypeError(`engines.node ${JSON.stringify(supported)} admits no version`);
  const oldestLine = `${oldest.major}.x`;
  const problems: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    // '' is scimkit itself; old lockfiles may hold engines as an array of strings (no Node range)
    const needs = path === '' || Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (needs === undefined) continue;
    const name = `${path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${entry.version ?? '?'}`;
    if (!semver.validRange(needs)) problems.push(`${name} (${path}): engines.node ${JSON.stringify(needs)} is no version range`);
    else if (!entry.dev && !semver.subset(supported, needs))
      problems.push(`${name} (${path}) is a runtime dependency for Node ${needs}: scimkit supports ${supported}`);
    else if (entry.dev && !semver.intersects(oldestLine, needs))
      problems.push(`${name} (${path}) needs Node ${needs}: no ${oldestLine} runs it, where npm test runs (scimkit supports ${supported})`);
  }
  return problems;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = resolve(import.meta.dirname, '..');
  const lock = JSON.parse(readFileSync(resolve(root, 'package-lock.json'), 'utf8')) as Lockfile;
  const supported = (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  const problems = enginesProblems(lock, supported);
  if (problems.length > 0) {
    for (const p of problems) console.error(p);
    console.error('Pin a version that supports them (package.json "overrides") and run npm install.');
    process.exit(1);
  }
  console.log(`check-engines: ${Object.keys(lock.packages).length - 1} locked packages run on Node ${supported}`);
}
