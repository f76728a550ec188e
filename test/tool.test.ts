import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ReplayError, tool, toolSignature, withCassette } from '../src/index.js';

const quiet = { onWarning: () => undefined, http: false } as const;
const tempPath = async () => join(await mkdtemp(join(tmpdir(), 'tapedeck-tool-')), 'c.json');

describe('tool()', () => {
  it('keeps the wrapped function callable with the same arguments, and exposes its id', async () => {
    const add = tool('math.add', async (a: number, b: number) => a + b);
    expect(await add(2, 3)).toBe(5);
    expect(add.toolId).toBe('math.add');
    expect(add.signature).toBeUndefined();
  });

  it('validates args against the schema on every call, naming the path', async () => {
    const weather = tool('weather.get', async (args: { city: string }) => args.city, { schema: z.object({ city: z.string().min(2) }) });
    expect(await weather({ city: 'SFO' })).toBe('SFO');
    const error = (await weather({ city: 1 as unknown as string }).catch((e: unknown) => e)) as ReplayError;
    expect(error.reason).toBe('invalid-args');
    expect(error.jsonPath).toBe('args[0].city');
  });

  it('validates the whole argument list when the schema is a tuple', async () => {
    const add = tool('math.add', async (a: number, b: number) => a + b, { schema: z.tuple([z.number(), z.number()]) });
    expect(await add(1, 2)).toBe(3);
    await expect(add(1, 'x' as unknown as number)).rejects.toMatchObject({ reason: 'invalid-args', jsonPath: 'args[1]' });
  });

  it('signs the schema and version: same inputs, same signature; any change, a new one', () => {
    const s1 = toolSignature({ schema: z.object({ city: z.string() }), version: '1' });
    expect(s1).toMatch(/^[0-9a-f]{64}$/);
    expect(toolSignature({ schema: z.object({ city: z.string() }), version: '1' })).toBe(s1);
    expect(toolSignature({ schema: z.object({ city: z.string() }), version: '2' })).not.toBe(s1);
    expect(toolSignature({ schema: z.object({ city: z.string(), units: z.string() }), version: '1' })).not.toBe(s1);
    expect(toolSignature({})).toBeUndefined();
  });

  it('refuses to replay a cassette recorded with another tool signature (tool-signature-mismatch)', async () => {
    const path = await tempPath();
    let live = 0;
    const v1 = tool('weather.get', async (city: string) => ({ city, live: ++live }), { version: '1' });
    await withCassette({ path, mode: 'record', ...quiet }, async () => v1('SFO'));
    expect(await withCassette({ path, mode: 'replay', ...quiet }, async () => v1('SFO'))).toEqual({ city: 'SFO', live: 1 });
    const v2 = tool('weather.get', async (city: string) => ({ city, live: ++live }), { version: '2' });
    const error = (await withCassette({ path, mode: 'replay', ...quiet }, async () => v2('SFO')).catch((e: unknown) => e)) as ReplayError;
    expect(error.reason).toBe('tool-signature-mismatch');
    expect(error.message).toContain(v1.signature!);
    expect(error.message).toContain(v2.signature!);
    const unsigned = tool('weather.get', async (city: string) => ({ city }));
    await expect(withCassette({ path, mode: 'replay', ...quiet }, async () => unsigned('SFO'))).rejects.toMatchObject({ reason: 'tool-signature-mismatch' });
    // Re-recording with the new version makes it replayable again.
    await withCassette({ path, mode: 'record', ...quiet }, async () => v2('SFO'));
    expect(await withCassette({ path, mode: 'replay', ...quiet }, async () => v2('SFO'))).toEqual({ city: 'SFO', live: 2 });
  });

  it('hashes normalize(args) and stores them, so volatile args still replay', async () => {
    const path = await tempPath();
    const search = tool('search', async (q: string, _now: number) => `hits for ${q}`, { normalize: ([q]) => [q.toLowerCase()] });
    await withCassette({ path, mode: 'record', ...quiet }, async () => search('Cats', 1));
    expect(await withCassette({ path, mode: 'replay', ...quiet }, async () => search('CATS', 2))).toBe('hits for Cats');
  });

  it('rejects non-JSON args with args-not-json before any live call', async () => {
    const path = await tempPath();
    let live = 0;
    const t = tool('t', async (_x: unknown) => ++live);
    await expect(withCassette({ path, mode: 'auto', ...quiet }, async () => t({ n: NaN }))).rejects.toMatchObject({ reason: 'args-not-json', jsonPath: 'args[0].n' });
    expect(live).toBe(0);
  });

  it('hands out a copy of a replayed result: mutating it in mode new changes neither later replays nor the file', async () => {
    const path = await tempPath();
    const live = tool('list.get', async (n: number) => ({ items: [n] }));
    await withCassette({ path, mode: 'auto', ...quiet }, async () => {
      await live(1);
      await live(1);
    });
    const before = JSON.parse(await readFile(path, 'utf8')) as { entries: unknown[] };
    await withCassette({ path, mode: 'new', ...quiet }, async () => {
      const first = await live(1);
      first.items.push(99); // the code under test edits what it got back
      expect(await live(1)).toEqual({ items: [1] }); // the second recording is untouched
      await live(2); // a new call: new mode appends it, so the file is written
    });
    const after = JSON.parse(await readFile(path, 'utf8')) as { entries: Array<{ result: unknown }> };
    expect(after.entries.slice(0, 2)).toEqual(before.entries);
    // Where the edit could land: the entries (the meta holds a git commit hash, which may contain "99").
    expect(JSON.stringify(after.entries)).not.toContain('99');
  });
});
