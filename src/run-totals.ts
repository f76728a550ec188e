import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { runTotalsDir, shareRunTotalsDir } from './mode.js';
import { addStats, emptyStats, type CassetteStats } from './report.js';

// One summary for the whole run. Test files run in worker processes that share nothing with the runner's
// main process but the file system and the environment they were started with: the reporter (main
// process) makes a folder and names it in the environment; each worker appends a line per test file;
// the reporter sums the lines when the run ends.

/**
 * Worker side: hands a test file's counters to the run's reporter. `false` when no reporter collects
 * them (the adapters then print the file's own line).
 */
export function reportFileToRun(stats: CassetteStats): boolean {
  const dir = runTotalsDir();
  if (dir === undefined) return false;
  try {
    // One file per worker (process and thread): no two writers ever append to the same file.
    appendFileSync(join(dir, `${process.pid}-${threadId}.jsonl`), `${JSON.stringify(stats)}\n`);
    return true;
  } catch {
    return false; // the reporter's folder is gone (a run that ended early): print the file's line instead
  }
}

/** Reporter side: the folder of one runner process's runs, named in the environment its workers inherit. */
export class RunTotals {
  readonly dir = mkdtempSync(join(tmpdir(), 'tapedeck-run-'));

  constructor() {
    shareRunTotalsDir(this.dir);
  }

  /** Forgets what earlier runs left (watch mode runs again in the same workers). */
  reset(): void {
    for (const name of this.#files()) rmSync(join(this.dir, name), { force: true });
  }

  /** The sum of every test file reported since the last {@link reset}; `undefined` when none used a cassette. */
  collect(): CassetteStats | undefined {
    const total = emptyStats();
    let files = 0;
    for (const name of this.#files()) {
      for (const line of readFileSync(join(this.dir, name), 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        addStats(total, JSON.parse(line) as Partial<CassetteStats>);
        files++;
      }
    }
    return files === 0 || total.cassettes === 0 ? undefined : total;
  }

  /** Removes the folder (the end of a run that will not run again). */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  #files(): string[] {
    try {
      return readdirSync(this.dir).filter((name) => name.endsWith('.jsonl'));
    } catch {
      return [];
    }
  }
}
