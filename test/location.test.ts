import { join, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cassettePathFor, safeFileName } from '../src/index.js';

const testFile = '/repo/test/agent.test.ts';
const folder = '/repo/test/__cassettes__/agent.test.ts';

describe('cassettePathFor', () => {
  it('puts the cassette next to the test file, named for describe › test', () => {
    expect(cassettePathFor({ testFile, testPath: ['weather', 'answers in fahrenheit'] })).toBe(join(folder, 'weather › answers in fahrenheit.json'));
  });

  it('honours cassetteDir, relative to the test file or absolute', () => {
    expect(cassettePathFor({ testFile, testPath: ['t'], cassetteDir: 'tapes' })).toBe('/repo/test/tapes/agent.test.ts/t.json');
    expect(cassettePathFor({ testFile, testPath: ['t'], cassetteDir: '/cassettes' })).toBe('/cassettes/agent.test.ts/t.json');
  });

  const hostile = ['../../etc/passwd', 'a/b', 'a\\b', 'nul\u0000byte', 'x'.repeat(300), '🎉'.repeat(100), 'CON', 'nul', 'com1.txt', 'trailing dot.', 'trailing space ', '..', '.', '<>:"|?*', ''];
  it.each(hostile)('keeps %j inside the cassette folder with a safe name', (name) => {
    const path = cassettePathFor({ testFile, testPath: [name] });
    expect(resolve(path).startsWith(folder + sep)).toBe(true);
    const base = path.slice(folder.length + 1);
    // eslint-disable-next-line no-control-regex
    expect(base).not.toMatch(/[<>:"/\\|?*\u0000-\u001f]/);
    expect(base).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i);
    expect(Buffer.byteLength(base)).toBeLessThanOrEqual(200);
    expect(base.endsWith('.json')).toBe(true);
    expect(cassettePathFor({ testFile, testPath: [name] })).toBe(path); // stable across runs
  });

  it('never lets two different names share a file, even names differing only in case or by sanitising', () => {
    const names = ['a/b', 'a_b', 'a\\b', 'Test', 'test', 'TEST', 'CON', '_CON', 'x'.repeat(300), `${'x'.repeat(300)}y`, 'dot.', 'dot'];
    const paths = names.map((n) => cassettePathFor({ testFile, testPath: [n] }).toLowerCase());
    expect(new Set(paths).size).toBe(names.length);
  });

  it('keeps plain lower-case names readable, without a hash', () => {
    expect(safeFileName('agent answers with tools')).toBe('agent answers with tools');
    expect(safeFileName('Agent')).toMatch(/^Agent ~[0-9a-f]{8}$/);
  });
});
