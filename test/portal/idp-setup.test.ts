import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENT_NAMES } from '../../src/index.js';
import { CREDENTIAL_PLACEHOLDERS, IDP_SETUPS, type IdpSetup, PORTAL_IDPS, type SetupCredential } from '../../src/portal/idp-setup.js';
import { parseSetupText, type SetupPlaceholder } from '../../src/portal/setup-text.js';

const setups = PORTAL_IDPS.map((id) => [id, IDP_SETUPS[id]] as const);

/** Every markup text of a setup, named for the failure message. */
function markupTexts(setup: IdpSetup): [string, string][] {
  return [
    ...setup.steps.map((s, i): [string, string] => [`steps[${i}].text`, s.text]),
    ...setup.mappings.flatMap((m, i): [string, string][] => [
      [`mappings[${i}].source`, m.source],
      ...(m.note === undefined ? [] : [[`mappings[${i}].note`, m.note] as [string, string]]),
    ]),
    ...setup.troubleshooting.flatMap((t, i): [string, string][] => [
      [`troubleshooting[${i}].symptom`, t.symptom],
      [`troubleshooting[${i}].fix`, t.fix],
    ]),
  ];
}

const placeholdersOf = (text: string): SetupPlaceholder[] => parseSetupText(text).flatMap((t) => (t.kind === 'placeholder' ? [t.name] : []));

describe('IDP_SETUPS', () => {
  it('lists every IdP once, in the display order, each under its own id', () => {
    expect(PORTAL_IDPS).toEqual(['entra', 'okta', 'google', 'onelogin', 'jumpcloud', 'ping', 'other']);
    expect(Object.keys(IDP_SETUPS).sort()).toEqual([...PORTAL_IDPS].sort());
    for (const [id, setup] of setups) expect(setup.id).toBe(id);
  });

  it('names each IdP as the activity log does (CLIENT_NAMES), and the generic client as such', () => {
    for (const [id, setup] of setups) expect(setup.name).toBe(id === 'other' ? 'Other SCIM 2.0 client' : CLIENT_NAMES[id]);
  });

  it.each(setups)('%s: every markup text parses, and step titles are plain words', (_id, setup) => {
    for (const [where, text] of markupTexts(setup)) expect(() => parseSetupText(text), where).not.toThrow();
    for (const step of setup.steps) expect(parseSetupText(step.title)).toEqual([{ kind: 'text', value: step.title }]);
  });

  it.each(setups)('%s: the steps place the tenant URL and the fields of each credential it lists, and no other credential', (_id, setup) => {
    const placed = new Set(setup.steps.flatMap((s) => placeholdersOf(s.text)));
    expect(placed.has('tenantUrl')).toBe(true);
    expect(setup.credentials.length).toBeGreaterThan(0);
    expect(new Set(setup.credentials).size).toBe(setup.credentials.length);
    for (const credential of Object.keys(CREDENTIAL_PLACEHOLDERS) as SetupCredential[]) {
      const fields = CREDENTIAL_PLACEHOLDERS[credential];
      const listed = setup.credentials.includes(credential);
      for (const field of fields) expect(placed.has(field), `${credential}: {${field}}`).toBe(listed);
      // nowhere else either: a fix must not send the admin to a credential the IdP cannot use
      if (!listed)
        for (const [where, text] of markupTexts(setup))
          expect(
            placeholdersOf(text).filter((p) => fields.includes(p)),
            where,
          ).toEqual([]);
    }
  });

  it('says Okta, Google, OneLogin and JumpCloud send a bearer token only; Entra ID and PingOne an OAuth client too', () => {
    expect(Object.fromEntries(setups.map(([id, s]) => [id, s.credentials]))).toEqual({
      entra: ['oauthClient', 'bearer'],
      okta: ['bearer'],
      google: ['bearer'],
      onelogin: ['bearer'],
      jumpcloud: ['bearer'],
      ping: ['oauthClient', 'bearer'],
      other: ['bearer'],
    });
  });

  it.each(setups)('%s: maps userName, and says what to do on a stale token, a taken userName and a 429', (_id, setup) => {
    expect(setup.mappings.map((m) => m.attribute)).toContain('userName');
    const symptoms = setup.troubleshooting.map((t) => t.symptom).join('\n');
    expect(symptoms).toContain('401 `The bearer token is not valid`');
    expect(symptoms).toContain('`The token has expired`');
    expect(symptoms).toContain('409 `userName "…" is already taken`');
    expect(symptoms).toContain('429');
  });

  it.each(setups)('%s: names a guide that exists in docs/ (only the generic client has none)', (id, setup) => {
    if (id === 'other') expect(setup.guide).toBeNull();
    else expect(existsSync(join(import.meta.dirname, '../../docs', setup.guide!)), setup.guide!).toBe(true);
  });
});
