// Runs real vitest and real jest as child processes on copies of the fixture projects under
// test/fixtures/, against the *built* package, as a user's project would.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join, relative, sep } from 'node:path';
// `tapedeck prune`'s notes beside the cassettes: a run artifact, not a cassette.
import { UNUSED_RECORD_FILE } from '../../src/unused-record.js';

export const root = join(import.meta.dirname, '..', '..');
const bins = {
  vitest: join(root, 'node_modules', 'vitest', 'vitest.mjs'),
  jest: join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
};

export type Runner = keyof typeof bins;

/** A fixture project copied to a fresh folder, with `tapedeck` installed in it from dist/. */
export interface Project {
  dir: string;
  /** Every cassette (every .json file but package.json) in the project: path relative to `dir` -> exact text. */
  cassettes(): Promise<Map<string, string>>;
  remove(): Promise<void>;
}

/**
 * Copies `test/fixtures/<name>` to `<repo>/.tapedeck-tmp-*` (inside the repo, so `vitest`, `jest`, `zod`...
 * resolve from the repo's node_modules like hoisted dependencies) and installs the package the way npm
 * would: `node_modules/tapedeck` holds only `package.json` and `dist/`, so every import goes through
 * the `exports` map to the built files.
 */
export async function copyFixture(name: 'vitest-project' | 'jest-project' | 'mcp-project'): Promise<Project> {
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` (test/global-setup.ts does it)');
  const base = await mkdtemp(join(root, '.tapedeck-tmp-adapters-'));
  const dir = join(base, name);
  await cp(join(root, 'test', 'fixtures', name), dir, { recursive: true });
  for (const shared of ['loopback-get.cjs', 'work-queue.cjs', 'worker-fetch.cjs']) await cp(join(root, 'test', 'fixtures', shared), join(dir, shared));
  const installed = join(dir, 'node_modules', 'tapedeck');
  await mkdir(installed, { recursive: true });
  await cp(join(root, 'package.json'), join(installed, 'package.json'));
  await cp(join(root, 'dist'), join(installed, 'dist'), { recursive: true });
  return {
    dir,
    async cassettes() {
      const found = new Map<string, string>();
      const walk = async (folder: string): Promise<void> => {
        for (const entry of await readdir(folder, { withFileTypes: true })) {
          const path = join(folder, entry.name);
          if (entry.isDirectory()) {
            if (entry.name !== 'node_modules') await walk(path);
          } else if (entry.name.endsWith('.json') && entry.name !== 'package.json' && entry.name !== UNUSED_RECORD_FILE) {
            found.set(relative(dir, path).split(sep).join('/'), await readFile(path, 'utf8'));
          }
        }
      };
      await walk(dir);
      return found;
    },
    remove: () => rm(base, { recursive: true, force: true }),
  };
}

/** The loopback server the fixtures' tools call when live; answers are a pure function of the request. */
export interface FixtureServer {
  port: number;
  /** Requests served so far, as paths with query. */
  readonly hits: string[];
  /** Stops listening; the port stays the fixtures' target, so a call that goes live fails. */
  stop(): Promise<void>;
}

/**
 * Starts the server on `port` (default: a free one; the bench reuses a port so URLs in cassettes match),
 * answering after `latencyMs` (default none) to stand in for a remote API.
 */
export async function startServer(port = 0, latencyMs = 0): Promise<FixtureServer> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = (name: string) => url.searchParams.get(name) ?? '';
    let body: unknown;
    if (url.pathname === '/weather') body = { city: q('city'), tempF: 40 + ([...q('city')].reduce((sum, c) => sum + c.charCodeAt(0), 0) % 50) };
    else if (url.pathname === '/flights') body = { flights: [1, 2].map((n) => ({ id: `${q('from')}-${q('to')}-${n}`, price: 100 * n })) };
    const text = JSON.stringify(body ?? { error: 'not found' });
    const send = () => {
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (latencyMs > 0) setTimeout(send, latencyMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One test as the runner reported it, keyed `<file> :: <describe › test>`. */
export interface TestOutcome {
  status: 'passed' | 'failed' | 'skipped';
  message: string;
}

export interface RunResult {
  code: number | null;
  /** stdout and stderr together. */
  output: string;
  tests: Map<string, TestOutcome>;
}

export interface RunOptions {
  files: string[];
  /** Environment for this scenario only; the parent's CI, RECORD, TAPEDECK_* and FIXTURE_* never leak in. */
  env?: Record<string, string>;
  /** Node flags, e.g. `--experimental-vm-modules` for jest's ESM mode. */
  nodeArgs?: string[];
  /** More runner arguments, e.g. `--config={}`. */
  args?: string[];
  /** Kill the runner after this long (default 60 s; the bench's 20-file suites need more on a loaded machine). */
  timeoutMs?: number;
  /** The Node binary to run the runner with (default: this process's; the bench runs another generation). */
  execPath?: string;
}

// The root test run itself happens under CI=true (and inside vitest): none of that may reach the child.
const INHERITED_NOT = /^(CI|RECORD|TAPEDECK_.*|FIXTURE_.*|VITEST.*|JEST_.*|NODE_OPTIONS|NODE_ENV|TEST|GITHUB_ACTIONS)$/;

/** A clean environment for a child runner: the parent's, minus anything that changes a runner's or tapedeck's behaviour. */
export function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!INHERITED_NOT.test(key)) clean[key] = value;
  return { ...clean, NO_COLOR: '1', FORCE_COLOR: '0', ...env };
}

/** Runs `vitest run` or `jest` in the project, with a JSON report parsed into {@link RunResult.tests}. */
export async function runRunner(runner: Runner, project: Project, options: RunOptions): Promise<RunResult> {
  const report = join(project.dir, '..', `report-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const args =
    runner === 'vitest'
      ? [bins.vitest, 'run', ...options.files, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...(options.args ?? [])]
      : [bins.jest, '--ci=false', '--no-watchman', '--runInBand', '--json', `--outputFile=${report}`, ...(options.args ?? []), ...options.files];
  const { code, output } = await spawnProcess(options.execPath ?? process.execPath, [...(options.nodeArgs ?? []), ...args], project.dir, childEnv(options.env), options.timeoutMs);
  const tests = existsSync(report) ? parseReport(await readFile(report, 'utf8')) : new Map<string, TestOutcome>();
  await rm(report, { force: true });
  return { code, output, tests };
}

/**
 * Runs a command exactly as a user would paste it (`RECORD=1 npx vitest run ... -t '...'`) through `sh`,
 * with `npx <runner>` pointed at the repo's binary (npx would look for it on the registry).
 */
export async function runShellCommand(command: string, project: Project, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const local = command.replace(/\bnpx (vitest|jest)\b/, (_, runner: Runner) => `'${process.execPath}' '${bins[runner]}'${runner === 'jest' ? ' --ci=false --no-watchman' : ''}`);
  return spawnProcess('sh', ['-c', local], project.dir, childEnv(env));
}

function spawnProcess(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

interface JsonReport {
  testResults: Array<{
    name: string;
    assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string; failureMessages?: string[] }>;
  }>;
}

// vitest's JSON reporter writes jest's format, so one parser reads both.
function parseReport(text: string): Map<string, TestOutcome> {
  const tests = new Map<string, TestOutcome>();
  for (const file of (JSON.parse(text) as JsonReport).testResults) {
    for (const t of file.assertionResults) {
      const status = t.status === 'passed' || t.status === 'failed' ? t.status : 'skipped';
      tests.set(`${basename(file.name)} :: ${[...t.ancestorTitles, t.title].join(' › ')}`, { status, message: (t.failureMessages ?? []).join('\n') });
    }
  }
  return tests;
}

/** Writes a file in the project (creating folders), e.g. a corrupt cassette a skipped test must not read. */
export async function writeProjectFile(project: Project, path: string, text: string): Promise<void> {
  await mkdir(join(project.dir, path, '..'), { recursive: true });
  await writeFile(join(project.dir, path), text);
}
