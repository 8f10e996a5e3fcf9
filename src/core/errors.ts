/**
 * SCIM errors as values: every failure in scimkit becomes a {@link ScimError}
 * carrying the HTTP status, the RFC 7644 §3.12 `scimType` and a `detail` that
 * names the attribute or position at fault.
 * @module
 */

/** The `schemas` URN of a SCIM error response (RFC 7644 §3.12). */
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Every `scimType` of RFC 7644 §3.12, plus the cursor types of RFC 9865 §4. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor';

/** One problem found in a request, in the style of zod's issues. */
export interface ScimProblem {
  /** Where the problem is: the canonical attribute path, e.g. `emails[1].value`. */
  path: string;
  /** A stable machine code, e.g. `invalidType`, `required`, `unknownAttribute`. */
  code: string;
  /** A human sentence; never contains secrets or stack traces. */
  message: string;
}

/** The JSON body of a SCIM error response. */
export interface ScimErrorBody {
  /** Always the error message URN. */
  schemas: [typeof ERROR_SCHEMA];
  /** The HTTP status, as a string (RFC 7644 §3.12). */
  status: string;
  /** The error type, where one applies. */
  scimType?: ScimType;
  /** A human-readable explanation. */
  detail?: string;
}

/** The longest `detail` an error carries (characters). */
const MAX_DETAIL = 1000;
/** The most problems an error keeps. */
const MAX_PROBLEMS = 100;

/** A SCIM protocol error: status, optional scimType, and a detail for the client. */
export class ScimError extends Error {
  /** The HTTP status code. */
  readonly status: number;
  /** The RFC 7644 §3.12 error type, where one applies. */
  readonly scimType: ScimType | undefined;
  /** The message returned to the client. */
  readonly detail: string;
  /** Every problem found, when the error sums up several. */
  readonly problems: readonly ScimProblem[];
  /** The `WWW-Authenticate` challenge of a 401 or 403 (RFC 6750 §3), when it says more than "a token is needed". */
  readonly challenge: string | undefined;
  /** Seconds after which to try again (the `Retry-After` of a 429 or 503). */
  readonly retryAfter: number | undefined;
  /**
   * What the host could change to get another outcome (an option of scimkit, a hook), for the
   * server log only: the client's `detail` is read by the customer's admin in the IdP's
   * provisioning log, and speaks of the resource and what to do there, never of scimkit.
   */
  readonly hint: string | undefined;

  /** Builds an error; prefer the static factories, which fix the status for each scimType. */
  constructor(
    status: number,
    detail: string,
    scimType?: ScimType,
    problems: readonly ScimProblem[] = [],
    response: { challenge?: string; retryAfter?: number; hint?: string | undefined } = {},
  ) {
    // bounded: a detail may quote client input (an attribute name of 200 KB came back whole)
    const bounded = detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail;
    super(bounded);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
    this.detail = bounded;
    this.problems = problems.length > MAX_PROBLEMS ? problems.slice(0, MAX_PROBLEMS) : problems;
    this.challenge = response.challenge;
    this.retryAfter = response.retryAfter;
    this.hint = response.hint;
  }

  /** The same error with a hint (`hint`) for the server log (never sent to the client). */
  withHint(hint: string): ScimError {
    const response = {
      hint,
      ...(this.challenge === undefined ? {} : { challenge: this.challenge }),
      ...(this.retryAfter === undefined ? {} : { retryAfter: this.retryAfter }),
    };
    return new ScimError(this.status, this.detail, this.scimType, this.problems, response);
  }

  /** The SCIM error response body (RFC 7644 §3.12): `status` is a string there. */
  toJSON(): ScimErrorBody {
    const body: ScimErrorBody = { schemas: [ERROR_SCHEMA], status: String(this.status) };
    if (this.scimType) body.scimType = this.scimType;
    body.detail = this.detail;
    return body;
  }

  /** 400 invalidFilter: the filter syntax or its attributes are wrong. */
  static invalidFilter(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidFilter');
  }
  /** 400 tooMany: the query would return more results than the server allows. */
  static tooMany(detail: string): ScimError {
    return new ScimError(400, detail, 'tooMany');
  }
  /** 409 uniqueness: a unique attribute value is already taken. */
  static uniqueness(detail: string): ScimError {
    return new ScimError(409, detail, 'uniqueness');
  }
  /** 400 mutability: the request tries to change a readOnly or immutable attribute. */
  static mutability(detail: string): ScimError {
    return new ScimError(400, detail, 'mutability');
  }
  /** 400 invalidSyntax: the request body is not well-formed JSON or not the right message shape. */
  static invalidSyntax(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidSyntax');
  }
  /** 400 invalidPath: a PATCH path is malformed or names no attribute. */
  static invalidPath(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidPath');
  }
  /** 400 noTarget: a PATCH path matched nothing. */
  static noTarget(detail: string): ScimError {
    return new ScimError(400, detail, 'noTarget');
  }
  /** 400 invalidValue: a value is missing, of the wrong type or not allowed. */
  static invalidValue(detail: string, problems: readonly ScimProblem[] = []): ScimError {
    return new ScimError(400, detail, 'invalidValue', problems);
  }
  /** 400 invalidVers: the SCIM protocol version is not supported. */
  static invalidVers(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidVers');
  }
  /** 403 sensitive: the request carried sensitive data in its URI. */
  static sensitive(detail: string): ScimError {
    return new ScimError(403, detail, 'sensitive');
  }
  /** 400 invalidCursor (RFC 9865): the cursor is malformed, tampered with or for another query. */
  static invalidCursor(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidCursor');
  }
  /** 400 expiredCursor (RFC 9865): the cursor has expired. */
  static expiredCursor(detail: string): ScimError {
    return new ScimError(400, detail, 'expiredCursor');
  }
  /** 400 without a scimType. */
  static badRequest(detail: string): ScimError {
    return new ScimError(400, detail);
  }
  /** 401: no or wrong credentials. */
  static unauthorized(detail = 'Authentication required'): ScimError {
    return new ScimError(401, detail);
  }
  /** 401 for a token that was valid and is no more (expired, revoked): RFC 6750's `invalid_token`. */
  static invalidToken(detail: string): ScimError {
    return new ScimError(401, detail, undefined, [], { challenge: `Bearer realm="scim", error="invalid_token", error_description=${JSON.stringify(detail)}` });
  }
  /** 403 for a token without the scope the request needs (RFC 7644 §3.12, RFC 6750 §3.1 `insufficient_scope`). */
  static insufficientScope(scope: string): ScimError {
    const detail = `This token may not ${scope === 'write' ? 'change' : 'read'} resources: it lacks the ${scope} scope`;
    return new ScimError(403, detail, undefined, [], { challenge: `Bearer realm="scim", error="insufficient_scope", scope="${scope}"` });
  }
  /** 429: too many requests from this tenant, token or client; try again after `retryAfter` seconds. */
  static tooManyRequests(detail: string, retryAfter: number): ScimError {
    return new ScimError(429, detail, undefined, [], { retryAfter: Math.max(1, Math.ceil(retryAfter)) });
  }
  /** 503: the service cannot answer now (its database is unreachable, the request ran out of time); try again after `retryAfter` seconds. */
  static unavailable(detail: string, retryAfter = 1): ScimError {
    return new ScimError(503, detail, undefined, [], { retryAfter: Math.max(1, Math.ceil(retryAfter)) });
  }
  /** 403: authenticated, but not allowed. */
  static forbidden(detail = 'Forbidden'): ScimError {
    return new ScimError(403, detail);
  }
  /** 404: the resource or endpoint does not exist. */
  static notFound(detail: string): ScimError {
    return new ScimError(404, detail);
  }
  /** 405: the endpoint exists but not with this method. */
  static methodNotAllowed(detail: string): ScimError {
    return new ScimError(405, detail);
  }
  /** 409: a conflict other than uniqueness (e.g. a circular Bulk reference). */
  static conflict(detail: string): ScimError {
    return new ScimError(409, detail);
  }
  /** 412: the resource's version does not match `If-Match`. */
  static preconditionFailed(detail: string): ScimError {
    return new ScimError(412, detail);
  }
  /** 408: the request's body did not arrive by its deadline (the connection is then closed). */
  static requestTimeout(detail: string): ScimError {
    return new ScimError(408, detail);
  }
  /** 413: the payload or the number of operations is over the server's limit. */
  static payloadTooLarge(detail: string): ScimError {
    return new ScimError(413, detail);
  }
  /** 415: the request's Content-Type is not a JSON type. */
  static unsupportedMediaType(detail: string): ScimError {
    return new ScimError(415, detail);
  }
  /** 500 with a generic detail: internal causes are never shown to the client. */
  static internal(detail = 'Internal server error'): ScimError {
    return new ScimError(500, detail);
  }
  /** 501: the feature is not implemented or switched off. */
  static notImplemented(detail: string): ScimError {
    return new ScimError(501, detail);
  }
}

/** Turns anything thrown into a ScimError; whatever is not one becomes a generic 500. @internal */
export function toScimError(error: unknown): ScimError {
  return error instanceof ScimError ? error : ScimError.internal();
}

/** Quotes a piece of client input for a detail message, cut short so errors never echo large inputs. @internal */
export function excerpt(text: string, max = 40): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
