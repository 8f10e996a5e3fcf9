// The benchmark harness: tinybench underneath, one markdown table per section.
import { Bench } from 'tinybench';

export interface Row {
  [column: string]: string | number;
}

export interface Section {
  title: string;
  notes?: string;
  rows: Row[];
}

/** Runs named tasks and returns ops/s and mean µs for each, in the order given. */
export async function measure(tasks: Record<string, () => unknown>, time = 400): Promise<Map<string, { hz: number; meanUs: number; p99Us: number }>> {
  const bench = new Bench({ time, warmupTime: 100 });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const out = new Map<string, { hz: number; meanUs: number; p99Us: number }>();
  for (const t of bench.tasks) {
    const r = t.result as unknown as {
      error?: unknown;
      throughput?: { mean: number };
      latency?: { mean: number; p99?: number };
      hz?: number;
      mean?: number;
      p99?: number;
    };
    if (r.error) {
      out.set(t.name, { hz: 0, meanUs: Number.NaN, p99Us: Number.NaN });
      continue;
    }
    const mean = r.latency?.mean ?? r.mean ?? 0;
    // ops/s from the mean latency, so the two columns agree (tinybench's throughput mean over-weights fast iterations)
    const hz = mean > 0 ? 1000 / mean : (r.throughput?.mean ?? r.hz ?? 0);
    const p99 = r.latency?.p99 ?? r.p99 ?? 0;
    out.set(t.name, { hz, meanUs: mean * 1000, p99Us: p99 * 1000 });
  }
  return out;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function toMarkdown(sections: Section[]): string {
  let md = '';
  for (const s of sections) {
    md += `\n## ${s.title}\n\n`;
    if (s.notes) md += `${s.notes}\n\n`;
    const cols = Object.keys(s.rows[0] ?? {});
    md += `| ${cols.join(' | ')} |\n| ${cols.map(() => '---').join(' | ')} |\n`;
    for (const r of s.rows) md += `| ${cols.map((c) => String(r[c] ?? '')).join(' | ')} |\n`;
  }
  return md;
}
