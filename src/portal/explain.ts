/**
 * A failed request explained in the customer's words: what happened, and what to do, from its
 * status, `scimType` and detail (the words are in the strings table, so they can be translated).
 * @module
 */
import type { ActivityRecord } from 'scimkit';
import { fill, type PortalStrings } from './strings.js';

/** What a failure means and what to do about it. */
export interface Explanation {
  /** What happened. */
  what: string;
  /** What to do. */
  todo: string;
}

/** The explanation of a failed record (status ≥ 400); undefined for a success. */
export function explainFailure(
  r: Pick<ActivityRecord, 'status' | 'scimType' | 'detail' | 'requestId' | 'rejectedToken'>,
  s: PortalStrings,
): Explanation | undefined {
  if (r.status < 400) return undefined;
  const detail = r.detail ?? '';
  const v = { detail, status: r.status, requestId: r.requestId };
  const pick = (what: string, todo: string): Explanation => ({ what: fill(what, v), todo: fill(todo, v) });
  if (r.status === 401) {
    if (/disabled/i.test(detail)) return pick(s.explainDisabled, s.explainDisabledDo);
    if (/expired|revoked/i.test(detail)) return pick(s.explainTokenEnded, s.explainTokenEndedDo);
    return pick(s.explainInvalidToken, s.explainInvalidTokenDo);
  }
  if (r.status === 403) return pick(s.explainForbidden, s.explainForbiddenDo);
  if (r.status === 409 || r.scimType === 'uniqueness') return pick(s.explainUniqueness, s.explainUniquenessDo);
  if (r.scimType === 'invalidFilter') return pick(s.explainFilter, s.explainFilterDo);
  if (r.status === 404) return pick(s.explainNotFound, s.explainNotFoundDo);
  if (r.status === 429) return pick(s.explainTooMany, s.explainTooManyDo);
  if (r.status === 413 || r.scimType === 'tooMany') return pick(s.explainTooLarge, s.explainTooLargeDo);
  if (r.status >= 500) return pick(s.explainServer, s.explainServerDo);
  if (r.status === 400) return pick(s.explainValue, s.explainValueDo);
  return pick(s.explainOther, s.explainOtherDo);
}
