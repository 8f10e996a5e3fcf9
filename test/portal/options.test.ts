// adminPortal refuses bad options when it is made, naming the option.
import { createScimServer, MemoryStore } from 'scimkit';
import { type AdminPortalOptions, adminPortal } from 'scimkit/portal';
import { describe, expect, it } from 'vitest';

const scim = createScimServer({ store: new MemoryStore(), connections: {} });
const ok: AdminPortalOptions = { basePath: '/scim-admin', scimUrl: 'https://app.example.com/scim/v2/{tenant}' };

describe('adminPortal options', () => {
  it('needs a server made with connections', () => {
    expect(() => adminPortal(createScimServer({ store: new MemoryStore() }), ok)).toThrow(/connections/);
    expect(adminPortal(scim, ok).basePath).toBe('/scim-admin');
  });
  it.each([
    [{ basePath: 'scim-admin' }, /basePath/],
    [{ basePath: '/scim-admin/' }, /basePath/],
    [{ basePath: '/a b' }, /basePath/],
    [{ scimUrl: 'ftp://x' }, /scimUrl/],
    [{ secret: 'short' }, /secret/],
    [{ baseUrl: 'https://app.example.com/path' }, /baseUrl/],
    [{ sessionMs: 1000 }, /sessionMs/],
    [{ actionsPerMinute: 0 }, /actionsPerMinute/],
    [{ frameAncestors: ["'self' *"] }, /frameAncestors/],
    [{ fields: [{ name: 'a-b', label: 'A', type: 'text' }] }, /field name/],
    [
      {
        fields: [
          { name: 'a', label: 'A', type: 'text' },
          { name: 'a', label: 'B', type: 'text' },
        ],
      },
      /twice/,
    ],
    [{ fields: [{ name: 'a', label: '', type: 'text' }] }, /label/],
    [{ brand: { accent: 'red;}' } }, /brand.accent/],
  ] as [Partial<AdminPortalOptions>, RegExp][])('refuses %o', (bad, message) => {
    expect(() => adminPortal(scim, { ...ok, ...bad } as AdminPortalOptions)).toThrow(message);
  });
});

describe('adminPortal options: paths that lead elsewhere', () => {
  it.each([
    [{ signInUrl: '//evil.example/login' }, /signInUrl/],
    [{ signInUrl: '/\\evil.example' }, /signInUrl/],
    [{ brand: { homeUrl: '//evil.example' } }, /homeUrl/],
    [{ brand: { logoUrl: '/\\evil.example/x.png' } }, /logoUrl/],
    [
      {
        idps: {
          okta: {
            id: 'okta',
            name: 'Okta',
            guide: null,
            credentials: ['bearer'],
            steps: [{ title: 'x', text: 'an **unclosed' }],
            mappings: [],
            troubleshooting: [],
          },
        },
      },
      /idps\.okta/,
    ],
  ] as [Partial<AdminPortalOptions>, RegExp][])('refuses %o', (bad, message) => {
    expect(() => adminPortal(scim, { ...ok, ...bad } as AdminPortalOptions)).toThrow(message);
  });
});
