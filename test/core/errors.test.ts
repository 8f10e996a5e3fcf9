import { describe, expect, it } from 'vitest';
import { ERROR_SCHEMA, excerpt, ScimError, toScimError } from '../../src/core/errors.js';

describe('ScimError', () => {
  it('serialises to the RFC 7644 §3.12 error body with status as a string', () => {
    const e = ScimError.invalidFilter('at position 3: expected an operator');
    expect(e.toJSON()).toEqual({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidFilter', detail: 'at position 3: expected an operator' });
    expect(JSON.parse(JSON.stringify(e))).toEqual(e.toJSON());
  });

  it('keeps a hint for the server log out of the body, and keeps the rest with it', () => {
    const e = ScimError.invalidToken('The token has expired').withHint('set expiresAt later');
    expect(e.hint).toBe('set expiresAt later');
    expect([e.status, e.detail, e.challenge]).toEqual([401, 'The token has expired', ScimError.invalidToken('The token has expired').challenge]);
    expect(e.toJSON()).toEqual(ScimError.invalidToken('The token has expired').toJSON());
    expect(JSON.stringify(e)).not.toContain('expiresAt');
    expect(ScimError.conflict('x').hint).toBeUndefined();
  });

  it.each([
    ['invalidFilter', 400],
    ['tooMany', 400],
    ['uniqueness', 409],
    ['mutability', 400],
    ['invalidSyntax', 400],
    ['invalidPath', 400],
    ['noTarget', 400],
    ['invalidValue', 400],
    ['invalidVers', 400],
    ['sensitive', 403],
    ['invalidCursor', 400],
    ['expiredCursor', 400],
  ] as const)('%s has status %i', (type, status) => {
    const e = ScimError[type]('x');
    expect(e.status).toBe(status);
    expect(e.scimType).toBe(type);
    expect(e).toBeInstanceOf(Error);
  });

  it.each([
    ['unauthorized', 401],
    ['forbidden', 403],
    ['notFound', 404],
    ['methodNotAllowed', 405],
    ['conflict', 409],
    ['preconditionFailed', 412],
    ['payloadTooLarge', 413],
    ['unsupportedMediaType', 415],
    ['internal', 500],
    ['notImplemented', 501],
    ['badRequest', 400],
  ] as const)('%s has status %i and no scimType', (factory, status) => {
    const e = ScimError[factory]('x');
    expect(e.status).toBe(status);
    expect(e.toJSON().scimType).toBeUndefined();
  });

  it('turns anything else into a generic 500 that leaks nothing', () => {
    const e = toScimError(new Error('password=hunter2 at db.ts:42'));
    expect(e.status).toBe(500);
    expect(JSON.stringify(e)).not.toContain('hunter2');
    const same = ScimError.notFound('Resource x not found');
    expect(toScimError(same)).toBe(same);
  });

  it('quotes client input short', () => {
    expect(excerpt('a'.repeat(100))).toBe(`"${'a'.repeat(40)}…"`);
    expect(excerpt('ab"c')).toBe('"ab\\"c"');
  });
});
