import { basename, dirname, join } from 'node:path';
import { ToolCallCassette } from '../cassette.js';
import type { CassetteFile } from '../format.js';
import { loadJsonFile, saveAtomic, stableStringify } from '../store.js';
import { clearUnused, readUnusedRecord, UNUSED_RECORD_FILE, type UnusedEntry } from '../unused-record.js';
import { findNamed } from './find.js';
import { displayPath, EXIT_OK, EXIT_PROBLEMS, paint, parseCommand, plural, shortMessage, type CliIO } from './io.js';

export const PRUNE_HELP = `Usage: tapedeck prune [options] [path...]

Removes from cassettes the entries the last test run did not replay. When a test passes and leaves
recorded entries unused, tapedeck notes them in ${UNUSED_RECORD_FILE} in the cassette's folder
({ cassette file name: [{ index, toolId, argsHash }] }); a run that uses them all clears the note.
prune reads every such record under each path (default: the current folder), checks that entry
<index> of the cassette still has that toolId and argsHash (if not, the cassette changed since the
run: it is skipped with a warning), rewrites the cassette without those entries (atomically, stable
formatting; signatures of tools left without entries are dropped) and removes the record.

Run it after a full, passing test run: a test that did not run (filtered out, skipped) notes nothing.

Options:
  --dry-run   print what would be removed; change nothing
  -h, --help  show this help

Exit codes:
  0  done (also when there was nothing to prune, or entries were skipped with a warning)
  1  a cassette or record could not be read or written
  2  usage error: unknown option, a path that does not exist or is not a folder
`;

/** What pruning one cassette did (or would do). */
export interface PruneResult {
  removed: UnusedEntry[];
  /** Noted entries that no longer match the cassette, with why. */
  skipped: Array<{ entry: UnusedEntry; why: string }>;
}

/**
 * Removes `unused` entries from a cassette file's content. An entry is removed only when the cassette
 * still has that toolId and argsHash at that index; signatures of tools left without entries go too.
 */
export function pruneEntries(file: CassetteFile, unused: readonly UnusedEntry[]): { file: CassetteFile; result: PruneResult } {
  const result: PruneResult = { removed: [], skipped: [] };
  const drop = new Set<number>();
  for (const note of unused) {
    const entry = file.entries[note.index];
    if (entry === undefined) {
      result.skipped.push({ entry: note, why: `the cassette has only ${file.entries.length} entries now` });
    } else if (entry.toolId !== note.toolId || entry.argsHash !== note.argsHash) {
      result.skipped.push({ entry: note, why: `entries[${note.index}] is now ${entry.toolId} ${entry.argsHash.slice(0, 12)}…` });
    } else if (!drop.has(note.index)) {
      drop.add(note.index);
      result.removed.push(note);
    }
  }
  const entries = file.entries.filter((_, index) => !drop.has(index));
  const next: CassetteFile = { ...file, entries };
  const tools = file.meta?.tools;
  if (tools !== undefined && drop.size > 0) {
    const kept = Object.fromEntries(Object.entries(tools).filter(([toolId]) => entries.some((e) => e.toolId === toolId)));
    const meta = { ...file.meta };
    if (Object.keys(kept).length > 0) meta.tools = kept;
    else delete meta.tools;
    next.meta = meta;
  }
  return { file: next, result };
}

/** `tapedeck prune`: see {@link PRUNE_HELP}. */
export async function runPrune(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommand(args, { 'dry-run': { type: 'boolean' } });
  if (values.help === true) {
    io.out(PRUNE_HELP.trimEnd());
    return EXIT_OK;
  }
  const dryRun = values['dry-run'] === true;
  const p = paint(io);
  let failed = 0;
  let removedTotal = 0;
  let changedCassettes = 0;
  const fail = (where: string, thrown: unknown): void => {
    failed++;
    io.err(`${where}: ${p.red('error')}: ${shortMessage(thrown, where)}`);
  };

  for (const recordFile of await findNamed(io, positionals, UNUSED_RECORD_FILE)) {
    let record;
    try {
      record = (await readUnusedRecord(recordFile.path, recordFile.display))?.record;
    } catch (thrown) {
      fail(recordFile.display, thrown);
      continue;
    }
    if (record === undefined) continue; // removed since the walk
    const folder = dirname(recordFile.path);
    for (const name of Object.keys(record.cassettes).sort()) {
      const path = join(folder, name);
      const shown = displayPath(io, path);
      // The record names files by base name only; anything else is not ours to touch.
      if (basename(name) !== name) {
        fail(recordFile.display, new Error(`names ${JSON.stringify(name)}, which is not a file name in this folder`));
        continue;
      }
      try {
        const stored = await loadJsonFile(path);
        if (stored === null) {
          io.err(`${shown}: ${p.yellow('warning')}: the cassette no longer exists; forgetting its unused entries`);
          if (!dryRun) await clearUnused(path);
          continue;
        }
        ToolCallCassette.fromJSON(stored.data, shown); // never rewrite a cassette that does not load
        const { file, result } = pruneEntries(stored.data as CassetteFile, record.cassettes[name]!);
        for (const { entry, why } of result.skipped) {
          io.err(`${shown}: ${p.yellow('warning')}: not removing entries[${entry.index}] ${entry.toolId} ${entry.argsHash.slice(0, 12)}…: ${why} (re-run the tests, then prune)`);
        }
        for (const entry of result.removed) {
          io.out(`${shown}: entries[${entry.index}] ${entry.toolId} ${p.dim(entry.argsHash.slice(0, 12))}: ${dryRun ? 'would remove' : 'removed'}`);
        }
        if (dryRun) {
          removedTotal += result.removed.length;
          if (result.removed.length > 0) changedCassettes++;
          continue;
        }
        if (result.removed.length > 0) {
          await saveAtomic(path, stableStringify(file), { expected: stored.text });
          removedTotal += result.removed.length;
          changedCassettes++;
        }
        await clearUnused(path);
      } catch (thrown) {
        fail(shown, thrown);
      }
    }
  }
  const entries = plural(removedTotal, 'unused entry', 'unused entries');
  const summary = dryRun
    ? `tapedeck prune: would remove ${entries} from ${plural(changedCassettes, 'cassette')} (dry run: nothing changed)`
    : `tapedeck prune: removed ${entries} from ${plural(changedCassettes, 'cassette')}`;
  io.out(failed > 0 ? p.red(`${summary}; ${plural(failed, 'error')}`) : summary);
  return failed > 0 ? EXIT_PROBLEMS : EXIT_OK;
}
