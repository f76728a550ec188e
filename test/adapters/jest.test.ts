// tapedeck/jest, run by real jest child processes on test/fixtures/jest-project (built package): TypeScript
// through @swc/jest and plain .cjs (both CommonJS: require('tapedeck/jest')), and native ESM (.mjs).
import { describe, expect, test } from 'vitest';
import { runRunner, startServer } from './harness.js';
import { callsOf, cassettePath, defineAdapterScenarios, weather } from './scenarios.js';

describe('tapedeck/jest', () => {
  const { project } = defineAdapterScenarios({
    runner: 'jest',
    project: 'jest-project',
    files: ['agent.test.ts', 'concurrent.test.ts', 'require.test.cjs'],
    extraCassettes: {
      [cassettePath('require.test.cjs', ['commonjs', 'loads the CommonJS build'])]: [weather('rome')],
      [cassettePath('require.test.cjs', ['commonjs each', 'weather in oslo'])]: [weather('oslo')],
      [cassettePath('require.test.cjs', ['commonjs each', 'weather in lima'])]: [weather('lima')],
    },
    fixCommand: `RECORD=1 npx jest agent.test.ts -t 'trip planner with weather Asks "why\\?" \\(v1.2\\) for \\$HOME \\[x\\]'`,
  });

  // No config file at all: jest's defaults.
  const stock = ['--config={}'];

  test('native ESM (node --experimental-vm-modules) works with a stock config: records, then replays under CI', async () => {
    const esm = { files: ['esm.test.mjs'], nodeArgs: ['--experimental-vm-modules'], args: stock };
    const path = cassettePath('esm.test.mjs', ['esm', 'loads the ES module build']);
    const server = await startServer();
    const first = await runRunner('jest', project(), { ...esm, env: { FIXTURE_SERVER_PORT: String(server.port) } });
    expect(first.code, first.output).toBe(0);
    expect(server.hits).toEqual(['/weather?city=kyiv']);
    await server.stop();
    const recorded = await project().cassettes();
    expect(callsOf(new Map([...recorded].filter(([p]) => p.startsWith('__cassettes__/esm.test.mjs/'))))).toEqual({ [path]: [weather('kyiv')] });

    const replay = await runRunner('jest', project(), { ...esm, env: { CI: 'true', FIXTURE_SERVER_PORT: String(server.port) } });
    expect(replay.code, replay.output).toBe(0);
    expect(replay.output).toContain('tapedeck: 1 cassette, 1 replayed, 0 recorded, 0 live, 0 misses, 0 unused, 0 written');
    expect(await project().cassettes()).toEqual(recorded);
  });

  test('CommonJS with a stock config fails on msw\'s ESM-only dependencies, pointing at transformIgnorePatterns', async () => {
    // Why the fixture's jest.config.cjs (and the README) carry transformIgnorePatterns.
    const result = await runRunner('jest', project(), { files: ['require.test.cjs'], args: stock, env: { CI: 'true' } });
    expect(result.code).toBe(1);
    const failure = result.tests.get('require.test.cjs :: commonjs › loads the CommonJS build');
    expect(failure?.status).toBe('failed');
    expect(failure?.message).toMatch(/rettime|until-async|deferred-promise/);
    expect(failure?.message).toContain('transformIgnorePatterns');
  });
});
