// What makes a save durable, observed through the file system calls it makes: the temp file is synced
// before the rename, and the folder after it (the rename itself is only durable once its folder is).
import type * as FsPromises from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { saveAtomic } from '../src/store.js';

const calls = vi.hoisted(() => [] as string[]);

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  const open: typeof real.open = async (path, ...rest) => {
    const handle = await real.open(path, ...rest);
    const sync = handle.sync.bind(handle);
    handle.sync = async () => {
      calls.push(`sync ${String(path)}`);
      return sync();
    };
    return handle;
  };
  const rename: typeof real.rename = async (from, to) => {
    calls.push(`rename ${String(to)}`);
    return real.rename(from, to);
  };
  return { ...real, open, rename, default: { ...real, open, rename } };
});

describe('saveAtomic durability', () => {
  it('syncs the temp file, renames it over the cassette, then syncs the folder', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-durable-')), 'c.json');
    calls.length = 0;
    await saveAtomic(path, '{"x":1}\n');
    const renameAt = calls.indexOf(`rename ${path}`);
    expect(renameAt).toBeGreaterThan(0);
    expect(calls[renameAt - 1]).toMatch(/^sync .*\.c\.json\.\d+\.[0-9a-f]{8}\.tmp$/);
    expect(calls.slice(renameAt + 1)).toContain(`sync ${dirname(path)}`);
  });
});
