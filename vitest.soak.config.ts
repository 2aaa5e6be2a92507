import { defineConfig } from 'vitest/config';

// The reliability soak: long, sequential, not part of npm test (.ci/run runs the short e2e version).
export default defineConfig({
  test: {
    include: ['__tests__/soak/**/*.test.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--openssl-legacy-provider'] } },
  },
});
