import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    vitest: 'adapters/vitest.ts',
    jest: 'adapters/jest.ts',
    'vitest-reporter': 'adapters/vitest-reporter.ts',
    'jest-reporter': 'adapters/jest-reporter.ts',
    cli: 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  // One shared chunk, so `tapedeck` and `tapedeck/vitest` loaded together share one core instance
  // (one AsyncLocalStorage, one msw server, one configure()).
  splitting: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  sourcemap: false,
  // src/http/native.ts finds tapedeck's own dependencies from import.meta.url, in the CommonJS build too.
  shims: true,
  external: ['msw', 'msw/node', /^@mswjs\/interceptors/, 'vitest', '@jest/globals'],
});
