// Section 4's load / save timings for one cassette size, in a fresh child, so no size inherits the heap of
// another. (Collecting the heap before every timed step was tried: full collections also age out the
// bytecode of code that runs once per step, which slowed tapedeck's side 2-4x and not JSON's.)
// Usage: node --import tsx bench/io-worker.ts '{"entries": 1000, "reps": 9}'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ToolCallCassette } from '../src/index.js';
import { loadJsonFileSync, saveAtomic, stableStringify } from '../src/store.js';
import type { IoRow } from './cassette-io.js';
import { input, reply } from './lib/child.js';
import { realisticCassette } from './lib/cassettes.js';
import { median } from './lib/stats.js';

const { entries, reps } = input<{ entries: number; reps: number }>();
const ms = async (fn: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

const dir = await mkdtemp(join(tmpdir(), 'tapedeck-bench-io-'));
try {
  const cassette = realisticCassette(entries);
  const path = join(dir, `c-${entries}.json`);
  await cassette.save(path);
  const fileBytes = (await stat(path)).size;
  const data = JSON.parse(await readFile(path, 'utf8')) as unknown;
  const t = { readParse: [] as number[], load: [] as number[], sessionLoad: [] as number[], plain: [] as number[], stable: [] as number[], save: [] as number[] };
  // One warm-up of each, then alternate, so both sides see the same page cache and machine.
  for (let i = -1; i < reps; i++) {
    const readParse = await ms(async () => JSON.parse(await readFile(path, 'utf8')));
    const load = await ms(() => ToolCallCassette.load(path));
    // What a replaying test's session does (with-cassette.ts openSession): args hashes checked on first use.
    const sessionLoad = await ms(async () => ToolCallCassette.fromJSON(loadJsonFileSync(path)!.data, path, { verify: 'on-use' }));
    const plain = await ms(() => writeFile(join(dir, 'plain.json'), JSON.stringify(data, null, 2)));
    // The stable crash-safe write alone: sorted text, lock, temp file, fsync, rename, directory fsync.
    const stable = await ms(() => saveAtomic(join(dir, 'stable.json'), stableStringify(data)));
    // All of cassette.save: the same, after the secret scan of every string.
    const save = await ms(() => cassette.save(join(dir, 'saved.json')));
    if (i < 0) continue;
    t.readParse.push(readParse);
    t.load.push(load);
    t.sessionLoad.push(sessionLoad);
    t.plain.push(plain);
    t.stable.push(stable);
    t.save.push(save);
  }
  const [readParseMs, loadMs, sessionLoadMs, plainWriteMs, stableWriteMs, saveMs] = [t.readParse, t.load, t.sessionLoad, t.plain, t.stable, t.save].map(median) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  reply({
    entries,
    fileBytes,
    readParseMs,
    loadMs,
    loadRatio: loadMs / readParseMs,
    sessionLoadMs,
    sessionLoadRatio: sessionLoadMs / readParseMs,
    plainWriteMs,
    stableWriteMs,
    stableWriteRatio: stableWriteMs / plainWriteMs,
    saveMs,
    saveRatio: saveMs / plainWriteMs,
    reps,
  } satisfies IoRow);
} finally {
  await rm(dir, { recursive: true, force: true });
}
