// Subpath entries reach the core only through `scimkit` (external to every bundle): a module of
// the core that an entry reaches by a relative import is bundled into it a second time, with
// its own classes (ScimError), and `instanceof` fails between the entries (docs/design.md,
// "One copy of each class"). esbuild's metafile lists what each entry bundles.
import { build } from 'esbuild';
import type { Options } from 'tsup';
import { describe, expect, it } from 'vitest';
import config from '../../tsup.config.js';

const root = new URL('../../', import.meta.url).pathname;
const configs = (Array.isArray(config) ? config : [config]) as Options[];
const entries: Record<string, string> = Object.assign({}, ...configs.map((c) => c.entry as Record<string, string>));
const external = [...new Set(configs.flatMap((c) => (c.external ?? []) as string[])), 'scimkit/*'];

/** The source files esbuild bundles into an entry. */
async function inputsOf(entry: string): Promise<string[]> {
  const { metafile } = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    outdir: 'out',
    external,
    logLevel: 'silent',
  });
  return Object.keys(metafile.inputs);
}

describe('subpath entries and the core', () => {
  it('no subpath entry bundles a module of the core', async () => {
    // the root and scimkit/store-kit are built together and share the core as chunks
    const core = new Set([...(await inputsOf(entries.index!)), ...(await inputsOf(entries['store-kit']!))]);
    const shared: Record<string, string[]> = {};
    for (const [name, entry] of Object.entries(entries)) {
      if (name === 'index' || name === 'store-kit') continue;
      const inCore = (await inputsOf(entry)).filter((f) => core.has(f));
      if (inCore.length > 0) shared[name] = inCore;
    }
    expect(shared).toEqual({});
  });
});
