// Hostile test names and test files (src/location.ts, cassettePathFor): whatever a test is called, its
// cassette stays inside __cassettes__, gets a name every OS accepts, never shares a file with another
// test (not even on case-insensitive or normalising file systems), and is the same on every run.
import { mkdir, writeFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cassettePathFor, safeFileName } from '../../src/index.js';
import { note, removeDir, runs, tempDir } from './helpers.js';

const root = '/repo/test';

// Pieces real names are made of, plus everything that attacks a path.
const piece = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom(
    '../', '..', '.', '/', '\\', '..\\..\\', 'a/../../b', '/etc/passwd', 'C:\\Windows', '\u0000', '\u001f', '\u007f',
    'CON', 'con', 'Con', 'NUL', 'nul.txt', 'COM1', 'com1.json', 'LPT9', 'AUX', 'PRN', 'COM¹', 'CON ', 'CON.',
    'ſ', 's', 'ς', 'σ', 'Σ', 'ϕ', 'φ', 'ϵ', 'ε', 'i', '.tapedeck-unused', '.hidden', 'unnamed test', '',
    '🎉', '👩‍👩‍👧', '\u0301', 'é', 'e\u0301', 'ß', 'SS', 'ẞ', 'İ', 'ı', 'K', '\u212a', 'ﬀ', 'Ω', '\u2126',
    ' › ', '›', ' ', '  ', '.', '...', '~', ' ~0123abcd', '<', '>', ':', '"', '|', '?', '*', '%2e%2e', '\t', '\n', '\r\n',
  ),
  fc.integer({ min: 150, max: 400 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 20, max: 120 }).map((n) => '🎉'.repeat(n)),
);
const name = fc.array(piece, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(''));
const testPath = fc.array(name, { minLength: 1, maxLength: 3 });
const testFile = fc.oneof(
  fc.constant(`${root}/agent.test.ts`),
  name.map((n) => `${root}/${n.replace(/[/\\]/g, '_') || 'x'}.test.ts`),
);

/**
 * How a case-insensitive, normalisation-insensitive file system (NTFS, APFS, HFS+) could compare names, at
 * its most merging: NFC, then full Unicode case folding, approximated per character as the lower case of
 * the upper case of the lower case (`ſ`->`s`, `ς`->`σ`, `ϕ`->`φ`, `ϵ`->`ε`, `ı`->`i`, `ß`->`ss`, Kelvin->`k`).
 * `toLowerCase` alone misses all of these.
 */
const folded = (path: string) =>
  [...path.normalize('NFC')]
    .map((ch) => ch.toLowerCase().toUpperCase().toLowerCase())
    .join('')
    .normalize('NFC');

function checkOne(file: string, names: readonly string[]): string {
  const path = cassettePathFor({ testFile: file, testPath: names });
  const folder = join(dirname(file), '__cassettes__');
  expect(resolve(path).startsWith(folder + sep), `${JSON.stringify(names)} -> ${path}`).toBe(true);
  const segments = path.slice(folder.length + 1).split(sep);
  expect(segments).toHaveLength(2); // <test file>/<name>.json: nothing nested, nothing escaped
  for (const segment of segments) {
    // eslint-disable-next-line no-control-regex
    expect(segment).not.toMatch(/[<>:"/\\|?*\u0000-\u001f\u007f]/);
    expect(segment).not.toMatch(/^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i);
    expect(segment).not.toMatch(/[. ]$/);
    expect(segment).not.toMatch(/^(\.|\.\.)$/);
    expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(255 - '.json'.length);
    expect(segment).toBe(segment.normalize('NFC'));
  }
  expect(path.endsWith('.json')).toBe(true);
  expect(cassettePathFor({ testFile: file, testPath: [...names] })).toBe(path); // stable
  return path;
}

describe('cassette paths for hostile names (fast-check)', () => {
  it('stay inside __cassettes__, with a name every OS accepts, the same on every run', () => {
    const numRuns = runs(2000);
    fc.assert(fc.property(testFile, testPath, (file, names) => void checkOne(file, names)), { numRuns });
    note(`hostile names: ${numRuns} generated test names/files: inside __cassettes__, safe on every OS, stable`);
  });

  it('never collide: two different tests never share a file, even on case-insensitive, normalising file systems', () => {
    const numRuns = runs(2000);
    fc.assert(
      fc.property(testPath, testPath, (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        const pa = checkOne(`${root}/agent.test.ts`, a);
        const pb = checkOne(`${root}/agent.test.ts`, b);
        expect(folded(pa), `${JSON.stringify(a)} and ${JSON.stringify(b)} share ${pa}`).not.toBe(folded(pb));
      }),
      { numRuns },
    );
    note(`hostile names: ${numRuns} pairs of different tests, no two sharing a cassette file`);
  });

  it('never collide within a realistic suite: many names that differ only in case, Unicode form, unsafe characters or length', () => {
    const variants = (base: string) => [base, base.toUpperCase(), base[0]!.toUpperCase() + base.slice(1), base.normalize('NFD'), `${base}.`, `${base} `, `${base}/`, `${base}\\`, `${base}:`, `${base}\u0000`];
    const names = ['caf\u00e9', 'con', 'nul', 'com1', 'agent answers', 'x'.repeat(160), `${'x'.repeat(160)}y`, 'ß', 'ss', 'straße', 'ſ', 's', 'ς', 'σ', 'ϕ', 'φ', 'ϵ', 'ε', 'ı', 'i', '\u212a', 'k'].flatMap(variants);
    const unique = [...new Set(names)];
    const paths = unique.map((n) => folded(checkOne(`${root}/agent.test.ts`, [n])));
    expect(new Set(paths).size).toBe(unique.length);
  });

  it('a describe block and a test name holding the separator do not share a file', () => {
    const nested = cassettePathFor({ testFile: `${root}/a.test.ts`, testPath: ['weather', 'answers'] });
    const flat = cassettePathFor({ testFile: `${root}/a.test.ts`, testPath: ['weather › answers'] });
    expect(folded(flat)).not.toBe(folded(nested));
    // The usual case stays readable.
    expect(nested.endsWith(`${sep}weather › answers.json`)).toBe(true);
  });

  it('a test literally named like another test\'s sanitised file name does not take its file', () => {
    const numRuns = runs(1000);
    fc.assert(
      fc.property(name, (n) => {
        const original = checkOne(`${root}/a.test.ts`, [n]);
        const safe = safeFileName(n);
        fc.pre(safe !== n);
        // e.g. `a/b` is saved as `a_b ~1a2b3c4d.json`: a test named `a_b ~1a2b3c4d` must not land there.
        expect(folded(checkOne(`${root}/a.test.ts`, [safe]))).not.toBe(folded(original));
        expect(folded(checkOne(`${root}/a.test.ts`, [safe.toLowerCase()]))).not.toBe(folded(original));
      }),
      { numRuns },
    );
  });
});

describe('on a real file system', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('names');
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it('every hostile name can be created as a file, and each test gets its own', async () => {
    const file = join(dir, 'test', 'agent.test.ts');
    const names = fc.sample(testPath, { numRuns: 300, seed: 7 });
    const distinct = [...new Map(names.map((n) => [JSON.stringify(n), n])).values()];
    const paths = new Set<string>();
    for (const n of distinct) {
      const path = cassettePathFor({ testFile: file, testPath: n });
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, JSON.stringify(n), { flag: 'wx' }); // wx: fails if another test already has it
      paths.add(path);
    }
    const created = await readdir(join(dir, 'test', '__cassettes__', 'agent.test.ts'));
    expect(created).toHaveLength(distinct.length);
    expect(paths.size).toBe(distinct.length);
  });
});
