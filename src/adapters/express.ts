/**
 * `scimkit/express`: Express 4 and 5 middleware, mountable at any path:
 * `app.use('/scim/v2', scimRouter(server))`.
 * @packageDocumentation
 * @module scimkit/express
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ScimError, type ScimServer } from 'scimkit';
import { writeNodeResponse } from './node.js';
import { admitNodeRequest, refusedRequest } from './node-body.js';

/** The parts of an Express request this adapter reads (no dependency on Express's types). */
export interface ExpressLikeRequest extends IncomingMessage {
  /** The mount path (`/scim/v2`). */
  baseUrl?: string;
  /** The URL below the mount path. */
  url: string;
  /** A body another middleware (e.g. `express.json()`) already parsed. */
  body?: unknown;
  /** Set by Express's body parsers once they consumed the stream. */
  _body?: boolean;
}

/** An Express middleware. */
export type ExpressMiddleware = (req: ExpressLikeRequest, res: ServerResponse, next: (err?: unknown) => void) => void;

/** An Express error middleware (four arguments). */
export type ExpressErrorMiddleware = (err: unknown, req: ExpressLikeRequest, res: ServerResponse, next: (err?: unknown) => void) => void;

/** What body-parser errors carry (`express.json()` installed by the app). */
interface BodyParserError {
  type?: string;
  status?: number;
}

/** SCIM errors for what the app's own body parser refused before the request reached SCIM. */
const bodyParserErrors =
  (server: ScimServer): ExpressErrorMiddleware =>
  (err, req, res, next) => {
    const e = err as BodyParserError;
    if (typeof e?.type !== 'string' || typeof e.status !== 'number') return next(err);
    const scim =
      e.type === 'entity.too.large'
        ? ScimError.payloadTooLarge('The body is larger than the limit')
        : e.type === 'entity.parse.failed'
          ? ScimError.invalidSyntax('The body is not valid JSON')
          : e.status === 415
            ? ScimError.unsupportedMediaType('Send application/scim+json or application/json')
            : ScimError.badRequest('The request body could not be read');
    // as for a body this adapter refuses: the connection is not reused after a refused body
    if (e.type === 'entity.too.large') res.setHeader('connection', 'close');
    writeNodeResponse(res, server.refuse(refusedRequest(req, pathOf(req)), scim));
  };

/** The path below the mount point, without the query. */
function pathOf(req: ExpressLikeRequest): string {
  const q = req.url.indexOf('?');
  return q < 0 ? req.url : req.url.slice(0, q);
}

/**
 * SCIM as Express middleware (a handler and an error handler; `app.use` takes the pair).
 * It checks the credential from the headers first and then reads the body itself
 * (`application/scim+json` and `application/json`, within the server's size limit and
 * deadline), so a stranger's body is never buffered; it works whether or not the app already
 * installed `express.json()` (whose parser then reads bodies before any credential is
 * checked: mount SCIM before it), and that parser's refusals become SCIM errors too.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { scimRouter } from 'scimkit/express';
 *
 * const app = express();
 * app.use('/scim/v2', scimRouter(scim)); // scim: createScimServer(...)
 * app.listen(8080);
 * ```
 */
export function scimRouter(server: ScimServer): [ExpressMiddleware, ExpressErrorMiddleware] {
  const handle: ExpressMiddleware = (req, res, next) => {
    void (async () => {
      const q = req.url.indexOf('?');
      // a body the app's own parser already read is taken as it is; else it is read once the credential is accepted
      const parsed = req._body || req.readableEnded ? { body: req.body } : undefined;
      const a = await admitNodeRequest(
        server,
        req,
        res,
        { path: q < 0 ? req.url : req.url.slice(0, q), query: q < 0 ? '' : req.url.slice(q + 1), basePath: req.baseUrl ?? '' },
        parsed,
      );
      if ('answer' in a) {
        if (a.close) res.setHeader('connection', 'close');
        return writeNodeResponse(res, a.answer);
      }
      writeNodeResponse(res, await server.handle(a.request, a.admission));
    })().catch(next);
  };
  return [handle, bodyParserErrors(server)];
}
