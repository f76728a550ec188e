import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { argsHash } from '../src/hash.js';
import { UNUSED_RECORD_FILE, clearUnused, readUnusedRecord, recordUnused, unusedRecordPath } from '../src/unused-record.js';

const entry = (index: number, toolId = 'weather.get') => ({ index, toolId, argsHash: argsHash([index]) });

describe('unused-entries record', () => {
  let dir: string;
  const cassette = (name: string) => join(dir, name);
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tapedeck-unused-'));
    for (const name of ['a.json', 'b.json']) await writeFile(join(dir, name), '{}');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('notes the unused entries of each cassette of a folder in one file, keeping only index, toolId and argsHash', async () => {
    await recordUnused(cassette('a.json'), [{ ...entry(2), args: [2], result: { ok: true } } as never]);
    await recordUnused(cassette('b.json'), [entry(0, 'calc'), entry(1)]);
    expect(unusedRecordPath(cassette('a.json'))).toBe(join(dir, UNUSED_RECORD_FILE));
    expect((await readUnusedRecord(join(dir, UNUSED_RECORD_FILE)))?.record).toEqual({
      version: 1,
      cassettes: { 'a.json': [entry(2)], 'b.json': [entry(0, 'calc'), entry(1)] },
    });
  });

  it('replaces a cassette note on the next run, and deletes the file when the last note is cleared', async () => {
    await recordUnused(cassette('a.json'), [entry(1)]);
    await recordUnused(cassette('b.json'), [entry(0)]);
    await recordUnused(cassette('a.json'), [entry(3)]);
    expect((await readUnusedRecord(join(dir, UNUSED_RECORD_FILE)))?.record.cassettes['a.json']).toEqual([entry(3)]);
    await recordUnused(cassette('a.json'), []);
    expect(Object.keys((await readUnusedRecord(join(dir, UNUSED_RECORD_FILE)))!.record.cassettes)).toEqual(['b.json']);
    await clearUnused(cassette('b.json'));
    expect(await readdir(dir)).toEqual(['a.json', 'b.json']);
    await clearUnused(cassette('b.json')); // nothing to clear: no file appears
    expect(await readdir(dir)).toEqual(['a.json', 'b.json']);
  });

  it('keeps every note when tests of one file finish at the same time', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `t${i}.json`);
    await Promise.all(names.map((name) => writeFile(cassette(name), '{}')));
    await Promise.all(names.map((name, i) => recordUnused(cassette(name), [entry(i)])));
    const record = (await readUnusedRecord(join(dir, UNUSED_RECORD_FILE)))!.record;
    expect(Object.keys(record.cassettes).sort()).toEqual([...names].sort());
    expect(record.cassettes['t7.json']).toEqual([entry(7)]);
  });

  it('writes nothing for a cassette that is not a file on disk', async () => {
    await recordUnused(join(dir, 'in-memory.json'), [entry(0)]);
    await recordUnused(join(dir, 'missing-folder', 'x.json'), [entry(0)]);
    expect(await readdir(dir)).toEqual(['a.json', 'b.json']);
  });

  it('rebuilds a damaged record instead of failing the run', async () => {
    await writeFile(join(dir, UNUSED_RECORD_FILE), '{ "version": 1, "cassettes": ');
    await recordUnused(cassette('a.json'), [entry(4)]);
    expect(JSON.parse(await readFile(join(dir, UNUSED_RECORD_FILE), 'utf8'))).toEqual({ version: 1, cassettes: { 'a.json': [entry(4)] } });
  });

  it('refuses a damaged record when reading it for prune', async () => {
    await writeFile(join(dir, UNUSED_RECORD_FILE), JSON.stringify({ version: 1, cassettes: { 'a.json': [{ index: 0, toolId: 'x', argsHash: 'short' }] } }));
    await expect(readUnusedRecord(join(dir, UNUSED_RECORD_FILE))).rejects.toMatchObject({
      reason: 'corrupt-cassette',
      jsonPath: '$.cassettes["a.json"][0].argsHash',
    });
  });

  it('reports a failure through warn instead of throwing, so housekeeping never fails a test', async () => {
    await mkdir(join(dir, UNUSED_RECORD_FILE)); // a folder where the record should be: unreadable
    const warnings: string[] = [];
    await recordUnused(cassette('a.json'), [entry(0)], (message) => warnings.push(message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^tapedeck: warning: could not update .*\.tapedeck-unused\.json: /);
    await expect(recordUnused(cassette('a.json'), [entry(0)])).rejects.toThrow();
  });
});
