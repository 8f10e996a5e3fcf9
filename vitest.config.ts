import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // tests run against the sources; `scimkit` (as subpath entries import the core) is src/index.ts
    alias: [
      { find: /^scimkit$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^scimkit\/postgres$/, replacement: fileURLToPath(new URL('./src/addons/postgres/index.ts', import.meta.url)) },
      { find: /^scimkit\/opentelemetry$/, replacement: fileURLToPath(new URL('./src/addons/opentelemetry.ts', import.meta.url)) },
      { find: /^scimkit\/store-kit$/, replacement: fileURLToPath(new URL('./src/store-kit.ts', import.meta.url)) },
      { find: /^scimkit\/portal$/, replacement: fileURLToPath(new URL('./src/portal/index.ts', import.meta.url)) },
      { find: /^scimkit\/check$/, replacement: fileURLToPath(new URL('./src/check/index.ts', import.meta.url)) },
      { find: /^scimkit\/testing$/, replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)) },
      { find: /^scimkit\/(express|koa|fetch|node|fastify)$/, replacement: fileURLToPath(new URL('./src/adapters/$1.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // one PGlite initdb per run; every test database starts from its dump (test/pglite.ts)
    globalSetup: ['test/setup/pglite-snapshot.ts'],
    // hang guards sized for a busy 2-core machine (PGlite alone took 10 s to start there), not
    // speed targets: those are benchmarks
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'threads',
  },
});
