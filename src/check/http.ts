/**
 * The checker's HTTP client: every request it sends is recorded as an {@link Exchange}, has a
 * deadline, and carries the token and the extra headers it was given.
 * @module
 */
import { readLimited } from 'scimkit';
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

/** Headers whose values are secrets: never shown in output or reports. */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|key|token|secret|password|session/i;

/** Methods a server may have applied before a 503: sent again only when repeating them is harmless. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** Seconds a Retry-After asks for (delta-seconds or an HTTP date); undefined without one. */
function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

/** A response body is read up to this many bytes: a server answering gigabytes cannot exhaust the checker. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** The body as text, cut at {@link MAX_RESPONSE_BYTES} (then it is not JSON, and says so). */
async function boundedText(res: Response): Promise<string> {
  const { bytes, tooLarge } = await readLimited(res.body, MAX_RESPONSE_BYTES);
  const text = new TextDecoder().decode(bytes);
  return tooLarge ? `${text}… (cut: the body is over ${MAX_RESPONSE_BYTES} bytes)` : text;
}

/** Sends SCIM requests relative to the base URL and records each. */
export class CheckClient {
  readonly #o: CheckClientOptions;
  readonly #base: URL;
  readonly #secretHeaders: ReadonlySet<string>;

  constructor(options: CheckClientOptions) {
    this.#o = options;
    // a base URL may carry a query (Entra ID's ?aadOptscim062020): it goes on every request
    this.#base = new URL(options.baseUrl);
    this.#base.pathname = this.#base.pathname.replace(/\/+$/, '');
    this.#base.hash = '';
    // every header the user gave is treated as a secret: a gateway key looks like any other header
    this.#secretHeaders = new Set(Object.keys(options.headers ?? {}).map((k) => k.toLowerCase()));
  }

  /** The base URL as shown: without credentials in it. */
  get shownBase(): string {
    const u = new URL(this.#base);
    u.username = '';
    u.password = '';
    return u.toString();
  }

  /** Whether `url` lies under the base URL (same origin and path): the only place cleanup deletes. */
  isUnderBase(url: string): boolean {
    try {
      const u = new URL(url, `${this.#base.origin}${this.#base.pathname}/`);
      return u.origin === this.#base.origin && u.pathname.startsWith(`${this.#base.pathname}/`);
    } catch {
      return false;
    }
  }

  /** The absolute URL of `path`: relative to the base URL, with the base URL's query (an absolute URL as it is). */
  url(path: string): string {
    if (/^https?:\/\//i.test(path)) return path;
    const q = path.indexOf('?');
    const [p, query] = q < 0 ? [path, ''] : [path.slice(0, q), path.slice(q + 1)];
    const u = new URL(this.#base);
    // a path that already starts with the base's own path (a relative Location) is not prefixed twice
    u.pathname = this.#base.pathname !== '' && p.startsWith(`${this.#base.pathname}/`) ? p : `${this.#base.pathname}${p.startsWith('/') ? '' : '/'}${p}`;
    const params = new URLSearchParams(this.#base.search);
    for (const [k, v] of new URLSearchParams(query)) params.append(k, v);
    // URLSearchParams writes spaces as "+": servers differ on reading it, %20 is what clients send
    const search = params.toString().replace(/\+/g, '%20');
    return `${u.origin}${u.pathname}${search ? `?${search}` : ''}`;
  }

  /**
   * Sends one request; throws {@link NoResponse} when nothing comes back in time. A 429 with
   * Retry-After (as a rate-limited live server answers) is waited out and sent again, up to
   * {@link RETRIES} times, as an IdP would; so is a 503 with Retry-After of a request that is
   * harmless to repeat. A POST answered 503 is not sent again: it may have been applied.
   */
  async send(method: string, path: string, options: SendOptions = {}): Promise<CheckResponse> {
    for (let attempt = 0; ; attempt++) {
      let r: CheckResponse;
      try {
        r = await this.#sendOnce(method, path, options);
      } catch (e) {
        // a kept-alive connection the server closed (after a 413, say): sent again once, when harmless
        if (attempt === 0 && IDEMPOTENT.has(method) && e instanceof NoResponse && /UND_ERR_SOCKET|ECONNRESET|EPIPE/.test(e.message)) continue;
        throw e;
      }
      const wait = retryAfterSeconds(r.headers.get('retry-after'));
      const again = r.status === 429 || (r.status === 503 && IDEMPOTENT.has(method));
      if (!again || attempt >= RETRIES || wait === undefined || wait > MAX_RETRY_AFTER_S) return r;
      await new Promise((resolve) => setTimeout(resolve, Math.max(wait * 1000, 100)));
    }
  }

  #shown(headers: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers))
      out[k] = SECRET_HEADER.test(k) || this.#secretHeaders.has(k) ? (/^\w+ /.test(v) ? v.replace(/ .*/, ' …') : '…') : v;
    return out;
  }

  async #sendOnce(method: string, path: string, options: SendOptions): Promise<CheckResponse> {
    const url = this.url(path);
    const headers: Record<string, string> = { accept: 'application/scim+json' };
    for (const [k, v] of Object.entries(this.#o.headers ?? {})) {
      // an anonymous probe carries no credential at all, whichever header carried it
      if (!(options.anonymous && (SECRET_HEADER.test(k) || k.toLowerCase() === 'authorization'))) headers[k.toLowerCase()] = v;
    }
    const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (body !== undefined) headers['content-type'] = 'application/scim+json';
    if (this.#o.token && !options.anonymous) headers.authorization = `Bearer ${this.#o.token}`;
    for (const [k, v] of Object.entries(options.headers ?? {})) {
      if (v === undefined) delete headers[k.toLowerCase()];
      else headers[k.toLowerCase()] = v;
    }
    const started = performance.now();
    const exchange: Exchange = {
      request: { method, url, headers: this.#shown(headers), ...(body === undefined ? {} : { body: shown(body) }) },
      durationMs: 0,
    };
    this.#o.record(exchange);
    let res: Response;
    let text: string;
    try {
      // redirects are not followed: a POST would turn into a GET, and the token would go to another origin
      res = await this.#o.fetch(url, {
        method,
        headers,
        redirect: 'manual',
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
      text = await boundedText(res);
    } catch (e) {
      exchange.durationMs = Math.round(performance.now() - started);
      const cause = (e as { cause?: { code?: string } }).cause;
      // never the exception's own text: it may quote a header value (the token)
      const why = (e as Error).name === 'TimeoutError' ? `no response within ${this.#o.timeoutMs} ms` : (cause?.code ?? (e as Error).name);
      exchange.error = why;
      throw new NoResponse(`${method} ${path.replace(/\?.*/, '')}: ${why}`);
    }
    exchange.durationMs = Math.round(performance.now() - started);
    const responseHeaders: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      responseHeaders[k] = v;
    });
    exchange.response = { status: res.status, headers: this.#shown(responseHeaders), body: shown(text) };
    if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
      throw new NoResponse(
        `${method} ${path.replace(/\?.*/, '')}: redirected (${res.status}) to ${res.headers.get('location')}; give the checker the final base URL`,
      );
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json, exchange };
  }
}
