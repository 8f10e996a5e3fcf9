/**
 * Test connection's result in plain words, for the page and for the script's JSON.
 * @module
 */
import type { ConnectionTestResult } from 'scimkit';
import { fill, type PortalStrings } from '../strings.js';

/** What a test result says. */
export function testMessage(r: ConnectionTestResult, s: PortalStrings): string {
  if (r.ok) return fill(s.testOk, { ms: r.ms });
  const reason =
    r.failure === 'disabled'
      ? s.testDisabled
      : r.failure === 'noCredential'
        ? s.testNoCredential
        : r.failure === 'notEntitled'
          ? fill(s.testNotEntitled, { detail: r.detail ?? '' })
          : fill(s.testRefused, { status: r.status, detail: r.detail ?? '' });
  return fill(s.testFailed, { reason });
}
