// A Next.js (App Router) route handler serving SCIM at /scim/v2/*: copy this file to
// app/scim/v2/[...path]/route.ts of a Next.js app. It uses only web-standard Request and
// Response, so it runs on the Node.js and the Edge runtime (no code generation from strings).
// In a real app the store is PostgresStore (scimkit/postgres) on the app's database: route
// modules may be loaded more than once, and memory is not shared between instances.
import { bearerToken, createScimServer, MemoryStore } from 'scimkit';
import { toFetchHandler } from 'scimkit/fetch';

const scim = createScimServer({
  // at least 32 characters: generateToken() once, and keep it in the environment
  authenticate: bearerToken(process.env.SCIM_TOKEN ?? ''),
  store: new MemoryStore(),
  uniqueGroupDisplayName: true,
});
const handler = toFetchHandler(scim, { basePath: '/scim/v2' });

// Next.js calls the export named after the method with the web Request
export const GET = handler;
export const POST = handler;
export const PUT = handler;
export const PATCH = handler;
export const DELETE = handler;
// a SCIM response must not be cached or prerendered
export const dynamic = 'force-dynamic';
