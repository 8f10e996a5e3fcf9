// Brand values go into a stylesheet, where escaping cannot help: only plain CSS values pass.
import { describe, expect, it } from 'vitest';
import { brandCss, checkBrand } from '../../src/portal/brand.js';

describe('brand', () => {
  it('accepts colours, fonts with quotes, radii and an https or local logo', () => {
    const b = {
      accent: '#4f46e5',
      accentDark: 'rgb(138, 180, 248)',
      font: "'Inter', system-ui, sans-serif",
      radius: '6px',
      logoUrl: 'https://cdn.example.com/logo.svg',
    };
    expect(() => checkBrand(b)).not.toThrow();
    expect(() => checkBrand({ logoUrl: '/logo.png' })).not.toThrow();
    expect(brandCss(b)).toBe(
      ":root{--sk-accent:#4f46e5;--sk-font:'Inter', system-ui, sans-serif;--sk-radius:6px}:root.dark{--sk-accent:rgb(138, 180, 248)}@media (prefers-color-scheme:dark){:root.auto{--sk-accent:rgb(138, 180, 248)}}",
    );
  });
  it.each([
    ['accent', 'red;}body{display:none'],
    ['accent', 'red</style><script>'],
    ['font', "'Inter"],
    ['font', 'x/*'],
    ['background', 'url(https://evil.example/x)'],
    ['radius', '@import'],
    ['logoUrl', 'javascript:alert(1)'],
    ['logoUrl', 'http://insecure.example/logo.png'],
    ['logoUrl', '//evil.example/logo.png'],
  ])('refuses %s = %s', (key, value) => {
    expect(() => checkBrand({ [key]: value })).toThrow(TypeError);
  });
});
