/**
 * The host's look: colours, font, corner radius, logo and name, as CSS custom properties. Each
 * value is checked when the portal is made: it goes into a stylesheet, where escaping cannot
 * help, so only values that cannot end a declaration or a rule are accepted.
 * @module
 */

/** Colours, font, radius and logo of the host's app (light and dark). */
export interface PortalBrand {
  /** The product name shown beside the logo. */
  name?: string;
  /** The logo's URL: https, or a path on the host (`/logo.svg`). */
  logoUrl?: string;
  /** Where the logo and name lead: back to the host's app (https, or a path on the host). */
  homeUrl?: string;
  /** The accent colour of buttons and links (`#4f46e5`). */
  accent?: string;
  /** The accent in dark mode (default: `accent`). */
  accentDark?: string;
  /** The font stack (`Inter, system-ui, sans-serif`). */
  font?: string;
  /** The corner radius (`8px`). */
  radius?: string;
  /** The page background in light mode. */
  background?: string;
  /** The page background in dark mode. */
  backgroundDark?: string;
  /** `light`, `dark`, or `auto` (the viewer's system setting; default). */
  scheme?: 'light' | 'dark' | 'auto';
}

/** A CSS value that cannot leave its declaration: no `;`, braces, angle brackets, slashes (comments) or backslashes; quotes balanced (checked apart). */
const SAFE_CSS = /^[#A-Za-z0-9 ,.%()\-'"]{1,120}$/;

/** An https URL, or a path on the host: `/` then anything but a second `/` or a `\\` (which browsers read as another host). @internal */
export const LOCAL_OR_HTTPS = /^(https:\/\/[^\s"'<>\\]+|\/(?![/\\])[^\s"'<>\\]*)$/;

/** Checks a brand (TypeError naming the field at fault). @internal */
export function checkBrand(brand: PortalBrand): void {
  for (const key of ['accent', 'accentDark', 'font', 'radius', 'background', 'backgroundDark'] as const) {
    const v = brand[key];
    if (
      v !== undefined &&
      (typeof v !== 'string' ||
        !SAFE_CSS.test(v) ||
        (v.split("'").length - 1) % 2 === 1 ||
        (v.split('"').length - 1) % 2 === 1 ||
        /url\s*\(|expression|@/i.test(v))
    )
      throw new TypeError(`adminPortal: brand.${key} ${JSON.stringify(v)} is not a plain CSS value`);
  }
  if (brand.logoUrl !== undefined && (typeof brand.logoUrl !== 'string' || !LOCAL_OR_HTTPS.test(brand.logoUrl)))
    throw new TypeError('adminPortal: brand.logoUrl must be an https URL or a path on the host');
  if (brand.homeUrl !== undefined && (typeof brand.homeUrl !== 'string' || !LOCAL_OR_HTTPS.test(brand.homeUrl)))
    throw new TypeError('adminPortal: brand.homeUrl must be an https URL or a path on the host');
  if (brand.scheme !== undefined && !['light', 'dark', 'auto'].includes(brand.scheme))
    throw new TypeError('adminPortal: brand.scheme must be light, dark or auto');
}

/** The custom properties a brand sets (each value checked by {@link checkBrand}). */
export function brandCss(brand: PortalBrand | undefined): string {
  const b = brand ?? {};
  const light = [
    b.accent && `--sk-accent:${b.accent}`,
    b.font && `--sk-font:${b.font}`,
    b.radius && `--sk-radius:${b.radius}`,
    b.background && `--sk-bg:${b.background}`,
  ].filter(Boolean);
  const dark = [b.accentDark && `--sk-accent:${b.accentDark}`, b.backgroundDark && `--sk-bg:${b.backgroundDark}`].filter(Boolean);
  return `${light.length ? `:root{${light.join(';')}}` : ''}${dark.length ? `:root.dark{${dark.join(';')}}@media (prefers-color-scheme:dark){:root.auto{${dark.join(';')}}}` : ''}`;
}
