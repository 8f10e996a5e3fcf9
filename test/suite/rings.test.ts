// The three rings of docs/design.md ("Rings"), checked on the sources: imports point inward
// (core ← stores ← server ← the outer ring), the outer ring reaches the inner ones only through
// public entry points, no import cycle, and no source file grows past ~400 lines without a reason.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const src = join(root, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [relative(root, join(dir, e.name))] : [],
  );
}

const files = sources(src);
const texts = new Map(files.map((f) => [f, readFileSync(join(root, f), 'utf8')]));

/** Every module a file imports or re-exports (type-only ones too: a cycle of types is still a cycle of files). */
function importsOf(file: string): { relative: string[]; packages: string[] } {
  const text = texts.get(file)!;
  const specs = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*'([^']+)'/gms), ...text.matchAll(/^\s*import\s*'([^']+)'/gm)].map((m) => m[1]!);
  return {
    relative: specs.filter((s) => s.startsWith('.')).map((s) => join(dirname(file), s).replace(/\.js$/, '.ts')),
    packages: specs.filter((s) => !s.startsWith('.')),
  };
}

/** The ring a source file is in: 0 core, 1 stores, 2 server, 3 the outer ring (entries, adapters, add-ons, kit, checker, command). */
function ringOf(file: string): number {
  if (file.startsWith('src/core/')) return 0;
  if (file.startsWith('src/stores/')) return 1;
  if (file.startsWith('src/server/')) return 2;
  return 3;
}

/** The outer ring's rooms: each imports only its own files and public entry points. */
function roomOf(file: string): string | undefined {
  const m = /^src\/(adapters|addons\/[^/]+|testing|check|cli|portal)\//.exec(file) ?? /^src\/(addons\/[^/.]+)\.ts$/.exec(file);
  return m?.[1];
}

/** Imports that point outward, each with its reason (docs/design.md names them). At most one. */
const OUTWARD: Record<string, string> = {};

describe('the rings (docs/design.md)', () => {
  it('imports point inward: core uses nothing of stores or server, stores nothing of server', () => {
    const outward: string[] = [];
    for (const f of files) {
      if (ringOf(f) === 3) continue;
      for (const d of importsOf(f).relative) if (ringOf(d) > ringOf(f) && !OUTWARD[`${f} -> ${d}`]) outward.push(`${f} -> ${d}`);
    }
    expect(outward).toEqual([]);
    expect(Object.keys(OUTWARD).length).toBeLessThanOrEqual(1);
  });

  it('adapters, add-ons, the kit, the checker and the command reach the core only through public entry points', () => {
    const reaching: string[] = [];
    for (const f of files) {
      const room = roomOf(f);
      if (room === undefined) continue;
      for (const d of importsOf(f).relative) if (roomOf(d) !== room) reaching.push(`${f} -> ${d}`);
    }
    expect(reaching).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles = new Set<string>();
    const done = new Set<string>();
    const path: string[] = [];
    const visit = (f: string): void => {
      const at = path.indexOf(f);
      if (at >= 0) {
        cycles.add([...path.slice(at), f].join(' -> '));
        return;
      }
      if (done.has(f) || !texts.has(f)) return;
      path.push(f);
      for (const d of importsOf(f).relative) visit(d);
      path.pop();
      done.add(f);
    };
    for (const f of files) visit(f);
    expect([...cycles]).toEqual([]);
  });

  it('no source file is over ~400 lines without the reason at its top', () => {
    const long = files.filter((f) => {
      const text = texts.get(f)!;
      return text.split('\n').length > 420 && !/Longer than 400 lines because/.test(text.slice(0, 2000));
    });
    expect(long).toEqual([]);
  });

  it('sees the tree it checks', () => {
    // a guard: a broken walk would pass every check above with nothing to check
    expect(files.filter((f) => ringOf(f) === 0).length).toBeGreaterThan(20);
    expect(files).toContain('src/server/server.ts');
    expect(importsOf('src/stores/store.ts').relative.some((d) => d.startsWith('src/core/'))).toBe(true);
  });
});
