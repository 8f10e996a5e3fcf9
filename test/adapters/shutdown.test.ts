// shutdown(): no new connections, requests in flight finish (bounded), event delivery stops
// after them, then `after` runs. Through a real listening server on 127.0.0.1.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { shutdown, toNodeHandler } from '../../src/adapters/node.js';
import { bearerToken, createScimServer, MemoryStore } from '../../src/index.js';
import type { SearchQuery } from '../../src/store-kit.js';

const TOKEN = 'shutdown-token-0123456789-0123456789-01';

describe('shutdown', () => {
  it('lets the request in flight finish, refuses new ones, then closes event delivery and runs after', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const inner = new MemoryStore();
    const store = Object.assign(Object.create(inner) as MemoryStore, {
      search: async (ctx: never, type: never, q: SearchQuery) => {
        await gate;
        return inner.search(ctx, type, q);
      },
    });
    const order: string[] = [];
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), store });
    const close = scim.close;
    scim.close = async () => {
      order.push('scim.close');
      await close();
    };
    const server = createServer(toNodeHandler(scim, { basePath: '/scim/v2' }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2/Users`;
    const inFlight = fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    await new Promise((r) => setTimeout(r, 50));
    const stopping = shutdown(server, scim, { after: () => void order.push('after') });
    await expect(fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).rejects.toThrow();
    expect(order).toEqual([]);
    release();
    expect((await inFlight).status).toBe(200);
    await stopping;
    expect(order).toEqual(['scim.close', 'after']);
  });

  it('cuts requests that take longer than timeoutMs', async () => {
    const store = Object.assign(Object.create(new MemoryStore()) as MemoryStore, { search: () => new Promise(() => undefined) });
    const scim = createScimServer({ authenticate: bearerToken(TOKEN), store, limits: { requestTimeoutMs: 60_000 } });
    const server = createServer(toNodeHandler(scim));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const hung = fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/Users`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await new Promise((r) => setTimeout(r, 50));
    await shutdown(server, scim, { timeoutMs: 100 });
    await expect(hung).rejects.toThrow();
  });
});
