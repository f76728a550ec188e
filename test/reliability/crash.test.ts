// Crash safety: a process recording a large cassette is SIGKILLed in the middle of saving it. Whatever the
// moment, the file on disk is the old recording or the new one, whole and valid, never a partial file;
// the next save works at once and leaves no temp or lock file behind.
import { copyFile, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ToolCallCassette, tool, withCassette } from '../../src/index.js';
import { stableStringify } from '../../src/store.js';
import { LineReader, TIMEOUT, deadPid, debris, exited, listFiles, note, removeDir, runScript, scaled, spawnScript, tempDir, type Child } from './helpers.js';

const ENTRIES = 2000; // ~1.1 MB of cassette per version

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await removeDir(dir);
});

/** Which recording the file on disk holds; fails unless it is a whole, valid cassette written by tapedeck. */
async function iterationOnDisk(path: string): Promise<number | null> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (text === null) return null;
  // Exactly the bytes tapedeck writes for this data: a cut-off file could not re-serialise to itself.
  expect(stableStringify(JSON.parse(text))).toBe(text);
  const cassette = await ToolCallCassette.load(path); // zod schema and every entry's args hash
  const iterations = new Set(cassette!.entries.map((e) => (e.result.ok ? (e.result.value as { iter: number }).iter : -1)));
  expect(cassette!.entries).toHaveLength(ENTRIES);
  expect(iterations.size).toBe(1);
  return [...iterations][0]!;
}

/** A save made after the crash, by the real lifecycle: it must not wait on the dead writer's lock. */
async function saveAgain(path: string): Promise<void> {
  const small = tool('after.crash', (n: number) => ({ n }));
  const save = withCassette({ path, mode: 'record', http: false, onWarning: () => undefined }, async () => {
    await small(1);
  });
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the save after a crash did not finish within 10 s: it is waiting for the dead writer's lock`)), 10_000);
  });
  try {
    await Promise.race([save, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

describe('crash safety', () => {
  it('SIGKILL at random moments of saving a 1.1 MB cassette leaves the old or the new file, whole', { timeout: TIMEOUT }, async () => {
    const kills = scaled(20, 100);
    const dir = await tempDir('crash');
    dirs.push(dir);
    const path = join(dir, '__cassettes__', 'agent.test.ts', 'big.json');
    const outcomes = { old: 0, new: 0, none: 0, tempLeft: 0, lockLeft: 0 };
    let saveMs = 0;
    let writeMs = 0;
    const spawnWarm = (): { child: Child; lines: LineReader } => {
      const child = spawnScript('crash-recorder.ts', ['loop', path, String(ENTRIES)]);
      return { child, lines: new LineReader(child) };
    };

    // The first child saves one whole version (so later kills have an old file to keep) and dies in the next.
    let onDisk: number | null = null;
    let next = spawnWarm();
    for (let kill = 0; kill < kills; kill++) {
      const { child, lines } = next;
      await lines.expect('ready');
      const first: number = (onDisk ?? -1) + 1;
      child.stdin.write(`go ${first}\n`);
      // The next victim loads its modules while this one records.
      if (kill + 1 < kills) next = spawnWarm();
      let saving = await lines.expect('saving ');
      if (kill === 0) {
        const saved = (await lines.expect('saved ')).split(' ');
        [saveMs, writeMs] = [Number(saved[2]), Number(saved[3])];
        onDisk = first;
        saving = await lines.expect('saving ');
      }
      const inProgress = Number(saving.split(' ')[1]);
      // Half the kills land anywhere in the save (serialising, the secret scan, the lock, the write), half
      // anywhere in its file writing (temp file, fsync, rename, lock release), which is the shorter part.
      if (kill % 2 === 1) await lines.expect('writing ');
      // The first of those kills comes a quarter of the way into the write, with the temp file open:
      // random moments alone sometimes all missed the write (a later save can be faster than the first
      // one measured), and then the test would not have crashed a single save.
      const delay = kill === 1 ? writeMs / 4 : Math.random() * (kill % 2 === 1 ? writeMs : saveMs) * 1.2;
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      expect(await exited(child)).toBe('SIGKILL');
      // What this writer left (earlier writers' temp files stay until a save completes).
      const files = await listFiles(join(dir, '__cassettes__', 'agent.test.ts'));
      if (files.some((f) => f.endsWith('.tmp') && f.includes(`.${child.pid}.`))) outcomes.tempLeft++;
      const lock = await readFile(`${path}.lock`, 'utf8').catch(() => '');
      if (lock.trim() === String(child.pid)) outcomes.lockLeft++;

      const now = await iterationOnDisk(path);
      expect([onDisk, inProgress], `kill ${kill}: the file holds iteration ${now}`).toContain(now);
      if (now === null) outcomes.none++;
      else if (now === onDisk) outcomes.old++;
      else outcomes.new++;
      onDisk = now;
    }
    note(`crash: ${kills} SIGKILLs during saves of a ${ENTRIES}-entry cassette (save ~${saveMs.toFixed(0)} ms, of which writing ~${writeMs.toFixed(0)} ms): ` +
      `${outcomes.old} left the old file, ${outcomes.new} the new one, ${outcomes.none} none yet; ` +
      `${outcomes.tempLeft} left a temp file, ${outcomes.lockLeft} a lock file`);
    // The kills did land inside saves: some writers died holding the lock (and a temp file).
    expect(outcomes.lockLeft + outcomes.tempLeft).toBeGreaterThan(0);

    await saveAgain(path);
    expect(debris(await listFiles(dir))).toEqual([]);
  });

  it('SIGKILL right before each file system call of a save: old or new file, and the next save cleans up', async () => {
    const base = await tempDir('crash-steps');
    dirs.push(base);
    const original = join(base, 'original.json');
    // Iteration 0 on disk; then a full save of iteration 1 lists the calls a save makes.
    // Iteration 0, recorded here the way the child records (same tool, same outputs).
    const big = tool('big.get', (i: number) => ({ i, iter: 0, text: `iteration 0 entry ${i} `.padEnd(240, '.') }));
    await withCassette({ path: original, mode: 'record', http: false, onWarning: () => undefined }, async () => {
      for (let i = 0; i < ENTRIES; i++) await big(i);
    });
    const oldText = await readFile(original, 'utf8');
    const probePath = join(base, 'probe', 'c.json');
    await mkdir(join(base, 'probe'));
    await copyFile(original, probePath);
    const counted = await runScript('crash-recorder.ts', ['once', probePath, String(ENTRIES), '1', '0']);
    expect(counted.code, counted.stderr).toBe(0);
    const [, count, ...names] = counted.stdout.trim().split('\n').at(-1)!.split(' ');
    const steps = Number(count);
    expect(steps).toBeGreaterThan(5);
    // The calls a save makes must include the ones that matter: the lock, the temp file, its fsync, the rename.
    expect(names.join(' ')).toMatch(/open\(c\.json\.lock\).*open\(\.c\.json\.\d+\.[0-9a-f]+\.tmp\).*handle\.sync.*rename/);

    const results: Array<{ step: number; name: string; kept: 'old' | 'new'; left: string[] }> = [];
    const killAt = async (step: number): Promise<void> => {
      const dir = join(base, `step-${step}`);
      await mkdir(dir);
      const path = join(dir, 'c.json');
      await copyFile(original, path);
      const run = await runScript('crash-recorder.ts', ['once', path, String(ENTRIES), '1', String(step)]);
      expect(run.code, `step ${step}: ${run.stderr}`).toBe('SIGKILL');
      const text = await readFile(path, 'utf8');
      const iteration = await iterationOnDisk(path);
      if (iteration === 0) expect(text).toBe(oldText);
      else expect(iteration).toBe(1);
      const left = debris(await listFiles(dir));
      await saveAgain(path);
      expect(debris(await listFiles(dir)), `step ${step} (${names[step - 1]}): left behind after the next save`).toEqual([]);
      results.push({ step, name: names[step - 1]!, kept: iteration === 0 ? 'old' : 'new', left });
    };
    // Four at a time: each is its own process on its own file.
    for (let step = 1; step <= steps; step += 4) {
      await Promise.all([step, step + 1, step + 2, step + 3].filter((s) => s <= steps).map(killAt));
    }
    results.sort((a, b) => a.step - b.step);
    note(`crash: killed before each of the ${steps} file system calls of a save: ` +
      results.map((r) => `${r.step}:${r.name.replace(/\(.*\)/, '')}=${r.kept}${r.left.length ? '+debris' : ''}`).join(' '));
    // Before the rename the old file stays; from the rename on, the new one is there.
    const renameStep = names.findIndex((n) => n.startsWith('rename(')) + 1;
    for (const r of results) expect(r.kept, `step ${r.step} ${r.name}`).toBe(r.step <= renameStep ? 'old' : 'new');
  });

  it('a lock file left empty (writer killed between creating it and writing its pid) does not stall the next save', async () => {
    const dir = await tempDir('crash-lock');
    dirs.push(dir);
    const path = join(dir, 'c.json');
    await writeFile(`${path}.lock`, '');
    const past = new Date(Date.now() - 5_000);
    await utimes(`${path}.lock`, past, past);
    await saveAgain(path);
    expect(await listFiles(dir)).toEqual(['c.json']);
  });

  it('cleaning up a dead writer\'s temp file never removes one another cassette is writing right now', async () => {
    const dir = await tempDir('crash-temps');
    dirs.push(dir);
    const dead = await deadPid();
    const stale = `.a.json.${dead}.deadbeef.tmp`;
    // `a.json.${dead}.json` is another test's cassette; its writer (this process) is alive, mid-save.
    const busy = `.a.json.${dead}.json.${process.pid}.abcdef12.tmp`;
    await writeFile(join(dir, stale), 'half');
    await writeFile(join(dir, busy), 'in progress');
    const c = new ToolCallCassette();
    c.record({ toolId: 't', args: [1], output: 1 });
    await c.save(join(dir, 'a.json'));
    expect(await listFiles(dir)).toEqual([busy, 'a.json'].sort());
  });
});
