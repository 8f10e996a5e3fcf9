/**
 * An OAuth 2.0 token request as RFC 6749 sends it: form-encoded parameters (§3.2,
 * `application/x-www-form-urlencoded`, none repeated) and the client's credentials in the
 * body (`client_secret_post`) or in HTTP Basic (`client_secret_basic`, §2.3.1: id and secret
 * form-encoded, then joined by a colon). Anything else is an {@link OAuthError}.
 * @module
 */
import { header, type ScimRequest } from '../request.js';

/** The §5.2 error codes this endpoint answers. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type';

/** A refusal of a token request: its §5.2 code, description and status. */
export class OAuthError extends Error {
  /** A refusal with `code`, answered `status` (400 unless the client failed to authenticate: 401). */
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status = code === 'invalid_client' ? 401 : 400,
  ) {
    super(description);
  }
}

/** A token request, parsed. */
export interface TokenRequest {
  /** `grant_type`. */
  grantType: string | undefined;
  /** The client id, from Basic or the body. */
  clientId: string | undefined;
  /** The client secret, from Basic or the body. */
  clientSecret: string | undefined;
}

/** The largest form accepted: a token request is a few hundred bytes. */
const MAX_FORM_BYTES = 8192;

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** `application/x-www-form-urlencoded` decoding of one Basic component (§2.3.1). */
function formDecoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new OAuthError('invalid_client', 'The Basic credentials are not form-encoded', 401);
  }
}

/** The parameters of the body: raw text or bytes, or an object a framework's form parser made. */
function paramsOf(req: ScimRequest): URLSearchParams {
  const type = header(req, 'content-type');
  if (type === undefined || !FORM_TYPE.test(type)) throw new OAuthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded');
  const body = req.body;
  if (body === undefined || body === null || body === '') return new URLSearchParams();
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const bytes = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
    if (bytes > MAX_FORM_BYTES) throw new OAuthError('invalid_request', `The request is larger than ${MAX_FORM_BYTES} bytes`);
    return new URLSearchParams(typeof body === 'string' ? body : new TextDecoder().decode(body));
  }
  if (typeof body !== 'object') throw new OAuthError('invalid_request', 'The request body could not be read');
  // express.urlencoded() or a Koa body parser read it already
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    for (const x of Array.isArray(v) ? v : [v]) {
      if (typeof x !== 'string') throw new OAuthError('invalid_request', `The parameter ${k.slice(0, 50)} is not a string`);
      params.append(k, x);
    }
  }
  return params;
}

/** One parameter: absent when missing or empty (§3.1: sent without a value is omitted), refused when repeated (§3.2). */
function single(params: URLSearchParams, name: string): string | undefined {
  const all = params.getAll(name);
  if (all.length > 1) throw new OAuthError('invalid_request', `The parameter ${name} is repeated`);
  return all[0] === '' ? undefined : all[0];
}

/** The client id of the request's HTTP Basic credentials, when it sends well-formed ones (read before its body is). */
export function basicClientIdOf(req: ScimRequest): string | undefined {
  try {
    return basicOf(req)?.id;
  } catch {
    return undefined;
  }
}

/** The id and secret of the request's HTTP Basic credentials (§2.3.1), undefined without; throws for malformed ones. */
function basicOf(req: ScimRequest): { id: string; secret: string } | undefined {
  const auth = header(req, 'authorization');
  if (auth === undefined || !/^Basic\s/i.test(auth)) return undefined;
  const decoded = Buffer.from(auth.replace(/^Basic\s+/i, '').trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_client', 'The Basic credentials are not client_id:client_secret', 401);
  return { id: formDecoded(decoded.slice(0, colon)), secret: formDecoded(decoded.slice(colon + 1)) };
}

/** The token request `req` makes; throws an {@link OAuthError} for one that is malformed. */
export function tokenRequestOf(req: ScimRequest): TokenRequest {
  const basic = basicOf(req);
  const params = paramsOf(req);
  const grantType = single(params, 'grant_type');
  const bodyId = single(params, 'client_id');
  const bodySecret = single(params, 'client_secret');
  if (basic && bodySecret !== undefined)
    throw new OAuthError('invalid_request', 'Authenticate the client one way: HTTP Basic or client_secret in the body, not both');
  if (basic && bodyId !== undefined && bodyId !== basic.id) throw new OAuthError('invalid_request', 'client_id differs from the Basic credentials');
  return { grantType, clientId: basic ? basic.id : bodyId, clientSecret: basic ? basic.secret : bodySecret };
}
