import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { ReplayError, isReplayError } from './errors.js';
import { isJsonObject, setMember } from './hash.js';

/** Where cassettes live. `load` gives `null` for a file that does not exist; a corrupt file throws. */
export interface CassetteStore {
  load(path: string): Promise<StoredText | null>;
  /**
   * Writes `text` so that a reader only ever sees the old or the new file. `expected` is the content
   * the caller loaded (`null`: there was no file); if the file changed since, nothing is written and
   * `cassette-conflict` is thrown, so a concurrent writer's work is never silently overwritten.
   */
  save(path: string, text: string, options?: { expected?: string | null }): Promise<void>;
}

/** A cassette file as read from disk: its exact text and the parsed JSON. */
export interface StoredText {
  text: string;
  data: unknown;
}

/** The file-system store: atomic writes (temp file in the same folder, fsync, rename) under a lock file. */
export const fileStore: CassetteStore = { load: loadJsonFile, save: saveAtomic };

/** Reads and parses a JSON file; `null` when it does not exist. */
export async function loadJsonFile(path: string): Promise<StoredText | null> {
  return loadJsonFileSync(path);
}

/** {@link loadJsonFile}, synchronously (a scope is opened synchronously on the first call that needs it). */
export function loadJsonFileSync(path: string): StoredText | null {
  let text: string;
  try {
    // Synchronous on purpose: every taped test starts with this read, and for a cassette-sized file the
    // promise API's file handle and thread-pool round trip cost 10-20x the read itself (bench/results).
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EISDIR') {
      throw new ReplayError('corrupt-cassette', `tapedeck: ${path} is a directory, not a cassette file.\n  fix: remove or rename that directory.`, {
        cassettePath: path,
        cause: error,
      });
    }
    throw new ReplayError('corrupt-cassette', `tapedeck: cannot read ${path}: ${(error as Error).message}`, { cassettePath: path, cause: error });
  }
  return { text, data: parseJsonText(text, path) };
}

/** Parses cassette text (a UTF-8 BOM is allowed), throwing `corrupt-cassette` with the line and column. */
export function parseJsonText(text: string, path: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (error) {
    // Only here: `trim()` copies the whole text, and a blank text never parses.
    if (body.trim() === '') {
      throw new ReplayError('corrupt-cassette', `tapedeck: ${path} is empty.\n  fix: restore it from version control, or delete it and re-record (RECORD=1).`, {
        cassettePath: path,
        jsonPath: '$',
      });
    }
    const message = (error as Error).message;
    // Node 20's message has no position; find the first offending byte ourselves (error path only).
    const where = positionOf(body);
    throw new ReplayError(
      'corrupt-cassette',
      `tapedeck: ${path} is not valid JSON${where}: ${message}\n  fix: restore it from version control, or delete it and re-record (RECORD=1).`,
      { cassettePath: path, jsonPath: '$', cause: error },
    );
  }
}

/** Offset of the first JSON syntax error in `text` (a small recursive-descent scan). */
export function syntaxErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? '')) fail();
      }
      i++;
    }
    if (text[i] !== '"') fail();
    i++;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else {
      const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!m) fail();
      i += m![0].length;
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
  } catch (offset) {
    if (typeof offset === 'number') return Math.min(offset, text.length);
    throw offset;
  }
  return text.length;
}

function positionOf(text: string): string {
  try {
    return ` (${lineAndColumn(text, syntaxErrorOffset(text))})`;
  } catch {
    // The scan recurses per nesting level: garbage nested deeper than the stack (`[[[[…`) has no position.
    return '';
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/**
 * Serialises with object keys sorted, 2-space indent and a trailing newline, so the same data always gives
 * the same bytes and a re-recording diffs only where the data changed. What a call returned (anything
 * under a `result` member) keeps its own key order: code under test often stringifies a tool's output
 * (into the next LLM message, say), and a replay with reordered keys would send different text.
 */
export function stableStringify(value: unknown, keep: (key: string) => boolean = keepAll): string {
  return `${JSON.stringify(sortKeys(value, keep, true), null, 2)}\n`;
}

const keepAll = (): boolean => true;

function sortKeys(value: unknown, keep: (key: string) => boolean, sort: boolean): unknown {
  // A subtree that keeps its order and every key is written as it is: JSON.stringify drops undefined
  // members just as the copy would (cassette data is plain JSON, see toJsonValue), so no copy is needed.
  if (!sort && keep === keepAll) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const done = sortKeys(item, keep, sort);
      if (done !== item) (out ??= value.slice())[i] = done;
    }
    return out ?? value;
  }
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  // Most of a re-saved cassette is already in order (it was loaded from a stable file): an object whose
  // keys are sorted and whose members need no change is written as it is; only one that changes is copied.
  let out: Record<string, unknown> | undefined = sort && !isSorted(keys) ? {} : undefined;
  if (out !== undefined) keys.sort();
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const v = (value as Record<string, unknown>)[key];
    const skip = v === undefined || !keep(key);
    const done = skip ? undefined : sortKeys(v, keep, sort && key !== 'result');
    if (out === undefined && (skip || done !== v)) {
      out = {};
      for (let j = 0; j < i; j++) setMember(out, keys[j]!, (value as Record<string, unknown>)[keys[j]!]);
    }
    if (out !== undefined && !skip) setMember(out, key, done);
  }
  return out ?? value;
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

const LOCK_STALE_MS = 30_000;
// A lock file is created empty and gets its owner's pid a moment later: one still without a pid after
// this long belongs to a writer that died in between (a SIGKILL, a full disk), not to a slow one.
const LOCK_NO_OWNER_STALE_MS = 2_000;

/** Atomic, conflict-checked write (see {@link CassetteStore.save}). */
export async function saveAtomic(path: string, text: string, options: { expected?: string | null } = {}): Promise<void> {
  try {
    await writeLocked(path, text, options);
  } catch (error) {
    // A file system error names a temp or lock file, or nothing at all (EFBIG on a full disk): say which
    // cassette was not written, keeping the error itself (its code) for whoever handles it.
    if (error instanceof Error && !isReplayError(error) && typeof (error as NodeJS.ErrnoException).code === 'string') {
      error.message = `tapedeck: could not write ${path}: ${error.message}\n  Nothing was written: the file on disk, if any, is as it was.`;
    }
    throw error;
  }
}

async function writeLocked(path: string, text: string, options: { expected?: string | null }): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const release = await acquireLock(path);
  try {
    if (options.expected !== undefined) {
      const current = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return null;
        throw error;
      });
      if (current !== options.expected) {
        throw new ReplayError(
          'cassette-conflict',
          `tapedeck: ${path} was ${options.expected === null ? 'created' : 'changed'} by another process while this test ran; ` +
            `not overwriting it.\n  fix: re-run the test; if two tests share an explicit path, give each its own.`,
          { cassettePath: path },
        );
      }
    }
    const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await syncDir(dir);
    await removeStaleTemps(dir, basename(path));
  } finally {
    await release();
  }
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable; not supported everywhere (e.g. Windows), where it is skipped.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}

/** Temp files of writers that died mid-save (their pid is gone) are removed after a successful save. */
async function removeStaleTemps(dir: string, base: string): Promise<void> {
  const prefix = `.${base}.`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    // Exactly `.<base>.<pid>.<8 hex>.tmp`: the temp file of `<base>.5.json` also starts with `.<base>.`.
    const match = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (match !== null && !isAlive(Number(match[1]))) await rm(join(dir, name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Who holds a lock, written into the lock file. A pid alone says nothing across machines or containers
 * sharing a volume (another PID namespace has its own pid 1234), nor between worker threads of one
 * process (they share the pid). So a lock names its host, boot (Linux boot id) and PID namespace, the
 * process's start time (a reused pid is another process), and the thread (Node's threadId, and on Linux
 * the OS thread with its start time). A lock's liveness is only judged where all of that can be checked:
 * on the same host, boot and namespace; anywhere else it is trusted until it is {@link LOCK_STALE_MS} old.
 */
export interface LockOwner {
  pid: number;
  host?: string;
  boot?: string;
  pidns?: string;
  /** Process start, in clock ticks since boot (Linux `/proc/<pid>/stat` field 22). */
  start?: string;
  thread?: number;
  /** Linux OS thread id and its start, when the owner is not the main thread. */
  tid?: number;
  tstart?: string;
}

const readOr = (read: () => string): string | undefined => {
  try {
    return read();
  } catch {
    return undefined;
  }
};

/** Field 22 (starttime) of a `/proc/.../stat` file; the command name (field 2) may hold spaces and ')'. */
function procStart(statFile: string): string | undefined {
  const text = readOr(() => readFileSync(statFile, 'utf8'));
  return text?.slice(text.lastIndexOf(')') + 2).split(' ')[19];
}

/** This process (and thread) as a lock owner, as its lock file names it (JSON). */
export function currentOwner(): LockOwner {
  const owner: LockOwner = { pid: process.pid, host: hostname(), thread: threadId };
  const boot = readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  if (boot !== undefined) owner.boot = boot;
  const pidns = readOr(() => readlinkSync('/proc/self/ns/pid'));
  if (pidns !== undefined) owner.pidns = pidns;
  const start = procStart(`/proc/${process.pid}/stat`);
  if (start !== undefined) owner.start = start;
  if (threadId !== 0) {
    // /proc/thread-self is the calling OS thread: a worker's JS runs on a thread of its own.
    const task = readOr(() => readlinkSync('/proc/thread-self'));
    const tid = task === undefined ? undefined : Number(task.split('/').pop());
    if (tid !== undefined && Number.isInteger(tid)) {
      owner.tid = tid;
      const tstart = procStart(`/proc/${process.pid}/task/${tid}/stat`);
      if (tstart !== undefined) owner.tstart = tstart;
    }
  }
  return owner;
}

/** The owner a lock file names: JSON, or a bare pid (older tapedeck); `undefined` when it names none. */
function parseOwner(text: string): LockOwner | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) };
  try {
    const data: unknown = JSON.parse(trimmed);
    if (isJsonObject(data) && typeof data.pid === 'number' && Number.isInteger(data.pid) && data.pid > 0) return data as unknown as LockOwner;
  } catch {
    /* half-written or foreign: no owner */
  }
  return undefined;
}

/**
 * Whether the owner is known to be gone. Only decided on the same host, boot and PID namespace (a lock
 * from an older tapedeck, with a pid only, is judged by its pid as before); elsewhere `false`.
 */
function ownerIsGone(owner: LockOwner, me: LockOwner): boolean {
  const judged = owner.host === undefined || (owner.host === me.host && owner.boot === me.boot && owner.pidns === me.pidns);
  if (!judged) return false;
  if (owner.pid !== process.pid || (owner.start !== undefined && owner.start !== me.start)) {
    if (!isAlive(owner.pid)) return true;
    // The pid is alive, but it is another process if it started at another time (pid reuse).
    const start = owner.start === undefined ? undefined : procStart(`/proc/${owner.pid}/stat`);
    return start !== undefined && start !== owner.start;
  }
  // This very process: a lock of one of its worker threads. Gone when that OS thread is gone (or reused).
  if (owner.thread === me.thread || owner.tid === undefined) return false;
  const tstart = procStart(`/proc/${owner.pid}/task/${owner.tid}/stat`);
  return tstart === undefined || (owner.tstart !== undefined && tstart !== owner.tstart);
}

async function acquireLock(path: string): Promise<() => Promise<void>> {
  const lock = `${path}.lock`;
  const me = currentOwner();
  for (let attempt = 0; ; attempt++) {
    let handle: FileHandle;
    try {
      handle = await open(lock, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if ((await isStaleLock(lock, me)) && (await breakStaleLock(lock, me))) continue;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 100)));
      continue;
    }
    try {
      await handle.writeFile(`${JSON.stringify(me)}\n`);
    } catch (error) {
      // A full disk (ENOSPC, EDQUOT): leave neither an ownerless lock nor an open file handle behind.
      await handle.close().catch(() => undefined);
      await unlink(lock).catch(() => undefined);
      throw error;
    }
    await handle.close();
    return () => unlink(lock).catch(() => undefined);
  }
}

/** A lock whose owner is gone, that never got an owner, or that has been held far too long. */
async function isStaleLock(lock: string, me: LockOwner): Promise<boolean> {
  const text = await readFile(lock, 'utf8').catch(() => null);
  if (text === null) return false; // released meanwhile
  const age = await ageOf(lock);
  if (age > LOCK_STALE_MS) return true;
  const owner = parseOwner(text);
  return owner === undefined ? age > LOCK_NO_OWNER_STALE_MS : ownerIsGone(owner, me);
}

/**
 * Removes a stale lock; false when another process is doing it. Waiters that find the same stale lock
 * must not each remove "it": a second removal would hit the lock the first has just taken, both would
 * write, and one recording would be lost without a conflict. So breaking a lock is itself exclusive (a
 * `.reap` file, held for microseconds), and the lock is checked again under it.
 */
async function breakStaleLock(lock: string, me: LockOwner): Promise<boolean> {
  const reap = `${lock}.reap`;
  try {
    await (await open(reap, 'wx')).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Held for microseconds: one this old was left by a process that died while breaking a lock.
    if ((await ageOf(reap)) > LOCK_NO_OWNER_STALE_MS) await rm(reap, { force: true });
    return false;
  }
  try {
    if (await isStaleLock(lock, me)) await rm(lock, { force: true });
  } finally {
    await rm(reap, { force: true });
  }
  return true;
}

/** Milliseconds since a file was last written; 0 when it is gone. */
async function ageOf(file: string): Promise<number> {
  const info = await stat(file).catch(() => null);
  return info === null ? 0 : Date.now() - info.mtimeMs;
}
