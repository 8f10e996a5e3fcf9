import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enginesProblems, type Lockfile } from '../../scripts/check-engines.js';

const root = join(import.meta.dirname, '../..');

describe('check-engines: every locked package runs on the Node scimkit supports', () => {
  const lock = (packages: Lockfile['packages']): Lockfile => ({ packages: { '': { version: '0.1.0', engines: { node: '>=20' } }, ...packages } });

  it('a runtime dependency must support every Node scimkit claims', () => {
    const problems = enginesProblems(
      lock({
        'node_modules/old-enough': { version: '1.0.0', engines: { node: '>=18' } },
        'node_modules/no-engines': { version: '1.0.0' },
        'node_modules/late-twenty': { version: '2.0.0', engines: { node: '^20.19.0 || >=22.12.0' } },
        'node_modules/a/node_modules/only-22': { version: '3.0.0', engines: { node: '>=22' } },
      }),
      '>=20',
    );
    expect(problems).toEqual([
      'late-twenty@2.0.0 (node_modules/late-twenty) is a runtime dependency for Node ^20.19.0 || >=22.12.0: scimkit supports >=20',
      'only-22@3.0.0 (node_modules/a/node_modules/only-22) is a runtime dependency for Node >=22: scimkit supports >=20',
    ]);
  });

  it('a development dependency must run on some Node 20, where npm test runs', () => {
    const problems = enginesProblems(
      lock({
        'node_modules/vite': { version: '8.3.8', dev: true, engines: { node: '^20.19.0 || >=22.12.0' } },
        'node_modules/light-my-request/node_modules/cookie': { version: '2.0.2', dev: true, engines: { node: '>=22' } },
        'node_modules/scoped/node_modules/@a/b': { version: '1.0.0', dev: true, engines: { node: 'not a range' } },
      }),
      '>=20',
    );
    expect(problems).toEqual([
      'cookie@2.0.2 (node_modules/light-my-request/node_modules/cookie) needs Node >=22: no 20.x runs it, where npm test runs (scimkit supports >=20)',
      '@a/b@1.0.0 (node_modules/scoped/node_modules/@a/b): engines.node "not a range" is no version range',
    ]);
  });

  it('the project’s lockfile has none', () => {
    const lockfile = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
    const { engines } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(enginesProblems(lockfile, engines.node)).toEqual([]);
  });
});
