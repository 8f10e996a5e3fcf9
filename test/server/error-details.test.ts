// The detail of an error is read by the customer's admin in the IdP's provisioning log: it speaks
// of the resource and what to do, never of scimkit's options, hooks or classes. What the host
// could change about an outcome goes to the server log. This test lists those names from the
// types of the options (and every runtime export) and scans the details of a broad set of bad
// requests: the scimkit check catalogue, the hostile inputs, and requests that reach each kind
// of refusal, over HTTP on a real listening server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toNodeHandler } from '../../src/adapters/node.js';
import * as postgres from '../../src/addons/postgres/index.js';
import { runChecks } from '../../src/check/index.js';
import type { AttributeDefinition } from '../../src/core/schema/attribute.js';
import { COMMON_ATTRIBUTES } from '../../src/core/schema/builtin/common.js';
import { ResourceTypeSchema, SchemaSchema, ServiceProviderConfigSchema } from '../../src/core/schema/builtin/discovery.js';
import * as scimkit from '../../src/index.js';
import { bearerToken, createScimServer, linkAccounts, MemoryStore, SchemaRegistry, type ScimResponse, type ScimServer } from '../../src/index.js';
import { hostileBodies } from '../hardening/hostile-inputs.js';

const root = join(import.meta.dirname, '../..');
const TOKEN = 'details-token-0123456789-0123456789-0123456789';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

/** A name shaped like code (`adoptByEmail`, `MemoryStore`): a lower-case letter followed by an upper-case one. */
const codeShaped = (name: string) => /[a-z][A-Z]/.test(name);

/** The names a host writes in its code: every property of the options' types (and their nested types) declared in src/, and the string values they take. */
function optionNames(): Set<string> {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const entry = join(root, 'src/index.ts');
  const program = ts.createProgram([entry], config.options);
  const checker = program.getTypeChecker();
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!);
  const src = join(root, 'src');
  const out = new Set<string>();
  const seen = new Set<ts.Type>();
  const walk = (type: ts.Type): void => {
    if (seen.has(type)) return;
    seen.add(type);
    if (type.isUnion() || type.isIntersection()) {
      for (const t of type.types) walk(t);
      return;
    }
    if (type.isStringLiteral()) {
      out.add(type.value);
      return;
    }
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      for (const t of checker.getTypeArguments(type as ts.TypeReference)) walk(t);
      return;
    }
    for (const p of checker.getPropertiesOfType(type)) {
      if (!p.declarations?.some((d) => d.getSourceFile().fileName.startsWith(src))) continue;
      out.add(p.name);
      walk(checker.getNonNullableType(checker.getTypeOfSymbol(p)));
    }
  };
  // the server's options reach its hooks, store, limits, events; linking and the IdPs' quirks are named by the host too
  for (const name of ['ScimServerOptions', 'AccountLookup', 'PatchQuirkName', 'BearerTokensOptions']) {
    const symbol = exports.find((s) => s.name === name);
    if (!symbol) throw new Error(`${name} is not exported`);
    walk(checker.getDeclaredTypeOfSymbol(symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol));
  }
  for (const name of [...Object.keys(scimkit), ...Object.keys(postgres)]) out.add(name);
  return out;
}

/** SCIM's own names, which a detail may well use: attribute and resource names of the schemas, and the RFCs' request and response members. */
function scimVocabulary(): Set<string> {
  const registry = new SchemaRegistry();
  const out = new Set<string>([
    // RFC 7644 §3.4.2, §3.4.3, §3.5.2, §3.7, §3.12, §4 and RFC 9865
    ...['ServiceProviderConfig', 'ResourceTypes', 'ResourceType'],
    ...['sortBy', 'sortOrder', 'startIndex', 'excludedAttributes', 'itemsPerPage', 'totalResults', 'failOnErrors', 'bulkId', 'scimType'],
    ...['nextCursor', 'previousCursor', 'ListResponse', 'SearchRequest', 'BulkRequest', 'BulkResponse', 'PatchOp'],
  ]);
  const add = (attrs: readonly AttributeDefinition[]) => {
    for (const a of attrs) {
      out.add(a.name);
      if (a.subAttributes) add(a.subAttributes);
    }
  };
  add(COMMON_ATTRIBUTES);
  for (const s of [...registry.schemas(), ServiceProviderConfigSchema, ResourceTypeSchema, SchemaSchema]) {
    out.add(s.name);
    add(s.attributes);
  }
  for (const t of registry.resourceTypes()) out.add(t.name);
  return out;
}

const details: { request: string; detail: string }[] = [];
const hints: string[] = [];
let http: Server;
let base: string;

beforeAll(async () => {
  const logger = {
    info: () => {},
    error: () => {},
    warn: (fields: Record<string, unknown>) => void (typeof fields.hint === 'string' && hints.push(fields.hint)),
  };
  const scim = createScimServer({
    authenticate: bearerToken(TOKEN),
    store: new MemoryStore(),
    // strict: the member removal Entra ID sends is refused, with what would accept it
    compatibility: 'strict',
    uniqueGroupDisplayName: true,
    rateLimits: false,
    logger,
    limits: { maxBulkOperations: 3 },
    hooks: { linkUser: linkAccounts({ byEmail: (_ctx, email) => (email.toLowerCase() === 'taken@example.com' ? 'acc-1' : undefined) }) },
  });
  const collect = (request: string, res: ScimResponse): ScimResponse => {
    const body = res.body as { detail?: unknown; Operations?: { response?: { detail?: unknown } }[] } | undefined;
    if (typeof body?.detail === 'string') details.push({ request, detail: body.detail });
    for (const op of body?.Operations ?? [])
      if (typeof op.response?.detail === 'string') details.push({ request: `${request} (Bulk)`, detail: op.response.detail });
    return res;
  };
  const seen: ScimServer = Object.assign(Object.create(scim) as ScimServer, {
    handle: async (r: Parameters<ScimServer['handle']>[0]) => collect(`${r.method} ${r.path}?${r.query ?? ''}`, await scim.handle(r)),
    refuse: (r: Parameters<ScimServer['refuse']>[0], e: scimkit.ScimError) => collect(`${r.method} ${r.path}`, scim.refuse(r, e)),
  });
  http = createServer(toNodeHandler(seen, { basePath: '/scim/v2' }));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/scim/v2`;
});
afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));

async function send(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('error details name no option, hook or class of scimkit', () => {
  it('lists the names to look for, not SCIM’s own', () => {
    const names = optionNames();
    for (const n of [
      'linkAccounts',
      'adoptByEmail',
      'removeMembersByValue',
      'compatibilityByClient',
      'maxBulkOperations',
      'onEvent',
      'linkUser',
      'MemoryStore',
      'PostgresStore',
      'softDelete',
    ])
      expect(names, n).toContain(n);
    const vocabulary = scimVocabulary();
    for (const n of ['userName', 'displayName', 'maxResults', 'ServiceProviderConfig', 'sortBy']) expect(vocabulary, n).toContain(n);
  });

  it('in every refusal of the check catalogue, the hostile inputs and a request for each kind of refusal', async () => {
    await runChecks({ baseUrl: base, token: TOKEN });
    for (const [, method, path, body] of hostileBodies) await send(method, path, body);

    const user = await send('POST', '/Users', { schemas: [U], userName: 'details-user', emails: [{ value: 'details@example.com' }] });
    const group = await send('POST', '/Groups', { schemas: [G], displayName: 'details-group', members: [{ value: user.body.id }] });
    const [uid, gid] = [user.body.id as string, group.body.id as string];
    const patch = (...Operations: unknown[]) => ({ schemas: [PATCH], Operations });
    const bad: [string, string, unknown?, Record<string, string>?][] = [
      // account linking, member removal by value under strict
      ['POST', '/Users', { schemas: [U], userName: 'details-taken', emails: [{ value: 'Taken@example.com' }] }],
      ['PATCH', `/Groups/${gid}`, patch({ op: 'remove', path: 'members', value: [{ value: uid }] })],
      // bodies, media types, endpoints, methods
      ['POST', '/Users', '{"schemas":', undefined],
      ['POST', '/Users', { schemas: [U] }, { 'content-type': 'text/plain' }],
      ['POST', '/Users', { schemas: [U], userName: 'x'.repeat(2_000_000) }],
      ['GET', '/Nope'],
      ['DELETE', '/Users'],
      ['GET', '/Users/no-such-id'],
      ['GET', '/Schemas/urn:no:such'],
      ['GET', '/ResourceTypes/Nope'],
      ['GET', '/ServiceProviderConfig?filter=a%20pr'],
      ['GET', '/Me'],
      ['GET', '/Users', undefined, { authorization: 'Bearer wrong-token-0123456789-0123456789' }],
      // lists
      ['GET', `/Users?filter=${encodeURIComponent('userName eq')}`],
      ['GET', `/Users?filter=${encodeURIComponent('nope eq "x"')}`],
      ['GET', `/Users?filter=${encodeURIComponent('emails eq "x"')}`],
      ['GET', `/Users?filter=${encodeURIComponent('active gt "x"')}`],
      ['GET', `/Users?filter=${encodeURIComponent('meta.created gt "yesterday"')}`],
      ['GET', `/Users?filter=${encodeURIComponent('userName[value eq "x"]')}`],
      ['GET', `/Users?filter=${encodeURIComponent(Array.from({ length: 200 }, (_, i) => `emails[value co "q${i}"]`).join(' or '))}`],
      ['GET', '/Users?sortBy=nope'],
      ['GET', '/Users?sortBy=emails'],
      ['GET', '/Users?sortBy=userName&sortOrder=sideways'],
      ['GET', '/Users?count=many'],
      ['GET', '/Users?cursor=garbage'],
      ['POST', '/Users/.search', { schemas: ['urn:no'] }],
      ['POST', '/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], cursor: '' }],
      // writes
      ['POST', '/Users', { schemas: [U], userName: 'details-user' }],
      ['POST', '/Users', { schemas: [U], userName: 'details-2', nope: 1 }],
      ['POST', '/Users', { schemas: [U], userName: 'details-3', emails: 'x' }],
      ['POST', '/Groups', { schemas: [G], displayName: 'details-group' }],
      ['POST', '/Groups', { schemas: [G], displayName: 'details-g2', members: [{ value: 'no-such-member' }] }],
      ['PUT', `/Users/${uid}`, { schemas: [U], userName: 'details-user' }, { 'if-match': 'W/"nope"' }],
      ['PATCH', `/Users/${uid}`, { Operations: [] }],
      ['PATCH', `/Users/${uid}`, patch()],
      ['PATCH', `/Users/${uid}`, patch({ op: 'move', path: 'userName', value: 'x' })],
      ['PATCH', `/Users/${uid}`, patch({ op: 'replace', path: 'id', value: 'x' })],
      ['PATCH', `/Users/${uid}`, patch({ op: 'replace', path: 'nope', value: 'x' })],
      ['PATCH', `/Users/${uid}`, patch({ op: 'replace', path: 'emails[type eq "work"].nope', value: 'x' })],
      ['PATCH', `/Users/${uid}`, patch({ op: 'replace', path: 'emails.value', value: 'x' })],
      ['PATCH', `/Users/${uid}`, patch({ op: 'remove' })],
      ['PATCH', `/Users/${uid}`, patch({ op: 'remove', path: 'emails[type eq "nope"]' })],
      ['PATCH', `/Users/${uid}`, patch({ op: 'add', path: 'emails' })],
      ['PATCH', `/Users/${uid}`, patch({ op: 'add', value: 'x' })],
      ['PATCH', `/Users/${uid}`, patch({ op: 'replace', path: 'userName[', value: 'x' })],
      ['PATCH', `/Users/${uid}`, patch(...Array.from({ length: 1001 }, () => ({ op: 'replace', path: 'title', value: 'x' })))],
      // Bulk
      ['POST', '/Bulk', []],
      ['POST', '/Bulk', { schemas: [BULK], Operations: Array.from({ length: 4 }, (_, i) => ({ method: 'DELETE', path: `/Users/${i}` })) }],
      ['POST', '/Bulk', { schemas: [BULK], failOnErrors: 'x', Operations: [] }],
      ['POST', '/Bulk', { schemas: [BULK], Operations: [{ method: 'GET', path: '/Users' }] }],
      ['POST', '/Bulk', { schemas: [BULK], Operations: [{ method: 'POST', path: '/Users', data: {} }] }],
      [
        'POST',
        '/Bulk',
        {
          schemas: [BULK],
          Operations: [
            { method: 'POST', path: '/Groups', bulkId: 'a', data: { schemas: [G], displayName: 'a', members: [{ value: 'bulkId:b' }] } },
            { method: 'POST', path: '/Groups', bulkId: 'b', data: { schemas: [G], displayName: 'b', members: [{ value: 'bulkId:a' }] } },
          ],
        },
      ],
      [
        'POST',
        '/Bulk',
        {
          schemas: [BULK],
          Operations: [
            { method: 'POST', path: '/Users', bulkId: 'u', data: { schemas: [U], userName: 'details-bulk', emails: [{ value: 'taken@example.com' }] } },
            { method: 'PATCH', path: `/Groups/${gid}`, data: patch({ op: 'remove', path: 'members', value: [{ value: uid }] }) },
            { method: 'POST', path: '/Bulk', bulkId: 'n', data: {} },
          ],
        },
      ],
    ];
    for (const [method, path, body, headers] of bad) {
      const r = await send(method, path, body, headers);
      expect(r.status, `${method} ${path}`).toBeGreaterThanOrEqual(200);
    }

    const vocabulary = scimVocabulary();
    const names = [...optionNames()].filter((n) => codeShaped(n) && !vocabulary.has(n));
    const named = details.flatMap(({ request, detail }) =>
      names.filter((n) => new RegExp(`\\b${n}\\b`).test(detail)).map((n) => `${request}: ${n} in "${detail}"`),
    );
    expect(details.length).toBeGreaterThan(60);
    expect(named).toEqual([]);
    // what the host could change is in its log instead
    expect(hints.some((h) => /\badoptByEmail\b/.test(h))).toBe(true);
    expect(hints.some((h) => /\bremoveMembersByValue\b/.test(h) && /\bcompatibility\b/.test(h))).toBe(true);
  }, 120_000);
});
