import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Suites that spawn servers and hit the shared services run in parallel files but each isolates
    // itself with its own key prefix, schema and queues.
    pool: 'forks',
    maxWorkers: 2,
  },
});
