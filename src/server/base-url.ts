/**
 * The base URL of response URLs (`Location`, `meta.location`, `$ref`): the configured one,
 * else a trusted proxy's origin, else the adapter's, else `Host`. Header values are taken only
 * when they are a plain http(s) origin, since they end up in URLs a client follows.
 * @module
 */

import type { ScimServerOptions } from './options.js';
import { header, type ScimRequest } from './request.js';

/** `url` without its trailing slashes, in linear time (the regex `/\/+$/` is quadratic on a run of slashes followed by anything else). */
function trimSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) === 47) end--;
  return url.slice(0, end);
}

/** A host name or address with an optional port, and nothing else. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** The first value of a header when it is a plain host, else undefined. */
function hostOf(value: string | undefined): string | undefined {
  const first = value?.split(',')[0]?.trim();
  return first && first.length <= 300 && HOST.test(first) ? first : undefined;
}

/** The origin X-Forwarded-* name, when the server trusts them and they are an http(s) origin. */
function forwardedOrigin(req: ScimRequest): string | undefined {
  const host = hostOf(header(req, 'x-forwarded-host'));
  const proto = (header(req, 'x-forwarded-proto') ?? 'https').split(',')[0]!.trim().toLowerCase();
  return host && (proto === 'http' || proto === 'https') ? `${proto}://${host}` : undefined;
}

/** The path of an absolute base URL (`https://h/scim/v2` → `/scim/v2`). */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

/** The base URL of a request's response URLs, without a trailing slash; empty when nothing names a usable host. */
export function baseOf(options: Pick<ScimServerOptions, 'baseUrl' | 'trustProxy'>, req: ScimRequest): string {
  if (options.baseUrl) return trimSlashes(options.baseUrl);
  const forwarded = options.trustProxy ? forwardedOrigin(req) : undefined;
  if (forwarded) return trimSlashes(`${forwarded}${req.baseUrl ? pathOf(req.baseUrl) : ''}`);
  if (req.baseUrl) return trimSlashes(req.baseUrl);
  const host = hostOf(header(req, 'host'));
  return host ? `http://${host}` : '';
}
