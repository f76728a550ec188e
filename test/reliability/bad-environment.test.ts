// A bad environment: odd RECORD and CI values, a cassette folder that cannot be written (tests run as
// root here, where chmod stops nothing: a regular file where the folder should be, a read-only mount
// when the machine allows mounting, and a file size limit that fails the write half way, like a full
// disk), and a directory where the cassette should be. Each gives a clear error naming what is wrong,
// and leaves no partial state: no half file, no temp or lock file, an existing cassette untouched.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayError, ToolCallCassette, isCI, resolveMode, withCassette } from '../../src/index.js';
import { fixtures, listFiles, note, removeDir, runScript, runs, tempDir } from './helpers.js';

const VALID_RECORD = ['', 'auto', '0', 'none', 'replay', '1', 'all', 'record', 'new', 'off', 'passthrough', 'verify'];

function modeError(env: Record<string, string>): ReplayError {
  try {
    resolveMode(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ReplayError);
    return error as ReplayError;
  }
  throw new Error(`resolveMode(${JSON.stringify(env)}) did not throw`);
}

describe('RECORD and CI values', () => {
  it.each(['yes', '2', 'true', 'on', 'rec', 'replay-only', '1 ', ' ALL ', 'Record', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])('RECORD=%j', (value) => {
    const valid = VALID_RECORD.includes(value.trim().toLowerCase());
    if (valid) {
      expect(() => resolveMode({ RECORD: value })).not.toThrow();
      return;
    }
    const error = modeError({ RECORD: value });
    expect(error.reason).toBe('invalid-mode');
    expect(error.message).toContain(`RECORD=${JSON.stringify(value)}`); // quoted: spaces and case show
    for (const shown of ['RECORD=0', 'RECORD=1', 'RECORD=new', 'RECORD=off', 'RECORD=verify']) expect(error.message).toContain(shown);
  });

  it('any RECORD value is a known mode or invalid-mode listing the valid ones, never anything else (fast-check)', () => {
    const numRuns = runs(500);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom(...VALID_RECORD).map((v) => ` ${v.toUpperCase()}\t`)), fc.option(fc.constantFrom('true', '1', 'false', '0', '', 'yes'), { nil: undefined }), (record, ci) => {
        const env = { RECORD: record, ...(ci === undefined ? {} : { CI: ci }) };
        let mode: string | undefined;
        try {
          mode = resolveMode(env);
        } catch (error) {
          expect(error).toBeInstanceOf(ReplayError);
          expect(['invalid-mode', 'record-forbidden-in-ci']).toContain((error as ReplayError).reason);
          if ((error as ReplayError).reason === 'invalid-mode') expect(VALID_RECORD).not.toContain(record.trim().toLowerCase());
          return;
        }
        expect(VALID_RECORD).toContain(record.trim().toLowerCase());
        if (isCI(env)) expect(['replay', 'passthrough', 'verify']).toContain(mode);
      }),
      { numRuns },
    );
  });

  it.each([
    ['false', false],
    ['0', false],
    ['', false],
    [' FALSE ', false],
    ['true', true],
    ['1', true],
    ['yes', true],
    ['github-actions', true],
  ])('CI=%j is CI: %s', (ci, expected) => {
    expect(isCI({ CI: ci })).toBe(expected);
    expect(resolveMode({ CI: ci })).toBe(expected ? 'replay' : 'auto');
    if (expected) {
      expect(modeError({ CI: ci, RECORD: '1' })).toMatchObject({ reason: 'record-forbidden-in-ci' });
      expect(resolveMode({ CI: ci, RECORD: '1', TAPEDECK_ALLOW_CI_RECORD: '1' })).toBe('record');
    } else {
      expect(resolveMode({ CI: ci, RECORD: '1' })).toBe('record');
    }
  });

  it('a process started with RECORD=yes fails its first cassette with invalid-mode before the test body runs, and writes nothing', async () => {
    const dir = await tempDir('bad-record');
    try {
      const path = join(dir, 'c.json');
      for (const env of [{ RECORD: 'yes' }, { RECORD: '2' }, { CI: 'true', RECORD: 'all' }]) {
        const run = await runScript('env-scope.ts', [path, '10'], { env });
        expect(run.code, run.stderr).toBe(0);
        const result = JSON.parse(run.stdout.replace(/^error /, '')) as { reason: string; message: string };
        expect(run.stdout.startsWith('error ')).toBe(true);
        expect(result.reason).toBe(env.CI ? 'record-forbidden-in-ci' : 'invalid-mode');
        expect(result.message).toMatch(new RegExp(`RECORD="?${env.RECORD}"?`));
      }
      expect(await listFiles(dir)).toEqual([]);
    } finally {
      await removeDir(dir);
    }
  });
});

describe('cassette folders that cannot be written', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('bad-env');
  });
  afterAll(async () => {
    await removeDir(dir);
  });

  it('a regular file where the cassette folder should be: the error names the cassette, and nothing is created', async () => {
    await writeFile(join(dir, 'not-a-folder'), 'a file\n');
    const path = join(dir, 'not-a-folder', '__cassettes__', 'c.json');
    let ran = false;
    const error = await withCassette({ path, mode: 'auto', http: false }, () => {
      ran = true;
    }).catch((e: unknown) => e);
    // Found when the cassette is loaded, before the test body spends anything on live calls.
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(ReplayError);
    expect((error as ReplayError).cassettePath).toBe(path);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(/ENOTDIR|not a directory/);
    // And a direct save there fails the same clear way.
    const c = new ToolCallCassette();
    c.record({ toolId: 't', args: [1], output: 1 });
    const saveError = (await c.save(path).catch((e: unknown) => e)) as Error;
    expect(saveError.message).toContain(path);
    expect(await listFiles(dir)).toEqual(['not-a-folder']);
    expect(await readFile(join(dir, 'not-a-folder'), 'utf8')).toBe('a file\n');
  });

  // Mounting needs CAP_SYS_ADMIN (root in this container; usually not on a developer's machine).
  const canMount = (() => {
    if (process.platform !== 'linux') return false;
    const probe = spawnSync('sh', ['-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=16k,ro tmpfs "$d" && umount "$d"; s=$?; rmdir "$d"; exit $s'], { stdio: 'ignore' });
    return probe.status === 0;
  })();

  it.skipIf(!canMount)('a read-only file system (tmpfs mounted ro): the error names the cassette, nothing is written', async () => {
    const mountPoint = join(dir, 'readonly');
    await mkdir(mountPoint);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', mountPoint]);
    try {
      const path = join(mountPoint, 'c.json');
      const run = await runScript('env-scope.ts', [path, '10', 'auto']);
      expect(run.stdout.startsWith('error '), run.stdout + run.stderr).toBe(true);
      const error = JSON.parse(run.stdout.slice('error '.length)) as { message: string; code: string };
      expect(error.code).toBe('EROFS');
      expect(error.message).toContain(`tapedeck: could not write ${path}`);
      expect(await listFiles(mountPoint)).toEqual([]);
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });

  it('a full disk half way through the write (ulimit -f): the old cassette stays whole, no temp or lock file is left', async () => {
    const folder = join(dir, 'full');
    const path = join(folder, 'c.json');
    // An existing small recording, then a re-recording 4x the size of what the limit allows.
    const first = await runScript('env-scope.ts', [path, '100', 'record']);
    expect(first.stdout.trim()).toBe('ok {"value":1}');
    const before = await readFile(path, 'utf8');
    const limited = spawnSync('sh', ['-c', `ulimit -f 64 && exec "${process.execPath}" --import tsx "${join(fixtures, 'env-scope.ts')}" "${path}" 131072 record`], {
      encoding: 'utf8',
      env: { ...process.env, CI: '', RECORD: '' },
    });
    expect(limited.stdout.startsWith('error '), limited.stdout + limited.stderr).toBe(true);
    const error = JSON.parse(limited.stdout.slice('error '.length)) as { message: string; code: string };
    expect(error.code).toBe('EFBIG');
    expect(error.message).toContain(`tapedeck: could not write ${path}`);
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await listFiles(folder)).toEqual(['c.json']);
    note(`bad environment: a write cut off by a 32 KB file size limit failed with "${error.message.split('\n')[0]}" and left the old cassette intact`);
  });

  it('a directory where the cassette file should be: corrupt-cassette before the test runs, and a save leaves nothing behind', async () => {
    const path = join(dir, 'is-a-folder.json');
    await mkdir(path);
    await writeFile(join(path, 'keep.txt'), 'mine');
    let ran = false;
    const error = await withCassette({ path, mode: 'auto', http: false }, () => {
      ran = true;
    }).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(error).toMatchObject({ reason: 'corrupt-cassette', cassettePath: path, message: expect.stringMatching(/is a directory/) });
    const c = new ToolCallCassette();
    c.record({ toolId: 't', args: [1], output: 1 });
    const saveError = (await c.save(path).catch((e: unknown) => e)) as Error & { code?: string };
    expect(saveError.message).toContain(path);
    expect(['EISDIR', 'ENOTEMPTY', 'EEXIST']).toContain(saveError.code);
    expect((await listFiles(dir)).filter((f) => f.startsWith('is-a-folder') || f.startsWith('.is-a-folder'))).toEqual(['is-a-folder.json/keep.txt']);
  });

  it('a broken unused-entries note (a folder in its place) is a warning, never a failed test', async () => {
    const folder = join(dir, 'note');
    const path = join(folder, 'c.json');
    const c = new ToolCallCassette();
    c.record({ toolId: 'used', args: [1], output: 1 });
    c.record({ toolId: 'unused', args: [2], output: 2 });
    await c.save(path);
    await mkdir(join(folder, '.tapedeck-unused.json'));
    const warnings: string[] = [];
    await withCassette({ path, mode: 'replay', http: false, onWarning: (w) => warnings.push(w) }, (cassette) => {
      expect(cassette.replay({ toolId: 'used', args: [1] })).toBe(1);
    });
    expect(warnings.join('\n')).toMatch(/never replayed/);
  });
});
