import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordUnused } from '../../src/unused-record.js';
import { ToolCallCassette } from '../../src/cassette.js';
import { run, saveCassette, tempDir, weatherFile, writeJson } from './helpers.js';

const folder = join('test', '__cassettes__', 'agent.test.ts');

describe('tapedeck list', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it('lists cassettes sorted by path with entries, size, recordedAt and tools', async () => {
    const small = new ToolCallCassette();
    small.record({ toolId: 'calc.eval', args: ['1+1'], output: 2 });
    small.updateMeta({ recordedAt: '2026-01-02T03:04:05.000Z' });
    await saveCassette(join(dir, folder, 'b small.json'), small);
    await saveCassette(join(dir, folder, 'a weather.json'));
    await writeJson(join(dir, folder, 'c broken.json'), '{');
    const result = await run(['list'], dir);
    expect(result.code).toBe(0);
    const [header, ...rows] = result.lines;
    expect(header).toMatch(/^PATH +ENTRIES +SIZE +RECORDED +TOOLS$/);
    expect(rows[0]).toMatch(
      new RegExp(
        `^${folder}/a weather\\.json +4 +\\d+\\.\\d KB +2026-11-23T10:00:00\\.000Z +calc\\.eval, http:POST https://api\\.openai\\.com/v1/chat/completions, weather\\.get \\(2\\)$`,
      ),
    );
    expect(rows[1]).toMatch(new RegExp(`^${folder}/b small\\.json +1 +\\d+ B +2026-01-02T03:04:05\\.000Z +calc\\.eval$`));
    expect(rows[2]).toMatch(new RegExp(`^${folder}/c broken\\.json +- +1 B +- +invalid: \\$: invalid-json: not valid JSON`));
    expect(rows[3]).toMatch(/^3 cassettes, 5 entries, \d+\.\d KB, 1 invalid \(run tapedeck check\)$/);
  });

  it('prints --json with byte sizes, tool call counts and the unused entries of the last run', async () => {
    const path = await saveCassette(join(dir, folder, 'weather.json'));
    const entries = weatherFile().entries;
    await recordUnused(path, [{ index: 1, toolId: entries[1]!.toolId, argsHash: entries[1]!.argsHash }]);
    const result = await run(['list', '--json', 'test'], dir);
    expect(result.code).toBe(0);
    const [summary] = JSON.parse(result.out) as Array<Record<string, unknown>>;
    expect(summary).toEqual({
      path: `${folder}/weather.json`,
      valid: true,
      entries: 4,
      unused: 1,
      size: expect.any(Number) as number,
      recordedAt: '2026-11-23T10:00:00.000Z',
      schemaVersion: 1,
      tools: { 'calc.eval': 1, 'http:POST https://api.openai.com/v1/chat/completions': 1, 'weather.get': 2 },
    });
    expect((await run(['list'], dir)).lines[1]).toMatch(/ 4 \(1 unused\) /);
  });

  it('says when there is nothing to list, and exits 2 on a missing path', async () => {
    expect((await run(['list'], dir)).lines).toEqual(['0 cassettes, 0 entries, 0 B']);
    const missing = await run(['list', 'nope'], dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no such file or directory: nope');
  });
});
