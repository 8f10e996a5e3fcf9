/**
 * The markup of the IdP setup texts (a subset of markdown): `**bold**` for UI labels and
 * buttons, `_field_` for a field name in the IdP's UI, `` `code` `` for literal values, and
 * `{tenantUrl}`-style placeholders for the values the portal fills in. The portal turns the
 * tokens into elements and escapes them itself; the docs get markdown.
 * @module
 */

/** A value the portal fills in: the connection's URL and the credential it issued. */
export type SetupPlaceholder = 'tenantUrl' | 'secret' | 'tokenEndpoint' | 'clientId' | 'clientSecret';

/** One piece of a setup text: plain text, a UI label (`strong`), a field name (`em`), a literal (`code`), or a placeholder. */
export type SetupToken = { kind: 'text' | 'strong' | 'em' | 'code'; value: string } | { kind: 'placeholder'; name: SetupPlaceholder };

/** What a placeholder reads as where no value is given (the docs, a page before the credential exists). */
export const SETUP_PLACEHOLDER_TEXT: Readonly<Record<SetupPlaceholder, string>> = {
  tenantUrl: 'the tenant URL',
  secret: 'the secret token',
  tokenEndpoint: 'the token endpoint',
  clientId: 'the client ID',
  clientSecret: 'the client secret',
};

// bold and field names hold plain words: a marker inside one is an author's slip, not nesting
const NOT_IN_LABELS = /[*_`{}]/;

/** The tokens of a setup text; throws a SyntaxError naming the position of an unbalanced marker or an unknown placeholder. */
export function parseSetupText(text: string): SetupToken[] {
  const tokens: SetupToken[] = [];
  let plain = '';
  const fail = (at: number, why: string): never => {
    throw new SyntaxError(`setup text at ${at}: ${why}: ${JSON.stringify(text)}`);
  };
  const flush = () => {
    if (plain) tokens.push({ kind: 'text', value: plain });
    plain = '';
  };
  /** The text from `from` up to the next `close`, and the index after it. */
  const until = (from: number, close: string, opened: number, marker: string): [string, number] => {
    const end = text.indexOf(close, from);
    if (end < 0) fail(opened, `${marker} is never closed`);
    if (end === from) fail(opened, `${marker} encloses nothing`);
    return [text.slice(from, end), end + close.length];
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '*') {
      if (text[i + 1] !== '*') fail(i, 'a single * (bold is **…**)');
      const [value, next] = until(i + 2, '**', i, '**');
      if (NOT_IN_LABELS.test(value)) fail(i, 'markup inside **…**');
      flush();
      tokens.push({ kind: 'strong', value });
      i = next;
    } else if (c === '_') {
      const [value, next] = until(i + 1, '_', i, '_');
      if (NOT_IN_LABELS.test(value)) fail(i, 'markup inside _…_');
      flush();
      tokens.push({ kind: 'em', value });
      i = next;
    } else if (c === '`') {
      // a literal: braces, stars and underscores in it are the value's own
      const [value, next] = until(i + 1, '`', i, '`');
      flush();
      tokens.push({ kind: 'code', value });
      i = next;
    } else if (c === '{') {
      const [name, next] = until(i + 1, '}', i, '{');
      if (!Object.hasOwn(SETUP_PLACEHOLDER_TEXT, name)) fail(i, `unknown placeholder {${name}}`);
      flush();
      tokens.push({ kind: 'placeholder', name: name as SetupPlaceholder });
      i = next;
    } else if (c === '}') {
      fail(i, 'a } that closes nothing');
    } else {
      plain += c;
      i++;
    }
  }
  flush();
  return tokens;
}

/**
 * A setup text as markdown, for the docs: a placeholder with a value becomes that value as a
 * literal (a code span), one without becomes its words (`SETUP_PLACEHOLDER_TEXT`).
 */
export function setupTextToMarkdown(text: string, placeholders: Partial<Record<SetupPlaceholder, string>> = {}): string {
  return parseSetupText(text)
    .map((t) => {
      if (t.kind === 'placeholder') {
        const value = placeholders[t.name];
        return value === undefined ? SETUP_PLACEHOLDER_TEXT[t.name] : codeSpan(value);
      }
      if (t.kind === 'code') return codeSpan(t.value);
      const marker = t.kind === 'strong' ? '**' : t.kind === 'em' ? '_' : '';
      return `${marker}${escapeMarkdown(t.value)}${marker}`;
    })
    .join('');
}

// the parser keeps * _ ` { } out of plain text; what is left that markdown would read as markup
function escapeMarkdown(text: string): string {
  return text.replace(/[\\[\]<]/g, (c) => `\\${c}`);
}

/** A code span that holds `value` whatever backticks it has (CommonMark: a longer fence, spaces beside backticks). */
function codeSpan(value: string): string {
  const longest = Math.max(0, ...[...value.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}
