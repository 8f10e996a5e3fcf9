/**
 * Purging a tenant's resources when its connection is deleted with `purge: true`: every
 * resource deleted through the engine, as an IdP's DELETE would (hooks, events), groups first
 * so that deleting users does not rewrite their groups one by one; under soft delete, the
 * users it keeps are then deleted for good.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { ScimError } from '../../core/errors.js';
import type { SoftDeletingStore } from '../../stores/soft-delete.js';
import type { Engine } from '../engine.js';
import { deleteResource } from '../resources.js';

/** Resources deleted per page read. */
const PAGE = 100;

/** Deletes every resource of `tenant` through `engine`; how many. A delete the host's hooks refuse stops it (thrown). */
export async function purgeTenant(engine: Engine, softDeletes: SoftDeletingStore | undefined, tenant: string): Promise<number> {
  let deleted = 0;
  const types = [...engine.registry.resourceTypes()].reverse();
  for (const type of types) {
    for (;;) {
      const ctx = { tenant, requestId: `purge-${randomUUID()}` };
      const page = await engine.store.search(ctx, type, { startIndex: 1, count: PAGE, members: false });
      if (!page.resources.length) break;
      for (const r of page.resources) {
        if (r.id === undefined) continue;
        const res = await deleteResource(engine, ctx, type, r.id, {});
        // another writer deleted it meanwhile: gone either way
        if (res.status >= 400 && res.status !== 404)
          throw new ScimError(res.status, `Purging ${type.name} ${r.id} was refused: ${String((res.body as { detail?: unknown })?.detail ?? res.status)}`);
        deleted++;
      }
    }
  }
  if (softDeletes) {
    const ctx = { tenant, requestId: `purge-${randomUUID()}` };
    const until = new Date(Date.now() + 1000);
    for (const type of types) while ((await softDeletes.purge(ctx, type, until, PAGE)) > 0);
  }
  return deleted;
}
