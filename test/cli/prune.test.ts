import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolCallCassette } from '../../src/cassette.js';
import { stableStringify } from '../../src/store.js';
import { UNUSED_RECORD_FILE, recordUnused } from '../../src/unused-record.js';
import { run, saveCassette, tempDir, weatherFile } from './helpers.js';

const folder = join('test', '__cassettes__', 'agent.test.ts');

describe('tapedeck prune', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let path: string;
  let shown: string;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    path = await saveCassette(join(dir, folder, 'agent answers.json'));
    shown = `${folder}/agent answers.json`;
  });
  afterEach(() => cleanup());

  /** What the lifecycle notes for entry `index` of the weather cassette. */
  const note = (index: number) => {
    const entry = weatherFile().entries[index]!;
    return { index, toolId: entry.toolId, argsHash: entry.argsHash };
  };
  const short = (index: number) => note(index).argsHash.slice(0, 12);

  it('--dry-run prints what would be removed and changes nothing', async () => {
    await recordUnused(path, [note(1), note(3)]);
    const before = await readFile(path, 'utf8');
    const record = await readFile(join(dir, folder, UNUSED_RECORD_FILE), 'utf8');
    const result = await run(['prune', '--dry-run'], dir);
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      `${shown}: entries[1] calc.eval ${short(1)}: would remove`,
      `${shown}: entries[3] http:POST https://api.openai.com/v1/chat/completions ${short(3)}: would remove`,
      'tapedeck prune: would remove 2 unused entries from 1 cassette (dry run: nothing changed)',
    ]);
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await readFile(join(dir, folder, UNUSED_RECORD_FILE), 'utf8')).toBe(record);
  });

  it('rewrites the cassette without the unused entries, stably, and deletes the record', async () => {
    await recordUnused(path, [note(1), note(3)]);
    const result = await run(['prune'], dir);
    expect(result.code).toBe(0);
    expect(result.lines.at(-1)).toBe('tapedeck prune: removed 2 unused entries from 1 cassette');
    const expected = weatherFile();
    expected.entries = [expected.entries[0]!, expected.entries[2]!];
    expect(await readFile(path, 'utf8')).toBe(stableStringify(expected));
    const reloaded = (await ToolCallCassette.load(path))!;
    expect(reloaded.replay({ toolId: 'weather.get', args: [{ city: 'SFO' }] })).toEqual({ temp_f: 62 });
    expect(reloaded.replay({ toolId: 'weather.get', args: [{ city: 'SFO' }] })).toEqual({ temp_f: 63 });
    expect(await readdir(join(dir, folder))).toEqual(['agent answers.json']);
    expect((await run(['prune'], dir)).lines).toEqual(['tapedeck prune: removed 0 unused entries from 0 cassettes']);
  });

  it('drops the recorded signature of a tool left without entries', async () => {
    await recordUnused(path, [note(0), note(2)]);
    await run(['prune'], dir);
    const file = JSON.parse(await readFile(path, 'utf8')) as { meta: Record<string, unknown>; entries: Array<{ toolId: string }> };
    expect(file.entries.map((e) => e.toolId)).toEqual(['calc.eval', 'http:POST https://api.openai.com/v1/chat/completions']);
    expect(file.meta.tools).toBeUndefined();
    expect(file.meta.recordedAt).toBe('2026-11-23T10:00:00.000Z');
  });

  it('skips, with a warning, a noted entry that no longer matches the cassette', async () => {
    await recordUnused(path, [note(1), { ...note(3), index: 0 }, { ...note(0), index: 9 }]);
    const result = await run(['prune'], dir);
    expect(result.code).toBe(0);
    expect(result.err.split('\n')).toEqual([
      `${shown}: warning: not removing entries[0] ${note(3).toolId} ${short(3)}…: entries[0] is now weather.get ${short(0)}… (re-run the tests, then prune)`,
      `${shown}: warning: not removing entries[9] weather.get ${short(0)}…: the cassette has only 4 entries now (re-run the tests, then prune)`,
    ]);
    expect(result.lines).toEqual([`${shown}: entries[1] calc.eval ${short(1)}: removed`, 'tapedeck prune: removed 1 unused entry from 1 cassette']);
    expect((await ToolCallCassette.load(path))!.size).toBe(3);
  });

  it('never rewrites a cassette that does not load, and exits 1', async () => {
    await recordUnused(path, [note(1)]);
    const file = weatherFile();
    file.entries[0]!.argsHash = 'e'.repeat(64);
    const corrupt = stableStringify(file);
    await writeFile(path, corrupt);
    const result = await run(['prune'], dir);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`${shown}: error: entries[0] (weather.get) has args that no longer hash to its argsHash.`);
    expect(await readFile(path, 'utf8')).toBe(corrupt);
    expect(await readdir(join(dir, folder))).toContain(UNUSED_RECORD_FILE);
  });

  it('reports a damaged record with exit 1 and forgets notes about cassettes that are gone', async () => {
    await recordUnused(path, [note(1)]);
    const record = JSON.parse(await readFile(join(dir, folder, UNUSED_RECORD_FILE), 'utf8')) as { cassettes: Record<string, unknown> };
    record.cassettes['deleted test.json'] = [note(0)];
    await writeFile(join(dir, folder, UNUSED_RECORD_FILE), JSON.stringify(record));
    await writeFile(join(dir, 'test', '__cassettes__', UNUSED_RECORD_FILE), '{"version":1,"cassettes":{"x.json":[{"index":-1}]}}');
    const result = await run(['prune'], dir);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`test/__cassettes__/${UNUSED_RECORD_FILE}: error: not a valid unused-entries record.`);
    expect(result.err).toContain(`${folder}/deleted test.json: warning: the cassette no longer exists; forgetting its unused entries`);
    expect(result.lines.at(-1)).toBe('tapedeck prune: removed 1 unused entry from 1 cassette; 1 error');
    expect(await readdir(join(dir, folder))).toEqual(['agent answers.json']);
  });

  it('exits 2 when a path is not a folder', async () => {
    const result = await run(['prune', shown], dir);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`not a directory: ${shown}`);
  });
});
