import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedEnvironment } from '../../src/format.js';
import { run, saveCassette, tempDir, weatherCassette, writeJson } from './helpers.js';

const folder = join('test', '__cassettes__', 'agent.test.ts');
const platform = `${process.platform}-${process.arch}`;

/** Saves the weather cassette as recorded in `environment` (none: an older tapedeck's cassette). */
function recordedIn(dir: string, name: string, environment?: RecordedEnvironment): Promise<string> {
  const cassette = weatherCassette();
  if (environment !== undefined) cassette.updateMeta({ environment });
  return saveCassette(join(dir, folder, name), cassette);
}

describe('tapedeck list --drift', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    // The project the command runs in: the versions its node_modules hold are the current ones.
    for (const [name, version] of [['openai', '6.52.0'], ['@anthropic-ai/sdk', '1.12.0']] as const) {
      await mkdir(join(dir, 'node_modules', name), { recursive: true });
      await writeFile(join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
    }
  });
  afterEach(() => cleanup());

  it('lists each cassette recorded in another environment with what changed, where it was recorded, and a tally', async () => {
    const packages = { openai: '6.49.0', '@anthropic-ai/sdk': '1.12.0' };
    await recordedIn(dir, 'a older openai.json', { node: process.version, platform: 'darwin-arm64', packages, git: { commit: 'abcdef0123456789'.repeat(2) + 'abcdef01', dirty: true } });
    await recordedIn(dir, 'b older node.json', { node: 'v18.19.0', platform, packages });
    await recordedIn(dir, 'c current.json', { node: process.version, platform, packages: { openai: '6.52.0', '@anthropic-ai/sdk': '1.12.0' } });
    await recordedIn(dir, 'd no environment.json');
    await writeJson(join(dir, folder, 'e broken.json'), '{');

    const result = await run(['list', '--drift'], dir);
    expect(result.code).toBe(0);
    expect(result.lines).toEqual([
      `current environment: node ${process.version} (${platform}), openai 6.52.0, @anthropic-ai/sdk 1.12.0`,
      `${folder}/a older openai.json  recorded 2026-11-23T10:00:00.000Z at abcdef012345 (dirty)`,
      '    packages.openai: 6.49.0 -> 6.52.0',
      `${folder}/b older node.json  recorded 2026-11-23T10:00:00.000Z`,
      `    node: v18.19.0 -> ${process.version}`,
      '    packages.openai: 6.49.0 -> 6.52.0',
      expect.stringMatching(new RegExp(`^${folder}/e broken\\.json  invalid: \\$: invalid-json: not valid JSON`)),
      '',
      'changes:',
      '  2  packages.openai: 6.49.0 -> 6.52.0',
      `  1  node: v18.19.0 -> ${process.version}`,
      '2 of 4 cassettes recorded in a different environment, 1 without a recorded environment, 1 invalid (run tapedeck check)',
    ]);
  });

  it('prints the current environment and every cassette with --json', async () => {
    await recordedIn(dir, 'a.json', { node: process.version, platform, packages: { openai: '6.49.0' } });
    await recordedIn(dir, 'b.json');
    const result = await run(['list', '--drift', '--json'], dir);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as { current: RecordedEnvironment; cassettes: unknown[] };
    expect(report.current).toMatchObject({ node: process.version, packages: { openai: '6.52.0', '@anthropic-ai/sdk': '1.12.0' } });
    expect(report.cassettes).toEqual([
      {
        path: `${folder}/a.json`,
        valid: true,
        drift: ['packages.openai: 6.49.0 -> 6.52.0'],
        environment: { node: process.version, platform, packages: { openai: '6.49.0' } },
        recordedAt: '2026-11-23T10:00:00.000Z',
      },
      { path: `${folder}/b.json`, valid: true, drift: [], environment: null, recordedAt: '2026-11-23T10:00:00.000Z' },
    ]);
  });

  it('says so when nothing drifted, and refuses --drift with --usage', async () => {
    await recordedIn(dir, 'a.json', { node: process.version, packages: { openai: '6.52.0' } });
    expect((await run(['list', '--drift'], dir)).lines.at(-1)).toBe('0 of 1 cassette recorded in a different environment');
    const both = await run(['list', '--drift', '--usage'], dir);
    expect(both.code).toBe(2);
    expect(both.err).toContain('--drift and --usage are separate views');
  });
});
