/**
 * The headers of every portal response: a Content-Security-Policy whose scripts and styles
 * need this response's nonce (no inline handlers, nothing from elsewhere), `frame-ancestors`
 * from the host's origins (none by default), and no caching (pages can show a secret once).
 * @module
 */
import { randomBytes } from 'node:crypto';

/** A fresh nonce for one response. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** The security headers of a response with `nonce`, embeddable by `frameAncestors`; `imgOrigin`: the logo's origin, if it is elsewhere. */
export function securityHeaders(nonce: string, frameAncestors: readonly string[], imgOrigin: string | undefined): Record<string, string> {
  const ancestors = frameAncestors.length ? frameAncestors.join(' ') : "'none'";
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    `img-src 'self' data:${imgOrigin ? ` ${imgOrigin}` : ''}`,
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
  return {
    'content-security-policy': csp,
    ...(frameAncestors.length ? {} : { 'x-frame-options': 'DENY' }),
    'x-content-type-options': 'nosniff',
    // setup links carry their token in the path: never sent on to another site. Not no-referrer:
    // with it, Chromium sends `Origin: null` on the portal's own form posts, which the same-origin check refuses
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  };
}
