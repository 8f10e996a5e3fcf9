// Checks that every locked package runs on the Node versions scimkit supports, packs the
// library as npm would from a fresh clone (no dist/: prepack builds it), checks the tarball
// with publint and @arethetypeswrong/cli, loads every entry point with import and require, and
// runs test/package/ against the build: the tarball installed into empty ESM and CommonJS
// projects, and dist/ loaded both ways.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'scimkit-pack-'));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
try {
  process.stdout.write(run('npx', ['tsx', 'scripts/check-engines.ts']));
  // as a clone is before `npm pack`: whatever the package holds, its prepack must build
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  execFileSync('npm', ['pack', '--pack-destination', dir], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const [filename] = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  if (!filename) throw new Error('npm pack wrote no tarball');
  const tarball = join(dir, filename);
  process.stdout.write(run('npx', ['publint', tarball, '--strict']));
  // scimkit/testing is ESM-only (vitest cannot be required), so attw checks it for ESM resolution only
  process.stdout.write(run('npx', ['attw', tarball, '--profile', 'node16', '--format', 'table-flipped', '--exclude-entrypoints', './testing']));
  process.stdout.write(run('npx', ['attw', tarball, '--profile', 'esm-only', '--format', 'table-flipped', '--entrypoints', './testing']));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const require = createRequire(join(root, 'package.json'));
  for (const [sub, target] of Object.entries(pkg.exports)) {
    if (sub === './package.json') continue;
    const esm = await import(pathToFileURL(join(root, target.import.default ?? target.import)).href);
    if (Object.keys(esm).length === 0) throw new Error(`${sub}: an entry point exports nothing`);
    if (!target.require) {
      console.log(`${sub}: import ${Object.keys(esm).length} exports (ESM only)`);
      continue;
    }
    const cjs = require(join(root, target.require.default));
    if (Object.keys(cjs).length === 0) throw new Error(`${sub}: an entry point exports nothing`);
    console.log(`${sub}: import ${Object.keys(esm).length} exports, require ${Object.keys(cjs).length} exports`);
  }
  execFileSync('npx', ['vitest', 'run', 'test/package'], { cwd: root, stdio: 'inherit', env: { ...process.env, SCIMKIT_TARBALL: tarball } });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
