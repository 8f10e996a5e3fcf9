// Scenarios of `scimkit check` whose rule a store keeps, against a real scimkit server over
// HTTP on each store of the tests (MemoryStore, PostgresStore on PGlite and, with
// DATABASE_URL, on PostgreSQL): the checker sees what an IdP would.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerToken, createScimServer } from 'scimkit';
import { runChecks } from 'scimkit/check';
import { toNodeHandler } from 'scimkit/node';
import { afterAll, describe, expect, it } from 'vitest';
import { storeFactories } from '../store-factories.js';

const TOKEN = 'check-stores-token-0123456789-0123456789';
const SCENARIOS = ['groups.meta-datetimes'];
const listening: Server[] = [];
afterAll(async () => {
  for (const s of listening) await new Promise((r) => s.close(r));
});

describe.each(storeFactories())('scimkit check on %s', (_name, makeStore) => {
  it.each(SCENARIOS)('%s passes', async (id) => {
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), store: await makeStore(), rateLimits: false });
    try {
      const http = createServer(toNodeHandler(scim, { basePath: '/scim/v2' }));
      listening.push(http);
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      const { port } = http.address() as AddressInfo;
      const report = await runChecks({ baseUrl: `http://127.0.0.1:${port}/scim/v2`, token: TOKEN, only: [id] });
      expect(report.results.map((r) => `${r.id}: ${r.status} ${r.reason ?? ''}`.trim())).toEqual([`${id}: pass`]);
    } finally {
      await scim.close();
    }
  });
});
