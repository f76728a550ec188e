// A replaying test's session loads its cassette with `verify: 'on-use'`: an entry's args hash is checked
// on its first use, not at load (a test replays a few entries of a file that may hold thousands). An
// entry edited by hand must stay as loud as when every entry was hashed at load.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ToolCallCassette, isReplayError, tool, withCassette } from '../src/index.js';
import { resetConfiguration } from '../src/config.js';

afterEach(() => resetConfiguration());
const quiet = { onWarning: () => undefined, http: false } as const;
const double = tool('math.double', async (n: number) => n * 2);

/** A cassette of double(1) and double(2) whose second entry's args were then edited to [3] by hand. */
async function editedCassette(): Promise<{ path: string; text: string }> {
  const path = join(await mkdtemp(join(tmpdir(), 'tapedeck-verify-')), 'c.json');
  await withCassette({ path, mode: 'record', ...quiet }, async () => {
    await double(1);
    await double(2);
  });
  const data = JSON.parse(await readFile(path, 'utf8')) as { entries: Array<{ args: unknown }> };
  data.entries[1]!.args = [3];
  const text = `${JSON.stringify(data, null, 2)}\n`;
  await writeFile(path, text);
  return { path, text };
}

const mismatch = expect.objectContaining({ reason: 'hash-mismatch', jsonPath: 'entries[1].args', toolId: 'math.double' });

describe("fromJSON with verify: 'on-use'", () => {
  it('loads an edited file, replays the untouched entries, and refuses the edited one when it is used', async () => {
    const { path, text } = await editedCassette();
    expect(() => ToolCallCassette.fromJSON(JSON.parse(text), path)).toThrowError(mismatch);
    const lazy = ToolCallCassette.fromJSON(JSON.parse(text), path, { verify: 'on-use' });
    expect(lazy.replay({ toolId: 'math.double', args: [1] })).toBe(2);
    expect(() => lazy.replay({ toolId: 'math.double', args: [2] })).toThrowError(mismatch);
  });

  it('a miss reports the edited entry, which is its likely cause', async () => {
    const { path, text } = await editedCassette();
    const lazy = ToolCallCassette.fromJSON(JSON.parse(text), path, { verify: 'on-use' });
    // The edited args themselves: their hash is not the stored key, so the call misses.
    expect(lazy.missError({ toolId: 'math.double', args: [3] })).toEqual(mismatch);
  });

  it('never writes or exports an edited entry, used or not', async () => {
    const { path, text } = await editedCassette();
    expect(() => ToolCallCassette.fromJSON(JSON.parse(text), path, { verify: 'on-use' }).serialize()).toThrowError(mismatch);
    expect(() => ToolCallCassette.fromJSON(JSON.parse(text), path, { verify: 'on-use' }).toJSON()).toThrowError(mismatch);
  });
});

describe('a replaying test', () => {
  it('fails with hash-mismatch when it replays the edited entry, even if its code swallows the error', async () => {
    const { path } = await editedCassette();
    let swallowed: unknown;
    const run = withCassette({ path, mode: 'replay', ...quiet }, async () => {
      expect(await double(1)).toBe(2);
      try {
        await double(2);
      } catch (error) {
        swallowed = error;
      }
    });
    await expect(run).rejects.toThrowError(mismatch);
    expect(isReplayError(swallowed) && swallowed.reason).toBe('hash-mismatch');
  });

  it('fails with hash-mismatch, not a plain miss, when it calls with the edited args', async () => {
    const { path } = await editedCassette();
    await expect(withCassette({ path, mode: 'replay', ...quiet }, () => double(3))).rejects.toThrowError(mismatch);
  });

  it('recording the missing calls (RECORD=new) never rewrites a file with an edited entry', async () => {
    const { path, text } = await editedCassette();
    const run = withCassette({ path, mode: 'new', ...quiet }, async () => {
      expect(await double(1)).toBe(2);
      expect(await double(7)).toBe(14);
    });
    await expect(run).rejects.toThrowError(mismatch);
    expect(await readFile(path, 'utf8')).toBe(text);
  });
});
