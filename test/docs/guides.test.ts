// Every troubleshooting row of the IdP guides that quotes an error is checked against a
// running server: the request that row is about gets exactly that status and detail.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toNodeHandler } from '../../src/adapters/node.js';
import { bearerToken, createScimServer, type PatchCompatibility, silentLogger } from '../../src/index.js';
import { fixture } from '../fixtures.js';

const TOKEN = 'guide-token-0123456789-0123456789-0123456789';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
});

type Answer = { status: number; detail: string; id?: string };

/** A server with that compatibility, listening on 127.0.0.1, and a call that sends JSON as the IdPs do. */
async function serve(compatibility: PatchCompatibility): Promise<(method: string, path: string, body?: unknown, token?: string) => Promise<Answer>> {
  const scim = createScimServer({ authenticate: bearerToken(TOKEN), compatibility, uniqueGroupDisplayName: true, logger: silentLogger });
  const server = createServer(toNodeHandler(scim, { basePath: '/scim/v2' }));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`;
  return async (method, path, body, token = TOKEN) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    const json = (text ? JSON.parse(text) : {}) as { detail?: string; id?: string };
    return { status: r.status, detail: json.detail ?? '', ...(json.id ? { id: json.id } : {}) };
  };
}
const withoutSource = (name: string) => {
  const { _source: _, ...rest } = fixture(name);
  return rest;
};

/** Each quoted error, and how to make the server answer it. */
const CAUSES: Record<string, () => Promise<Answer>> = {
  'The bearer token is not valid': async () => (await serve('lenient'))('GET', '/Users', undefined, 'not-the-token-0123456789-0123456789-012345'),
  'Operations[0]: remove of members with a value would remove every value': async () => {
    const call = await serve('strict');
    const member = await call('POST', '/Users', { schemas: [U], userName: 'member@example.io' });
    const group = await call('POST', '/Groups', { schemas: [G], displayName: 'Eng', members: [{ value: member.id }] });
    return call('PATCH', `/Groups/${group.id}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: 'members', value: [{ value: member.id }] }] });
  },
  'userName "…" is already taken': async () => {
    const call = await serve('lenient');
    await call('POST', '/Users', { schemas: [U], userName: 'taken@example.io' });
    const r = await call('POST', '/Users', { schemas: [U], userName: 'taken@example.io' });
    return { ...r, detail: r.detail.replace('"taken@example.io"', '"…"') };
  },
  'schemas must include urn:ietf:params:scim:schemas:core:2.0:User': async () =>
    (await serve('strict'))('POST', '/Users', withoutSource('onelogin/put-user.json')),
  'active must be of type boolean': async () => (await serve('strict'))('POST', '/Users', { schemas: [U], userName: 'q@example.io', active: 'true' }),
  'emails must be a multi-valued array': async () =>
    (await serve('strict'))('POST', '/Users', { schemas: [U], userName: 'e@example.io', emails: { value: 'e@example.io' } }),
  'at position 12: expected a value: a "string", a number, true, false or null, found "jsmith"': async () =>
    (await serve('lenient'))('GET', `/Users?filter=${encodeURIComponent('userName eq jsmith')}`),
};

const GUIDES = ['guide-jumpcloud.md', 'guide-google-workspace.md', 'guide-onelogin.md', 'guide-ping-identity.md'];

describe.each(GUIDES)('docs/%s', (name) => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs', name), 'utf8');
  const rows = [...doc.matchAll(/^\| (\d{3}) `([^`]+)` +\|/gm)].map((m) => ({ status: Number(m[1]), detail: m[2]! }));

  it('says the IdP needs a public HTTPS tenant URL, and how to get one while developing', () => {
    expect(doc).toMatch(/public HTTPS tenant URL\*\* \(docs\/public-url\.md: a tunnel while developing\)/);
  });

  it('has troubleshooting rows, each quoting an error the server really answers', async () => {
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      const cause = CAUSES[row.detail];
      expect(cause, `no check for the row "${row.detail}"`).toBeDefined();
      const answered = await cause!();
      expect([answered.status, answered.detail.startsWith(row.detail) ? row.detail : answered.detail]).toEqual([row.status, row.detail]);
    }
  });
});
