// `npm run bench`: tapedeck beside msw, nock.back and Polly.js, every ratio against baselines measured in
// this same run (the machines are shared and noisy; absolute times move, ratios much less). Prints the
// tables and writes them to bench/results/latest.json and latest.md.
//
//   npm run bench                         the whole bench (about 8 minutes on 2 cores)
//   npm run bench -- --smoke              tiny counts, every code path once (test/bench-smoke.test.ts)
//   npm run bench -- --only=http,hash     some sections: http, hash, io, suite, import, mcp, openai, oa-suite
//   node --import tsx bench/cold-profile.ts tapedeck   where a cold test's time goes (see that file)
//   npm run bench -- --only=http --profile=tapedeck-1000   also write .cpuprofile files of those variants
//                                         (their measured requests only; --iterations=N for more)
//   npm run bench -- --only=http --cases=sse   only the HTTP variants whose id matches
//   npm run bench -- --out=<dir>          write the results elsewhere (default bench/results)
//   npm run bench -- --no-next            skip the other generations: the HTTP and openai sections under Node 22 + msw 3,
//                                         the openai ones under Node 24 + msw 3 too (from the npm registry into
//                                         ~/.cache/tapedeck-compat once)
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { ensureDist } from '../scripts/ensure-dist.js';
import { heapSection, ioSection, type HeapResult, type IoRow } from './cassette-io.js';
import { hashSection, type HashRow } from './hash.js';
import { mswNext } from './generation.js';
import { httpSection, type HttpOptions, type HttpRow } from './http.js';
import { mcpSection, type McpRow } from './mcp.js';
import { openaiSection, type OpenAIRow } from './openai.js';
import { openaiSuiteSection, type OpenAISuiteRow } from './openai-suite.js';
import { benchDir } from './lib/child.js';
import { evaluateTargets, renderMarkdown, renderText, type BenchResults } from './report.js';
import { importSection, suiteSection, type ImportRow, type SuiteRow } from './suite.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const smoke = argv.includes('--smoke') || process.env.TAPEDECK_BENCH_SMOKE === '1';
const sections = new Set((flag('only') ?? 'http,hash,io,suite,import,mcp,openai,oa-suite').split(','));
const profile = flag('profile');
const outDir = resolve(flag('out') ?? (smoke ? join(os.tmpdir(), 'tapedeck-bench-smoke') : join(benchDir, 'results')));
const log = (line: string) => console.log(line);

const started = Date.now();
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()}-${os.arch()} ${os.release()}`,
  loadBefore: os.loadavg().map((l) => Number(l.toFixed(2))),
};
log(`tapedeck bench${smoke ? ' (smoke: tiny counts, numbers mean nothing)' : ''}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadBefore.join(' ')}`);

// The suite and import sections run the built package, as users do.
if (sections.has('suite') || sections.has('import') || sections.has('oa-suite')) ensureDist();

let http: HttpRow[] = [];
let httpNext: BenchResults['httpNext'];
let hash: HashRow[] = [];
let io: IoRow[] = [];
let heap: HeapResult | undefined;
let suite: SuiteRow[] = [];
let imports: ImportRow[] = [];
let mcp: McpRow[] = [];
let openai: OpenAIRow[] = [];
let openaiSuite: OpenAISuiteRow[] = [];
const openaiNext: NonNullable<BenchResults['openaiNext']> = [];

const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
  const start = Date.now();
  log(`${name}...`);
  const out = await fn();
  log(`${name}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return out;
};

const httpOptions = (): HttpOptions => ({
  rounds: Number(flag('rounds') ?? (smoke ? 1 : 3)),
  warmup: smoke ? 3 : 150,
  iterations: Number(flag('iterations') ?? (smoke ? 10 : 250)),
  sseWarmup: smoke ? 1 : 10,
  sseIterations: smoke ? 3 : 40,
  sizes: smoke ? [1, 20] : [1, 1_000, 10_000],
  peerEntries: smoke ? 20 : 1_000,
  concurrency: smoke ? 3 : 1,
  oneClient: smoke,
  ...(profile === undefined ? {} : { profile: new RegExp(profile), profileDir: join(outDir, 'profiles') }),
  ...(flag('cases') === undefined ? {} : { only: new RegExp(flag('cases')!) }),
  log,
});
const httpRun = () =>
  timed('HTTP per request and SSE', async () => {
    ({ rows: http } = await httpSection(httpOptions()));
  });
// The same cases under Node 22 with msw 3 (interceptors 0.45), but nock and Polly.js, which do not
// change with msw: both generations side by side, each against its own msw's minimum.
const httpNextRun = async () => {
  const generation = await mswNext();
  await timed(`HTTP per request and SSE, ${generation.label}`, async () => {
    const options = httpOptions();
    const { rows } = await httpSection({ ...options, only: new RegExp(`^(?!nock|polly).*(?:${options.only?.source ?? ''})`), generation });
    httpNext = { label: generation.label, rows };
  });
};
const next = !argv.includes('--no-next');
// In a smoke run timings mean nothing, so the slow child-process sections run side by side.
const suiteRun = () =>
  timed('Suite level (vitest, jest)', async () => {
    suite = await suiteSection({ tests: smoke ? 3 : 200, calls: smoke ? 2 : 5, repeat: smoke ? 1 : 3, runners: ['vitest', 'jest'], parallel: smoke, log });
  });
const openaiRun = () =>
  timed('openai chat.completions.create per call', async () => {
    openai = await openaiSection({ rounds: smoke ? 1 : 3, warmup: smoke ? 3 : 150, iterations: smoke ? 10 : 300, log });
  });
const openaiSuiteRun = () =>
  timed('openai suite (vitest)', async () => {
    openaiSuite = await openaiSuiteSection(smoke ? { files: 2, tests: 3, calls: 2, repeat: 1, log } : { files: 20, tests: 10, calls: 3, repeat: 3, log });
  });
const parallel: Array<Promise<void>> = [];
if (sections.has('http')) parallel.push(next ? httpRun().then(httpNextRun) : httpRun());
if (sections.has('suite')) parallel.push(smoke ? suiteRun() : parallel.length > 0 ? parallel.pop()!.then(suiteRun) : suiteRun());
if (smoke) {
  if (sections.has('openai')) parallel.push(openaiRun());
  if (sections.has('oa-suite')) parallel.push(openaiSuiteRun());
}
await Promise.all(parallel);
if (!smoke && sections.has('openai')) await openaiRun();
if (!smoke && sections.has('oa-suite')) await openaiSuiteRun();
// Issue 17's targets hold on Node 22 with msw 3 too: sections 7 and 8 again in that generation, and in
// Node 24 with msw 3 (whose AsyncLocalStorage is built on async context frames).
for (const major of !smoke && next && (sections.has('openai') || sections.has('oa-suite')) ? (['22', '24'] as const) : []) {
  const generation = await mswNext(major);
  const into = { label: generation.label, openai: [] as OpenAIRow[], openaiSuite: [] as OpenAISuiteRow[] };
  openaiNext.push(into);
  if (sections.has('openai')) {
    await timed(`openai per call, ${generation.label}`, async () => void (into.openai = await openaiSection({ rounds: 3, warmup: 150, iterations: 300, log, generation })));
  }
  if (sections.has('oa-suite')) {
    await timed(`openai suite (vitest), ${generation.label}`, async () => void (into.openaiSuite = await openaiSuiteSection({ files: 20, tests: 10, calls: 3, repeat: 3, log, generation })));
  }
}
if (sections.has('import')) await timed('Per-file import', async () => void (imports = await importSection(smoke ? 1 : 8)));
if (sections.has('hash')) await timed('argsHash', async () => void (hash = hashSection(smoke ? 0.02 : 1)));
if (sections.has('io')) {
  await timed('Cassette load / save / heap', async () => {
    io = await ioSection(smoke ? [20] : [100, 1_000, 10_000], (n) => (smoke ? 1 : n >= 10_000 ? 7 : n >= 1_000 ? 15 : 31));
    // Smoke runs still load enough (2.7 MB) for the heap delta to stand clear of the collector's noise.
    heap = await heapSection(smoke ? 2_000 : 10_000);
  });
}

if (sections.has('mcp')) await timed('MCP tools/call', async () => void (mcp = await mcpSection(smoke ? { calls: 5, tests: 1, warmup: 1 } : { calls: 300, tests: 15, warmup: 30 })));

const results: BenchResults = {
  date: new Date().toISOString(),
  smoke,
  seconds: Math.round((Date.now() - started) / 1000),
  machine: { ...machine, loadAfter: os.loadavg().map((l) => Number(l.toFixed(2))) },
  http,
  ...(httpNext === undefined ? {} : { httpNext }),
  hash,
  io,
  ...(heap === undefined ? {} : { heap }),
  suite,
  imports,
  mcp,
  openai,
  openaiSuite,
  ...(openaiNext.length === 0 ? {} : { openaiNext }),
  targets: [],
};
results.targets = evaluateTargets(results);
await mkdir(outDir, { recursive: true });
await writeFile(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
await writeFile(join(outDir, 'latest.md'), renderMarkdown(results));
log('');
log(renderText(results));
log(`\nwrote ${join(outDir, 'latest.json')} and latest.md in ${results.seconds} s`);
