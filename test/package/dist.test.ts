// The built package (dist/) as an application loads it, with require and with import: what the
// tests against src/ cannot show, since there every entry is the same source. A subpath entry
// that carried its own copy of a core class (ScimError) answered a database outage 500 under
// require where import answered 503. Needs a fresh build: `npm run check:package` packs one
// (prepack builds) and runs this file with SCIMKIT_TARBALL set; the plain unit run skips it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const fixture = join(import.meta.dirname, 'fixtures/shared-classes.cjs');

/** Runs the fixture from the repository, where `scimkit` resolves to its own dist/. */
function loaded(mode: 'import' | 'require'): Record<string, unknown> {
  return JSON.parse(execFileSync(process.execPath, [fixture, mode], { cwd: root, encoding: 'utf8', timeout: 30_000 }));
}

describe.runIf(process.env.SCIMKIT_TARBALL)('dist/ loaded both ways (run by npm run check:package)', () => {
  describe.each(['require', 'import'] as const)('with %s', (mode) => {
    let out: Record<string, unknown>;
    beforeAll(() => {
      out = loaded(mode);
    });

    it('a database that is down answers 503 with Retry-After, not 500', () => {
      expect(out.databaseDown).toMatchObject({ status: 503, retryAfter: '1' });
      expect(out.databaseDownThrown).toEqual({ instanceOfScimError: true, status: 503 });
    });

    it('a write past its deadline is refused with the core ScimError (503)', () => {
      expect(out.pastDeadlineThrown).toEqual({ instanceOfScimError: true, status: 503 });
    });

    it('an error thrown through scimkit/store-kit is the root’s ScimError', () => {
      expect(out.storeKitThrown).toEqual({ instanceOfScimError: true, status: 503 });
    });

    it('a value too long for the store to index is 400 naming the attribute, not 500', () => {
      expect(out.tooLongToIndex).toMatchObject({ status: 400, scimType: 'invalidValue', detail: expect.stringContaining('userName is too long') });
    });

    it('scimkit/portal as built: a setup link opens a Secure session and the overview renders', () => {
      expect(out.portal).toEqual({ linkStatus: 303, secure: true, pageStatus: 200, signedIn: true });
    });

    it('every entry exports the root’s own objects, no copies', () => {
      expect(out.notShared).toEqual([]);
    });
  });
});
