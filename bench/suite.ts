// Section 5 of issue 6: wall time of a 200-test file (5 HTTP requests per test) under real vitest and real
// jest, run as child processes on a temp copy of the fixture projects with tapedeck installed from dist/:
// tapedeck replay (the adapters' withCassette, CI=true) vs msw static handlers vs the live loopback server.
// Also the per-test-file cost of importing tapedeck/vitest (msw loaded lazily) vs importing msw.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { copyFixture, runRunner, root, type Project, type Runner } from '../test/adapters/harness.js';
import { startBenchServer } from './lib/server.js';
import { median } from './lib/stats.js';

export type SuiteVariant = 'tapedeck' | 'msw' | 'live';

export interface SuiteRow {
  runner: Runner;
  variant: SuiteVariant;
  /** Wall time of the runner process, ms: median and every run. */
  ms: number;
  runs: number[];
  /** Median divided by the msw run's median. */
  ratio: number;
  tests: number;
  callsPerTest: number;
}

export interface ImportRow {
  /** `fetch`: only what any file that makes an HTTP call loads too (Node's own fetch, undici, on first use). */
  what: 'msw' | 'tapedeck' | 'fetch';
  /** ms per test file, median over files. */
  ms: number;
  /** CPU ms (user + system) of the same, median over files: what a loaded machine's scheduling does not move. */
  cpuMs: number;
  files: number;
}

// The server's answer, inlined in the generated files (msw handlers compute it the same way).
const WEATHER_FN = `function weather(city) {
  const sum = [...city].reduce((s, c) => s + c.charCodeAt(0), 0);
  return { city, tempF: 40 + (sum % 50), conditions: sum % 2 === 0 ? 'sunny' : 'overcast', wind: { mph: sum % 17, dir: 'NW' } };
}`;

/** One generated test file: `tests` tests of `calls` sequential fetches each (exported for profiling runs). */
export function suiteFile(runner: Runner, variant: SuiteVariant, tests: number, calls: number): string {
  const esm = runner === 'vitest';
  const lines: string[] = [];
  if (esm) {
    lines.push(`import { afterAll, beforeAll, expect, test } from 'vitest';`);
    if (variant === 'tapedeck') lines.push(`import { withCassette } from 'tapedeck/vitest';`);
    if (variant === 'msw') lines.push(`import { http, HttpResponse } from 'msw';`, `import { setupServer } from 'msw/node';`);
  } else {
    lines.push(`const { afterAll, beforeAll, expect, test } = require('@jest/globals');`);
    if (variant === 'tapedeck') lines.push(`const { withCassette } = require('tapedeck/jest');`);
    if (variant === 'msw') lines.push(`const { http, HttpResponse } = require('msw');`, `const { setupServer } = require('msw/node');`);
  }
  lines.push(`const base = 'http://127.0.0.1:' + process.env.BENCH_PORT;`, WEATHER_FN);
  if (variant === 'msw') {
    lines.push(
      `const server = setupServer(http.get(base + '/weather', ({ request }) => HttpResponse.json(weather(new URL(request.url).searchParams.get('city')))));`,
      `beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));`,
      `afterAll(() => server.close());`,
    );
  }
  const body = `async () => {
    for (let call = 0; call < ${calls}; call++) {
      const city = 'c' + i + '-' + call;
      const response = await fetch(base + '/weather?city=' + city);
      expect(await response.json()).toEqual(weather(city));
    }
  }`;
  lines.push(`for (let i = 0; i < ${tests}; i++) {`, `  test('agent turn ' + i, ${variant === 'tapedeck' ? `withCassette(${body})` : body});`, `}`, '');
  return lines.join('\n');
}

export interface SuiteOptions {
  tests: number;
  calls: number;
  repeat: number;
  runners: Runner[];
  /** Run the runners side by side (smoke runs only: it spoils the timings). */
  parallel?: boolean;
  log: (line: string) => void;
}

/** Runs the suite-level comparison for each runner. */
export async function suiteSection(options: SuiteOptions): Promise<SuiteRow[]> {
  const rows: SuiteRow[] = [];
  const one = async (runner: Runner): Promise<void> => {
    // Its own server per runner: live requests are counted, and smoke runs run the runners side by side.
    const server = await startBenchServer();
    const project = await copyFixture(`${runner}-project`);
    try {
      const ext = runner === 'vitest' ? 'test.ts' : 'test.cjs';
      const variants: SuiteVariant[] = ['msw', 'tapedeck', 'live'];
      const files = Object.fromEntries(variants.map((v) => [v, `bench-${v}.${ext}`])) as Record<SuiteVariant, string>;
      for (const v of variants) await writeFile(join(project.dir, files[v]), suiteFile(runner, v, options.tests, options.calls));
      const total = options.tests * options.calls;
      const run = async (variant: SuiteVariant, env: Record<string, string>, expectedHits: number): Promise<number> => {
        const before = server.hits();
        const start = performance.now();
        const result = await runRunner(runner, project, { files: [files[variant]], env: { BENCH_PORT: String(server.port), ...env } });
        const ms = performance.now() - start;
        const passed = [...result.tests.values()].filter((t) => t.status === 'passed').length;
        if (result.code !== 0 || passed !== options.tests) throw new Error(`${runner} ${variant} failed (${passed}/${options.tests} passed):\n${result.output.slice(-3000)}`);
        const hits = server.hits() - before;
        if (hits !== expectedHits) throw new Error(`${runner} ${variant}: expected ${expectedHits} live requests, saw ${hits}`);
        return ms;
      };
      // Record the cassettes once (not timed as a variant), then replay them under CI=true.
      const recordMs = await run('tapedeck', { RECORD: '1' }, total);
      options.log(`  ${runner}: recorded ${options.tests} cassettes in ${(recordMs / 1000).toFixed(1)} s`);
      const runs: Record<SuiteVariant, number[]> = { msw: [], tapedeck: [], live: [] };
      for (let r = 0; r < options.repeat; r++) {
        // Rotate which variant goes first, so none always runs on a cold or a warm machine.
        const order = [...variants.slice(r % 3), ...variants.slice(0, r % 3)];
        for (const v of order) runs[v].push(await run(v, v === 'tapedeck' ? { CI: 'true' } : {}, v === 'live' ? total : 0));
      }
      const msw = median(runs.msw);
      for (const v of variants) rows.push({ runner, variant: v, ms: median(runs[v]), runs: runs[v], ratio: median(runs[v]) / msw, tests: options.tests, callsPerTest: options.calls });
      options.log(`  ${runner}: ${variants.map((v) => `${v} ${median(runs[v]).toFixed(0)} ms`).join(', ')}`);
    } finally {
      await project.remove();
      await server.stop();
    }
  };
  if (options.parallel === true) await Promise.all(options.runners.map(one));
  else for (const runner of options.runners) await one(runner);
  return rows;
}

/**
 * Per-test-file cost of what a test file loads: `msw` = import msw + msw/node, setupServer, listen;
 * `tapedeck` = import tapedeck/vitest and start interception (which imports msw, lazily, once); `fetch` =
 * first use of Node's own fetch, which any file that makes an HTTP call pays too (and interception does). Each
 * file times its own imports (vitest runs every file in a fresh process), one file at a time.
 */
export async function importSection(files: number): Promise<ImportRow[]> {
  const project: Project = await copyFixture('vitest-project');
  const out = await mkdtemp(join(root, '.tapedeck-tmp-import-'));
  try {
    const names: string[] = [];
    for (let i = 0; i < files; i++) {
      for (const what of ['msw', 'tapedeck', 'fetch'] as const) {
        const name = `import-${String(i).padStart(2, '0')}-${what}.test.ts`;
        names.push(name);
        const load =
          what === 'msw'
            ? `const { http } = await import('msw');
  const { setupServer } = await import('msw/node');
  const server = setupServer(http.get('http://127.0.0.1:1/none', () => new Response('')));
  server.listen({ onUnhandledRequest: 'bypass' });
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(startCpu);
  server.close();`
            : what === 'fetch'
              ? `new Headers({ a: 'b' });
  void globalThis.fetch;
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(startCpu);`
              : `await import('tapedeck/vitest');
  const { installHttp } = await import('tapedeck');
  const release = await installHttp();
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(startCpu);
  await release?.();`;
        await writeFile(
          join(project.dir, name),
          `import { test } from 'vitest';
import { writeFileSync } from 'node:fs';
test('import', async () => {
  const start = performance.now();
  const startCpu = process.cpuUsage();
  ${load}
  writeFileSync(${JSON.stringify(join(out, `${name}.json`))}, JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000 }));
});
`,
        );
      }
    }
    const result = await runRunner('vitest', project, { files: names, args: ['--no-file-parallelism'] });
    if (result.code !== 0) throw new Error(`import bench failed:\n${result.output.slice(-3000)}`);
    const times: Record<ImportRow['what'], number[]> = { msw: [], tapedeck: [], fetch: [] };
    const cpu: Record<ImportRow['what'], number[]> = { msw: [], tapedeck: [], fetch: [] };
    for (const file of await readdir(out)) {
      const { ms, cpuMs } = JSON.parse(await readFile(join(out, file), 'utf8')) as { ms: number; cpuMs: number };
      const what = (['msw', 'tapedeck', 'fetch'] as const).find((w) => file.includes(`-${w}.`))!;
      times[what].push(ms);
      cpu[what].push(cpuMs);
    }
    return (['msw', 'tapedeck', 'fetch'] as const).map((what) => ({ what, ms: median(times[what]), cpuMs: median(cpu[what]), files: times[what].length }));
  } finally {
    await project.remove();
    await rm(out, { recursive: true, force: true });
  }
}
