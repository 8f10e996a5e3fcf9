// The guides' "In <IdP>" sections are rendered from the portal's table (scripts/render-idp-guides.ts):
// the files in docs/ must be what it renders, and the rendering must say what the table says.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outdatedGuides, renderedGuides, renderIdpSection, SECTION_BEGIN, SECTION_END, withSection } from '../../scripts/render-idp-guides.js';
import { IDP_SETUPS, PORTAL_IDPS } from '../../src/portal/idp-setup.js';

const docs = join(import.meta.dirname, '../../docs');
const guides = PORTAL_IDPS.flatMap((id) => (IDP_SETUPS[id].guide === null ? [] : [IDP_SETUPS[id].guide!]));
const scratch = mkdtempSync(join(tmpdir(), 'idp-guides-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('docs/guide-*.md, the generated IdP setup sections', () => {
  it('are up to date with src/portal/idp-setup.ts (npx tsx scripts/render-idp-guides.ts)', () => {
    expect(guides).toHaveLength(6);
    expect([...renderedGuides().keys()]).toEqual(guides);
    expect(outdatedGuides()).toEqual([]);
  });

  it.each(guides)('%s has one generated section, and keeps its hand-written parts', (file) => {
    const text = readFileSync(join(docs, file), 'utf8');
    expect(text.split(SECTION_BEGIN)).toHaveLength(2);
    expect(text.split(SECTION_END)).toHaveLength(2);
    expect(text).toMatch(/^## Credentials$/m);
    expect(text).toMatch(/^## Troubleshooting/m);
  });

  it('names a guide whose section was edited by hand, and rendering mends it', () => {
    const dir = join(scratch, 'edited');
    cpSync(docs, dir, { recursive: true });
    const okta = join(dir, 'guide-okta.md');
    writeFileSync(okta, readFileSync(okta, 'utf8').replace('_Authorization_ = the secret token', '_Authorization_ = your API key'));
    expect(outdatedGuides(dir)).toEqual(['guide-okta.md']);
    writeFileSync(okta, renderedGuides(dir).get('guide-okta.md')!);
    expect(outdatedGuides(dir)).toEqual([]);
  });

  it('refuses a guide without its markers instead of guessing where the section goes', () => {
    expect(() => withSection('# Guide\n\n## In Okta\n', 'x', 'guide-okta.md')).toThrow(/guide-okta\.md: needs one <!-- idp-setup:begin -->/);
    expect(() => withSection(`${SECTION_END}\n${SECTION_BEGIN}\n`, 'x', 'g.md')).toThrow(/needs one/);
    expect(withSection(`a\n${SECTION_BEGIN}\nold\n${SECTION_END}\nb\n`, 'new', 'g.md')).toBe('a\nnew\nb\n');
  });
});

describe('renderIdpSection', () => {
  it('renders the heading, the note on where to edit, the numbered steps, credentials, mappings and fixes', () => {
    const section = renderIdpSection(IDP_SETUPS.okta);
    expect(section.startsWith(`${SECTION_BEGIN}\n\n## In Okta\n\nGenerated from src/portal/idp-setup.ts`)).toBe(true);
    expect(section.endsWith(`\n${SECTION_END}`)).toBe(true);
    expect(section).toContain('`npx tsx scripts/render-idp-guides.ts`');
    expect(section).toContain(
      '\n2. **Enter the connection.** **Provisioning → Integration**: _SCIM connector base URL_ = the tenant URL; _Unique identifier field for users_ = `userName`.\n',
    );
    expect(section.match(/^\d+\. /gm)).toHaveLength(IDP_SETUPS.okta.steps.length);
    expect(section).toContain('**Credentials:** a bearer token (the secret token) only.');
    expect(section).toContain('\n- `userName` ← Okta username (the unique identifier field for users)\n');
    expect(section).toContain('\n- 409 `userName "…" is already taken` — The app already has a user with that userName');
  });

  it('names both credentials, the preferred first, where the IdP has two', () => {
    expect(renderIdpSection(IDP_SETUPS.entra)).toContain(
      '**Credentials:** OAuth 2.0 client credentials (the client ID, the client secret and the token endpoint), or a bearer token (the secret token); the first is preferred.',
    );
  });
});
