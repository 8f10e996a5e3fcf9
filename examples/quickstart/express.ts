import express from 'express';
import { bearerToken, createScimServer } from 'scimkit';
import { scimRouter } from 'scimkit/express';

const scim = createScimServer({ authenticate: bearerToken(process.env.SCIM_TOKEN ?? 'change-me') });

const app = express();
app.use('/scim/v2', scimRouter(scim));
const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () =>
  console.log('SCIM tenant URL: http://127.0.0.1:%d/scim/v2', (server.address() as { port: number }).port),
);
process.on('SIGINT', () => server.close(() => process.exit(0)));
