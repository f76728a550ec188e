import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, readdir, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker, threadId } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayError } from '../src/index.js';
import { currentOwner, loadJsonFile, saveAtomic, stableStringify } from '../src/store.js';

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
    // A whole version is on disk before the first kill, so every round has a file to check.
    const whole = (n: number) =>
      stableStringify({ schemaVersion: 1, meta: { version: n }, entries: Array.from({ length: entries }, (_, i) => ({ i, text: `v${n}-`.padEnd(200, 'x') })) });
    await saveAtomic(path, whole(1));
    let checked = 0;
    for (let round = 0; round < 12; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/crash/writer.ts'), path, String(entries)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 150));
      child.kill('SIGKILL');
      const [code, signal] = (await new Promise((resolve) => child.once('exit', (...args) => resolve(args)))) as [number | null, string | null];
      // Killed while it was saving in a loop: it never stops by itself, so the kill is what ended it.
      expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
      const data = JSON.parse(await readFile(path, 'utf8')) as { meta: { version: number }; entries: unknown[] };
      expect(data.entries).toHaveLength(entries);
      expect([0, 1]).toContain(data.meta.version);
      checked++;
    }
    expect(checked).toBe(12);
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

describe('locks name their owner beyond a pid (DESIGN section 11)', () => {
  /** Resolves to whether `saveAtomic` finished within `ms` (it keeps waiting in the background otherwise). */
  async function finishesWithin(path: string, ms: number): Promise<{ done: boolean; save: Promise<void> }> {
    const save = saveAtomic(path, 'mine\n');
    const done = await Promise.race([save.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
    return { done, save };
  }

  it('a live owner in another PID namespace or on another host is not taken for dead, though its pid is gone here', async () => {
    const me = currentOwner();
    for (const foreign of [
      { ...me, pid: 999_999_999, pidns: 'pid:[4000000001]' }, // a container sharing the volume
      { ...me, pid: 999_999_999, host: `${me.host}-other` }, // another machine sharing the volume
    ]) {
      const path = join(await tempDir(), 'c.json');
      await writeFile(`${path}.lock`, `${JSON.stringify(foreign)}\n`);
      const { done, save } = await finishesWithin(path, 600);
      expect(done).toBe(false); // it waits for the owner instead of writing under its lock
      await unlink(`${path}.lock`); // the owner finishes
      await save;
      expect(await readFile(path, 'utf8')).toBe('mine\n');
    }
  });

  it('a dead owner on this host and namespace, or a pid now used by another process, is broken at once', async () => {
    const me = currentOwner();
    const reused = { ...me, pid: process.ppid, start: '1' }; // a live pid, but not the process that locked
    for (const dead of [{ ...me, pid: 999_999_999 }, reused, { pid: 999_999_999 }]) {
      const path = join(await tempDir(), 'c.json');
      await writeFile(`${path}.lock`, `${JSON.stringify(dead)}\n`);
      expect((await finishesWithin(path, 1_500)).done).toBe(true);
    }
  });

  it('a lock left by a finished worker thread of this process is broken at once, not after 30 s', async () => {
    const path = join(await tempDir(), 'c.json');
    const worker = new Worker(join(import.meta.dirname, 'fixtures/lock/worker-lock.mjs'), { workerData: { path } });
    await new Promise((resolve, reject) => worker.once('exit', resolve).once('error', reject));
    const owner = JSON.parse(await readFile(`${path}.lock`, 'utf8')) as { pid: number; thread: number };
    expect(owner).toMatchObject({ pid: process.pid, thread: expect.any(Number) });
    expect(owner.thread).not.toBe(threadId);
    expect((await finishesWithin(path, 2_000)).done).toBe(true);
    expect(await readdir(dirname(path))).toEqual(['c.json']);
  });
});

describe('a full disk', () => {
  // A real 64 KB tmpfs needs root (mount); where it is not allowed the test says so and does not run.
  const mountable = (() => {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
    const probe = mkdtempSync(join(tmpdir(), 'tapedeck-tmpfs-probe-'));
    const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
    if (ok) spawnSync('umount', [probe]);
    return ok;
  })();

  it.skipIf(!mountable)('leaves no lock, no temp file and no open file handle; the cassette on disk is as it was (real 64 KB tmpfs)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapedeck-full-'));
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status).toBe(0);
    try {
      const path = join(dir, 'a.json');
      await saveAtomic(path, 'old\n');
      // Fill the disk to the last byte.
      await writeFile(join(dir, 'filler'), Buffer.alloc(1024 * 1024)).catch(() => undefined);
      const fds = readdirSync('/proc/self/fd').length;
      for (let i = 0; i < 3; i++) {
        await expect(saveAtomic(path, 'x'.repeat(32 * 1024))).rejects.toMatchObject({ code: expect.stringMatching(/ENOSPC|EDQUOT/) });
      }
      expect(readdirSync('/proc/self/fd').length).toBe(fds);
      expect((await readdir(dir)).sort()).toEqual(['a.json', 'filler']);
      expect(await readFile(path, 'utf8')).toBe('old\n');
    } finally {
      spawnSync('umount', [dir]);
    }
  });
});
