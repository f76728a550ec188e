import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { runTotalsDir, shareRunTotalsDir } from './mode.js';
import { addStats, emptyStats, formatSummary, type CassetteStats } from './report.js';

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

/**
 * Reporter side: the folder of one runner process's runs, named in the environment its workers inherit.
 * Made before the runner starts any worker; `watch`: the runner runs again in the same workers, so the
 * folder stays between runs.
 */
export class RunTotals {
  readonly dir = mkdtempSync(join(tmpdir(), 'tapedeck-run-'));
  readonly #watch: boolean;

  constructor(options: { watch: boolean }) {
    this.#watch = options.watch;
    shareRunTotalsDir(this.dir);
  }

  /** A run starts: forgets what earlier runs left. */
  start(): void {
    for (const name of this.#files()) rmSync(join(this.dir, name), { force: true });
  }

  /** A run ended: prints the sum of its test files, when any used a cassette. */
  end(print: (line: string) => void = (line) => console.log(line)): void {
    const totals = this.#collect();
    if (totals !== undefined) print(formatSummary(totals));
    if (!this.#watch) rmSync(this.dir, { recursive: true, force: true });
  }

  #collect(): CassetteStats | undefined {
    const total = emptyStats();
    for (const name of this.#files()) {
      for (const line of readFileSync(join(this.dir, name), 'utf8').split('\n')) {
        if (line.trim() !== '') addStats(total, JSON.parse(line) as Partial<CassetteStats>);
      }
    }
    return total.cassettes === 0 ? undefined : total;
  }

  #files(): string[] {
    try {
      return readdirSync(this.dir).filter((name) => name.endsWith('.jsonl'));
    } catch {
      return [];
    }
  }
}
