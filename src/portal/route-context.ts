/**
 * What a route of the portal works with: the request, its viewer (signed in, CSRF checked for
 * writes), its body, the page view and the portal's operations.
 * @module
 */
import type { IdpSetup, PortalIdp } from './idp-setup.js';
import type { ResponseParts } from './responses.js';
import type { PortalService } from './service.js';
import type { PortalSession } from './session.js';
import type { PageView } from './view.js';

/** One request as a route sees it. */
export interface RouteContext {
  /** The request. */
  readonly request: Request;
  /** Its URL. */
  readonly url: URL;
  /** Its path below the portal's base (`/`, `/setup`, `/api/status`, …). */
  readonly path: string;
  /** Its method, upper case. */
  readonly method: string;
  /** Who is asking. */
  readonly viewer: PortalSession;
  /** The body's fields (empty for GET). */
  readonly body: Readonly<Record<string, unknown>>;
  /** What pages render with. */
  readonly v: PageView;
  /** The portal's operations. */
  readonly service: PortalService;
  /** How responses are made. */
  readonly parts: ResponseParts;
  /** The IdP setups in force. */
  readonly setups: Readonly<Record<PortalIdp, IdpSetup>>;
}

/** A route: its answer, or undefined when it does not serve this path and method. */
export type Route = (c: RouteContext) => Promise<Response | undefined>;
