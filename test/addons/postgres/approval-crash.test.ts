// kill -9 during the approval of a preview (#33), on PostgreSQL: once while approval decides
// the users (before the switch to live: nothing may be delivered), once among the deliveries
// that follow the switch; a last process delivers the rest. At the end every held event was
// applied exactly once by the host (processedEvents), none is lost, none applied twice, each
// resource's in sequence order, every user.created with its link; none is left pending.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createScimServer } from 'scimkit';
import { PostgresStore, processedEvents } from 'scimkit/postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDatabase } from '../../scratch-database.js';

const root = join(import.meta.dirname, '../../..');
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USERS = 150;
const GROUPS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const alive = new Set<ChildProcess>();
afterAll(() => {
  for (const p of alive) p.kill('SIGKILL');
});

/** The child server (approval-child.ts), resolved once it printed `ready`. */
function child(db: string, connectionId: string, action: 'approve' | 'deliver'): Promise<{ proc: ChildProcess; lines: string[] }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/addons/postgres/approval-child.ts'], {
    cwd: root,
    env: { ...process.env, APPROVAL_DB: db, APPROVAL_CONNECTION: connectionId, APPROVAL_ACTION: action },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  alive.add(proc);
  proc.once('exit', () => alive.delete(proc));
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the child did not start')), 60_000);
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => {
      lines.push(...d.split('\n').filter(Boolean));
      if (lines.includes('ready')) {
        clearTimeout(timer);
        resolve({ proc, lines });
      }
    });
    proc.once('exit', (code) => reject(new Error(`the child exited (${code})`)));
  });
}

/** kill -9, and its exit. */
async function kill(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}

describe.runIf(process.env.DATABASE_URL)('approval of a preview killed with -9 (PostgreSQL)', () => {
  it('loses and duplicates nothing: every held event applied once, in order per resource', { timeout: 240_000 }, async () => {
    const db = await scratchDatabase('scimkit_approval', 6);
    try {
      const store = new PostgresStore(db.pool);
      await store.migrate();
      await processedEvents(db.pool).migrate();
      await db.pool.query(`CREATE TABLE app_events (n bigserial PRIMARY KEY, event_id uuid NOT NULL, resource_id text NOT NULL, seq bigint NOT NULL, type text NOT NULL, link jsonb);
        CREATE TABLE app_deliveries (event_id uuid NOT NULL)`);
      // the IdP's first cycle, held: this process's consumer hears nothing
      const heard: string[] = [];
      const scim = createScimServer({
        store,
        tenantInPath: true,
        rateLimits: false,
        connections: {},
        activity: { logRequests: false },
        events: { pollMs: 20 },
        hooks: { onEvent: (e) => void heard.push(e.eventId) },
      });
      const tenant = `crash-${randomUUID().slice(0, 8)}`;
      const c = await scim.connections.create({ tenant, mode: 'preview', actor: 'admin@acme.io' });
      const { token } = await scim.connections.issueToken(c.id, { actor: 'admin@acme.io' });
      const call = async (method: string, path: string, body: unknown) => {
        const res = await scim.handle({
          method,
          path: `/${tenant}${path}`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
          body: JSON.stringify(body),
        });
        expect(res.status).toBeLessThan(300);
        return res.body as { id: string };
      };
      const ids: string[] = [];
      for (let i = 0; i < USERS; i++) ids.push((await call('POST', '/Users', { schemas: [U], userName: `u${i}@acme.io` })).id);
      for (let g = 0; g < GROUPS; g++) {
        const group = await call('POST', '/Groups', { schemas: [G], displayName: `G${g}` });
        const members = ids.filter((_, i) => i % GROUPS === g).map((value) => ({ value }));
        for (let k = 0; k < members.length; k += 5)
          await call('PATCH', `/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'add', path: 'members', value: members.slice(k, k + 5) }] });
      }
      // a few updates, so resources have more than one event each
      for (let i = 0; i < 20; i++) await call('PATCH', `/Users/${ids[i]}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] });
      await sleep(200);
      expect(heard).toEqual([]);
      await scim.close();
      const held = (
        await db.pool.query(`SELECT id::text AS id, resource_id, seq FROM scim_events WHERE tenant = $1 AND state = 'pending' ORDER BY seq`, [tenant])
      ).rows as { id: string; resource_id: string; seq: string }[];
      expect(held.length).toBe(USERS + GROUPS + GROUPS * (USERS / GROUPS / 5) + 20 * 2);

      // 1: killed while approval decides (its link hook takes 4 ms a user): not live (in preview, or
      // approving once its dry run passed), nothing delivered
      const first = await child(db.url, c.id, 'approve');
      await sleep(250);
      await kill(first.proc);
      expect(first.lines).not.toContain('approved');
      const mode = (await db.pool.query('SELECT mode FROM scim_connections WHERE id = $1', [c.id])).rows[0]!.mode;
      expect(['preview', 'approving']).toContain(mode);
      expect(Number((await db.pool.query('SELECT count(*) FROM app_deliveries')).rows[0]!.count)).toBe(0);

      // 2: approved again, killed among the deliveries
      const second = await child(db.url, c.id, 'approve');
      const applied = async () => Number((await db.pool.query('SELECT count(*) FROM app_events')).rows[0]!.count);
      for (let t = 0; t < 600 && (await applied()) < held.length / 3; t++) await sleep(50);
      await kill(second.proc);
      expect(second.lines).toContain('approved');
      const midway = await applied();
      expect(midway).toBeGreaterThan(0);
      expect(midway).toBeLessThan(held.length);

      // 3: a plain server delivers the rest (the killed one's leases run out)
      const third = await child(db.url, c.id, 'deliver');
      for (let t = 0; t < 1200 && (await applied()) < held.length; t++) await sleep(50);
      await sleep(500);
      await kill(third.proc);

      const rows = (await db.pool.query('SELECT event_id::text AS id, resource_id, seq, type, link FROM app_events ORDER BY n')).rows as {
        id: string;
        resource_id: string;
        seq: string;
        type: string;
        link: unknown;
      }[];
      // nothing lost, nothing applied twice
      expect(rows.map((r) => r.id).sort()).toEqual(held.map((e) => e.id).sort());
      // each resource's events applied in sequence order
      const last = new Map<string, number>();
      for (const r of rows) {
        expect(Number(r.seq)).toBeGreaterThan(last.get(r.resource_id) ?? 0);
        last.set(r.resource_id, Number(r.seq));
        if (r.type === 'user.created') expect(r.link).toEqual({ by: 'new' });
      }
      const pending = await db.pool.query(`SELECT count(*) FROM scim_events WHERE tenant = $1 AND state = 'pending'`, [tenant]);
      expect(Number(pending.rows[0]!.count)).toBe(0);
      const deliveries = Number((await db.pool.query('SELECT count(*) FROM app_deliveries')).rows[0]!.count);
      expect(deliveries).toBeGreaterThanOrEqual(held.length);
    } finally {
      for (const p of alive) await kill(p);
      await db.drop();
    }
  });
});
