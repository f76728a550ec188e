// Issue 17, suite level: a generated vitest project of `files` files x `tests` tests x `calls` openai
// `chat.completions.create` calls each, run with the real vitest CLI as a child process (each file in a
// fresh worker, as users run it): tapedeck replay (CI=true) vs the hand-written mock
// (`new OpenAI({ fetch: async () => new Response(json) })`) vs msw static handlers, A/B interleaved with
// the order rotated each round. Every generated test also times its own body (scope + calls), so the same
// runs give the per-test cold cost: tests 2-10 of each file's fresh worker.
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { copyFixture, root, runRunner } from '../test/adapters/harness.js';
import type { Generation } from './generation.js';
import { chatCompletion, chatRequest } from './lib/openai.js';
import { startBenchServer } from './lib/server.js';
import { median } from './lib/stats.js';

/**
 * `hand-als`: the hand-written mock with each test body run inside `AsyncLocalStorage#run`, what tracking
 * a test's async context costs by itself on this Node (promise hooks up to Node 22): the floor of any tool
 * that, like tapedeck, knows which test a call belongs to.
 */
export type OpenAISuiteVariant = 'hand' | 'hand-als' | 'tapedeck' | 'msw';

export interface OpenAISuiteRow {
  variant: OpenAISuiteVariant;
  /** Wall time of `vitest run`, ms: median and every run. */
  ms: number;
  runs: number[];
  /** Median wall time divided by the hand-written mock's. */
  ratio: number;
  /** One test's body (scope + calls), ms: tests 2..n of each file, mean per file, median over files and runs. */
  coldTestMs: number;
  coldTestRatio: number;
  files: number;
  tests: number;
  calls: number;
}

/**
 * One generated test file of the openai suite. With `profileTo`, tests 2..n (the cold path the suite
 * measures) run under the V8 profiler in-process and the profile is written there (bench/cold-profile.ts).
 */
export function openaiSuiteFile(variant: OpenAISuiteVariant, file: number, tests: number, calls: number, profileTo?: string): string {
  const lines = [`import { afterAll, expect, test } from 'vitest';`];
  // tapedeck/vitest comes first: an SDK client captures fetch when it is built.
  if (variant === 'tapedeck') lines.push(`import { withCassette } from 'tapedeck/vitest';`);
  if (variant === 'msw') lines.push(`import { http, HttpResponse } from 'msw';`, `import { setupServer } from 'msw/node';`);
  lines.push(
    `import OpenAI from 'openai';`,
    `import { writeFileSync } from 'node:fs';`,
    `const request = ${JSON.stringify(chatRequest)};`,
    `const completion = ${JSON.stringify(chatCompletion)};`,
    `const options = { apiKey: 'sk-bench-placeholder', baseURL: 'http://127.0.0.1:' + process.env.BENCH_PORT + '/v1', maxRetries: 0 };`,
  );
  if (variant === 'msw') {
    // Listening before the client is built: the SDK captures the global fetch msw patches.
    lines.push(
      `const server = setupServer(http.post(options.baseURL + '/chat/completions', () => HttpResponse.json(completion)));`,
      `server.listen({ onUnhandledRequest: 'error' });`,
      `afterAll(() => server.close());`,
    );
  }
  if (variant === 'hand-als') lines.push(`import { AsyncLocalStorage } from 'node:async_hooks';`, `const als = new AsyncLocalStorage();`);
  if (variant === 'hand' || variant === 'hand-als') {
    lines.push(
      `const text = JSON.stringify(completion);`,
      `const client = new OpenAI({ ...options, fetch: async () => new Response(text, { headers: { 'content-type': 'application/json' } }) });`,
    );
  } else {
    lines.push(`const client = new OpenAI(options);`);
  }
  lines.push(
    `const times = [];`,
    ...(profileTo === undefined
      ? []
      : [
          `import { Session } from 'node:inspector/promises';`,
          `const session = new Session();`,
          `session.connect();`,
          `afterAll(async () => { const { profile } = await session.post('Profiler.stop'); writeFileSync(${JSON.stringify(profileTo)}, JSON.stringify(profile)); });`,
        ]),
    // The context stays destructured: vitest reads the first parameter to decide which fixtures to set up.
    `const timed = (fn) => async function timedTest({ task }) {`,
    ...(profileTo === undefined
      ? []
      : [`  if (times.length === 1) { await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 100 }); await session.post('Profiler.start'); }`]),
    `  const start = performance.now();`,
    `  await fn(arguments[0]);`,
    `  times.push(performance.now() - start);`,
    `};`,
    `afterAll(() => { if (process.env.BENCH_TIMES) writeFileSync(process.env.BENCH_TIMES + '/${variant}-${file}.json', JSON.stringify(times)); });`,
    `const body = (i) => async () => {`,
    `  for (let call = 0; call < ${calls}; call++) {`,
    `    const messages = [...request.messages.slice(0, 1), { role: 'user', content: 'Weather in city ${file}-' + i + '-' + call + '?' }];`,
    `    const answer = await client.chat.completions.create({ ...request, messages });`,
    `    expect(answer.choices[0].message.content).toBe(completion.choices[0].message.content);`,
    `  }`,
    `};`,
    `for (let i = 0; i < ${tests}; i++) test('agent turn ' + i, timed(${{ tapedeck: 'withCassette(body(i))', 'hand-als': '() => als.run({ test: i }, body(i))', hand: 'body(i)', msw: 'body(i)' }[variant]}));`,
    '',
  );
  return lines.join('\n');
}

/** Runs the openai suite: wall time per variant and the per-test cold cost, in the same runs. */
export async function openaiSuiteSection(options: { files: number; tests: number; calls: number; repeat: number; log: (line: string) => void; generation?: Generation }): Promise<OpenAISuiteRow[]> {
  const server = await startBenchServer();
  const project = await copyFixture('vitest-project');
  const generation = options.generation;
  // Another generation: its Node runs vitest, and the project has its msw (so tapedeck and the msw
  // variant use msw's interceptors, 0.45 for msw 3), linked in from the cache it was installed to.
  if (generation !== undefined) await symlink(join(generation.env.TAPEDECK_BENCH_MSW_FROM!, 'node_modules', 'msw'), join(project.dir, 'node_modules', 'msw'), 'dir');
  const timesDir = await mkdtemp(join(root, '.tapedeck-tmp-oa-times-'));
  try {
    const variants: OpenAISuiteVariant[] = ['hand', 'hand-als', 'tapedeck', 'msw'];
    for (const v of variants) {
      for (let f = 0; f < options.files; f++) await writeFile(join(project.dir, `oa-${v}.${String(f).padStart(2, '0')}.test.ts`), openaiSuiteFile(v, f, options.tests, options.calls));
    }
    const total = options.files * options.tests;
    const run = async (variant: OpenAISuiteVariant, env: Record<string, string>, expectedHits: number): Promise<number> => {
      const before = server.hits();
      const start = performance.now();
      // A filter, not file names: `vitest run oa-hand.` runs every file of the variant (and not oa-hand-als.).
      const result = await runRunner('vitest', project, {
        files: [`oa-${variant}.`],
        env: { BENCH_PORT: String(server.port), ...env },
        timeoutMs: 300_000,
        ...(generation === undefined ? {} : { execPath: generation.runtime.execPath }),
      });
      const ms = performance.now() - start;
      const passed = [...result.tests.values()].filter((t) => t.status === 'passed').length;
      if (result.code !== 0 || passed !== total) throw new Error(`openai suite ${variant} failed (${passed}/${total} passed):\n${result.output.slice(-3000)}`);
      const hits = server.hits() - before;
      if (hits !== expectedHits) throw new Error(`openai suite ${variant}: expected ${expectedHits} live requests, saw ${hits}`);
      return ms;
    };
    const recordMs = await run('tapedeck', { RECORD: '1' }, total * options.calls);
    options.log(`  openai suite: recorded ${total} cassettes in ${(recordMs / 1000).toFixed(1)} s`);
    const runs: Record<OpenAISuiteVariant, number[]> = { hand: [], 'hand-als': [], tapedeck: [], msw: [] };
    const cold: Record<OpenAISuiteVariant, number[]> = { hand: [], 'hand-als': [], tapedeck: [], msw: [] };
    for (let r = 0; r < options.repeat; r++) {
      const order = [...variants.slice(r % variants.length), ...variants.slice(0, r % variants.length)];
      for (const v of order) {
        await rm(timesDir, { recursive: true, force: true });
        await mkdir(timesDir);
        runs[v].push(await run(v, { BENCH_TIMES: timesDir, ...(v === 'tapedeck' ? { CI: 'true' } : {}) }, 0));
        const files = await readdir(timesDir);
        if (files.length !== options.files) throw new Error(`openai suite ${v}: ${files.length} of ${options.files} files reported their test times`);
        for (const file of files) {
          const times = JSON.parse(await readFile(join(timesDir, file), 'utf8')) as number[];
          // Tests 2..n: the first test of a worker pays for its first use of everything and is left out.
          const later = times.slice(1);
          if (later.length > 0) cold[v].push(later.reduce((a, b) => a + b, 0) / later.length);
        }
      }
    }
    const hand = { ms: median(runs.hand), cold: median(cold.hand) };
    const rows = variants.map((v) => ({
      variant: v,
      ms: median(runs[v]),
      runs: runs[v],
      ratio: median(runs[v]) / hand.ms,
      coldTestMs: median(cold[v]),
      coldTestRatio: median(cold[v]) / hand.cold,
      files: options.files,
      tests: options.tests,
      calls: options.calls,
    }));
    options.log(`  openai suite: ${rows.map((r) => `${r.variant} ${r.ms.toFixed(0)} ms (per test ${r.coldTestMs.toFixed(2)} ms)`).join(', ')}`);
    return rows;
  } finally {
    await project.remove();
    await server.stop();
    await rm(timesDir, { recursive: true, force: true });
  }
}
