// The process test/addons/postgres/approval-crash.test.ts kills: a server on the scratch
// database APPROVAL_DB whose host applies each delivered event once (processedEvents, in its own
// transaction with the event's row in app_events) and counts every delivery (app_deliveries).
// With APPROVAL_ACTION=approve it approves connection APPROVAL_CONNECTION (its link hook slow,
// so a kill can land before the switch to live); with `deliver` it only delivers.

import pg from 'pg';
import { createScimServer, type LifecycleEvent } from 'scimkit';
import { PostgresStore, processedEvents } from 'scimkit/postgres';

const pool = new pg.Pool({ connectionString: process.env.APPROVAL_DB, max: 6 });
const store = new PostgresStore(pool);
const processed = processedEvents(pool);

async function consume(e: LifecycleEvent): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('INSERT INTO app_deliveries (event_id) VALUES ($1)', [e.eventId]);
    await client.query('BEGIN');
    await processed.applyOnce(client, 'app', e, () =>
      client.query('INSERT INTO app_events (event_id, resource_id, seq, type, link) VALUES ($1, $2, $3, $4, $5)', [
        e.eventId,
        e.id,
        e.seq,
        e.type,
        e.type === 'user.created' ? JSON.stringify(e.link ?? null) : null,
      ]),
    );
    // slow enough that a kill lands among deliveries
    await new Promise((r) => setTimeout(r, 3));
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

const scim = createScimServer({
  store,
  connections: {},
  rateLimits: false,
  activity: { logRequests: false },
  events: { pollMs: 50, leaseMs: 1000, retryBaseMs: 50 },
  hooks: {
    linkUser: async ({ dryRun }) => {
      if (!dryRun) await new Promise((r) => setTimeout(r, 4));
      return { by: 'new' };
    },
    onEvent: consume,
  },
});
process.stdout.write('ready\n');
if (process.env.APPROVAL_ACTION === 'approve') {
  await scim.connections.approve(process.env.APPROVAL_CONNECTION!, { actor: 'admin@acme.io' });
  process.stdout.write('approved\n');
}
// delivers until killed
setInterval(() => undefined, 1000);
