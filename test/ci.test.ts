// .ci/run validates the committed cassettes with the built CLI; a corrupt one must fail the run.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const script = readFileSync(join(root, '.ci', 'run'), 'utf8');
const checkLine = script.split('\n').find((l) => l.startsWith('node dist/cli.js check '))!;

describe('.ci/run', () => {
  it('runs the README test command and checks the cassettes of examples/ and the fixtures', () => {
    expect(script).toMatch(/^npm test$/m);
    expect(script).toMatch(/^npm run example$/m);
    // The example runs before anything is built, as on a fresh clone after `npm ci`.
    const lines = script.split('\n');
    expect(lines.indexOf('npm run example')).toBeLessThan(lines.indexOf('npm run build'));
    expect(checkLine.split(' ').slice(3)).toEqual(['examples', 'test/fixtures']);
  });

  it('passes on the committed cassettes and fails on a planted corrupt one', () => {
    const dirs = checkLine.split(' ').slice(3);
    const cli = join(root, 'dist', 'cli.js');
    expect(spawnSync(process.execPath, [cli, 'check', ...dirs.map((d) => join(root, d))], { encoding: 'utf8' }).status).toBe(0);
    const copy = mkdtempSync(join(tmpdir(), 'tapedeck-ci-'));
    cpSync(join(root, 'examples'), join(copy, 'examples'), { recursive: true, filter: (src) => !src.includes('node_modules') });
    const planted = join(copy, 'examples', 'agent', '__cassettes__', 'agent.test.ts', 'planted.json');
    writeFileSync(planted, '{"schemaVersion": 1, "entries": [{"toolId": "x"');
    const result = spawnSync(process.execPath, [cli, 'check', join(copy, 'examples')], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain('planted.json');
    execFileSync(process.execPath, [cli, 'check', '--help']);
  });
});
