// PUT, PATCH and DELETE share one write pipeline (server/write-pipeline.ts): read, If-Match,
// the method's change, the hooks, a compare-and-swap write with its events, and a retry when
// another writer got there first. Here another writer always wins the first compare-and-swap.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PATCH_QUIRKS } from '../../src/core/patch/dialects/index.js';
import { MemoryStore, type ResourceType, type ScimResource, type StoreContext } from '../../src/index.js';
import type { WriteOptions } from '../../src/store-kit.js';
import { closeServers, setup } from './helpers.js';

/** A MemoryStore where another writer changes the resource just before each of the first `races` writes. */
class RacedStore extends MemoryStore {
  races = 0;
  writes = 0;

  override async replace(ctx: StoreContext, type: ResourceType, id: string, resource: ScimResource, options: WriteOptions = {}): Promise<ScimResource> {
    this.writes++;
    await this.#race(ctx, type, id);
    return super.replace(ctx, type, id, resource, options);
  }

  override async delete(ctx: StoreContext, type: ResourceType, id: string, options: WriteOptions = {}): Promise<void> {
    this.writes++;
    await this.#race(ctx, type, id);
    return super.delete(ctx, type, id, options);
  }

  async #race(ctx: StoreContext, type: ResourceType, id: string): Promise<void> {
    if (this.races <= 0) return;
    this.races--;
    const current = await super.get(ctx, type, id);
    if (current) await super.replace(ctx, type, id, { ...current, title: `raced ${this.races}` });
  }
}

afterEach(async () => {
  vi.restoreAllMocks();
  await closeServers();
});

describe('a write whose first compare-and-swap another writer wins', () => {
  it('PATCH parses and normalises its operations once per request, not once per attempt', async () => {
    const store = new RacedStore();
    const { call, user, patch } = setup({ store });
    const id = (await call('POST', '/Users', user('ada'))).body.id!;
    const opNameCase = PATCH_QUIRKS.find((q) => q.name === 'opNameCase')!;
    const normalise = vi.spyOn(opNameCase, 'normalize');
    store.races = 1;
    const res = await call('PATCH', `/Users/${id}`, patch({ op: 'Add', path: 'nickName', value: 'ada' }));
    expect(res.status).toBe(200);
    // two attempts at the write: the first lost to the other writer's change
    expect(store.writes).toBe(2);
    expect(res.body).toMatchObject({ nickName: 'ada', title: 'raced 0' });
    expect(normalise).toHaveBeenCalledTimes(1);
  });

  it('PATCH with If-Match answers 412 and is not retried', async () => {
    const store = new RacedStore();
    const { call, user, patch } = setup({ store });
    const created = await call('POST', '/Users', user('ada'));
    store.races = 1;
    const res = await call('PATCH', `/Users/${created.body.id}`, patch({ op: 'add', path: 'nickName', value: 'ada' }), { 'if-match': created.headers.etag! });
    expect(res.status).toBe(412);
    expect(store.writes).toBe(1);
  });

  it('PUT without If-Match reads again and replaces what the other writer left', async () => {
    const store = new RacedStore();
    const events: string[] = [];
    const { call, user, server } = setup({ store, hooks: { onEvent: (e) => void events.push(e.type) }, events: { mode: 'beforeResponse' } });
    const id = (await call('POST', '/Users', user('ada'))).body.id!;
    store.races = 1;
    const res = await call('PUT', `/Users/${id}`, user('ada', { nickName: 'a' }));
    expect(res.status).toBe(200);
    expect(store.writes).toBe(2);
    expect(res.body.title).toBeUndefined();
    expect(res.body.nickName).toBe('a');
    await server.close();
    // the other writer wrote behind the engine's back (no event); the PUT's own update is one event
    expect(events).toEqual(['user.created', 'user.updated']);
  });

  it('PUT keeps applying to whatever is current after five lost attempts', async () => {
    const store = new RacedStore();
    const { call, user } = setup({ store });
    const id = (await call('POST', '/Users', user('ada'))).body.id!;
    store.races = 6;
    const res = await call('PUT', `/Users/${id}`, user('ada', { nickName: 'a' }));
    expect(res.status).toBe(200);
    // five compared writes lost, the sixth applies to the current version
    expect(store.writes).toBe(6);
  });

  it('DELETE without If-Match reads again and deletes', async () => {
    const store = new RacedStore();
    const { call, user } = setup({ store });
    const id = (await call('POST', '/Users', user('ada'))).body.id!;
    store.races = 1;
    const res = await call('DELETE', `/Users/${id}`);
    expect(res.status).toBe(204);
    expect(store.writes).toBe(2);
    expect((await call('GET', `/Users/${id}`)).status).toBe(404);
  });
});
