// Section 4 of issue 6: loading a cassette (read + parse + zod + hash verification + index) against
// readFile + JSON.parse, writing one (stable text, lock, temp file, fsync, rename; and all of save, with
// the secret scan) against a plain writeFile, and the heap a loaded 10,000-entry cassette keeps. Each
// measurement runs in a child of its own (bench/io-worker.ts, bench/heap-worker.ts).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChild } from './lib/child.js';
import { realisticCassette } from './lib/cassettes.js';

export interface IoRow {
  entries: number;
  fileBytes: number;
  /** ms, median of `reps`. */
  readParseMs: number;
  loadMs: number;
  loadRatio: number;
  /** A replaying test's load (`verify: 'on-use'`: args hashes checked on each entry's first use). */
  sessionLoadMs: number;
  sessionLoadRatio: number;
  plainWriteMs: number;
  /** The stable crash-safe write: sorted text, lock, temp file, fsync, rename. */
  stableWriteMs: number;
  stableWriteRatio: number;
  /** All of `cassette.save`: the stable write after a secret scan of every string. */
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

/** Runs the load / save timings for each size, each in a fresh child. */
export async function ioSection(sizes: number[], reps: (entries: number) => number): Promise<IoRow[]> {
  const rows: IoRow[] = [];
  for (const entries of sizes) rows.push(await runChild<IoRow>('io-worker.ts', { entries, reps: reps(entries) }));
  return rows;
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
