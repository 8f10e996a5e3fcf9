// Failures in the customer's words: each common failure gets its own explanation and advice.
import { describe, expect, it } from 'vitest';
import { explainFailure } from '../../src/portal/explain.js';
import { PORTAL_STRINGS } from '../../src/portal/strings.js';

const s = PORTAL_STRINGS;
const r = (status: number, detail?: string, scimType?: string) => ({
  status,
  requestId: 'req-1',
  ...(detail ? { detail } : {}),
  ...(scimType ? { scimType } : {}),
});

describe('explain', () => {
  it('says nothing of a success', () => {
    expect(explainFailure(r(200), s)).toBeUndefined();
  });
  it.each([
    [r(401, 'The bearer token is not valid'), s.explainInvalidToken],
    [r(401, 'The token has expired'), 'Your identity provider sent a secret that was rotated or revoked (The token has expired).'],
    [r(401, 'The connection is disabled'), s.explainDisabled],
    [r(403, 'The plan does not include SCIM'), 'The request was refused: The plan does not include SCIM'],
    [r(409, 'userName "a" is already taken', 'uniqueness'), 'A user or group with the same name already exists: userName "a" is already taken'],
    [
      r(400, 'Unknown attribute "foo" at position 0', 'invalidFilter'),
      'Your identity provider searched with a filter the app cannot read: Unknown attribute "foo" at position 0',
    ],
    [r(400, 'active must be a boolean', 'invalidValue'), 'Your identity provider sent a value the app does not accept: active must be a boolean'],
    [r(404, 'User x not found'), s.explainNotFound],
    [r(429, 'Too many requests'), s.explainTooMany],
    [r(413, 'The body is over 1 MB'), 'A request was larger than the app accepts: The body is over 1 MB'],
    [r(503), 'The app failed to handle the request (503).'],
  ])('%o', (record, what) => {
    const e = explainFailure(record, s)!;
    expect(e.what).toBe(what);
    expect(e.todo.length).toBeGreaterThan(10);
  });
  it('names the request id in the advice for a server failure', () => {
    expect(explainFailure(r(500), s)!.todo).toContain('req-1');
  });
});
