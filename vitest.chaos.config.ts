import { defineConfig } from 'vitest/config';

/**
 * `npm run test:chaos`: the brief's guarantees under injected faults, on the real services. One file
 * per scenario, run one at a time (some restart Redis or a broker, which every other file would
 * feel); the summary table prints after the last. `CHAOS_PROFILE=ci` picks the CI sizes.
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.ts'],
    globalSetup: ['test/chaos/support/global-setup.ts'],
    reporters: ['default', './test/chaos/support/summary-reporter.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
