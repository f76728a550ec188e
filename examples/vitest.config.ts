// The examples' vitest project: nothing tapedeck-specific (importing tapedeck/vitest is the whole setup).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['**/*.test.ts'],
    exclude: ['**/*.jest.test.ts', '**/node_modules/**'],
  },
});
