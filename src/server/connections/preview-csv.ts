/**
 * The match report as CSV (RFC 4180), for the admin who reviews a first sync in a spreadsheet:
 * one row per user, then one per refused address. A cell that a spreadsheet would run as a
 * formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`:
 * userNames come from the IdP.
 * @module
 */
import type { PreviewReport } from './preview-report.js';

/** The columns, in order. */
const HEADER = ['id', 'userName', 'outcome', 'account', 'by', 'reason', 'resolvedBy'];

/** One cell, quoted when it must be, defused when a spreadsheet would evaluate it. */
function cell(value: string | undefined): string {
  let v = value ?? '';
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * The users of a match report as CSV: `id,userName,outcome,account,by,reason,resolvedBy`, a row
 * per user, then a row per address the domain rule refused (no id, outcome `outsideDomain`).
 * Lines end with CRLF.
 *
 * @example
 * ```ts
 * const csv = previewReportCsv(await scim.connections.preview(id));
 * res.setHeader('content-type', 'text/csv; charset=utf-8').end(csv);
 * ```
 */
export function previewReportCsv(report: PreviewReport): string {
  const rows = [HEADER.join(',')];
  for (const u of report.users) rows.push([u.id, u.userName, u.outcome, u.account, u.by, u.reason, u.resolution?.actor].map(cell).join(','));
  for (const r of report.refused) rows.push(['', r.address, 'outsideDomain', '', '', r.reason, ''].map(cell).join(','));
  return `${rows.join('\r\n')}\r\n`;
}
