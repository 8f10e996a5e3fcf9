// The tarball `npm pack` makes from a clone, installed as an application installs it: into an
// empty ESM project and an empty CommonJS project, offline (scimkit has no runtime dependency).
// Every subpath of package.json's exports loads, `npx scimkit token` runs, and the built entries
// share the core's classes there too. `npm run check:package` packs the tarball (prepack builds
// dist/ from nothing, as in a fresh clone) and runs this file with SCIMKIT_TARBALL set; the plain
// unit run skips it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/index.js';
import { scratchDatabase } from '../scratch-database.js';

const root = join(import.meta.dirname, '../..');
const tarball = process.env.SCIMKIT_TARBALL;

type Target = string | { import?: string | { default: string }; require?: string | { default: string }; types?: string };
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, Target>;
  bin: Record<string, string>;
  main: string;
  module: string;
  types: string;
  peerDependencies: Record<string, string>;
};
const subpaths = Object.entries(pkg.exports)
  .filter(([sub]) => sub !== './package.json')
  .map(([sub, target]) => ({
    name: sub === '.' ? 'scimkit' : `scimkit/${sub.slice(2)}`,
    requirable: typeof target === 'object' && target.require !== undefined,
  }));

/** Every file package.json names: exports' targets (types included), bin, main, module, types. */
function namedFiles(): string[] {
  const out = new Set<string>([pkg.main, pkg.module, pkg.types, ...Object.values(pkg.bin)]);
  const walk = (t: unknown): void => {
    if (typeof t === 'string') out.add(t);
    else if (t && typeof t === 'object') Object.values(t).forEach(walk);
  };
  walk(pkg.exports);
  return [...out];
}

/** npm in `cwd`, never reaching the registry: nothing but the tarball may be needed. */
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_offline: 'true' },
    timeout: 120_000,
  });
const node = (args: string[], cwd: string) => execFileSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000 });

describe.runIf(tarball)('the packed tarball, installed (run by npm run check:package)', () => {
  describe.each([
    { kind: 'ESM', type: 'module', mode: 'import' },
    { kind: 'CommonJS', type: 'commonjs', mode: 'require' },
  ] as const)('into an empty $kind project', ({ type, mode }) => {
    let app: string;
    beforeAll(() => {
      app = mkdtempSync(join(tmpdir(), `scimkit-app-${type}-`));
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type }));
      npm(['install', '--no-audit', '--no-fund', tarball!], app);
    }, 120_000);
    afterAll(() => rmSync(app, { recursive: true, force: true }));

    it('installs scimkit alone, with every file package.json names', () => {
      expect(readdirSync(join(app, 'node_modules')).filter((f) => !f.startsWith('.'))).toEqual(['scimkit']);
      const installed = join(app, 'node_modules/scimkit');
      expect(namedFiles().filter((f) => !existsSync(join(installed, f)))).toEqual([]);
    });

    it('npx scimkit token prints a token and the hash to store', () => {
      const { token, tokenHash } = JSON.parse(
        execFileSync('npx', ['scimkit', 'token', '--json'], { cwd: app, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true' } }),
      );
      expect(token).toMatch(/^scimkit_[A-Za-z0-9_-]{43}$/);
      expect(tokenHash).toBe(hashToken(token));
    });

    it('npx scimkit connection without DATABASE_URL says so on one line, exit code 1', () => {
      const { DATABASE_URL: _url, ...env } = process.env;
      let failure: { status?: number; stderr?: string } = {};
      try {
        execFileSync('npx', ['scimkit', 'connection', 'list'], { cwd: app, encoding: 'utf8', stdio: 'pipe', env: { ...env, npm_config_offline: 'true' } });
      } catch (e) {
        failure = e as { status?: number; stderr?: string };
      }
      expect(failure).toMatchObject({ status: 1, stderr: expect.stringContaining('scimkit connection list: DATABASE_URL is not set') });
    });

    it('the root entry loads with no optional peer installed', () => {
      const script =
        type === 'module' ? "import * as m from 'scimkit'; console.log(typeof m.createScimServer)" : "console.log(typeof require('scimkit').createScimServer)";
      writeFileSync(join(app, 'root.js'), script);
      expect(node(['root.js'], app).trim()).toBe('function');
    });

    describe('with the optional peers installed', () => {
      beforeAll(() => {
        // the repository's own copies, linked: Node resolves their dependencies from where they lie
        for (const name of Object.keys(pkg.peerDependencies)) {
          mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
          symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name), 'dir');
        }
      });

      it(`every subpath loads with ${mode} (scimkit/testing, ESM-only, with import)`, () => {
        const load = subpaths.map(({ name, requirable }) =>
          type === 'module' || !requirable
            ? `out[${JSON.stringify(name)}] = Object.keys(await import(${JSON.stringify(name)})).length;`
            : `out[${JSON.stringify(name)}] = Object.keys(require(${JSON.stringify(name)})).length;`,
        );
        const body = `const out = {};\n${load.join('\n')}\nconsole.log(JSON.stringify(out));`;
        writeFileSync(join(app, 'subpaths.js'), type === 'module' ? body : `(async () => {\n${body}\n})();`);
        const counts = JSON.parse(node(['subpaths.js'], app)) as Record<string, number>;
        expect(Object.keys(counts)).toEqual(subpaths.map((s) => s.name));
        expect(Object.entries(counts).filter(([, n]) => n === 0)).toEqual([]);
      });

      it.runIf(process.env.DATABASE_URL)(
        'npx scimkit connection create --json makes a connection in the database, which list shows',
        async () => {
          const db = await scratchDatabase('scimkit_install_cli', 1);
          try {
            const env = { ...process.env, npm_config_offline: 'true', DATABASE_URL: db.url };
            const made = JSON.parse(
              execFileSync('npx', ['scimkit', 'connection', 'create', '--tenant', 'acme', '--json'], { cwd: app, encoding: 'utf8', env }),
            ) as {
              connection: { id: string; tenant: string };
              token: string;
            };
            expect(made.connection.tenant).toBe('acme');
            const { rows } = await db.pool.query('SELECT hash FROM scim_credentials WHERE connection_id = $1', [made.connection.id]);
            expect(rows).toEqual([{ hash: hashToken(made.token) }]);
            const listed = JSON.parse(execFileSync('npx', ['scimkit', 'connection', 'list', '--json'], { cwd: app, encoding: 'utf8', env })) as {
              id: string;
            }[];
            expect(listed.map((c) => c.id)).toEqual([made.connection.id]);
          } finally {
            await db.drop();
          }
        },
        120_000,
      );

      it('a database that is down answers 503 with Retry-After, and every entry shares the core’s classes', () => {
        copyFileSync(join(import.meta.dirname, 'fixtures/shared-classes.cjs'), join(app, 'shared-classes.cjs'));
        const out = JSON.parse(node(['shared-classes.cjs', mode], app));
        expect(out).toMatchObject({
          databaseDown: { status: 503, retryAfter: '1' },
          tooLongToIndex: { status: 400, scimType: 'invalidValue' },
          databaseDownThrown: { instanceOfScimError: true, status: 503 },
          pastDeadlineThrown: { instanceOfScimError: true, status: 503 },
          notShared: [],
        });
      });
    });
  });
});
