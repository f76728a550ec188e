// Profiles the cold path the openai suite measures (issue 17): one generated test file of `tests` tests x
// 3 openai calls, run by the real vitest CLI; tests 2..n run under the V8 profiler in the worker (the
// first test, which pays for first use of everything, is left out, as in the suite's per-test figure).
// Prints self time by function, and the inclusive time under a few of tapedeck's entry points, summed
// over `files` files (each its own worker, as in the suite; one file's profile is too noisy to read).
//   node --import tsx bench/cold-profile.ts [tapedeck|hand|msw] [--files=8] [--tests=10] [--top=45] [--keep=<dir>]
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDist } from '../scripts/ensure-dist.js';
import { copyFixture, root, runRunner } from '../test/adapters/harness.js';
import { startBenchServer } from './lib/server.js';
import { openaiSuiteFile, type OpenAISuiteVariant } from './openai-suite.js';
import { summarizeProfile } from './profile.js';

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const variant = (args.find((a) => !a.startsWith('--')) ?? 'tapedeck') as OpenAISuiteVariant;
const tests = Number(option('tests') ?? 10);
const top = Number(option('top') ?? 45);
const files = Number(option('files') ?? 8);
ensureDist();
const server = await startBenchServer();
const project = await copyFixture('vitest-project');
const tmp = await mkdtemp(join(root, '.tapedeck-tmp-prof-'));
const profileDir = option('keep') ?? tmp;
await mkdir(profileDir, { recursive: true });
try {
  for (let f = 0; f < files; f++) await writeFile(join(project.dir, `oa-${f}.test.ts`), openaiSuiteFile(variant, f, tests, 3, join(profileDir, `cold-${f}.cpuprofile`)));
  const env = { BENCH_PORT: String(server.port), BENCH_TIMES: tmp };
  if (variant === 'tapedeck') {
    const recorded = await runRunner('vitest', project, { files: ['oa-'], env: { ...env, RECORD: '1' } });
    if (recorded.code !== 0) throw new Error(recorded.output);
  }
  // One file at a time: the profiles are not disturbed by another worker on the same core.
  const run = await runRunner('vitest', project, { files: ['oa-'], env: { ...env, CI: 'true' }, args: ['--no-file-parallelism'] });
  if (run.code !== 0) throw new Error(run.output);
  const times = (await Promise.all(Array.from({ length: files }, async (_, f) => JSON.parse(await readFile(join(tmp, `${variant}-${f}.json`), 'utf8')) as number[]))).flatMap((t) => t.slice(1));
  const profiles = await Promise.all(Array.from({ length: files }, async (_, f) => JSON.parse(await readFile(join(profileDir, `cold-${f}.cpuprofile`), 'utf8'))));
  const s = mergeSummaries(profiles.map((profile) => summarizeProfile(profile, [/withCassette|tapedeckTest/, /openSession/, /runScope/, /closeSession|endSession/, /resolveMode/, /handleRequest|onRequest|emitAsync/, /create .*openai/, /fetch/])));
  times.sort((a, b) => a - b);
  console.log(`${variant}: ${files} files, tests 2..${tests}: median ${times[times.length >> 1]!.toFixed(2)} ms (profiler on); ${s.total.toFixed(1)} ms sampled`);
  for (const [name, ms] of s.self.slice(0, top)) console.log(`  ${ms.toFixed(2).padStart(7)}  ${name}`);
  console.log('  inclusive:');
  for (const [name, ms] of s.inclusive) console.log(`  ${ms.toFixed(2).padStart(7)}  ${name}`);
} finally {
  await project.remove();
  await server.stop();
  await rm(tmp, { recursive: true, force: true });
}

/** Sums the per-function times of several summaries. */
function mergeSummaries(all: Array<ReturnType<typeof summarizeProfile>>): ReturnType<typeof summarizeProfile> {
  const sum = (pick: (s: ReturnType<typeof summarizeProfile>) => Array<[string, number]>) => {
    const m = new Map<string, number>();
    for (const s of all) for (const [k, v] of pick(s)) m.set(k, (m.get(k) ?? 0) + v);
    return [...m].sort((a, b) => b[1] - a[1]);
  };
  return { total: all.reduce((a, s) => a + s.total, 0), self: sum((s) => s.self), inclusive: sum((s) => s.inclusive) };
}
