import { describe, expect, it } from 'vitest';
import { parseSetupText, SETUP_PLACEHOLDER_TEXT, setupTextToMarkdown } from '../../src/portal/setup-text.js';

describe('parseSetupText', () => {
  it('reads labels, fields, literals and placeholders between plain text', () => {
    expect(parseSetupText('**Provisioning → Integration**: _SCIM connector base URL_ = {tenantUrl}; _Unique identifier_ = `userName`.')).toEqual([
      { kind: 'strong', value: 'Provisioning → Integration' },
      { kind: 'text', value: ': ' },
      { kind: 'em', value: 'SCIM connector base URL' },
      { kind: 'text', value: ' = ' },
      { kind: 'placeholder', name: 'tenantUrl' },
      { kind: 'text', value: '; ' },
      { kind: 'em', value: 'Unique identifier' },
      { kind: 'text', value: ' = ' },
      { kind: 'code', value: 'userName' },
      { kind: 'text', value: '.' },
    ]);
  });

  it('knows every placeholder the portal fills in', () => {
    expect(parseSetupText('{tenantUrl}{secret}{tokenEndpoint}{clientId}{clientSecret}')).toEqual(
      ['tenantUrl', 'secret', 'tokenEndpoint', 'clientId', 'clientSecret'].map((name) => ({ kind: 'placeholder', name })),
    );
  });

  it('keeps a code span literal: braces, stars and underscores in it are the value', () => {
    expect(parseSetupText('`{$parameters.scimusername}` and `a_b*c`')).toEqual([
      { kind: 'code', value: '{$parameters.scimusername}' },
      { kind: 'text', value: ' and ' },
      { kind: 'code', value: 'a_b*c' },
    ]);
  });

  it('gives plain text one token, and an empty text none', () => {
    expect(parseSetupText("Give the users the app: it's done.")).toEqual([{ kind: 'text', value: "Give the users the app: it's done." }]);
    expect(parseSetupText('')).toEqual([]);
  });

  it.each([
    ['**Save', /at 0: \*\* is never closed/],
    ['a _field', /at 2: _ is never closed/],
    ['`code', /at 0: ` is never closed/],
    ['paste {secret', /at 6: \{ is never closed/],
    ['paste {password}', /unknown placeholder \{password\}/],
    ['paste {}', /\{ encloses nothing/],
    ['a } here', /a \} that closes nothing/],
    ['a * b', /a single \*/],
    ['****', /\*\* encloses nothing/],
    ['**a _b_ c**', /markup inside \*\*…\*\*/],
    ['_a {secret}_', /markup inside _…_/],
  ])('throws a SyntaxError on %j', (text, message) => {
    expect(() => parseSetupText(text)).toThrow(SyntaxError);
    expect(() => parseSetupText(text)).toThrow(message);
  });
});

describe('setupTextToMarkdown', () => {
  it('writes the markup back as markdown, placeholders as their words', () => {
    expect(setupTextToMarkdown('**Admin Credentials**: _Tenant URL_ = {tenantUrl}, _Secret Token_ = {secret}; `userName`.')).toBe(
      '**Admin Credentials**: _Tenant URL_ = the tenant URL, _Secret Token_ = the secret token; `userName`.',
    );
    expect(setupTextToMarkdown('{tokenEndpoint} {clientId} {clientSecret}')).toBe(
      `${SETUP_PLACEHOLDER_TEXT.tokenEndpoint} ${SETUP_PLACEHOLDER_TEXT.clientId} ${SETUP_PLACEHOLDER_TEXT.clientSecret}`,
    );
  });

  it('shows a given value as a literal, and only the placeholders given', () => {
    expect(setupTextToMarkdown('_Tenant URL_ = {tenantUrl}, _Secret Token_ = {secret}', { tenantUrl: 'https://app.example.com/scim/v2/acme' })).toBe(
      '_Tenant URL_ = `https://app.example.com/scim/v2/acme`, _Secret Token_ = the secret token',
    );
  });

  it('fences a value with backticks so that it stays one code span', () => {
    expect(setupTextToMarkdown('{secret}', { secret: 'a`b' })).toBe('``a`b``');
    expect(setupTextToMarkdown('{secret}', { secret: '`x' })).toBe('`` `x ``');
  });

  it('escapes what markdown would read as a link or HTML in plain text', () => {
    expect(setupTextToMarkdown('see [docs] <b> a\\b')).toBe('see \\[docs\\] \\<b> a\\\\b');
  });

  it('throws on markup that does not parse', () => {
    expect(() => setupTextToMarkdown('{tenant}')).toThrow(/unknown placeholder/);
  });
});
