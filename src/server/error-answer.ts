/**
 * The answer to what a request's handling threw: a SCIM error as it is (its host-facing hint
 * logged), anything else a 500 that names only the request id.
 * @module
 */

import { ScimError } from '../core/errors.js';
import type { ScimLogger } from './activity/logger.js';
import { errorResponse, type ScimResponse } from './request.js';
import type { Trace } from './request-activity.js';

/**
 * The answer to a refused request. The client's detail speaks of the resource (the IdP's admin
 * reads it); what the host could change (an option, a hook) is the error's hint, logged here.
 */
export function refusal(logger: ScimLogger, e: unknown, requestId: string, tenant: string | undefined): ScimResponse {
  if (e instanceof ScimError && e.hint !== undefined)
    logger.warn(
      { requestId, tenant, status: e.status, scimType: e.scimType, detail: e.detail, hint: e.hint },
      'request refused; the hint says what the host can change',
    );
  return errorResponse(e);
}

/** The answer to what a request's handling threw: a SCIM error as it is, anything else a 500 whose error the log line carries. */
export function failure(logger: ScimLogger, e: unknown, t: Trace): ScimResponse {
  if (e instanceof ScimError) return refusal(logger, e, t.requestId, t.auth?.tenant);
  // an operator must be able to find this one: its log line carries the stack, the client gets the id
  t.error = e;
  return errorResponse(ScimError.internal(`Internal server error (request id ${t.requestId})`));
}
