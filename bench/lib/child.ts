// Every HTTP variant runs in a fresh child process: msw, nock and Polly.js all patch globals, two msw
// servers in one process break each other, and a fresh process starts every variant from the same state.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const benchDir = join(import.meta.dirname, '..');
export const root = join(benchDir, '..');

const TSX = import.meta.resolve('tsx');

/**
 * Another Node and another msw for a child (the bench's msw 3 generation): its binary, the folder it runs
 * in (where tapedeck finds msw), and Node flags (the hook that resolves `msw` there).
 */
export interface Runtime {
  execPath: string;
  cwd: string;
  nodeArgs: string[];
}

export interface ChildOptions {
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  runtime?: Runtime;
}

/** Runs `bench/<script>` with tsx, passing `input` as JSON; resolves to the JSON the child printed last. */
export function runChild<T>(script: string, input: unknown, options: ChildOptions = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const runtime = options.runtime;
    // tsx by URL: a runtime's folder (its cwd) has no tsx of its own.
    const args = [...(options.nodeArgs ?? []), '--import', TSX, ...(runtime?.nodeArgs ?? []), join(benchDir, script), JSON.stringify(input)];
    const child = spawn(runtime?.execPath ?? process.execPath, args, {
      cwd: runtime?.cwd ?? root,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) {
        reject(new Error(`bench/${script} ${JSON.stringify(input).slice(0, 300)} exited ${code}:\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`));
        return;
      }
      resolve(JSON.parse(last) as T);
    });
  });
}

/** What a child prints as its last line. */
export function reply(value: unknown): void {
  process.stdout.write(`\n${JSON.stringify(value)}\n`);
}

/** The JSON input a child was given. */
export function input<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('expected the JSON input as the first argument');
  return JSON.parse(raw) as T;
}
