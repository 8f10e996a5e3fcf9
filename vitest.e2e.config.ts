import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:e2e`: browser tests only (Debian's Chromium driven by playwright-core)
export default defineConfig({
  resolve: base.resolve,
  test: { include: ['test/e2e/**/*.e2e.ts'], testTimeout: 120_000 },
});
