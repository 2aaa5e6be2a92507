import { defineConfig } from 'vitest/config';

// Unit tests: core and containers against real files in temporary directories.
export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    exclude: ['__tests__/e2e/**', 'node_modules/**'],
    testTimeout: 20_000,
  },
});
