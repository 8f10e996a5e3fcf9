/**
 * The JUnit XML report, for CI: a test suite per scenario group, a test case per scenario.
 * @module
 */
import type { CheckReport } from '../runner.js';

/** Text escaped for XML (and characters XML 1.0 cannot hold, dropped). */
function xml(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

/** The report as JUnit XML. */
export function reportJUnit(report: CheckReport): string {
  const groups = [...new Set(report.results.map((r) => r.group))];
  const suites = groups.map((group) => {
    const results = report.results.filter((r) => r.group === group);
    const failures = results.filter((r) => r.status === 'fail').length;
    const skipped = results.filter((r) => r.status === 'skip').length;
    const time = results.reduce((t, r) => t + r.durationMs, 0) / 1000;
    const cases = results.map((r) => {
      const open = `    <testcase classname="scimkit.check.${xml(group)}" name="${xml(`${r.id}: ${r.title}`)}" time="${(r.durationMs / 1000).toFixed(3)}"`;
      if (r.status === 'pass') return `${open}/>`;
      if (r.status === 'skip') return `${open}>\n      <skipped message="${xml(r.reason ?? '')}"/>\n    </testcase>`;
      const detail = [
        `source: ${r.source}`,
        ...r.exchanges.map((e) => `${e.request.method} ${e.request.url} -> ${e.response ? `${e.response.status} ${e.response.body}` : e.error}`),
      ].join('\n');
      return `${open}>\n      <failure message="${xml(r.reason ?? '')}">${xml(detail)}</failure>\n    </testcase>`;
    });
    return `  <testsuite name="scimkit check: ${xml(group)}" tests="${results.length}" failures="${failures}" skipped="${skipped}" errors="0" time="${time.toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const { passed, failed, skipped } = report.summary;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="scimkit check ${xml(report.baseUrl)}" tests="${passed + failed + skipped}" failures="${failed}" skipped="${skipped}" errors="0" time="${(report.durationMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
