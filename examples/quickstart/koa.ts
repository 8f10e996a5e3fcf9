import Koa from 'koa';
import { bearerToken, createScimServer } from 'scimkit';
import { scimMiddleware } from 'scimkit/koa';

const scim = createScimServer({ authenticate: bearerToken(process.env.SCIM_TOKEN ?? 'change-me') });

const app = new Koa();
app.use(scimMiddleware(scim, { prefix: '/scim/v2' }) as Koa.Middleware);
const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () =>
  console.log('SCIM tenant URL: http://127.0.0.1:%d/scim/v2', (server.address() as { port: number }).port),
);
process.on('SIGINT', () => server.close(() => process.exit(0)));
