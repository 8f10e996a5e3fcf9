/**
 * A request's telemetry span: its handling runs inside it (store calls become its children), and
 * it ends with the request's facts, gathered only when the span records.
 * @module
 */

import type { SchemaRegistry } from '../core/schema/registry.js';
import { routeOf } from './activity.js';
import type { ScimResponse } from './request.js';
import type { Trace } from './request-activity.js';
import type { ScimTelemetry } from './telemetry.js';

/** Runs a request's handling in its span and ends the span with what the trace and the answer say. */
export function inRequestSpan(telemetry: ScimTelemetry, registry: SchemaRegistry, t: Trace, run: () => Promise<ScimResponse>): Promise<ScimResponse> {
  return telemetry.request(t.method, async (span) => {
    const r = await run();
    if (!span.recording) {
      span.end({ operation: 'unknown', status: r.status, requestId: t.requestId });
      return r;
    }
    const route = routeOf(t.method, t.segs, registry);
    const scimType = (r.body as { scimType?: unknown } | undefined)?.scimType;
    span.end(
      {
        operation: route.operation,
        status: r.status,
        requestId: t.requestId,
        // only an authenticated tenant: a refused request's path could name any (metric series, spoofing)
        ...(t.auth ? { tenant: t.auth.tenant } : {}),
        ...(route.resourceType ? { resourceType: route.resourceType } : {}),
        ...(typeof scimType === 'string' ? { scimType } : {}),
      },
      t.error,
    );
    return r;
  });
}
