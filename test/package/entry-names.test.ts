// What each entry point exports, types included, as the TypeScript compiler sees the source
// entry, against the reviewed list beside this file (entry-names.json): a name becomes API the
// day an application imports it, so adding one to an entry is a decision, not a side effect of
// an `export *`. And nothing tagged @internal is exported anywhere (#30).
//
// After a reviewed change: `UPDATE_ENTRY_NAMES=1 npx vitest run test/package/entry-names.test.ts`
// rewrites the list; the diff of entry-names.json is what a reviewer reads.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Options } from 'tsup';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../../tsup.config.js';

const root = join(import.meta.dirname, '../..');
const listFile = join(import.meta.dirname, 'entry-names.json');

/** The names an entry exports, run-time values apart from types (a class is a value). */
interface EntryNames {
  values: string[];
  types: string[];
}

/** The most run-time names the root may export: what an application uses (#30 had 148). */
const ROOT_VALUES_AT_MOST = 60;

const configs = (Array.isArray(config) ? config : [config]) as Options[];
const sources: Record<string, string> = Object.assign({}, ...configs.map((c) => c.entry as Record<string, string>));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
/** Every importable entry (package.json's exports) with its source file (tsup's entries). */
const entries = Object.keys(pkg.exports)
  .filter((sub) => sub !== './package.json')
  .map((sub) => {
    const build = sub === '.' ? 'index' : sub.slice(2);
    const source = sources[build];
    if (source === undefined) throw new Error(`package.json exports ${sub}, which tsup.config.ts does not build`);
    return { name: sub === '.' ? 'scimkit' : `scimkit/${build}`, source: join(root, source) };
  });

let program: ts.Program;
let checker: ts.TypeChecker;
const actual: Record<string, EntryNames> = {};
const internal: Record<string, string[]> = {};

/** Whether a declaration (or the statement declaring it) carries an `@internal` tag. */
function taggedInternal(symbol: ts.Symbol): boolean {
  if (symbol.getJsDocTags(checker).some((t) => t.name === 'internal')) return true;
  return (symbol.declarations ?? []).some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === 'internal'));
}

beforeAll(() => {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!parsed) throw new Error('tsconfig.json does not parse');
  program = ts.createProgram(
    entries.map((e) => e.source),
    parsed.options,
  );
  checker = program.getTypeChecker();
  for (const { name, source } of entries) {
    const file = program.getSourceFile(source);
    const module = file && checker.getSymbolAtLocation(file);
    if (!module) throw new Error(`${name}: ${source} is no module`);
    const names: EntryNames = { values: [], types: [] };
    internal[name] = [];
    for (const exported of checker.getExportsOfModule(module)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      (target.flags & ts.SymbolFlags.Value ? names.values : names.types).push(exported.name);
      if (taggedInternal(target)) internal[name]!.push(exported.name);
    }
    names.values.sort();
    names.types.sort();
    actual[name] = names;
  }
}, 120_000);

afterAll(() => {
  if (process.env.UPDATE_ENTRY_NAMES) writeFileSync(listFile, `${JSON.stringify(actual, null, 2)}\n`);
});

const reviewed = JSON.parse(readFileSync(listFile, 'utf8')) as Record<string, EntryNames>;

describe('entry points', () => {
  it('every importable entry has a reviewed list, and every list an entry', () => {
    expect(Object.keys(reviewed).sort()).toEqual(entries.map((e) => e.name).sort());
  });

  describe.each(entries.map((e) => [e.name]))('%s', (name) => {
    it('exports exactly the reviewed names (review an addition, then UPDATE_ENTRY_NAMES=1)', () => {
      if (process.env.UPDATE_ENTRY_NAMES) return;
      const want = reviewed[name] ?? { values: [], types: [] };
      const got = actual[name]!;
      // the differences first, so a failure says which names are new or gone
      expect({
        added: { values: got.values.filter((n) => !want.values.includes(n)), types: got.types.filter((n) => !want.types.includes(n)) },
        removed: { values: want.values.filter((n) => !got.values.includes(n)), types: want.types.filter((n) => !got.types.includes(n)) },
      }).toEqual({ added: { values: [], types: [] }, removed: { values: [], types: [] } });
    });

    it('exports nothing tagged @internal', () => {
      expect(internal[name]).toEqual([]);
    });
  });

  it(`the root exports at most ${ROOT_VALUES_AT_MOST} run-time names: what an application uses`, () => {
    expect(actual.scimkit!.values.length).toBeLessThanOrEqual(ROOT_VALUES_AT_MOST);
  });

  it.each(['src/index.ts', 'src/store-kit.ts'])('%s names every export (no `export *`)', (file) => {
    const source = program.getSourceFile(join(root, file))!;
    const star = source.statements.filter((s) => ts.isExportDeclaration(s) && s.exportClause === undefined).map((s) => s.getText(source));
    expect(star).toEqual([]);
  });
});
