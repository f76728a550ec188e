import { formatUsage, mergeUsage, type UsageByModel } from './usage.js';

/** Counters for one cassette scope, and for the whole run (see {@link runStats}). */
export interface CassetteStats {
  cassettes: number;
  replayed: number;
  recorded: number;
  live: number;
  misses: number;
  /** `verify` mode: calls whose live answer differed from the recording. */
  drift: number;
  unused: number;
  written: number;
  /** Tokens that replayed LLM responses report, per model: tokens replayed instead of spent. */
  tokens?: UsageByModel;
}

type Counter = Exclude<keyof CassetteStats, 'tokens'>;

const zero = (): CassetteStats => ({ cassettes: 0, replayed: 0, recorded: 0, live: 0, misses: 0, drift: 0, unused: 0, written: 0, tokens: {} });

let totals = zero();

/** Adds one scope's counters to the run's totals. */
export function addToRun(stats: Partial<CassetteStats>): void {
  addStats(totals, stats);
}

/** Adds `stats` into `into` (counters and tokens); returns `into`. */
export function addStats(into: CassetteStats, stats: Partial<CassetteStats>): CassetteStats {
  for (const [key, value] of Object.entries(stats)) {
    if (key === 'tokens') mergeUsage((into.tokens ??= {}), value as UsageByModel);
    else if (key in into && typeof value === 'number') into[key as Counter] += value;
  }
  return into;
}

/** The run's totals so far (a copy). */
export function runStats(): CassetteStats {
  return { ...totals, tokens: structuredClone(totals.tokens ?? {}) };
}

/** What was counted since `start` (an earlier {@link runStats}): `now` minus `start`, tokens included. */
export function statsSince(start: CassetteStats, now: CassetteStats = runStats()): CassetteStats {
  const out = { ...now, tokens: mergeUsage(structuredClone(now.tokens ?? {}), start.tokens ?? {}, -1) };
  for (const key of Object.keys(zero()) as Array<keyof CassetteStats>) if (key !== 'tokens') out[key] -= start[key];
  return out;
}

/** Starts counting from zero again. */
export function resetRunStats(): void {
  totals = zero();
}

/** Creates an empty counter set. */
export function emptyStats(): CassetteStats {
  return zero();
}

/**
 * One line for the end of a run: `tapedeck: 12 cassettes, 40 replayed, 0 recorded, 0 live, 0 misses,
 * 1 unused, 0 written`, then, when replayed LLM responses reported usage,
 * `, tokens replayed: gpt-4o 1,234 in / 567 out` (models separated by `; `).
 */
export function formatSummary(stats: CassetteStats): string {
  const parts = [
    `${stats.cassettes} cassette${stats.cassettes === 1 ? '' : 's'}`,
    `${stats.replayed} replayed`,
    `${stats.recorded} recorded`,
    `${stats.live} live`,
    `${stats.misses} miss${stats.misses === 1 ? '' : 'es'}`,
    ...(stats.drift > 0 ? [`${stats.drift} drift`] : []),
    `${stats.unused} unused`,
    `${stats.written} written`,
  ];
  const tokens = formatUsage(stats.tokens ?? {});
  if (tokens !== '') parts.push(`tokens replayed: ${tokens}`);
  return `tapedeck: ${parts.join(', ')}`;
}
