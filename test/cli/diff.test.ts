import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolCallCassette } from '../../src/cassette.js';
import { run, saveCassette, tempDir, weatherCassette, weatherFile, writeJson } from './helpers.js';
import { argsHash } from '../../src/hash.js';

describe('tapedeck diff', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it('exits 0 for two cassettes with the same entries', async () => {
    await saveCassette(join(dir, 'a.json'));
    await saveCassette(join(dir, 'b.json'));
    const result = await run(['diff', 'a.json', 'b.json'], dir);
    expect(result.code).toBe(0);
    expect(result.lines).toEqual(['tapedeck diff: a.json and b.json hold the same 4 entries']);
  });

  it('lists removed, added and changed entries by toolId, with the JSON paths that differ', async () => {
    await saveCassette(join(dir, 'a.json'));
    const b = new ToolCallCassette();
    b.record({ toolId: 'weather.get', args: [{ city: 'SFO' }], output: { temp_f: 62 } });
    b.record({ toolId: 'weather.get', args: [{ city: 'SFO' }], output: { temp_f: 70 } }); // 2nd call: new answer
    b.record({
      toolId: 'http:POST https://api.openai.com/v1/chat/completions',
      args: { query: {}, body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'weather in SFO?' }] } },
      output: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, body: { json: { id: 'chatcmpl-2', choices: [{ message: { content: 'It is 62F.' } }] } } },
    });
    b.record({ toolId: 'search.web', args: ['sfo weather'], output: ['62F'] });
    b.setSignature('weather.get', 'a'.repeat(64));
    b.updateMeta({ tapedeck: '0.1.0', recordedAt: '2026-11-24T10:00:00.000Z' });
    await saveCassette(join(dir, 'b.json'), b);

    const result = await run(['diff', 'a.json', 'b.json'], dir);
    expect(result.code).toBe(1);
    const http = 'http:POST https://api.openai.com/v1/chat/completions';
    const oldHttp = argsHash({ query: {}, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'weather in SFO?' }] } }).slice(0, 12);
    const newHttp = argsHash({ query: {}, body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'weather in SFO?' }] } }).slice(0, 12);
    const sfo = argsHash([{ city: 'SFO' }]).slice(0, 12);
    expect(result.lines).toEqual([
      '--- a.json',
      '+++ b.json',
      `- calc.eval  entries[1]  ${argsHash(['6*7']).slice(0, 12)}`,
      '    args: ["6*7"]',
      `+ search.web  entries[3]  ${argsHash(['sfo weather']).slice(0, 12)}`,
      '    args: ["sfo weather"]',
      `~ weather.get #2  entries[2] -> entries[1]  ${sfo}  changed answer`,
      '    result.value.temp_f: 63 -> 70',
      `~ ${http}  entries[3] -> entries[2]  ${oldHttp} -> ${newHttp}  changed behaviour`,
      '    args.body.model: "gpt-4o-mini" -> "gpt-4o"',
      'tapedeck diff: 1 removed, 1 added, 2 changed (1 changed behaviour, 1 changed answer)',
    ]);
  });

  it('shows ids and timestamps that differ only with --all', async () => {
    await saveCassette(join(dir, 'a.json'));
    const b = weatherFile();
    const http = b.entries[3]!.result as { ok: true; value: { body: { json: { id: string } } } };
    http.value.body.json.id = 'chatcmpl-2';
    b.meta = { ...b.meta, recordedAt: '2026-11-24T10:00:00.000Z' };
    await writeJson(join(dir, 'b.json'), b);
    const result = await run(['diff', 'a.json', 'b.json'], dir);
    expect(result.code).toBe(0);
    expect(result.lines).toEqual(['tapedeck diff: a.json and b.json mean the same: 1 call differs only in ids, timestamps or chunking (--all shows them)']);
    const all = await run(['diff', '--all', 'a.json', 'b.json'], dir);
    expect(all.code).toBe(1);
    expect(all.lines).toEqual([
      '--- a.json',
      '+++ b.json',
      `~ http:POST https://api.openai.com/v1/chat/completions  entries[3]  ${b.entries[3]!.argsHash.slice(0, 12)}  same meaning`,
      '    result.value.body.json.id: "chatcmpl-1" -> "chatcmpl-2"',
      '~ meta',
      '    meta.recordedAt: "2026-11-23T10:00:00.000Z" -> "2026-11-24T10:00:00.000Z"',
      'tapedeck diff: 0 removed, 0 added, 1 changed (1 same meaning), metadata differs',
    ]);
  });

  it('masks credentials in what it prints, text and JSON', async () => {
    const key = `sk-proj-${'Q9w8E7r6'.repeat(5)}`;
    const a = weatherFile();
    const b = weatherFile();
    (b.entries[0]!.result as { value: unknown }).value = { temp_f: 62, note: `key ${key}` };
    await writeJson(join(dir, 'a.json'), a);
    await writeJson(join(dir, 'b.json'), b);
    for (const argv of [['diff', 'a.json', 'b.json'], ['diff', '--json', 'a.json', 'b.json']]) {
      const { out } = await run(argv, dir);
      expect(out).toContain('[masked: ');
      expect(out).not.toContain(key);
    }
  });

  it('gives the diff as JSON and uses colours only when asked', async () => {
    const a = weatherCassette();
    await saveCassette(join(dir, 'a.json'), a);
    const b = weatherCassette();
    b.record({ toolId: 'calc.eval', args: ['1+1'], output: 2 });
    await saveCassette(join(dir, 'b.json'), b);
    const json = await run(['diff', '--json', 'a.json', 'b.json'], dir);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ identical: false, reordered: false, meta: [], changes: [{ kind: 'added', toolId: 'calc.eval', b: { index: 4 } }] });
    expect((await run(['diff', 'a.json', 'b.json'], dir)).out).not.toContain('\u001b[');
    expect((await run(['diff', 'a.json', 'b.json'], dir, true)).out).toContain('\u001b[32m+\u001b[39m');
  });

  it('notices entries recorded in another order', async () => {
    const a = new ToolCallCassette();
    a.record({ toolId: 'x', args: [1], output: 1 });
    a.record({ toolId: 'y', args: [2], output: 2 });
    const b = new ToolCallCassette();
    b.record({ toolId: 'y', args: [2], output: 2 });
    b.record({ toolId: 'x', args: [1], output: 1 });
    for (const [name, c] of [['a.json', a], ['b.json', b]] as const) {
      c.updateMeta({ recordedAt: '2026-11-23T10:00:00.000Z' });
      await saveCassette(join(dir, name), c);
    }
    const result = await run(['diff', 'a.json', 'b.json'], dir);
    expect(result.code).toBe(1);
    expect(result.lines.at(-1)).toBe('tapedeck diff: 0 removed, 0 added, 0 changed, order differs');
  });

  it('exits 2 on a wrong number of files or a file that is not a valid cassette', async () => {
    await saveCassette(join(dir, 'a.json'));
    await writeJson(join(dir, 'broken.json'), { schemaVersion: 1 });
    expect((await run(['diff', 'a.json'], dir)).code).toBe(2);
    const broken = await run(['diff', 'a.json', 'broken.json'], dir);
    expect(broken.code).toBe(2);
    expect(broken.err).toContain('broken.json: $.entries: corrupt-cassette: Invalid input: expected array, received undefined');
    const missing = await run(['diff', 'a.json', 'gone.json'], dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read gone.json');
  });
});
