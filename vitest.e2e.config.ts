import { defineConfig } from 'vitest/config';

// End-to-end: the committed dist/ bundles run in a subprocess as the runner runs them.
// WG_NODE picks the Node binary for the subprocess (scripts/test.sh runs this twice).
export default defineConfig({
  test: {
    include: ['__tests__/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
