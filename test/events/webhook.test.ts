// Webhooks through a real listening server on 127.0.0.1: signed as Standard Webhooks says,
// retried with the same webhook-id, filtered by tenant and type.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  bearerTokens,
  createScimServer,
  generateWebhookSecret,
  hashToken,
  MemoryStore,
  type ScimServer,
  signWebhook,
  silentLogger,
  verifyWebhook,
} from '../../src/index.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const TOKENS = { a: 'webhook-token-a-0123456789-0123456789-01', b: 'webhook-token-b-0123456789-0123456789-01' };

describe('signWebhook and verifyWebhook', () => {
  it('sign the Standard Webhooks example as the specification does', () => {
    // the example of the Standard Webhooks specification
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    expect(verifyWebhook(secret, headers, body, 300, 1614265330_000)).toBe(true);
    expect(verifyWebhook(secret, headers, `${body} `, 300, 1614265330_000)).toBe(false);
    // stale: a replay an hour later
    expect(verifyWebhook(secret, headers, body, 300, 1614268930_000)).toBe(false);
    expect(generateWebhookSecret()).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  });
});

describe('webhook delivery', () => {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  let failures = 0;
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (failures > 0) {
        failures--;
        res.writeHead(503).end();
      } else res.writeHead(204).end();
    });
  });
  const url = new Promise<string>((r) => receiver.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/scim`)));
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));
  const open: ScimServer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    received.length = 0;
  });

  it('POSTs each event signed; a failed POST is retried with the same webhook-id, and onEvent does not get it twice', async () => {
    const secret = generateWebhookSecret();
    const seen: string[] = [];
    const scim = createScimServer({
      authenticate: bearerTokens([
        { tenant: 'a', tokenHash: hashToken(TOKENS.a), workspace: 'ws-a' },
        { tenant: 'b', tokenHash: hashToken(TOKENS.b) },
      ]),
      store: new MemoryStore(),
      hooks: { onEvent: (e) => void seen.push(e.eventId) },
      events: { webhooks: [{ url: await url, secret, tenant: 'a', types: ['user.created', 'user.deactivated'] }], retryBaseMs: 5, pollMs: 10 },
      logger: silentLogger,
    });
    open.push(scim);
    const call = (token: string, method: string, path: string, body: unknown) =>
      scim.handle({ method, path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) });
    failures = 2;
    const u = (await call(TOKENS.a, 'POST', '/Users', { schemas: [U], userName: 'hooked' })).body as { id: string };
    await call(TOKENS.a, 'PATCH', `/Users/${u.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'title', value: 'x' }],
    });
    await call(TOKENS.b, 'POST', '/Users', { schemas: [U], userName: 'other-tenant' });
    await expect.poll(() => received.length, { timeout: 5000 }).toBe(3);
    // the failing attempts and the success carry one id; each is signed over its own timestamp
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const r of received) expect(verifyWebhook(secret, r.headers as never, r.body)).toBe(true);
    const payload = JSON.parse(received[2]!.body);
    expect(payload).toMatchObject({ type: 'user.created', data: { tenant: 'a', id: u.id, resource: { userName: 'hooked' }, context: { workspace: 'ws-a' } } });
    expect(payload.data.eventId).toBe(received[0]!.headers['webhook-id']);
    // user.updated (type filtered) and tenant b's event (tenant filtered) never came
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(3);
    // onEvent took the first event once, though the webhook needed three attempts
    await expect.poll(() => seen.length).toBe(3);
    expect(new Set(seen).size).toBe(3);
  });
});
