// Setup links: signed claims, expiry, single use; the memory store of used ids is bounded
// without ever letting a link open twice.
import { describe, expect, it } from 'vitest';
import { linkClaims, linkToken, MemoryLinkRedemptions } from '../../src/portal/links.js';

const KEY = 'k'.repeat(32);

describe('setup links', () => {
  it('carry tenant, actor and expiry, signed; another key or a changed byte is invalid', () => {
    const { token, claims } = linkToken(KEY, { tenant: 'acme', actor: 'it@acme.io', expiresIn: 60 }, 1000);
    expect(claims).toMatchObject({ tenant: 'acme', actor: 'it@acme.io', expiresAt: 61_000 });
    expect(linkClaims(KEY, token, 2000)).toEqual(claims);
    expect(linkClaims('j'.repeat(32), token, 2000)).toBe('invalid');
    expect(linkClaims(KEY, `${token.slice(0, -2)}AA`, 2000)).toBe('invalid');
    expect(linkClaims(KEY, 'garbage', 2000)).toBe('invalid');
    expect(linkClaims(KEY, token, 61_000)).toBe('expired');
  });
  it('refuse bad options', () => {
    expect(() => linkToken(KEY, { tenant: 'acme', actor: '' }, 0)).toThrow(TypeError);
    expect(() => linkToken(KEY, { tenant: 'acme', actor: 'a', expiresIn: 0 }, 0)).toThrow(TypeError);
    expect(() => linkToken(KEY, { tenant: 'acme', actor: 'a', expiresIn: 8 * 24 * 3600 }, 0)).toThrow(TypeError);
  });
  it('open once; a full memory refuses new ones until old ones expire', () => {
    const r = new MemoryLinkRedemptions(2);
    const later = new Date(Date.now() + 60_000);
    expect(r.redeem('a', later)).toBe(true);
    expect(r.redeem('a', later)).toBe(false);
    expect(r.redeem('b', later)).toBe(true);
    expect(r.redeem('c', later)).toBe(false);
    const gone = new MemoryLinkRedemptions(1);
    expect(gone.redeem('x', new Date(Date.now() - 1))).toBe(true);
    // x had expired: forgotten to make room (an expired link is refused before it is redeemed)
    expect(gone.redeem('y', later)).toBe(true);
    expect(gone.redeem('z', later)).toBe(false);
  });
});
