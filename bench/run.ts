// npm run bench: every *.bench.ts (or those named on the command line), one run, results in bench/RESULTS.md.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
const file = join(import.meta.dirname, 'RESULTS.md');
if (only.length === 0) writeFileSync(file, header + toMarkdown(sections));
else {
  // a partial run replaces its own sections (same titles) and keeps the others, marking when
  const old = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const parts = old.split(/\n(?=## )/);
  const titles = new Set(sections.map((s) => s.title));
  const kept = parts.filter((p, i) => i === 0 || !titles.has(p.slice(3, p.indexOf('\n')).trim()));
  const fresh = toMarkdown(
    sections.map((s) => ({ ...s, notes: `${s.notes ? `${s.notes} ` : ''}(Re-run alone on ${new Date().toISOString().slice(0, 10)}.)` })),
  );
  writeFileSync(file, `${kept.join('\n').trimEnd()}\n${fresh}`);
  console.error(`(partial run: replaced ${sections.length} sections of RESULTS.md)`);
}
