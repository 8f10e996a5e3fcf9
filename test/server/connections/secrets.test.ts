// Secrets stay out of what the server keeps: the activity log of token requests (even with
// bodies kept: the access token answered is masked) and the records of lifecycle changes.
import { MemoryStore } from 'scimkit';
import { describe, expect, it } from 'vitest';
import { ACTOR, closeAll, listen } from './helpers.js';

describe('connection secrets', () => {
  it('an access token and a client secret are never in the activity log, even with bodies kept', async () => {
    const store = new MemoryStore();
    const { scim, base, connections } = await listen({ store, activity: { bodies: true } });
    try {
      const c = await connections.create({ tenant: 'acme', name: 'Acme', settings: {}, actor: ACTOR });
      const client = await connections.oauthClient(c.id, { actor: ACTOR });
      const bearer = await connections.issueToken(c.id, { actor: ACTOR });
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret });
      const res = await fetch(`${base}/acme/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      const { access_token } = (await res.json()) as { access_token: string };
      expect(res.status).toBe(200);
      const wrong = new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: `${client.clientSecret}x` });
      await fetch(`${base}/acme/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: wrong.toString() });
      await fetch(`${base}/acme/Users`, { headers: { authorization: `Bearer ${access_token}` } });
      await scim.activity.flush();
      const kept = JSON.stringify(await scim.activity.list({ tenant: 'acme', limit: 100 }));
      expect(kept).toContain('oauth/token');
      expect(kept).toContain('"access_token":"[masked]"');
      for (const secret of [access_token, client.clientSecret, bearer.token]) expect(kept).not.toContain(secret);
    } finally {
      await closeAll();
    }
  });
});
