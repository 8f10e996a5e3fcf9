import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  // the root and scimkit/store-kit share their core modules as chunks (one ScimError for both, in ESM and CJS)
  splitting: true,
  dts: true,
  sourcemap: true,
  target: 'node20',
  treeshake: true,
  // subpath entries import the core as `scimkit`, so every entry shares one copy of it
  external: ['scimkit', 'scimkit/store-kit', 'scimkit/check', 'vitest', 'pg', '@opentelemetry/api', 'fastify'],
};

// No `clean`: the configurations build in parallel and a clean in one deleted another's output
// (testing.d.ts went missing about one build in three); `npm run build` empties dist first.
export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'src/index.ts',
      express: 'src/adapters/express.ts',
      koa: 'src/adapters/koa.ts',
      fetch: 'src/adapters/fetch.ts',
      node: 'src/adapters/node.ts',
      fastify: 'src/adapters/fastify.ts',
      postgres: 'src/addons/postgres/index.ts',
      opentelemetry: 'src/addons/opentelemetry.ts',
      check: 'src/check/index.ts',
      'store-kit': 'src/store-kit.ts',
      portal: 'src/portal/index.ts',
    },
    format: ['esm', 'cjs'],
  },
  // vitest is ESM-only, so the contract kit is too
  { ...shared, entry: { testing: 'src/testing/index.ts' }, format: ['esm'] },
  // the `scimkit` command
  { ...shared, entry: { cli: 'src/cli/bin.ts' }, format: ['esm'], dts: false, banner: { js: '#!/usr/bin/env node' } },
]);
