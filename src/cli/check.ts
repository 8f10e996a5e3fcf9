/**
 * `scimkit check <base-url>`: the command line of the conformance checker.
 * @module
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { reportJUnit, resultText, runChecks, selectScenarios, summaryText } from 'scimkit/check';

/** Where the command writes, and whether that is a terminal. */
export interface CommandIO {
  /** Standard output. */
  out: (text: string) => void;
  /** Standard error. */
  err: (text: string) => void;
  /** Standard output is a terminal: colour and a progress line. */
  tty?: boolean;
  /** The environment (SCIM_TOKEN, NO_COLOR). */
  env?: Record<string, string | undefined>;
}

/** The usage text of `scimkit check`. */
export const CHECK_USAGE = `usage: scimkit check <base-url> [options]

Runs the conformance catalogue against a SCIM 2.0 server. It creates uniquely named users
and groups (scimkit-check-…) and deletes them; it skips what ServiceProviderConfig does not claim.

options:
  --token <token>      the bearer token (default: $SCIM_TOKEN)
  --only <groups>      comma-separated groups or scenario ids (e.g. users,etag,groups.filter-case)
  --header <k: v>      an extra header on every request (repeatable)
  --timeout <ms>       milliseconds each request may take (default 10000)
  --json <file>        write the report as JSON
  --junit <file>       write the report as JUnit XML (for CI)
  --verbose            show the requests and responses of each failure
  --list               list the scenarios and exit
  --no-color           no colours even on a terminal

exit code: 0 when nothing failed, 1 when a scenario failed, discovery failed or data was left
behind, 2 on a usage error.
TLS: the server's certificate must be trusted; for a private CA, NODE_EXTRA_CA_CERTS=ca.pem.
`;

/** Runs `scimkit check` with its arguments; the exit code. */
export async function check(args: readonly string[], io: CommandIO): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (e) {
    io.err(`scimkit check: ${(e as Error).message}\n\n${CHECK_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(CHECK_USAGE);
    return 0;
  }
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  let scenarios: ReturnType<typeof selectScenarios>;
  try {
    scenarios = selectScenarios(only);
  } catch (e) {
    io.err(`scimkit check: ${(e as Error).message}\n`);
    return 2;
  }
  if (values.list) {
    for (const s of scenarios) io.out(`${s.id}  ${s.title}\n      ${s.source}\n`);
    return 0;
  }
  const [baseUrl, ...extra] = positionals;
  if (!baseUrl || extra.length || !isHttpUrl(baseUrl)) {
    io.err(
      `scimkit check: ${baseUrl ? (extra.length ? `one base URL, not ${positionals.length}` : `not an http(s) URL: ${baseUrl}`) : 'the base URL is missing'}\n\n${CHECK_USAGE}`,
    );
    return 2;
  }
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const at = h.indexOf(':');
    if (at < 1) {
      io.err(`scimkit check: --header needs "name: value", got ${JSON.stringify(h)}\n`);
      return 2;
    }
    const [name, value] = [h.slice(0, at).trim().toLowerCase(), h.slice(at + 1).trim()];
    try {
      new Headers([[name, value]]);
    } catch {
      io.err(`scimkit check: --header ${JSON.stringify(name)} is not a valid header name and value\n`);
      return 2;
    }
    headers[name] = value;
  }
  const timeoutMs = values.timeout === undefined ? 10_000 : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    io.err(`scimkit check: --timeout needs milliseconds, got ${JSON.stringify(values.timeout)}\n`);
    return 2;
  }
  const token = values.token ?? io.env?.SCIM_TOKEN;
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) {
    io.err('scimkit check: the token has spaces or characters a header cannot carry\n');
    return 2;
  }
  // the report files are checked before the run, not lost after it
  for (const file of [values.json, values.junit]) {
    if (file === undefined) continue;
    try {
      writeFileSync(file, '');
    } catch (e) {
      io.err(`scimkit check: cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 2;
    }
  }
  const color = Boolean(io.tty) && !values['no-color'] && io.env?.NO_COLOR === undefined;
  const options = { color, verbose: Boolean(values.verbose) };
  const progress = (text: string) => io.tty && io.out(`\r\u001b[2K${text}`);
  const report = await runChecks({
    baseUrl,
    ...(token ? { token } : {}),
    headers,
    timeoutMs,
    ...(only ? { only } : {}),
    onProgress: ({ index, total, scenario, result, elapsedMs }) => {
      if (!result) return progress(`[${index}/${total} ${(elapsedMs / 1000).toFixed(1)} s] ${scenario.id}`);
      progress('');
      io.out(resultText(result, options));
    },
  });
  io.out(summaryText(report, options));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  if (values.junit) writeFileSync(values.junit, reportJUnit(report));
  const leftBehind = report.swept + report.results.reduce((n, r) => n + (r.leftovers?.length ?? 0), 0);
  // a run that could not read the discovery documents, or left data behind, is not a pass
  return report.summary.failed || report.problems.length || leftBehind ? 1 : 0;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      token: { type: 'string' },
      only: { type: 'string' },
      header: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      json: { type: 'string' },
      junit: { type: 'string' },
      verbose: { type: 'boolean' },
      list: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
