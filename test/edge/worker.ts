// The SCIM server as a Cloudflare Worker (module syntax), for the workerd test: bundled by
// esbuild with `scimkit` from the sources. Created on the first request, since a Worker may
// not start timers at global scope. The token is a build-time constant.
import { bearerToken, createScimServer, MemoryStore, type ScimServer } from 'scimkit';
import { toFetchHandler } from 'scimkit/fetch';

declare const SCIM_TOKEN: string;
let handler: ((request: Request) => Promise<Response>) | undefined;
let scim: ScimServer | undefined;

export default {
  fetch(request: Request): Promise<Response> {
    if (!handler) {
      scim = createScimServer({
        authenticate: bearerToken(SCIM_TOKEN),
        store: new MemoryStore(),
        features: { bulk: true, sort: true, etag: true, cursor: true },
        uniqueGroupDisplayName: true,
        rateLimits: false,
      });
      handler = toFetchHandler(scim, { basePath: '/scim/v2' });
    }
    return handler(request);
  },
};
