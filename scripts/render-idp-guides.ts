/**
 * Writes the "In <IdP>" section of each docs/guide-*.md from src/portal/idp-setup.ts, the
 * table the admin portal shows, so the guides and the portal never tell an admin two things.
 * The section sits between `<!-- idp-setup:begin -->` and `<!-- idp-setup:end -->`; the rest of
 * each guide is hand-written. `npx tsx scripts/render-idp-guides.ts` writes the sections;
 * `--check` writes nothing and exits 1 naming the guides that are out of date.
 * Lists rather than tables: biome formats markdown tables, and a list needs no padding to stay
 * as rendered.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IDP_SETUPS, type IdpSetup, PORTAL_IDPS, type SetupCredential } from '../src/portal/idp-setup.js';
import { setupTextToMarkdown } from '../src/portal/setup-text.js';

/** The line that opens the generated section. */
export const SECTION_BEGIN = '<!-- idp-setup:begin -->';
/** The line that closes the generated section. */
export const SECTION_END = '<!-- idp-setup:end -->';

const DOCS = resolve(import.meta.dirname, '../docs');

const CREDENTIAL_WORDS: Record<SetupCredential, string> = {
  bearer: 'a bearer token (the secret token)',
  oauthClient: 'OAuth 2.0 client credentials (the client ID, the client secret and the token endpoint)',
};

/** The generated section for one IdP, markers included. */
export function renderIdpSection(setup: IdpSetup): string {
  const md = (text: string) => setupTextToMarkdown(text);
  const credentials = setup.credentials.map((c) => CREDENTIAL_WORDS[c]);
  const lines = [
    SECTION_BEGIN,
    '',
    `## In ${setup.name}`,
    '',
    'Generated from src/portal/idp-setup.ts (the admin portal shows the same steps): edit there, then run `npx tsx scripts/render-idp-guides.ts`.',
    '',
    ...setup.steps.map((s, i) => `${i + 1}. **${md(s.title)}.** ${md(s.text)}`),
    '',
    `**Credentials:** ${credentials.length === 1 ? `${credentials[0]} only` : `${credentials.join(', or ')}; the first is preferred`}.`,
    '',
    `**Attribute mappings** (SCIM attribute ← ${setup.name}):`,
    '',
    ...setup.mappings.map((m) => `- \`${m.attribute}\` ← ${md(m.source)}${m.note === undefined ? '' : ` (${md(m.note)})`}`),
    '',
    '**When it fails:**',
    '',
    ...setup.troubleshooting.map((t) => `- ${md(t.symptom)} — ${md(t.fix)}`),
    '',
    SECTION_END,
  ];
  return lines.join('\n');
}

/** `guide` with its generated section replaced by `section`; throws when the markers are missing or out of order. */
export function withSection(guide: string, section: string, file: string): string {
  const begin = guide.indexOf(SECTION_BEGIN);
  const end = guide.indexOf(SECTION_END);
  if (begin < 0 || end < begin || guide.indexOf(SECTION_BEGIN, begin + 1) >= 0) {
    throw new Error(`${file}: needs one ${SECTION_BEGIN} … ${SECTION_END} pair where the "In <IdP>" section goes`);
  }
  return guide.slice(0, begin) + section + guide.slice(end + SECTION_END.length);
}

/** Each guide the table names (file name in docs/) and its content as it should be. */
export function renderedGuides(docsDir: string = DOCS): Map<string, string> {
  const guides = new Map<string, string>();
  for (const id of PORTAL_IDPS) {
    const setup = IDP_SETUPS[id];
    if (setup.guide === null) continue;
    guides.set(setup.guide, withSection(readFileSync(join(docsDir, setup.guide), 'utf8'), renderIdpSection(setup), setup.guide));
  }
  return guides;
}

/** The guides whose file differs from what the table renders. */
export function outdatedGuides(docsDir: string = DOCS): string[] {
  return [...renderedGuides(docsDir)].filter(([file, content]) => readFileSync(join(docsDir, file), 'utf8') !== content).map(([file]) => file);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (process.argv.includes('--check')) {
    const outdated = outdatedGuides();
    if (outdated.length) {
      console.error(`out of date (run npx tsx scripts/render-idp-guides.ts): ${outdated.map((f) => `docs/${f}`).join(', ')}`);
      process.exit(1);
    }
    console.log('docs/guide-*.md: the IdP setup sections are up to date');
  } else {
    const outdated = new Set(outdatedGuides());
    for (const [file, content] of renderedGuides()) if (outdated.has(file)) writeFileSync(join(DOCS, file), content);
    console.log(outdated.size ? `wrote ${[...outdated].map((f) => `docs/${f}`).join(', ')}` : 'docs/guide-*.md: nothing to write');
  }
}
