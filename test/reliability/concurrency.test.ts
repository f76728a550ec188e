// 4 worker processes x 50 tests recording at once, through the real adapters: vitest with pool 'forks'
// and jest with 4 workers, on copies of the fixture projects (test/fixtures/*-project) using the built
// package. Every test makes a tool() call and a direct fetch to a loopback server. Afterwards every one
// of the 200 cassettes must be complete and valid, the workers must provably have overlapped, and a
// replay under CI with the server gone must pass and leave every file byte for byte as it was.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ToolCallCassette } from '../../src/index.js';
import { childEnv, copyFixture, root, startServer, type Project } from '../adapters/harness.js';
import { note, scaled } from './helpers.js';

const WORKERS = 4;
const TESTS = scaled(50, 150);
const projects: Project[] = [];
afterAll(async () => {
  for (const project of projects) await project.remove();
});

/** A generated test file: TESTS tests, each recording a tool call and a fetch, and noting its timing. */
function testFile(runner: 'vitest' | 'jest', worker: number): string {
  const imports =
    runner === 'vitest'
      ? `import { afterAll, expect, test } from 'vitest';\nimport { withCassette } from 'tapedeck/vitest';\nimport { getWeather } from './tools.ts';`
      : `import { afterAll, expect, test } from '@jest/globals';\nimport { withCassette } from 'tapedeck/jest';\nimport { getWeather } from './tools.cjs';`;
  return `${imports}
import { writeFileSync } from 'node:fs';

const started = Date.now();
let done = 0;
afterAll(() => {
  writeFileSync(${JSON.stringify(`timing-${worker}.json`)}, JSON.stringify({ pid: process.pid, started, ended: Date.now(), done }));
});

for (let i = 0; i < ${TESTS}; i++) {
  test(\`w${worker} test \${i}\`, withCassette(async () => {
    const city = \`w${worker}-c\${i}\`;
    const weather = await getWeather({ city });
    const direct = await (await fetch(\`http://127.0.0.1:\${process.env.FIXTURE_SERVER_PORT}/flights?from=\${city}&to=x\`)).json();
    expect(weather.city).toBe(city);
    expect(direct.flights[0].id).toBe(\`\${city}-x-1\`);
    done++;
  }));
}
`;
}

interface RunOutcome {
  code: number | null;
  output: string;
  passed: number;
  failed: number;
}

function run(runner: 'vitest' | 'jest', project: Project, files: string[], env: Record<string, string>): Promise<RunOutcome> {
  const report = join(project.dir, `report-${Date.now()}.json`);
  const args =
    runner === 'vitest'
      ? [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...files, '--pool=forks', `--maxWorkers=${WORKERS}`, '--reporter=json', `--outputFile=${report}`]
      : [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci=false', '--no-watchman', `--maxWorkers=${WORKERS}`, '--json', `--outputFile=${report}`, ...files];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: project.dir, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      void (async () => {
        const json = existsSync(report) ? (JSON.parse(await readFile(report, 'utf8')) as { numPassedTests: number; numFailedTests: number }) : { numPassedTests: 0, numFailedTests: -1 };
        await rm(report, { force: true });
        resolve({ code, output, passed: json.numPassedTests, failed: json.numFailedTests });
      })().catch(reject);
    });
  });
}

async function scenario(runner: 'vitest' | 'jest'): Promise<void> {
  const project = await copyFixture(runner === 'vitest' ? 'vitest-project' : 'jest-project');
  projects.push(project);
  const files: string[] = [];
  for (let w = 0; w < WORKERS; w++) {
    const file = `load-${w}.test.ts`;
    await writeFile(join(project.dir, file), testFile(runner, w));
    files.push(file);
  }
  const server = await startServer();
  const env = { FIXTURE_SERVER_PORT: String(server.port) };
  const recordStarted = performance.now();
  const recorded = await run(runner, project, files, env);
  const recordMs = performance.now() - recordStarted;
  expect(recorded.code, recorded.output).toBe(0);
  expect(recorded.passed).toBe(WORKERS * TESTS);
  expect(server.hits).toHaveLength(2 * WORKERS * TESTS);

  // Every cassette complete and valid: schema, hashes, exactly this test's two calls with their answers.
  // (The fixture project's own committed cassettes are not part of this run.)
  const ours = async () => new Map([...(await project.cassettes())].filter(([path]) => path.startsWith('__cassettes__/load-')));
  const cassettes = await ours();
  expect(cassettes.size).toBe(WORKERS * TESTS);
  for (let w = 0; w < WORKERS; w++) {
    for (let i = 0; i < TESTS; i++) {
      const path = `__cassettes__/load-${w}.test.ts/w${w} test ${i}.json`;
      const text = cassettes.get(path);
      expect(text, path).toBeDefined();
      const cassette = ToolCallCassette.fromJSON(JSON.parse(text!), path);
      const city = `w${w}-c${i}`;
      expect(cassette.entries.map((e) => [e.toolId, e.args])).toEqual([
        ['weather.get', [{ city }]],
        [`http:GET http://127.0.0.1:${server.port}/flights`, { query: { from: city, to: 'x' }, body: null }],
      ]);
      expect(cassette.replay({ toolId: 'weather.get', args: [{ city }] })).toMatchObject({ city });
    }
  }

  // The workers were separate processes and ran at the same time.
  const timings = await Promise.all(files.map(async (_f, w) => JSON.parse(await readFile(join(project.dir, `timing-${w}.json`), 'utf8')) as { pid: number; started: number; ended: number; done: number }));
  expect(new Set(timings.map((t) => t.pid)).size).toBe(WORKERS);
  expect(timings.map((t) => t.done)).toEqual(new Array(WORKERS).fill(TESTS));
  const overlap = Math.min(...timings.map((t) => t.ended)) - Math.max(...timings.map((t) => t.started));
  expect(overlap, `the ${WORKERS} workers never ran at the same time`).toBeGreaterThan(0);

  // Replay under CI with the server gone: everything passes, nothing is written.
  await server.stop();
  const replayed = await run(runner, project, files, { ...env, CI: 'true' });
  expect(replayed.code, replayed.output).toBe(0);
  expect(replayed.passed).toBe(WORKERS * TESTS);
  expect(await ours()).toEqual(cassettes);
  note(`concurrency (${runner}): ${WORKERS} worker processes x ${TESTS} tests recorded at once in ${(recordMs / 1000).toFixed(1)} s ` +
    `(workers overlapped ${(overlap / 1000).toFixed(1)} s): ${cassettes.size} cassettes complete and valid, replayed under CI byte-identical`);
}

describe(`${WORKERS} worker processes x ${TESTS} tests recording at once, through the adapters`, () => {
  it("vitest, pool: 'forks'", () => scenario('vitest'), 180_000);
  it('jest, 4 workers', () => scenario('jest'), 180_000);
});
