/**
 * The logger scimkit writes to: pino's shape, `(object, message)` per level, so pino,
 * console, or any logger with those methods plugs in as it is.
 * @module
 */

/** One level of a logger: structured fields first, then the message (pino's order). */
export type LogMethod = (fields: Record<string, unknown>, message?: string) => void;

/**
 * Where scimkit logs: one line per request (info for 2xx/3xx, warn for 4xx, error for 5xx)
 * and what it must not swallow (hook and delivery failures). Fields never hold a token or a
 * password. pino's logger and `console` both fit.
 */
export interface ScimLogger {
  /** Requests answered below 400. */
  info: LogMethod;
  /** Requests answered 4xx. */
  warn: LogMethod;
  /** Requests answered 5xx (with `err.stack`), and failures after the response. */
  error: LogMethod;
  /** Details (optional). */
  debug?: LogMethod;
}

/** A logger that writes nothing. */
export const silentLogger: ScimLogger = { info: () => {}, warn: () => {}, error: () => {} };
