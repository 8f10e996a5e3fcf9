/**
 * A logger for a terminal or a log collector without pino: readable lines, or JSON lines in
 * pino's shape (`level`, `time`, `msg` and the fields).
 * @module
 */
import type { LogMethod, ScimLogger } from './logger.js';

/** Levels by rank, as pino numbers them. */
const LEVELS: Readonly<Record<LogLevel, number>> = { debug: 20, info: 30, warn: 40, error: 50 };

/** A level name. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Options of {@link consoleLogger}. */
export interface ConsoleLoggerOptions {
  /** `pretty`: one readable line (default); `json`: one JSON object per line, as pino writes. */
  format?: 'pretty' | 'json';
  /** The lowest level written (default `info`). */
  level?: LogLevel;
  /** Where lines go (default: stdout, every level, as pino writes). */
  write?: (line: string, level: LogLevel) => void;
  /** Colours in pretty lines (default: when stdout is a TTY). */
  color?: boolean;
}

const COLOURS: Record<LogLevel, string> = { debug: '\x1b[90m', info: '\x1b[32m', warn: '\x1b[33m', error: '\x1b[31m' };

/** Fields a pretty line shows after the message, in this order, when present. */
const SHOWN = ['tenant', 'client', 'resourceId', 'filter', 'patch', 'scimType', 'detail', 'requestId'] as const;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a terminal must never get from a client
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Text a client sent, with every control character escaped (a path can hold ESC sequences that repaint a terminal). */
function inert(s: string): string {
  return s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A value for a pretty line: plain when it has no spaces, else quoted; never a control character. */
function shown(v: unknown): string {
  const s = inert(typeof v === 'string' ? v : JSON.stringify(v));
  return /^[^\s"=]+$/.test(s) ? s : `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

function pretty(level: LogLevel, fields: Record<string, unknown>, message: string | undefined, color: boolean): string {
  const time = new Date().toISOString().slice(11, 23);
  const tag = level.toUpperCase().padEnd(5);
  const parts = [time, color ? `${COLOURS[level]}${tag}\x1b[0m` : tag, inert(message ?? '')];
  const seen = new Set<string>(SHOWN);
  for (const k of SHOWN) if (fields[k] !== undefined) parts.push(`${k}=${shown(fields[k])}`);
  // fields of lines that are no request line (a failing hook, a delivery) are shown too
  if (fields.method === undefined)
    for (const [k, v] of Object.entries(fields)) if (!seen.has(k) && v !== undefined && k !== 'err') parts.push(`${k}=${shown(v)}`);
  let line = parts.join(' ');
  const err = fields.err as { stack?: string; message?: string } | undefined;
  if (err) line += `\n${inert(err.stack ?? err.message ?? '').replaceAll('\\u000a', '\n')}`;
  return line;
}

/** A pino-shaped JSON line, made without copying the fields (a spread copy per line measured as much as the stringify). */
function jsonLine(level: number, fields: Record<string, unknown>, message: string | undefined): string {
  const body = JSON.stringify(fields);
  const rest = body.length > 2 ? `,${body.slice(1, -1)}` : '';
  return `{"level":${level},"time":${Date.now()}${rest}${message === undefined ? '' : `,"msg":${JSON.stringify(message)}`}}`;
}

/**
 * A {@link ScimLogger} writing to the console: `npm start` uses it (readable on a terminal;
 * `SCIM_LOG=json` for JSON lines).
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}): ScimLogger {
  const min = LEVELS[options.level ?? 'info'];
  const json = options.format === 'json';
  const color = options.color ?? (process.stdout.isTTY === true && !json);
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const method =
    (level: LogLevel): LogMethod =>
    (fields, message) => {
      if (LEVELS[level] < min) return;
      write(json ? jsonLine(LEVELS[level], fields ?? {}, message) : pretty(level, fields ?? {}, message, color), level);
    };
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}
