import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('package', () => {
  it('keeps VERSION equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(api.VERSION).toBe(pkg.version);
  });
  it('exports the public names of DESIGN section 0', () => {
    for (const name of ['ToolCallCassette', 'argsHash', 'tool', 'withCassette', 'configure', 'ReplayError', 'resolveMode']) {
      expect(api).toHaveProperty(name);
    }
  });
});
