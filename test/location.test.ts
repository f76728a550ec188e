import { basename, dirname, join, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cassettePathFor, fileCassettePathFor, safeFileName } from '../src/index.js';
import { isTapedeckFile, UNUSED_RECORD_FILE } from '../src/location.js';

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

  // The folder is remembered per (cassetteDir, test file): a NUL in either must not split the key elsewhere.
  it('gives test files and cassette folders with NUL or any other character their own folder', () => {
    const a = cassettePathFor({ testFile: '/repo/test/x\u0000y.test.ts', testPath: ['t'] });
    const b = cassettePathFor({ testFile: '/repo/test/x\u0000y.test.ts', testPath: ['t'], cassetteDir: '__cassettes__' });
    expect(a).toBe(b);
    expect(a.startsWith('/repo/test/__cassettes__/x_y.test.ts ~')).toBe(true);
    expect(cassettePathFor({ testFile: '/repo/test/a.test.ts', testPath: ['t'], cassetteDir: 'c\u0000d' })).toBe('/repo/test/c\u0000d/a.test.ts/t.json');
    expect(cassettePathFor({ testFile: '/repo/test/d\u0000a.test.ts', testPath: ['t'], cassetteDir: 'c' })).not.toBe(
      cassettePathFor({ testFile: '/repo/test/a.test.ts', testPath: ['t'], cassetteDir: 'c\u0000d' }),
    );
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

describe('every test name maps to its own file (DESIGN section 11)', () => {
  const pathOf = (...testPath: string[]) => cassettePathFor({ testFile, testPath });
  /** Full case folding, as a case-insensitive file system may apply it. */
  const folded = (path: string) => [...path].map((ch) => ch.toLowerCase().toUpperCase().toLowerCase()).join('');

  it("'' and 'unnamed test' get different files; an empty name still reads as unnamed", () => {
    expect(pathOf('')).not.toBe(pathOf('unnamed test'));
    expect(pathOf('unnamed test')).toBe(join(folder, 'unnamed test.json'));
    expect(pathOf('')).toMatch(/unnamed test ~[0-9a-f]{8}\.json$/);
    expect(cassettePathFor({ testFile, testPath: [] })).not.toBe(pathOf(''));
  });

  it.each([
    ['ſ', 's'],
    ['ς', 'σ'],
    ['ϕ', 'φ'],
    ['ϵ', 'ε'],
    ['ı', 'i'],
    ['\u212a', 'k'],
    ['ß', 'ss'],
    ['the ſun', 'the sun'],
  ])('%s and %s, which fold together on NTFS/APFS, get different files', (a, b) => {
    expect(folded(pathOf(a))).not.toBe(folded(pathOf(b)));
    expect(pathOf(b)).toBe(join(folder, `${b}.json`)); // the plain one stays readable
  });

  it('a leading dot never hides a cassette nor lands on tapedeck\'s own files', () => {
    for (const name of ['.tapedeck-unused', '.hidden', '.', '..', '.env']) {
      const base = pathOf(name).slice(folder.length + 1);
      expect(base.startsWith('.'), base).toBe(false);
      expect(isTapedeckFile(base)).toBe(false);
    }
    expect(pathOf('.tapedeck-unused')).not.toBe(join(folder, UNUSED_RECORD_FILE));
    expect(isTapedeckFile(UNUSED_RECORD_FILE)).toBe(true);
    expect(isTapedeckFile('.a.json.1234.0badf00d.tmp')).toBe(true);
    expect(isTapedeckFile('.hidden cassette.json')).toBe(false);
  });

  it('the file-level cassette sits beside the test cassettes, where no test name can land', () => {
    expect(fileCassettePathFor(testFile)).toBe('/repo/test/__cassettes__/agent.test.ts.json');
    expect(fileCassettePathFor(testFile, '/tapes')).toBe('/tapes/agent.test.ts.json');
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 20 }), { minLength: 0, maxLength: 3 }), (names) => {
        const path = cassettePathFor({ testFile, testPath: names });
        expect(folded(path)).not.toBe(folded(fileCassettePathFor(testFile)));
        expect(dirname(path)).toBe(folder); // every test's cassette is inside the folder, never beside it
      }),
      { numRuns: 500 },
    );
    expect(isTapedeckFile(basename(fileCassettePathFor(testFile)))).toBe(false);
  });
});
