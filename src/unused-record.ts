import { readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { ReplayError, isReplayError } from './errors.js';
import { formatPath } from './json-path.js';
import { UNUSED_RECORD_FILE } from './location.js';
import { parseJsonText, saveAtomic, stableStringify } from './store.js';
import { zod } from './lazy-deps.js';

// The note's name lives with the other naming rules (src/location.ts): no cassette can take it.
export { UNUSED_RECORD_FILE };

/** The version of the unused-record format this tapedeck writes. */
export const UNUSED_RECORD_VERSION = 1;

/** One entry a run did not replay: its position in the cassette's `entries`, and its key to check it by. */
export interface UnusedEntry {
  index: number;
  toolId: string;
  argsHash: string;
}

/** `{ version, cassettes: { <cassette file name>: UnusedEntry[] } }`, one per cassette folder. */
export interface UnusedRecord {
  version: typeof UNUSED_RECORD_VERSION;
  cassettes: Record<string, UnusedEntry[]>;
}

// Built on first read (zod loads lazily: see lazy-deps.ts).
let recordSchema: z.ZodType<UnusedRecord> | undefined;
function unusedRecordSchema(): z.ZodType<UnusedRecord> {
  if (recordSchema !== undefined) return recordSchema;
  const z = zod();
  const unusedEntrySchema = z.object({
    index: z.number().int().min(0),
    toolId: z.string().min(1),
    argsHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters (a SHA-256)'),
  });
  recordSchema = z.object({
    version: z.literal(UNUSED_RECORD_VERSION),
    cassettes: z.record(z.string().min(1), z.array(unusedEntrySchema)),
  });
  return recordSchema;
}

/** The unused record of the folder `cassettePath` is in. */
export function unusedRecordPath(cassettePath: string): string {
  return join(dirname(cassettePath), UNUSED_RECORD_FILE);
}

/** Validates a parsed unused record; throws `corrupt-cassette` naming the file and the JSON path. */
export function parseUnusedRecord(data: unknown, source: string): UnusedRecord {
  const parsed = unusedRecordSchema().safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = formatPath((issue?.path ?? []).map((p) => (typeof p === 'symbol' ? String(p) : p)));
  throw new ReplayError(
    'corrupt-cassette',
    `tapedeck: ${source} is not a valid unused-entries record.\n  at ${at}: ${issue?.message ?? 'invalid'}\n` +
      `  fix: delete it; the next test run writes it again.`,
    { cassettePath: source, jsonPath: at },
  );
}

/**
 * Reads an unused record and its exact text; `null` when there is none. A corrupt record throws, naming
 * it as `source` (default: its path).
 */
export async function readUnusedRecord(recordPath: string, source = recordPath): Promise<{ record: UnusedRecord; text: string } | null> {
  const text = await readTextOrNull(recordPath);
  if (text === null) return null;
  return { record: parseUnusedRecord(parseJsonText(text, source), source), text };
}

/**
 * Notes that the last run of the cassette at `cassettePath` did not replay `unused` (replacing what was
 * noted for it before); an empty list clears the note (see {@link clearUnused}). Nothing is written for
 * a cassette that is not a file on disk. With `warn`, a failure is reported through it instead of thrown:
 * the record is housekeeping and must never fail a test.
 */
export async function recordUnused(
  cassettePath: string,
  unused: ReadonlyArray<Readonly<UnusedEntry>>,
  warn?: (message: string) => void,
): Promise<void> {
  const list = unused.map(({ index, toolId, argsHash }) => ({ index, toolId, argsHash }));
  try {
    if (list.length > 0 && !(await isFile(cassettePath))) return;
    await updateRecord(cassettePath, list);
  } catch (error) {
    if (warn === undefined) throw error;
    warn(`tapedeck: warning: could not update ${unusedRecordPath(cassettePath)}: ${(error as Error).message}`);
  }
}

/** Removes what the record says about the cassette at `cassettePath`; the file goes when nothing is left. */
export async function clearUnused(cassettePath: string): Promise<void> {
  await updateRecord(cassettePath, []);
}

const MAX_ATTEMPTS = 20;

async function updateRecord(cassettePath: string, list: UnusedEntry[]): Promise<void> {
  const recordPath = unusedRecordPath(cassettePath);
  const name = basename(cassettePath);
  // Tests of one file finish concurrently and share the record: read, merge, and write only if nobody
  // wrote in between (saveAtomic's `expected`), else start over.
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await readTextOrNull(recordPath);
    if (current === null && list.length === 0) return;
    let cassettes: Record<string, UnusedEntry[]> = {};
    if (current !== null) {
      try {
        cassettes = parseUnusedRecord(parseJsonText(current, recordPath), recordPath).cassettes;
      } catch {
        // A damaged record is derived data: it is rebuilt from this run rather than blocking it.
      }
    }
    if (list.length > 0) cassettes[name] = list;
    else delete cassettes[name];
    if (Object.keys(cassettes).length === 0) {
      // No lock-protected delete exists; the window between this read and rm is tiny, and losing a
      // concurrent note only means `prune` removes less until the next run notes it again.
      if ((await readTextOrNull(recordPath)) !== current) continue;
      await rm(recordPath, { force: true });
      return;
    }
    const text = stableStringify({ version: UNUSED_RECORD_VERSION, cassettes } satisfies UnusedRecord);
    if (text === current) return;
    try {
      await saveAtomic(recordPath, text, { expected: current });
      return;
    } catch (error) {
      if (!isReplayError(error) || error.reason !== 'cassette-conflict') throw error;
    }
  }
  throw new ReplayError('cassette-conflict', `tapedeck: ${recordPath} kept changing while it was being updated; gave up after ${MAX_ATTEMPTS} tries.`, {
    cassettePath: recordPath,
  });
}

async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
