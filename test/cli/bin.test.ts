// Runs the *built* bin, as a user's shell or `.ci/run` would (test/global-setup.ts keeps dist/ fresh).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import tsupConfig from '../../tsup.config.js';
import { VERSION } from '../../src/version.js';
import { saveCassette, tempDir, weatherFile, writeJson } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'dist', 'cli.js');

function runBin(args: string[], cwd: string, env: Record<string, string> = {}, file = process.execPath, argv = [bin, ...args]) {
  const base = { ...process.env };
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  const result = spawnSync(file, argv, { cwd, env: { ...base, ...env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the tapedeck bin', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const folder = 'test/__cassettes__/agent.test.ts';
  beforeAll(async () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` (test/global-setup.ts does it unless TAPEDECK_SKIP_BUILD=1)`);
    ({ dir, cleanup } = await tempDir());
    await saveCassette(join(dir, folder, 'clean.json'));
  });
  afterAll(() => cleanup());

  it('is declared in package.json and built by tsup from src/cli/main.ts', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ tapedeck: './dist/cli.js' });
    const config = (Array.isArray(tsupConfig) ? tsupConfig[0] : tsupConfig) as { entry: Record<string, string> };
    expect(config.entry.cli).toBe('src/cli/main.ts');
  });

  it('starts with a shebang, is executable, and runs on its own', () => {
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    if (process.platform === 'win32') return; // no exec bit; npm writes a .cmd shim there
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    const result = runBin([], dir, {}, bin, ['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it('exits 0 on clean cassettes and 1 with `file: path: kind: what` on a planted corrupt one', async () => {
    expect(runBin(['check'], dir)).toMatchObject({ code: 0, stdout: 'tapedeck check: 1 cassette checked, no problems\n' });
    const corrupt = weatherFile();
    (corrupt.entries[0]!.args as Array<{ city: string }>)[0]!.city = 'LAX';
    await writeJson(join(dir, folder, 'corrupt.json'), corrupt);
    try {
      const result = runBin(['check', 'test'], dir);
      expect(result.code).toBe(1);
      expect(result.stdout.split('\n')[0]).toMatch(new RegExp(`^${folder}/corrupt\\.json: \\$\\.entries\\[0\\]\\.args: hash-mismatch: weather\\.get: args hash to [0-9a-f]{64}, `));
      expect(result.stdout).toContain('tapedeck check: 1 problem in 1 file (2 cassettes checked)');
    } finally {
      await writeJson(join(dir, folder, 'corrupt.json'), weatherFile());
    }
  });

  it('colours only when asked (not on a pipe), and NO_COLOR wins over FORCE_COLOR', () => {
    const escape = '\u001b[';
    expect(runBin(['check'], dir).stdout).not.toContain(escape);
    expect(runBin(['check'], dir, { FORCE_COLOR: '1' }).stdout).toContain(`${escape}32m`);
    expect(runBin(['check'], dir, { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toContain(escape);
  });

  it('exits 2 with usage on stderr for an unknown command, and documents exit codes in --help', () => {
    const unknown = runBin(['frobnicate'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe('tapedeck: unknown command "frobnicate"\nRun `tapedeck --help` for usage.\n');
    const help = runBin(['--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    for (const command of ['check', 'list', 'diff', 'prune']) {
      const sub = runBin([command, '--help'], dir);
      expect(sub.code).toBe(0);
      expect(sub.stdout).toMatch(new RegExp(`^Usage: tapedeck ${command} [\\s\\S]*Exit codes:\\n {2}0 `));
    }
  });
});
