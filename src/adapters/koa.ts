/**
 * `scimkit/koa`: Koa 2 and 3 middleware, mounted under a prefix.
 * @packageDocumentation
 * @module scimkit/koa
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { responseText, type ScimResponse, type ScimServer } from 'scimkit';
import { admitNodeRequest } from './node-body.js';

/** The part of Koa's request this adapter reads. */
export interface KoaLikeRequest {
  /** A body a body parser (koa-bodyparser, @koa/bodyparser) already parsed. */
  body?: unknown;
}

/** The parts of a Koa context this adapter uses (no dependency on Koa's types). */
export interface KoaLikeContext {
  /** The Node request. */
  req: IncomingMessage;
  /** The Node response (Koa's `ctx.res`): with it, stores get a signal that aborts when the client goes away. */
  res?: ServerResponse;
  /** The path. */
  path: string;
  /** The raw query string. */
  querystring: string;
  /** The method. */
  method: string;
  /** The request, with a body when a body parser ran. */
  request: KoaLikeRequest;
  /** Status to send. */
  status: number;
  /** Body to send. */
  body: unknown;
  /** Sets a response header. */
  set(name: string, value: string): void;
}

/** Options of {@link scimMiddleware}. */
export interface KoaOptions {
  /** The path SCIM is served under, e.g. `/scim/v2` (default: the root). */
  prefix?: string;
}

function write(ctx: KoaLikeContext, r: ScimResponse): void {
  ctx.status = r.status;
  for (const [k, v] of Object.entries(r.headers)) ctx.set(k, v);
  // a string body keeps Koa from replacing the SCIM content type with application/json
  ctx.body = r.body === undefined ? null : responseText(r);
}

/**
 * SCIM as Koa middleware; requests outside the prefix go to `next`.
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import { scimMiddleware } from 'scimkit/koa';
 *
 * const app = new Koa();
 * app.use(scimMiddleware(scim, { prefix: '/scim/v2' })); // scim: createScimServer(...)
 * app.listen(8080);
 * ```
 */
export function scimMiddleware(server: ScimServer, options: KoaOptions = {}): (ctx: KoaLikeContext, next: () => Promise<unknown>) => Promise<void> {
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  return async (ctx, next) => {
    if (prefix && ctx.path !== prefix && !ctx.path.startsWith(`${prefix}/`)) {
      await next();
      return;
    }
    // a body a body parser already read is taken as it is; else it is read once the credential is accepted
    const parsed = ctx.request.body === undefined ? undefined : { body: ctx.request.body };
    const a = await admitNodeRequest(
      server,
      ctx.req,
      ctx.res,
      { path: ctx.path.slice(prefix.length) || '/', query: ctx.querystring, basePath: prefix },
      parsed,
    );
    if ('answer' in a) {
      if (a.close) ctx.set('connection', 'close');
      return write(ctx, a.answer);
    }
    write(ctx, await server.handle(a.request, a.admission));
  };
}
