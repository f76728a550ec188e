// The CLI prints cassettes (diff, list, check); a hand-edited file may hold a key the pre-write scan would
// have refused. Every line it prints is masked.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, saveCassette, tempDir, weatherFile, writeJson } from '../cli/helpers.js';
import { corpus } from './corpus.js';

const key = corpus(41).find((k) => k.kind === 'Groq')!;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  await saveCassette(join(dir, 'a.json'));
  const edited = weatherFile();
  (edited.entries[1]!.result as { ok: true; value: unknown }).value = `the key is ${key.value}`;
  await writeJson(join(dir, 'b.json'), edited);
});
afterAll(() => cleanup());

describe('CLI output is masked', () => {
  it.each([
    ['diff', ['diff', 'a.json', 'b.json']],
    ['check', ['check', '.']],
    ['diff --json', ['diff', '--json', 'a.json', 'b.json']],
  ])('%s names the entry but not the key', async (_name, argv) => {
    const result = await run(argv, dir);
    const printed = `${result.out}\n${result.err}`;
    expect(printed).toMatch(/entries\[1\]|calc\.eval/);
    expect(printed).not.toContain(key.needle);
  });
});
