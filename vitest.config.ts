import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/fixtures/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    // tapedeck's own tests choose each scope's mode themselves, and the ones about CI set it themselves
    // (child runners get a clean environment, see test/adapters/harness.ts): the CI running this suite
    // must not turn their recordings into replays.
    env: { CI: 'false' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
