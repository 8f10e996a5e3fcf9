/**
 * node:http to the fetch API and back, for `portal.node`: the request's URL (its scheme and
 * host from the proxy's headers only with `trustProxy`), its body as a stream — or, when a
 * body parser (Express's urlencoded or json) read it already, that parsed body as JSON.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';

/** Thrown when the request's Host and path make no URL. */
export class BadRequestUrl extends Error {
  /** The signal, with its message and the status to answer (400, or 405 for a method). */
  constructor(
    message = 'The request has no valid Host or path',
    readonly status = 400,
  ) {
    super(message);
  }
}

/** The first value of a header. */
function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v?.split(',')[0]?.trim();
}

/** The client's address: the socket's, or with `trustProxy` the first of X-Forwarded-For (the proxy's own address is every client's). */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  return (trustProxy ? first(req.headers['x-forwarded-for']) : undefined) || req.socket.remoteAddress || 'unknown';
}

/** A fetch Request for a node request at `url` (the path and query as the client sent it). */
export function nodeRequest(req: IncomingMessage, url: string, trustProxy: boolean): Request {
  const encrypted = (req.socket as TLSSocket).encrypted === true;
  const proto = trustProxy ? (first(req.headers['x-forwarded-proto']) ?? (encrypted ? 'https' : 'http')) : encrypted ? 'https' : 'http';
  const host = (trustProxy ? first(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host ?? 'localhost';
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k.startsWith(':')) continue;
    for (const x of Array.isArray(v) ? v : [v]) headers.append(k, x);
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (method !== 'GET' && method !== 'HEAD') {
    const parsed = (req as { body?: unknown }).body;
    if (req.readableEnded && parsed !== undefined) {
      headers.delete('content-length');
      if (typeof parsed === 'string' || parsed instanceof Uint8Array) init.body = parsed;
      else {
        // a parser ran first (urlencoded, json): its result, as JSON (form values and JSON members read the same)
        headers.set('content-type', 'application/json');
        init.body = JSON.stringify(parsed);
      }
    } else {
      init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
      init.duplex = 'half';
    }
  }
  // a Host header that is no host: the caller answers 400 (BadRequestUrl)
  let target: URL;
  try {
    target = new URL(url, `${proto}://${host}`);
  } catch {
    throw new BadRequestUrl();
  }
  try {
    return new Request(target, init);
  } catch {
    // a method the fetch API refuses (TRACE, CONNECT): no portal route takes it
    throw new BadRequestUrl('The portal does not answer this method', 405);
  }
}

/** Writes a fetch Response to a node response. */
export async function writeNodeResponse(res: ServerResponse, r: Response): Promise<void> {
  res.statusCode = r.status;
  r.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  const cookies = r.headers.getSetCookie();
  if (cookies.length) res.setHeader('set-cookie', cookies);
  res.end(r.body ? Buffer.from(await r.arrayBuffer()) : undefined);
}
