// The html tag escapes every interpolated value for text and quoted attributes; only markup
// the tag made passes through, and nothing else can make such markup.
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, SafeHtml } from '../../src/portal/html.js';

describe('html', () => {
  it('escapes text, attribute quotes and backticks in every value', () => {
    const evil = `"><img src=x onerror='alert(1)'>\`&`;
    expect(html`<p title="${evil}">${evil}</p>`.text).toBe(
      '<p title="&quot;&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&#96;&amp;">&quot;&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&#96;&amp;</p>',
    );
    expect(escapeHtml('a<b')).toBe('a&lt;b');
  });
  it('passes its own markup, lists, numbers; drops null, undefined and false', () => {
    const inner = html`<b>${'<x>'}</b>`;
    expect(html`${inner}${[html`<i>1</i>`, '<', 2]}${null}${undefined}${false}`.text).toBe('<b>&lt;x&gt;</b><i>1</i>&lt;2');
  });
  it('cannot be forged: SafeHtml is made by the tag only, and a look-alike object is text', () => {
    expect(() => new (SafeHtml as unknown as new (t: string, k: symbol) => SafeHtml)('<script>', Symbol('SafeHtml'))).toThrow(TypeError);
    const lookAlike = { text: '<script>alert(1)</script>', toString: () => '<script>alert(1)</script>' };
    expect(html`${lookAlike as unknown as string}`.text).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
