import Koa from 'koa';
import { bearerToken, createScimServer, generateToken } from 'scimkit';
import { scimMiddleware } from 'scimkit/koa';
import { shutdown } from 'scimkit/node';

// at least 32 characters: set SCIM_TOKEN to a generateToken() you keep, or copy the one printed
const token = process.env.SCIM_TOKEN ?? generateToken();
const scim = createScimServer({ authenticate: bearerToken(token) });

const app = new Koa();
app.use(scimMiddleware(scim, { prefix: '/scim/v2' }) as Koa.Middleware);
const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () =>
  console.log('SCIM tenant URL: http://127.0.0.1:%d/scim/v2\nSecret token: %s', (server.address() as { port: number }).port, token),
);
// no new requests, those in flight finish, event delivery stops
process.on('SIGINT', () => void shutdown(server, scim).then(() => process.exit(0)));
