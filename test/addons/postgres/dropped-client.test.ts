// node-postgres emits 'error' on a checked-out client whose connection drops, besides failing
// its query; pg-pool listens for it only while a client is idle. A store that checks a client
// out must listen while it holds one, or a database that drops connections ends the host's
// process (CI saw "Uncaught Exception: Connection terminated unexpectedly" in the faults test).
import { EventEmitter } from 'node:events';
import { SchemaRegistry } from 'scimkit';
import { PostgresStore, type SqlClient, type SqlPool } from 'scimkit/postgres';
import { parseFilter } from 'scimkit/store-kit';
import { afterEach, describe, expect, it } from 'vitest';

const registry = new SchemaRegistry();
const User = registry.resourceType('User')!;

/** A pool whose clients behave as pg's do when the server drops the connection: the query fails and the client emits 'error' from a socket event. */
function droppingPool(): { pool: SqlPool; released: boolean[] } {
  const released: boolean[] = [];
  const client = (): SqlClient => {
    const c = new EventEmitter() as EventEmitter & SqlClient & { processID: number };
    c.processID = 4242;
    c.query = () =>
      new Promise((_resolve, reject) => {
        setTimeout(() => {
          const e = Object.assign(new Error('Connection terminated unexpectedly'), {});
          reject(e);
          c.emit('error', e);
        }, 5);
      });
    c.release = ((destroy?: boolean) => void released.push(destroy === true)) as SqlClient['release'];
    return c;
  };
  // a pg.Pool as the store recognises one (connect and totalCount)
  const pool = {
    totalCount: 0,
    query: () => Promise.reject(new Error('the store checks clients out here')),
    connect: async () => client(),
    on: () => pool,
  } as unknown as SqlPool;
  return { pool, released };
}

describe('PostgresStore holding a client whose connection drops', () => {
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => void uncaught.push(e);
  afterEach(() => {
    process.off('uncaughtException', onUncaught);
  });

  it('a read and a transaction fail as an outage (503), and nothing escapes as an uncaught exception', async () => {
    process.on('uncaughtException', onUncaught);
    const { pool, released } = droppingPool();
    const store = new PostgresStore(pool);
    const ctx = { tenant: 't', requestId: 'r', deadline: Date.now() + 5_000 };
    const read = await store.search(ctx, User, { filter: parseFilter('userName eq "a"'), startIndex: 1, count: 10, members: false }).catch((e: unknown) => e);
    expect(read).toMatchObject({ status: 503 });
    const write = await store.create(ctx, User, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'a' }).catch((e: unknown) => e);
    expect(write).toMatchObject({ status: 503 });
    // the socket events of the fake land after the rejections
    await new Promise((r) => setTimeout(r, 50));
    expect(uncaught.map(String)).toEqual([]);
    expect(released.length).toBeGreaterThanOrEqual(2);
  });
});
