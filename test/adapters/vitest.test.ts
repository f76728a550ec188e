// tapedeck/vitest, run by real vitest child processes on test/fixtures/vitest-project (ESM, built package).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { defineAdapterScenarios, expectHttpRoundTrip, expectRunSummary, weather } from './scenarios.js';

describe('tapedeck/vitest', () => {
  const { project } = defineAdapterScenarios({
    runner: 'vitest',
    project: 'vitest-project',
    files: ['agent.test.ts', 'concurrent.test.ts', 'options.test.ts'],
    extraCassettes: {
      'recordings/options.test.ts/uses the configured folder.json': [weather('bonn')],
      'custom/own.json': [weather('graz')],
      'recordings/options.test.ts/works with test.extend.json': [weather('kiel')],
    },
    fixCommand: `RECORD=1 npx vitest run agent.test.ts -t 'trip planner with weather Asks "why\\?" \\(v1.2\\) for \\$HOME \\[x\\]'`,
  });

  test('tapes fetch (grabbed at module load) and a named node:http import: records, then replays under CI', async () => {
    await expectHttpRoundTrip(project, { files: ['http.test.ts'] }, 'vitest');
  });

  test("a user's own msw server, passed as mswServer: their handlers answer, the rest records and replays", async () => {
    await expectHttpRoundTrip(project, { files: ['msw.test.ts'] }, 'vitest');
  });

  // The vm pools run each test file in a vm context of its own, and load tapedeck's interceptors into it.
  test.each(['vmThreads', 'vmForks'])('tapes fetch and node:http under the %s pool: records, then replays under CI', async (pool) => {
    await rm(join(project().dir, '__cassettes__', 'vm.test.ts'), { recursive: true, force: true });
    await expectHttpRoundTrip(project, { files: ['vm.test.ts'], args: [`--pool=${pool}`] }, 'vitest');
  });

  test.each(['forks', 'threads'])('tapedeck/vitest-reporter prints one line for the run, summed over files run in separate workers (%s)', async (pool) => {
    await expectRunSummary(project, 'vitest', { files: ['http.test.ts', 'msw.test.ts'], args: ['--reporter=tapedeck/vitest-reporter', `--pool=${pool}`] });
  });
});
