/**
 * `scimkit/node`: a `node:http` request handler.
 * @packageDocumentation
 * @module scimkit/node
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { responseText, ScimError, type ScimResponse, type ScimServer } from 'scimkit';
import { admitNodeRequest, refusedRequest } from './node-body.js';

/** Options of {@link toNodeHandler}. */
export interface NodeHandlerOptions {
  /** The path SCIM is served under, e.g. `/scim/v2` (default: the root). */
  basePath?: string;
}

/**
 * Writes a neutral response to a Node response. Headers go through `setHeader`, not one
 * `writeHead` with them all: request loggers read them back with `getHeaders()` when the
 * response finishes, and older middleware that wraps `writeHead` (on-headers before 1.1)
 * misreads a flat list. `end(text)` sets Content-Length.
 */
export function writeNodeResponse(res: ServerResponse, r: ScimResponse): void {
  res.statusCode = r.status;
  for (const k in r.headers) res.setHeader(k, r.headers[k]!);
  res.end(r.body === undefined ? undefined : responseText(r));
}

/**
 * A `(req, res)` handler for `http.createServer`; requests outside `basePath` get a SCIM 404.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { shutdown, toNodeHandler } from 'scimkit/node';
 *
 * const server = createServer(toNodeHandler(scim, { basePath: '/scim/v2' })).listen(8080); // scim: createScimServer(...)
 * process.on('SIGTERM', () => void shutdown(server, scim));
 * ```
 */
export function toNodeHandler(server: ScimServer, options: NodeHandlerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const base = (options.basePath ?? '').replace(/\/+$/, '');
  return (req, res) => {
    void (async () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const pathname = q < 0 ? url : url.slice(0, q);
      if (base && pathname !== base && !pathname.startsWith(`${base}/`))
        return writeNodeResponse(res, server.refuse(refusedRequest(req, pathname), ScimError.notFound('Not a SCIM path')));
      const path = pathname.slice(base.length) || '/';
      const a = await admitNodeRequest(server, req, res, { path, query: q < 0 ? '' : url.slice(q + 1), basePath: base });
      if ('answer' in a) {
        if (a.close) res.setHeader('connection', 'close');
        return writeNodeResponse(res, a.answer);
      }
      writeNodeResponse(res, await server.handle(a.request, a.admission));
    })();
  };
}

/** Options of {@link shutdown}. */
export interface ShutdownOptions {
  /** How long requests in flight may take to finish (default 10,000 ms); then their connections are closed. */
  timeoutMs?: number;
  /** Runs last, once nothing uses the store any more: close a database pool here. */
  after?: () => void | Promise<void>;
}

/**
 * Stops a Node HTTP server gracefully: it takes no new connections, closes idle keep-alive
 * ones, lets requests in flight finish for up to `timeoutMs`, then stops the SCIM server's
 * event delivery (`scim.close()`, which waits for deliveries in flight) and runs `after`.
 * Call it on SIGTERM and SIGINT.
 */
export async function shutdown(server: Server, scim: Pick<ScimServer, 'close'>, options: ShutdownOptions = {}): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    closed,
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        server.closeAllConnections();
        resolve();
      }, options.timeoutMs ?? 10_000);
    }),
  ]);
  clearTimeout(timer);
  await scim.close();
  await options.after?.();
}
