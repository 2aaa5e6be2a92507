import { defineConfig } from 'vitest/config';

// End-to-end: the committed dist/ bundles run in a subprocess as the runner runs them.
// WG_NODE picks the Node binary for the subprocess (scripts/test.sh runs this twice).
export default defineConfig({
  test: {
    include: ['__tests__/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // s3rver makes its ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only
    // offers through its legacy provider: without it, listing past 1,000 keys answers 500.
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--openssl-legacy-provider'] } },
  },
});
