import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    vitest: 'adapters/vitest.ts',
    jest: 'adapters/jest.ts',
    'vitest-reporter': 'adapters/vitest-reporter.ts',
    'jest-reporter': 'adapters/jest-reporter.ts',
    cli: 'src/cli/main.ts',
    // Its own entry, so `tapedeck` costs nothing to those who do not tape MCP.
    mcp: 'src/mcp/index.ts',
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
  // src/zod-runtime.ts and src/http/native.ts resolve dependencies from import.meta.url, the CJS build too.
  shims: true,
  // ci-info's catalogue is bundled: its JSON would otherwise need an import attribute in the ESM build.
  noExternal: ['ci-info'],
  external: ['msw', 'msw/node', /^@mswjs\/interceptors/, 'vitest', '@jest/globals'],
});
