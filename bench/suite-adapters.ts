// Wall time of a 200-test suite (5 HTTP calls per test) under real vitest and real jest: recording it,
// running it live (RECORD=off: every call reaches the loopback server through tapedeck), and replaying it
// (CI=true, server stopped). Run: node --import tsx bench/suite-adapters.ts [--latency=ms] [--repeat=3]
import { performance } from 'node:perf_hooks';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copyFixture, runRunner, startServer, type Runner } from '../test/adapters/harness.js';

const FILES = 4;
const TESTS_PER_FILE = 50;
const CALLS_PER_TEST = 5;
const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const latency = arg('latency', 0);
const repeat = arg('repeat', 3);

function testFile(runner: Runner, file: number): string {
  const head =
    runner === 'vitest'
      ? `import { expect, test } from 'vitest';\nimport { withCassette } from 'tapedeck/vitest';\n`
      : `const { expect, test } = require('@jest/globals');\nconst { withCassette } = require('tapedeck/jest');\n`;
  return `${head}
const base = \`http://127.0.0.1:\${process.env.FIXTURE_SERVER_PORT}\`;
for (let i = 0; i < ${TESTS_PER_FILE}; i++) {
  test(\`agent turn ${file}-\${i}\`, withCassette(async () => {
    for (let call = 0; call < ${CALLS_PER_TEST}; call++) {
      const city = \`c${file}-\${i}-\${call}\`;
      const response = await fetch(\`\${base}/weather?city=\${city}\`);
      expect((await response.json()).city).toBe(city);
    }
  }));
}
`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function bench(runner: Runner): Promise<Record<string, number>> {
  const project = await copyFixture(`${runner}-project`);
  try {
    const ext = runner === 'vitest' ? 'ts' : 'cjs';
    const files = Array.from({ length: FILES }, (_, f) => `bench-${f}.test.${ext}`);
    for (const [f, name] of files.entries()) await writeFile(join(project.dir, name), testFile(runner, f));
    const total = FILES * TESTS_PER_FILE * CALLS_PER_TEST;
    const server = await startServer(0, latency);
    const port = String(server.port);
    const timed = async (env: Record<string, string>, expectedHits: number): Promise<number> => {
      const before = server.hits.length;
      const start = performance.now();
      const result = await runRunner(runner, project, { files, env: { FIXTURE_SERVER_PORT: port, ...env } });
      const ms = performance.now() - start;
      const passed = [...result.tests.values()].filter((t) => t.status === 'passed').length;
      if (result.code !== 0 || passed !== FILES * TESTS_PER_FILE) throw new Error(`${runner} ${JSON.stringify(env)} failed:\n${result.output.slice(-3000)}`);
      if (server.hits.length - before !== expectedHits) throw new Error(`${runner}: expected ${expectedHits} live calls, saw ${server.hits.length - before}`);
      return ms;
    };
    const record = await timed({}, total);
    const live: number[] = [];
    for (let i = 0; i < repeat; i++) live.push(await timed({ RECORD: 'off' }, total));
    await server.stop();
    const replay: number[] = [];
    for (let i = 0; i < repeat; i++) replay.push(await timed({ CI: 'true' }, 0));
    return { record, live: median(live), replay: median(replay) };
  } finally {
    await project.remove();
  }
}

console.log(`${FILES * TESTS_PER_FILE} tests x ${CALLS_PER_TEST} HTTP calls, loopback latency ${latency} ms, median of ${repeat} (record: one run)`);
console.log('runner  record ms  live ms  replay ms  live/replay');
for (const runner of ['vitest', 'jest'] as const) {
  const r = await bench(runner);
  console.log(`${runner.padEnd(7)} ${r.record!.toFixed(0).padStart(9)} ${r.live!.toFixed(0).padStart(8)} ${r.replay!.toFixed(0).padStart(10)} ${(r.live! / r.replay!).toFixed(2).padStart(12)}`);
}
