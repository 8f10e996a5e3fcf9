/**
 * Requests the server sends itself as one of its connections (Test connection): the context
 * they run in is attached here, where only server code can put it, so admission takes it
 * instead of a credential. A request that came over the network is never in this map.
 * @module
 */
import type { AuthContext } from '../auth-context.js';
import type { ScimRequest } from '../request.js';

/** Probe requests and the context each runs in (a WeakMap: a request dropped takes its entry with it). */
const probes = new WeakMap<ScimRequest, AuthContext>();

/** Marks `request` as a probe that runs as `context`; returns it. @internal */
export function asProbe(request: ScimRequest, context: AuthContext): ScimRequest {
  probes.set(request, context);
  return request;
}

/** The context a probe request runs in; undefined for every other request. @internal */
export function probeContextOf(request: ScimRequest): AuthContext | undefined {
  return probes.get(request);
}
