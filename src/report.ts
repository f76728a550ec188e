/** Counters for one cassette scope, and for the whole run (see {@link runStats}). */
export interface CassetteStats {
  cassettes: number;
  replayed: number;
  recorded: number;
  live: number;
  misses: number;
  unused: number;
  written: number;
}

const zero = (): CassetteStats => ({ cassettes: 0, replayed: 0, recorded: 0, live: 0, misses: 0, unused: 0, written: 0 });

let totals = zero();

/** Adds one scope's counters to the run's totals. */
export function addToRun(stats: Partial<CassetteStats>): void {
  for (const [key, value] of Object.entries(stats) as Array<[keyof CassetteStats, number]>) totals[key] += value;
}

/** The run's totals so far (a copy). */
export function runStats(): CassetteStats {
  return { ...totals };
}

/** Starts counting from zero again. */
export function resetRunStats(): void {
  totals = zero();
}

/** Creates an empty counter set. */
export function emptyStats(): CassetteStats {
  return zero();
}

/** One line for the end of a run: `tapedeck: 12 cassettes, 40 calls replayed, 0 recorded, 0 misses, 1 unused`. */
export function formatSummary(stats: CassetteStats): string {
  const parts = [
    `${stats.cassettes} cassette${stats.cassettes === 1 ? '' : 's'}`,
    `${stats.replayed} replayed`,
    `${stats.recorded} recorded`,
    `${stats.live} live`,
    `${stats.misses} miss${stats.misses === 1 ? '' : 'es'}`,
    `${stats.unused} unused`,
    `${stats.written} written`,
  ];
  return `tapedeck: ${parts.join(', ')}`;
}
