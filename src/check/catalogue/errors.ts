/**
 * Errors and hostile input: SCIM error bodies for what a client gets wrong, and no 5xx or hang
 * for what an attacker sends.
 * @module
 */

import type { CheckResponse } from '../http.js';
import { bodyOf, expectStatus, expectThat, type Scenario } from '../scenario.js';
import { expectError, filter, patchOps, USER_SCHEMA_ID, userBody } from './shapes.js';

/** Fails when the error names a scimType outside `allowed` (none at all is allowed: it is OPTIONAL). */
function expectScimType(r: CheckResponse, allowed: readonly string[]): void {
  const t = (r.json as { scimType?: unknown } | undefined)?.scimType;
  expectThat(t === undefined || allowed.includes(String(t)), `the 400 has scimType ${JSON.stringify(t)}, expected ${allowed.join(' or ')} (RFC 7644 §3.12)`);
}

/** A client error, not a server error: 4xx with the Error schema. */
function expectRefused(r: CheckResponse, what: string): void {
  expectThat(r.status >= 400 && r.status < 500, `${what} answered ${r.status}, expected a 4xx SCIM error`);
  expectError(r, r.status);
}

/** The errors and robustness scenarios. */
export const errorScenarios: Scenario[] = [
  {
    id: 'errors.invalid-json',
    group: 'errors',
    title: 'a body that is not JSON answers 400 with the Error schema (scimType, when given, invalidSyntax)',
    source: 'RFC 7644 §3.12 (invalidSyntax; scimType is OPTIONAL)',
    async run(ctx) {
      const r = await ctx.tryCreate(ctx.capabilities.users, { raw: '{"schemas": [' });
      expectError(r, 400);
      expectScimType(r, ['invalidSyntax', 'invalidValue']);
    },
  },
  {
    id: 'errors.missing-username',
    group: 'errors',
    title: 'a user without userName answers 400 (scimType, when given, invalidValue or invalidSyntax)',
    source: 'RFC 7643 §4.1.1 (userName REQUIRED); RFC 7644 §3.3 and §3.12 (invalidValue)',
    async run(ctx) {
      const body = userBody(ctx.unique('nameless'));
      delete body.userName;
      const r = await ctx.tryCreate(ctx.capabilities.users, { body });
      expectError(r, 400);
      expectScimType(r, ['invalidValue', 'invalidSyntax']);
    },
  },
  {
    id: 'errors.remove-without-path',
    group: 'errors',
    title: 'a PATCH remove without a path answers 400 noTarget',
    source: 'RFC 7644 §3.5.2.2 ("If \\"path\\" is unspecified … 400 … noTarget")',
    requires: ['patch'],
    async run(ctx) {
      const { id } = await ctx.createUser();
      expectError(await ctx.send('PATCH', `${ctx.capabilities.users}/${encodeURIComponent(id)}`, { body: patchOps({ op: 'remove' }) }), 400, 'noTarget');
    },
  },
  {
    id: 'errors.unknown-endpoint',
    group: 'errors',
    title: 'an unknown endpoint under the base URL answers 404',
    source: 'RFC 7644 §3.12 (404: "endpoint does not exist")',
    async run(ctx) {
      expectStatus(await ctx.send('GET', `/ScimkitCheckNoSuchEndpoint`), 404);
    },
  },
  {
    id: 'robustness.oversized-body',
    group: 'robustness',
    title: "a body past the server's stated limit (or 11 MiB) is refused or taken, never a 5xx or a hang",
    source: 'RFC 7644 §3.7.4 (413, maxPayloadSize); RFC 9110 §15.5.14',
    async run(ctx) {
      // bounded: a server claiming a huge limit is not sent a huge body
      const size = Math.min(Math.max((ctx.capabilities.maxPayloadSize ?? 11 * 1024 * 1024) + 1024, 1024 * 1024), 16 * 1024 * 1024);
      const body = JSON.stringify({ ...userBody(ctx.unique('big')), nickName: 'x'.repeat(size) });
      let r: CheckResponse;
      try {
        r = await ctx.tryCreate(ctx.capabilities.users, { raw: body });
      } catch (e) {
        // closing the connection on an oversized body is a refusal too
        if (/ECONNRESET|EPIPE|UND_ERR_SOCKET|SocketError/.test((e as Error).message)) return;
        throw e;
      }
      expectThat(r.status < 500, `a ${Math.round(size / 1024)} KiB body answered ${r.status}, expected 413 (or any answer but a 5xx)`);
    },
  },
  {
    id: 'robustness.deep-nesting',
    group: 'robustness',
    title: 'JSON nested 100,000 deep answers a 4xx SCIM error, not a 5xx',
    source: 'RFC 7644 §3.12; RFC 8259 §9 (implementations may limit nesting)',
    async run(ctx) {
      const depth = 100_000;
      const raw = `{"schemas":["${USER_SCHEMA_ID}"],"userName":"${ctx.unique('deep')}","nickName":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const r = await ctx.tryCreate(ctx.capabilities.users, { raw });
      expectRefused(r, 'a 100,000-deep body');
    },
  },
  {
    id: 'robustness.deep-filter',
    group: 'robustness',
    title: 'a filter of 1,000 nested parentheses answers a result or a 4xx, not a 5xx',
    source: 'RFC 7644 §3.4.2.2 and §3.12 (invalidFilter)',
    requires: ['filter'],
    async run(ctx) {
      // 1,000 deep fits the 16 KiB request line Node and most proxies accept, so the filter parser sees it
      const r = await ctx.send('GET', `${ctx.capabilities.users}${filter(`${'('.repeat(1000)}userName eq "x"${')'.repeat(1000)}`)}`);
      // the grammar allows the nesting (RFC 7644 §3.4.2.2): a result or any refusal passes, a 5xx does not
      expectThat(r.status < 500, `a 1,000-deep filter answered ${r.status}, expected 200 or a 4xx`);
    },
  },
  {
    id: 'robustness.huge-count',
    group: 'robustness',
    title: 'count=2147483648 is capped at the server maximum (RFC: "MAY be less"), not a 5xx',
    source: 'RFC 7644 §3.4.2.4 and §3.4.2 (filter.maxResults)',
    async run(ctx) {
      // filtered to match nothing: a live tenant is not listed whole
      const r = await ctx.send(
        'GET',
        `${ctx.capabilities.users}${filter(`userName eq ${JSON.stringify(ctx.unique('nobody'))}`, '&count=2147483648&attributes=id')}`,
      );
      expectThat(r.status === 200 || (r.status >= 400 && r.status < 500), `count=2147483648 answered ${r.status}`);
      if (r.status !== 200) return expectError(r, r.status);
      const b = bodyOf(r);
      const max = ctx.capabilities.maxResults;
      if (max !== undefined)
        expectThat(Array.isArray(b.Resources) ? b.Resources.length <= max : true, `count=2147483648 answered more than filter.maxResults ${max}`);
    },
  },
];
