/**
 * One HTTP request the checker sent and what came back: what a failed scenario shows.
 * @module
 */

/** A request as the checker sent it (the bearer token masked). */
export interface SentRequest {
  /** The HTTP method. */
  method: string;
  /** The absolute URL. */
  url: string;
  /** The request headers, `authorization` masked. */
  headers: Record<string, string>;
  /** The body as sent, cut at 4 KiB. */
  body?: string;
}

/** A response as the checker received it. */
export interface ReceivedResponse {
  /** The HTTP status. */
  status: number;
  /** The response headers. */
  headers: Record<string, string>;
  /** The body, cut at 4 KiB. */
  body: string;
}

/** A request and its response (or why there was none). */
export interface Exchange {
  /** What was sent. */
  request: SentRequest;
  /** What came back; absent when nothing did. */
  response?: ReceivedResponse;
  /** Why nothing came back (timeout, connection refused). */
  error?: string;
  /** Milliseconds from sending to the end of the body. */
  durationMs: number;
}

/** Shown bodies stop here: a report stays readable even after a 10 MB probe. */
export const SHOWN_BODY_CHARS = 4096;

/** `text` cut to {@link SHOWN_BODY_CHARS}, saying how much was left out. */
export function shown(text: string): string {
  return text.length <= SHOWN_BODY_CHARS ? text : `${text.slice(0, SHOWN_BODY_CHARS)}… (${text.length - SHOWN_BODY_CHARS} more characters)`;
}
