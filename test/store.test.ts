import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayError } from '../src/index.js';
import { loadJsonFile, saveAtomic, stableStringify } from '../src/store.js';

const tempDir = () => mkdtemp(join(tmpdir(), 'tapedeck-store-'));

describe('stableStringify', () => {
  it('sorts keys at every depth, keeps array order, indents by 2 and ends with a newline', () => {
    expect(stableStringify({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      3,\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });
  it('gives the same bytes for the same data in any key order', () => {
    expect(stableStringify({ x: 1, y: [{ b: 2, a: 1 }] })).toBe(stableStringify({ y: [{ a: 1, b: 2 }], x: 1 }));
  });

  // stableStringify reuses objects that are already in order instead of copying everything; the result
  // must be exactly what sorting a full copy gives, and the input must be left as it was.
  it('writes what a sorted full copy writes, for any data, and leaves its input alone', () => {
    const copySorted = (value: unknown, sort: boolean): unknown => {
      if (Array.isArray(value)) return value.map((v) => copySorted(v, sort));
      if (value === null || typeof value !== 'object') return value;
      const out: Record<string, unknown> = {};
      const keys = Object.keys(value);
      for (const key of sort ? keys.sort() : keys) {
        const v = (value as Record<string, unknown>)[key];
        if (v !== undefined) Object.defineProperty(out, key, { value: copySorted(v, sort && key !== 'result'), enumerable: true, writable: true, configurable: true });
      }
      return out;
    };
    const key = fc.constantFrom('a', 'b', 'B', 'result', '__proto__', '10', '9', 'é', 'z');
    const data = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 2 }), tie('object'), fc.array(tie('value'), { maxLength: 3 })),
      object: fc.dictionary(key, fc.oneof(tie('value'), fc.constant(undefined)), { maxKeys: 5 }),
    })).value;
    fc.assert(
      fc.property(data, (value) => {
        const before = JSON.stringify(value);
        expect(stableStringify(value)).toBe(`${JSON.stringify(copySorted(value, true), null, 2)}\n`);
        expect(JSON.stringify(value)).toBe(before);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('loadJsonFile', () => {
  it('returns null for a missing file', async () => {
    expect(await loadJsonFile(join(await tempDir(), 'nope.json'))).toBeNull();
  });

  it.each([
    ['empty', '', /is empty/],
    ['whitespace', '  \n', /is empty/],
    ['truncated', '{"schemaVersion": 1, "entries": [', /not valid JSON/],
    ['not JSON', 'hello', /not valid JSON/],
  ])('refuses a %s file with corrupt-cassette naming it', async (_what, text, message) => {
    const path = join(await tempDir(), 'c.json');
    await writeFile(path, text);
    const error = await loadJsonFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplayError);
    expect((error as ReplayError).reason).toBe('corrupt-cassette');
    expect((error as ReplayError).cassettePath).toBe(path);
    expect((error as ReplayError).message).toMatch(message);
    expect((error as ReplayError).message).toContain(path);
  });

  it('names the line and column of a syntax error', async () => {
    const path = join(await tempDir(), 'c.json');
    await writeFile(path, '{\n  "a": 1,\n  "b": oops\n}\n');
    await expect(loadJsonFile(path)).rejects.toThrow(/line 3, column \d+/);
  });

  it('accepts a UTF-8 BOM and CRLF line endings', async () => {
    const path = join(await tempDir(), 'c.json');
    await writeFile(path, '\ufeff{\r\n  "a": [1, 2]\r\n}\r\n');
    expect((await loadJsonFile(path))?.data).toEqual({ a: [1, 2] });
  });

  it('refuses a directory where a cassette should be', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'c.json'));
    await expect(loadJsonFile(join(dir, 'c.json'))).rejects.toMatchObject({ reason: 'corrupt-cassette', message: expect.stringMatching(/is a directory/) });
  });
});

describe('saveAtomic', () => {
  it('writes exactly the text, creates folders, and leaves no temp or lock files', async () => {
    const dir = await tempDir();
    const path = join(dir, 'a', 'b', 'c.json');
    await saveAtomic(path, '{"x":1}\n');
    expect(await readFile(path, 'utf8')).toBe('{"x":1}\n');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['c.json']);
  });

  it('refuses to overwrite a file that changed since it was loaded (cassette-conflict)', async () => {
    const path = join(await tempDir(), 'c.json');
    await saveAtomic(path, 'one\n');
    await saveAtomic(path, 'two\n'); // another process wrote in between
    await expect(saveAtomic(path, 'three\n', { expected: 'one\n' })).rejects.toMatchObject({ reason: 'cassette-conflict', cassettePath: path });
    expect(await readFile(path, 'utf8')).toBe('two\n');
    await expect(saveAtomic(path, 'mine\n', { expected: null })).rejects.toMatchObject({ reason: 'cassette-conflict' });
    await saveAtomic(path, 'three\n', { expected: 'two\n' });
    expect(await readFile(path, 'utf8')).toBe('three\n');
  });

  it('removes temp files left by a writer that died', async () => {
    const dir = await tempDir();
    const path = join(dir, 'c.json');
    await writeFile(join(dir, '.c.json.999999999.deadbeef.tmp'), 'half a fi');
    await saveAtomic(path, 'whole\n');
    expect(await readdir(dir)).toEqual(['c.json']);
  });

  it('never leaves a partial file when the writer is killed mid-save (SIGKILL, 12 times)', async () => {
    const dir = await tempDir();
    const path = join(dir, 'big.json');
    const entries = 4000; // ~1 MB per version
    let kills = 0;
    for (let round = 0; round < 12; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/crash/writer.ts'), path, String(entries)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 150));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      kills++;
      const text = await readFile(path, 'utf8').catch(() => null);
      if (text === null) continue; // killed before the first rename: no file is fine, a partial one is not
      const data = JSON.parse(text) as { meta: { version: number }; entries: unknown[] };
      expect(data.entries).toHaveLength(entries);
      expect([0, 1]).toContain(data.meta.version);
    }
    expect(kills).toBe(12);
    await saveAtomic(path, 'final\n');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock'))).toEqual([]);
  });
});

describe('stableStringify and recorded results', () => {
  it('keeps the key order of what a call returned, and sorts everything else', () => {
    const text = stableStringify({ z: 1, entries: [{ toolId: 't', result: { ok: true, value: { city: 'SFO', temp_f: 62, conditions: 'fog' } }, args: { b: 1, a: 2 } }] });
    expect(text.indexOf('"city"')).toBeLessThan(text.indexOf('"temp_f"'));
    expect(text.indexOf('"temp_f"')).toBeLessThan(text.indexOf('"conditions"'));
    expect(text.indexOf('"a"')).toBeLessThan(text.indexOf('"b"'));
    expect(text.indexOf('"entries"')).toBeLessThan(text.indexOf('"z"'));
  });
});
