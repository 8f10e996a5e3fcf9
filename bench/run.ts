// npm run bench: every *.bench.ts (or those named on the command line), one run, results in bench/RESULTS.md.
import { readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Section, toMarkdown } from './harness.js';

const only = process.argv.slice(2);
const files = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
const sections: Section[] = [];
for (const f of files) {
  console.error(`bench: ${f}`);
  const mod = (await import(pathToFileURL(join(import.meta.dirname, f)).href)) as { run: () => Promise<Section[]> };
  const out = await mod.run();
  console.error(toMarkdown(out));
  sections.push(...out);
}
const header = `# Benchmark results

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB.
Peers run in the same process and the same run as scimkit. The machine is shared: compare rows of one run, not runs.
`;
if (only.length === 0) writeFileSync(join(import.meta.dirname, 'RESULTS.md'), header + toMarkdown(sections));
else console.error('(partial run: RESULTS.md not written)');
