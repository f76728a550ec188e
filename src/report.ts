import { formatUsage, mergeUsage, type UsageByModel } from './usage.js';

/** Counters for one cassette scope, and for the whole run (see {@link runStats}). */
export interface CassetteStats {
  cassettes: number;
  replayed: number;
  recorded: number;
  live: number;
  misses: number;
  unused: number;
  written: number;
  /** `RECORD=verify`: calls that drifted, by verdict (src/transcript/verdict.ts). Same meaning never fails. */
  driftSame?: number;
  driftAnswer?: number;
  driftBehaviour?: number;
  /** Tokens that replayed LLM responses report, per model: tokens replayed instead of spent. */
  tokens?: UsageByModel;
}

type Counter = Exclude<keyof CassetteStats, 'tokens'>;

const zero = (): CassetteStats => ({ cassettes: 0, replayed: 0, recorded: 0, live: 0, misses: 0, unused: 0, written: 0, driftSame: 0, driftAnswer: 0, driftBehaviour: 0, tokens: {} });

let totals = zero();

/** Adds one scope's counters to the run's totals. */
export function addToRun(stats: Partial<CassetteStats>): void {
  addStats(totals, stats);
}

/** Adds `stats` into `into` (counters and tokens); returns `into`. */
export function addStats(into: CassetteStats, stats: Partial<CassetteStats>): CassetteStats {
  for (const [key, value] of Object.entries(stats)) {
    if (key === 'tokens') mergeUsage((into.tokens ??= {}), value as UsageByModel);
    else if (key in into && typeof value === 'number') into[key as Counter] = (into[key as Counter] ?? 0) + value;
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
  for (const key of Object.keys(zero()) as Array<keyof CassetteStats>) if (key !== 'tokens') out[key] = (out[key] ?? 0) - (start[key] ?? 0);
  return out;
}

/** Counts one drifting call of `RECORD=verify` under its verdict. */
export function countDrift(stats: CassetteStats, verdict: 'same meaning' | 'changed answer' | 'changed behaviour'): void {
  const key = verdict === 'same meaning' ? 'driftSame' : verdict === 'changed answer' ? 'driftAnswer' : 'driftBehaviour';
  stats[key] = (stats[key] ?? 0) + 1;
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
 * 1 unused, 0 written`, then, under `RECORD=verify`, `, 3 drifted (1 changed behaviour, 2 same meaning)`; when replayed LLM responses reported usage,
 * `, tokens replayed: gpt-4o 1,234 in / 567 out` (models separated by `; `).
 */
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
  const drift = (stats.driftBehaviour ?? 0) + (stats.driftAnswer ?? 0) + (stats.driftSame ?? 0);
  if (drift > 0) {
    const kinds = [
      [stats.driftBehaviour, 'changed behaviour'],
      [stats.driftAnswer, 'changed answer'],
      [stats.driftSame, 'same meaning'],
    ] as const;
    parts.push(`${drift} drifted (${kinds.filter(([n]) => (n ?? 0) > 0).map(([n, label]) => `${n} ${label}`).join(', ')})`);
  }
  const tokens = formatUsage(stats.tokens ?? {});
  if (tokens !== '') parts.push(`tokens replayed: ${tokens}`);
  return `tapedeck: ${parts.join(', ')}`;
}
