// tapedeck/jest, run by real jest child processes on test/fixtures/jest-project (built package): TypeScript
// through @swc/jest and plain .cjs (both CommonJS: require('tapedeck/jest')), and native ESM (.mjs).
import { describe, expect, test } from 'vitest';
import { runRunner, startServer } from './harness.js';
import { callsOf, cassettePath, defineAdapterScenarios, expectHttpRoundTrip, expectRunSummary, weather } from './scenarios.js';

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
    // The summary is a line of its own, not a console.log block pointing into tapedeck's dist chunk.
    expect(replay.output).not.toMatch(/console\.log|dist[/\\]chunk-/);
    expect(await project().cassettes()).toEqual(recorded);
  });

  test('CommonJS with a stock config tapes fetch (grabbed at module load) and node:http: records, then replays under CI', async () => {
    // No transform and no transformIgnorePatterns: tapedeck loads msw with Node's own require, outside
    // jest's registry, and points the sandbox's fetch at the patched one.
    await expectHttpRoundTrip(project, { files: ['http.test.cjs'], args: stock });
  });

  test("a user's own msw server, passed as mswServer: their handlers answer, the rest records and replays", async () => {
    await expectHttpRoundTrip(project, { files: ['msw.test.cjs'] });
  });

  test("a user's own msw server not passed to tapedeck: their handlers still answer, the rest records and replays", async () => {
    await expectHttpRoundTrip(project, { files: ['msw-unconfigured.test.cjs'] });
  });

  test('tapedeck/jest-reporter prints one line for the run, summed over its files', async () => {
    const reporters = ['--reporters=default', '--reporters=tapedeck/jest-reporter', '--runInBand=false', '--maxWorkers=2'];
    await expectRunSummary(project, 'jest', { files: ['http.test.cjs', 'msw.test.cjs', 'msw-unconfigured.test.cjs'], args: reporters });
  });
});
