/**
 * The terminal report: one line per scenario, the reason under a failure or a skip, the
 * exchanges of a failure with `verbose`, and a summary; colour only when asked (a TTY).
 * @module
 */
import type { Exchange } from '../exchange.js';
import type { CheckReport, CheckResult } from '../runner.js';

/** How the text report looks. */
export interface TextReportOptions {
  /** ANSI colours (for a terminal). */
  color?: boolean;
  /** The requests and responses of each failure. */
  verbose?: boolean;
}

const LABEL = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;
const COLOUR = { pass: '32', fail: '31', skip: '33' } as const;

function paint(on: boolean | undefined, code: string, text: string): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** A control character of a server's answer is shown escaped: a hostile body cannot drive the terminal. */
function safe(text: string): string {
  // a line break too: a server's detail must not be able to print a line that looks like PASS
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function exchangeText(e: Exchange): string {
  const lines = [`    > ${safe(e.request.method)} ${safe(e.request.url)}`];
  for (const [k, v] of Object.entries(e.request.headers)) lines.push(`    > ${safe(k)}: ${safe(v)}`);
  if (e.request.body !== undefined) lines.push(`    > ${safe(e.request.body)}`);
  if (e.response) {
    lines.push(`    < ${e.response.status} (${e.durationMs} ms)`);
    for (const [k, v] of Object.entries(e.response.headers)) lines.push(`    < ${safe(k)}: ${safe(v)}`);
    if (e.response.body) lines.push(`    < ${safe(e.response.body)}`);
  } else lines.push(`    ! ${safe(e.error ?? 'no response')}`);
  return lines.join('\n');
}

/** One scenario's lines. */
export function resultText(r: CheckResult, options: TextReportOptions = {}): string {
  const head = `${paint(options.color, COLOUR[r.status], LABEL[r.status])}  ${r.id}  ${r.title}`;
  const lines = [head];
  if (r.reason) lines.push(`      ${safe(r.reason)}`);
  if (r.status === 'fail') lines.push(paint(options.color, '2', `      source: ${r.source}`));
  if (r.leftovers?.length) lines.push(`      left behind: ${safe(r.leftovers.join(', '))}`);
  if (options.verbose && r.status === 'fail') for (const e of r.exchanges) lines.push(exchangeText(e));
  return `${lines.join('\n')}\n`;
}

/** The summary line. */
export function summaryText(report: CheckReport, options: TextReportOptions = {}): string {
  const { passed, failed, skipped } = report.summary;
  const counts = `${passed} passed, ${failed} failed, ${skipped} skipped in ${(report.durationMs / 1000).toFixed(1)} s`;
  const problems = report.problems.length ? `\ndiscovery: ${safe(report.problems.join('; '))}` : '';
  const left = report.results.reduce((n, r) => n + (r.leftovers?.length ?? 0), 0);
  const leftovers =
    left || report.swept ? `\nleft behind: ${left} not deleted; the final sweep deleted ${report.swept} more (names scimkit-check-${report.run}-…)` : '';
  return `\n${paint(options.color, failed ? COLOUR.fail : COLOUR.pass, counts)} (${report.baseUrl}; claims: ${report.claimed.join(', ') || 'nothing'})${problems}${leftovers}\n`;
}

/** The whole report as text. */
export function reportText(report: CheckReport, options: TextReportOptions = {}): string {
  return report.results.map((r) => resultText(r, options)).join('') + summaryText(report, options);
}
