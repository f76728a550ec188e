// Heap kept by one loaded cassette (run with --expose-gc by bench/cassette-io.ts).
import { readFile } from 'node:fs/promises';
import { ToolCallCassette } from '../src/index.js';
import { CassetteSession } from '../src/session.js';
import { fileStore } from '../src/store.js';
import { input, reply } from './lib/child.js';

const { path, what } = input<{ path: string; what: 'parse' | 'load' | 'session' }>();
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
// Each collection runs on a fresh macrotask: V8 keeps objects alive for the rest of the job that made
// them (WeakRef targets, for one), which made an occasional reading count the warm-up load instead.
const settle = async () => {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
};
const load = async (): Promise<unknown> => {
  if (what === 'load') return ToolCallCassette.load(path);
  if (what === 'parse') return JSON.parse(await readFile(path, 'utf8'));
  // What a running test holds: the session withCassette() builds from the stored file.
  const stored = (await fileStore.load(path))!;
  const loaded = { cassette: ToolCallCassette.fromJSON(stored.data, path), text: stored.text };
  return new CassetteSession({ path, mode: 'replay', options: {}, loaded });
};
// Load once and drop it (inside a function: a top-level expression's value can stay reachable), so code
// and lazily built internals are not counted as the cassette.
await (async () => {
  await load();
})();
await settle();
const before = process.memoryUsage().heapUsed;
const kept = await load();
await settle();
const bytes = process.memoryUsage().heapUsed - before;
if (kept === null) throw new Error('cassette missing');
reply({ bytes });
