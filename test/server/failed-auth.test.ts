// The failed-authentication budget blocks a guesser, never the client whose credential is
// valid: failures are counted per (source, tenant named, credential), so the IdP's own
// requests from the address a guesser shares with it (a NAT, a proxy) pass while the
// guesser's are refused before their token is looked up.
import { describe, expect, it } from 'vitest';
import { bearerTokens, createScimServer, generateToken, hashToken, type ScimServer, silentLogger, type TenantToken } from '../../src/index.js';

const GOOD = generateToken();
const OTHER = generateToken();
const ADDRESS = '192.0.2.44';

function serve(options: { tenantInPath?: boolean; failedAuthPerSource?: { burst: number; perSecond: number } } = {}) {
  const records: TenantToken[] = [
    { tenant: 'acme', tokenHash: hashToken(GOOD), tokenId: 'acme-1' },
    { tenant: 'globex', tokenHash: hashToken(OTHER), tokenId: 'globex-1' },
  ];
  const looked: string[] = [];
  const scim: ScimServer = createScimServer({
    // a lookup function, as a host's database would answer: counted, to see what was looked up
    authenticate: bearerTokens((hash) => {
      looked.push(hash);
      return records.find((r) => r.tokenHash === hash);
    }),
    tenantInPath: options.tenantInPath ?? true,
    logger: silentLogger,
    activity: false,
    ...(options.failedAuthPerSource ? { rateLimits: { failedAuthPerSource: options.failedAuthPerSource } } : {}),
  });
  const get = (token: string, tenant = 'acme', remoteAddress = ADDRESS) =>
    scim.handle({
      method: 'GET',
      path: options.tenantInPath === false ? '/Users' : `/${tenant}/Users`,
      headers: { authorization: `Bearer ${token}` },
      remoteAddress,
    });
  return { scim, get, looked };
}

describe('failed authentications', () => {
  it('after 25 bad requests with one wrong token, that token is refused (429) but a valid token from the same address gets 200', async () => {
    const { get } = serve();
    const wrong = generateToken();
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await get(wrong)).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(21)).toEqual([429, 429, 429, 429]);
    expect((await get(GOOD)).status).toBe(200);
    // and the wrong one stays refused
    expect((await get(wrong)).status).toBe(429);
  });

  it('after 25 bad requests each with a new wrong token, a valid token (never seen before) from the same address gets 200', async () => {
    const { get } = serve();
    for (let i = 0; i < 25; i++) await get(generateToken());
    expect((await get(GOOD)).status).toBe(200);
  });

  it('without tenants in the path: 25 wrong tokens, then a valid one from the same address, 200', async () => {
    const { get } = serve({ tenantInPath: false });
    const wrong = generateToken();
    for (let i = 0; i < 25; i++) await get(wrong);
    expect((await get(GOOD)).status).toBe(200);
  });

  it('a blocked credential is refused before its token is looked up, for that credential only', async () => {
    const { get, looked } = serve({ failedAuthPerSource: { burst: 3, perSecond: 0.001 } });
    const wrong = generateToken();
    for (let i = 0; i < 3; i++) expect((await get(wrong)).status).toBe(401);
    expect((await get(wrong)).status).toBe(429);
    const lookups = looked.length;
    const refused = await get(wrong);
    expect([refused.status, looked.length]).toEqual([429, lookups]);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // the same wrong token from another address, and the valid one from this address, are looked up
    expect((await get(wrong, 'acme', '198.51.100.1')).status).toBe(401);
    expect((await get(GOOD)).status).toBe(200);
    expect(looked.length).toBe(lookups + 2);
  });

  it('a guesser rotating tokens and tenant names from one address is blocked before look-up once past the per-address budget', async () => {
    const { get, looked } = serve();
    const statuses: number[] = [];
    for (let i = 0; i < 400; i++) statuses.push((await get(generateToken(), `t${i}`)).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(200);
    // look-ups stop with the budget: its burst and what refilled while the loop ran
    expect(looked.length).toBeLessThan(200);
  });

  it('with a guesser hammering from the same address, every request of the real client gets 200', async () => {
    const { get } = serve();
    // the IdP's connection has been working before the guesser starts
    expect((await get(GOOD)).status).toBe(200);
    let stop = false;
    const guesser = (async () => {
      let n = 0;
      while (!stop) {
        await get(n % 2 ? generateToken() : 'the-same-wrong-token-0123456789-0123456789', n % 3 ? 'acme' : `t${n}`);
        n++;
        if (n % 20 === 0) await new Promise((r) => setImmediate(r));
      }
      return n;
    })();
    const real: number[] = [];
    for (let i = 0; i < 60; i++) {
      real.push((await get(GOOD)).status);
      await new Promise((r) => setTimeout(r, 5));
    }
    stop = true;
    const guesses = await guesser;
    expect(guesses).toBeGreaterThan(200);
    expect(real.filter((s) => s !== 200)).toEqual([]);
  });

  it("a valid token of another tenant sent to acme's path counts as a failure of that credential only", async () => {
    const { get } = serve({ failedAuthPerSource: { burst: 2, perSecond: 0.001 } });
    expect([(await get(OTHER)).status, (await get(OTHER)).status, (await get(OTHER)).status]).toEqual([401, 401, 429]);
    expect((await get(OTHER, 'globex')).status).toBe(200);
    expect((await get(GOOD)).status).toBe(200);
  });
});
