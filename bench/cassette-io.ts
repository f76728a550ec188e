// Section 4 of issue 6: loading a cassette (read + parse + zod + hash verification + index) against
// readFile + JSON.parse, saving one (stable text, secret scan, lock, temp file, fsync, rename) against a
// plain writeFile, and the heap a loaded 10,000-entry cassette keeps (measured in a child, with --expose-gc).
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ToolCallCassette } from '../src/index.js';
import { runChild } from './lib/child.js';
import { realisticCassette } from './lib/cassettes.js';
import { median } from './lib/stats.js';

export interface IoRow {
  entries: number;
  fileBytes: number;
  /** ms, median of `reps`. */
  readParseMs: number;
  loadMs: number;
  loadRatio: number;
  plainWriteMs: number;
  saveMs: number;
  saveRatio: number;
  reps: number;
}

export interface HeapResult {
  entries: number;
  fileBytes: number;
  /** Heap kept by `JSON.parse` of the file (the floor for any in-memory copy). */
  parsedBytes: number;
  /** Heap kept by `ToolCallCassette.load`. */
  loadedBytes: number;
  ratio: number;
  /** Heap kept by the session of a running test (`withCassette`): the cassette and what else it holds. */
  sessionBytes: number;
  sessionRatio: number;
}

const ms = async (fn: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

/** Runs the load / save timings for each size. */
export async function ioSection(sizes: number[], reps: (entries: number) => number): Promise<IoRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-bench-io-'));
  try {
    const rows: IoRow[] = [];
    for (const entries of sizes) {
      const cassette = realisticCassette(entries);
      const path = join(dir, `c-${entries}.json`);
      await cassette.save(path);
      const fileBytes = (await stat(path)).size;
      const data = JSON.parse(await readFile(path, 'utf8')) as unknown;
      const n = reps(entries);
      const t = { readParse: [] as number[], load: [] as number[], plain: [] as number[], save: [] as number[] };
      // One warm-up of each, then alternate, so both sides see the same page cache and machine.
      for (let i = -1; i < n; i++) {
        const readParse = await ms(async () => JSON.parse(await readFile(path, 'utf8')));
        const load = await ms(() => ToolCallCassette.load(path));
        const plain = await ms(() => writeFile(join(dir, `plain-${entries}.json`), JSON.stringify(data, null, 2)));
        const save = await ms(() => cassette.save(join(dir, `saved-${entries}.json`)));
        if (i < 0) continue;
        t.readParse.push(readParse);
        t.load.push(load);
        t.plain.push(plain);
        t.save.push(save);
      }
      const row = { entries, fileBytes, readParseMs: median(t.readParse), loadMs: median(t.load), plainWriteMs: median(t.plain), saveMs: median(t.save), reps: n };
      rows.push({ ...row, loadRatio: row.loadMs / row.readParseMs, saveRatio: row.saveMs / row.plainWriteMs });
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The heap a loaded cassette of `entries` keeps, against the heap of its plain `JSON.parse`. */
export async function heapSection(entries: number): Promise<HeapResult> {
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-bench-heap-'));
  try {
    const path = join(dir, `c-${entries}.json`);
    await realisticCassette(entries).save(path);
    const fileBytes = (await stat(path)).size;
    const measure = (what: 'parse' | 'load' | 'session') => runChild<{ bytes: number }>('heap-worker.ts', { path, what }, { nodeArgs: ['--expose-gc', '--single-threaded-gc'] });
    const parsed = await measure('parse');
    const loaded = await measure('load');
    const session = await measure('session');
    return {
      entries,
      fileBytes,
      parsedBytes: parsed.bytes,
      loadedBytes: loaded.bytes,
      ratio: loaded.bytes / fileBytes,
      sessionBytes: session.bytes,
      sessionRatio: session.bytes / fileBytes,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
