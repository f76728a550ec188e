// Shared by the reliability suite: iteration counts (scaled up by `npm run test:stress`), temp folders,
// child processes running TypeScript through tsx, and reading back every byte a test left on disk.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';

/** `npm run test:stress` sets TAPEDECK_STRESS=1: every loop below runs its heavier count. */
export const STRESS = process.env.TAPEDECK_STRESS === '1';

/** `normal` iterations under `npm test`, `stress` under `npm run test:stress`. */
export function scaled(normal: number, stress: number): number {
  return STRESS ? stress : normal;
}

/** Per-test timeout for the loops that `npm run test:stress` makes ten times longer. */
export const TIMEOUT = STRESS ? 15 * 60_000 : 60_000;

/** fast-check runs per property: `normal` under `npm test`, ten times that under stress. */
export function runs(normal: number): number {
  return STRESS ? normal * 10 : normal;
}

/** Prints one measured number so it shows in the test output (`[reliability] ...`). */
export function note(line: string): void {
  console.log(`[reliability] ${line}`);
}

export const fixtures = join(import.meta.dirname, 'fixtures');

/** A fresh folder under the OS temp dir; `cleanup` removes it. */
export async function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `tapedeck-rel-${label}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Every file under `dir` (recursively), as paths relative to it. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.push(relative(dir, path));
    }
  };
  await walk(dir);
  return out.sort();
}

/** The files under `dir` whose bytes contain `needle` (checked as raw UTF-8 bytes, whatever the file is). */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const bytes = Buffer.from(needle, 'utf8');
  const hits: string[] = [];
  for (const file of await listFiles(dir)) {
    if ((await readFile(join(dir, file))).includes(bytes)) hits.push(file);
  }
  return hits;
}

/** Temp and lock files a writer can leave behind. */
export function debris(files: readonly string[]): string[] {
  return files.filter((f) => f.endsWith('.tmp') || f.endsWith('.lock') || f.endsWith('.reap'));
}

export type Child = ChildProcessByStdio<Writable, Readable, Readable>;

/** Starts `node [nodeArgs] --import tsx <fixtures/script> ...args` with piped stdio. */
export function spawnScript(script: string, args: readonly string[], options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}): Child {
  return spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', join(fixtures, script), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...cleanEnv(), ...options.env },
  });
}

// The suite itself may run under CI=true or RECORD=...: none of that may change what a child does.
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(CI|RECORD|TAPEDECK_.*|VITEST.*|NODE_OPTIONS)$/.test(key)) env[key] = value;
  }
  return env;
}

/** Lines a child writes to stdout, one at a time, in order; `next()` waits for the next one. */
export class LineReader {
  readonly #queue: string[] = [];
  readonly #waiters: Array<(line: string | null) => void> = [];
  #ended = false;
  /** Everything the child wrote to stderr, for failure messages. */
  stderr = '';

  constructor(child: Child) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(line);
      else this.#queue.push(line);
    });
    child.stdout.on('end', () => {
      this.#ended = true;
      for (const waiter of this.#waiters.splice(0)) waiter(null);
    });
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
  }

  /** The next line, or `null` once the child's stdout has closed. */
  next(): Promise<string | null> {
    const line = this.#queue.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The next line that starts with `prefix` (others are skipped); throws if the child exits first. */
  async expect(prefix: string): Promise<string> {
    for (;;) {
      const line = await this.next();
      if (line === null) throw new Error(`child exited before printing "${prefix}…"; stderr:\n${this.stderr}`);
      if (line.startsWith(prefix)) return line;
    }
  }
}

/** Resolves with the exit code (or signal name) once the child has exited. */
export function exited(child: Child): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}

/** Runs a fixture script to completion: exit code, stdout, stderr. */
export async function runScript(script: string, args: readonly string[], options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawnScript(script, args, options);
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await exited(child);
  // 'exit' can come before the last stdout chunk; 'close' means every stream is drained.
  if (child.stdout.readableEnded === false) await new Promise((resolve) => child.stdout.once('close', resolve));
  return { code, stdout, stderr };
}

/** A pid that belonged to a process which has exited (a real dead writer, not a made-up number). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise((resolve) => child.once('exit', resolve));
  return pid;
}
