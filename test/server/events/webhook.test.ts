// Webhooks through a real listening server on 127.0.0.1: signed as Standard Webhooks says,
// retried with the same webhook-id, filtered by tenant and type.
import { createHmac } from 'node:crypto';
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
} from '../../../src/index.js';

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

describe('verifyWebhook takes only what the Standard Webhooks specification allows', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"test": 2432232314}';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const sig = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
  const at = 1614265330_000;
  const verify = (h: Record<string, string>) =>
    verifyWebhook(secret, { 'webhook-id': id, 'webhook-timestamp': '1614265330', 'webhook-signature': sig, ...h }, body, 300, at);

  it.each(['1614265330.0', '1.61426533e9', '0x6037bbf2', ' 1614265330', '1614265330 ', '+1614265330', '1614265330n', ''])(
    'a timestamp spelt %j is refused (integer seconds in decimal digits only)',
    (ts) => {
      expect(verify({})).toBe(true);
      expect(verify({ 'webhook-timestamp': ts })).toBe(false);
    },
  );

  it.each([`${sig}junk`, `${sig}!!`, `${sig},`, `${sig.slice(0, -1)}`, `v1, ${sig.slice(3)}`, `V1,${sig.slice(3)}`, `v1,${sig.slice(3, -1)}==`, sig.slice(3)])(
    'a signature header %j is refused',
    (header) => {
      expect(verify({ 'webhook-signature': header })).toBe(false);
    },
  );

  it('space-delimited entries: one v1 match is enough; entries of other versions are skipped', () => {
    expect(verify({ 'webhook-signature': `v1a,bm9wZQ== ${sig}` })).toBe(true);
    expect(verify({ 'webhook-signature': `v1,bm9wZQ== ${sig} v1,AAAA` })).toBe(true);
  });

  it('reads the headers in any case, from a plain object or a Headers instance', () => {
    const titled = { 'Webhook-Id': id, 'Webhook-Timestamp': '1614265330', 'Webhook-Signature': sig };
    expect(verifyWebhook(secret, titled, body, 300, at)).toBe(true);
    expect(verifyWebhook(secret, { 'WEBHOOK-ID': id, 'webhook-Timestamp': '1614265330', 'Webhook-signature': sig }, body, 300, at)).toBe(true);
    expect(verifyWebhook(secret, new Headers(titled), body, 300, at)).toBe(true);
    expect(verifyWebhook(secret, new Headers({ ...titled, 'Webhook-Signature': 'v1,bm9wZQ==' }), body, 300, at)).toBe(false);
  });

  it.each(['', 'whsec_', 'whsec_!!!!', 'whsec_c2hvcnQ=', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'])(
    'a secret %j (empty, short, not whsec_ and base64) is a TypeError, not a key anyone can forge with',
    (weak) => {
      const key = Buffer.from(weak.replace(/^whsec_/, ''), 'base64');
      const forged = `v1,${createHmac('sha256', key).update(`${id}.1614265330.${body}`).digest('base64')}`;
      expect(() => verifyWebhook(weak, { 'webhook-id': id, 'webhook-timestamp': '1614265330', 'webhook-signature': forged }, body, 300, at)).toThrow(TypeError);
      expect(() => signWebhook(weak, id, 1614265330, body)).toThrow(TypeError);
    },
  );
});

describe('webhook targets are checked when the server is made', () => {
  const make = (target: { url: string; secret: string }) =>
    createScimServer({ authenticate: bearerTokens([]), store: new MemoryStore(), events: { webhooks: [target] }, logger: silentLogger });

  it.each(['', 'whsec_', 'whsec_!!!!', 'whsec_c2hvcnQ=', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', `whsec_${Buffer.alloc(23).toString('base64')}`])(
    'a secret %j is refused: it must be whsec_ and base64 of at least 24 bytes',
    (secret) => {
      expect(() => make({ url: 'https://hooks.example.com/scim', secret })).toThrow(/events\.webhooks\[0\]\.secret .*at least 24 random bytes/);
    },
  );

  it('a secret of 24 bytes and more is taken', async () => {
    await make({ url: 'https://hooks.example.com/scim', secret: `whsec_${Buffer.alloc(24, 7).toString('base64')}` }).close();
    await make({ url: 'https://hooks.example.com/scim', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }).close();
  });

  it('a URL with credentials is refused, without printing them', () => {
    let message = '';
    try {
      make({ url: 'http://hookuser:hunter2-secret@hooks.example.com/scim?token=query-secret', secret: generateWebhookSecret() });
    } catch (e) {
      message = String(e);
    }
    expect(message).toMatch(/events\.webhooks\[0\]\.url.*credentials/);
    expect(message).not.toMatch(/hookuser|hunter2|query-secret/);
  });

  it.each(['not a url', 'ftp://hooks.example.com/scim', '/relative/hook'])('a URL %j is refused', (url) => {
    expect(() => make({ url, secret: generateWebhookSecret() })).toThrow(/events\.webhooks\[0\]\.url/);
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

  it("a failed delivery's error line and dead letter name the target without its query", async () => {
    failures = 1;
    const errors: string[] = [];
    const scim = createScimServer({
      authenticate: bearerTokens([{ tenant: 'a', tokenHash: hashToken(TOKENS.a) }]),
      store: new MemoryStore(),
      events: { webhooks: [{ url: `${await url}?token=query-secret`, secret: generateWebhookSecret() }], maxAttempts: 1, pollMs: 10 },
      logger: { ...silentLogger, error: (f, m) => void errors.push(`${m} ${JSON.stringify(f)}`) },
    });
    open.push(scim);
    await scim.handle({
      method: 'POST',
      path: '/Users',
      headers: { authorization: `Bearer ${TOKENS.a}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [U], userName: 'dead-letter' }),
    });
    await expect.poll(async () => (await scim.events.deadLetters()).length, { timeout: 5000 }).toBe(1);
    const [dead] = await scim.events.deadLetters();
    const port = new URL(await url).port;
    expect(dead!.lastError).toContain(`127.0.0.1:${port}/hooks/scim`);
    expect(dead!.lastError).toContain('503');
    expect(errors.join('\n')).toContain(`127.0.0.1:${port}/hooks/scim`);
    expect(`${dead!.lastError} ${errors.join('\n')}`).not.toContain('query-secret');
    // the receiver got the query all the same
    expect(received).toHaveLength(1);
  });
});
