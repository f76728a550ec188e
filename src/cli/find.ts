import type { Dirent } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { isJsonObject } from '../hash.js';
import { isTapedeckFile } from '../location.js';
import { byText, displayPath, UsageError, type CliIO } from './io.js';

/** The folder name tapedeck keeps cassettes in (DESIGN section 7). */
const CASSETTE_FOLDER = '__cassettes__';

/** A file the CLI works on: its absolute path, how it is shown, and its text if it was already read. */
export interface FoundFile {
  path: string;
  display: string;
  text?: string;
}

/**
 * Calls `onFile` for every file under `dir`, skipping `node_modules` and dot-folders (`.git`, caches).
 * Symbolic links to folders are not followed (no cycles); links to files are reported.
 */
export async function walkFiles(dir: string, onFile: (path: string, name: string) => void | Promise<void>): Promise<void> {
  let items: Dirent[];
  try {
    items = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    // A folder removed or unreadable mid-walk is not ours to report; `check` validates what it finds.
    if (['ENOENT', 'EACCES', 'EPERM', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
    throw error;
  }
  await Promise.all(
    items.map(async (item) => {
      const path = join(dir, item.name);
      if (item.isDirectory()) {
        if (item.name.startsWith('.') || item.name === 'node_modules') return;
        await walkFiles(path, onFile);
      } else if (item.isFile() || (item.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isFile())) {
        await onFile(path, item.name);
      }
    }),
  );
}

/** Resolves command-line targets, refusing (usage error) one that does not exist. */
async function resolveTargets(io: Pick<CliIO, 'cwd'>, targets: readonly string[]): Promise<Array<{ path: string; isDir: boolean }>> {
  return Promise.all(
    (targets.length === 0 ? ['.'] : targets).map(async (target) => {
      const path = resolve(io.cwd, target);
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) throw new UsageError(`no such file or directory: ${target}`);
      return { path, isDir: info.isDirectory() };
    }),
  );
}

/** True when a path lies inside a `__cassettes__` folder. */
function inCassetteFolder(path: string): boolean {
  return path.split(sep).includes(CASSETTE_FOLDER);
}

/**
 * Finds the cassettes under `targets` (default: the working folder):
 * - every `*.json` inside a `__cassettes__` folder (a file there that is not a valid cassette is a problem);
 * - elsewhere, a `*.json` whose top level has both `schemaVersion` and `entries` (cassettes saved to an
 *   explicit `{ path }`); other JSON files (package.json, tsconfig.json...) are not cassettes;
 * - a file named on the command line, whatever its name or content.
 * tapedeck's own notes (the unused record; temp and lock files are not `.json`) are skipped, other
 * dot-files are not. Sorted by displayed path; no duplicates.
 */
export async function findCassettes(io: Pick<CliIO, 'cwd'>, targets: readonly string[]): Promise<FoundFile[]> {
  const found = new Map<string, FoundFile>();
  const add = (file: Omit<FoundFile, 'display'>): void => {
    if (!found.has(file.path)) found.set(file.path, { ...file, display: displayPath(io, file.path) });
  };
  for (const target of await resolveTargets(io, targets)) {
    if (!target.isDir) {
      add({ path: target.path });
      continue;
    }
    await walkFiles(target.path, async (path, name) => {
      // Only tapedeck's own notes are skipped: a dot-file cassette (hand-made, or from an older tapedeck)
      // is still a cassette, and a secret planted in one must not pass `check`.
      if (isTapedeckFile(name) || !name.endsWith('.json')) return;
      if (inCassetteFolder(path)) return add({ path });
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text !== undefined && looksLikeCassette(text)) add({ path, text });
    });
  }
  return [...found.values()].sort((a, b) => byText(a.display, b.display));
}

function looksLikeCassette(text: string): boolean {
  // Cheap test first: most JSON files in a repository never mention the field.
  if (!text.includes('"schemaVersion"') || !text.includes('"entries"')) return false;
  try {
    const data: unknown = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    return isJsonObject(data) && 'schemaVersion' in data && 'entries' in data;
  } catch {
    return false;
  }
}

/** Finds files named `name` under `targets` (default: the working folder), sorted by displayed path. */
export async function findNamed(io: Pick<CliIO, 'cwd'>, targets: readonly string[], name: string): Promise<FoundFile[]> {
  const found = new Map<string, FoundFile>();
  for (const target of await resolveTargets(io, targets)) {
    if (!target.isDir) throw new UsageError(`not a directory: ${displayPath(io, target.path)}`);
    await walkFiles(target.path, (path, fileName) => {
      if (fileName === name && !found.has(path)) found.set(path, { path, display: displayPath(io, path) });
    });
  }
  return [...found.values()].sort((a, b) => byText(a.display, b.display));
}
