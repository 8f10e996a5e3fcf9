import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classesOf, duplicateClasses } from '../../scripts/check-bundles.js';

describe('check-bundles: one definition of each class per format', () => {
  it('finds classes as esbuild writes them, not their self-names or words in strings', () => {
    const code = [
      'class Plain {}',
      'class Child extends Plain {',
      '}',
      'var ScimError = class _ScimError extends Error {',
      '  static x = _ScimError;',
      '};',
      'const Anonymous = class {};',
      'const note = "a status class (2xx)";',
      'obj.class Foo',
    ].join('\n');
    expect([...classesOf(code)].sort()).toEqual(['Anonymous', 'Child', 'Plain', 'ScimError']);
  });

  it('a copy renamed because the bundle also imports the class counts under its own name', () => {
    const code = [
      'var import_scimkit = require("scimkit");',
      'var ScimError2 = class extends Error {};',
      'throw import_scimkit.ScimError.notFound("x");',
      'var Sha256 = class {};',
    ].join('\n');
    expect([...classesOf(code)].sort()).toEqual(['ScimError', 'Sha256']);
  });

  it('a class in two bundles of one format is a duplicate; in the ESM and CJS builds it is not', () => {
    const duplicates = duplicateClasses([
      { file: 'index.cjs', code: 'class ScimError extends Error {}' },
      { file: 'postgres.cjs', code: 'var ScimError = class _ScimError extends Error {};\nclass PostgresStore {}' },
      { file: 'index.js', code: 'class ScimError extends Error {}' },
      { file: 'postgres.js', code: 'import { ScimError } from "scimkit";\nclass PostgresStore {}' },
      { file: 'index.d.ts', code: 'declare class ScimError extends Error {}' },
      { file: 'postgres.d.ts', code: 'declare class ScimError extends Error {}' },
      { file: 'index.cjs.map', code: '{"sourcesContent":["class ScimError {}"]}' },
      // private to the Node adapters, by design (DUPLICATES_BY_DESIGN)
      { file: 'express.cjs', code: 'var BodyTooLarge = class extends Error {};' },
      { file: 'koa.cjs', code: 'var BodyTooLarge = class extends Error {};' },
    ]);
    expect(duplicates).toEqual(new Map([['cjs ScimError', ['index.cjs', 'postgres.cjs']]]));
  });

  it('as the last step of the build: exits 1 naming the class and the bundles', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scimkit-bundles-'));
    try {
      // the script reads ../dist from where it lies: a copy beside a dist of two copies of a class
      mkdirSync(join(dir, 'scripts'));
      mkdirSync(join(dir, 'dist'));
      writeFileSync(join(dir, 'scripts/check-bundles.ts'), readFileSync(join(import.meta.dirname, '../../scripts/check-bundles.ts')));
      writeFileSync(join(dir, 'dist/index.cjs'), 'class ScimError extends Error {}');
      writeFileSync(join(dir, 'dist/postgres.cjs'), 'class ScimError extends Error {}');
      const tsx = join(import.meta.dirname, '../../node_modules/.bin/tsx');
      let failure: { status: number; stderr: string } | undefined;
      try {
        execFileSync(tsx, [join(dir, 'scripts/check-bundles.ts')], { encoding: 'utf8', stdio: 'pipe' });
      } catch (e) {
        failure = e as { status: number; stderr: string };
      }
      expect(failure?.status).toBe(1);
      expect(failure?.stderr).toContain('cjs ScimError is defined in 2 bundles: index.cjs, postgres.cjs');
      writeFileSync(join(dir, 'dist/postgres.cjs'), 'var import_scimkit = require("scimkit");\nclass PostgresStore {}');
      expect(execFileSync(tsx, [join(dir, 'scripts/check-bundles.ts')], { encoding: 'utf8' })).toContain('every class defined once per format');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
