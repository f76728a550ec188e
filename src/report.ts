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
  /** `drift` by verdict (src/transcript/verdict.ts): only `changed answer` and `changed behaviour` fail. */
  driftSame?: number;
  driftAnswer?: number;
  driftBehaviour?: number;
  /** Tokens that replayed LLM responses report, per model: tokens replayed instead of spent. */
  tokens?: UsageByModel;
}

type Counter = Exclude<keyof CassetteStats, 'tokens'>;

const zero = (): CassetteStats => ({ cassettes: 0, replayed: 0, recorded: 0, live: 0, misses: 0, drift: 0, unused: 0, written: 0, tokens: {} });

/** Counters a scope may lack (zero when absent). */
const OPTIONAL_COUNTERS = ['driftSame', 'driftAnswer', 'driftBehaviour'] as const;

let totals = zero();

/** Adds one scope's counters to the run's totals. */
export function addToRun(stats: Partial<CassetteStats>): void {
  addStats(totals, stats);
}

/** Adds `stats` into `into` (counters and tokens); returns `into`. */
export function addStats(into: CassetteStats, stats: Partial<CassetteStats>): CassetteStats {
  for (const [key, value] of Object.entries(stats)) {
    if (key === 'tokens') mergeUsage((into.tokens ??= {}), value as UsageByModel);
    else if ((key in into || (OPTIONAL_COUNTERS as readonly string[]).includes(key)) && typeof value === 'number') into[key as Counter] = (into[key as Counter] ?? 0) + value;
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
  for (const key of [...Object.keys(zero()), ...OPTIONAL_COUNTERS] as Array<keyof CassetteStats>) if (key !== 'tokens') out[key] = (out[key] ?? 0) - (start[key] ?? 0);
  return out;
}

/** Counts one drifting call of `RECORD=verify` (already counted in `drift`) under its verdict. */
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

/** ` (1 changed behaviour, 2 same meaning)`: the verdicts of the drift counted, when they were counted. */
function driftVerdicts(stats: CassetteStats): string {
  const kinds = [
    [stats.driftBehaviour ?? 0, 'changed behaviour'],
    [stats.driftAnswer ?? 0, 'changed answer'],
    [stats.driftSame ?? 0, 'same meaning'],
  ] as const;
  const counted = kinds.filter(([n]) => n > 0).map(([n, label]) => `${n} ${label}`);
  return counted.length === 0 ? '' : ` (${counted.join(', ')})`;
}

/**
 * One line for the end of a run: `tapedeck: 12 cassettes, 40 replayed, 0 recorded, 0 live, 0 misses,
 * 1 unused, 0 written` (under `RECORD=verify`, `3 drift (1 changed behaviour, 2 same meaning)` after the
 * misses), then, when replayed LLM responses reported usage,
 * `, tokens replayed: gpt-4o 1,234 in / 567 out` (models separated by `; `).
 */
export function formatSummary(stats: CassetteStats): string {
  const parts = [
    `${stats.cassettes} cassette${stats.cassettes === 1 ? '' : 's'}`,
    `${stats.replayed} replayed`,
    `${stats.recorded} recorded`,
    `${stats.live} live`,
    `${stats.misses} miss${stats.misses === 1 ? '' : 'es'}`,
    ...(stats.drift > 0 ? [`${stats.drift} drift${driftVerdicts(stats)}`] : []),
    `${stats.unused} unused`,
    `${stats.written} written`,
  ];
  const tokens = formatUsage(stats.tokens ?? {});
  if (tokens !== '') parts.push(`tokens replayed: ${tokens}`);
  return `tapedeck: ${parts.join(', ')}`;
}
