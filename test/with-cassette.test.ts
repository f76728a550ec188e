import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReplayError, ToolCallCassette, configure, tool, withCassette, type Mode } from '../src/index.js';
import { resetConfiguration } from '../src/config.js';

const tempPath = async (name = 'c.json') => join(await mkdtemp(join(tmpdir(), 'tapedeck-wc-')), name);
const exists = (path: string) => stat(path).then(() => true, () => false);

/** A tool whose live calls are counted, so a test can tell replay (0 calls) from live. */
function counter() {
  let live = 0;
  const double = tool('math.double', async (n: number) => {
    live++;
    return { result: n * 2, live };
  });
  return { double, live: () => live };
}

const warnings: string[] = [];
afterEach(() => {
  resetConfiguration();
  warnings.length = 0;
});
const quiet = { onWarning: (m: string) => warnings.push(m), http: false } as const;

async function seed(path: string, calls: number[]): Promise<void> {
  const { double } = counter();
  await withCassette({ path, mode: 'record', ...quiet }, async () => {
    for (const n of calls) await double(n);
  });
}

describe('withCassette: modes x (recorded, unrecorded) x (file exists, not)', () => {
  type Row = [Mode, boolean, { result: 'value' | 'miss'; live: number; written: boolean }];
  // Each row calls double(1) (recorded when the file exists) and double(5) (never recorded).
  const rows: Row[] = [
    ['auto', true, { result: 'miss', live: 0, written: false }],
    ['auto', false, { result: 'value', live: 2, written: true }],
    ['replay', true, { result: 'miss', live: 0, written: false }],
    ['replay', false, { result: 'miss', live: 0, written: false }],
    ['record', true, { result: 'value', live: 2, written: true }],
    ['record', false, { result: 'value', live: 2, written: true }],
    ['new', true, { result: 'value', live: 1, written: true }],
    ['new', false, { result: 'value', live: 2, written: true }],
    ['passthrough', true, { result: 'value', live: 2, written: false }],
    ['passthrough', false, { result: 'value', live: 2, written: false }],
    ['verify', true, { result: 'miss', live: 1, written: false }],
    ['verify', false, { result: 'miss', live: 0, written: false }],
  ];
  it.each(rows)('%s, file exists=%s -> %j', async (mode, fileExists, expected) => {
    const path = await tempPath();
    if (fileExists) await seed(path, [1]);
    const before = fileExists ? await readFile(path, 'utf8') : null;
    const { double, live } = counter();
    const run = withCassette({ path, mode, ...quiet }, async () => {
      const one = await double(1);
      const five = await double(5);
      return [one.result, five.result];
    });
    if (expected.result === 'miss') await expect(run).rejects.toMatchObject({ name: 'ReplayError', reason: 'cassette-miss' });
    else expect(await run).toEqual([2, 10]);
    expect(live()).toBe(expected.live);
    const after = (await exists(path)) ? await readFile(path, 'utf8') : null;
    expect(after !== before).toBe(expected.written);
  });
});

describe('withCassette lifecycle', () => {
  it('records on the first run and replays offline on the second, in recorded order', async () => {
    const path = await tempPath();
    let calls = 0;
    const roll = tool('dice.roll', async () => ++calls);
    const first = await withCassette({ path, mode: 'auto', ...quiet }, async () => [await roll(), await roll(), await roll()]);
    const second = await withCassette({ path, mode: 'auto', ...quiet }, async () => [await roll(), await roll(), await roll()]);
    expect(first).toEqual([1, 2, 3]);
    expect(second).toEqual([1, 2, 3]);
    expect(calls).toBe(3);
    const file = JSON.parse(await readFile(path, 'utf8'));
    expect(file.schemaVersion).toBe(1);
    expect(file.entries).toHaveLength(3);
    expect(file.meta.environment.node).toBe(process.version);
  });

  it('a failing test writes nothing, even after recording calls', async () => {
    const path = await tempPath();
    const { double, live } = counter();
    await expect(
      withCassette({ path, mode: 'auto', ...quiet }, async () => {
        await double(1);
        throw new Error('assertion failed');
      }),
    ).rejects.toThrow('assertion failed');
    expect(live()).toBe(1);
    expect(await exists(path)).toBe(false);
  });

  it('fails the test when the code under test swallowed a cassette-miss', async () => {
    const path = await tempPath();
    await seed(path, [1]);
    const { double } = counter();
    const run = withCassette({ path, mode: 'replay', ...quiet }, async () => {
      try {
        await double(99); // an agent that catches tool errors and carries on
      } catch {
        return 'agent recovered';
      }
      return 'no error';
    });
    await expect(run).rejects.toMatchObject({ reason: 'cassette-miss', toolId: 'math.double' });
  });

  it('warns about unused entries, and fails with unused-entries when strict', async () => {
    const path = await tempPath();
    await seed(path, [1, 2]);
    const { double } = counter();
    await withCassette({ path, mode: 'replay', ...quiet }, async () => double(1));
    expect(warnings.join('\n')).toMatch(/1 recorded call was never replayed.*entries\[1\] math\.double/s);
    const strict = withCassette({ path, mode: 'replay', strict: true, ...quiet }, async () => double(1));
    await expect(strict).rejects.toMatchObject({ reason: 'unused-entries', unused: [expect.objectContaining({ index: 1, toolId: 'math.double' })] });
  });

  it('notes unused entries beside the cassette for `tapedeck prune`, and clears the note when all are used', async () => {
    const path = await tempPath();
    await seed(path, [1, 2]);
    const { double } = counter();
    const note = join(path, '..', '.tapedeck-unused.json');
    await withCassette({ path, mode: 'replay', ...quiet }, async () => double(1));
    expect(await exists(note)).toBe(false); // replay-only (CI): nothing at all is written
    await withCassette({ path, mode: 'auto', ...quiet }, async () => double(1));
    expect(await readFile(note, 'utf8')).toContain('math.double');
    await withCassette({ path, mode: 'auto', ...quiet }, async () => [await double(1), await double(2)]);
    expect(await exists(note)).toBe(false);
  });

  it('strict can come from configure(), and per-test options override it', async () => {
    const path = await tempPath();
    await seed(path, [1, 2]);
    const { double } = counter();
    configure({ strict: true });
    await expect(withCassette({ path, mode: 'replay', ...quiet }, async () => double(1))).rejects.toMatchObject({ reason: 'unused-entries' });
    await expect(withCassette({ path, mode: 'replay', strict: false, ...quiet }, async () => double(1))).resolves.toMatchObject({ result: 2 });
  });

  it('re-recording an unchanged run rewrites a byte-identical file', async () => {
    const path = await tempPath();
    await seed(path, [1, 2, 3]);
    const before = await readFile(path, 'utf8');
    await new Promise((r) => setTimeout(r, 5)); // a new recordedAt would differ
    const { double } = counter();
    await withCassette({ path, mode: 'record', ...quiet }, async () => {
      for (const n of [1, 2, 3]) await double(n);
    });
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('record mode drops unused entries; new mode appends and keeps them', async () => {
    const path = await tempPath();
    await seed(path, [1, 2]);
    const { double } = counter();
    await withCassette({ path, mode: 'new', ...quiet }, async () => {
      await double(1);
      await double(3);
    });
    expect(JSON.parse(await readFile(path, 'utf8')).entries.map((e: { args: number[] }) => e.args[0])).toEqual([1, 2, 3]);
    await withCassette({ path, mode: 'record', ...quiet }, async () => double(3));
    expect(JSON.parse(await readFile(path, 'utf8')).entries.map((e: { args: number[] }) => e.args[0])).toEqual([3]);
  });

  it('keeps two concurrent scopes apart: each records only its own calls', async () => {
    const [a, b] = [await tempPath('a.json'), await tempPath('b.json')];
    const echo = tool('echo', async (s: string) => {
      await new Promise((r) => setTimeout(r, Math.random() * 10));
      return s;
    });
    const work = (path: string, prefix: string) =>
      withCassette({ path, mode: 'record', ...quiet }, async () => Promise.all([1, 2, 3, 4].map((i) => echo(`${prefix}${i}`))));
    await Promise.all([work(a, 'a'), work(b, 'b')]);
    const argsOf = async (p: string) => JSON.parse(await readFile(p, 'utf8')).entries.map((e: { args: string[] }) => e.args[0]);
    expect(await argsOf(a)).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(await argsOf(b)).toEqual(['b1', 'b2', 'b3', 'b4']);
  });

  it('calls outside any cassette go straight to the function', async () => {
    const { double, live } = counter();
    expect(await double(4)).toEqual({ result: 8, live: 1 });
    expect(live()).toBe(1);
  });

  it('replays a recorded tool error as a thrown error', async () => {
    const path = await tempPath();
    const flaky = tool('flaky', async () => {
      throw new TypeError('upstream said no');
    });
    await expect(withCassette({ path, mode: 'record', ...quiet }, async () => flaky().catch((e: Error) => `${e.name}: ${e.message}`))).resolves.toBe(
      'TypeError: upstream said no',
    );
    await expect(withCassette({ path, mode: 'replay', ...quiet }, async () => flaky())).rejects.toMatchObject({ name: 'TypeError', message: 'upstream said no' });
  });

  it('refuses to write a secret and leaves no file', async () => {
    const path = await tempPath();
    const leaky = tool('leaky', async () => ({ debug: 'using key sk-proj-abcdefghijklmnopqrstuvwx1234' }));
    await expect(withCassette({ path, mode: 'auto', ...quiet }, async () => leaky())).rejects.toMatchObject({
      reason: 'secret-detected',
      jsonPath: '$.entries[0].result.value.debug',
    });
    expect(await exists(path)).toBe(false);
  });

  it('reports a corrupt cassette before running the test', async () => {
    const path = await tempPath();
    await writeFile(path, '{"schemaVersion":1,"entries":[{"toolId":1}]}');
    let ran = false;
    await expect(withCassette({ path, mode: 'auto', ...quiet }, async () => (ran = true))).rejects.toMatchObject({ reason: 'corrupt-cassette', cassettePath: path });
    expect(ran).toBe(false);
  });

  it('applies ignore paths before hashing, and stores the normalised args', async () => {
    const path = await tempPath();
    const search = tool('search', async (q: { text: string; requestId: string }) => `results for ${q.text}`);
    await withCassette({ path, mode: 'record', ignore: ['[0].requestId'], ...quiet }, async () => search({ text: 'cats', requestId: 'r-1' }));
    const replayed = await withCassette({ path, mode: 'replay', ignore: ['[0].requestId'], ...quiet }, async () => search({ text: 'cats', requestId: 'r-2' }));
    expect(replayed).toBe('results for cats');
    expect(JSON.parse(await readFile(path, 'utf8')).entries[0].args).toEqual([{ text: 'cats' }]);
  });

  it('verify mode fails with drift when the live answer changed, and passes within tolerance', async () => {
    const path = await tempPath();
    let temp = 62;
    const weather = tool('weather.get', async (city: string) => ({ city, temp, fetchedAt: Date.now() }));
    await withCassette({ path, mode: 'record', ...quiet }, async () => weather('SFO'));
    const verify = () => withCassette({ path, mode: 'verify', verifyIgnore: ['fetchedAt'], tolerance: 0.01, ...quiet }, async () => weather('SFO'));
    temp = 62.3;
    await expect(verify()).resolves.toMatchObject({ temp: 62.3 });
    temp = 70;
    const error = (await verify().catch((e: unknown) => e)) as ReplayError;
    expect(error.reason).toBe('drift');
    expect(error.differences).toEqual(['result.value.temp: 62 -> 70']);
    expect(error.message).toContain('result.value.temp: 62 -> 70');
  });

  it('verify mode: a NaN recorded (as null) matches a live NaN; a number that became NaN is drift; nothing is written', async () => {
    const path = await tempPath();
    let score = Number.NaN;
    const scorer = tool('model.score', async (text: string) => ({ text, score, stable: 1 }));
    await withCassette({ path, mode: 'record', ...quiet }, async () => scorer('a'));
    expect(JSON.parse(await readFile(path, 'utf8')).entries[0].result.value.score).toBeNull(); // JSON cannot hold NaN
    const verify = () => withCassette({ path, mode: 'verify', ...quiet }, async () => scorer('a'));
    await expect(verify()).resolves.toMatchObject({ score: Number.NaN });
    await withCassette({ path, mode: 'record', ...quiet }, async () => ((score = 0.5), scorer('a')));
    const rerecorded = await readFile(path, 'utf8');
    score = Number.NaN;
    await expect(verify()).rejects.toMatchObject({ reason: 'drift', differences: ['result.value.score: 0.5 -> null'] });
    score = 0.5 * (1 + 1e-10); // within the default relative tolerance, 1e-9
    await expect(verify()).resolves.toMatchObject({ stable: 1 });
    await expect(withCassette({ path, mode: 'verify', ...quiet }, async () => scorer('b'))).rejects.toMatchObject({ reason: 'cassette-miss' });
    expect(await readFile(path, 'utf8')).toBe(rerecorded);
  });

  it('loads a cassette written by ToolCallCassette.save', async () => {
    const path = await tempPath();
    const c = new ToolCallCassette();
    c.record({ toolId: 'math.double', args: [21], output: { result: 42 } });
    await c.save(path);
    expect((await ToolCallCassette.load(path))?.entries).toHaveLength(1);
    const { double, live } = counter();
    expect(await withCassette({ path, mode: 'replay', ...quiet }, async () => double(21))).toEqual({ result: 42 });
    expect(live()).toBe(0);
  });
});

describe('replay fidelity', () => {
  it('replays an output with the key order it had live, so stringifying it gives the same text', async () => {
    const path = await tempPath();
    const weather = tool('weather', async () => ({ city: 'SFO', temp_f: 62, conditions: 'fog' }));
    const live = await withCassette({ path, mode: 'record', ...quiet }, async () => JSON.stringify(await weather()));
    const replayed = await withCassette({ path, mode: 'replay', ...quiet }, async () => JSON.stringify(await weather()));
    expect(replayed).toBe(live);
  });
});
