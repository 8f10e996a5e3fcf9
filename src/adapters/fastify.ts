/**
 * `scimkit/fastify`: a Fastify plugin (v4 and v5), mountable at any prefix:
 * `app.register(scimPlugin(server), { prefix: '/scim/v2' })`.
 * @packageDocumentation
 * @module scimkit/fastify
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { responseText, type ScimResponse, type ScimServer } from 'scimkit';
import { admitNodeRequest } from './node-body.js';

/** A Fastify plugin function, as `app.register` takes it (typed structurally, so both Fastify 4 and 5 fit). */
export type ScimFastifyPlugin = (instance: FastifyInstance, options: Record<string, unknown>) => Promise<void>;

/**
 * SCIM as a Fastify plugin. In its own encapsulated context it takes every content type as a
 * raw stream (Fastify would answer `application/scim+json` with its own 415, and its JSON
 * parser would consume a body the engine must see), checks the credential from the headers
 * (`server.admit`) and only then reads the body within the server's limit and deadline,
 * passes the abort signal, and writes the engine's response. Register it with a `prefix`.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { bearerToken, createScimServer } from 'scimkit';
 * import { scimPlugin } from 'scimkit/fastify';
 *
 * const scim = createScimServer({ authenticate: bearerToken(process.env.SCIM_TOKEN!) });
 * const app = Fastify();
 * await app.register(scimPlugin(scim), { prefix: '/scim/v2' });
 * await app.listen({ port: 8080 });
 * ```
 */
export function scimPlugin(server: ScimServer): ScimFastifyPlugin {
  const plugin: ScimFastifyPlugin = async (app) => {
    // the engine decides what a body may be (415 and 400 as SCIM errors): the stream passes through unread
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    const prefix = app.prefix.replace(/\/+$/, '');
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const raw = request.raw;
      const url = raw.url ?? '/';
      const q = url.indexOf('?');
      const pathname = q < 0 ? url : url.slice(0, q);
      const path = pathname.slice(prefix.length) || '/';
      const a = await admitNodeRequest(server, raw, reply.raw, { path, query: q < 0 ? '' : url.slice(q + 1), basePath: prefix });
      if ('answer' in a) {
        if (a.close) reply.header('connection', 'close');
        return send(reply, a.answer);
      }
      return send(reply, await server.handle(a.request, a.admission));
    };
    app.all('/', handler);
    app.all('/*', handler);
  };
  return plugin;
}

/** Writes the engine's response through Fastify's reply. */
function send(reply: FastifyReply, r: ScimResponse): FastifyReply {
  reply.code(r.status);
  for (const [k, v] of Object.entries(r.headers)) reply.header(k, v);
  return reply.send(r.body === undefined ? undefined : responseText(r));
}
