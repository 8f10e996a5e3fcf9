/**
 * The checker's HTTP client: every request it sends is recorded as an {@link Exchange}, has a
 * deadline, and carries the token and the extra headers it was given.
 * @module
 */
import { type Exchange, shown } from './exchange.js';

/** The fetch function the checker uses (the global one unless a test gives another). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** How a request is sent. */
export interface SendOptions {
  /** A JSON body (serialised), or the exact text to send with `raw`. */
  body?: unknown;
  /** The exact body text (bad JSON, huge payloads). */
  raw?: string;
  /** Extra headers for this request; `undefined` removes a default one. */
  headers?: Record<string, string | undefined>;
  /** Without the bearer token (the 401 probes). */
  anonymous?: boolean;
}

/** A response: the status, headers, text, and the body parsed when it is JSON. */
export interface CheckResponse {
  /** The HTTP status. */
  status: number;
  /** The response headers. */
  headers: Headers;
  /** The body text. */
  text: string;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  json: unknown;
  /** The recorded exchange. */
  exchange: Exchange;
}

/** How many times a 429 or 503 with Retry-After is sent again. */
export const RETRIES = 3;
/** A Retry-After longer than this (seconds) is not waited out: the response stands. */
const MAX_RETRY_AFTER_S = 10;

/** Thrown when no response came back: the scenario fails with this message. */
export class NoResponse extends Error {
  override name = 'NoResponse';
}

/** Options of {@link CheckClient}. */
export interface CheckClientOptions {
  /** The SCIM base URL, e.g. `https://app.example.com/scim/v2`. */
  baseUrl: string;
  /** The bearer token. */
  token?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Milliseconds each request may take. */
  timeoutMs: number;
  /** The fetch function. */
  fetch: FetchFunction;
  /** Receives every exchange. */
  record: (exchange: Exchange) => void;
}

/** Sends SCIM requests relative to the base URL and records each. */
export class CheckClient {
  readonly #o: CheckClientOptions;
  readonly #base: string;

  constructor(options: CheckClientOptions) {
    this.#o = options;
    this.#base = options.baseUrl.replace(/\/+$/, '');
  }

  /** The absolute URL of `path` (relative to the base URL unless it is absolute). */
  url(path: string): string {
    if (/^https?:\/\//.test(path)) return path;
    const base = new URL(this.#base);
    // a path that already starts with the base's own path (a relative Location) is not prefixed twice
    if (base.pathname !== '/' && path.startsWith(`${base.pathname}/`)) return `${base.origin}${path}`;
    return `${this.#base}${path.startsWith('/') ? '' : '/'}${path}`;
  }

  /**
   * Sends one request; throws {@link NoResponse} when nothing comes back in time. A 429 or 503
   * with Retry-After (as a rate-limited live server answers) is waited out and sent again, up
   * to {@link RETRIES} times, as an IdP would: the checker checks rules, not the server's budget.
   */
  async send(method: string, path: string, options: SendOptions = {}): Promise<CheckResponse> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.#sendOnce(method, path, options);
      const wait = Number(r.headers.get('retry-after'));
      if ((r.status !== 429 && r.status !== 503) || attempt >= RETRIES || !(wait >= 0) || wait > MAX_RETRY_AFTER_S) return r;
      await new Promise((resolve) => setTimeout(resolve, Math.max(wait * 1000, 100)));
    }
  }

  async #sendOnce(method: string, path: string, options: SendOptions): Promise<CheckResponse> {
    const url = this.url(path);
    const headers: Record<string, string> = { accept: 'application/scim+json', ...this.#o.headers };
    const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (body !== undefined) headers['content-type'] = 'application/scim+json';
    if (this.#o.token && !options.anonymous) headers.authorization = `Bearer ${this.#o.token}`;
    for (const [k, v] of Object.entries(options.headers ?? {})) {
      if (v === undefined) delete headers[k.toLowerCase()];
      else headers[k.toLowerCase()] = v;
    }
    const shownHeaders = { ...headers };
    if (shownHeaders.authorization) shownHeaders.authorization = shownHeaders.authorization.replace(/ .*/, ' …');
    const started = performance.now();
    const exchange: Exchange = {
      request: { method, url, headers: shownHeaders, ...(body === undefined ? {} : { body: shown(body) }) },
      durationMs: 0,
    };
    this.#o.record(exchange);
    let res: Response;
    let text: string;
    try {
      res = await this.#o.fetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(this.#o.timeoutMs) });
      text = await res.text();
    } catch (e) {
      exchange.durationMs = Math.round(performance.now() - started);
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = (e as Error).name === 'TimeoutError' ? `no response within ${this.#o.timeoutMs} ms` : (cause?.code ?? cause?.message ?? (e as Error).message);
      exchange.error = why;
      throw new NoResponse(`${method} ${path}: ${why}`);
    }
    exchange.durationMs = Math.round(performance.now() - started);
    const responseHeaders: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      responseHeaders[k] = v;
    });
    exchange.response = { status: res.status, headers: responseHeaders, body: shown(text) };
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json, exchange };
  }
}
