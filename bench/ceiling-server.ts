// One scimkit server of a given build for bench/http-ceiling.bench.ts:
//   tsx bench/ceiling-server.ts <node|express> <build directory>
// The build directory holds a dist/ and the package.json beside it (the adapters import
// `scimkit` by name), so an earlier build runs beside this one in the same run. MemoryStore
// with 10,000 users, the activity log on (the default), rate limits off; prints {port,userId}.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { postUsers } from './data.js';

const USERS = 10_000;
const TOKEN = 'bench'.repeat(8);
const [kind = 'node', dir = join(import.meta.dirname, '..')] = process.argv.slice(2);

interface Scim {
  handle(req: { method: string; path: string; headers: Record<string, string>; body?: string }): Promise<{ body?: unknown; headers?: Record<string, string> }>;
}
const load = async <T>(entry: string) => (await import(pathToFileURL(join(resolve(dir), 'dist', `${entry}.js`)).href)) as T;
const core = await load<{ createScimServer(o: object): Scim; bearerToken(t: string): unknown; MemoryStore: new () => object }>('index');
const scim = core.createScimServer({ authenticate: core.bearerToken(TOKEN), store: new core.MemoryStore(), rateLimits: false });
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };
const { ids } = await postUsers(scim, USERS, headers);
let listener: RequestListener;
if (kind === 'express') {
  const { scimRouter } = await load<{ scimRouter(s: Scim): express.RequestHandler }>('express');
  const app = express();
  app.use('/scim/v2', scimRouter(scim));
  listener = app;
} else {
  const { toNodeHandler } = await load<{ toNodeHandler(s: Scim, o: { basePath: string }): RequestListener }>('node');
  listener = toNodeHandler(scim, { basePath: '/scim/v2' });
}
const server = createServer(listener);
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port, userId: ids[USERS / 2] })));
process.on('SIGINT', () => process.exit(0));
