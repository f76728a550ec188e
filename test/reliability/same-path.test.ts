// Two (or four) processes saving the same explicit cassette path at once. The semantics (src/store.ts):
// a save is a compare-and-swap under a lock file. Each writer says what it loaded when its test started;
// the first to take the lock finds the file unchanged and replaces it whole; every later writer finds it
// changed and gets ReplayError `cassette-conflict` naming the path, and writes nothing. So the file is
// always exactly one writer's recording, and a writer whose work was not saved is told.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayError, ToolCallCassette, tool, withCassette } from '../../src/index.js';
import { stableStringify } from '../../src/store.js';
import { LineReader, deadPid, debris, exited, listFiles, note, removeDir, scaled, spawnScript, tempDir, type Child } from './helpers.js';

const WRITERS = 4;
const ENTRIES = 200;

interface Outcome {
  won: boolean;
  name?: string;
  reason?: string;
  cassettePath?: string;
  message?: string;
}

let dir: string;
const writers: Array<{ child: Child; lines: LineReader }> = [];

beforeAll(async () => {
  dir = await tempDir('same-path');
  for (let i = 0; i < WRITERS; i++) {
    const child = spawnScript('same-path-writer.ts', []);
    writers.push({ child, lines: new LineReader(child) });
  }
  await Promise.all(writers.map((w) => w.lines.expect('ready')));
});

afterAll(async () => {
  for (const { child } of writers) child.stdin.end();
  await Promise.all(writers.map((w) => exited(w.child)));
  await removeDir(dir);
});

let roundNumber = 0;

/**
 * Every writer loads `path`, then (once all have) records and saves at the same moment. Each recording is
 * tagged with its writer and the round, so no two are equal (an unchanged re-recording writes nothing).
 */
async function round(path: string, mode: 'auto' | 'record', before?: () => Promise<void>): Promise<Outcome[]> {
  roundNumber++;
  writers.forEach((w, i) => w.child.stdin.write(`open ${path} ${mode} w${i}-r${roundNumber} ${ENTRIES}\n`));
  await Promise.all(writers.map((w) => w.lines.expect('loaded')));
  await before?.();
  for (const w of writers) w.child.stdin.write('go\n');
  const lines = await Promise.all(writers.map((w) => w.lines.expect('result ')));
  return lines.map((line) => JSON.parse(line.slice('result '.length)) as Outcome);
}

/** Exactly one winner, whose recording is the whole file; every other writer told `cassette-conflict`. */
async function expectOneWholeWinner(path: string, outcomes: Outcome[]): Promise<number> {
  const winners = outcomes.flatMap((o, i) => (o.won ? [i] : []));
  expect(winners, JSON.stringify(outcomes, null, 2)).toHaveLength(1);
  for (const loser of outcomes.filter((o) => !o.won)) {
    expect(loser).toMatchObject({ name: 'ReplayError', reason: 'cassette-conflict', cassettePath: path });
    expect(loser.message).toContain(path);
  }
  const text = await readFile(path, 'utf8');
  expect(stableStringify(JSON.parse(text))).toBe(text);
  const cassette = (await ToolCallCassette.load(path))!;
  expect(cassette.entries).toHaveLength(ENTRIES);
  const tags = new Set(cassette.entries.map((e) => (e.result.ok ? (e.result.value as { writer: string }).writer : '?')));
  expect([...tags]).toEqual([`w${winners[0]}-r${roundNumber}`]);
  expect(debris(await listFiles(dir))).toEqual([]);
  return winners[0]!;
}

describe(`${WRITERS} processes saving the same explicit path at once`, () => {
  const rounds = scaled(8, 80);

  it(`a new cassette (nothing loaded): one creates it whole, the others get cassette-conflict (${rounds} rounds)`, async () => {
    const path = join(dir, 'new', 'shared.json');
    const wins = new Array<number>(WRITERS).fill(0);
    for (let r = 0; r < rounds; r++) {
      await rm(path, { force: true });
      wins[await expectOneWholeWinner(path, await round(path, 'auto'))]!++;
    }
    note(`same path, new file: ${rounds} rounds x ${WRITERS} processes, exactly 1 winner each time (wins per writer: ${wins.join('/')})`);
  });

  it(`an existing cassette re-recorded by all: one replaces it whole, the others get cassette-conflict (${rounds} rounds)`, async () => {
    const path = join(dir, 'existing', 'shared.json');
    for (let r = 0; r < rounds; r++) await expectOneWholeWinner(path, await round(path, 'record'));
    note(`same path, existing file: ${rounds} rounds x ${WRITERS} processes, exactly 1 winner each time`);
  });

  it(`with a lock left by a writer that was killed: still exactly one winner (${rounds} rounds)`, async () => {
    const path = join(dir, 'stale', 'shared.json');
    const dead = await deadPid();
    await mkdir(dirname(path), { recursive: true });
    for (let r = 0; r < rounds; r++) {
      await rm(path, { force: true });
      // Every writer finds the dead writer's lock when it saves, and must break it without breaking another's.
      await expectOneWholeWinner(path, await round(path, 'auto', () => writeFile(`${path}.lock`, `${dead}\n`)));
    }
    note(`same path, stale lock of a dead writer: ${rounds} rounds x ${WRITERS} processes, exactly 1 winner each time`);
  });
});

describe('two scopes of one process on the same explicit path', () => {
  it('the second to save gets cassette-conflict and the file is the first one\'s recording', async () => {
    const path = join(dir, 'in-process.json');
    const echo = tool('one.echo', (who: string) => ({ who }));
    let release!: () => void;
    const bothLoaded = new Promise<void>((resolve) => (release = resolve));
    let loaded = 0;
    const scope = (who: string) =>
      withCassette({ path, mode: 'auto', http: false, onWarning: () => undefined }, async () => {
        if (++loaded === 2) release();
        await bothLoaded;
        await echo(who);
      });
    const results = await Promise.allSettled([scope('a'), scope('b')]);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(ReplayError);
    expect(rejected[0]!.reason).toMatchObject({ reason: 'cassette-conflict', cassettePath: path });
    const winner = results[0]!.status === 'fulfilled' ? 'a' : 'b';
    expect((await ToolCallCassette.load(path))!.entries.map((e) => e.result)).toEqual([{ ok: true, value: { who: winner } }]);
  });
});
